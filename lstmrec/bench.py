"""``python -m lstmrec.bench``: every model, one table.

Options: ``--dataset ml-100k|ml-1m|instacart|collegemsg``, ``--ties RULE``,
``--seeds N``, ``--json FILE`` and more (``--help``).

Protocol (the course's, chapter 07): temporal leave-one-out, every item of the
catalogue ranked, the user's history excluded, ties counted against the
model, equal timestamps in the course's seeded order (``lstmrec.ties``;
``--ties item_id`` reproduces the mistake chapter 05 measures). Every model's
settings, and the neural models' epochs, are chosen on the validation split;
the table reports the test split.

``--suite privacy`` and ``--suite compute`` run chapter 11's measurements
instead (``bench_privacy``, ``bench_compute``): the DP-SGD sweep and the
membership attack; the cost curves, sampled softmax and bfloat16.
``--suite beyond`` runs chapter 12's (``bench_beyond``): the validation
searches of SASRec and the SimpleRNN, the LSTM's hidden-size sweep and the
learning curve over the share of MovieLens-1M's users.

``--dataset instacart`` and ``--dataset collegemsg`` run chapter 10's case
studies (``lstmrec.cases``): past items are candidates there, the repeat
heuristics join the baselines, and the LSTM gets its copy mixture.

The neural models are the GRU, the LSTM, the SimpleRNN and SASRec
(``NEURAL``; ``--models`` picks some), each with its settings chosen on
validation (``models.CELL_SETTINGS``).

Columns: HR@10, NDCG@10, MRR (for the neural models, the mean over seeds,
and ``NDCG@10 sd`` their standard deviation over seeds); ``train s``, the
wall time of the final fit (for the neural models, the mean over seeds of the
whole training, including the epochs of patience after the best one); ``to
best s``, the mean time until the end of the best validation epoch; ``<metric>
low`` and ``<metric> high``, 95% bootstrap intervals over users (a neural
model's per-user values averaged over seeds first); ``select
s``, the time spent choosing a baseline's settings on validation; ``score
ms``, the median time to rank the catalogue for one user from their whole
(longest) history, the per-event cost when no state is kept, through
``score`` as the evaluator calls it (eager Keras for the neural models, which
costs a recurrent layer one round of dispatches per time step; chapter 12
also times compiled graphs and the LSTM's streaming step); ``params``, a
neural model's trained weights.

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
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from lstmrec import baselines, data, evaluation, models, sequences, tflog, ties
from lstmrec.data import atomic_write

NEURAL = ("GRU", "LSTM", "SimpleRNN", "SASRec")
"""The neural models of the table (``models.CELLS``), each with ``models.course_config``'s settings."""

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


def score_ms(score_fn, history) -> float:
    """The median milliseconds of ``score_fn([history])``: ranking the catalogue for one user after a new event.

    The history is read whole every time (no state kept between calls), as ``evaluation.evaluate`` does;
    chapter 09 keeps the LSTM's state instead (``streaming``), chapter 12 compares the two.
    """
    from lstmrec import latency

    return latency.percentiles(latency.time_calls(lambda: score_fn([history]), repeats=30, warmup=3), (50,))["p50"]


def intervals(ranks, k: int = 10) -> dict[str, float]:
    """95% bootstrap intervals over users of HR@k, NDCG@k and MRR, each user's value averaged over seeds first.

    Args:
        ranks: (num_users,) or (num_seeds, num_users) test ranks.

    Returns:
        ``{"HR@10 low": .., "HR@10 high": .., "NDCG@10 low": .., ..., "MRR high": ..}``.
    """
    ranks = np.atleast_2d(ranks)
    out = {}
    for metric, name in (("HR", f"HR@{k}"), ("NDCG", f"NDCG@{k}"), ("MRR", "MRR")):
        per_user = np.mean([evaluation.per_user(r, metric, k) for r in ranks], axis=0)  # (num_users,)
        _, out[f"{name} low"], out[f"{name} high"] = evaluation.bootstrap_ci(per_user)
    return out


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
        rows.append({"model": name, **result.metrics((k,)), **intervals(result.ranks, k),
                     "train s": fit_seconds, "select s": select_seconds,
                     "score ms": score_ms(model.score, _longest(split)),
                     "settings": ", ".join(f"{a}={b}" for a, b in settings.items()) or "-"})
    return rows, ranks


def _longest(split: sequences.LeaveOneOutSplit) -> np.ndarray:
    """The longest test history: the input of ``score_ms`` (a full window for every sequence model)."""
    return max(split.histories("test"), key=len)


