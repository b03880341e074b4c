"""Unit tests for ``lstmrec.data.registry``: the four data sets, what each says of itself, ``DataSet.split``
choosing the split by unit, and ``get`` with an unknown name.
"""

import dataclasses

import pandas as pd
import pytest

from lstmrec import data, models
from lstmrec.data.registry import DATASETS, DataSet, get


def test_the_data_sets_in_the_order_they_are_obtained():
    assert list(DATASETS) == ["ml-100k", "ml-1m", "instacart", "collegemsg"]
    assert all(name == d.name and get(name) is d for name, d in DATASETS.items())


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_data_set_is_complete(name):
    d = get(name)
    assert d.domain in {"Content", "E-commerce", "Social"} and d.question.endswith("?") and d.why
    assert d.unit in {"item", "basket"} and callable(d.load) and d.seeds >= 1
    fields = {f.name for f in dataclasses.fields(models.config.Config)}
    assert set(d.model) <= fields, f"{name}: not Config fields: {set(d.model) - fields}"
    if d.chapter_epochs is not None:  # a chapter's budget is below the bench's cap
        assert d.chapter_epochs < d.model.get("max_epochs", models.config.Config().max_epochs)


def test_candidate_rules_by_domain():
    assert {n: d.exclude_seen for n, d in DATASETS.items()} == {
        "ml-100k": True, "ml-1m": True, "instacart": False, "collegemsg": False}
    assert [n for n, d in DATASETS.items() if d.unit == "basket"] == ["instacart"]


class Loaded:
    """What a loader returns, as far as ``split`` reads it."""

    def __init__(self, interactions):
        self.interactions = interactions


def test_split_by_unit():
    events = pd.DataFrame({"user_id": [1] * 4, "item_id": [1, 2, 3, 4], "timestamp": [0, 1, 2, 3]})
    by_events = get("ml-100k").split(Loaded(events))
    assert isinstance(by_events, data.splits.LeaveOneOutSplit) and by_events.unit == "item"
    assert by_events.item_index.decode(by_events.test_target).tolist() == [4]
    orders = pd.DataFrame({"user_id": [1] * 4, "order_number": [1, 2, 3, 3], "add_to_cart_order": [1, 1, 1, 2],
                           "item_id": [7, 8, 7, 9]})
    by_orders = get("instacart").split(Loaded(orders))
    assert isinstance(by_orders, data.splits.BasketSplit) and by_orders.unit == "basket"
    assert sorted(by_orders.item_index.decode(by_orders.test_basket[0]).tolist()) == [7, 9]


@pytest.mark.parametrize("name", ["ml-10m", "", "MovieLens-100K"])
def test_get_refuses_an_unknown_name_and_lists_the_known(name):
    with pytest.raises(KeyError, match=f"unknown data set {name!r}; choose from .*'collegemsg'"):
        get(name)


def test_data_set_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get("ml-100k").seeds = 1
    assert isinstance(get("ml-1m"), DataSet)
