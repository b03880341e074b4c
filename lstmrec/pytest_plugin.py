"""A pytest plugin (loaded by ``-p lstmrec.pytest_plugin`` in pyproject.toml): strict mode for solutions.

Exercise stubs in ``notebooks/`` print "not attempted" and pass; the same
checks in ``solutions/`` must pass for real. So strict mode
(``LSTMREC_STRICT=1``) is switched on just before nbval starts the kernel of
a notebook in ``solutions/``, and off for every other test: the kernel
inherits the environment of this process when it starts. ``LSTMREC_HEADLESS=1``
tells widget demos that no one can click (``lstmrec.demo``).
"""

import os
from pathlib import Path

import pytest

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    os.environ["LSTMREC_HEADLESS"] = "1"  # no one clicks widgets here: demos play their scripted picks
    if SOLUTIONS in Path(str(item.path)).resolve().parents:
        os.environ["LSTMREC_STRICT"] = "1"
    else:
        os.environ.pop("LSTMREC_STRICT", None)
