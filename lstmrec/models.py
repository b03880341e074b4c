"""The Keras next-item recommender: item embedding -> LSTM (or GRU, SimpleRNN) -> a score for every item.

Taught in chapter 06; used by chapters 07-12 (chapter 12 adds ``cell="SASRec"``,
built by ``lstmrec.attention``) (chapter 10 also on baskets: ``baskets.BasketSplit``)
and ``python -m lstmrec.bench``.

The model reads a user's history, oldest first, left-padded with 0 to
``max_len``, and at every position predicts the next item:

    items (batch, max_len)
      -> Embedding(num_items, embedding_dim, mask_zero=True)  (batch, max_len, embedding_dim)
      -> Dropout -> LSTM(hidden_dim, return_sequences=True)  (batch, max_len, hidden_dim)
      -> Dropout -> scores over the catalogue                (batch, max_len, num_items)

The scores are logits: either a ``Dense(num_items)`` layer, or (``tie_embeddings``)
the item embeddings themselves, ``score_i = h' . e_i`` with ``h'`` the hidden
state projected to ``embedding_dim``. Training minimises the softmax
cross-entropy of the true next item at every non-padded position (the loss
applies the softmax; the model never does, so it is applied exactly once).
To recommend, the model reads the history and the last position's logits rank
the catalogue; the padding id 0 is never a candidate (the evaluator excludes it).

``train`` fits a model with the validation NDCG@10 of ``lstmrec.evaluation``
computed after every epoch, stops early on it and restores the best epoch;
``load_or_train`` caches the result under ``data/cache/models/``, keyed by the
configuration and the data's checksum, so chapters that need the same model
train it once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from lstmrec.sequences import LeaveOneOutSplit, pad_sequences, training_windows


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything that defines a trained model; its hash (with the data's) is the cache key.

    The defaults are the course's model, chosen on the validation split
    (chapter 06 explains each; chapter 07 and the bench use them).

    Attributes:
        cell: ``"LSTM"``, ``"GRU"``, ``"SimpleRNN"`` or ``"SASRec"`` (self-attention, ``lstmrec.attention``).
        max_len: how many recent items the model reads (training windows and inputs).
        embedding_dim: size of an item embedding.
        hidden_dim: size of the recurrent state (SASRec: the inner width of its feed-forward network).
        dropout: drop RATE (the share of units zeroed during training), not a keep probability.
        tie_embeddings: score items with their input embeddings instead of a separate Dense layer.
        lr: Adam's learning rate.
        batch_size: training windows per step.
        max_epochs: the most epochs to train.
        patience: epochs without a better validation NDCG@10 before stopping.
        seed: the seed of the initial weights and the shuffling.
        num_blocks: SASRec only: attention blocks.
        num_heads: SASRec only: attention heads (they split ``embedding_dim``).
    """

    cell: str = "LSTM"
    max_len: int = 50
    embedding_dim: int = 64
    hidden_dim: int = 128
    dropout: float = 0.2
    tie_embeddings: bool = True
    lr: float = 0.01
    batch_size: int = 128
    max_epochs: int = 40
    patience: int = 10
    seed: int = 42
    num_blocks: int = 2
    num_heads: int = 1

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell={self.cell!r}: choose from {CELLS}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout={self.dropout} is a drop rate and must be in [0, 1)")
        for name in ("max_len", "embedding_dim", "hidden_dim", "batch_size", "max_epochs", "patience",
                     "num_blocks", "num_heads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")
        if self.cell == "SASRec" and self.embedding_dim % self.num_heads:
            raise ValueError(f"embedding_dim={self.embedding_dim} is not divisible by num_heads={self.num_heads}")

    def settings(self) -> dict:
        """The fields that define this model: the attention fields only for ``cell="SASRec"``.

        A recurrent model does not depend on ``num_blocks`` or ``num_heads``, so
        they are left out of its cache key and record (and the recurrent models
        cached before chapter 12 added them keep their keys).
        """
        fields = dataclasses.asdict(self)
        if self.cell != "SASRec":
            del fields["num_blocks"], fields["num_heads"]
        return fields

    def key(self, data_checksum: str) -> str:
        """A short hash of this configuration and the data: the cache file name."""
        text = json.dumps(self.settings(), sort_keys=True) + data_checksum
        return hashlib.sha256(text.encode()).hexdigest()[:16]


