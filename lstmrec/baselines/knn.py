"""Item-kNN over the user's most recent items (Sarwar et al., 2001; Linden et al., 2003).

Taught in chapter 01 (co-occurrence) and chapter 07 (tuned).

Item-item cosine similarity of co-occurrence,
``sim(i, j) = C_ij / sqrt(C_ii * C_jj)`` with ``C = X^T X`` (X: users x items,
binary), and ``score_i = sum_{m=0}^{L-1} decay^m * sim(h_{-1-m}, i)`` over the
user's ``L`` most recent items (``num_recent``); both settings are chosen on
validation (``tuning.REGISTRY``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from lstmrec.baselines import base


class ItemKNN(base.Baseline):
    """Item-item cosine similarity to the user's most recent items, recency-weighted.

    Args:
        num_recent: how many recent items ``L`` to look at (None = the whole history).
        decay: weight ``decay^m`` of the item ``m`` steps back (1.0 = all equal).
    """

    name = "Item-kNN"
    SCORE_SETTINGS = ("num_recent", "decay")

    def __init__(self, num_recent: int | None = 10, decay: float = 1.0):
        if num_recent is not None and num_recent < 1:
            raise ValueError(f"num_recent={num_recent} must be at least 1 (or None for all)")
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay={decay} must be in (0, 1]")
        self.num_recent = num_recent
        self.decay = decay

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items)
        rows = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
        cols = np.concatenate(sequences).astype(np.int64)
        real = cols != 0  # padding is no item
        x = scipy.sparse.csr_array((np.ones(int(real.sum())), (rows[real], cols[real])),
                                   shape=(len(sequences), num_items))
        x.data[:] = 1.0  # (users, items) binary: a repeated item counts once
        co = (x.T @ x).tocoo()  # (items, items) co-occurrence C, sparse: only pairs some user had together
        norms = np.sqrt(co.diagonal())  # (items,) sqrt(C_ii)
        sim = co.data / (norms[co.row] * norms[co.col])  # cosine of each stored pair (C_ij > 0, so norms > 0)
        keep = co.row != co.col  # an item is not its own neighbour
        self.similarity_ = base.dense_or_sparse(scipy.sparse.csr_array(
            (sim[keep], (co.row[keep], co.col[keep])), shape=(num_items, num_items)))  # (items, items)
        return self

    def score(self, histories):
        self._check_fitted()
        n = self.num_recent or max((len(h) for h in histories), default=1) or 1
        recent = self._last_items(histories, n)  # (batch, n), most recent in the last column
        weights = self.decay ** np.arange(n - 1, -1, -1, dtype=np.float64)  # (n,)
        rows = np.repeat(np.arange(len(histories)), n)  # (batch * n,)
        items, real = recent.ravel(), recent.ravel() != 0  # padding contributes nothing
        # w[u, i] = sum of decay^m over the recent positions m holding item i: at most n non-zeros per row,
        # so a sparse (batch, num_items) matrix; duplicate (row, item) entries are summed when it is built.
        w = scipy.sparse.csr_array((np.tile(weights, len(histories))[real], (rows[real], items[real])),
                                   shape=(len(histories), self.num_items_))
        return base.to_dense(w @ self.similarity_) + base.popularity_back_off(self.counts_)  # (batch, num_items)
