"""Ranking evaluation that holds up: every item ranked, seen items excluded, ties against the model.

Taught in chapter 00 (the warm-up exercise) and chapter 07.

For one user with a held-out ``target`` and a score for every item, the
*rank* of the target (0 = best) is the number of other candidate items that
score **at least as high** as the target:

    rank = |{ j != target : j candidate, score_j >= score_target }|

Counting ties (``>=``) against the model means a model that gives every item
the same score ranks every target last, not first. Candidates are all items
except the padding id 0 and, by default, the items already in the user's
history (a recommender does not re-recommend what was watched; the target
itself is never excluded).

From ranks, over ``n`` users:

    HR@k   = (1/n) * sum_u [rank_u < k]
    NDCG@k = (1/n) * sum_u [rank_u < k] / log2(rank_u + 2)
    MRR    = (1/n) * sum_u 1 / (rank_u + 1)

With one relevant item per user, the ideal DCG is 1, so NDCG@k needs no
normalising; MRR is over the full ranking (no cut-off).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np
import pandas as pd

ScoreFn = Callable[[list[np.ndarray]], np.ndarray]
"""A model as the evaluator sees it: histories (a batch of item-id arrays) -> scores (batch, num_items)."""


# --- metrics from ranks ------------------------------------------------------------


def _check_ranks(ranks) -> np.ndarray:
    ranks = np.asarray(ranks)
    if ranks.ndim != 1:
        raise ValueError(f"ranks must be 1-D (one per user), got shape {ranks.shape}")
    if ranks.size and (ranks.min() < 0 or not np.issubdtype(ranks.dtype, np.integer)):
        raise ValueError("ranks must be non-negative integers (0 = best)")
    return ranks


def _check_k(k, num_items: int | None = None) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k={k!r} must be a positive integer")
    if num_items is not None and k > num_items - 1:
        raise ValueError(f"k={k} is larger than the catalogue ({num_items - 1} items)")
    return int(k)


def hr_at_k(ranks, k: int) -> float:
    """Hit rate: the share of users whose target is in the top ``k``.

    ``HR@k = mean(rank < k)``, ranks 0-based.

    Args:
        ranks: (n,) 0-based ranks of the targets.
        k: the cut-off.

    Example:
        >>> hr_at_k([0, 9, 10], k=10)
        0.6666666666666666
    """
    ranks, k = _check_ranks(ranks), _check_k(k)
    return float(np.mean(ranks < k)) if ranks.size else float("nan")


def ndcg_at_k(ranks, k: int) -> float:
    """Normalised discounted cumulative gain with one relevant item per user.

    ``NDCG@k = mean([rank < k] / log2(rank + 2))``, ranks 0-based.

    Example:
        >>> round(ndcg_at_k([0, 1, 10], k=10), 4)   # (1 + 1/log2(3) + 0) / 3
        0.5436
    """
    ranks, k = _check_ranks(ranks), _check_k(k)
    if not ranks.size:
        return float("nan")
    gains = np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)
    return float(np.mean(gains))


def mrr(ranks) -> float:
    """Mean reciprocal rank over the full ranking: ``mean(1 / (rank + 1))``.

    Example:
        >>> mrr([0, 1, 3])   # (1 + 1/2 + 1/4) / 3
        0.5833333333333334
    """
    ranks = _check_ranks(ranks)
    return float(np.mean(1.0 / (ranks + 1.0))) if ranks.size else float("nan")


def per_user(ranks, metric: str, k: int = 10) -> np.ndarray:
    """Each user's contribution to a metric, so that its mean is the metric: ``"HR"``, ``"NDCG"`` or ``"MRR"``.

    Returns:
        (n,) float64: ``[rank < k]``, ``[rank < k] / log2(rank + 2)`` or ``1 / (rank + 1)``.
    """
    ranks, k = _check_ranks(ranks), _check_k(k)
    if metric == "HR":
        return (ranks < k).astype(np.float64)
    if metric == "NDCG":
        return np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)
    if metric == "MRR":
        return 1.0 / (ranks + 1.0)
    raise ValueError(f"metric={metric!r}: choose 'HR', 'NDCG' or 'MRR'")


def bootstrap_ci(values, num_samples: int = 1000, level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """Mean of per-user values with a bootstrap confidence interval over users.

    Users are resampled with replacement ``num_samples`` times; the interval is
    the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled means.

    Args:
        values: (n,) one value per user (``per_user``).
        num_samples: bootstrap resamples.
        level: the interval's coverage.
        seed: the resampling seed.

    Returns:
        ``(mean, low, high)``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {values.shape}")
    if not 0 < level < 1 or num_samples < 1:
        raise ValueError(f"level={level} must be in (0, 1) and num_samples={num_samples} at least 1")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(num_samples, len(values)))  # (num_samples, n) user indices
    means = values[picks].mean(axis=1)  # (num_samples,)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(values.mean()), float(low), float(high)


