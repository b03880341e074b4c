"""Tests of ``lstmrec.bench.levers``: the user subsets of the learning curve, the choice on validation, and that
the committed run of ``--suite beyond`` holds every part chapter 13 reads and agrees with
``models.registry.CELL_SETTINGS``."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import bench, models
from lstmrec.data.sequences import ItemIndex
from lstmrec.data.splits import LeaveOneOutSplit


def _split(num_users=40):
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 21, size=8) for _ in range(num_users)]
    return LeaveOneOutSplit(user_ids=np.arange(100, 100 + num_users), train=[s[:-2] for s in seqs],
                            valid_target=np.array([s[-2] for s in seqs]), test_target=np.array([s[-1] for s in seqs]),
                            item_index=ItemIndex.fit(np.arange(1, 21)), ties="shuffle")


@pytest.mark.parametrize("share, expected", [(0.25, 10), (0.5, 20), (1.0, 40), (0.01, 1)])
def test_user_subset_size_and_catalogue(share, expected):
    split = _split()
    part = bench.levers.user_subset(split, share)
    assert part.num_users == expected and part.num_items == split.num_items and part.ties == split.ties
    assert list(part.user_ids) == sorted(part.user_ids)  # the users keep their order
    i = int(np.flatnonzero(split.user_ids == part.user_ids[0])[0])
    np.testing.assert_array_equal(part.train[0], split.train[i])  # each user keeps their own history and targets
    assert part.valid_target[0] == split.valid_target[i] and part.test_target[0] == split.test_target[i]


def test_user_subsets_are_nested_and_repeatable():
    split = _split()
    quarter, half = bench.levers.user_subset(split, 0.25), bench.levers.user_subset(split, 0.5)
    assert set(quarter.user_ids) <= set(half.user_ids)  # the same draw, cut shorter
    np.testing.assert_array_equal(quarter.user_ids, bench.levers.user_subset(split, 0.25).user_ids)


@pytest.mark.parametrize("share", [0.0, -0.5, 1.5])
def test_user_subset_rejects_a_share_outside_0_1(share):
    with pytest.raises(ValueError, match="share"):
        bench.levers.user_subset(_split(), share)


def test_chosen_uses_validation_only():
    rows = [{"cell": "SASRec", "settings": {"lr": 0.001}, "valid NDCG@10": 0.10, "NDCG@10": 0.30},
            {"cell": "SASRec", "settings": {"lr": 0.003}, "valid NDCG@10": 0.12, "NDCG@10": 0.01},
            {"cell": "SimpleRNN", "settings": {"lr": 0.01}, "valid NDCG@10": 0.05, "NDCG@10": 0.05}]
    assert bench.levers.chosen(rows) == {"SASRec": {"lr": 0.003}, "SimpleRNN": {"lr": 0.01}}


def test_committed_suite_is_complete_and_is_the_code():
    """results/suite-beyond.json holds every setting of both grids, every (H, seed) and share; its winners are
    models.registry.CELL_SETTINGS, so the bench's rows use what validation chose."""
    record = bench.results.load_artefact(bench.results.suite_path("beyond"))
    grids = {"SASRec": bench.levers.SASREC_GRID, "SimpleRNN": bench.levers.SIMPLE_RNN_GRID}
    for cell, grid in grids.items():
        tried = [r["settings"] for r in record["search"] if r["cell"] == cell]
        assert len(tried) == int(np.prod([len(v) for v in grid.values()]))
    assert record["chosen"] == bench.levers.chosen(record["search"])
    for cell, settings in record["chosen"].items():
        assert {k: models.registry.get(cell).settings[k] for k in settings} == settings
    assert {(r["hidden_dim"], r["seed"]) for r in record["hidden"]} == {
        (h, s) for h in bench.levers.HIDDEN_DIMS for s in bench.levers.HIDDEN_SEEDS}
    assert [r["share"] for r in record["data"]] == list(bench.levers.USER_SHARES)
