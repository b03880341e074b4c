"""Answers any exercise can be given, and how the checks' tests read a check's verdict.

``stub`` and ``crashes`` fit every check. ``assert_passes``, ``assert_hint`` and ``assert_raises_with_hint``
read what a check printed or raised, the same way for every chapter's tables: in each ``test_chNN.py``,
``CORRECT`` holds ``pytest.param(check name, a correct answer, number of cases)`` rows and ``MISTAKES``
``pytest.param(check name, a wrong answer, a phrase of the hint that must be printed)`` rows;
``test_registry.py`` reads both tables for every check in ``lstmrec.course.checks.REGISTRY``.
"""

from __future__ import annotations

import pytest

from lstmrec.course.checks import core


def stub(*args, **kwargs):
    """An exercise not attempted yet: the notebooks' stubs raise ``NotImplementedError``."""
    raise NotImplementedError


def crashes(*args, **kwargs):
    """An answer whose code fails: any exception but ``NotImplementedError``."""
    raise ValueError("boom")


def ok_line(name: str, cases: int) -> str:
    """The line a check prints for a correct answer."""
    return f"[ok] {name}: correct on {cases} case{'s' if cases != 1 else ''}."


MORE_VERDICTS = {
    "stream_step": ["[ok] stream_step: stepping event by event gives the same state as re-encoding the whole history."],
}
"""What a check prints after its cases' ``[ok]`` when it tests more than the cases (none for most)."""


def assert_passes(check, name: str, answer, cases: int, capsys) -> None:
    """``check(answer)`` is true and printed ``[ok]`` with its number of cases, then only its ``MORE_VERDICTS``."""
    assert bool(check(answer)) is True
    assert capsys.readouterr().out.splitlines() == [ok_line(name, cases), *MORE_VERDICTS.get(name, [])]


def assert_hint(check, name: str, answer, hint: str, hints, capsys) -> None:
    """``check(answer)`` is false and printed the failing case, then one hint: the one holding ``hint``.

    None of the other phrases in ``hints`` (the chapter's table) may appear anywhere in what it printed.
    """
    assert bool(check(answer)) is False
    out = capsys.readouterr().out
    assert out.startswith(f"[x] {name}: wrong on case ")
    assert "expected" in out and "got" in out
    assert out.count("Hint: ") == 1, out  # one hint, never a second one
    assert hint in out.split("Hint: ", 1)[1]
    for other in hints:
        if other != hint:
            assert other not in out, f"a second, wrong hint: {other!r}"


def assert_raises_with_hint(check, name: str, answer, hint: str) -> None:
    """In strict mode ``check(answer)`` raises ``CheckFailed`` with the failing case and the hint."""
    with pytest.raises(core.CheckFailed) as info:
        check(answer)
    assert str(info.value).startswith(f"[x] {name}: wrong on case ")
    assert hint in str(info.value)
