"""Full-catalogue ranking: every item ranked, seen items excluded, ties against the model.

Taught in chapter 00 (the warm-up exercise) and chapter 07.

For one user with a held-out ``target`` and a score for every item, the
*rank* of the target (0 = best) is the number of other candidate items that
score **at least as high** as the target:

    rank = |{ j != target : j candidate, score_j >= score_target }|

Counting ties (``>=``) against the model means a model that gives every item
the same score ranks every target last, not first. Which items are candidates
is the domain's rule, written once in ``candidates``: never the padding id 0,
and, where seen items are excluded (movies), never an item already in the
user's history. A right answer that is not a candidate can never be
recommended: it counts as a miss (``miss_position``).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np

from lstmrec.evaluation import metrics

ScoreFn = Callable[[list[np.ndarray]], np.ndarray]
"""A model as the evaluator sees it: histories (a batch of item-id arrays) -> scores (batch, num_items)."""


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


def excluded(histories: list[np.ndarray], num_items: int, exclude_seen: bool) -> np.ndarray | None:
    """The domain's candidate rule, for a batch of users: the items that may not be recommended.

    The one place the rule is written; ``evaluate``, ``recommend`` and
    ``evaluation.baskets`` all call it. Padding (id 0) is never a candidate; with
    ``exclude_seen`` (movies) neither is anything in the user's history.

    Args:
        histories: one item-id array per user.
        num_items: catalogue size including padding.
        exclude_seen: the domain's choice, stated by each chapter.

    Returns:
        (n, num_items) bool, True = not a candidate (``exclusion_mask``); or None
        when only padding is excluded (every scorer leaves column 0 out itself).
    """
    return exclusion_mask(histories, num_items) if exclude_seen else None


def miss_position(num_items: int) -> int:
    """Where a right answer that is not a candidate lands: last, ``num_items - 1`` (a miss at every k).

    A live system that hides seen items can never recommend a target the user
    already had, so the evaluator counts it as a miss rather than skipping the user.
    """
    return num_items - 1


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
    k = metrics.check_k(k, scores.shape[1])
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
        return metrics.metrics(self.ranks, ks)


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
            be recommended and counts as a miss (``miss_position``), as it
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
    k = metrics.check_k(k, num_items)
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
        seen = excluded(hist, num_items, exclude_seen)  # (batch, num_items) or None
        recs.append(top_k(scores, k, seen))
        if seen is None:
            ranks.append(target_ranks(scores, tgt))
            continue
        repeat = seen[np.arange(len(tgt)), tgt]  # (batch,) the target is already in the history
        seen[np.arange(len(tgt)), tgt] = False  # rank the target among the unseen items ...
        batch_ranks = target_ranks(scores, tgt, seen)
        batch_ranks[repeat] = miss_position(num_items)  # ... unless it was seen: never recommended, a miss
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
            item; serve a new user ``baselines.popular.MostPopular`` instead), or ``k``
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
    k = metrics.check_k(k, num_items)
    scores = np.asarray(score_fn([history]))  # (1, num_items)
    if scores.shape != (1, num_items):
        raise ValueError(f"score_fn returned shape {scores.shape}, expected (1, {num_items})")
    return top_k(scores, k, excluded([history], num_items, exclude_seen))[0]
