"""Weight tying: score items with their own input embeddings.

Taught in chapter 06.

    score_i = h' . e_i        h': the state projected to embedding_dim; e_i: row i of the item embedding

The output layer then has no weights of its own: ``num_items x embedding_dim``
fewer to learn, and an item's input and output representations are the same.
"""

from __future__ import annotations


def _tied_scores_class():
    import keras

    class _TiedScores(keras.layers.Layer):
        """Logits as dot products with the item embeddings: ``h (.., E) @ E_items^T (E, num_items)``."""

        def __init__(self, embedding, **kwargs):
            super().__init__(**kwargs)
            self.embedding = embedding

        def call(self, h):
            items = keras.ops.cast(self.embedding.embeddings, h.dtype)  # bfloat16 under mixed precision, else as is
            return keras.ops.matmul(h, keras.ops.transpose(items))  # (.., num_items)

        def compute_mask(self, inputs, mask=None):
            return mask

    return _TiedScores


def TiedScores(embedding, **kwargs):  # noqa: N802 (a layer factory, named like a layer)
    """A layer that scores items with the embedding matrix of ``embedding`` (weight tying)."""
    return _tied_scores_class()(embedding, **kwargs)
