"""``python -m lstmrec.bench --suite beyond``: the validation searches and the levers of chapters 13-14.

Taught in chapters 13 (the searches) and 14 (the article's question 如何优化: tune,
add data, add hidden units); a leaf module of the bench. Three parts, all on
the course's protocol (temporal leave-one-out, full ranking, seen items excluded):

- ``search``: the settings of the two models chapter 13 adds, chosen on
  MovieLens-100K's validation split (one seed per setting): SASRec over
  ``SASREC_GRID`` (learning rate, dropout, blocks), the SimpleRNN over
  ``SIMPLE_RNN_GRID`` (learning rate). The winners are ``models.registry.CELL_SETTINGS``
  (a test checks that the committed run and the code agree).
- ``hidden``: the course's LSTM on MovieLens-100K with ``hidden_dim`` in
  ``HIDDEN_DIMS``, ``HIDDEN_SEEDS`` seeds each; validation and test NDCG@10.
- ``data``: a learning curve on MovieLens-1M: the course's ML-1M LSTM trained
  on ``USER_SHARES`` of the users (drawn at random once), early-stopped on
  those users' validation items, and tested on every user. The model has no
  user embedding (a user is their history), so it scores users it never
  trained on exactly as it scores the others.
"""

from __future__ import annotations

import dataclasses
import itertools
import time

import numpy as np

SASREC_GRID = {"lr": (0.001, 0.003), "dropout": (0.2, 0.5), "num_blocks": (1, 2)}
"""SASRec's validation grid (E = 64, FFN width 64, one head, as in SASRec)."""

SIMPLE_RNN_GRID = {"lr": (0.001, 0.003, 0.01)}
"""The SimpleRNN's validation grid (otherwise the course's LSTM settings)."""

HIDDEN_DIMS = (32, 64, 128, 256)
"""The LSTM state sizes of the hidden-size sweep (128 is the course's)."""

HIDDEN_SEEDS = (42, 43)
"""Seeds per state size."""

USER_SHARES = (0.25, 0.5, 1.0)
"""Shares of MovieLens-1M's users the learning curve trains on."""


def _scores(trained, split) -> dict:
    """Validation NDCG@10 of the kept epoch, and the test metrics with a bootstrap interval on NDCG@10."""
    from lstmrec import evaluation

    result = evaluation.ranking.evaluate(trained.recommender.score, split.histories("test"), split.targets("test"),
                                         split.num_items)
    return {"valid NDCG@10": trained.history["val_NDCG@10"][trained.best_epoch - 1], **result.metrics((10,)),
            **evaluation.stats.intervals(result.ranks, 10, ("NDCG",)), "best epoch": trained.best_epoch,
            "to best s": trained.seconds_to_best, "train s": trained.seconds,
            "params": int(trained.recommender.model.count_params())}


def search(split, log=print) -> list[dict]:
    """Every setting of both grids, trained once (seed 42) and scored on validation (test kept for the record)."""
    from lstmrec import models

    base = models.registry.course_config("ml-100k")
    rows = []
    for cell, grid, fixed in (("SASRec", SASREC_GRID, {"hidden_dim": 64}), ("SimpleRNN", SIMPLE_RNN_GRID, {})):
        for values in itertools.product(*grid.values()):
            settings = dict(zip(grid, values))
            config = dataclasses.replace(base, cell=cell, **fixed, **settings)
            trained = models.training.train(split, config)
            rows.append({"cell": cell, "settings": {**fixed, **settings}, **_scores(trained, split)})
            log(f"  {cell} {settings}: valid NDCG@10 {rows[-1]['valid NDCG@10']:.4f} "
                f"(epoch {trained.best_epoch}, {trained.seconds:.0f} s)", flush=True)
    return rows


def chosen(rows: list[dict]) -> dict[str, dict]:
    """Each cell's setting with the best validation NDCG@10 (the test column plays no part)."""
    best = {}
    for r in rows:
        if r["cell"] not in best or r["valid NDCG@10"] > best[r["cell"]]["valid NDCG@10"]:
            best[r["cell"]] = r
    return {cell: r["settings"] for cell, r in best.items()}


