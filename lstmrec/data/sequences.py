"""From interactions to model inputs: order, encode, pad, window.

Taught in chapter 05. Used from chapter 00 on (padding, for the baselines' scores) by every chapter that
trains or scores a model.

The steps, in order:

1. ``sort_interactions``: chronological per user. MovieLens has many equal
   timestamps (a user rates several movies in the same second); their true
   order is unknown, so they are put in the course's seeded pseudo-random
   order (``data.ties``), the same whichever source served. Ordering them
   by item id would invent a signal (appendix A1 measures it).
2. ``ItemIndex``: contiguous item ids ``1..n`` with 0 reserved for padding.
3. ``data.splits``: the last interaction of each user is the test target,
   the second-last the validation target, the rest is training history.
4. ``pad_sequences``: a fixed length, keeping the most recent items.
5. ``training_windows``: (input, next-item target) pairs at every position.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lstmrec.data import ties as ties_module

PAD = 0
"""The padding item id: never a real item, never recommended."""


def sort_interactions(interactions: pd.DataFrame, ties: str = "shuffle", seed: int = ties_module.TIE_SEED
                      ) -> pd.DataFrame:
    """Sort by user, then timestamp; equal timestamps by the rule ``ties`` (``lstmrec.data.ties``).

    Args:
        interactions: with columns ``user_id``, ``item_id``, ``timestamp``.
        ties: ``"shuffle"`` (the course's rule), ``"source"`` (the rows' order)
            or ``"item_id"`` (the mistake appendix A1 demonstrates).
        seed: the seed of ``"shuffle"``.

    Returns:
        A sorted copy with a fresh index.

    Raises:
        ValueError: a column is missing or ``ties`` is not a rule.
    """
    return ties_module.order_events(interactions, ties, seed)


@dataclasses.dataclass(frozen=True)
class ItemIndex:
    """Raw item ids <-> contiguous ids ``1..n``, with 0 for padding.

    Attributes:
        raw_ids: (num_items,) int64; ``raw_ids[i]`` is the raw id of item ``i``,
            ``raw_ids[0] = -1`` for the padding id.
    """

    raw_ids: np.ndarray

    @classmethod
    def fit(cls, raw_item_ids) -> "ItemIndex":
        """Index the distinct raw ids, in increasing order, as ``1..n``."""
        unique = np.unique(np.asarray(raw_item_ids, dtype=np.int64))
        return cls(np.concatenate([[-1], unique]))

    @property
    def num_items(self) -> int:
        """Catalogue size including the padding id 0."""
        return len(self.raw_ids)

    def encode(self, raw_item_ids) -> np.ndarray:
        """Raw ids -> contiguous ids.

        Raises:
            KeyError: a raw id is not in the catalogue (the first few are named).
        """
        raw = np.asarray(raw_item_ids, dtype=np.int64)
        pos = np.searchsorted(self.raw_ids[1:], raw) + 1
        pos = np.minimum(pos, self.num_items - 1)
        unknown = self.raw_ids[pos] != raw
        if unknown.any():
            raise KeyError(f"unknown item id(s) {raw[unknown][:5].tolist()}: not among the "
                           f"{self.num_items - 1} items of the catalogue")
        return pos.astype(np.int64)

    def decode(self, item_ids) -> np.ndarray:
        """Contiguous ids -> raw ids.

        Raises:
            KeyError: an id is padding (0) or beyond the catalogue.
        """
        ids = np.asarray(item_ids, dtype=np.int64)
        bad = (ids < 1) | (ids >= self.num_items)
        if bad.any():
            raise KeyError(f"item id(s) {ids[bad][:5].tolist()} are not items: valid ids are "
                           f"1..{self.num_items - 1} (0 is padding)")
        return self.raw_ids[ids]


def user_sequences(interactions: pd.DataFrame, item_index: ItemIndex, ties: str = "shuffle"
                   ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each user's encoded items, oldest first.

    Args:
        interactions: with ``user_id``, ``item_id``, ``timestamp``.
        item_index: the encoder.
        ties: the order of equal timestamps (``sort_interactions``).

    Returns:
        ``(user_ids, sequences)``: raw user ids (num_users,) in increasing order,
        and one int64 array of item ids per user.
    """
    df = sort_interactions(interactions, ties)
    items = item_index.encode(df["item_id"].to_numpy())
    users = df["user_id"].to_numpy()
    if len(users) == 0:
        return users, []
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    return users[starts], np.split(items, starts[1:])


