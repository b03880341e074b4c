"""Unit tests for ``lstmrec.evaluation.stage``: one stage of any split scored with one call, by the kind of answer
(one item or a basket), and one (history, item) pair per right answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, evaluation
from tests.tiny_splits import basket_split, loo_split


def test_evaluate_stage_dispatches_on_the_kind_of_split():
    from lstmrec import data

    df = pd.DataFrame({"user_id": [1] * 5, "order_number": [1, 1, 2, 3, 3], "add_to_cart_order": [1, 2, 1, 1, 2],
                       "item_id": [7, 8, 7, 9, 8]})
    split = data.splits.next_basket_split(df)  # history [7 8], valid basket {7}, test basket {9, 8}
    by_id = lambda hs: np.tile(-np.arange(split.num_items, dtype=float), (len(hs), 1))  # noqa: E731 lower id first
    got = evaluation.stage.evaluate_stage(by_id, split, "test", k=2, exclude_seen=False)
    # model ids 1 = 7, 2 = 8, 3 = 9: the top 2 are 7 and 8 -> one of the basket's two items, at position 1
    assert got == pytest.approx({"recall@2": 0.5, "NDCG@2": (1 / np.log2(3)) / (1 + 1 / np.log2(3))})
    loo = data.splits.leave_one_out(pd.DataFrame({"user_id": [1] * 4, "item_id": [5, 6, 7, 8],
                                                "timestamp": [0, 1, 2, 3]}))
    got = evaluation.stage.evaluate_stage(lambda hs: np.tile(np.arange(loo.num_items, dtype=float), (len(hs), 1)),
                                 loo, "valid", k=2, exclude_seen=True)
    assert set(got) == {"HR@2", "NDCG@2", "MRR"}


def test_per_user_metrics_kinds():
    split = loo_split()
    frequency = baselines.repeat.RepeatConsumption(decay=1.0).fit(split.train, split.num_items)
    got = evaluation.stage.per_user(frequency.score, split, "test", k=3, exclude_seen=False)
    assert set(got) == {"HR@3", "NDCG@3", "MRR"} and all(v.shape == (2,) for v in got.values())
    assert got["MRR"][0] == 1.0  # user 1's most frequent item, 1, is the target
    b = basket_split()
    got = evaluation.stage.per_user(baselines.popular.MostPopular().fit(b.train, b.num_items).score, b, "test", k=3,
                                    exclude_seen=False)
    assert set(got) == {"recall@3", "NDCG@3"}
    assert got["recall@3"][0] == 0.75  # popularity 7 = 8 = 1 > 9 = 10 = 0, the tie 9/10 to the lower id: 3 of 4


def test_target_pairs_one_per_basket_item():
    hs, ts = evaluation.stage.answer_pairs(basket_split(), "test")
    assert len(hs) == len(ts) == 4 and all(h.tolist() == hs[0].tolist() for h in hs)
    hs, ts = evaluation.stage.answer_pairs(loo_split(), "valid")
    assert len(hs) == 2 and ts.tolist() == loo_split().valid_target.tolist()
