"""Repeat consumption: recommend what the user had before, the recent and the frequent first.

Taught in chapter 10, where people buy and write to the same things again
(groceries, messages). ``copy_mixture`` (``models.mixture``) reuses the counts.

    r_i = sum_{m=0}^{L-1} decay^m * [h_{-1-m} = i]

Each past occurrence of ``i`` counts ``decay^m``, ``m`` steps back. With
``decay = 1`` that is the user's most frequent items; with a tiny ``decay`` the
most recent ones (the last item first); in between, a blend of the two. Its
``decay`` is chosen on validation like every other setting. It only makes
sense where seen items are candidates. It ranks on ``log r_i``, so that no
past item underflows to 0, and every item the user never had comes after all
of their past items, ordered by popularity.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from lstmrec.baselines import base
from lstmrec.data.sequences import pad_sequences


class RepeatConsumption(base.Baseline):
    """Recommend the user's own past items, by recency-weighted frequency (module docstring).

    Args:
        decay: weight ``decay^m`` of an occurrence ``m`` steps back; 1.0 = plain
            frequency, near 0 = most recent first.
        num_recent: how many recent items to count (None = the whole history).
    """

    name = "Repeat"
    SCORE_SETTINGS = ("decay", "num_recent")

    def __init__(self, decay: float = 1.0, num_recent: int | None = None):
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay={decay} must be in (0, 1]")
        if num_recent is not None and num_recent < 1:
            raise ValueError(f"num_recent={num_recent} must be at least 1 (or None for all)")
        self.decay, self.num_recent = decay, num_recent

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items)  # only to order items outside the history
        return self

    def score(self, histories):
        """(batch, num_items): the user's past items ranked by ``r_i``, then every other item by popularity.

        Ranked on ``log r_i`` (``recency_log_counts``), so no past item underflows
        to 0 however far back it is; items the user never had score below the
        user's lowest past item, ordered among themselves by popularity.
        """
        self._check_fitted()
        log_r = recency_log_counts(histories, self.num_items_, self.decay, self.num_recent)  # (batch, num_items)
        seen = np.isfinite(log_r)
        share = self.counts_ / (self.counts_.max() + 1.0)  # (num_items,) popularity in [0, 1)
        # Equal past scores are ordered by popularity too, by less than half the smallest gap between two
        # different past scores of the row, so that no strictly better past item is ever passed.
        with np.errstate(invalid="ignore"):  # -inf - -inf between two items never had: nan, ignored below
            gaps = np.diff(np.sort(log_r, axis=1), axis=1)  # (batch, num_items - 1)
        gap = np.where(np.isfinite(gaps) & (gaps > 0), gaps, np.inf).min(axis=1, keepdims=True)  # (batch, 1)
        gap = np.where(np.isfinite(gap), gap, 1.0)
        lowest = np.where(seen, log_r, np.inf).min(axis=1, keepdims=True)  # (batch, 1) the last past item's score
        lowest = np.where(np.isfinite(lowest), lowest, 0.0)  # an empty history: popularity alone
        return np.where(seen, log_r + 0.5 * gap * share, lowest - 1.0 + 1e-6 * share)  # unseen: below every past item


def recency_log_counts(histories: list[np.ndarray], num_items: int, decay: float, num_recent: int | None = None
                       ) -> np.ndarray:
    """``log r_i`` of ``recency_counts``, computed without underflow; ``-inf`` for items outside the history.

    With ``m0`` the steps back of the item's most recent occurrence,
    ``r_i = decay^m0 * s_i`` where ``s_i = sum_m decay^(m - m0) >= 1``, so
    ``log r_i = m0 * log(decay) + log(s_i)``: finite for every past item, even
    when ``decay^m0`` itself is below the smallest float (decay 1e-3 beyond
    about 100 steps).

    Example:
        >>> np.exp(recency_log_counts([np.array([2, 1, 2])], 3, decay=0.5)).tolist()   # as recency_counts
        [[0.0, 0.5, 1.25]]
    """
    n = num_recent or max((len(h) for h in histories), default=1) or 1
    recent = _checked_recent(histories, num_items, n)  # (batch, n), most recent in the last column
    steps_back = np.tile(np.arange(n - 1, -1, -1), len(histories))  # (batch * n,) m of each column
    rows = np.repeat(np.arange(len(histories)), n)
    items, real = recent.ravel(), recent.ravel() != 0  # padding contributes nothing
    rows, items, steps_back = rows[real], items[real], steps_back[real]
    m0 = np.full((len(histories), num_items), np.inf)  # (batch, num_items) steps back of the latest occurrence
    np.minimum.at(m0, (rows, items), steps_back)
    s = scipy.sparse.csr_array((decay ** (steps_back - m0[rows, items]), (rows, items)),
                               shape=(len(histories), num_items)).toarray()  # (batch, num_items), >= 1 where seen
    seen = np.isfinite(m0)
    out = np.full(m0.shape, -np.inf)
    out[seen] = m0[seen] * np.log(decay) + np.log(s[seen])
    return out


def _checked_recent(histories: list[np.ndarray], num_items: int, n: int) -> np.ndarray:
    """(batch, n) the ``n`` most recent items, left-padded with 0, after checking every id is in the catalogue."""
    recent = pad_sequences(histories, n)
    if recent.size and (recent.max() >= num_items or recent.min() < 0):
        bad = int(recent.max()) if recent.max() >= num_items else int(recent.min())
        raise KeyError(f"unknown item id {bad}: the catalogue has ids 1..{num_items - 1}")
    return recent


def recency_counts(histories: list[np.ndarray], num_items: int, decay: float, num_recent: int | None = None
                   ) -> np.ndarray:
    """``r_i = sum_{m=0}^{L-1} decay^m * [h_{-1-m} = i]`` for each history: its items, recency-weighted.

    Args:
        histories: one array of item ids per user, oldest first.
        num_items: catalogue size including padding.
        decay: the weight of an occurrence one step further back, in (0, 1].
        num_recent: how many recent items ``L`` to count (None = the whole history).

    Returns:
        (batch, num_items) float64; 0 for items outside the history and for padding.

    Raises:
        KeyError: an id outside the catalogue.

    Example:
        >>> recency_counts([np.array([2, 1, 2])], 3, decay=0.5).tolist()   # 2: 1 + 0.25, 1: 0.5
        [[0.0, 0.5, 1.25]]
    """
    n = num_recent or max((len(h) for h in histories), default=1) or 1
    recent = _checked_recent(histories, num_items, n)  # (batch, n), most recent in the last column
    weights = decay ** np.arange(n - 1, -1, -1, dtype=np.float64)  # (n,) decay^m, m = steps back
    rows = np.repeat(np.arange(len(histories)), n)  # (batch * n,)
    items, real = recent.ravel(), recent.ravel() != 0  # padding contributes nothing
    w = scipy.sparse.csr_array((np.tile(weights, len(histories))[real], (rows[real], items[real])),
                               shape=(len(histories), num_items))  # duplicates summed: the frequency
    return w.toarray()
