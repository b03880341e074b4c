"""Chapter 11's checks. Privacy: per-user clipping, the membership attack's AUC."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def _reference_clip_users(grads, max_norm):
    grads = [np.asarray(g, dtype=float) for g in grads]  # each (num_users, *shape)
    squares = sum((g.reshape(len(g), -1) ** 2).sum(axis=1) for g in grads)  # (num_users,)
    norms = np.sqrt(squares)
    factor = np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))  # (num_users,)
    return tuple(g * factor.reshape((-1,) + (1,) * (g.ndim - 1)) for g in grads)


def clip_per_user(answer: Callable[[list, float], list]) -> CheckResult:
    """Check ``clip_per_user(grads, max_norm)``: each user's gradient (over all variables) scaled to norm <= max_norm.

    ``grads`` holds one (num_users, *shape) array per variable; user ``u``'s
    gradient is row ``u`` of every array, and its norm is taken over all of them.
    """
    cases = [
        Case("two users, one variable: norms 5 and 0.5, max_norm 1", ([np.array([[3.0, 4.0], [0.3, 0.4]])], 1.0)),
        Case("one user, two variables (norms 3 and 4, together 5), max_norm 2.5",
             ([np.array([[3.0]]), np.array([[[0.0, 4.0]]])], 2.5)),
        Case("three users, a zero gradient among them", ([np.array([[0.0, 0.0], [6.0, 8.0], [1.0, 0.0]]),
                                                          np.array([[0.0], [0.0], [0.0]])], 2.0)),
    ]

    def per_variable(grads, c):
        out = []
        for g in grads:
            g = np.asarray(g, float)
            n = np.sqrt((g.reshape(len(g), -1) ** 2).sum(axis=1))
            out.append(g * np.minimum(1.0, c / np.maximum(n, 1e-12)).reshape((-1,) + (1,) * (g.ndim - 1)))
        return tuple(out)

    def whole_batch(grads, c):
        grads = [np.asarray(g, float) for g in grads]
        norm = np.sqrt(sum((g ** 2).sum() for g in grads))
        return tuple(g * min(1.0, c / norm) for g in grads)

    def always_scale(grads, c):
        grads = [np.asarray(g, float) for g in grads]
        norms = np.sqrt(sum((g.reshape(len(g), -1) ** 2).sum(axis=1) for g in grads))
        return tuple(g * (c / np.maximum(norms, 1e-12)).reshape((-1,) + (1,) * (g.ndim - 1)) for g in grads)

    mistakes = [
        Mistake(per_variable, "one norm per USER over ALL variables: the privacy bound is on the user's whole "
                              "contribution, so clipping each variable to C would let a user move the model by "
                              "C times the number of variables."),
        Mistake(whole_batch, "clip each user separately (one norm per row), not the batch together: clipping the "
                             "sum bounds nothing about any one user."),
        Mistake(always_scale, "scale only the users whose norm is above max_norm: min(1, max_norm / norm). "
                              "Scaling small gradients up changes nothing for privacy but hurts learning."),
    ]
    return check("clip_per_user", converted(answer, tuple), _reference_clip_users, cases, mistakes)


def _reference_auc(member_scores, non_member_scores):
    a, b = np.asarray(member_scores, float), np.asarray(non_member_scores, float)
    above = (a[:, None] > b[None, :]).sum()  # (members, non-members) pairs the attack orders right
    ties = (a[:, None] == b[None, :]).sum()
    return float((above + 0.5 * ties) / (a.size * b.size))


def attack_auc(answer: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """Check ``attack_auc(member_scores, non_member_scores) -> float``: the membership attack's ROC AUC.

    The AUC is the probability that a random member scores above a random non-member, a tie counting one half:
    ``(#{(m, n): s_m > s_n} + 0.5 #{(m, n): s_m = s_n}) / (|M| |N|)``.
    """
    rng = np.random.default_rng(4)
    cases = [Case("3 members, 2 non-members, one tie", (np.array([0.9, 0.4, 0.2]), np.array([0.4, 0.1]))),
             Case("random scores, members a little higher", (rng.normal(0.3, 1, 40), rng.normal(0, 1, 30))),
             Case("every score equal", (np.zeros(4), np.zeros(5))),
             Case("rounded scores, many ties", (np.round(rng.normal(0.2, 1, 25)), np.round(rng.normal(0, 1, 20))))]
    mistakes = [
        Mistake(lambda a, b: float((np.asarray(a)[:, None] > np.asarray(b)[None, :]).mean()),
                "a tie is a coin flip for the attack: count it one half, not zero."),
        Mistake(lambda a, b: float((np.asarray(a)[:, None] >= np.asarray(b)[None, :]).mean()),
                "a tie is a coin flip for the attack: count it one half, not one."),
        Mistake(lambda a, b: 1.0 - _reference_auc(a, b),
                "upside down: the attack says 'member' for the HIGHER score, so count the pairs where the member's "
                "score is above the non-member's."),
        Mistake(lambda a, b: float(np.mean(a) > np.mean(b)),
                "compare every member with every non-member, pair by pair, not the two means."),
    ]
    return check("attack_auc", converted(answer, float), _reference_auc, cases, mistakes, atol=1e-9)
