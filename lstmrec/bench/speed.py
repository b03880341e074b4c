"""Where an epoch's time goes, for the ML-1M LSTM and SASRec (to become ``python -m lstmrec.bench --suite speed``).

Taught in chapter 11 (compute, 计算资源); a leaf module of the bench. ``run`` is the suite; it joins
``bench.suites`` with its first committed run in ``results/``. Each part
is timed on its own, on the course's ML-1M settings, as the fastest of
``REPEATS`` timed runs after one untimed one (tracing), since anything else
on the machine can only slow a run down:

- ``step``: one training step as ``model.fit`` runs it (forward, backward,
  Adam), with TensorFlow's op determinism off, then on (the course's setting;
  once on it cannot be turned off, so "off" is measured first);
- ``body``: the embedding and the recurrence (SASRec: the attention blocks),
  forward and backward, alone;
- ``head``: the output scores and the loss, forward and backward, from a fixed
  state: ``h (B, T, H) -> Dense(E) -> scores (B, T, N) -> loss``, with the
  course's one-hot cross-entropy and with Keras's sparse one;
- ``input``: the ``tf.data`` pipeline alone, over a whole epoch, per batch;
- ``validation``: one full-catalogue ranking of every validation user
  (``evaluation.stage``), which ``training.fit`` runs after every epoch;
- ``padding``: the share of the positions of the training windows that carry
  no target (they are computed and thrown away);
- ``rate``: ``compute.cost``'s FLOPs of a step over its time, against the
  float32 matrix-product rate measured in the same run (``matmul_rate``).

Times are this machine's; nothing in the tests asserts them.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

REPEATS = 3
"""Timed runs per part; the fastest is kept."""

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


def profile(split, config, steps: int = 20, repeats: int = REPEATS, exclude_seen: bool = True,
            log: Callable[[str], None] = print) -> dict:
    """Time each part of an epoch of ``config`` on ``split`` (module docstring).

    Op determinism is measured off, then switched on for the rest: call this in a
    process where it is still off (``python -m lstmrec.bench --suite speed`` is).

    Args:
        split: the leave-one-out split (its training histories and validation answers).
        config: the model (``models.config.Config``); its ``batch_size`` and ``max_len`` shape a step.
        steps: training batches per timed ``fit`` epoch.
        repeats: timed runs per part (``fastest``).
        exclude_seen: the candidate rule of the validation ranking.
        log: where the progress lines go.

    Returns:
        Seconds per step of ``step_nondeterministic``, ``step``, ``body``, ``head``, ``head_sparse``,
        ``input``; seconds of one ``validation``; ``epoch_estimate`` (steps per epoch x step +
        validation); the ``padding`` counts; ``flops_per_step``; ``gflops`` achieved by a step.

    Raises:
        ValueError: ``steps`` below 1, or ``config.cell`` not in ``BODY``.
    """
    import keras
    import tensorflow as tf

    from lstmrec.evaluation.stage import evaluate_stage
    from lstmrec.models import registry, training
    from lstmrec.models.recommender import Recommender

    if steps < 1:
        raise ValueError(f"steps={steps} must be at least 1")
    if config.cell not in BODY:
        raise ValueError(f"cell={config.cell!r}: the speed suite knows {list(BODY)}")
    dataset, num_windows = training.make_dataset(split.train, config)
    batches = dataset.take(steps).cache()  # the same batches every run, read once
    for _ in batches:
        pass
    results: dict = {"config": config.settings(), "steps_per_epoch": -(-num_windows // config.batch_size)}

    def fit_steps() -> float:
        keras.utils.set_random_seed(config.seed)
        model = registry.build(split.num_items, config)
        model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=training.next_item_loss)
        return fastest(lambda: model.fit(batches, epochs=1, verbose=0, shuffle=False), repeats) / steps

    if _determinism_on():
        log("op determinism is already on in this process: the 'off' figure is left out")
        results["step_nondeterministic"] = None
    else:
        results["step_nondeterministic"] = fit_steps()
    tf.config.experimental.enable_op_determinism()  # the course's setting from here on
    results["step"] = fit_steps()
    log(f"{config.cell}: a step takes {results['step'] * 1e3:.1f} ms")

    keras.utils.set_random_seed(config.seed)
    model = registry.build(split.num_items, config)
    inputs, targets, weights = next(iter(batches))
    body = keras.Model(model.inputs, model.get_layer(BODY[config.cell]).output)
    probe = tf.random.stateless_normal(tuple(body.output.shape[1:]), seed=(3, 4))  # a fixed direction

    @tf.function
    def body_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(body(inputs, training=True) * probe)
        return _touch(tape.gradient(loss, body.trainable_weights))

    results["body"] = fastest(lambda: body_step().numpy(), repeats)

    h = tf.random.stateless_normal((inputs.shape[0], config.max_len, body.output.shape[-1]), seed=(5, 6))
    project = tf.Variable(tf.random.stateless_normal((body.output.shape[-1], config.embedding_dim), seed=(7, 8)))
    items = tf.Variable(tf.random.stateless_normal((split.num_items, config.embedding_dim), seed=(9, 10)))
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)

    def head_step(loss_fn):
        @tf.function
        def run():
            with tf.GradientTape() as tape:
                logits = tf.matmul(tf.matmul(h, project), items, transpose_b=True)  # (B, T, N)
                loss = tf.reduce_sum(loss_fn(targets, logits) * weights) / tf.reduce_sum(weights)
            return _touch(tape.gradient(loss, [project, items]))
        return lambda: run().numpy()

    results["head"] = fastest(head_step(training.next_item_loss), repeats)
    results["head_sparse"] = fastest(head_step(sparse), repeats)
    # a whole epoch of the pipeline (its shuffle buffer is filled once per epoch), per batch
    results["input"] = fastest(lambda: [b for b in dataset], repeats) / results["steps_per_epoch"]

    recommender = Recommender(model, config, split.num_items)
    results["validation"] = fastest(lambda: evaluate_stage(recommender.score, split, "valid", 10, exclude_seen),
                                    max(1, repeats - 2))
    results["epoch_estimate"] = results["steps_per_epoch"] * results["step"] + results["validation"]
    results["padding"] = padding_share(split.train, config.max_len)
    results["flops_per_step"] = step_flops(config, split.num_items)
    results["gflops"] = results["flops_per_step"] / results["step"] / 1e9
    log(f"{config.cell}: body {results['body'] * 1e3:.1f} ms, head {results['head'] * 1e3:.1f} ms "
        f"(sparse {results['head_sparse'] * 1e3:.1f}), input {results['input'] * 1e3:.2f} ms per step; "
        f"validation {results['validation']:.1f} s; about {results['epoch_estimate']:.0f} s an epoch")
    return results


def table(parts: dict[str, dict], rate: float) -> list[dict]:
    """One row per model: milliseconds per step by part, seconds per epoch, and the achieved rate's share.

    Args:
        parts: model name -> ``profile``'s result.
        rate: the machine's matrix-product GFLOP/s (``matmul_rate``).
    """
    rows = []
    for name, p in parts.items():
        off = p["step_nondeterministic"]
        rows.append({
            "model": name, "step ms": round(p["step"] * 1e3, 1),
            "step ms, determinism off": None if off is None else round(off * 1e3, 1),
            "body ms": round(p["body"] * 1e3, 1), "head ms": round(p["head"] * 1e3, 1),
            "head ms, sparse loss": round(p["head_sparse"] * 1e3, 1), "input ms": round(p["input"] * 1e3, 2),
            "validation s": round(p["validation"], 1), "epoch s (estimate)": round(p["epoch_estimate"], 1),
            "padded share": p["padding"]["padded_share"],
            "GFLOP/s": round(p["gflops"], 1) if p["flops_per_step"] else None,
            "share of matmul rate": round(p["gflops"] / rate, 3) if p["flops_per_step"] else None})
    return rows


def run(log: Callable[[str], None] = print, steps: int = 20) -> dict:
    """The suite on MovieLens-1M: the course's LSTM and SASRec at the published size (``PUBLISHED_SASREC``)."""
    from lstmrec import data
    from lstmrec.models.registry import course_config

    loaded = data.registry.get("ml-1m").load()
    split = data.registry.get("ml-1m").split(loaded)
    rate = matmul_rate()
    log(f"float32 matrix product: {rate:.0f} GFLOP/s")
    configs = {"LSTM": course_config("ml-1m", "LSTM"), "SASRec": course_config("ml-1m", "SASRec", **PUBLISHED_SASREC)}
    parts = {name: profile(split, config, steps, log=log) for name, config in configs.items()}
    return {"dataset": "ml-1m", "data_checksum": loaded.checksum(), "matmul_gflops": round(rate, 1),
            "steps": steps, "repeats": REPEATS, "parts": parts, "table": table(parts, rate)}
