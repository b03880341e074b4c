"""Unit tests for ``lstmrec.bench.table``: the table's shape and protocol on a small split, the paired comparison by
hand, and the neural rows averaged over seeds with a stand-in for training (timings are never asserted).
"""

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, bench
from tests.tiny_splits import small_split


def test_bench_table_has_every_baseline_and_the_columns():
    rows, ranks = bench.table.run_baselines(small_split())
    table = pd.DataFrame(rows).set_index("model")
    assert set(ranks) == set(table.index) and all(len(r) == 60 for r in ranks.values())
    assert list(table.index) == list(baselines.registry.BASELINES)  # all six, in the registry's order
    assert len(table) == 6
    for col in ["HR@10", "NDCG@10", "MRR", "train s", "select s", "settings"]:
        assert col in table.columns
    assert ((table["HR@10"] >= 0) & (table["HR@10"] <= 1)).all()
    assert (table["NDCG@10"] <= table["HR@10"] + 1e-12).all()  # NDCG@k <= HR@k always
    assert "num_recent=" in table.loc["Item-kNN", "settings"]


def test_bench_is_deterministic():
    a, b = (pd.DataFrame(bench.table.run_baselines(small_split())[0]).set_index("model") for _ in range(2))
    timings = ["train s", "select s", "score ms"]
    pd.testing.assert_frame_equal(a.drop(columns=timings), b.drop(columns=timings))


def test_compare_by_hand():
    # two users; the model ranks them 0 and 0 in both seeds (NDCG 1, 1); the baseline 0 and 1 (1, 1/log2(3))
    c = bench.table.compare(np.array([[0, 0], [0, 0]]), np.array([0, 1]))
    b = (1 + 1 / np.log2(3)) / 2
    assert c["ratio"] == pytest.approx(1 / b)
    assert c["mean difference"] == pytest.approx(1 - b)
    assert c["users where A wins"] == 1 and c["users where B wins"] == 0


def test_neural_rows_average_over_seeds(monkeypatch):
    """run_neural on a tiny split, with models.training.train replaced by a fake that scores popularity."""
    from lstmrec import baselines, models

    split = small_split()

    class Fake:
        def __init__(self, config):
            self.recommender = baselines.popular.MostPopular().fit(split.train, split.num_items)
            self.best_epoch, self.seconds_to_best, self.seconds, self.from_cache = config.seed - 41, 1.0, 2.0, False
            self.history = {"loss": [1.0, 0.9], "val_NDCG@10": [0.1, 0.2]}
            self.converged = config.seed == 42  # the second seed "ran into its cap"

    monkeypatch.setattr(models.training, "train", lambda split_, config, **kwargs: Fake(config))
    lines = []
    rows, runs, ranks = bench.table.run_neural(split, "x", seeds=(42, 43), log=lines.append)
    assert [r["model"] for r in rows] == list(bench.table.neural()) and len(runs) == 2 * len(bench.table.neural())
    assert "blocks=" in rows[3]["settings"] and "H=" in rows[1]["settings"]  # SASRec's own settings
    assert rows[1]["NDCG@10 low"] <= rows[1]["NDCG@10"] <= rows[1]["NDCG@10 high"] and rows[1]["score ms"] > 0
    assert ranks["LSTM"].shape == (2, split.num_users)
    assert rows[1]["NDCG@10 sd"] == 0.0 and rows[1]["to best s"] == 1.0
    assert "epochs [1, 2]" in rows[1]["settings"]
    assert [r["converged"] for r in runs[:2]] == [True, False]
    assert sum("NOT CONVERGED" in line for line in lines) == len(bench.table.neural())  # every model's seed 43
