"""Unit tests for ``lstmrec.course.checks``: the exercise checks and the generic ``check``.

For each exercise the library's reference must pass, a stub must read as "not
attempted", and each usual mistake, written the way a learner would write it,
must be rejected with the hint that names that mistake (not another one).
Strict mode (``LSTMREC_STRICT=1``) turns "not attempted" and "wrong" into
exceptions. Checks return a truthy/falsy result, so results are compared with
``bool(...)``.
"""

from __future__ import annotations

import collections
import math

import keras
import numpy as np
import pandas as pd
import pytest

from lstmrec import course, evaluation, foundations


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
    "hr_at_k": (course.checks.ch00.hr_at_k, evaluation.metrics.hr_at_k),
    "ndcg_at_k": (course.checks.ch07.ndcg_at_k, evaluation.metrics.ndcg_at_k),
    "target_rank": (course.checks.ch00.target_rank, course.checks.ch00._reference_rank),
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
    assert bool(course.checks.ch00.target_rank(correct_target_rank)) is True
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
    with pytest.raises(course.checks.core.ExerciseNotAttempted, match=rf"\[ \] {name}: not attempted yet"):
        check(stub)


def test_strict_is_exactly_one(monkeypatch):
    for value, expected in [("1", True), ("0", False), ("true", False), ("", False)]:
        monkeypatch.setenv("LSTMREC_STRICT", value)
        assert course.checks.core.strict() is expected


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
    with pytest.raises(course.checks.core.CheckFailed) as info:
        check(answer)
    assert str(info.value).startswith(f"[x] {name}: wrong on case ")
    assert hint in str(info.value)


def test_unknown_mistake_has_no_hint(capsys):
    assert bool(course.checks.ch00.hr_at_k(lambda r, k: 0.25)) is False  # (0.5 = 3/6 would be the 1-based mistake)
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
    with pytest.raises(course.checks.core.CheckFailed, match=r"raised ZeroDivisionError: .* on case"):
        course.checks.ch00.hr_at_k(lambda r, k: 1 / 0)


@pytest.mark.parametrize("answer", [None, 0.5, "hr_at_k"], ids=["None", "a-number", "a-string"])
def test_not_a_function(answer, capsys):
    assert bool(course.checks.ch00.hr_at_k(answer)) is False
    assert capsys.readouterr().out.strip() == f"[x] hr_at_k: expected a function, got {type(answer).__name__}"


def test_not_a_function_in_strict_mode(strict):
    with pytest.raises(course.checks.core.CheckFailed, match="expected a function, got int"):
        course.checks.ch07.ndcg_at_k(3)


# --- the generic check ---------------------------------------------------------------------


CASES = [course.checks.core.Case("x=3", (3,)), course.checks.core.Case("x=-1.5 as keyword", kwargs={"x": -1.5})]


def reference_square(x):
    return x * x


def test_check_custom_reference_passes(capsys):
    assert bool(course.checks.core.check("square", lambda x: x ** 2, reference_square, CASES)) is True
    assert capsys.readouterr().out == "[ok] square: correct on 2 cases.\n"


def test_check_custom_reference_reports_the_failing_case(capsys):
    mistakes = [
        course.checks.core.Mistake(lambda x: 1 / 0, "never shown: this mistake crashes and is skipped"),
        course.checks.core.Mistake(lambda x: 2 * x, "you doubled x instead of squaring it."),
    ]
    # 2 * 3 = 6 != 9 on the first case
    assert bool(course.checks.core.check("square", lambda x: 2 * x, reference_square, CASES, mistakes)) is False
    out = capsys.readouterr().out
    assert out.strip() == ("[x] square: wrong on case 'x=3': expected 9, got 6. "
                           "Hint: you doubled x instead of squaring it.")


def test_check_keyword_case_is_passed_as_keyword(capsys):
    def answer(x):
        return abs(x) * x if x < 0 else x * x  # wrong only for negative x: -2.25 instead of 2.25
    assert bool(course.checks.core.check("square", answer, reference_square, CASES)) is False
    assert "wrong on case 'x=-1.5 as keyword': expected 2.25, got -2.25." in capsys.readouterr().out


@pytest.mark.parametrize("offset, atol, passes", [
    (1e-7, 1e-6, True),  # within the default tolerance
    (1e-3, 1e-6, False),
    (1e-3, 1e-2, True),  # a looser tolerance
])
def test_check_tolerance(offset, atol, passes, capsys):
    assert bool(course.checks.core.check("square", lambda x: x * x + offset, reference_square, CASES, atol=atol)) is passes


def test_check_arrays_and_shapes(capsys):
    cases = [course.checks.core.Case("three values", (np.array([1.0, 2.0, 3.0]),))]
    assert bool(course.checks.core.check("cumsum", np.cumsum, np.cumsum, cases)) is True
    assert bool(course.checks.core.check("cumsum", lambda a: np.cumsum(a)[None, :], np.cumsum, cases)) is False  # (1, 3) != (3,)
    assert "expected [1.0, 3.0, 6.0], got [[1.0, 3.0, 6.0]]" in capsys.readouterr().out


def test_check_non_numeric_values(capsys):
    cases = [course.checks.core.Case("greeting", ("ada",))]
    assert bool(course.checks.core.check("hello", lambda n: f"hello {n}", lambda n: f"hello {n}", cases)) is True
    assert bool(course.checks.core.check("hello", lambda n: f"hi {n}", lambda n: f"hello {n}", cases)) is False
    assert "expected 'hello ada', got 'hi ada'" in capsys.readouterr().out


def test_check_nan_equals_nan():
    cases = [course.checks.core.Case("no users", (np.array([], dtype=np.int64), 10))]
    assert bool(course.checks.core.check("hr", lambda r, k: float("nan"), evaluation.metrics.hr_at_k, cases)) is True


def test_check_stops_at_the_first_wrong_case(capsys):
    calls = []

    def answer(x):
        calls.append(x)
        return 0

    course.checks.core.check("square", answer, reference_square, CASES)
    assert calls == [3]  # the keyword case was never run


