"""Chapter 02's checks. Recurrent networks: the long-range target, clipping by the global norm."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def long_range_target(answer: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """Check ``long_range_target(history, lag)``: the item ``lag`` steps before the end of each row."""
    from lstmrec import data

    cases = []
    for seq_len, lag in [(8, 3), (8, 1), (8, 8), (5, 2)]:
        history, _ = data.synthetic.long_range_sequences(4, seq_len, lag, seed=seq_len * 10 + lag)
        history = history.copy()
        history[:, :] = np.arange(1, seq_len + 1)  # position t holds item t + 1: every position is different
        cases.append(Case(f"seq_len={seq_len}, lag={lag}", (history, lag)))

    def reference(history, lag):
        return np.asarray(history)[:, history.shape[1] - lag]

    mistakes = [
        Mistake(lambda h, lag: np.asarray(h)[:, -lag - 1],
                "lag=1 is the LAST item (index seq_len - 1): the index is seq_len - lag, not seq_len - lag - 1."),
        Mistake(lambda h, lag: np.asarray(h)[:, lag],
                "count the lag back from the end of the sequence, not forward from its start."),
        Mistake(lambda h, lag: np.asarray(h)[:, lag - 1],
                "count the lag back from the end of the sequence, not forward from its start."),
        Mistake(lambda h, lag: np.asarray(h)[:, -1], "the target is the item lag steps back, not always the last one."),
    ]
    return check("long_range_target", answer, reference, cases, mistakes)


def _reference_clip(grads, max_norm):
    grads = [np.asarray(g, dtype=float) for g in grads]
    norm = np.sqrt(sum(float((g ** 2).sum()) for g in grads))  # the global norm
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return tuple(g * scale for g in grads)


def clip_by_global_norm(answer: Callable[[list, float], list]) -> CheckResult:
    """Check ``clip_by_global_norm(grads, max_norm)``: rescale all gradients together.

    All of them by the same factor, and only if their global norm is too big.
    """
    cases = [
        Case("one gradient [3, 4] (norm 5), max_norm 1", ([np.array([3.0, 4.0])], 1.0)),
        Case("[3] and [[4], [12]] (global norm 13), max_norm 6.5", ([np.array([3.0]), np.array([[4.0], [12.0]])], 6.5)),
        Case("global norm 13 below max_norm 26: unchanged", ([np.array([3.0]), np.array([[4.0], [12.0]])], 26.0)),
    ]

    def per_tensor(grads, c):
        return tuple(np.asarray(g, float) * min(1.0, c / np.linalg.norm(g)) for g in grads)

    def always_scale(grads, c):
        norm = np.sqrt(sum((np.asarray(g, float) ** 2).sum() for g in grads))
        return tuple(np.asarray(g, float) * c / norm for g in grads)

    def squared_norm(grads, c):
        sq = sum((np.asarray(g, float) ** 2).sum() for g in grads)
        return tuple(np.asarray(g, float) * min(1.0, c / sq) for g in grads)

    mistakes = [
        Mistake(per_tensor, "clip by the GLOBAL norm sqrt(sum of all squared entries of all gradients), and scale "
                            "every gradient by the same factor, so the direction of the whole update is kept."),
        Mistake(always_scale,
                "only scale down when the global norm is larger than max_norm: use min(1, max_norm / norm)."),
        Mistake(squared_norm, "the norm is the square root of the sum of squares."),
        Mistake(lambda grads, c: tuple(np.clip(np.asarray(g, float), -c, c) for g in grads),
                "clipping each value to [-c, c] changes the direction of the update; "
                "rescale the whole gradient instead."),
    ]
    return check("clip_by_global_norm", converted(answer, tuple), _reference_clip, cases, mistakes)
