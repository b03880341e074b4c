"""Unit tests for ``lstmrec.data.sequences``: order, encode, pad, window, shuffle, activity.

Every expected value below is worked out by hand from a frame small enough to
follow on paper; the arithmetic is in the comments. The padding and window
functions are also checked against ``keras.utils.pad_sequences`` and against a
property (no pair dropped, none invented) on random sequences.
"""

from __future__ import annotations

import collections
import re

import numpy as np
import pandas as pd
import pytest

from lstmrec import data
from lstmrec.data.sequences import ItemIndex, pad_sequences, training_windows
from tests.data.frames import frame

# --- sort_interactions --------------------------------------------------------------


def test_sort_item_id_rule_by_hand():
    df = frame([(1, 30, 5), (1, 10, 5), (1, 20, 3), (0, 99, 9)])
    out = data.sequences.sort_interactions(df, ties="item_id")
    # user 0 first; for user 1: item 20 (t=3), then items 10 and 30 both at t=5, by id.
    assert out["user_id"].tolist() == [0, 1, 1, 1]
    assert out["item_id"].tolist() == [99, 20, 10, 30]
    assert out.index.tolist() == [0, 1, 2, 3]  # a fresh index


def test_sort_default_is_the_course_tie_rule():
    df = frame([(1, item, 5) for item in range(30)] + [(1, 99, 3)])
    out = data.sequences.sort_interactions(df)
    pd.testing.assert_frame_equal(out, data.ties.order_events(df, ties="shuffle"))
    assert out["item_id"].iloc[0] == 99  # time still comes first
    assert out["item_id"].tolist()[1:] != list(range(30))  # ties are not in id order


def test_sort_does_not_modify_its_input():
    df = frame([(1, 30, 5), (1, 10, 5)])
    data.sequences.sort_interactions(df)
    assert df["item_id"].tolist() == [30, 10]


def test_sort_names_a_missing_column():
    with pytest.raises(ValueError, match=r"lack column\(s\) \['timestamp'\]"):
        data.sequences.sort_interactions(pd.DataFrame({"user_id": [1], "item_id": [2]}))


# --- ItemIndex -----------------------------------------------------------------------


@pytest.fixture
def index():
    # distinct raw ids in increasing order: 10 -> 1, 20 -> 2, 30 -> 3; 0 stays padding.
    return ItemIndex.fit([30, 10, 20, 10])


def test_item_index_fit(index):
    assert index.raw_ids.tolist() == [-1, 10, 20, 30]
    assert index.num_items == 4  # 3 items + padding


def test_item_index_encode_decode_round_trip(index):
    assert index.encode([20, 30, 10, 20]).tolist() == [2, 3, 1, 2]
    assert index.decode([1, 3]).tolist() == [10, 30]
    raw = np.array([30, 10, 10, 20])
    assert index.decode(index.encode(raw)).tolist() == raw.tolist()


@pytest.mark.parametrize("unknown", [99, 5, 15, -1], ids=["above-all", "below-all", "between", "padding-raw-id"])
def test_encode_unknown_raw_id_is_named(index, unknown):
    with pytest.raises(KeyError, match=rf"unknown item id\(s\) \[{unknown}\].*3 items"):
        index.encode([10, unknown])


@pytest.mark.parametrize("bad", [0, 4, -2], ids=["padding", "beyond", "negative"])
def test_decode_non_item_raises(index, bad):
    with pytest.raises(KeyError, match=rf"\[{bad}\] are not items: valid ids are 1\.\.3 \(0 is padding\)"):
        index.decode([1, bad])


# --- user_sequences ------------------------------------------------------------------


def test_user_sequences(tiny):
    idx = ItemIndex.fit(tiny["item_id"])
    users, seqs = data.sequences.user_sequences(tiny, idx)
    assert users.tolist() == [1, 2, 3]
    # see the fixture: user 2's tie at t=5 goes 20 (id 2) before 50 (id 5).
    assert [s.tolist() for s in seqs] == [[1, 2, 3, 4], [2, 5, 1], [6, 7]]


# --- pad_sequences -------------------------------------------------------------------

SEQS = [np.array([1, 2, 3]), np.array([4])]


