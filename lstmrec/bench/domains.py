"""One protocol across domains: every baseline, the LSTM and its copy mixture, on a data set's own candidate rule.

Taught in chapter 10 (the case studies: e-commerce, social, content);
``python -m lstmrec.bench --dataset instacart|collegemsg`` runs the same code with
more seeds (``--dataset ml-1m`` runs the content case's model through the
MovieLens bench, ``bench.table``).

A ``Case`` is a data set of ``data.registry`` framed as the business would frame
it: its question and its candidate rule (whether a user's past items may be
recommended again, with the reason), and the LSTM's configuration on it. For
every case ``run`` does the same thing:

1. split temporally (leave-one-out; for baskets, the last order is the test
   and the one before it the validation, ``data.splits``);
2. tune every baseline on validation and score it on test with the case's
   candidate rule (``baselines.tuning.fit_best``); where past items are
   candidates, the repeat heuristics join them;
3. train the LSTM (``models.cache.load_or_train``: epochs chosen on validation,
   cached) and, where past items are candidates, tune its copy mixture on
   validation (``models.mixture``);
4. report every model's test metrics with bootstrap intervals, and keep each
   user's NDCG@10 for paired tests.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Callable

import numpy as np
import pandas as pd

from lstmrec import baselines, data, evaluation, models, util


@dataclasses.dataclass(frozen=True)
class Case:
    """One application, framed as the business would frame it.

    Attributes:
        key: the data set's name in ``data.registry.DATASETS``.
        domain: "E-commerce", "Social" or "Content".
        question: what is predicted.
        exclude_seen: whether a user's past items are left out of the candidates.
        why: the reason for that rule, in one sentence.
        config: the LSTM's settings (``models.registry.course_config``; the epoch is always chosen on this
            case's validation split).
        baselines: the baselines scored (names of ``baselines.registry``).
    """

    key: str
    domain: str
    question: str
    exclude_seen: bool
    why: str
    config: models.config.Config
    baselines: tuple[str, ...]

    @property
    def copies(self) -> bool:
        """Whether the LSTM gets a copy mixture: only where past items are candidates."""
        return not self.exclude_seen


def make_case(key: str) -> Case:
    """The case of data set ``key``: its registry entry, and the LSTM at the data set's chapter budget.

    The content case (ML-1M) trains chapter 08's budget of ``chapter_epochs`` epochs, so that it
    comes from the cache chapter 08 filled; ``python -m lstmrec.bench --dataset ml-1m`` trains the
    same model to convergence, and chapter 10 shows that artefact beside its own figures.
    """
    ds = data.registry.get(key)
    changes = {"max_epochs": ds.chapter_epochs} if ds.chapter_epochs else {}
    repeats = () if ds.exclude_seen else tuple(baselines.registry.REPEAT_BASELINES)  # only where seen items count
    names = tuple(baselines.registry.BASELINES) + repeats
    return Case(key, ds.domain, ds.question, ds.exclude_seen, ds.why, models.registry.course_config(key, **changes),
                names)


CASES: dict[str, Case] = {key: make_case(key) for key in ("instacart", "collegemsg", "ml-1m")}
"""The three cases, in the order the chapter takes them."""


def load(key: str) -> tuple[data.splits.Split, str]:
    """The case's split and the data's checksum (for the model cache).

    Users too short to split (fewer than 3 events, or 3 orders) are left out
    silently here: their number is ``split.dropped_users``, which chapter 10 reports.

    Returns:
        ``(split, checksum)``: a ``BasketSplit`` for Instacart, a ``LeaveOneOutSplit``
        otherwise; the checksum is the data's value (``checksum()``), never a path.
    """
    if key not in CASES:
        raise KeyError(f"unknown case {key!r}; choose from {list(CASES)}")
    ds = data.registry.get(key)
    loaded = ds.load()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(leave_one_out|next_basket_split): .* left out")
        return ds.split(loaded), loaded.checksum()


def repeat_share(split, stage: str = "test") -> float:
    """The share of next items the user had before: of test targets, or of basket items.

    Example:
        For histories ``[1, 2]`` and ``[3]`` with targets ``2`` and ``4``: one of two
        targets was seen, so 0.5.
    """
    histories, targets = evaluation.stage.answer_pairs(split, stage)
    mask = evaluation.ranking.exclusion_mask(histories, split.num_items)  # (pairs, num_items) True where seen
    return float(mask[np.arange(len(targets)), targets].mean())


def _interval(values: np.ndarray, k: int) -> dict[str, float]:
    """The 95% bootstrap interval of per-user NDCG@k values, as table columns."""
    _, low, high = evaluation.stats.bootstrap_ci(values)
    return {f"NDCG@{k} low": low, f"NDCG@{k} high": high}


@dataclasses.dataclass
class CaseResult:
    """Everything a case produced.

    Attributes:
        case: the case.
        split: its split.
        table: one row per model: test metrics (mean over users), the 95% bootstrap
            interval of NDCG@k, the settings chosen on validation, seconds.
        per_user: model -> metric -> (num_users,) test values (the LSTM's averaged over seeds).
        scorers: model -> its ``score`` function (the first seed's, for the neural ones).
        trained: the first seed's ``models.training.TrainedModel``.
        runs: one record per (neural model, seed): its test metrics, best epoch, times, chosen gate.
    """

    case: Case
    split: object
    table: pd.DataFrame
    per_user: dict[str, dict[str, np.ndarray]]
    scorers: dict[str, Callable]
    trained: models.training.TrainedModel
    runs: list = dataclasses.field(default_factory=list)

    def best_baseline(self, metric: str = "NDCG@10") -> str:
        """The baseline with the best test ``metric`` (the most demanding comparison)."""
        names = [n for n in self.table.index if n in self.case.baselines]
        return str(self.table.loc[names, metric].idxmax())

    def compare(self, model: str, baseline: str | None = None, metric: str = "NDCG@10") -> dict[str, float]:
        """``model`` minus ``baseline`` (default: the best), user by user: ``evaluation.stats.paired_comparison``."""
        baseline = baseline or self.best_baseline(metric)
        return {"baseline": baseline, **evaluation.stats.paired_comparison(self.per_user[model][metric],
                                                                           self.per_user[baseline][metric])}


def run(key: str | Case, seeds=(42,), cached: bool = True, log=print, k: int = 10, loaded=None) -> CaseResult:
    """Run one case end to end (module docstring).

    Args:
        key: a key of ``CASES``, or a ``Case`` (e.g. one of them with another ``config``).
        seeds: the LSTM's seeds; its figures are means over them.
        cached: reuse cached models (``models.cache.load_or_train``) and the baselines' cached searches
            (``baselines.tuning.search``); False trains and searches afresh, and times both.
        log: where progress lines go (``None``: nowhere).
        k: the cut-off.
        loaded: ``load(key)``'s result, if the caller has it already.

    Returns:
        A ``CaseResult``.
    """
    case = key if isinstance(key, Case) else CASES.get(key)
    if case is None:
        raise KeyError(f"unknown case {key!r}; choose from {list(CASES)}")
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    log = log or (lambda *a, **kw: None)
    split, checksum = loaded if loaded is not None else load(case.key)
    rows, per_user, scorers = [], {}, {}

    def add(name, score_fn, settings, seconds):
        values = evaluation.stage.per_user(score_fn, split, "test", k, case.exclude_seen)
        per_user[name], scorers[name] = values, score_fn
        rows.append({"model": name, **{m: float(v.mean()) for m, v in values.items()},
                     **_interval(values[f"NDCG@{k}"], k), "settings": settings, "seconds": seconds})

    for name in util.progress.steps(case.baselines, "tuning the baselines"):
        # with cached, the search as recorded when it ran (its time too); without, searched and timed now
        searched = baselines.tuning.search(name, split, exclude_seen=case.exclude_seen, cache=cached)
        model, settings, fit_seconds = baselines.tuning.fit_best(name, split, exclude_seen=case.exclude_seen,
                                                                 cache=cached)
        add(name, model.score, ", ".join(f"{a}={b}" for a, b in settings.items()) or "-",
            searched["seconds"] + fit_seconds)
    log(f"{len(case.baselines)} baselines tuned on validation and scored on test in "
        f"{sum(r['seconds'] for r in rows):.0f} s")

    runs, record = [], []
    for seed in seeds:
        config = dataclasses.replace(case.config, seed=seed)
        epochs = util.progress.watched()  # epoch lines while someone watches; the log line below is the model's line
        trained = (models.cache.load_or_train(split, checksum, config, exclude_seen=case.exclude_seen, verbose=epochs)
                   if cached else models.training.train(split, config, exclude_seen=case.exclude_seen, verbose=epochs))
        log(f"LSTM seed {seed}: best epoch {trained.best_epoch} of at most {config.max_epochs}, "
            f"{trained.seconds:.0f} s of training" + (" (recorded when it was trained; loaded from the cache now)"
                                                     if trained.from_cache else ""))
        entry = {"trained": trained, "values": evaluation.stage.per_user(trained.recommender.score, split, "test", k,
                                                                         case.exclude_seen)}
        if case.copies:
            chosen, _ = models.mixture.tune(trained.recommender.score, split, exclude_seen=case.exclude_seen)
            mixed = models.mixture.CopyMixture(trained.recommender.score, split.num_items, **chosen)
            entry |= {"mixture": mixed, "chosen": chosen,
                      "mixed": evaluation.stage.per_user(mixed.score, split, "test", k, case.exclude_seen)}
        runs.append(entry)
        record.append({"model": "LSTM", "seed": seed, **{m: float(v.mean()) for m, v in entry["values"].items()},
                       "best epoch": trained.best_epoch,
                       f"valid NDCG@{k}": trained.history[f"val_NDCG@{k}"][trained.best_epoch - 1],
                       "to best s": trained.seconds_to_best, "train s": trained.seconds,
                       "from cache": trained.from_cache})
        if case.copies:
            record.append({"model": "LSTM + copy", "seed": seed, **entry["chosen"],
                           **{m: float(v.mean()) for m, v in entry["mixed"].items()}})

    def neural_row(name, key_values, settings, scorer):
        values = {m: np.mean([r[key_values][m] for r in runs], axis=0) for m in runs[0][key_values]}
        per_user[name], scorers[name] = values, scorer
        rows.append({"model": name, **{m: float(v.mean()) for m, v in values.items()},
                     **_interval(values[f"NDCG@{k}"], k), "settings": settings,
                     "seconds": float(np.mean([r["trained"].seconds for r in runs]))})

    epochs = [r["trained"].best_epoch for r in runs]
    neural_row("LSTM", "values", f"{len(seeds)} seed(s); best epochs {epochs}", runs[0]["trained"].recommender.score)
    if case.copies:
        chosen = "; ".join(f"gate={r['chosen']['gate']}, decay={r['chosen']['decay']}" for r in runs)
        neural_row("LSTM + copy", "mixed", chosen, runs[0]["mixture"].score)
    table = pd.DataFrame(rows).set_index("model")
    return CaseResult(case, split, table, per_user, scorers, runs[0]["trained"], record)


def cross_case_table(results: list[CaseResult], k: int = 10) -> pd.DataFrame:
    """One row per case: the repeat share, the best baseline, the LSTM (and its copy mixture), NDCG@k.

    Each model is compared with the best baseline on NDCG@k: the mean per-user
    difference with its paired bootstrap 95% interval.
    """
    rows = []
    for res in results:
        best = res.best_baseline(f"NDCG@{k}")
        row = {"case": res.case.domain, "data": res.case.key, "users": len(res.per_user[best][f"NDCG@{k}"]),
               "repeat share": repeat_share(res.split), "seen items": "excluded" if res.case.exclude_seen else
               "candidates", "best baseline": best, f"baseline NDCG@{k}": res.table.loc[best, f"NDCG@{k}"]}
        for model in ("LSTM", "LSTM + copy"):
            if model in res.table.index:
                c = res.compare(model, best, f"NDCG@{k}")
                row[f"{model} NDCG@{k}"] = res.table.loc[model, f"NDCG@{k}"]
                row[f"{model} - baseline"] = f"{c['mean difference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}]"
        rows.append(row)
    return pd.DataFrame(rows).set_index("case")
