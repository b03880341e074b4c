"""Tests of ``lstmrec.course.checks.ch07``: ``ndcg_at_k`` and ``catalog_coverage``.

The library's references and learners' answers pass, in both modes; each usual mistake, written the way a
learner would write it, is rejected with its own hint (not another one), and raises in strict mode. Stubs,
crashes and strict raising of every check: ``test_registry.py``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lstmrec import evaluation
from lstmrec.course.checks import ch07

# a learner's "log2(rank + 1)" divides by log2(1) = 0 at rank 0 (the check's own copy of that mistake does not warn)
DIVIDES_BY_ZERO = pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")


def learner_ndcg_at_k(ranks, k):
    return sum(1 / math.log2(r + 2) for r in ranks if r < k) / len(ranks)


def learner_catalog_coverage(recommendations, num_items):
    return len(set(np.asarray(recommendations).ravel().tolist())) / (num_items - 1)


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("ndcg_at_k", evaluation.metrics.ndcg_at_k, 4, id="ndcg_at_k-reference"),
    pytest.param("ndcg_at_k", learner_ndcg_at_k, 4, id="ndcg_at_k-learner"),
    pytest.param("catalog_coverage", evaluation.beyond_accuracy.catalog_coverage, 3, id="catalog_coverage-reference"),
    pytest.param("catalog_coverage", learner_catalog_coverage, 3, id="catalog_coverage-learner"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log(x + 2) if x < k else 0 for x in r])),
                 "log base 2: 1 / log2(rank + 2), not the natural log", id="ndcg-natural-log"),
    pytest.param("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log2(x + 1) if x < k else 0 for x in r])),
                 "the first place (rank 0) gets 1 / log2(0 + 2) = 1", id="ndcg-log2(rank+1)", marks=DIVIDES_BY_ZERO),
    pytest.param("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log2(x + 2) for x in r])), "apply the cut-off",
                 id="ndcg-no-cutoff"),
    pytest.param("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log2(x + 2) if x <= k else 0 for x in r])),
                 "only ranks 0..k-1 are in the top k: use rank < k", id="ndcg-rank<=k"),
    pytest.param("catalog_coverage", lambda r, n: len(set(np.asarray(r).ravel().tolist())) / n,
                 "the catalogue has num_items - 1 real items: 0 is padding", id="coverage-padding-counted"),
    pytest.param("catalog_coverage", lambda r, n: np.asarray(r).size / (n - 1), "count each item once",
                 id="coverage-repeats-counted"),
    pytest.param("catalog_coverage", lambda r, n: len(set(np.asarray(r).ravel().tolist())),
                 "return a share of the catalogue", id="coverage-count"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- no warning from the check itself ----------------------------------------------------------


@pytest.mark.parametrize("answer", [lambda r, k: float(np.mean([1 / np.log2(x + 2) for x in r])), lambda r, k: 0.3],
                         ids=["no-cutoff", "no-known-mistake"])
def test_a_wrong_answer_gets_no_warning_from_the_check(answer, capsys):
    """The check tries its "log2(rank + 1)" mistake on rank 0: that must not show the learner a RuntimeWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert bool(ch07.ndcg_at_k(answer)) is False
    assert [str(w.message) for w in caught] == []
