"""Unit tests for ``lstmrec.bench.runs``: a run is trained once and then read from its record, checked on reading;
``resume=False`` trains again; the committed records are well formed and converged (timings are never asserted)."""

import dataclasses
import json

import numpy as np
import pytest

from lstmrec import evaluation, models, util
from lstmrec.bench import runs
from tests.tiny_splits import small_split


class _Trained:
    """A stand-in for a trained model: scores by popularity; the best of three epochs is the second."""

    def __init__(self, split, config):
        from lstmrec import baselines

        self.recommender = baselines.popular.MostPopular().fit(split.train, split.num_items)
        self.config, self.best_epoch, self.converged, self.from_cache = config, 2, True, False
        self.history = {"loss": [1.0, 0.9, 0.8], "val_NDCG@10": [0.1, 0.25, 0.2]}
        self.seconds_to_best, self.seconds = 1.0, 2.0


@pytest.fixture
def trainings(monkeypatch):
    """Every training of a test, in order (through the model cache or not)."""
    seen = []

    def fake(split, config):
        seen.append(config)
        return _Trained(split, config)

    monkeypatch.setattr(models.cache, "load_or_train", lambda split, checksum, config, **kw: fake(split, config))
    monkeypatch.setattr(models.training, "train", lambda split, config, **kw: fake(split, config))
    return seen


def test_a_run_is_trained_once_then_read_from_its_record(trainings, run_records):
    split, config = small_split(), models.config.Config(seed=7)
    first = runs.run(split, "abcd", config)
    assert not first["from record"] and len(trainings) == 1
    path = runs.record_path(split, "abcd", config)
    assert path.parent == run_records and path.stem == config.key(models.cache.data_key(split, "abcd"))
    again = runs.run(split, "abcd", config)
    assert again["from record"] and len(trainings) == 1  # nothing trained the second time
    assert again["ranks"] == first["ranks"] and again["test"] == first["test"]
    # the figures are the stand-in's: the best epoch's validation score, 3 epochs, popularity's test ranks
    expected = evaluation.ranking.evaluate(_Trained(split, config).recommender.score, split.histories("test"),
                                           split.targets("test"), split.num_items)
    assert again["valid NDCG@10"] == 0.25 and again["epochs"] == 3 and again["converged"]
    np.testing.assert_array_equal(again["ranks"], expected.ranks)
    assert set(json.loads(path.read_text())) == runs.FIELDS


def test_resume_false_trains_again_and_overwrites(trainings):
    split, config = small_split(), models.config.Config(seed=7)
    runs.run(split, "abcd", config)
    assert not runs.run(split, "abcd", config, resume=False)["from record"] and len(trainings) == 2


def test_other_data_or_settings_are_other_records(trainings):
    split, config = small_split(), models.config.Config(seed=7)
    runs.run(split, "abcd", config)
    runs.run(split, "abce", config)
    runs.run(split, "abcd", models.config.Config(seed=8))
    runs.run(split, "abcd", config, exclude_seen=False)
    assert len(trainings) == 4


def _written(split, config):
    runs.run(split, "abcd", config)
    return runs.record_path(split, "abcd", config)


@pytest.mark.parametrize("spoil, message", [
    (lambda text: text[:20], "not a readable run record"),
    (lambda text: json.dumps({"key": "x"}), "missing"),
    (lambda text: json.dumps([1, 2]), "missing all"),
    (lambda text: json.dumps({**json.loads(text), "config": {"lr": 1}}), "recorded for"),
    (lambda text: json.dumps({**json.loads(text), "data": "other/ties=shuffle"}), "recorded for"),
    (lambda text: json.dumps({**json.loads(text), "ranks": [0]}), "1 test ranks for 60 test users"),
])
def test_a_spoilt_record_is_an_error_naming_its_file(trainings, spoil, message):
    split, config = small_split(), models.config.Config(seed=7)
    path = _written(split, config)
    path.write_text(spoil(path.read_text()))
    with pytest.raises(ValueError, match=message) as error:
        runs.run(split, "abcd", config)
    assert path.name in str(error.value) and len(trainings) == 1


def test_score_ms_is_a_median_of_calls():
    calls = []
    assert runs.score_ms(lambda histories: calls.append(histories), np.array([1, 2])) >= 0
    assert len(calls) == 33 and calls[0] == [calls[0][0]]  # 3 warm-up calls and 30 timed, one history each


def test_longest_is_the_longest_test_history():
    split = small_split()
    assert len(runs.longest(split)) == max(len(h) for h in split.histories("test"))


def test_every_committed_record_is_well_formed_and_converged():
    for path in sorted((util.paths.results_dir() / "runs").glob("*.json")):
        record = json.loads(path.read_text())
        assert set(record) == runs.FIELDS and record["key"] == path.stem, path.name
        assert record["converged"], f"{path.name}: a run its cap stopped is not a result"
        assert record["best epoch"] + record["config"]["patience"] <= record["config"]["max_epochs"], path.name
        assert record["valid NDCG@10"] == record["history"]["val_NDCG@10"][record["best epoch"] - 1], path.name
        ranks = np.asarray(record["ranks"])
        assert record["test"]["HR@10"] == pytest.approx(np.mean(ranks < 10)), path.name


def test_summaries_one_row_per_record_of_the_data(trainings):
    split = small_split()
    runs.run(split, "abcd", models.config.Config(seed=7))
    runs.run(split, "abcd", models.config.Config(seed=7, lr=0.003))
    runs.run(split, "ffff", models.config.Config(seed=8))
    rows = runs.summaries("abcd")
    assert len(rows) == 2 and all(set(r) == set(runs.SUMMARY) for r in rows)
    assert sorted(r["changes"] for r in rows) == ["-", "lr=0.003"]  # against Config's defaults, seed aside
    assert {(r["data"], r["ties"], r["seed"], r["epochs"], r["valid NDCG@10"]) for r in rows} == {
        ("abcd", "shuffle", 7, 3, 0.25)}
    assert len(runs.summaries()) == 3 and runs.summaries("0000") == []


def test_summaries_describe_against_the_data_sets_course_settings(trainings):
    split = small_split()
    course = models.registry.course_config("ml-1m", "LSTM", tuned=False, seed=7)
    runs.run(split, "abcd", course)
    runs.run(split, "abcd", dataclasses.replace(course, dropout=0.4))
    assert sorted(r["changes"] for r in runs.summaries("abcd", dataset="ml-1m")) == ["-", "dropout=0.4"]


def test_summaries_name_a_spoilt_record(trainings, run_records):
    runs.run(small_split(), "abcd", models.config.Config(seed=7))
    (run_records / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json: not a readable run record"):
        runs.summaries()


def test_summaries_show_a_setting_the_record_leaves_at_its_default(trainings, monkeypatch):
    # the record omits a setting at its default (layout), the reference does not: the difference still shows
    split = small_split()
    runs.run(split, "abcd", models.config.Config(seed=7))
    real = models.config.Config.settings
    monkeypatch.setattr(models.config.Config, "settings", lambda self: {**real(self), "layout": "other"})
    [row] = runs.summaries("abcd")
    assert "layout=None" in row["changes"]
