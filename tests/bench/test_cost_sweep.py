"""Tests of ``lstmrec.bench.cost_sweep``: the points' checks, the grid, and one real (tiny) point in its own process.
Timings are printed by the suite, never asserted."""

from __future__ import annotations

import pytest

from lstmrec import bench, compute


@pytest.mark.parametrize("kwargs, message", [({"num_items": 0}, "num_items"),
                                             ({"num_items": 10, "loss": "nce"}, "loss"),
                                             ({"num_items": 10, "precision": "float16"}, "precision"),
                                             ({"num_items": 10, "steps": 0}, "steps")])
def test_bad_points(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bench.cost_sweep.Point(**kwargs)


def test_grid_varies_one_thing_at_a_time_from_the_reference():
    grid = bench.cost_sweep.grid()
    assert len(set(grid)) == len(grid)
    assert max(p.num_items for p in grid) == 100_000  # the largest catalogue
    for p in grid:
        differs = [name for name, ref in (("num_items", 10_000), ("max_len", 50), ("hidden_dim", 128))
                   if getattr(p, name) != ref]
        assert len(differs) <= 1, p


@pytest.mark.slow
def test_one_point_in_a_subprocess():
    pytest.importorskip("tensorflow")
    row = bench.cost_sweep.measure_in_subprocess(bench.cost_sweep.Point(50, max_len=5, hidden_dim=8, embedding_dim=4,
                                                                  batch_size=8, steps=2), timeout=120)
    assert row["ms_per_step"] > 0 and row["peak_mb"] >= 0
    assert row["gflop_per_step"] == pytest.approx(compute.cost.training_flops(2 * 8 * 5, 4, 8, 51) / 2 / 1e9)


@pytest.mark.slow
def test_sampled_point_counts_the_samples_not_the_catalogue():
    pytest.importorskip("tensorflow")
    row = bench.cost_sweep.measure_in_subprocess(bench.cost_sweep.Point(2000, max_len=5, hidden_dim=8, embedding_dim=4,
                                                                  batch_size=8, steps=2, loss="sampled"), timeout=120)
    assert row["gflop_per_step"] == pytest.approx(
        compute.cost.training_flops(2 * 8 * 5, 4, 8, bench.cost_sweep.SAMPLES + 1) / 2 / 1e9)


def test_a_failing_point_reports_its_error(monkeypatch):
    with pytest.raises(SystemExit):
        bench.cost_sweep.main(["--point", '{"num_items": -1}'])
