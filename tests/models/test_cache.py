"""Unit tests for ``lstmrec.models.cache``: a model is trained once, then read back, and retrained whenever its key
(data checksum, tie rule, candidate rule, configuration) or a file says it is another model.

The cache points ``LSTMREC_DATA_DIR`` at ``tmp_path``: nothing is written under the repository's ``data/``.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from lstmrec import models
from tests.models.tiny_models import CONFIG, HISTORIES, valid_ndcg

pytestmark = pytest.mark.usefixtures("deterministic_ops")  # tests/models/conftest.py


# --- load_or_train -------------------------------------------------------------------


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """The model cache under ``tmp_path``; returns a list to record the calls of ``models.training.train`` in."""
    monkeypatch.setenv("LSTMREC_DATA_DIR", str(tmp_path))
    calls = []
    return calls


@pytest.fixture
def fake_train(monkeypatch, trained, cache):
    """``models.training.train`` replaced by one that records its call and returns the already trained model.

    ``train`` is deterministic (tested above), so returning the shared result is
    what a real call would give; the cache tests then cost no extra training.
    """

    def fake(split, config=models.config.Config(), k=10, verbose=False, exclude_seen=True):
        cache.append(config)
        return trained

    monkeypatch.setattr(models.training, "train", fake)
    return cache


def test_cache_dir_is_under_lstmrec_data_dir(cache, tmp_path):
    assert models.cache.cache_dir() == tmp_path / "cache" / "models"
    assert models.cache.cache_dir().is_dir()


@pytest.mark.slow
def test_load_or_train_trains_once_then_reads_the_cache(split, cache, monkeypatch):
    real_train = models.training.train

    def counting_train(*args, **kwargs):
        cache.append(kwargs.get("config", args[1] if len(args) > 1 else None))
        return real_train(*args, **kwargs)

    monkeypatch.setattr(models.training, "train", counting_train)
    first = models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert not first.from_cache and cache == [CONFIG]
    key = CONFIG.key(models.cache.data_key(split, "checksum-1"))
    # exactly the weights and the record; no leftover temporary (.part) files
    assert sorted(p.name for p in models.cache.cache_dir().iterdir()) == [f"{key}.json", f"{key}.weights.h5"]
    record = json.loads((models.cache.cache_dir() / f"{key}.json").read_text())
    assert record["config"] == CONFIG.settings() and record["data"] == "checksum-1/ties=shuffle"

    second = models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert second.from_cache and cache == [CONFIG]  # not trained again
    np.testing.assert_array_equal(second.recommender.score(HISTORIES), first.recommender.score(HISTORIES))
    assert second.history == first.history
    assert (second.best_epoch, second.seconds_to_best, second.seconds) == (
        first.best_epoch, first.seconds_to_best, first.seconds)
    assert second.config == CONFIG
    assert valid_ndcg(second.recommender, split) == pytest.approx(
        second.history["val_NDCG@10"][second.best_epoch - 1], abs=1e-6)


@pytest.mark.slow
def test_load_or_train_retrains_for_other_data(split, fake_train):
    assert not models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache
    assert models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache
    assert not models.cache.load_or_train(split, "checksum-2", CONFIG).from_cache
    assert len(fake_train) == 2
    names = sorted(p.name for p in models.cache.cache_dir().iterdir())
    assert names == sorted(
        f"{CONFIG.key(models.cache.data_key(split, c))}{suffix}"
        for c in ("checksum-1", "checksum-2")
        for suffix in (".json", ".weights.h5")
    )


def test_load_or_train_retrains_for_another_tie_rule(split, fake_train):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    other = dataclasses.replace(split, ties="item_id")
    assert models.cache.data_key(other, "checksum-1") == "checksum-1/ties=item_id"
    assert not models.cache.load_or_train(other, "checksum-1", CONFIG).from_cache
    assert len(fake_train) == 2


def test_load_or_train_retrains_when_seen_items_are_candidates(split, fake_train):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert models.cache.data_key(split, "checksum-1", exclude_seen=False) == "checksum-1/ties=shuffle/seen=candidates"
    assert models.cache.data_key(split, "checksum-1") == "checksum-1/ties=shuffle"  # the keys of existing caches
    assert not models.cache.load_or_train(split, "checksum-1", CONFIG, exclude_seen=False).from_cache
    assert models.cache.load_or_train(split, "checksum-1", CONFIG, exclude_seen=False).from_cache
    assert len(fake_train) == 2


def test_load_or_train_retrains_for_another_config(split, fake_train):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert not models.cache.load_or_train(split, "checksum-1", dataclasses.replace(CONFIG, seed=8)).from_cache
    assert len(fake_train) == 2


@pytest.mark.parametrize("corrupt", [
    lambda record: record["config"].update(lr=0.5),  # a record of another configuration
    lambda record: record.update(data="checksum-2/ties=shuffle"),  # ... or of other data
    lambda record: record.pop("config"),
])
def test_load_or_train_does_not_trust_a_mismatched_record(split, fake_train, corrupt):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    path = models.cache.cache_dir() / f"{CONFIG.key(models.cache.data_key(split, 'checksum-1'))}.json"
    record = json.loads(path.read_text())
    corrupt(record)
    path.write_text(json.dumps(record))
    again = models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert not again.from_cache and len(fake_train) == 2
    assert json.loads(path.read_text())["config"] == CONFIG.settings()  # the record was rewritten
    assert models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache


@pytest.mark.parametrize("suffix", [".json", ".weights.h5"])
def test_load_or_train_retrains_when_a_file_is_missing(split, fake_train, suffix):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    (models.cache.cache_dir() / f"{CONFIG.key(models.cache.data_key(split, 'checksum-1'))}{suffix}").unlink()
    assert not models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache
    assert len(fake_train) == 2


def test_headless_cache_hits_print_their_one_line_and_verbose_false_nothing(split, fake_train, monkeypatch, capsys):
    monkeypatch.setenv("LSTMREC_HEADLESS", "1")
    models.cache.load_or_train(split, "checksum-1", CONFIG)  # trained (the fake prints nothing)
    capsys.readouterr()
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert capsys.readouterr().out.endswith("from the cache\n")
    models.cache.load_or_train(split, "checksum-1", CONFIG, verbose=False)
    assert capsys.readouterr().out == ""