# --- chapter 03: recurrent cells -----------------------------------------------------------
#
# The learners' answers below are written the way a learner would (gates one by one, weights
# sliced by hand), independently of lstmrec.foundations.numpy_rnn and of the mistakes coded in checks.py.


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
    "gru_step": (course.checks.ch03.gru_step, course.checks.ch03._reference_gru_step),
    "peephole_lstm_step": (course.checks.ch03.peephole_lstm_step, course.checks.ch03._reference_peephole_step),
    "lstm_param_count": (course.checks.ch03.lstm_param_count, foundations.numpy_rnn.lstm_param_count),
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
    with pytest.raises(course.checks.core.ExerciseNotAttempted, match=rf"\[ \] {name}: not attempted yet"):
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
    with pytest.raises(course.checks.core.CheckFailed) as info:
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
    # the library's foundations.numpy_rnn.gru_step returns (h_t, gates); the exercise asks for h_t alone
    assert bool(course.checks.ch03.gru_step(foundations.numpy_rnn.gru_step)) is False
    out = capsys.readouterr().out
    assert out.startswith("[x] gru_step: wrong on case ") and "'update'" in out


def test_peephole_answer_without_c_t_is_wrong(capsys):
    assert bool(course.checks.ch03.peephole_lstm_step(lambda *a: learner_peephole_step(*a)[0])) is False  # h_t only
    out = capsys.readouterr().out
    assert out.startswith("[x] peephole_lstm_step: wrong on case ")
    assert "expected ([[" in out  # the expected (h_t, c_t), each shown rounded


def test_lstm_param_count_float_answer_passes(capsys):
    assert bool(course.checks.ch03.lstm_param_count(lambda e, h: float(learner_lstm_param_count(e, h)))) is True


# --- comparing several outputs (tuples) ---------------------------------------------------------


def test_same_compares_tuples_element_by_element():
    h, c = np.ones((2, 3)), np.zeros((1, 3))  # different shapes: not one array
    assert course.checks.core.same((h, c), (h, c), 1e-6)
    assert course.checks.core.same([h, c], (h, c), 1e-6)  # a list of outputs is fine too
    assert not course.checks.core.same((h, c + 0.1), (h, c), 1e-6)
    assert not course.checks.core.same((h,), (h, c), 1e-6)
    assert not course.checks.core.same((c, h), (h, c), 1e-6)
    assert not course.checks.core.same(h, (h, c), 1e-6)


@pytest.mark.parametrize("got", [(np.ones((1, 2)), {"a": 1}), {"a": 1}, None, "h"],
                         ids=["tuple-with-dict", "dict", "None", "str"])
def test_same_is_false_not_a_crash_for_odd_answers(got):
    assert course.checks.core.same(got, np.ones((1, 2)), 1e-6) is False


def test_show_rounds_float_arrays_and_shows_tuples():
    assert course.checks.core.show(np.array([1 / 3, 2.0])) == "[0.333333, 2.0]"
    assert course.checks.core.show((np.array([[1 / 3]]), np.array([[1.0]]))) == "([[0.333333]], [[1.0]])"
    assert course.checks.core.show(np.array([1, 2])) == "[1, 2]"  # integers stay as they are


# --- chapters 01, 02 and 04: data, long range, clipping, first Keras models -----------------------
#
# Again the learners' answers are written the way a learner would (loops, Counter, slicing with the
# length spelled out), independently of the references and of the mistakes coded in checks.py.


def learner_interactions_per_user(df):
    """Count rows per user with a Counter; a dict in increasing user id."""
    counts = collections.Counter(df["user_id"].tolist())
    return {user: counts[user] for user in sorted(counts)}


def learner_popular_unseen(counts, seen, k):
    """Every real item the user has not seen, most popular first, ties to the lower id."""
    candidates = [i for i in range(1, len(counts)) if i not in seen]
    return sorted(candidates, key=lambda i: (-counts[i], i))[:k]


def learner_long_range_target(history, lag):
    return np.array([row[len(row) - lag] for row in history])


def learner_clip_by_global_norm(grads, max_norm):
    total = 0.0
    for g in grads:
        total += float(np.sum(np.square(g)))
    norm = math.sqrt(total)
    if norm <= max_norm:
        return [np.asarray(g, dtype=float) for g in grads]
    return [np.asarray(g, dtype=float) * (max_norm / norm) for g in grads]


def learner_activity_windows(active, window):
    active = np.asarray(active)
    last = active.shape[1] - 1  # the period to predict
    return active[:, last - window:last], active[:, last]


def learner_early_stopping():
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)


def learner_gru_model(window):
    return keras.Sequential([
        keras.Input(shape=(window, 1)),
        keras.layers.GRU(50),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def learner_gru_model_functional(window):
    inputs = keras.Input(shape=(window, 1))
    hidden = keras.layers.GRU(50)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))


def learner_rnn_model(layer, window, activation="sigmoid"):
    return keras.Sequential([keras.Input(shape=(window, 1)), layer(50), keras.layers.Dense(1, activation=activation)])


NEW_EXERCISES = {
    # name: (check, a learner's correct answer, number of cases)
    "interactions_per_user": (course.checks.ch01.interactions_per_user, learner_interactions_per_user, 2),
    "popular_unseen": (course.checks.ch01.popular_unseen, learner_popular_unseen, 3),
    "long_range_target": (course.checks.ch02.long_range_target, learner_long_range_target, 4),
    "clip_by_global_norm": (course.checks.ch02.clip_by_global_norm, learner_clip_by_global_norm, 3),
    "activity_windows": (course.checks.ch04.activity_windows, learner_activity_windows, 3),
    "early_stopping": (course.checks.ch04.early_stopping, learner_early_stopping, 1),
    "gru_model": (course.checks.ch04.gru_model, learner_gru_model, 2),
}


def _unseen_candidates(counts, seen, with_padding=False):
    return [i for i in range(0 if with_padding else 1, len(counts)) if i not in seen]


