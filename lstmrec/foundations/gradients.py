"""Small recurrent models for the long-range experiments, and the gradient measurement.

Taught in chapter 02 (vanishing and exploding gradients) and reused in chapter 03.

The models read a sequence of item ids and predict one item:

    items (batch, seq_len) -> Embedding -> SimpleRNN | LSTM | GRU -> Dense -> logits (batch, num_items + 1)

``input_gradient_norms`` measures how much the loss at the end of the
sequence depends on the input ``d`` steps earlier:

    g_t = mean over the batch of || dL / de_t ||_2

where ``e_t`` is the embedded item at step ``t``. If gradients vanish, ``g_t``
falls exponentially with the distance ``seq_len - 1 - t``, and the model
cannot learn what happened far back.
"""

from __future__ import annotations

import numpy as np


def lstm_bias_initializer(forget: float, input: float = 0.0):
    """A Keras bias initializer for an LSTM: forget-gate bias ``forget``, input-gate bias ``input``, the rest 0.

    Keras stores the LSTM bias as ``[b_i, b_f, b_c, b_o]`` (4H,). At
    initialisation ``f_t ~ sigmoid(b_f)`` and ``i_t ~ sigmoid(b_i)``: Keras's
    default ``b_f = 1`` (``unit_forget_bias=True``) gives ``f ~ 0.73``, so after
    ``d`` steps the cell keeps ``0.73^d`` of what it stored (``1e-7`` at
    ``d = 50``); ``b_f = 5`` gives ``f ~ 0.993`` (``0.70`` at ``d = 50``). With
    ``b_i = -b_f`` the input gates start nearly closed, so distractors do not
    overwrite the cell: the "chrono" initialisation of Tallec & Ollivier (2018)
    with a single time scale. Use with ``unit_forget_bias=False``.

    Args:
        forget: the forget-gate bias.
        input: the input-gate bias.

    Returns:
        An initializer ``(shape, dtype) -> tensor`` for ``bias_initializer``.
    """
    import keras

    class GateBias(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            hidden = shape[0] // 4
            bias = np.zeros(shape, dtype="float32")  # (4H,): [input, forget, candidate, output]
            bias[:hidden] = input
            bias[hidden:2 * hidden] = forget
            return keras.ops.convert_to_tensor(bias, dtype=dtype)

        def get_config(self):
            return {"forget": forget, "input": input}

    return GateBias()


def sequence_classifier(kind: str, seq_len: int, num_items: int, embedding_dim: int = 16,
                        hidden_dim: int = 32, embedding_scale: float = 1.0, forget_bias: float | None = None,
                        input_bias: float = 0.0, recurrent_gain: float = 1.0, optimizer: str = "adam", lr: float = 3e-3,
                        clip_norm: float | None = None):
    """Embedding -> recurrent layer -> Dense: predicts one item from a sequence.

    Args:
        kind: ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
        seq_len: input length.
        num_items: item ids are ``1..num_items`` (0 is padding); ``num_items + 1`` logits.
        embedding_dim: size of an item embedding.
        hidden_dim: size of the recurrent state.
        embedding_scale: standard deviation of the initial embeddings. Larger
            inputs push ``tanh`` towards saturation, where its slope is small.
        forget_bias: LSTM only: initial forget-gate bias (None: Keras's default, 1).
        input_bias: LSTM only, with ``forget_bias``: initial input-gate bias (default 0).
        recurrent_gain: gain of the orthogonal initial recurrent matrix (Keras's
            default is 1; above 1, gradients can explode).
        optimizer: ``"adam"`` or ``"sgd"``.
        lr: learning rate.
        clip_norm: clip the gradient by its global norm ``c``: ``g <- g * min(1, c / ||g||)``
            (None: no clipping).

    Returns:
        A compiled ``keras.Sequential`` (sparse categorical cross-entropy on
        logits, accuracy).
    """
    import keras

    layers = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}
    if kind not in layers:
        raise ValueError(f"kind={kind!r}: choose from {list(layers)}")
    if forget_bias is not None and kind != "LSTM":
        raise ValueError(f"forget_bias is an LSTM setting; {kind} has no forget gate")
    options = {"recurrent_initializer": keras.initializers.Orthogonal(gain=recurrent_gain)}
    if forget_bias is not None:
        options |= {"unit_forget_bias": False, "bias_initializer": lstm_bias_initializer(forget_bias, input_bias)}
    model = keras.Sequential([
        keras.Input((seq_len,), dtype="int32"),  # (batch, seq_len) item ids
        keras.layers.Embedding(num_items + 1, embedding_dim,
                               embeddings_initializer=keras.initializers.RandomNormal(stddev=embedding_scale)),
        layers[kind](hidden_dim, **options),  # (batch, hidden_dim): the last state
        keras.layers.Dense(num_items + 1),  # (batch, num_items + 1) logits
    ], name=kind)
    optimizers = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer={optimizer!r}: choose from {list(optimizers)}")
    opt = optimizers[optimizer](learning_rate=lr, global_clipnorm=clip_norm)
    model.compile(optimizer=opt, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def input_gradient_norms(model, history, target) -> np.ndarray:
    """Mean norm of the loss gradient with respect to each step's embedded input.

    Args:
        model: a ``sequence_classifier`` (embedding first, then the rest).
        history: (batch, seq_len) item ids.
        target: (batch,) the items to predict.

    Returns:
        (seq_len,) ``g_t = mean_b ||dL/de_t||``; index ``seq_len - 1`` is the
        step next to the output (distance 0).
    """
    import keras
    import tensorflow as tf

    embedding, rest = model.layers[0], model.layers[1:]
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    embedded = embedding(np.asarray(history))  # (batch, seq_len, embedding_dim)
    with tf.GradientTape() as tape:
        tape.watch(embedded)
        out = embedded
        for layer in rest:
            out = layer(out)  # ends as (batch, num_items + 1) logits
        loss = loss_fn(np.asarray(target), out)  # summed, so each user's gradient is its own
    grads = tape.gradient(loss, embedded)  # (batch, seq_len, embedding_dim)
    return tf.reduce_mean(tf.norm(grads, axis=-1), axis=0).numpy()  # (seq_len,)


def global_gradient_norm(model, history, target) -> float:
    """The norm of the loss gradient over all trainable weights, ``sqrt(sum_w ||dL/dw||^2)``.

    What gradient clipping by global norm compares with its threshold.
    """
    import tensorflow as tf

    with tf.GradientTape() as tape:
        logits = model(np.asarray(history), training=True)  # (batch, num_items + 1)
        loss = model.loss(np.asarray(target), logits)
    grads = tape.gradient(loss, model.trainable_weights)
    # The embedding's gradient is an IndexedSlices with one row per occurrence of an item in the batch;
    # its rows' norm is not the gradient's norm when an item repeats: sum the rows first (dense).
    grads = [tf.convert_to_tensor(g) for g in grads if g is not None]
    return float(tf.linalg.global_norm(grads).numpy())



def long_range_experiment(kind: str, lag: int, prefix: int = 10, num_items: int = 20, num_signals: int = 4,
                          num_train: int = 3000, num_test: int = 1000, epochs: int = 8, batch_size: int = 32,
                          seed: int = 42, target_fn=None, **options) -> tuple[float, float, object]:
    """Train a fresh ``sequence_classifier`` on the long-range task at one lag and score it on new sequences.

    Sequences are ``prefix + lag`` items long, so the signal never sits at the
    start; training data use ``seed``, test data ``seed + 1``, and the model is
    initialised after ``keras.utils.set_random_seed(seed)``.

    Args:
        kind: ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
        lag: steps between the signal and the prediction.
        prefix: random items before the signal.
        num_items, num_signals: as in ``data.synthetic.long_range_sequences``.
        num_train, num_test: sequences to train and to score on.
        epochs, batch_size: training settings.
        seed: the seed of the data and the initial weights.
        target_fn: ``(history, lag) -> (n,)`` a rule for the targets (default: the generator's).
        **options: passed to ``sequence_classifier`` (``hidden_dim``, ``forget_bias``, ...).

    Returns:
        ``(test_accuracy, training_seconds, model)``.
    """
    import time

    import keras

    from lstmrec import data

    seq_len = lag + prefix
    x_train, y_train = data.synthetic.long_range_sequences(num_train, seq_len, lag, num_items, num_signals, seed=seed)
    x_test, y_test = data.synthetic.long_range_sequences(num_test, seq_len, lag, num_items, num_signals, seed=seed + 1)
    if target_fn is not None:
        y_train, y_test = np.asarray(target_fn(x_train, lag)), np.asarray(target_fn(x_test, lag))
    keras.utils.set_random_seed(seed)
    model = sequence_classifier(kind, seq_len, num_items, **options)
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    return float(model.evaluate(x_test, y_test, verbose=0)[1]), seconds, model
