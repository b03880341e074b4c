"""Chapter 03's checks. The LSTM cell from scratch: the GRU step, the peephole LSTM step, the LSTM's weights."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec import foundations
from lstmrec.course.checks.core import Case, CheckResult, Mistake, check


def _gru_case(label: str, seed: int, batch: int, embedding_dim: int, hidden_dim: int,
              zero_state: bool = False) -> Case:
    """Arguments of ``gru_step`` with random weights and biases (none zero, so every term matters)."""
    rng = np.random.default_rng(seed)
    x_t = rng.normal(size=(batch, embedding_dim))  # (batch, E)
    h_prev = np.zeros((batch, hidden_dim)) if zero_state else rng.uniform(-1, 1, size=(batch, hidden_dim))
    kernel = rng.normal(scale=0.5, size=(embedding_dim, 3 * hidden_dim))  # (E, 3H)
    recurrent_kernel = rng.normal(scale=0.5, size=(hidden_dim, 3 * hidden_dim))  # (H, 3H)
    bias = rng.normal(scale=0.5, size=(2, 3 * hidden_dim))  # (2, 3H)
    return Case(label, (x_t, h_prev, kernel, recurrent_kernel, bias))


def _reference_gru_step(x_t, h_prev, kernel, recurrent_kernel, bias) -> np.ndarray:
    return foundations.numpy_rnn.gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)[0]


def _gru_variant(x_t, h_prev, kernel, recurrent_kernel, bias, *, swap_mix=False, reset_before=False,
                 gates_rzh=False, recurrent_bias=True) -> np.ndarray:
    """``gru_step``'s h_t, or, with one flag set, the h_t of a usual mistake."""
    b_in, b_rec = bias[0], (bias[1] if recurrent_bias else np.zeros_like(bias[1]))  # (3H,) each
    x_z, x_r, x_h = np.split(x_t @ kernel + b_in, 3, axis=1)  # 3 x (batch, H)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=1)  # 3 x (H, H)
    b_z, b_r, b_h = np.split(b_rec, 3)  # 3 x (H,)
    if gates_rzh:  # the first block taken as the reset gate, the second as the update gate
        x_z, x_r, u_z, u_r, b_z, b_r = x_r, x_z, u_r, u_z, b_r, b_z
    z = foundations.numpy_rnn.sigmoid(x_z + h_prev @ u_z + b_z)
    r = foundations.numpy_rnn.sigmoid(x_r + h_prev @ u_r + b_r)
    if reset_before:
        h_tilde = np.tanh(x_h + (r * h_prev) @ u_h + b_h)
    else:
        h_tilde = np.tanh(x_h + r * (h_prev @ u_h + b_h))
    return (1 - z) * h_prev + z * h_tilde if swap_mix else z * h_prev + (1 - z) * h_tilde


def gru_step(answer: Callable[..., np.ndarray]) -> CheckResult:
    """Check ``gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)``: h_t (batch, H) of ``keras.layers.GRU``.

    Keras's layout and defaults (``reset_after=True``): ``kernel`` (E, 3H),
    ``recurrent_kernel`` (H, 3H), ``bias`` (2, 3H); gate order z, r, h;
    ``h~ = tanh(x W_h + b_h + r ⊙ (h U_h + b'_h))``, ``h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h~``.
    """
    cases = [
        _gru_case("batch 1, embedding_dim 3, hidden_dim 2, random h_prev", 0, 1, 3, 2),
        _gru_case("batch 3, embedding_dim 5, hidden_dim 4, random h_prev", 1, 3, 5, 4),
        _gru_case("batch 3, embedding_dim 2, hidden_dim 4, h_prev = 0 (the first step)", 2, 3, 2, 4,
                  zero_state=True),
        _gru_case("batch 1, embedding_dim 4, hidden_dim 4, random h_prev", 3, 1, 4, 4),
    ]
    mistakes = [
        Mistake(lambda *a: _gru_variant(*a, swap_mix=True),
                "Keras mixes with h_t = z * h_prev + (1 - z) * h_tilde: the update gate z keeps the OLD state "
                "(PyTorch's nn.GRU does the same). Some papers and tutorials write it the other way round, "
                "(1 - z) * h_prev + z * h_tilde: a valid GRU too, but not the one Keras's weights were made for."),
        Mistake(lambda *a: _gru_variant(*a, reset_before=True),
                "Keras's default reset_after=True applies the reset gate AFTER the recurrent product: "
                "r * (h_prev @ U_h + b'_h), not (r * h_prev) @ U_h (that is the reset_after=False variant)."),
        Mistake(lambda *a: _gru_variant(*a, gates_rzh=True),
                "Keras's gate order in the columns of kernel, recurrent_kernel and bias is z, r, h "
                "(update, reset, candidate): the first H columns are the update gate, the next H the reset gate."),
        Mistake(lambda *a: _gru_variant(*a, recurrent_bias=False),
                "bias has two rows: bias[0] is added to x_t @ kernel, bias[1] (the recurrent bias b') to "
                "h_prev @ recurrent_kernel; the recurrent bias of the candidate goes inside r * (...)."),
    ]
    return check("gru_step", answer, _reference_gru_step, cases, mistakes)


