"""Unit tests for ``lstmrec.bench.suites``: every suite is a module with ``run`` and a first docstring line, and
each has its committed run under ``results/`` where ``bench.results.suite_path`` says.
"""

import inspect

import pytest

from lstmrec import bench
from lstmrec.bench.suites import SUITES


def test_the_suites_by_name():
    assert list(SUITES) == ["privacy", "compute", "speed", "beyond"]


@pytest.mark.parametrize("name", list(SUITES))
def test_each_suite_runs_and_says_what_it_is(name):
    module = SUITES[name]
    assert callable(module.run) and "log" in inspect.signature(module.run).parameters
    assert module.__doc__ and module.__doc__.splitlines()[0].strip()


@pytest.mark.parametrize("name", list(SUITES))
def test_each_suite_has_its_committed_run(name):
    path = bench.results.suite_path(name)
    assert path.name == f"suite-{name}.json" and path.exists()
    assert bench.results.load_artefact(path)["command"] == f"python -m lstmrec.bench --suite {name}"
