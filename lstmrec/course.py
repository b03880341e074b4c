"""The course itself: chapter list, set-up cell, navigation, reported metrics, notebook hygiene.

Used by every chapter's first and last cells; the maintainers' commands are
``python -m lstmrec.course sync`` (rewrite the generated navigation and
contents cells), ``check`` (fail if they are stale), ``strip`` (remove
outputs, except those of cells tagged ``nbval-check-output``) and ``refresh``
(execute a notebook and keep only those checked outputs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from lstmrec import SEED, tflog

CHAPTERS: list[tuple[str, str]] = [
    ("00_start_here", "Start here: the course map, exercises and checks, the data"),
    ("01_recommender_basics", "Recommender systems and why order matters"),
    ("02_rnn_background", "Recurrent networks and vanishing gradients"),
    ("03_lstm_gates", "The LSTM cell: gates from scratch, equal to Keras"),
    ("04_first_keras_lstm", "A first Keras LSTM"),
    ("05_sequence_data", "From interactions to sequences"),
    ("06_lstm_recommender", "An LSTM next-item recommender"),
    ("07_evaluation", "Evaluation that holds up"),
    ("08_movielens_1m", "Longer histories: MovieLens-1M"),
    ("09_real_time", "Real-time recommendation"),
    ("10_case_studies", "Application case studies: e-commerce, social, content"),
    ("11_challenges", "Challenges: privacy and compute"),
    ("12_beyond_lstm", "After the LSTM, and the article's questions answered"),
]
"""Every chapter of the course, in order: (notebook name, title)."""

NAV_TAG = "nav"  # the generated previous / contents / next cell at the end of a notebook
CONTENTS_TAG = "contents"  # the generated chapter list in 00_start_here
COLAB_TAG = "colab"  # the generated "Open in Colab" badge and the cell that installs the course where it is missing
CHECK_TAG = "nbval-check-output"  # nbval compares this cell's output; its output is committed
PINNED = ("tensorflow", "keras", "keras-rs", "numpy", "pandas", "seaborn")
PYTHONS = ((3, 11), (3, 12), (3, 13))  # the Python versions the course is tested on (Makefile, CI)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}  # every notebook's
LANGUAGE_INFO = {"name": "python"}  # committed without the machine's Python version


def repo_root() -> Path:
    """The repository the course is installed from (the package is installed in editable mode)."""
    return Path(__file__).resolve().parent.parent


def notebook_path(slug: str, folder: str = "notebooks") -> Path:
    """``notebooks/<slug>.ipynb`` (or ``solutions/``)."""
    return repo_root() / folder / f"{slug}.ipynb"


def written_chapters() -> list[tuple[str, str]]:
    """The chapters whose notebook exists, in course order."""
    return [(slug, title) for slug, title in CHAPTERS if notebook_path(slug).exists()]


# --- the set-up cell ----------------------------------------------------------------


def _pins() -> dict[str, str]:
    path = repo_root() / "requirements.txt"
    if not path.exists():
        return {}
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def check_versions(packages: tuple[str, ...] = PINNED) -> dict[str, str]:
    """Check Python 3.11-3.13 and that key packages are the versions ``requirements.txt`` pins.

    Returns:
        package -> installed version.

    Raises:
        RuntimeError: a package is missing or another version, with the fix.
    """
    if not PYTHONS[0] <= sys.version_info[:2] <= PYTHONS[-1]:
        raise RuntimeError(f"the course is tested on Python 3.11, 3.12 and 3.13, this is "
                           f"{platform.python_version()}; run `make lab` to use the course's environment")
    pins, found, wrong = _pins(), {}, []
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} is not installed")
            continue
        if name in pins and found[name] != pins[name]:
            wrong.append(f"{name} {found[name]} (the course pins {pins[name]})")
    if wrong:
        raise RuntimeError("this environment is not the course's: " + "; ".join(wrong)
                           + ". Run `make setup` and choose the .venv kernel (or use `make lab`).")
    return found


def setup(seed: int = SEED, tensorflow: bool = True) -> None:
    """The first code cell of every chapter: check versions, seed everything, make runs repeatable.

    With ``tensorflow``, it imports TensorFlow first and quietly
    (``lstmrec.tflog.import_tensorflow``), so it must run before anything
    imports ``keras`` or ``tensorflow``: that is why it has a cell of its own,
    before the chapter's imports.

    Seeds Python's ``random``, NumPy and (with ``tensorflow``) Keras/TensorFlow
    through ``keras.utils.set_random_seed``, and turns on TensorFlow's op
    determinism, so the same run on the same machine gives the same numbers.

    Args:
        seed: the seed (default ``lstmrec.SEED``).
        tensorflow: also import and seed TensorFlow/Keras (a few seconds).

    Prints Python's and the checked packages' versions and the seed, on one line.
    """
    versions = check_versions()
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow:
        tf = tflog.import_tensorflow()  # first, so TensorFlow's start-up log lines stay out of the cell
        import keras

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
        tf.config.list_physical_devices()  # device start-up happens here, not in a later cell
    print(f"Python {platform.python_version()} | " + " | ".join(f"{k} {v}" for k, v in versions.items())
          + f" | seed {seed}")


# --- metrics a chapter reports to `make run` ----------------------------------------


def report(chapter: str, **values: float) -> dict[str, float]:
    """Record a chapter's headline numbers (floats to 4 significant digits) for the ``make run`` summary.

    Written to ``$LSTMREC_REPORT_DIR/<chapter>.json`` when the build runner set
    that variable; otherwise only returned (and shown by the notebook).
    """
    clean = {k: (float(f"{float(v):.4g}") if isinstance(v, (float, np.floating)) else v) for k, v in values.items()}
    folder = os.environ.get("LSTMREC_REPORT_DIR")
    if folder:
        from lstmrec.data import atomic_write

        path = Path(folder) / f"{chapter}.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        with atomic_write(path) as tmp:
            tmp.write_text(json.dumps({**old, **clean}, indent=1))
    return clean


# --- generated cells ----------------------------------------------------------------


def nav_markdown(slug: str, folder: str = "notebooks") -> str:
    """The navigation line of chapter ``slug``: previous · contents · next."""
    chapters = written_chapters()
    slugs = [s for s, _ in chapters]
    if slug not in slugs:
        raise KeyError(f"{slug!r} is not a written chapter: {slugs}")
    i = slugs.index(slug)
    prefix = "" if folder == "notebooks" else "../notebooks/"
    parts = []
    if i > 0:
        parts.append(f"← previous: [{chapters[i - 1][1]}]({prefix}{chapters[i - 1][0]}.ipynb)")
    parts.append(f"[contents]({prefix}00_start_here.ipynb#Contents)")
    if i + 1 < len(chapters):
        parts.append(f"next: [{chapters[i + 1][1]}]({prefix}{chapters[i + 1][0]}.ipynb) →")
    if folder == "solutions":
        parts.append(f"[the chapter]({prefix}{slug}.ipynb)")
    return "---\n" + " · ".join(parts)


def contents_markdown() -> str:
    """The course map: every chapter, linked where it is written."""
    lines = ["## Contents", ""]
    for slug, title in CHAPTERS:
        number = slug[:2]
        if notebook_path(slug).exists():
            sol = notebook_path(slug, "solutions").exists()
            lines.append(f"{int(number)}. [{title}]({slug}.ipynb)"
                         + (f" · [solutions](../solutions/{slug}.ipynb)" if sol else ""))
        else:
            lines.append(f"{int(number)}. {title} *(in preparation)*")
    return "\n".join(lines)


def github_repository() -> str | None:
    """``"owner/name"`` of the course's public GitHub repository, from pyproject.toml's ``[project.urls]``.

    None while no ``Repository = "https://github.com/owner/name"`` is set there: then
    ``sync`` adds no Colab badge and no install cell (they would point nowhere).
    """
    import tomllib

    path = repo_root() / "pyproject.toml"
    if not path.exists():
        return None
    url = tomllib.loads(path.read_text()).get("project", {}).get("urls", {}).get("Repository", "")
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(\.git)?/?", url)
    return match[1] if match else None


def colab_badge(slug: str, folder: str, repository: str) -> str:
    """The "Open in Colab" badge of a notebook (generated, tagged ``colab``)."""
    url = f"https://colab.research.google.com/github/{repository}/blob/main/{folder}/{slug}.ipynb"
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def colab_install(repository: str) -> str:
    """The cell before the set-up cell: on Colab (or wherever ``lstmrec`` is missing) fetch and install the course."""
    return ("# On Colab, or wherever the course's library is missing: fetch the course and install it\n"
            "# (a few minutes; if Colab then asks to restart the session, do, and run from the top).\n"
            "# In the course's own environment (make lab) this cell does nothing.\n"
            "import importlib.util\n"
            "import subprocess\n"
            "import sys\n"
            "\n"
            "if importlib.util.find_spec(\"lstmrec\") is None:\n"
            f"    url = \"https://github.com/{repository}\"\n"
            "    subprocess.run([\"git\", \"clone\", \"--quiet\", \"--depth\", \"1\", url, \"course\"], check=True)\n"
            "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\",\n"
            "                    \"-r\", \"course/requirements.txt\", \"-e\", \"course\"], check=True)\n"
            "    sys.path.insert(0, \"course\")")


def _sync_colab(nb: dict, slug: str, folder: str, repository: str | None) -> bool:
    """Add, update or (without a repository) remove a notebook's two generated Colab cells."""
    cells = nb["cells"]
    before = json.dumps(cells)
    cells[:] = [c for c in cells if COLAB_TAG not in _tags(c)]
    if repository:
        badge = {"cell_type": "markdown", "id": f"{slug}-colab-badge", "metadata": {"tags": [COLAB_TAG]},
                 "source": _source(colab_badge(slug, folder, repository))}
        install = {"cell_type": "code", "execution_count": None, "id": f"{slug}-colab-install",
                   "metadata": {"tags": [COLAB_TAG]}, "outputs": [], "source": _source(colab_install(repository))}
        first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
        cells.insert(first_code, install)
        cells.insert(1, badge)
    return json.dumps(cells) != before


