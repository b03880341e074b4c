"""The case studies of chapter 10: e-commerce, social and content, one real data set each, one protocol.

Taught in chapter 10; ``python -m lstmrec.bench --dataset instacart|collegemsg``
runs the same code with more seeds (``--dataset ml-1m`` runs the content case's
model through the MovieLens bench).

Each ``Case`` states the business question, the data, and the candidate rule
(whether a user's past items may be recommended again, with the reason). For
every case ``run`` does the same thing:

1. split temporally (leave-one-out; for baskets, the last order is the test
   and the one before it the validation, ``lstmrec.baskets``);
2. tune every baseline on validation and score it on test with the case's
   candidate rule (``baselines.fit_best``);
3. train the LSTM (``models.load_or_train``: epochs chosen on validation,
   cached) and, where past items are candidates, tune its copy mixture on
   validation (``lstmrec.mixture``);
4. report every model's test metrics with bootstrap intervals, and keep each
   user's NDCG@10 for paired tests.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from typing import Callable

import numpy as np
import pandas as pd

from lstmrec import baselines, data, evaluation, mixture, models, progress, sequences
from lstmrec.baskets import BasketSplit, evaluate_baskets, next_basket_split


@dataclasses.dataclass(frozen=True)
class Case:
    """One application, framed as the business would frame it.

    Attributes:
        key: the data set's name in ``lstmrec.data.DATASETS``.
        domain: "E-commerce", "Social" or "Content".
        question: what is predicted.
        exclude_seen: whether a user's past items are left out of the candidates.
        why: the reason for that rule, in one sentence.
        config: the LSTM's settings (see the comment at each case for how they were chosen; the epoch is
            always chosen on this case's validation split).
        baselines: the baselines scored (names of ``baselines.BASELINES`` / ``REPEAT_BASELINES``).
    """

    key: str
    domain: str
    question: str
    exclude_seen: bool
    why: str
    config: models.Config
    baselines: tuple[str, ...]

    @property
    def copies(self) -> bool:
        """Whether the LSTM gets a copy mixture: only where past items are candidates."""
        return not self.exclude_seen


ALL_BASELINES = tuple(baselines.BASELINES) + tuple(baselines.REPEAT_BASELINES)

CASES: dict[str, Case] = {
    "instacart": Case(
        "instacart", "E-commerce", "Which products will be in the user's next order?", exclude_seen=False,
        why="groceries are bought again and again: hiding past products would hide most of every basket",
        # 14,187 products make the full softmax the cost (about 10 s an epoch on 2 cores). On validation, E=32/H=64
        # at lr 0.02 beat the course's E=64/H=128 at 0.01 (NDCG@10 0.271 at epoch 22 against 0.231 at epoch 28, one
        # seed each). The chapter caps training at 12 epochs (0.231 then) to run in minutes; the bench's
        # `--max-epochs 40` measures what the cap costs.
        config=models.Config(embedding_dim=32, hidden_dim=64, lr=0.02, max_epochs=12, patience=4),
        baselines=ALL_BASELINES),
    "collegemsg": Case(
        "collegemsg", "Social", "Whom will this user message next?", exclude_seen=False,
        why="people write to the same friends again: most next recipients are people already written to",
        # lr 0.02 reached validation NDCG@10 0.404 at epoch 22 (68 s); lr 0.01 was at 0.398 after 30, still rising.
        config=models.Config(lr=0.02, max_epochs=40, patience=5),
        baselines=ALL_BASELINES),
    "ml-1m": Case(
        "ml-1m", "Content", "Which movie will this user rate next?", exclude_seen=True,
        why="a rating is given once per movie: a rated movie is never the next one, so it is not a candidate",
        # Chapter 08's model: the course's ML-1M architecture trained for chapter 08's budget of 5 epochs, so that
        # it comes from the cache chapter 08 filled. `python -m lstmrec.bench --dataset ml-1m` trains it to
        # convergence (up to 20 epochs, 3 seeds); chapter 10 shows that artefact beside its own figures.
        config=dataclasses.replace(models.COURSE_CONFIGS["ml-1m"], max_epochs=5),
        baselines=tuple(baselines.BASELINES)),
}
"""The three cases, in the order the chapter takes them."""


def load(key: str):
    """The case's split and the data's checksum (for the model cache).

    Users too short to split (fewer than 3 events, or 3 orders) are left out
    silently here: their number is ``split.dropped_users``, which chapter 10 reports.

    Returns:
        ``(split, checksum)``: a ``BasketSplit`` for Instacart, a
        ``sequences.LeaveOneOutSplit`` otherwise.
    """
    if key not in CASES:
        raise KeyError(f"unknown case {key!r}; choose from {list(CASES)}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(leave_one_out|next_basket_split): .* left out")
        if key == "instacart":
            baskets = data.load_instacart()
            return next_basket_split(baskets.interactions), baskets.checksum
        if key == "collegemsg":
            messages = data.load_collegemsg()
            return sequences.leave_one_out(messages.interactions, ties=messages.ties), messages.checksum
        ml = data.load_movielens_1m()
        return sequences.leave_one_out(ml.interactions), data.checksum(ml)


def target_pairs(split, stage: str = "test") -> tuple[list[np.ndarray], np.ndarray]:
    """One (history, target) pair per thing to predict: per user, or per basket item (its user's history).

    Returns:
        ``(histories, targets)``: a list of arrays and a (num_targets,) array.
    """
    histories = split.histories(stage)
    if isinstance(split, BasketSplit):
        baskets = split.baskets(stage)
        owner = np.repeat(np.arange(len(baskets)), [len(b) for b in baskets])  # (num_basket_items,)
        return [histories[u] for u in owner], np.concatenate(baskets)
    return histories, np.asarray(split.targets(stage))


def repeat_share(split, stage: str = "test") -> float:
    """The share of next items the user had before: of test targets, or of basket items.

    Example:
        For histories ``[1, 2]`` and ``[3]`` with targets ``2`` and ``4``: one of two
        targets was seen, so 0.5.
    """
    histories, targets = target_pairs(split, stage)
    mask = evaluation.exclusion_mask(histories, split.num_items)  # (pairs, num_items) True where seen
    return float(mask[np.arange(len(targets)), targets].mean())


def per_user_metrics(score_fn: Callable, split, stage: str, exclude_seen: bool, k: int = 10) -> dict[str, np.ndarray]:
    """Each user's test (or validation) metrics: recall@k and NDCG@k over baskets, or HR@k, NDCG@k and MRR.

    Returns:
        Metric name -> (num_users,) values; their means are the table's figures.
    """
    if isinstance(split, BasketSplit):
        return evaluate_baskets(score_fn, split.histories(stage), split.baskets(stage), split.num_items, k=k,
                                exclude_seen=exclude_seen).per_user
    result = evaluation.evaluate(score_fn, split.histories(stage), split.targets(stage), split.num_items, k=k,
                                 exclude_seen=exclude_seen)
    return {f"HR@{k}": evaluation.per_user(result.ranks, "HR", k),
            f"NDCG@{k}": evaluation.per_user(result.ranks, "NDCG", k),
            "MRR": evaluation.per_user(result.ranks, "MRR", k)}


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
        trained: the first seed's ``models.TrainedModel``.
        runs: one record per (neural model, seed): its test metrics, best epoch, times, chosen gate.
    """

    case: Case
    split: object
    table: pd.DataFrame
    per_user: dict[str, dict[str, np.ndarray]]
    scorers: dict[str, Callable]
    trained: models.TrainedModel
    runs: list = dataclasses.field(default_factory=list)

    def best_baseline(self, metric: str = "NDCG@10") -> str:
        """The baseline with the best test ``metric`` (the most demanding comparison)."""
        names = [n for n in self.table.index if n in self.case.baselines]
        return str(self.table.loc[names, metric].idxmax())

    def compare(self, model: str, baseline: str | None = None, metric: str = "NDCG@10") -> dict[str, float]:
        """``model`` minus ``baseline`` (default: the best), user by user: ``evaluation.paired_comparison``."""
        baseline = baseline or self.best_baseline(metric)
        return {"baseline": baseline, **evaluation.paired_comparison(self.per_user[model][metric],
                                                                     self.per_user[baseline][metric])}


def run(key: str | Case, seeds=(42,), cached: bool = True, log=print, k: int = 10, loaded=None) -> CaseResult:
    """Run one case end to end (module docstring).

    Args:
        key: a key of ``CASES``, or a ``Case`` (e.g. one of them with another ``config``).
        seeds: the LSTM's seeds; its figures are means over them.
        cached: reuse cached models (``models.load_or_train``); False trains afresh and times it.
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
        values = per_user_metrics(score_fn, split, "test", case.exclude_seen, k)
        per_user[name], scorers[name] = values, score_fn
        mean, low, high = evaluation.bootstrap_ci(values[f"NDCG@{k}"])
        rows.append({"model": name, **{m: float(v.mean()) for m, v in values.items()},
                     f"NDCG@{k} low": low, f"NDCG@{k} high": high, "settings": settings, "seconds": seconds})

    for name in progress.steps(case.baselines, "tuning the baselines"):
        start = time.perf_counter()
        model, settings, _ = baselines.fit_best(name, split, exclude_seen=case.exclude_seen)
        add(name, model.score, ", ".join(f"{a}={b}" for a, b in settings.items()) or "-",
            time.perf_counter() - start)
    log(f"{len(case.baselines)} baselines tuned on validation and scored on test in "
        f"{sum(r['seconds'] for r in rows):.0f} s")

    runs, record = [], []
    for seed in seeds:
        config = dataclasses.replace(case.config, seed=seed)
        epochs = progress.watched()  # epoch lines while someone watches; the log line below is the model's line
        trained = (models.load_or_train(split, checksum, config, exclude_seen=case.exclude_seen, verbose=epochs)
                   if cached else models.train(split, config, exclude_seen=case.exclude_seen, verbose=epochs))
        log(f"LSTM seed {seed}: best epoch {trained.best_epoch} of at most {config.max_epochs}, "
            f"{trained.seconds:.0f} s of training" + (" (recorded when it was trained; loaded from the cache now)"
                                                     if trained.from_cache else ""))
        entry = {"trained": trained, "values": per_user_metrics(trained.recommender.score, split, "test",
                                                                case.exclude_seen, k)}
        if case.copies:
            chosen, _ = mixture.tune(trained.recommender.score, split, exclude_seen=case.exclude_seen)
            mixed = mixture.CopyMixture(trained.recommender.score, split.num_items, **chosen)
            entry |= {"mixture": mixed, "chosen": chosen,
                      "mixed": per_user_metrics(mixed.score, split, "test", case.exclude_seen, k)}
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
        mean, low, high = evaluation.bootstrap_ci(values[f"NDCG@{k}"])
        rows.append({"model": name, **{m: float(v.mean()) for m, v in values.items()},
                     f"NDCG@{k} low": low, f"NDCG@{k} high": high, "settings": settings,
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
