"""Notebook hygiene: the generated cells kept in sync, outputs stripped, checked outputs refreshed.

The maintainers' commands (``course.__main__``): ``python -m lstmrec.course sync``
(rewrite the generated navigation, contents and Colab cells, and the README's
chapter table), ``check`` (fail if they are stale), ``strip`` (remove outputs,
except those of cells tagged ``nbval-check-output``) and ``refresh`` (execute a
notebook and keep only those checked outputs).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lstmrec.course import contents
from lstmrec.util import files, paths

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}  # every notebook's
LANGUAGE_INFO = {"name": "python"}  # committed without the machine's Python version


def _sync_colab(nb: dict, slug: str, folder: str, repository: str | None) -> bool:
    """Add, update or (without a repository) remove a notebook's two generated Colab cells."""
    cells = nb["cells"]
    before = json.dumps(cells)
    cells[:] = [c for c in cells if contents.COLAB_TAG not in _tags(c)]
    if repository:
        badge = {"cell_type": "markdown", "id": f"{slug}-colab-badge", "metadata": {"tags": [contents.COLAB_TAG]},
                 "source": _source(contents.colab_badge(slug, folder, repository))}
        install = {"cell_type": "code", "execution_count": None, "id": f"{slug}-colab-install",
                   "metadata": {"tags": [contents.COLAB_TAG]}, "outputs": [],
                   "source": _source(contents.colab_install(repository))}
        first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
        cells.insert(first_code, install)
        cells.insert(1, badge)
    return json.dumps(cells) != before


def _sync_readme(write: bool) -> bool:
    return files.replace_between(paths.repo_root() / "README.md", contents.README_START, contents.README_END,
                                 contents.readme_table(), write)


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, nb: dict) -> None:
    with files.atomic_write(path) as tmp:
        tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _source(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def sync(write: bool = True) -> list[str]:
    """Regenerate the generated cells of every notebook and solution, and the README's chapter table.

    The generated cells: ``nav`` (previous / contents / next), ``contents`` (00's
    course map) and, once pyproject.toml names the public repository, ``colab``
    (the badge after the title and the install cell before the set-up cell).

    Args:
        write: write the changes (False: only report which are stale).

    Returns:
        The notebooks that changed (or would change).
    """
    changed = ["README.md"] if _sync_readme(write) else []
    repository = contents.github_repository()
    for folder in ("notebooks", "solutions"):
        for path in sorted((paths.repo_root() / folder).glob("*.ipynb")):
            nb = _read(path)
            dirty = _sync_colab(nb, path.stem, folder, repository)
            for cell in nb["cells"]:
                if contents.NAV_TAG in _tags(cell):
                    text = contents.nav_markdown(path.stem, folder)
                elif contents.CONTENTS_TAG in _tags(cell):
                    text = contents.contents_markdown()
                else:
                    continue
                if "".join(cell["source"]) != text:
                    cell["source"] = _source(text)
                    dirty = True
            if dirty:
                changed.append(str(path.relative_to(paths.repo_root())))
                if write:
                    _write(path, nb)
    return changed


def strip(path: Path | str, write: bool = True) -> bool:
    """Remove outputs and execution counts, except in cells tagged ``nbval-check-output``.

    Those cells get ``"keep_output": true`` in their metadata, which is what
    nbstripout (``.pre-commit-config.yaml``, ``make lint``) keeps. The
    notebook's kernel is set to the course's and its ``language_info`` loses
    the machine's Python version.

    Args:
        path: the notebook.
        write: write the stripped notebook back (False: only say whether it would change).

    Returns:
        True if the file changed.
    """
    path = Path(path)
    nb = _read(path)
    before = json.dumps(nb, sort_keys=True)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        if contents.CHECK_TAG in _tags(cell):
            cell["metadata"]["keep_output"] = True  # what tells nbstripout (the pre-commit hook) to keep it
            continue
        cell["metadata"].pop("keep_output", None)
        cell["outputs"] = []
        cell["execution_count"] = None
    nb["metadata"].pop("widgets", None)
    nb["metadata"]["kernelspec"] = dict(KERNELSPEC)
    nb["metadata"]["language_info"] = dict(LANGUAGE_INFO)
    if json.dumps(nb, sort_keys=True) == before:
        return False
    if write:
        _write(path, nb)
    return True


def refresh(path: Path | str) -> None:
    """Execute a notebook and keep only the outputs nbval checks (cells tagged ``nbval-check-output``).

    Run after changing a checked cell, so the committed expected output is current.
    Solutions run in strict mode, as in the tests.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path).resolve()
    env_strict = os.environ.get("LSTMREC_STRICT")
    if path.parent.name == "solutions":
        os.environ["LSTMREC_STRICT"] = "1"
    else:
        os.environ.pop("LSTMREC_STRICT", None)
    try:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_strict is None:
            os.environ.pop("LSTMREC_STRICT", None)
        else:
            os.environ["LSTMREC_STRICT"] = env_strict
    for cell in nb.cells:  # the checked outputs hold no timing or memory address: keep them as they are
        if cell.cell_type == "code":
            cell.metadata.pop("execution", None)
            # stderr (library warnings, TensorFlow's log lines) depends on the machine: never an expected output
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    _write(path, json.loads(nbformat.writes(nb)))
    strip(path)


def all_notebooks() -> list[str]:
    return sorted(str(p) for f in ("notebooks", "solutions") for p in (paths.repo_root() / f).glob("*.ipynb"))
