"""Tests of ``lstmrec.course.checks.ch00``: ``hr_at_k`` and ``target_rank``.

The library's reference and a learner's answer pass, in both modes; each usual mistake, written the way a
learner would write it, is rejected with the hint that names that mistake (not another one), and raises in
strict mode; an answer that matches no known mistake gets no hint. Stubs, crashes and strict raising of
every check: ``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import evaluation
from lstmrec.course.checks import ch00

# --- learners' answers -------------------------------------------------------------------------


def learner_hr_at_k(ranks, k):
    return sum(1 for r in ranks if r < k) / len(ranks)


def correct_target_rank(scores, target, seen):
    """How a learner would write it: loop over the candidates."""
    return sum(1 for j in range(1, len(scores))
               if j != target and j not in seen and scores[j] >= scores[target])


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("hr_at_k", evaluation.metrics.hr_at_k, 4, id="hr_at_k-reference"),
    pytest.param("hr_at_k", learner_hr_at_k, 4, id="hr_at_k-learner"),
    pytest.param("target_rank", ch00._reference_rank, 5, id="target_rank-reference"),
    pytest.param("target_rank", correct_target_rank, 5, id="target_rank-learner"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("hr_at_k", lambda r, k: float(np.mean(np.asarray(r) <= k)), "use rank < k, not rank <= k",
                 id="hr-rank<=k"),
    pytest.param("hr_at_k", lambda r, k: float(np.mean(np.asarray(r) + 1 < k)),
                 "do not add 1 before comparing with k", id="hr-1-based"),
    pytest.param("hr_at_k", lambda r, k: float(np.sum(np.asarray(r) < k)), "not the count of hits", id="hr-count"),
    pytest.param("target_rank", lambda s, t, seen: correct_target_rank(s, t, seen) + 1,
                 "ranks are 0-based: the best candidate has rank 0", id="rank-1-based"),
    pytest.param("target_rank", lambda s, t, seen: correct_target_rank(s, t, []),
                 "items in `seen` are not candidates", id="rank-seen-not-masked"),
    pytest.param("target_rank",
                 lambda s, t, seen: sum(1 for j in range(1, len(s)) if j != t and j not in seen and s[j] > s[t]),
                 "counts as ranked above it (use >=)", id="rank-ties-for-model"),
    pytest.param("target_rank",
                 lambda s, t, seen: sum(1 for j in range(len(s)) if j != t and j not in seen and s[j] >= s[t]),
                 "item 0 is padding, not a real item", id="rank-padding-counted"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand -----------------------------------------------------------------------------------


def test_unknown_mistake_has_no_hint(capsys):
    assert bool(ch00.hr_at_k(lambda r, k: 0.25)) is False  # (0.5 = 3/6 would be the 1-based mistake)
    out = capsys.readouterr().out
    # first case: ranks [0, 3, 9, 10, 1, 25], k=10 -> 4 of 6 below 10 = 0.666667
    assert out.strip() == ("[x] hr_at_k: wrong on case 'ranks [0, 3, 9, 10, 1, 25], k=10': "
                           "expected 0.666667, got 0.25.")
