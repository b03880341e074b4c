"""Where an epoch's time goes, for the ML-1M LSTM and SASRec: ``python -m lstmrec.bench --suite speed``.

Taught in appendix A4, for chapter 12 (compute, 计算资源); a leaf module of the bench. Each part is timed on
its own, on the course's ML-1M settings, as the fastest of ``REPEATS`` timed runs
after one untimed one (tracing), since anything else on the machine can only
slow a run down. Training is timed three ways (``PATHS``), before and after
the changes of issue 22:

- ``before``: whole windows in any order, (batch, T, N) logits and the one-hot
  loss, validation ranked by the eager model;
- ``course``: what ``models.training.train`` does now: the same shuffled
  windows, the loss block by block at the positions with a target
  (``models.softmax``), validation ranked by the compiled graph
  (``Recommender.score``);
- ``after``: the course's, with windows batched by length and their
  all-padding columns cut (``Config.batching="by_length"``). It is the
  fastest, but batching by length made the LSTM score lower (``quality``), so
  the course's batches stay shuffled.

For each: a training step as ``model.fit`` runs it (forward, backward, Adam)
and the positions it computes; the input pipeline over a whole epoch, per
batch; one full-catalogue ranking of every validation user, which training
runs after every epoch; the epoch that makes; and the achieved GFLOP/s, the
FLOPs of the positions that have a target (``compute.cost``) over the step's
time, against the float32 matrix-product rate measured in the same run
(``matmul_rate``). Apart: the body (embedding and recurrence, or the attention
blocks) and the head (the scores and the loss) of one whole batch, forward and
backward, the head with the one-hot, the sparse and the block-wise loss; the
step with TensorFlow's op determinism off (measured first: once on, it cannot
be turned off); and the share of padded positions in whole windows.

Then ``quality``: the course's ML-1M LSTM trained to convergence with each
batching, the same seeds, and the paired test of their test NDCG@10 (only the
batching changes what the model learns; the loss and the validation compute the
same numbers as before).

Times are this machine's; nothing in the tests asserts them.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

REPEATS = 3
"""Timed runs per part; the fastest is kept."""

PATHS = ("before", "course", "after")
"""The ways of training that are timed (module docstring)."""

CHUNKS = (128, 512, 2048)
"""Block sizes of ``models.softmax.mean_cross_entropy`` the head is timed with."""

BODY = {"LSTM": "recurrent", "GRU": "recurrent", "SimpleRNN": "recurrent", "SASRec": "encoder"}
"""The layer whose output ends each model's body: the head (``to_embedding_space``, ``scores``) follows it."""

PUBLISHED_SASREC = {"max_len": 200, "num_blocks": 2, "dropout": 0.1, "lr": 0.001}
"""SASRec at the size of the published ML-1M tables (issue 22: SASRec+, eSASRec): 200 items, 2 blocks."""


