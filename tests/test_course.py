"""Tests of ``lstmrec.course`` and of the conventions every notebook follows.

The notebook checks read the committed ``.ipynb`` files as JSON (nothing is
executed here; nbval executes them): structure, clean outputs, generated
navigation up to date, no star imports, no code copied between notebooks.
"""

import json
import re
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from lstmrec import course, util
from lstmrec.course.__main__ import main as course_main

ROOT = util.paths.repo_root()
CHAPTER_FILES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTION_FILES = sorted((ROOT / "solutions").glob("*.ipynb"))
ALL_FILES = CHAPTER_FILES + SOLUTION_FILES
SLUGS = [slug for slug, _ in course.contents.CHAPTERS]


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
    assert path.stem in SLUGS, f"{path.name} is not in course.contents.CHAPTERS"
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
    code = [c for c in cs if c["cell_type"] == "code" and course.contents.COLAB_TAG not in c["metadata"].get("tags", [])]
    assert "course.chapter.setup(" in text(code[0]), "the first code cell (after Colab's install cell) is the set-up cell"
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code), "a settings cell tagged parameters"
    headings = [text(c).splitlines()[0] for c in cs if c["cell_type"] == "markdown" and text(c)]
    assert "## Summary" in headings and "## Exercises" in headings
    assert headings.index("## Summary") < headings.index("## Exercises")
    assert course.contents.NAV_TAG in cs[-1].get("metadata", {}).get("tags", []), "the last cell is the navigation"


@pytest.mark.parametrize("path", SOLUTION_FILES, ids=ids(SOLUTION_FILES))
def test_solution_structure(path):
    cs = cells(path)
    assert text(cs[0]).startswith(f"# {path.stem[:2]} · ") and "solutions" in text(cs[0]).splitlines()[0]
    code = [text(c) for c in cs if c["cell_type"] == "code" and course.contents.COLAB_TAG not in c["metadata"].get("tags", [])]
    assert "course.chapter.setup(" in code[0]
    assert not any("raise NotImplementedError" in c for c in code), "a solution still has a stub"
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


# --- the module ---------------------------------------------------------------------


@pytest.mark.parametrize("url, repository", [
    ("https://github.com/owner/lstm-course", "owner/lstm-course"),
    ("https://github.com/owner/lstm.course.git", "owner/lstm.course"),
    ("https://gitlab.com/owner/lstm-course", None),
    ("", None),
])
def test_github_repository_from_pyproject(tmp_path, monkeypatch, url, repository):
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{url}"\n')
    monkeypatch.setattr(util.paths, "repo_root", lambda: tmp_path)
    assert course.contents.github_repository() == repository


def test_colab_cells_are_added_updated_and_removed():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 05 · X"]},
                    {"cell_type": "markdown", "metadata": {}, "source": ["**Objectives**"]},
                    {"cell_type": "code", "metadata": {}, "source": ["course.chapter.setup()"], "outputs": []}]}
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", "owner/name") is True
    kinds = [(c["cell_type"], course.contents.COLAB_TAG in c["metadata"].get("tags", [])) for c in nb["cells"]]
    assert kinds == [("markdown", False), ("markdown", True), ("markdown", False), ("code", True), ("code", False)]
    assert "github/owner/name/blob/main/notebooks/05_x.ipynb" in "".join(nb["cells"][1]["source"])
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", "owner/name") is False  # idempotent
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", "other/name") is True
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", None) is True and len(nb["cells"]) == 3


def test_colab_install_cell_is_valid_python_in_short_lines():
    code = course.contents.colab_install("a-rather-long-organisation-name/lstm-recommender-systems-course")
    compile(code, "colab", "exec")
    assert max(len(line) for line in code.splitlines()) <= 120
    assert 'find_spec("lstmrec") is None' in code and "--depth" in code


def test_chapters_are_numbered_in_order():
    assert [int(slug[:2]) for slug in SLUGS] == list(range(len(SLUGS)))


def test_nav_of_the_first_chapter_has_no_previous():
    nav = course.contents.nav_markdown("00_start_here")
    assert "previous" not in nav and "[contents](00_start_here.ipynb#Contents)" in nav


def test_nav_of_a_solution_points_back_to_its_chapter():
    nav = course.contents.nav_markdown("00_start_here", "solutions")
    assert "(../notebooks/00_start_here.ipynb)" in nav


def test_nav_of_an_unwritten_chapter_is_an_error():
    with pytest.raises(KeyError, match="not a written chapter"):
        course.contents.nav_markdown("99_nothing")


