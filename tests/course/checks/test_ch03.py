"""Tests of ``lstmrec.course.checks.ch03``: ``gru_step``, ``peephole_lstm_step`` and ``lstm_param_count``.

The library's references and learners' answers pass, in both modes; each usual mistake, written the way a
learner would write it, is rejected with its own hint (not another one) on the first, smallest case, and
raises in strict mode; answers with the wrong outputs (the gates too, h_t alone) are wrong, not crashes.
The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in
``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import foundations
from lstmrec.course.checks import ch03

# --- learners' answers -------------------------------------------------------------------------
#
# Written the way a learner would (gates one by one, weights sliced by hand), independently of
# lstmrec.foundations.numpy_rnn and of the mistakes coded in the checks.


def _sig(v):
    return 1 / (1 + np.exp(-v))


def learner_gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, *, mix="keras", reset="after", order="zrh",
                     recurrent_bias=True):
    """A learner's gru_step; the keyword arguments switch on one usual mistake each."""
    H = h_prev.shape[1]
    cols = {"zrh": (0, 1, 2), "rzh": (1, 0, 2)}[order]  # which column block is z, r, h
    W = [kernel[:, k * H:(k + 1) * H] for k in cols]
    U = [recurrent_kernel[:, k * H:(k + 1) * H] for k in cols]
    b = [bias[0, k * H:(k + 1) * H] for k in cols]
    bb = [bias[1, k * H:(k + 1) * H] if recurrent_bias else 0.0 for k in cols]
    z = _sig(x_t @ W[0] + b[0] + h_prev @ U[0] + bb[0])
    r = _sig(x_t @ W[1] + b[1] + h_prev @ U[1] + bb[1])
    if reset == "after":
        h_tilde = np.tanh(x_t @ W[2] + b[2] + r * (h_prev @ U[2] + bb[2]))
    else:
        h_tilde = np.tanh(x_t @ W[2] + b[2] + (r * h_prev) @ U[2] + bb[2])
    if mix == "keras":
        return z * h_prev + (1 - z) * h_tilde
    return (1 - z) * h_prev + z * h_tilde


def learner_peephole_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole, *, output_peeks="new",
                          use_peepholes=True, input_forget_peek="old"):
    """A learner's peephole_lstm_step returning (h_t, c_t); the keyword arguments switch on one mistake each."""
    H = h_prev.shape[1]
    zs = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = zs[:, :H], zs[:, H:2 * H], zs[:, 2 * H:3 * H], zs[:, 3 * H:]
    p_i, p_f, p_o = peephole if use_peepholes else np.zeros_like(peephole)
    c_peek = c_prev
    if input_forget_peek == "new":  # the new cell state of a plain LSTM, used by the input and forget gates
        c_peek = _sig(z_f) * c_prev + _sig(z_i) * np.tanh(z_c)
    i = _sig(z_i + p_i * c_peek)
    f = _sig(z_f + p_f * c_peek)
    c_t = f * c_prev + i * np.tanh(z_c)
    o = _sig(z_o + p_o * (c_t if output_peeks == "new" else c_prev))
    return o * np.tanh(c_t), c_t


