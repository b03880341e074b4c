"""Ranking metrics from the rank of each user's held-out item.

Taught in chapter 00 (the warm-up exercise) and chapter 07.

The *rank* of a target (0 = best) is the number of other candidate items that
score at least as high as it (``evaluation.ranking``). From ranks, over ``n`` users:

    HR@k   = (1/n) * sum_u [rank_u < k]
    NDCG@k = (1/n) * sum_u [rank_u < k] / log2(rank_u + 2)
    MRR    = (1/n) * sum_u 1 / (rank_u + 1)

With one relevant item per user, the ideal DCG is 1, so NDCG@k needs no
normalising; MRR is over the full ranking (no cut-off). ``per_user`` gives each
user's term, whose mean is the metric (for intervals and paired tests,
``evaluation.stats``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def _check_ranks(ranks) -> np.ndarray:
    ranks = np.asarray(ranks)
    if ranks.ndim != 1:
        raise ValueError(f"ranks must be 1-D (one per user), got shape {ranks.shape}")
    if ranks.size and (ranks.min() < 0 or not np.issubdtype(ranks.dtype, np.integer)):
        raise ValueError("ranks must be non-negative integers (0 = best)")
    return ranks


def check_k(k, num_items: int | None = None) -> int:
    """``k`` as an int, or a ``ValueError`` naming it: a positive integer, at most the catalogue (padding not counted).

    Example:
        >>> check_k(5000, num_items=1683)
        Traceback (most recent call last):
        ValueError: k=5000 is larger than the catalogue (1682 items)
    """
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
    ranks, k = _check_ranks(ranks), check_k(k)
    return float(np.mean(ranks < k)) if ranks.size else float("nan")


def ndcg_at_k(ranks, k: int) -> float:
    """Normalised discounted cumulative gain with one relevant item per user.

    ``NDCG@k = mean([rank < k] / log2(rank + 2))``, ranks 0-based.

    Example:
        >>> round(ndcg_at_k([0, 1, 10], k=10), 4)   # (1 + 1/log2(3) + 0) / 3
        0.5436
    """
    ranks, k = _check_ranks(ranks), check_k(k)
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
    ranks, k = _check_ranks(ranks), check_k(k)
    if metric == "HR":
        return (ranks < k).astype(np.float64)
    if metric == "NDCG":
        return np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)
    if metric == "MRR":
        return 1.0 / (ranks + 1.0)
    raise ValueError(f"metric={metric!r}: choose 'HR', 'NDCG' or 'MRR'")


def metrics(ranks, ks: Sequence[int] = (10,)) -> dict[str, float]:
    """``{"HR@k": ..., "NDCG@k": ..., "MRR": ...}`` for each ``k`` in ``ks``."""
    out = {}
    for k in ks:
        out[f"HR@{k}"] = hr_at_k(ranks, k)
        out[f"NDCG@{k}"] = ndcg_at_k(ranks, k)
    out["MRR"] = mrr(ranks)
    return out


def results_table(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    """``{model: {metric: value}}`` -> a DataFrame, one row per model, rounded to 4 decimals."""
    return pd.DataFrame.from_dict(rows, orient="index").round(4)
