"""Unit tests for ``lstmrec.evaluation.stats``: bootstrap intervals, the paired comparison, and the intervals of a
table's row, by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import evaluation


def test_bootstrap_ci_contains_the_mean_and_is_seeded():
    values = np.r_[np.ones(30), np.zeros(70)]  # mean 0.3
    mean, low, high = evaluation.stats.bootstrap_ci(values, 2000, seed=1)
    assert mean == pytest.approx(0.3) and low < 0.3 < high
    assert 0.15 < low and high < 0.45  # about +-1.96 * sqrt(0.3 * 0.7 / 100) = +-0.09
    assert evaluation.stats.bootstrap_ci(values, 2000, seed=1) == (mean, low, high)


def test_bootstrap_ci_of_a_constant_is_a_point():
    assert evaluation.stats.bootstrap_ci(np.full(10, 0.5)) == (0.5, 0.5, 0.5)


@pytest.mark.parametrize("values, kwargs, message", [
    (np.array([]), {}, "non-empty"), (np.ones((2, 2)), {}, "1-D"),
    (np.ones(3), {"level": 1.0}, "level=1.0"), (np.ones(3), {"num_samples": 0}, "num_samples=0"),
])
def test_bootstrap_ci_bad_arguments(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluation.stats.bootstrap_ci(values, **kwargs)


def test_paired_comparison_detects_a_consistent_gain():
    rng = np.random.default_rng(0)
    b = rng.random(200)
    a = b + 0.05 + 0.01 * rng.random(200)  # A better for every user
    out = evaluation.stats.paired_comparison(a, b)
    assert out["low"] > 0.05 and out["p-value"] < 1e-6
    assert out["users where A wins"] == 200 and out["users where B wins"] == 0


def test_paired_comparison_of_equal_models_and_bad_shapes():
    same = np.arange(5, dtype=float)
    assert evaluation.stats.paired_comparison(same, same)["p-value"] == 1.0
    with pytest.raises(ValueError, match="same users"):
        evaluation.stats.paired_comparison(np.ones(3), np.ones(4))


def test_intervals_by_hand():
    # one user, two seeds, ranks 0 and 1: per-user NDCG (1 + 1/log2 3) / 2 every resample
    out = evaluation.stats.intervals(np.array([[0], [1]]))
    expected = (1 + 1 / np.log2(3)) / 2
    assert out["NDCG@10 low"] == pytest.approx(expected) and out["NDCG@10 high"] == pytest.approx(expected)
    assert out["HR@10 low"] == out["HR@10 high"] == 1.0 and out["MRR low"] == pytest.approx(0.75)
    many = evaluation.stats.intervals(
        np.array([0, 20, 0, 20, 0, 20, 0, 20])
    )  # HR 0.5 on 8 users: an interval around it
    assert many["HR@10 low"] < 0.5 < many["HR@10 high"]