def run_neural(split: sequences.LeaveOneOutSplit, data_checksum: str, seeds=(42, 43, 44), cached: bool = False,
               k: int = 10, log=print, dataset: str = "ml-100k", cells=NEURAL,
               learners: dict[str, Callable] | None = None) -> tuple[list[dict], list[dict], dict[str, np.ndarray]]:
    """Each neural model on ``dataset``'s course configuration (``models.course_config``), once per seed;
    one row per model (mean over seeds).

    Args:
        cells: the course's models to run (``NEURAL``).
        learners: more models, name -> ``build_fn`` (``lstmrec.leaderboard``): each is checked, then trained
            with the data set's course configuration (as the LSTM is) and scored by the same code.

    Returns:
        ``(rows, runs, ranks)``: the table rows, one record per (model, seed),
        and each model's (num_seeds, num_users) test ranks.
    """
    from lstmrec import leaderboard

    learners = learners or {}
    rows, runs, ranks = [], [], {}
    for cell in [*cells, *learners]:
        mine_ranks = []
        cell_config = models.course_config(dataset, "LSTM" if cell in learners else cell)
        for seed in seeds:
            cfg = dataclasses.replace(cell_config, seed=seed)
            if cell in learners:
                trained = leaderboard.train(learners[cell], split, cfg, k, verbose=False)
            else:  # the log line below is each run's progress
                trained = (models.load_or_train(split, data_checksum, cfg, verbose=False) if cached
                           else models.train(split, cfg, verbose=False))
            result = evaluation.evaluate(trained.recommender.score, split.histories("test"), split.targets("test"),
                                         split.num_items, k=k)
            mine_ranks.append(result.ranks)
            runs.append({"model": cell, "seed": seed, **result.metrics((k,)), "best epoch": trained.best_epoch,
                         f"valid NDCG@{k}": trained.history[f"val_NDCG@{k}"][trained.best_epoch - 1]
                         if trained.history else None,
                         "to best s": trained.seconds_to_best, "train s": trained.seconds,
                         "from cache": trained.from_cache,
                         "params": int(trained.recommender.model.count_params())
                         if hasattr(trained.recommender, "model") else None,
                         "score ms": score_ms(trained.recommender.score, _longest(split))})
            log(f"  {cell} seed {seed}: NDCG@{k} {runs[-1][f'NDCG@{k}']:.4f}, best epoch {trained.best_epoch}, "
                f"{trained.seconds_to_best:.0f} s to best, {trained.seconds:.0f} s in all"
                + (" (cached)" if trained.from_cache else ""))
        ranks[cell] = np.stack(mine_ranks)  # (num_seeds, num_users)
        mine = pd.DataFrame([r for r in runs if r["model"] == cell])
        described = (f"your model, trained as the LSTM: max_len={cell_config.max_len}, lr={cell_config.lr}, "
                     f"batch={cell_config.batch_size}, patience={cell_config.patience}" if cell in learners
                     else _describe(cell_config))
        rows.append({"model": cell, **{m: mine[m].mean() for m in (f"HR@{k}", f"NDCG@{k}", "MRR")},
                     **intervals(ranks[cell], k),
                     f"NDCG@{k} sd": mine[f"NDCG@{k}"].std(ddof=1) if len(mine) > 1 else 0.0,
                     "train s": mine["train s"].mean(), "to best s": mine["to best s"].mean(),
                     "score ms": mine["score ms"].median(), "params": mine["params"].iloc[0],
                     "settings": f"{len(seeds)} seeds; epochs {mine['best epoch'].tolist()}; " + described})
    return rows, runs, ranks


def _describe(config: models.Config) -> str:
    """The settings column of a neural row."""
    size = (f"E={config.embedding_dim}, FFN={config.hidden_dim}, blocks={config.num_blocks}, heads={config.num_heads}"
            if config.cell == "SASRec" else f"E={config.embedding_dim}, H={config.hidden_dim}")
    return (f"{size}, max_len={config.max_len}, dropout={config.dropout}, tied={config.tie_embeddings}, "
            f"lr={config.lr}, batch={config.batch_size}")


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


