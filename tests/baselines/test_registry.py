"""Unit tests for ``lstmrec.baselines.registry``: the two tables by name, each grid a valid set of settings, and
``get`` with an unknown name.
"""

import itertools

import pytest

from lstmrec import baselines
from lstmrec.baselines.registry import BASELINES, REPEAT_BASELINES, get


def test_the_tables_and_their_order():
    assert list(BASELINES) == ["Most popular", "Markov chain", "Item-kNN"]
    assert list(REPEAT_BASELINES) == ["Repeat: most frequent", "Repeat: most recent", "Repeat: blend"]
    assert not set(BASELINES) & set(REPEAT_BASELINES)


@pytest.mark.parametrize("name", list(BASELINES) + list(REPEAT_BASELINES))
def test_get_returns_the_class_and_grid_and_every_grid_point_builds(name):
    cls, grid = get(name)
    assert (cls, grid) == (BASELINES | REPEAT_BASELINES)[name]
    for values in itertools.product(*grid.values()):
        assert isinstance(cls(**dict(zip(grid, values))), baselines.base.Baseline)


def test_item_knn_grid_by_hand():
    _, grid = get("Item-kNN")
    assert len(list(itertools.product(*grid.values()))) == 8 * 4  # 8 history lengths (None: all) x 4 decays


@pytest.mark.parametrize("name", ["item-knn", "", "Most Popular"])
def test_get_refuses_an_unknown_name_and_lists_the_known(name):
    with pytest.raises(KeyError, match=f"unknown baseline {name!r}; choose from .*'Repeat: blend'"):
        get(name)
