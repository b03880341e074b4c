"""Membership inference: does a trained model give away which users it was trained on?

Taught in chapter 11 (privacy, 数据隐私).

Split the users in two: members, whose histories train the model, and
non-members, never seen. An attacker who can query the model scores each
user's own history with it. A model fits the histories it was trained on
better than other histories, so its loss on them is lower:

    loss_u = mean over u's positions t of  -log softmax(s_t)[x_{t+1}]     s_t: the model's logits after x_1..x_t
    attack score_u = -loss_u                                               higher: "was trained on u"

The attack's ROC AUC is the probability that a random member scores higher
than a random non-member: 0.5 means the model leaks nothing this attack can
see; 1.0 means membership is plain to read (Shokri et al., 2017; Yeom et al.,
2018 for the loss attack). ``memorisation`` is the same question asked
directly: how often the model's top-1 guess at a position is exactly the item
the user took next.

The functions take any Keras model that maps (batch, max_len) item ids to
(batch, max_len, num_items) logits, like ``models.recurrent.build``'s.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lstmrec.data.sequences import training_windows
from lstmrec.data.splits import LeaveOneOutSplit


def split_members(split: LeaveOneOutSplit, share: float = 0.5, seed: int = 0
                  ) -> tuple[LeaveOneOutSplit, LeaveOneOutSplit]:
    """Draw ``share`` of the users at random as members; the rest are non-members.

    Returns:
        ``(members, non_members)``: the same split restricted to each group (same catalogue).

    Raises:
        ValueError: ``share`` not in (0, 1) or a group would be empty.
    """
    if not 0 < share < 1:
        raise ValueError(f"share={share} must be in (0, 1)")
    chosen = np.random.default_rng(seed).random(split.num_users) < share  # (num_users,)
    if chosen.all() or not chosen.any():
        raise ValueError(f"share={share} of {split.num_users} users leaves a group empty")

    def subset(mask):
        idx = np.flatnonzero(mask)
        return dataclasses.replace(split, user_ids=split.user_ids[idx], train=[split.train[i] for i in idx],
                                   valid_target=split.valid_target[idx], test_target=split.test_target[idx])

    return subset(chosen), subset(~chosen)


def sequence_fit(model, sequences: list[np.ndarray], max_len: int, batch_size: int = 128) -> dict[str, np.ndarray]:
    """How well ``model`` predicts each user's own next items, position by position (module docstring).

    Args:
        model: (batch, max_len) ids -> (batch, max_len, num_items) logits.
        sequences: one history per user, oldest first.
        max_len: the model's window length.
        batch_size: windows per forward pass.

    Returns:
        ``{"loss", "top1", "positions"}``, each (num_users,): the mean next-item
        cross-entropy over the user's positions, the share of positions where
        the next item was the model's top-1 guess, and the number of positions
        (users with fewer than 2 items have 0 positions and NaN loss and top1).
    """
    inputs, targets = training_windows(sequences, max_len)  # (W, T) each
    pairs = np.maximum(np.array([len(s) for s in sequences]) - 1, 0)  # (U,)
    owner = np.repeat(np.arange(len(sequences)), -(-pairs // max_len))  # (W,) the user of each window
    loss_sum = np.zeros(len(sequences))
    hits = np.zeros(len(sequences))
    for start in range(0, len(inputs), batch_size):
        x, y = inputs[start:start + batch_size], targets[start:start + batch_size]  # (b, T)
        logits = np.asarray(model(x, training=False), dtype=np.float64)  # (b, T, N)
        top = logits.max(axis=-1)  # (b, T)
        lse = top + np.log(np.exp(logits - top[..., None]).sum(axis=-1))  # (b, T) logsumexp
        true = np.take_along_axis(logits, y[..., None], axis=-1)[..., 0]  # (b, T) the true next item's logit
        real = y > 0  # (b, T) positions with a target
        users = np.broadcast_to(owner[start:start + batch_size, None], y.shape)  # (b, T)
        np.add.at(loss_sum, users[real], (lse - true)[real])
        np.add.at(hits, users[real], (logits.argmax(axis=-1) == y)[real])
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"loss": loss_sum / pairs, "top1": hits / pairs, "positions": pairs}


def attack_auc(member_scores, non_member_scores, num_samples: int = 1000, level: float = 0.95, seed: int = 0
               ) -> dict[str, float]:
    """ROC AUC of "higher score = member", with a bootstrap interval (members and non-members resampled apart).

    Returns:
        ``{"AUC", "low", "high"}``.

    Raises:
        ValueError: a group is empty or a score is not finite.

    Example:
        >>> attack_auc([3.0, 2.0], [1.0, 0.0])["AUC"]   # every member above every non-member
        1.0
    """
    from sklearn.metrics import roc_auc_score

    a, b = np.asarray(member_scores, dtype=np.float64), np.asarray(non_member_scores, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        raise ValueError("both groups need at least one user")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("scores must be finite: drop users without positions first")
    labels = np.r_[np.ones(a.size), np.zeros(b.size)]
    auc = float(roc_auc_score(labels, np.r_[a, b]))
    rng = np.random.default_rng(seed)
    boots = [roc_auc_score(labels, np.r_[rng.choice(a, a.size), rng.choice(b, b.size)]) for _ in range(num_samples)]
    low, high = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return {"AUC": auc, "low": float(low), "high": float(high)}


def memorisation(member_fit: dict, non_member_fit: dict) -> dict[str, float]:
    """Top-1 completion rates of the users' own next items: members against non-members.

    Args:
        member_fit, non_member_fit: ``sequence_fit`` outputs.

    Returns:
        ``{"members", "non-members", "ratio"}``: each group's share of positions
        whose next item was the model's top-1 (pooled over positions), and their ratio.
    """
    rates = {}
    for name, fit in (("members", member_fit), ("non-members", non_member_fit)):
        ok = fit["positions"] > 0
        rates[name] = float((fit["top1"][ok] * fit["positions"][ok]).sum() / fit["positions"][ok].sum())
    rates["ratio"] = rates["members"] / rates["non-members"] if rates["non-members"] > 0 else float("inf")
    return rates
