"""``python -m lstmrec.bench [--dataset ml-100k|ml-1m|instacart|collegemsg] [--ties RULE] [--seeds N] [--json FILE] ...``: every model, one table.

Protocol (the course's, chapter 07): temporal leave-one-out, every item of the
catalogue ranked, the user's history excluded, ties counted against the
model, equal timestamps in the course's seeded order (``lstmrec.ties``;
``--ties item_id`` reproduces the mistake chapter 05 measures). Every model's
settings, and the neural models' epochs, are chosen on the validation split;
the table reports the test split.

``--suite privacy`` and ``--suite compute`` run chapter 11's measurements
instead (``bench_privacy``, ``bench_compute``): the DP-SGD sweep and the
membership attack; the cost curves, sampled softmax and bfloat16.

``--dataset instacart`` and ``--dataset collegemsg`` run chapter 10's case
studies (``lstmrec.cases``): past items are candidates there, the repeat
heuristics join the baselines, and the LSTM gets its copy mixture.

Columns: HR@10, NDCG@10, MRR (for the GRU and LSTM, the mean over seeds, and
``NDCG@10 sd`` their standard deviation over seeds); ``train s``, the wall
time of the final fit (for the neural models, the mean over seeds of the
whole training, including the epochs of patience after the best one); ``to
best s``, the mean time until the end of the best validation epoch; ``select
s``, the time spent choosing a baseline's settings on validation.

Below the table, each neural model is compared with the strongest baseline on
the test split (the most demanding comparison), user by user: the ratio of
mean NDCG@10, and the paired bootstrap interval and Wilcoxon p-value of the
per-user difference, with the model's per-user NDCG@10 averaged over seeds.

A seed makes a run repeatable on one machine, not across machines: the JSON
records the machine, and every run's own figures.

The neural models are trained afresh, so that the times are measured; with
``--cached`` the course's cached models are used where they exist (the times
shown are then those recorded when they were trained). The benchmark prints
figures; the test suite asserts none of its timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lstmrec import baselines, data, evaluation, models, sequences, ties
from lstmrec.data import atomic_write

NEURAL = ("GRU", "LSTM")

DATASETS = {
    "ml-100k": ("MovieLens-100K", data.load_movielens_100k, 5),
    "ml-1m": ("MovieLens-1M", data.load_movielens_1m, 3),
    "instacart": ("Instacart sample (next basket)", None, 3),
    "collegemsg": ("CollegeMsg (next recipient)", None, 3),
}
"""``--dataset`` -> (name, loader, default number of seeds); the case studies of chapter 10
(loader ``None``) run through ``lstmrec.cases``, with their own split and candidate rule."""


def results_dir() -> Path:
    """``results/`` in the repository: the committed artefacts the chapters load."""
    return Path(__file__).resolve().parent.parent / "results"


def run_baselines(split: sequences.LeaveOneOutSplit, k: int = 10) -> tuple[list[dict], dict[str, np.ndarray]]:
    """One row per baseline: tuned on validation, fitted, scored on test.

    Returns:
        ``(rows, ranks)``: the table rows, and each baseline's (num_users,) test ranks.
    """
    rows, ranks = [], {}
    for name in baselines.BASELINES:
        start = time.perf_counter()
        model, settings, fit_seconds = baselines.fit_best(name, split)
        select_seconds = time.perf_counter() - start - fit_seconds
        result = evaluation.evaluate(model.score, split.histories("test"), split.targets("test"), split.num_items, k=k)
        ranks[name] = result.ranks
        rows.append({"model": name, **result.metrics((k,)), "train s": fit_seconds, "select s": select_seconds,
                     "settings": ", ".join(f"{a}={b}" for a, b in settings.items()) or "-"})
    return rows, ranks


def run_neural(split: sequences.LeaveOneOutSplit, data_checksum: str, seeds=(42, 43, 44), cached: bool = False,
               k: int = 10, log=print, config: models.Config = models.Config(), cells=NEURAL
               ) -> tuple[list[dict], list[dict], dict[str, np.ndarray]]:
    """Each recurrent model of ``config`` (GRU, LSTM), once per seed; one row per model (mean over seeds).

    Returns:
        ``(rows, runs, ranks)``: the table rows, one record per (model, seed),
        and each model's (num_seeds, num_users) test ranks.
    """
    rows, runs, ranks = [], [], {}
    for cell in cells:
        mine_ranks = []
        for seed in seeds:
            cfg = dataclasses.replace(config, cell=cell, seed=seed)
            trained = (models.load_or_train(split, data_checksum, cfg) if cached else models.train(split, cfg))
            result = evaluation.evaluate(trained.recommender.score, split.histories("test"), split.targets("test"),
                                         split.num_items, k=k)
            mine_ranks.append(result.ranks)
            runs.append({"model": cell, "seed": seed, **result.metrics((k,)), "best epoch": trained.best_epoch,
                         f"valid NDCG@{k}": trained.history[f"val_NDCG@{k}"][trained.best_epoch - 1]
                         if trained.history else None,
                         "to best s": trained.seconds_to_best, "train s": trained.seconds,
                         "from cache": trained.from_cache})
            log(f"  {cell} seed {seed}: NDCG@{k} {runs[-1][f'NDCG@{k}']:.4f}, best epoch {trained.best_epoch}, "
                f"{trained.seconds_to_best:.0f} s to best, {trained.seconds:.0f} s in all"
                + (" (cached)" if trained.from_cache else ""))
        ranks[cell] = np.stack(mine_ranks)  # (num_seeds, num_users)
        mine = pd.DataFrame([r for r in runs if r["model"] == cell])
        rows.append({"model": cell, **{m: mine[m].mean() for m in (f"HR@{k}", f"NDCG@{k}", "MRR")},
                     f"NDCG@{k} sd": mine[f"NDCG@{k}"].std(ddof=1) if len(mine) > 1 else 0.0,
                     "train s": mine["train s"].mean(), "to best s": mine["to best s"].mean(),
                     "settings": f"{len(seeds)} seeds; epochs {mine['best epoch'].tolist()}; E={config.embedding_dim}, "
                                 f"H={config.hidden_dim}, max_len={config.max_len}, dropout={config.dropout}, "
                                 f"tied={config.tie_embeddings}, lr={config.lr}, batch={config.batch_size}"})
    return rows, runs, ranks


def compare(model_ranks: np.ndarray, baseline_ranks: np.ndarray, k: int = 10) -> dict[str, float]:
    """A model (over seeds) against a baseline, user by user, on NDCG@k.

    Args:
        model_ranks: (num_seeds, num_users) the model's test ranks, one row per seed.
        baseline_ranks: (num_users,) the baseline's.

    Returns:
        ``evaluation.paired_comparison`` of the per-user NDCG@k (the model's
        averaged over seeds) minus the baseline's, plus ``ratio`` of the means.
    """
    model_ranks = np.atleast_2d(model_ranks)
    a = np.mean([evaluation.per_user(r, "NDCG", k) for r in model_ranks], axis=0)  # (num_users,)
    b = evaluation.per_user(baseline_ranks, "NDCG", k)
    out = evaluation.paired_comparison(a, b)
    return {"ratio": float(a.mean() / b.mean()) if b.mean() > 0 else float("inf"), **out}


def machine() -> dict[str, object]:
    """What the figures were measured on: a seed repeats a run on one machine only."""
    import tensorflow as tf

    return {"machine": platform.machine(), "processor": platform.processor() or None, "cpus": os.cpu_count(),
            "system": platform.platform(), "python": platform.python_version(), "tensorflow": tf.__version__}


def artefact_path(dataset: str, tie_rule: str = "shuffle") -> Path:
    """``results/bench-<dataset>-<ties>.json``: where the committed bench run of that setting lives.

    Written by ``python -m lstmrec.bench --dataset <dataset> --ties <ties> --json <that path>``.
    """
    if dataset == "instacart" and tie_rule == "cart-order":  # baskets are ordered by order and cart: no ties
        return results_dir() / f"bench-{dataset}-{tie_rule}.json"
    if dataset not in DATASETS or tie_rule not in ties.TIE_RULES:
        raise ValueError(f"dataset={dataset!r}, ties={tie_rule!r}: choose from {list(DATASETS)} and {ties.TIE_RULES}")
    return results_dir() / f"bench-{dataset}-{tie_rule}.json"


def load_artefact(path: Path | str) -> dict:
    """Read a JSON written by ``python -m lstmrec.bench --json``, checking it is one.

    Raises:
        ValueError: the file is not a bench artefact (a key is missing).
    """
    record = json.loads(Path(path).read_text())
    missing = {"command", "date", "dataset", "ties", "machine", "table", "runs"} - set(record)
    if missing:
        raise ValueError(f"{path} is not a bench artefact: it lacks {sorted(missing)}")
    return record


def _command(argv) -> str:
    """The command line that produced a run, without ``--json`` (the figures do not depend on where they go)."""
    given = list(argv if argv is not None else sys.argv[1:])
    for i, a in reversed(list(enumerate(given))):
        if a == "--json":
            del given[i:i + 2]
        elif a.startswith("--json="):
            del given[i]
    return ("python -m lstmrec.bench " + " ".join(given)).strip()


SUITES = ("privacy", "compute")
"""``--suite`` -> chapter 11's measurements (``bench_privacy``, ``bench_compute``)."""


