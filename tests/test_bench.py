"""Tests of ``lstmrec.bench``: the table's shape and protocol, on a small split (timings are never asserted)."""

import numpy as np
import pandas as pd
import pytest

from lstmrec import bench, data, sequences


def small_split(seed=0, users=60, items=30, length=12):
    rng = np.random.default_rng(seed)
    rows = [(u, int(i), 4, t) for u in range(1, users + 1)
            for t, i in enumerate(rng.choice(np.arange(1, items + 1), size=length, replace=False))]
    return sequences.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]))


def test_bench_table_has_every_baseline_and_the_columns():
    table = pd.DataFrame(bench.run_baselines(small_split())).set_index("model")
    assert list(table.index) == ["Most popular", "Markov chain", "Item-kNN"]
    for col in ["HR@10", "NDCG@10", "MRR", "train s", "select s", "settings"]:
        assert col in table.columns
    assert ((table["HR@10"] >= 0) & (table["HR@10"] <= 1)).all()
    assert (table["NDCG@10"] <= table["HR@10"] + 1e-12).all()  # NDCG@k <= HR@k always
    assert "num_recent=" in table.loc["Item-kNN", "settings"]


def test_bench_is_deterministic():
    a, b = (pd.DataFrame(bench.run_baselines(small_split())).set_index("model") for _ in range(2))
    pd.testing.assert_frame_equal(a.drop(columns=["train s", "select s"]), b.drop(columns=["train s", "select s"]))


def test_bench_main_prints_and_writes_json(tmp_path, capsys):
    try:
        data.load_movielens_100k(sources=("cache",))
    except data.DataError:
        pytest.skip("MovieLens-100K is not cached under data/ (run `make data`)")
    assert bench.main(["--baselines-only", "--json", str(tmp_path / "bench.json")]) == 0
    out = capsys.readouterr().out
    assert "Most popular" in out and "Markov chain" in out and "Item-kNN" in out
    assert (tmp_path / "bench.json").exists()


def test_bench_rejects_zero_seeds():
    with pytest.raises(SystemExit):
        bench.main(["--seeds", "0"])


def test_neural_rows_average_over_seeds(monkeypatch):
    """run_neural on a tiny split, with models.train replaced by a fake that scores popularity."""
    from lstmrec import baselines, models

    split = small_split()

    class Fake:
        def __init__(self, config):
            self.recommender = baselines.MostPopular().fit(split.train, split.num_items)
            self.best_epoch, self.seconds_to_best, self.seconds, self.from_cache = config.seed - 41, 1.0, 2.0, False

    monkeypatch.setattr(models, "train", lambda split_, config: Fake(config))
    rows, runs = bench.run_neural(split, "x", seeds=(42, 43), log=lambda *a: None)
    assert [r["model"] for r in rows] == ["GRU", "LSTM"] and len(runs) == 4
    assert rows[1]["NDCG@10 sd"] == 0.0 and rows[1]["to best s"] == 1.0
    assert "epochs [1, 2]" in rows[1]["settings"]
