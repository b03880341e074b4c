"""Unit tests for ``lstmrec.models.registry``: the models by name and the course's configuration of each on each
data set.
"""

from __future__ import annotations

import pytest

from lstmrec import models

pytestmark = pytest.mark.usefixtures("deterministic_ops")  # tests/models/conftest.py


@pytest.mark.parametrize("cell", ["RNN", "lstm", "Transformer"])
def test_an_unknown_cell_is_refused_before_anything_is_built(cell):
    with pytest.raises(ValueError, match=r"cell=.*choose from \('GRU', 'LSTM', 'SimpleRNN', 'SASRec'\)"):
        models.registry.build(10, models.config.Config(cell=cell))
    with pytest.raises(ValueError, match=r"cell=.*choose from"):
        models.registry.course_config("ml-100k", cell)


@pytest.mark.parametrize("dataset, cell", [("ml-100k", "SASRec"), ("ml-1m", "SimpleRNN"), ("ml-1m", "LSTM")])
def test_course_config_combines_the_dataset_and_the_cell(dataset, cell):
    config = models.registry.course_config(dataset, cell)
    assert config.cell == cell and config.max_len == models.registry.course_config(dataset).max_len
    for name, value in models.registry.get(cell).settings.items():
        assert getattr(config, name) == value
    assert models.registry.course_config(dataset, cell, seed=7).seed == 7


def test_course_config_rejects_an_unknown_dataset():
    with pytest.raises(ValueError, match="ml-10m"):
        models.registry.course_config("ml-10m")


def test_course_config_applies_what_the_data_sets_search_chose(monkeypatch):
    monkeypatch.setitem(models.registry.TUNED, ("ml-1m", "GRU"), {"lr": 0.003, "dropout": 0.4})
    tuned = models.registry.course_config("ml-1m", "GRU")
    assert (tuned.lr, tuned.dropout) == (0.003, 0.4)
    assert models.registry.course_config("ml-1m", "GRU", tuned=False).lr == models.registry.course_config(
        "ml-100k", "GRU").lr  # untuned: the data set's and the model's settings only
    assert models.registry.course_config("ml-1m", "GRU", lr=0.02).lr == 0.02  # a change still wins
    assert models.registry.course_config("ml-100k", "GRU").lr != 0.003  # another data set is not touched
