"""Unit tests for ``lstmrec.evaluation.beyond_accuracy``: catalogue coverage and popularity bias, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import evaluation

# --- beyond accuracy -----------------------------------------------------------------


@pytest.mark.parametrize("recs, num_items, expected", [
    ([[1, 2], [2, 3]], 5, 3 / 4),  # {1, 2, 3} of items 1..4
    ([[1, 1]], 3, 1 / 2),  # {1} of items 1..2
    ([[4, 3, 2, 1]], 5, 1.0),
])
def test_catalog_coverage(recs, num_items, expected):
    assert evaluation.beyond_accuracy.catalog_coverage(np.array(recs), num_items) == pytest.approx(expected)


@pytest.mark.parametrize("recs", [[[0, 1]], [[1, 5]]], ids=["padding", "beyond"])
def test_catalog_coverage_bad_ids(recs):
    with pytest.raises(ValueError, match=r"recommended ids must be items 1\.\.4"):
        evaluation.beyond_accuracy.catalog_coverage(np.array(recs), num_items=5)


def test_popularity_bias():
    counts = np.array([0, 10, 4, 1])
    # slots: count[1] + count[2] + count[2] + count[3] = 10 + 4 + 4 + 1 = 19, over 4 slots = 4.75
    assert evaluation.beyond_accuracy.popularity_bias(np.array([[1, 2], [2, 3]]), counts) == pytest.approx(4.75)
