"""Chapter 00's checks. Start here: the warm-up, HR@k and the rank of a target."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from lstmrec import evaluation
from lstmrec.course.checks.core import Case, CheckResult, Mistake, check

RANK_CASES = np.array([0, 3, 9, 10, 1, 25])


def hr_at_k(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``hr_at_k(ranks, k)``: the share of ranks (0-based) below ``k``."""
    cases = [
        Case("ranks [0, 3, 9, 10, 1, 25], k=10", (RANK_CASES, 10)),
        Case("target exactly at rank k: ranks [5], k=5", (np.array([5]), 5)),
        Case("target at rank 0: ranks [0], k=1", (np.array([0]), 1)),
        Case("no hits: ranks [7, 8], k=3", (np.array([7, 8]), 3)),
    ]
    mistakes = [
        Mistake(lambda r, k: float(np.mean(np.asarray(r) <= k)),
                "ranks are 0-based (0 = best), so the top k are ranks 0..k-1: use rank < k, not rank <= k."),
        Mistake(lambda r, k: float(np.mean(np.asarray(r) + 1 < k)),
                "a rank of 0 is already the first place; do not add 1 before comparing with k."),
        Mistake(lambda r, k: float(np.sum(np.asarray(r) < k)),
                "return the share of users (a mean between 0 and 1), not the count of hits."),
    ]
    return check("hr_at_k", answer, evaluation.metrics.hr_at_k, cases, mistakes)


def _reference_rank(scores, target, seen) -> int:
    exclude = evaluation.ranking.exclusion_mask([np.asarray(seen, dtype=np.int64)], len(scores), [target])
    return int(evaluation.ranking.target_ranks(np.asarray(scores)[None, :], [target], exclude)[0])


def target_rank(answer: Callable[[np.ndarray, int, Sequence[int]], int]) -> CheckResult:
    """Check ``target_rank(scores, target, seen)``: the 0-based rank of ``target`` for one user.

    The candidates are every item except padding (id 0) and the ``seen`` items;
    a candidate scoring the same as the target counts as ranked above it.
    """
    s = np.array([9.0, 0.1, 0.7, 0.4, 0.7, 0.9, 0.2])  # item 0 is padding: its score never counts
    low = s.copy()
    low[0] = -1.0  # padding below every item: tells "1-based" (always +1) from "padding counted" (+1 only with s)
    cases = [
        Case("no ties, nothing seen, padding scores lowest: target 3", (low, 3, [])),
        Case("best candidate: target 5", (s, 5, [])),
        Case("a tie with the target: target 2 (item 4 scores the same)", (s, 2, [])),
        Case("seen items above the target: target 3, seen [5, 2]", (s, 3, [5, 2])),
        Case("padding scores highest: target 5, seen [2, 4]", (s, 5, [2, 4])),
    ]

    def ignore_seen(scores, target, seen):
        return _reference_rank(scores, target, [])

    def ties_for_model(scores, target, seen):
        sc = np.asarray(scores, dtype=float).copy()
        sc[0] = -np.inf
        sc[list(seen)] = -np.inf
        return int((sc > sc[target]).sum())

    def one_based(scores, target, seen):
        return _reference_rank(scores, target, seen) + 1

    def padding_counts(scores, target, seen):
        return _reference_rank(scores, target, seen) + int(scores[0] >= scores[target])

    mistakes = [  # padding_counts first: where padding outscores the target it equals one_based
        Mistake(padding_counts, "item 0 is padding, not a real item: it is never a candidate."),
        Mistake(one_based, "ranks are 0-based: the best candidate has rank 0."),
        Mistake(ignore_seen, "items in `seen` are not candidates: mask them out (e.g. set their score to -inf) first."),
        Mistake(ties_for_model, "a candidate with the same score as the target counts as ranked above it (use >=), "
                                "otherwise a model that scores everything equal would look perfect."),
    ]
    return check("target_rank", answer, _reference_rank, cases, mistakes)
