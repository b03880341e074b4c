"""Training a next-item model: the loss, the input pipeline, early stopping on validation NDCG@10.

Taught in chapter 06; used by every chapter that trains (07-12) and the bench.

``train`` fits a model with the validation NDCG@10 of ``evaluation.stage``
computed after every epoch, stops early on it and restores the best epoch
(``models.cache`` keeps the result).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from lstmrec.data.sequences import training_windows
from lstmrec.data.splits import Split
from lstmrec.evaluation.stage import evaluate_stage
from lstmrec.models import registry
from lstmrec.models.config import Config
from lstmrec.models.recommender import Recommender
from lstmrec.util import progress


def next_item_loss(targets, logits):
    """Softmax cross-entropy of the true next item at every position, from logits.

    For one position with logits ``s`` (num_items,) and true next item ``y``:

        loss = -log softmax(s)[y] = logsumexp(s) - s[y]

    The values are those of ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)``;
    this version compares ``logits`` with a one-hot target instead of gathering
    one logit, which trains the course's model about 30% faster per epoch on CPU
    with TensorFlow's op determinism on (measured with ``python -m lstmrec.bench``).

    Args:
        targets: (batch, max_len) int item ids; padded positions (0) get weight 0
            from ``make_dataset``.
        logits: (batch, max_len, num_items) scores, no softmax applied.

    Returns:
        (batch, max_len) losses; Keras weights and averages them.

    Example:
        >>> import numpy as np
        >>> round(float(next_item_loss(np.array([[1]]), np.zeros((1, 1, 3), "float32"))[0, 0]), 4)  # ln 3
        1.0986
    """
    import keras

    logits = keras.ops.cast(logits, "float32")  # under mixed precision the softmax still runs in float32
    num_items = keras.ops.shape(logits)[-1]
    one_hot = keras.ops.one_hot(keras.ops.cast(targets, "int32"), num_items)  # (batch, max_len, num_items)
    return keras.losses.categorical_crossentropy(one_hot, logits, from_logits=True)  # (batch, max_len)


def make_dataset(sequences: list[np.ndarray], config: Config, shuffle: bool = True):
    """A ``tf.data`` pipeline of (inputs, targets, weights) training windows.

    Every position with a real target has weight 1, padded positions 0. The
    last, smaller batch is kept (no data dropped at the end of an epoch).

    Returns:
        ``(dataset, num_windows)``.
    """
    import tensorflow as tf

    inputs, targets = training_windows(sequences, config.max_len)  # (num_windows, max_len) each
    weights = (targets > 0).astype("float32")  # (num_windows, max_len): 0 where there is nothing to predict
    ds = tf.data.Dataset.from_tensor_slices((inputs, targets, weights))
    if shuffle:
        ds = ds.shuffle(len(inputs), seed=config.seed, reshuffle_each_iteration=True)
    return ds.batch(config.batch_size, drop_remainder=False).prefetch(tf.data.AUTOTUNE), len(inputs)


def _ranking_callback(split, config: Config, k: int, exclude_seen: bool = True):
    import keras

    class ValidationRanking(keras.callbacks.Callback):
        """After each epoch: full-catalogue validation metrics (NDCG@k among them) into the logs."""

        def on_epoch_end(self, epoch, logs=None):
            recommender = Recommender(self.model, config, split.num_items)
            for name, value in evaluate_stage(recommender.score, split, "valid", k, exclude_seen).items():
                logs[f"val_{name}"] = value

    return ValidationRanking()


@dataclasses.dataclass
class TrainedModel:
    """A trained recommender and the record of its training.

    Attributes:
        recommender: the model, ready to ``score``.
        config: its configuration.
        history: per-epoch ``loss`` and validation ``val_HR@10``, ``val_NDCG@10``, ``val_MRR``.
        best_epoch: the epoch whose weights were kept (1-based), chosen on validation NDCG@10.
        seconds_to_best: wall time from the start of training to the end of the best epoch.
        seconds: total training wall time (including the epochs of patience).
        from_cache: True if loaded from the cache instead of trained now.
    """

    recommender: Recommender
    config: Config
    history: dict
    best_epoch: int
    seconds_to_best: float
    seconds: float
    from_cache: bool = False


def train(split: Split, config: Config = Config(), k: int = 10, verbose: bool | None = None,
          exclude_seen: bool = True) -> TrainedModel:
    """Train on ``split.train`` with early stopping on validation NDCG@k; keep the best epoch's weights.

    Args:
        split: the leave-one-out split (or a ``data.splits.BasketSplit``, whose
            validation NDCG@k is over the whole basket); only its training
            histories are learned from, and its validation targets choose the epoch.
        config: the model and training settings.
        k: the cut-off of the validation metric.
        verbose: progress (``util.progress``): None prints one line per epoch while
            someone watches (not under ``make run`` or ``make test``) and one summary line
            for the model; True always prints both, False prints nothing.
        exclude_seen: the domain's candidate rule for the validation metric
            (``evaluation.ranking.evaluate``): the same rule as at test time.

    Returns:
        A ``TrainedModel``.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()  # the same run on the same machine gives the same model
    model = registry.build(split.num_items, config)
    model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=next_item_loss)
    return fit(model, split, config, k, verbose, exclude_seen)


def fit(model, split: Split, config: Config, k: int = 10, verbose: bool | None = None,
        exclude_seen: bool = True, name: str | None = None) -> TrainedModel:
    """``train``'s loop for a model already built and compiled.

    ``train`` builds the course's model; ``sampled`` one with another loss,
    ``leaderboard`` a learner's. Seeds are the caller's to set, before building
    the model. ``verbose`` is ``train``'s; ``name`` names the model in its
    summary line (default: the cell).
    """
    import keras

    dataset, _ = make_dataset(split.train, config)
    times, best_so_far = [], [-np.inf]
    epochs = verbose if verbose is not None else progress.watched()

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - start)
            best_so_far[0] = max(best_so_far[0], logs[f"val_NDCG@{k}"])
            if epochs:
                print(progress.epoch_line(epoch + 1, config.max_epochs, logs, k, best_so_far[0], times[-1]),
                      flush=True)

    stop = keras.callbacks.EarlyStopping(monitor=f"val_NDCG@{k}", mode="max", patience=config.patience,
                                         restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(dataset, epochs=config.max_epochs, verbose=0, shuffle=False,  # the dataset shuffles itself
                        callbacks=[_ranking_callback(split, config, k, exclude_seen), Clock(), stop])
    history = {name: [float(v) for v in values] for name, values in history.history.items()}
    best = int(np.argmax(history[f"val_NDCG@{k}"]))
    trained = TrainedModel(Recommender(model, config, split.num_items), config, history, best + 1,
                           times[best], times[-1])
    if verbose is not False:
        print(summary_line(trained, k, name), flush=True)
    return trained


def summary_line(trained: TrainedModel, k: int = 10, name: str | None = None) -> str:
    """The one line a trained or cached model prints (``util.progress.model_line``)."""
    valid = trained.history.get(f"val_NDCG@{k}", [None] * trained.best_epoch)[trained.best_epoch - 1]
    return progress.model_line(f"{name or trained.config.cell} seed {trained.config.seed}", trained.best_epoch,
                               len(trained.history.get("loss", [])), valid, trained.seconds, trained.from_cache, k)
