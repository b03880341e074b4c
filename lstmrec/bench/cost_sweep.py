"""``python -m lstmrec.bench --suite compute``: what training costs, measured, beside the FLOP count.

Taught in chapter 12 (compute, 计算资源); a leaf module of the bench.

Three measurements:

1. **The cost curves.** Time per training step and peak memory of the
   course's model (``models.recurrent.build``, ``models.training.next_item_loss``) on
   ``data.synthetic.catalogue_sequences`` catalogues of 1,000 to 100,000 items,
   while the sequence length T, the hidden size H and the catalogue size N
   vary one at a time. Each point runs in its own process, so its peak memory
   (``VmHWM``) is its own; the first epoch (tracing) is not timed, and the
   fastest of ``REPEATS`` timed epochs is kept, since anything else running
   on the machine can only slow a step down. Beside
   each point: ``compute.cost.training_flops`` for the same step, and the rate achieved.
2. **Cheaper steps.** The same points with the sampled softmax
   (``sampled``, 512 samples) and with Keras's ``mixed_bfloat16`` policy.
3. **Sampled against full softmax on MovieLens-1M.** Both trained with the
   course's ML-1M settings and the same early stopping on validation NDCG@10;
   test NDCG@10 with intervals, paired per user, and the time per epoch.

The suite prints its figures and, with ``--json``, writes them for chapter 12
to load. Times are this machine's; nothing in the tests asserts them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time

import numpy as np


@dataclasses.dataclass(frozen=True)
class Point:
    """One measured setting of the cost curves.

    Attributes:
        num_items: N, the catalogue (ids 1..N; N + 1 with padding).
        max_len: T, positions per window.
        hidden_dim: H.
        embedding_dim: E.
        batch_size: windows per step.
        loss: ``"full"`` softmax or ``"sampled"`` (``compute.sampled.sampled_softmax_loss``, 512 samples).
        precision: ``"float32"`` or ``"mixed_bfloat16"`` (Keras's mixed-precision policy).
        steps: steps per timed epoch (after one untimed epoch of the same length; ``REPEATS`` timed epochs).
    """

    num_items: int
    max_len: int = 50
    hidden_dim: int = 128
    embedding_dim: int = 64
    batch_size: int = 128
    loss: str = "full"
    precision: str = "float32"
    steps: int = 10

    def __post_init__(self):
        if self.loss not in ("full", "sampled") or self.precision not in ("float32", "mixed_bfloat16"):
            raise ValueError(f"loss={self.loss!r} must be 'full' or 'sampled', precision={self.precision!r} "
                             "'float32' or 'mixed_bfloat16'")
        for name in ("num_items", "max_len", "hidden_dim", "embedding_dim", "batch_size", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")


SAMPLES = 512
"""Items sampled per step by the ``sampled`` points and the ML-1M comparison."""

REPEATS = 3
"""Timed epochs per point (after the warm-up one); the fastest is reported."""


def grid() -> list[Point]:
    """The cost curves' points: N, then T, then H varied from (N=10,000, T=50, H=128); then the cheaper steps."""
    points = [Point(n) for n in (1_000, 3_000, 10_000, 30_000, 100_000)]
    points += [Point(10_000, max_len=t) for t in (25, 100, 200)]
    points += [Point(10_000, hidden_dim=h) for h in (32, 64, 256)]
    points += [Point(n, loss="sampled") for n in (1_000, 10_000, 100_000)]
    points += [Point(n, precision="mixed_bfloat16") for n in (1_000, 10_000, 100_000)]
    return points


def _memory_kb(field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of this process, in KiB, from Linux's ``/proc``.

    ``VmHWM`` starts afresh in a new program; ``resource.getrusage``'s
    ``ru_maxrss`` does not (Linux carries it over from the process that
    started this one, e.g. a 2 GB notebook kernel), so it is not used.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def measure(point: Point) -> dict:
    """Time and memory of ``point`` in THIS process (``measure_in_subprocess`` gives each point its own).

    Returns:
        The point's fields, and ``ms_per_step``, ``positions_per_s`` (real,
        non-padded positions), ``peak_mb`` (peak resident memory above the
        process's size before the model was built), ``gflop_per_step``
        (``compute.cost.training_flops`` of the step's positions; for ``sampled`` the
        output term is counted for the samples, not the catalogue) and
        ``gflops_per_s``.
    """
    import keras

    from lstmrec import compute, data, models

    keras.utils.set_random_seed(0)
    if point.precision == "mixed_bfloat16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    config = models.config.Config(max_len=point.max_len, embedding_dim=point.embedding_dim, hidden_dim=point.hidden_dim,
                                  batch_size=point.batch_size, dropout=0.0,
                                  batching="shuffled")  # whole (batch, max_len) windows: the FLOPs count all of them
    windows_needed = point.steps * point.batch_size
    num_users = max(64, windows_needed // 2)  # histories of about 2 * max_len items: about 2 windows each
    seqs = data.synthetic.catalogue_sequences(num_users, point.num_items, mean_length=2 * point.max_len, seed=0)
    dataset, _ = models.training.make_dataset(seqs, config)
    dataset = dataset.take(point.steps).cache()  # the same batches in both epochs
    real = sum(int(np.sum(w)) for _, _, w in dataset)  # non-padded positions in the timed epoch
    before = _memory_kb("VmRSS")
    base = models.recurrent.build(point.num_items + 1, config)
    if point.loss == "sampled":
        model = compute.sampled._sampled_model_class()(base.inputs, base.outputs)
        model.configure(compute.sampled.proposal(seqs, point.num_items + 1), SAMPLES)
        model.compile(optimizer=keras.optimizers.Adam(config.lr))
    else:
        model = base
        model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=models.training.next_item_loss)
    model.fit(dataset, epochs=1, verbose=0, shuffle=False)  # traces and warms up: not timed
    times = []
    for _ in range(REPEATS):  # the fastest of a few epochs: what the step costs when nothing else competes
        start = time.perf_counter()
        model.fit(dataset, epochs=1, verbose=0, shuffle=False)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    peak_mb = (_memory_kb("VmHWM") - before) / 1024
    scored = SAMPLES + 1 if point.loss == "sampled" else point.num_items + 1
    flops = compute.cost.training_flops(point.steps * point.batch_size * point.max_len, point.embedding_dim,
                                        point.hidden_dim, scored)  # every position is computed, padded or not
    return {**dataclasses.asdict(point), "ms_per_step": 1000 * seconds / point.steps,
            "positions_per_s": real / seconds, "peak_mb": peak_mb, "gflop_per_step": flops / point.steps / 1e9,
            "gflops_per_s": flops / seconds / 1e9}


def measure_in_subprocess(point: Point, timeout: float = 600.0) -> dict:
    """``measure(point)`` in a fresh Python process: its own peak memory, its own precision policy.

    Raises:
        RuntimeError: the process failed or took longer than ``timeout`` seconds (its stderr is included).
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    try:
        done = subprocess.run([sys.executable, "-m", "lstmrec.bench.cost_sweep", "--point",
                               json.dumps(dataclasses.asdict(point))], env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"{point} took longer than {timeout:.0f} s") from error
    if done.returncode != 0:
        raise RuntimeError(f"{point} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sampled_vs_full(log=print, max_epochs: int = 10) -> dict:
    """MovieLens-1M: the course's model trained with the full softmax and with the sampled one (1 seed each).

    All use ``models.registry.course_config("ml-1m")`` capped at ``max_epochs`` epochs,
    the same windows, and the same early stopping on validation NDCG@10; a
    third run gives the sampled softmax twice the epochs, about the full
    softmax's wall time, since its epochs are cheaper.

    Returns:
        ``{"full", "sampled", "sampled, twice the epochs": rows; "difference", "difference, twice the epochs":
        paired comparisons (sampled - full)}``, each row with
        test HR@10, NDCG@10 (and its interval), MRR, best epoch, epochs run, seconds per epoch, time to best.
    """
    from lstmrec import compute, data, evaluation, models

    ml = data.movielens.load_movielens_1m()
    split = data.splits.leave_one_out(ml.interactions)
    config = dataclasses.replace(models.registry.course_config("ml-1m"), max_epochs=max_epochs)
    rows, per_user = {}, {}
    runs = {"full": lambda: models.training.train(split, config),
            "sampled": lambda: compute.sampled.train(split, config, num_samples=SAMPLES),
            "sampled, twice the epochs": lambda: compute.sampled.train(
                split, dataclasses.replace(config, max_epochs=2 * max_epochs), num_samples=SAMPLES)}
    for name, fit in runs.items():
        log(f"  ML-1M, {name}: training", flush=True)
        trained = fit()
        result = evaluation.ranking.evaluate(trained.recommender.score, split.histories("test"),
                                             split.targets("test"), split.num_items)
        per_user[name] = evaluation.metrics.per_user(result.ranks, "NDCG", 10)
        interval = evaluation.stats.intervals(result.ranks, 10, ("NDCG",))
        low, high = interval["NDCG@10 low"], interval["NDCG@10 high"]
        epochs = len(trained.history["loss"])
        rows[name] = {**result.metrics((10,)), **interval,
                      "best epoch": trained.best_epoch, "epochs": epochs,
                      "s per epoch": trained.seconds / epochs, "to best s": trained.seconds_to_best,
                      "train s": trained.seconds,
                      "valid NDCG@10": trained.history["val_NDCG@10"][trained.best_epoch - 1]}
        log(f"  {name}: test NDCG@10 {rows[name]['NDCG@10']:.4f} [{low:.4f}, {high:.4f}], best epoch "
            f"{trained.best_epoch} of {epochs}, {rows[name]['s per epoch']:.1f} s per epoch", flush=True)
    difference = evaluation.stats.paired_comparison(per_user["sampled"], per_user["full"])
    longer = evaluation.stats.paired_comparison(per_user["sampled, twice the epochs"], per_user["full"])
    return {"full": rows["full"], "sampled": rows["sampled"],
            "sampled, twice the epochs": rows["sampled, twice the epochs"],
            "difference": difference, "difference, twice the epochs": longer,
            "config": dataclasses.asdict(config), "samples": SAMPLES, "num_items": split.num_items - 1,
            "num_users": split.num_users}


def run(log=print, points: list[Point] | None = None, ml1m: bool = True) -> dict:
    """The whole suite: every point of ``grid()`` (each in its own process), then ``sampled_vs_full``."""
    rows = []
    for point in points if points is not None else grid():
        row = measure_in_subprocess(point)
        rows.append(row)
        log(f"  N={point.num_items:>6} T={point.max_len:>3} H={point.hidden_dim:>3} {point.loss:>7} "
            f"{point.precision:>14}: {row['ms_per_step']:8.1f} ms/step, {row['peak_mb']:7.0f} MB peak, "
            f"{row['gflops_per_s']:6.1f} GFLOP/s", flush=True)
    return {"points": rows, "ml-1m": sampled_vs_full(log) if ml1m else None}


def main(argv: list[str] | None = None) -> int:
    """``--point JSON``: measure one point here and print its record as the last line (``measure_in_subprocess``)."""
    parser = argparse.ArgumentParser(prog="python -m lstmrec.bench.cost_sweep")
    parser.add_argument("--point", required=True, help="a Point as JSON")
    args = parser.parse_args(argv)
    try:
        point = Point(**json.loads(args.point))
    except (TypeError, ValueError) as error:
        parser.error(f"--point: {error}")
    print(json.dumps(measure(point)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
