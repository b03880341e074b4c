"""Tests of ``lstmrec.course.checks.REGISTRY``: every check of every chapter, in both modes, and the registry itself.

For each registered check (chapters 00 to 14), with answers from its chapter's tables (``CORRECT`` and
``MISTAKES`` in ``test_chNN.py``; a registry entry is the check function alone): a correct answer passes in
strict mode; a stub reads "not attempted" and, in strict mode, raises ``ExerciseNotAttempted``; a wrong answer
raises ``CheckFailed`` in strict mode; a crash or a non-function is reported (raised in strict mode), never
let through. And the registry is complete: it holds every public function of the ``chNN.py`` modules and
nothing else, in chapter order; each is called by its chapter's notebook and solution; every ``Mistake`` a
check knows has a row in its chapter's ``MISTAKES`` table, and every row names a registered check.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

from lstmrec import util
from lstmrec.course.checks import CHAPTERS, REGISTRY, core
from tests.course.checks import (
    learners,
    test_ch00,
    test_ch01,
    test_ch02,
    test_ch03,
    test_ch04,
    test_ch05,
    test_ch06,
    test_ch07,
    test_ch08,
    test_ch09,
    test_ch10,
    test_ch11,
    test_ch12,
    test_ch13,
    test_ch14,
)

TABLES = {module.__name__.rsplit("_", 1)[1]: module for module in (
    test_ch00, test_ch01, test_ch02, test_ch03, test_ch04, test_ch05, test_ch06, test_ch07, test_ch08, test_ch09,
    test_ch10, test_ch11, test_ch12, test_ch13, test_ch14)}
"""``"ch07"`` -> ``test_ch07``, whose ``CORRECT`` and ``MISTAKES`` tables hold that chapter's answers."""

CHECKS_DIR = Path(inspect.getfile(core)).parent


def _rows(table: str, key: str) -> list:
    """The rows of a chapter's ``CORRECT`` or ``MISTAKES`` table for the check ``key`` (``"ch07.ndcg_at_k"``)."""
    chapter, name = key.split(".")
    return [row for row in getattr(TABLES[chapter], table) if row.values[0] == name]


def _first_rows(table: str) -> list:
    """One ``pytest.param(key, answer, cases or hint)`` per registered check: its first row (None if it has none)."""
    params = []
    for key in REGISTRY:
        rows = _rows(table, key)
        values, marks = (rows[0].values[1:], rows[0].marks) if rows else ((None, None), ())
        params.append(pytest.param(key, *values, marks=marks, id=key))
    return params


def _name(key: str) -> str:
    return key.split(".")[1]