def learner_lstm_param_count(embedding_dim, hidden_dim):
    per_gate = hidden_dim * embedding_dim + hidden_dim * hidden_dim + hidden_dim  # kernel, recurrent_kernel, bias
    return 4 * per_gate


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("gru_step", ch03._reference_gru_step, 4, id="gru_step-reference"),
    pytest.param("gru_step", learner_gru_step, 4, id="gru_step-learner"),
    pytest.param("peephole_lstm_step", ch03._reference_peephole_step, 3, id="peephole_lstm_step-reference"),
    pytest.param("peephole_lstm_step", learner_peephole_step, 3, id="peephole_lstm_step-learner"),
    pytest.param("lstm_param_count", foundations.numpy_rnn.lstm_param_count, 4, id="lstm_param_count-reference"),
    pytest.param("lstm_param_count", learner_lstm_param_count, 4, id="lstm_param_count-learner"),
    pytest.param("lstm_param_count", lambda e, h: float(learner_lstm_param_count(e, h)), 4,
                 id="lstm_param_count-float"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("gru_step", lambda *a: learner_gru_step(*a, mix="paper"), "the update gate z keeps the OLD state",
                 id="gru-paper-mix"),
    pytest.param("gru_step", lambda *a: learner_gru_step(*a, reset="before"),
                 "applies the reset gate AFTER the recurrent product", id="gru-reset-before"),
    pytest.param("gru_step", lambda *a: learner_gru_step(*a, order="rzh"), "gate order in the columns",
                 id="gru-order-rzh"),
    pytest.param("gru_step", lambda *a: learner_gru_step(*a, recurrent_bias=False), "bias[1] (the recurrent bias b')",
                 id="gru-no-recurrent-bias"),
    pytest.param("peephole_lstm_step", lambda *a: learner_peephole_step(*a, output_peeks="old"),
                 "the output gate is computed after the new cell state", id="peephole-output-peeks-old"),
    pytest.param("peephole_lstm_step", lambda *a: learner_peephole_step(*a, use_peepholes=False),
                 "this is the plain LSTM", id="peephole-none"),
    pytest.param("peephole_lstm_step", lambda *a: learner_peephole_step(*a, input_forget_peek="new"),
                 "the input and forget gates peek at the OLD cell state c_prev", id="peephole-input-forget-peek-new"),
    pytest.param("lstm_param_count", lambda e, h: 4 * h * (e + h), "each gate also has a bias", id="params-no-bias"),
    pytest.param("lstm_param_count", lambda e, h: h * (e + h) + h, "multiply by 4", id="params-no-4"),
    pytest.param("lstm_param_count", lambda e, h: 4 * (h * e + h), "the gates also read the previous hidden state",
                 id="params-input-only"),
    pytest.param("lstm_param_count", lambda e, h: 4 * (h * (e + h) + 1), "one number per unit, not per gate",
                 id="params-bias-per-gate"),
    pytest.param("lstm_param_count", lambda e, h: learner_lstm_param_count(h, e),
                 "embedding_dim and hidden_dim are swapped", id="params-swapped"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others

FIRST_CASE = {"gru_step": "batch 1, embedding_dim 3, hidden_dim 2", "peephole_lstm_step":
              "batch 1, embedding_dim 3, hidden_dim 2", "lstm_param_count": "embedding_dim 6, hidden_dim 50"}
"""The start of each check's first case's label."""


# --- the tables, beyond the shared tests (test_tables.py) ----------------------------------------


@pytest.mark.parametrize("name, answer, hint", MISTAKES)
def test_mistake_is_caught_by_the_first_case(name, answer, hint, capsys):
    """The first case tells every mistake apart, so the hint comes on the first (smallest) case."""
    getattr(ch03, name)(answer)
    assert f"wrong on case '{FIRST_CASE[name]}" in capsys.readouterr().out


# --- answers with the wrong outputs ------------------------------------------------------------


def test_gru_step_returning_the_gates_too_is_wrong_not_a_crash(capsys):
    # the library's foundations.numpy_rnn.gru_step returns (h_t, gates); the exercise asks for h_t alone
    assert bool(ch03.gru_step(foundations.numpy_rnn.gru_step)) is False
    out = capsys.readouterr().out
    assert out.startswith("[x] gru_step: wrong on case ") and "'update'" in out


def test_peephole_answer_without_c_t_is_wrong(capsys):
    assert bool(ch03.peephole_lstm_step(lambda *a: learner_peephole_step(*a)[0])) is False  # h_t only
    out = capsys.readouterr().out
    assert out.startswith("[x] peephole_lstm_step: wrong on case ")
    assert "expected ([[" in out  # the expected (h_t, c_t), each shown rounded
