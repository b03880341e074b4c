"""Chapter 06's checks. The LSTM recommender: the sequence model, tied scores, its weights."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def _sequence_model_facts(model) -> dict:
    import keras

    embedding = next((la for la in model.layers if isinstance(la, keras.layers.Embedding)), None)
    recurrent = next((la for la in model.layers if isinstance(la, (keras.layers.LSTM, keras.layers.GRU,
                                                                    keras.layers.SimpleRNN))), None)
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    return {
        "embedding masks padding (mask_zero=True)": bool(getattr(embedding, "mask_zero", False)),
        "recurrent layer": type(recurrent).__name__ if recurrent is not None else None,
        "returns every step (return_sequences=True)": bool(getattr(recurrent, "return_sequences", False)),
        "outputs logits (no softmax)": activation == "linear",
        "output shape": tuple(model.outputs[0].shape),
    }


def sequence_model(answer: Callable[[int, int, str], Any]) -> CheckResult:
    """Check ``build_model(num_items, max_len, cell)``.

    The model: Embedding(mask_zero) -> cell(return_sequences) -> Dense logits.
    """
    import keras

    def build(num_items, max_len, cell, mask=True, sequences=True, activation=None, cell_override=None):
        layer = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell_override or cell]
        return keras.Sequential([keras.Input((max_len,), dtype="int32"),
                                 keras.layers.Embedding(num_items, 8, mask_zero=mask),
                                 layer(16, return_sequences=sequences),
                                 keras.layers.Dense(num_items, activation=activation)])

    cases = [Case("num_items=100, max_len=10, cell='LSTM'", (100, 10, "LSTM")),
             Case("num_items=50, max_len=5, cell='GRU'", (50, 5, "GRU"))]
    mistakes = [
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, activation="softmax")),
                "no softmax on the output: the loss SparseCategoricalCrossentropy(from_logits=True) applies it, "
                "and applying it twice flattens the scores and breaks training."),
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, mask=False)),
                "Embedding(..., mask_zero=True): otherwise the padding id 0 is read as if it were an item."),
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, sequences=False)),
                "return_sequences=True: the model predicts the next item at EVERY position, not only the last."),
        Mistake(lambda n, m, c: _sequence_model_facts(build(n, m, c, cell_override="LSTM")),
                "use the `cell` argument: keras.layers.GRU when cell == 'GRU'."),
    ]
    return check("sequence_model", converted(answer, _sequence_model_facts),
                 lambda n, m, c: _sequence_model_facts(build(n, m, c)), cases, mistakes)


def tied_scores(answer: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check ``tied_scores(hidden, embeddings)``: (batch, E) x (num_items, E) -> (batch, num_items) dot products."""
    rng = np.random.default_rng(6)
    cases = [Case("2 users, 5 items, E=3", (rng.normal(size=(2, 3)), rng.normal(size=(5, 3)))),
             Case("4 users, 3 items, E=2", (rng.normal(size=(4, 2)), rng.normal(size=(3, 2))))]

    def softmaxed(h, e):
        z = h @ e.T
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    mistakes = [
        Mistake(softmaxed, "return the logits: the loss applies the softmax (from_logits=True)."),
        Mistake(lambda h, e: e @ h.T, "rows are users: hidden @ embeddings.T has shape (batch, num_items)."),
    ]
    return check("tied_scores", converted(answer, np.asarray), lambda h, e: h @ e.T, cases, mistakes)


def recommender_param_count(answer: Callable[[int, int, int], int]) -> CheckResult:
    """Check ``param_count(num_items, embedding_dim, hidden_dim)`` of the course's tied LSTM recommender.

    Embedding ``num_items x E``, LSTM ``4 (H (E + H) + H)``, projection to the
    embedding space ``H x E + E``; the scores reuse the embedding (no new weights).
    """
    def reference(n, e, h):
        return n * e + 4 * (h * (e + h) + h) + (h * e + e)

    cases = [Case("num_items=1683, E=64, H=128", (1683, 64, 128)), Case("num_items=10, E=2, H=3", (10, 2, 3)),
             Case("num_items=500, E=32, H=16", (500, 32, 16))]
    mistakes = [
        Mistake(lambda n, e, h: n * e + 4 * (h * (e + h) + h) + (h * e + e) + n * e,
                "the output reuses the embedding matrix (that is what tying means): count it once."),
        Mistake(lambda n, e, h: n * e + 4 * (h * (e + h) + h),
                "the hidden state (H) is projected to the embedding size (E) before the dot products: H * E + E more."),
        Mistake(lambda n, e, h: n * e + 4 * h * (e + h) + (h * e + e),
                "each LSTM gate has a bias of H: 4 * (H * (E + H) + H)."),
        Mistake(lambda n, e, h: n * e + 4 * (h * (e + h) + h) + (h * n + n),
                "that is an untied Dense(num_items) output; the tied model projects to E and reuses the embeddings."),
    ]
    return check("recommender_param_count", answer, reference, cases, mistakes)
