"""Unit tests for ``lstmrec.models.layers``: tied scores by hand, that they own no weights, and the mask passed on."""

import numpy as np
import pytest

from lstmrec import models

keras = pytest.importorskip("keras")


def embedding(rows):
    layer = keras.layers.Embedding(len(rows), len(rows[0]))
    layer.build((None,))
    layer.set_weights([np.asarray(rows, dtype="float32")])
    return layer


def test_scores_are_dot_products_with_the_item_embeddings():
    items = embedding([[0.0, 0.0], [1.0, 2.0], [-1.0, 0.5]])  # (3 items, E=2)
    h = np.array([[[2.0, 1.0], [0.0, -2.0]]], dtype="float32")  # (batch 1, T 2, E 2)
    scores = keras.ops.convert_to_numpy(models.layers.TiedScores(items)(h))
    # h' . e_i: [2*0+1*0, 2*1+1*2, 2*-1+1*.5] and [0, -4, -1]
    np.testing.assert_allclose(scores, [[[0.0, 4.0, -1.5], [0.0, -4.0, -1.0]]])


def test_tied_scores_own_no_weights_and_follow_the_embedding():
    items = embedding([[1.0], [2.0]])
    tied = models.layers.TiedScores(items)
    h = np.ones((1, 1), dtype="float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tied(h)), [[1.0, 2.0]])
    assert [id(w) for w in tied.trainable_weights] == [id(w) for w in items.trainable_weights]  # the same variable
    items.set_weights([np.array([[3.0], [-1.0]], dtype="float32")])  # the same matrix, not a copy
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tied(h)), [[3.0, -1.0]])


def test_a_tied_model_counts_the_embedding_once():
    ids = keras.Input((3,), dtype="int32")
    items = keras.layers.Embedding(5, 4)
    model = keras.Model(ids, models.layers.TiedScores(items)(items(ids)))
    assert model.count_params() == 5 * 4  # no output matrix of its own


def test_the_padding_mask_passes_through():
    tied = models.layers.TiedScores(embedding([[1.0], [2.0]]))
    mask = np.array([[True, False]])
    assert tied.compute_mask(np.zeros((1, 2, 1), dtype="float32"), mask) is mask
