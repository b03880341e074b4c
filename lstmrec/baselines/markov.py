"""Markov chains: ``score_i = N(last -> i)``, and a second-order chain interpolated with it.

Taught in chapter 01 (order matters) and chapter 07.

``N(a -> b)`` counts how often ``b`` directly followed ``a`` in the training
histories; the user's last item picks the row. Ties (items that never followed
it) are ordered by popularity (``base.popularity_back_off``). Rendle et al. (2010),
*Factorizing personalized Markov chains for next-basket recommendation*, WWW,
use the same transitions as their first-order component.

``InterpolatedMarkov`` also reads the item before the last: with ``P1(i | b) =
N(b -> i) / N(b -> .)`` and ``P2(i | a, b) = N(a, b -> i) / N(a, b -> .)`` for the
last two items ``a, b``,

    score_i = weight * P2(i | a, b) + (1 - weight) * P1(i | b)

the interpolation of language models (Jelinek & Mercer, 1980): a pair seen
rarely or never falls back on the last item alone. ``weight=0`` ranks as
``MarkovChain``; ``weight`` is chosen on validation (``registry.BASELINES``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from lstmrec.baselines import base


class MarkovChain(base.Baseline):
    """First-order Markov chain: what followed the user's last item, most often."""

    name = "Markov chain"

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items)
        prev = np.concatenate([s[:-1] for s in sequences]).astype(np.int64)
        nxt = np.concatenate([s[1:] for s in sequences]).astype(np.int64)
        real = prev != 0  # an empty history has no last item: row 0 stays empty (popularity alone)
        counts = scipy.sparse.csr_array((np.ones(int(real.sum())), (prev[real], nxt[real])),
                                        shape=(num_items, num_items))  # (from, to); duplicates summed
        self.transitions_ = base.dense_or_sparse(counts)
        return self

    def score(self, histories):
        self._check_fitted()
        last = self._last_items(histories, 1)[:, 0]  # (batch,), 0 for an empty history
        return base.to_dense(self.transitions_[last]) + base.popularity_back_off(self.counts_)  # (batch, num_items)


class InterpolatedMarkov(base.Baseline):
    """A second-order Markov chain interpolated with the first-order one (module docstring).

    Args:
        weight: the share of the second-order probability, in [0, 1].
    """

    name = "Markov chain, 2nd order"
    SCORE_SETTINGS = ("weight",)

    def __init__(self, weight: float = 0.5):
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"weight={weight} must be in [0, 1]")
        self.weight = weight

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items)
        flat = np.concatenate(sequences).astype(np.int64) if len(sequences) else np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])  # (events,) whose history
        same = (owner[:-1] == owner[1:]) & (flat[:-1] != 0)  # b -> i inside one history, b real
        self.first_ = _row_normalised(flat[:-1][same], flat[1:][same], num_items)  # (items, items) P1
        same = (owner[:-2] == owner[2:]) & (flat[:-2] != 0) & (flat[1:-1] != 0)  # a, b -> i, both real
        pairs = flat[:-2][same] * num_items + flat[1:-1][same]  # (triples,) the context (a, b) as one id
        self.pairs_, rows = np.unique(pairs, return_inverse=True)  # (contexts,) sorted, and each triple's row
        self.second_ = _row_normalised(rows, flat[2:][same], num_items, len(self.pairs_))  # (contexts, items) P2
        return self

    def score(self, histories):
        self._check_fitted()
        last_two = self._last_items(histories, 2)  # (batch, 2): a, b; 0 where the history is shorter
        a, b = last_two[:, 0], last_two[:, 1]
        first = base.to_dense(self.first_[b])  # (batch, items); row 0 (no last item) is empty
        key = a * self.num_items_ + b  # (batch,) the context's id
        row = np.searchsorted(self.pairs_, key)  # (batch,) where it is, or would be: 0..len(pairs_)
        found = (a != 0) & (np.append(self.pairs_, -1)[row] == key)  # -1: past the end, no context matches
        second = np.zeros_like(first)
        if found.any():
            second[found] = base.to_dense(self.second_[row[found]])
        mixed = np.where(found[:, None], self.weight * second + (1 - self.weight) * first, first)
        return mixed + base.popularity_back_off(self.counts_)  # (batch, items)


def _row_normalised(rows: np.ndarray, cols: np.ndarray, num_items: int, num_rows: int | None = None):
    """The counts of (row, col) pairs as a sparse matrix whose non-empty rows sum to 1."""
    counts = scipy.sparse.csr_array((np.ones(len(rows)), (rows, cols)),
                                    shape=(num_items if num_rows is None else num_rows, num_items))
    counts.sum_duplicates()
    totals = np.asarray(counts.sum(axis=1)).ravel()  # (rows,)
    counts.data /= np.repeat(totals, np.diff(counts.indptr))
    return counts
