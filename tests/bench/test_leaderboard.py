"""Tests of ``lstmrec.bench.leaderboard``: loading a learner's build_fn, rejecting unfair models, training one."""

import dataclasses

import keras
import numpy as np
import pandas as pd
import pytest

from lstmrec import bench, data, models
from lstmrec.bench.__main__ import main

CONFIG = models.config.Config(max_len=10, embedding_dim=8, hidden_dim=8, max_epochs=2, patience=1, batch_size=16)
NUM_ITEMS = 31


# --- learners' models, fair and unfair (also imported by name: "tests.bench.test_leaderboard:<name>") ---------


def fair(num_items, config):
    items = keras.Input((config.max_len,), dtype="int32")
    x = keras.layers.Embedding(num_items, config.embedding_dim, mask_zero=True)(items)
    x = keras.layers.GRU(config.hidden_dim, return_sequences=True)(x)
    return keras.Model(items, keras.layers.Dense(num_items)(x), name="mine")


def last_only(num_items, config):  # forgot return_sequences=True
    items = keras.Input((config.max_len,), dtype="int32")
    x = keras.layers.GRU(config.hidden_dim)(keras.layers.Embedding(num_items, config.embedding_dim)(items))
    return keras.Model(items, keras.layers.Dense(num_items)(x))


def one_item_short(num_items, config):  # forgot the padding id
    items = keras.Input((config.max_len,), dtype="int32")
    x = keras.layers.Embedding(num_items, config.embedding_dim)(items)
    return keras.Model(items, keras.layers.Dense(num_items - 1)(x))


def bidirectional(num_items, config):  # reads the future: the target is among its inputs in training
    items = keras.Input((config.max_len,), dtype="int32")
    x = keras.layers.Embedding(num_items, config.embedding_dim)(items)
    x = keras.layers.Bidirectional(keras.layers.GRU(config.hidden_dim, return_sequences=True))(x)
    return keras.Model(items, keras.layers.Dense(num_items)(x))


def shifted(num_items, config):  # reads the next input: the target itself
    items = keras.Input((config.max_len,), dtype="int32")
    next_items = keras.layers.Lambda(lambda x: keras.ops.concatenate([x[:, 1:], x[:, :1] * 0], axis=1))(items)
    x = keras.layers.Embedding(num_items, config.embedding_dim)(next_items)
    return keras.Model(items, keras.layers.Dense(num_items)(x))


def infinite(num_items, config):
    items = keras.Input((config.max_len,), dtype="int32")
    x = keras.layers.Embedding(num_items, config.embedding_dim)(items)
    x = keras.layers.Dense(num_items)(x)
    return keras.Model(items, keras.layers.Lambda(lambda z: keras.ops.log(z * 0.0))(x))  # log 0 = -inf


def not_a_model(num_items, config):
    return "a model"


def named_like_the_course(num_items, config):
    model = fair(num_items, config)
    return keras.Model(model.inputs, model.outputs, name="recurrent")


# --- load_build_fn ---------------------------------------------------------------------------------------


def test_load_build_fn_imports_the_worked_example():
    build = bench.leaderboard.load_build_fn("examples.leaderboard_model:build")
    assert build.__name__ == "build" and callable(build)


@pytest.mark.parametrize("spec, message", [
    ("examples.leaderboard_model", "write it as package.module:build_fn"),
    (":build", "write it as package.module:build_fn"),
    ("examples.leaderboard_model:not an identifier", "write it as package.module:build_fn"),
    ("no_such_module_here:build", "cannot import 'no_such_module_here'"),
    ("examples.leaderboard_model:missing", "has no function 'missing'"),
    ("examples.leaderboard_model:keras", "has no function 'keras'"),  # a module, not a function
])
def test_load_build_fn_rejects_bad_specs(spec, message):
    with pytest.raises(bench.leaderboard.ModelRejected, match=message):
        bench.leaderboard.load_build_fn(spec)


# --- check_model ------------------------------------------------------------------------------------------


def test_a_fair_model_and_the_worked_example_pass():
    from examples import leaderboard_model

    bench.leaderboard.check_model(fair(NUM_ITEMS, CONFIG), NUM_ITEMS, CONFIG)
    bench.leaderboard.check_model(leaderboard_model.build(NUM_ITEMS, CONFIG), NUM_ITEMS, CONFIG)


