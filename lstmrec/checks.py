"""Checks for the exercises: run the learner's answer on several cases, say what is wrong.

Used by every chapter; how it works is shown in chapter 00.

Every exercise ends with one call, ``checks.<exercise>(your_function)``. The
check runs the answer and a reference implementation on named cases chosen to
tell the right answer from the usual wrong ones. It prints one of:

- ``[ ] name: not attempted yet``: the stub still raises ``NotImplementedError``.
- ``[x] name: wrong on case '...'``: with the expected and actual values, and,
  when the answer matches a known mistake (an off-by-one rank, the wrong log
  base, seen items not masked), what that mistake is.
- ``[ok] name: correct on N cases``.

So "Run All" goes through a chapter whose exercises are not done yet. With the
environment variable ``LSTMREC_STRICT=1`` (the test suite sets it for
``solutions/``), "not attempted" and "wrong" raise instead of printing.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Sequence

import numpy as np

from lstmrec import cells, evaluation


class ExerciseNotAttempted(AssertionError):
    """Raised in strict mode when an exercise stub is still a stub."""


class CheckFailed(AssertionError):
    """Raised in strict mode when an answer is wrong."""


def strict() -> bool:
    """True when ``LSTMREC_STRICT=1``: stubs and wrong answers raise."""
    return os.environ.get("LSTMREC_STRICT", "") == "1"


@dataclasses.dataclass(frozen=True)
class Case:
    """One input to try: a label for messages, positional and keyword arguments."""

    label: str
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A usual wrong answer, as code, and what to say when the learner's matches it."""

    fn: Callable[..., Any]
    hint: str


class CheckResult:
    """What a check returns: true when the answer passed. Shows nothing in a notebook (the check printed already)."""

    def __init__(self, passed: bool):
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __eq__(self, other) -> bool:
        return self.passed == bool(other)

    def __hash__(self) -> int:
        return hash(self.passed)

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self) -> None:  # the printed line is the whole message
        pass


def _same(a, b, atol: float) -> bool:
    if isinstance(a, str) != isinstance(b, str):
        return False  # "0.5" is not the number 0.5
    if isinstance(b, tuple) and isinstance(a, (tuple, list)):  # several outputs, e.g. (h_t, c_t): one by one
        return len(a) == len(b) and all(_same(x, y, atol) for x, y in zip(a, b))
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        try:
            return bool(a == b)
        except (TypeError, ValueError):  # e.g. (h_t, gates) against an array: == is element-wise, or fails
            return False
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, atol=atol, rtol=0, equal_nan=True))


def _show(value) -> str:
    if isinstance(value, np.generic):  # np.int64(1) -> 1
        value = value.item()
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, tuple):  # several outputs: each shown (and shortened) on its own
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        value = value.round(6)  # as many digits as the default tolerance (1e-6) tells apart
    text = repr(np.asarray(value).tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) < 120 else text[:117] + "..."


def _fail(name: str, message: str) -> CheckResult:
    text = f"[x] {name}: {message}"
    if strict():
        raise CheckFailed(text)
    print(text)
    return CheckResult(False)


def check(name: str, answer: Callable[..., Any], reference: Callable[..., Any], cases: Sequence[Case],
          mistakes: Sequence[Mistake] = (), atol: float = 1e-6) -> CheckResult:
    """Compare ``answer`` with ``reference`` on every case; explain the first difference.

    Args:
        name: the exercise, as printed.
        answer: the learner's function.
        reference: the correct function.
        cases: the inputs to try, including ones that expose each mistake.
        mistakes: known wrong answers; if the learner's output equals one's
            on the failing case, its hint is printed.
        atol: absolute tolerance for numbers.

    Returns:
        A ``CheckResult``, true if correct on every case (false outside strict mode otherwise).

    Raises:
        ExerciseNotAttempted: strict mode and ``answer`` raised ``NotImplementedError``.
        CheckFailed: strict mode and ``answer`` is wrong or raised.
    """
    if not callable(answer):
        return _fail(name, f"expected a function, got {type(answer).__name__}")
    for case in cases:
        expected = reference(*case.args, **case.kwargs)
        try:
            got = answer(*case.args, **case.kwargs)
        except NotImplementedError:
            text = f"[ ] {name}: not attempted yet (the stub raises NotImplementedError). Replace it with your code."
            if strict():
                raise ExerciseNotAttempted(text) from None
            print(text)
            return CheckResult(False)
        except Exception as e:  # the learner's code crashed: report it, do not stop "Run All"
            return _fail(name, f"raised {type(e).__name__}: {e} on case {case.label!r}")
        if _same(got, expected, atol):
            continue
        if isinstance(expected, dict) and isinstance(got, dict):  # facts about an object: name the ones that differ
            differ = [k for k in expected if not _same(got.get(k), expected[k], atol)]
            message = f"wrong on case {case.label!r}: " + "; ".join(
                f"{k}: expected {_show(expected[k])}, got {_show(got.get(k))}" for k in differ) + "."
        else:
            message = f"wrong on case {case.label!r}: expected {_show(expected)}, got {_show(got)}."
        for mistake in mistakes:
            try:
                if _same(got, mistake.fn(*case.args, **case.kwargs), atol):
                    message += f" Hint: {mistake.hint}"
                    break
            except Exception:  # a mistake that does not apply to this case
                continue
        return _fail(name, message)
    print(f"[ok] {name}: correct on {len(cases)} case{'s' if len(cases) != 1 else ''}.")
    return CheckResult(True)


# --- chapter 00 and 07: ranking metrics -----------------------------------------------

_RANKS = np.array([0, 3, 9, 10, 1, 25])


