"""The course's training step under ``tf.distribute``: one process with two replicas, then two worker processes.

Taught in chapter 12 (compute: beyond one machine). A leaf module: run it as a
script, because a TensorFlow process fixes its devices and its cluster when it
starts.

    python -m lstmrec.compute.distributed --mode single   --json a.json   # one process, one replica
    python -m lstmrec.compute.distributed --mode mirrored --json b.json   # MirroredStrategy over 2 logical CPUs
    python -m lstmrec.compute.distributed --mode multiworker --json c.json  # 2 processes, each with TF_CONFIG

Every mode trains the model of ``lstmrec.models`` (``models.recurrent.build``,
``models.training.next_item_loss``, ``models.training.make_dataset``: nothing rewritten) on the
same windows in the same order with the same global batch, and records the
loss of every step. Data parallelism splits each global batch of ``B`` windows
into one slice per replica, computes each slice's gradient, sums them across
replicas (all-reduce) and applies one update, so the loss trajectory should be
the single process's, up to the order in which floating-point sums are taken:

    single:   g = (1/B) * sum_{i in batch} grad l_i
    replicas: g = sum_r (1/B) * sum_{i in slice r} grad l_i     (the same sum, split in two)

``compare`` measures how far the trajectories drift apart. Dropout is off in
these runs: each replica draws its own dropout masks, which no single process
reproduces.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MODES = ("single", "mirrored", "multiworker")


def compare(reference, other) -> dict[str, float]:
    """How far ``other``'s per-step losses are from ``reference``'s.

    Returns:
        ``max_abs``: the largest |difference|; ``max_rel``: the largest |difference| / |reference|;
        ``first_rel``: the relative difference at the first step (before any update differs).

    Raises:
        ValueError: the trajectories have different lengths or are empty.
    """
    a, b = np.asarray(reference, dtype=np.float64), np.asarray(other, dtype=np.float64)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"trajectories of {a.shape} and {b.shape} steps cannot be compared")
    diff = np.abs(a - b)
    return {"max_abs": float(diff.max()), "max_rel": float((diff / np.abs(a)).max()),
            "first_rel": float(diff[0] / abs(a[0]))}


def free_ports(n: int) -> list[int]:
    """``n`` TCP ports that are free on 127.0.0.1 right now (for the workers' TF_CONFIG)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int) -> str:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of workers on 127.0.0.1 at ``ports``.

    Example:
        >>> tf_config([2222, 2223], 1)
        '{"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]}, "task": {"type": "worker", "index": 1}}'
    """
    if not 0 <= index < len(ports):
        raise ValueError(f"index={index} is not one of the {len(ports)} workers")
    return json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


def _sequences(dataset: str, num_users: int, num_items: int, seed: int) -> tuple[list[np.ndarray], int]:
    """Training sequences: ``synthetic`` (tiny, for tests) or MovieLens-100K's training histories."""
    if dataset == "synthetic":
        from lstmrec.data.synthetic import catalogue_sequences

        return catalogue_sequences(num_users, num_items, mean_length=30, seed=seed), num_items + 1
    if dataset == "ml-100k":
        from lstmrec import data

        split = data.splits.leave_one_out(data.movielens.load_movielens_100k().interactions)
        return split.train, split.num_items
    raise ValueError(f"dataset={dataset!r}: choose 'synthetic' or 'ml-100k'")


def train_steps(mode: str, config, sequences: list[np.ndarray], num_items: int, steps: int) -> dict:
    """Train for ``steps`` global batches under ``mode``'s strategy; record every step's loss.

    The step is Keras's: ``models.recurrent.build``'s model, ``models.training.next_item_loss``
    averaged as ``model.fit`` averages it (over every position of the global
    batch), and Keras's Adam, which sums the replicas' gradients before it
    updates. It is written out with ``strategy.run`` rather than called through
    ``model.fit`` because Keras 3's ``fit`` fails under
    ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585, open); every mode
    runs the same step, so the trajectories compare like with like.

    Call it in a fresh process (``main`` does): ``mirrored`` must split the CPU
    into two logical devices before TensorFlow starts, and ``multiworker``
    reads ``TF_CONFIG``.

    Returns:
        ``{"mode", "replicas", "losses", "seconds", "windows_per_second", "num_windows"}``.
    """
    import keras
    import tensorflow as tf

    from lstmrec import models

    if mode == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    elif mode == "multiworker":
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    elif mode == "single":
        strategy = tf.distribute.get_strategy()  # the default: one replica, no distribution
    else:
        raise ValueError(f"mode={mode!r}: choose from {MODES}")
    keras.utils.set_random_seed(config.seed)
    # the global batches, the same in every mode; whole windows, so that every step has one shape to split
    dataset, num_windows = models.training.make_dataset(sequences, dataclasses.replace(config, batching="shuffled"))
    options = tf.data.Options()  # every worker reads the same batches and keeps its slice of each
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    batches = iter(strategy.experimental_distribute_dataset(dataset.repeat().with_options(options)))
    with strategy.scope():
        model = models.recurrent.build(num_items, config)
        optimizer = keras.optimizers.Adam(config.lr)
        optimizer.build(model.trainable_variables)

    def replica_step(x, y, w):
        context = tf.distribute.get_replica_context()
        positions = context.all_reduce("SUM", tf.cast(tf.size(y), tf.float32))  # positions in the GLOBAL batch
        with tf.GradientTape() as tape:
            logits = model(x, training=True)  # (local batch, max_len, num_items)
            losses = models.training.next_item_loss(y, logits)  # (local batch, max_len)
            loss = tf.reduce_sum(losses * w) / positions  # this slice's share of the mean
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))  # Keras sums the replicas' gradients
        return loss

    @tf.function
    def step(batch):
        return strategy.reduce("SUM", strategy.run(replica_step, args=batch), axis=None)  # the global batch's loss

    losses = [float(step(next(batches)))]  # the first step traces the function: not timed
    start = time.perf_counter()
    losses += [float(step(next(batches))) for _ in range(steps - 1)]
    seconds = time.perf_counter() - start
    return {"mode": mode, "replicas": int(strategy.num_replicas_in_sync), "losses": losses, "seconds": seconds,
            "windows_per_second": (steps - 1) * config.batch_size / seconds if steps > 1 else None,
            "num_windows": num_windows}


