"""Training sequences small enough to count on paper, for the tests of ``lstmrec.baselines``.

The tie-break term is ``1e-6 * count / (max count + 1)``; ``ranking`` lists the real items of a score row best
first, equal scores to the lower id (as ``evaluation.ranking.top_k``).
"""

from __future__ import annotations

import numpy as np

from lstmrec import evaluation

# item counts: 1 -> 2, 2 -> 3, 3 -> 2, 4 -> 1
# transitions: (1,2), (2,3), (1,2), (2,4), (2,3) -> N(1->2) = 2, N(2->3) = 2, N(2->4) = 1
SEQS = [np.array([1, 2, 3]), np.array([1, 2, 4]), np.array([2, 3])]
NUM_ITEMS = 5
COUNTS = [0, 2, 3, 2, 1]


def tie_break(counts):
    counts = np.asarray(counts, dtype=float)
    return 1e-6 * counts / (counts.max() + 1)


def ranking(scores_row):
    """Real items, best first; equal scores to the lower id (as evaluation.ranking.top_k)."""
    return evaluation.ranking.top_k(np.asarray(scores_row)[None, :], len(scores_row) - 1)[0].tolist()
