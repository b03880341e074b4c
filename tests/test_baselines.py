"""Unit tests for ``lstmrec.baselines``: most-popular, Markov chain, item-kNN, tuning.

The scores are worked out by hand on training sequences small enough to count
on paper (arithmetic in the comments). The tie-break term is
``1e-6 * count / (max count + 1)``; values are compared to ``1e-5`` where only
the main term matters. One test runs the baselines on the real
MovieLens-100K when it is cached (skipped otherwise).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from lstmrec import baselines, data, evaluation
from lstmrec.baselines.knn import ItemKNN
from lstmrec.baselines.markov import MarkovChain
from lstmrec.baselines.popular import MostPopular

# item counts: 1 -> 2, 2 -> 3, 3 -> 2, 4 -> 1
# transitions: (1,2), (2,3), (1,2), (2,4), (2,3) -> N(1->2) = 2, N(2->3) = 2, N(2->4) = 1
SEQS = [np.array([1, 2, 3]), np.array([1, 2, 4]), np.array([2, 3])]
NUM_ITEMS = 5
COUNTS = [0, 2, 3, 2, 1]


def tie_break(counts):
    counts = np.asarray(counts, dtype=float)
    return 1e-6 * counts / (counts.max() + 1)


def ranking(scores_row):
    """Real items, best first; equal scores to the lower id (as evaluation.ranking.top_k)."""
    return evaluation.ranking.top_k(np.asarray(scores_row)[None, :], len(scores_row) - 1)[0].tolist()


# --- item_counts and MostPopular -------------------------------------------------------


def test_item_counts():
    assert baselines.base.item_counts(SEQS, NUM_ITEMS).tolist() == COUNTS
    assert baselines.base.item_counts([np.array([0, 1, 1])], 3).tolist() == [0, 2, 0]  # padding never counts
    assert baselines.base.item_counts([], 3).tolist() == [0, 0, 0]


def test_most_popular_scores_are_counts():
    model = MostPopular().fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([1]), np.array([], dtype=np.int64), np.array([4, 3])])
    assert scores.shape == (3, NUM_ITEMS)
    assert scores.tolist() == [COUNTS] * 3  # the same for everyone
    assert ranking(scores[0]) == [2, 1, 3, 4]  # 3 > 2 = 2 > 1, the tie 1/3 by id


# --- MarkovChain ---------------------------------------------------------------------


def test_markov_transitions_by_hand():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    expected = np.zeros((NUM_ITEMS, NUM_ITEMS))
    expected[1, 2] = 2
    expected[2, 3] = 2
    expected[2, 4] = 1
    np.testing.assert_array_equal(model.transitions_, expected)


def test_markov_after_two_comes_three():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([4, 1, 2])])[0]
    # last item 2: N(2->3) = 2, N(2->4) = 1, the rest 0 -> 3, 4, then by popularity 2 (3), 1 (2)
    np.testing.assert_allclose(scores, [0, 0, 0, 2, 1] + tie_break(COUNTS), rtol=0, atol=1e-12)
    assert ranking(scores) == [3, 4, 2, 1]


def test_markov_tie_break_never_reorders_counts():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    # last item 2: item 4 (popularity 1) followed 2 once, item 2 (popularity 3) never: 4 first
    scores = model.score([np.array([2])])[0]
    assert scores[4] > scores[2]
    # last item 1: only 2 follows; 1 and 3 tie at 0 with equal popularity 2 -> by id; 4 (popularity 1) last
    assert ranking(model.score([np.array([1])])[0]) == [2, 1, 3, 4]
    # last item 4: nothing ever followed it -> pure popularity: 2 (3), 1 and 3 (2), 4 (1)
    assert ranking(model.score([np.array([3, 4])])[0]) == [2, 1, 3, 4]


def test_markov_tie_break_property_on_random_sequences():
    rng = np.random.default_rng(0)
    num_items = 30
    # a skewed catalogue: low ids are very popular, so popularity would disagree with transitions
    seqs = [rng.zipf(1.3, size=rng.integers(2, 40)) % (num_items - 1) + 1 for _ in range(200)]
    model = MarkovChain().fit(seqs, num_items)
    counts = baselines.base.item_counts(seqs, num_items)
    for last in range(1, num_items):
        scores = model.score([np.array([last])])[0]
        trans = model.transitions_[last]
        i, j = np.meshgrid(np.arange(1, num_items), np.arange(1, num_items), indexing="ij")
        more_transitions = trans[i] > trans[j]
        assert (scores[i] > scores[j])[more_transitions].all()  # never reordered by popularity
        tie_more_popular = (trans[i] == trans[j]) & (counts[i] > counts[j])
        assert (scores[i] > scores[j])[tie_more_popular].all()  # ties go to the more popular


def test_markov_empty_history_is_popularity():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([], dtype=np.int64)])[0]
    np.testing.assert_allclose(scores, tie_break(COUNTS), rtol=0, atol=1e-15)
    assert ranking(scores) == [2, 1, 3, 4]


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


@pytest.mark.parametrize("cls", [MarkovChain, lambda: ItemKNN(num_recent=3, decay=0.5)])
def test_sparse_storage_scores_exactly_as_dense(cls, monkeypatch):
    """Below DENSE_ABOVE the (items, items) matrix stays sparse; the scores must not change."""
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 40, size=rng.integers(2, 12)) for _ in range(30)]
    histories = seqs[:10] + [np.array([], dtype=np.int64)]
    monkeypatch.setattr(baselines.base, "DENSE_ABOVE", 0.0)  # everything non-empty is stored dense
    dense = cls().fit(seqs, 40)
    monkeypatch.setattr(baselines.base, "DENSE_ABOVE", 1.0)  # nothing is
    sparse = cls().fit(seqs, 40)
    stored = [getattr(m, "transitions_", getattr(m, "similarity_", None)) for m in (dense, sparse)]
    assert isinstance(stored[0], np.ndarray) and scipy.sparse.issparse(stored[1])
    np.testing.assert_array_equal(dense.score(histories), sparse.score(histories))


def test_density_rule():
    few = scipy.sparse.csr_array((np.ones(2), ([0, 1], [1, 2])), shape=(10, 10))  # 2 of 100 = 2% non-zero
    many = scipy.sparse.csr_array(np.ones((10, 10)))
    assert scipy.sparse.issparse(baselines.base.dense_or_sparse(few))
    assert isinstance(baselines.base.dense_or_sparse(many), np.ndarray)


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


@pytest.mark.parametrize("cls", [MostPopular, MarkovChain, ItemKNN])
def test_scoring_before_fit(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__} is not fitted: call fit\(sequences, num_items\) first"):
        cls().score([np.array([1])])


@pytest.mark.parametrize("cls", [MarkovChain, ItemKNN])
def test_unknown_item_in_history(cls):
    model = cls().fit(SEQS, NUM_ITEMS)
    with pytest.raises(KeyError, match=r"unknown item id 9: the catalogue has ids 1\.\.4"):
        model.score([np.array([1, 2]), np.array([1, 9])])


# --- tune and fit_best ---------------------------------------------------------------


@pytest.fixture(scope="module")
def split():
    """A small synthetic split: 40 users walking mostly +1 through 25 items, with noise."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(40):
        item = int(rng.integers(1, 26))
        for t in range(int(rng.integers(5, 15))):
            rows.append((user, item, t))
            item = item % 25 + 1 if rng.random() < 0.7 else int(rng.integers(1, 26))
    return data.splits.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]))


