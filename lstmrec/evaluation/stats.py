"""Is a difference real? Bootstrap intervals over users and the paired comparison of two models.

Taught in chapter 07; every table of the course (chapters 07-14, the bench) uses it.

A model's figure is a mean over users, so it carries sampling noise:
``bootstrap_ci`` resamples users to give it an interval, ``intervals`` does so
for HR@k, NDCG@k and MRR at once (a model trained with several seeds has each
user's value averaged over seeds first), and ``paired_comparison`` compares two
models on the same users (a paired bootstrap of the per-user difference, and
the Wilcoxon signed-rank test).
"""

from __future__ import annotations

import numpy as np

from lstmrec.evaluation import metrics


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


def intervals(ranks, k: int = 10, names: tuple[str, ...] = ("HR", "NDCG", "MRR"), level: float = 0.95
              ) -> dict[str, float]:
    """Bootstrap intervals over users of metrics from ranks, each user's value averaged over seeds first.

    The one way a table of the course puts an interval on a model's figure.

    Args:
        ranks: (num_users,) test ranks, or (num_seeds, num_users) for a model trained with several seeds.
        k: the cut-off of HR and NDCG.
        names: which metrics (``metrics.per_user``'s names).
        level: the intervals' coverage.

    Returns:
        ``{"HR@10 low": .., "HR@10 high": .., "NDCG@10 low": .., ..., "MRR high": ..}``.

    Example:
        >>> sorted(intervals(np.array([0, 3, 20, 1]), k=10, names=("NDCG",)))
        ['NDCG@10 high', 'NDCG@10 low']
    """
    ranks = np.atleast_2d(ranks)
    out = {}
    for name in names:
        label = "MRR" if name == "MRR" else f"{name}@{k}"
        values = np.mean([metrics.per_user(r, name, k) for r in ranks], axis=0)  # (num_users,)
        _, out[f"{label} low"], out[f"{label} high"] = bootstrap_ci(values, level=level)
    return out
