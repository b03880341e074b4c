"""Tests of ``lstmrec.course.checks.ch12``: ``sampled_softmax_loss`` and ``step_flops``.

Learners' answers (the loss with scipy's ``logsumexp``, the FLOPs term by term) pass, in both modes; the library
the chapter trains with (``compute.sampled``, ``compute.cost``) passes its own exercises; each usual mistake is
rejected with its own hint (not another one), and raises in strict mode. The tables run in ``test_tables.py``;
stubs, crashes and strict raising of every check in ``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.course.checks import ch12, core

# --- learners' answers -------------------------------------------------------------------------


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


def _loss_without_correction(hidden, emb, target, samples, q):
    return learner_sampled_softmax_loss(hidden, emb, target, samples, np.full(len(q), 1.0 / len(samples)))


def _loss_keeping_hits(hidden, emb, target, samples, q):
    from scipy.special import logsumexp

    log_sq = np.log(len(samples) * np.asarray(q))
    logits = np.concatenate([[hidden @ emb[target] - log_sq[target]], emb[samples] @ hidden - log_sq[samples]])
    return float(logsumexp(logits) - logits[0])


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("sampled_softmax_loss", learner_sampled_softmax_loss, 3, id="sampled_softmax_loss"),
    pytest.param("step_flops", learner_step_flops, 3, id="step_flops"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
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
    """lstmrec.compute.sampled and compute.cost, which the chapter trains and counts with, pass their exercises."""
    from lstmrec import compute

    def library_loss(hidden, emb, target, samples, q):
        log_expected = np.log(np.maximum(len(samples) * np.asarray(q), 1e-30)).astype("float32")
        return float(compute.sampled.sampled_softmax_loss(np.asarray(hidden, "float32")[None], emb.astype("float32"),
                                                          np.array([target]), samples, log_expected)[0])

    q = np.array([0.05, 0.35, 0.3, 0.1, 0.1, 0.1])
    case = core.Case("q", (np.array([1.0, 0.0, -0.5]), np.random.default_rng(11).normal(size=(6, 3)), 4,
                           np.array([1, 1, 3, 5]), q))
    assert core.check("sampled_softmax_loss", library_loss, ch12._reference_sampled_loss, [case], atol=1e-5)
    def library_flops(e, h, n):
        cost = compute.cost.flops_per_position(e, h, n)
        return cost["total"] - cost["softmax"]

    assert ch12.step_flops(library_flops)
    assert library_flops(64, 128, 3707) == learner_step_flops(64, 128, 3707)
