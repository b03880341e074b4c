"""Tests of ``lstmrec.course.checks.ch14``: ``gradient_ratio`` and ``gain_per_doubling``.

Learners' answers (positive indexing, ``np.log2`` of a ratio written out) pass, in both modes; each usual mistake
is rejected with its own hint (not another one), and raises in strict mode; both checks by hand.
The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in ``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.course.checks import ch14

# --- learners' answers -------------------------------------------------------------------------


def learner_gradient_ratio(norms, lag):
    """Positive indices: the last step is len - 1, the one ``lag`` before it len - 1 - lag."""
    last = len(norms) - 1
    return norms[last - lag] / norms[last]


def learner_gain_per_doubling(users, scores):
    out = []
    for i in range(len(users) - 1):
        out.append((scores[i + 1] - scores[i]) / (np.log(users[i + 1] / users[i]) / np.log(2)))
    return out


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("gradient_ratio", learner_gradient_ratio, 3, id="gradient_ratio"),
    pytest.param("gain_per_doubling", learner_gain_per_doubling, 3, id="gain_per_doubling"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("gradient_ratio", lambda n, lag: n[lag] / n[-1], "not from the start", id="from-start"),
    pytest.param("gradient_ratio", lambda n, lag: n[-lag] / n[-1], "off by one", id="off-by-one"),
    pytest.param("gradient_ratio", lambda n, lag: n[-1] / n[-1 - lag], "upside down", id="inverted"),
    pytest.param("gain_per_doubling", lambda u, s: np.diff(s), "number of doublings", id="no-doublings"),
    pytest.param("gain_per_doubling", lambda u, s: np.diff(s) / np.log(np.asarray(u[1:]) / np.asarray(u[:-1])),
                 "use log2", id="natural-log"),
    pytest.param("gain_per_doubling", lambda u, s: np.diff(s) / np.diff(u), "not per user", id="per-user"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand -----------------------------------------------------------------------------------


def test_gradient_ratio_by_hand(capsys):
    # norms 0.5^8 ... 0.5^0, oldest first: 3 steps back from the last (1.0) is 0.5^3 = 0.125
    assert not ch14.gradient_ratio(lambda n, lag: 0.0)
    assert "wrong on case 'halving at every step back, lag 3': expected 0.125, got 0" in capsys.readouterr().out


def test_gain_per_doubling_by_hand(capsys):
    # 1,510 -> 3,020 -> 6,040 users: one doubling each, for +0.015 and +0.011
    assert not ch14.gain_per_doubling(lambda u, s: np.zeros(len(u) - 1))
    assert "wrong on case '25%, 50%, 100% of 6,040 users': expected [0.015, 0.011]" in capsys.readouterr().out
    # 100 -> 300 users: log2(3) = 1.585 doublings for +0.03 -> 0.018928; 300 -> 1,200: 2 doublings for +0.03 -> 0.015;
    # 1,200 -> 1,500: log2(1.25) = 0.3219 doublings for +0.002 -> 0.006213 (the first case right, the second not)
    first = np.array([0.015, 0.011])
    assert not ch14.gain_per_doubling(lambda u, s: first if len(u) == 3 and u[0] == 1510 else np.zeros(len(u) - 1))
    assert "expected [0.018928, 0.015, 0.006213]" in capsys.readouterr().out
