"""Tests of ``lstmrec.bench``: the table's shape and protocol, on a small split (timings are never asserted)."""

import numpy as np
import pandas as pd
import pytest

from lstmrec import baselines, bench, data, evaluation
from lstmrec.bench.__main__ import main


def small_split(seed=0, users=60, items=30, length=12):
    rng = np.random.default_rng(seed)
    rows = [(u, int(i), 4, t) for u in range(1, users + 1)
            for t, i in enumerate(rng.choice(np.arange(1, items + 1), size=length, replace=False))]
    return data.splits.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]))


def test_bench_table_has_every_baseline_and_the_columns():
    rows, ranks = bench.table.run_baselines(small_split())
    table = pd.DataFrame(rows).set_index("model")
    assert set(ranks) == set(table.index) and all(len(r) == 60 for r in ranks.values())
    assert list(table.index) == ["Most popular", "Markov chain", "Item-kNN"]
    for col in ["HR@10", "NDCG@10", "MRR", "train s", "select s", "settings"]:
        assert col in table.columns
    assert ((table["HR@10"] >= 0) & (table["HR@10"] <= 1)).all()
    assert (table["NDCG@10"] <= table["HR@10"] + 1e-12).all()  # NDCG@k <= HR@k always
    assert "num_recent=" in table.loc["Item-kNN", "settings"]


def test_bench_is_deterministic():
    a, b = (pd.DataFrame(bench.table.run_baselines(small_split())[0]).set_index("model") for _ in range(2))
    timings = ["train s", "select s", "score ms"]
    pd.testing.assert_frame_equal(a.drop(columns=timings), b.drop(columns=timings))


def test_bench_main_prints_and_writes_json(tmp_path, capsys):
    try:
        data.movielens.load_movielens_100k(sources=("cache",))
    except data.fetch.DataError:
        pytest.skip("MovieLens-100K is not cached under data/ (run `make data`)")
    assert main(["--baselines-only", "--ties", "item_id", "--json", str(tmp_path / "bench.json")]) == 0
    out = capsys.readouterr().out
    assert "Most popular" in out and "Markov chain" in out and "Item-kNN" in out
    assert "equal timestamps: item_id" in out
    record = bench.results.load_artefact(tmp_path / "bench.json")
    assert record["dataset"] == "ml-100k" and record["ties"] == "item_id"
    assert record["command"] == "python -m lstmrec.bench --baselines-only --ties item_id"  # not where it was written
    assert record["machine"]["cpus"] >= 1 and [r["model"] for r in record["table"]] == list(baselines.registry.BASELINES)


def test_load_artefact_rejects_other_json(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"table": []}')
    with pytest.raises(ValueError, match=r"not a bench artefact: it lacks \['command', 'dataset'"):
        bench.results.load_artefact(path)


def test_artefact_path():
    assert bench.results.artefact_path("ml-1m").name == "bench-ml-1m-shuffle.json"
    assert bench.results.artefact_path("ml-100k", "item_id").parent.name == "results"
    with pytest.raises(ValueError, match=r"dataset='ml-10m'"):
        bench.results.artefact_path("ml-10m")


def test_compare_by_hand():
    # two users; the model ranks them 0 and 0 in both seeds (NDCG 1, 1); the baseline 0 and 1 (1, 1/log2(3))
    c = bench.table.compare(np.array([[0, 0], [0, 0]]), np.array([0, 1]))
    b = (1 + 1 / np.log2(3)) / 2
    assert c["ratio"] == pytest.approx(1 / b)
    assert c["mean difference"] == pytest.approx(1 - b)
    assert c["users where A wins"] == 1 and c["users where B wins"] == 0


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--models", "RNN"], ["--models", ""], ["--dataset", "ml-10m"],
                                  ["--ties", "random"]])
def test_bench_rejects_bad_arguments(args):
    with pytest.raises(SystemExit):
        main(args)