@pytest.mark.parametrize("build_fn, message", [
    (last_only, r"wrong shape: expected \(batch, 10, 31\).*got \(4, 31\).*return_sequences=True"),
    (one_item_short, r"wrong shape: expected \(batch, 10, 31\).*got \(4, 10, 30\)"),
    (bidirectional, r"reads the future: its logits at position 5 change"),
    (shifted, r"reads the future"),
    (infinite, r"not all finite"),
    (not_a_model, r"returned str, not a keras.Model"),
    (named_like_the_course, r"other than 'recurrent'"),
])
def test_unfair_models_are_rejected_with_the_reason(build_fn, message):
    with pytest.raises(bench.leaderboard.ModelRejected, match=message):
        bench.leaderboard.check_model(build_fn(NUM_ITEMS, CONFIG), NUM_ITEMS, CONFIG)


def test_a_model_that_fails_on_ids_is_rejected():
    def floats_only(num_items, config):
        items = keras.Input((config.max_len, 3))
        return keras.Model(items, keras.layers.Dense(num_items)(items))

    with pytest.raises(bench.leaderboard.ModelRejected, match=r"fails on a \(4, 10\) int32 batch"):
        bench.leaderboard.check_model(floats_only(NUM_ITEMS, CONFIG), NUM_ITEMS, CONFIG)


def test_the_wrapped_model_ranks_with_its_last_position():
    model = bench.leaderboard.build_checked(fair, NUM_ITEMS, CONFIG)
    recommender = models.recommender.Recommender(model, CONFIG, NUM_ITEMS)
    histories = [np.array([3, 4, 5]), np.arange(1, 15)]
    x = data.sequences.pad_sequences(histories, CONFIG.max_len)
    expected = np.asarray(model(x, training=False))[:, -1]
    scores = recommender.score(histories)
    assert scores.shape == (2, NUM_ITEMS) and np.isneginf(scores[:, 0]).all()
    np.testing.assert_allclose(scores[:, 1:], expected[:, 1:], rtol=1e-5, atol=1e-6)


def small_split(users=40, items=NUM_ITEMS - 1, length=12):
    rng = np.random.default_rng(0)
    rows = [(u, int(i), 4, t) for u in range(1, users + 1)
            for t, i in enumerate(rng.choice(np.arange(1, items + 1), size=length, replace=False))]
    return data.splits.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]))


@pytest.mark.slow
def test_train_fits_the_learners_model_with_the_course_loop():
    split = small_split()
    trained = bench.leaderboard.train(fair, split, CONFIG)
    assert trained.recommender.model.name == "learner" and 1 <= trained.best_epoch <= CONFIG.max_epochs
    assert set(trained.history) >= {"loss", "val_NDCG@10"} and len(trained.history["loss"]) <= CONFIG.max_epochs
    with pytest.raises(bench.leaderboard.ModelRejected, match="reads the future"):
        bench.leaderboard.train(bidirectional, split, CONFIG)


@pytest.mark.slow
def test_bench_model_prints_the_learners_row_beside_the_courses(monkeypatch, capsys):
    ml = data.registry.DATASETS["ml-100k"]  # one epoch: this checks the plumbing, not the model
    monkeypatch.setitem(data.registry.DATASETS, "ml-100k",
                        dataclasses.replace(ml, model={**ml.model, "max_epochs": 1, "patience": 1}))
    assert main(["--model", "examples.leaderboard_model:build"]) == 0
    out = capsys.readouterr().out
    assert "examples.leaderboard_model:build" in out and "Item-kNN" in out and "LSTM" in out
    assert "results/bench-ml-100k-shuffle.json (python -m lstmrec.bench" in out
    assert "your model (1 seed) vs" in out and "<NA>" not in out and "nan" not in out.lower()


@pytest.mark.parametrize("spec, message", [
    ("tests.bench.test_leaderboard:bidirectional", "rejected: the model reads the future"),
    ("tests.bench.test_leaderboard:last_only", "rejected: the model outputs the wrong shape"),
    ("nothing_here:build", "rejected: --model 'nothing_here:build': cannot import"),
])
@pytest.mark.slow
def test_bench_model_rejects_unfair_models_before_training(spec, message, capsys):
    assert main(["--model", spec]) == 2
    assert message in capsys.readouterr().err


def test_bench_model_refuses_other_modes():
    with pytest.raises(SystemExit):
        main(["--model", "examples.leaderboard_model:build", "--suite", "beyond"])
    with pytest.raises(SystemExit):
        main(["--model", "examples.leaderboard_model:build", "--dataset", "instacart"])