def test_contents_lists_every_chapter():
    contents = course.contents.contents_markdown()
    for slug, title in course.contents.CHAPTERS:
        assert title in contents


def test_report_writes_and_merges_json(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMREC_REPORT_DIR", str(tmp_path))
    assert course.chapter.report("01_x", hr=0.123456) == {"hr": 0.1235}
    course.chapter.report("01_x", users=943)
    assert json.loads((tmp_path / "01_x.json").read_text()) == {"hr": 0.1235, "users": 943}
    assert not list(tmp_path.glob("*.part"))


def test_report_without_runner_only_returns(monkeypatch, tmp_path):
    monkeypatch.delenv("LSTMREC_REPORT_DIR", raising=False)
    assert course.chapter.report("01_x", n=1) == {"n": 1}


def test_check_versions_names_the_wrong_package(monkeypatch):
    real = course.chapter.metadata.version
    monkeypatch.setattr(course.chapter.metadata, "version", lambda name: "0.0.1" if name == "pandas" else real(name))
    with pytest.raises(RuntimeError, match=r"pandas 0\.0\.1 \(the course pins"):
        course.chapter.check_versions()


@pytest.mark.parametrize("version, ok", [((3, 10, 13), False), ((3, 11, 7), True), ((3, 12, 1), True),
                                         ((3, 13, 0), True), ((3, 14, 0), False)])
def test_check_versions_accepts_python_3_11_to_3_13(monkeypatch, version, ok):
    monkeypatch.setattr(course.chapter.sys, "version_info", version)
    if ok:
        assert "numpy" in course.chapter.check_versions()
    else:
        with pytest.raises(RuntimeError, match=r"tested on Python 3\.11, 3\.12 and 3\.13"):
            course.chapter.check_versions()


def test_makefile_names_the_versions_course_accepts():
    makefile = (util.paths.repo_root() / "Makefile").read_text()
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in makefile
    assert course.chapter.PYTHONS == ((3, 11), (3, 12), (3, 13))
    for version in course.chapter.PYTHONS:
        assert "python%d.%d" % version in makefile


def test_ci_workflow_runs_make_test_on_every_supported_python():
    import yaml

    workflow = yaml.safe_load((util.paths.repo_root() / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["%d.%d" % v for v in course.chapter.PYTHONS]
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.startswith("make test") for run in runs)
    uses = [step.get("uses", "") + str(step.get("with", {})) for step in job["steps"]]
    assert any("setup-python" in u and "'cache': 'pip'" in u for u in uses), "pip is cached"
    assert any("actions/cache" in u and "data/*" in u for u in uses), "the data folder is cached"


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


def test_strip_keeps_only_checked_outputs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(1)", execution_count=1,
                                  outputs=[nbformat.v4.new_output("stream", text="1\n")]),
        nbformat.v4.new_code_cell("print(2)", execution_count=2, metadata={"tags": [course.contents.CHECK_TAG]},
                                  outputs=[nbformat.v4.new_output("stream", text="2\n")]),
    ])
    nb.metadata["kernelspec"] = {"name": "other", "display_name": "Other", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.12.1"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    before = path.read_text()
    assert course_main(["strip", "--check", str(path)]) == 1 and path.read_text() == before  # --check writes nothing
    assert course.notebooks.strip(path) is True
    c1, c2 = cells(path)
    assert c1["outputs"] == [] and c1["execution_count"] is None and "keep_output" not in c1["metadata"]
    assert c2["outputs"] and c2["execution_count"] == 2 and c2["metadata"]["keep_output"] is True
    stripped = json.loads(path.read_text())["metadata"]
    assert stripped["kernelspec"] == course.notebooks.KERNELSPEC and stripped["language_info"] == {"name": "python"}
    assert course.notebooks.strip(path) is False  # nothing left to strip
    assert course_main(["strip", "--check", str(path)]) == 0


ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(/(home|Users|root|tmp|work|opt|mnt|var|private)/|[A-Za-z]:\\\\)")


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_committed_notebook_carries_no_machine_specifics(path):
    """The course's kernel, no Python patch version, no absolute path in any source, output or metadata."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"] == course.notebooks.KERNELSPEC, "another kernel: `python -m lstmrec.course strip`"
    assert nb["metadata"].get("language_info", {}) == course.notebooks.LANGUAGE_INFO, "machine's language_info: `course strip`"
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
