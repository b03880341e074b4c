"""Most popular: the same list for everyone, ``score_i = count_i``.

Taught in chapter 01; the floor every model must clear (chapter 07).
"""

from __future__ import annotations

import numpy as np

from lstmrec.baselines import base


class MostPopular(base.Baseline):
    """Recommend the items with the most training interactions, to everyone."""

    name = "Most popular"

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items).astype(np.float64)  # (num_items,)
        return self

    def score(self, histories):
        self._check_fitted()
        return np.tile(self.counts_, (len(histories), 1))  # (batch, num_items)
