"""One tuned baseline under several random orders of same-second events: how far the tie order alone moves it.

Taught in chapter 07 and used in chapter 08: a model's lead over a baseline is worth reading only beside the
spread that another, equally honest, order of equal timestamps gives that baseline (appendix A1 shows why the
order matters). Each order is the course's seeded shuffle (``data.ties.order_events``) with another seed; for
each, the data is split again, the baseline's settings are chosen again on that order's own validation split
(``tuning.fit_best``) and it is scored on that order's test items, with the course's evaluator.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from lstmrec.baselines import tuning
from lstmrec.data import splits, ties
from lstmrec.evaluation import ranking


def scores(name: str, interactions: pd.DataFrame, seeds: Iterable[int], k: int = 10,
           exclude_seen: bool = True) -> dict[int, float]:
    """Test NDCG@k of baseline ``name`` under each tie order in ``seeds``.

    Args:
        name: a baseline of ``baselines.registry.BASELINES``.
        interactions: the events in any order (``user_id``, ``item_id``, ``timestamp``); only the order inside
            each user's equal timestamps changes between seeds.
        seeds: the tie seeds; ``data.ties.TIE_SEED`` is the course's own order.
        k: the cut-off.
        exclude_seen: the domain's candidate rule.

    Returns:
        ``{seed: test NDCG@k}``, in the order of ``seeds``.

    Raises:
        ValueError: no seeds, or an unknown baseline (from ``registry.get``).
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("give at least one tie seed")
    out = {}
    for seed in seeds:
        split = splits.leave_one_out(ties.order_events(interactions, seed=seed), ties="source")  # keep that order
        model, _, _ = tuning.fit_best(name, split, exclude_seen=exclude_seen)  # settings chosen on this order
        result = ranking.evaluate(model.score, split.histories("test"), split.targets("test"), split.num_items, k=k,
                                  exclude_seen=exclude_seen)
        out[seed] = float(result.metrics((k,))[f"NDCG@{k}"])
    return out


def spread(by_seed: dict[int, float]) -> float:
    """The range of the scores over tie orders, max minus min.

    Example:
        >>> spread({0: 0.0973, 1: 0.1004, 2: 0.0990})
        0.0031
    """
    if not by_seed:
        raise ValueError("no scores to take the spread of")
    return round(max(by_seed.values()) - min(by_seed.values()), 12)