NEW_MISTAKES = [
    # (exercise, wrong answer, a phrase of the hint that must be printed)
    ("interactions_per_user", lambda df: df["user_id"].value_counts(), "add .sort_index()"),
    ("interactions_per_user", lambda df: df["item_id"].value_counts().sort_index(),
     "that counts interactions per movie"),
    ("interactions_per_user", lambda df: df.drop_duplicates(["user_id", "item_id"]).groupby("user_id").size(),
     "not the distinct movies"),
    ("popular_unseen", lambda c, seen, k: sorted(range(1, len(c)), key=lambda i: (-c[i], i))[:k],
     "leave out the items in `seen`"),
    ("popular_unseen", lambda c, seen, k: sorted(_unseen_candidates(c, seen, True), key=lambda i: (-c[i], i))[:k],
     "item 0 is padding, not a movie"),
    ("popular_unseen", lambda c, seen, k: sorted(_unseen_candidates(c, seen), key=lambda i: (c[i], i),
                                                 reverse=True)[:k],
     "puts tied items in DEcreasing id order"),
    ("popular_unseen", lambda c, seen, k: sorted(c, reverse=True)[:k], "return the item ids (positions)"),
    ("long_range_target", lambda h, lag: np.array([row[len(row) - lag - 1] for row in h]),
     "the index is seq_len - lag, not seq_len - lag - 1"),
    ("long_range_target", lambda h, lag: np.asarray(h)[:, lag], "count the lag back from the end"),
    ("long_range_target", lambda h, lag: np.asarray(h)[:, lag - 1], "count the lag back from the end"),
    ("long_range_target", lambda h, lag: np.asarray(h)[:, -1], "not always the last one"),
    ("clip_by_global_norm", lambda gs, c: [g * min(1.0, c / np.linalg.norm(g)) for g in gs],
     "clip by the GLOBAL norm"),
    ("clip_by_global_norm", lambda gs, c: [g * c / math.sqrt(sum(np.sum(x ** 2) for x in gs)) for g in gs],
     "only scale down when the global norm is larger than max_norm"),
    ("clip_by_global_norm", lambda gs, c: [g * min(1.0, c / sum(np.sum(x ** 2) for x in gs)) for g in gs],
     "the square root of the sum of squares"),
    ("clip_by_global_norm", lambda gs, c: [np.clip(g, -c, c) for g in gs], "clipping each value to [-c, c]"),
    ("activity_windows", lambda a, w: (np.asarray(a)[:, a.shape[1] - w:], np.asarray(a)[:, -1]),
     "that leaks the answer"),
    ("activity_windows", lambda a, w: (np.asarray(a)[:, :w], np.asarray(a)[:, -1]), "not the first ones"),
    ("activity_windows", lambda a, w: learner_activity_windows(a, w)[:1] + (np.asarray(a)[:, w],),
     "the target is the last period"),
    ("early_stopping", lambda: keras.callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True),
     "monitor='loss' watches the TRAINING loss"),
    ("early_stopping", lambda: keras.callbacks.EarlyStopping(monitor="val_loss", patience=3),
     "without restore_best_weights=True"),
    ("early_stopping", lambda: keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True),
     "patience=0 stops at the first epoch"),  # patience left at its default, 0
    ("gru_model", lambda w: learner_rnn_model(keras.layers.LSTM, w), "that is still an LSTM"),
    ("gru_model", lambda w: learner_rnn_model(keras.layers.GRU, w, activation=None),
     "needs activation='sigmoid'"),
    ("gru_model", lambda w: learner_rnn_model(keras.layers.SimpleRNN, w), "that is a SimpleRNN"),
]
NEW_MISTAKE_IDS = ["per-user-value-counts", "per-user-by-item", "per-user-nunique",
                   "popular-seen-kept", "popular-padding", "popular-ties-to-higher-id", "popular-counts",
                   "lag-off-by-one", "lag-forward", "lag-forward-minus-1", "lag-always-last",
                   "clip-per-tensor", "clip-always-scale", "clip-squared-norm", "clip-elementwise",
                   "windows-leak", "windows-first", "windows-target", "stop-on-loss", "stop-no-restore",
                   "stop-patience-0", "gru-is-lstm", "gru-no-sigmoid", "gru-is-simple-rnn"]
NEW_HINTS = [hint for _, _, hint in NEW_MISTAKES]


@pytest.mark.parametrize("name", list(NEW_EXERCISES))
def test_new_learners_correct_answer_passes(name, capsys):
    check, answer, n_cases = NEW_EXERCISES[name]
    assert bool(check(answer)) is True
    assert capsys.readouterr().out == f"[ok] {name}: correct on {n_cases} case{'s' if n_cases != 1 else ''}.\n"


@pytest.mark.parametrize("name", list(NEW_EXERCISES))
def test_new_learners_correct_answer_passes_in_strict_mode(name, strict, capsys):
    check, answer, _ = NEW_EXERCISES[name]
    assert bool(check(answer)) is True
    assert capsys.readouterr().out.startswith(f"[ok] {name}: correct on ")


def test_one_case_is_singular(capsys):
    course.checks.ch04.early_stopping(learner_early_stopping)
    assert capsys.readouterr().out == "[ok] early_stopping: correct on 1 case.\n"


@pytest.mark.parametrize("name", list(NEW_EXERCISES))
def test_new_stub_is_not_attempted(name, capsys):
    check, _, _ = NEW_EXERCISES[name]
    assert bool(check(stub)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[ ] {name}: not attempted yet")
    assert "NotImplementedError" in out


@pytest.mark.parametrize("name", list(NEW_EXERCISES))
def test_new_stub_raises_in_strict_mode(name, strict):
    check, _, _ = NEW_EXERCISES[name]
    with pytest.raises(course.checks.core.ExerciseNotAttempted, match=rf"\[ \] {name}: not attempted yet"):
        check(stub)


def test_every_new_mistake_is_listed():
    """As many learner mistakes here as Mistake entries in each check (3, 4, 4, 4, 3, 3, 3)."""
    listed = collections.Counter(name for name, _, _ in NEW_MISTAKES)
    assert listed == {"interactions_per_user": 3, "popular_unseen": 4, "long_range_target": 4,
                      "clip_by_global_norm": 4, "activity_windows": 3, "early_stopping": 3, "gru_model": 3}


@pytest.mark.parametrize("name, answer, hint", NEW_MISTAKES, ids=NEW_MISTAKE_IDS)
def test_new_mistake_gets_its_hint(name, answer, hint, capsys):
    check, _, _ = NEW_EXERCISES[name]
    assert bool(check(answer)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[x] {name}: wrong on case ")
    assert "expected" in out and "got" in out
    assert "Hint: " in out and hint in out
    for other in NEW_HINTS + CELL_HINTS + ALL_HINTS:
        if other != hint:
            assert other not in out, f"a second, wrong hint: {other!r}"


@pytest.mark.parametrize("name, answer, hint", NEW_MISTAKES, ids=NEW_MISTAKE_IDS)
def test_new_mistake_raises_in_strict_mode(name, answer, hint, strict):
    check, _, _ = NEW_EXERCISES[name]
    with pytest.raises(course.checks.core.CheckFailed) as info:
        check(answer)
    assert str(info.value).startswith(f"[x] {name}: wrong on case ")
    assert hint in str(info.value)


# --- chapter 01: the learner's data answers in other shapes -----------------------------------------


@pytest.mark.parametrize("answer", [
    lambda df: df.groupby("user_id").size(),
    lambda df: df["user_id"].value_counts().sort_index(),
    lambda df: df.groupby("user_id")["item_id"].count(),
], ids=["groupby-size", "value-counts-sorted", "groupby-count"])
def test_interactions_per_user_pandas_answers_pass(answer, capsys):
    assert bool(course.checks.ch01.interactions_per_user(answer)) is True


def test_interactions_per_user_value_counts_message(capsys):
    course.checks.ch01.interactions_per_user(lambda df: df["user_id"].value_counts())
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
    assert course.checks.ch01._reference_popular_unseen(np.array(counts), seen, k).tolist() == expected


# --- chapter 02: the clipping reference against TensorFlow's ----------------------------------------


@pytest.mark.parametrize("shapes", [[(5,)], [(3,), (4, 2)], [(2, 3, 4), (1,), (6, 6)]],
                         ids=["one-vector", "vector-and-matrix", "three-tensors"])
@pytest.mark.parametrize("ratio", [0.05, 0.9, 1.0, 1.5, 10.0],
                         ids=["far-above", "just-above", "exactly-at", "below", "far-below"])
def test_reference_clip_matches_tensorflow(shapes, ratio):
    """max_norm = ratio * the global norm: a ratio below 1 clips, 1 and above leaves the gradients as they are."""
    import tensorflow as tf

    rng = np.random.default_rng(len(shapes))
    grads = [rng.normal(scale=3.0, size=s) for s in shapes]
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    max_norm = ratio * norm
    expected, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    assert float(tf_norm) == pytest.approx(norm, abs=1e-6)
    got = course.checks.ch02._reference_clip(grads, max_norm)
    assert len(got) == len(grads)
    for g, e, original in zip(got, expected, grads):
        assert g.shape == original.shape
        np.testing.assert_allclose(g, e.numpy(), atol=1e-6, rtol=0)
        if ratio >= 1.0:
            np.testing.assert_allclose(g, original, atol=1e-12, rtol=0)  # not clipped: unchanged
    clipped_norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in got))
    assert clipped_norm == pytest.approx(min(norm, max_norm), abs=1e-6)


