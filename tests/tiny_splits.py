"""Tiny hand-made splits shared by the tests of several subpackages (``evaluation``, ``bench``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmrec import data
from lstmrec.data.splits import next_basket_split


def loo_split():
    # user 1: 1 2 1 | valid 2 | test 1 -> test target seen; user 2: 3 4 5 | 6 | 7 -> not seen
    df = pd.DataFrame({"user_id": [1] * 5 + [2] * 5, "item_id": [1, 2, 1, 2, 1, 3, 4, 5, 6, 7],
                       "timestamp": list(range(5)) * 2})
    return data.splits.leave_one_out(df)


def basket_split():
    # one user: orders 1 {7, 8}, 2 {7}, 3 {7, 9, 8, 10}: test basket 7 9 8 10, history 7 8 7 -> 2 of 4 seen
    df = pd.DataFrame({"user_id": [1] * 7, "order_number": [1, 1, 2, 3, 3, 3, 3],
                       "add_to_cart_order": [1, 2, 1, 1, 2, 3, 4], "item_id": [7, 8, 7, 7, 9, 8, 10]})
    return next_basket_split(df)


def small_split(seed=0, users=60, items=30, length=12):
    rng = np.random.default_rng(seed)
    rows = [(u, int(i), 4, t) for u in range(1, users + 1)
            for t, i in enumerate(rng.choice(np.arange(1, items + 1), size=length, replace=False))]
    return data.splits.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]))
