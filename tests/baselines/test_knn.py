"""Unit tests for ``lstmrec.baselines.knn``: cosine similarities and scores by hand, and the settings it refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec.baselines.knn import ItemKNN
from tests.baselines.counts import tie_break

# --- ItemKNN -------------------------------------------------------------------------

# X (users x items 1..3), binary: u0 {1,2}, u1 {1,3}, u2 {1,2,3}, u3 {2} (2 twice: still 1)
# C = X^T X: C11 = 3, C22 = 3, C33 = 2, C12 = 2 (u0, u2), C13 = 2 (u1, u2), C23 = 1 (u2)
# sim12 = 2 / sqrt(3 * 3) = 0.6667, sim13 = 2 / sqrt(3 * 2) = 0.8165, sim23 = 1 / sqrt(3 * 2) = 0.4082
KNN_SEQS = [np.array([1, 2]), np.array([1, 3]), np.array([1, 2, 3]), np.array([2, 2])]
KNN_ITEMS = 4
KNN_COUNTS = [0, 3, 4, 2]  # item 2: 1 + 1 + 2 interactions
S12, S13, S23 = 2 / 3, 2 / math.sqrt(6), 1 / math.sqrt(6)
SIM = np.array([
    [0, 0, 0, 0],
    [0, 0, S12, S13],
    [0, S12, 0, S23],
    [0, S13, S23, 0],
])


def test_knn_cosine_similarity_by_hand():
    model = ItemKNN().fit(KNN_SEQS, KNN_ITEMS)
    np.testing.assert_allclose(model.similarity_, SIM, rtol=0, atol=1e-12)
    assert (np.diag(model.similarity_) == 0).all()


def test_knn_item_never_seen_has_zero_similarity():
    model = ItemKNN().fit(KNN_SEQS, KNN_ITEMS + 1)  # item 4 is in the catalogue but never in training
    assert (model.similarity_[4] == 0).all() and (model.similarity_[:, 4] == 0).all()
    assert np.isfinite(model.similarity_).all()


@pytest.mark.parametrize("num_recent, decay, history, expected", [
    # most recent 2 items: 1 (one step back, weight 0.5), 2 (weight 1):
    # score_i = 0.5 * sim(1, i) + sim(2, i)
    (2, 0.5, [3, 1, 2], [0, S12, 0.5 * S12, 0.5 * S13 + S23]),  # [0, .6667, .3333, .8165]
    # only the last item 2
    (1, 1.0, [3, 1, 2], SIM[2]),
    # all three, equal weights: item 1: sim(3,1) + sim(2,1); item 2: sim(3,2) + sim(1,2); item 3: sim(1,3) + sim(2,3)
    (None, 1.0, [3, 1, 2], [0, S13 + S12, S23 + S12, S13 + S23]),
    # decay 0.5 over all three: weights 3 -> 0.25, 1 -> 0.5, 2 -> 1
    (None, 0.5, [3, 1, 2], [0, 0.25 * S13 + S12, 0.25 * S23 + 0.5 * S12, 0.5 * S13 + S23]),
    # a repeated recent item adds up its weights: 2 with 1 + 0.5
    (2, 0.5, [2, 2], 1.5 * SIM[2]),
    # num_recent beyond the history: the missing positions are padding and count nothing
    (10, 0.9, [1], SIM[1]),
])
def test_knn_scores_by_hand(num_recent, decay, history, expected):
    model = ItemKNN(num_recent=num_recent, decay=decay).fit(KNN_SEQS, KNN_ITEMS)
    scores = model.score([np.array(history)])[0]
    np.testing.assert_allclose(scores, np.asarray(expected) + tie_break(KNN_COUNTS), rtol=0, atol=1e-12)


def test_knn_batch_is_row_by_row():
    model = ItemKNN(num_recent=None, decay=0.7).fit(KNN_SEQS, KNN_ITEMS)
    histories = [np.array([3, 1, 2]), np.array([1]), np.array([], dtype=np.int64), np.array([2, 3])]
    batch = model.score(histories)
    for row, h in enumerate(histories):
        np.testing.assert_allclose(batch[row], model.score([h])[0], rtol=0, atol=1e-12)
    # an empty history: popularity alone
    np.testing.assert_allclose(batch[2], tie_break(KNN_COUNTS), rtol=0, atol=1e-15)


@pytest.mark.parametrize("kwargs, message", [
    ({"num_recent": 0}, r"num_recent=0 must be at least 1 \(or None for all\)"),
    ({"num_recent": -2}, r"num_recent=-2 must be at least 1"),
    ({"decay": 0}, r"decay=0 must be in \(0, 1\]"),
    ({"decay": 1.5}, r"decay=1.5 must be in \(0, 1\]"),
    ({"decay": -0.5}, r"decay=-0.5 must be in \(0, 1\]"),
])
def test_knn_invalid_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ItemKNN(**kwargs)
