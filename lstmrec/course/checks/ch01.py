"""Chapter 01's checks. Recommender systems and why order matters: interactions per user, popular unseen items."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from lstmrec import evaluation
from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def _series_pairs(result) -> tuple:
    """A pandas Series (or a dict) as (index, values), so the order of users matters."""
    import pandas as pd

    series = result if isinstance(result, pd.Series) else pd.Series(result)
    return (np.asarray(series.index), np.asarray(series.to_numpy(), dtype=float))


def _per_user_frames() -> list:
    import pandas as pd

    repeat = pd.DataFrame({"user_id": [1, 1, 1, 2, 3, 3], "item_id": [10, 10, 11, 10, 12, 13],
                           "timestamp": [1, 2, 3, 1, 5, 6]})  # user 1 rated movie 10 twice
    unordered = pd.DataFrame({"user_id": [7, 7, 7, 2, 5, 5], "item_id": [1, 2, 3, 1, 2, 4],
                              "timestamp": [3, 1, 2, 4, 1, 2]})  # users 2, 5, 7 with 1, 2, 3 interactions
    return [repeat, unordered]


def interactions_per_user(answer: Callable[[Any], Any]) -> CheckResult:
    """Check ``interactions_per_user(interactions)``: a Series, one count per user, indexed by user id in order."""
    frames = _per_user_frames()
    cases = [
        Case("users 2, 5, 7 with 1, 2 and 3 interactions", (frames[1],)),
        Case("user 1 rated movie 10 twice (every row is an interaction)", (frames[0],)),
    ]

    def reference(df):
        return _series_pairs(df.groupby("user_id").size())

    mistakes = [
        Mistake(lambda df: _series_pairs(df["user_id"].value_counts()),
                "value_counts() sorts by the count, not by user: add .sort_index() "
                "(or use groupby('user_id').size())."),
        Mistake(lambda df: _series_pairs(df.groupby("item_id").size()),
                "that counts interactions per movie: group by user_id."),
        Mistake(lambda df: _series_pairs(df.groupby("user_id")["item_id"].nunique()),
                "count every interaction (every row), not the distinct movies: .size(), not .nunique()."),
    ]
    return check("interactions_per_user", converted(answer, _series_pairs), reference, cases, mistakes)


def _reference_popular_unseen(counts, seen, k):
    counts = np.asarray(counts, dtype=float)
    exclude = evaluation.ranking.exclusion_mask([np.asarray(seen, dtype=np.int64)], len(counts))
    return evaluation.ranking.top_k(counts[None, :], k, exclude)[0]


def popular_unseen(answer: Callable[[np.ndarray, Sequence[int], int], np.ndarray]) -> CheckResult:
    """Check ``popular_unseen(counts, seen, k)``: the ``k`` most popular items the user has not seen."""
    cases = [
        Case("counts [0, 5, 9, 9, 2, 0, 7], seen [2], k=3", (np.array([0, 5, 9, 9, 2, 0, 7]), [2], 3)),
        Case("a three-way tie: counts [0, 4, 4, 1, 4], nothing seen, k=2", (np.array([0, 4, 4, 1, 4]), [], 2)),
        Case("only unpopular items left: counts [0, 3, 0, 0], seen [1], k=2", (np.array([0, 3, 0, 0]), [1], 2)),
    ]

    def keep_seen(counts, seen, k):
        return _reference_popular_unseen(counts, [], k)

    def padding_in(counts, seen, k):
        c = np.asarray(counts, dtype=float).copy()
        c[list(seen)] = -np.inf
        return np.argsort(-c, kind="stable")[:k]

    def ties_to_higher_id(counts, seen, k):
        c = np.asarray(counts, dtype=float).copy()
        c[0] = -np.inf
        c[list(seen)] = -np.inf
        return np.argsort(c, kind="stable")[::-1][:k]

    mistakes = [
        Mistake(keep_seen, "leave out the items in `seen`: the user has already watched them."),
        Mistake(padding_in, "item 0 is padding, not a movie: never recommend it (set its score to -inf too)."),
        Mistake(ties_to_higher_id, "np.argsort(counts)[::-1] puts tied items in DEcreasing id order; sort by -counts "
                                   "with a stable sort so ties go to the lower id, as everywhere in the course."),
        Mistake(lambda counts, seen, k: np.sort(np.asarray(counts))[::-1][:k],
                "return the item ids (positions), not their counts."),
    ]
    return check("popular_unseen", answer, _reference_popular_unseen, cases, mistakes)
