"""A first-order Markov chain: ``score_i = N(last -> i)``.

Taught in chapter 01 (order matters) and chapter 07.

``N(a -> b)`` counts how often ``b`` directly followed ``a`` in the training
histories; the user's last item picks the row. Ties (items that never followed
it) are ordered by popularity (``base.popularity_back_off``). Rendle et al. (2010),
*Factorizing personalized Markov chains for next-basket recommendation*, WWW,
use the same transitions as their first-order component.
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
