"""Unit tests for ``lstmrec.baselines.base``: item counts, dense or sparse storage, and what every baseline refuses
(scoring before ``fit``, an item outside the catalogue).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

from lstmrec import baselines
from lstmrec.baselines.knn import ItemKNN
from lstmrec.baselines.markov import MarkovChain
from lstmrec.baselines.popular import MostPopular
from tests.baselines.counts import COUNTS, NUM_ITEMS, SEQS

# --- item_counts and MostPopular -------------------------------------------------------


def test_item_counts():
    assert baselines.base.item_counts(SEQS, NUM_ITEMS).tolist() == COUNTS
    assert baselines.base.item_counts([np.array([0, 1, 1])], 3).tolist() == [0, 2, 0]  # padding never counts
    assert baselines.base.item_counts([], 3).tolist() == [0, 0, 0]


@pytest.mark.parametrize("cls", [MarkovChain, lambda: ItemKNN(num_recent=3, decay=0.5)])
def test_sparse_storage_scores_exactly_as_dense(cls, monkeypatch):
    """Below DENSE_ABOVE the (items, items) matrix stays sparse; the scores must not change."""
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 40, size=rng.integers(2, 12)) for _ in range(30)]
    histories = seqs[:10] + [np.array([], dtype=np.int64)]
    monkeypatch.setattr(baselines.base, "DENSE_ABOVE", 0.0)  # everything non-empty is stored dense
    dense = cls().fit(seqs, 40)
    monkeypatch.setattr(baselines.base, "DENSE_ABOVE", 1.0)  # nothing is
    sparse = cls().fit(seqs, 40)
    stored = [getattr(m, "transitions_", getattr(m, "similarity_", None)) for m in (dense, sparse)]
    assert isinstance(stored[0], np.ndarray) and scipy.sparse.issparse(stored[1])
    np.testing.assert_array_equal(dense.score(histories), sparse.score(histories))


def test_density_rule():
    few = scipy.sparse.csr_array((np.ones(2), ([0, 1], [1, 2])), shape=(10, 10))  # 2 of 100 = 2% non-zero
    many = scipy.sparse.csr_array(np.ones((10, 10)))
    assert scipy.sparse.issparse(baselines.base.dense_or_sparse(few))
    assert isinstance(baselines.base.dense_or_sparse(many), np.ndarray)


@pytest.mark.parametrize("cls", [MostPopular, MarkovChain, ItemKNN])
def test_scoring_before_fit(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__} is not fitted: call fit\(sequences, num_items\) first"):
        cls().score([np.array([1])])


@pytest.mark.parametrize("cls", [MarkovChain, ItemKNN])
def test_unknown_item_in_history(cls):
    model = cls().fit(SEQS, NUM_ITEMS)
    with pytest.raises(KeyError, match=r"unknown item id 9: the catalogue has ids 1\.\.4"):
        model.score([np.array([1, 2]), np.array([1, 9])])
