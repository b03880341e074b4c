"""Unit tests for ``lstmrec.util.paths``: the repository, its data folder (``$LSTMREC_DATA_DIR`` first), its results."""

from __future__ import annotations

from lstmrec import util


def test_data_dir_honours_the_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere" / "data"
    monkeypatch.setenv("LSTMREC_DATA_DIR", str(target))
    assert util.paths.data_dir() == target
    assert target.is_dir()
