"""Where the course's files live: the repository, its data folder, its results.

Used by every layer; computed here once. The course is installed in editable
mode (``pip install -e .``), so the repository sits next to the package.
"""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The repository the course is installed from: the folder that holds ``lstmrec/``."""
    return Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The folder that holds downloaded data and cached artefacts.

    ``$LSTMREC_DATA_DIR`` if set; otherwise the repository's ``data/`` folder;
    otherwise (an installed wheel, no repository) ``~/.cache/lstmrec``. Never
    the current working directory.

    Returns:
        The folder, created if needed.
    """
    if os.environ.get("LSTMREC_DATA_DIR"):
        path = Path(os.environ["LSTMREC_DATA_DIR"]).expanduser()
    else:
        repo = repo_root()
        path = repo / "data" if (repo / "pyproject.toml").exists() else Path.home() / ".cache" / "lstmrec"
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir() -> Path:
    """``results/`` in the repository: the committed bench runs the chapters load (``bench.results``)."""
    return repo_root() / "results"
