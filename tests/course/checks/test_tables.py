"""The chapters' tables, run once for all: every row of each ``test_chNN.CORRECT`` passes, in both modes, and
every row of each ``test_chNN.MISTAKES`` is rejected with its own hint (and none of its chapter's other hints)
and raises ``CheckFailed`` in strict mode.

The tables, and what only one chapter tests, live in ``test_chNN.py``; the registry-wide tests (stubs,
crashes, non-functions, completeness) in ``test_registry.py``.
"""

from __future__ import annotations

import importlib

import pytest

from tests.course.checks import learners
from tests.course.checks.test_registry import TABLES


def _check(chapter: str, name: str):
    return getattr(importlib.import_module(f"lstmrec.course.checks.{chapter}"), name)


def _rows(table: str) -> list:
    """Every row of every chapter's ``table``, with the chapter first and ``chNN-`` before its id."""
    return [pytest.param(chapter, *row.values, marks=row.marks, id=f"{chapter}-{row.id}")
            for chapter, module in TABLES.items() for row in getattr(module, table)]


@pytest.mark.parametrize("chapter, name, answer, cases", _rows("CORRECT"))
def test_correct_answer_passes(chapter, name, answer, cases, capsys):
    learners.assert_passes(_check(chapter, name), name, answer, cases, capsys)


@pytest.mark.parametrize("chapter, name, answer, cases", _rows("CORRECT"))
def test_correct_answer_passes_in_strict_mode(chapter, name, answer, cases, strict, capsys):
    learners.assert_passes(_check(chapter, name), name, answer, cases, capsys)


@pytest.mark.parametrize("chapter, name, answer, hint", _rows("MISTAKES"))
def test_mistake_gets_its_hint(chapter, name, answer, hint, capsys):
    learners.assert_hint(_check(chapter, name), name, answer, hint, TABLES[chapter].HINTS, capsys)


@pytest.mark.parametrize("chapter, name, answer, hint", _rows("MISTAKES"))
def test_mistake_raises_in_strict_mode(chapter, name, answer, hint, strict):
    learners.assert_raises_with_hint(_check(chapter, name), name, answer, hint)