@pytest.mark.parametrize("max_len, side, expected", [
    (2, "left", [[2, 3], [0, 4]]),  # the docstring: truncation keeps the 2 most recent
    (4, "left", [[0, 1, 2, 3], [0, 0, 0, 4]]),
    (3, "left", [[1, 2, 3], [0, 0, 4]]),  # exactly max_len: unchanged
    (1, "left", [[3], [4]]),  # only the most recent item
    (2, "right", [[2, 3], [4, 0]]),  # right: still keeps the most recent
    (4, "right", [[1, 2, 3, 0], [4, 0, 0, 0]]),
], ids=["left-truncate", "left-pad", "left-exact", "left-one", "right-truncate", "right-pad"])
def test_pad_sequences(max_len, side, expected):
    out = pad_sequences(SEQS, max_len, side=side)
    assert out.dtype == np.int32
    assert out.tolist() == expected


def test_pad_empty_sequence_and_empty_batch():
    assert pad_sequences([np.array([], dtype=np.int64), np.array([5])], 3).tolist() == [[0, 0, 0], [0, 0, 5]]
    assert pad_sequences([[], []], 2).tolist() == [[0, 0], [0, 0]]
    out = pad_sequences([], 3)
    assert out.shape == (0, 3) and out.dtype == np.int32


@pytest.mark.parametrize("max_len", [0, -1])
def test_pad_max_len_below_one(max_len):
    with pytest.raises(ValueError, match=rf"max_len={max_len} must be at least 1"):
        pad_sequences(SEQS, max_len)


@pytest.mark.parametrize("side", ["pre", "both", ""])
def test_pad_bad_side(side):
    with pytest.raises(ValueError, match=rf"side={side!r}: choose 'left' or 'right'"):
        pad_sequences(SEQS, 3, side=side)


@pytest.mark.parametrize("side, padding", [("left", "pre"), ("right", "post")])
def test_pad_matches_keras(side, padding):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 100, size=rng.integers(0, 15)) for _ in range(200)]
    for max_len in (1, 5, 7, 20):
        ours = pad_sequences(seqs, max_len, side=side)
        theirs = keras.utils.pad_sequences(seqs, maxlen=max_len, padding=padding, truncating="pre")
        np.testing.assert_array_equal(ours, theirs)


# --- training_windows ----------------------------------------------------------------


def test_windows_docstring_example():
    x, y = training_windows([np.array([1, 2, 3, 4])], max_len=2)
    # pairs (1,2), (2,3), (3,4); most recent window [(2,3), (3,4)], then [pad, (1,2)].
    assert x.tolist() == [[0, 1], [2, 3]]
    assert y.tolist() == [[0, 2], [3, 4]]
    assert x.dtype == y.dtype == np.int32


def test_windows_longer_than_two_windows():
    x, y = training_windows([np.arange(1, 9)], max_len=3)
    # 8 items -> 7 pairs -> ceil(7/3) = 3 windows, cut from the most recent backwards:
    # [(5,6), (6,7), (7,8)], [(2,3), (3,4), (4,5)], and the oldest [pad, pad, (1,2)].
    assert x.tolist() == [[0, 0, 1], [2, 3, 4], [5, 6, 7]]
    assert y.tolist() == [[0, 0, 2], [3, 4, 5], [6, 7, 8]]


def test_windows_several_users_short_ones_contribute_nothing():
    x, y = training_windows([np.array([1, 2, 3, 4]), np.array([5]), np.array([], dtype=int), np.array([6, 7])],
                            max_len=2)
    # user 0: 2 windows (as in the docstring); [5] and [] have no pair; [6, 7]: 1 pair, 1 window.
    assert x.tolist() == [[0, 1], [2, 3], [0, 6]]
    assert y.tolist() == [[0, 2], [3, 4], [0, 7]]


@pytest.mark.parametrize("seqs", [[np.array([5])], [np.array([], dtype=int)], [np.array([1]), []], []],
                         ids=["length-1", "length-0", "both", "no-sequences"])
def test_windows_nothing_to_learn(seqs):
    x, y = training_windows(seqs, max_len=4)
    assert x.shape == y.shape == (0, 4)
    assert x.dtype == y.dtype == np.int32


@pytest.mark.parametrize("max_len", [0, -3])
def test_windows_max_len_below_one(max_len):
    with pytest.raises(ValueError, match=rf"max_len={max_len} must be at least 1"):
        training_windows([np.array([1, 2])], max_len)