def paired_comparison(a, b, num_samples: int = 1000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Is model A better than model B on the same users? Per-user differences ``a - b``.

    Reports the mean difference with a paired bootstrap interval (users
    resampled together for both models), and the two-sided Wilcoxon
    signed-rank test's p-value (``scipy.stats.wilcoxon``; users with equal
    values are left out, as the test requires).

    Args:
        a, b: (n,) per-user values of the two models, same users in the same order.

    Returns:
        ``{"mean difference", "low", "high", "p-value", "users where A wins", "users where B wins"}``.
    """
    from scipy.stats import wilcoxon

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be per-user values for the same users: shapes {a.shape} and {b.shape}")
    diff = a - b
    mean, low, high = bootstrap_ci(diff, num_samples, level, seed)
    p = float(wilcoxon(a, b, zero_method="wilcox").pvalue) if np.any(diff != 0) else 1.0
    return {"mean difference": mean, "low": low, "high": high, "p-value": p,
            "users where A wins": int((diff > 0).sum()), "users where B wins": int((diff < 0).sum())}


def metrics(ranks, ks: Sequence[int] = (10,)) -> dict[str, float]:
    """``{"HR@k": ..., "NDCG@k": ..., "MRR": ...}`` for each ``k`` in ``ks``."""
    out = {}
    for k in ks:
        out[f"HR@{k}"] = hr_at_k(ranks, k)
        out[f"NDCG@{k}"] = ndcg_at_k(ranks, k)
    out["MRR"] = mrr(ranks)
    return out


# --- ranking ------------------------------------------------------------------------


def exclusion_mask(histories: list[np.ndarray], num_items: int, targets=None) -> np.ndarray:
    """Which items are not candidates: padding (column 0) and each user's history.

    Args:
        histories: one item-id array per user.
        num_items: catalogue size including padding.
        targets: (n,) if given, each user's target stays a candidate even if
            it is in the history (re-consumption).

    Returns:
        (n, num_items) bool, True = excluded.
    """
    n = len(histories)
    mask = np.zeros((n, num_items), dtype=bool)  # (n, num_items)
    mask[:, 0] = True  # padding is never a candidate
    lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=n)
    if lengths.sum():
        cols = np.concatenate([np.asarray(h, dtype=np.int64) for h in histories])
        if cols.min() < 0 or cols.max() >= num_items:
            raise ValueError(f"history item ids must be in 0..{num_items - 1}, found {cols.min()}..{cols.max()}")
        mask[np.repeat(np.arange(n), lengths), cols] = True
    if targets is not None:
        mask[np.arange(n), np.asarray(targets)] = False
    return mask


def _check_scores(scores, targets) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores)
    targets = np.asarray(targets, dtype=np.int64)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (batch, num_items), got shape {scores.shape}")
    if targets.shape != (scores.shape[0],):
        raise ValueError(f"targets must be ({scores.shape[0]},), got shape {targets.shape}")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN: the model diverged or a score function is broken")
    if targets.size and (targets.min() < 1 or targets.max() >= scores.shape[1]):
        raise ValueError(f"targets must be item ids 1..{scores.shape[1] - 1} (0 is padding), "
                         f"found {targets.min()}..{targets.max()}")
    return scores, targets


def target_ranks(scores, targets, exclude: np.ndarray | None = None) -> np.ndarray:
    """0-based rank of each target among the candidates, ties counted against the model.

    ``rank = #{candidates j != target : scores[j] >= scores[target]}``.

    Args:
        scores: (n, num_items) a score for every item; higher = better.
        targets: (n,) the held-out item of each user.
        exclude: (n, num_items) bool, True = not a candidate (``exclusion_mask``).
            Column 0 (padding) is always excluded; the target never is.

    Returns:
        (n,) int64 ranks.

    Example:
        >>> target_ranks(np.array([[0., 0.5, 0.9, 0.5]]), [1]).tolist()   # item 3 ties item 1
        [2]
    """
    scores, targets = _check_scores(scores, targets)
    n = len(targets)
    target_scores = scores[np.arange(n), targets][:, None]  # (n, 1)
    at_least = scores >= target_scores  # (n, num_items)
    at_least[:, 0] = False
    if exclude is not None:
        if exclude.shape != scores.shape:
            raise ValueError(f"exclude has shape {exclude.shape}, scores {scores.shape}")
        at_least &= ~exclude
    at_least[np.arange(n), targets] = False  # the target does not outrank itself
    return at_least.sum(axis=1).astype(np.int64)


def top_k(scores, k: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """The ``k`` best candidates per row, best first; equal scores go to the lower id.

    Args:
        scores: (n, num_items).
        k: how many, at most the catalogue size (padding not counted).
        exclude: (n, num_items) bool, True = never recommended. Padding never is.

    Returns:
        (n, k) int64 item ids.

    Raises:
        ValueError: ``k`` is not positive or larger than the catalogue, or a
            row has fewer than ``k`` candidates left.
    """
    scores = np.array(scores, dtype=np.float64)
    k = _check_k(k, scores.shape[1])
    blocked = np.zeros(scores.shape, dtype=bool)  # (n, num_items) True = never recommended
    blocked[:, 0] = True
    if exclude is not None:
        blocked |= exclude
        left = (~exclude[:, 1:]).sum(axis=1).min() if len(scores) else k
        if left < k:
            raise ValueError(f"k={k} but a user has only {left} items left after excluding their history")
    key = -scores  # (n, num_items) smaller = better
    key[blocked] = np.nan  # NaN sorts after everything, +inf (a candidate scored -inf) included
    if len(key) == 0:
        return np.zeros((0, k), dtype=np.int64)
    # Only the items whose key is at most the k-th smallest can be in the top k. Partition them to the
    # front (linear time), then sort just those by (key, id): equal scores go to the lower id.
    part = np.argpartition(key, k - 1, axis=1)  # (n, num_items) the k best first, in no order
    kth = np.take_along_axis(key, part[:, k - 1:k], axis=1)  # (n, 1) the k-th best key of each row
    m = int((key <= kth).sum(axis=1).max())  # the most items any row has at or above its k-th best
    if m > 4 * k + 64:  # many ties at the cut (e.g. all scores equal): sort whole rows instead
        return np.lexsort((key,), axis=1)[:, :k].astype(np.int64)  # stable: ties -> lower id
    if m > k:  # ties at the cut: bring every tied item to the front
        part = np.argpartition(key, m - 1, axis=1)
    front = np.sort(part[:, :m], axis=1)  # (n, m) ids, increasing
    order = np.argsort(np.take_along_axis(key, front, axis=1), axis=1, kind="stable")[:, :k]  # (n, k)
    return np.take_along_axis(front, order, axis=1).astype(np.int64)


@dataclasses.dataclass(frozen=True)
class RankingResult:
    """The ranks of one model on one split stage.

    Attributes:
        ranks: (n,) 0-based rank of each user's target.
        recommendations: (n, k_max) the top items of each user, best first.
    """

    ranks: np.ndarray
    recommendations: np.ndarray

    def metrics(self, ks: Sequence[int] = (10,)) -> dict[str, float]:
        """HR@k, NDCG@k for each ``k``, and MRR."""
        return metrics(self.ranks, ks)


def evaluate(score_fn: ScoreFn, histories: list[np.ndarray], targets, num_items: int,
             k: int = 10, exclude_seen: bool = True, batch_size: int = 256) -> RankingResult:
    """Full-catalogue ranking of every user's target, in batches.

    Args:
        score_fn: histories (list of item-id arrays) -> scores (batch, num_items).
        histories: one array per user: what the model may look at. Never
            contains the target (``LeaveOneOutSplit.histories`` guarantees it).
        targets: (n,) the held-out item of each user.
        num_items: catalogue size including padding.
        k: how many recommendations to keep per user.
        exclude_seen: whether each user's history is left out of the candidates:
            a property of the domain, stated by each chapter. ``True`` (movies:
            people rarely rate a movie twice) ranks the target among the items
            the user has not had; a target that IS in the history can then never
            be recommended and counts as a miss (rank ``num_items - 1``), as it
            would in a live system that hides seen items. ``False`` (groceries,
            messages: people buy and write again) ranks every item.
        batch_size: users scored at once.

    Returns:
        A ``RankingResult`` (ranks and top-``k`` recommendations).

    Raises:
        ValueError: ``k`` is out of range, lengths differ, or the scores have
            the wrong shape or NaN.

    Example:
        >>> res = evaluate(model.score, split.histories("valid"), split.targets("valid"),
        ...                split.num_items)                      # doctest: +SKIP
        >>> res.metrics()                                       # doctest: +SKIP
        {'HR@10': ..., 'NDCG@10': ..., 'MRR': ...}
    """
    k = _check_k(k, num_items)
    targets = np.asarray(targets, dtype=np.int64)
    if len(histories) != len(targets):
        raise ValueError(f"{len(histories)} histories but {len(targets)} targets")
    if len(targets) == 0:
        raise ValueError("no users to evaluate: histories and targets are empty")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size} must be at least 1")
    ranks, recs = [], []
    for start in range(0, len(targets), batch_size):
        hist = histories[start:start + batch_size]
        tgt = targets[start:start + batch_size]
        scores = np.asarray(score_fn(hist))  # (batch, num_items)
        if scores.shape != (len(hist), num_items):
            raise ValueError(f"score_fn returned shape {scores.shape}, expected ({len(hist)}, {num_items})")
        seen = exclusion_mask(hist, num_items) if exclude_seen else None  # (batch, num_items)
        recs.append(top_k(scores, k, seen))
        if seen is None:
            ranks.append(target_ranks(scores, tgt))
            continue
        repeat = seen[np.arange(len(tgt)), tgt]  # (batch,) the target is already in the history
        seen[np.arange(len(tgt)), tgt] = False  # rank the target among the unseen items ...
        batch_ranks = target_ranks(scores, tgt, seen)
        batch_ranks[repeat] = num_items - 1  # ... unless it was seen: then it is never recommended, a miss
        ranks.append(batch_ranks)
    return RankingResult(np.concatenate(ranks), np.concatenate(recs))


def sampled_ranks(scores, targets, histories: list[np.ndarray], num_negatives: int = 100,
                  seed: int = 0) -> np.ndarray:
    """Ranks against ``num_negatives`` random unseen items instead of the whole catalogue.

    A common shortcut that inflates every score (chapter 07 shows how much):
    the target only has to beat a small random sample, mostly unpopular items.

    Args:
        scores: (n, num_items).
        targets: (n,).
        histories: each user's history; negatives are drawn from the other items.
        num_negatives: negatives per user.
        seed: sampling seed.

    Returns:
        (n,) 0-based ranks among ``1 + num_negatives`` items, ties against the model.
    """
    scores, targets = _check_scores(scores, targets)
    n, num_items = scores.shape
    exclude = exclusion_mask(histories, num_items)  # (n, num_items)
    exclude[np.arange(n), targets] = True  # a negative is never the target
    left = (~exclude).sum(axis=1).min()
    if num_negatives < 1 or num_negatives > left:
        raise ValueError(f"num_negatives={num_negatives} must be in 1..{left} (unseen items of the smallest pool)")
    keys = np.random.default_rng(seed).random((n, num_items))  # (n, num_items) random order
    keys[exclude] = np.inf
    negatives = np.argpartition(keys, num_negatives - 1, axis=1)[:, :num_negatives]  # (n, num_negatives)
    target_scores = scores[np.arange(n), targets][:, None]  # (n, 1)
    return (np.take_along_axis(scores, negatives, axis=1) >= target_scores).sum(axis=1).astype(np.int64)


def recommend(score_fn: ScoreFn, history, num_items: int, k: int = 10, exclude_seen: bool = True) -> np.ndarray:
    """The top ``k`` items for one user's history: what a live recommender returns.

    Args:
        score_fn: histories -> scores (batch, num_items), as for ``evaluate``.
        history: the user's item ids (contiguous ids, ``1..num_items-1``), oldest first.
        num_items: catalogue size including padding.
        k: how many items.
        exclude_seen: leave out the items in ``history``.

    Returns:
        (k,) item ids, best first.

    Raises:
        ValueError: the history is empty (a sequence model needs at least one
            item; serve a new user ``baselines.MostPopular`` instead), or ``k``
            is out of range.
        KeyError: an id in the history is not an item of the catalogue.

    Example:
        >>> recommend(model.score, [12, 7, 31], split.num_items, k=5)   # doctest: +SKIP
        array([...])
    """
    history = np.asarray(history, dtype=np.int64).ravel()
    if history.size == 0:
        raise ValueError("the history is empty: a sequence model needs at least one item "
                         "(serve a new user the most-popular list instead)")
    unknown = history[(history < 1) | (history >= num_items)]
    if unknown.size:
        raise KeyError(f"unknown item id(s) {unknown[:5].tolist()}: items are 1..{num_items - 1} (0 is padding)")
    k = _check_k(k, num_items)
    scores = np.asarray(score_fn([history]))  # (1, num_items)
    if scores.shape != (1, num_items):
        raise ValueError(f"score_fn returned shape {scores.shape}, expected (1, {num_items})")
    return top_k(scores, k, exclusion_mask([history], num_items) if exclude_seen else None)[0]


# --- beyond accuracy ------------------------------------------------------------------


def catalog_coverage(recommendations, num_items: int) -> float:
    """Share of the catalogue (padding excluded) that appears in anyone's recommendations.

    ``coverage = |union of recommended items| / (num_items - 1)``.

    Example:
        >>> catalog_coverage(np.array([[1, 2], [2, 3]]), num_items=5)   # {1,2,3} of 4 items
        0.75
    """
    recs = np.asarray(recommendations)
    if recs.size and (recs.min() < 1 or recs.max() >= num_items):
        raise ValueError(f"recommended ids must be items 1..{num_items - 1}")
    return len(np.unique(recs)) / (num_items - 1)


def popularity_bias(recommendations, item_counts) -> float:
    """Average recommendation popularity (ARP): the mean training count of recommended items.

    ``ARP = mean over all recommended slots of count[item]``. Compare it with the
    catalogue's mean count: a higher ARP means the model favours popular items.

    Args:
        recommendations: (n, k) item ids.
        item_counts: (num_items,) training interactions per item.
    """
    counts = np.asarray(item_counts, dtype=np.float64)
    return float(counts[np.asarray(recommendations)].mean())


def results_table(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    """``{model: {metric: value}}`` -> a DataFrame, one row per model, rounded to 4 decimals."""
    return pd.DataFrame.from_dict(rows, orient="index").round(4)
