"""Synthetic item sequences: one with a known long-range dependency, and catalogues of any size.

Taught in chapter 02 (vanishing gradients, ``long_range_sequences``); chapter 12
times training on ``catalogue_sequences`` up to 100,000 items; used by the tests.

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


def catalogue_sequences(num_users: int, num_items: int, mean_length: int = 50, follow: float = 0.5,
                        zipf: float = 1.0, seed: int = 0) -> list[np.ndarray]:
    """Users' item sequences over a catalogue of any size, with popularity skew and a learnable order.

    Used to measure what training costs as the catalogue grows (chapter 12),
    where no real data set has the size wanted. Each sequence is built as:

    - its length is ``2 + Poisson(mean_length - 2)`` (at least 2: one input, one target);
    - each item either follows the previous one, ``(prev mod num_items) + 1``,
      with probability ``follow`` (an order a sequence model can learn), or is
      drawn afresh from a Zipf-like popularity, ``p(rank r) ∝ r^-zipf``.

    Args:
        num_users: how many sequences.
        num_items: item ids are ``1..num_items`` (0 stays free for padding).
        mean_length: the mean sequence length, at least 2.
        follow: the probability that an item follows the previous one, in [0, 1).
        zipf: the popularity exponent (0 = uniform).
        seed: the NumPy seed; equal arguments give equal sequences.

    Returns:
        ``num_users`` int32 arrays, oldest item first.

    Raises:
        ValueError: a size or probability is out of range.

    Example:
        >>> seqs = catalogue_sequences(3, num_items=100_000, mean_length=10, seed=0)
        >>> len(seqs), all(len(s) >= 2 and s.min() >= 1 and s.max() <= 100_000 for s in seqs)
        (3, True)
    """
    if num_users < 1 or num_items < 2 or mean_length < 2:
        raise ValueError(f"num_users={num_users}, num_items={num_items}, mean_length={mean_length}: need at least "
                         "1 user, 2 items and a mean length of 2")
    if not 0.0 <= follow < 1.0 or zipf < 0:
        raise ValueError(f"follow={follow} must be in [0, 1) and zipf={zipf} non-negative")
    rng = np.random.default_rng(seed)
    lengths = 2 + rng.poisson(mean_length - 2, size=num_users)  # (num_users,)
    total = int(lengths.sum())
    popularity = np.arange(1, num_items + 1, dtype=np.float64) ** -zipf  # (num_items,) by rank
    fresh = rng.choice(num_items, size=total, p=popularity / popularity.sum()) + 1  # (total,) ids 1..num_items
    starts = np.r_[0, np.cumsum(lengths)[:-1]]  # (num_users,) where each sequence begins
    draws = rng.random(total) >= follow  # (total,) True where the item is drawn afresh
    draws[starts] = True  # a sequence's first item has nothing to follow
    position = np.arange(total)
    run_start = np.maximum.accumulate(np.where(draws, position, 0))  # (total,) the last fresh draw at or before
    items = (fresh[run_start] - 1 + (position - run_start)) % num_items + 1  # fresh item, then +1 per step
    return np.split(items.astype(np.int32), starts[1:])