def _defined_checks() -> list[str]:
    """``"chNN.name"`` for every public function defined in ``lstmrec/course/checks/chNN.py``, in source order."""
    found = []
    for path in sorted(CHECKS_DIR.glob("ch[0-9][0-9].py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found.append(f"{path.stem}.{node.name}")
    return found


def _notebook_calls(path: Path) -> list[str]:
    """``"chNN.name"`` for every ``course.checks.chNN.name(...)`` in a notebook's code cells, in order."""
    cells = json.loads(path.read_text())["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return [f"{chapter}.{name}" for chapter, name in re.findall(r"checks\.(ch\d\d)\.(\w+)\(", code)]


KEYS = [pytest.param(key, id=key) for key in REGISTRY]


# --- every check, in both modes ----------------------------------------------------------------


@pytest.mark.parametrize("key, answer, cases", _first_rows("CORRECT"))
def test_correct_answer_passes_in_strict_mode(key, answer, cases, strict, capsys):
    assert answer is not None, f"no correct answer for {key} in test_{key.split('.')[0]}.CORRECT"
    learners.assert_passes(REGISTRY[key], _name(key), answer, cases, capsys)


@pytest.mark.parametrize("key", KEYS)
def test_stub_is_not_attempted(key, capsys):
    assert bool(REGISTRY[key](learners.stub)) is False
    assert capsys.readouterr().out == (f"[ ] {_name(key)}: not attempted yet (the stub raises NotImplementedError). "
                                       "Replace it with your code.\n")


@pytest.mark.parametrize("key", KEYS)
def test_stub_raises_in_strict_mode(key, strict, capsys):
    with pytest.raises(core.ExerciseNotAttempted, match=rf"^\[ \] {_name(key)}: not attempted yet"):
        REGISTRY[key](learners.stub)
    assert capsys.readouterr().out == ""  # raised instead of printed


@pytest.mark.parametrize("key, answer, hint", _first_rows("MISTAKES"))
def test_wrong_answer_raises_in_strict_mode(key, answer, hint, strict):
    assert answer is not None, f"no wrong answer for {key} in test_{key.split('.')[0]}.MISTAKES"
    learners.assert_raises_with_hint(REGISTRY[key], _name(key), answer, hint)


@pytest.mark.parametrize("key", KEYS)
def test_crash_is_reported_not_raised(key, capsys):
    assert bool(REGISTRY[key](learners.crashes)) is False
    assert capsys.readouterr().out.startswith(f"[x] {_name(key)}: raised ValueError: boom on case ")


@pytest.mark.parametrize("key", KEYS)
def test_crash_raises_in_strict_mode(key, strict):
    with pytest.raises(core.CheckFailed, match=rf"^\[x\] {_name(key)}: raised ValueError: boom on case "):
        REGISTRY[key](learners.crashes)


@pytest.mark.parametrize("key", KEYS)
def test_not_a_function_is_reported_not_raised(key, capsys):
    """``None`` (say, the stub's result passed instead of the stub) is wrong, and the check says why."""
    assert bool(REGISTRY[key](None)) is False
    assert capsys.readouterr().out == f"[x] {_name(key)}: expected a function, got NoneType\n"


# --- the registry: complete, nothing else, in chapter order ------------------------------------


def test_chapters_are_the_chapter_modules_in_order():
    files = sorted(path.stem for path in CHECKS_DIR.glob("ch[0-9][0-9].py"))
    assert [module.__name__ for module in CHAPTERS] == [f"lstmrec.course.checks.{stem}" for stem in files]
    assert files == [f"ch{n:02d}" for n in range(15)]


def test_every_public_check_is_registered():
    assert [key for key in _defined_checks() if key not in REGISTRY] == []


def test_registry_holds_only_public_checks_of_the_chapters():
    defined = set(_defined_checks())
    assert [key for key in REGISTRY if key not in defined] == []
    for key, fn in REGISTRY.items():
        chapter, name = key.split(".")
        module = sys.modules[f"lstmrec.course.checks.{chapter}"]
        assert getattr(module, name) is fn and fn.__module__ == module.__name__, key
        assert inspect.signature(fn).return_annotation in ("CheckResult", core.CheckResult), f"{key} is not a check"


def test_registry_is_in_chapter_order():
    """Chapter 00 first, each chapter's checks together, in the order its module defines them."""
    chapters = [key.split(".")[0] for key in REGISTRY]
    assert chapters == sorted(chapters)
    assert list(REGISTRY) == _defined_checks()


@pytest.mark.parametrize("folder", ["notebooks", "solutions"])
def test_every_check_is_called_by_its_chapter_notebook(folder):
    """A registered check is one the course calls: chapter NN's notebook calls exactly chNN's checks."""
    for module in CHAPTERS:
        chapter = module.__name__.rsplit(".", 1)[1]
        [notebook] = (util.paths.repo_root() / folder).glob(f"{chapter[2:]}_*.ipynb")
        expected = sorted(key for key in REGISTRY if key.startswith(f"{chapter}."))
        assert sorted(set(_notebook_calls(notebook))) == expected, notebook.name


# --- the tables: a row for every check and every mistake it knows --------------------------------


def test_every_check_has_a_correct_answer_and_a_wrong_one():
    assert [key for key in REGISTRY if not _rows("CORRECT", key)] == []
    assert [key for key in REGISTRY if not _rows("MISTAKES", key)] == []


def test_every_row_names_a_registered_check():
    for chapter, module in TABLES.items():
        for table in ("CORRECT", "MISTAKES"):
            unknown = [row.id for row in getattr(module, table) if f"{chapter}.{row.values[0]}" not in REGISTRY]
            assert unknown == [], f"test_{chapter}.{table}"


@pytest.mark.parametrize("key", KEYS)
def test_every_mistake_a_check_knows_has_a_row(key, monkeypatch, capsys):
    """As many rows in ``MISTAKES`` as ``Mistake`` entries in the check, each hint matched by a row's phrase."""
    known = []

    def spy(*args, **kwargs):
        known.extend(inspect.signature(core.check).bind(*args, **kwargs).arguments.get("mistakes", ()))
        return core.check(*args, **kwargs)

    monkeypatch.setattr(sys.modules[REGISTRY[key].__module__], "check", spy)
    REGISTRY[key](learners.stub)
    phrases = [row.values[2] for row in _rows("MISTAKES", key)]
    assert len(phrases) == len(known), f"{len(known)} mistakes in {key}, {len(phrases)} rows"
    assert [m.hint for m in known if not any(p in m.hint for p in phrases)] == [], "mistakes without a row"
    assert [p for p in phrases if not any(p in m.hint for m in known)] == [], "rows matching no mistake"
