"""The baselines by name: each one's class and the grid of its settings that ``tuning.tune`` searches.

Used by chapters 01-12: the three that every data set gets (tuned from chapter 07 on), and the repeat
heuristics that join them in chapter 10, for domains where a user's past items are candidates.
"""

from __future__ import annotations

from typing import Any, Callable

from lstmrec.baselines import base
from lstmrec.baselines.knn import ItemKNN
from lstmrec.baselines.markov import MarkovChain
from lstmrec.baselines.popular import MostPopular
from lstmrec.baselines.repeat import RepeatConsumption

BASELINES: dict[str, tuple[Callable[..., base.Baseline], dict[str, list[Any]]]] = {
    "Most popular": (MostPopular, {}),
    "Markov chain": (MarkovChain, {}),
    "Item-kNN": (ItemKNN, {"num_recent": [1, 2, 3, 5, 10, 20, 50, None], "decay": [1.0, 0.9, 0.7, 0.5]}),
}
"""Each baseline's class and the grid of its settings that ``tune`` searches on validation."""

REPEAT_BASELINES: dict[str, tuple[Callable[..., base.Baseline], dict[str, list[Any]]]] = {
    "Repeat: most frequent": (RepeatConsumption, {"decay": [1.0]}),
    "Repeat: most recent": (RepeatConsumption, {"decay": [1e-3]}),
    "Repeat: blend": (RepeatConsumption, {"decay": [0.99, 0.97, 0.95, 0.9, 0.8, 0.6, 0.4, 0.2, 0.1]}),
}
"""The repeat heuristics (chapter 10), for domains where seen items are candidates; ``tune`` them the same way."""


def get(name: str) -> tuple[Callable[..., base.Baseline], dict[str, list[Any]]]:
    """``(class, grid)`` of the baseline ``name``, from either table.

    Raises:
        KeyError: no baseline has that name; the message lists them.
    """
    known = BASELINES | REPEAT_BASELINES
    if name not in known:
        raise KeyError(f"unknown baseline {name!r}; choose from {list(known)}")
    return known[name]
