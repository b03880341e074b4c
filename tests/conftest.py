"""Fixtures shared by the data tests: no network, no pip, and a data folder inside ``tmp_path``.

Used with ``pytestmark = pytest.mark.usefixtures("offline")`` by the tests of
``data.fetch``, ``data.instacart`` and ``data.collegemsg``; a test that
reads the real cached data asks for ``real_data_dir`` instead.
"""

import os
import subprocess
import urllib.request

import pytest

from lstmrec import data, util

REAL_DATA_DIR_ENV = os.environ.get("LSTMREC_DATA_DIR")  # before any test changes it


@pytest.fixture
def offline(monkeypatch, tmp_path, request):
    """Refuse any URL, any subprocess and any pip download; point data_dir() into tmp_path."""
    def refuse(what):
        def called(*args, **kwargs):
            raise AssertionError(f"a test tried to {what}: {args}")
        return called

    monkeypatch.setattr(urllib.request, "urlopen", refuse("reach the network"))
    monkeypatch.setattr(subprocess, "run", refuse("run a subprocess"))
    monkeypatch.setattr(data.fetch, "pip_download", refuse("run pip download"))
    if "real_data_dir" not in request.fixturenames:
        monkeypatch.setenv("LSTMREC_DATA_DIR", str(tmp_path / "LSTMREC_DATA_DIR"))


@pytest.fixture
def real_data_dir(monkeypatch):
    """The real data folder: only for the tests that read the real cached data."""
    if REAL_DATA_DIR_ENV:
        monkeypatch.setenv("LSTMREC_DATA_DIR", REAL_DATA_DIR_ENV)
    else:
        monkeypatch.delenv("LSTMREC_DATA_DIR", raising=False)
    return util.paths.data_dir()