README_START, README_END = "<!-- chapters:start -->", "<!-- chapters:end -->"


def readme_table() -> str:
    """The README's chapter table: every chapter, linked where it is written, with its solutions."""
    lines = ["| | chapter | |", "|---|---|---|"]
    for slug, title in CHAPTERS:
        if notebook_path(slug).exists():
            sol = f"[solutions](solutions/{slug}.ipynb)" if notebook_path(slug, "solutions").exists() else ""
            lines.append(f"| {slug[:2]} | [{title}](notebooks/{slug}.ipynb) | {sol} |")
        else:
            lines.append(f"| {slug[:2]} | {title} | in preparation |")
    return "\n".join(lines)


def _sync_readme(write: bool) -> bool:
    path = repo_root() / "README.md"
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    new = f"{head}{README_START}\n{readme_table()}\n{README_END}{tail}"
    if new == text:
        return False
    if write:
        from lstmrec.data import atomic_write

        with atomic_write(path) as tmp:
            tmp.write_text(new, encoding="utf-8")
    return True


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, nb: dict) -> None:
    from lstmrec.data import atomic_write

    with atomic_write(path) as tmp:
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
    repository = github_repository()
    for folder in ("notebooks", "solutions"):
        for path in sorted((repo_root() / folder).glob("*.ipynb")):
            nb = _read(path)
            dirty = _sync_colab(nb, path.stem, folder, repository)
            for cell in nb["cells"]:
                if NAV_TAG in _tags(cell):
                    text = nav_markdown(path.stem, folder)
                elif CONTENTS_TAG in _tags(cell):
                    text = contents_markdown()
                else:
                    continue
                if "".join(cell["source"]) != text:
                    cell["source"] = _source(text)
                    dirty = True
            if dirty:
                changed.append(str(path.relative_to(repo_root())))
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
        if CHECK_TAG in _tags(cell):
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


