"""Temporal splits: what a model reads, and what it must predict, at validation and at test.

Taught in chapter 05 (leave-one-out) and chapter 10 (next basket).

Every split follows one protocol (``Split``): per user, the training history
``train``, then the validation answer, then the test answer, in time order.
The validation stage reads ``train``; the test stage reads ``train`` followed
by the validation answer. Neither ever contains its own answer.

- ``LeaveOneOutSplit`` (``leave_one_out``): an answer is one item, the user's
  second-last and last interactions.
- ``BasketSplit`` (``next_basket_split``): an answer is a whole order, the
  user's second-last and last; the model reads the products of every earlier
  order, in order number and then cart order (the only real orders the data
  has; ``data.instacart``).

``answers(stage)`` gives either as one array per user, and ``unit`` says which
it is (``"item"`` or ``"basket"``): what ``evaluation.stage`` needs to score any
split with one call.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from lstmrec.data.sequences import ItemIndex, user_sequences

STAGES = ("valid", "test")
"""The two held-out stages of every split, in time order."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Split:
    """What every split holds and does; ``LeaveOneOutSplit`` and ``BasketSplit`` add their answers.

    Attributes:
        user_ids: (num_users,) raw user ids.
        train: one array per user, the items before the validation answer (model ids), oldest first.
        item_index: the item encoder (``num_items`` includes padding).
        dropped_users: users left out for being too short to split.
        ties: the rule that ordered equal timestamps (``data.ties``); cached models are
            keyed by it, since it decides the answers.
    """

    unit = "item"
    """What one answer is: ``"item"`` (one next item) or ``"basket"`` (a set of items)."""

    user_ids: np.ndarray
    train: list[np.ndarray]
    item_index: ItemIndex
    dropped_users: int = 0
    ties: str = "shuffle"

    @property
    def num_items(self) -> int:
        """Catalogue size including the padding id 0."""
        return self.item_index.num_items

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    def answers(self, stage: str) -> list[np.ndarray]:
        """What must be predicted at ``stage``: one array of item ids per user."""
        raise NotImplementedError

    def histories(self, stage: str) -> list[np.ndarray]:
        """What a model reads at ``stage``: ``"valid"`` the training history; ``"test"`` that and the
        validation answer. Neither ever contains its own answer."""
        if _stage(stage) == "valid":
            return self.train
        return [np.concatenate([h, a]) for h, a in zip(self.train, self.answers("valid"))]


def _stage(stage: str) -> str:
    if stage not in STAGES:
        raise ValueError(f"stage={stage!r}: choose 'valid' or 'test'")
    return stage


@dataclasses.dataclass(frozen=True, kw_only=True)
class LeaveOneOutSplit(Split):
    """Temporal leave-one-out: per user, last item = test, second-last = validation.

    Attributes (beside ``Split``'s):
        valid_target: (num_users,) the second-last item of each user.
        test_target: (num_users,) the last item of each user.
    """

    valid_target: np.ndarray
    test_target: np.ndarray

    def targets(self, stage: str) -> np.ndarray:
        """The targets for ``stage`` (``"valid"`` or ``"test"``), (num_users,)."""
        return self.valid_target if _stage(stage) == "valid" else self.test_target

    def answers(self, stage: str) -> list[np.ndarray]:
        """Each user's target as a one-item array."""
        return [np.array([t]) for t in self.targets(stage)]


