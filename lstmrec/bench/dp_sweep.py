"""``python -m lstmrec.bench --suite privacy``: what user-level DP-SGD costs in quality, and what it buys.

Taught in chapter 11 (privacy, 数据隐私); a leaf module of the bench.

On MovieLens-100K, half the users (drawn at random, ``privacy.membership.split_members``)
are members: only their histories train the models. For each model the suite
reports, on the members' test items (temporal leave-one-out, full ranking, seen
items excluded), NDCG@10 with a bootstrap interval; and, against the
non-members, the loss-based membership attack's ROC AUC with its interval
and the top-1 completion rates (``membership``).

The models:

- the course's LSTM trained as usual (``models.training.train``: dropout, early stopping
  on the members' validation items) - what a normal model leaks;
- DP-SGD (``privacy.dpsgd.train``) with the noise calibrated to each epsilon of
  ``EPSILONS`` (infinity: clipping without noise), at delta = 1e-5, everything
  else fixed (``DP``). The number of steps is fixed in advance and nothing is
  chosen on validation, since choosing on private data would spend privacy too;
  the learning rate and clipping bound were set once, on the members'
  validation items, with the non-private (epsilon = infinity) run;
- Most popular and the Markov chain, not private, for reference.

One seed per model: the intervals are over users, not over training runs.
"""

from __future__ import annotations

import dataclasses
import math
import time

EPSILONS = (math.inf, 8.0, 4.0, 2.0, 1.0)
"""The privacy budgets of the sweep (issue: epsilon in {inf, 8, 4, 2, 1})."""

DP = {"max_norm": 1.0, "users_per_step": 32, "epochs": 30, "windows_per_user": 2, "delta": 1e-5}
"""The DP-SGD settings shared by every epsilon (``privacy.dpsgd.DPConfig``); only the noise changes."""

LEARNING_RATE = 0.01
"""Adam's learning rate for the DP runs."""


def row(name: str, recommender, members, non_members, max_len: int, fits: tuple | None = None) -> dict:
    """One model's utility on the members' test items and the attack on members against non-members.

    ``fits``: the ``privacy.membership.sequence_fit`` of the members and of the non-members, when the caller has
    them already (chapter 11 computes them in its section 1); otherwise they are computed here.
    """
    from lstmrec import evaluation, privacy

    result = evaluation.ranking.evaluate(recommender.score, members.histories("test"), members.targets("test"),
                                         members.num_items)
    out = {"model": name, **result.metrics((10,)), **evaluation.stats.intervals(result.ranks, 10, ("NDCG",))}
    if hasattr(recommender, "model"):  # a neural model: attack it
        fit_in, fit_out = fits or (privacy.membership.sequence_fit(recommender.model, members.train, max_len),
                                   privacy.membership.sequence_fit(recommender.model, non_members.train, max_len))
        ok_in, ok_out = fit_in["positions"] > 0, fit_out["positions"] > 0
        auc = privacy.membership.attack_auc(-fit_in["loss"][ok_in], -fit_out["loss"][ok_out])
        top1 = privacy.membership.memorisation(fit_in, fit_out)
        out.update({"attack AUC": auc["AUC"], "attack AUC low": auc["low"], "attack AUC high": auc["high"],
                    "top-1 members": top1["members"], "top-1 non-members": top1["non-members"]})
    return out


def run(log=print, epsilons=EPSILONS, seed: int = 42) -> dict:
    """The whole sweep (module docstring). Returns a JSON-ready record with ``rows`` and the settings."""
    from lstmrec import baselines, data, models, privacy

    ml = data.movielens.load_movielens_100k()
    split = data.splits.leave_one_out(ml.interactions)
    members, non_members = privacy.membership.split_members(split, share=0.5, seed=0)
    n = members.num_users
    log(f"  MovieLens-100K: {n} members, {non_members.num_users} non-members; delta {DP['delta']:g} "
        f"(1/n = {1 / n:.1e})", flush=True)
    rows = []
    for name in ("Most popular", "Markov chain"):
        model, _, _ = baselines.tuning.fit_best(name, members)
        rows.append({**row(name, model, members, non_members, 0), "epsilon": None, "private": False})
    config = dataclasses.replace(models.registry.course_config("ml-100k"), seed=seed)
    start = time.perf_counter()
    trained = models.training.train(members, config)
    rows.append({**row("LSTM (normal training)", trained.recommender, members, non_members, config.max_len),
                  "epsilon": None, "private": False, "seconds": time.perf_counter() - start,
                  "best epoch": trained.best_epoch})
    log(f"  normal LSTM: NDCG@10 {rows[-1]['NDCG@10']:.4f}, attack AUC {rows[-1]['attack AUC']:.3f}", flush=True)
    dp_config = dataclasses.replace(config, lr=LEARNING_RATE)
    base = privacy.dpsgd.DPConfig(noise_multiplier=0.0, **DP)
    q, steps = base.sampling_rate(n), base.steps(n)
    for target in epsilons:
        sigma = 0.0 if math.isinf(target) else privacy.dp.noise_for_epsilon(target, q, steps, DP["delta"])
        dp = dataclasses.replace(base, noise_multiplier=sigma)
        result = privacy.dpsgd.train(members, dp_config, dp)
        rows.append({**row(f"DP-SGD, epsilon {target:g}", result.recommender, members, non_members,
                           config.max_len),
                     "epsilon": None if math.isinf(result.epsilon) else result.epsilon, "private": True,
                     "target epsilon": None if math.isinf(target) else target, "sigma": sigma, "steps": result.steps,
                     "seconds": result.seconds, "clipped": result.history["clipped"][-1],
                     "valid NDCG@10 by epoch": result.history["val_NDCG@10"]})
        log(f"  epsilon {target:g} (sigma {sigma:.3f}, {result.steps} steps): NDCG@10 {rows[-1]['NDCG@10']:.4f}, "
            f"attack AUC {rows[-1]['attack AUC']:.3f}, {result.seconds:.0f} s", flush=True)
    return {"dataset": "ml-100k", "data_checksum": ml.checksum(), "members": n,
            "non_members": non_members.num_users, "dp": DP, "learning_rate": LEARNING_RATE, "sampling_rate": q,
            "steps": steps, "seed": seed, "config": dataclasses.asdict(dp_config), "rows": rows}