def _all_notebooks() -> list[str]:
    return sorted(str(p) for f in ("notebooks", "solutions") for p in (repo_root() / f).glob("*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    """``python -m lstmrec.course {sync,check,strip,refresh} [--check] [paths]``."""
    parser = argparse.ArgumentParser(prog="python -m lstmrec.course", description=main.__doc__)
    parser.add_argument("command", choices=["sync", "check", "strip", "refresh"])
    parser.add_argument("paths", nargs="*", help="notebooks to strip or refresh (default: all)")
    parser.add_argument("--check", action="store_true", help="strip: change nothing, exit 1 if a notebook would change")
    args = parser.parse_intermixed_args(argv)
    if args.command == "refresh":
        for p in args.paths or _all_notebooks():
            print(f"refreshing {p}", flush=True)
            refresh(p)
        return 0
    if args.command == "strip":
        dirty = [p for p in args.paths or _all_notebooks() if strip(p, write=not args.check)]
        for p in dirty:
            print(("would strip " if args.check else "stripped ") + p)
        return 1 if (dirty and args.check) else 0
    changed = sync(write=args.command == "sync")
    for c in changed:
        print(("updated " if args.command == "sync" else "stale: ") + c)
    return 1 if (changed and args.command == "check") else 0


if __name__ == "__main__":
    raise SystemExit(main())
