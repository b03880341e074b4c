"""Chapter 07's checks. Evaluation that holds up: NDCG@k, catalogue coverage."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec import evaluation
from lstmrec.course.checks.ch00 import RANK_CASES
from lstmrec.course.checks.core import Case, CheckResult, Mistake, check


def _one_based_ndcg(ranks, k) -> float:
    """The "1 / log2(rank + 1)" mistake: rank 0 gives 1 / 0 = inf, without a warning the learner would see."""
    ranks = np.asarray(ranks)
    with np.errstate(divide="ignore"):
        gains = 1 / np.log2(ranks + 1.0)
    return float(np.mean(np.where(ranks < k, gains, 0)))


def ndcg_at_k(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``ndcg_at_k(ranks, k)``: mean of ``1/log2(rank + 2)`` for ranks below ``k``."""
    cases = [
        Case("ranks [0, 3, 9, 10, 1, 25], k=10", (RANK_CASES, 10)),
        Case("one user at rank 0: ranks [0], k=10", (np.array([0]), 10)),
        Case("one user at rank 1: ranks [1], k=10", (np.array([1]), 10)),
        Case("target exactly at rank k: ranks [5], k=5", (np.array([5]), 5)),
    ]
    mistakes = [
        Mistake(lambda r, k: float(np.mean(np.where(np.asarray(r) < k, 1 / np.log(np.asarray(r) + 2.0), 0))),
                "the discount is log base 2: 1 / log2(rank + 2), not the natural log."),
        Mistake(_one_based_ndcg, "ranks are 0-based: the first place (rank 0) gets 1 / log2(0 + 2) = 1."),
        Mistake(lambda r, k: float(np.mean(np.where(np.asarray(r) <= k, 1 / np.log2(np.asarray(r) + 2.0), 0))),
                "only ranks 0..k-1 are in the top k: use rank < k."),
        Mistake(lambda r, k: float(np.mean(1 / np.log2(np.asarray(r) + 2.0))),
                "targets outside the top k contribute 0: apply the cut-off."),
    ]
    return check("ndcg_at_k", answer, evaluation.metrics.ndcg_at_k, cases, mistakes)


def catalog_coverage(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``catalog_coverage(recommendations, num_items)``: distinct recommended items / real items."""
    cases = [Case("[[1, 2], [2, 3]] of 4 items (num_items=5 with padding)", (np.array([[1, 2], [2, 3]]), 5)),
             Case("everyone gets [4, 1, 2], 9 items (num_items=10)", (np.tile([4, 1, 2], (3, 1)), 10)),
             Case("all 3 items covered (num_items=4)", (np.array([[1, 2], [3, 1]]), 4))]
    mistakes = [
        Mistake(lambda r, n: len(np.unique(r)) / n, "the catalogue has num_items - 1 real items: 0 is padding."),
        Mistake(lambda r, n: np.asarray(r).size / (n - 1),
                "count each item once, however many users it is recommended to: np.unique."),
        Mistake(lambda r, n: float(len(np.unique(r))),
                "return a share of the catalogue (between 0 and 1), not a count."),
    ]
    return check("catalog_coverage", answer, evaluation.beyond_accuracy.catalog_coverage, cases, mistakes)
