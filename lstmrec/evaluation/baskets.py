"""Ranking metrics over a whole basket: several right answers per user.

Taught in chapter 10 (the e-commerce case).

From the scores of every candidate item, with ties counted against the model,
each basket item ``b`` gets a position in the recommendation list:

    p_b = |{ j not in B : j candidate, s_j >= s_b }|          other items at least as good
        + |{ b' in B : b' candidate, s_b' > s_b, or s_b' = s_b and b' < b }|  basket items placed before it

and, for a cut-off ``k``,

    recall@k = |{ b : p_b < k }| / |B|
    NDCG@k   = sum_{b : p_b < k} 1 / log2(p_b + 2)  /  sum_{i < min(k, |B|)} 1 / log2(i + 2)

With one-item baskets these are HR@k and NDCG@k of ``evaluation.metrics.metrics``.
Whether the user's past products are candidates is the domain's choice
(``exclude_seen``, the rule of ``evaluation.ranking.candidates``); for groceries
they must be, since most of a basket is bought again (chapter 10 measures how
much). If they are excluded, a basket item the user had before can never be
recommended and counts as a miss.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from lstmrec.evaluation import stage
from lstmrec.evaluation.metrics import check_k
from lstmrec.evaluation.ranking import ScoreFn, excluded, miss_position, top_k


def basket_positions(scores, baskets: Sequence[np.ndarray], exclude: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each basket item's position in the recommendation list, ties against the model (module docstring).

    Args:
        scores: (n, num_items) a score per item.
        baskets: n arrays of distinct item ids (1..num_items-1).
        exclude: (n, num_items) bool, True = not a candidate (``ranking.excluded``; padding never
            is). A basket item that is excluded is a miss (``ranking.miss_position``).

    Returns:
        ``(rows, positions)``: (total basket items,) each, the user of each basket item and its position.

    Raises:
        ValueError: shapes disagree, scores hold NaN, a basket is empty or repeats an item, or an id is out of range.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n, num_items = scores.shape if scores.ndim == 2 else (None, None)
    if n is None or len(baskets) != n:
        raise ValueError(f"scores must be (n, num_items) with one basket per row; got {np.shape(scores)} "
                         f"and {len(baskets)} baskets")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN: the model diverged or a score function is broken")
    sizes = np.array([len(b) for b in baskets], dtype=np.int64)
    if (sizes == 0).any():
        raise ValueError(f"basket {int(np.flatnonzero(sizes == 0)[0])} is empty: every user needs at least one item")
    rows = np.repeat(np.arange(n), sizes)  # (P,) the user of each basket item
    items = np.concatenate([np.asarray(b, dtype=np.int64) for b in baskets])  # (P,)
    if items.min() < 1 or items.max() >= num_items:
        raise ValueError(f"basket item ids must be 1..{num_items - 1}, found {items.min()}..{items.max()}")
    in_basket = np.zeros((n, num_items), dtype=bool)  # (n, num_items)
    in_basket[rows, items] = True
    if in_basket.sum() != len(items):
        raise ValueError("a basket repeats an item: baskets are sets")
    candidate = np.ones((n, num_items), dtype=bool)
    candidate[:, 0] = False
    if exclude is not None:
        if exclude.shape != scores.shape:
            raise ValueError(f"exclude has shape {exclude.shape}, scores {scores.shape}")
        candidate &= ~exclude
    other = candidate & ~in_basket  # (n, num_items) candidates that are not right answers
    s_b = scores[rows, items]  # (P,)
    ahead_other = ((scores[rows] >= s_b[:, None]) & other[rows]).sum(axis=1)  # (P,) ties count against
    live = candidate[rows, items]  # (P,) basket items that can be recommended at all
    order = np.lexsort((items, np.where(live, -s_b, np.inf), rows))  # by user, score (best first), id; misses last
    first = np.r_[0, np.cumsum(sizes)[:-1]]  # (n,) where each user's basket items start
    ahead_basket = np.empty(len(items), dtype=np.int64)
    ahead_basket[order] = np.arange(len(items)) - np.repeat(first, sizes)  # 0, 1, ... within each basket
    positions = ahead_other + ahead_basket
    positions[~live] = miss_position(num_items)  # excluded right answers can never be recommended
    return rows, positions.astype(np.int64)


def basket_metrics(rows, positions, sizes, k: int) -> dict[str, np.ndarray]:
    """Per-user recall@k and NDCG@k from ``basket_positions`` (formulas in the module docstring).

    Args:
        rows: (P,) the user of each basket item.
        positions: (P,) its position.
        sizes: (n,) each user's basket size.
        k: the cut-off.

    Returns:
        ``{"recall@k": (n,), "NDCG@k": (n,)}``.

    Example:
        >>> m = basket_metrics(np.array([0, 0]), np.array([0, 3]), np.array([2]), k=2)
        >>> m["recall@2"].tolist(), round(float(m["NDCG@2"][0]), 4)   # 1 of 2 in the top 2; 1 / (1 + 1/log2 3)
        ([0.5], 0.6131)
    """
    k = check_k(k)
    rows, positions, sizes = (np.asarray(a, dtype=np.int64) for a in (rows, positions, sizes))
    n = len(sizes)
    hit = positions < k  # (P,)
    recall = np.bincount(rows, weights=hit, minlength=n) / sizes  # (n,)
    dcg = np.bincount(rows, weights=np.where(hit, 1.0 / np.log2(positions + 2.0), 0.0), minlength=n)
    discounts = np.cumsum(1.0 / np.log2(np.arange(k) + 2.0))  # (k,) ideal DCG for 1..k relevant items
    ideal = discounts[np.minimum(sizes, k) - 1]  # (n,)
    return {f"recall@{k}": recall, f"NDCG@{k}": dcg / ideal}


@dataclasses.dataclass(frozen=True)
class BasketResult:
    """Per-user basket metrics of one model on one stage.

    Attributes:
        per_user: metric name -> (n,) values (for intervals and paired tests).
        recommendations: (n, k) each user's top-``k``.
    """

    per_user: dict[str, np.ndarray]
    recommendations: np.ndarray

    def metrics(self) -> dict[str, float]:
        """The means over users."""
        return {name: float(values.mean()) for name, values in self.per_user.items()}


def evaluate_baskets(score_fn: ScoreFn, histories: list[np.ndarray], baskets: list[np.ndarray], num_items: int,
                     k: int = 10, exclude_seen: bool = False, batch_size: int = 256) -> BasketResult:
    """Full-catalogue ranking of every user's next basket, in batches.

    Args:
        score_fn: histories -> scores (batch, num_items), as for ``ranking.evaluate``.
        histories: what each model may read (``BasketSplit.histories``).
        baskets: the baskets to predict (``BasketSplit.baskets``).
        num_items: catalogue size including padding.
        k: the cut-off.
        exclude_seen: leave each user's past products out of the candidates; ``False``
            (the default here) for groceries, where most of a basket is bought again.
        batch_size: users scored at once.

    Returns:
        A ``BasketResult``.
    """
    k = check_k(k, num_items)
    if len(histories) != len(baskets):
        raise ValueError(f"{len(histories)} histories but {len(baskets)} baskets")
    if not baskets:
        raise ValueError("no users to evaluate")
    per_user: dict[str, list[np.ndarray]] = {}
    recs = []
    for start in range(0, len(baskets), batch_size):
        hist, bask = histories[start:start + batch_size], baskets[start:start + batch_size]
        scores = np.asarray(score_fn(hist))  # (batch, num_items)
        if scores.shape != (len(hist), num_items):
            raise ValueError(f"score_fn returned shape {scores.shape}, expected ({len(hist)}, {num_items})")
        seen = excluded(hist, num_items, exclude_seen)
        recs.append(top_k(scores, k, seen))
        rows, positions = basket_positions(scores, bask, seen)
        for name, values in basket_metrics(rows, positions, [len(b) for b in bask], k).items():
            per_user.setdefault(name, []).append(values)
    return BasketResult({name: np.concatenate(v) for name, v in per_user.items()}, np.concatenate(recs))


def _stage_scorer(score_fn, split, stage, k, exclude_seen, batch_size) -> dict[str, np.ndarray]:
    """``evaluation.stage``'s scorer of basket splits: each user's recall@k and NDCG@k."""
    return evaluate_baskets(score_fn, split.histories(stage), split.answers(stage), split.num_items, k=k,
                            exclude_seen=exclude_seen, batch_size=batch_size).per_user


stage.register("basket", _stage_scorer)
