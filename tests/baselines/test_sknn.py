"""Unit tests for ``lstmrec.baselines.sknn``: neighbours and votes by hand, the recency weights, the popularity
tie-break, and the settings it refuses.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.baselines.sknn import SessionKNN
from tests.baselines.counts import COUNTS, NUM_ITEMS, SEQS, ranking, tie_break

R3, R2 = 1 / np.sqrt(3), 1 / np.sqrt(2)  # 1 / sqrt(|n|) of the histories [1 2 3], [1 2 4] (3 items) and [2 3]


def test_one_neighbour_by_hand():
    # query {1}: sim 1/sqrt(3) with the first two histories, 0 with [2 3]; equals go to the lower index
    model = SessionKNN(k=1, num_recent=None).fit(SEQS, NUM_ITEMS)
    np.testing.assert_allclose(model.score([np.array([1])])[0], [0, R3, R3, R3, 0] + tie_break(COUNTS),
                               rtol=0, atol=1e-12)


def test_two_neighbours_vote_with_their_similarity():
    model = SessionKNN(k=2, num_recent=None).fit(SEQS, NUM_ITEMS)
    np.testing.assert_allclose(model.score([np.array([1])])[0], [0, 2 * R3, 2 * R3, R3, R3] + tie_break(COUNTS),
                               rtol=0, atol=1e-12)


def test_recent_items_weigh_more():
    # query [3, 2], decay 0.5: item 2 weighs 1, item 3 weighs 0.5 -> sims 1.5 R3, R3, 1.5 R2; k = 2: [2 3], [1 2 3]
    model = SessionKNN(k=2, num_recent=None, decay=0.5).fit(SEQS, NUM_ITEMS)
    a, b = 1.5 * R2, 1.5 * R3
    np.testing.assert_allclose(model.score([np.array([3, 2])])[0], [0, b, a + b, a + b, 0] + tie_break(COUNTS),
                               rtol=0, atol=1e-12)
    # only the last item: {2} -> sims R3, R3, R2: [2 3] first, then [1 2 3]
    last = SessionKNN(k=2, num_recent=1).fit(SEQS, NUM_ITEMS).score([np.array([3, 2])])[0]
    np.testing.assert_allclose(last, [0, R3, R2 + R3, R2 + R3, 0] + tie_break(COUNTS), rtol=0, atol=1e-12)


def test_a_repeated_item_keeps_its_latest_weight():
    model = SessionKNN(k=3, num_recent=None, decay=0.5).fit(SEQS, NUM_ITEMS)
    np.testing.assert_allclose(model.score([np.array([1, 4, 1])]), model.score([np.array([4, 1])]))


def test_an_empty_history_scores_by_popularity():
    model = SessionKNN().fit(SEQS, NUM_ITEMS)
    assert ranking(model.score([np.zeros(0, np.int64)])[0]) == [2, 1, 3, 4]


def test_more_neighbours_than_histories_takes_them_all():
    model = SessionKNN(k=50, num_recent=None).fit(SEQS, NUM_ITEMS)
    np.testing.assert_allclose(model.score([np.array([1])]),
                               SessionKNN(k=3, num_recent=None).fit(SEQS, NUM_ITEMS).score([np.array([1])]))


def test_batches_score_each_history_alone():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 30, size=rng.integers(1, 20)) for _ in range(40)]
    histories = [rng.integers(1, 30, size=rng.integers(1, 8)) for _ in range(6)]
    model = SessionKNN(k=5, num_recent=4, decay=0.8).fit(seqs, 30)
    np.testing.assert_allclose(model.score(histories), np.vstack([model.score([h]) for h in histories]))


@pytest.mark.parametrize("settings, message", [({"k": 0}, "k=0 must be at least 1"),
                                               ({"num_recent": 0}, "num_recent=0 must be at least 1"),
                                               ({"decay": 0.0}, r"decay=0.0 must be in \(0, 1\]"),
                                               ({"decay": 1.5}, r"decay=1.5 must be in \(0, 1\]")])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        SessionKNN(**settings)


def test_unknown_items_and_unfitted_models_are_refused():
    with pytest.raises(RuntimeError, match="not fitted"):
        SessionKNN().score([np.array([1])])
    with pytest.raises(KeyError, match="unknown item id 7"):
        SessionKNN().fit(SEQS, NUM_ITEMS).score([np.array([7])])
