"""The package as pip builds it: every folder of ``lstmrec`` with Python files is a package that
``pyproject.toml``'s ``packages.find`` finds, so a built wheel holds every subpackage, and the package data it
names (the book's style sheet and template) exists. And the tests mirror it: each module
``lstmrec/<subpackage>/<module>.py`` has its ``tests/<subpackage>/test_<module>.py`` (``__main__``: ``test_main.py``).
"""

import tomllib

import setuptools

from lstmrec import util

ROOT = util.paths.repo_root()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def folders_with_python() -> set[str]:
    return {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "lstmrec").rglob("*.py")
            if "__pycache__" not in p.parts}


def test_every_folder_with_python_files_is_a_package():
    missing = sorted(f for f in folders_with_python() if not (ROOT / f.replace(".", "/") / "__init__.py").exists())
    assert missing == [], f"folders without __init__.py (a wheel would leave them out): {missing}"


def test_packages_find_includes_every_subpackage():
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    found = set(setuptools.find_packages(where=str(ROOT), include=include))
    assert found == folders_with_python()
    assert {"lstmrec.data", "lstmrec.course.checks"} <= found


def test_package_data_exists():
    for package, patterns in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        folder = ROOT / package.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"{package}: no file matches {pattern!r}"


def test_every_module_has_its_test_file():
    missing = []
    for path in sorted((ROOT / "lstmrec").rglob("*.py")):
        if path.name == "__init__.py" or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT / "lstmrec")
        test = ROOT / "tests" / relative.parent / f"test_{path.stem.strip('_')}.py"
        if not test.exists():
            missing.append(f"lstmrec/{relative} -> {test.relative_to(ROOT)}")
    assert missing == [], "modules without their test file:\n" + "\n".join(missing)
