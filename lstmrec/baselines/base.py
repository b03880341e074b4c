"""What every baseline shares: training counts, the popularity back-off, dense-or-sparse storage.

Taught in chapter 01 (counting items) and chapter 07.

Each baseline is fitted on the training histories only and then scores every
item for a batch of histories, exactly like a neural model
(``Baseline.score``: histories -> (batch, num_items)). Items a baseline says
nothing about would all tie at zero; ``popularity_back_off`` adds a popularity term
below 1e-6, the standard back-off: it orders equal scores by popularity, and
could swap two scores only if they differed by less than 1e-6.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from lstmrec.data.sequences import pad_sequences


def item_counts(sequences: list[np.ndarray], num_items: int) -> np.ndarray:
    """Training interactions per item, (num_items,) int64; padding (0) counts 0."""
    flat = np.concatenate(sequences) if len(sequences) else np.zeros(0, dtype=np.int64)
    counts = np.bincount(flat.astype(np.int64), minlength=num_items)
    counts[0] = 0
    return counts


def popularity_back_off(counts: np.ndarray) -> np.ndarray:
    """Popularity scaled into [0, 1e-6): breaks ties, reorders nothing else."""
    return 1e-6 * counts / (counts.max() + 1.0)


DENSE_ABOVE = 0.05
"""Share of non-zero pairs above which an (items, items) matrix is stored dense.

Sparse storage costs about 12 bytes per non-zero against 8 per entry dense, and
sparse products are slower per non-zero: MovieLens-1M's co-occurrence is nearly
full (dense is faster), Instacart's 14,187 products have few pairs (dense would
take 1.6 GB per matrix)."""


def dense_or_sparse(matrix: scipy.sparse.csr_array):
    """``matrix`` as a dense float64 array when more than ``DENSE_ABOVE`` of it is non-zero, else as is."""
    rows, cols = matrix.shape
    return matrix.toarray() if matrix.nnz > DENSE_ABOVE * rows * cols else matrix


def to_dense(matrix) -> np.ndarray:
    """A (batch, num_items) score block as a dense array, whichever way it was computed."""
    return matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)


class Baseline:
    """What every model offers the evaluator: ``fit`` on histories, ``score`` a batch.

    Fitted state lives in attributes ending in ``_``. Settings listed in
    ``SCORE_SETTINGS`` change only how a fitted model scores, so ``tune``
    fits once and reuses that state for every value of them.
    """

    name = "model"
    SCORE_SETTINGS: tuple[str, ...] = ()

    def fit(self, sequences: list[np.ndarray], num_items: int) -> "Baseline":
        raise NotImplementedError

    def score(self, histories: list[np.ndarray]) -> np.ndarray:
        """(batch,) histories -> (batch, num_items) float scores."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "num_items_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(sequences, num_items) first")

    def _last_items(self, histories: list[np.ndarray], n: int) -> np.ndarray:
        """(batch, n) the ``n`` most recent items, left-padded with 0; checks ids."""
        recent = pad_sequences(histories, n)  # (batch, n)
        if recent.size and recent.max() >= self.num_items_:
            raise KeyError(f"unknown item id {int(recent.max())}: the catalogue has ids 1..{self.num_items_ - 1}")
        return recent
