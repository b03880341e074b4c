"""Tests of ``lstmrec.course.checks.core``: the generic ``check``, ``Case`` and ``Mistake``, strict mode.

``check`` on custom references: the failing case and the matching mistake's hint, keyword cases, tolerance,
arrays and shapes, non-numeric values, NaN, singular/plural; answers that crash or are not functions; how
several outputs (tuples) are compared (``same``) and shown (``show``). Every chapter's own checks are tested
in ``test_chNN.py``; what every registered check must do, in both modes, in ``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import evaluation
from lstmrec.course.checks import ch00, ch07, core

CASES = [core.Case("x=3", (3,)), core.Case("x=-1.5 as keyword", kwargs={"x": -1.5})]


def reference_square(x):
    return x * x


# --- strict mode -------------------------------------------------------------------------------


def test_strict_is_exactly_one(monkeypatch):
    for value, expected in [("1", True), ("0", False), ("true", False), ("", False)]:
        monkeypatch.setenv("LSTMREC_STRICT", value)
        assert core.strict() is expected


# --- the generic check -------------------------------------------------------------------------


def test_check_custom_reference_passes(capsys):
    assert bool(core.check("square", lambda x: x ** 2, reference_square, CASES)) is True
    assert capsys.readouterr().out == "[ok] square: correct on 2 cases.\n"


def test_one_case_is_singular(capsys):
    assert bool(core.check("square", lambda x: x ** 2, reference_square, CASES[:1])) is True
    assert capsys.readouterr().out == "[ok] square: correct on 1 case.\n"


def test_check_custom_reference_reports_the_failing_case(capsys):
    mistakes = [
        core.Mistake(lambda x: 1 / 0, "never shown: this mistake crashes and is skipped"),
        core.Mistake(lambda x: 2 * x, "you doubled x instead of squaring it."),
    ]
    # 2 * 3 = 6 != 9 on the first case
    assert bool(core.check("square", lambda x: 2 * x, reference_square, CASES, mistakes)) is False
    out = capsys.readouterr().out
    assert out.strip() == ("[x] square: wrong on case 'x=3': expected 9, got 6. "
                           "Hint: you doubled x instead of squaring it.")


def test_check_keyword_case_is_passed_as_keyword(capsys):
    def answer(x):
        return abs(x) * x if x < 0 else x * x  # wrong only for negative x: -2.25 instead of 2.25

    assert bool(core.check("square", answer, reference_square, CASES)) is False
    assert "wrong on case 'x=-1.5 as keyword': expected 2.25, got -2.25." in capsys.readouterr().out


@pytest.mark.parametrize("offset, atol, passes", [
    (1e-7, 1e-6, True),  # within the default tolerance
    (1e-3, 1e-6, False),
    (1e-3, 1e-2, True),  # a looser tolerance
])
def test_check_tolerance(offset, atol, passes, capsys):
    assert bool(core.check("square", lambda x: x * x + offset, reference_square, CASES, atol=atol)) is passes


def test_check_arrays_and_shapes(capsys):
    cases = [core.Case("three values", (np.array([1.0, 2.0, 3.0]),))]
    assert bool(core.check("cumsum", np.cumsum, np.cumsum, cases)) is True
    assert bool(core.check("cumsum", lambda a: np.cumsum(a)[None, :], np.cumsum, cases)) is False  # (1, 3) != (3,)
    assert "expected [1.0, 3.0, 6.0], got [[1.0, 3.0, 6.0]]" in capsys.readouterr().out


def test_check_non_numeric_values(capsys):
    cases = [core.Case("greeting", ("ada",))]
    assert bool(core.check("hello", lambda n: f"hello {n}", lambda n: f"hello {n}", cases)) is True
    assert bool(core.check("hello", lambda n: f"hi {n}", lambda n: f"hello {n}", cases)) is False
    assert "expected 'hello ada', got 'hi ada'" in capsys.readouterr().out


def test_check_nan_equals_nan():
    cases = [core.Case("no users", (np.array([], dtype=np.int64), 10))]
    assert bool(core.check("hr", lambda r, k: float("nan"), evaluation.metrics.hr_at_k, cases)) is True


def test_check_stops_at_the_first_wrong_case(capsys):
    calls = []

    def answer(x):
        calls.append(x)
        return 0

    core.check("square", answer, reference_square, CASES)
    assert calls == [3]  # the keyword case was never run


# --- crashes and non-functions -----------------------------------------------------------------


def test_crash_is_reported_not_raised(capsys):
    """How every check reports a crash; ``test_registry.py`` asks it of every registered check."""
    def crashes(x):
        raise ValueError("boom")

    assert bool(core.check("square", crashes, reference_square, CASES)) is False
    assert capsys.readouterr().out == "[x] square: raised ValueError: boom on case 'x=3'\n"


def test_other_exception_in_strict_mode(strict):
    with pytest.raises(core.CheckFailed, match=r"raised ZeroDivisionError: .* on case"):
        ch00.hr_at_k(lambda r, k: 1 / 0)


@pytest.mark.parametrize("answer", [None, 0.5, "hr_at_k"], ids=["None", "a-number", "a-string"])
def test_not_a_function(answer, capsys):
    assert bool(ch00.hr_at_k(answer)) is False
    assert capsys.readouterr().out.strip() == f"[x] hr_at_k: expected a function, got {type(answer).__name__}"


def test_not_a_function_in_strict_mode(strict):
    with pytest.raises(core.CheckFailed, match="expected a function, got int"):
        ch07.ndcg_at_k(3)


# --- comparing several outputs (tuples) --------------------------------------------------------


def test_same_compares_tuples_element_by_element():
    h, c = np.ones((2, 3)), np.zeros((1, 3))  # different shapes: not one array
    assert core.same((h, c), (h, c), 1e-6)
    assert core.same([h, c], (h, c), 1e-6)  # a list of outputs is fine too
    assert not core.same((h, c + 0.1), (h, c), 1e-6)
    assert not core.same((h,), (h, c), 1e-6)
    assert not core.same((c, h), (h, c), 1e-6)
    assert not core.same(h, (h, c), 1e-6)


@pytest.mark.parametrize("got", [(np.ones((1, 2)), {"a": 1}), {"a": 1}, None, "h"],
                         ids=["tuple-with-dict", "dict", "None", "str"])
def test_same_is_false_not_a_crash_for_odd_answers(got):
    assert core.same(got, np.ones((1, 2)), 1e-6) is False


def test_show_rounds_float_arrays_and_shows_tuples():
    assert core.show(np.array([1 / 3, 2.0])) == "[0.333333, 2.0]"
    assert core.show((np.array([[1 / 3]]), np.array([[1.0]]))) == "([[0.333333]], [[1.0]])"
    assert core.show(np.array([1, 2])) == "[1, 2]"  # integers stay as they are


def test_converted_applies_the_conversion_and_passes_a_value_through():
    double_list = core.converted(lambda x, y=1: [x, y], tuple)
    assert double_list(2, y=3) == (2, 3)
    assert core.converted(None, tuple) is None  # so that ``check`` can say it is not a function
    assert core.converted(5, tuple) == 5
