"""Tests of ``lstmrec.course.checks.ch11``: ``clip_per_user`` and ``attack_auc``.

Learners' answers (clipping with ``keras.ops``, the AUC through ranks) pass, in both modes; the library the
chapter uses (``privacy.dp``, ``privacy.membership``) passes its own exercises; each usual mistake is rejected with
its own hint (not another one), and raises in strict mode; the AUC by hand. The tables run in ``test_tables.py``;
stubs, crashes and strict raising of every check in ``test_registry.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstmrec.course.checks import ch11

# --- learners' answers -------------------------------------------------------------------------


def learner_clip_per_user(grads, max_norm):
    grads = [keras.ops.convert_to_tensor(np.asarray(g, dtype="float64")) for g in grads]
    norms = keras.ops.sqrt(sum(keras.ops.sum(keras.ops.reshape(g ** 2, (g.shape[0], -1)), axis=1) for g in grads))
    factor = keras.ops.minimum(1.0, max_norm / keras.ops.maximum(norms, 1e-12))
    return [np.asarray(g * keras.ops.reshape(factor, (-1,) + (1,) * (len(g.shape) - 1))) for g in grads]


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


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("clip_per_user", learner_clip_per_user, 3, id="clip_per_user"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("clip_per_user", _clip_per_variable, "over ALL variables", id="per-variable"),
    pytest.param("clip_per_user", _clip_batch, "clip each user separately", id="whole-batch"),
    pytest.param("clip_per_user", _clip_always, "scale only the users", id="scale-up"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- the library is the reference --------------------------------------------------------------


def test_the_library_is_the_reference():
    """lstmrec.privacy.dp, which the chapter trains with, passes its own exercise."""
    from lstmrec import privacy

    assert ch11.clip_per_user(lambda g, c: [np.asarray(x) for x in privacy.dp.clip_per_user(g, c)[0]])


def learner_attack_auc(member_scores, non_member_scores):
    """Through ranks, as the Mann-Whitney statistic: average ranks give ties one half."""
    from scipy.stats import rankdata

    a, b = np.asarray(member_scores, float), np.asarray(non_member_scores, float)
    ranks = rankdata(np.r_[a, b])
    return float((ranks[:a.size].sum() - a.size * (a.size + 1) / 2) / (a.size * b.size))


CORRECT.append(pytest.param("attack_auc", learner_attack_auc, 4, id="attack_auc"))
MISTAKES += [
    pytest.param("attack_auc", lambda a, b: float((np.asarray(a)[:, None] > np.asarray(b)[None, :]).mean()),
                 "not zero", id="ties-zero"),
    pytest.param("attack_auc", lambda a, b: float((np.asarray(a)[:, None] >= np.asarray(b)[None, :]).mean()),
                 "not one", id="ties-one"),
    pytest.param("attack_auc", lambda a, b: 1.0 - learner_attack_auc(a, b), "upside down", id="inverted"),
    pytest.param("attack_auc", lambda a, b: float(np.mean(a) > np.mean(b)), "not the two means", id="means"),
]
HINTS = [row.values[2] for row in MISTAKES]


def test_attack_auc_by_hand(capsys):
    # members 0.9, 0.4, 0.2 against non-members 0.4, 0.1: 4 of 6 pairs above, one tie -> (4 + 0.5) / 6
    assert not ch11.attack_auc(lambda a, b: 0.0)
    assert "expected 0.75, got 0" in capsys.readouterr().out


def test_the_library_attack_passes():
    from lstmrec import privacy

    assert ch11.attack_auc(lambda a, b: privacy.membership.attack_auc(a, b, num_samples=10)["AUC"])
