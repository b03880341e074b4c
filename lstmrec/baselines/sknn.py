"""Sequence-aware nearest neighbours (V-SKNN): the items of the training histories most like the user's recent ones.

One of the simple baselines that are hardest to beat (Ludewig & Jannach), in
``registry.BASELINES`` with its validation grid; taught in chapter 07.

Jannach & Ludewig (2017), *When recurrent neural networks meet the neighborhood
for session-based recommendation*, RecSys, and Ludewig & Jannach (2018),
*Evaluation of session-based recommendation algorithms*, UMUAI 28 (V-SKNN, the
"vector multiplication" session-kNN). Here a training history plays the part of
a past session. The user's ``num_recent`` latest items form a query vector
whose weights fall with distance from the end, ``q_j = decay^m`` for the item
``m`` steps back (an item there twice keeps its latest weight); a training history ``n`` (binary vector over items) is a
neighbour by

    sim(q, n) = (q . n) / sqrt(|n|)

(the cosine up to ``|q|``, which is the same for every neighbour), and each item
scores the similarities of the ``k`` nearest histories that hold it:

    score_i = sum over n in kNN(q) of  sim(q, n) * n_i

with ties ordered by popularity (``base.popularity_back_off``). The user's own
training history is among the neighbours: it is the user's past, known when the
recommendation is made, not a later event.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from lstmrec.baselines import base


class SessionKNN(base.Baseline):
    """The ``k`` training histories nearest to the user's recent items vote for their items.

    Args:
        k: neighbours per user.
        num_recent: the latest items that form the query (None = the whole history).
        decay: weight ``decay^m`` of the query item ``m`` steps back (1.0 = all equal).
    """

    name = "Session-kNN"
    SCORE_SETTINGS = ("k", "num_recent", "decay")

    def __init__(self, k: int = 100, num_recent: int | None = 20, decay: float = 0.9):
        if k < 1:
            raise ValueError(f"k={k} must be at least 1")
        if num_recent is not None and num_recent < 1:
            raise ValueError(f"num_recent={num_recent} must be at least 1 (or None for all)")
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay={decay} must be in (0, 1]")
        self.k, self.num_recent, self.decay = k, num_recent, decay

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items)
        rows = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
        cols = np.concatenate(sequences).astype(np.int64) if len(sequences) else np.zeros(0, np.int64)
        real = cols != 0  # padding is no item
        x = scipy.sparse.csr_array((np.ones(int(real.sum())), (rows[real], cols[real])),
                                   shape=(len(sequences), num_items))
        x.data[:] = 1.0  # (histories, items) binary: a repeated item counts once
        self.histories_ = x
        self.by_item_ = x.T.tocsr()  # (items, histories): which histories hold each item
        sizes = np.asarray(x.sum(axis=1)).ravel()  # (histories,) |n|
        self.inverse_norms_ = np.where(sizes > 0, 1.0 / np.sqrt(np.maximum(sizes, 1)), 0.0)  # (histories,)
        return self

    def score(self, histories):
        self._check_fitted()
        n = self.num_recent or max((len(h) for h in histories), default=1) or 1
        recent = self._last_items(histories, n)  # (batch, n), most recent in the last column
        weights = np.where(recent > 0, self.decay ** np.arange(n - 1, -1, -1, dtype=np.float64), 0.0)  # (batch, n)
        rows = np.repeat(np.arange(len(histories)), n)  # (batch * n,) whose query
        # an item there twice keeps its latest (largest) weight: the sparse array sums duplicates, so take the max
        order = np.lexsort((weights.ravel(), recent.ravel(), rows))  # by row, item, then weight: the max comes last
        r, i, w = rows[order], recent.ravel()[order], weights.ravel()[order]
        last = np.r_[(r[1:] != r[:-1]) | (i[1:] != i[:-1]), True] & (i != 0)  # one entry per (row, item); no padding
        query = scipy.sparse.csr_array((w[last], (r[last], i[last])), shape=(len(histories), self.num_items_))
        sims = base.to_dense(query @ self.by_item_) * self.inverse_norms_  # (batch, histories) sim(q, n)
        k = min(self.k, sims.shape[1])
        if k == 0:
            return np.broadcast_to(base.popularity_back_off(self.counts_), (len(histories), self.num_items_)).copy()
        # the k most similar histories; among equals at the k-th place, the lower indices (a partition, not a sort)
        kth = np.partition(sims, sims.shape[1] - k, axis=1)[:, sims.shape[1] - k]  # (batch,) the k-th largest
        above, at = sims > kth[:, None], sims == kth[:, None]  # (batch, histories) each
        room = k - above.sum(axis=1)  # (batch,) places left for the equals
        nearest = above | (at & (np.cumsum(at, axis=1) <= room[:, None]))  # (batch, histories), k per row
        who, neighbour = np.nonzero(nearest)
        votes = scipy.sparse.csr_array((sims[who, neighbour], (who, neighbour)), shape=sims.shape)
        return base.to_dense(votes @ self.histories_) + base.popularity_back_off(self.counts_)  # (batch, items)