def suite_path(suite: str) -> Path:
    """``results/suite-<suite>.json``: the committed run of ``python -m lstmrec.bench --suite <suite>``."""
    if suite not in SUITES:
        raise ValueError(f"suite={suite!r}: choose from {SUITES}")
    return results_dir() / f"suite-{suite}.json"


def load_suite(path: Path | str) -> dict:
    """Read a JSON written by ``python -m lstmrec.bench --suite ... --json``, checking it is one.

    Raises:
        ValueError: the file is not a suite artefact (a key is missing).
    """
    record = json.loads(Path(path).read_text())
    missing = {"command", "date", "suite", "machine", "seconds"} - set(record)
    if missing:
        raise ValueError(f"{path} is not a suite artefact: it lacks {sorted(missing)}")
    return record


def run_suite(args, start: float, argv) -> int:
    """``--suite privacy|compute``: chapter 11's measurements, printed and (``--json``) saved."""
    if args.dataset != "ml-100k" or args.ties != "shuffle" or args.cached or args.baselines_only or \
            args.seeds is not None or args.max_epochs is not None or args.models != ",".join(NEURAL):
        print(f"--suite {args.suite} fixes its own data and settings: give it only --json", file=sys.stderr)
        return 2
    if args.suite == "privacy":
        from lstmrec import bench_privacy as suite
    else:
        from lstmrec import bench_compute as suite
    print(f"suite {args.suite}: {suite.__doc__.splitlines()[0]}", flush=True)
    result = suite.run(log=print)
    total = time.perf_counter() - start
    print(f"whole suite: {total:.1f} s on {platform.machine()} with {os.cpu_count()} CPUs "
          f"(Python {platform.python_version()})")
    if args.json:
        record = {"command": _command(argv), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                      timespec="seconds"), "suite": args.suite, "machine": machine(), "seconds": total, **result}
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(record, indent=1))
    return 0


