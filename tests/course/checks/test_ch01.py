"""Tests of ``lstmrec.course.checks.ch01``: ``interactions_per_user`` and ``popular_unseen``.

Learners' answers (a Counter, a loop; pandas in other shapes) pass, in both modes; each usual mistake, written
the way a learner would write it, is rejected with its own hint (not another one), and raises in strict mode;
the ``popular_unseen`` reference by hand. Stubs, crashes and strict raising of every check:
``test_registry.py``.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

from lstmrec.course.checks import ch01

# --- learners' answers -------------------------------------------------------------------------
#
# Written the way a learner would (loops, Counter), independently of the references and of the mistakes
# coded in the checks.


def learner_interactions_per_user(df):
    """Count rows per user with a Counter; a dict in increasing user id."""
    counts = collections.Counter(df["user_id"].tolist())
    return {user: counts[user] for user in sorted(counts)}


def learner_popular_unseen(counts, seen, k):
    """Every real item the user has not seen, most popular first, ties to the lower id."""
    candidates = [i for i in range(1, len(counts)) if i not in seen]
    return sorted(candidates, key=lambda i: (-counts[i], i))[:k]


def _unseen_candidates(counts, seen, with_padding=False):
    return [i for i in range(0 if with_padding else 1, len(counts)) if i not in seen]


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("interactions_per_user", learner_interactions_per_user, 2, id="interactions_per_user"),
    pytest.param("interactions_per_user", lambda df: df.groupby("user_id").size(), 2, id="per-user-groupby-size"),
    pytest.param("interactions_per_user", lambda df: df["user_id"].value_counts().sort_index(), 2,
                 id="per-user-value-counts-sorted"),
    pytest.param("interactions_per_user", lambda df: df.groupby("user_id")["item_id"].count(), 2,
                 id="per-user-groupby-count"),
    pytest.param("popular_unseen", learner_popular_unseen, 3, id="popular_unseen"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("interactions_per_user", lambda df: df["user_id"].value_counts(), "add .sort_index()",
                 id="per-user-value-counts"),
    pytest.param("interactions_per_user", lambda df: df["item_id"].value_counts().sort_index(),
                 "that counts interactions per movie", id="per-user-by-item"),
    pytest.param("interactions_per_user",
                 lambda df: df.drop_duplicates(["user_id", "item_id"]).groupby("user_id").size(),
                 "not the distinct movies", id="per-user-nunique"),
    pytest.param("popular_unseen", lambda c, seen, k: sorted(range(1, len(c)), key=lambda i: (-c[i], i))[:k],
                 "leave out the items in `seen`", id="popular-seen-kept"),
    pytest.param("popular_unseen",
                 lambda c, seen, k: sorted(_unseen_candidates(c, seen, True), key=lambda i: (-c[i], i))[:k],
                 "item 0 is padding, not a movie", id="popular-padding"),
    pytest.param("popular_unseen",
                 lambda c, seen, k: sorted(_unseen_candidates(c, seen), key=lambda i: (c[i], i), reverse=True)[:k],
                 "puts tied items in DEcreasing id order", id="popular-ties-to-higher-id"),
    pytest.param("popular_unseen", lambda c, seen, k: sorted(c, reverse=True)[:k], "return the item ids (positions)",
                 id="popular-counts"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand -----------------------------------------------------------------------------------


def test_interactions_per_user_value_counts_message(capsys):
    ch01.interactions_per_user(lambda df: df["user_id"].value_counts())
    out = capsys.readouterr().out
    # users 7, 7, 7, 2, 5, 5: value_counts gives users [7, 5, 2] with [3, 2, 1]; the answer is [2, 5, 7], [1, 2, 3]
    assert "wrong on case 'users 2, 5, 7 with 1, 2 and 3 interactions'" in out
    assert "expected ([2, 5, 7], [1.0, 2.0, 3.0]), got ([7, 5, 2], [3.0, 2.0, 1.0])" in out


@pytest.mark.parametrize("counts, seen, k, expected", [
    # seen item 2 and padding 0 out; left: 1:5, 3:9, 4:2, 5:0, 6:7 -> 3 (9), 6 (7), 1 (5)
    ([0, 5, 9, 9, 2, 0, 7], [2], 3, [3, 6, 1]),
    # items 2, 3, 4 tie at 7 and 3 is seen: 2 and 4, lower id first
    ([0, 2, 7, 7, 7], [3], 2, [2, 4]),
    # padding has the highest count and is still never recommended
    ([100, 1, 3, 2], [], 3, [2, 3, 1]),
    # only zero-count items left: 2 and 3, by id
    ([0, 3, 0, 0], [1], 2, [2, 3]),
], ids=["docstring-case", "tie-with-a-seen-item", "padding-most-popular", "only-zeros-left"])
def test_reference_popular_unseen_by_hand(counts, seen, k, expected):
    assert ch01._reference_popular_unseen(np.array(counts), seen, k).tolist() == expected