def fastest(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``run``, after one untimed call.

    Raises:
        ValueError: ``repeats`` below 1.
    """
    if repeats < 1:
        raise ValueError(f"repeats={repeats} must be at least 1")
    run()  # tracing, caches
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return float(best)


def matmul_rate(n: int = 2048, repeats: int = REPEATS) -> float:
    """GFLOP/s of one float32 ``(n, n) @ (n, n)`` product in TensorFlow: ``2 n^3`` operations.

    The ceiling a training step's products can approach on this machine.
    """
    import tensorflow as tf

    a = tf.random.stateless_normal((n, n), seed=(1, 2))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, a)))  # the sum brings the result back, cheaply
    return 2 * n**3 / fastest(lambda: product().numpy(), repeats) / 1e9


def padding_share(sequences: list[np.ndarray], max_len: int) -> dict[str, float]:
    """How many positions of the training windows carry a target.

    Args:
        sequences: per user, the training items (``split.train``).
        max_len: the window length T.

    Returns:
        ``{"windows", "positions", "targets", "padded_share"}``: ``positions`` is
        ``windows * T``, ``targets`` those with a next item, ``padded_share`` the rest's share.

    Example:
        >>> padding_share([np.array([1, 2, 3]), np.array([4, 5])], 4)   # windows [0 0 1 2], [0 0 0 4]
        {'windows': 2, 'positions': 8, 'targets': 3, 'padded_share': 0.625}
    """
    from lstmrec.data.sequences import training_windows

    _, targets = training_windows(sequences, max_len)  # (windows, T)
    positions, real = int(targets.size), int((targets > 0).sum())
    return {"windows": int(len(targets)), "positions": positions, "targets": real,
            "padded_share": round(1 - real / positions, 4) if positions else 0.0}


def step_flops(config, num_items: int) -> int:
    """Forward and backward FLOPs of one full batch (``B * T`` positions, padded ones included).

    The LSTM's count is ``compute.cost.training_flops``; SASRec's is
    ``compute.cost.attention_training_flops``. Other cells: 0 (not counted).
    """
    from lstmrec.compute import cost

    positions = config.batch_size * config.max_len
    if config.cell == "LSTM":
        return cost.training_flops(positions, config.embedding_dim, config.hidden_dim, num_items,
                                   config.tie_embeddings)
    if config.cell == "SASRec":
        return cost.attention_training_flops(positions, config.max_len, config.embedding_dim, config.hidden_dim,
                                             config.num_blocks, num_items)
    return 0


def _touch(gradients) -> object:
    """One number that depends on every gradient, so that none of them is skipped (sparse ones by their values)."""
    import tensorflow as tf

    return tf.add_n([tf.reduce_sum(g.values if isinstance(g, tf.IndexedSlices) else g)
                     for g in gradients if g is not None])


def _determinism_on() -> bool:
    """Whether op determinism is on in this process (TensorFlow reads the flag only in a private module)."""
    from tensorflow.python.framework import config as tf_config

    return bool(tf_config.is_op_determinism_enabled())


def _path_config(config, path: str):
    """``config`` with the batching of ``path``: ``"before"`` and ``"course"`` shuffled, ``"after"`` by length."""
    import dataclasses

    if path not in PATHS:
        raise ValueError(f"path={path!r}: choose from {PATHS}")
    return dataclasses.replace(config, batching="by_length" if path == "after" else "shuffled")


def _compiled_task(split, config, path: str):
    """The model of ``config`` compiled for training the ``path`` way (module docstring).

    ``"before"``: the model's (batch, T, N) logits and the one-hot loss (``training.next_item_loss``).
    ``"course"`` and ``"after"``: the loss block by block at the real positions (``training.next_item_task``).
    """
    import keras

    from lstmrec.models import registry, training

    keras.utils.set_random_seed(config.seed)
    model = registry.build(split.num_items, config)
    if path == "before":
        model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=training.next_item_loss)
        return model
    task = training.next_item_task(model)
    task.compile(optimizer=keras.optimizers.Adam(config.lr))
    return task


def time_steps(split, config, path: str, steps: int, repeats: int = REPEATS) -> dict:
    """Seconds per training step (``model.fit`` over the first ``steps`` batches of an epoch) and their positions.

    Returns:
        ``{"step": seconds per step, "positions": computed per step, "targets": with a target per step}``.
    """
    from lstmrec.models import training

    model = _compiled_task(split, config, path)
    dataset = training.make_dataset(split.train, _path_config(config, path))[0]
    batches = dataset.take(steps).cache()  # the same batches every run
    weights = [w.numpy() for _, _, w in batches]
    seconds = fastest(lambda: model.fit(batches, epochs=1, verbose=0, shuffle=False), repeats) / len(weights)
    return {"step": seconds, "positions": sum(w.size for w in weights) / len(weights),
            "targets": sum(float(w.sum()) for w in weights) / len(weights)}


def profile(split, config, steps: int = 40, repeats: int = REPEATS, exclude_seen: bool = True,
            nondeterministic: dict | None = None, log: Callable[[str], None] = print) -> dict:
    """Time each part of an epoch of ``config`` on ``split``, each of ``PATHS`` (module docstring).

    Call it with op determinism on (the course's setting); ``nondeterministic``
    is the ``time_steps`` result measured before it was switched on.

    Args:
        split: the leave-one-out split (its training histories and validation answers).
        config: the model (``models.config.Config``); its ``batch_size`` and ``max_len`` shape a step.
        steps: training batches per timed ``fit``.
        repeats: timed runs per part (``fastest``).
        exclude_seen: the candidate rule of the validation ranking.
        nondeterministic: ``time_steps(split, config, "course", steps)`` with op determinism off.
        log: where the progress lines go.

    Returns:
        ``before``, ``course`` and ``after``: ``time_steps``'s result, ``validation`` seconds (eager before,
        compiled in the other two), ``epoch`` seconds (steps per epoch x step + validation), ``input`` seconds
        per batch;
        ``course_nondeterministic``; ``body``, ``head`` (one-hot, every position), ``head_blockwise`` (real
        positions) and ``head_sparse`` seconds per step; the ``padding`` counts; ``flops_per_target`` and
        ``gflops`` on the positions with a target, for each path.

    Raises:
        ValueError: ``steps`` below 1, or ``config.cell`` not in ``BODY``.
    """
    import dataclasses

    import keras
    import tensorflow as tf

    from lstmrec.evaluation.stage import evaluate_stage
    from lstmrec.models import registry, softmax, training
    from lstmrec.models.recommender import Recommender

    if steps < 1:
        raise ValueError(f"steps={steps} must be at least 1")
    if config.cell not in BODY:
        raise ValueError(f"cell={config.cell!r}: the speed suite knows {list(BODY)}")
    padding = padding_share(split.train, config.max_len)
    results: dict = {"config": config.settings(), "steps_per_epoch": -(-padding["windows"] // config.batch_size),
                     "padding": padding}
    model = None
    for path in PATHS:
        part = time_steps(split, config, path, steps, repeats)
        dataset = training.make_dataset(split.train, _path_config(config, path))[0]
        part["input"] = fastest(lambda: [b for b in dataset], repeats) / results["steps_per_epoch"]  # a whole epoch
        keras.utils.set_random_seed(config.seed)
        model = registry.build(split.num_items, config)
        recommender = Recommender(model, config, split.num_items)
        score = (lambda h: recommender.score(h, eager=True)) if path == "before" else recommender.score
        part["validation"] = fastest(lambda: evaluate_stage(score, split, "valid", 10, exclude_seen),
                                     max(1, repeats - 2))
        part["epoch"] = results["steps_per_epoch"] * part["step"] + part["validation"]
        results[path] = part
        log(f"{config.cell}, {path}: a step {part['step'] * 1e3:.0f} ms over {part['positions']:.0f} positions "
            f"({part['targets']:.0f} with a target), validation {part['validation']:.1f} s: "
            f"about {part['epoch']:.0f} s an epoch")
    results["course_nondeterministic"] = nondeterministic

    inputs, targets, weights = next(iter(training.make_dataset(split.train, dataclasses.replace(
        config, batching="shuffled"))[0]))  # a whole (B, T) batch, as before
    body = keras.Model(model.inputs, model.get_layer(BODY[config.cell]).output)
    probe = tf.random.stateless_normal((1, 1, body.output.shape[-1]), seed=(3, 4))  # a fixed direction

    @tf.function
    def body_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(body(inputs, training=True) * probe)
        return _touch(tape.gradient(loss, body.trainable_weights))

    results["body"] = fastest(lambda: body_step().numpy(), repeats)

    h = tf.random.stateless_normal((inputs.shape[0], inputs.shape[1], body.output.shape[-1]), seed=(5, 6))
    project = tf.Variable(tf.random.stateless_normal((body.output.shape[-1], config.embedding_dim), seed=(7, 8)))
    items = tf.Variable(tf.random.stateless_normal((split.num_items, config.embedding_dim), seed=(9, 10)) * 0.1)
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)
    real = tf.where(targets > 0)

    def head_step(loss_fn, chunk=softmax.CHUNK):
        @tf.function
        def run():
            with tf.GradientTape() as tape:
                if loss_fn is None:  # the state of the real positions only, the loss block by block
                    states = tf.gather_nd(tf.matmul(h, project), real)  # (P, E)
                    loss = softmax.mean_cross_entropy(states, items, tf.gather_nd(targets, real), chunk=chunk)
                else:
                    logits = tf.matmul(tf.matmul(h, project), items, transpose_b=True)  # (B, T, N)
                    loss = tf.reduce_sum(loss_fn(targets, logits) * weights) / tf.reduce_sum(weights)
            return _touch(tape.gradient(loss, [project, items]))
        return lambda: run().numpy()

    results["head"] = fastest(head_step(training.next_item_loss), repeats)
    results["head_sparse"] = fastest(head_step(sparse), repeats)
    results["head_blockwise"] = fastest(head_step(None), repeats)
    results["head_blockwise_by_chunk"] = {chunk: fastest(head_step(None, chunk), repeats) for chunk in CHUNKS}
    results["flops_per_target"] = step_flops(config, split.num_items) / (config.batch_size * config.max_len)
    for path in PATHS:
        part = results[path]
        part["gflops"] = results["flops_per_target"] * part["targets"] / part["step"] / 1e9
    log(f"{config.cell}: body {results['body'] * 1e3:.0f} ms, head {results['head'] * 1e3:.0f} ms "
        f"(sparse {results['head_sparse'] * 1e3:.0f}, block by block at the real positions "
        f"{results['head_blockwise'] * 1e3:.0f}) per whole batch")
    return results


def table(parts: dict[str, dict], rate: float) -> list[dict]:
    """One row per model and way of training (``PATHS``): per step and per epoch, and the achieved rate.

    Args:
        parts: model name -> ``profile``'s result.
        rate: the machine's matrix-product GFLOP/s (``matmul_rate``).
    """
    rows = []
    for name, p in parts.items():
        for path in PATHS:
            part = p[path]
            rows.append({
                "model": name, "training": path, "step ms": round(part["step"] * 1e3, 1),
                "positions per step": round(part["positions"]),
                "share with a target": round(part["targets"] / part["positions"], 3),
                "input ms": round(part["input"] * 1e3, 2), "validation s": round(part["validation"], 1),
                "epoch s": round(part["epoch"], 1),
                "GFLOP/s": round(part["gflops"], 1) if p["flops_per_target"] else None,
                "share of matmul rate": round(part["gflops"] / rate, 3) if p["flops_per_target"] else None})
    return rows


def parts_table(parts: dict[str, dict]) -> list[dict]:
    """One row per model: milliseconds of a whole (B, T) batch's body and head, and of a step without op determinism."""
    rows = []
    for name, p in parts.items():
        off = p["course_nondeterministic"]
        rows.append({
            "model": name, "body ms": round(p["body"] * 1e3, 1), "head ms, one-hot loss": round(p["head"] * 1e3, 1),
            "head ms, sparse loss": round(p["head_sparse"] * 1e3, 1),
            "head ms, block by block": round(p["head_blockwise"] * 1e3, 1),
            "step ms, determinism on": round(p["course"]["step"] * 1e3, 1),
            "step ms, determinism off": None if off is None else round(off["step"] * 1e3, 1),
            "padded share of whole windows": p["padding"]["padded_share"]})
    return rows


QUALITY_SEEDS = (42, 43, 44)
"""Seeds of each batching in ``quality``."""


def quality(split, data_checksum: str, seeds=QUALITY_SEEDS, log: Callable[[str], None] = print) -> dict:
    """Does batching by length change what the course's ML-1M LSTM learns? Both batchings, trained to convergence.

    The loss block by block and the compiled validation compute the same numbers
    as before (up to float rounding; ``tests/models``), so only the batching
    can change the model: ``batching="shuffled"`` (before) against ``"by_length"``
    (after), the same seeds, each trained with early stopping, scored on the test
    split and recorded in ``results/runs/`` (``bench.runs``: a suite cut short resumes).

    Returns:
        ``{"runs": one row per (batching, seed), "difference": the paired comparison of per-user test NDCG@10,
        by_length - shuffled, over the seeds' mean (evaluation.stats.paired_comparison)}``.
    """
    import dataclasses

    from lstmrec import evaluation, models
    from lstmrec.bench import runs as bench_runs

    runs, per_user = [], {}
    for batching in ("shuffled", "by_length"):  # the course's first: the bench's ML-1M LSTM runs are the same
        scores = []
        for seed in seeds:
            config = models.registry.course_config("ml-1m", "LSTM", batching=batching, seed=seed)
            record = bench_runs.run(split, data_checksum, config)
            scores.append(evaluation.metrics.per_user(np.asarray(record["ranks"]), "NDCG", 10))
            runs.append({"batching": batching, "seed": seed, **record["test"],
                         **{name: record[name] for name in ("valid NDCG@10", "best epoch", "epochs", "converged",
                                                            "to best s", "from record")},
                         "s per epoch": record["train s"] / record["epochs"]})
            log(f"  LSTM, {batching}, seed {seed}: test NDCG@10 {runs[-1]['NDCG@10']:.4f}, best epoch "
                f"{record['best epoch']} of {record['epochs']}, {runs[-1]['s per epoch']:.1f} s per epoch, "
                f"{record['to best s']:.0f} s to best" + (" (recorded)" if record["from record"] else ""))
        per_user[batching] = np.mean(scores, axis=0)  # (users,) the seeds' mean
    config = dataclasses.asdict(models.registry.course_config("ml-1m", "LSTM"))
    return {"config": config, "seeds": list(seeds), "runs": runs,
            "difference": evaluation.stats.paired_comparison(per_user["by_length"], per_user["shuffled"])}


def run(log: Callable[[str], None] = print, steps: int = 40, parts=("profile", "quality")) -> dict:
    """The suite on MovieLens-1M: the profile of the course's LSTM and of SASRec at the published size
    (``PUBLISHED_SASREC``), then the ``quality`` of the LSTM under both batchings (``parts`` picks)."""
    from lstmrec import data

    loaded = data.registry.get("ml-1m").load()
    split = data.registry.get("ml-1m").split(loaded)
    out = {"dataset": "ml-1m", "data_checksum": loaded.checksum()}
    if "profile" in parts:  # first: op determinism is still off in this process
        out.update(_profile_both(split, steps, log))
    if "quality" in parts:
        out["quality"] = quality(split, loaded.checksum(), log=log)
    return out


def _profile_both(split, steps: int, log: Callable[[str], None]) -> dict:
    """``run``'s profile of the LSTM and SASRec, with the matrix-product rate before and after."""
    import tensorflow as tf

    from lstmrec.models.registry import course_config

    rate = matmul_rate()
    log(f"float32 matrix product: {rate:.0f} GFLOP/s")
    configs = {"LSTM": course_config("ml-1m", "LSTM"), "SASRec": course_config("ml-1m", "SASRec", **PUBLISHED_SASREC)}
    off = {}
    if _determinism_on():
        log("op determinism is already on in this process: the 'off' figures are left out")
    else:
        off = {name: time_steps(split, config, "course", steps) for name, config in configs.items()}
    tf.config.experimental.enable_op_determinism()  # the course's setting from here on
    parts = {name: profile(split, config, steps, nondeterministic=off.get(name), log=log)
             for name, config in configs.items()}
    rate_after = matmul_rate()  # the machine may have slowed or sped up meanwhile: both are kept
    log(f"float32 matrix product, at the end: {rate_after:.0f} GFLOP/s")
    return {"matmul_gflops": round(rate, 1),
            "matmul_gflops_at_end": round(rate_after, 1), "steps": steps, "repeats": REPEATS, "parts": parts,
            "table": table(parts, max(rate, rate_after)), "parts_table": parts_table(parts)}
