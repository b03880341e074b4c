"""The tiny models of the tests of ``lstmrec.models``: sizes 4, ``max_len`` 5, a seeded synthetic split of 30 users
and 15 items, trained for at most 3 epochs, so that every file runs in seconds on a laptop CPU.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmrec import evaluation, models
from lstmrec.data.splits import leave_one_out

keras = pytest.importorskip("keras")

NUM_RAW_ITEMS = 15
NUM_ITEMS = NUM_RAW_ITEMS + 1  # 15 items + padding id 0
E, H, MAX_LEN = 4, 4, 5

# The training settings of every trained model in this file.
CONFIG = models.config.Config(max_len=MAX_LEN, embedding_dim=E, hidden_dim=H, dropout=0.1, lr=0.05,
                       batch_size=16, max_epochs=3, patience=1, seed=7)


def tiny(cell="LSTM", tie=True, dropout=0.0, **kwargs):
    """A tiny configuration (sizes 4, max_len 5)."""
    return models.config.Config(cell=cell, max_len=MAX_LEN, embedding_dim=E, hidden_dim=H, dropout=dropout,
                         tie_embeddings=tie, **kwargs)


def interactions(num_users=30, seed=0):
    """A seeded frame of ``(user_id, item_id, rating, timestamp)``: 30 users, raw items 101..115.

    Each user has 4..7 interactions; the next item is mostly the previous one
    plus 1 (cyclically), so there is an order for the model to pick up. A
    training history then has at most 7 - 2 = 5 items, so at least 15 - 5 = 10
    unseen items are left to rank: the validation HR@10 and NDCG@10 are defined.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(1, num_users + 1):
        item = int(rng.integers(NUM_RAW_ITEMS))
        for t in range(int(rng.integers(4, 8))):
            rows.append((user, 101 + item, int(rng.integers(1, 6)), 1_000 * user + t))
            item = (item + 1) % NUM_RAW_ITEMS if rng.random() < 0.8 else int(rng.integers(NUM_RAW_ITEMS))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


@pytest.fixture(scope="module")
def split():
    s = leave_one_out(interactions())
    assert s.num_users == 30 and s.num_items == NUM_ITEMS  # every raw item occurs, every user has >= 3
    return s


def valid_ndcg(recommender, split):
    result = evaluation.ranking.evaluate(recommender.score, split.histories("valid"), split.targets("valid"),
                                 split.num_items, k=10)
    return result.metrics((10,))["NDCG@10"]


# --- Recommender.score ---------------------------------------------------------------

HISTORIES = [
    np.array([3]),
    np.array([1, 2, 3]),
    np.array([5, 6, 7, 8, 9]),  # exactly max_len
    np.array([15, 14, 13, 12, 11, 10, 2, 4]),  # longer than max_len: items 15, 14, 13 are not read
]


# --- make_dataset --------------------------------------------------------------------


def rows(a):
    """The rows of a 2-D array as a sorted list of tuples (a multiset of windows)."""
    return sorted(map(tuple, np.asarray(a).tolist()))


def randomise(model, seed: int = 0) -> None:
    """Replace every weight by a seeded random value: embeddings N(0, 1), the rest N(0, 0.5²).

    An untrained model scores almost every item alike; random weights make its ranking depend on every layer
    (used by the tests of ``serve.export`` and ``serve.streaming``).
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            scale = 1.0 if layer.name == "item_embedding" else 0.5
            layer.set_weights([rng.normal(0.0, scale, w.shape).astype(w.dtype) for w in weights])
