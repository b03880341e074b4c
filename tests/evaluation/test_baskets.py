"""Unit tests for ``lstmrec.evaluation.baskets``: the positions of a basket's items and the metrics over a basket
(hand-computed), cross-checked against ``keras_rs``.
"""

import math

import numpy as np
import pytest

from lstmrec import data, evaluation
from tests.data.frames import orders

# --- positions and metrics ------------------------------------------------------------------------

SCORES = np.array([[0.0, 0.9, 0.5, 0.5, 0.7, 0.1]])  # items 1..5; item 0 is padding


@pytest.mark.parametrize("basket, expected", [
    ([1], [0]),  # the best item
    ([2], [3]),  # items 1 and 4 above it, and item 3 ties: counted against the model
    ([2, 3], [2, 3]),  # two tied basket items: one after the other, after 1 and 4
    ([4, 5], [1, 4]),  # item 4 after item 1; item 5 after 1, 2, 3 (4 is a basket item placed before it)
])
def test_positions_by_hand(basket, expected):
    rows, positions = evaluation.baskets.basket_positions(SCORES, [np.array(basket)])
    assert rows.tolist() == [0] * len(basket)
    assert positions.tolist() == expected


def test_excluded_basket_item_is_a_miss():
    exclude = np.zeros_like(SCORES, dtype=bool)
    exclude[0, 1] = True  # item 1 was seen and the domain excludes seen items
    _, positions = evaluation.baskets.basket_positions(SCORES, [np.array([1, 4])], exclude)
    assert positions.tolist() == [5, 0]  # item 1 can never be recommended; item 4 is now first


def test_metrics_by_hand():
    # user 0: basket of 2, positions 0 and 3, k=2 -> recall 1/2, NDCG 1 / (1 + 1/log2(3))
    # user 1: basket of 3, positions 1, 0, 2 -> recall 2/3, DCG 1/log2(3) + 1, ideal 1 + 1/log2(3) -> 1
    m = evaluation.baskets.basket_metrics([0, 0, 1, 1, 1], [0, 3, 1, 0, 2], [2, 3], k=2)
    assert m["recall@2"].tolist() == pytest.approx([0.5, 2 / 3])
    assert m["NDCG@2"].tolist() == pytest.approx([1 / (1 + 1 / math.log2(3)), 1.0])


def test_one_item_baskets_equal_the_single_target_metrics():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(50, 30))
    targets = rng.integers(1, 30, size=50)
    rows, positions = evaluation.baskets.basket_positions(scores, [np.array([t]) for t in targets])
    ranks = evaluation.ranking.target_ranks(scores, targets)
    assert positions.tolist() == ranks.tolist()
    m = evaluation.baskets.basket_metrics(rows, positions, np.ones(50, dtype=int), k=10)
    assert m["recall@10"].mean() == pytest.approx(evaluation.metrics.hr_at_k(ranks, 10))
    assert m["NDCG@10"].mean() == pytest.approx(evaluation.metrics.ndcg_at_k(ranks, 10))


def test_ndcg_matches_keras_rs_on_random_baskets():
    keras_rs = pytest.importorskip("keras_rs")
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(20, 40))
    scores[:, 0] = -np.inf  # padding: never a candidate
    bask = [rng.choice(np.arange(1, 40), size=rng.integers(1, 8), replace=False) for _ in range(20)]
    rows, positions = evaluation.baskets.basket_positions(scores, bask)
    ours = evaluation.baskets.basket_metrics(rows, positions, [len(b) for b in bask], k=10)["NDCG@10"]
    labels = np.zeros_like(scores)
    for r, b in enumerate(bask):
        labels[r, b] = 1.0
    metric = keras_rs.metrics.NDCG(k=10)
    metric.update_state(labels[:, 1:], scores[:, 1:])  # no ties among random normals: the two must agree
    assert ours.mean() == pytest.approx(float(metric.result()), abs=1e-5)


@pytest.mark.parametrize("scores, bask, message", [
    (np.zeros((1, 4)), [np.array([], dtype=int)], "basket 0 is empty"),
    (np.zeros((1, 4)), [np.array([1, 1])], "repeats an item"),
    (np.zeros((1, 4)), [np.array([4])], "must be 1..3"),
    (np.zeros((1, 4)), [np.array([0])], "must be 1..3"),
    (np.full((1, 4), np.nan), [np.array([1])], "NaN"),
    (np.zeros((2, 4)), [np.array([1])], "one basket per row"),
])
def test_positions_errors(scores, bask, message):
    with pytest.raises(ValueError, match=message):
        evaluation.baskets.basket_positions(scores, bask)


def test_evaluate_baskets_with_and_without_seen_items():
    s = data.splits.next_basket_split(orders([(1, 1, 1, 1), (1, 2, 1, 2), (1, 3, 1, 1), (1, 3, 2, 3),
                                         (2, 1, 1, 2), (2, 2, 1, 3), (2, 3, 1, 4)]))
    score = lambda histories: np.tile(np.array([0.0, 4.0, 3.0, 2.0, 1.0]), (len(histories), 1))  # noqa: E731
    kept = evaluation.baskets.evaluate_baskets(score, s.histories("test"), s.baskets("test"), s.num_items, k=2)
    # user 1 had items 1, 2; basket {1, 3}: item 1 at 0, item 3 after 1 and 2 at 2 -> recall@2 = 1/2
    # user 2 had items 2, 3; basket {4}: after 1, 2, 3 -> position 3 -> recall 0
    assert kept.per_user["recall@2"].tolist() == [0.5, 0.0]
    assert kept.recommendations.tolist() == [[1, 2], [1, 2]]
    hidden = evaluation.baskets.evaluate_baskets(score, s.histories("test"), s.baskets("test"), s.num_items, k=2,
                                      exclude_seen=True)
    # user 1: item 1 was seen -> a miss; item 3 now after item 4? no: candidates 3, 4 -> 3 first -> hit
    # user 2: candidates 1, 4 -> item 4 at position 1 -> hit
    assert hidden.per_user["recall@2"].tolist() == [0.5, 1.0]
    assert hidden.recommendations.tolist() == [[3, 4], [1, 4]]
    assert set(hidden.metrics()) == {"recall@2", "NDCG@2"}
