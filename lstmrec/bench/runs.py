"""One finished training run, recorded in ``results/runs/``: how a bench longer than a session resumes.

Used from appendix A4 (the speed suite's trainings) and taught in chapter 13 (the converged MovieLens-1M
race); a leaf module of the bench.

The model cache (``models.cache``) lives in the git-ignored data folder, so a
fresh clone, or the next working session, starts without it. A validation search
or a seed table on MovieLens-1M takes hours, so every finished run also leaves
its figures in ``results/runs/<key>.json``, committed: the configuration and the
data it was trained on, the validation curve, the test metrics and every test
user's rank (what the paired tests need). ``run`` returns that record when it
exists and ``resume`` is set; otherwise it trains (through the model cache),
scores, and writes the record atomically. The key is the model cache's, so the
search's seed-42 run of the chosen setting is the seed table's seed-42 run too.

A record holds numbers and strings only (JSON, read with ``json``; nothing is
unpickled) and is checked when read: a record of other settings or other data
under the same name, or a malformed file, is an error naming the file.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np

from lstmrec import evaluation, models, util
from lstmrec.data.splits import LeaveOneOutSplit
from lstmrec.util.files import atomic_write

FIELDS = {"key", "config", "data", "machine", "date", "history", "best epoch", "epochs", "to best s", "train s",
          "converged", "params", "score ms", "valid NDCG@10", "test", "ranks"}
"""The keys of every record."""


def runs_dir() -> Path:
    """``results/runs``: one JSON record per finished run."""
    return util.paths.results_dir() / "runs"


def record_path(split: LeaveOneOutSplit, data_checksum: str, config: models.config.Config,
                exclude_seen: bool = True) -> Path:
    """``results/runs/<key>.json``, ``key`` as the model cache names the same model (``Config.key``)."""
    return runs_dir() / f"{config.key(models.cache.data_key(split, data_checksum, exclude_seen))}.json"


def eager_score(recommender):
    """A neural model's eager ``score``, as in every committed run (appendix A5 times the compiled graph beside it)."""
    if isinstance(recommender, models.recommender.Recommender):
        return lambda histories: recommender.score(histories, eager=True)
    return recommender.score


def score_ms(score_fn, history) -> float:
    """The median milliseconds of ``score_fn([history])``: ranking the catalogue for one user after a new event.

    The history is read whole every time (no state kept between calls), as ``evaluation.ranking.evaluate`` does;
    chapter 09 keeps the LSTM's state instead (``serve.streaming``), appendix A5 compares the two.
    """
    from lstmrec import serve

    timings = serve.latency.time_calls(lambda: score_fn([history]), repeats=30, warmup=3)
    return serve.latency.percentiles(timings, (50,))["p50"]


def longest(split: LeaveOneOutSplit) -> np.ndarray:
    """The longest test history: the input of ``score_ms`` (a full window for every sequence model)."""
    return max(split.histories("test"), key=len)


def figures(trained, split: LeaveOneOutSplit, exclude_seen: bool = True, k: int = 10) -> dict:
    """A trained model's figures: its epochs and times, weights, per-event ms, validation score, test metrics, ranks.

    ``trained`` is a ``models.training.TrainedModel`` (or a learner's, ``bench.leaderboard.train``); the test
    split is ranked here, with the domain's candidate rule.
    """
    result = evaluation.ranking.evaluate(trained.recommender.score, split.histories("test"), split.targets("test"),
                                         split.num_items, k=k, exclude_seen=exclude_seen)
    return {"best epoch": trained.best_epoch, "epochs": len(trained.history["loss"]),
            "to best s": trained.seconds_to_best, "train s": trained.seconds, "converged": trained.converged,
            "params": int(trained.recommender.model.count_params()) if hasattr(trained.recommender, "model")
            else None,
            "score ms": score_ms(eager_score(trained.recommender), longest(split)),
            "valid NDCG@10": trained.history["val_NDCG@10"][trained.best_epoch - 1],
            "test": result.metrics((k,)), "ranks": result.ranks.tolist()}


