"""Beyond accuracy: how much of the catalogue a model recommends, and how popular its items are.

Taught in chapter 07.

    coverage = |union of recommended items| / (num_items - 1)
    ARP      = mean over every recommended slot of count[item]     (average recommendation popularity)
"""

from __future__ import annotations

import numpy as np


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