@pytest.mark.parametrize("max_len", [1, 2, 5, 50])
def test_windows_keep_every_pair_and_invent_none(max_len):
    rng = np.random.default_rng(max_len)
    seqs = [rng.integers(1, 30, size=rng.integers(0, 25)) for _ in range(60)]  # item ids 1..29, never 0
    x, y = training_windows(seqs, max_len)

    # number of windows: sum over users of ceil((L - 1) / max_len)
    assert len(x) == sum(-(-max(len(s) - 1, 0) // max_len) for s in seqs)
    # targets are 0 exactly where inputs are 0 (padding)
    np.testing.assert_array_equal(x == 0, y == 0)
    # the multiset of (input, target) pairs = all consecutive pairs of all sequences
    got = collections.Counter(zip(x[x > 0].tolist(), y[x > 0].tolist()))
    expected = collections.Counter((int(a), int(b)) for s in seqs for a, b in zip(s[:-1], s[1:]))
    assert got == expected
    # stronger: each user's windows, read in order, give back s[:-1] and s[1:]; padding only at the left
    row = 0
    for s in seqs:
        n_windows = -(-max(len(s) - 1, 0) // max_len)
        xs, ys = x[row:row + n_windows], y[row:row + n_windows]
        row += n_windows
        assert xs[xs > 0].tolist() == s[:-1].tolist()
        assert ys[ys > 0].tolist() == s[1:].tolist()
        for w in xs[1:]:
            assert (w > 0).all()  # only the oldest window is padded
        if n_windows:
            pad = xs[0] == 0
            assert not (pad[1:] & ~pad[:-1]).any()  # padding is a prefix: never an item, then padding


# --- shuffle_within_users -------------------------------------------------------------


def test_shuffle_keeps_each_users_items_and_counts():
    seqs = [np.array([5, 3, 5, 1, 9, 5, 2]), np.array([4]), np.array([], dtype=int), np.array([7, 7, 8])]
    out = data.sequences.shuffle_within_users(seqs, seed=3)
    assert len(out) == len(seqs)
    for before, after in zip(seqs, out):
        assert collections.Counter(after.tolist()) == collections.Counter(before.tolist())  # same multiset
        assert len(after) == len(before)


def test_shuffle_does_not_modify_its_input():
    seqs = [np.arange(1, 21)]
    data.sequences.shuffle_within_users(seqs, seed=0)
    assert seqs[0].tolist() == list(range(1, 21))


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_shuffle_changes_the_order_of_long_sequences(seed):
    # 30 distinct items: the chance a permutation leaves the order as it was is 1 / 30!
    seqs = [np.arange(1, 31), np.arange(31, 61)]
    out = data.sequences.shuffle_within_users(seqs, seed=seed)
    for before, after in zip(seqs, out):
        assert after.tolist() != before.tolist()
        assert sorted(after.tolist()) == before.tolist()


def test_shuffle_is_deterministic_per_seed():
    seqs = [np.arange(1, 31), np.array([3, 1, 2]), np.arange(100, 140)]
    first = data.sequences.shuffle_within_users(seqs, seed=7)
    again = data.sequences.shuffle_within_users(seqs, seed=7)
    other = data.sequences.shuffle_within_users(seqs, seed=8)
    assert [a.tolist() for a in first] == [a.tolist() for a in again]
    assert [a.tolist() for a in first] != [a.tolist() for a in other]
    assert (
        data.sequences.shuffle_within_users(seqs)[0].tolist()
        == data.sequences.shuffle_within_users(seqs, seed=0)[0].tolist()
    )


def test_shuffle_no_users():
    assert data.sequences.shuffle_within_users([], seed=0) == []


@pytest.mark.parametrize("last", [1, 3, 25])
def test_shuffle_of_the_last_items_keeps_the_rest_in_place(last):
    seqs = [np.arange(1, 21), np.array([4, 5]), np.array([], dtype=int), np.array([9])]
    out = data.sequences.shuffle_within_users(seqs, seed=5, last=last)
    for before, after in zip(seqs, out):
        cut = max(len(before) - last, 0)
        assert after[:cut].tolist() == before[:cut].tolist()  # the older items where they were
        assert sorted(after[cut:].tolist()) == sorted(before[cut:].tolist())  # the recent ones among themselves
    assert out[0][-3:].tolist() != [18, 19, 20] or last == 1  # 3 or more distinct recent items: the order moves
    assert out[3].tolist() == [9] and data.sequences.shuffle_within_users(seqs, seed=5, last=1)[0].tolist() == \
        list(range(1, 21))  # one item shuffled among itself stays


def test_shuffle_of_all_items_is_what_it_was():
    # last=None keeps chapter 01's control as it was, draw for draw
    seqs = [np.arange(1, 31), np.array([3, 1, 2])]
    rng = np.random.default_rng(0)
    assert [a.tolist() for a in data.sequences.shuffle_within_users(seqs)] == [rng.permutation(s).tolist()
                                                                              for s in seqs]


@pytest.mark.parametrize("last", [0, -1])
def test_shuffle_refuses_an_empty_window(last):
    with pytest.raises(ValueError, match="at least 1"):
        data.sequences.shuffle_within_users([np.arange(1, 5)], last=last)


# --- activity_matrix -------------------------------------------------------------------


def activity(rows):
    """A DataFrame of ``(user_id, timestamp)`` rows."""
    return pd.DataFrame(rows, columns=["user_id", "timestamp"])


def test_activity_docstring_example():
    user_ids, active, edges = data.sequences.activity_matrix(activity([(1, 0), (1, 30), (2, 10)]), 3)
    # span 0..30 in 3 periods: [0, 10), [10, 20), [20, 30]
    # user 1: t=0 -> period 0, t=30 (the last edge) -> period 2; user 2: t=10 -> period 1
    assert user_ids.tolist() == [1, 2]
    assert active.tolist() == [[1, 0, 1], [0, 1, 0]]
    assert edges.tolist() == [0.0, 10.0, 20.0, 30.0]


def test_activity_edges_go_to_the_later_period_and_the_last_edge_to_the_last():
    df = activity([(4, 100), (4, 125), (5, 150), (6, 200), (6, 174.9)])
    user_ids, active, edges = data.sequences.activity_matrix(df, 4)
    # span 100..200 in 4: edges 100, 125, 150, 175, 200
    # user 4: 100 -> 0, 125 (an inner edge) -> 1; user 5: 150 -> 2; user 6: 200 -> 3 (the last, inclusive), 174.9 -> 2
    assert edges.tolist() == [100.0, 125.0, 150.0, 175.0, 200.0]
    assert active.tolist() == [[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]


def test_activity_users_in_increasing_id_order_whatever_the_row_order():
    df = activity([(30, 9), (5, 0), (12, 4), (30, 1), (5, 8)])
    user_ids, active, _ = data.sequences.activity_matrix(df, 2)
    # span 0..9 in 2: [0, 4.5), [4.5, 9]
    # user 5: 0, 8 -> [1, 1]; user 12: 4 -> [1, 0]; user 30: 9, 1 -> [1, 1]
    assert user_ids.tolist() == [5, 12, 30]
    assert active.tolist() == [[1, 1], [1, 0], [1, 1]]


def test_activity_is_binary_int8_with_num_periods_plus_one_edges():
    # user 1 has 3 interactions in period 0: still 1, not 3
    df = activity([(1, 0), (1, 1), (1, 2), (1, 60), (2, 59)])
    user_ids, active, edges = data.sequences.activity_matrix(df, 6)
    assert active.dtype == np.int8
    assert active.shape == (2, 6)
    assert set(np.unique(active).tolist()) == {0, 1}
    assert edges.shape == (7,)
    assert edges[0] == 0 and edges[-1] == 60
    np.testing.assert_allclose(np.diff(edges), 10.0)  # equal periods
    # user 1: 0, 1, 2 -> period 0; 60 -> period 5. user 2: 59 -> period 5
    assert active.tolist() == [[1, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1]]


def test_activity_one_period_is_everyone_active():
    user_ids, active, edges = data.sequences.activity_matrix(activity([(3, 10), (1, 20), (2, 15)]), 1)
    assert user_ids.tolist() == [1, 2, 3]
    assert active.tolist() == [[1], [1], [1]]
    assert edges.tolist() == [10.0, 20.0]


def test_activity_ignores_other_columns():
    df = frame([(1, 10, 0), (2, 20, 10)])  # user_id, item_id, timestamp
    user_ids, active, _ = data.sequences.activity_matrix(df, 2)
    assert user_ids.tolist() == [1, 2]
    assert active.tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("num_periods", [0, -1])
def test_activity_num_periods_below_one(num_periods):
    with pytest.raises(ValueError, match=rf"num_periods={num_periods} must be at least 1"):
        data.sequences.activity_matrix(activity([(1, 0), (1, 5)]), num_periods)


@pytest.mark.parametrize("columns, missing", [
    (["user_id"], "['timestamp']"),
    (["timestamp"], "['user_id']"),
    (["item_id"], "['timestamp', 'user_id']"),
])
def test_activity_names_missing_columns(columns, missing):
    df = pd.DataFrame({c: [1, 2] for c in columns})
    with pytest.raises(ValueError, match=re.escape(f"lack column(s) {missing}")):
        data.sequences.activity_matrix(df, 3)


def test_activity_empty_frame():
    with pytest.raises(ValueError, match="no interactions"):
        data.sequences.activity_matrix(activity([]), 3)
