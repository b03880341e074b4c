"""The conventions every notebook of the course follows, and the repository's that keep them (README, ``make lint``).

The checks read the committed ``.ipynb`` files as JSON (nothing is executed here; nbval executes them):
structure, clean outputs, generated navigation up to date, no star imports, no code copied between notebooks,
nothing of the machine they were run on.
"""

import json
import re
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from lstmrec import course, util

ROOT = util.paths.repo_root()
CHAPTER_FILES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTION_FILES = sorted((ROOT / "solutions").glob("*.ipynb"))
ALL_FILES = CHAPTER_FILES + SOLUTION_FILES
SLUGS = [slug for slug, _ in course.contents.CHAPTERS] + [slug for slug, _, _ in course.contents.APPENDICES]
APPENDIX_SLUGS = {slug for slug, _, _ in course.contents.APPENDICES}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


# --- the notebooks ------------------------------------------------------------------


def test_there_is_a_first_chapter_and_its_solutions():
    assert (ROOT / "notebooks" / "00_start_here.ipynb") in CHAPTER_FILES
    assert (ROOT / "solutions" / "00_start_here.ipynb") in SOLUTION_FILES


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_notebook_is_valid_and_named_after_a_chapter(path):
    nbformat.validate(nbformat.read(path, as_version=4))
    assert path.stem in SLUGS, f"{path.name} is not in course.contents.CHAPTERS or APPENDICES"
    if path.parent.name == "solutions":
        assert (ROOT / "notebooks" / path.name).exists(), f"solutions/{path.name} has no chapter"


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_only_checked_cells_keep_outputs(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        checked = course.contents.CHECK_TAG in cell.get("metadata", {}).get("tags", [])
        if checked:
            assert cell["outputs"], f"cell {i} is tagged {course.contents.CHECK_TAG} but has no expected output"
            assert cell["execution_count"], f"cell {i} keeps outputs but no execution_count (nbval needs it)"
        else:
            assert not cell["outputs"], f"cell {i} has outputs: run `python -m lstmrec.course strip`"


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=ids(CHAPTER_FILES))
def test_chapter_structure(path):
    cs = cells(path)
    number = path.stem[:2]
    assert cs[0]["cell_type"] == "markdown" and text(cs[0]).startswith(f"# {number} · "), "title first"
    assert any("**Objectives**" in text(c) for c in cs[:3]), "objectives right after the title"
    code = [
        c for c in cs if c["cell_type"] == "code" and course.contents.COLAB_TAG not in c["metadata"].get("tags", [])
    ]
    assert "course.chapter.setup(" in text(code[0]), (
        "the first code cell (after Colab's install cell) is the set-up cell"
    )
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code), "a settings cell tagged parameters"
    headings = [text(c).splitlines()[0] for c in cs if c["cell_type"] == "markdown" and text(c)]
    last = "## Questions" if path.stem in APPENDIX_SLUGS else "## Exercises"  # an appendix asks, a chapter checks
    assert "## Summary" in headings and last in headings
    assert headings.index("## Summary") < headings.index(last)
    assert course.contents.NAV_TAG in cs[-1].get("metadata", {}).get("tags", []), "the last cell is the navigation"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=ids(SOLUTION_FILES))
def test_solution_structure(path):
    cs = cells(path)
    assert text(cs[0]).startswith(f"# {path.stem[:2]} · ") and "solutions" in text(cs[0]).splitlines()[0]
    code = [
        text(c)
        for c in cs
        if c["cell_type"] == "code" and course.contents.COLAB_TAG not in c["metadata"].get("tags", [])
    ]
    assert "course.chapter.setup(" in code[0]
    assert not any("raise NotImplementedError" in c for c in code), "a solution still has a stub"
    if path.stem not in APPENDIX_SLUGS:  # an appendix has questions only: its solutions are answers
        assert any("checks." in c for c in code), "a solution runs the checks"
    assert course.contents.NAV_TAG in cs[-1].get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=ids(CHAPTER_FILES))
