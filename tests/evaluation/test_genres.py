"""Unit tests for ``lstmrec.evaluation.genres``: the genre matrix, profiles and cosine, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmrec import evaluation
from lstmrec.data.sequences import ItemIndex

ITEMS = pd.DataFrame({"item_id": [10, 20, 30, 40], "genres": ["Drama", "Comedy|Drama", "Action|Comedy|Drama",
                                                              "(no genres listed)"]})
INDEX = ItemIndex.fit(np.array([10, 20, 30, 40]))


def test_genre_matrix_by_hand():
    G, names = evaluation.genres.genre_matrix(ITEMS, INDEX)
    assert names == ["Action", "Comedy", "Drama"]
    np.testing.assert_allclose(G, [[0, 0, 0], [0, 0, 1], [0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0, 0, 0]])


def test_profiles_by_hand():
    G, _ = evaluation.genres.genre_matrix(ITEMS, INDEX)
    lists = np.array([[1, 2], [0, 2], [4, 0], [1, 4]])  # model ids; 0 padding, 4 has no genre
    got = evaluation.genres.profiles(lists, G)
    np.testing.assert_allclose(got, [[0, 0.25, 0.75], [0, 0.5, 0.5], [0, 0, 0], [0, 0, 1]])
    assert evaluation.genres.profiles(np.zeros((0, 3), dtype=int), G).shape == (0, 3)
    ragged = evaluation.genres.profiles([np.array([1, 2, 2, 3]), np.array([], dtype=int)], G)  # histories of any length
    np.testing.assert_allclose(ragged, [[1 / 12, (0.5 + 0.5 + 1 / 3) / 4, (1 + 0.5 + 0.5 + 1 / 3) / 4], [0, 0, 0]])


def test_cosine_by_hand():
    p = np.array([[1.0, 0.0], [0.0, 0.0], [0.3, 0.4]])
    q = np.array([[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]])
    np.testing.assert_allclose(evaluation.genres.cosine(p, q), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("call, error, message", [
    (lambda: evaluation.genres.genre_matrix(ITEMS.drop(columns="genres"), INDEX), ValueError, "genres"),
    (lambda: evaluation.genres.genre_matrix(ITEMS.iloc[:2], INDEX), ValueError, "no genres row"),
    (lambda: evaluation.genres.profiles(np.array([1, 2]), np.zeros((5, 3))), ValueError, "shape"),
    (lambda: evaluation.genres.profiles(np.array([[7]]), np.zeros((5, 3))), KeyError, "out of range"),
    (lambda: evaluation.genres.cosine(np.zeros((2, 3)), np.zeros((1, 3))), ValueError, "same shape"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