CELLS = ("LSTM", "GRU", "SimpleRNN", "SASRec")
"""The sequence models ``build`` knows: three recurrent cells and self-attention."""


COURSE_CONFIGS: dict[str, Config] = {
    "ml-100k": Config(),
    # Longer histories: read the last 100 items. An epoch costs about 50 s on 2 CPU cores, and 6,040
    # validation users make the validation NDCG@10 steadier than ML-100K's 943: patience 3 is enough.
    "ml-1m": Config(max_len=100, max_epochs=20, patience=3),
}
"""The course's model for each data set (chapters 06 and 08, and the bench)."""

CELL_SETTINGS: dict[str, dict] = {
    "SASRec": {"hidden_dim": 64, "lr": 0.001, "dropout": 0.2, "num_blocks": 1},  # FFN width 64, as in SASRec
    "SimpleRNN": {"lr": 0.003},
}
"""What changes from ``COURSE_CONFIGS`` for chapter 12's models, chosen on MovieLens-100K's validation split by
``python -m lstmrec.bench --suite beyond`` (``results/suite-beyond.json``); the GRU and LSTM change nothing."""


def course_config(dataset: str, cell: str = "LSTM", **changes) -> Config:
    """The course's configuration of ``cell`` on ``dataset``: ``COURSE_CONFIGS`` with ``CELL_SETTINGS[cell]``.

    Example:
        >>> course_config("ml-1m", "SASRec").max_len   # ML-1M reads 100 items whatever the model
        100
    """
    if dataset not in COURSE_CONFIGS:
        raise ValueError(f"dataset={dataset!r}: choose from {list(COURSE_CONFIGS)}")
    return dataclasses.replace(COURSE_CONFIGS[dataset], cell=cell, **{**CELL_SETTINGS.get(cell, {}), **changes})


def build(num_items: int, config: Config, unroll: bool = False):
    """The Keras model of the module docstring, not compiled.

    Args:
        num_items: catalogue size including the padding id 0.
        config: the architecture (cell, sizes, dropout, tying).
        unroll: write the recurrence out as ``max_len`` copies of the step
            instead of a loop: the same weights and outputs, more memory; what
            ``tf.vectorized_map`` needs to take per-user gradients (``dpsgd``).

    Returns:
        A ``keras.Model``: (batch, max_len) int item ids -> (batch, max_len, num_items) logits.
    """
    import keras

    if config.cell == "SASRec":
        from lstmrec import attention

        return attention.build(num_items, config)
    items = keras.Input((config.max_len,), dtype="int32", name="items")  # (batch, max_len)
    embedding = keras.layers.Embedding(num_items, config.embedding_dim, mask_zero=True, name="item_embedding")
    x = embedding(items)  # (batch, max_len, embedding_dim); padding positions are masked from here on
    x = keras.layers.Dropout(config.dropout)(x)
    recurrent = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU, "SimpleRNN": keras.layers.SimpleRNN}[config.cell]
    h = recurrent(config.hidden_dim, return_sequences=True, unroll=unroll,
                  name="recurrent")(x)  # (batch, max_len, hidden_dim)
    h = keras.layers.Dropout(config.dropout)(h)
    if config.tie_embeddings:
        h = keras.layers.Dense(config.embedding_dim, name="to_embedding_space")(h)  # (batch, max_len, embedding_dim)
        logits = TiedScores(embedding, name="scores")(h)  # (batch, max_len, num_items)
    else:
        logits = keras.layers.Dense(num_items, name="scores")(h)  # (batch, max_len, num_items)
    return keras.Model(items, logits, name=f"{config.cell.lower()}_recommender")


def _tied_scores_class():
    import keras

    class _TiedScores(keras.layers.Layer):
        """Logits as dot products with the item embeddings: ``h (.., E) @ E_items^T (E, num_items)``."""

        def __init__(self, embedding, **kwargs):
            super().__init__(**kwargs)
            self.embedding = embedding

        def call(self, h):
            items = keras.ops.cast(self.embedding.embeddings, h.dtype)  # bfloat16 under mixed precision, else as is
            return keras.ops.matmul(h, keras.ops.transpose(items))  # (.., num_items)

        def compute_mask(self, inputs, mask=None):
            return mask

    return _TiedScores


