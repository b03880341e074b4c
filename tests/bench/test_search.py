"""Unit tests for ``lstmrec.bench.search``: the grids, the choice by hand (runs stopped by their cap excluded),
a search over a tiny split with a stand-in trainer, the ``--search`` command line, and that every committed
search agrees with ``models.registry.TUNED``."""

from __future__ import annotations

import json

import pytest

import lstmrec.bench.__main__ as bench_main
from lstmrec import bench, models, util
from lstmrec.bench import search
from lstmrec.bench.__main__ import main
from tests.tiny_splits import small_split


def row(cell, settings, valid, converged=True):
    return {"cell": cell, "settings": settings, "valid NDCG@10": valid, "converged": converged}


def test_every_grid_names_models_and_real_settings():
    for dataset, cells in search.GRIDS.items():
        for cell, settings in cells.items():
            assert cell in models.registry.MODELS and settings and settings[0] is not None
            for change in settings:
                models.registry.course_config(dataset, cell, tuned=False, **change)  # valid configurations


def test_ml1m_grid_starts_from_the_published_sasrec():
    published = search.grid("ml-1m", "SASRec")[0]
    assert published == {"max_len": 200, "num_blocks": 2, "dropout": 0.1, "lr": 0.001, "hidden_dim": 64}
    assert search.grid("ml-1m", "LSTM")[0] == {}  # the course's settings are a candidate too
    assert search.grid("ml-100k", "LSTM")[0] == {} and search.grid("ml-100k", "GRU")[0] == {}


@pytest.mark.parametrize("dataset, cell", [("ml-100k", "SASRec"), ("ml-1m", "SimpleRNN"), ("instacart", "LSTM")])
def test_grid_refuses_what_has_none(dataset, cell):
    with pytest.raises(ValueError, match=f"no search grid for '{cell}' on '{dataset}'"):
        search.grid(dataset, cell)


def test_chosen_by_hand_ignores_runs_the_cap_stopped():
    rows = [row("LSTM", {}, 0.10), row("LSTM", {"lr": 0.003}, 0.12), row("LSTM", {"dropout": 0.4}, 0.30, False),
            row("SASRec", {"lr": 0.001}, 0.09)]
    assert search.chosen(rows) == {"LSTM": {"lr": 0.003}, "SASRec": {"lr": 0.001}}


def test_chosen_refuses_a_model_with_no_converged_run():
    with pytest.raises(ValueError, match=r"no run of \['GRU'\] converged"):
        search.chosen([row("LSTM", {}, 0.1), row("GRU", {}, 0.2, False)])


class _Trained:
    """A stand-in for a trained model: scores by popularity, best epoch from the learning rate."""

    def __init__(self, split, config):
        from lstmrec import baselines

        self.recommender = baselines.popular.MostPopular().fit(split.train, split.num_items)
        self.config, self.best_epoch = config, 2 if config.lr == 0.003 else 1
        self.history = {"loss": [1.0, 0.9, 0.8], "val_NDCG@10": [0.1, 0.2 if config.lr == 0.003 else 0.05, 0.1]}
        self.seconds_to_best, self.seconds, self.from_cache, self.converged = 1.0, 2.0, False, True


def test_search_trains_every_setting_once_from_the_untuned_configuration(monkeypatch):
    split = small_split()
    seen = []

    def fake(split_, checksum, config, verbose=None, exclude_seen=True):
        seen.append(config)
        return _Trained(split_, config)

    monkeypatch.setattr(models.cache, "load_or_train", fake)
    lines = []
    rows = search.search(split, "0000", "ml-1m", ["LSTM"], log=lines.append)
    assert [r["settings"] for r in rows] == search.grid("ml-1m", "LSTM")
    assert all(c.seed == search.SEED and c.cell == "LSTM" for c in seen)
    assert seen[0] == models.registry.course_config("ml-1m", "LSTM", tuned=False, seed=search.SEED)
    assert search.chosen(rows) == {"LSTM": {"lr": 0.003}}  # the best validation score, whatever the test says
    assert rows[1]["valid NDCG@10"] == 0.2 and 0 <= rows[1]["test NDCG@10"] <= 1
    assert len(lines) == len(rows) and "course settings" in lines[0]


def test_search_command_writes_its_record(monkeypatch, tmp_path, capsys):
    split = small_split()

    class Spec:
        title, exclude_seen, seeds = "tiny", True, 3

        @staticmethod
        def load():
            return type("Loaded", (), {"checksum": staticmethod(lambda: "0000")})()

        @staticmethod
        def split(loaded):
            return split

    monkeypatch.setattr(bench_main.data.registry, "get", lambda name: Spec)
    monkeypatch.setattr(models.cache, "load_or_train",
                        lambda split_, checksum, config, verbose=None, exclude_seen=True: _Trained(split_, config))
    path = tmp_path / "search.json"
    assert main(["--dataset", "ml-1m", "--search", "--models", "GRU", "--json", str(path)]) == 0
    assert "chosen for GRU: {'lr': 0.003}" in capsys.readouterr().out
    record = json.loads(path.read_text())
    assert record["command"] == "python -m lstmrec.bench --dataset ml-1m --search --models GRU"
    assert record["chosen"] == {"GRU": {"lr": 0.003}} and len(record["rows"]) == len(search.grid("ml-1m", "GRU"))


@pytest.mark.parametrize("args", [["--dataset", "instacart", "--search"],  # no grid for a case study
                                  ["--dataset", "ml-1m", "--search", "--seeds", "3"],
                                  ["--dataset", "ml-1m", "--search", "--models", "SimpleRNN"]])
def test_search_command_refuses_what_it_does_not_run(args, capsys):
    assert main(args) == 2
    assert "--search" in capsys.readouterr().err


def test_every_committed_search_is_what_the_registry_uses():
    committed = {}
    for path in sorted(util.paths.results_dir().glob("search-*.json")):
        record = bench.results.load_artefact(path)
        assert record["chosen"] == search.chosen(record["rows"]), path.name
        committed.update({(record["dataset"], cell): settings for cell, settings in record["chosen"].items()})
    assert models.registry.TUNED == committed  # nothing tuned without its committed search, and nothing left out
