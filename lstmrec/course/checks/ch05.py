"""Chapter 05's checks. From interactions to sequences: one user's leave-one-out, left padding, tied last events."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def leave_one_out_user(answer: Callable[[np.ndarray], tuple]) -> CheckResult:
    """Check ``leave_one_out_user(history)``: ``(train, valid_target, test_target)`` for one user.

    ``history`` is the user's items in chronological order.
    """
    cases = [Case("history [5, 3, 9, 1, 7]", (np.array([5, 3, 9, 1, 7]),)),
             Case("the shortest history that can be split, [4, 8, 2]", (np.array([4, 8, 2]),)),
             Case("history [10, 20, 30, 40]", (np.array([10, 20, 30, 40]),))]

    def reference(h):
        h = np.asarray(h)
        return (h[:-2], int(h[-2]), int(h[-1]))

    mistakes = [
        Mistake(lambda h: (np.asarray(h)[:-2], int(h[-1]), int(h[-2])),
                "validation comes BEFORE test in time: the second-last item validates, the last one tests."),
        Mistake(lambda h: (np.asarray(h)[:-1], int(h[-2]), int(h[-1])),
                "the validation item must not stay in the training history: train is everything before it, h[:-2]."),
        Mistake(lambda h: (np.asarray(h)[2:], int(h[0]), int(h[1])),
                "hold out the LAST interactions, not the first: the model must predict the future from the past."),
    ]
    return check("leave_one_out_user", converted(answer, tuple), reference, cases, mistakes)


def left_pad(answer: Callable[[list, int], np.ndarray]) -> CheckResult:
    """Check ``left_pad(sequences, max_len)``: (n, max_len) with 0 in front, keeping the most recent items."""
    from lstmrec.data.sequences import pad_sequences

    seqs = [np.array([1, 2, 3, 4, 5]), np.array([6, 7]), np.array([8])]
    cases = [Case("lengths 5, 2, 1 padded to 3", (seqs, 3)), Case("lengths 5, 2, 1 padded to 6", (seqs, 6)),
             Case("one sequence of length 2, max_len 2", ([np.array([9, 4])], 2))]
    mistakes = [
        Mistake(lambda s, n: pad_sequences([np.asarray(x)[:n] for x in s], n),
                "when a history is longer than max_len, keep its MOST RECENT items (the end), not the oldest."),
        Mistake(lambda s, n: pad_sequences(s, n, side="right"),
                "pad on the LEFT: then the last column is always the most recent item, the one an RNN reads last."),
        Mistake(lambda s, n: np.where(pad_sequences(s, n) == 0, -1, pad_sequences(s, n)),
                "pad with 0, the id reserved for padding (Embedding(mask_zero=True) masks exactly 0)."),
    ]
    return check("left_pad", converted(answer, np.asarray), lambda s, n: pad_sequences(s, n), cases, mistakes)


def _user_times(interactions) -> list[np.ndarray]:
    """Each user's timestamps in the rows' order, one array per user (users' rows are contiguous)."""
    users = interactions["user_id"].to_numpy()
    times = interactions["timestamp"].to_numpy()
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if len(users) else np.zeros(0, dtype=np.int64)
    return np.split(times, starts[1:])


def _reference_tied_last_share(interactions) -> float:
    ends = [t for t in _user_times(interactions) if len(t) >= 2]  # only these users have a "last two"
    return float(np.mean([t[-1] == t[-2] for t in ends]))


def _tied_last_frames() -> list:
    """The check's interaction logs: (label, DataFrame), each sorted by user, then time."""
    import pandas as pd

    def log(times_per_user: dict, index=None):
        rows = [(u, 100 * u + j, t) for u, times in times_per_user.items() for j, t in enumerate(times)]
        return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"], index=index)

    rng = np.random.default_rng(5)
    many = {u: np.cumsum(rng.integers(0, 3, size=int(rng.integers(1, 9)))) for u in range(1, 101)}  # many ties
    return [
        ("three users, the first with its last two tied", log({1: [10, 20, 20], 2: [10, 20, 30], 3: [5, 6, 7]})),
        ("a user with a single interaction", log({1: [4, 4], 2: [7], 3: [1, 2, 3]})),
        ("ties earlier in the histories, one at an end", log({1: [1, 1, 1, 2], 2: [3, 3, 5, 6, 6], 3: [8, 9]})),
        ("every interaction in the same second", log({1: [5, 5, 5], 2: [6, 6]})),
        ("rows in order, index labels not 0..n-1", log({2: [2, 2], 5: [1, 4, 4, 6], 9: [7]},
                                                       index=[40, 3, 17, 8, 25, 0, 11])),
        ("100 users with 1 to 8 interactions each", log(many)),
    ]


def tied_last_share(answer: Callable[[Any], float]) -> CheckResult:
    """Check ``tied_last_share(interactions)``: the share of users whose last two interactions share a timestamp.

    Among users with at least two interactions; the rows come sorted by user,
    then time (any index).
    """
    cases = [Case(label, (frame,)) for label, frame in _tied_last_frames()]

    def ends(df):  # users with at least two interactions: their timestamps
        return [t for t in _user_times(df) if len(t) >= 2]

    mistakes = [
        Mistake(lambda df: float(np.mean([np.any(t[1:] == t[:-1]) for t in ends(df)])),
                "only the LAST two interactions count: a tie earlier in a history does not decide which item is "
                "held out. Compare each user's last timestamp with the one just before it."),
        Mistake(lambda df: float(sum(t[-1] == t[-2] for t in ends(df)) / len(_user_times(df))),
                "divide by the users with at least two interactions: a user with a single one has no last two, "
                "so no tie can decide anything for them."),
        Mistake(lambda df: float(np.mean([t[-1] == t[0] for t in ends(df)])),
                "compare the last interaction with the SECOND-LAST (the one just before it), not with the "
                "user's first."),
        Mistake(lambda df: float(sum(t[-1] == t[-2] for t in ends(df))),
                "return a share between 0 and 1, not the number of users: divide the count by the users "
                "who have at least two interactions."),
    ]
    on_a_copy = (lambda df: answer(df.copy())) if callable(answer) else answer  # the learner may sort in place
    return check("tied_last_share", on_a_copy, _reference_tied_last_share, cases, mistakes)
