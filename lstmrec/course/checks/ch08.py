"""Chapter 08's checks. Longer histories: length groups, training windows."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def length_groups(answer: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """Check ``length_groups(lengths, num_groups)``: group ids 0..num_groups-1, shortest first.

    The groups are of (nearly) equal size.
    """
    import pandas as pd

    cases = [Case("8 users, 4 groups", (np.array([5, 1, 9, 3, 7, 2, 8, 4]), 4)),
             Case("6 users, 2 groups", (np.array([10, 20, 30, 40, 50, 60]), 2)),
             Case("9 users of very unequal lengths, 3 groups", (np.array([1, 2, 3, 4, 5, 6, 100, 500, 1000]), 3))]

    def reference(lengths, num_groups):
        return pd.qcut(np.asarray(lengths), num_groups, labels=False).astype(np.int64)

    def equal_width(lengths, num_groups):
        return pd.cut(np.asarray(lengths), num_groups, labels=False).astype(np.int64)

    mistakes = [
        Mistake(equal_width, "groups of equal WIDTH (pd.cut) put most users in the first group when lengths have a "
                             "long tail; cut at the quantiles (pd.qcut) so each group holds about as many users."),
        Mistake(lambda lengths, n: reference(lengths, n) + 1, "number the groups from 0 (shortest) to num_groups - 1."),
        Mistake(lambda lengths, n: n - 1 - reference(lengths, n),
                "group 0 is the SHORTEST histories, not the longest."),
    ]
    return check("length_groups", converted(answer, lambda out: np.asarray(out).astype(np.int64)), reference,
                 cases, mistakes)


def num_windows(answer: Callable[[np.ndarray, int], int]) -> CheckResult:
    """Check ``num_windows(lengths, max_len)``: the sum over users of ``ceil((L - 1) / max_len)``."""
    cases = [Case("lengths 1, 2, 3, 11 with max_len 5", (np.array([1, 2, 3, 11]), 5)),
             Case("lengths 50, 51, 101 with max_len 50", (np.array([50, 51, 101]), 50)),
             Case("one user of 7 items, max_len 1", (np.array([7]), 1))]

    def reference(lengths, max_len):
        pairs = np.maximum(np.asarray(lengths) - 1, 0)
        return int((-(-pairs // max_len)).sum())

    mistakes = [
        Mistake(lambda lengths, m: int((-(-np.asarray(lengths) // m)).sum()),
                "a history of L items has L - 1 (input, next item) pairs: the first item has no predecessor to "
                "predict it from, so count ceil((L - 1) / max_len)."),
        Mistake(lambda lengths, m: int((np.maximum(np.asarray(lengths) - 1, 0) // m).sum()),
                "round UP: the last, partly filled window is kept (left-padded), so no pair is dropped."),
        Mistake(lambda lengths, m: int(np.ceil(np.maximum(np.asarray(lengths) - 1, 0).sum() / m)),
                "windows are cut per user: a window never mixes two users, so round up for each user, then add."),
    ]
    return check("num_windows", converted(answer, int), reference, cases, mistakes)
