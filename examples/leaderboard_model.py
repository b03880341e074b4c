"""A worked example for the workshop leaderboard: a causal convolutional next-item model.

Run it from the repository's folder (`make setup` first):

    .venv/bin/python -m lstmrec.bench --model examples.leaderboard_model:build

It is trained and scored exactly as the course's LSTM: same windows, loss,
optimiser settings, early stopping and evaluator (``lstmrec.bench.leaderboard``).
Copy this file, change the layers, and run your own.

The model reads the history with stacked 1-D convolutions whose ``padding="causal"``
lets position t see only positions <= t (a NextItNet-like idea, without the
residual blocks): no recurrence, so an epoch is quick on a CPU.
"""

import keras


def build(num_items: int, config) -> keras.Model:
    """(batch, config.max_len) item ids -> (batch, config.max_len, num_items) logits, causal."""
    items = keras.Input((config.max_len,), dtype="int32")
    x = keras.layers.Embedding(num_items, config.embedding_dim)(items)  # (batch, T, E)
    for dilation in (1, 2, 4, 8):  # receptive field 1 + 2 * (1 + 2 + 4 + 8) = 31 items
        x = keras.layers.Conv1D(config.embedding_dim, 3, padding="causal", dilation_rate=dilation,
                                activation="relu")(x)  # (batch, T, E): position t reads t, t-d, t-2d
        x = keras.layers.Dropout(config.dropout)(x)
    logits = keras.layers.Dense(num_items)(x)  # (batch, T, num_items)
    return keras.Model(items, logits, name="causal_cnn")
