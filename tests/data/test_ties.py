"""Unit tests for ``lstmrec.data.ties``: the order of equal timestamps, and how to measure ties.

Hand-worked cases for the ``"item_id"`` and ``"source"`` rules and for
``tie_report``; properties for ``"shuffle"`` (a permutation inside each tie
group only, deterministic, independent of the input's row order and of the
rest of the data, different for another seed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmrec import data


def frame(rows):
    """A DataFrame of ``(user_id, item_id, timestamp)`` rows."""
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


@pytest.fixture
def bursts():
    """Two users, each with a burst of equal timestamps, rows out of order."""
    rng = np.random.default_rng(1)
    rows = [(u, item, t) for u in (1, 2) for item, t in zip(range(10 * u, 10 * u + 8), [3, 3, 3, 3, 3, 1, 7, 7])]
    return frame([rows[i] for i in rng.permutation(len(rows))])


# --- order_events: hand-worked rules -----------------------------------------------


def test_item_id_rule_by_hand():
    df = frame([(1, 30, 5), (1, 10, 5), (1, 20, 3), (0, 99, 9)])
    out = data.ties.order_events(df, ties="item_id")
    # user 0 first; user 1: item 20 (t=3), then 10 and 30 (both t=5) by increasing id
    assert out["item_id"].tolist() == [99, 20, 10, 30]
    assert out.index.tolist() == [0, 1, 2, 3]


def test_source_rule_keeps_row_order_of_ties():
    df = frame([(1, 30, 5), (1, 10, 5), (1, 20, 3), (1, 5, 5)])
    assert data.ties.order_events(df, ties="source")["item_id"].tolist() == [20, 30, 10, 5]


def test_docstring_example():
    df = frame([(1, 30, 5), (1, 10, 5), (1, 20, 1)])
    assert data.ties.order_events(df, ties="item_id")["item_id"].tolist() == [20, 10, 30]


# --- order_events: the course's rule --------------------------------------------------


def test_shuffle_only_permutes_inside_tie_groups(bursts):
    out = data.ties.order_events(bursts)
    assert (np.diff(out["user_id"]) >= 0).all()
    for _, g in out.groupby("user_id"):
        assert (np.diff(g["timestamp"]) >= 0).all()  # time order kept
    assert sorted(map(tuple, out.to_numpy())) == sorted(map(tuple, bursts.to_numpy()))  # same events


def test_shuffle_does_not_depend_on_row_order(bursts):
    a = data.ties.order_events(bursts)
    b = data.ties.order_events(bursts.iloc[::-1])
    pd.testing.assert_frame_equal(a, b)


def test_shuffle_keeps_relative_order_on_a_subset(bursts):
    full = data.ties.order_events(bursts)
    sub = data.ties.order_events(bursts[bursts["user_id"] == 2])
    np.testing.assert_array_equal(full[full["user_id"] == 2]["item_id"], sub["item_id"])


def test_shuffle_is_not_the_item_id_order_and_depends_on_the_seed():
    rows = [(1, item, 0) for item in range(40)]  # one burst of 40 equal timestamps
    df = frame(rows)
    by_seed = [data.ties.order_events(df, seed=s)["item_id"].tolist() for s in (0, 1)]
    assert by_seed[0] != list(range(40))
    assert by_seed[0] != by_seed[1]
    assert data.ties.order_events(df, seed=0)["item_id"].tolist() == by_seed[0]  # deterministic
    # a random order: about half the consecutive pairs ascend (here 40 items, 39 pairs)
    report = data.ties.tie_report(data.ties.order_events(df))
    assert 0.25 < report["tied_pairs_ascending"] < 0.75


def test_tie_keys_by_hand_properties():
    k = data.ties.tie_keys([1, 1, 2], [5, 6, 5], [0, 0, 0])
    assert k.dtype == np.uint64 and len(set(k.tolist())) == 3
    np.testing.assert_array_equal(k, data.ties.tie_keys([1, 1, 2], [5, 6, 5], [0, 0, 0]))  # a function of the event
    assert data.ties.tie_keys([1], [5], [0])[0] == k[0]  # ... and of nothing else


def test_tie_keys_lengths_must_agree():
    with pytest.raises(ValueError, match=r"differ in length: \[2, 1, 2\]"):
        data.ties.tie_keys([1, 2], [1], [0, 0])


@pytest.mark.parametrize("rule", ["random", "", "ITEM_ID"])
def test_unknown_rule(rule):
    with pytest.raises(ValueError, match=r"ties=.*: choose one of \('shuffle', 'item_id', 'source'\)"):
        data.ties.order_events(frame([(1, 1, 1)]), ties=rule)


def test_missing_column():
    with pytest.raises(ValueError, match=r"lack column\(s\) \['item_id'\]"):
        data.ties.order_events(pd.DataFrame({"user_id": [1], "timestamp": [1]}))


def test_does_not_modify_its_input(bursts):
    before = bursts.copy()
    data.ties.order_events(bursts)
    pd.testing.assert_frame_equal(bursts, before)


# --- tie_report ----------------------------------------------------------------------


def test_tie_report_by_hand():
    df = frame([(1, 1, 0), (1, 3, 0), (1, 2, 0), (2, 5, 4), (2, 6, 9)])
    # pairs of one user: (1,3) tied asc, (3,2) tied desc, (5,6) not tied -> tied 2/3, ascending 1/2
    # last two: user 1 tied, user 2 not -> 1/2
    assert data.ties.tie_report(df) == {"tied_events": 0.6667, "tied_last_two": 0.5, "tied_pairs_ascending": 0.5}


def test_tie_report_item_id_rule_ascends_always(bursts):
    report = data.ties.tie_report(data.ties.order_events(bursts, ties="item_id"))
    assert report["tied_pairs_ascending"] == 1.0


def test_tie_report_users_with_one_event_are_not_counted():
    df = frame([(1, 1, 0), (2, 2, 0), (2, 3, 0), (3, 4, 1)])
    assert data.ties.tie_report(df) == {"tied_events": 1.0, "tied_last_two": 1.0, "tied_pairs_ascending": 1.0}


def test_tie_report_no_pairs():
    assert data.ties.tie_report(frame([(1, 1, 0)])) == {"tied_events": 0.0, "tied_last_two": 0.0,
                                                    "tied_pairs_ascending": 0.0}
