"""What a chapter's cells call: the set-up cell (versions checked, TensorFlow imported quietly, seeds) and ``report``.

Used by every chapter: ``course.chapter.setup()`` is the first code cell of
each notebook, and ``course.chapter.report("07", ...)`` records the headline
numbers ``make run`` shows on the book's contents page.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from lstmrec import SEED, util

PINNED = ("tensorflow", "keras", "keras-rs", "numpy", "pandas", "seaborn")
PYTHONS = ((3, 11), (3, 12), (3, 13))  # the Python versions the course is tested on (Makefile, CI)


def _pins() -> dict[str, str]:
    path = util.paths.repo_root() / "requirements.txt"
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
    (``lstmrec.util.tflog.import_tensorflow``), so it must run before anything
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
        tf = util.tflog.import_tensorflow()  # first, so TensorFlow's start-up log lines stay out of the cell
        import keras

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
        tf.config.list_physical_devices()  # device start-up happens here, not in a later cell
    print(f"Python {platform.python_version()} | " + " | ".join(f"{k} {v}" for k, v in versions.items())
          + f" | seed {seed}")


def report(chapter: str, **values: float) -> dict[str, float]:
    """Record a chapter's headline numbers (floats to 4 significant digits) for the ``make run`` summary.

    Written to ``$LSTMREC_REPORT_DIR/<chapter>.json`` when the build runner set
    that variable; otherwise only returned (and shown by the notebook).
    """
    clean = {k: (float(f"{float(v):.4g}") if isinstance(v, (float, np.floating)) else v) for k, v in values.items()}
    folder = os.environ.get("LSTMREC_REPORT_DIR")
    if folder:
        from lstmrec.util.files import atomic_write

        path = Path(folder) / f"{chapter}.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        with atomic_write(path) as tmp:
            tmp.write_text(json.dumps({**old, **clean}, indent=1))
    return clean
