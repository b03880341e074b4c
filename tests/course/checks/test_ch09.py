"""Tests of ``lstmrec.course.checks.ch09``: ``stream_step`` and ``p50_p99``.

Learners' answers (chapter 03's cell written out, ``np.quantile``) pass, in both modes, with ``stream_step``'s
second verdict (stepping a whole history equals ``encode``), which an answer that overwrites its input fails;
each usual mistake is rejected with its own hint (not another one), and raises in strict mode; swapped outputs
are caught; ``p50_p99`` by hand.
The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in ``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.course.checks import ch09, core
from lstmrec.course.checks.ch09 import _step_variant
from tests.course.checks import learners

# --- learners' answers -------------------------------------------------------------------------


def learner_stream_step(lstm, h, c, items):
    """A learner's answer written from chapter 03's cell: gates one by one, sigmoid via exp."""
    hidden = lstm.hidden_dim
    z = lstm.input_table[items] + h @ lstm.recurrent_kernel
    i, f, g, o = (z[:, k * hidden:(k + 1) * hidden] for k in range(4))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    c_t = sig(f) * c + sig(i) * np.tanh(g)
    return sig(o) * np.tanh(c_t), c_t


def learner_p50_p99(seconds):
    s = np.sort(np.asarray(seconds)) * 1000
    return float(np.quantile(s, 0.5)), float(np.quantile(s, 0.99))


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("stream_step", learner_stream_step, 3, id="stream_step"),
    pytest.param("p50_p99", learner_p50_p99, 3, id="p50_p99"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("stream_step", lambda *a: _step_variant(*a, order=("i", "f", "o", "c")), "gate order",
                 id="gate-order"),
    pytest.param("stream_step", lambda *a: _step_variant(*a, recurrent=False), "recurrent term", id="no-recurrence"),
    pytest.param("stream_step", lambda *a: _step_variant(*a, squash_c=False), "tanh(c_t)", id="no-tanh"),
    pytest.param("stream_step", lambda *a: _step_variant(*a, forget_new=True), "OLD cell state", id="forget-new"),
    pytest.param("p50_p99", lambda s: (float(np.mean(s) * 1000), float(np.percentile(s, 99) * 1000)), "not the mean",
                 id="mean"),
    pytest.param("p50_p99", lambda s: (float(np.percentile(s, 50)), float(np.percentile(s, 99))), "milliseconds",
                 id="seconds"),
    pytest.param("p50_p99", lambda s: (float(np.asarray(s)[len(s) // 2] * 1000),
                                       float(np.asarray(s)[int(0.99 * (len(s) - 1))] * 1000)),
                 "sort the timings", id="unsorted"),
    pytest.param("p50_p99", lambda s: (float(np.percentile(s, 50) * 1000), float(np.max(s) * 1000)), "slowest call",
                 id="max"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand -----------------------------------------------------------------------------------


def test_p50_p99_by_hand(capsys):
    # timings 4, 1, 100, 3, 2 ms sorted: 1, 2, 3, 4, 100 -> p50 = 3 ms; p99 at rank 0.99 * 4 = 3.96: 4 + 0.96 * 96
    assert not ch09.p50_p99(lambda s: (0.0, 0.0))
    assert f"wrong on case '5 timings, one slow': expected (3, {4 + 0.96 * 96:g})" in capsys.readouterr().out


def test_stream_step_that_swaps_the_outputs_is_caught(capsys):
    def swapped(lstm, h, c, items):
        h_t, c_t = lstm.step(h, c, items)
        return c_t, h_t

    assert not ch09.stream_step(swapped)


def test_stream_step_in_place_is_caught_by_the_streaming_verdict(capsys, monkeypatch):
    """Right on every case, but it overwrites h and c: a user whose history has not started yet moves too."""
    def in_place(lstm, h, c, items):
        h_t, c_t = learner_stream_step(lstm, h, c, items)
        h[...], c[...] = h_t, c_t
        return h, c

    assert not ch09.stream_step(in_place)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == learners.ok_line("stream_step", 3)  # every case passed
    assert lines[1].startswith("[x] stream_step: each step is right, but stepping through whole histories")
    assert "as new arrays" in lines[1]
    monkeypatch.setenv("LSTMREC_STRICT", "1")
    with pytest.raises(core.CheckFailed, match="each step is right"):
        ch09.stream_step(in_place)
