"""``python -m lstmrec.bench``: every model, one table (or, with ``--suite``, the measurements of chapters 11-14).

Options: ``--dataset ml-100k|ml-1m|instacart|collegemsg``, ``--ties RULE``,
``--seeds N``, ``--json FILE`` and more (``--help``).

Protocol (the course's, chapter 07): temporal leave-one-out, every item of the
catalogue ranked, the user's history excluded, ties counted against the
model, equal timestamps in the course's seeded order (``data.ties``;
``--ties item_id`` reproduces the mistake appendix A1 measures). Every model's
settings, and the neural models' epochs, are chosen on the validation split;
the table reports the test split (``bench.table``).

``--suite privacy``, ``--suite compute``, ``--suite speed`` and ``--suite beyond``
run the measurements of ``bench.suites`` instead: the DP-SGD sweep and the
membership attack; the cost curves, sampled softmax and bfloat16; where an
ML-1M training epoch's time goes (``bench.speed``); the validation searches
of SASRec and the SimpleRNN, the LSTM's hidden-size sweep and the learning
curve over the share of MovieLens-1M's users.

``--dataset ml-1m --search`` chooses each neural model's settings on
MovieLens-1M's own validation split (``bench.search``; one seed per setting,
each recorded in ``results/runs/``, so a search cut short resumes).

``--dataset instacart`` and ``--dataset collegemsg`` run chapter 10's case
studies (``bench.domains``): past items are candidates there, the repeat
heuristics join the baselines, and the LSTM gets its copy mixture.

``--model package.module:build_fn`` trains and scores a learner's own Keras
model beside the course's (``bench.leaderboard``).

The neural models are those of ``models.registry.MODELS`` (``--models`` picks
some), each with its settings chosen on validation.

Columns: HR@10, NDCG@10, MRR (for the neural models, the mean over seeds,
and ``NDCG@10 sd`` their standard deviation over seeds); ``train s``, the
wall time of the final fit (for the neural models, the mean over seeds of the
whole training, including the epochs of patience after the best one); ``to
best s``, the mean time until the end of the best validation epoch; ``<metric>
low`` and ``<metric> high``, 95% bootstrap intervals over users (a neural
model's per-user values averaged over seeds first); ``select s``, the time
spent choosing a baseline's settings on validation; ``score ms``, the median
time to rank the catalogue for one user from their whole (longest) history,
the per-event cost when no state is kept, through ``score`` as the evaluator
calls it (eager Keras for the neural models, which costs a recurrent layer one
round of dispatches per time step; appendix A5 also times compiled graphs and
the LSTM's streaming step); ``params``, a neural model's trained weights.

Below the table, each neural model is compared with the strongest baseline on
the test split (the most demanding comparison), user by user: the ratio of
mean NDCG@10, and the paired bootstrap interval and Wilcoxon p-value of the
per-user difference, with the model's per-user NDCG@10 averaged over seeds.

A seed makes a run repeatable on one machine, not across machines: the JSON
records the machine, and every run's own figures (``bench.results``).

The neural models are trained afresh, so that the times are measured; with
``--cached`` a run already recorded in ``results/runs/`` (``bench.runs``), or a
model in the course's cache, is used instead (the times shown are then those
recorded when it was trained), so a table longer than a session resumes where
it stopped. ``--search`` always resumes so. The benchmark prints
figures; the test suite asserts none of its timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import numpy as np
import pandas as pd

from lstmrec import baselines, data, models, util
from lstmrec.bench import domains, leaderboard, results, search, suites, table


def run_search(args, cells: list[str], start: float, argv: list[str]) -> int:
    """``--search``: each of ``cells``' settings chosen on ``--dataset``'s validation split (``bench.search``)."""
    if args.dataset not in search.GRIDS or args.ties != "shuffle" or args.baselines_only or args.seeds is not None \
            or args.max_epochs is not None:
        print(f"--search runs bench.search's grids ({', '.join(search.GRIDS)}) under the course's ties, one seed each: "
              "give it only --dataset, --models, --cached and --json", file=sys.stderr)
        return 2
    missing = [cell for cell in cells if cell not in search.GRIDS[args.dataset]]
    if missing:
        print(f"--search has no grid for {missing} on {args.dataset}", file=sys.stderr)
        return 2
    spec = data.registry.get(args.dataset)
    loaded = spec.load()
    split = spec.split(loaded)
    print(f"{spec.title}: settings chosen on the validation split, seed {search.SEED} (test kept for the record)",
          flush=True)
    rows = search.search(split, loaded.checksum(), args.dataset, cells, log=lambda line: print(line, flush=True))
    winners = search.chosen(rows)
    for cell, settings in winners.items():
        print(f"chosen for {cell}: {settings or 'the course settings'}")
    total = time.perf_counter() - start
    print(results.footer(total, "whole search"))
    if args.json:
        results.save(args.json, argv, machine=util.machine.describe(), seconds=total, data_checksum=loaded.checksum(),
                     **search.describe(args.dataset), rows=rows, chosen=winners)
    return 0


def run_suite(args, start: float, argv: list[str]) -> int:
    """``--suite NAME``: one of ``bench.suites.SUITES``, printed and (``--json``) saved."""
    if args.dataset != "ml-100k" or args.ties != "shuffle" or args.cached or args.baselines_only or \
            args.seeds is not None or args.max_epochs is not None or args.models is not None:
        print(f"--suite {args.suite} fixes its own data and settings: give it only --json", file=sys.stderr)
        return 2
    suite = suites.SUITES[args.suite]
    print(f"suite {args.suite}: {suite.__doc__.splitlines()[0]}", flush=True)
    result = suite.run(log=print)
    total = time.perf_counter() - start
    print(results.footer(total, "whole suite"))
    if args.json:
        results.save(args.json, argv, suite=args.suite, machine=util.machine.describe(), seconds=total, **result)
    return 0


def run_case(args, seeds: int, start: float, argv: list[str]) -> int:
    """``--dataset instacart|collegemsg``: a chapter-10 case (``bench.domains.run``) with ``seeds`` LSTM seeds."""
    case = domains.CASES[args.dataset]
    if args.ties != "shuffle" or args.baselines_only or args.models is not None:
        print(f"--dataset {args.dataset} runs the case study as chapter 10 does: --ties, --models and "
              "--baselines-only apply to MovieLens only", file=sys.stderr)
        return 2
    print(f"{data.registry.get(args.dataset).title}: {case.question} Seen items: "
          f"{'excluded' if case.exclude_seen else 'candidates'} ({case.why}); test split", flush=True)
    if args.max_epochs is not None:
        if args.max_epochs < 1:
            print(f"--max-epochs must be at least 1, got {args.max_epochs}", file=sys.stderr)
            return 2
        case = dataclasses.replace(case, config=dataclasses.replace(case.config, max_epochs=args.max_epochs))
    result = domains.run(case, seeds=tuple(42 + i for i in range(seeds)), cached=args.cached)
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
    print(f"repeat share of the test targets: {domains.repeat_share(result.split):.3f}")
    print(results.footer(total))
    if args.json:
        results.save(args.json, argv, dataset=args.dataset, ties=result.split.ties, tie_seed=data.ties.TIE_SEED,
                     exclude_seen=case.exclude_seen, repeat_share=domains.repeat_share(result.split),
                     machine=util.machine.describe(), seconds=total, config=dataclasses.asdict(case.config),
                     runs=result.runs,
                     table=result.table.reset_index().replace({np.nan: None}).to_dict(orient="records"),
                     comparisons=comparisons)
    return 0


def run_learner(args, seeds: int, start: float, k: int = 10) -> int:
    """``--model``: the learner's model beside the course's, in the bench's table (``bench.leaderboard``).

    The baselines are tuned and scored again here (seconds); the course's neural
    rows come from the committed bench run of the same data set, named in the output.
    """
    try:
        build_fn = leaderboard.load_build_fn(args.model)
    except leaderboard.ModelRejected as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 2
    ds = data.registry.get(args.dataset)
    ml = ds.load(ties=args.ties)
    split = ds.split(ml, ties=args.ties)
    print(f"{ds.title}: your model {args.model} against the course's, same split, training and evaluator "
          f"(test split, full ranking, seen items excluded)", flush=True)
    try:  # before anything is trained: a model that cannot be scored fairly is rejected at once
        leaderboard.build_checked(build_fn, split.num_items, models.registry.course_config(args.dataset))
    except leaderboard.ModelRejected as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 2
    rows, ranks = table.run_baselines(split, k)
    try:
        mine, _, mine_ranks = table.run_neural(split, ml.checksum(), tuple(42 + i for i in range(seeds)), k=k,
                                               dataset=args.dataset, cells=(), learners={args.model: build_fn})
    except leaderboard.ModelRejected as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 2
    variant = "all-models" if (args.dataset, args.ties, "all-models") in results.VARIANTS else None
    source = results.artefact_path(args.dataset, args.ties, variant)
    course = ([r for r in results.load_artefact(source)["table"] if r["model"] in table.neural()]
              if source.exists() else [])
    shown = pd.DataFrame(rows + course + mine).set_index("model")
    shown["seeds"] = pd.array([int(s.split()[0]) if isinstance(s, str) and s[:1].isdigit() else None
                               for s in shown["settings"]], dtype="Int64")
    shown["params"] = shown["params"].astype("Float64").round().astype("Int64")
    shown = shown.sort_values(f"NDCG@{k}", ascending=False)
    columns = [f"NDCG@{k}", f"NDCG@{k} low", f"NDCG@{k} high", f"HR@{k}", "MRR", "seeds", "params", "to best s"]
    with pd.option_context("display.width", 250):
        formats = {"seeds": "{:.0f}", "params": "{:,.0f}", "to best s": "{:.0f}"}
        printed = pd.DataFrame({c: [("" if pd.isna(v) else formats.get(c, "{:.4f}").format(v)) for v in shown[c]]
                                for c in columns}, index=shown.index)  # blank where a baseline has no seeds
        print(printed.to_string())
    best_baseline = max(baselines.registry.BASELINES, key=lambda b: shown.loc[b, f"NDCG@{k}"])
    c = table.compare(mine_ranks[args.model], ranks[best_baseline], k)
    print(f"your model ({seeds} seed{'s' * (seeds > 1)}) vs {best_baseline}: per-user NDCG@{k} difference "
          f"{c['mean difference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}] (paired bootstrap 95%), "
          f"Wilcoxon p = {c['p-value']:.3g}")
    print("the course's neural rows: " + (f"{source.relative_to(util.paths.repo_root())} "
                                          f"({results.load_artefact(source)['command']})" if course
                                          else "none on record")
          + f"; the baselines and your model: now, in {time.perf_counter() - start:.0f} s")
    return 0


def run_table(args, seeds: int, cells: list[str], start: float, argv: list[str]) -> int:
    """``--dataset ml-100k|ml-1m``: the baselines and the neural models on MovieLens, one table."""
    ds = data.registry.get(args.dataset)
    ml = ds.load(ties=args.ties)
    split = ds.split(ml, ties=args.ties)
    checksum = ml.checksum()
    print(f"{ds.title} ({split.num_users} users, {split.num_items - 1} items; data {checksum}), equal timestamps: "
          f"{args.ties}; leave-one-out, full ranking, seen items excluded; test split", flush=True)
    rows, ranks = table.run_baselines(split)
    runs, comparisons = [], {}
    if not args.baselines_only:
        neural_rows, runs, neural_ranks = table.run_neural(split, checksum, tuple(42 + i for i in range(seeds)),
                                                           cached=args.cached, dataset=args.dataset, cells=cells)
        rows += neural_rows
    shown = pd.DataFrame(rows).set_index("model")
    total = time.perf_counter() - start
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        print(shown.round(4).to_string(na_rep=""))
    best_baseline = shown.loc[list(baselines.registry.BASELINES), "NDCG@10"].idxmax()
    if not args.baselines_only:
        for cell in cells:
            c = table.compare(neural_ranks[cell], ranks[best_baseline])
            comparisons[cell] = {"baseline": best_baseline, **c}
            print(f"{cell} ({seeds} seeds) vs {best_baseline}: NDCG@10 ratio {c['ratio']:.3f}; per-user difference "
                  f"{c['mean difference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}] (paired bootstrap 95%), "
                  f"Wilcoxon p = {c['p-value']:.3g}; time to best epoch {shown.loc[cell, 'to best s']:.1f} s (mean)")
    print(results.footer(total))
    if args.json:
        results.save(args.json, argv, dataset=args.dataset, ties=args.ties, tie_seed=data.ties.TIE_SEED,
                     data_checksum=checksum, machine=util.machine.describe(), seconds=total,
                     config=dataclasses.asdict(models.registry.course_config(args.dataset)),
                     table=shown.reset_index().replace({np.nan: None}).to_dict(orient="records"),
                     runs=runs, comparisons=comparisons)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line's options; every ``command`` recorded in ``results/`` parses with it (a test checks)."""
    neural = table.neural()
    parser = argparse.ArgumentParser(prog="python -m lstmrec.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(data.registry.DATASETS), default="ml-100k",
                        help="the data set (default ml-100k)")
    parser.add_argument("--ties", choices=data.ties.TIE_RULES, default="shuffle",
                        help="order of equal timestamps (default: the course's seeded shuffle)")
    parser.add_argument("--json", metavar="FILE", help="also write the table and every run as JSON")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per neural model (default 5 on ml-100k, 3 on ml-1m)")
    parser.add_argument("--models", default=None,
                        help=f"neural models to run, comma-separated (default all: {','.join(neural)})")
    parser.add_argument("--cached", action="store_true",
                        help="reuse the runs recorded in results/runs/ and the cached models where they exist")
    parser.add_argument("--baselines-only", action="store_true", help="skip the neural models")
    parser.add_argument("--suite", choices=list(suites.SUITES), default=None,
                        help="measurements instead of the model table (bench.suites): privacy (chapter 11), "
                             "compute (chapter 12), speed (appendix A4), beyond (chapters 13-14)")
    parser.add_argument("--search", action="store_true",
                        help="choose each --models' settings on --dataset's validation split "
                             "(bench.search: ml-100k, ml-1m)")
    parser.add_argument("--model", metavar="MODULE:FUNCTION", default=None,
                        help="also train and score your own Keras model, build_fn(num_items, config), with the "
                             "course's split, training and evaluator (bench.leaderboard; default 1 seed)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="instacart/collegemsg: train the LSTM up to this many epochs instead of the case's cap")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    neural = table.neural()
    parser = build_parser()
    args = parser.parse_args(argv)
    util.tflog.import_tensorflow()  # before anything imports it: no start-up log lines in the terminal
    case_study = not data.registry.get(args.dataset).exclude_seen  # seen items are candidates: chapter 10
    seeds = (1 if args.model else data.registry.get(args.dataset).seeds) if args.seeds is None else args.seeds
    if seeds < 1:
        parser.error(f"--seeds must be at least 1, got {seeds}")
    cells = [c.strip() for c in (args.models if args.models is not None else ",".join(neural)).split(",") if c.strip()]
    if not cells or any(c not in neural for c in cells):
        parser.error(f"--models must name some of {list(neural)}, got {args.models!r}")

    start = time.perf_counter()
    if args.search:
        if args.suite or args.model:
            parser.error("--search runs alone: not with --suite or --model")
        grids = search.GRIDS.get(args.dataset, {})
        return run_search(args, cells if args.models is not None else list(grids), start, argv)
    if args.model:
        if args.suite or case_study or args.max_epochs is not None or args.models is not None:
            parser.error("--model scores your model on --dataset ml-100k or ml-1m, beside the course's models")
        return run_learner(args, seeds, start)
    if args.suite:
        return run_suite(args, start, argv)
    if case_study:
        return run_case(args, seeds, start, argv)
    if args.max_epochs is not None:
        parser.error("--max-epochs applies to --dataset instacart and collegemsg; MovieLens uses the course's configs")
    return run_table(args, seeds, cells, start, argv)


if __name__ == "__main__":
    sys.exit(main())