def test_reference_clip_zero_gradient_is_unchanged():
    import tensorflow as tf

    grads = [np.zeros(3), np.zeros((2, 2))]
    expected, _ = tf.clip_by_global_norm([tf.constant(g) for g in grads], 1.0)
    for g, e in zip(course.checks.ch02._reference_clip(grads, 1.0), expected):
        np.testing.assert_array_equal(g, e.numpy())
        assert not np.isnan(g).any()


def test_clip_by_global_norm_tensorflow_answer_passes(capsys):
    import tensorflow as tf

    def answer(grads, max_norm):
        clipped, _ = tf.clip_by_global_norm([tf.constant(g, dtype=tf.float64) for g in grads], max_norm)
        return [c.numpy() for c in clipped]

    assert bool(course.checks.ch02.clip_by_global_norm(answer)) is True


# --- chapter 04: Keras answers in other shapes --------------------------------------------------------


def test_early_stopping_on_validation_auc_passes(capsys):
    def answer():
        return keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=5, restore_best_weights=True)

    assert bool(course.checks.ch04.early_stopping(answer)) is True
    assert capsys.readouterr().out == "[ok] early_stopping: correct on 1 case.\n"


def test_early_stopping_not_a_callback_is_wrong(capsys):
    assert bool(course.checks.ch04.early_stopping(lambda: "val_loss")) is False
    assert capsys.readouterr().out.startswith("[x] early_stopping: wrong on case 'your callback'")


def test_gru_model_functional_api_passes(capsys):
    assert bool(course.checks.ch04.gru_model(learner_gru_model_functional)) is True
    assert capsys.readouterr().out == "[ok] gru_model: correct on 2 cases.\n"


def test_gru_model_facts_by_hand():
    facts = course.checks.ch04._model_facts(learner_gru_model(6))
    # GRU(50) on 1 feature, reset_after: 3 * (1*50 + 50*50 + 2*50) = 3 * 2650 = 7950; Dense(1): 50 + 1 = 51
    assert facts == {"layers": "GRU-Dense", "recurrent units": 50, "output activation": "sigmoid",
                     "input shape": (6, 1), "parameters": 8001}


def test_gru_model_wrong_units_is_wrong_without_a_hint(capsys):
    assert bool(course.checks.ch04.gru_model(lambda w: learner_rnn_model(lambda u: keras.layers.GRU(32), w))) is False
    out = capsys.readouterr().out
    assert out.startswith("[x] gru_model: wrong on case 'window 6'") and "Hint" not in out


@pytest.mark.parametrize("num_items, e, h", [(1683, 64, 128), (10, 2, 3), (500, 32, 16)])
def test_recommender_param_count_reference_equals_keras(num_items, e, h):
    """The check's hand formula against the course's own tied model, as Keras counts it."""
    from lstmrec import models

    expected = models.recurrent.build(num_items, models.config.Config(embedding_dim=e, hidden_dim=h)).count_params()
    assert course.checks.ch06.recommender_param_count(lambda n, e_, h_: expected if (n, e_, h_) == (num_items, e, h)
                                          else n * e_ + 4 * (h_ * (e_ + h_) + h_) + (h_ * e_ + e_))


# --- chapter 05: tied endings ------------------------------------------------------------------------
#
# The learners' answers are written with pandas, the way a learner would, independently of the
# reference and the mistakes coded in checks.py (which work on NumPy arrays per user).


def learner_tied_last_share(interactions):
    last_two = interactions.groupby("user_id").tail(2).groupby("user_id")["timestamp"]
    has_two = last_two.size() == 2
    return float((last_two.nunique() == 1)[has_two].mean())


def learner_tied_last_share_loop(interactions):
    tied, users = 0, 0
    for _, rows in interactions.groupby("user_id", sort=False):
        times = rows["timestamp"].tolist()
        if len(times) >= 2:
            users += 1
            tied += times[-1] == times[-2]
    return tied / users


def learner_tied_last_share_in_place(interactions):
    """Correct, but overwrites its argument's columns: the check must not be disturbed."""
    share = learner_tied_last_share(interactions)
    interactions["timestamp"] = range(len(interactions))  # no ties left
    interactions["user_id"] = 0
    return share


def _any_tie_in_history(df):
    g = df.groupby("user_id")["timestamp"]
    return float(g.apply(lambda t: t.duplicated().any())[g.size() >= 2].mean())