def hr_at_k(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``hr_at_k(ranks, k)``: the share of ranks (0-based) below ``k``."""
    cases = [
        Case("ranks [0, 3, 9, 10, 1, 25], k=10", (_RANKS, 10)),
        Case("target exactly at rank k: ranks [5], k=5", (np.array([5]), 5)),
        Case("target at rank 0: ranks [0], k=1", (np.array([0]), 1)),
        Case("no hits: ranks [7, 8], k=3", (np.array([7, 8]), 3)),
    ]
    mistakes = [
        Mistake(lambda r, k: float(np.mean(np.asarray(r) <= k)),
                "ranks are 0-based (0 = best), so the top k are ranks 0..k-1: use rank < k, not rank <= k."),
        Mistake(lambda r, k: float(np.mean(np.asarray(r) + 1 < k)),
                "a rank of 0 is already the first place; do not add 1 before comparing with k."),
        Mistake(lambda r, k: float(np.sum(np.asarray(r) < k)),
                "return the share of users (a mean between 0 and 1), not the count of hits."),
    ]
    return check("hr_at_k", answer, evaluation.hr_at_k, cases, mistakes)


def ndcg_at_k(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``ndcg_at_k(ranks, k)``: mean of ``1/log2(rank + 2)`` for ranks below ``k``."""
    cases = [
        Case("ranks [0, 3, 9, 10, 1, 25], k=10", (_RANKS, 10)),
        Case("one user at rank 0: ranks [0], k=10", (np.array([0]), 10)),
        Case("one user at rank 1: ranks [1], k=10", (np.array([1]), 10)),
        Case("target exactly at rank k: ranks [5], k=5", (np.array([5]), 5)),
    ]
    mistakes = [
        Mistake(lambda r, k: float(np.mean(np.where(np.asarray(r) < k, 1 / np.log(np.asarray(r) + 2.0), 0))),
                "the discount is log base 2: 1 / log2(rank + 2), not the natural log."),
        Mistake(lambda r, k: float(np.mean(np.where(np.asarray(r) < k, 1 / np.log2(np.asarray(r) + 1.0), 0))),
                "ranks are 0-based: the first place (rank 0) gets 1 / log2(0 + 2) = 1."),
        Mistake(lambda r, k: float(np.mean(np.where(np.asarray(r) <= k, 1 / np.log2(np.asarray(r) + 2.0), 0))),
                "only ranks 0..k-1 are in the top k: use rank < k."),
        Mistake(lambda r, k: float(np.mean(1 / np.log2(np.asarray(r) + 2.0))),
                "targets outside the top k contribute 0: apply the cut-off."),
    ]
    return check("ndcg_at_k", answer, evaluation.ndcg_at_k, cases, mistakes)


def _reference_rank(scores, target, seen) -> int:
    exclude = evaluation.exclusion_mask([np.asarray(seen, dtype=np.int64)], len(scores), [target])
    return int(evaluation.target_ranks(np.asarray(scores)[None, :], [target], exclude)[0])


def target_rank(answer: Callable[[np.ndarray, int, Sequence[int]], int]) -> CheckResult:
    """Check ``target_rank(scores, target, seen)``: the 0-based rank of ``target`` for one user.

    The candidates are every item except padding (id 0) and the ``seen`` items;
    a candidate scoring the same as the target counts as ranked above it.
    """
    s = np.array([9.0, 0.1, 0.7, 0.4, 0.7, 0.9, 0.2])  # item 0 is padding: its score never counts
    low = s.copy()
    low[0] = -1.0  # padding below every item: tells "1-based" (always +1) from "padding counted" (+1 only with s)
    cases = [
        Case("no ties, nothing seen, padding scores lowest: target 3", (low, 3, [])),
        Case("best candidate: target 5", (s, 5, [])),
        Case("a tie with the target: target 2 (item 4 scores the same)", (s, 2, [])),
        Case("seen items above the target: target 3, seen [5, 2]", (s, 3, [5, 2])),
        Case("padding scores highest: target 5, seen [2, 4]", (s, 5, [2, 4])),
    ]

    def ignore_seen(scores, target, seen):
        return _reference_rank(scores, target, [])

    def ties_for_model(scores, target, seen):
        sc = np.asarray(scores, dtype=float).copy()
        sc[0] = -np.inf
        sc[list(seen)] = -np.inf
        return int((sc > sc[target]).sum())

    def one_based(scores, target, seen):
        return _reference_rank(scores, target, seen) + 1

    def padding_counts(scores, target, seen):
        return _reference_rank(scores, target, seen) + int(scores[0] >= scores[target])

    mistakes = [  # padding_counts first: where padding outscores the target it equals one_based
        Mistake(padding_counts, "item 0 is padding, not a real item: it is never a candidate."),
        Mistake(one_based, "ranks are 0-based: the best candidate has rank 0."),
        Mistake(ignore_seen, "items in `seen` are not candidates: mask them out (e.g. set their score to -inf) first."),
        Mistake(ties_for_model, "a candidate with the same score as the target counts as ranked above it (use >=), "
                                "otherwise a model that scores everything equal would look perfect."),
    ]
    return check("target_rank", answer, _reference_rank, cases, mistakes)


# --- chapter 03: recurrent cells --------------------------------------------------------


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
    return cells.gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)[0]


def _gru_variant(x_t, h_prev, kernel, recurrent_kernel, bias, *, swap_mix=False, reset_before=False,
                 gates_rzh=False, recurrent_bias=True) -> np.ndarray:
    """``gru_step``'s h_t, or, with one flag set, the h_t of a usual mistake."""
    b_in, b_rec = bias[0], (bias[1] if recurrent_bias else np.zeros_like(bias[1]))  # (3H,) each
    x_z, x_r, x_h = np.split(x_t @ kernel + b_in, 3, axis=1)  # 3 x (batch, H)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=1)  # 3 x (H, H)
    b_z, b_r, b_h = np.split(b_rec, 3)  # 3 x (H,)
    if gates_rzh:  # the first block taken as the reset gate, the second as the update gate
        x_z, x_r, u_z, u_r, b_z, b_r = x_r, x_z, u_r, u_z, b_r, b_z
    z = cells.sigmoid(x_z + h_prev @ u_z + b_z)
    r = cells.sigmoid(x_r + h_prev @ u_r + b_r)
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
    h_t, c_t, _ = cells.peephole_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole)
    return h_t, c_t


def _peephole_variant(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, peephole, *,
                      output_peeks_old=False, no_peepholes=False, input_forget_peek_new=False) -> tuple:
    """``peephole_lstm_step``'s (h_t, c_t), or, with one flag set, those of a usual mistake."""
    z_i, z_f, z_c, z_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=1)  # 4 x (batch, H)
    p_i, p_f, p_o = np.zeros_like(peephole) if no_peepholes else peephole  # 3 x (H,)
    c_seen = c_prev
    if input_forget_peek_new:  # "c_t" taken from a plain LSTM step first, then peeked at by i and f
        c_seen = cells.lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)[1]
    i = cells.sigmoid(z_i + p_i * c_seen)
    f = cells.sigmoid(z_f + p_f * c_seen)
    c_t = f * c_prev + i * np.tanh(z_c)
    o = cells.sigmoid(z_o + p_o * (c_prev if output_peeks_old else c_t))
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
    return check("lstm_param_count", answer, cells.lstm_param_count, cases, mistakes)


# --- chapter 01: data and popularity ------------------------------------------------


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
    return check("interactions_per_user", lambda df: _series_pairs(answer(df)), reference, cases, mistakes)


def _reference_popular_unseen(counts, seen, k):
    counts = np.asarray(counts, dtype=float)
    exclude = evaluation.exclusion_mask([np.asarray(seen, dtype=np.int64)], len(counts))
    return evaluation.top_k(counts[None, :], k, exclude)[0]


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


# --- chapter 02: long-range dependencies and clipping -------------------------------


