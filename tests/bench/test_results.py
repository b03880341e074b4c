"""Unit tests for ``lstmrec.bench.results``: where each committed run lives, what a record must hold, and the
committed runs themselves (every model and every point the chapters read).
"""

import pytest

from lstmrec import bench


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


def test_artefact_path_of_a_variant():
    assert bench.results.artefact_path("ml-1m", variant="all-models").name == "bench-ml-1m-shuffle-all-models.json"
    with pytest.raises(ValueError, match="committed variants"):
        bench.results.artefact_path("ml-100k", variant="all-models")


def test_committed_tables_hold_every_model():
    """The runs chapter 13 loads: every neural model on ML-100K, the GRU, LSTM and SASRec on ML-1M, with intervals."""
    ml100k = bench.results.load_artefact(bench.results.artefact_path("ml-100k"))
    assert set(bench.table.neural()) <= {r["model"] for r in ml100k["table"]}
    ml1m = bench.results.load_artefact(bench.results.artefact_path("ml-1m", variant="all-models"))
    assert {"GRU", "LSTM", "SASRec"} <= {r["model"] for r in ml1m["table"]}
    for row in ml100k["table"] + ml1m["table"]:
        assert row["NDCG@10 low"] <= row["NDCG@10"] <= row["NDCG@10 high"] and row["score ms"] > 0


def test_artefact_path_of_the_cases():
    assert bench.results.artefact_path("instacart", "cart-order").name == "bench-instacart-cart-order.json"
    assert bench.results.artefact_path("collegemsg").name == "bench-collegemsg-shuffle.json"


def test_suite_paths_and_loading(tmp_path):
    assert bench.results.suite_path("privacy").name == "suite-privacy.json"
    with pytest.raises(ValueError, match="suite"):
        bench.results.suite_path("latency")
    bad = tmp_path / "x.json"
    bad.write_text('{"command": "x", "suite": "privacy"}')
    with pytest.raises(ValueError, match=r"not a bench suite artefact: it lacks \['date', 'machine', 'seconds'\]"):
        bench.results.load_artefact(bad)


@pytest.mark.parametrize("text, message", [("[1, 2]", "not a bench artefact: it lacks"),
                                           ('{"grids": {}, "command": "x"}', "not a bench search artefact: it lacks"),
                                           ("{not json", "not JSON"),
                                           ('{"table": []}', "lacks")])
def test_load_artefact_rejects_what_is_not_an_artefact(tmp_path, text, message):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        bench.results.load_artefact(path)


def test_committed_suites_are_complete():
    """The artefacts chapters 11 and 12 load hold what it reads: every epsilon, and every point of the grid."""
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


def _lstm_vs_strongest(dataset: str, tie_rule: str = "shuffle") -> dict:
    return bench.results.load_artefact(bench.results.artefact_path(dataset, tie_rule))["comparisons"]["LSTM"]


def test_the_verdicts_the_chapters_state_are_the_committed_artefacts():
    """The sentences that state a verdict in words, checked against the artefacts they read (ch07, 08, 10, 14).

    Chapter 07 and 14: on MovieLens-100K the LSTM does not clearly beat the strongest baseline (the paired
    interval over seed-averaged users includes 0). Chapters 08, 10 and 14: on MovieLens-1M it does. Chapter 10
    and 14: on groceries and messages the repeat heuristics beat the LSTM alone. If a rerun changes one of these,
    this fails, and the sentence must change with the artefact.
    """
    ml100k = _lstm_vs_strongest("ml-100k")
    assert ml100k["low"] <= 0 <= ml100k["high"], ml100k
    assert _lstm_vs_strongest("ml-1m")["low"] > 0
    assert _lstm_vs_strongest("instacart", "cart-order")["high"] < 0
    assert _lstm_vs_strongest("collegemsg")["high"] < 0


def test_search_path_and_the_committed_search():
    assert bench.results.search_path("ml-100k").name == "search-ml-100k.json"
    with pytest.raises(ValueError, match="searches exist for"):
        bench.results.search_path("instacart")
    record = bench.results.load_artefact(bench.results.search_path("ml-100k"))
    assert {r["cell"] for r in record["rows"]} == {"LSTM", "GRU"} and all(r["converged"] for r in record["rows"])
