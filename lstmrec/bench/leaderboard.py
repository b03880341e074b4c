"""A learner's own Keras model, trained and scored exactly as the course's models are (a workshop leaderboard).

``python -m lstmrec.bench --model package.module:build_fn`` imports
``build_fn`` and calls it as ``build_fn(num_items, config)``, where ``config``
is the course's ``models.config.Config`` for the data set. It must return a
``keras.Model`` that follows the course model's contract:

    items (batch, config.max_len) int32, oldest first, left-padded with 0
      -> logits (batch, config.max_len, num_items)

The logits at position t score the item that comes after the t-th input,
and may depend on the inputs at positions 0..t only. The model is trained
as the course trains its own: the same windows, ``models.training.next_item_loss`` at
every position, Adam with ``config.lr``, early stopping on validation NDCG@10.
It is then scored by the same evaluator on the same test items.

Before training, ``check_model`` rejects a model that cannot be scored
fairly, and says why:

- **wrong shape**: the logits must be (batch, max_len, num_items). A
  (batch, num_items) output usually means a recurrent layer without
  ``return_sequences=True``;
- **not finite**: NaN or infinite logits;
- **reads the future**: the logits at position t change when an input after
  t changes. During training the input after t *is* the target at t, so such
  a model learns to copy it instead of predicting it. A bidirectional layer,
  a shift of the inputs, or attention without a causal mask does this.

These checks catch a cheat by construction, not every possible one. A
``build_fn`` that loads the test items itself is out of reach of any check:
the leaderboard is for workshops, in good faith.

Example (``examples/leaderboard_model.py``, run from the repository's folder):
    >>> build_fn = load_build_fn("examples.leaderboard_model:build")   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np

from lstmrec import models
from lstmrec.data.splits import LeaveOneOutSplit


class ModelRejected(ValueError):
    """The learner's model cannot be scored fairly; the message says why and what to change."""


def load_build_fn(spec: str) -> Callable:
    """Import ``build_fn`` from ``"package.module:name"``.

    Raises:
        ModelRejected: a malformed spec, a module that does not import, a missing or non-callable name.
    """
    module_name, sep, name = spec.partition(":")
    if not sep or not module_name or not name.isidentifier():
        raise ModelRejected(f"--model {spec!r}: write it as package.module:build_fn, e.g. "
                            "examples.leaderboard_model:build")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ModelRejected(f"--model {spec!r}: cannot import {module_name!r} ({e}); run from the folder that "
                            "holds it, or put it on PYTHONPATH") from e
    build_fn = getattr(module, name, None)
    if not callable(build_fn):
        raise ModelRejected(f"--model {spec!r}: {module_name} has no function {name!r}")
    return build_fn


def _probe(num_items: int, max_len: int, seed: int) -> np.ndarray:
    """(4, max_len) histories: full windows and left-padded ones, random real item ids."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, num_items, size=(4, max_len)).astype("int32")
    x[2, : max_len // 2] = 0  # padded histories, as short users have
    x[3, :-3] = 0
    return x


def check_model(model, num_items: int, config: models.config.Config, seed: int = 0) -> None:
    """Reject a model with the wrong output, non-finite logits, or logits that read later inputs.

    Args:
        model: the learner's ``keras.Model``.
        num_items: catalogue size including the padding id 0.
        config: the course's configuration (``max_len``).
        seed: of the probe inputs.

    Raises:
        ModelRejected: with what is wrong and the usual cause.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ModelRejected(f"build_fn returned {type(model).__name__}, not a keras.Model")
    if model.name in ("recurrent", "encoder"):  # the layer names models.recommender.Recommender looks for
        raise ModelRejected(f"name your model something other than {model.name!r}: the course's models use it")
    x = _probe(num_items, config.max_len, seed)
    expected = (len(x), config.max_len, num_items)
    try:
        out = np.asarray(model(x, training=False))
    except Exception as e:  # the learner's code: any error is theirs to see
        raise ModelRejected(f"the model fails on a (4, {config.max_len}) int32 batch of item ids: "
                            f"{type(e).__name__}: {e}") from e
    if out.shape != expected:
        hint = (" A (batch, num_items) output usually means a recurrent layer without return_sequences=True."
                if out.shape == expected[::2] else "")
        raise ModelRejected(f"the model outputs the wrong shape: expected (batch, {config.max_len}, {num_items}) "
                            f"logits, one score per item at every position, got {tuple(out.shape)}.{hint}")
    if not np.issubdtype(out.dtype, np.floating) or not np.isfinite(out).all():
        raise ModelRejected("the model's logits are not all finite floats (NaN or inf): the loss would be undefined")
    rng = np.random.default_rng(seed + 1)
    for t in sorted({config.max_len // 2, config.max_len - 2}):
        changed = x.copy()
        changed[:, t + 1:] = rng.integers(1, num_items, size=changed[:, t + 1:].shape)
        after = np.asarray(model(changed, training=False))
        if not np.allclose(after[:, : t + 1], out[:, : t + 1], rtol=1e-4, atol=1e-5):
            raise ModelRejected(
                f"the model reads the future: its logits at position {t} change when the inputs after position {t} "
                f"change. In training the input after position t is the target at t, so the model would learn to "
                f"copy it. Use causal layers only: no Bidirectional, no shift of the inputs to the left, attention "
                f"with use_causal_mask=True.")


def build_checked(build_fn: Callable, num_items: int, config: models.config.Config):
    """``build_fn(num_items, config)``, checked (``check_model``) and wrapped for the course's trainer.

    The wrapper is a ``keras.Model`` around the learner's, so ``models.recommender.Recommender``
    ranks with the last position of its output.
    """
    import keras

    model = build_fn(num_items, config)
    check_model(model, num_items, config)
    items = keras.Input((config.max_len,), dtype="int32", name="items")
    return keras.Model(items, model(items), name="learner")


def train(build_fn: Callable, split: LeaveOneOutSplit, config: models.config.Config, k: int = 10,
          verbose: bool | None = None) -> models.training.TrainedModel:
    """Build, check and train the learner's model exactly as ``models.training.train`` trains the course's.

    Seeds with ``config.seed`` first, so the same machine gives the same model;
    ``verbose`` is ``models.training.train``'s.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    model = build_checked(build_fn, split.num_items, config)
    model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=models.training.next_item_loss)
    return models.training.fit(model, split, config, k, verbose, name="your model")