def long_range_target(answer: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """Check ``long_range_target(history, lag)``: the item ``lag`` steps before the end of each row."""
    from lstmrec import synthetic

    cases = []
    for seq_len, lag in [(8, 3), (8, 1), (8, 8), (5, 2)]:
        history, _ = synthetic.long_range_sequences(4, seq_len, lag, seed=seq_len * 10 + lag)
        history = history.copy()
        history[:, :] = np.arange(1, seq_len + 1)  # position t holds item t + 1: every position is different
        cases.append(Case(f"seq_len={seq_len}, lag={lag}", (history, lag)))

    def reference(history, lag):
        return np.asarray(history)[:, history.shape[1] - lag]

    mistakes = [
        Mistake(lambda h, lag: np.asarray(h)[:, -lag - 1],
                "lag=1 is the LAST item (index seq_len - 1): the index is seq_len - lag, not seq_len - lag - 1."),
        Mistake(lambda h, lag: np.asarray(h)[:, lag],
                "count the lag back from the end of the sequence, not forward from its start."),
        Mistake(lambda h, lag: np.asarray(h)[:, lag - 1],
                "count the lag back from the end of the sequence, not forward from its start."),
        Mistake(lambda h, lag: np.asarray(h)[:, -1], "the target is the item lag steps back, not always the last one."),
    ]
    return check("long_range_target", answer, reference, cases, mistakes)


def _reference_clip(grads, max_norm):
    grads = [np.asarray(g, dtype=float) for g in grads]
    norm = np.sqrt(sum(float((g ** 2).sum()) for g in grads))  # the global norm
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return tuple(g * scale for g in grads)


def clip_by_global_norm(answer: Callable[[list, float], list]) -> CheckResult:
    """Check ``clip_by_global_norm(grads, max_norm)``: rescale all gradients together.

    All of them by the same factor, and only if their global norm is too big.
    """
    cases = [
        Case("one gradient [3, 4] (norm 5), max_norm 1", ([np.array([3.0, 4.0])], 1.0)),
        Case("[3] and [[4], [12]] (global norm 13), max_norm 6.5", ([np.array([3.0]), np.array([[4.0], [12.0]])], 6.5)),
        Case("global norm 13 below max_norm 26: unchanged", ([np.array([3.0]), np.array([[4.0], [12.0]])], 26.0)),
    ]

    def per_tensor(grads, c):
        return tuple(np.asarray(g, float) * min(1.0, c / np.linalg.norm(g)) for g in grads)

    def always_scale(grads, c):
        norm = np.sqrt(sum((np.asarray(g, float) ** 2).sum() for g in grads))
        return tuple(np.asarray(g, float) * c / norm for g in grads)

    def squared_norm(grads, c):
        sq = sum((np.asarray(g, float) ** 2).sum() for g in grads)
        return tuple(np.asarray(g, float) * min(1.0, c / sq) for g in grads)

    mistakes = [
        Mistake(per_tensor, "clip by the GLOBAL norm sqrt(sum of all squared entries of all gradients), and scale "
                            "every gradient by the same factor, so the direction of the whole update is kept."),
        Mistake(always_scale,
                "only scale down when the global norm is larger than max_norm: use min(1, max_norm / norm)."),
        Mistake(squared_norm, "the norm is the square root of the sum of squares."),
        Mistake(lambda grads, c: tuple(np.clip(np.asarray(g, float), -c, c) for g in grads),
                "clipping each value to [-c, c] changes the direction of the update; "
                "rescale the whole gradient instead."),
    ]
    return check("clip_by_global_norm", lambda g, c: tuple(answer(g, c)), _reference_clip, cases, mistakes)


# --- chapter 04: a first Keras LSTM ---------------------------------------------------


def activity_windows(answer: Callable[[np.ndarray, int], tuple]) -> CheckResult:
    """Check ``activity_windows(active, window)``: inputs and target for every user.

    The inputs are the ``window`` periods before the last; the target is the last.
    """
    active = np.array([[1, 0, 1, 1, 0, 1],
                       [0, 0, 1, 0, 1, 0],
                       [1, 1, 0, 0, 0, 1]])  # (3 users, 6 periods)
    cases = [Case("6 periods, window 3", (active, 3)), Case("6 periods, window 5", (active, 5)),
             Case("6 periods, window 1", (active, 1))]

    def reference(a, w):
        a = np.asarray(a)
        return (a[:, -w - 1:-1], a[:, -1])

    mistakes = [
        Mistake(lambda a, w: (np.asarray(a)[:, -w:], np.asarray(a)[:, -1]),
                "the inputs include the period being predicted: that leaks the answer (accuracy 100% for nothing). "
                "Take the window periods BEFORE the last: active[:, -window-1:-1]."),
        Mistake(lambda a, w: (np.asarray(a)[:, :w], np.asarray(a)[:, -1]),
                "take the most recent periods before the target, not the first ones."),
        Mistake(lambda a, w: (np.asarray(a)[:, -w - 1:-1], np.asarray(a)[:, w]),
                "the target is the last period, active[:, -1]."),
    ]
    return check("activity_windows", lambda a, w: tuple(answer(a, w)), reference, cases, mistakes)


def _early_stopping_facts(callback) -> dict:
    import keras

    return {
        "is an EarlyStopping callback": isinstance(callback, keras.callbacks.EarlyStopping),
        "watches a validation metric": str(getattr(callback, "monitor", "")).startswith("val_"),
        "restores the best weights": bool(getattr(callback, "restore_best_weights", False)),
        "waits at least one epoch": int(getattr(callback, "patience", 0)) >= 1,
    }


def early_stopping(answer: Callable[[], Any]) -> CheckResult:
    """Check ``make_early_stopping()``: a Keras callback that stops on validation and keeps the best epoch."""
    import keras

    expected = {key: True for key in _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="val_loss"))}
    mistakes = [
        Mistake(lambda: _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="loss", patience=5,
                                                                              restore_best_weights=True)),
                "monitor='loss' watches the TRAINING loss, which keeps falling while the model overfits: "
                "monitor a validation metric such as 'val_loss'."),
        Mistake(lambda: _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="val_loss", patience=5)),
                "without restore_best_weights=True the model keeps the weights of the LAST epoch, "
                "`patience` epochs after the best one."),
        Mistake(lambda: _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="val_loss", patience=0,
                                                                              restore_best_weights=True)),
                "patience=0 stops at the first epoch that does not improve: validation scores are noisy, wait a few."),
    ]
    return check("early_stopping", lambda: _early_stopping_facts(answer()), lambda: expected,
                 [Case("your callback")], mistakes)


def _model_facts(model) -> dict:
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return {
        "layers": "-".join(type(layer).__name__ for layer in layers),
        "recurrent units": getattr(layers[0], "units", None) if layers else None,
        "output activation": getattr(getattr(layers[-1], "activation", None), "__name__", None) if layers else None,
        "input shape": tuple(model.inputs[0].shape[1:]) if model.inputs else None,
        "parameters": model.count_params(),
    }


