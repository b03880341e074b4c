"""``python -m lstmrec.bench [--json FILE] [--seeds N] [--cached] [--baselines-only]``: every model, one table.

Protocol (the course's, chapter 07): MovieLens-100K, temporal leave-one-out,
every item of the catalogue ranked, the user's history excluded, ties counted
against the model. Every model's settings, and the neural models' epochs, are
chosen on the validation split; the table reports the test split.

Columns: HR@10, NDCG@10, MRR (for the GRU and LSTM, the mean over seeds, and
``NDCG@10 sd`` their standard deviation); ``train s``, the wall time of the
final fit (for the neural models, the mean over seeds of the whole training,
including the epochs of patience after the best one); ``to best s``, the mean
time until the end of the best validation epoch; ``select s``, the time spent
choosing a baseline's settings on validation.

The neural models are trained afresh, so that the times are measured; with
``--cached`` the course's cached models are used where they exist (the times
shown are then those recorded when they were trained).

The benchmark prints figures; the test suite asserts none of its timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time

import numpy as np
import pandas as pd

from lstmrec import baselines, data, evaluation, models, sequences
from lstmrec.data import atomic_write

NEURAL = ("GRU", "LSTM")


def run_baselines(split: sequences.LeaveOneOutSplit, k: int = 10) -> list[dict]:
    """One row per baseline: tuned on validation, fitted, scored on test."""
    rows = []
    for name in baselines.BASELINES:
        start = time.perf_counter()
        model, settings, fit_seconds = baselines.fit_best(name, split)
        select_seconds = time.perf_counter() - start - fit_seconds
        result = evaluation.evaluate(model.score, split.histories("test"), split.targets("test"), split.num_items, k=k)
        rows.append({"model": name, **result.metrics((k,)), "train s": fit_seconds, "select s": select_seconds,
                     "settings": ", ".join(f"{a}={b}" for a, b in settings.items()) or "-"})
    return rows


def run_neural(split: sequences.LeaveOneOutSplit, data_checksum: str, seeds=(42, 43, 44), cached: bool = False,
               k: int = 10, log=print) -> tuple[list[dict], list[dict]]:
    """The GRU and the LSTM of ``models.Config()``, once per seed; one row per model (mean over seeds).

    Returns:
        ``(rows, runs)``: the table rows and one record per (model, seed).
    """
    rows, runs = [], []
    for cell in NEURAL:
        for seed in seeds:
            config = dataclasses.replace(models.Config(), cell=cell, seed=seed)
            trained = (models.load_or_train(split, data_checksum, config) if cached else models.train(split, config))
            result = evaluation.evaluate(trained.recommender.score, split.histories("test"), split.targets("test"),
                                         split.num_items, k=k)
            runs.append({"model": cell, "seed": seed, **result.metrics((k,)), "best epoch": trained.best_epoch,
                         "to best s": trained.seconds_to_best, "train s": trained.seconds,
                         "from cache": trained.from_cache})
            log(f"  {cell} seed {seed}: NDCG@{k} {runs[-1][f'NDCG@{k}']:.4f}, best epoch {trained.best_epoch}, "
                f"{trained.seconds_to_best:.0f} s to best, {trained.seconds:.0f} s in all"
                + (" (cached)" if trained.from_cache else ""))
        mine = pd.DataFrame([r for r in runs if r["model"] == cell])
        c = models.Config()
        rows.append({"model": cell, **{m: mine[m].mean() for m in (f"HR@{k}", f"NDCG@{k}", "MRR")},
                     f"NDCG@{k} sd": mine[f"NDCG@{k}"].std(ddof=1) if len(mine) > 1 else 0.0,
                     "train s": mine["train s"].mean(), "to best s": mine["to best s"].mean(),
                     "settings": f"{len(seeds)} seeds; epochs {mine['best epoch'].tolist()}; E={c.embedding_dim}, "
                                 f"H={c.hidden_dim}, max_len={c.max_len}, dropout={c.dropout}, "
                                 f"tied={c.tie_embeddings}, lr={c.lr}, batch={c.batch_size}"})
    return rows, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmrec.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the table and every run as JSON")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per neural model (default 3)")
    parser.add_argument("--cached", action="store_true", help="reuse cached neural models where they exist")
    parser.add_argument("--baselines-only", action="store_true", help="skip the GRU and the LSTM")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")

    start = time.perf_counter()
    ml = data.load_movielens_100k()
    split = sequences.leave_one_out(ml.interactions)
    print(f"MovieLens-100K ({split.num_users} users, {split.num_items - 1} items; data {data.checksum(ml)}), "
          f"leave-one-out, full ranking, seen items excluded; test split", flush=True)
    rows, runs = run_baselines(split), []
    if not args.baselines_only:
        neural_rows, runs = run_neural(split, data.checksum(ml), tuple(42 + i for i in range(args.seeds)),
                                       cached=args.cached)
        rows += neural_rows
    table = pd.DataFrame(rows).set_index("model")
    total = time.perf_counter() - start
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        print(table.round(4).to_string(na_rep=""))
    best_baseline = table.loc[list(baselines.BASELINES), "NDCG@10"].idxmax()
    if "LSTM" in table.index:
        ratio = table.loc["LSTM", "NDCG@10"] / table.loc[best_baseline, "NDCG@10"]
        print(f"LSTM NDCG@10 / best baseline ({best_baseline}) NDCG@10 = {ratio:.3f}")
        print(f"LSTM time to its best validation epoch: {table.loc['LSTM', 'to best s']:.1f} s (mean over seeds)")
    print(f"whole bench: {total:.1f} s on {platform.machine()} (Python {platform.python_version()})")
    if args.json:
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps({"table": table.reset_index().replace({np.nan: None}).to_dict(orient="records"),
                                       "runs": runs, "seconds": total, "data_checksum": data.checksum(ml)},
                                      indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