def test_neural_rows_average_over_seeds(monkeypatch):
    """run_neural on a tiny split, with models.training.train replaced by a fake that scores popularity."""
    from lstmrec import baselines, models

    split = small_split()

    class Fake:
        def __init__(self, config):
            self.recommender = baselines.popular.MostPopular().fit(split.train, split.num_items)
            self.best_epoch, self.seconds_to_best, self.seconds, self.from_cache = config.seed - 41, 1.0, 2.0, False
            self.history = {"val_NDCG@10": [0.1, 0.2]}

    monkeypatch.setattr(models.training, "train", lambda split_, config, verbose=None: Fake(config))
    rows, runs, ranks = bench.table.run_neural(split, "x", seeds=(42, 43), log=lambda *a: None)
    assert [r["model"] for r in rows] == list(bench.table.neural()) and len(runs) == 2 * len(bench.table.neural())
    assert "blocks=" in rows[3]["settings"] and "H=" in rows[1]["settings"]  # SASRec's own settings
    assert rows[1]["NDCG@10 low"] <= rows[1]["NDCG@10"] <= rows[1]["NDCG@10 high"] and rows[1]["score ms"] > 0
    assert ranks["LSTM"].shape == (2, split.num_users)
    assert rows[1]["NDCG@10 sd"] == 0.0 and rows[1]["to best s"] == 1.0
    assert "epochs [1, 2]" in rows[1]["settings"]


def test_intervals_by_hand():
    # one user, two seeds, ranks 0 and 1: per-user NDCG (1 + 1/log2 3) / 2 every resample
    out = evaluation.stats.intervals(np.array([[0], [1]]))
    expected = (1 + 1 / np.log2(3)) / 2
    assert out["NDCG@10 low"] == pytest.approx(expected) and out["NDCG@10 high"] == pytest.approx(expected)
    assert out["HR@10 low"] == out["HR@10 high"] == 1.0 and out["MRR low"] == pytest.approx(0.75)
    many = evaluation.stats.intervals(np.array([0, 20, 0, 20, 0, 20, 0, 20]))  # HR 0.5 on 8 users: an interval around it
    assert many["HR@10 low"] < 0.5 < many["HR@10 high"]


def test_artefact_path_of_a_variant():
    assert bench.results.artefact_path("ml-1m", variant="all-models").name == "bench-ml-1m-shuffle-all-models.json"
    with pytest.raises(ValueError, match="committed variants"):
        bench.results.artefact_path("ml-100k", variant="all-models")


def test_committed_tables_hold_every_model():
    """The runs chapter 12 loads: every neural model on ML-100K, the GRU, LSTM and SASRec on ML-1M, with intervals."""
    ml100k = bench.results.load_artefact(bench.results.artefact_path("ml-100k"))
    assert set(bench.table.neural()) <= {r["model"] for r in ml100k["table"]}
    ml1m = bench.results.load_artefact(bench.results.artefact_path("ml-1m", variant="all-models"))
    assert {"GRU", "LSTM", "SASRec"} <= {r["model"] for r in ml1m["table"]}
    for row in ml100k["table"] + ml1m["table"]:
        assert row["NDCG@10 low"] <= row["NDCG@10"] <= row["NDCG@10 high"] and row["score ms"] > 0


def test_artefact_path_of_the_cases():
    assert bench.results.artefact_path("instacart", "cart-order").name == "bench-instacart-cart-order.json"
    assert bench.results.artefact_path("collegemsg").name == "bench-collegemsg-shuffle.json"


@pytest.mark.parametrize("args", [["--dataset", "collegemsg", "--ties", "item_id"],
                                  ["--dataset", "instacart", "--baselines-only"],
                                  ["--dataset", "instacart", "--max-epochs", "0"]])
def test_case_datasets_refuse_movielens_only_options(args, capsys):
    assert main(args) == 2
    assert "--" in capsys.readouterr().err


def test_max_epochs_is_for_the_cases_only():
    with pytest.raises(SystemExit):
        main(["--dataset", "ml-100k", "--max-epochs", "3"])


