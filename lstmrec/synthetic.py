"""Synthetic item sequences with a known long-range dependency.

Taught in chapter 02 (vanishing gradients), and used by the tests.

Each sequence is ``seq_len`` item ids. At exactly one position, ``lag`` steps
before the end, sits a *signal* item drawn from ``1..num_signals``; every other
position holds a *distractor* drawn from ``num_signals+1..num_items``. The
target, the item to recommend next, is the signal item. So the answer is
fully determined by one item ``lag`` steps back and by nothing else: a model
that cannot carry information over ``lag`` steps scores chance,
``1 / num_signals``.
"""

from __future__ import annotations

import numpy as np


def long_range_sequences(num_sequences: int, seq_len: int, lag: int, num_items: int = 20,
                         num_signals: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences whose next item is the one seen ``lag`` steps earlier.

    Args:
        num_sequences: how many sequences (``n``).
        seq_len: length of each sequence.
        lag: how many steps before the end the signal sits, ``1 <= lag <= seq_len``
            (``lag=1``: the last item).
        num_items: item ids are ``1..num_items`` (0 stays free for padding).
        num_signals: signal items are ``1..num_signals``; the rest are distractors.
        seed: the NumPy seed; equal seeds give equal sequences.

    Returns:
        ``(history, target)``: ``history`` (n, seq_len) int32, oldest first;
        ``target`` (n,) int32 with ``target == history[:, seq_len - lag]``.

    Raises:
        ValueError: a size is out of range.

    Example:
        >>> history, target = long_range_sequences(2, seq_len=5, lag=3, seed=0)
        >>> bool((target == history[:, 5 - 3]).all())
        True
    """
    if num_sequences < 1 or seq_len < 1:
        raise ValueError(f"num_sequences={num_sequences} and seq_len={seq_len} must be at least 1")
    if not 1 <= lag <= seq_len:
        raise ValueError(f"lag={lag} must be between 1 and seq_len={seq_len}")
    if not 2 <= num_signals < num_items:
        raise ValueError(f"num_signals={num_signals} must be at least 2 and below num_items={num_items}")
    rng = np.random.default_rng(seed)
    history = rng.integers(num_signals + 1, num_items + 1, size=(num_sequences, seq_len))  # (n, seq_len)
    target = rng.integers(1, num_signals + 1, size=num_sequences)  # (n,)
    history[:, seq_len - lag] = target
    return history.astype(np.int32), target.astype(np.int32)
