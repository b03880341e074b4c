"""Every data set of the course by name: how to load and split it, what is predicted, which items are candidates.

Used by every chapter that loads data, ``python -m lstmrec.data`` (which obtains
them all), the bench (``--dataset``) and the case studies of chapter 10. The
one place a data set's name is looked up: its loader, its split, its candidate
rule with the reason, and what the course's model changes on it
(``models.registry.course_config`` applies ``model``).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from lstmrec.data import collegemsg, instacart, movielens, splits


@dataclasses.dataclass(frozen=True)
class DataSet:
    """One data set and how the course uses it.

    Attributes:
        name: the key (``"ml-100k"``), as given to ``--dataset``.
        title: what tables call it.
        domain: "Content", "E-commerce" or "Social" (chapter 10's cases).
        question: what is predicted, as the business would ask it.
        load: the loader; it returns an object with ``interactions`` and ``checksum()``.
        unit: ``"item"`` (leave-one-out over events) or ``"basket"`` (over orders): ``split`` picks the split.
        exclude_seen: whether a user's past items are left out of the candidates (``evaluation.ranking``).
        why: the reason for that rule, in one sentence.
        model: what the course's model changes from ``models.config.Config()`` on this data, each change
            chosen on this data set's validation split (the comments in ``DATASETS`` say how).
        seeds: how many seeds the bench trains each neural model with.
        chapter_epochs: the epoch budget the chapters train with, where it is below ``model``'s cap so that
            a chapter runs in minutes (the bench trains to convergence).
    """

    name: str
    title: str
    domain: str
    question: str
    load: Callable[..., object]
    unit: str
    exclude_seen: bool
    why: str
    model: dict = dataclasses.field(default_factory=dict)
    seeds: int = 3
    chapter_epochs: int | None = None

    def split(self, loaded, ties: str = "shuffle") -> splits.Split:
        """The temporal split of ``loaded`` (what ``load`` returned): by events, or by orders for baskets.

        Args:
            loaded: the loaded data set.
            ties: the order of equal timestamps (``data.ties``); baskets have none.
        """
        if self.unit == "basket":
            return splits.next_basket_split(loaded.interactions)
        return splits.leave_one_out(loaded.interactions, ties=ties)


_MOVIES = "a rating is given once per movie: a rated movie is never the next one, so it is not a candidate"

DATASETS: dict[str, DataSet] = {
    "ml-100k": DataSet(
        "ml-100k", "MovieLens-100K", "Content", "Which movie will this user rate next?",
        movielens.load_movielens_100k, "item", exclude_seen=True, why=_MOVIES, seeds=5,
        # The cap is far above any best epoch seen (17-33 at the earlier cap of 40, which stopped a few search runs
        # and one SASRec seed while their curves may still have been rising), so early stopping ends every run.
        model={"max_epochs": 100}),
    "ml-1m": DataSet(
        "ml-1m", "MovieLens-1M", "Content", "Which movie will this user rate next?",
        movielens.load_movielens_1m, "item", exclude_seen=True, why=_MOVIES,
        # Longer histories: read the last 100 items. An LSTM epoch costs 40-50 s on 2 cores (results/suite-speed.json).
        # The cap is far above any best epoch seen, so early stopping ends every run; its patience, 10, is the
        # published ML-1M protocol's (SASRec+, Klenitskiy & Vasilev 2023), since SASRec's validation curve has
        # plateaus longer than 5 epochs. Chapters 08 and 10 train 5 epochs of it; the bench trains to convergence.
        model={"max_len": 100, "max_epochs": 200, "patience": 10}, chapter_epochs=5),
    "instacart": DataSet(
        "instacart", "Instacart sample (next basket)", "E-commerce",
        "Which products will be in the user's next order?", instacart.load, "basket", exclude_seen=False,
        why="groceries are bought again and again: hiding past products would hide most of every basket",
        # 14,187 products make the full softmax the cost (about 10 s an epoch on 2 cores). On validation, E=32/H=64
        # at lr 0.02 beat the course's E=64/H=128 at 0.01 (NDCG@10 0.271 at epoch 22 against 0.231 at epoch 28, one
        # seed each). The chapter caps training at 12 epochs (0.231 then) to run in minutes; the bench's
        # `--max-epochs 40` measures what the cap costs.
        model={"embedding_dim": 32, "hidden_dim": 64, "lr": 0.02, "max_epochs": 12, "patience": 4}),
    "collegemsg": DataSet(
        "collegemsg", "CollegeMsg (next recipient)", "Social", "Whom will this user message next?",
        collegemsg.load, "item", exclude_seen=False,
        why="people write to the same friends again: most next recipients are people already written to",
        # lr 0.02 reached validation NDCG@10 0.404 at epoch 22 (68 s); lr 0.01 was at 0.398 after 30, still rising.
        model={"lr": 0.02, "max_epochs": 40, "patience": 5}),
}
"""Every data set a chapter uses, by name, in the order ``python -m lstmrec.data`` obtains them."""


def get(name: str) -> DataSet:
    """``DATASETS[name]``, with an error that lists the names.

    Raises:
        KeyError: ``name`` is not a data set of the course.
    """
    if name not in DATASETS:
        raise KeyError(f"unknown data set {name!r}; choose from {list(DATASETS)}")
    return DATASETS[name]
