"""The recurrent next-item recommender: item embedding -> LSTM (or GRU, SimpleRNN) -> a score for every item.

Taught in chapter 06; used by chapters 07-14 and ``python -m lstmrec.bench``.

The model reads a user's history, oldest first, left-padded with 0 to
``max_len``, and at every position predicts the next item:

    items (batch, max_len)
      -> Embedding(num_items, embedding_dim, mask_zero=True)  (batch, max_len, embedding_dim)
      -> Dropout -> LSTM(hidden_dim, return_sequences=True)  (batch, max_len, hidden_dim)
      -> Dropout -> scores over the catalogue                (batch, max_len, num_items)

The scores are logits: either a ``Dense(num_items)`` layer, or (``tie_embeddings``)
the item embeddings themselves (``models.layers.TiedScores``). Training
(``models.training``) minimises the softmax cross-entropy of the true next item
at every non-padded position; the model never applies the softmax itself.
"""

from __future__ import annotations

from lstmrec.models.config import Config
from lstmrec.models.layers import TiedScores

LAYERS = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "SimpleRNN"}
"""``Config.cell`` -> the ``keras.layers`` class of its recurrence."""


def build(num_items: int, config: Config, unroll: bool = False):
    """The Keras model of the module docstring, not compiled.

    Args:
        num_items: catalogue size including the padding id 0.
        config: the architecture (cell, sizes, dropout, tying).
        unroll: write the recurrence out as ``max_len`` copies of the step
            instead of a loop: the same weights and outputs, more memory; what
            ``tf.vectorized_map`` needs to take per-user gradients (``privacy.dpsgd``).

    Returns:
        A ``keras.Model``: (batch, t) int item ids -> (batch, t, num_items) logits, for windows of any
        length t (``Recommender`` pads to ``max_len``); unrolled, t is ``max_len``.
    """
    import keras

    if config.cell not in LAYERS:
        raise ValueError(f"cell={config.cell!r} is not recurrent: choose from {list(LAYERS)} "
                         "(models.registry.build builds any model)")
    # (batch, t): any window length t (batching by length cuts padding columns); unrolled: max_len
    items = keras.Input((config.max_len if unroll else None,), dtype="int32", name="items")
    embedding = keras.layers.Embedding(num_items, config.embedding_dim, mask_zero=True, name="item_embedding")
    x = embedding(items)  # (batch, max_len, embedding_dim); padding positions are masked from here on
    x = keras.layers.Dropout(config.dropout)(x)
    h = getattr(keras.layers, LAYERS[config.cell])(config.hidden_dim, return_sequences=True, unroll=unroll,
                                                   name="recurrent")(x)  # (batch, max_len, hidden_dim)
    h = keras.layers.Dropout(config.dropout)(h)
    if config.tie_embeddings:
        h = keras.layers.Dense(config.embedding_dim, name="to_embedding_space")(h)  # (batch, max_len, embedding_dim)
        logits = TiedScores(embedding, name="scores")(h)  # (batch, max_len, num_items)
    else:
        logits = keras.layers.Dense(num_items, name="scores")(h)  # (batch, max_len, num_items)
    return keras.Model(items, logits, name=f"{config.cell.lower()}_recommender")