def read(path: Path | str, split: LeaveOneOutSplit, data_checksum: str, config: models.config.Config,
         exclude_seen: bool = True) -> dict:
    """The record at ``path``, checked against the run it should be.

    Raises:
        ValueError: the file is not JSON, lacks a field, or records other settings, other data or another
            number of test users; the message names the file (delete it to train the run again).
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable run record ({error}); delete it to train the run again") from None
    if not isinstance(record, dict) or FIELDS - set(record):
        missing = sorted(FIELDS - set(record)) if isinstance(record, dict) else "all"
        raise ValueError(f"{path}: a run record needs {sorted(FIELDS)}; missing {missing}")
    data = models.cache.data_key(split, data_checksum, exclude_seen)
    if record["config"] != config.settings() or record["data"] != data:
        raise ValueError(f"{path}: recorded for {record['config']} on {record['data']}, not for "
                         f"{config.settings()} on {data}")
    if len(record["ranks"]) != len(split.targets("test")):
        raise ValueError(f"{path}: {len(record['ranks'])} test ranks for {len(split.targets('test'))} test users")
    return record


def run(split: LeaveOneOutSplit, data_checksum: str, config: models.config.Config, exclude_seen: bool = True,
        resume: bool = True, k: int = 10) -> dict:
    """One configuration trained to early stopping and scored on test: the record, read or made.

    Args:
        split: the leave-one-out split.
        data_checksum: its data's checksum (part of the key).
        config: the model and its training settings, seed included.
        exclude_seen: the domain's candidate rule (validation and test).
        resume: read the record if it exists (and the model cache if the weights are there);
            ``False`` trains again and overwrites both.
        k: the cut-off of the test metrics.

    Returns:
        The record (``FIELDS``), with ``"from record"``: whether it was read rather than trained now.
    """
    path = record_path(split, data_checksum, config, exclude_seen)
    if resume and path.exists():
        return {**read(path, split, data_checksum, config, exclude_seen), "from record": True}
    # a line per epoch while someone watches (a run may take an hour), nothing under make run or make test
    trained = (models.cache.load_or_train(split, data_checksum, config, verbose=None, exclude_seen=exclude_seen)
               if resume else models.training.train(split, config, verbose=None, exclude_seen=exclude_seen))
    record = {"key": path.stem, "config": config.settings(),
              "data": models.cache.data_key(split, data_checksum, exclude_seen),
              "machine": util.machine.describe(),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "history": trained.history, **figures(trained, split, exclude_seen, k)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(record, separators=(",", ":")) + "\n")
    return {**record, "from record": False, "from cache": trained.from_cache}


SUMMARY = ("key", "cell", "changes", "data", "ties", "seed", "best epoch", "epochs", "converged", "valid NDCG@10",
           "HR@10", "NDCG@10", "to best s", "date")
"""The columns of ``summaries``."""


def summaries(data_checksum: str | None = None, dataset: str | None = None) -> list[dict]:
    """Every record in ``runs_dir()`` as one row of ``SUMMARY`` (no ranks), oldest first.

    Args:
        data_checksum: keep only the records of this data (the checksum before ``/ties=``).
        dataset: describe each record against that data set's course configuration of its model
            (``models.registry.course_config(dataset, cell, tuned=False)``; default: ``Config``'s defaults):
            ``changes`` lists only the settings that differ from it, so a table shows what was varied.

    Raises:
        ValueError: a file is not a readable record; the message names it.

    Example:
        >>> [r["ties"] for r in summaries("c03cf6aa0aa88232")][:1]   # doctest: +SKIP
        ['shuffle']
    """
    rows = []
    for path in sorted(runs_dir().glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: not a readable run record ({error})") from None
        if not isinstance(record, dict) or FIELDS - set(record):
            raise ValueError(f"{path}: a run record needs {sorted(FIELDS)}")
        checksum, _, rule = record["data"].partition("/ties=")
        if data_checksum is not None and checksum != data_checksum:
            continue
        config = record["config"]
        reference = (models.registry.course_config(dataset, config["cell"], tuned=False) if dataset
                     else models.config.Config(cell=config["cell"])).settings()
        changes = {k: config.get(k) for k in dict.fromkeys([*config, *reference])  # a key either side may omit
                   if k not in ("cell", "seed") and reference.get(k) != config.get(k)}
        rows.append({"key": record["key"], "cell": config["cell"],
                     "changes": ", ".join(f"{k}={v}" for k, v in changes.items()) or "-", "data": checksum,
                     "ties": rule.split("/")[0], "seed": config["seed"], "best epoch": record["best epoch"],
                     "epochs": record["epochs"], "converged": record["converged"],
                     "valid NDCG@10": record["valid NDCG@10"], "HR@10": record["test"]["HR@10"],
                     "NDCG@10": record["test"]["NDCG@10"], "to best s": record["to best s"], "date": record["date"]})
    return sorted(rows, key=lambda r: r["date"])