def test_tune_picks_the_best_on_validation(split, monkeypatch):
    seen_targets = []
    real_evaluate = evaluation.ranking.evaluate

    def spy(score_fn, histories, targets, num_items, **kwargs):
        seen_targets.append(np.asarray(targets))
        assert histories is split.train  # validation histories = train, never the test ones
        return real_evaluate(score_fn, histories, targets, num_items, **kwargs)

    monkeypatch.setattr(evaluation.ranking, "evaluate", spy)
    grid = {"num_recent": [1, 3, None], "decay": [1.0, 0.5]}
    best, table = baselines.tuning.tune(ItemKNN, grid, split)

    assert len(seen_targets) == 6  # one evaluation per combination
    for targets in seen_targets:
        np.testing.assert_array_equal(targets, split.valid_target)  # validation, never test
    assert len(table) == 6
    assert list(table.columns[:2]) == ["num_recent", "decay"]
    assert {"HR@10", "NDCG@10", "MRR"} <= set(table.columns)
    ndcg = table["NDCG@10"].to_numpy()
    assert (np.diff(ndcg) <= 0).all()  # best first
    top = table.iloc[0]
    assert ndcg[0] == ndcg.max()
    assert best == {"num_recent": top["num_recent"], "decay": top["decay"]}
    # None ("the whole history") survives as None, not NaN
    assert sum(v is None for v in table["num_recent"]) == 2
    assert table["num_recent"].dtype == object

    # the table's value is what evaluate gives for the best settings
    model = ItemKNN(**best).fit(split.train, split.num_items)
    res = real_evaluate(model.score, split.histories("valid"), split.targets("valid"), split.num_items)
    assert res.metrics()["NDCG@10"] == pytest.approx(ndcg.max())


