"""Tests of ``lstmrec.course.checks.ch08``: ``length_groups`` and ``num_windows``.

Learners' answers (ranks cut into equal parts, a loop with ``math.ceil``) pass, in both modes; each usual
mistake is rejected with its own hint (not another one), and raises in strict mode; ``num_windows`` by hand.
The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in
``test_registry.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lstmrec.course.checks import ch08

# --- learners' answers -------------------------------------------------------------------------


def learner_length_groups(lengths, num_groups):
    """A learner's answer without pandas: rank the users, then cut the ranks into equal parts."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    groups = np.empty(len(order), dtype=int)
    groups[order] = np.arange(len(order)) * num_groups // len(order)
    return groups


def learner_num_windows(lengths, max_len):
    return sum(math.ceil((n - 1) / max_len) for n in lengths if n > 1)


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("length_groups", learner_length_groups, 3, id="length_groups"),
    pytest.param("num_windows", learner_num_windows, 3, id="num_windows"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("length_groups", lambda lengths, n: pd.cut(np.asarray(lengths), n, labels=False), "equal WIDTH",
                 id="groups-equal-width"),
    pytest.param("length_groups", lambda lengths, n: pd.qcut(np.asarray(lengths), n, labels=False) + 1,
                 "number the groups from 0", id="groups-from-1"),
    pytest.param("length_groups", lambda lengths, n: n - 1 - pd.qcut(np.asarray(lengths), n, labels=False),
                 "SHORTEST", id="groups-reversed"),
    pytest.param("num_windows", lambda lengths, m: int((-(-np.asarray(lengths) // m)).sum()), "L - 1",
                 id="windows-L"),
    pytest.param("num_windows", lambda lengths, m: int((np.maximum(np.asarray(lengths) - 1, 0) // m).sum()),
                 "round UP", id="windows-floor"),
    pytest.param("num_windows", lambda lengths, m: int(np.ceil(np.maximum(np.asarray(lengths) - 1, 0).sum() / m)),
                 "windows are cut per user", id="windows-pooled"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand -----------------------------------------------------------------------------------


def test_num_windows_by_hand(capsys):
    # lengths 1, 2, 3, 11 with max_len 5: pairs 0, 1, 2, 10 -> windows 0, 1, 1, 2 = 4;
    # lengths 50, 51, 101 with max_len 50: pairs 49, 50, 100 -> 1, 1, 2 = 4; one user of 7 items, max_len 1: 6
    assert not ch08.num_windows(lambda lengths, m: 4)
    assert "wrong on case 'one user of 7 items, max_len 1': expected 6, got 4" in capsys.readouterr().out
