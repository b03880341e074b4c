"""Next-basket recommendation: the split by orders, and ranking metrics over a whole basket.

Taught in chapter 10 (the e-commerce case).

The split is temporal leave-one-out over orders, not events: each user's last
order is the test basket, the order before it the validation basket, and the
model reads the products of every earlier order, in order number and then cart
order (the only real orders the data has; ``lstmrec.instacart``).

A basket ``B`` has several right answers. From the scores of every candidate
item, with ties counted against the model, each basket item ``b`` gets a
position in the recommendation list:

    p_b = |{ j not in B : j candidate, s_j >= s_b }|          other items at least as good
        + |{ b' in B : b' candidate, s_b' > s_b, or s_b' = s_b and b' < b }|  basket items placed before it

and, for a cut-off ``k``,

    recall@k = |{ b : p_b < k }| / |B|
    NDCG@k   = sum_{b : p_b < k} 1 / log2(p_b + 2)  /  sum_{i < min(k, |B|)} 1 / log2(i + 2)

With one-item baskets these are HR@k and NDCG@k of ``lstmrec.evaluation``.
Whether the user's past products are candidates is the domain's choice
(``exclude_seen``); for groceries they must be, since most of a basket is
bought again (chapter 10 measures how much). If they are excluded, a basket
item the user had before can never be recommended and counts as a miss.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from lstmrec.evaluation import ScoreFn, _check_k, exclusion_mask
from lstmrec.sequences import ItemIndex


@dataclasses.dataclass(frozen=True)
class BasketSplit:
    """Per user: the products of the orders before the last two, then the validation and test baskets.

    Attributes:
        user_ids: (num_users,) raw user ids.
        train: one array per user, the products of orders 1..n-2 (model ids), oldest first.
        valid_basket: one array per user, the products of order n-1.
        test_basket: one array per user, the products of order n.
        item_index: raw product ids <-> model ids (0 = padding).
        dropped_users: users left out for having fewer than ``min_orders`` orders.
        ties: how events are ordered (for the model cache key, as ``LeaveOneOutSplit.ties``):
            by order number, then cart order, both real; nothing is tied.
    """

    user_ids: np.ndarray
    train: list[np.ndarray]
    valid_basket: list[np.ndarray]
    test_basket: list[np.ndarray]
    item_index: ItemIndex
    dropped_users: int = 0
    ties: str = "cart-order"

    @property
    def num_items(self) -> int:
        """Catalogue size including the padding id 0."""
        return self.item_index.num_items

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    def histories(self, stage: str) -> list[np.ndarray]:
        """What a model reads: ``"valid"`` the training orders; ``"test"`` those plus the validation basket."""
        if stage == "valid":
            return self.train
        if stage == "test":
            return [np.concatenate([h, b]) for h, b in zip(self.train, self.valid_basket)]
        raise ValueError(f"stage={stage!r}: choose 'valid' or 'test'")

    def baskets(self, stage: str) -> list[np.ndarray]:
        """The baskets to predict for ``stage`` (``"valid"`` or ``"test"``)."""
        if stage == "valid":
            return self.valid_basket
        if stage == "test":
            return self.test_basket
        raise ValueError(f"stage={stage!r}: choose 'valid' or 'test'")


def next_basket_split(interactions: pd.DataFrame, min_orders: int = 3) -> BasketSplit:
    """Split each user's orders: the last is the test basket, the one before the validation basket.

    Args:
        interactions: one row per product in a basket, with ``user_id``,
            ``order_number``, ``add_to_cart_order`` and ``item_id`` (``instacart.Baskets.interactions``).
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

    return BasketSplit(np.asarray(kept_users), per_user(stage == 0), per_user(stage == 1), per_user(stage == 2),
                       item_index, dropped)