def _tied_over_all_users(df):
    last_two = df.groupby("user_id").tail(2).groupby("user_id")["timestamp"]
    return float(((last_two.nunique() == 1) & (last_two.size() == 2)).sum() / df["user_id"].nunique())


def _last_against_first(df):
    g = df.groupby("user_id")["timestamp"]
    return float((g.last() == g.first())[g.size() >= 2].mean())


def _tied_count(df):
    last_two = df.groupby("user_id").tail(2).groupby("user_id")["timestamp"]
    return int(((last_two.nunique() == 1) & (last_two.size() == 2)).sum())


TIED_MISTAKES = [
    # (wrong answer, a phrase of the hint that must be printed)
    (_any_tie_in_history, "a tie earlier in a history does not decide"),
    (_tied_over_all_users, "a user with a single one has no last two"),
    (_last_against_first, "not with the user's first"),
    (_tied_count, "not the number of users"),
]
TIED_MISTAKE_IDS = ["any-tie-in-history", "all-users-in-denominator", "last-against-first", "count-not-share"]
TIED_HINTS = [hint for _, hint in TIED_MISTAKES]
TIED_CASES = len(course.checks.ch05._tied_last_frames())


@pytest.mark.parametrize("answer", [course.checks.ch05._reference_tied_last_share, learner_tied_last_share,
                                    learner_tied_last_share_loop, learner_tied_last_share_in_place],
                         ids=["reference", "learner-pandas", "learner-loop", "learner-in-place"])
def test_tied_last_share_correct_answers_pass(answer, capsys):
    assert bool(course.checks.ch05.tied_last_share(answer)) is True
    assert capsys.readouterr().out == f"[ok] tied_last_share: correct on {TIED_CASES} cases.\n"


def test_tied_last_share_passes_in_strict_mode(strict, capsys):
    assert bool(course.checks.ch05.tied_last_share(learner_tied_last_share)) is True
    assert capsys.readouterr().out.startswith("[ok] tied_last_share: correct on ")


def test_tied_last_share_reference_by_hand():
    # users' timestamps -> share among users with two or more whose last two are equal
    expected = [1 / 3,  # [10, 20, 20], [10, 20, 30], [5, 6, 7]
                1 / 2,  # [4, 4], [7] (no last two), [1, 2, 3]
                1 / 3,  # [1, 1, 1, 2], [3, 3, 5, 6, 6], [8, 9]
                1.0,    # [5, 5, 5], [6, 6]
                1 / 2]  # [2, 2], [1, 4, 4, 6], [7] (no last two)
    frames = course.checks.ch05._tied_last_frames()
    got = [course.checks.ch05._reference_tied_last_share(df) for _, df in frames[:len(expected)]]
    assert got == pytest.approx(expected, abs=1e-12)


def test_tied_last_share_reference_agrees_with_tie_report():
    from lstmrec import data

    for label, df in course.checks.ch05._tied_last_frames():
        report = data.ties.tie_report(df)["tied_last_two"]  # rounded to 4 decimals
        assert course.checks.ch05._reference_tied_last_share(df) == pytest.approx(report, abs=5e-5), label


def test_tied_last_share_stub_is_not_attempted(capsys):
    assert bool(course.checks.ch05.tied_last_share(stub)) is False
    out = capsys.readouterr().out
    assert out.startswith("[ ] tied_last_share: not attempted yet")
    assert "NotImplementedError" in out


def test_tied_last_share_stub_raises_in_strict_mode(strict):
    with pytest.raises(course.checks.core.ExerciseNotAttempted, match=r"\[ \] tied_last_share: not attempted yet"):
        course.checks.ch05.tied_last_share(stub)


@pytest.mark.parametrize("answer, hint", TIED_MISTAKES, ids=TIED_MISTAKE_IDS)
def test_tied_last_share_mistake_gets_its_hint(answer, hint, capsys):
    assert bool(course.checks.ch05.tied_last_share(answer)) is False
    out = capsys.readouterr().out
    assert out.startswith("[x] tied_last_share: wrong on case ")
    assert "expected" in out and "got" in out
    assert "Hint: " in out and hint in out
    for other in TIED_HINTS:
        if other != hint:
            assert other not in out, f"a second, wrong hint: {other!r}"


@pytest.mark.parametrize("answer, hint", TIED_MISTAKES, ids=TIED_MISTAKE_IDS)
def test_tied_last_share_mistake_raises_in_strict_mode(answer, hint, strict):
    with pytest.raises(course.checks.core.CheckFailed) as info:
        course.checks.ch05.tied_last_share(answer)
    assert str(info.value).startswith("[x] tied_last_share: wrong on case ")
    assert hint in str(info.value)


def test_tied_last_share_hint_survives_an_answer_that_changes_its_input(capsys):
    def count_then_overwrite(df):
        count = _tied_count(df)
        df["timestamp"] = range(len(df))  # the mistakes are then run on the check's own copy, not on this
        return count

    assert bool(course.checks.ch05.tied_last_share(count_then_overwrite)) is False
    assert "not the number of users" in capsys.readouterr().out


def test_tied_last_share_wrong_answer_without_a_hint(capsys):
    assert bool(course.checks.ch05.tied_last_share(lambda df: 0.5)) is False
    out = capsys.readouterr().out
    assert out.strip() == ("[x] tied_last_share: wrong on case 'three users, the first with its last two tied': "
                           "expected 0.333333, got 0.5.")


# --- chapter 08: length_groups and num_windows ---------------------------------------------------


