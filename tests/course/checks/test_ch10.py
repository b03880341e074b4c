"""Tests of ``lstmrec.course.checks.ch10``: ``repeat_share``, ``most_frequent_scores`` and ``choose_exclude_seen``.

Learners' answers (``np.isin``, ``np.bincount``) pass, in both modes; each usual mistake is rejected with its own
hint (not another one), and raises in strict mode; near misses a review found passing are rejected;
``repeat_share`` by hand. The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in
``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.course.checks import ch10

# --- learners' answers -------------------------------------------------------------------------


def learner_repeat_share(histories, targets):
    return float(np.mean([np.isin(t, h) for h, t in zip(histories, targets)]))


def learner_most_frequent_scores(histories, num_items):
    scores = np.stack([np.bincount(np.asarray(h, dtype=np.int64), minlength=num_items) for h in histories])
    scores[:, 0] = 0
    return scores.astype(float)


def learner_choose_exclude_seen(histories, targets, max_lost=0.01):
    return learner_repeat_share(histories, targets) <= max_lost


def _presence(histories, num_items):
    scores = np.zeros((len(histories), num_items))
    for row, h in enumerate(histories):
        scores[row, h] += 1  # fancy-index += counts a repeated index once
    scores[:, 0] = 0
    return scores


def _repeats_inside(histories):
    """The share of histories with an item twice: what the next item does not tell."""
    return float(np.mean([len(h) > len(set(h.tolist())) for h in histories]))


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("repeat_share", learner_repeat_share, 5, id="repeat_share"),
    pytest.param("most_frequent_scores", learner_most_frequent_scores, 3, id="most_frequent_scores"),
    pytest.param("choose_exclude_seen", learner_choose_exclude_seen, 7, id="choose_exclude_seen"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("repeat_share", lambda hs, ts: _repeats_inside(hs), "NEXT item", id="share-histories"),
    pytest.param("repeat_share", lambda hs, ts: float(np.isin(ts, np.concatenate(hs)).mean()), "its own user's",
                 id="share-global"),
    pytest.param("repeat_share", lambda hs, ts: float(sum(t in h for h, t in zip(hs, ts))), "a share",
                 id="share-count"),
    pytest.param("most_frequent_scores", _presence, "count every occurrence", id="presence"),
    pytest.param("most_frequent_scores",
                 lambda hs, n: np.tile(learner_most_frequent_scores([np.concatenate(hs)], n)[0], (len(hs), 1)),
                 "own history", id="popularity"),
    pytest.param("most_frequent_scores",
                 lambda hs, n: np.stack([np.bincount(np.asarray(h, dtype=np.int64), minlength=n)
                                         for h in hs]).astype(float), "padding", id="padding"),
    pytest.param("choose_exclude_seen", lambda hs, ts, max_lost=0.01: _repeats_inside(hs) <= max_lost,
                 "decide from the targets", id="repeats-in-histories"),
    pytest.param("choose_exclude_seen",
                 lambda hs, ts, max_lost=0.01: not learner_choose_exclude_seen(hs, ts, max_lost),
                 "the other way round", id="inverted"),
    pytest.param("choose_exclude_seen", lambda hs, ts, max_lost=0.01: learner_repeat_share(hs, ts) == 0,
                 "tolerance", id="brittle"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand and near misses -------------------------------------------------------------------


def test_repeat_share_by_hand(capsys):
    # targets 3, 1, 6, 1 against [3 1 3], [2 4], [5 5 5], [1]: seen, not, not, seen -> 2 / 4
    assert not ch10.repeat_share(lambda h, t: 0.0)
    assert "wrong on case 'two of four targets seen': expected 0.5, got 0" in capsys.readouterr().out


@pytest.mark.parametrize("name, answer", [
    ("repeat_share", lambda hs, ts: float(np.mean([len(h) > 0 and h[-1] == t for h, t in zip(hs, ts)]))),
    ("choose_exclude_seen", lambda hs, ts, max_lost=0.01: float(np.isin(ts, np.concatenate(hs)).mean()) <= max_lost),
    ("choose_exclude_seen", lambda hs, ts, max_lost=0.01: learner_repeat_share(hs, ts) < max_lost),
], ids=["target-is-last-item", "pooled-histories", "strict-inequality"])
def test_near_misses_are_rejected(name, answer, capsys):
    """Answers a review found passing before: each is wrong on at least one case now."""
    assert not getattr(ch10, name)(answer)
