"""How every exercise check works: run the learner's answer on several cases, say what is wrong.

Used by every chapter; how it works is shown in chapter 00.

Every exercise ends with one call, ``course.checks.chNN.<exercise>(your_function)``
(``course.checks`` has one module per chapter). The
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


def same(a, b, atol: float) -> bool:
    if isinstance(a, str) != isinstance(b, str):
        return False  # "0.5" is not the number 0.5
    if isinstance(b, tuple) and isinstance(a, (tuple, list)):  # several outputs, e.g. (h_t, c_t): one by one
        return len(a) == len(b) and all(same(x, y, atol) for x, y in zip(a, b))
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        try:
            return bool(a == b)
        except (TypeError, ValueError):  # e.g. (h_t, gates) against an array: == is element-wise, or fails
            return False
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, atol=atol, rtol=0, equal_nan=True))


def show(value) -> str:
    if isinstance(value, np.generic):  # np.int64(1) -> 1
        value = value.item()
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, tuple):  # several outputs: each shown (and shortened) on its own
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        value = value.round(6)  # as many digits as the default tolerance (1e-6) tells apart
    text = repr(np.asarray(value).tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) < 120 else text[:117] + "..."


def fail(name: str, message: str) -> CheckResult:
    text = f"[x] {name}: {message}"
    if strict():
        raise CheckFailed(text)
    print(text)
    return CheckResult(False)


def converted(answer: Any, convert: Callable[[Any], Any]) -> Any:
    """``answer`` with ``convert`` applied to what it returns; ``answer`` itself when it is not a function.

    A check that compares a converted output (``tuple(...)``, ``np.asarray(...)``)
    wraps the learner's function with this rather than with a lambda, so that
    ``check`` still sees a value that is not a function and says so.

    Example:
        ``check("f", converted(answer, tuple), reference, cases)``
    """
    if not callable(answer):
        return answer
    return lambda *args, **kwargs: convert(answer(*args, **kwargs))


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
        return fail(name, f"expected a function, got {type(answer).__name__}")
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
            return fail(name, f"raised {type(e).__name__}: {e} on case {case.label!r}")
        if same(got, expected, atol):
            continue
        if isinstance(expected, dict) and isinstance(got, dict):  # facts about an object: name the ones that differ
            differ = [k for k in expected if not same(got.get(k), expected[k], atol)]
            message = f"wrong on case {case.label!r}: " + "; ".join(
                f"{k}: expected {show(expected[k])}, got {show(got.get(k))}" for k in differ) + "."
        else:
            message = f"wrong on case {case.label!r}: expected {show(expected)}, got {show(got)}."
        for mistake in mistakes:
            try:
                if same(got, mistake.fn(*case.args, **case.kwargs), atol):
                    message += f" Hint: {mistake.hint}"
                    break
            except Exception:  # a mistake that does not apply to this case
                continue
        return fail(name, message)
    print(f"[ok] {name}: correct on {len(cases)} case{'s' if len(cases) != 1 else ''}.")
    return CheckResult(True)
