"""Chapter 10's checks. Case studies: the repeat share, most-frequent scores, the candidate rule."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def _repeat_cases() -> list[Case]:
    h = [np.array([3, 1, 3]), np.array([2, 4]), np.array([5, 5, 5]), np.array([1])]
    return [Case("two of four targets seen", (h, np.array([3, 1, 6, 1]))),
            Case("repeats inside histories, new targets", ([np.array([1, 1, 2]), np.array([3, 3])], np.array([4, 5]))),
            Case("another user's item is not seen", ([np.array([1, 2]), np.array([3])], np.array([3, 1]))),
            Case("every target seen", ([np.array([7, 8]), np.array([9])], np.array([8, 9]))),
            Case("a target seen long ago, not last", ([np.array([5, 6, 7]), np.array([1, 2])], np.array([5, 3])))]


def _reference_repeat_share(histories, targets) -> float:
    return float(np.mean([t in set(h.tolist()) for h, t in zip(histories, targets)]))


def repeat_share(answer: Callable[[list, np.ndarray], float]) -> CheckResult:
    """Check ``repeat_share(histories, targets) -> float``: the share of targets already in their own user's history."""
    mistakes = [
        Mistake(lambda hs, ts: float(np.mean([len(h) - len(set(h.tolist())) > 0 for h in hs])),
                "look at the targets: the question is whether the NEXT item was had before, not whether a "
                "history has repeats inside it."),
        Mistake(lambda hs, ts: float(np.isin(ts, np.concatenate(hs)).mean()),
                "compare each target with its own user's history, not with every user's items."),
        Mistake(lambda hs, ts: float(sum(t in set(h.tolist()) for h, t in zip(hs, ts))),
                "return a share (a number between 0 and 1): divide the count by the number of users."),
    ]
    return check("repeat_share", answer, _reference_repeat_share, _repeat_cases(), mistakes)


def _reference_most_frequent(histories, num_items) -> np.ndarray:
    scores = np.zeros((len(histories), num_items))
    for row, h in enumerate(histories):
        np.add.at(scores[row], np.asarray(h, dtype=np.int64), 1.0)
    scores[:, 0] = 0.0
    return scores


def most_frequent_scores(answer: Callable[[list, int], np.ndarray]) -> CheckResult:
    """Check ``most_frequent_scores(histories, num_items) -> (n, num_items)``.

    Each item's score is its count in the user's history.
    """
    cases = [Case("one user", ([np.array([2, 1, 2])], 4)),
             Case("three users, one empty", ([np.array([1, 1, 1, 3]), np.array([], dtype=np.int64),
                                             np.array([4, 2, 4, 2, 4])], 5)),
             Case("padding in a history", ([np.array([0, 0, 2, 2, 1])], 3))]

    def presence(hs, n):
        return (_reference_most_frequent(hs, n) > 0).astype(float)

    def popularity(hs, n):
        total = _reference_most_frequent([np.concatenate(hs)], n)[0]
        return np.tile(total, (len(hs), 1))

    def with_padding(hs, n):
        scores = np.zeros((len(hs), n))
        for row, h in enumerate(hs):
            np.add.at(scores[row], np.asarray(h, dtype=np.int64), 1.0)
        return scores

    mistakes = [
        Mistake(presence, "count every occurrence: an item bought three times should outrank one bought once "
                          "(np.add.at, or np.bincount per row; `scores[row, h] += 1` counts repeats only once)."),
        Mistake(popularity, "count within each user's own history: that is the 'most popular' baseline."),
        Mistake(with_padding, "padding (id 0) is no item: its column must stay 0."),
    ]
    return check("most_frequent_scores", answer, _reference_most_frequent, cases, mistakes)


def _reference_exclude_seen(histories, targets, max_lost=0.01) -> bool:
    return bool(_reference_repeat_share(histories, targets) <= max_lost)


def choose_exclude_seen(answer: Callable[..., bool]) -> CheckResult:
    """Check ``choose_exclude_seen(valid_histories, valid_targets, max_lost=0.01) -> bool``.

    Excluding seen items makes every repeated target a miss, so it is right only
    when (almost) no next item is a repeat: when the share of validation
    targets already in the history is at most ``max_lost``.
    """
    cases = [Case("movies: no target was seen", ([np.array([1, 2]), np.array([3, 4])], np.array([5, 6]))),
             Case("groceries: most targets seen", ([np.array([1, 2]), np.array([3, 4]), np.array([5])],
                                                   np.array([1, 4, 6]))),
             Case("rewatches inside histories, new targets", ([np.array([1, 1, 1]), np.array([2, 2])],
                                                             np.array([3, 4]))),
             Case("one repeat in 200 users is tolerated", ([np.array([i + 1]) for i in range(200)],
                                                           np.r_[1, np.arange(500, 699)])),
             Case("a stricter tolerance", ([np.array([i + 1]) for i in range(200)], np.r_[1, np.arange(500, 699)]),
                  {"max_lost": 0.001}),
             Case("exactly at the tolerance: 1 of 100", ([np.array([i + 1]) for i in range(100)],
                                                          np.r_[1, np.arange(500, 599)])),
             Case("targets only other users had", ([np.array([1, 2]), np.array([3, 4]), np.array([5, 6])],
                                                   np.array([3, 5, 1])))]
    mistakes = [
        Mistake(lambda hs, ts, max_lost=0.01: bool(np.mean([len(h) > len(set(h.tolist())) for h in hs]) <= max_lost),
                "decide from the targets (what the user does next), not from repeats inside the histories."),
        Mistake(lambda hs, ts, max_lost=0.01: _reference_repeat_share(hs, ts) == 0.0,
                "use the tolerance max_lost: a rule that breaks on one repeat in thousands of users is too brittle."),
        Mistake(lambda hs, ts, max_lost=0.01: not _reference_exclude_seen(hs, ts, max_lost),
                "the other way round: exclude seen items only when next items are (almost) never repeats."),
    ]  # an answer is True or False, so any wrong one equals "inverted": the specific mistakes are tried first
    return check("choose_exclude_seen", converted(answer, bool), _reference_exclude_seen, cases,
                 mistakes)