def gru_model(answer: Callable[[int], Any]) -> CheckResult:
    """Check ``build_gru_model(window)``: the article's model with ``keras.layers.GRU(50)`` in place of the LSTM."""
    import keras

    def build(layer, window, units=50, activation="sigmoid"):
        return keras.Sequential([keras.Input((window, 1)), layer(units), keras.layers.Dense(1, activation=activation)])

    cases = [Case("window 6", (6,)), Case("window 12", (12,))]
    mistakes = [
        Mistake(lambda w: _model_facts(build(keras.layers.LSTM, w)), "that is still an LSTM: use keras.layers.GRU."),
        Mistake(lambda w: _model_facts(build(keras.layers.GRU, w, activation=None)),
                "the output needs activation='sigmoid' to be a probability for binary cross-entropy."),
        Mistake(lambda w: _model_facts(build(keras.layers.SimpleRNN, w)), "that is a SimpleRNN: use keras.layers.GRU."),
    ]
    return check("gru_model", lambda w: _model_facts(answer(w)), lambda w: _model_facts(build(keras.layers.GRU, w)),
                 cases, mistakes)


# --- chapter 05: from interactions to sequences ----------------------------------------


def leave_one_out_user(answer: Callable[[np.ndarray], tuple]) -> CheckResult:
    """Check ``leave_one_out_user(history)``: ``(train, valid_target, test_target)`` for one user.

    ``history`` is the user's items in chronological order.
    """
    cases = [Case("history [5, 3, 9, 1, 7]", (np.array([5, 3, 9, 1, 7]),)),
             Case("the shortest history that can be split, [4, 8, 2]", (np.array([4, 8, 2]),)),
             Case("history [10, 20, 30, 40]", (np.array([10, 20, 30, 40]),))]

    def reference(h):
        h = np.asarray(h)
        return (h[:-2], int(h[-2]), int(h[-1]))

    mistakes = [
        Mistake(lambda h: (np.asarray(h)[:-2], int(h[-1]), int(h[-2])),
                "validation comes BEFORE test in time: the second-last item validates, the last one tests."),
        Mistake(lambda h: (np.asarray(h)[:-1], int(h[-2]), int(h[-1])),
                "the validation item must not stay in the training history: train is everything before it, h[:-2]."),
        Mistake(lambda h: (np.asarray(h)[2:], int(h[0]), int(h[1])),
                "hold out the LAST interactions, not the first: the model must predict the future from the past."),
    ]
    return check("leave_one_out_user", lambda h: tuple(answer(h)), reference, cases, mistakes)


def left_pad(answer: Callable[[list, int], np.ndarray]) -> CheckResult:
    """Check ``left_pad(sequences, max_len)``: (n, max_len) with 0 in front, keeping the most recent items."""
    from lstmrec.sequences import pad_sequences

    seqs = [np.array([1, 2, 3, 4, 5]), np.array([6, 7]), np.array([8])]
    cases = [Case("lengths 5, 2, 1 padded to 3", (seqs, 3)), Case("lengths 5, 2, 1 padded to 6", (seqs, 6)),
             Case("one sequence of length 2, max_len 2", ([np.array([9, 4])], 2))]
    mistakes = [
        Mistake(lambda s, n: pad_sequences([np.asarray(x)[:n] for x in s], n),
                "when a history is longer than max_len, keep its MOST RECENT items (the end), not the oldest."),
        Mistake(lambda s, n: pad_sequences(s, n, side="right"),
                "pad on the LEFT: then the last column is always the most recent item, the one an RNN reads last."),
        Mistake(lambda s, n: np.where(pad_sequences(s, n) == 0, -1, pad_sequences(s, n)),
                "pad with 0, the id reserved for padding (Embedding(mask_zero=True) masks exactly 0)."),
    ]
    return check("left_pad", lambda s, n: np.asarray(answer(s, n)), lambda s, n: pad_sequences(s, n), cases, mistakes)


def _user_times(interactions) -> list[np.ndarray]:
    """Each user's timestamps in the rows' order, one array per user (users' rows are contiguous)."""
    users = interactions["user_id"].to_numpy()
    times = interactions["timestamp"].to_numpy()
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if len(users) else np.zeros(0, dtype=np.int64)
    return np.split(times, starts[1:])


def _reference_tied_last_share(interactions) -> float:
    ends = [t for t in _user_times(interactions) if len(t) >= 2]  # only these users have a "last two"
    return float(np.mean([t[-1] == t[-2] for t in ends]))


def _tied_last_frames() -> list:
    """The check's interaction logs: (label, DataFrame), each sorted by user, then time."""
    import pandas as pd

    def log(times_per_user: dict, index=None):
        rows = [(u, 100 * u + j, t) for u, times in times_per_user.items() for j, t in enumerate(times)]
        return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"], index=index)

    rng = np.random.default_rng(5)
    many = {u: np.cumsum(rng.integers(0, 3, size=int(rng.integers(1, 9)))) for u in range(1, 101)}  # many ties
    return [
        ("three users, the first with its last two tied", log({1: [10, 20, 20], 2: [10, 20, 30], 3: [5, 6, 7]})),
        ("a user with a single interaction", log({1: [4, 4], 2: [7], 3: [1, 2, 3]})),
        ("ties earlier in the histories, one at an end", log({1: [1, 1, 1, 2], 2: [3, 3, 5, 6, 6], 3: [8, 9]})),
        ("every interaction in the same second", log({1: [5, 5, 5], 2: [6, 6]})),
        ("rows in order, index labels not 0..n-1", log({2: [2, 2], 5: [1, 4, 4, 6], 9: [7]},
                                                       index=[40, 3, 17, 8, 25, 0, 11])),
        ("100 users with 1 to 8 interactions each", log(many)),
    ]


def tied_last_share(answer: Callable[[Any], float]) -> CheckResult:
    """Check ``tied_last_share(interactions)``: the share of users whose last two interactions share a timestamp.

    Among users with at least two interactions; the rows come sorted by user,
    then time (any index).
    """
    cases = [Case(label, (frame,)) for label, frame in _tied_last_frames()]

    def ends(df):  # users with at least two interactions: their timestamps
        return [t for t in _user_times(df) if len(t) >= 2]

    mistakes = [
        Mistake(lambda df: float(np.mean([np.any(t[1:] == t[:-1]) for t in ends(df)])),
                "only the LAST two interactions count: a tie earlier in a history does not decide which item is "
                "held out. Compare each user's last timestamp with the one just before it."),
        Mistake(lambda df: float(sum(t[-1] == t[-2] for t in ends(df)) / len(_user_times(df))),
                "divide by the users with at least two interactions: a user with a single one has no last two, "
                "so no tie can decide anything for them."),
        Mistake(lambda df: float(np.mean([t[-1] == t[0] for t in ends(df)])),
                "compare the last interaction with the SECOND-LAST (the one just before it), not with the "
                "user's first."),
        Mistake(lambda df: float(sum(t[-1] == t[-2] for t in ends(df))),
                "return a share between 0 and 1, not the number of users: divide the count by the users "
                "who have at least two interactions."),
    ]
    return check("tied_last_share", lambda df: answer(df.copy()), _reference_tied_last_share, cases, mistakes)