def leave_one_out(interactions: pd.DataFrame, min_interactions: int = 3, ties: str = "shuffle") -> LeaveOneOutSplit:
    """Split each user's chronological history into train / validation / test.

    Users with fewer than ``min_interactions`` (at least 3: one each for train,
    validation and test) are left out, and a warning says how many.

    Args:
        interactions: with ``user_id``, ``item_id``, ``timestamp``.
        min_interactions: the shortest history kept.
        ties: the order of equal timestamps: ``"shuffle"`` (the course's rule),
            ``"source"`` or ``"item_id"`` (``lstmrec.data.ties``).

    Returns:
        The split. The catalogue is every item in ``interactions``, so the
        items of dropped users stay rankable.

    Raises:
        ValueError: ``min_interactions < 3`` or no user is long enough.

    Example:
        >>> df = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [10, 20, 30], "timestamp": [1, 2, 3]})
        >>> s = leave_one_out(df)
        >>> s.train[0].tolist(), s.valid_target.tolist(), s.test_target.tolist()
        ([1], [2], [3])
    """
    if min_interactions < 3:
        raise ValueError(f"min_interactions={min_interactions}: at least 3 are needed (train, validation, test)")
    item_index = ItemIndex.fit(interactions["item_id"].to_numpy())
    user_ids, seqs = user_sequences(interactions, item_index, ties)
    lengths = np.array([len(s) for s in seqs])
    keep = lengths >= min_interactions
    dropped = int((~keep).sum())
    if dropped:
        warnings.warn(f"leave_one_out: {dropped} of {len(seqs)} users have fewer than "
                      f"{min_interactions} interactions and were left out of the split", stacklevel=2)
    if not keep.any():
        raise ValueError(f"no user has {min_interactions} or more interactions")
    kept = [s for s, k in zip(seqs, keep) if k]
    return LeaveOneOutSplit(
        user_ids=user_ids[keep],
        train=[s[:-2] for s in kept],
        valid_target=np.array([s[-2] for s in kept], dtype=np.int64),
        test_target=np.array([s[-1] for s in kept], dtype=np.int64),
        item_index=item_index,
        dropped_users=dropped,
        ties=ties,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class BasketSplit(Split):
    """Per user: the products of the orders before the last two, then the validation and test baskets.

    ``train`` holds the products of orders 1..n-2, in order number and cart order;
    ``ties`` is ``"cart-order"``: both orders are real, nothing is tied.

    Attributes (beside ``Split``'s):
        valid_basket: one array per user, the products of order n-1.
        test_basket: one array per user, the products of order n.
    """

    unit = "basket"

    valid_basket: list[np.ndarray]
    test_basket: list[np.ndarray]
    ties: str = "cart-order"

    def baskets(self, stage: str) -> list[np.ndarray]:
        """The baskets to predict for ``stage`` (``"valid"`` or ``"test"``)."""
        return self.valid_basket if _stage(stage) == "valid" else self.test_basket

    def answers(self, stage: str) -> list[np.ndarray]:
        """Each user's basket."""
        return self.baskets(stage)


def next_basket_split(interactions: pd.DataFrame, min_orders: int = 3) -> BasketSplit:
    """Split each user's orders: the last is the test basket, the one before the validation basket.

    Args:
        interactions: one row per product in a basket, with ``user_id``,
            ``order_number``, ``add_to_cart_order`` and ``item_id`` (``data.instacart.Baskets.interactions``).
        min_orders: the fewest orders a user needs (at least 3: training, validation, test).

    Returns:
        The split. The catalogue is every product in ``interactions``.

    Raises:
        ValueError: ``min_orders < 3``, a column is missing, or no user has enough orders.

    Example:
        >>> df = pd.DataFrame({"user_id": [1] * 4, "order_number": [1, 2, 2, 3],
        ...                    "add_to_cart_order": [1, 1, 2, 1], "item_id": [7, 8, 7, 9]})
        >>> s = next_basket_split(df)
        >>> s.train[0].tolist(), s.valid_basket[0].tolist(), s.test_basket[0].tolist()
        ([1], [2, 1], [3])
    """
    if min_orders < 3:
        raise ValueError(f"min_orders={min_orders}: at least 3 are needed (training, validation, test)")
    missing = [c for c in ("user_id", "order_number", "add_to_cart_order", "item_id") if c not in interactions]
    if missing:
        raise ValueError(f"interactions lack column(s) {missing}")
    df = interactions.sort_values(["user_id", "order_number", "add_to_cart_order"], kind="stable")
    item_index = ItemIndex.fit(df["item_id"].to_numpy())
    items = item_index.encode(df["item_id"].to_numpy())  # (rows,)
    users = df["user_id"].to_numpy()
    orders = df["order_number"].to_numpy()
    last = df.groupby("user_id", sort=False)["order_number"].transform("max").to_numpy()  # (rows,) n per row
    count = df.groupby("user_id", sort=False)["order_number"].transform("nunique").to_numpy()
    keep = count >= min_orders
    user_ids = pd.unique(users)
    dropped = len(user_ids) - len(pd.unique(users[keep]))
    if dropped:
        warnings.warn(f"next_basket_split: {dropped} of {len(user_ids)} users have fewer than {min_orders} "
                      f"orders and were left out", stacklevel=2)
    if not keep.any():
        raise ValueError(f"no user has {min_orders} or more orders")
    users, items, orders, last = users[keep], items[keep], orders[keep], last[keep]
    stage = np.where(orders == last, 2, np.where(orders == last - 1, 1, 0))  # 0 train, 1 valid, 2 test
    kept_users = pd.unique(users)

    def per_user(mask: np.ndarray) -> list[np.ndarray]:
        starts = np.searchsorted(users[mask], kept_users, side="left")  # the frame is sorted by user
        ends = np.searchsorted(users[mask], kept_users, side="right")
        chosen = items[mask]
        return [chosen[a:b] for a, b in zip(starts, ends)]

    return BasketSplit(user_ids=np.asarray(kept_users), train=per_user(stage == 0), valid_basket=per_user(stage == 1),
                       test_basket=per_user(stage == 2), item_index=item_index, dropped_users=dropped)
