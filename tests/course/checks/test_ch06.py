"""Tests of ``lstmrec.course.checks.ch06``: ``sequence_model``, ``tied_scores`` and ``recommender_param_count``.

Learners' answers (Keras's Sequential and functional APIs, einsum, the count term by term) pass, in both modes;
each usual mistake, written the way a learner would write it, is rejected with its own hint (not another one),
and raises in strict mode; the check's count formula equals Keras's count of the course's tied model. Stubs,
crashes and strict raising of every check: ``test_registry.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstmrec.course.checks import ch06

# --- learners' answers -------------------------------------------------------------------------


def learner_sequence_model(num_items, max_len, cell, *, mask_zero=True, return_sequences=True, activation=None,
                           layer=None):
    """A learner's model; the keyword arguments switch on one usual mistake each."""
    layer = layer or (keras.layers.GRU if cell == "GRU" else keras.layers.LSTM)
    return keras.Sequential([
        keras.Input(shape=(max_len,), dtype="int32"),
        keras.layers.Embedding(num_items, 32, mask_zero=mask_zero),
        layer(64, return_sequences=return_sequences),
        keras.layers.Dense(num_items, activation=activation),
    ])


def learner_sequence_model_functional(num_items, max_len, cell):
    inputs = keras.Input(shape=(max_len,), dtype="int32")
    embedded = keras.layers.Embedding(num_items, 16, mask_zero=True)(inputs)
    hidden = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell](24, return_sequences=True)(embedded)
    return keras.Model(inputs, keras.layers.Dense(num_items)(hidden))


def learner_tied_scores(hidden, embeddings):
    return np.einsum("be,ne->bn", hidden, embeddings)


def learner_recommender_param_count(num_items, embedding_dim, hidden_dim):
    embedding = num_items * embedding_dim
    lstm = 4 * (embedding_dim * hidden_dim + hidden_dim * hidden_dim + hidden_dim)  # 4 gates: W, U, b
    projection = hidden_dim * embedding_dim + embedding_dim  # h -> the embedding space; scores reuse the embedding
    return embedding + lstm + projection


def _softmax(z):
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("sequence_model", learner_sequence_model, 2, id="sequence_model"),
    pytest.param("sequence_model", learner_sequence_model_functional, 2, id="sequence-model-functional-api"),
    pytest.param("tied_scores", learner_tied_scores, 2, id="tied_scores"),
    pytest.param("tied_scores", lambda h, e: h @ e.T, 2, id="tied-scores-matmul"),
    pytest.param("recommender_param_count", learner_recommender_param_count, 3, id="recommender_param_count"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("sequence_model", lambda n, m, c: learner_sequence_model(n, m, c, activation="softmax"),
                 "applying it twice flattens the scores", id="model-softmax"),
    pytest.param("sequence_model", lambda n, m, c: learner_sequence_model(n, m, c, mask_zero=False),
                 "the padding id 0 is read as if it were an item", id="model-no-mask"),
    pytest.param("sequence_model", lambda n, m, c: learner_sequence_model(n, m, c, return_sequences=False),
                 "predicts the next item at EVERY position", id="model-last-step-only"),
    pytest.param("sequence_model", lambda n, m, c: learner_sequence_model(n, m, c, layer=keras.layers.LSTM),
                 "use the `cell` argument", id="model-always-lstm"),
    pytest.param("tied_scores", lambda h, e: _softmax(h @ e.T), "return the logits", id="scores-softmax"),
    pytest.param("tied_scores", lambda h, e: (h @ e.T).T, "rows are users", id="scores-transposed"),
    pytest.param("recommender_param_count", lambda n, e, h: learner_recommender_param_count(n, e, h) + n * e,
                 "count it once", id="params-embedding-twice"),
    pytest.param("recommender_param_count", lambda n, e, h: n * e + 4 * (e * h + h * h + h),
                 "projected to the embedding size", id="params-no-projection"),
    pytest.param("recommender_param_count", lambda n, e, h: learner_recommender_param_count(n, e, h) - 4 * h,
                 "each LSTM gate has a bias of H", id="params-no-lstm-bias"),
    pytest.param("recommender_param_count", lambda n, e, h: n * e + 4 * (e * h + h * h + h) + h * n + n,
                 "an untied Dense(num_items) output", id="params-untied"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- the count against Keras's -----------------------------------------------------------------


@pytest.mark.parametrize("num_items, e, h", [(1683, 64, 128), (10, 2, 3), (500, 32, 16)])
def test_recommender_param_count_reference_equals_keras(num_items, e, h):
    """The check's hand formula against the course's own tied model, as Keras counts it."""
    from lstmrec import models

    expected = models.recurrent.build(num_items, models.config.Config(embedding_dim=e, hidden_dim=h)).count_params()
    assert ch06.recommender_param_count(lambda n, e_, h_: expected if (n, e_, h_) == (num_items, e, h)
                                        else n * e_ + 4 * (h_ * (e_ + h_) + h_) + (h_ * e_ + e_))
