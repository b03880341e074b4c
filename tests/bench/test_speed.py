"""Unit tests for ``lstmrec.bench.speed``: the padding count by hand, ``fastest``, the FLOPs of a step, and a
profile of tiny LSTM and SASRec models (every part timed before and after, the tables built from it; no timing
asserted).
"""

import numpy as np
import pytest

from lstmrec import compute, models
from lstmrec.bench import speed
from tests.tiny_splits import small_split


@pytest.mark.parametrize("sequences, max_len, expected", [
    # [1 2 3] -> one window: inputs [0 0 1 2], targets [0 0 2 3]... as training_windows cuts it: 2 targets of 4
    ([np.array([1, 2, 3])], 4, {"windows": 1, "positions": 4, "targets": 2, "padded_share": 0.5}),
    # 6 items, T=2: 5 targets in windows of 2 -> 3 windows (2 + 2 + 1), 6 positions, 1 padded
    ([np.arange(1, 7)], 2, {"windows": 3, "positions": 6, "targets": 5, "padded_share": 0.1667}),
    ([np.array([1, 2, 3]), np.array([4, 5])], 4, {"windows": 2, "positions": 8, "targets": 3, "padded_share": 0.625}),
])
def test_padding_share_by_hand(sequences, max_len, expected):
    assert speed.padding_share(sequences, max_len) == expected


def test_fastest_calls_once_untimed_then_repeats():
    calls = []
    seconds = speed.fastest(lambda: calls.append(1), repeats=3)
    assert len(calls) == 4 and 0 <= seconds < 1


@pytest.mark.parametrize("repeats", [0, -1])
def test_fastest_refuses_no_repeats(repeats):
    with pytest.raises(ValueError, match=f"repeats={repeats} must be at least 1"):
        speed.fastest(lambda: None, repeats)


def test_step_flops_are_the_cost_models_over_a_batch():
    lstm = models.config.Config(batch_size=4, max_len=5, embedding_dim=2, hidden_dim=3)
    assert speed.step_flops(lstm, 7) == compute.cost.training_flops(20, 2, 3, 7)
    sasrec = models.config.Config(cell="SASRec", batch_size=4, max_len=5, embedding_dim=2, hidden_dim=3)
    assert speed.step_flops(sasrec, 7) == compute.cost.attention_training_flops(20, 5, 2, 3, 2, 7)
    assert speed.step_flops(models.config.Config(cell="GRU"), 7) == 0  # not counted


@pytest.mark.slow
def test_matmul_rate_is_a_rate():
    assert speed.matmul_rate(n=64, repeats=1) > 0


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["LSTM", "SASRec"])
def test_profile_times_every_part_before_and_after_and_the_tables_read_it(cell):
    split = small_split(users=20, items=30, length=8)
    config = models.config.Config(cell=cell, max_len=6, embedding_dim=4, hidden_dim=4, batch_size=8, num_blocks=1)
    lines = []
    p = speed.profile(split, config, steps=2, repeats=1, log=lines.append)
    for part in ("body", "head", "head_sparse", "head_blockwise"):
        assert p[part] > 0, part
    for path in speed.PATHS:
        for part in ("step", "input", "validation", "epoch", "gflops"):
            assert p[path][part] > 0, (path, part)
        assert 0 < p[path]["targets"] <= p[path]["positions"]
        assert any(line.startswith(f"{cell}, {path}: a step ") for line in lines)
    assert p["before"]["positions"] == 8 * 6  # whole windows
    assert p["course"]["positions"] == p["before"]["positions"]  # the course's batches are whole windows too
    assert p["after"]["positions"] <= p["before"]["positions"]  # by length: padding columns cut
    assert p["course_nondeterministic"] is None
    assert p["steps_per_epoch"] == -(-p["padding"]["windows"] // 8)
    assert p["flops_per_target"] == speed.step_flops(config, split.num_items) / (8 * 6) > 0
    before, course, after = speed.table({cell: p}, rate=100.0)
    assert (before["training"], course["training"], after["training"]) == speed.PATHS
    assert after["model"] == cell and after["share of matmul rate"] == round(p["after"]["gflops"] / 100.0, 3)
    row, = speed.parts_table({cell: p})
    assert row["step ms, determinism off"] is None and row["body ms"] == round(p["body"] * 1e3, 1)


def test_path_config_batches_by_length_only_after():
    config = models.config.Config()
    assert [speed._path_config(config, path).batching for path in speed.PATHS] == ["shuffled", "shuffled",
                                                                                   "by_length"]
    with pytest.raises(ValueError, match="path='fast': choose from"):
        speed._path_config(config, "fast")


def test_profile_refuses_an_unknown_cell_and_no_steps():
    split = small_split(users=5, items=10, length=5)
    with pytest.raises(ValueError, match="steps=0 must be at least 1"):
        speed.profile(split, models.config.Config(), steps=0)
    with pytest.raises(ValueError, match=r"cell='Mamba': the speed suite knows \['LSTM'"):
        speed.profile(split, models.config.Config(cell="Mamba"))


def test_quality_pairs_the_two_batchings_seed_by_seed(monkeypatch):
    from lstmrec import baselines

    split = small_split()
    trained_configs = []

    class Trained:
        def __init__(self, config):
            self.recommender = baselines.popular.MostPopular().fit(split.train, split.num_items)
            self.config, self.best_epoch, self.seconds_to_best, self.seconds = config, 1, 1.0, 2.0
            self.history, self.from_cache, self.converged = {"loss": [1.0, 0.9], "val_NDCG@10": [0.1, 0.05]}, True, True

    def fake(split_, checksum, config, verbose=None, exclude_seen=True):
        trained_configs.append(config)
        return Trained(config)

    monkeypatch.setattr(models.cache, "load_or_train", fake)
    lines = []
    q = speed.quality(split, "0000", seeds=(42, 43), log=lines.append)
    assert [(c.batching, c.seed) for c in trained_configs] == [
        ("shuffled", 42), ("shuffled", 43), ("by_length", 42), ("by_length", 43)]
    assert all(c == models.registry.course_config("ml-1m", "LSTM", batching=c.batching, seed=c.seed)
               for c in trained_configs)
    assert len(q["runs"]) == 4 and q["seeds"] == [42, 43] and len(lines) == 4
    assert q["difference"]["mean difference"] == 0.0  # the same scores both ways
