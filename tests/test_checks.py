"""Unit tests for ``lstmrec.checks``: the exercise checks and the generic ``check``.

For each exercise the library's reference must pass, a stub must read as "not
attempted", and each usual mistake, written the way a learner would write it,
must be rejected with the hint that names that mistake (not another one).
Strict mode (``LSTMREC_STRICT=1``) turns "not attempted" and "wrong" into
exceptions. Checks return a truthy/falsy result, so results are compared with
``bool(...)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import cells, checks, evaluation


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    """Every test starts outside strict mode; strict tests switch it on themselves."""
    monkeypatch.delenv("LSTMREC_STRICT", raising=False)


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv("LSTMREC_STRICT", "1")


# --- learners' answers -------------------------------------------------------------------


def correct_target_rank(scores, target, seen):
    """How a learner would write it: loop over the candidates."""
    return sum(1 for j in range(1, len(scores))
               if j != target and j not in seen and scores[j] >= scores[target])


def stub(*args, **kwargs):
    raise NotImplementedError


EXERCISES = {
    "hr_at_k": (checks.hr_at_k, evaluation.hr_at_k),
    "ndcg_at_k": (checks.ndcg_at_k, evaluation.ndcg_at_k),
    "target_rank": (checks.target_rank, checks._reference_rank),
}

MISTAKES = [
    # (exercise, wrong answer, a phrase of the hint that must be printed)
    ("hr_at_k", lambda r, k: float(np.mean(np.asarray(r) <= k)), "use rank < k, not rank <= k"),
    ("hr_at_k", lambda r, k: float(np.mean(np.asarray(r) + 1 < k)), "do not add 1 before comparing with k"),
    ("hr_at_k", lambda r, k: float(np.sum(np.asarray(r) < k)), "not the count of hits"),
    ("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log(x + 2) if x < k else 0 for x in r])),
     "log base 2: 1 / log2(rank + 2), not the natural log"),
    ("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log2(x + 1) if x < k else 0 for x in r])),
     "the first place (rank 0) gets 1 / log2(0 + 2) = 1"),
    ("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log2(x + 2) for x in r])), "apply the cut-off"),
    ("ndcg_at_k", lambda r, k: float(np.mean([1 / np.log2(x + 2) if x <= k else 0 for x in r])),
     "only ranks 0..k-1 are in the top k: use rank < k"),
    ("target_rank", lambda s, t, seen: correct_target_rank(s, t, seen) + 1,
     "ranks are 0-based: the best candidate has rank 0"),
    ("target_rank", lambda s, t, seen: correct_target_rank(s, t, []),
     "items in `seen` are not candidates"),
    ("target_rank", lambda s, t, seen: sum(1 for j in range(1, len(s)) if j != t and j not in seen and s[j] > s[t]),
     "counts as ranked above it (use >=)"),
    ("target_rank", lambda s, t, seen: sum(1 for j in range(len(s)) if j != t and j not in seen and s[j] >= s[t]),
     "item 0 is padding, not a real item"),
]
MISTAKE_IDS = ["hr-rank<=k", "hr-1-based", "hr-count", "ndcg-natural-log", "ndcg-log2(rank+1)", "ndcg-no-cutoff",
               "ndcg-rank<=k", "rank-1-based", "rank-seen-not-masked", "rank-ties-for-model", "rank-padding-counted"]
ALL_HINTS = [hint for _, _, hint in MISTAKES]


# --- the reference passes ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_passes(name, capsys):
    check, reference = EXERCISES[name]
    assert bool(check(reference)) is True
    out = capsys.readouterr().out
    assert out.startswith(f"[ok] {name}: correct on ")


def test_a_learners_correct_target_rank_passes(capsys):
    assert bool(checks.target_rank(correct_target_rank)) is True
    assert capsys.readouterr().out.startswith("[ok] target_rank: correct on ")


@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_passes_in_strict_mode(name, strict, capsys):
    check, reference = EXERCISES[name]
    assert bool(check(reference)) is True
    assert "[ok]" in capsys.readouterr().out


# --- a stub is "not attempted" ----------------------------------------------------------


@pytest.mark.parametrize("name", list(EXERCISES))
def test_stub_is_not_attempted(name, capsys):
    check, _ = EXERCISES[name]
    assert bool(check(stub)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[ ] {name}: not attempted yet")
    assert "NotImplementedError" in out


@pytest.mark.parametrize("name", list(EXERCISES))
def test_stub_raises_in_strict_mode(name, strict):
    check, _ = EXERCISES[name]
    with pytest.raises(checks.ExerciseNotAttempted, match=rf"\[ \] {name}: not attempted yet"):
        check(stub)


def test_strict_is_exactly_one(monkeypatch):
    for value, expected in [("1", True), ("0", False), ("true", False), ("", False)]:
        monkeypatch.setenv("LSTMREC_STRICT", value)
        assert checks.strict() is expected


# --- each usual mistake is caught, with its own hint --------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 1 / log2(0 + 1) = 1 / 0
@pytest.mark.parametrize("name, answer, hint", MISTAKES, ids=MISTAKE_IDS)
def test_mistake_gets_its_hint(name, answer, hint, capsys):
    check, _ = EXERCISES[name]
    assert bool(check(answer)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[x] {name}: wrong on case ")
    assert "expected" in out and "got" in out
    assert "Hint: " in out and hint in out
    for other in ALL_HINTS:
        if other != hint:
            assert other not in out, f"a second, wrong hint: {other!r}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, answer, hint", MISTAKES, ids=MISTAKE_IDS)
def test_mistake_raises_in_strict_mode(name, answer, hint, strict):
    check, _ = EXERCISES[name]
    with pytest.raises(checks.CheckFailed) as info:
        check(answer)
    assert str(info.value).startswith(f"[x] {name}: wrong on case ")
    assert hint in str(info.value)


def test_unknown_mistake_has_no_hint(capsys):
    assert bool(checks.hr_at_k(lambda r, k: 0.25)) is False  # (0.5 = 3/6 would be the 1-based mistake)
    out = capsys.readouterr().out
    # first case: ranks [0, 3, 9, 10, 1, 25], k=10 -> 4 of 6 below 10 = 0.666667
    assert out.strip() == ("[x] hr_at_k: wrong on case 'ranks [0, 3, 9, 10, 1, 25], k=10': "
                           "expected 0.666667, got 0.25.")


# --- crashes and non-functions ---------------------------------------------------------------


def crashes(*args, **kwargs):
    raise ValueError("boom")


@pytest.mark.parametrize("name", list(EXERCISES))
def test_other_exception_is_reported_not_raised(name, capsys):
    check, _ = EXERCISES[name]
    assert bool(check(crashes)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[x] {name}: raised ValueError: boom on case ")


def test_other_exception_in_strict_mode(strict):
    with pytest.raises(checks.CheckFailed, match=r"raised ZeroDivisionError: .* on case"):
        checks.hr_at_k(lambda r, k: 1 / 0)


@pytest.mark.parametrize("answer", [None, 0.5, "hr_at_k"], ids=["None", "a-number", "a-string"])
def test_not_a_function(answer, capsys):
    assert bool(checks.hr_at_k(answer)) is False
    assert capsys.readouterr().out.strip() == f"[x] hr_at_k: expected a function, got {type(answer).__name__}"


def test_not_a_function_in_strict_mode(strict):
    with pytest.raises(checks.CheckFailed, match="expected a function, got int"):
        checks.ndcg_at_k(3)


# --- the generic check ---------------------------------------------------------------------


CASES = [checks.Case("x=3", (3,)), checks.Case("x=-1.5 as keyword", kwargs={"x": -1.5})]


def reference_square(x):
    return x * x


def test_check_custom_reference_passes(capsys):
    assert bool(checks.check("square", lambda x: x ** 2, reference_square, CASES)) is True
    assert capsys.readouterr().out == "[ok] square: correct on 2 cases.\n"


def test_check_custom_reference_reports_the_failing_case(capsys):
    mistakes = [
        checks.Mistake(lambda x: 1 / 0, "never shown: this mistake crashes and is skipped"),
        checks.Mistake(lambda x: 2 * x, "you doubled x instead of squaring it."),
    ]
    # 2 * 3 = 6 != 9 on the first case
    assert bool(checks.check("square", lambda x: 2 * x, reference_square, CASES, mistakes)) is False
    out = capsys.readouterr().out
    assert out.strip() == ("[x] square: wrong on case 'x=3': expected 9, got 6. "
                           "Hint: you doubled x instead of squaring it.")


def test_check_keyword_case_is_passed_as_keyword(capsys):
    def answer(x):
        return abs(x) * x if x < 0 else x * x  # wrong only for negative x: -2.25 instead of 2.25
    assert bool(checks.check("square", answer, reference_square, CASES)) is False
    assert "wrong on case 'x=-1.5 as keyword': expected 2.25, got -2.25." in capsys.readouterr().out


@pytest.mark.parametrize("offset, atol, passes", [
    (1e-7, 1e-6, True),  # within the default tolerance
    (1e-3, 1e-6, False),
    (1e-3, 1e-2, True),  # a looser tolerance
])
def test_check_tolerance(offset, atol, passes, capsys):
    assert bool(checks.check("square", lambda x: x * x + offset, reference_square, CASES, atol=atol)) is passes


def test_check_arrays_and_shapes(capsys):
    cases = [checks.Case("three values", (np.array([1.0, 2.0, 3.0]),))]
    assert bool(checks.check("cumsum", np.cumsum, np.cumsum, cases)) is True
    assert bool(checks.check("cumsum", lambda a: np.cumsum(a)[None, :], np.cumsum, cases)) is False  # (1, 3) != (3,)
    assert "expected [1.0, 3.0, 6.0], got [[1.0, 3.0, 6.0]]" in capsys.readouterr().out


def test_check_non_numeric_values(capsys):
    cases = [checks.Case("greeting", ("ada",))]
    assert bool(checks.check("hello", lambda n: f"hello {n}", lambda n: f"hello {n}", cases)) is True
    assert bool(checks.check("hello", lambda n: f"hi {n}", lambda n: f"hello {n}", cases)) is False
    assert "expected 'hello ada', got 'hi ada'" in capsys.readouterr().out


def test_check_nan_equals_nan():
    cases = [checks.Case("no users", (np.array([], dtype=np.int64), 10))]
    assert bool(checks.check("hr", lambda r, k: float("nan"), evaluation.hr_at_k, cases)) is True


def test_check_stops_at_the_first_wrong_case(capsys):
    calls = []

    def answer(x):
        calls.append(x)
        return 0

    checks.check("square", answer, reference_square, CASES)
    assert calls == [3]  # the keyword case was never run


# --- chapter 03: recurrent cells -----------------------------------------------------------
#
# The learners' answers below are written the way a learner would (gates one by one, weights
# sliced by hand), independently of lstmrec.cells and of the mistakes coded in checks.py.


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


CELL_EXERCISES = {
    "gru_step": (checks.gru_step, checks._reference_gru_step),
    "peephole_lstm_step": (checks.peephole_lstm_step, checks._reference_peephole_step),
    "lstm_param_count": (checks.lstm_param_count, cells.lstm_param_count),
}

CELL_LEARNERS = {
    "gru_step": learner_gru_step,
    "peephole_lstm_step": learner_peephole_step,
    "lstm_param_count": learner_lstm_param_count,
}

CELL_MISTAKES = [
    # (exercise, wrong answer, a phrase of the hint that must be printed)
    ("gru_step", lambda *a: learner_gru_step(*a, mix="paper"), "the update gate z keeps the OLD state"),
    ("gru_step", lambda *a: learner_gru_step(*a, reset="before"), "applies the reset gate AFTER the recurrent product"),
    ("gru_step", lambda *a: learner_gru_step(*a, order="rzh"), "gate order in the columns"),
    ("gru_step", lambda *a: learner_gru_step(*a, recurrent_bias=False), "bias[1] (the recurrent bias b')"),
    ("peephole_lstm_step", lambda *a: learner_peephole_step(*a, output_peeks="old"),
     "the output gate is computed after the new cell state"),
    ("peephole_lstm_step", lambda *a: learner_peephole_step(*a, use_peepholes=False), "this is the plain LSTM"),
    ("peephole_lstm_step", lambda *a: learner_peephole_step(*a, input_forget_peek="new"),
     "the input and forget gates peek at the OLD cell state c_prev"),
    ("lstm_param_count", lambda e, h: 4 * h * (e + h), "each gate also has a bias"),
    ("lstm_param_count", lambda e, h: h * (e + h) + h, "multiply by 4"),
    ("lstm_param_count", lambda e, h: 4 * (h * e + h), "the gates also read the previous hidden state"),
    ("lstm_param_count", lambda e, h: 4 * (h * (e + h) + 1), "one number per unit, not per gate"),
    ("lstm_param_count", lambda e, h: learner_lstm_param_count(h, e), "embedding_dim and hidden_dim are swapped"),
]
CELL_MISTAKE_IDS = ["gru-paper-mix", "gru-reset-before", "gru-order-rzh", "gru-no-recurrent-bias",
                    "peephole-output-peeks-old", "peephole-none", "peephole-input-forget-peek-new",
                    "params-no-bias", "params-no-4", "params-input-only", "params-bias-per-gate", "params-swapped"]
CELL_HINTS = [hint for _, _, hint in CELL_MISTAKES]


@pytest.mark.parametrize("name", list(CELL_EXERCISES))
def test_cell_reference_passes(name, capsys):
    check, reference = CELL_EXERCISES[name]
    assert bool(check(reference)) is True
    assert capsys.readouterr().out.startswith(f"[ok] {name}: correct on ")


@pytest.mark.parametrize("name", list(CELL_EXERCISES))
def test_cell_learners_correct_answer_passes(name, strict, capsys):
    check, _ = CELL_EXERCISES[name]
    assert bool(check(CELL_LEARNERS[name])) is True
    assert capsys.readouterr().out.startswith(f"[ok] {name}: correct on ")


@pytest.mark.parametrize("name", list(CELL_EXERCISES))
def test_cell_stub_is_not_attempted(name, capsys):
    check, _ = CELL_EXERCISES[name]
    assert bool(check(stub)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[ ] {name}: not attempted yet")
    assert "NotImplementedError" in out


@pytest.mark.parametrize("name", list(CELL_EXERCISES))
def test_cell_stub_raises_in_strict_mode(name, strict):
    check, _ = CELL_EXERCISES[name]
    with pytest.raises(checks.ExerciseNotAttempted, match=rf"\[ \] {name}: not attempted yet"):
        check(stub)


@pytest.mark.parametrize("name, answer, hint", CELL_MISTAKES, ids=CELL_MISTAKE_IDS)
def test_cell_mistake_gets_its_hint(name, answer, hint, capsys):
    check, _ = CELL_EXERCISES[name]
    assert bool(check(answer)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[x] {name}: wrong on case ")
    assert "expected" in out and "got" in out
    assert "Hint: " in out and hint in out
    for other in CELL_HINTS + ALL_HINTS:
        if other != hint:
            assert other not in out, f"a second, wrong hint: {other!r}"


@pytest.mark.parametrize("name, answer, hint", CELL_MISTAKES, ids=CELL_MISTAKE_IDS)
def test_cell_mistake_raises_in_strict_mode(name, answer, hint, strict):
    check, _ = CELL_EXERCISES[name]
    with pytest.raises(checks.CheckFailed) as info:
        check(answer)
    assert str(info.value).startswith(f"[x] {name}: wrong on case ")
    assert hint in str(info.value)


@pytest.mark.parametrize("name, answer, hint", CELL_MISTAKES, ids=CELL_MISTAKE_IDS)
def test_cell_mistake_is_caught_by_the_first_case(name, answer, hint, capsys):
    """The first case tells every mistake apart, so the hint comes on the first (smallest) case."""
    check, _ = CELL_EXERCISES[name]
    check(answer)
    out = capsys.readouterr().out
    first = {"gru_step": "batch 1, embedding_dim 3, hidden_dim 2", "peephole_lstm_step":
             "batch 1, embedding_dim 3, hidden_dim 2", "lstm_param_count": "embedding_dim 6, hidden_dim 50"}[name]
    assert f"wrong on case '{first}" in out


def test_gru_step_returning_the_gates_too_is_wrong_not_a_crash(capsys):
    # the library's cells.gru_step returns (h_t, gates); the exercise asks for h_t alone
    assert bool(checks.gru_step(cells.gru_step)) is False
    out = capsys.readouterr().out
    assert out.startswith("[x] gru_step: wrong on case ") and "'update'" in out


def test_peephole_answer_without_c_t_is_wrong(capsys):
    assert bool(checks.peephole_lstm_step(lambda *a: learner_peephole_step(*a)[0])) is False  # h_t only
    out = capsys.readouterr().out
    assert out.startswith("[x] peephole_lstm_step: wrong on case ")
    assert "expected ([[" in out  # the expected (h_t, c_t), each shown rounded


def test_lstm_param_count_float_answer_passes(capsys):
    assert bool(checks.lstm_param_count(lambda e, h: float(learner_lstm_param_count(e, h)))) is True


# --- comparing several outputs (tuples) ---------------------------------------------------------


def test_same_compares_tuples_element_by_element():
    h, c = np.ones((2, 3)), np.zeros((1, 3))  # different shapes: not one array
    assert checks._same((h, c), (h, c), 1e-6)
    assert checks._same([h, c], (h, c), 1e-6)  # a list of outputs is fine too
    assert not checks._same((h, c + 0.1), (h, c), 1e-6)
    assert not checks._same((h,), (h, c), 1e-6)
    assert not checks._same((c, h), (h, c), 1e-6)
    assert not checks._same(h, (h, c), 1e-6)


@pytest.mark.parametrize("got", [(np.ones((1, 2)), {"a": 1}), {"a": 1}, None, "h"],
                         ids=["tuple-with-dict", "dict", "None", "str"])
def test_same_is_false_not_a_crash_for_odd_answers(got):
    assert checks._same(got, np.ones((1, 2)), 1e-6) is False


def test_show_rounds_float_arrays_and_shows_tuples():
    assert checks._show(np.array([1 / 3, 2.0])) == "[0.333333, 2.0]"
    assert checks._show((np.array([[1 / 3]]), np.array([[1.0]]))) == "([[0.333333]], [[1.0]])"
    assert checks._show(np.array([1, 2])) == "[1, 2]"  # integers stay as they are
