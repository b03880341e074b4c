"""Tests of ``lstmrec.baselines.tie_orders``: a baseline scored under several tie orders, and their spread.

Without equal timestamps every tie seed gives the same score; with them the seeds differ; each seed's score is the
one the chapter's steps give by hand (order, split, tune on that order's validation, score its test); the spread by
hand; bad input: no seeds, an unknown baseline, no scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, data, evaluation
from lstmrec.baselines import tie_orders


def _walks(tied: bool) -> pd.DataFrame:
    """60 users walking mostly +1 through 30 items; with ``tied``, every two events share a timestamp."""
    rng = np.random.default_rng(3)
    rows = []
    for user in range(60):
        item = int(rng.integers(1, 31))
        for t in range(int(rng.integers(6, 16))):
            rows.append((user, item, t // 2 if tied else t))
            item = item % 30 + 1 if rng.random() < 0.7 else int(rng.integers(1, 31))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


def test_without_ties_every_order_is_the_same():
    by_seed = tie_orders.scores("Markov chain", _walks(tied=False), seeds=range(3))
    assert list(by_seed) == [0, 1, 2] and len(set(by_seed.values())) == 1
    assert tie_orders.spread(by_seed) == 0


def test_with_ties_the_orders_differ_and_each_is_the_chapter_steps():
    events = _walks(tied=True)
    by_seed = tie_orders.scores("Markov chain", events, seeds=(0, 5))
    assert by_seed[0] != by_seed[5]
    split = data.splits.leave_one_out(data.ties.order_events(events, seed=5), ties="source")
    model, _, _ = baselines.tuning.fit_best("Markov chain", split)
    by_hand = evaluation.ranking.evaluate(model.score, split.histories("test"), split.targets("test"),
                                          split.num_items, k=10).metrics((10,))["NDCG@10"]
    assert by_seed[5] == pytest.approx(by_hand, abs=1e-12)


def test_spread_by_hand():
    assert tie_orders.spread({0: 0.10, 1: 0.13, 2: 0.12}) == pytest.approx(0.03)
    assert tie_orders.spread({7: 0.2}) == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda: tie_orders.scores("Markov chain", _walks(True), seeds=[]), ValueError, "at least one tie seed"),
    (lambda: tie_orders.scores("No such baseline", _walks(True), seeds=[0]), (KeyError, ValueError), "No such"),
    (lambda: tie_orders.spread({}), ValueError, "no scores"),
])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
