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

from lstmrec import evaluation


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
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return a == b
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, atol=atol, rtol=0, equal_nan=True))


def _show(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
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
        message = f"wrong on case {case.label!r}: expected {_show(expected)}, got {_show(got)}."
        for mistake in mistakes:
            try:
                if _same(got, mistake.fn(*case.args, **case.kwargs), atol):
                    message += f" Hint: {mistake.hint}"
                    break
            except Exception:  # a mistake that does not apply to this case
                continue
        return _fail(name, message)
    print(f"[ok] {name}: correct on {len(cases)} cases.")
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
