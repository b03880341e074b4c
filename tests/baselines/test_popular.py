"""Unit tests for ``lstmrec.baselines.popular``: most-popular scores are the training counts, by hand."""

from __future__ import annotations

import numpy as np

from lstmrec.baselines.popular import MostPopular
from tests.baselines.counts import COUNTS, NUM_ITEMS, SEQS, ranking


def test_most_popular_scores_are_counts():
    model = MostPopular().fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([1]), np.array([], dtype=np.int64), np.array([4, 3])])
    assert scores.shape == (3, NUM_ITEMS)
    assert scores.tolist() == [COUNTS] * 3  # the same for everyone
    assert ranking(scores[0]) == [2, 1, 3, 4]  # 3 > 2 = 2 > 1, the tie 1/3 by id