# --- chapter 06: the LSTM recommender -------------------------------------------------


def _sequence_model_facts(model) -> dict:
    import keras

    embedding = next((la for la in model.layers if isinstance(la, keras.layers.Embedding)), None)
    recurrent = next((la for la in model.layers if isinstance(la, (keras.layers.LSTM, keras.layers.GRU,
                                                                    keras.layers.SimpleRNN))), None)
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    return {
        "embedding masks padding (mask_zero=True)": bool(getattr(embedding, "mask_zero", False)),
        "recurrent layer": type(recurrent).__name__ if recurrent is not None else None,
        "returns every step (return_sequences=True)": bool(getattr(recurrent, "return_sequences", False)),
        "outputs logits (no softmax)": activation == "linear",
        "output shape": tuple(model.outputs[0].shape),
    }


def sequence_model(answer: Callable[[int, int, str], Any]) -> CheckResult:
    """Check ``build_model(num_items, max_len, cell)``.

    The model: Embedding(mask_zero) -> cell(return_sequences) -> Dense logits.
    """
    import keras

    def build(num_items, max_len, cell, mask=True, sequences=True, activation=None, cell_override=None):
        layer = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell_override or cell]
        return keras.Sequential([keras.Input((max_len,), dtype="int32"),
                                 keras.layers.Embedding(num_items, 8, mask_zero=mask),
                                 layer(16, return_sequences=sequences),
                                 keras.layers.Dense(num_items, activation=activation)])

    cases = [Case("num_items=100, max_len=10, cell='LSTM'", (100, 10, "LSTM")),
             Case("num_items=50, max_len=5, cell='GRU'", (50, 5, "GRU"))]
    mistakes = [
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, activation="softmax")),
                "no softmax on the output: the loss SparseCategoricalCrossentropy(from_logits=True) applies it, "
                "and applying it twice flattens the scores and breaks training."),
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, mask=False)),
                "Embedding(..., mask_zero=True): otherwise the padding id 0 is read as if it were an item."),
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, sequences=False)),
                "return_sequences=True: the model predicts the next item at EVERY position, not only the last."),
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, cell_override="LSTM")),
                "use the `cell` argument: keras.layers.GRU when cell == 'GRU'."),
    ]
    return check("sequence_model", lambda n, m, c: _sequence_model_facts(answer(n, m, c)),
                 lambda n, m, c: _sequence_model_facts(build(n, m, c)), cases, mistakes)


