"""The state store: each user's LSTM state and event log in SQLite, one transaction per event.

Taught in appendix A2 (chapter 09 uses it in process); ``lstmrec.serve`` keeps its users here.

Two tables, in one SQLite file in WAL mode (write-ahead log: readers never
block the writer, and a commit is one append to the log):

    users  (user_id TEXT PRIMARY KEY, h BLOB, c BLOB, num_events INTEGER)   the state after the last event
    events (seq INTEGER PRIMARY KEY, user_id, item_id, event_id, received_at) every event, in arrival order

``apply_event`` reads a user's state, runs the step, appends the event and
writes the new state inside ONE ``BEGIN IMMEDIATE`` transaction. IMMEDIATE
takes SQLite's write lock before the read, so two updates of the same user
(from threads or processes) run one after the other: neither is lost, and the
state always equals the replay of that user's log. If the process dies
mid-update the transaction never committed and nothing of it remains.

An optional client ``event_id`` makes retries safe: an event already stored
under the same ``(user_id, event_id)`` is not applied again (and the same id
with another item is refused as a conflict).

Durability: with ``synchronous=NORMAL`` (the default here) a committed event
survives a crash of the process (the operating system still holds the log),
but the last commits can be lost in a power cut; ``synchronous=FULL`` also
survives a power cut, at the price of one ``fsync`` per event.
"""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, h BLOB NOT NULL, c BLOB NOT NULL, num_events INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, item_id INTEGER NOT NULL,
    event_id TEXT, received_at REAL NOT NULL, UNIQUE (user_id, event_id));
CREATE INDEX IF NOT EXISTS events_by_user ON events (user_id, item_id);
"""

Step = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]]
"""``(h (H,), c (H,), item_id) -> (h, c)``: the model's one-event update."""


class EventConflict(ValueError):
    """An ``event_id`` reused for a different item: a client bug, refused rather than guessed at."""


@dataclasses.dataclass(frozen=True)
class Applied:
    """What ``apply_event`` did.

    Attributes:
        num_events: the user's events after this one.
        duplicate: True if ``event_id`` was already stored: nothing was changed.
        h, c: (H,) the user's state now.
    """

    num_events: int
    duplicate: bool
    h: np.ndarray
    c: np.ndarray


