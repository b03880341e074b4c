"""Unit tests for ``lstmrec.models.recurrent``: the Keras model's shapes and layers, logits out, and its parameter
counts worked out by hand (tied and untied).
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import models
from tests.models.tiny_models import MAX_LEN, NUM_ITEMS, E, H, tiny

pytestmark = pytest.mark.usefixtures("deterministic_ops")  # tests/models/conftest.py

keras = pytest.importorskip("keras")


# --- build ---------------------------------------------------------------------------

CELLS_AND_TYING = pytest.mark.parametrize("cell, tie", [("LSTM", True), ("LSTM", False), ("GRU", True),
                                                        ("GRU", False)])


@CELLS_AND_TYING
def test_build_output_shape(cell, tie):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    x = np.array([[0, 0, 1, 2, 3], [4, 5, 6, 7, 8], [0, 0, 0, 0, 15]], dtype=np.int32)
    out = np.asarray(model(x))
    assert out.shape == (3, MAX_LEN, NUM_ITEMS)
    assert model.output_shape == (None, None, NUM_ITEMS)  # windows of any length (training cuts padding)
    assert models.recurrent.build(NUM_ITEMS, tiny(cell, tie), unroll=True).output_shape == (None, MAX_LEN, NUM_ITEMS)


@CELLS_AND_TYING
def test_a_shorter_window_gives_the_last_positions_of_the_padded_one(cell, tie):
    # What training's cut of all-padding columns relies on: masked padding changes no real position.
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    x = np.array([[0, 0, 1, 2, 3], [0, 4, 5, 6, 7]], dtype=np.int32)
    np.testing.assert_allclose(np.asarray(model(x[:, 1:])), np.asarray(model(x))[:, 1:], rtol=1e-5, atol=1e-6)


@CELLS_AND_TYING
def test_build_layers(cell, tie):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    embedding = model.get_layer("item_embedding")
    assert isinstance(embedding, keras.layers.Embedding)
    assert embedding.mask_zero  # padding id 0 is masked
    assert embedding.input_dim == NUM_ITEMS and embedding.output_dim == E
    recurrent = model.get_layer("recurrent")
    assert isinstance(recurrent, {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell])
    assert recurrent.return_sequences and recurrent.units == H


@CELLS_AND_TYING
def test_build_outputs_logits_not_probabilities(cell, tie):
    keras.utils.set_random_seed(0)
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    x = np.array([[0, 0, 1, 2, 3], [4, 5, 6, 7, 8], [9, 10, 11, 12, 13]], dtype=np.int32)
    out = np.asarray(model(x))  # (3, max_len, num_items)
    assert (out < 0).any()  # a softmax output is never negative
    assert not np.allclose(out.sum(axis=-1), 1.0, atol=1e-3)  # ... and sums to 1 over the items
    scores = model.get_layer("scores")
    assert getattr(scores, "activation", keras.activations.linear) is keras.activations.linear


@pytest.mark.parametrize("cell, recurrent_params", [
    # LSTM: 4 gates, each W (E x H) + U (H x H) + b (H): 4 * (4*(4+4) + 4) = 4 * 36 = 144.
    ("LSTM", 4 * (H * (E + H) + H)),
    # GRU (Keras default reset_after=True, two biases): 3 * (4*(4+4) + 2*4) = 3 * 40 = 120.
    ("GRU", 3 * (H * (E + H) + 2 * H)),
    # SimpleRNN: one block, 4*(4+4) + 4 = 36.
    ("SimpleRNN", H * (E + H) + H),
])
def test_build_tied_parameter_count(cell, recurrent_params):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie=True))
    # embedding 16*4 = 64, recurrent, projection H -> E: 4*4 + 4 = 20; the scores reuse the embedding.
    # LSTM: 64 + 144 + 20 = 228.
    assert model.count_params() == NUM_ITEMS * E + recurrent_params + (H * E + E)
    assert not [layer for layer in model.layers
                if isinstance(layer, keras.layers.Dense) and layer.units == NUM_ITEMS]  # no Dense(num_items)
    # the scores are computed with the embedding matrix itself, not a copy
    assert model.get_layer("scores").embedding is model.get_layer("item_embedding")


def test_build_tied_lstm_parameter_count_by_hand():
    assert models.recurrent.build(NUM_ITEMS, tiny("LSTM", tie=True)).count_params() == 228  # 64 + 144 + 20


@pytest.mark.parametrize("cell, recurrent_params", [
    ("LSTM", 4 * (H * (E + H) + H)),
    ("GRU", 3 * (H * (E + H) + 2 * H)),
])
def test_build_untied_parameter_count(cell, recurrent_params):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie=False))
    # embedding 64, recurrent, Dense(num_items): 4*16 + 16 = 80 instead of the projection (LSTM: 288).
    assert model.count_params() == NUM_ITEMS * E + recurrent_params + (H * NUM_ITEMS + NUM_ITEMS)
    scores = model.get_layer("scores")
    assert isinstance(scores, keras.layers.Dense) and scores.units == NUM_ITEMS


def test_build_untied_lstm_parameter_count_by_hand():
    assert models.recurrent.build(NUM_ITEMS, tiny("LSTM", tie=False)).count_params() == 288  # 64 + 144 + 80
