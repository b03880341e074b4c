"""Tests of ``lstmrec.course.checks.ch11``: ``clip_per_user``, ``sampled_softmax_loss`` and ``step_flops``.

Learners' answers (clipping with ``keras.ops``, the loss with scipy's ``logsumexp``, the FLOPs term by term)
pass, in both modes; the library the chapter trains with (``privacy.dp``, ``compute.sampled``, ``compute.cost``)
passes its own exercises; each usual mistake is rejected with its own hint (not another one), and raises in
strict mode. The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in
``test_registry.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstmrec.course.checks import ch11, core

# --- learners' answers -------------------------------------------------------------------------


def learner_clip_per_user(grads, max_norm):
    grads = [keras.ops.convert_to_tensor(np.asarray(g, dtype="float64")) for g in grads]
    norms = keras.ops.sqrt(sum(keras.ops.sum(keras.ops.reshape(g ** 2, (g.shape[0], -1)), axis=1) for g in grads))
    factor = keras.ops.minimum(1.0, max_norm / keras.ops.maximum(norms, 1e-12))
    return [np.asarray(g * keras.ops.reshape(factor, (-1,) + (1,) * (len(g.shape) - 1))) for g in grads]


def learner_sampled_softmax_loss(hidden, item_embeddings, target, samples, q, *, sign=-1.0):
    """The loss with scipy's logsumexp; ``sign=+1`` adds the correction instead of subtracting it."""
    from scipy.special import logsumexp

    log_sq = np.log(len(samples) * np.asarray(q))
    keep = np.asarray(samples) != target
    logits = np.concatenate([[hidden @ item_embeddings[target] + sign * log_sq[target]],
                             (item_embeddings[samples] @ hidden + sign * log_sq[samples])[keep]])
    return float(logsumexp(logits) - logits[0])


def learner_step_flops(embedding_dim, hidden_dim, num_items):
    gates = 4 * hidden_dim * (embedding_dim + hidden_dim) * 2
    projection = hidden_dim * embedding_dim * 2
    scores = embedding_dim * num_items * 2
    return gates + projection + scores


def _clip_per_variable(grads, c):
    out = []
    for g in grads:
        g = np.asarray(g, float)
        n = np.linalg.norm(g.reshape(len(g), -1), axis=1)
        out.append(g * np.minimum(1, c / np.maximum(n, 1e-12)).reshape((-1,) + (1,) * (g.ndim - 1)))
    return out


def _clip_batch(grads, c):
    total = np.sqrt(sum(float((np.asarray(g) ** 2).sum()) for g in grads))
    return [np.asarray(g, float) * min(1.0, c / total) for g in grads]


def _clip_always(grads, c):
    norms = np.sqrt(sum((np.asarray(g, float).reshape(len(g), -1) ** 2).sum(axis=1) for g in grads))
    return [np.asarray(g, float) * (c / np.maximum(norms, 1e-12)).reshape((-1,) + (1,) * (np.ndim(g) - 1))
            for g in grads]


def _loss_without_correction(hidden, emb, target, samples, q):
    return learner_sampled_softmax_loss(hidden, emb, target, samples, np.full(len(q), 1.0 / len(samples)))


def _loss_keeping_hits(hidden, emb, target, samples, q):
    from scipy.special import logsumexp

    log_sq = np.log(len(samples) * np.asarray(q))
    logits = np.concatenate([[hidden @ emb[target] - log_sq[target]], emb[samples] @ hidden - log_sq[samples]])
    return float(logsumexp(logits) - logits[0])


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("clip_per_user", learner_clip_per_user, 3, id="clip_per_user"),
    pytest.param("sampled_softmax_loss", learner_sampled_softmax_loss, 3, id="sampled_softmax_loss"),
    pytest.param("step_flops", learner_step_flops, 3, id="step_flops"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("clip_per_user", _clip_per_variable, "over ALL variables", id="per-variable"),
    pytest.param("clip_per_user", _clip_batch, "clip each user separately", id="whole-batch"),
    pytest.param("clip_per_user", _clip_always, "scale only the users", id="scale-up"),
    pytest.param("sampled_softmax_loss", _loss_without_correction, "subtract log(S * q_j)", id="no-log-q"),
    pytest.param("sampled_softmax_loss", _loss_keeping_hits, "not a negative", id="accidental-hits"),
    pytest.param("sampled_softmax_loss", lambda *a: learner_sampled_softmax_loss(*a, sign=1.0),
                 "the correction is SUBTRACTED", id="plus-log-q"),
    pytest.param("step_flops", lambda e, h, n: 4 * h * (e + h) + h * e + e * n, "multiply-add as 2", id="half-flops"),
    pytest.param("step_flops", lambda e, h, n: 2 * h * (e + h) + 2 * h * e + 2 * e * n, "four gate blocks",
                 id="one-gate"),
    pytest.param("step_flops", lambda e, h, n: 8 * h * (e + h) + 2 * h * n, "2EN, not 2HN", id="untied"),
    pytest.param("step_flops", lambda e, h, n: 8 * h * e + 2 * h * e + 2 * e * n, "previous state too",
                 id="no-recurrence"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- the library is the reference --------------------------------------------------------------


def test_the_library_is_the_reference():
    """lstmrec.privacy.dp and lstmrec.compute.sampled, which the chapter trains with, pass their own exercises."""
    from lstmrec import compute, privacy

    assert ch11.clip_per_user(lambda g, c: [np.asarray(x) for x in privacy.dp.clip_per_user(g, c)[0]])

    def library_loss(hidden, emb, target, samples, q):
        log_expected = np.log(np.maximum(len(samples) * np.asarray(q), 1e-30)).astype("float32")
        return float(compute.sampled.sampled_softmax_loss(np.asarray(hidden, "float32")[None], emb.astype("float32"),
                                                          np.array([target]), samples, log_expected)[0])

    q = np.array([0.05, 0.35, 0.3, 0.1, 0.1, 0.1])
    case = core.Case("q", (np.array([1.0, 0.0, -0.5]), np.random.default_rng(11).normal(size=(6, 3)), 4,
                           np.array([1, 1, 3, 5]), q))
    assert core.check("sampled_softmax_loss", library_loss, ch11._reference_sampled_loss, [case], atol=1e-5)
    def library_flops(e, h, n):
        cost = compute.cost.flops_per_position(e, h, n)
        return cost["total"] - cost["softmax"]

    assert ch11.step_flops(library_flops)
    assert library_flops(64, 128, 3707) == learner_step_flops(64, 128, 3707)
