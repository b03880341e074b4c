"""Trained once, loaded after: the model cache under ``data/cache/models/``.

Taught in chapter 06 (chapters 07-14 load what it trained).

A cached model is keyed by values only: its configuration's settings, the data's
checksum, the split's tie rule and, where seen items are candidates, that rule
(``data_key``). The cache holds only weights (HDF5, no code, nothing unpickled)
and a JSON record; the model itself is rebuilt from the configuration.
"""

from __future__ import annotations

import json
from pathlib import Path

from lstmrec.data.splits import Split
from lstmrec.models import registry, training
from lstmrec.models.config import Config
from lstmrec.models.recommender import Recommender
from lstmrec.util.files import atomic_write
from lstmrec.util.paths import data_dir


def cache_dir() -> Path:
    """``data/cache/models``: trained weights (``.weights.h5``) and their records (``.json``)."""
    path = data_dir() / "cache" / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_key(split: Split, data_checksum: str, exclude_seen: bool = True) -> str:
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


def load_or_train(split: Split, data_checksum: str, config: Config = Config(),
                  verbose: bool | None = None, exclude_seen: bool = True) -> training.TrainedModel:
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

    data = data_key(split, data_checksum, exclude_seen)
    key = config.key(data)
    weights_path, record_path = cache_dir() / f"{key}.weights.h5", cache_dir() / f"{key}.json"
    if weights_path.exists() and record_path.exists():
        record = json.loads(record_path.read_text())
        if record.get("config") == config.settings() and record.get("data") == data:
            keras.utils.set_random_seed(config.seed)
            model = registry.build(split.num_items, config)
            model.load_weights(weights_path)
            trained = training.TrainedModel(Recommender(model, config, split.num_items), config, record["history"],
                                            record["best_epoch"], record["seconds_to_best"], record["seconds"], True)
            if verbose is not False:
                print(training.summary_line(trained), flush=True)
            return trained
    trained = training.train(split, config, verbose=verbose, exclude_seen=exclude_seen)
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