def test_every_exercise_stub_ends_with_its_check(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] == "code" and "raise NotImplementedError" in text(cell):
            assert re.search(r"course\.checks\.ch\d\d\.\w+\(", text(cell)), f"cell {i}: a stub without its check call"


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_no_star_imports(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", text(cell), re.M)


def test_no_code_cell_is_copied_between_notebooks():
    seen = defaultdict(list)
    for path in ALL_FILES:
        for cell in cells(path):
            body = "\n".join(line for line in text(cell).splitlines() if line.strip() and not line.startswith("#"))
            generated = course.contents.COLAB_TAG in cell.get("metadata", {}).get("tags", [])  # one source: course.py
            if cell["cell_type"] == "code" and body.count("\n") >= 3 and not generated:
                seen[body].append(f"{path.parent.name}/{path.name}")
    copies = {body: where for body, where in seen.items() if len(set(where)) > 1}
    assert not copies, f"code copied between notebooks (move it into lstmrec): {copies}"


def test_generated_navigation_is_current():
    assert course.notebooks.sync(write=False) == [], "run `python -m lstmrec.course sync`"


def makefile_recipe(target: str) -> list[str]:
    lines = (util.paths.repo_root() / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(PY)", ".venv/bin/python").replace("$(VENV)", ".venv"))
    return recipe


def test_make_lint_checks_what_the_pre_commit_hooks_fix():
    import yaml

    config = yaml.safe_load((util.paths.repo_root() / ".pre-commit-config.yaml").read_text())
    entries = {hook["id"]: hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}
    lint = makefile_recipe("lint")
    # each hook changes files; its twin in `make lint` only checks
    twins = {"nbstripout": entries["nbstripout"] + " --verify", "course-strip": entries["course-strip"] + " --check",
             "course-sync": entries["course-sync"].replace(" sync", " check"),
             "ruff": entries["ruff"].replace(" --fix", "")}
    for hook, command in twins.items():
        words = set(command.split())
        assert any(words <= set(line.split()) for line in lint), f"`make lint` does not check what hook {hook} does"
    assert "lint" in (util.paths.repo_root() / "Makefile").read_text().split("\ntest:")[1].splitlines()[0]


ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(/(home|Users|root|tmp|work|opt|mnt|var|private)/|[A-Za-z]:\\\\)")


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_committed_notebook_carries_no_machine_specifics(path):
    """The course's kernel, no Python patch version, no absolute path in any source, output or metadata."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"] == course.notebooks.KERNELSPEC, (
        "another kernel: `python -m lstmrec.course strip`"
    )
    assert nb["metadata"].get("language_info", {}) == course.notebooks.LANGUAGE_INFO, (
        "machine's language_info: `course strip`"
    )
    found = ABSOLUTE_PATH.findall(path.read_text(encoding="utf-8"))
    assert not found, f"absolute paths {sorted({m[0] for m in found})}: use util.paths.repo_root() or data.data_dir()"


@pytest.mark.parametrize("text, found", [
    ("see /home/ana/course/data", True), ("C:\\\\Users\\\\ana", True), ("/tmp/x.json", True),
    ("../notebooks/01_x.ipynb", False), ("data/ml-100k/u.data", False), ("https://grouplens.org/datasets/", False),
    ("~/work/ and a/work/b", False),
])
def test_absolute_path_pattern(text, found):
    assert bool(ABSOLUTE_PATH.search(text)) is found


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_checked_outputs_hold_no_stderr(path):
    for i, cell in enumerate(cells(path)):
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr", f"cell {i}: stderr is machine-dependent, never an expected output"


def test_readme_names_every_library_module():
    modules = {p.stem for p in (ROOT / "lstmrec").glob("*.py")} - {"__init__", "pytest_plugin"}
    row = next(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `lstmrec/` |"))
    listed = set(re.findall(r"`(\w+)`", row))
    assert modules <= listed, f"README's lstmrec/ row lacks {sorted(modules - listed)}"