def TiedScores(embedding, **kwargs):  # noqa: N802 (a layer factory, named like a layer)
    """A layer that scores items with the embedding matrix of ``embedding`` (weight tying)."""
    return _tied_scores_class()(embedding, **kwargs)


class Recommender:
    """A trained sequence model as the evaluator sees it: ``score(histories) -> (batch, num_items)``.

    Args:
        model: the Keras model from ``build``, or any model with the same contract
            ((batch, max_len) ids -> (batch, max_len, num_items) logits; ``lstmrec.leaderboard``).
        config: its configuration.
        num_items: catalogue size including padding.
    """

    def __init__(self, model, config: Config, num_items: int):
        import keras

        self.model, self.config, self.num_items = model, config, num_items
        self.name = config.cell
        # To rank, only the last position's scores are needed: the same layers (same weights) applied to
        # the last state only, instead of computing (batch, max_len, num_items) and keeping one slice.
        name = "encoder" if config.cell == "SASRec" else "recurrent"
        if name in [layer.name for layer in model.layers]:
            state = model.get_layer(name)
            after = model.layers[model.layers.index(state) + 1:]
            out = keras.ops.take(state.output, -1, axis=1)  # (batch, hidden_dim or E): after the last item
            for layer in after:
                out = layer(out)  # ends as (batch, num_items) logits
        else:  # another architecture (a learner's, lstmrec.leaderboard): the last position of its whole output
            out = keras.ops.take(model.outputs[0], -1, axis=1)  # (batch, num_items)
        self._last_step = keras.Model(model.inputs[0], out)
        self._compiled = None

    def compiled(self):
        """The last-position model as one compiled TensorFlow graph: (batch, max_len) ids -> (batch, num_items) logits.

        ``score`` calls the model eagerly, op by op: for a recurrent layer that is
        one round of dispatches per time step, which dominates the time of a
        single user's call. The compiled graph runs the same weights without that
        overhead (chapter 12 times both). Its input is already padded
        (``sequences.pad_sequences``) and it does not mask the padding column.
        """
        import tensorflow as tf

        if self._compiled is None:
            self._compiled = tf.function(lambda x: self._last_step(x, training=False), reduce_retracing=True)
        return self._compiled

    def score(self, histories: list[np.ndarray]) -> np.ndarray:
        """Logits of the item after each history, from its ``max_len`` most recent items.

        Returns:
            (batch, num_items) float32; column 0 (padding) is -inf.
        """
        x = pad_sequences(histories, self.config.max_len)  # (batch, max_len), most recent item last
        if x.size and (x.max() >= self.num_items or x.min() < 0):  # a negative id would wrap around silently
            bad = int(x.max()) if x.max() >= self.num_items else int(x.min())
            raise KeyError(f"unknown item id {bad}: the catalogue has ids 1..{self.num_items - 1}")
        scores = np.array(self._last_step(x, training=False), dtype=np.float32)  # (batch, num_items), a copy
        scores[:, 0] = -np.inf  # padding is never recommended
        return scores


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

    from lstmrec.baskets import evaluate_stage

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