def learner_length_groups(lengths, num_groups):
    """A learner's answer without pandas: rank the users, then cut the ranks into equal parts."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    groups = np.empty(len(order), dtype=int)
    groups[order] = np.arange(len(order)) * num_groups // len(order)
    return groups


def learner_num_windows(lengths, max_len):
    return sum(math.ceil((n - 1) / max_len) for n in lengths if n > 1)


@pytest.mark.parametrize("check, answer", [(course.checks.ch08.length_groups, learner_length_groups),
                                           (course.checks.ch08.num_windows, learner_num_windows)],
                         ids=["length_groups", "num_windows"])
def test_chapter_08_learner_answers_pass(check, answer, capsys, strict):
    assert bool(check(answer)) is True
    assert capsys.readouterr().out.startswith("[ok] ")


@pytest.mark.parametrize("check", [course.checks.ch08.length_groups, course.checks.ch08.num_windows], ids=["length_groups", "num_windows"])
def test_chapter_08_stubs(check, capsys):
    assert bool(check(stub)) is False
    assert "not attempted yet" in capsys.readouterr().out


def test_num_windows_by_hand(capsys):
    # lengths 1, 2, 3, 11 with max_len 5: pairs 0, 1, 2, 10 -> windows 0, 1, 1, 2 = 4;
    # lengths 50, 51, 101 with max_len 50: pairs 49, 50, 100 -> 1, 1, 2 = 4; one user of 7 items, max_len 1: 6
    assert not course.checks.ch08.num_windows(lambda lengths, m: 4)
    assert "wrong on case 'one user of 7 items, max_len 1': expected 6, got 4" in capsys.readouterr().out


@pytest.mark.parametrize("check, answer, hint", [
    (course.checks.ch08.length_groups, lambda lengths, n: pd.cut(np.asarray(lengths), n, labels=False), "equal WIDTH"),
    (course.checks.ch08.length_groups, lambda lengths, n: pd.qcut(np.asarray(lengths), n, labels=False) + 1,
     "number the groups from 0"),
    (course.checks.ch08.length_groups, lambda lengths, n: n - 1 - pd.qcut(np.asarray(lengths), n, labels=False), "SHORTEST"),
    (course.checks.ch08.num_windows, lambda lengths, m: int((-(-np.asarray(lengths) // m)).sum()), "L - 1"),
    (course.checks.ch08.num_windows, lambda lengths, m: int((np.maximum(np.asarray(lengths) - 1, 0) // m).sum()), "round UP"),
    (course.checks.ch08.num_windows, lambda lengths, m: int(np.ceil(np.maximum(np.asarray(lengths) - 1, 0).sum() / m)),
     "windows are cut per user"),
], ids=["groups-equal-width", "groups-from-1", "groups-reversed", "windows-L", "windows-floor", "windows-pooled"])
def test_chapter_08_mistakes_get_their_hint(check, answer, hint, capsys, strict):
    with pytest.raises(course.checks.core.CheckFailed) as info:
        check(answer)
    assert hint in str(info.value)


# --- chapter 09: stream_step and p50_p99 -------------------------------------------------------


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


@pytest.mark.parametrize("check, answer", [(course.checks.ch09.stream_step, learner_stream_step),
                                           (course.checks.ch09.p50_p99, learner_p50_p99)], ids=["stream_step", "p50_p99"])
def test_chapter_09_learner_answers_pass(check, answer, capsys, strict):
    assert bool(check(answer)) is True
    assert capsys.readouterr().out.startswith("[ok] ")


@pytest.mark.parametrize("check", [course.checks.ch09.stream_step, course.checks.ch09.p50_p99], ids=["stream_step", "p50_p99"])
def test_chapter_09_stubs(check, capsys):
    assert bool(check(stub)) is False
    assert "not attempted yet" in capsys.readouterr().out


def test_p50_p99_by_hand(capsys):
    # timings 4, 1, 100, 3, 2 ms sorted: 1, 2, 3, 4, 100 -> p50 = 3 ms; p99 at rank 0.99 * 4 = 3.96: 4 + 0.96 * 96
    assert not course.checks.ch09.p50_p99(lambda s: (0.0, 0.0))
    assert f"wrong on case '5 timings, one slow': expected (3, {4 + 0.96 * 96:g})" in capsys.readouterr().out


def test_stream_step_that_swaps_the_outputs_is_caught(capsys):
    def swapped(lstm, h, c, items):
        h_t, c_t = lstm.step(h, c, items)
        return c_t, h_t

    assert not course.checks.ch09.stream_step(swapped)


@pytest.mark.parametrize("order, hint", [
    ({"order": ("i", "f", "o", "c")}, "gate order"),
    ({"recurrent": False}, "recurrent term"),
    ({"squash_c": False}, "tanh(c_t)"),
    ({"forget_new": True}, "OLD cell state"),
], ids=["gate-order", "no-recurrence", "no-tanh", "forget-new"])
def test_stream_step_mistakes_get_their_hint(order, hint, strict):
    from lstmrec.course.checks.ch09 import _step_variant

    with pytest.raises(course.checks.core.CheckFailed) as info:
        course.checks.ch09.stream_step(lambda *a: _step_variant(*a, **order))
    assert hint in str(info.value)


@pytest.mark.parametrize("answer, hint", [
    (lambda s: (float(np.mean(s) * 1000), float(np.percentile(s, 99) * 1000)), "not the mean"),
    (lambda s: (float(np.percentile(s, 50)), float(np.percentile(s, 99))), "milliseconds"),
    (lambda s: (float(np.asarray(s)[len(s) // 2] * 1000), float(np.asarray(s)[int(0.99 * (len(s) - 1))] * 1000)),
     "sort the timings"),
    (lambda s: (float(np.percentile(s, 50) * 1000), float(np.max(s) * 1000)), "slowest call"),
], ids=["mean", "seconds", "unsorted", "max"])
def test_p50_p99_mistakes_get_their_hint(answer, hint, strict):
    with pytest.raises(course.checks.core.CheckFailed) as info:
        course.checks.ch09.p50_p99(answer)
    assert hint in str(info.value)


# --- chapter 10: repeat_share, most_frequent_scores, choose_exclude_seen ----------------------


def learner_repeat_share(histories, targets):
    return float(np.mean([np.isin(t, h) for h, t in zip(histories, targets)]))


def learner_most_frequent_scores(histories, num_items):
    scores = np.stack([np.bincount(np.asarray(h, dtype=np.int64), minlength=num_items) for h in histories])
    scores[:, 0] = 0
    return scores.astype(float)


def learner_choose_exclude_seen(histories, targets, max_lost=0.01):
    return learner_repeat_share(histories, targets) <= max_lost


CHAPTER_10 = [(course.checks.ch10.repeat_share, learner_repeat_share), (course.checks.ch10.most_frequent_scores, learner_most_frequent_scores),
              (course.checks.ch10.choose_exclude_seen, learner_choose_exclude_seen)]
CHAPTER_10_IDS = ["repeat_share", "most_frequent_scores", "choose_exclude_seen"]


def test_repeat_share_by_hand(capsys):
    # targets 3, 1, 6, 1 against [3 1 3], [2 4], [5 5 5], [1]: seen, not, not, seen -> 2 / 4
    assert not course.checks.ch10.repeat_share(lambda h, t: 0.0)
    assert "wrong on case 'two of four targets seen': expected 0.5, got 0" in capsys.readouterr().out


def _presence(histories, num_items):
    scores = np.zeros((len(histories), num_items))
    for row, h in enumerate(histories):
        scores[row, h] += 1  # fancy-index += counts a repeated index once
    scores[:, 0] = 0
    return scores


@pytest.mark.parametrize("check, answer, hint", [
    (course.checks.ch10.repeat_share, lambda hs, ts: float(np.mean([len(h) > len(set(h.tolist())) for h in hs])), "NEXT item"),
    (course.checks.ch10.repeat_share, lambda hs, ts: float(np.isin(ts, np.concatenate(hs)).mean()), "its own user's"),
    (course.checks.ch10.repeat_share, lambda hs, ts: float(sum(t in h for h, t in zip(hs, ts))), "a share"),
    (course.checks.ch10.most_frequent_scores, _presence, "count every occurrence"),
    (course.checks.ch10.most_frequent_scores, lambda hs, n: np.tile(learner_most_frequent_scores([np.concatenate(hs)], n)[0],
                                                        (len(hs), 1)), "own history"),
    (course.checks.ch10.most_frequent_scores, lambda hs, n: np.stack([np.bincount(np.asarray(h, dtype=np.int64), minlength=n)
                                                          for h in hs]).astype(float), "padding"),
    (course.checks.ch10.choose_exclude_seen, lambda hs, ts, max_lost=0.01: not learner_choose_exclude_seen(hs, ts, max_lost),
     "the other way round"),
    (course.checks.ch10.choose_exclude_seen, lambda hs, ts, max_lost=0.01: learner_repeat_share(hs, ts) == 0, "tolerance"),
], ids=["share-histories", "share-global", "share-count", "presence", "popularity", "padding", "inverted", "brittle"])
def test_chapter_10_mistakes_get_their_hint(check, answer, hint, strict):
    with pytest.raises(course.checks.core.CheckFailed) as info:
        check(answer)
    assert hint in str(info.value)


@pytest.mark.parametrize("check, answer", [
    (course.checks.ch10.repeat_share, lambda hs, ts: float(np.mean([len(h) > 0 and h[-1] == t for h, t in zip(hs, ts)]))),
    (course.checks.ch10.choose_exclude_seen, lambda hs, ts, max_lost=0.01: float(np.isin(ts, np.concatenate(hs)).mean())
     <= max_lost),
    (course.checks.ch10.choose_exclude_seen, lambda hs, ts, max_lost=0.01: learner_repeat_share(hs, ts) < max_lost),
], ids=["target-is-last-item", "pooled-histories", "strict-inequality"])
def test_chapter_10_near_misses_are_rejected(check, answer, capsys):
    """Answers a review found passing before: each is wrong on at least one case now."""
    assert not check(answer)


# --- chapter 11: clip_per_user, sampled_softmax_loss, step_flops --------------------------------
#
# The learners' answers: clipping with keras.ops (the way the chapter's section does it), the sampled
# loss with scipy's logsumexp, the FLOP count term by term.


def learner_clip_per_user(grads, max_norm):
    grads = [keras.ops.convert_to_tensor(np.asarray(g, dtype="float64")) for g in grads]
    norms = keras.ops.sqrt(sum(keras.ops.sum(keras.ops.reshape(g ** 2, (g.shape[0], -1)), axis=1) for g in grads))
    factor = keras.ops.minimum(1.0, max_norm / keras.ops.maximum(norms, 1e-12))
    return [np.asarray(g * keras.ops.reshape(factor, (-1,) + (1,) * (len(g.shape) - 1))) for g in grads]


def learner_sampled_softmax_loss(hidden, item_embeddings, target, samples, q):
    from scipy.special import logsumexp

    log_sq = np.log(len(samples) * np.asarray(q))
    keep = np.asarray(samples) != target
    logits = np.concatenate([[hidden @ item_embeddings[target] - log_sq[target]],
                             (item_embeddings[samples] @ hidden - log_sq[samples])[keep]])
    return float(logsumexp(logits) - logits[0])


def learner_step_flops(embedding_dim, hidden_dim, num_items):
    gates = 4 * hidden_dim * (embedding_dim + hidden_dim) * 2
    projection = hidden_dim * embedding_dim * 2
    scores = embedding_dim * num_items * 2
    return gates + projection + scores


CHAPTER_11 = [(course.checks.ch11.clip_per_user, learner_clip_per_user),
              (course.checks.ch11.sampled_softmax_loss, learner_sampled_softmax_loss), (course.checks.ch11.step_flops, learner_step_flops)]
CHAPTER_11_IDS = ["clip_per_user", "sampled_softmax_loss", "step_flops"]


def test_the_library_is_the_reference():
    """lstmrec.privacy.dp and lstmrec.compute.sampled, which the chapter trains with, pass their own exercises."""
    from lstmrec import compute, privacy

    assert course.checks.ch11.clip_per_user(lambda g, c: [np.asarray(x) for x in privacy.dp.clip_per_user(g, c)[0]])

    def library_loss(hidden, emb, target, samples, q):
        log_expected = np.log(np.maximum(len(samples) * np.asarray(q), 1e-30)).astype("float32")
        return float(compute.sampled.sampled_softmax_loss(np.asarray(hidden, "float32")[None], emb.astype("float32"),
                                                  np.array([target]), samples, log_expected)[0])

    assert course.checks.core.check("sampled_softmax_loss", library_loss, course.checks.ch11._reference_sampled_loss,
                        [course.checks.core.Case("q", (np.array([1.0, 0.0, -0.5]), np.random.default_rng(11).normal(size=(6, 3)),
                                           4, np.array([1, 1, 3, 5]), np.array([0.05, 0.35, 0.3, 0.1, 0.1, 0.1])))],
                        atol=1e-5)
    f = compute.cost.flops_per_position(64, 128, 3707)
    assert course.checks.ch11.step_flops(lambda e, h, n: (lambda c: c["total"] - c["softmax"])(compute.cost.flops_per_position(e, h, n)))
    assert f["total"] - f["softmax"] == learner_step_flops(64, 128, 3707)


def _clip_per_variable(grads, c):
    out = []
    for g in grads:
        g = np.asarray(g, float)
        n = np.linalg.norm(g.reshape(len(g), -1), axis=1)
        out.append(g * np.minimum(1, c / np.maximum(n, 1e-12)).reshape((-1,) + (1,) * (g.ndim - 1)))
    return out


def _clip_batch(grads, c):
    total = np.sqrt(sum(float((np.asarray(g) ** 2).sum()) for g in grads))
    return [np.asarray(g, float) * min(1.0, c / total) for g in grads]


def _clip_always(grads, c):
    norms = np.sqrt(sum((np.asarray(g, float).reshape(len(g), -1) ** 2).sum(axis=1) for g in grads))
    return [np.asarray(g, float) * (c / np.maximum(norms, 1e-12)).reshape((-1,) + (1,) * (np.ndim(g) - 1))
            for g in grads]


def _loss_without_correction(hidden, emb, target, samples, q):
    return learner_sampled_softmax_loss(hidden, emb, target, samples, np.full(len(q), 1.0 / len(samples)))


def _loss_keeping_hits(hidden, emb, target, samples, q):
    from scipy.special import logsumexp

    log_sq = np.log(len(samples) * np.asarray(q))
    logits = np.concatenate([[hidden @ emb[target] - log_sq[target]], emb[samples] @ hidden - log_sq[samples]])
    return float(logsumexp(logits) - logits[0])


@pytest.mark.parametrize("check, answer, hint", [
    (course.checks.ch11.clip_per_user, _clip_per_variable, "over ALL variables"),
    (course.checks.ch11.clip_per_user, _clip_batch, "clip each user separately"),
    (course.checks.ch11.clip_per_user, _clip_always, "scale only the users"),
    (course.checks.ch11.sampled_softmax_loss, _loss_without_correction, "subtract log(S * q_j)"),
    (course.checks.ch11.sampled_softmax_loss, _loss_keeping_hits, "not a negative"),
    (course.checks.ch11.step_flops, lambda e, h, n: 4 * h * (e + h) + h * e + e * n, "multiply-add as 2"),
    (course.checks.ch11.step_flops, lambda e, h, n: 2 * h * (e + h) + 2 * h * e + 2 * e * n, "four gate blocks"),
    (course.checks.ch11.step_flops, lambda e, h, n: 8 * h * (e + h) + 2 * h * n, "2EN, not 2HN"),
    (course.checks.ch11.step_flops, lambda e, h, n: 8 * h * e + 2 * h * e + 2 * e * n, "previous state too"),
], ids=["per-variable", "whole-batch", "scale-up", "no-log-q", "accidental-hits", "half-flops", "one-gate",
        "untied", "no-recurrence"])
def test_chapter_11_mistakes_get_their_hint(check, answer, hint, strict):
    with pytest.raises(course.checks.core.CheckFailed) as info:
        check(answer)
    assert hint in str(info.value)


# --- chapter 12: causal_mask and attention_block_params -----------------------------------------------


def learner_causal_mask(seq_len):
    """A learner's answer with broadcasting: position t reads s when s <= t."""
    positions = np.arange(seq_len)
    return positions[None, :] <= positions[:, None]


