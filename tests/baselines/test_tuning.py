"""Unit tests for ``lstmrec.baselines.tuning``: settings chosen on validation only, fitted once per fit setting,
with the domain's candidate rule; and, when MovieLens-100K is cached, the tuned sequence-aware baselines beat
popularity on it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, data, evaluation
from lstmrec.baselines.knn import ItemKNN
from lstmrec.baselines.markov import MarkovChain
from lstmrec.baselines.popular import MostPopular

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


@pytest.mark.slow
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


def test_repeat_baselines_are_tuned_with_the_domains_candidate_rule(split):
    # With seen items excluded, a repeat heuristic can only fall back to popularity: its validation
    # scores equal most-popular's. With seen items as candidates it scores the history.
    _, kept = baselines.tuning.tune(baselines.repeat.RepeatConsumption, {"decay": [1.0]}, split, exclude_seen=True)
    _, popular = baselines.tuning.tune(MostPopular, {}, split, exclude_seen=True)
    assert kept.loc[0, "NDCG@10"] == pytest.approx(popular.loc[0, "NDCG@10"])
    model, settings, _ = baselines.tuning.fit_best("Repeat: blend", split, exclude_seen=False)
    assert isinstance(model, baselines.repeat.RepeatConsumption)
    assert settings["decay"] in baselines.registry.REPEAT_BASELINES["Repeat: blend"][1]["decay"]


# --- the search cache -----------------------------------------------------------------


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty data folder, so the cache starts empty."""
    monkeypatch.setenv("LSTMREC_DATA_DIR", str(tmp_path))
    return tmp_path / "cache" / "baselines"


def test_search_is_read_back_from_the_cache(split, cache, monkeypatch):
    first = baselines.tuning.search("Item-kNN", split)
    assert not first["cached"] and len(list(cache.glob("*.json"))) == 1
    monkeypatch.setattr(baselines.tuning, "tune", lambda *a, **kw: pytest.fail("searched again"))
    second = baselines.tuning.search("Item-kNN", split)
    assert second["cached"]
    assert second["settings"] == first["settings"]  # None ("all") and floats survive JSON
    assert second["seconds"] == pytest.approx(first["seconds"])  # the time of the search that ran
    pd.testing.assert_frame_equal(second["table"], first["table"], check_dtype=False)
    model, settings, _ = baselines.tuning.fit_best("Item-kNN", split)
    assert settings == first["settings"] and model.num_recent == settings["num_recent"]


def test_search_key_follows_data_rule_and_baseline(split):
    key = baselines.tuning.search_key("Item-kNN", split)
    assert len(key) == 16 and key == baselines.tuning.search_key("Item-kNN", split)
    assert key != baselines.tuning.search_key("Item-kNN", split, exclude_seen=False)
    assert key != baselines.tuning.search_key("Repeat: blend", split)
    other = dataclasses.replace(split, train=[s[::-1] for s in split.train])  # the same items, reversed
    assert key != baselines.tuning.search_key("Item-kNN", other)  # another order is other data


def test_unreadable_cache_is_searched_again_and_replaced(split, cache):
    path = cache / f"{baselines.tuning.search_key('Item-kNN', split)}.json"
    cache.mkdir(parents=True)
    path.write_text("{not json")
    result = baselines.tuning.search("Item-kNN", split)
    assert not result["cached"]
    assert baselines.tuning.search("Item-kNN", split)["cached"]  # replaced by a readable one


def test_search_without_cache_writes_nothing(split, cache):
    assert not baselines.tuning.search("Item-kNN", split, cache=False)["cached"]
    assert not cache.exists() or not list(cache.glob("*.json"))


def test_search_of_an_unknown_baseline(split, cache):
    with pytest.raises(KeyError, match="unknown baseline 'LSTM'"):
        baselines.tuning.search("LSTM", split)


def test_search_key_follows_the_cache_version(split, monkeypatch):
    # a change that alters what a search finds raises CACHE_VERSION, and then every search runs again
    key = baselines.tuning.search_key("Item-kNN", split)
    monkeypatch.setattr(baselines.tuning, "CACHE_VERSION", baselines.tuning.CACHE_VERSION + 1)
    assert baselines.tuning.search_key("Item-kNN", split) != key
