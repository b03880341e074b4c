"""Unit tests for ``lstmrec.util.files``: archive member names that stay inside their folder, atomic writes,
checksums, and the generated sections of a text file (``replace_between``).

Every file is written under ``tmp_path``.
"""

from __future__ import annotations

import re

import pytest

from lstmrec import data, util

# --- 5. safety ----------------------------------------------------------------------


@pytest.mark.parametrize("member, message", [
    ("../evil", "would be written outside"),
    ("a/../../b", "would be written outside"),
    ("..", "would be written outside"),
    ("ml-100k/../../../etc/passwd", "would be written outside"),
    ("/abs/path", "has an absolute path"),
    ("\\\\server\\share\\x", "has an absolute path"),
    ("C:\\x", "has an absolute path"),
    ("c:x", "has an absolute path"),
])
def test_safe_member_path_refuses_escapes(tmp_path, member, message):
    with pytest.raises(data.fetch.DataError, match=re.escape(f"archive member {member!r} ") + message):
        util.files.safe_member_path(member, tmp_path)


@pytest.mark.parametrize("member, inside", [
    ("ml-100k.inter", "ml-100k.inter"),
    ("sub/dir/file.txt", "sub/dir/file.txt"),
    ("a/../b", "b"),
])
def test_safe_member_path_accepts_names_inside(tmp_path, member, inside):
    assert util.files.safe_member_path(member, tmp_path) == tmp_path.resolve() / inside


def test_atomic_write_replaces_on_success(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")
    with util.files.atomic_write(path) as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".part") and tmp != path
        tmp.write_bytes(b"new")
        assert path.read_bytes() == b"old"  # not yet
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.bin"]


@pytest.mark.parametrize("existed", [True, False])
def test_atomic_write_leaves_old_file_and_no_temp_when_block_raises(tmp_path, existed):
    path = tmp_path / "sub" / "file.bin"
    if existed:
        path.parent.mkdir()
        path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="interrupted"):
        with util.files.atomic_write(path) as tmp:
            tmp.write_bytes(b"half-written")
            raise RuntimeError("interrupted")
    assert sorted(p.name for p in path.parent.iterdir()) == (["file.bin"] if existed else [])
    if existed:
        assert path.read_bytes() == b"old"


def test_verify_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    util.files.verify_file(path, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")  # case-insensitive
    util.files.verify_file(path, "900150983cd24fb0d6963f7d28e17f72", "md5")
    with pytest.raises(data.fetch.ChecksumError, match=r"/f: MD5 is 900150983cd24fb0d6963f7d28e17f72, expected 0+\."):
        util.files.verify_file(path, "0" * 32, "md5")
