"""Unit tests for ``lstmrec.baselines.repeat``: the repeat heuristics of chapter 10, scores by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import baselines, evaluation
from tests.baselines.counts import ranking

# --- the repeat heuristics (chapter 10) ----------------------------------------------------


@pytest.mark.parametrize("decay, history, expected", [
    # history [1, 2, 1, 3], steps back m: 3 -> 0, 1 -> 1 and 3, 2 -> 2
    (0.5, [1, 2, 1, 3], {1: 0.5 + 0.125, 2: 0.25, 3: 1.0}),
    (1.0, [1, 2, 1, 3], {1: 2.0, 2: 1.0, 3: 1.0}),  # plain frequency
    (1e-3, [4, 2, 2, 1], {1: 1.0, 2: 1e-3 + 1e-6, 4: 1e-9}),  # most recent first
], ids=["blend", "frequency", "recency"])
def test_repeat_scores_by_hand(decay, history, expected):
    model = baselines.repeat.RepeatConsumption(decay=decay).fit([np.array([1, 2, 3, 4])], 6)
    r = np.exp(baselines.repeat.recency_log_counts([np.array(history)], 6, decay)[0])  # the formula's r
    for item, value in expected.items():
        assert r[item] == pytest.approx(value, rel=1e-9)
    scores = model.score([np.array(history)])[0]
    unseen = [i for i in range(1, 6) if i not in expected]
    assert all(scores[i] < min(scores[j] for j in expected) for i in unseen)  # after every past item
    by_r = sorted(expected, key=lambda i: (-expected[i], -[0, 1, 1, 1, 1, 0][i], i))  # r, then popularity
    assert ranking(scores)[:len(expected)] == by_r


def test_repeat_frequency_ranks_the_most_frequent_first_and_ties_by_popularity():
    model = baselines.repeat.RepeatConsumption(decay=1.0).fit([np.array([2, 2, 2, 3])], 5)
    top = evaluation.ranking.top_k(model.score([np.array([3, 2, 4, 4])]), 3)[0]
    assert top.tolist() == [4, 2, 3]  # 4 twice; 2 and 3 once each, 2 more popular in training


def test_repeat_num_recent_looks_only_at_the_last_items():
    model = baselines.repeat.RepeatConsumption(decay=1.0, num_recent=2).fit([np.array([1, 2])], 4)
    scores = model.score([np.array([1, 1, 1, 2, 3])])[0]
    assert ranking(scores)[:2] == [2, 3]  # 2 and 3 once each (2 more popular); 1 is outside the last 2 items


@pytest.mark.parametrize("kwargs, message", [({"decay": 0.0}, "decay=0.0"), ({"decay": 1.5}, "decay=1.5"),
                                             ({"num_recent": 0}, "num_recent=0")])
def test_repeat_invalid_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        baselines.repeat.RepeatConsumption(**kwargs)


def test_repeat_past_items_always_come_before_the_rest():
    """Popularity must not push a popular item the user never had above one they had (review finding)."""
    model = baselines.repeat.RepeatConsumption(decay=1e-3).fit([np.array([9, 9, 9, 8, 8])], 10)  # 9, 8 popular
    scores = model.score([np.array([1, 2, 3, 4, 5])])
    assert ranking(scores[0])[:7] == [5, 4, 3, 2, 1, 9, 8]  # most recent first, then the rest by popularity


def test_repeat_most_recent_is_exact_on_long_histories():
    """decay^m underflows to 0 beyond ~100 steps at decay 1e-3: the ranking must still be by last occurrence."""
    history = np.arange(1, 401)  # 400 distinct items, 400 the most recent
    model = baselines.repeat.RepeatConsumption(decay=1e-3).fit([history], 401)
    assert ranking(model.score([history])[0]) == list(range(400, 0, -1))


def test_repeat_log_scores_rank_like_the_counts():
    rng = np.random.default_rng(5)
    hist = [rng.integers(1, 12, size=rng.integers(1, 30)) for _ in range(20)]
    for decay in (1.0, 0.9, 0.5):
        counts = baselines.repeat.recency_counts(hist, 12, decay)
        log_r = baselines.repeat.recency_log_counts(hist, 12, decay)
        np.testing.assert_allclose(np.exp(log_r), counts, rtol=1e-12, atol=0)  # exp(-inf) = 0 outside
