"""Tiny CollegeMsg files for the tests of ``lstmrec.data.collegemsg``, in the real file's format
(``Source,Target,Timestamp``, CRLF lines, times like ``4/15/04 2:56 PM``, gzip), and the tables they must
parse to (computed by hand).
"""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pandas as pd


def utc_seconds(year, month, day, hour, minute) -> int:
    """Seconds since 1970-01-01 of a clock time read as UTC, by the standard library."""
    return int(datetime(year, month, day, hour, minute, tzinfo=timezone.utc).timestamp())


T1 = utc_seconds(2004, 4, 15, 9, 5)  # "4/15/04 9:05 AM"
T2 = utc_seconds(2004, 4, 15, 14, 56)  # "4/15/04 2:56 PM"
T3 = utc_seconds(2004, 4, 16, 22, 50)  # "4/16/04 10:50 PM"
T4 = utc_seconds(2004, 4, 19, 22, 39)  # "4/19/04 10:39 PM"
assert (T1, T2, T3, T4) == (1082019900, 1082040960, 1082155800, 1082414340)

# Eight messages in the file's order. User 1 sent four messages in the minute 2:56 PM
# (to 7, 2, 5 and 2 again: rows 2 and 7 are the same message twice) after one at 9:05 AM;
# user 3 sent two in the minute 10:50 PM.
ROWS = [  # Source, Target, Timestamp
    ("1", "7", "4/15/04 2:56 PM"),
    ("3", "4", "4/16/04 10:50 PM"),
    ("1", "2", "4/15/04 2:56 PM"),
    ("5", "2", "4/19/04 10:39 PM"),
    ("1", "3", "4/15/04 9:05 AM"),
    ("1", "5", "4/15/04 2:56 PM"),
    ("3", "1", "4/16/04 10:50 PM"),
    ("1", "2", "4/15/04 2:56 PM"),
]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"], dtype="int64")


EXPECTED_SOURCE = frame([  # ties in the file's row order
    (1, 3, T1), (1, 7, T2), (1, 2, T2), (1, 5, T2), (1, 2, T2), (3, 4, T3), (3, 1, T3), (5, 2, T4)])
EXPECTED_ITEM_ID = frame([  # ties by increasing recipient
    (1, 3, T1), (1, 2, T2), (1, 2, T2), (1, 5, T2), (1, 7, T2), (3, 1, T3), (3, 4, T3), (5, 2, T4)])


def csv_text(rows=ROWS, header: str = "Source,Target,Timestamp", newline: str = "\r\n") -> bytes:
    return (newline.join([header] + [",".join(row) for row in rows]) + newline).encode()


def gz(raw: bytes) -> bytes:
    """Gzip with a fixed mtime, so the same text always gives the same bytes."""
    return gzip.compress(raw, mtime=0)


def csv_gz(rows=ROWS, **kwargs) -> bytes:
    return gz(csv_text(rows, **kwargs))


def changed(row: int, column: str, value: str) -> list[tuple[str, ...]]:
    """ROWS with one field of row ``row`` (0-based) replaced."""
    rows = [list(r) for r in ROWS]
    rows[row][("Source", "Target", "Timestamp").index(column)] = value
    return [tuple(r) for r in rows]
