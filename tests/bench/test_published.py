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
