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


def forget_bias_initializer(value: float):
    """A Keras bias initializer for an LSTM that sets the forget-gate bias to ``value``, the rest to 0.

    Keras stores the LSTM bias as ``[b_i, b_f, b_c, b_o]`` (4H,). A forget bias
    of ``b`` makes ``f_t ~ sigmoid(b)`` at initialisation: 0.73 for Keras's
    default ``b = 1`` (``unit_forget_bias=True``), 0.993 for ``b = 5``; after
    ``d`` steps the cell keeps ``f^d`` of what it stored (0.73^50 ~ 1e-7,
    0.993^50 ~ 0.70). Use with ``unit_forget_bias=False``.

    Args:
        value: the forget-gate bias.

    Returns:
        An initializer ``(shape, dtype) -> tensor`` for ``bias_initializer``.
    """
    import keras

    class ForgetBias(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            hidden = shape[0] // 4
            bias = np.zeros(shape, dtype="float32")  # (4H,)
            bias[hidden:2 * hidden] = value  # the forget gate's slice
            return keras.ops.convert_to_tensor(bias, dtype=dtype)

        def get_config(self):
            return {}

    return ForgetBias()


def sequence_classifier(kind: str, seq_len: int, num_items: int, embedding_dim: int = 16,
                        hidden_dim: int = 32, embedding_scale: float = 1.0, forget_bias: float | None = None,
                        recurrent_gain: float = 1.0, optimizer: str = "adam", lr: float = 3e-3,
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
        options |= {"unit_forget_bias": False, "bias_initializer": forget_bias_initializer(forget_bias)}
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
    return float(tf.linalg.global_norm(grads).numpy())

