"""The bench's model table: every baseline and every neural model on one MovieLens split, scored alike.

Used by ``python -m lstmrec.bench`` (``bench.__main__``) and the leaderboard
(``bench.leaderboard``); the chapters read the tables it wrote from ``results/``
(``bench.results``).

Protocol (the course's, chapter 07): temporal leave-one-out, every item of the
catalogue ranked, the user's history excluded, ties counted against the model.
Every model's settings, and the neural models' epochs, are chosen on the
validation split; the rows report the test split, with 95% bootstrap intervals
over users (``evaluation.stats.intervals``; a neural model's per-user values
averaged over seeds first). ``compare`` tests a model against a baseline user
by user (the paired bootstrap and the Wilcoxon test).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from lstmrec import baselines, data, evaluation, models
from lstmrec.bench import runs


def neural() -> tuple[str, ...]:
    """The neural models of the table: every model of ``models.registry.MODELS``, in its order."""
    return tuple(models.registry.MODELS)


def run_baselines(split: data.splits.LeaveOneOutSplit, k: int = 10) -> tuple[list[dict], dict[str, np.ndarray]]:
    """One row per baseline: tuned on validation, fitted, scored on test.

    Returns:
        ``(rows, ranks)``: the table rows, and each baseline's (num_users,) test ranks.
    """
    rows, ranks = [], {}
    for name in baselines.registry.BASELINES:
        start = time.perf_counter()
        model, settings, fit_seconds = baselines.tuning.fit_best(name, split, cache=False)  # timed: search anew
        select_seconds = time.perf_counter() - start - fit_seconds
        result = evaluation.ranking.evaluate(model.score, split.histories("test"), split.targets("test"),
                                             split.num_items, k=k)
        ranks[name] = result.ranks
        rows.append({"model": name, **result.metrics((k,)), **evaluation.stats.intervals(result.ranks, k),
                     "train s": fit_seconds, "select s": select_seconds,
                     "score ms": runs.score_ms(model.score, runs.longest(split)),
                     "settings": ", ".join(f"{a}={b}" for a, b in settings.items()) or "-"})
    return rows, ranks


def run_neural(split: data.splits.LeaveOneOutSplit, data_checksum: str, seeds=(42, 43, 44), cached: bool = False,
               k: int = 10, log=print, dataset: str = "ml-100k", cells: tuple[str, ...] | None = None,
               learners: dict[str, Callable] | None = None) -> tuple[list[dict], list[dict], dict[str, np.ndarray]]:
    """Each neural model on ``dataset``'s course configuration (``models.registry.course_config``), once per seed;
    one row per model (mean over seeds).

    Args:
        cells: the course's models to run (default ``neural()``: all of them).
        learners: more models, name -> ``build_fn`` (``lstmrec.bench.leaderboard``): each is checked, then trained
            with the data set's course configuration (as the LSTM is) and scored by the same code.

    Returns:
        ``(rows, runs, ranks)``: the table rows, one record per (model, seed),
        and each model's (num_seeds, num_users) test ranks.
    """
    from lstmrec.bench import leaderboard

    learners = learners or {}
    cells = neural() if cells is None else cells
    rows, runs_out, ranks = [], [], {}
    for cell in [*cells, *learners]:
        mine_ranks = []
        cell_config = models.registry.course_config(dataset, "LSTM" if cell in learners else cell)
        for seed in seeds:
            cfg = dataclasses.replace(cell_config, seed=seed)
            if cell in learners:
                trained = leaderboard.train(learners[cell], split, cfg, k, verbose=False)
                record = {**runs.figures(trained, split, k=k), "from record": False}
            else:  # the log line below is each run's progress
                record = runs.run(split, data_checksum, cfg, resume=cached, k=k)
            mine_ranks.append(np.asarray(record["ranks"]))
            runs_out.append({"model": cell, "seed": seed, **record["test"],
                             **{name: record[name] for name in ("best epoch", f"valid NDCG@{k}", "to best s",
                                                                "train s", "from record", "converged", "params",
                                                                "score ms")}})
            log(f"  {cell} seed {seed}: NDCG@{k} {runs_out[-1][f'NDCG@{k}']:.4f}, best epoch {record['best epoch']}, "
                f"{record['to best s']:.0f} s to best, {record['train s']:.0f} s in all"
                + (" (recorded)" if record["from record"] else "")
                + ("" if record["converged"] else f"; NOT CONVERGED: best epoch within patience "
                   f"({cfg.patience}) of the cap ({cfg.max_epochs})"))
        ranks[cell] = np.stack(mine_ranks)  # (num_seeds, num_users)
        mine = pd.DataFrame([r for r in runs_out if r["model"] == cell])
        described = (f"your model, trained as the LSTM: max_len={cell_config.max_len}, lr={cell_config.lr}, "
                     f"batch={cell_config.batch_size}, patience={cell_config.patience}" if cell in learners
                     else _describe(cell_config))
        rows.append({"model": cell, **{m: mine[m].mean() for m in (f"HR@{k}", f"NDCG@{k}", "MRR")},
                     **evaluation.stats.intervals(ranks[cell], k),
                     f"NDCG@{k} sd": mine[f"NDCG@{k}"].std(ddof=1) if len(mine) > 1 else 0.0,
                     "train s": mine["train s"].mean(), "to best s": mine["to best s"].mean(),
                     "score ms": mine["score ms"].median(), "params": mine["params"].iloc[0],
                     "settings": f"{len(seeds)} seeds; epochs {mine['best epoch'].tolist()}; " + described})
    return rows, runs_out, ranks


def _describe(config: models.config.Config) -> str:
    """The settings column of a neural row."""
    size = (f"E={config.embedding_dim}, FFN={config.hidden_dim}, blocks={config.num_blocks}, "
            f"heads={config.num_heads}, layout={config.layout}" if config.cell == "SASRec"
            else f"E={config.embedding_dim}, H={config.hidden_dim}")
    return (f"{size}, max_len={config.max_len}, dropout={config.dropout}, tied={config.tie_embeddings}, "
            f"lr={config.lr}, batch={config.batch_size}")


def compare(model_ranks: np.ndarray, baseline_ranks: np.ndarray, k: int = 10) -> dict[str, float]:
    """A model (over seeds) against a baseline, user by user, on NDCG@k.

    Args:
        model_ranks: (num_seeds, num_users) the model's test ranks, one row per seed.
        baseline_ranks: (num_users,) the baseline's.

    Returns:
        ``evaluation.stats.paired_comparison`` of the per-user NDCG@k (the model's
        averaged over seeds) minus the baseline's, plus ``ratio`` of the means.
    """
    model_ranks = np.atleast_2d(model_ranks)
    a = np.mean([evaluation.metrics.per_user(r, "NDCG", k) for r in model_ranks], axis=0)  # (num_users,)
    b = evaluation.metrics.per_user(baseline_ranks, "NDCG", k)
    out = evaluation.stats.paired_comparison(a, b)
    return {"ratio": float(a.mean() / b.mean()) if b.mean() > 0 else float("inf"), **out}
