"""The baselines by name, their settings grids, and the choice of settings on validation.

Taught in chapter 07: the course compares against baselines at their best, so
each one's settings are chosen on the validation split exactly as the neural
models' epochs are, and only then is it scored on test.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

from lstmrec.baselines import base, registry
from lstmrec.data.splits import Split
from lstmrec.evaluation.stage import evaluate_stage


def tune(make: Callable[..., base.Baseline], grid: dict[str, list[Any]], split: Split,
         metric: str = "NDCG@10", exclude_seen: bool = True) -> tuple[dict[str, Any], pd.DataFrame]:
    """Choose a recommender's settings on the validation split (never the test split).

    Each combination in ``grid`` is fitted on ``split.train`` and scored on
    ``split.histories("valid")`` -> ``split.answers("valid")`` (any split:
    ``evaluation.stage.evaluate_stage``). Combinations
    that differ only in the class's ``SCORE_SETTINGS`` share one fit.

    Args:
        make: builds a recommender from keyword settings.
        grid: setting name -> values to try (``{}``: only the defaults).
        split: the split (leave-one-out or baskets).
        metric: the validation metric to maximise.
        exclude_seen: whether the user's history is left out of the candidates
            (``evaluation.ranking.excluded``): the domain's rule, the same as at test time.

    Returns:
        ``(best_settings, table)``: the table has one row per combination with
        its validation metrics, best first.
    """
    names = list(grid)
    combos = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    rows, fitted = [], {}
    score_only = getattr(make, "SCORE_SETTINGS", ())
    for settings in combos:
        model = make(**settings)
        fit_key = tuple((n, repr(v)) for n, v in settings.items() if n not in score_only)
        if fit_key in fitted:  # same fit-time settings: reuse the fitted state (attributes ending in "_")
            model.__dict__.update({a: v for a, v in vars(fitted[fit_key]).items() if a.endswith("_")})
        else:
            fitted[fit_key] = model.fit(split.train, split.num_items)
        rows.append({**settings, **evaluate_stage(model.score, split, "valid", exclude_seen=exclude_seen)})
    table = pd.DataFrame(rows)
    for n in names:  # keep the settings as given: None ("all") stays None, not NaN
        table[n] = pd.Series([c[n] for c in combos], dtype=object)
    if metric not in table.columns or metric in names:
        raise ValueError(f"metric={metric!r}: choose from {[c for c in table.columns if c not in names]}")
    best = combos[int(np.argmax(table[metric].to_numpy()))]  # the first of equals: grid order
    return best, table.sort_values(metric, ascending=False, kind="stable").reset_index(drop=True)


def fit_best(name: str, split: Split,
             exclude_seen: bool = True) -> tuple[base.Baseline, dict[str, Any], float]:
    """Tune baseline ``name`` (``registry.get``) on validation, then fit it at its best.

    Args:
        name: the baseline.
        split: the split (leave-one-out or baskets).
        exclude_seen: the domain's candidate rule (``tune``).

    Returns:
        ``(model, settings, fit_seconds)``; ``fit_seconds`` times the final fit only.
    """
    make, grid = registry.get(name)
    settings, _ = tune(make, grid, split, exclude_seen=exclude_seen) if grid else ({}, None)
    start = time.perf_counter()
    model = make(**settings).fit(split.train, split.num_items)
    return model, settings, time.perf_counter() - start