def artefact_path(dataset: str, tie_rule: str = "shuffle", variant: str | None = None) -> Path:
    """``results/bench-<dataset>-<ties>[-<variant>].json``: where the committed bench run of that setting lives.

    Written by ``python -m lstmrec.bench --dataset <dataset> --ties <ties> --json <that path>``. A
    ``variant`` names a second run of the same data with other options (its command is inside):
    ``VARIANTS`` lists the committed ones.
    """
    if variant is not None and (dataset, tie_rule, variant) not in VARIANTS:
        raise ValueError(f"variant={variant!r} of {dataset!r}, {tie_rule!r}: the committed variants are {VARIANTS}")
    suffix = f"-{variant}" if variant else ""
    if dataset == "instacart" and tie_rule == "cart-order":  # baskets are ordered by order and cart: no ties
        return results_dir() / f"bench-{dataset}-{tie_rule}{suffix}.json"
    if dataset not in DATASETS or tie_rule not in ties.TIE_RULES:
        raise ValueError(f"dataset={dataset!r}, ties={tie_rule!r}: choose from {list(DATASETS)} and {ties.TIE_RULES}")
    return results_dir() / f"bench-{dataset}-{tie_rule}{suffix}.json"


VARIANTS = (("ml-1m", "shuffle", "all-models"),)
"""Committed runs beside the main one: MovieLens-1M with every model of chapter 12 at one seed each
(``--models GRU,LSTM,SASRec --seeds 1``), while ``bench-ml-1m-shuffle.json`` keeps chapter 08's three LSTM seeds."""


REQUIRED = {"table": {"command", "date", "dataset", "ties", "machine", "table", "runs"},
            "suite": {"command", "date", "suite", "machine", "seconds"}}
"""The keys every artefact of each kind holds: a model table (``--dataset``) or a suite (``--suite``)."""


def load_artefact(path: Path | str) -> dict:
    """Read a JSON written by ``python -m lstmrec.bench ... --json``, a model table or a suite, checking it is one.

    A record with a ``suite`` key is a suite run and must hold ``REQUIRED["suite"]``;
    any other must hold ``REQUIRED["table"]``.

    Raises:
        ValueError: the file is not a bench artefact (not JSON, or a key is missing).
    """
    try:
        record = json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a bench artefact: not JSON ({error})") from None
    kind = "suite" if isinstance(record, dict) and "suite" in record else "table"
    missing = REQUIRED[kind] - set(record if isinstance(record, dict) else ())
    if missing:
        raise ValueError(f"{path} is not a bench {'suite ' if kind == 'suite' else ''}artefact: "
                         f"it lacks {sorted(missing)}")
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


SUITES = ("privacy", "compute", "beyond")
"""``--suite`` -> chapter 11's measurements (``bench_privacy``, ``bench_compute``) and chapter 12's
validation searches and levers (``bench_beyond``)."""


def suite_path(suite: str) -> Path:
    """``results/suite-<suite>.json``: the committed run of ``python -m lstmrec.bench --suite <suite>``."""
    if suite not in SUITES:
        raise ValueError(f"suite={suite!r}: choose from {SUITES}")
    return results_dir() / f"suite-{suite}.json"


def run_suite(args, start: float, argv) -> int:
    """``--suite privacy|compute``: chapter 11's measurements, printed and (``--json``) saved."""
    if args.dataset != "ml-100k" or args.ties != "shuffle" or args.cached or args.baselines_only or \
            args.seeds is not None or args.max_epochs is not None or args.models is not None:
        print(f"--suite {args.suite} fixes its own data and settings: give it only --json", file=sys.stderr)
        return 2
    if args.suite == "privacy":
        from lstmrec import bench_privacy as suite
    elif args.suite == "compute":
        from lstmrec import bench_compute as suite
    else:
        from lstmrec import bench_beyond as suite
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
    if args.ties != "shuffle" or args.baselines_only or args.models is not None:
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