def _peephole_case(label: str, seed: int, batch: int, embedding_dim: int, hidden_dim: int,
                   zero_state: bool = False) -> Case:
    """Arguments of ``peephole_lstm_step`` with random weights, biases and peepholes."""
    rng = np.random.default_rng(seed)
    x_t = rng.normal(size=(batch, embedding_dim))  # (batch, E)
    h_prev = np.zeros((batch, hidden_dim)) if zero_state else rng.uniform(-1, 1, size=(batch, hidden_dim))
    c_prev = np.zeros((batch, hidden_dim)) if zero_state else rng.normal(size=(batch, hidden_dim))
    kernel = rng.normal(scale=0.5, size=(embedding_dim, 4 * hidden_dim))  # (E, 4H)
    recurrent_kernel = rng.normal(scale=0.5, size=(hidden_dim, 4 * hidden_dim))  # (H, 4H)
    bias = rng.normal(scale=0.5, size=4 * hidden_dim)  # (4H,)
    peephole = rng.normal(size=(3, hidden_dim))  # (3, H)
    return Case(label, (x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole))


def _reference_peephole_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole) -> tuple:
    h_t, c_t, _ = foundations.numpy_rnn.peephole_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias,
                                                           peephole)
    return h_t, c_t


def _peephole_variant(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole, *,
                      output_peeks_old=False, no_peepholes=False, input_forget_peek_new=False) -> tuple:
    """``peephole_lstm_step``'s (h_t, c_t), or, with one flag set, those of a usual mistake."""
    z_i, z_f, z_c, z_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=1)  # 4 x (batch, H)
    p_i, p_f, p_o = np.zeros_like(peephole) if no_peepholes else peephole  # 3 x (H,)
    c_seen = c_prev
    if input_forget_peek_new:  # "c_t" taken from a plain LSTM step first, then peeked at by i and f
        c_seen = foundations.numpy_rnn.lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)[1]
    i = foundations.numpy_rnn.sigmoid(z_i + p_i * c_seen)
    f = foundations.numpy_rnn.sigmoid(z_f + p_f * c_seen)
    c_t = f * c_prev + i * np.tanh(z_c)
    o = foundations.numpy_rnn.sigmoid(z_o + p_o * (c_prev if output_peeks_old else c_t))
    return o * np.tanh(c_t), c_t


def peephole_lstm_step(answer: Callable[..., tuple]) -> CheckResult:
    """Check ``peephole_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole)`` -> (h_t, c_t).

    Keras's LSTM layout (gate order i, f, c, o) plus ``peephole`` (3, H), rows
    p_i, p_f, p_o: i and f peek at c_{t-1}, o at the new c_t.
    """
    cases = [
        _peephole_case("batch 1, embedding_dim 3, hidden_dim 2, random h_prev and c_prev", 0, 1, 3, 2),
        _peephole_case("batch 3, embedding_dim 5, hidden_dim 4, random h_prev and c_prev", 1, 3, 5, 4),
        _peephole_case("batch 2, embedding_dim 2, hidden_dim 3, h_prev = c_prev = 0 (the first step)", 2, 2, 2, 3,
                       zero_state=True),
    ]
    mistakes = [
        Mistake(lambda *a: _peephole_variant(*a, output_peeks_old=True),
                "the output gate is computed after the new cell state, so it peeks at c_t: "
                "o_t = sigmoid(... + p_o * c_t), not p_o * c_prev."),
        Mistake(lambda *a: _peephole_variant(*a, no_peepholes=True),
                "this is the plain LSTM: add the peephole terms p_i * c_prev and p_f * c_prev to the input and "
                "forget gates and p_o * c_t to the output gate (p_i, p_f, p_o = peephole)."),
        Mistake(lambda *a: _peephole_variant(*a, input_forget_peek_new=True),
                "the input and forget gates peek at the OLD cell state c_prev: the new c_t is made from them, so "
                "it does not exist yet. Only the output gate, computed after c_t, peeks at c_t."),
    ]
    return check("peephole_lstm_step", answer, _reference_peephole_step, cases, mistakes)


def lstm_param_count(answer: Callable[[int, int], int]) -> CheckResult:
    """Check ``lstm_param_count(embedding_dim, hidden_dim)``: the weights of ``keras.layers.LSTM(hidden_dim)``."""
    cases = [  # the first case tells every mistake below apart; (1, 1) cannot see a bias per gate
        Case("embedding_dim 6, hidden_dim 50", (6, 50)),
        Case("embedding_dim 1, hidden_dim 1", (1, 1)),
        Case("embedding_dim 64, hidden_dim 32", (64, 32)),
        Case("embedding_dim 32, hidden_dim 64", (32, 64)),
    ]
    mistakes = [
        Mistake(lambda e, h: 4 * h * (e + h),
                "each gate also has a bias: H more weights per gate (kernel, recurrent_kernel and bias)."),
        Mistake(lambda e, h: h * (e + h) + h,
                "an LSTM has 4 such blocks (input, forget and output gates and the candidate): multiply by 4."),
        Mistake(lambda e, h: 4 * (h * e + h),
                "the gates also read the previous hidden state h_{t-1}: recurrent_kernel adds H x H weights "
                "per gate, so each gate has H * (E + H) weights plus its bias."),
        Mistake(lambda e, h: 4 * (h * (e + h) + 1),
                "the bias is one number per unit, not per gate: H biases per gate."),
        Mistake(lambda e, h: 4 * (e * (e + h) + e),
                "embedding_dim and hidden_dim are swapped: the gates have hidden_dim units each, "
                "so 4 * (H * (E + H) + H) with H = hidden_dim."),
    ]
    return check("lstm_param_count", answer, foundations.numpy_rnn.lstm_param_count, cases, mistakes)
