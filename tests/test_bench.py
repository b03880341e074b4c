"""Tests of ``lstmrec.bench``: the table's shape and protocol, on a small split (timings are never asserted)."""

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, bench, data, sequences


def small_split(seed=0, users=60, items=30, length=12):
    rng = np.random.default_rng(seed)
    rows = [(u, int(i), 4, t) for u in range(1, users + 1)
            for t, i in enumerate(rng.choice(np.arange(1, items + 1), size=length, replace=False))]
    return sequences.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]))


def test_bench_table_has_every_baseline_and_the_columns():
    rows, ranks = bench.run_baselines(small_split())
    table = pd.DataFrame(rows).set_index("model")
    assert set(ranks) == set(table.index) and all(len(r) == 60 for r in ranks.values())
    assert list(table.index) == ["Most popular", "Markov chain", "Item-kNN"]
    for col in ["HR@10", "NDCG@10", "MRR", "train s", "select s", "settings"]:
        assert col in table.columns
    assert ((table["HR@10"] >= 0) & (table["HR@10"] <= 1)).all()
    assert (table["NDCG@10"] <= table["HR@10"] + 1e-12).all()  # NDCG@k <= HR@k always
    assert "num_recent=" in table.loc["Item-kNN", "settings"]


def test_bench_is_deterministic():
    a, b = (pd.DataFrame(bench.run_baselines(small_split())[0]).set_index("model") for _ in range(2))
    pd.testing.assert_frame_equal(a.drop(columns=["train s", "select s"]), b.drop(columns=["train s", "select s"]))


def test_bench_main_prints_and_writes_json(tmp_path, capsys):
    try:
        data.load_movielens_100k(sources=("cache",))
    except data.DataError:
        pytest.skip("MovieLens-100K is not cached under data/ (run `make data`)")
    assert bench.main(["--baselines-only", "--ties", "item_id", "--json", str(tmp_path / "bench.json")]) == 0
    out = capsys.readouterr().out
    assert "Most popular" in out and "Markov chain" in out and "Item-kNN" in out
    assert "equal timestamps: item_id" in out
    record = bench.load_artefact(tmp_path / "bench.json")
    assert record["dataset"] == "ml-100k" and record["ties"] == "item_id"
    assert record["command"] == "python -m lstmrec.bench --baselines-only --ties item_id"  # not where it was written
    assert record["machine"]["cpus"] >= 1 and [r["model"] for r in record["table"]] == list(baselines.BASELINES)


def test_load_artefact_rejects_other_json(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"table": []}')
    with pytest.raises(ValueError, match=r"not a bench artefact: it lacks \['command', 'dataset'"):
        bench.load_artefact(path)


def test_artefact_path():
    assert bench.artefact_path("ml-1m").name == "bench-ml-1m-shuffle.json"
    assert bench.artefact_path("ml-100k", "item_id").parent.name == "results"
    with pytest.raises(ValueError, match=r"dataset='ml-10m'"):
        bench.artefact_path("ml-10m")


def test_compare_by_hand():
    # two users; the model ranks them 0 and 0 in both seeds (NDCG 1, 1); the baseline 0 and 1 (1, 1/log2(3))
    c = bench.compare(np.array([[0, 0], [0, 0]]), np.array([0, 1]))
    b = (1 + 1 / np.log2(3)) / 2
    assert c["ratio"] == pytest.approx(1 / b)
    assert c["mean difference"] == pytest.approx(1 - b)
    assert c["users where A wins"] == 1 and c["users where B wins"] == 0


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--models", "RNN"], ["--models", ""], ["--dataset", "ml-10m"],
                                  ["--ties", "random"]])
def test_bench_rejects_bad_arguments(args):
    with pytest.raises(SystemExit):
        bench.main(args)


def test_neural_rows_average_over_seeds(monkeypatch):
    """run_neural on a tiny split, with models.train replaced by a fake that scores popularity."""
    from lstmrec import baselines, models

    split = small_split()

    class Fake:
        def __init__(self, config):
            self.recommender = baselines.MostPopular().fit(split.train, split.num_items)
            self.best_epoch, self.seconds_to_best, self.seconds, self.from_cache = config.seed - 41, 1.0, 2.0, False
            self.history = {"val_NDCG@10": [0.1, 0.2]}

    monkeypatch.setattr(models, "train", lambda split_, config: Fake(config))
    rows, runs, ranks = bench.run_neural(split, "x", seeds=(42, 43), log=lambda *a: None)
    assert [r["model"] for r in rows] == ["GRU", "LSTM"] and len(runs) == 4
    assert ranks["LSTM"].shape == (2, split.num_users)
    assert rows[1]["NDCG@10 sd"] == 0.0 and rows[1]["to best s"] == 1.0
    assert "epochs [1, 2]" in rows[1]["settings"]
