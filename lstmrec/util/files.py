"""Files written safely: checksums, atomic writes, archive members that cannot escape their folder.

Taught in chapter 00 (how the course obtains its data); every module that
writes a file (data, the model cache, the results store, the kit) uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator


class DataError(RuntimeError):
    """A data source was missing, corrupt or malformed. The message says which and what to do."""


class ChecksumError(DataError):
    """A file's checksum is not the pinned one: it is never used."""


def file_digest(path: Path | str, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB blocks.

    Args:
        path: the file.
        algorithm: any name ``hashlib.new`` accepts (``"sha256"``, ``"md5"``).

    Returns:
        The lowercase hex digest.
    """
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path | str, expected: str, algorithm: str = "sha256") -> None:
    """Raise ``ChecksumError`` unless ``path`` has the expected digest.

    Raises:
        ChecksumError: the digests differ; the message names the file, both
            digests and what to do.
    """
    actual = file_digest(path, algorithm)
    if actual != expected.lower():
        raise ChecksumError(
            f"{path}: {algorithm.upper()} is {actual}, expected {expected}. The file is "
            f"corrupt, truncated or not the pinned release; it was not used. Delete it and "
            f"run again to fetch a fresh copy."
        )


@contextlib.contextmanager
def atomic_write(path: Path | str) -> Iterator[Path]:
    """Write to a temporary file beside ``path``; rename it into place only on success.

    Example:
        >>> with atomic_write(paths.data_dir() / "x.bin") as tmp:   # doctest: +SKIP
        ...     tmp.write_bytes(b"...")

    If the block raises (or the process dies), ``path`` is untouched and the
    temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a data file is readable like any other
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def safe_member_path(member: str, target_dir: Path | str) -> Path:
    """Where an archive member may be written, refusing any name that could land outside ``target_dir``.

    Used for every archive the course opens: the pinned data archives and the offline kit.

    Args:
        member: the member's name inside the archive.
        target_dir: the folder it is extracted into.

    Returns:
        The resolved path inside ``target_dir``.

    Raises:
        DataError: the name is absolute, holds a backslash (a Windows separator),
            or climbs out of ``target_dir`` with ``..`` ("zip slip").

    Example:
        >>> safe_member_path("../x", "/tmp/kit")
        Traceback (most recent call last):
        lstmrec.util.files.DataError: archive member '../x' would be written outside /tmp/kit; refusing to extract it
    """
    target = Path(target_dir).resolve()
    if member.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member):
        raise DataError(f"archive member {member!r} has an absolute path; refusing to extract it")
    if "\\" in member:  # a Windows separator: "a\\..\\b" would climb out where it is honoured
        raise DataError(f"archive member {member!r} holds a backslash; refusing to extract it")
    dest = (target / member).resolve()
    if dest != target and target not in dest.parents:
        raise DataError(f"archive member {member!r} would be written outside {target}; refusing to extract it")
    return dest


def replace_between(path: Path | str, start: str, end: str, content: str, write: bool = True) -> bool:
    """Replace what lies between the markers ``start`` and ``end`` in a text file (generated sections).

    The README's chapter table and the instructor guide's run times are written
    this way: everything outside the markers is the maintainers' text and stays.

    Args:
        path: the file; nothing happens if it is missing or lacks either marker.
        start, end: the marker lines, e.g. ``"<!-- chapters:start -->"``.
        content: the new text between them (without the markers).
        write: write the change atomically (False: only say whether it is stale).

    Returns:
        True if the section differs from ``content`` (and, with ``write``, was rewritten).

    Example:
        >>> replace_between("README.md", "<!-- t:start -->", "<!-- t:end -->", "| a |")   # doctest: +SKIP
        True
    """
    path = Path(path)
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{content}\n{end}{tail}"
    if new == text:
        return False
    if write:
        with atomic_write(path) as tmp:
            tmp.write_text(new, encoding="utf-8")
    return True
