"""Each neural model's settings chosen on one data set's own validation split: ``python -m lstmrec.bench --search``.

Taught in chapter 13 (a fair race: every rival tuned on the same data, the same
way); a leaf module of the bench. ``GRIDS`` lists, per data set and model, the
settings tried; each is trained once (seed ``SEED``) with early stopping on
validation NDCG@10 and the data set's cap, and recorded in ``results/runs/``
(``bench.runs``), so a search cut short by the end of a session resumes where it
stopped, on this clone or a fresh one. The setting with
the best validation NDCG@10 wins (``chosen``); the test metrics are kept for the
record and play no part. A run that its cap stopped (``TrainedModel.converged``
False) cannot win: its curve may still have been rising. The winners go into
``models.registry.TUNED``, and a test checks the committed search and the code agree.
"""

from __future__ import annotations

import dataclasses

SEED = 42
"""The seed of every search run (the bench's table then trains several seeds of the winner)."""

_PUBLISHED_SASREC = {"max_len": 200, "num_blocks": 2, "dropout": 0.1, "lr": 0.001, "hidden_dim": 64}
"""SASRec as the published ML-1M tables train it (SASRec+, Klenitskiy & Vasilev 2023; eSASRec 2025):
T 200, 2 blocks, one head, width 64 and FFN 64, dropout 0.1, Adam lr 1e-3."""

GRIDS: dict[str, dict[str, list[dict]]] = {
    "ml-100k": {
        # the course's hand-chosen settings (lr 0.01, dropout 0.2, T 50), then one change at a time; SASRec and the
        # SimpleRNN were searched on this data set by the beyond suite (bench.levers)
        "LSTM": [{}, {"lr": 0.003}, {"dropout": 0.4}, {"max_len": 100}],
        "GRU": [{}, {"lr": 0.003}, {"dropout": 0.4}, {"max_len": 100}],
    },
    "ml-1m": {
        # the course's settings (lr 0.01, dropout 0.2, T 100), a lower rate, more dropout, and SASRec's window
        "LSTM": [{}, {"lr": 0.003}, {"dropout": 0.4}, {"max_len": 200}],
        "GRU": [{}, {"lr": 0.003}, {"dropout": 0.4}, {"max_len": 200}],
        # the published settings first, then one change at a time (the layout: Kang & McAuley's wiring, as SASRec+)
        "SASRec": [_PUBLISHED_SASREC, {**_PUBLISHED_SASREC, "layout": "sasrec"}, {**_PUBLISHED_SASREC, "dropout": 0.2},
                   {**_PUBLISHED_SASREC, "max_len": 100}, {**_PUBLISHED_SASREC, "lr": 0.003}],
    },
}
"""Data set -> model -> the settings tried, each a change to ``models.registry.course_config`` without ``TUNED``."""


def grid(dataset: str, cell: str) -> list[dict]:
    """The settings tried for ``cell`` on ``dataset``.

    Raises:
        ValueError: no grid for that data set or model.
    """
    if dataset not in GRIDS or cell not in GRIDS[dataset]:
        known = {name: list(cells) for name, cells in GRIDS.items()}
        raise ValueError(f"no search grid for {cell!r} on {dataset!r}: grids exist for {known}")
    return GRIDS[dataset][cell]


def search(split, data_checksum: str, dataset: str, cells, log=print) -> list[dict]:
    """Every setting of ``cells``' grids on ``dataset``, trained once, scored on validation (and test, for the record).

    Args:
        split: the data set's leave-one-out split.
        data_checksum: its checksum (the model cache's key).
        dataset: the name in ``GRIDS`` and ``data.registry``.
        cells: the models to search.
        log: where each run's line goes.

    Returns:
        One row per run: ``cell``, ``settings``, ``key`` (its record in ``results/runs/``), ``valid NDCG@10``,
        ``converged``, ``best epoch``, ``epochs``, ``to best s``, ``train s``, ``from record`` and the test metrics.
    """
    from lstmrec import models
    from lstmrec.bench import runs

    exclude_seen = _exclude_seen(dataset)
    rows = []
    for cell in cells:
        for settings in grid(dataset, cell):
            config = models.registry.course_config(dataset, cell, tuned=False, seed=SEED, **settings)
            record = runs.run(split, data_checksum, config, exclude_seen=exclude_seen)
            rows.append({"cell": cell, "settings": settings, "key": record["key"],
                         **{name: record[name] for name in ("valid NDCG@10", "converged", "best epoch", "epochs",
                                                            "to best s", "train s", "from record")},
                         **{f"test {name}": value for name, value in record["test"].items()}})
            log(f"  {cell} {settings or 'course settings'}: valid NDCG@10 {rows[-1]['valid NDCG@10']:.4f}, "
                f"best epoch {record['best epoch']} of {record['epochs']}"
                + ("" if record["converged"] else " (NOT CONVERGED: stopped by the cap)")
                + (" (recorded)" if record["from record"] else f", {record['train s']:.0f} s"))
    return rows


def chosen(rows: list[dict]) -> dict[str, dict]:
    """Each model's converged setting with the best validation NDCG@10 (the test columns play no part).

    Raises:
        ValueError: a model none of whose runs converged.

    Example:
        >>> chosen([{"cell": "LSTM", "settings": {}, "valid NDCG@10": 0.1, "converged": True},
        ...         {"cell": "LSTM", "settings": {"lr": 0.003}, "valid NDCG@10": 0.2, "converged": True}])
        {'LSTM': {'lr': 0.003}}
    """
    best: dict[str, dict] = {}
    for r in rows:
        if r["converged"] and (r["cell"] not in best or r["valid NDCG@10"] > best[r["cell"]]["valid NDCG@10"]):
            best[r["cell"]] = r
    missing = sorted({r["cell"] for r in rows} - set(best))
    if missing:
        raise ValueError(f"no run of {missing} converged: raise the data set's max_epochs and search again")
    return {cell: dict(r["settings"]) for cell, r in best.items()}


def _exclude_seen(dataset: str) -> bool:
    from lstmrec import data

    return data.registry.get(dataset).exclude_seen


def describe(dataset: str) -> dict:
    """What a search artefact records besides its rows: the grids and the base configuration of each model."""
    from lstmrec import models

    return {"dataset": dataset, "seed": SEED, "grids": GRIDS[dataset],
            "base": {cell: dataclasses.asdict(models.registry.course_config(dataset, cell, tuned=False))
                     for cell in GRIDS[dataset]}}