def learner_attention_block_params(model_dim, num_heads, ffn_dim):
    head = model_dim // num_heads
    attention = 3 * num_heads * (model_dim * head + head) + (num_heads * head * model_dim + model_dim)
    ffn = model_dim * ffn_dim + ffn_dim + ffn_dim * model_dim + model_dim
    return attention + ffn + 2 * 2 * model_dim


CHAPTER_12 = [(course.checks.ch12.causal_mask, learner_causal_mask),
              (course.checks.ch12.attention_block_params, learner_attention_block_params)]
CHAPTER_12_IDS = ["causal_mask", "attention_block_params"]

# Every exercise from chapter 10 on, with a learner's correct answer written independently of the library.
LATER_EXERCISES = CHAPTER_10 + CHAPTER_11 + CHAPTER_12
LATER_IDS = CHAPTER_10_IDS + CHAPTER_11_IDS + CHAPTER_12_IDS


@pytest.mark.parametrize("check, answer", LATER_EXERCISES, ids=LATER_IDS)
def test_later_chapters_learner_answers_pass(check, answer, capsys, strict):
    assert bool(check(answer)) is True
    assert capsys.readouterr().out.startswith("[ok] ")


@pytest.mark.parametrize("check", [c for c, _ in LATER_EXERCISES], ids=LATER_IDS)
def test_later_chapters_stubs(check, capsys):
    assert bool(check(stub)) is False
    assert "not attempted yet" in capsys.readouterr().out