def run_case(args, seeds: int, start: float, argv) -> int:
    """``--dataset instacart|collegemsg``: a chapter-10 case (``lstmrec.cases.run``) with ``seeds`` LSTM seeds."""
    from lstmrec import cases

    case = cases.CASES[args.dataset]
    if args.ties != "shuffle" or args.baselines_only or args.models != ",".join(NEURAL):
        print(f"--dataset {args.dataset} runs the case study as chapter 10 does: --ties, --models and "
              "--baselines-only apply to MovieLens only", file=sys.stderr)
        return 2
    print(f"{DATASETS[args.dataset][0]}: {case.question} Seen items: "
          f"{'excluded' if case.exclude_seen else 'candidates'} ({case.why}); test split", flush=True)
    if args.max_epochs is not None:
        if args.max_epochs < 1:
            print(f"--max-epochs must be at least 1, got {args.max_epochs}", file=sys.stderr)
            return 2
        case = dataclasses.replace(case, config=dataclasses.replace(case.config, max_epochs=args.max_epochs))
    result = cases.run(case, seeds=tuple(42 + i for i in range(seeds)), cached=args.cached)
    total = time.perf_counter() - start
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        print(result.table.round(4).to_string(na_rep=""))
    comparisons = {}
    for model in ("LSTM", "LSTM + copy"):
        if model in result.table.index:
            c = comparisons[model] = result.compare(model)
            print(f"{model} ({seeds} seeds) vs {c['baseline']}: per-user NDCG@10 difference "
                  f"{c['mean difference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}] (paired bootstrap 95%), "
                  f"Wilcoxon p = {c['p-value']:.3g}")
    print(f"repeat share of the test targets: {cases.repeat_share(result.split):.3f}")
    print(f"whole bench: {total:.1f} s on {platform.machine()} with {os.cpu_count()} CPUs "
          f"(Python {platform.python_version()})")
    if args.json:
        record = {"command": _command(argv), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                      timespec="seconds"), "dataset": args.dataset, "ties": result.split.ties,
                  "tie_seed": ties.TIE_SEED, "exclude_seen": case.exclude_seen,
                  "repeat_share": cases.repeat_share(result.split), "machine": machine(), "seconds": total,
                  "config": dataclasses.asdict(case.config), "runs": result.runs,
                  "table": result.table.reset_index().replace({np.nan: None}).to_dict(orient="records"),
                  "comparisons": comparisons}
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(record, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmrec.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(DATASETS), default="ml-100k", help="the data set (default ml-100k)")
    parser.add_argument("--ties", choices=ties.TIE_RULES, default="shuffle",
                        help="order of equal timestamps (default: the course's seeded shuffle)")
    parser.add_argument("--json", metavar="FILE", help="also write the table and every run as JSON")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per neural model (default 5 on ml-100k, 3 on ml-1m)")
    parser.add_argument("--models", default=",".join(NEURAL), help="neural models to run, comma-separated (default GRU,LSTM)")
    parser.add_argument("--cached", action="store_true", help="reuse cached neural models where they exist")
    parser.add_argument("--baselines-only", action="store_true", help="skip the neural models")
    parser.add_argument("--suite", choices=SUITES, default=None,
                        help="chapter 11's measurements instead of the model table: privacy or compute")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="instacart/collegemsg: train the LSTM up to this many epochs instead of the case's cap")
    args = parser.parse_args(argv)
    name, load, default_seeds = DATASETS[args.dataset]
    seeds = default_seeds if args.seeds is None else args.seeds
    if seeds < 1:
        parser.error(f"--seeds must be at least 1, got {seeds}")
    cells = [c.strip() for c in args.models.split(",") if c.strip()]
    if not cells or any(c not in NEURAL for c in cells):
        parser.error(f"--models must name some of {list(NEURAL)}, got {args.models!r}")

    start = time.perf_counter()
    if args.suite:
        return run_suite(args, start, argv)
    if load is None:
        return run_case(args, seeds, start, argv)
    if args.max_epochs is not None:
        parser.error("--max-epochs applies to --dataset instacart and collegemsg; MovieLens uses the course's configs")
    ml = load(ties=args.ties)
    split = sequences.leave_one_out(ml.interactions, ties=args.ties)
    checksum = data.checksum(ml)
    config = models.COURSE_CONFIGS[args.dataset]
    print(f"{name} ({split.num_users} users, {split.num_items - 1} items; data {checksum}), equal timestamps: "
          f"{args.ties}; leave-one-out, full ranking, seen items excluded; test split", flush=True)
    rows, ranks = run_baselines(split)
    runs, comparisons = [], {}
    if not args.baselines_only:
        neural_rows, runs, neural_ranks = run_neural(split, checksum, tuple(42 + i for i in range(seeds)),
                                                     cached=args.cached, config=config, cells=cells)
        rows += neural_rows
    table = pd.DataFrame(rows).set_index("model")
    total = time.perf_counter() - start
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        print(table.round(4).to_string(na_rep=""))
    best_baseline = table.loc[list(baselines.BASELINES), "NDCG@10"].idxmax()
    if not args.baselines_only:
        for cell in cells:
            c = compare(neural_ranks[cell], ranks[best_baseline])
            comparisons[cell] = {"baseline": best_baseline, **c}
            print(f"{cell} ({seeds} seeds) vs {best_baseline}: NDCG@10 ratio {c['ratio']:.3f}; per-user difference "
                  f"{c['mean difference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}] (paired bootstrap 95%), "
                  f"Wilcoxon p = {c['p-value']:.3g}; time to best epoch {table.loc[cell, 'to best s']:.1f} s (mean)")
    print(f"whole bench: {total:.1f} s on {platform.machine()} with {os.cpu_count()} CPUs "
          f"(Python {platform.python_version()})")
    if args.json:
        record = {"command": _command(argv), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                      timespec="seconds"), "dataset": args.dataset, "ties": args.ties, "tie_seed": ties.TIE_SEED,
                  "data_checksum": checksum, "machine": machine(), "seconds": total,
                  "config": dataclasses.asdict(config),
                  "table": table.reset_index().replace({np.nan: None}).to_dict(orient="records"),
                  "runs": runs, "comparisons": comparisons}
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
