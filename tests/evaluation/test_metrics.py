"""Unit tests for ``lstmrec.evaluation.metrics``: HR@k, NDCG@k and MRR from ranks, per user, and the table.

Expected values are computed by hand (arithmetic in the comments). The metrics are also cross-checked against
``keras_rs.metrics`` on random scores without ties (``keras_rs`` shuffles ties at random, ``lstmrec`` counts them
against the model, so the two agree only when there are none).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec import evaluation

LOG2_3 = math.log2(3)  # 1.5849...


# --- metrics from ranks --------------------------------------------------------------


@pytest.mark.parametrize("ranks, k, expected", [
    ([0, 9, 10], 10, 2 / 3),  # ranks 0 and 9 are below 10
    ([0, 1, 10], 1, 1 / 3),  # only rank 0 is in the top 1
    ([5], 5, 0.0),  # rank k itself is outside the top k
    ([4], 5, 1.0),
    ([0, 0, 0, 0], 1, 1.0),
    ([], 10, math.nan),  # nobody to average over
])
def test_hr_at_k(ranks, k, expected):
    assert evaluation.metrics.hr_at_k(np.array(ranks, dtype=np.int64), k) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("ranks, k, expected", [
    ([0, 1, 10], 10, (1 + 1 / LOG2_3 + 0) / 3),  # = 0.5436: the docstring example
    ([0], 10, 1.0),  # 1 / log2(0 + 2) = 1
    ([3], 5, 1 / math.log2(5)),  # 1 / log2(3 + 2) = 0.4307
    ([5], 5, 0.0),  # rank k is cut off
    ([1, 1], 2, 1 / LOG2_3),  # 0.6309 for each user
    ([2, 30], 100, (0.5 + 1 / math.log2(32)) / 2),  # 1/log2(4) = 0.5, 1/log2(32) = 0.2 -> 0.35
])
def test_ndcg_at_k(ranks, k, expected):
    assert evaluation.metrics.ndcg_at_k(ranks, k) == pytest.approx(expected, abs=1e-12)


def test_ndcg_docstring_value():
    assert round(evaluation.metrics.ndcg_at_k([0, 1, 10], k=10), 4) == 0.5436


@pytest.mark.parametrize("ranks, expected", [
    ([0, 1, 3], (1 + 1 / 2 + 1 / 4) / 3),  # 0.5833
    ([9], 0.1),  # 1 / (9 + 1)
    ([0, 0], 1.0),
    ([99, 0], (0.01 + 1) / 2),  # no cut-off: rank 99 still counts 1/100
])
def test_mrr(ranks, expected):
    assert evaluation.metrics.mrr(ranks) == pytest.approx(expected, abs=1e-12)


def test_metrics_dict():
    out = evaluation.metrics.metrics([0, 1, 10], ks=(1, 10))
    assert list(out) == ["HR@1", "NDCG@1", "HR@10", "NDCG@10", "MRR"]
    assert out["HR@1"] == pytest.approx(1 / 3)  # rank 0 only
    assert out["NDCG@1"] == pytest.approx(1 / 3)  # 1/log2(2) = 1 for rank 0 only
    assert out["HR@10"] == pytest.approx(2 / 3)
    assert out["NDCG@10"] == pytest.approx((1 + 1 / LOG2_3) / 3)
    assert out["MRR"] == pytest.approx((1 + 1 / 2 + 1 / 11) / 3)


@pytest.mark.parametrize("fn", [evaluation.metrics.hr_at_k, evaluation.metrics.ndcg_at_k], ids=["hr", "ndcg"])
@pytest.mark.parametrize("k", [0, -1, 2.5, True, "10", None])
def test_bad_k(fn, k):
    with pytest.raises(ValueError, match=r"k=.* must be a positive integer"):
        fn([0, 1], k)


AT_10 = [lambda r: evaluation.metrics.hr_at_k(r, 10), lambda r: evaluation.metrics.ndcg_at_k(r, 10),
         evaluation.metrics.mrr]  # the three metrics of a ranks array, k = 10 where there is one


@pytest.mark.parametrize("fn", [evaluation.metrics.hr_at_k, evaluation.metrics.ndcg_at_k], ids=["hr", "ndcg"])
def test_numpy_integer_k_is_accepted(fn):
    assert fn([0, 3], np.int64(2)) == fn([0, 3], 2)


@pytest.mark.parametrize("fn", AT_10, ids=["hr", "ndcg", "mrr"])
def test_ranks_must_be_one_dimensional(fn):
    with pytest.raises(ValueError, match=r"ranks must be 1-D \(one per user\), got shape \(2, 2\)"):
        fn(np.array([[0, 1], [2, 3]]))


@pytest.mark.parametrize("fn", AT_10, ids=["hr", "ndcg", "mrr"])
@pytest.mark.parametrize("ranks", [[0, -1], [0.0, 1.5]], ids=["negative", "float"])
def test_ranks_must_be_non_negative_integers(fn, ranks):
    with pytest.raises(ValueError, match=r"non-negative integers \(0 = best\)"):
        fn(np.array(ranks))


def test_results_table():
    table = evaluation.metrics.results_table({"A": {"HR@10": 0.123456, "MRR": 0.1}, "B": {"HR@10": 0.5, "MRR": 0.25}})
    assert table.index.tolist() == ["A", "B"]
    assert table.loc["A", "HR@10"] == 0.1235


# --- cross-check against keras_rs ------------------------------------------------------


def _keras_rs_value(metric, y_true, y_pred):
    metric.update_state(y_true, y_pred)
    return float(metric.result())


@pytest.mark.parametrize("padding", ["sliced-off", "masked"])
def test_matches_keras_rs_without_ties(padding):
    keras_rs = pytest.importorskip("keras_rs")
    rng = np.random.default_rng(7)
    n, num_items = 50, 41  # 40 real items + padding column 0
    # each row a permutation of 0..40 (exact in float32): no ties anywhere
    scores = np.stack([rng.permutation(num_items) for _ in range(n)]).astype(np.float32)
    targets = rng.integers(1, num_items, size=n)
    ranks = evaluation.ranking.target_ranks(scores, targets)  # no exclusion (padding never counts)
    assert ranks.max() > 10 and ranks.min() < 10  # hits and misses: a meaningful comparison

    y_true = np.zeros((n, num_items), dtype=np.float32)
    y_true[np.arange(n), targets] = 1.0
    if padding == "sliced-off":
        y_true, y_pred = y_true[:, 1:], scores[:, 1:]
    else:  # a label of -1 is keras_rs's "not an item": the padding column
        y_true[:, 0] = -1.0
        y_pred = scores

    ndcg = _keras_rs_value(keras_rs.metrics.NDCG(k=10), y_true, y_pred)
    recall = _keras_rs_value(keras_rs.metrics.RecallAtK(k=10), y_true, y_pred)  # = HR@10 with one relevant item
    mrr = _keras_rs_value(keras_rs.metrics.MeanReciprocalRank(), y_true, y_pred)
    assert ndcg == pytest.approx(evaluation.metrics.ndcg_at_k(ranks, 10), abs=1e-5)
    assert recall == pytest.approx(evaluation.metrics.hr_at_k(ranks, 10), abs=1e-5)
    assert mrr == pytest.approx(evaluation.metrics.mrr(ranks), abs=1e-5)


# --- per-user values, bootstrap, paired comparison ----------------------------------------


def test_per_user_values_average_to_the_metrics():
    ranks = np.array([0, 1, 10, 3])
    assert evaluation.metrics.per_user(ranks, "HR", 10).tolist() == [1, 1, 0, 1]
    assert evaluation.metrics.per_user(ranks, "NDCG", 10).mean() == pytest.approx(
        evaluation.metrics.ndcg_at_k(ranks, 10)
    )
    assert evaluation.metrics.per_user(ranks, "MRR").tolist() == pytest.approx([1, 1 / 2, 1 / 11, 1 / 4])
    with pytest.raises(ValueError, match="metric='AUC'"):
        evaluation.metrics.per_user(ranks, "AUC")