def train(split: LeaveOneOutSplit, config: Config = Config(), k: int = 10, verbose: bool | None = None,
          exclude_seen: bool = True) -> TrainedModel:
    """Train on ``split.train`` with early stopping on validation NDCG@k; keep the best epoch's weights.

    Args:
        split: the leave-one-out split (or a ``baskets.BasketSplit``, whose
            validation NDCG@k is over the whole basket); only its training
            histories are learned from, and its validation targets choose the epoch.
        config: the model and training settings.
        k: the cut-off of the validation metric.
        verbose: progress (``lstmrec.progress``): None prints one line per epoch while
            someone watches (not under ``make run`` or ``make test``) and one summary line
            for the model; True always prints both, False prints nothing.
        exclude_seen: the domain's candidate rule for the validation metric
            (``evaluation.evaluate``): the same rule as at test time.

    Returns:
        A ``TrainedModel``.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()  # the same run on the same machine gives the same model
    model = build(split.num_items, config)
    model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=next_item_loss)
    return fit(model, split, config, k, verbose, exclude_seen)


def fit(model, split: LeaveOneOutSplit, config: Config, k: int = 10, verbose: bool | None = None,
        exclude_seen: bool = True, name: str | None = None) -> TrainedModel:
    """``train``'s loop for a model already built and compiled.

    ``train`` builds the course's model; ``sampled`` one with another loss,
    ``leaderboard`` a learner's. Seeds are the caller's to set, before building
    the model. ``verbose`` is ``train``'s; ``name`` names the model in its
    summary line (default: the cell).
    """
    import keras

    from lstmrec import progress

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
    """The one line a trained or cached model prints (``lstmrec.progress.model_line``)."""
    from lstmrec import progress

    valid = trained.history.get(f"val_NDCG@{k}", [None] * trained.best_epoch)[trained.best_epoch - 1]
    return progress.model_line(f"{name or trained.config.cell} seed {trained.config.seed}", trained.best_epoch,
                               len(trained.history.get("loss", [])), valid, trained.seconds, trained.from_cache, k)


def cache_dir() -> Path:
    """``data/cache/models``: trained weights (``.weights.h5``) and their records (``.json``)."""
    from lstmrec.data import data_dir

    path = data_dir() / "cache" / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_key(split: LeaveOneOutSplit, data_checksum: str, exclude_seen: bool = True) -> str:
    """What identifies the training data of a cached model: the data's checksum, the split's tie rule,
    and (when seen items are candidates) the candidate rule.

    The tie rule decides which of several same-second events is each user's
    target, so two splits of the same data under different rules are different
    data. The candidate rule decides the validation metric, so the epoch chosen.

    Example:
        >>> data_key(split, "01916cdf5d47d255")   # doctest: +SKIP
        '01916cdf5d47d255/ties=shuffle'
        >>> data_key(split, "ecf9f3c8045d870d", exclude_seen=False)   # doctest: +SKIP
        'ecf9f3c8045d870d/ties=shuffle/seen=candidates'
    """
    return f"{data_checksum}/ties={split.ties}" + ("" if exclude_seen else "/seen=candidates")


def load_or_train(split: LeaveOneOutSplit, data_checksum: str, config: Config = Config(),
                  verbose: bool | None = None, exclude_seen: bool = True) -> TrainedModel:
    """The model for ``config`` on this data: from the cache if it was trained before, else trained and cached.

    The cache holds only weights (HDF5, no code, nothing unpickled) and a JSON
    record; the model itself is rebuilt from ``config``. Files are written
    atomically, so an interrupted run leaves no half-written cache entry.

    Args:
        split: the leave-one-out split of the data.
        data_checksum: ``data.checksum(ml)``: a model is reused only on the same data,
            split with the same tie rule (``split.ties``).
        config: the settings.
        verbose: progress, as in ``train``; a model from the cache prints its summary line.
        exclude_seen: the domain's candidate rule (``train``); part of the cache key.

    Returns:
        A ``TrainedModel`` (``from_cache`` says which).
    """
    import keras

    from lstmrec.data import atomic_write

    data = data_key(split, data_checksum, exclude_seen)
    key = config.key(data)
    weights_path, record_path = cache_dir() / f"{key}.weights.h5", cache_dir() / f"{key}.json"
    if weights_path.exists() and record_path.exists():
        record = json.loads(record_path.read_text())
        if record.get("config") == config.settings() and record.get("data") == data:
            keras.utils.set_random_seed(config.seed)
            model = build(split.num_items, config)
            model.load_weights(weights_path)
            trained = TrainedModel(Recommender(model, config, split.num_items), config, record["history"],
                                   record["best_epoch"], record["seconds_to_best"], record["seconds"], True)
            if verbose is not False:
                print(summary_line(trained), flush=True)
            return trained
    trained = train(split, config, verbose=verbose, exclude_seen=exclude_seen)
    with atomic_write(weights_path) as tmp:
        h5 = tmp.with_name(tmp.name + ".weights.h5")  # Keras wants the suffix
        try:
            trained.recommender.model.save_weights(h5)
            h5.replace(tmp)
        finally:
            h5.unlink(missing_ok=True)
    record = {"config": config.settings(), "data": data, "history": trained.history,
              "best_epoch": trained.best_epoch, "seconds_to_best": trained.seconds_to_best,
              "seconds": trained.seconds}
    with atomic_write(record_path) as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return trained