def shuffle_within_users(sequences: list[np.ndarray], seed: int = 0, last: int | None = None) -> list[np.ndarray]:
    """Each user's items in a random order: same items, same counts, the order destroyed.

    The control for "does the order carry signal?" (chapter 01): a model that
    scores the same on shuffled histories was not using the order. Shuffled
    whole, a history also loses *which* items are recent; ``last=k`` shuffles
    only the ``k`` most recent items among themselves, so the recent items stay
    recent and only their order goes (chapter 07 separates the two).

    Args:
        sequences: item-id arrays, oldest first.
        seed: the NumPy seed.
        last: shuffle only the last ``last`` items of each history (None: all of it).

    Returns:
        New arrays, each a permutation of its input.

    Raises:
        ValueError: ``last`` below 1.

    Example:
        >>> [s.tolist()[:3] for s in shuffle_within_users([np.array([1, 2, 3, 4, 5])], seed=0, last=2)]
        [[1, 2, 3]]
    """
    rng = np.random.default_rng(seed)
    if last is None:
        return [rng.permutation(np.asarray(s)) for s in sequences]
    if last < 1:
        raise ValueError(f"last={last} must be at least 1 (or None for the whole history)")
    return [np.concatenate([s[:-last], rng.permutation(s[-last:])]) if len(s) else s.copy()
            for s in (np.asarray(s) for s in sequences)]


def pad_sequences(sequences: list[np.ndarray], max_len: int, side: str = "left") -> np.ndarray:
    """Pad with 0 (or truncate) to ``max_len``, always keeping the most recent items.

    Args:
        sequences: item-id arrays, oldest first.
        max_len: the output length.
        side: ``"left"`` puts padding before the items, so the last column is
            always the most recent item (what an RNN reads last); ``"right"``
            puts it after.

    Returns:
        (len(sequences), max_len) int32.

    Example:
        >>> pad_sequences([np.array([1, 2, 3]), np.array([4])], max_len=2).tolist()
        [[2, 3], [0, 4]]
    """
    if max_len < 1:
        raise ValueError(f"max_len={max_len} must be at least 1")
    if side not in ("left", "right"):
        raise ValueError(f"side={side!r}: choose 'left' or 'right'")
    n = len(sequences)
    out = np.zeros((n, max_len), dtype=np.int32)  # (n, max_len), all padding
    if n == 0:
        return out
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=n)  # (n,)
    kept = np.minimum(lengths, max_len)  # (n,) items kept per row
    flat = np.concatenate([np.asarray(s[len(s) - k:]) for s, k in zip(sequences, kept)]).astype(np.int32)
    rows = np.repeat(np.arange(n), kept)  # (total_kept,)
    pos_in_row = np.arange(len(flat)) - np.repeat(np.cumsum(kept) - kept, kept)  # 0..k-1 per row
    cols = pos_in_row + (max_len - kept[rows] if side == "left" else 0)
    out[rows, cols] = flat
    return out


