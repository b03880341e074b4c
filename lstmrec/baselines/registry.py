"""The baselines by name: each one's class and the grid of its settings that ``tuning.tune`` searches.

Used by chapters 01-14: the six that every data set gets (tuned from chapter 07 on), and the repeat
heuristics that join them in chapter 10, for domains where a user's past items are candidates. The last
three are the order-aware simple baselines that Ludewig & Jannach (2018, *Evaluation of session-based
recommendation algorithms*, UMUAI 28) found hardest for neural models to beat: a second-order Markov chain
(smoothed by the first-order one), sequential rules and session-kNN. Every lead the course reports is
measured against the strongest of the six on the data set at hand.
"""

from __future__ import annotations

from typing import Any, Callable

from lstmrec.baselines import base
from lstmrec.baselines.knn import ItemKNN
from lstmrec.baselines.markov import InterpolatedMarkov, MarkovChain
from lstmrec.baselines.popular import MostPopular
from lstmrec.baselines.repeat import RepeatConsumption
from lstmrec.baselines.rules import SequentialRules
from lstmrec.baselines.sknn import SessionKNN

BASELINES: dict[str, tuple[Callable[..., base.Baseline], dict[str, list[Any]]]] = {
    "Most popular": (MostPopular, {}),
    "Markov chain": (MarkovChain, {}),
    "Item-kNN": (ItemKNN, {"num_recent": [1, 2, 3, 5, 10, 20, 50, None], "decay": [1.0, 0.9, 0.7, 0.5]}),
    # weight 0 is the first-order chain; MovieLens picks small weights: pairs of last items are sparse
    "Markov chain, 2nd order": (InterpolatedMarkov, {"weight": [0.0, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0]}),
    # steps 1 is the Markov chain again; "div" (1/d) is the published default
    "Sequential rules": (SequentialRules, {"steps": [1, 2, 3, 5, 10], "weighting": ["div", "same"],
                                           "pruning": [0, 20]}),
    "Session-kNN": (SessionKNN, {"k": [10, 20, 50, 100], "num_recent": [10, 50, 100], "decay": [0.9, 0.7, 0.5]}),
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
