"""A pytest plugin (loaded by ``-p lstmrec.course.pytest_plugin`` in pyproject.toml): strict mode for solutions.

Exercise stubs in ``notebooks/`` print "not attempted" and pass; the same
checks in ``solutions/`` must pass for real. So strict mode
(``LSTMREC_STRICT=1``) is switched on just before nbval starts the kernel of
a notebook in ``solutions/``, and off for every other test: the kernel
inherits the environment of this process when it starts. ``LSTMREC_HEADLESS=1``
tells widget demos that no one can click (``lstmrec.serve.demo``).

It also fails any notebook cell whose output holds TensorFlow's log lines
(``lstmrec.util.tflog``): what a learner would see as red start-up noise, such as
"failed call to cuInit", is a test failure, in every notebook the run executes.

And it defines the markers of the fast loop (``MARKERS``): ``make check`` runs
``-m "not slow and not real_data and not notebooks"``, ``make test`` runs all.
"""

import functools
import os
from pathlib import Path

import pytest

from lstmrec import util

SOLUTIONS = util.paths.repo_root() / "solutions"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    os.environ["LSTMREC_HEADLESS"] = "1"  # no one clicks widgets here: demos play their scripted picks
    if SOLUTIONS in Path(str(item.path)).resolve().parents:
        os.environ["LSTMREC_STRICT"] = "1"
    else:
        os.environ.pop("LSTMREC_STRICT", None)


MARKERS = {
    "slow": "takes a second or more on 2 cores: a training run, a subprocess or a server",
    "real_data": "reads the real data sets from data/ (make data obtains them)",
    "notebooks": "a notebook or solution cell run by nbval (set on every .ipynb item)",
}
"""The test markers: ``make check`` runs what carries none of them, ``make test`` everything."""


def pytest_collection_modifyitems(items):
    """Mark every notebook cell ``notebooks`` and every test that asks for ``real_data_dir`` ``real_data``."""
    for item in items:
        if Path(str(item.path)).suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
        if "real_data_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_data)


def pytest_configure(config):
    """Register the markers; start nbval's kernels as JupyterLab starts them, so cells show what a learner would see.

    ipykernel shows what C/C++ code writes to descriptors 1 and 2 (TensorFlow's
    log lines) in the cell's output, except when ``PYTEST_CURRENT_TEST`` is
    in its environment, which pytest sets while nbval starts the kernel. So
    nbval's ``start_new_kernel`` is given the environment without it.
    """
    for name, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")
    try:
        from nbval import kernel
    except ImportError:  # nbval not installed: nothing to start
        return
    if getattr(kernel.start_new_kernel, "as_jupyterlab", False):
        return
    start = kernel.start_new_kernel

    @functools.wraps(start)
    def start_as_jupyterlab(*args, **kwargs):
        kwargs.setdefault("env", {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"})
        return start(*args, **kwargs)

    start_as_jupyterlab.as_jupyterlab = True
    kernel.start_new_kernel = start_as_jupyterlab


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed:
        return
    lines = util.tflog.output_log_lines(getattr(item, "test_outputs", None))  # nbval keeps a cell's outputs there
    if lines:
        report.outcome = "failed"
        report.longrepr = (f"{item.name}: TensorFlow log lines in the cell's output, which a learner would see:\n  "
                           + "\n  ".join(lines[:5])
                           + "\nDoes something import keras or tensorflow before course.chapter.setup()? "
                             "(lstmrec/util/tflog.py)")
