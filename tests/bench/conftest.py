"""The bench's tests write run records into ``tmp_path``, never into the committed ``results/runs/``."""

import pytest

from lstmrec.bench import runs


@pytest.fixture(autouse=True)
def run_records(monkeypatch, tmp_path):
    """``bench.runs.runs_dir()`` inside ``tmp_path``: the folder a test's run records go to."""
    folder = tmp_path / "runs"
    monkeypatch.setattr(runs, "runs_dir", lambda: folder)
    return folder