def basket_positions(scores, baskets: Sequence[np.ndarray], exclude: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each basket item's position in the recommendation list, ties against the model (module docstring).

    Args:
        scores: (n, num_items) a score per item.
        baskets: n arrays of distinct item ids (1..num_items-1).
        exclude: (n, num_items) bool, True = not a candidate (padding never is). A basket item
            that is excluded is a miss: position ``num_items - 1``.

    Returns:
        ``(rows, positions)``: (total basket items,) each, the user of each basket item and its position.

    Raises:
        ValueError: shapes disagree, scores hold NaN, a basket is empty or repeats an item, or an id is out of range.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n, num_items = scores.shape if scores.ndim == 2 else (None, None)
    if n is None or len(baskets) != n:
        raise ValueError(f"scores must be (n, num_items) with one basket per row; got {np.shape(scores)} "
                         f"and {len(baskets)} baskets")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN: the model diverged or a score function is broken")
    sizes = np.array([len(b) for b in baskets], dtype=np.int64)
    if (sizes == 0).any():
        raise ValueError(f"basket {int(np.flatnonzero(sizes == 0)[0])} is empty: every user needs at least one item")
    rows = np.repeat(np.arange(n), sizes)  # (P,) the user of each basket item
    items = np.concatenate([np.asarray(b, dtype=np.int64) for b in baskets])  # (P,)
    if items.min() < 1 or items.max() >= num_items:
        raise ValueError(f"basket item ids must be 1..{num_items - 1}, found {items.min()}..{items.max()}")
    in_basket = np.zeros((n, num_items), dtype=bool)  # (n, num_items)
    in_basket[rows, items] = True
    if in_basket.sum() != len(items):
        raise ValueError("a basket repeats an item: baskets are sets")
    candidate = np.ones((n, num_items), dtype=bool)
    candidate[:, 0] = False
    if exclude is not None:
        if exclude.shape != scores.shape:
            raise ValueError(f"exclude has shape {exclude.shape}, scores {scores.shape}")
        candidate &= ~exclude
    other = candidate & ~in_basket  # (n, num_items) candidates that are not right answers
    s_b = scores[rows, items]  # (P,)
    ahead_other = ((scores[rows] >= s_b[:, None]) & other[rows]).sum(axis=1)  # (P,) ties count against
    live = candidate[rows, items]  # (P,) basket items that can be recommended at all
    order = np.lexsort((items, np.where(live, -s_b, np.inf), rows))  # by user, score (best first), id; misses last
    first = np.r_[0, np.cumsum(sizes)[:-1]]  # (n,) where each user's basket items start
    ahead_basket = np.empty(len(items), dtype=np.int64)
    ahead_basket[order] = np.arange(len(items)) - np.repeat(first, sizes)  # 0, 1, ... within each basket
    positions = ahead_other + ahead_basket
    positions[~live] = num_items - 1  # excluded right answers can never be recommended
    return rows, positions.astype(np.int64)


def basket_metrics(rows, positions, sizes, k: int) -> dict[str, np.ndarray]:
    """Per-user recall@k and NDCG@k from ``basket_positions`` (formulas in the module docstring).

    Args:
        rows: (P,) the user of each basket item.
        positions: (P,) its position.
        sizes: (n,) each user's basket size.
        k: the cut-off.

    Returns:
        ``{"recall@k": (n,), "NDCG@k": (n,)}``.

    Example:
        >>> m = basket_metrics(np.array([0, 0]), np.array([0, 3]), np.array([2]), k=2)
        >>> m["recall@2"].tolist(), round(float(m["NDCG@2"][0]), 4)   # 1 of 2 in the top 2; 1 / (1 + 1/log2 3)
        ([0.5], 0.6131)
    """
    k = _check_k(k)
    rows, positions, sizes = (np.asarray(a, dtype=np.int64) for a in (rows, positions, sizes))
    n = len(sizes)
    hit = positions < k  # (P,)
    recall = np.bincount(rows, weights=hit, minlength=n) / sizes  # (n,)
    dcg = np.bincount(rows, weights=np.where(hit, 1.0 / np.log2(positions + 2.0), 0.0), minlength=n)
    discounts = np.cumsum(1.0 / np.log2(np.arange(k) + 2.0))  # (k,) ideal DCG for 1..k relevant items
    ideal = discounts[np.minimum(sizes, k) - 1]  # (n,)
    return {f"recall@{k}": recall, f"NDCG@{k}": dcg / ideal}


@dataclasses.dataclass(frozen=True)
class BasketResult:
    """Per-user basket metrics of one model on one stage.

    Attributes:
        per_user: metric name -> (n,) values (for intervals and paired tests).
        recommendations: (n, k) each user's top-``k``.
    """

    per_user: dict[str, np.ndarray]
    recommendations: np.ndarray

    def metrics(self) -> dict[str, float]:
        """The means over users."""
        return {name: float(values.mean()) for name, values in self.per_user.items()}


def evaluate_baskets(score_fn: ScoreFn, histories: list[np.ndarray], baskets: list[np.ndarray], num_items: int,
                     k: int = 10, exclude_seen: bool = False, batch_size: int = 256) -> BasketResult:
    """Full-catalogue ranking of every user's next basket, in batches.

    Args:
        score_fn: histories -> scores (batch, num_items), as for ``evaluation.evaluate``.
        histories: what each model may read (``BasketSplit.histories``).
        baskets: the baskets to predict (``BasketSplit.baskets``).
        num_items: catalogue size including padding.
        k: the cut-off.
        exclude_seen: leave each user's past products out of the candidates; ``False``
            (the default here) for groceries, where most of a basket is bought again.
        batch_size: users scored at once.

    Returns:
        A ``BasketResult``.
    """
    from lstmrec.evaluation import top_k

    k = _check_k(k, num_items)
    if len(histories) != len(baskets):
        raise ValueError(f"{len(histories)} histories but {len(baskets)} baskets")
    if not baskets:
        raise ValueError("no users to evaluate")
    per_user: dict[str, list[np.ndarray]] = {}
    recs = []
    for start in range(0, len(baskets), batch_size):
        hist, bask = histories[start:start + batch_size], baskets[start:start + batch_size]
        scores = np.asarray(score_fn(hist))  # (batch, num_items)
        if scores.shape != (len(hist), num_items):
            raise ValueError(f"score_fn returned shape {scores.shape}, expected ({len(hist)}, {num_items})")
        seen = exclusion_mask(hist, num_items) if exclude_seen else None
        recs.append(top_k(scores, k, seen))
        rows, positions = basket_positions(scores, bask, seen)
        for name, values in basket_metrics(rows, positions, [len(b) for b in bask], k).items():
            per_user.setdefault(name, []).append(values)
    return BasketResult({name: np.concatenate(v) for name, v in per_user.items()}, np.concatenate(recs))


def evaluate_stage(score_fn: ScoreFn, split, stage: str, k: int = 10, exclude_seen: bool = True,
                   batch_size: int = 256) -> dict[str, float]:
    """Mean metrics of ``score_fn`` on one stage of either kind of split: what tuning and early stopping read.

    A ``BasketSplit`` is scored over whole baskets (recall@k, NDCG@k,
    ``evaluate_baskets``); a ``LeaveOneOutSplit`` on its single targets (HR@k,
    NDCG@k, MRR, ``evaluation.evaluate``). NDCG@k is in both.

    Args:
        score_fn: histories -> (batch, num_items) scores.
        split: a ``BasketSplit`` or a ``sequences.LeaveOneOutSplit``.
        stage: ``"valid"`` or ``"test"``.
        k: the cut-off.
        exclude_seen: the domain's candidate rule.
        batch_size: users scored at once.

    Returns:
        Metric name -> mean over users.
    """
    from lstmrec.evaluation import evaluate

    if isinstance(split, BasketSplit):
        return evaluate_baskets(score_fn, split.histories(stage), split.baskets(stage), split.num_items, k=k,
                                exclude_seen=exclude_seen, batch_size=batch_size).metrics()
    return evaluate(score_fn, split.histories(stage), split.targets(stage), split.num_items, k=k,
                    exclude_seen=exclude_seen, batch_size=batch_size).metrics((k,))
