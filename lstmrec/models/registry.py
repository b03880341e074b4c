"""The sequence models by name, and the course's configuration of each on each data set.

Used by chapters 06-14 and the bench (chapter 13 adds SimpleRNN and SASRec).

``MODELS`` maps a model's name (``Config.cell``) to its builder and to what it
changes from the data set's course settings (``data.registry.DataSet.model``),
each change chosen on validation. ``build`` builds any of them; ``course_config``
gives the configuration the chapters and the bench train.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from lstmrec import data
from lstmrec.models import attention, recurrent
from lstmrec.models.config import Config


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One model of the course.

    Attributes:
        build: ``build(num_items, config)`` -> an uncompiled ``keras.Model``,
            (batch, max_len) item ids -> (batch, max_len, num_items) logits.
        settings: what it changes from the data set's course configuration.
        recurrent: whether it carries a state from item to item (it can then be
            unrolled, and served one step per event).
    """

    build: Callable
    settings: dict
    recurrent: bool = True


MODELS: dict[str, ModelSpec] = {
    "GRU": ModelSpec(recurrent.build, {}),
    "LSTM": ModelSpec(recurrent.build, {}),
    # lr chosen on MovieLens-100K's validation split (results/suite-beyond.json)
    "SimpleRNN": ModelSpec(recurrent.build, {"lr": 0.003}),
    # FFN width 64, as in SASRec; lr, dropout and blocks chosen on MovieLens-100K's validation split
    "SASRec": ModelSpec(attention.build, {"hidden_dim": 64, "lr": 0.001, "dropout": 0.2, "num_blocks": 1},
                        recurrent=False),
}
"""Every neural model the bench and the chapters train, in the bench's order. The settings were chosen by
``python -m lstmrec.bench --suite beyond`` (``results/suite-beyond.json``); the GRU and LSTM change nothing."""


def get(cell: str) -> ModelSpec:
    """``MODELS[cell]``, with an error that lists the names.

    Raises:
        ValueError: no model has that name.
    """
    if cell not in MODELS:
        raise ValueError(f"cell={cell!r}: choose from {tuple(MODELS)}")
    return MODELS[cell]


def build(num_items: int, config: Config, unroll: bool = False):
    """The Keras model ``config`` describes, not compiled (``ModelSpec.build``).

    Args:
        num_items: catalogue size including the padding id 0.
        config: the architecture; ``config.cell`` picks the model.
        unroll: recurrent models only: the recurrence written out as ``max_len``
            copies of the step (``recurrent.build``).

    Returns:
        A ``keras.Model``: (batch, max_len) int item ids -> (batch, max_len, num_items) logits.
    """
    spec = get(config.cell)
    if unroll:
        if not spec.recurrent:
            raise ValueError(f"cell={config.cell!r} has no recurrence to unroll")
        return spec.build(num_items, config, unroll=True)
    return spec.build(num_items, config)


TUNED: dict[tuple[str, str], dict] = {
    ("ml-100k", "LSTM"): {"dropout": 0.4},  # results/search-ml-100k.json: validation NDCG@10 0.1276 against 0.1145
    ("ml-100k", "GRU"): {"dropout": 0.4},  # 0.1262 against 0.1222 for the course's dropout of 0.2
}
"""(data set, model) -> the settings ``python -m lstmrec.bench --dataset NAME --search`` chose on that data set's
validation split (``results/search-NAME.json``; a test checks the two agree). A pair not listed keeps the data
set's and the model's settings."""


def course_config(dataset: str, cell: str = "LSTM", tuned: bool = True, **changes) -> Config:
    """The course's configuration of ``cell`` on ``dataset``: the data set's settings, the model's, ``changes``.

    ``tuned`` adds what the data set's own validation search chose (``TUNED``), after the model's settings
    and before ``changes``; the search itself starts from ``tuned=False``.

    Example:
        >>> course_config("ml-1m", "SASRec").max_len   # ML-1M reads 100 items whatever the model
        100
    """
    if dataset not in data.registry.DATASETS:
        raise ValueError(f"dataset={dataset!r}: choose from {list(data.registry.DATASETS)}")
    base = data.registry.DATASETS[dataset].model
    own = TUNED.get((dataset, cell), {}) if tuned else {}
    return Config(**{**base, "cell": cell, **get(cell).settings, **own, **changes})
