"""Sequential rules (SR): what followed the user's last item within a few steps, nearer steps weighing more.

One of the simple baselines that are hardest to beat (Ludewig & Jannach), in
``registry.BASELINES`` with its validation grid; taught in chapter 07.

Kamehkhosh, Jannach & Ludewig (2017), *A comparison of frequent pattern
techniques and a deep learning method for session-based recommendation*
(RecSys TempRec workshop), and Ludewig & Jannach (2018), *Evaluation of
session-based recommendation algorithms*, UMUAI 28: a rule ``a -> b`` is
counted whenever ``b`` came up to ``steps`` positions after ``a`` in a
training history, weighted by the distance ``d`` between them:

    R[a, b] = sum over occurrences of  w(d),   d = 1..steps
    w(d) = 1 / d        ("div", the published default)
           1            ("same")

Only the ``pruning`` strongest rules of each item are kept (0 keeps all), and
the user's last item picks the row: ``score_i = R[last, i]``, with ties ordered
by popularity (``base.popularity_back_off``). With ``steps=1`` it is the
first-order Markov chain (``markov.MarkovChain``); with more steps it also
counts what came two, three... items later, which makes it robust to the
noisy order of same-second ratings.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from lstmrec.baselines import base

WEIGHTINGS = ("div", "same")
"""How a rule's weight falls with the distance ``d``: ``1 / d``, or not at all."""


class SequentialRules(base.Baseline):
    """Distance-weighted rules ``last item -> next items``, the strongest ``pruning`` per item.

    Args:
        steps: the largest distance ``d`` at which a later item still makes a rule (1 = Markov chain).
        weighting: ``"div"`` (``1 / d``) or ``"same"`` (1 at every distance).
        pruning: rules kept per item, strongest first (0 keeps all).
    """

    name = "Sequential rules"
    SCORE_SETTINGS = ("pruning",)

    def __init__(self, steps: int = 10, weighting: str = "div", pruning: int = 20):
        if steps < 1:
            raise ValueError(f"steps={steps} must be at least 1")
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting={weighting!r}: choose from {WEIGHTINGS}")
        if pruning < 0:
            raise ValueError(f"pruning={pruning} must be 0 (keep all) or more")
        self.steps, self.weighting, self.pruning = steps, weighting, pruning

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = base.item_counts(sequences, num_items)
        flat = np.concatenate(sequences).astype(np.int64) if len(sequences) else np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])  # (events,) whose history
        sources, targets, weights = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for d in range(1, min(self.steps, max(len(flat) - 1, 0)) + 1):
            same = owner[:-d] == owner[d:]  # pairs d steps apart in one history
            a, b = flat[:-d][same], flat[d:][same]  # the earlier item, the item d steps later
            real = (a != 0) & (b != 0)  # padding makes no rule
            sources.append(a[real])
            targets.append(b[real])
            weights.append(np.full(int(real.sum()), 1.0 / d if self.weighting == "div" else 1.0))
        self.rules_ = scipy.sparse.csr_array(
            (np.concatenate(weights), (np.concatenate(sources), np.concatenate(targets))),
            shape=(num_items, num_items))  # (from, to); duplicates summed
        self.rules_.sum_duplicates()
        return self

    def score(self, histories):
        self._check_fitted()
        last = self._last_items(histories, 1)[:, 0]  # (batch,), 0 for an empty history: row 0 is empty
        rows = _strongest(self.rules_[last], self.pruning)  # (batch, num_items) sparse
        return base.to_dense(rows) + base.popularity_back_off(self.counts_)  # (batch, num_items)


def _strongest(rows: scipy.sparse.csr_array, keep: int) -> scipy.sparse.csr_array:
    """Each row's ``keep`` largest entries (0 keeps all); equal weights at the cut go to the lower item id.

    Example:
        >>> _strongest(scipy.sparse.csr_array(np.array([[0, 3.0, 1.0, 3.0]])), 2).toarray()
        array([[0., 3., 0., 3.]])
    """
    rows = scipy.sparse.csr_array(rows)
    if keep == 0 or rows.nnz == 0:
        return rows
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))  # (nnz,) the row of each entry
    order = np.lexsort((rows.indices, -rows.data, row_of))  # by row, then strongest, then lower id
    rank = np.arange(rows.nnz) - rows.indptr[row_of[order]]  # position within its row, 0 = strongest
    kept = order[rank < keep]
    return scipy.sparse.csr_array((rows.data[kept], (row_of[kept], rows.indices[kept])), shape=rows.shape)
