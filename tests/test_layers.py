"""The library's architecture, enforced: subpackages in layers, no cycles, no module needing a later chapter's.

An AST pass reads every import of every module of ``lstmrec``, those inside
functions included (an import deferred to call time is still a dependency),
and fails on:

- an import cycle between modules;
- an import from a higher layer (``LAYERS``: a subpackage may import only the
  ones listed before it, and its own modules);
- a module that imports a module first needed in a later chapter than itself
  (each module's docstring says ``Taught in chapter NN``, or ``Used from chapter
  NN`` where a chapter uses it before the one that explains it; a registry or
  tool that serves many chapters names none and is not bound by this rule).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lstmrec import util

PACKAGE = util.paths.repo_root() / "lstmrec"

LAYERS = ("util", "data", "evaluation", "baselines", "models|foundations", "serve|privacy|compute", "bench", "course")
"""The subpackages from the bottom up; ``a|b`` share a layer and may not import each other."""

LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names.split("|")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every ``lstmrec`` module that ``path`` imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .x import y
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imports(path) for name, path in MODULES.items()}


def subpackage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def chapter(name: str) -> int | None:
    """The first chapter that needs a module: ``Taught in chapter NN`` or, for groundwork a chapter uses
    before the one that explains it, ``Used from chapter NN`` in its docstring (the earlier of the two)."""
    doc = ast.get_docstring(ast.parse(MODULES[name].read_text())) or ""
    found = [int(n) for n in re.findall(r"(?:Taught in|Used from) chapters? (\d\d)", doc)]
    return min(found) if found else None


def test_every_module_is_in_a_layer():
    """A new subpackage must be placed in ``LAYERS`` (and the README's table)."""
    assert {subpackage(n) for n in MODULES if subpackage(n)} == set(LAYER)


def test_no_import_cycle():
    """Depth-first search over the import graph: a module reached again on the current path closes a cycle."""
    state, path, cycles = {}, [], []

    def visit(name):
        state[name] = "open"
        path.append(name)
        for dep in sorted(GRAPH[name]):
            if state.get(dep) == "open":
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_import_from_a_higher_layer():
    wrong = [f"{a} imports {b}" for a, deps in GRAPH.items() for b in deps
             if subpackage(a) and subpackage(b) and subpackage(a) != subpackage(b)
             and LAYER[subpackage(b)] >= LAYER[subpackage(a)]]
    assert not wrong, "imports against the layers " + " < ".join(LAYERS) + ":\n  " + "\n  ".join(wrong)


def test_the_top_package_imports_nothing():
    """``import lstmrec`` loads nothing heavy: its ``__init__`` imports no subpackage."""
    assert GRAPH["lstmrec"] == set()


def test_no_module_needs_a_later_chapter():
    wrong = [f"{a} (chapter {chapter(a):02d}) imports {b} (chapter {chapter(b):02d})"
             for a, deps in GRAPH.items() for b in deps
             if chapter(a) is not None and chapter(b) is not None and chapter(b) > chapter(a)]
    assert not wrong, "a lower chapter's module depends on a later one's:\n  " + "\n  ".join(wrong)


def test_few_top_level_modules_and_none_too_long():
    """The folder list is the architecture: at most a handful of top-level modules, no file over 700 lines."""
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 3, top
    long = {
        str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 700
    }
    assert not long, f"split these modules: {long}"


@pytest.mark.parametrize("package", sorted(LAYER))
def test_each_subpackage_says_what_it_holds_and_may_import(package):
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text())) or ""
    assert "Holds" in doc or "holds" in doc, f"lstmrec.{package}: say what it holds"
    assert "import" in doc, f"lstmrec.{package}: say what it may import"


def test_the_graph_sees_imports_inside_functions():
    """A hand-checked case: ``models.cache`` imports ``util.files`` at the top; ``course.chapter``
    imports TensorFlow's quiet import inside ``setup``."""
    assert "lstmrec.util.files" in GRAPH["lstmrec.models.cache"]
    inner = ast.parse("def f():\n    from lstmrec.data import ties\n")
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(inner))