def tied_scores(answer: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check ``tied_scores(hidden, embeddings)``: (batch, E) x (num_items, E) -> (batch, num_items) dot products."""
    rng = np.random.default_rng(6)
    cases = [Case("2 users, 5 items, E=3", (rng.normal(size=(2, 3)), rng.normal(size=(5, 3)))),
             Case("4 users, 3 items, E=2", (rng.normal(size=(4, 2)), rng.normal(size=(3, 2))))]

    def softmaxed(h, e):
        z = h @ e.T
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    mistakes = [
        Mistake(softmaxed, "return the logits: the loss applies the softmax (from_logits=True)."),
        Mistake(lambda h, e: e @ h.T, "rows are users: hidden @ embeddings.T has shape (batch, num_items)."),
    ]
    return check("tied_scores", lambda h, e: np.asarray(answer(h, e)), lambda h, e: h @ e.T, cases, mistakes)


# --- chapter 07: evaluation -------------------------------------------------------------


def catalog_coverage(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``catalog_coverage(recommendations, num_items)``: distinct recommended items / real items."""
    cases = [Case("[[1, 2], [2, 3]] of 4 items (num_items=5 with padding)", (np.array([[1, 2], [2, 3]]), 5)),
             Case("everyone gets [4, 1, 2], 9 items (num_items=10)", (np.tile([4, 1, 2], (3, 1)), 10)),
             Case("all 3 items covered (num_items=4)", (np.array([[1, 2], [3, 1]]), 4))]
    mistakes = [
        Mistake(lambda r, n: len(np.unique(r)) / n, "the catalogue has num_items - 1 real items: 0 is padding."),
        Mistake(lambda r, n: np.asarray(r).size / (n - 1),
                "count each item once, however many users it is recommended to: np.unique."),
        Mistake(lambda r, n: float(len(np.unique(r))),
                "return a share of the catalogue (between 0 and 1), not a count."),
    ]
    return check("catalog_coverage", answer, evaluation.catalog_coverage, cases, mistakes)


def recommender_param_count(answer: Callable[[int, int, int], int]) -> CheckResult:
    """Check ``param_count(num_items, embedding_dim, hidden_dim)`` of the course's tied LSTM recommender.

    Embedding ``num_items x E``, LSTM ``4 (H (E + H) + H)``, projection to the
    embedding space ``H x E + E``; the scores reuse the embedding (no new weights).
    """
    def reference(n, e, h):
        return n * e + 4 * (h * (e + h) + h) + (h * e + e)

    cases = [Case("num_items=1683, E=64, H=128", (1683, 64, 128)), Case("num_items=10, E=2, H=3", (10, 2, 3)),
             Case("num_items=500, E=32, H=16", (500, 32, 16))]
    mistakes = [
        Mistake(lambda n, e, h: n * e + 4 * (h * (e + h) + h) + (h * e + e) + n * e,
                "the output reuses the embedding matrix (that is what tying means): count it once."),
        Mistake(lambda n, e, h: n * e + 4 * (h * (e + h) + h),
                "the hidden state (H) is projected to the embedding size (E) before the dot products: H * E + E more."),
        Mistake(lambda n, e, h: n * e + 4 * h * (e + h) + (h * e + e),
                "each LSTM gate has a bias of H: 4 * (H * (E + H) + H)."),
        Mistake(lambda n, e, h: n * e + 4 * (h * (e + h) + h) + (h * n + n),
                "that is an untied Dense(num_items) output; the tied model projects to E and reuses the embeddings."),
    ]
    return check("recommender_param_count", answer, reference, cases, mistakes)


# --- chapter 08: MovieLens-1M -----------------------------------------------------------


def length_groups(answer: Callable[[np.ndarray, int], np.ndarray]) -> CheckResult:
    """Check ``length_groups(lengths, num_groups)``: group ids 0..num_groups-1, shortest first.

    The groups are of (nearly) equal size.
    """
    import pandas as pd

    cases = [Case("8 users, 4 groups", (np.array([5, 1, 9, 3, 7, 2, 8, 4]), 4)),
             Case("6 users, 2 groups", (np.array([10, 20, 30, 40, 50, 60]), 2)),
             Case("9 users of very unequal lengths, 3 groups", (np.array([1, 2, 3, 4, 5, 6, 100, 500, 1000]), 3))]

    def reference(lengths, num_groups):
        return pd.qcut(np.asarray(lengths), num_groups, labels=False).astype(np.int64)

    def equal_width(lengths, num_groups):
        return pd.cut(np.asarray(lengths), num_groups, labels=False).astype(np.int64)

    mistakes = [
        Mistake(equal_width, "groups of equal WIDTH (pd.cut) put most users in the first group when lengths have a "
                             "long tail; cut at the quantiles (pd.qcut) so each group holds about as many users."),
        Mistake(lambda lengths, n: reference(lengths, n) + 1, "number the groups from 0 (shortest) to num_groups - 1."),
        Mistake(lambda lengths, n: n - 1 - reference(lengths, n),
                "group 0 is the SHORTEST histories, not the longest."),
    ]
    return check("length_groups", lambda lengths, n: np.asarray(answer(lengths, n)).astype(np.int64), reference,
                 cases, mistakes)


def num_windows(answer: Callable[[np.ndarray, int], int]) -> CheckResult:
    """Check ``num_windows(lengths, max_len)``: the sum over users of ``ceil((L - 1) / max_len)``."""
    cases = [Case("lengths 1, 2, 3, 11 with max_len 5", (np.array([1, 2, 3, 11]), 5)),
             Case("lengths 50, 51, 101 with max_len 50", (np.array([50, 51, 101]), 50)),
             Case("one user of 7 items, max_len 1", (np.array([7]), 1))]

    def reference(lengths, max_len):
        pairs = np.maximum(np.asarray(lengths) - 1, 0)
        return int((-(-pairs // max_len)).sum())

    mistakes = [
        Mistake(lambda lengths, m: int((-(-np.asarray(lengths) // m)).sum()),
                "a history of L items has L - 1 (input, next item) pairs: the first item has no predecessor to "
                "predict it from, so count ceil((L - 1) / max_len)."),
        Mistake(lambda lengths, m: int((np.maximum(np.asarray(lengths) - 1, 0) // m).sum()),
                "round UP: the last, partly filled window is kept (left-padded), so no pair is dropped."),
        Mistake(lambda lengths, m: int(np.ceil(np.maximum(np.asarray(lengths) - 1, 0).sum() / m)),
                "windows are cut per user: a window never mixes two users, so round up for each user, then add."),
    ]
    return check("num_windows", lambda lengths, m: int(answer(lengths, m)), reference, cases, mistakes)


# --- chapter 09: streaming state and latency ---------------------------------------------


def _stream_case(label: str, seed: int, batch: int, hidden_dim: int, num_items: int = 7, scale: float = 1.0):
    """A random ``StreamingLSTM`` (arrays only, no Keras) and a state and items to step."""
    from lstmrec.streaming import StreamingLSTM

    rng = np.random.default_rng(seed)
    embedding_dim = 3
    lstm = StreamingLSTM(
        input_table=(scale * rng.normal(size=(num_items, 4 * hidden_dim))).astype(np.float32),
        recurrent_kernel=(scale * rng.normal(size=(hidden_dim, 4 * hidden_dim))).astype(np.float32),
        projection=rng.normal(size=(hidden_dim, embedding_dim)).astype(np.float32),
        projection_bias=rng.normal(size=embedding_dim).astype(np.float32),
        output=rng.normal(size=(embedding_dim, num_items)).astype(np.float32))
    h = np.tanh(rng.normal(size=(batch, hidden_dim))).astype(np.float32)
    c = rng.normal(size=(batch, hidden_dim)).astype(np.float32)
    items = rng.integers(1, num_items, size=batch)
    return Case(label, (lstm, h, c, items))


def _step_variant(lstm, h, c, items, *, order=("i", "f", "c", "o"), recurrent=True, squash_c=True,
                  forget_new=False):
    z = lstm.input_table[items] + (h @ lstm.recurrent_kernel if recurrent else 0)  # (batch, 4H)
    parts = dict(zip(order, np.split(z, 4, axis=1)))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    c_t = sig(parts["f"]) * c + sig(parts["i"]) * np.tanh(parts["c"])
    if forget_new:
        c_t = sig(parts["f"]) * np.tanh(parts["c"]) + sig(parts["i"]) * c
    h_t = sig(parts["o"]) * (np.tanh(c_t) if squash_c else c_t)
    return h_t, c_t


def stream_step(answer: Callable[..., tuple]) -> CheckResult:
    """Check ``stream_step(lstm, h, c, items) -> (h_t, c_t)``.

    Then check that stepping through a history equals ``encode``.
    """
    cases = [_stream_case("one user, H=2", 0, 1, 2), _stream_case("4 users, H=3", 1, 4, 3),
             _stream_case("3 users, H=5, large weights", 2, 3, 5, scale=3.0)]

    def reference(lstm, h, c, items):
        return lstm.step(h, c, items)

    mistakes = [
        Mistake(lambda *a: _step_variant(*a, order=("i", "f", "o", "c")),
                "Keras's gate order in the columns is i, f, c, o (input, forget, candidate, output), "
                "as in chapter 03."),
        Mistake(lambda *a: _step_variant(*a, recurrent=False),
                "add the recurrent term h_{t-1} @ recurrent_kernel: without it the step forgets the order of events."),
        Mistake(lambda *a: _step_variant(*a, squash_c=False),
                "h_t = o_t * tanh(c_t): squash the cell state before the output gate scales it."),
        Mistake(lambda *a: _step_variant(*a, forget_new=True),
                "the forget gate scales the OLD cell state c_{t-1}; the input gate scales the new candidate."),
    ]
    result = check("stream_step", lambda *a: tuple(np.asarray(x, np.float64) for x in answer(*a)),
                   lambda *a: tuple(np.asarray(x, np.float64) for x in reference(*a)), cases, mistakes, atol=1e-5)
    if not result:
        return result
    lstm = cases[1].args[0]
    histories = [np.array([1, 2, 3, 4, 5, 6]), np.array([6, 1]), np.array([3, 3, 3, 3, 3, 3])]
    h, c = lstm.initial_state(3)
    for t in range(6):  # the learner's step, event by event; the shorter history waits (as Keras's mask does)
        live = np.array([t >= 6 - len(x) for x in histories])
        items = np.array([x[t - (6 - len(x))] if ok else 1 for x, ok in zip(histories, live)])
        h_new, c_new = (np.asarray(v, np.float32) for v in answer(lstm, h, c, items))
        h, c = np.where(live[:, None], h_new, h), np.where(live[:, None], c_new, c)
    h_full, c_full = lstm.encode(histories)
    if not _same(h, h_full, 1e-5) or not _same(c, c_full, 1e-5):
        return _fail("stream_step", "each step is right, but stepping through whole histories does not give "
                                    "encode's state: return (h_t, c_t) in that order, as new arrays.")
    print("[ok] stream_step: stepping event by event gives the same state as re-encoding the whole history.")
    return result


def p50_p99(answer: Callable[[np.ndarray], tuple]) -> CheckResult:
    """Check ``p50_p99(seconds) -> (p50_ms, p99_ms)`` with NumPy's (linear) percentile definition."""
    rng = np.random.default_rng(0)
    cases = [Case("5 timings, one slow", (np.array([0.004, 0.001, 0.100, 0.003, 0.002]),)),
             Case("1,000 timings with a long tail", (rng.lognormal(-7, 0.6, size=1000),)),
             Case("two timings", (np.array([0.002, 0.001]),))]

    def reference(seconds):
        return (float(np.percentile(seconds, 50) * 1000), float(np.percentile(seconds, 99) * 1000))

    mistakes = [
        Mistake(lambda s: (float(np.mean(s) * 1000), float(np.percentile(s, 99) * 1000)),
                "p50 is the median, not the mean: one slow call moves the mean but not the median."),
        Mistake(lambda s: (float(np.percentile(s, 50)), float(np.percentile(s, 99))),
                "report milliseconds: the timings are in seconds, so multiply by 1000."),
        Mistake(lambda s: (float(np.asarray(s)[len(s) // 2] * 1000),
                           float(np.asarray(s)[int(0.99 * (len(s) - 1))] * 1000)),
                "sort the timings first (or use np.percentile): they arrive in the order the calls were made."),
        Mistake(lambda s: (float(np.percentile(s, 50) * 1000), float(np.max(s) * 1000)),
                "p99 is the value 99% of the calls stay under, not the slowest call (the maximum)."),
    ]
    return check("p50_p99", lambda s: tuple(float(v) for v in answer(s)), reference, cases, mistakes, atol=1e-9)


# --- chapter 10: case studies ------------------------------------------------------------

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
    return check("choose_exclude_seen", lambda *a, **kw: bool(answer(*a, **kw)), _reference_exclude_seen, cases,
                 mistakes)


# --- chapter 11: the challenges (privacy, compute) ---------------------------------------


def _reference_clip_users(grads, max_norm):
    grads = [np.asarray(g, dtype=float) for g in grads]  # each (num_users, *shape)
    squares = sum((g.reshape(len(g), -1) ** 2).sum(axis=1) for g in grads)  # (num_users,)
    norms = np.sqrt(squares)
    factor = np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))  # (num_users,)
    return tuple(g * factor.reshape((-1,) + (1,) * (g.ndim - 1)) for g in grads)


def clip_per_user(answer: Callable[[list, float], list]) -> CheckResult:
    """Check ``clip_per_user(grads, max_norm)``: each user's gradient (over all variables) scaled to norm <= max_norm.

    ``grads`` holds one (num_users, *shape) array per variable; user ``u``'s
    gradient is row ``u`` of every array, and its norm is taken over all of them.
    """
    cases = [
        Case("two users, one variable: norms 5 and 0.5, max_norm 1", ([np.array([[3.0, 4.0], [0.3, 0.4]])], 1.0)),
        Case("one user, two variables (norms 3 and 4, together 5), max_norm 2.5",
             ([np.array([[3.0]]), np.array([[[0.0, 4.0]]])], 2.5)),
        Case("three users, a zero gradient among them", ([np.array([[0.0, 0.0], [6.0, 8.0], [1.0, 0.0]]),
                                                          np.array([[0.0], [0.0], [0.0]])], 2.0)),
    ]

    def per_variable(grads, c):
        out = []
        for g in grads:
            g = np.asarray(g, float)
            n = np.sqrt((g.reshape(len(g), -1) ** 2).sum(axis=1))
            out.append(g * np.minimum(1.0, c / np.maximum(n, 1e-12)).reshape((-1,) + (1,) * (g.ndim - 1)))
        return tuple(out)

    def whole_batch(grads, c):
        grads = [np.asarray(g, float) for g in grads]
        norm = np.sqrt(sum((g ** 2).sum() for g in grads))
        return tuple(g * min(1.0, c / norm) for g in grads)

    def always_scale(grads, c):
        grads = [np.asarray(g, float) for g in grads]
        norms = np.sqrt(sum((g.reshape(len(g), -1) ** 2).sum(axis=1) for g in grads))
        return tuple(g * (c / np.maximum(norms, 1e-12)).reshape((-1,) + (1,) * (g.ndim - 1)) for g in grads)

    mistakes = [
        Mistake(per_variable, "one norm per USER over ALL variables: the privacy bound is on the user's whole "
                              "contribution, so clipping each variable to C would let a user move the model by "
                              "C times the number of variables."),
        Mistake(whole_batch, "clip each user separately (one norm per row), not the batch together: clipping the "
                             "sum bounds nothing about any one user."),
        Mistake(always_scale, "scale only the users whose norm is above max_norm: min(1, max_norm / norm). "
                              "Scaling small gradients up changes nothing for privacy but hurts learning."),
    ]
    return check("clip_per_user", lambda g, c: tuple(answer(g, c)), _reference_clip_users, cases, mistakes)


def _reference_sampled_loss(hidden, item_embeddings, target, samples, q):
    hidden, emb = np.asarray(hidden, float), np.asarray(item_embeddings, float)
    samples = np.asarray(samples)
    expected = len(samples) * np.asarray(q, float)  # (num_items,) expected count of each item in the sample
    positive = hidden @ emb[target] - np.log(expected[target])
    negative = emb[samples] @ hidden - np.log(expected[samples])  # (S,)
    negative = negative[samples != target]  # an accidental hit is not a negative
    logits = np.r_[positive, negative]
    top = logits.max()
    return float(top + np.log(np.exp(logits - top).sum()) - positive)


def sampled_softmax_loss(answer: Callable[..., float]) -> CheckResult:
    """Check ``sampled_softmax_loss(hidden, item_embeddings, target, samples, q) -> float`` for ONE position.

    Logits of the target and of every sample, each minus ``log(S q_j)``; samples
    equal to the target dropped; the loss is ``logsumexp - target's logit``.
    """
    rng = np.random.default_rng(11)
    emb = rng.normal(size=(6, 3))
    q = np.array([0.05, 0.35, 0.3, 0.1, 0.1, 0.1])  # padding 0 gets a little mass: no log(0) in anyone's answer
    cases = [
        Case("every item sampled once, uniform q: the full softmax over items 0..5",
             (np.array([0.5, -1.0, 0.2]), emb, 2, np.arange(6), np.full(6, 1 / 6))),
        Case("popularity q, samples (1, 1, 3, 5)", (np.array([1.0, 0.0, -0.5]), emb, 4, np.array([1, 1, 3, 5]), q)),
        Case("the target among the samples", (np.array([0.2, 0.3, 0.1]), emb, 3, np.array([3, 1, 2]), q)),
    ]

    def no_correction(h, e, t, s, q_):
        return _reference_sampled_loss(h, e, t, s, np.full(len(q_), 1.0 / len(s)))

    def keeps_hits(h, e, t, s, q_):
        h, e, s = np.asarray(h, float), np.asarray(e, float), np.asarray(s)
        expected = len(s) * np.asarray(q_, float)
        pos = h @ e[t] - np.log(expected[t])
        logits = np.r_[pos, e[s] @ h - np.log(expected[s])]
        return float(np.log(np.exp(logits).sum()) - pos)

    def plus_log_q(h, e, t, s, q_):
        h, e, s = np.asarray(h, float), np.asarray(e, float), np.asarray(s)
        expected = len(s) * np.asarray(q_, float)
        pos = h @ e[t] + np.log(expected[t])
        neg = (e[s] @ h + np.log(expected[s]))[s != t]
        logits = np.r_[pos, neg]
        return float(np.log(np.exp(logits).sum()) - pos)

    mistakes = [
        Mistake(no_correction, "subtract log(S * q_j) from every logit (the target's too): items the sampler "
                               "draws often would otherwise be pushed down far more than the full softmax does."),
        Mistake(keeps_hits, "a sample equal to the target is not a negative: drop it, or the model is taught to "
                            "score the right item below itself."),
        Mistake(plus_log_q, "the correction is SUBTRACTED: o_j = h . e_j - log(S q_j)."),
    ]
    return check("sampled_softmax_loss", answer, _reference_sampled_loss, cases, mistakes)


def step_flops(answer: Callable[[int, int, int], int]) -> CheckResult:
    """Check ``step_flops(embedding_dim, hidden_dim, num_items) -> int``: forward FLOPs of one position of the
    course's tied model, without the softmax: ``2 * 4H(E + H) + 2HE + 2EN`` (a multiply-add counts 2)."""
    def reference(e, h, n):
        return 2 * 4 * h * (e + h) + 2 * h * e + 2 * e * n

    cases = [Case("E=2, H=3, N=5", (2, 3, 5)), Case("E=64, H=128, N=3707 (MovieLens-1M)", (64, 128, 3707)),
             Case("E=32, H=16, N=100,000", (32, 16, 100_000))]
    mistakes = [
        Mistake(lambda e, h, n: 4 * h * (e + h) + h * e + e * n,
                "count a multiply-add as 2 operations (one multiply, one add): every product term doubles."),
        Mistake(lambda e, h, n: 2 * h * (e + h) + 2 * h * e + 2 * e * n,
                "an LSTM has four gate blocks (input, forget, candidate, output), each with its own W and U: 4H rows."),
        Mistake(lambda e, h, n: 2 * 4 * h * (e + h) + 2 * h * n,
                "the tied model projects h to the embedding size (2HE) and scores against the E-dimensional "
                "item embeddings: 2EN, not 2HN."),
        Mistake(lambda e, h, n: 2 * 4 * h * e + 2 * h * e + 2 * e * n,
                "the gates read the previous state too: x W is E -> 4H, and h U is H -> 4H, so 4H(E + H)."),
    ]
    return check("step_flops", answer, reference, cases, mistakes)


# --- chapter 12: self-attention --------------------------------------------------------


def causal_mask(answer: Callable[[int], np.ndarray]) -> CheckResult:
    """Check ``causal_mask(seq_len) -> (T, T) bool``: position ``t`` may attend to ``s`` when ``s <= t``."""
    from lstmrec import attention

    cases = [Case("seq_len 4", (4,)), Case("seq_len 1", (1,)), Case("seq_len 7", (7,))]
    mistakes = [
        Mistake(lambda t: np.triu(np.ones((t, t), bool)),
                "that is the transpose: row t is the position asking, column s the one it reads. Row t must see "
                "columns 0..t (the past and itself), never t + 1.. (the future it is asked to predict)."),
        Mistake(lambda t: np.tril(np.ones((t, t), bool), -1),
                "a position may read its own item (s = t): it is the most recent item, the one the next item "
                "depends on most. Only s > t is hidden (np.tril keeps the diagonal with k=0)."),
        Mistake(lambda t: np.ones((t, t), bool),
                "with nothing hidden, position t reads item t + 1, the very target it is trained to predict: "
                "training looks perfect and the model learns to copy, not to predict."),
        Mistake(lambda t: ~np.tril(np.ones((t, t), bool)),
                "True must mean 'may attend' (Keras's convention for attention_mask): this is the opposite."),
    ]
    return check("causal_mask", lambda t: np.asarray(answer(t)).astype(bool), attention.causal_mask, cases, mistakes)


def attention_block_params(answer: Callable[[int, int, int], int]) -> CheckResult:
    """Check ``attention_block_params(model_dim, num_heads, ffn_dim) -> int``: the weights of one SASRec block
    (``attention.block_param_count``: attention ``4(d^2 + d)``, FFN ``2df + f + d``, two layer norms ``4d``)."""
    from lstmrec import attention

    cases = [Case("d=64, 1 head, f=64 (the course's block)", (64, 1, 64)), Case("d=8, 2 heads, f=32", (8, 2, 32)),
             Case("d=48, 4 heads, f=96", (48, 4, 96))]
    mistakes = [
        Mistake(lambda d, h, f: h * 4 * (d * d + d) + (2 * d * f + f + d) + 4 * d,
                "heads split the model width (each has d / num_heads dimensions): they do not multiply the weights."),
        Mistake(lambda d, h, f: 4 * d * d + 2 * d * f + 4 * d,
                "every Dense projection has a bias: d each for W_q, W_k, W_v and W_o, f and d in the FFN."),
        Mistake(lambda d, h, f: 3 * (d * d + d) + (2 * d * f + f + d) + 4 * d,
                "there are four projections, not three: the heads' outputs are mixed by W_o (d x d) as well."),
        Mistake(lambda d, h, f: 4 * (d * d + d) + (2 * d * f + f + d),
                "each layer norm has a scale and a shift of width d: two norms add 4d."),
        Mistake(lambda d, h, f: 4 * (d * d + d) + 4 * d,
                "the feed-forward network (d -> f -> d, two Dense layers) is part of the block."),
    ]
    return check("attention_block_params", answer, attention.block_param_count, cases, mistakes)
