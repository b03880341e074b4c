"""Unit tests for ``lstmrec.foundations.gradients``: the long-range models and the gradient measurements.

The models are tiny (a handful of items, a few hidden units, batches of 3) and
never trained, so the whole file runs in a few seconds. The gradient
measurements are compared with the same quantities computed here another way:
a SimpleRNN written out step by step for ``input_gradient_norms``, and the
per-weight gradients of a plain ``tf.GradientTape`` for ``global_gradient_norm``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstmrec.foundations.gradients import (
    global_gradient_norm,
    input_gradient_norms,
    lstm_bias_initializer,
    sequence_classifier,
)

SEQ_LEN, NUM_ITEMS, EMBEDDING_DIM, HIDDEN_DIM = 6, 9, 4, 3
KINDS = ["SimpleRNN", "LSTM", "GRU"]


@pytest.fixture(autouse=True)
def seed():
    keras.utils.set_random_seed(0)


def tiny(kind, **options):
    return sequence_classifier(kind, SEQ_LEN, NUM_ITEMS, embedding_dim=EMBEDDING_DIM, hidden_dim=HIDDEN_DIM,
                               **options)


def batch(n=3, seed=0):
    """``n`` histories of item ids 1..NUM_ITEMS and their targets."""
    rng = np.random.default_rng(seed)
    history = rng.integers(1, NUM_ITEMS + 1, size=(n, SEQ_LEN)).astype(np.int32)  # (n, SEQ_LEN)
    target = rng.integers(1, NUM_ITEMS + 1, size=n).astype(np.int32)  # (n,)
    return history, target


def as_numpy(x):
    """A Keras variable or a tensor as a NumPy array."""
    return np.asarray(tf.convert_to_tensor(x))


def recurrent_layer(model):
    return model.layers[1]  # Embedding, recurrent layer, Dense


# --- lstm_bias_initializer ---------------------------------------------------------------


def test_lstm_bias_initializer_sets_only_the_forget_slice():
    bias = as_numpy(lstm_bias_initializer(5.0)((16,)))
    # H = 16 / 4 = 4; Keras's order is [b_i, b_f, b_c, b_o]: b_f is bias[4:8]
    expected = np.zeros(16)
    expected[4:8] = 5.0
    np.testing.assert_array_equal(bias, expected)


def test_lstm_bias_initializer_with_input_bias_is_chrono_style():
    bias = as_numpy(lstm_bias_initializer(5.0, -5.0)((8,)))
    # H = 2: [b_i, b_i, b_f, b_f, b_c, b_c, b_o, b_o]
    assert bias.tolist() == [-5, -5, 5, 5, 0, 0, 0, 0]


def test_lstm_bias_initializer_dtype_and_config():
    init = lstm_bias_initializer(-2.0)
    assert as_numpy(init((8,), dtype="float32")).dtype == np.float32
    assert as_numpy(init((8,))).tolist() == [0, 0, -2, -2, 0, 0, 0, 0]
    assert init.get_config() == {"forget": -2.0, "input": 0.0}


# --- sequence_classifier --------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_classifier_output_shape_and_layers(kind):
    model = tiny(kind)
    history, _ = batch(3)
    logits = model(history)
    assert tuple(logits.shape) == (3, NUM_ITEMS + 1)  # one logit per item and padding
    assert model.name == kind
    assert type(recurrent_layer(model)).__name__ == kind
    assert recurrent_layer(model).units == HIDDEN_DIM
    assert model.layers[0].input_dim == NUM_ITEMS + 1 and model.layers[0].output_dim == EMBEDDING_DIM


def test_sequence_classifier_is_compiled_for_logits():
    model = tiny("GRU")
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    assert model.loss.get_config()["from_logits"] is True
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(as_numpy(model.optimizer.learning_rate)) == pytest.approx(3e-3)


def test_sequence_classifier_sgd():
    model = tiny("SimpleRNN", optimizer="sgd", lr=0.1)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(as_numpy(model.optimizer.learning_rate)) == pytest.approx(0.1)


@pytest.mark.parametrize("value", [5.0, -1.0])
def test_lstm_forget_bias_is_set_after_build(value):
    bias = as_numpy(recurrent_layer(tiny("LSTM", forget_bias=value)).cell.bias)
    H = HIDDEN_DIM
    assert bias.shape == (4 * H,)
    np.testing.assert_array_equal(bias[H:2 * H], value)  # the forget gate
    np.testing.assert_array_equal(np.concatenate([bias[:H], bias[2 * H:]]), 0.0)  # input, candidate, output


def test_lstm_default_forget_bias_is_keras_one():
    bias = as_numpy(recurrent_layer(tiny("LSTM")).cell.bias)
    H = HIDDEN_DIM
    np.testing.assert_array_equal(bias[H:2 * H], 1.0)  # unit_forget_bias=True


@pytest.mark.parametrize("kind", ["GRU", "SimpleRNN"])
def test_forget_bias_on_a_cell_without_a_forget_gate(kind):
    with pytest.raises(ValueError, match=f"forget_bias is an LSTM setting; {kind} has no forget gate"):
        tiny(kind, forget_bias=5.0)


@pytest.mark.parametrize("kind", ["RNN", "lstm", ""])
def test_unknown_kind(kind):
    with pytest.raises(ValueError, match=rf"kind='{kind}': choose from \['SimpleRNN', 'LSTM', 'GRU'\]"):
        tiny(kind)


def test_unknown_optimizer():
    with pytest.raises(ValueError, match=r"optimizer='rmsprop': choose from \['adam', 'sgd'\]"):
        tiny("GRU", optimizer="rmsprop")


@pytest.mark.parametrize("clip_norm", [1.0, None])
def test_clip_norm_is_the_optimizers_global_clipnorm(clip_norm):
    optimizer = tiny("SimpleRNN", clip_norm=clip_norm).optimizer
    assert optimizer.global_clipnorm == clip_norm
    assert optimizer.clipnorm is None and optimizer.clipvalue is None  # by the global norm, not per weight


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gain", [2.0, 1.0])
def test_recurrent_kernel_is_orthogonal_times_gain(kind, gain):
    kernel = as_numpy(recurrent_layer(tiny(kind, recurrent_gain=gain)).cell.recurrent_kernel)
    # (H, H) for SimpleRNN, (H, 4H) for LSTM, (H, 3H) for GRU: orthonormal rows, scaled by the gain
    assert kernel.shape[0] == HIDDEN_DIM
    np.testing.assert_allclose(np.linalg.svd(kernel, compute_uv=False), gain, atol=1e-4)


# --- input_gradient_norms ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_input_gradient_norms_shape_and_sign(kind):
    history, target = batch(3)
    g = input_gradient_norms(tiny(kind), history, target)
    assert g.shape == (SEQ_LEN,)
    assert (g >= 0).all()
    assert np.isfinite(g).all() and (g > 0).any()


def simple_rnn_input_gradient_norms(model, history, target):
    """The same measurement, the SimpleRNN written out: h_t = tanh(e_t W + h_{t-1} U + b), logits = h_T V + c."""
    embeddings, W, U, b, V, c = (tf.constant(as_numpy(w)) for w in model.weights)
    norms = []
    for one_history, one_target in zip(history, target):  # one user at a time: their own gradient
        e = tf.gather(embeddings, one_history)  # (SEQ_LEN, EMBEDDING_DIM)
        with tf.GradientTape() as tape:
            tape.watch(e)
            h = tf.zeros((1, HIDDEN_DIM))
            for t in range(SEQ_LEN):
                h = tf.tanh(e[t:t + 1] @ W + h @ U + b)  # (1, HIDDEN_DIM)
            logits = h @ V + c  # (1, NUM_ITEMS + 1)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[int(one_target)], logits=logits)[0]
        grad = tape.gradient(loss, e).numpy()  # (SEQ_LEN, EMBEDDING_DIM)
        norms.append(np.sqrt((grad ** 2).sum(axis=1)))
    return np.mean(norms, axis=0)  # (SEQ_LEN,)


def test_input_gradient_norms_matches_a_hand_written_simple_rnn():
    model = tiny("SimpleRNN", embedding_scale=0.5)
    assert [w.path.split("/")[-1] for w in model.weights] == ["embeddings", "kernel", "recurrent_kernel", "bias",
                                                              "kernel", "bias"]
    history, target = batch(3, seed=1)
    expected = simple_rnn_input_gradient_norms(model, history, target)
    np.testing.assert_allclose(input_gradient_norms(model, history, target), expected, rtol=1e-4, atol=1e-7)


def test_input_gradient_norms_is_a_mean_over_users():
    model = tiny("GRU")
    history, target = batch(3, seed=2)
    each = [input_gradient_norms(model, history[i:i + 1], target[i:i + 1]) for i in range(3)]
    np.testing.assert_allclose(input_gradient_norms(model, history, target), np.mean(each, axis=0),
                               rtol=1e-4, atol=1e-7)


# --- global_gradient_norm -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_global_gradient_norm_is_the_root_of_the_summed_squares(kind):
    model = tiny(kind)
    history, target = batch(3, seed=3)
    # 18 ids of 9 items: some repeat, so the embedding's gradient (an IndexedSlices) has one row per
    # occurrence; the gradient is their sum, and its norm is not the norm of the rows
    assert len(np.unique(history)) < history.size
    with tf.GradientTape() as tape:
        logits = model(history, training=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=logits))
    grads = tape.gradient(loss, model.trainable_weights)
    per_weight = [float(np.linalg.norm(tf.convert_to_tensor(g).numpy())) for g in grads]  # the embedding's is sparse
    assert len(per_weight) == len(model.trainable_weights)
    expected = np.sqrt(np.sum(np.square(per_weight)))
    got = global_gradient_norm(model, history, target)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-5)
    assert got > 0



# --- long_range_experiment ------------------------------------------------------------------


@pytest.mark.slow
def test_long_range_experiment_trains_scores_and_is_deterministic():
    from lstmrec.foundations.gradients import long_range_experiment

    kwargs = dict(prefix=2, num_train=64, num_test=32, epochs=1, batch_size=32, hidden_dim=3)
    acc1, seconds, model = long_range_experiment("SimpleRNN", 2, **kwargs)
    acc2, _, _ = long_range_experiment("SimpleRNN", 2, **kwargs)
    assert 0.0 <= acc1 <= 1.0 and seconds > 0 and acc1 == acc2
    assert model.input_shape == (None, 4)  # prefix + lag


@pytest.mark.slow
def test_long_range_experiment_uses_the_given_target_rule():
    from lstmrec.foundations.gradients import long_range_experiment

    seen = []

    def rule(history, lag):
        seen.append((history.shape, lag))
        return history[:, -1]  # a different, easy rule: the last item

    long_range_experiment("SimpleRNN", 3, prefix=1, num_train=40, num_test=20, epochs=1, hidden_dim=2,
                          target_fn=rule)
    assert seen == [((40, 4), 3), ((20, 4), 3)]
