"""Unit tests for ``lstmrec.models.softmax``: the block-wise full-softmax loss by hand, against Keras's
sparse cross-entropy and its gradients, with and without a bias, for any block size, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.models import softmax

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")


@pytest.mark.parametrize("h, items, targets, expected", [
    ([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [2], np.log(3)),  # every logit 0: ln 3
    ([[np.log(3), 0.0]], [[1.0, 0.0], [0.0, 1.0]], [0], np.log(4 / 3)),  # softmax [3/4, 1/4]: -ln(3/4)
    ([[np.log(3), 0.0]], [[1.0, 0.0], [0.0, 1.0]], [1], np.log(4)),  # -ln(1/4)
    ([[100.0]], [[1.0], [0.0]], [0], 0.0),  # a sure and right guess; no overflow from exp(100)
    ([[0.0], [0.0]], [[1.0], [2.0]], [0, 1], np.log(2)),  # a mean over two positions
])
def test_mean_cross_entropy_by_hand(h, items, targets, expected):
    loss = softmax.mean_cross_entropy(np.array(h, "float32"), np.array(items, "float32"), np.array(targets))
    assert float(loss) == pytest.approx(expected, abs=1e-5)


def test_no_positions_give_zero():
    assert float(softmax.mean_cross_entropy(np.zeros((0, 3), "float32"), np.ones((4, 3), "float32"),
                                            np.zeros(0, "int32"))) == 0.0


@pytest.mark.parametrize("positions, chunk", [(7, 2), (7, 7), (7, 100), (300, 64)])
@pytest.mark.parametrize("with_bias", [False, True])
def test_loss_and_gradients_equal_keras_for_any_block(positions, chunk, with_bias):
    rng = np.random.default_rng(positions + chunk)
    n, e = 11, 4
    h = tf.Variable(rng.normal(size=(positions, e)).astype("float32") * 2)  # (P, E)
    items = tf.Variable(rng.normal(size=(n, e)).astype("float32"))  # (N, E)
    bias = tf.Variable(rng.normal(size=(n,)).astype("float32"))  # (N,)
    targets = rng.integers(0, n, positions)
    variables = [h, items] + ([bias] if with_bias else [])
    with tf.GradientTape(persistent=True) as tape:
        ours = softmax.mean_cross_entropy(h, items, targets, bias if with_bias else None, chunk)
        logits = tf.matmul(h, items, transpose_b=True) + (bias if with_bias else 0.0)  # (P, N)
        reference = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True))
    assert float(ours) == pytest.approx(float(reference), rel=1e-6)
    for mine, theirs in zip(tape.gradient(ours, variables), tape.gradient(reference, variables)):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), rtol=1e-5, atol=1e-7)


def test_upstream_gradient_scales_the_gradients():
    # d(3 L)/dh = 3 dL/dh: the backward pass multiplies by what comes from above
    h = tf.Variable(np.array([[1.0, -1.0]], "float32"))
    items = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    with tf.GradientTape(persistent=True) as tape:
        loss = softmax.mean_cross_entropy(h, items, np.array([0]))
        tripled = 3 * loss
    np.testing.assert_allclose(tape.gradient(tripled, h), 3 * tape.gradient(loss, h), rtol=1e-6)


def test_inside_a_compiled_graph_with_unknown_positions():
    # the training step calls it on however many real positions a batch has
    items = tf.constant(np.eye(3, dtype="float32"))
    run = tf.function(lambda h, y: softmax.mean_cross_entropy(h, items, y),
                      input_signature=[tf.TensorSpec((None, 3)), tf.TensorSpec((None,), tf.int32)])
    assert float(run(tf.zeros((5, 3)), tf.ones(5, tf.int32))) == pytest.approx(np.log(3), abs=1e-6)


def test_mixed_precision_states_are_computed_in_float32():
    h = tf.constant([[0.0, 0.0]], tf.bfloat16)
    loss = softmax.mean_cross_entropy(h, tf.ones((4, 2), tf.bfloat16), np.array([1]))
    assert loss.dtype == tf.float32 and float(loss) == pytest.approx(np.log(4), abs=1e-6)


@pytest.mark.parametrize("chunk", [0, -1])
def test_rejects_a_block_below_one(chunk):
    with pytest.raises(ValueError, match=f"chunk={chunk} must be at least 1"):
        softmax.mean_cross_entropy(np.zeros((1, 2), "float32"), np.ones((3, 2), "float32"), np.array([0]), chunk=chunk)
