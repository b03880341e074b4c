"""Unit tests for ``lstmrec.data.synthetic``: sequences with a known long-range dependency.

The generator's contract: ``history`` (n, seq_len) int32 and ``target`` (n,)
int32 with ``target == history[:, seq_len - lag]``; that position holds the
only signal item (``1..num_signals``), every other one a distractor
(``num_signals+1..num_items``); equal seeds give equal data.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import data
from lstmrec.data.synthetic import long_range_sequences


@pytest.mark.parametrize("n, seq_len, lag, num_items, num_signals", [
    (50, 8, 3, 20, 4),
    (10, 5, 1, 20, 4),  # the signal is the last item
    (10, 5, 5, 20, 4),  # the signal is the first item
    (7, 1, 1, 3, 2),  # the shortest: the sequence is the signal
    (200, 30, 17, 6, 5),  # a single distractor id (6)
])
def test_shapes_dtypes_and_layout(n, seq_len, lag, num_items, num_signals):
    history, target = long_range_sequences(n, seq_len, lag, num_items=num_items, num_signals=num_signals, seed=1)
    assert history.shape == (n, seq_len) and history.dtype == np.int32
    assert target.shape == (n,) and target.dtype == np.int32
    pos = seq_len - lag
    np.testing.assert_array_equal(target, history[:, pos])
    assert ((target >= 1) & (target <= num_signals)).all()
    distractors = np.delete(history, pos, axis=1)
    assert ((distractors > num_signals) & (distractors <= num_items)).all()
    # so the signal is the only item from 1..num_signals in each row
    assert ((history <= num_signals).sum(axis=1) == 1).all()


def test_values_cover_their_whole_ranges():
    history, target = long_range_sequences(2000, 10, 4, num_items=20, num_signals=4, seed=0)
    assert set(np.unique(target).tolist()) == {1, 2, 3, 4}
    assert set(np.unique(np.delete(history, 6, axis=1)).tolist()) == set(range(5, 21))  # 20 included


def test_docstring_example():
    history, target = long_range_sequences(2, seq_len=5, lag=3, seed=0)
    assert bool((target == history[:, 5 - 3]).all())


def test_same_seed_same_data():
    a = long_range_sequences(30, 12, 6, seed=5)
    b = long_range_sequences(30, 12, 6, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_different_seeds_differ():
    a_hist, a_target = long_range_sequences(30, 12, 6, seed=5)
    b_hist, b_target = long_range_sequences(30, 12, 6, seed=6)
    assert (a_hist != b_hist).any()
    assert (a_target != b_target).any()


def test_default_seed_is_fixed():
    np.testing.assert_array_equal(long_range_sequences(5, 4, 2)[0], long_range_sequences(5, 4, 2, seed=0)[0])


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_sequences=0, seq_len=5, lag=1), r"num_sequences=0 and seq_len=5 must be at least 1"),
    (dict(num_sequences=3, seq_len=0, lag=1), r"num_sequences=3 and seq_len=0 must be at least 1"),
    (dict(num_sequences=3, seq_len=5, lag=0), r"lag=0 must be between 1 and seq_len=5"),
    (dict(num_sequences=3, seq_len=5, lag=6), r"lag=6 must be between 1 and seq_len=5"),
    (dict(num_sequences=3, seq_len=5, lag=-1), r"lag=-1 must be between 1 and seq_len=5"),
    (dict(num_sequences=3, seq_len=5, lag=2, num_signals=1),
     r"num_signals=1 must be at least 2 and below num_items=20"),
    (dict(num_sequences=3, seq_len=5, lag=2, num_items=4, num_signals=4),
     r"num_signals=4 must be at least 2 and below num_items=4"),
    (dict(num_sequences=3, seq_len=5, lag=2, num_items=4, num_signals=9),
     r"num_signals=9 must be at least 2 and below num_items=4"),
], ids=["no-sequences", "empty-sequences", "lag-0", "lag-beyond", "lag-negative", "one-signal",
        "no-distractors", "more-signals-than-items"])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        long_range_sequences(**kwargs)


def test_catalogue_sequences_shapes_and_ids():
    seqs = data.synthetic.catalogue_sequences(200, num_items=1000, mean_length=20, seed=1)
    assert len(seqs) == 200 and all(s.dtype == np.int32 and len(s) >= 2 for s in seqs)
    flat = np.concatenate(seqs)
    assert flat.min() >= 1 and flat.max() <= 1000
    assert abs(np.mean([len(s) for s in seqs]) - 20) < 1.5  # 2 + Poisson(18)


def test_catalogue_sequences_follow_rule_by_hand():
    never = data.synthetic.catalogue_sequences(50, num_items=30, mean_length=10, follow=0.0, seed=2)
    always_ish = data.synthetic.catalogue_sequences(50, num_items=30, mean_length=10, follow=0.9, seed=2)
    def share_following(seqs):
        pairs = np.concatenate([np.c_[s[:-1], s[1:]] for s in seqs])
        return np.mean(pairs[:, 1] == pairs[:, 0] % 30 + 1)
    assert share_following(always_ish) > 0.85  # 0.9, plus fresh draws that happen to follow
    assert share_following(never) < 0.15  # only fresh draws that happen to follow
    wrapped = data.synthetic.catalogue_sequences(500, num_items=3, mean_length=6, follow=0.9, seed=0)
    assert {1, 2, 3} <= set(np.concatenate(wrapped).tolist())  # 3 is followed by 1, never by 4


def test_catalogue_sequences_popularity_is_skewed_and_seeded():
    a = np.concatenate(
        data.synthetic.catalogue_sequences(300, num_items=500, mean_length=30, follow=0.0, zipf=1.0, seed=3)
    )
    counts = np.bincount(a, minlength=501)
    assert counts[1] > 5 * counts[100]  # p(1) / p(100) = 100 under zipf 1
    b = np.concatenate(
        data.synthetic.catalogue_sequences(300, num_items=500, mean_length=30, follow=0.0, zipf=1.0, seed=3)
    )
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs", [{"num_users": 0}, {"num_items": 1}, {"mean_length": 1}, {"follow": 1.0},
                                    {"zipf": -1.0}])
def test_catalogue_sequences_bad_arguments(kwargs):
    args = {"num_users": 5, "num_items": 10} | kwargs
    with pytest.raises(ValueError):
        data.synthetic.catalogue_sequences(**args)
