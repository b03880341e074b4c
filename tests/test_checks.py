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

from lstmrec import checks, evaluation


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