def _locked(method):
    """Run ``method`` holding the store's lock: one user of the connection at a time."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


class StateStore:
    """Users' states and events in one SQLite file.

    A ``StateStore`` is one connection, guarded by a lock so that any thread may
    use it; for parallel writers open one per thread or process (they share the
    file safely through SQLite's locks).

    Args:
        path: the database file (created with its folder if missing).
        hidden_dim: H, the length of the stored state vectors.
        synchronous: ``"NORMAL"`` (survives a process crash) or ``"FULL"`` (also a power cut).
        timeout: seconds to wait for another writer's lock before failing.

    Raises:
        ValueError: the file holds states of another size (another model).
    """

    def __init__(self, path: Path | str, hidden_dim: int, synchronous: str = "NORMAL", timeout: float = 10.0):
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous={synchronous!r}: choose 'NORMAL' or 'FULL'")
        self.path, self.hidden_dim = Path(path), int(hidden_dim)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,  # we write BEGIN/COMMIT
                                    check_same_thread=False)  # the lock below serialises this connection's users
        self.lock = threading.RLock()
        self._wal(timeout)
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.executescript(SCHEMA)
        stored = self.meta("hidden_dim")
        if stored is None:
            self.set_meta("hidden_dim", str(self.hidden_dim))
        elif int(stored) != self.hidden_dim:
            raise ValueError(f"{self.path} holds states of size {stored}, the model's are {self.hidden_dim}: "
                             f"give the service another state file (--db), or move this one away")

    def _wal(self, timeout: float) -> None:
        """Switch the file to WAL. A new file needs an exclusive lock for it, and SQLite returns "database is
        locked" at once instead of waiting (the busy timeout does not apply): retry until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def close(self) -> None:
        """Close the connection (committed data is already in the file)."""
        self.conn.close()

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- metadata --------------------------------------------------------------------

    @_locked
    def meta(self, key: str) -> str | None:
        """The value stored under ``key`` in the ``meta`` table (e.g. ``model_version``), or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @_locked
    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # --- writing -----------------------------------------------------------------------

    def _vector(self, blob: bytes) -> np.ndarray:
        v = np.frombuffer(blob, dtype=np.float32)
        if v.shape != (self.hidden_dim,):
            raise ValueError(f"a stored state has {v.size} values, expected {self.hidden_dim}")
        return v

    @_locked
    def _checked(self, h, c, what: str) -> tuple[np.ndarray, np.ndarray]:
        """``h`` and ``c`` as float32, or ValueError: a state of another shape would be stored and never read back."""
        h, c = np.asarray(h, np.float32), np.asarray(c, np.float32)
        if h.shape != (self.hidden_dim,) or c.shape != (self.hidden_dim,):
            raise ValueError(f"{what} has h {h.shape} and c {c.shape}, expected ({self.hidden_dim},) each")
        return h, c

    @_locked
    def apply_event(self, user_id: str, item_id: int, step: Step, model_item: int | None = None,
                    event_id: str | None = None) -> Applied:
        """Append one event and update the user's state, atomically.

        Args:
            user_id: the user.
            item_id: the item as the client named it (stored in the log).
            step: the model's update ``(h, c, model_item) -> (h, c)``.
            model_item: the model's id of the item (default: ``item_id``).
            event_id: the client's id of this event; a repeat is not applied again.

        Returns:
            ``Applied``.

        Raises:
            EventConflict: ``event_id`` was stored before with another item (nothing is changed).
        """
        model_item = item_id if model_item is None else model_item
        self.conn.execute("BEGIN IMMEDIATE")  # the write lock, before reading the state
        try:
            if event_id is not None:
                stored = self.conn.execute("SELECT item_id FROM events WHERE user_id = ? AND event_id = ?",
                                           (user_id, event_id)).fetchone()
                if stored is not None:
                    self.conn.execute("ROLLBACK")
                    if stored[0] != int(item_id):
                        raise EventConflict(f"event_id {event_id!r} of user {user_id!r} was stored with item "
                                            f"{stored[0]}, not {int(item_id)}: an event id names one event")
                    h, c, n = self.state(user_id)
                    return Applied(n, True, h, c)
            row = self.conn.execute("SELECT h, c, num_events FROM users WHERE user_id = ?", (user_id,)).fetchone()
            if row is None:
                h, c = np.zeros(self.hidden_dim, np.float32), np.zeros(self.hidden_dim, np.float32)
                n = 0
            else:
                h, c, n = self._vector(row[0]), self._vector(row[1]), row[2]
            h, c = self._checked(*step(h, c, model_item), f"the step for user {user_id!r}")
            self.conn.execute("INSERT INTO events (user_id, item_id, event_id, received_at) VALUES (?, ?, ?, ?)",
                              (user_id, int(item_id), event_id, time.time()))
            self.conn.execute("INSERT INTO users (user_id, h, c, num_events) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (user_id) DO UPDATE SET h = excluded.h, c = excluded.c, "
                              "num_events = excluded.num_events", (user_id, h.tobytes(), c.tobytes(), n + 1))
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return Applied(n + 1, False, h, c)

    @_locked
    def replace_states(self, states: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Overwrite users' states in one transaction (after a model change: states replayed from the logs).

        Users not in the store are ignored: a state is only ever created by ``apply_event``, with its event.
        """
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            rows = []
            for u, (h, c) in states.items():
                h, c = self._checked(h, c, f"the state of user {u!r}")
                rows.append((h.tobytes(), c.tobytes(), u))
            self.conn.executemany("UPDATE users SET h = ?, c = ? WHERE user_id = ?", rows)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # --- reading -----------------------------------------------------------------------

    @_locked
    def state(self, user_id: str) -> tuple[np.ndarray, np.ndarray, int]:
        """``(h, c, num_events)`` of a user; a user without events has the zero state and 0 events."""
        row = self.conn.execute("SELECT h, c, num_events FROM users WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            zeros = np.zeros(self.hidden_dim, np.float32)
            return zeros, zeros.copy(), 0
        return self._vector(row[0]), self._vector(row[1]), row[2]

    @_locked
    def seen(self, user_id: str) -> np.ndarray:
        """The distinct items in a user's log, (m,) int64, increasing."""
        rows = self.conn.execute("SELECT DISTINCT item_id FROM events WHERE user_id = ? ORDER BY item_id",
                                 (user_id,)).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    @_locked
    def history(self, user_id: str) -> np.ndarray:
        """A user's items in arrival order, (num_events,) int64."""
        rows = self.conn.execute("SELECT item_id FROM events WHERE user_id = ? ORDER BY seq", (user_id,)).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    @_locked
    def histories(self) -> dict[str, np.ndarray]:
        """Every user's items in arrival order (one query, grouped in NumPy)."""
        rows = self.conn.execute("SELECT user_id, item_id FROM events ORDER BY user_id, seq").fetchall()
        if not rows:
            return {}
        users = np.array([r[0] for r in rows], dtype=object)
        items = np.array([r[1] for r in rows], dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
        return dict(zip(users[starts], np.split(items, starts[1:])))

    @_locked
    def states(self) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        """Every user's ``(h, c, num_events)``."""
        return {u: (self._vector(h), self._vector(c), n)
                for u, h, c, n in self.conn.execute("SELECT user_id, h, c, num_events FROM users")}

    @_locked
    def num_events(self) -> int:
        """Events in the log, all users."""
        return self.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    @_locked
    def num_users(self) -> int:
        """Users with at least one event."""
        return self.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    @_locked
    def integrity(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for an intact file."""
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]
