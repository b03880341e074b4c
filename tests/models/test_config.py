"""Unit tests for ``lstmrec.models.config``: the settings' checks and the cache key made of them."""

from __future__ import annotations

import dataclasses
import json

import pytest

from lstmrec import models

pytestmark = pytest.mark.usefixtures("deterministic_ops")  # tests/models/conftest.py


# --- Config --------------------------------------------------------------------------


def test_config_defaults_are_valid():
    config = models.config.Config()
    assert config.cell in ("LSTM", "GRU")
    assert 0.0 <= config.dropout < 1.0
    assert models.config.Config(**dataclasses.asdict(config)) == config  # re-validates without complaint


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        models.config.Config().cell = "GRU"


@pytest.mark.parametrize("cell", ["", None, 3])
def test_config_refuses_a_cell_that_is_not_a_name(cell):
    with pytest.raises(ValueError, match=r"must name a model of models.registry.MODELS"):
        models.config.Config(cell=cell)


@pytest.mark.parametrize("dropout", [
    -0.1,  # below 0
    1.0,  # a drop rate of 1 zeroes everything: the interval is [0, 1)
    1.5,
])
def test_config_rejects_a_dropout_outside_0_1(dropout):
    with pytest.raises(ValueError, match=rf"dropout={dropout} is a drop rate and must be in \[0, 1\)"):
        models.config.Config(dropout=dropout)


@pytest.mark.parametrize("dropout", [0.0, 0.5, 0.99])
def test_config_accepts_a_dropout_in_0_1(dropout):
    assert models.config.Config(dropout=dropout).dropout == dropout


@pytest.mark.parametrize("field", ["max_len", "embedding_dim", "hidden_dim", "batch_size", "max_epochs", "patience",
                                   "num_blocks", "num_heads"])
def test_config_rejects_a_size_of_zero(field):
    with pytest.raises(ValueError, match=rf"{field}=0 must be at least 1"):
        models.config.Config(**{field: 0})


def test_config_rejects_an_unknown_batching():
    with pytest.raises(ValueError, match=r"batching='sorted': choose from \('shuffled', 'by_length'\)"):
        models.config.Config(batching="sorted")


def test_config_key_is_stable():
    assert models.config.Config().key("abc") == models.config.Config().key("abc")
    assert models.config.Config(seed=3).key("abc") == models.config.Config(seed=3).key("abc")
    key = models.config.Config().key("abc")
    assert len(key) == 16 and int(key, 16) >= 0  # 16 hex digits: a file name


@pytest.mark.parametrize("change", [
    {"cell": "GRU"}, {"max_len": 51}, {"embedding_dim": 32}, {"hidden_dim": 64}, {"dropout": 0.31},
    {"tie_embeddings": False}, {"lr": 0.001}, {"batch_size": 64}, {"max_epochs": 41}, {"patience": 6},
    {"seed": 43}, {"num_blocks": 1, "cell": "SASRec"}, {"num_heads": 2, "cell": "SASRec"},
    {"batching": "by_length"}, {"layout": "sasrec", "cell": "SASRec"},
], ids=lambda change: next(iter(change)))
def test_config_key_changes_with_every_field(change):
    # the attention fields are changed on a SASRec configuration, the only one they belong to
    base = models.config.Config(cell="SASRec") if len(change) > 1 else models.config.Config()
    changed = dataclasses.replace(base, **{k: v for k, v in change.items() if k != "cell" or len(change) == 1})
    assert changed.key("abc") != base.key("abc")


def test_config_covers_every_field_in_the_key_test():
    # The parametrization above must change each field once; a new field needs a new case.
    assert {f.name for f in dataclasses.fields(models.config.Config)} == {
        "cell", "max_len", "embedding_dim", "hidden_dim", "dropout", "tie_embeddings", "lr", "batch_size",
        "max_epochs", "patience", "seed", "num_blocks", "num_heads", "batching", "layout"}


def test_attention_fields_are_not_part_of_a_recurrent_models_key():
    # A recurrent model does not use them; the keys of the models cached before chapter 13 stay the same.
    assert models.config.Config(num_blocks=1).key("abc") == models.config.Config().key("abc")
    assert (
        "num_blocks" not in models.config.Config().settings()
        and "num_heads" in models.config.Config(cell="SASRec").settings()
    )
    import hashlib

    attention_only = ("num_blocks", "num_heads", "layout")
    fields = {k: v for k, v in dataclasses.asdict(models.config.Config()).items() if k not in attention_only}
    expected = hashlib.sha256((json.dumps(fields, sort_keys=True) + "abc").encode()).hexdigest()[:16]
    assert models.config.Config().key("abc") == expected


def test_the_default_layout_keeps_the_keys_of_the_models_recorded_before_it():
    # results/runs/ and the model cache hold SASRec runs keyed without it; a recurrent model never uses it
    sasrec = models.config.Config(cell="SASRec")
    assert "layout" not in sasrec.settings() and "layout" not in models.config.Config(layout="sasrec").settings()
    assert models.config.Config(cell="SASRec", layout="sasrec").settings()["layout"] == "sasrec"
    assert models.config.Config(layout="sasrec").key("abc") == models.config.Config().key("abc")


def test_config_rejects_an_unknown_layout():
    with pytest.raises(ValueError, match="layout='post_norm': choose from"):
        models.config.Config(cell="SASRec", layout="post_norm")


def test_config_key_changes_with_the_data_checksum():
    assert models.config.Config().key("abc") != models.config.Config().key("abd")
