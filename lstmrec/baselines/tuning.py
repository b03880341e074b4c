"""The baselines by name, their settings grids, and the choice of settings on validation.

Taught in chapter 07: the course compares against baselines at their best, so
each one's settings are chosen on the validation split exactly as the neural
models' epochs are, and only then is it scored on test.

A search is done once per baseline and data: ``fit_best`` keeps its table in
``data/cache/baselines/`` (JSON, nothing unpickled), keyed by values only
(the baseline's name and class, its grid, the metric, the candidate rule,
``CACHE_VERSION`` and a digest of the split's training and validation items),
so chapters that tune the same baseline on the same data search once, and a
change to the data or the grid searches again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from lstmrec.baselines import base, registry
from lstmrec.data.splits import Split
from lstmrec.evaluation.stage import evaluate_stage
from lstmrec.util.files import atomic_write
from lstmrec.util.paths import data_dir


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


CACHE_VERSION = 1
"""Part of every search's key: raise it when a change to a baseline or to the evaluator changes what a search
finds, and every cached search runs again (a key is made of values, never of code)."""


def cache_dir() -> Path:
    """``data/cache/baselines``: one JSON search table per (baseline, grid, code, data, candidate rule)."""
    path = data_dir() / "cache" / "baselines"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _digest(arrays, h) -> None:
    """Feed a nest of lists of integer arrays into the hash ``h``, lengths included (so the nesting counts)."""
    h.update(np.int64(len(arrays)).tobytes())
    for a in arrays:
        if isinstance(a, (list, tuple)):
            _digest(a, h)
        else:
            a = np.ascontiguousarray(a, dtype=np.int64)
            h.update(np.int64(a.size).tobytes() + a.tobytes())


def search_key(name: str, split: Split, exclude_seen: bool = True, metric: str = "NDCG@10") -> str:
    """What identifies a search: the baseline (name, class, grid), the metric, the candidate rule, the data and
    ``CACHE_VERSION``.

    The data enter as a SHA-256 over the training histories and the validation
    histories and answers (all the search reads), so two splits with the same
    items in the same order share a key however they were made.

    Returns:
        16 hexadecimal digits.

    Raises:
        KeyError: an unknown baseline (``registry.get``).
    """
    make, grid = registry.get(name)
    h = hashlib.sha256(json.dumps([CACHE_VERSION, name, f"{make.__module__}.{make.__qualname__}", repr(grid),
                                   metric, exclude_seen, split.num_items]).encode())
    _digest([split.train, split.histories("valid"), split.answers("valid")], h)
    return h.hexdigest()[:16]


def search(name: str, split: Split, exclude_seen: bool = True, cache: bool = True) -> dict[str, Any]:
    """Baseline ``name``'s search on validation (``tune`` over its registry grid), done once per data.

    Args:
        name: the baseline (``registry.get``).
        split: the split.
        exclude_seen: the domain's candidate rule.
        cache: read and write ``cache_dir()``; False always searches (and writes nothing).

    Returns:
        ``{"settings": the best settings, "table": the validation table, best first,
        "seconds": how long the search took when it ran, "cached": whether it was read}``.
        A cache file that cannot be read is searched again and replaced.
    """
    make, grid = registry.get(name)
    path = cache_dir() / f"{search_key(name, split, exclude_seen)}.json" if cache and grid else None
    if path is not None and path.exists():
        try:
            record = json.loads(path.read_text())
            table = pd.DataFrame(record["table"])
            for n in grid:  # as ``tune`` keeps them: None ("all") stays None, not NaN
                table[n] = pd.Series([row[n] for row in record["table"]], dtype=object)
            return {"settings": record["settings"], "table": table,
                    "seconds": float(record["seconds"]), "cached": True}
        except (ValueError, KeyError, TypeError):
            pass  # unreadable: search again, and replace it below
    start = time.perf_counter()
    settings, table = tune(make, grid, split, exclude_seen=exclude_seen) if grid else ({}, pd.DataFrame())
    seconds = time.perf_counter() - start
    if path is not None:
        with atomic_write(path) as tmp:
            tmp.write_text(json.dumps({"baseline": name, "settings": settings, "seconds": seconds,
                                       "table": table.to_dict("records")}, indent=1))
    return {"settings": settings, "table": table, "seconds": seconds, "cached": False}


def fit_best(name: str, split: Split, exclude_seen: bool = True,
             cache: bool = True) -> tuple[base.Baseline, dict[str, Any], float]:
    """Tune baseline ``name`` (``registry.get``) on validation, then fit it at its best.

    Args:
        name: the baseline.
        split: the split (leave-one-out or baskets).
        exclude_seen: the domain's candidate rule (``tune``).
        cache: reuse the search of an earlier call on the same data (``search``); the final fit always runs.

    Returns:
        ``(model, settings, fit_seconds)``; ``fit_seconds`` times the final fit only.
    """
    make, _ = registry.get(name)
    settings = search(name, split, exclude_seen=exclude_seen, cache=cache)["settings"]
    start = time.perf_counter()
    model = make(**settings).fit(split.train, split.num_items)
    return model, settings, time.perf_counter() - start
