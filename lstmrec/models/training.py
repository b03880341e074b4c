"""Training a next-item model: the loss, the input pipeline, early stopping on validation NDCG@10.

Taught in chapter 06; used by every chapter that trains (07-12) and the bench.

``train`` fits a model with the validation NDCG@10 of ``evaluation.stage``
computed after every epoch, stops early on it and restores the best epoch
(``models.cache`` keeps the result).
"""

from __future__ import annotations

import dataclasses
import functools
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


SORT_POOL = 16
"""``batching="by_length"``: windows are sorted by length within pools of this many batches."""


def make_dataset(sequences: list[np.ndarray], config: Config, shuffle: bool = True, trim: bool = True):
    """A ``tf.data`` pipeline of (inputs, targets, weights) training windows.

    Every position with a real target has weight 1, padded positions 0. The
    last, smaller batch is kept (no data dropped at the end of an epoch).

    ``config.batching`` decides which windows share a batch:

    - ``"shuffled"`` (the course's): any windows; every batch is ``(batch_size, max_len)``.
    - ``"by_length"``: the shuffled windows are taken
      ``SORT_POOL`` batches at a time, sorted by their number of real
      positions, cut into batches, and the batches shuffled again. A batch then
      holds windows of similar length, and the columns that are padding in all
      of its windows are cut off (the padding is on the left, so the last
      columns stay): batches are ``(batch_size, t)`` with ``t <= max_len``.
      Masked padding changes no real position's output, so only the
      composition of the batches changes, not what a window computes. That
      composition matters: on MovieLens-1M the LSTM stopped at a lower
      validation NDCG@10 and scored lower on test (``bench.speed.quality``).

    Args:
        sequences: per user, the training items, oldest first.
        config: ``max_len``, ``batch_size``, ``batching`` and the shuffling ``seed``.
        shuffle: shuffle the windows (and, by length, the batches) anew every epoch.
        trim: by length only: cut the all-padding columns (False for a model whose
            input length is fixed).

    Returns:
        ``(dataset, num_windows)``.
    """
    import tensorflow as tf

    inputs, targets = training_windows(sequences, config.max_len)  # (num_windows, max_len) each
    weights = (targets > 0).astype("float32")  # (num_windows, max_len): 0 where there is nothing to predict
    ds = tf.data.Dataset.from_tensor_slices((inputs, targets, weights))
    if shuffle:
        ds = ds.shuffle(len(inputs), seed=config.seed, reshuffle_each_iteration=True)
    if config.batching == "shuffled":
        return ds.batch(config.batch_size, drop_remainder=False).prefetch(tf.data.AUTOTUNE), len(inputs)

    def by_length(x, y, w):  # (pool, max_len) each, sorted by real positions
        order = tf.argsort(tf.reduce_sum(w, axis=1), stable=True)
        return tf.gather(x, order), tf.gather(y, order), tf.gather(w, order)

    def cut(x, y, w):  # keep the last t columns, t = the longest window of the batch
        t = tf.cast(tf.reduce_max(tf.reduce_sum(w, axis=1)), tf.int32)
        return x[:, -t:], y[:, -t:], w[:, -t:]

    ds = ds.batch(config.batch_size * SORT_POOL).map(by_length).unbatch()
    batches = -(-len(inputs) // config.batch_size)  # as many as without sorting: unbatch() hides the count
    ds = ds.batch(config.batch_size, drop_remainder=False).apply(tf.data.experimental.assert_cardinality(batches))
    if trim:
        ds = ds.map(cut)
    if shuffle:
        ds = ds.shuffle(SORT_POOL, seed=config.seed + 1, reshuffle_each_iteration=True)
    return ds.prefetch(tf.data.AUTOTUNE), len(inputs)


@functools.cache
def _task_class():
    import keras
    import tensorflow as tf

    from lstmrec.models.softmax import mean_cross_entropy

    class NextItemTask(keras.Model):
        """Trains ``model`` on the full-softmax loss at the positions that have a next item, and only there.

        The model's own forward pass computes (batch, t, num_items) logits at every
        position; this step runs the model up to the input of its ``scores`` layer,
        keeps the states of the real positions, and computes the loss from them
        with ``models.softmax.mean_cross_entropy`` (the same loss, without the
        logits tensor). ``model`` keeps its weights: the task holds no others.
        """

        def __init__(self, model, **kwargs):
            super().__init__(**kwargs)
            self.model = model
            scores = model.get_layer("scores")
            self.states = keras.Model(model.inputs, scores.input)  # (batch, t, E or H)
            if hasattr(scores, "embedding"):  # tied: the item embeddings score
                self.item_matrix = lambda: scores.embedding.embeddings  # (N, E)
                self.item_bias = lambda: None
            else:  # Dense(num_items): kernel (H, N), bias (N,)
                self.item_matrix = lambda: tf.transpose(scores.kernel)
                self.item_bias = lambda: scores.bias
            self.loss_tracker = keras.metrics.Mean(name="loss")

        def call(self, inputs, training=False):
            return self.model(inputs, training=training)

        @property
        def metrics(self):
            return [self.loss_tracker]

        def train_step(self, batch):
            inputs, targets, _ = batch
            real = tf.where(targets > 0)  # (P, 2) the positions with a next item
            with tf.GradientTape() as tape:
                h = tf.gather_nd(self.states(inputs, training=True), real)  # (P, E)
                loss = mean_cross_entropy(h, self.item_matrix(), tf.gather_nd(targets, real), self.item_bias())
            variables = self.model.trainable_variables
            self.optimizer.apply(tape.gradient(loss, variables), variables)
            self.loss_tracker.update_state(loss, sample_weight=tf.cast(tf.shape(real)[0], tf.float32))
            return {"loss": self.loss_tracker.result()}  # the epoch's mean loss per position

    return NextItemTask


def next_item_task(model):
    """``model`` wrapped for training with the block-wise full-softmax loss (``NextItemTask`` above).

    Compile the result with an optimizer only (``task.compile(optimizer=...)``);
    ``fit`` trains it and returns the model inside.
    """
    return _task_class()(model)


def _inner(model):
    """The recommender a ``fit`` trained: the model inside a ``next_item_task``, else ``model`` itself."""
    return model.model if isinstance(model, _task_class()) else model


def _ranking_callback(split, config: Config, k: int, exclude_seen: bool = True):
    import keras

    class ValidationRanking(keras.callbacks.Callback):
        """After each epoch: full-catalogue validation metrics (NDCG@k among them) into the logs."""

        recommender = None  # built once: its compiled graph reads the weights as they are at each call

        def on_epoch_end(self, epoch, logs=None):
            if self.recommender is None:  # one per training, not per epoch: a graph traced anew each epoch is slow
                self.recommender = Recommender(_inner(self.model), config, split.num_items)
            for name, value in evaluate_stage(self.recommender.score, split, "valid", k, exclude_seen).items():
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

    @property
    def converged(self) -> bool:
        """Whether early stopping ended the run: ``patience`` epochs without a better one came before the cap.

        ``best_epoch + patience <= max_epochs``. Otherwise the cap stopped it, and
        the validation curve may still have been rising: not a result to compare.
        """
        return self.best_epoch + self.config.patience <= self.config.max_epochs


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
    task = next_item_task(registry.build(split.num_items, config))
    task.compile(optimizer=keras.optimizers.Adam(config.lr))
    return fit(task, split, config, k, verbose, exclude_seen)


def fit(model, split: Split, config: Config, k: int = 10, verbose: bool | None = None,
        exclude_seen: bool = True, name: str | None = None) -> TrainedModel:
    """``train``'s loop for a model already built and compiled.

    ``train`` builds the course's model; ``sampled`` one with another loss,
    ``leaderboard`` a learner's. Seeds are the caller's to set, before building
    the model. ``verbose`` is ``train``'s; ``name`` names the model in its
    summary line (default: the cell).
    """
    import keras

    length = _inner(model).inputs[0].shape[1]  # None: any window length
    dataset, _ = make_dataset(split.train, config, trim=length is None)
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
    model = _inner(model)
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