def test_causal_mask_by_hand(capsys):
    # seq_len 4: rows are the asking positions; row 1 reads positions 0 and 1
    assert not course.checks.ch12.causal_mask(lambda t: np.eye(t, dtype=bool))
    assert "wrong on case 'seq_len 4'" in capsys.readouterr().out  # seq_len 1 is the identity too


def test_attention_block_params_matches_keras():
    keras = pytest.importorskip("keras")
    from lstmrec import models

    def count(blocks, heads):
        config = models.config.Config(cell="SASRec", max_len=6, embedding_dim=8, hidden_dim=32, num_blocks=blocks,
                               num_heads=heads)
        return models.attention.build(20, config).count_params()

    keras.utils.set_random_seed(0)
    assert count(2, 2) - count(1, 2) == learner_attention_block_params(8, 2, 32) == 872
    assert count(2, 1) == count(2, 2)  # heads split the width


@pytest.mark.parametrize("check, answer, hint", [
    (course.checks.ch12.causal_mask, lambda t: np.triu(np.ones((t, t), bool)), "transpose"),
    (course.checks.ch12.causal_mask, lambda t: np.tril(np.ones((t, t), bool), -1), "its own item"),
    (course.checks.ch12.causal_mask, lambda t: np.ones((t, t), bool), "learns to copy"),
    (course.checks.ch12.causal_mask, lambda t: ~np.tril(np.ones((t, t), bool)), "opposite"),
    (course.checks.ch12.attention_block_params, lambda d, h, f: h * 4 * (d * d + d) + 2 * d * f + f + d + 4 * d, "split"),
    (course.checks.ch12.attention_block_params, lambda d, h, f: 4 * d * d + 2 * d * f + 4 * d, "bias"),
    (course.checks.ch12.attention_block_params, lambda d, h, f: 3 * (d * d + d) + 2 * d * f + f + d + 4 * d, "W_o"),
    (course.checks.ch12.attention_block_params, lambda d, h, f: 4 * (d * d + d) + 2 * d * f + f + d, "layer norm"),
    (course.checks.ch12.attention_block_params, lambda d, h, f: 4 * (d * d + d) + 4 * d, "feed-forward"),
], ids=["mask-transposed", "mask-no-diagonal", "mask-none", "mask-inverted", "params-times-heads",
        "params-no-bias", "params-no-output", "params-no-norms", "params-no-ffn"])
def test_chapter_12_mistakes_get_their_hint(check, answer, hint, strict):
    with pytest.raises(course.checks.core.CheckFailed) as info:
        check(answer)
    assert hint in str(info.value)