def run_learner(args, seeds: int, start: float, k: int = 10) -> int:
    """``--model``: the learner's model beside the course's, in the bench's table (``lstmrec.leaderboard``).

    The baselines are tuned and scored again here (seconds); the course's neural
    rows come from the committed bench run of the same data set, named in the output.
    """
    from lstmrec import leaderboard

    try:
        build_fn = leaderboard.load_build_fn(args.model)
    except leaderboard.ModelRejected as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 2
    name, load, _ = DATASETS[args.dataset]
    ml = load(ties=args.ties)
    split = sequences.leave_one_out(ml.interactions, ties=args.ties)
    print(f"{name}: your model {args.model} against the course's, same split, training and evaluator "
          f"(test split, full ranking, seen items excluded)", flush=True)
    try:  # before anything is trained: a model that cannot be scored fairly is rejected at once
        leaderboard.build_checked(build_fn, split.num_items, models.course_config(args.dataset))
    except leaderboard.ModelRejected as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 2
    rows, ranks = run_baselines(split, k)
    try:
        mine, _, mine_ranks = run_neural(split, data.checksum(ml), tuple(42 + i for i in range(seeds)), k=k,
                                         dataset=args.dataset, cells=(), learners={args.model: build_fn})
    except leaderboard.ModelRejected as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 2
    variant = "all-models" if (args.dataset, args.ties, "all-models") in VARIANTS else None
    source = artefact_path(args.dataset, args.ties, variant)
    course = ([r for r in load_artefact(source)["table"] if r["model"] in NEURAL]
              if source.exists() else [])
    table = pd.DataFrame(rows + course + mine).set_index("model")
    table["seeds"] = pd.array([int(s.split()[0]) if isinstance(s, str) and s[:1].isdigit() else None
                               for s in table["settings"]], dtype="Int64")
    table["params"] = table["params"].astype("Float64").round().astype("Int64")
    table = table.sort_values(f"NDCG@{k}", ascending=False)
    columns = [f"NDCG@{k}", f"NDCG@{k} low", f"NDCG@{k} high", f"HR@{k}", "MRR", "seeds", "params", "to best s"]
    with pd.option_context("display.width", 250):
        formats = {"seeds": "{:.0f}", "params": "{:,.0f}", "to best s": "{:.0f}"}
        shown = pd.DataFrame({c: [("" if pd.isna(v) else formats.get(c, "{:.4f}").format(v)) for v in table[c]]
                              for c in columns}, index=table.index)  # blank where a baseline has no seeds
        print(shown.to_string())
    best_baseline = max(baselines.BASELINES, key=lambda b: table.loc[b, f"NDCG@{k}"])
    c = compare(mine_ranks[args.model], ranks[best_baseline], k)
    print(f"your model ({seeds} seed{'s' * (seeds > 1)}) vs {best_baseline}: per-user NDCG@{k} difference "
          f"{c['mean difference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}] (paired bootstrap 95%), "
          f"Wilcoxon p = {c['p-value']:.3g}")
    print("the course's neural rows: " + (f"{source.relative_to(results_dir().parent)} "
                                           f"({load_artefact(source)['command']})" if course else "none on record")
          + f"; the baselines and your model: now, in {time.perf_counter() - start:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmrec.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(DATASETS), default="ml-100k", help="the data set (default ml-100k)")
    parser.add_argument("--ties", choices=ties.TIE_RULES, default="shuffle",
                        help="order of equal timestamps (default: the course's seeded shuffle)")
    parser.add_argument("--json", metavar="FILE", help="also write the table and every run as JSON")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per neural model (default 5 on ml-100k, 3 on ml-1m)")
    parser.add_argument("--models", default=None,
                        help=f"neural models to run, comma-separated (default all: {','.join(NEURAL)})")
    parser.add_argument("--cached", action="store_true", help="reuse cached neural models where they exist")
    parser.add_argument("--baselines-only", action="store_true", help="skip the neural models")
    parser.add_argument("--suite", choices=SUITES, default=None,
                        help="chapter 11's or 12's measurements instead of the model table: privacy, compute or beyond")
    parser.add_argument("--model", metavar="MODULE:FUNCTION", default=None,
                        help="also train and score your own Keras model, build_fn(num_items, config), with the "
                             "course's split, training and evaluator (lstmrec.leaderboard; default 1 seed)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="instacart/collegemsg: train the LSTM up to this many epochs instead of the case's cap")
    args = parser.parse_args(argv)
    tflog.import_tensorflow()  # before anything imports it: no start-up log lines in the terminal
    name, load, default_seeds = DATASETS[args.dataset]
    seeds = (1 if args.model else default_seeds) if args.seeds is None else args.seeds
    if seeds < 1:
        parser.error(f"--seeds must be at least 1, got {seeds}")
    cells = [c.strip() for c in (args.models if args.models is not None else ",".join(NEURAL)).split(",") if c.strip()]
    if not cells or any(c not in NEURAL for c in cells):
        parser.error(f"--models must name some of {list(NEURAL)}, got {args.models!r}")

    start = time.perf_counter()
    if args.model:
        if args.suite or load is None or args.max_epochs is not None or args.models is not None:
            parser.error("--model scores your model on --dataset ml-100k or ml-1m, beside the course's models")
        return run_learner(args, seeds, start)
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
                                                     cached=args.cached, dataset=args.dataset, cells=cells)
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