def launch_workers(args: list[str], num_workers: int = 2, timeout: float = 300.0) -> list[dict]:
    """Start ``num_workers`` processes of this module on 127.0.0.1, each with its TF_CONFIG; wait (bounded); collect.

    Every worker is stopped if one fails or ``timeout`` seconds pass.

    Returns:
        Each worker's result (``train_steps``), worker 0 first.

    Raises:
        RuntimeError: a worker failed or timed out (its stderr is included).
    """
    import tempfile

    ports = free_ports(num_workers)
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"worker{i}.json" for i in range(num_workers)]
        procs = []
        for i in range(num_workers):
            env = {**os.environ, "TF_CONFIG": tf_config(ports, i), "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": ""}
            procs.append(subprocess.Popen([sys.executable, "-m", "lstmrec.compute.distributed", "--mode", "multiworker",
                                           "--json", str(outs[i]), *args], env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + timeout
        errors = []
        try:
            for i, p in enumerate(procs):
                try:
                    _, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    errors.append(f"worker {i} did not finish within {timeout:.0f} s")
                    break
                if p.returncode != 0:
                    errors.append(f"worker {i} exited with {p.returncode}: {err.strip()[-2000:]}")
                    break
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        if errors:
            raise RuntimeError("; ".join(errors))
        return [json.loads(o.read_text()) for o in outs]


def run(mode: str, steps: int = 20, dataset: str = "synthetic", num_users: int = 64, num_items: int = 200,
        batch_size: int = 32, max_len: int = 20, timeout: float = 300.0) -> dict:
    """One mode in its own process(es), from a notebook or a test: ``python -m lstmrec.compute.distributed``.

    Returns:
        The ``train_steps`` record (for ``multiworker``, worker 0's, with ``workers``: every worker's losses).
    """
    args = ["--steps", str(steps), "--dataset", dataset, "--num-users", str(num_users), "--num-items",
            str(num_items), "--batch-size", str(batch_size), "--max-len", str(max_len)]
    if mode == "multiworker":
        results = launch_workers(args, timeout=timeout)
        return {**results[0], "workers": [r["losses"] for r in results]}
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: choose from {MODES}")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        env.pop("TF_CONFIG", None)
        done = subprocess.run([sys.executable, "-m", "lstmrec.compute.distributed", "--mode", mode, "--json", str(out),
                               *args],
                              env=env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{mode} run exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
        return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmrec.compute.distributed", description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--json", required=True, help="where to write the record")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--dataset", choices=("synthetic", "ml-100k"), default="synthetic")
    parser.add_argument("--num-users", type=int, default=64, help="synthetic only")
    parser.add_argument("--num-items", type=int, default=200, help="synthetic only")
    parser.add_argument("--batch-size", type=int, default=32, help="the GLOBAL batch: split across replicas")
    parser.add_argument("--max-len", type=int, default=20)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.batch_size < 2:
        parser.error("--steps must be at least 1 and --batch-size at least 2 (one window per replica)")
    from lstmrec import models
    from lstmrec.util.files import atomic_write

    config = models.config.Config(max_len=args.max_len, embedding_dim=32, hidden_dim=64, dropout=0.0,
                                  batch_size=args.batch_size, lr=0.005)
    sequences, num_items = _sequences(args.dataset, args.num_users, args.num_items, seed=0)
    record = {**train_steps(args.mode, config, sequences, num_items, args.steps),
              "config": dataclasses.asdict(config), "dataset": args.dataset}
    if args.mode != "multiworker" or json.loads(os.environ["TF_CONFIG"])["task"]["index"] >= 0:
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
