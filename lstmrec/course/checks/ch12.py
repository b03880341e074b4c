"""Chapter 12's checks. Compute: the sampled-softmax loss, FLOPs per position."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check


def _reference_sampled_loss(hidden, item_embeddings, target, samples, q):
    hidden, emb = np.asarray(hidden, float), np.asarray(item_embeddings, float)
    samples = np.asarray(samples)
    expected = len(samples) * np.asarray(q, float)  # (num_items,) expected count of each item in the sample
    positive = hidden @ emb[target] - np.log(expected[target])
    negative = emb[samples] @ hidden - np.log(expected[samples])  # (S,)
    negative = negative[samples != target]  # an accidental hit is not a negative
    logits = np.r_[positive, negative]
    top = logits.max()
    return float(top + np.log(np.exp(logits - top).sum()) - positive)


def sampled_softmax_loss(answer: Callable[..., float]) -> CheckResult:
    """Check ``sampled_softmax_loss(hidden, item_embeddings, target, samples, q) -> float`` for ONE position.

    Logits of the target and of every sample, each minus ``log(S q_j)``; samples
    equal to the target dropped; the loss is ``logsumexp - target's logit``.
    """
    rng = np.random.default_rng(11)
    emb = rng.normal(size=(6, 3))
    q = np.array([0.05, 0.35, 0.3, 0.1, 0.1, 0.1])  # padding 0 gets a little mass: no log(0) in anyone's answer
    cases = [
        Case("every item sampled once, uniform q: the full softmax over items 0..5",
             (np.array([0.5, -1.0, 0.2]), emb, 2, np.arange(6), np.full(6, 1 / 6))),
        Case("popularity q, samples (1, 1, 3, 5)", (np.array([1.0, 0.0, -0.5]), emb, 4, np.array([1, 1, 3, 5]), q)),
        Case("the target among the samples", (np.array([0.2, 0.3, 0.1]), emb, 3, np.array([3, 1, 2]), q)),
    ]

    def no_correction(h, e, t, s, q_):
        return _reference_sampled_loss(h, e, t, s, np.full(len(q_), 1.0 / len(s)))

    def keeps_hits(h, e, t, s, q_):
        h, e, s = np.asarray(h, float), np.asarray(e, float), np.asarray(s)
        expected = len(s) * np.asarray(q_, float)
        pos = h @ e[t] - np.log(expected[t])
        logits = np.r_[pos, e[s] @ h - np.log(expected[s])]
        return float(np.log(np.exp(logits).sum()) - pos)

    def plus_log_q(h, e, t, s, q_):
        h, e, s = np.asarray(h, float), np.asarray(e, float), np.asarray(s)
        expected = len(s) * np.asarray(q_, float)
        pos = h @ e[t] + np.log(expected[t])
        neg = (e[s] @ h + np.log(expected[s]))[s != t]
        logits = np.r_[pos, neg]
        return float(np.log(np.exp(logits).sum()) - pos)

    mistakes = [
        Mistake(no_correction, "subtract log(S * q_j) from every logit (the target's too): items the sampler "
                               "draws often would otherwise be pushed down far more than the full softmax does."),
        Mistake(keeps_hits, "a sample equal to the target is not a negative: drop it, or the model is taught to "
                            "score the right item below itself."),
        Mistake(plus_log_q, "the correction is SUBTRACTED: o_j = h . e_j - log(S q_j)."),
    ]
    return check("sampled_softmax_loss", answer, _reference_sampled_loss, cases, mistakes)


def step_flops(answer: Callable[[int, int, int], int]) -> CheckResult:
    """Check ``step_flops(embedding_dim, hidden_dim, num_items) -> int``: forward FLOPs of one position of the
    course's tied model, without the softmax: ``2 * 4H(E + H) + 2HE + 2EN`` (a multiply-add counts 2)."""
    def reference(e, h, n):
        return 2 * 4 * h * (e + h) + 2 * h * e + 2 * e * n

    cases = [Case("E=2, H=3, N=5", (2, 3, 5)), Case("E=64, H=128, N=3707 (MovieLens-1M)", (64, 128, 3707)),
             Case("E=32, H=16, N=100,000", (32, 16, 100_000))]
    mistakes = [
        Mistake(lambda e, h, n: 4 * h * (e + h) + h * e + e * n,
                "count a multiply-add as 2 operations (one multiply, one add): every product term doubles."),
        Mistake(lambda e, h, n: 2 * h * (e + h) + 2 * h * e + 2 * e * n,
                "an LSTM has four gate blocks (input, forget, candidate, output), each with its own W and U: 4H rows."),
        Mistake(lambda e, h, n: 2 * 4 * h * (e + h) + 2 * h * n,
                "the tied model projects h to the embedding size (2HE) and scores against the E-dimensional "
                "item embeddings: 2EN, not 2HN."),
        Mistake(lambda e, h, n: 2 * 4 * h * e + 2 * h * e + 2 * e * n,
                "the gates read the previous state too: x W is E -> 4H, and h U is H -> 4H, so 4H(E + H)."),
    ]
    return check("step_flops", answer, reference, cases, mistakes)