def training_windows(sequences: list[np.ndarray], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Next-item training pairs at every position, cut into windows of ``max_len``.

    A sequence ``s`` of length L gives L-1 pairs ``(s[t], s[t+1])``. They are
    cut from the most recent backwards into windows of ``max_len`` pairs; the
    oldest window of a user is left-padded. No pair is dropped.

    Args:
        sequences: item-id arrays, oldest first (the training histories).
        max_len: window length.

    Returns:
        ``(inputs, targets)``, each (num_windows, max_len) int32, where
        ``targets[w, j]`` is the item that followed ``inputs[w, j]``; both are 0
        at padded positions (a target of 0 means "no loss here").

    Example:
        >>> x, y = training_windows([np.array([1, 2, 3, 4])], max_len=2)
        >>> x.tolist(), y.tolist()
        ([[0, 1], [2, 3]], [[0, 2], [3, 4]])
    """
    if max_len < 1:
        raise ValueError(f"max_len={max_len} must be at least 1")
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    pairs = np.maximum(lengths - 1, 0)  # (n,) pairs per user
    windows = -(-pairs // max_len)  # (n,) ceil division
    if pairs.sum() == 0:
        empty = np.zeros((0, max_len), dtype=np.int32)
        return empty, empty.copy()
    inputs_flat = np.concatenate([np.asarray(s[:-1]) for s, p in zip(sequences, pairs) if p])
    targets_flat = np.concatenate([np.asarray(s[1:]) for s, p in zip(sequences, pairs) if p])
    has = pairs > 0
    user = np.repeat(np.arange(has.sum()), pairs[has])  # (total_pairs,) row owner
    p_u = pairs[has][user]  # (total_pairs,) pairs of that user
    t = np.arange(len(user)) - np.repeat(np.cumsum(pairs[has]) - pairs[has], pairs[has])  # 0..p-1
    back = p_u - 1 - t  # 0 = most recent pair
    first_window = np.cumsum(windows[has]) - windows[has]  # (users,) offset of each user's windows
    row = first_window[user] + (windows[has][user] - 1 - back // max_len)  # oldest window first
    col = max_len - 1 - back % max_len
    inputs = np.zeros((windows.sum(), max_len), dtype=np.int32)  # (num_windows, max_len)
    targets = np.zeros_like(inputs)
    inputs[row, col] = inputs_flat
    targets[row, col] = targets_flat
    return inputs, targets


def activity_matrix(interactions: pd.DataFrame, num_periods: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Was each user active in each of ``num_periods`` equal periods of the data's time span?

    Taught in chapter 04 (the article's binary six-period sequences, built for real).
    The span from the first to the last timestamp is cut into ``num_periods``
    periods of equal length; ``active[u, p] = 1`` when user ``u`` has at least
    one interaction in period ``p``.

    Args:
        interactions: with ``user_id`` and ``timestamp`` (seconds).
        num_periods: how many periods.

    Returns:
        ``(user_ids, active, edges)``: raw user ids (num_users,) in increasing
        order; ``active`` (num_users, num_periods) int8; ``edges``
        (num_periods + 1,) the periods' boundaries in seconds.

    Example:
        >>> df = pd.DataFrame({"user_id": [1, 1, 2], "timestamp": [0, 30, 10]})
        >>> activity_matrix(df, 3)[1].tolist()   # periods [0, 10), [10, 20), [20, 30]
        [[1, 0, 1], [0, 1, 0]]
    """
    if num_periods < 1:
        raise ValueError(f"num_periods={num_periods} must be at least 1")
    missing = {"user_id", "timestamp"} - set(interactions.columns)
    if missing:
        raise ValueError(f"interactions lack column(s) {sorted(missing)}")
    if len(interactions) == 0:
        raise ValueError("no interactions")
    ts = interactions["timestamp"].to_numpy(dtype=np.float64)
    edges = np.linspace(ts.min(), ts.max(), num_periods + 1)  # (num_periods + 1,)
    period = np.clip(np.searchsorted(edges, ts, side="right") - 1, 0, num_periods - 1)  # the last edge is inclusive
    user_ids, row = np.unique(interactions["user_id"].to_numpy(), return_inverse=True)
    active = np.zeros((len(user_ids), num_periods), dtype=np.int8)  # (num_users, num_periods)
    active[row, period] = 1
    return user_ids, active, edges
