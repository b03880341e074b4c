"""Unit tests for ``lstmrec.baselines.registry``: the two tables by name, each grid a valid set of settings, and
``get`` with an unknown name.
"""

import itertools

import pytest

from lstmrec import baselines
from lstmrec.baselines.registry import BASELINES, REPEAT_BASELINES, get


def test_the_tables_and_their_order():
    assert list(BASELINES) == ["Most popular", "Markov chain", "Item-kNN", "Markov chain, 2nd order",
                               "Sequential rules", "Session-kNN"]
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


@pytest.mark.parametrize("name, size", [("Markov chain, 2nd order", 7), ("Sequential rules", 5 * 2 * 2),
                                        ("Session-kNN", 4 * 3 * 3)])
def test_order_aware_grids_by_hand(name, size):
    _, grid = get(name)
    assert len(list(itertools.product(*grid.values()))) == size


def test_order_aware_grids_contain_the_markov_chain():
    # weight 0 and steps 1 rank as the first-order chain, so neither can be chosen below it on validation
    assert 0.0 in get("Markov chain, 2nd order")[1]["weight"]
    assert 1 in get("Sequential rules")[1]["steps"]
