"""Unit tests for ``lstmrec.bench.published``: every row well formed and cited; ``table`` filters by catalogue."""

import pytest

from lstmrec.bench import published


@pytest.mark.parametrize("row", published.ROWS, ids=lambda row: row.model)
def test_every_row_is_a_plausible_cited_figure(row):
    assert 0 < row.ndcg10 <= row.hr10 < 1  # NDCG@10 <= HR@10 for one target per user
    assert row.items in (3416, 3706)
    assert "/" in row.source and "commit" in row.source and row.work


def test_models_are_named_once():
    names = [row.model for row in published.ROWS]
    assert len(names) == len(set(names))


def test_table_filters_by_catalogue_and_keeps_the_order():
    assert [r["model"] for r in published.table(items=3706)] == ["eSASRec", "SASRec+SS"]
    assert len(published.table()) == len(published.ROWS)
    assert published.table()[0] == {"model": "SASRec+", "loss": published.ROWS[0].loss, "HR@10": 0.3152,
                                    "NDCG@10": 0.1821, "items": 3416, "source": published.ROWS[0].source,
                                    "work": published.ROWS[0].work}


def test_table_refuses_an_unknown_catalogue():
    with pytest.raises(ValueError, match=r"items=100: the published rows are on \[3416, 3706\] items"):
        published.table(items=100)


def test_sasrec_plus_settings_are_the_search_grid_s_first():
    from lstmrec.bench import search

    first = search.grid("ml-1m", "SASRec")[0]
    assert all(published.SASREC_PLUS_SETTINGS[name] == value for name, value in first.items())


def test_the_reproduction_trains_sasrec_plus_settings_under_the_course_cap():
    config = published.reproduction_config("sasrec", 43)
    assert (config.cell, config.layout, config.seed) == ("SASRec", "sasrec", 43)
    for name, value in published.SASREC_PLUS_SETTINGS.items():
        if name != "max_epochs":
            assert getattr(config, name) == value
    assert config.max_epochs == 200 > published.SASREC_PLUS_SETTINGS["max_epochs"]  # early stopping ends the run
    # its pre-norm run on the course's ties is the search's first setting: one record serves both
    from lstmrec import models
    from lstmrec.bench import search

    first = models.registry.course_config("ml-1m", "SASRec", tuned=False, seed=search.SEED,
                                          **search.grid("ml-1m", "SASRec")[0])
    assert published.reproduction_config("pre_norm", search.SEED) == first


@pytest.fixture
def trainings(monkeypatch):
    """The configurations ``bench.runs.run`` was asked for, each answered by a stand-in record."""
    seen = []

    def fake(split, checksum, config, **kwargs):
        seen.append(config)
        score = {"sasrec": 0.18, "pre_norm": 0.16}[config.layout] + 0.001 * (config.seed - 42)
        return {"key": config.key(checksum), "test": {"NDCG@10": score, "HR@10": 2 * score, "MRR": score / 2},
                "valid NDCG@10": score, "best epoch": 30, "epochs": 40, "converged": True, "to best s": 1.0,
                "from record": False}

    from lstmrec.bench import runs

    monkeypatch.setattr(runs, "run", fake)
    return seen


def test_reproduce_runs_each_layout_and_seed_and_summarises_by_hand(trainings):
    lines = []
    result = published.reproduce(None, "abcd", seeds=(42, 44), log=lines.append)
    assert [(c.layout, c.seed) for c in trainings] == [("sasrec", 42), ("sasrec", 44), ("pre_norm", 42),
                                                       ("pre_norm", 44)]
    sasrec, pre_norm = result["layouts"]["sasrec"], result["layouts"]["pre_norm"]
    assert sasrec["NDCG@10"] == pytest.approx(0.181) and (sasrec["NDCG@10 min"], sasrec["NDCG@10 max"]) == (0.18,
                                                                                                          0.182)
    assert sasrec["reaches target"] and not pre_norm["reaches target"]  # 0.181 >= 0.1772 > 0.161
    assert sasrec["HR@10"] == pytest.approx(0.362) and sasrec["seeds"] == 2
    assert len(result["runs"]) == 4 and len(lines) == 4 and "SASRec (sasrec), seed 42" in lines[0]