def hidden_sweep(split, checksum: str, log=print) -> list[dict]:
    """The course's ML-100K LSTM at each of ``HIDDEN_DIMS`` (cached models reused: 128 is chapter 06's)."""
    from lstmrec import models

    rows = []
    for hidden_dim, seed in itertools.product(HIDDEN_DIMS, HIDDEN_SEEDS):
        config = dataclasses.replace(models.registry.course_config("ml-100k"), hidden_dim=hidden_dim, seed=seed)
        trained = models.cache.load_or_train(split, checksum, config)
        rows.append({"hidden_dim": hidden_dim, "seed": seed, **_scores(trained, split),
                     "from cache": trained.from_cache})
        log(f"  LSTM H={hidden_dim} seed {seed}: valid {rows[-1]['valid NDCG@10']:.4f}, "
            f"test {rows[-1]['NDCG@10']:.4f}", flush=True)
    return rows


def user_subset(split, share: float, seed: int = 0):
    """The split restricted to a random ``share`` of its users (same catalogue), for training on less data.

    Raises:
        ValueError: ``share`` not in (0, 1].
    """
    from lstmrec.data.splits import LeaveOneOutSplit

    if not 0 < share <= 1:
        raise ValueError(f"share={share} must be in (0, 1]")
    n = max(1, round(share * split.num_users))
    keep = np.sort(np.random.default_rng(seed).permutation(split.num_users)[:n])  # (n,) user positions
    return LeaveOneOutSplit(user_ids=split.user_ids[keep], train=[split.train[i] for i in keep],
                            valid_target=split.valid_target[keep], test_target=split.test_target[keep],
                            item_index=split.item_index, dropped_users=split.dropped_users, ties=split.ties)


def learning_curve(split, checksum: str, log=print) -> list[dict]:
    """The course's ML-1M LSTM (seed 42) trained on each share of ``USER_SHARES``, tested on all users."""
    from lstmrec import models

    config = models.registry.course_config("ml-1m")
    rows = []
    for share in USER_SHARES:
        part = user_subset(split, share)
        if share == 1.0:
            trained = models.cache.load_or_train(split, checksum, config)  # chapter 08's model when cached
        else:
            trained = models.training.train(part, config)
        windows = sum(max(0, len(h) - 1) for h in part.train)
        rows.append({"share": share, "users": part.num_users, "training positions": int(windows),
                     **_scores(trained, split), "from cache": trained.from_cache})
        log(f"  {share:.0%} of the users ({part.num_users}): test NDCG@10 {rows[-1]['NDCG@10']:.4f}, "
            f"epoch {trained.best_epoch}", flush=True)
    return rows


def run(log=print, parts=("search", "hidden", "data")) -> dict:
    """The parts of the module docstring; returns a JSON-ready record (with the search's cap and patience)."""
    from lstmrec import data, models

    out = {"config": {name: {"max_epochs": c.max_epochs, "patience": c.patience}  # what could end each part's runs
                      for name, c in (("ml-100k", models.registry.course_config("ml-100k")),
                                      ("ml-1m", models.registry.course_config("ml-1m")))}}
    ml = data.movielens.load_movielens_100k()
    split = data.splits.leave_one_out(ml.interactions)
    if "search" in parts:
        start = time.perf_counter()
        out["search"] = search(split, log)
        out["chosen"] = chosen(out["search"])
        out["search seconds"] = time.perf_counter() - start
        log(f"  chosen on validation: {out['chosen']}", flush=True)
    if "hidden" in parts:
        out["hidden"] = hidden_sweep(split, ml.checksum(), log)
    if "data" in parts:
        big = data.movielens.load_movielens_1m()
        out["data"] = learning_curve(data.splits.leave_one_out(big.interactions), big.checksum(), log)
    return out
