"""Equal timestamps: the course's one rule for ordering them, and how to measure them.

Taught in chapter 05. Used from chapter 00 on: every loader (``data.movielens``,
``data.collegemsg``) and ``data.sequences`` order events with it.

MovieLens stores time in whole seconds, and users rate in bursts: in
MovieLens-100K, 44% of users rated their last two movies in the same second.
The true order inside one second is unknown, and whichever order a program
picks decides the test item of those users. The rules:

``"shuffle"`` (the course's rule, the default everywhere)
    Inside a group of equal ``(user_id, timestamp)``, events are ordered by a
    seeded pseudo-random key, ``key = mix(seed, user_id, item_id, timestamp)``
    (SplitMix64's finaliser over the three ids). The key depends only on the
    event itself, so the order is the same whichever source or file order
    served the data, and a subset of the data keeps its events' relative order.
``"item_id"``
    Ties by increasing item id: the mistake appendix A1 demonstrates. In
    MovieLens, higher ids are mostly less-watched movies, so this rule puts a
    rarer movie last in every burst, and order-aware models learn the rule.
``"source"``
    Ties keep the row order of the input (a stable sort). Only as honest as the
    file: ML-100K's rows are random within a second, ML-1M's are not.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [30, 10, 20], "timestamp": [5, 5, 1]})
    >>> order_events(df, ties="item_id")["item_id"].tolist()
    [20, 10, 30]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIE_SEED = 0
"""The seed of the course's tie order. Changing it changes which tied event is each user's last."""

TIE_RULES = ("shuffle", "item_id", "source")
"""The rules ``order_events`` knows; ``"shuffle"`` is the course's."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection on uint64 whose output bits all depend on every input bit."""
    x = x.copy()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def tie_keys(user_ids, item_ids, timestamps, seed: int = TIE_SEED) -> np.ndarray:
    """A pseudo-random key per event that depends only on ``(seed, user, item, timestamp)``.

    ``key = mix(mix(mix(mix(seed) + user) + item) + timestamp)``, in uint64
    arithmetic (wrapping), with ``mix`` SplitMix64's finaliser.

    Args:
        user_ids: (num_events,) integer ids.
        item_ids: (num_events,) integer ids.
        timestamps: (num_events,) integer times.
        seed: another seed gives another, independent order.

    Returns:
        (num_events,) uint64 keys.

    Raises:
        ValueError: the three arrays differ in length.
    """
    columns = [np.asarray(c).astype(np.int64).astype(np.uint64) for c in (user_ids, item_ids, timestamps)]
    if len({len(c) for c in columns}) != 1:
        raise ValueError(f"user_ids, item_ids and timestamps differ in length: {[len(c) for c in columns]}")
    with np.errstate(over="ignore"):
        key = _mix(np.full(len(columns[0]), np.uint64(seed) * _GOLDEN, dtype=np.uint64))
        for column in columns:
            key = _mix(key + column * _GOLDEN)
    return key


def order_events(interactions: pd.DataFrame, ties: str = "shuffle", seed: int = TIE_SEED) -> pd.DataFrame:
    """Sort by user, then time, with equal timestamps ordered by ``ties`` (module docstring).

    Args:
        interactions: with columns ``user_id``, ``item_id``, ``timestamp``.
        ties: ``"shuffle"`` (the course's rule), ``"item_id"`` or ``"source"``.
        seed: the seed of ``"shuffle"``.

    Returns:
        A sorted copy with a fresh index.

    Raises:
        ValueError: a column is missing or ``ties`` is not a rule.
    """
    if ties not in TIE_RULES:
        raise ValueError(f"ties={ties!r}: choose one of {TIE_RULES} ('shuffle' is the course's rule)")
    missing = {"user_id", "item_id", "timestamp"} - set(interactions.columns)
    if missing:
        raise ValueError(f"interactions lack column(s) {sorted(missing)}")
    users = interactions["user_id"].to_numpy()
    times = interactions["timestamp"].to_numpy()
    if ties == "shuffle":
        third = tie_keys(users, interactions["item_id"].to_numpy(), times, seed)
    elif ties == "item_id":
        third = interactions["item_id"].to_numpy()
    else:
        third = np.zeros(len(interactions), dtype=np.int8)  # all equal: the stable sort keeps the rows' order
    order = np.lexsort((third, times, users))  # last key first; lexsort is stable
    return interactions.iloc[order].reset_index(drop=True)


def tie_report(interactions: pd.DataFrame) -> dict[str, float]:
    """How much of a data set's order is decided by a tie rule rather than by time.

    The rows are taken in the order given (order them first).

    Args:
        interactions: with ``user_id``, ``item_id``, ``timestamp``, each user's
            events in the order to examine.

    Returns:
        ``tied_events``: share of events (after a user's first) whose timestamp
        equals the previous event's; ``tied_last_two``: share of users with at
        least two events whose last two share a timestamp;
        ``tied_pairs_ascending``: among tied consecutive pairs, the share whose
        item id increases (0.5 in a random order, 1.0 under ``"item_id"``).

    Example:
        >>> df = pd.DataFrame({"user_id": [1, 1, 1, 2, 2], "item_id": [1, 3, 2, 5, 6],
        ...                    "timestamp": [0, 0, 0, 4, 9]})
        >>> tie_report(df)
        {'tied_events': 0.6667, 'tied_last_two': 0.5, 'tied_pairs_ascending': 0.5}
    """
    users = interactions["user_id"].to_numpy()
    times = interactions["timestamp"].to_numpy()
    items = interactions["item_id"].to_numpy()
    same_user = users[1:] == users[:-1]  # (n - 1,) consecutive pairs of one user
    tied = same_user & (times[1:] == times[:-1])
    ascending = tied & (items[1:] > items[:-1])
    last = np.flatnonzero(np.r_[users[1:] != users[:-1], True])  # each user's last row
    two = last[(last > 0)]
    two = two[users[two - 1] == users[two]]  # users with at least two events
    last_tied = times[two] == times[two - 1]
    return {
        "tied_events": round(float(tied.sum() / max(same_user.sum(), 1)), 4),
        "tied_last_two": round(float(last_tied.mean()) if len(two) else 0.0, 4),
        "tied_pairs_ascending": round(float(ascending.sum() / max(tied.sum(), 1)), 4),
    }