def test_tune_fits_once_when_only_score_settings_change(split, monkeypatch):
    fits = []
    real_fit = ItemKNN.fit

    def counting_fit(self, sequences_, num_items):
        fits.append((self.num_recent, self.decay))
        return real_fit(self, sequences_, num_items)

    monkeypatch.setattr(ItemKNN, "fit", counting_fit)
    grid = {"num_recent": [1, 3, None], "decay": [1.0, 0.5]}
    _, shared = baselines.tuning.tune(ItemKNN, grid, split)
    assert len(fits) == 1  # num_recent and decay are ItemKNN.SCORE_SETTINGS: one fit serves all six
    # the same table as fitting every combination afresh (a lambda has no SCORE_SETTINGS)
    _, fresh = baselines.tuning.tune(lambda **kw: ItemKNN(**kw), grid, split)
    assert len(fits) == 7
    pd.testing.assert_frame_equal(shared, fresh)


def test_tune_other_metric(split):
    best, table = baselines.tuning.tune(ItemKNN, {"num_recent": [1, 2]}, split, metric="MRR")
    assert (np.diff(table["MRR"].to_numpy()) <= 0).all()
    assert best == {"num_recent": table.iloc[0]["num_recent"]}


def test_tune_empty_grid_is_the_defaults(split):
    best, table = baselines.tuning.tune(MarkovChain, {}, split)
    assert best == {}
    assert len(table) == 1


@pytest.mark.parametrize("metric", ["NDCG@5", "ndcg@10", "decay"], ids=["other-k", "lower-case", "a-setting"])
def test_tune_unknown_metric(split, metric):
    with pytest.raises(ValueError, match=rf"metric='{metric}': choose from \['HR@10', 'NDCG@10', 'MRR'\]"):
        baselines.tuning.tune(ItemKNN, {"decay": [1.0, 0.5]}, split, metric=metric)


def test_fit_best_unknown_name(split):
    with pytest.raises(KeyError, match=r"unknown baseline 'LSTM'; choose from \['Most popular', 'Markov chain'"):
        baselines.tuning.fit_best("LSTM", split)


def test_fit_best_without_grid(split):
    model, settings, seconds = baselines.tuning.fit_best("Markov chain", split)
    assert isinstance(model, MarkovChain)
    assert settings == {}
    assert seconds >= 0
    assert model.num_items_ == split.num_items


# --- on the real data, if cached --------------------------------------------------------


def test_sequence_aware_baselines_beat_popularity_on_movielens():
    from lstmrec import data

    try:
        ml = data.movielens.load_movielens_100k(sources=("cache",))
    except data.fetch.DataError as e:
        pytest.skip(f"MovieLens-100K is not cached: {e}")
    real = data.splits.leave_one_out(ml.interactions)
    ndcg = {}
    for name in ("Most popular", "Markov chain", "Item-kNN"):
        model, _, _ = baselines.tuning.fit_best(name, real)
        res = evaluation.ranking.evaluate(model.score, real.histories("valid"), real.targets("valid"), real.num_items)
        ndcg[name] = res.metrics()["NDCG@10"]
    # about 0.031 for most-popular, 0.087 and 0.096 for the other two
    assert ndcg["Markov chain"] > 1.5 * ndcg["Most popular"], ndcg
    assert ndcg["Item-kNN"] > 1.5 * ndcg["Most popular"], ndcg


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


def test_repeat_baselines_are_tuned_with_the_domains_candidate_rule(split):
    # With seen items excluded, a repeat heuristic can only fall back to popularity: its validation
    # scores equal most-popular's. With seen items as candidates it scores the history.
    _, kept = baselines.tuning.tune(baselines.repeat.RepeatConsumption, {"decay": [1.0]}, split, exclude_seen=True)
    _, popular = baselines.tuning.tune(MostPopular, {}, split, exclude_seen=True)
    assert kept.loc[0, "NDCG@10"] == pytest.approx(popular.loc[0, "NDCG@10"])
    model, settings, _ = baselines.tuning.fit_best("Repeat: blend", split, exclude_seen=False)
    assert isinstance(model, baselines.repeat.RepeatConsumption)
    assert settings["decay"] in baselines.registry.REPEAT_BASELINES["Repeat: blend"][1]["decay"]


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