def test_case_dataset_runs_through_cases_and_writes_json(monkeypatch, tmp_path, capsys):
    """--dataset collegemsg on a tiny split: bench.domains.run with a stand-in LSTM (no data, no training)."""
    from lstmrec import bench, models

    split = small_split()
    monkeypatch.setattr(bench.domains, "load", lambda key: (split, "0000"))
    seen = []

    class Popular:
        def __init__(self, s):
            self.model = baselines.popular.MostPopular().fit(s.train, s.num_items)

        def score(self, histories):
            return self.model.score(histories)

    def fake(s, checksum, config, exclude_seen=True, verbose=False):
        seen.append(config)
        return models.training.TrainedModel(Popular(s), config, {"val_NDCG@10": [0.1]}, 1, 1.0, 1.0, False)

    monkeypatch.setattr(models.training, "train",
                        lambda s, config, exclude_seen=True, verbose=None: fake(s, "", config, exclude_seen))
    out = tmp_path / "c.json"
    assert main(["--dataset", "collegemsg", "--seeds", "2", "--max-epochs", "7", "--json", str(out)]) == 0
    assert [c.max_epochs for c in seen] == [7, 7] and [c.seed for c in seen] == [42, 43]
    record = bench.results.load_artefact(out)
    assert record["command"] == "python -m lstmrec.bench --dataset collegemsg --seeds 2 --max-epochs 7"
    assert record["exclude_seen"] is False and 0 <= record["repeat_share"] <= 1
    assert {"LSTM", "LSTM + copy"} <= set(record["comparisons"])
    assert [r["seed"] for r in record["runs"] if r["model"] == "LSTM"] == [42, 43]
    assert "Repeat: blend" in capsys.readouterr().out


def test_suite_paths_and_loading(tmp_path):
    assert bench.results.suite_path("privacy").name == "suite-privacy.json"
    with pytest.raises(ValueError, match="suite"):
        bench.results.suite_path("speed")
    bad = tmp_path / "x.json"
    bad.write_text('{"command": "x", "suite": "privacy"}')
    with pytest.raises(ValueError, match=r"not a bench suite artefact: it lacks \['date', 'machine', 'seconds'\]"):
        bench.results.load_artefact(bad)


@pytest.mark.parametrize("text, message", [("[1, 2]", "not a bench artefact: it lacks"),
                                           ("{not json", "not JSON"),
                                           ('{"table": []}', "lacks")])
def test_load_artefact_rejects_what_is_not_an_artefact(tmp_path, text, message):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        bench.results.load_artefact(path)


@pytest.mark.parametrize("args", [["--suite", "privacy", "--dataset", "ml-1m"], ["--suite", "compute", "--seeds", "2"],
                                  ["--suite", "privacy", "--cached"]])
def test_suites_refuse_other_options(args, capsys):
    assert main(args) == 2
    assert "--suite" in capsys.readouterr().err


def test_suite_runs_and_writes_json(monkeypatch, tmp_path, capsys):
    """--suite compute with a stand-in run: the record carries the command, date, machine and the suite's result."""
    from lstmrec import bench

    monkeypatch.setattr(bench.cost_sweep, "run", lambda log=print: {"points": [{"ms_per_step": 1.0}], "ml-1m": None})
    out = tmp_path / "s.json"
    assert main(["--suite", "compute", "--json", str(out)]) == 0
    record = bench.results.load_artefact(out)
    assert record["command"] == "python -m lstmrec.bench --suite compute" and record["suite"] == "compute"
    assert record["points"] == [{"ms_per_step": 1.0}]


def test_committed_suites_are_complete():
    """The artefacts chapter 11 loads hold what it reads: every epsilon, and every point of the grid."""
    from lstmrec import bench

    privacy = bench.results.load_artefact(bench.results.suite_path("privacy"))
    targets = [r.get("target epsilon") for r in privacy["rows"] if r["private"]]
    assert targets == [None if e == float("inf") else e for e in bench.dp_sweep.EPSILONS]
    assert {"Most popular", "Markov chain", "LSTM (normal training)"} <= {r["model"] for r in privacy["rows"]}
    compute = bench.results.load_artefact(bench.results.suite_path("compute"))
    measured = {tuple(sorted((k, p[k]) for k in ("num_items", "max_len", "hidden_dim", "loss", "precision")))
                for p in compute["points"]}
    wanted = {tuple(sorted((k, getattr(p, k)) for k in ("num_items", "max_len", "hidden_dim", "loss", "precision")))
              for p in bench.cost_sweep.grid()}
    assert wanted <= measured
    assert {"full", "sampled", "sampled, twice the epochs", "difference", "difference, twice the epochs"} <= set(
        compute["ml-1m"])
