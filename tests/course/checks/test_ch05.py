"""Tests of ``lstmrec.course.checks.ch05``: ``leave_one_out_user``, ``left_pad`` and ``tied_last_share``.

Learners' answers (slicing, a loop, pandas; one that overwrites its input) pass, in both modes; each usual
mistake, written the way a learner would write it, is rejected with its own hint (not another one), and
raises in strict mode; the ``tied_last_share`` reference by hand and against ``data.ties.tie_report``.
The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in
``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.course.checks import ch05

# --- learners' answers -------------------------------------------------------------------------
#
# tied_last_share is written with pandas, the way a learner would, independently of the reference and the
# mistakes coded in the check (which work on NumPy arrays per user).


def learner_leave_one_out_user(history):
    return history[:-2], history[-2], history[-1]


def learner_left_pad(sequences, max_len):
    padded = np.zeros((len(sequences), max_len), dtype=int)
    for row, seq in enumerate(sequences):
        recent = list(seq)[-max_len:]
        padded[row, max_len - len(recent):] = recent
    return padded


def _right_pad(sequences, max_len):
    padded = np.zeros((len(sequences), max_len), dtype=int)
    for row, seq in enumerate(sequences):
        recent = list(seq)[-max_len:]
        padded[row, :len(recent)] = recent
    return padded


def learner_tied_last_share(interactions):
    last_two = interactions.groupby("user_id").tail(2).groupby("user_id")["timestamp"]
    has_two = last_two.size() == 2
    return float((last_two.nunique() == 1)[has_two].mean())


def learner_tied_last_share_loop(interactions):
    tied, users = 0, 0
    for _, rows in interactions.groupby("user_id", sort=False):
        times = rows["timestamp"].tolist()
        if len(times) >= 2:
            users += 1
            tied += times[-1] == times[-2]
    return tied / users


def learner_tied_last_share_in_place(interactions):
    """Correct, but overwrites its argument's columns: the check must not be disturbed."""
    share = learner_tied_last_share(interactions)
    interactions["timestamp"] = range(len(interactions))  # no ties left
    interactions["user_id"] = 0
    return share


def _any_tie_in_history(df):
    g = df.groupby("user_id")["timestamp"]
    return float(g.apply(lambda t: t.duplicated().any())[g.size() >= 2].mean())


def _tied_over_all_users(df):
    last_two = df.groupby("user_id").tail(2).groupby("user_id")["timestamp"]
    return float(((last_two.nunique() == 1) & (last_two.size() == 2)).sum() / df["user_id"].nunique())


def _last_against_first(df):
    g = df.groupby("user_id")["timestamp"]
    return float((g.last() == g.first())[g.size() >= 2].mean())


def _tied_count(df):
    last_two = df.groupby("user_id").tail(2).groupby("user_id")["timestamp"]
    return int(((last_two.nunique() == 1) & (last_two.size() == 2)).sum())


TIED_CASES = len(ch05._tied_last_frames())

CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("leave_one_out_user", learner_leave_one_out_user, 3, id="leave_one_out_user"),
    pytest.param("left_pad", learner_left_pad, 3, id="left_pad"),
    pytest.param("tied_last_share", ch05._reference_tied_last_share, TIED_CASES, id="tied-reference"),
    pytest.param("tied_last_share", learner_tied_last_share, TIED_CASES, id="tied-learner-pandas"),
    pytest.param("tied_last_share", learner_tied_last_share_loop, TIED_CASES, id="tied-learner-loop"),
    pytest.param("tied_last_share", learner_tied_last_share_in_place, TIED_CASES, id="tied-learner-in-place"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("leave_one_out_user", lambda h: (h[:-2], h[-1], h[-2]), "validation comes BEFORE test in time",
                 id="split-valid-after-test"),
    pytest.param("leave_one_out_user", lambda h: (h[:-1], h[-2], h[-1]),
                 "the validation item must not stay in the training history", id="split-valid-in-train"),
    pytest.param("leave_one_out_user", lambda h: (h[2:], h[0], h[1]), "hold out the LAST interactions",
                 id="split-first-items"),
    pytest.param("left_pad", lambda s, n: learner_left_pad([list(x)[:n] for x in s], n),
                 "keep its MOST RECENT items", id="pad-keeps-oldest"),
    pytest.param("left_pad", _right_pad, "pad on the LEFT", id="pad-right"),
    pytest.param("left_pad", lambda s, n: np.where(learner_left_pad(s, n) == 0, -1, learner_left_pad(s, n)),
                 "pad with 0, the id reserved for padding", id="pad-with-minus-1"),
    pytest.param("tied_last_share", _any_tie_in_history, "a tie earlier in a history does not decide",
                 id="any-tie-in-history"),
    pytest.param("tied_last_share", _tied_over_all_users, "a user with a single one has no last two",
                 id="all-users-in-denominator"),
    pytest.param("tied_last_share", _last_against_first, "not with the user's first", id="last-against-first"),
    pytest.param("tied_last_share", _tied_count, "not the number of users", id="count-not-share"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- tied_last_share by hand -------------------------------------------------------------------


def test_tied_last_share_reference_by_hand():
    # users' timestamps -> share among users with two or more whose last two are equal
    expected = [1 / 3,  # [10, 20, 20], [10, 20, 30], [5, 6, 7]
                1 / 2,  # [4, 4], [7] (no last two), [1, 2, 3]
                1 / 3,  # [1, 1, 1, 2], [3, 3, 5, 6, 6], [8, 9]
                1.0,    # [5, 5, 5], [6, 6]
                1 / 2]  # [2, 2], [1, 4, 4, 6], [7] (no last two)
    frames = ch05._tied_last_frames()
    got = [ch05._reference_tied_last_share(df) for _, df in frames[:len(expected)]]
    assert got == pytest.approx(expected, abs=1e-12)


def test_tied_last_share_reference_agrees_with_tie_report():
    from lstmrec import data

    for label, df in ch05._tied_last_frames():
        report = data.ties.tie_report(df)["tied_last_two"]  # rounded to 4 decimals
        assert ch05._reference_tied_last_share(df) == pytest.approx(report, abs=5e-5), label


def test_tied_last_share_hint_survives_an_answer_that_changes_its_input(capsys):
    def count_then_overwrite(df):
        count = _tied_count(df)
        df["timestamp"] = range(len(df))  # the mistakes are then run on the check's own copy, not on this
        return count

    assert bool(ch05.tied_last_share(count_then_overwrite)) is False
    assert "not the number of users" in capsys.readouterr().out


def test_tied_last_share_wrong_answer_without_a_hint(capsys):
    assert bool(ch05.tied_last_share(lambda df: 0.5)) is False
    out = capsys.readouterr().out
    assert out.strip() == ("[x] tied_last_share: wrong on case 'three users, the first with its last two tied': "
                           "expected 0.333333, got 0.5.")
