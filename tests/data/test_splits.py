"""Unit tests for ``lstmrec.data.splits``: the temporal leave-one-out split and the next-basket split.

Every expected value is worked out by hand from a frame small enough to follow on paper (the ``tiny`` fixture of
``tests/data/conftest.py``, and the orders below); the arithmetic is in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lstmrec import data
from lstmrec.data.splits import leave_one_out
from tests.data.frames import frame, orders

# --- leave_one_out -------------------------------------------------------------------


def test_leave_one_out_tiny(tiny):
    with pytest.warns(UserWarning, match=r"1 of 3 users have fewer than 3 interactions"):
        split = leave_one_out(tiny)
    assert split.dropped_users == 1
    assert split.user_ids.tolist() == [1, 2]
    assert split.num_users == 2
    # user 1: [1, 2, 3, 4] -> train [1, 2], valid 3, test 4
    # user 2: [2, 5, 1]    -> train [2],    valid 5, test 1
    assert [t.tolist() for t in split.train] == [[1, 2], [2]]
    assert split.valid_target.tolist() == [3, 5]
    assert split.test_target.tolist() == [4, 1]
    assert split.targets("valid").tolist() == [3, 5]
    assert split.targets("test").tolist() == [4, 1]


def test_leave_one_out_keeps_dropped_users_items_in_catalogue(tiny):
    with pytest.warns(UserWarning):
        split = leave_one_out(tiny)
    # 7 raw items (60 and 70 only seen by the dropped user 3) + padding = 8.
    assert split.num_items == 8
    assert split.item_index.decode([6, 7]).tolist() == [60, 70]


def test_histories_never_contain_their_target(tiny):
    with pytest.warns(UserWarning):
        split = leave_one_out(tiny)
    valid = split.histories("valid")
    test = split.histories("test")
    assert [h.tolist() for h in valid] == [[1, 2], [2]]  # = train
    assert [h.tolist() for h in test] == [[1, 2, 3], [2, 5]]  # = train + the valid item
    for h, target in zip(valid, split.valid_target):
        assert target not in h
    for h, target in zip(test, split.test_target):
        assert target not in h


def test_leave_one_out_docstring_example():
    df = frame([(1, 10, 1), (1, 20, 2), (1, 30, 3)])
    s = leave_one_out(df)
    assert (s.train[0].tolist(), s.valid_target.tolist(), s.test_target.tolist()) == ([1], [2], [3])
    assert s.dropped_users == 0


def test_leave_one_out_higher_minimum_drops_more(tiny):
    # min_interactions=4: user 2 (3 interactions) and user 3 (2) are dropped.
    with pytest.warns(UserWarning, match=r"2 of 3 users have fewer than 4"):
        split = leave_one_out(tiny, min_interactions=4)
    assert split.user_ids.tolist() == [1]
    assert split.dropped_users == 2


@pytest.mark.parametrize("m", [2, 1, 0])
def test_leave_one_out_minimum_below_three(tiny, m):
    with pytest.raises(ValueError, match=rf"min_interactions={m}: at least 3 are needed"):
        leave_one_out(tiny, min_interactions=m)


def test_leave_one_out_nobody_long_enough():
    df = frame([(1, 10, 1), (1, 20, 2), (2, 10, 1)])
    with pytest.warns(UserWarning, match="2 of 2 users"), \
            pytest.raises(ValueError, match="no user has 3 or more interactions"):
        leave_one_out(df)


def test_leave_one_out_empty_frame():
    with pytest.raises(ValueError, match="no user has 3 or more interactions"):
        leave_one_out(frame([]))


@pytest.mark.parametrize("method", ["histories", "targets"])
@pytest.mark.parametrize("stage", ["train", "TEST", ""])
def test_bad_stage(tiny, method, stage):
    with pytest.warns(UserWarning):
        split = leave_one_out(tiny)
    with pytest.raises(ValueError, match=r"choose 'valid' or 'test'"):
        getattr(split, method)(stage)


# --- the split ---------------------------------------------------------------------------------


def test_split_by_orders_in_cart_order():
    df = orders([(1, 1, 2, 30), (1, 1, 1, 10), (1, 2, 1, 20), (1, 3, 1, 10), (1, 3, 2, 40),
                (2, 1, 1, 20), (2, 2, 1, 30), (2, 3, 1, 20), (2, 4, 1, 50), (2, 4, 2, 10)])
    s = data.splits.next_basket_split(df.sample(frac=1, random_state=0))  # the file's row order does not matter
    raw = s.item_index.decode
    assert s.user_ids.tolist() == [1, 2] and s.num_items == 6
    assert raw(s.train[0]).tolist() == [10, 30]  # order 1, by cart position
    assert raw(s.valid_basket[0]).tolist() == [20] and raw(s.test_basket[0]).tolist() == [10, 40]
    assert raw(s.train[1]).tolist() == [20, 30] and raw(s.valid_basket[1]).tolist() == [20]
    assert raw(s.test_basket[1]).tolist() == [50, 10]
    assert raw(s.histories("test")[1]).tolist() == [20, 30, 20]  # training orders + the validation basket
    assert s.histories("valid") is s.train and s.baskets("test") is s.test_basket


def test_split_drops_users_with_too_few_orders():
    df = orders([(1, 1, 1, 1), (1, 2, 1, 2), (2, 1, 1, 1), (2, 2, 1, 2), (2, 3, 1, 3)])
    with pytest.warns(UserWarning, match="1 of 2 users have fewer than 3 orders"):
        s = data.splits.next_basket_split(df)
    assert s.user_ids.tolist() == [2] and s.dropped_users == 1
    assert s.num_items == 4  # the dropped user's items stay in the catalogue


@pytest.mark.parametrize("kwargs, df, message", [
    ({"min_orders": 2}, orders([(1, 1, 1, 1)]), "min_orders=2"),
    ({}, orders([(1, 1, 1, 1), (1, 2, 1, 1)]), "no user has 3 or more orders"),
    ({}, pd.DataFrame({"user_id": [1], "item_id": [1]}), "lack column"),
])
@pytest.mark.filterwarnings("ignore:next_basket_split")
def test_split_errors(kwargs, df, message):
    with pytest.raises(ValueError, match=message):
        data.splits.next_basket_split(df, **kwargs)


def test_split_stage_names():
    s = data.splits.next_basket_split(orders([(1, 1, 1, 1), (1, 2, 1, 2), (1, 3, 1, 3)]))
    for method in (s.histories, s.baskets):
        with pytest.raises(ValueError, match="choose 'valid' or 'test'"):
            method("train")
