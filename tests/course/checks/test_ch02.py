"""Tests of ``lstmrec.course.checks.ch02``: ``long_range_target`` and ``clip_by_global_norm``.

Learners' answers (a loop; TensorFlow's ``tf.clip_by_global_norm``) pass, in both modes; each usual mistake,
written the way a learner would write it, is rejected with its own hint (not another one), and raises in
strict mode; the clipping reference agrees with TensorFlow's. Stubs, crashes and strict raising of every
check: ``test_registry.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec.course.checks import ch02

# --- learners' answers -------------------------------------------------------------------------


def learner_long_range_target(history, lag):
    return np.array([row[len(row) - lag] for row in history])


def learner_clip_by_global_norm(grads, max_norm):
    total = 0.0
    for g in grads:
        total += float(np.sum(np.square(g)))
    norm = math.sqrt(total)
    if norm <= max_norm:
        return [np.asarray(g, dtype=float) for g in grads]
    return [np.asarray(g, dtype=float) * (max_norm / norm) for g in grads]


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("long_range_target", learner_long_range_target, 4, id="long_range_target"),
    pytest.param("clip_by_global_norm", learner_clip_by_global_norm, 3, id="clip_by_global_norm"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("long_range_target", lambda h, lag: np.array([row[len(row) - lag - 1] for row in h]),
                 "the index is seq_len - lag, not seq_len - lag - 1", id="lag-off-by-one"),
    pytest.param("long_range_target", lambda h, lag: np.asarray(h)[:, lag], "count the lag back from the end",
                 id="lag-forward"),
    pytest.param("long_range_target", lambda h, lag: np.asarray(h)[:, lag - 1], "count the lag back from the end",
                 id="lag-forward-minus-1"),
    pytest.param("long_range_target", lambda h, lag: np.asarray(h)[:, -1], "not always the last one",
                 id="lag-always-last"),
    pytest.param("clip_by_global_norm", lambda gs, c: [g * min(1.0, c / np.linalg.norm(g)) for g in gs],
                 "clip by the GLOBAL norm", id="clip-per-tensor"),
    pytest.param("clip_by_global_norm",
                 lambda gs, c: [g * c / math.sqrt(sum(np.sum(x ** 2) for x in gs)) for g in gs],
                 "only scale down when the global norm is larger than max_norm", id="clip-always-scale"),
    pytest.param("clip_by_global_norm", lambda gs, c: [g * min(1.0, c / sum(np.sum(x ** 2) for x in gs)) for g in gs],
                 "the square root of the sum of squares", id="clip-squared-norm"),
    pytest.param("clip_by_global_norm", lambda gs, c: [np.clip(g, -c, c) for g in gs],
                 "clipping each value to [-c, c]", id="clip-elementwise"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- the clipping reference against TensorFlow's -----------------------------------------------


@pytest.mark.parametrize("shapes", [[(5,)], [(3,), (4, 2)], [(2, 3, 4), (1,), (6, 6)]],
                         ids=["one-vector", "vector-and-matrix", "three-tensors"])
@pytest.mark.parametrize("ratio", [0.05, 0.9, 1.0, 1.5, 10.0],
                         ids=["far-above", "just-above", "exactly-at", "below", "far-below"])
def test_reference_clip_matches_tensorflow(shapes, ratio):
    """max_norm = ratio * the global norm: a ratio below 1 clips, 1 and above leaves the gradients as they are."""
    import tensorflow as tf

    rng = np.random.default_rng(len(shapes))
    grads = [rng.normal(scale=3.0, size=s) for s in shapes]
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    max_norm = ratio * norm
    expected, tf_norm = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    assert float(tf_norm) == pytest.approx(norm, abs=1e-6)
    got = ch02._reference_clip(grads, max_norm)
    assert len(got) == len(grads)
    for g, e, original in zip(got, expected, grads):
        assert g.shape == original.shape
        np.testing.assert_allclose(g, e.numpy(), atol=1e-6, rtol=0)
        if ratio >= 1.0:
            np.testing.assert_allclose(g, original, atol=1e-12, rtol=0)  # not clipped: unchanged
    clipped_norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in got))
    assert clipped_norm == pytest.approx(min(norm, max_norm), abs=1e-6)


def test_reference_clip_zero_gradient_is_unchanged():
    import tensorflow as tf

    grads = [np.zeros(3), np.zeros((2, 2))]
    expected, _ = tf.clip_by_global_norm([tf.constant(g) for g in grads], 1.0)
    for g, e in zip(ch02._reference_clip(grads, 1.0), expected):
        np.testing.assert_array_equal(g, e.numpy())
        assert not np.isnan(g).any()


def test_clip_by_global_norm_tensorflow_answer_passes(capsys):
    import tensorflow as tf

    def answer(grads, max_norm):
        clipped, _ = tf.clip_by_global_norm([tf.constant(g, dtype=tf.float64) for g in grads], max_norm)
        return [c.numpy() for c in clipped]

    assert bool(ch02.clip_by_global_norm(answer)) is True
