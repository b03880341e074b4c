"""One stage of any split, scored with one call: what tuning, early stopping and the tables read.

Used from chapter 06 on (the validation metric of training), by the baselines'
tuning (chapter 07), the copy mixture and the case studies (chapter 10).

Every split follows ``data.splits.Split``: per user, what the model reads
(``histories(stage)``) and what it must predict (``answers(stage)``), and
``unit`` says whether an answer is one item or a basket. ``SCORERS`` maps the
unit to its scorer, so a new kind of split needs a new entry, not a new branch:

- ``"item"``: the rank of each user's target, ``evaluation.ranking``: HR@k, NDCG@k, MRR (here).
- ``"basket"``: the positions of a whole basket, recall@k and NDCG@k: ``evaluation.baskets``
  (chapter 10) registers it with ``register``, so that nothing here depends on a later chapter.

With one-item baskets the two agree on NDCG@k, the metric every choice is made on.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.evaluation import metrics, ranking
from lstmrec.evaluation.ranking import ScoreFn


def _items(score_fn, split, stage, k, exclude_seen, batch_size) -> dict[str, np.ndarray]:
    result = ranking.evaluate(score_fn, split.histories(stage), split.targets(stage), split.num_items, k=k,
                              exclude_seen=exclude_seen, batch_size=batch_size)
    return {f"HR@{k}": metrics.per_user(result.ranks, "HR", k), f"NDCG@{k}": metrics.per_user(result.ranks, "NDCG", k),
            "MRR": metrics.per_user(result.ranks, "MRR", k)}


Scorer = Callable[..., dict[str, np.ndarray]]
"""``scorer(score_fn, split, stage, k, exclude_seen, batch_size)`` -> metric name -> (num_users,) values."""

SCORERS: dict[str, Scorer] = {"item": _items}
"""``Split.unit`` -> the per-user scorer of that kind of answer (``"basket"``: ``evaluation.baskets``)."""


def register(unit: str, scorer: Scorer) -> None:
    """Score splits whose ``unit`` is ``unit`` with ``scorer`` from now on.

    Raises:
        ValueError: another scorer already has that unit.
    """
    if SCORERS.get(unit, scorer) is not scorer:
        raise ValueError(f"unit {unit!r} already has a scorer: {SCORERS[unit].__qualname__}")
    SCORERS[unit] = scorer


def per_user(score_fn: ScoreFn, split, stage: str, k: int = 10, exclude_seen: bool = True,
             batch_size: int = 256) -> dict[str, np.ndarray]:
    """Each user's metrics on one stage of ``split``: the values whose means are the table's figures.

    Args:
        score_fn: histories -> (batch, num_items) scores.
        split: any ``data.splits.Split``.
        stage: ``"valid"`` or ``"test"``.
        k: the cut-off.
        exclude_seen: the domain's candidate rule (``ranking.excluded``).
        batch_size: users scored at once.

    Returns:
        Metric name -> (num_users,) values: HR@k, NDCG@k and MRR for one-item answers,
        recall@k and NDCG@k for baskets.

    Raises:
        ValueError: the split's ``unit`` has no scorer, or as the scorer raises.
    """
    if split.unit not in SCORERS:
        raise ValueError(f"split unit {split.unit!r} has no scorer: choose from {list(SCORERS)}")
    return SCORERS[split.unit](score_fn, split, stage, k, exclude_seen, batch_size)


def evaluate_stage(score_fn: ScoreFn, split, stage: str, k: int = 10, exclude_seen: bool = True,
                   batch_size: int = 256) -> dict[str, float]:
    """Mean metrics of ``score_fn`` on one stage of ``split`` (``per_user``'s means).

    Example:
        >>> evaluate_stage(model.score, split, "valid")   # doctest: +SKIP
        {'HR@10': ..., 'NDCG@10': ..., 'MRR': ...}
    """
    return {name: float(values.mean()) for name, values in per_user(score_fn, split, stage, k, exclude_seen,
                                                                    batch_size).items()}


def answer_pairs(split, stage: str = "test") -> tuple[list[np.ndarray], np.ndarray]:
    """One (history, item) pair per right answer: per user for one-item answers, per basket item for baskets.

    Returns:
        ``(histories, items)``: a list of arrays and a (num_answers,) array.
    """
    histories, answers = split.histories(stage), split.answers(stage)
    owner = np.repeat(np.arange(len(answers)), [len(a) for a in answers])  # (num_answers,) each answer's user
    return [histories[u] for u in owner], np.concatenate(answers).astype(np.int64)
