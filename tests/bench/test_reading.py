"""Tests of ``lstmrec.bench.reading``: a model table, intervals as text, interval verdicts, capped runs, a search.

Hand-computed cases for each (above, below and overlapping; the cap's boundary, where early stopping ends a run
exactly at the cap), the committed artefacts read without error, and bad input: a suite read as a table,
unknown models, missing columns, a record without a config or a search.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lstmrec.bench import reading, results


def _table(rows):
    return pd.DataFrame(rows, columns=["model", "NDCG@10", "NDCG@10 low", "NDCG@10 high"]).set_index("model")


TABLE = _table([("SASRec", 0.20, 0.18, 0.22), ("LSTM", 0.10, 0.09, 0.11), ("GRU", 0.105, 0.095, 0.115)])


def test_model_table_indexes_by_model():
    table = reading.model_table({"table": [{"model": "LSTM", "NDCG@10": 0.1}, {"model": "GRU", "NDCG@10": 0.2}]})
    assert list(table.index) == ["LSTM", "GRU"] and table.loc["GRU", "NDCG@10"] == 0.2


@pytest.mark.parametrize("record, message", [({"suite": "beyond"}, "no model table"), ({"table": []}, "no model table"),
                                             ({"table": [{"NDCG@10": 0.1}]}, "no 'model'")])
def test_model_table_rejects_what_is_not_a_table(record, message):
    with pytest.raises(ValueError, match=message):
        reading.model_table(record)


def test_with_interval_by_hand():
    assert reading.with_interval(TABLE, "NDCG@10").tolist() == ["0.2000 [0.1800, 0.2200]", "0.1000 [0.0900, 0.1100]",
                                                                 "0.1050 [0.0950, 0.1150]"]


@pytest.mark.parametrize("a, b, word", [("SASRec", "LSTM", "above"), ("LSTM", "SASRec", "below"),
                                        ("LSTM", "GRU", "overlapping"), ("GRU", "LSTM", "overlapping")])
def test_interval_verdict_by_hand(a, b, word):
    assert reading.interval_verdict(TABLE, a, b).endswith(f"intervals {word}")


def test_interval_verdict_touching_intervals_overlap():
    table = _table([("A", 0.2, 0.11, 0.3), ("B", 0.1, 0.0, 0.11)])  # A's low equals B's high: not strictly above
    assert reading.interval_verdict(table, "A", "B") == "A 0.2000 vs B 0.1000: intervals overlapping"


def test_interval_verdict_names_unknown_models_and_missing_columns():
    with pytest.raises(KeyError, match="no row for \\['BERT4Rec'\\]"):
        reading.interval_verdict(TABLE, "BERT4Rec", "LSTM")
    with pytest.raises(KeyError, match="no column \\['HR@10', 'HR@10 low', 'HR@10 high'\\]"):
        reading.interval_verdict(TABLE, "SASRec", "LSTM", metric="HR@10")


@pytest.mark.parametrize("best, capped", [(20, True), (16, True), (15, False), (3, False)])
def test_capped_runs_at_the_boundary(best, capped):
    # cap 20, patience 5: a best epoch of 15 stops at epoch 20 by early stopping itself; 16 would need epoch 21
    record = {"config": {"max_epochs": 20, "patience": 5}, "runs": [{"model": "LSTM", "seed": 7, "best epoch": best}]}
    assert reading.capped_runs(record) == ([f"LSTM seed 7 (best epoch {best})"] if capped else [])


def test_capped_runs_needs_the_config():
    with pytest.raises(ValueError, match="max_epochs and patience"):
        reading.capped_runs({"runs": []})


def test_search_table_by_hand():
    suite = {"config": {"ml-100k": {"max_epochs": 40, "patience": 10}},
             "search": [{"cell": "SASRec", "settings": {"lr": 0.001}, "valid NDCG@10": 0.1, "NDCG@10": 0.09,
                         "best epoch": 30},
                        {"cell": "SimpleRNN", "settings": {"lr": 0.01}, "valid NDCG@10": 0.08, "NDCG@10": 0.07,
                         "best epoch": 31}]}
    table = reading.search_table(suite)
    assert table["cap stopped it"].tolist() == [False, True]
    assert table.loc[1, "test NDCG@10"] == 0.07 and table.loc[0, "lr"] == 0.001


def test_search_table_needs_a_search_and_its_stopping_rule():
    with pytest.raises(ValueError, match="no validation search"):
        reading.search_table({"table": []})
    row = {"cell": "SASRec", "settings": {}, "valid NDCG@10": 0.1, "NDCG@10": 0.1, "best epoch": 3}
    with pytest.raises(ValueError, match="what cap and patience its ml-100k runs"):
        reading.search_table({"search": [row]})
    with pytest.raises(ValueError, match="its ml-1m runs"):
        reading.stopping({"config": {"ml-100k": {"max_epochs": 40, "patience": 10}}}, "ml-1m")


def test_the_committed_artefacts_read():
    record = results.load_artefact(results.artefact_path("ml-100k"))
    table = reading.model_table(record)
    assert {"LSTM", "SASRec"} <= set(table.index)
    assert reading.interval_verdict(table, "SASRec", "LSTM").startswith("SASRec ")
    assert isinstance(reading.capped_runs(record), list)
    beyond = results.load_artefact(results.suite_path("beyond"))
    assert len(reading.search_table(beyond)) == len(beyond["search"])
    assert reading.stopping(beyond, "ml-1m")[0] >= 1


def test_tie_rule_pairs_keeps_only_runs_that_differ_in_the_rule_alone():
    rows = [{"cell": "SASRec", "changes": "layout=sasrec", "seed": 42, "ties": "shuffle", "NDCG@10": 0.1706},
            {"cell": "SASRec", "changes": "layout=sasrec", "seed": 42, "ties": "source", "NDCG@10": 0.1840},
            {"cell": "SASRec", "changes": "layout=sasrec", "seed": 43, "ties": "source", "NDCG@10": 0.1882},  # no pair
            {"cell": "SASRec", "changes": "", "seed": 42, "ties": "shuffle", "NDCG@10": 0.1626},  # other settings
            {"cell": "LSTM", "changes": "", "seed": 42, "ties": "item_id", "NDCG@10": 0.2}]  # another rule
    pairs = reading.tie_rule_pairs(rows)
    assert pairs[["cell", "changes", "seed"]].values.tolist() == [["SASRec", "layout=sasrec", 42]]
    assert pairs.loc[0, "source - shuffle"] == pytest.approx(0.1840 - 0.1706)


def test_tie_rule_pairs_without_a_pair_is_empty_and_duplicates_are_refused():
    only = [{"cell": "LSTM", "changes": "", "seed": 42, "ties": "shuffle", "NDCG@10": 0.17}]
    assert reading.tie_rule_pairs(only).empty and "source - shuffle" in reading.tie_rule_pairs(only).columns
    with pytest.raises(ValueError, match="one record per run"):
        reading.tie_rule_pairs(only * 2)
