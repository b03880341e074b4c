"""Unit tests for ``lstmrec.models.training``: the loss by hand and against Keras, the data pipeline, training with
early stopping on validation NDCG@10, next-basket training, and its progress lines.

Every model is tiny (``tests/models/tiny_models.py``) and trained for at most 3 epochs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lstmrec import models
from lstmrec.data.sequences import training_windows
from tests.models.tiny_models import CONFIG, HISTORIES, MAX_LEN, NUM_ITEMS, NUM_RAW_ITEMS, randomise, valid_ndcg

pytestmark = pytest.mark.usefixtures("deterministic_ops")  # tests/models/conftest.py

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("logits, target, expected", [
    ([0.0, 0.0, 0.0], 1, np.log(3)),  # uniform over 3 items: ln 3
    ([0.0, np.log(3), 0.0], 1, np.log(5 / 3)),  # softmax = [1/5, 3/5, 1/5]: -ln(3/5)
    ([0.0, np.log(3), 0.0], 2, np.log(5)),  # -ln(1/5)
    ([100.0, 0.0], 0, 0.0),  # a sure and right guess; no overflow from exp(100)
])
def test_next_item_loss_by_hand(logits, target, expected):
    loss = np.asarray(models.training.next_item_loss(np.array([[target]]), np.array([[logits]], dtype="float32")))
    assert loss.shape == (1, 1)
    assert loss[0, 0] == pytest.approx(expected, abs=1e-5)


def test_next_item_loss_equals_keras_sparse_crossentropy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, MAX_LEN, NUM_ITEMS)).astype("float32") * 3  # (batch, max_len, num_items)
    targets = rng.integers(0, NUM_ITEMS, size=(3, MAX_LEN))
    ours = np.asarray(models.training.next_item_loss(targets, logits))  # (batch, max_len)
    reference = np.asarray(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True))
    assert ours.shape == reference.shape == (3, MAX_LEN)
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)


# --- make_dataset --------------------------------------------------------------------


def rows(a):
    """The rows of a 2-D array as a sorted list of tuples (a multiset of windows)."""
    return sorted(map(tuple, np.asarray(a).tolist()))


def batches(dataset):
    return [tuple(np.asarray(t) for t in batch) for batch in dataset]


BATCHINGS = pytest.mark.parametrize("batching", models.config.BATCHING)


def padded(x):
    """A batch of windows left-padded back to ``MAX_LEN`` columns (``by_length`` cuts all-padding columns)."""
    x = np.asarray(x)
    return np.pad(x, ((0, 0), (MAX_LEN - x.shape[1], 0)))


def windows_of(dataset, part=0):
    return np.concatenate([padded(b[part]) for b in batches(dataset)])


@BATCHINGS
def test_make_dataset_covers_every_window_once(split, batching):
    config = dataclasses.replace(CONFIG, batching=batching)
    dataset, num_windows = models.training.make_dataset(split.train, config)
    inputs, targets = training_windows(split.train, MAX_LEN)
    assert num_windows == len(inputs)
    assert num_windows % CONFIG.batch_size != 0  # so there is a last, smaller batch to keep
    got = batches(dataset)
    sizes = sorted((len(x) for x, _, _ in got), reverse=True)  # by length, the smaller batch can come anywhere
    # full batches of 16, then the remainder: ceil(n / 16) batches summing to n
    assert sizes == [CONFIG.batch_size] * (num_windows // CONFIG.batch_size) + [num_windows % CONFIG.batch_size]
    assert int(dataset.cardinality()) == len(got)  # Keras knows the epoch's length
    x = np.concatenate([padded(b[0]) for b in got])
    y = np.concatenate([padded(b[1]) for b in got])
    # each window exactly once, its target row still paired with its input row
    assert rows(np.hstack([x, y])) == rows(np.hstack([inputs, targets]))


@BATCHINGS
def test_make_dataset_weights_mark_real_targets(split, batching):
    dataset, _ = models.training.make_dataset(split.train, dataclasses.replace(CONFIG, batching=batching))
    for x, y, w in batches(dataset):
        assert x.shape == y.shape == w.shape
        # shuffled: the whole window; by length: only the columns where some window of the batch is real
        assert x.shape[1] == (MAX_LEN if batching == "shuffled" else w.sum(axis=1).max())
        assert w.dtype == np.float32
        np.testing.assert_array_equal(w, (y > 0).astype(np.float32))  # 1 exactly where there is a target
        assert np.all((x > 0) == (y > 0))  # a window position has both an input and a target, or neither


def test_make_dataset_without_shuffle_keeps_the_window_order(split):
    dataset, _ = models.training.make_dataset(split.train, dataclasses.replace(CONFIG, batching="shuffled"),
                                              shuffle=False)
    inputs, targets = training_windows(split.train, MAX_LEN)
    np.testing.assert_array_equal(windows_of(dataset, 0), inputs)
    np.testing.assert_array_equal(windows_of(dataset, 1), targets)


def test_make_dataset_by_length_puts_similar_windows_together_by_hand():
    # 4 windows with 1, 5, 2 and 4 real positions; batches of 2 from one sorted pool: {1, 2} then {4, 5}
    sequences = [np.arange(1, 3), np.arange(1, 7), np.arange(1, 4), np.arange(1, 6)]
    config = models.config.Config(max_len=6, batch_size=2, batching="by_length")
    got = batches(models.training.make_dataset(sequences, config, shuffle=False)[0])
    assert [x.shape for x, _, _ in got] == [(2, 2), (2, 5)]
    assert got[0][0].tolist() == [[0, 1], [1, 2]] and got[1][1].tolist() == [[0, 2, 3, 4, 5], [2, 3, 4, 5, 6]]
    # a model with a fixed input length gets whole windows, still sorted
    whole = batches(models.training.make_dataset(sequences, config, shuffle=False, trim=False)[0])
    assert [x.shape for x, _, _ in whole] == [(2, 6), (2, 6)]


def test_make_dataset_by_length_pads_less_than_shuffled(split):
    def padding(batching):
        dataset, _ = models.training.make_dataset(split.train, dataclasses.replace(CONFIG, batching=batching))
        return sum(w.size - w.sum() for _, _, w in batches(dataset))
    assert padding("by_length") < padding("shuffled")


@BATCHINGS
def test_make_dataset_order_is_deterministic_for_a_seed(split, batching):
    config = dataclasses.replace(CONFIG, batching=batching)
    first = windows_of(models.training.make_dataset(split.train, config)[0])
    again = windows_of(models.training.make_dataset(split.train, config)[0])
    other = windows_of(models.training.make_dataset(split.train, dataclasses.replace(config, seed=CONFIG.seed + 1))[0])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)  # another seed, another order
    assert not np.array_equal(first, training_windows(split.train, MAX_LEN)[0])  # it is shuffled


@BATCHINGS
def test_make_dataset_reshuffles_every_epoch(split, batching):
    dataset, _ = models.training.make_dataset(split.train, dataclasses.replace(CONFIG, batching=batching))
    epoch1, epoch2 = windows_of(dataset), windows_of(dataset)
    assert not np.array_equal(epoch1, epoch2) and rows(epoch1) == rows(epoch2)


# --- next_item_task --------------------------------------------------------------------


@pytest.mark.parametrize("tie", [True, False], ids=["tied", "untied"])
def test_next_item_task_loss_is_the_weighted_mean_of_next_item_loss(split, tie):
    # lr 0 and no dropout: the logged loss is the loss of the weights as built, on the one batch
    config = dataclasses.replace(CONFIG, dropout=0.0, tie_embeddings=tie)
    keras.utils.set_random_seed(config.seed)
    model = models.registry.build(split.num_items, config)
    one_batch = models.training.make_dataset(split.train, config, shuffle=False)[0].take(1)  # the same batch twice
    inputs, targets, weights = next(iter(one_batch))
    expected = np.asarray(models.training.next_item_loss(targets, model(inputs)))  # (batch, t)
    expected = (expected * weights.numpy()).sum() / weights.numpy().sum()
    task = models.training.next_item_task(model)
    task.compile(optimizer=keras.optimizers.SGD(0.0))
    logged = task.fit(one_batch, epochs=1, verbose=0, shuffle=False).history["loss"][0]
    assert logged == pytest.approx(float(expected), rel=1e-5)
    assert {id(v) for v in task.trainable_variables} == {id(v) for v in model.trainable_variables}  # no others


def test_next_item_task_changes_the_weights_of_the_model_inside(split):
    keras.utils.set_random_seed(CONFIG.seed)
    model = models.registry.build(split.num_items, CONFIG)
    before = [w.copy() for w in model.get_weights()]
    task = models.training.next_item_task(model)
    task.compile(optimizer=keras.optimizers.Adam(CONFIG.lr))
    task.fit(models.training.make_dataset(split.train, CONFIG)[0].take(2), epochs=1, verbose=0, shuffle=False)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # every weight learned


# --- train ---------------------------------------------------------------------------

METRIC_NAMES = ["val_NDCG@10", "val_HR@10", "val_MRR"]


@pytest.mark.slow
def test_train_history_has_loss_and_validation_metrics_per_epoch(trained):
    history = trained.history
    assert {"loss", *METRIC_NAMES} <= set(history)
    epochs = len(history["loss"])
    assert 2 <= epochs <= CONFIG.max_epochs  # patience 1: at least 2 epochs, at most max_epochs
    for name in ["loss", *METRIC_NAMES]:
        assert len(history[name]) == epochs and all(isinstance(v, float) for v in history[name])
    assert all(0.0 <= v <= 1.0 for name in METRIC_NAMES for v in history[name])
    # NDCG@10 <= HR@10 for every epoch (each user's gain 1/log2(rank+2) <= 1)
    assert all(n <= h + 1e-12 for n, h in zip(history["val_NDCG@10"], history["val_HR@10"]))
    assert trained.config == CONFIG and not trained.from_cache


def test_train_early_stopping_respects_patience(trained):
    ndcg = trained.history["val_NDCG@10"]
    # with patience 1 training stops after the first epoch that does not improve on the best so far
    for epoch in range(1, len(ndcg) - 1):
        assert ndcg[epoch] > max(ndcg[:epoch])


def test_train_best_epoch_is_the_best_validation_ndcg(trained):
    assert trained.best_epoch == int(np.argmax(trained.history["val_NDCG@10"])) + 1


def test_train_restores_the_best_weights(trained, split):
    expected = trained.history["val_NDCG@10"][trained.best_epoch - 1]
    assert valid_ndcg(trained.recommender, split) == pytest.approx(expected, abs=1e-6)


def test_train_times(trained):
    assert 0.0 < trained.seconds_to_best <= trained.seconds
    if trained.best_epoch < len(trained.history["loss"]):  # epochs of patience ran after the best one
        assert trained.seconds_to_best < trained.seconds


@pytest.mark.parametrize("best_epoch, patience, max_epochs, converged", [
    (5, 3, 8, True),  # epochs 6, 7, 8 were the patience: early stopping ended it at the cap exactly
    (6, 3, 8, False),  # only 2 epochs after the best one: the cap stopped it
    (8, 3, 8, False),  # best at the cap
    (1, 1, 40, True),
])
def test_converged_is_early_stopping_before_the_cap_by_hand(best_epoch, patience, max_epochs, converged):
    config = models.config.Config(patience=patience, max_epochs=max_epochs)
    run = models.training.TrainedModel(None, config, {}, best_epoch, 1.0, 2.0)
    assert run.converged is converged


@pytest.mark.slow
def test_train_is_deterministic_for_a_seed(trained, split):
    again = models.training.train(split, CONFIG)
    assert again.history == trained.history
    assert again.best_epoch == trained.best_epoch
    np.testing.assert_array_equal(again.recommender.score(HISTORIES), trained.recommender.score(HISTORIES))


# --- next-basket training (chapter 10) ------------------------------------------------


@pytest.mark.slow
def test_train_on_baskets_stops_on_the_basket_metric(monkeypatch):
    """A BasketSplit trains like a leave-one-out split; the epoch is chosen on the validation BASKETS."""
    from lstmrec import data, evaluation

    rng = np.random.default_rng(3)
    rows = [(u, o, c + 1, 101 + int(item)) for u in range(1, 21) for o in range(1, 5)  # 3 distinct items an order
            for c, item in enumerate(rng.choice(NUM_RAW_ITEMS, size=3, replace=False))]
    split = data.splits.next_basket_split(pd.DataFrame(rows, columns=["user_id", "order_number", "add_to_cart_order",
                                                                  "item_id"]))
    stages = []
    real = evaluation.stage.evaluate_stage

    def spy(score_fn, s, stage, *args, **kwargs):
        stages.append((type(s).__name__, stage, kwargs.get("exclude_seen", args[1] if len(args) > 1 else None)))
        return real(score_fn, s, stage, *args, **kwargs)

    monkeypatch.setattr(models.training, "evaluate_stage", spy)
    trained = models.training.train(split, dataclasses.replace(CONFIG, max_epochs=2), exclude_seen=False)
    assert set(trained.history) >= {"loss", "val_recall@10", "val_NDCG@10"}
    assert stages == [("BasketSplit", "valid", False)] * 2  # once per epoch, validation only, the case's rule
    expected = evaluation.baskets.evaluate_baskets(
        trained.recommender.score, split.histories("valid"), split.baskets("valid"), split.num_items
    ).metrics()["NDCG@10"]
    assert trained.history["val_NDCG@10"][trained.best_epoch - 1] == pytest.approx(expected, abs=1e-6)
    assert models.cache.data_key(split, "x", exclude_seen=False) == "x/ties=cart-order/seen=candidates"


# --- progress: epoch lines while watched, one line per model always ------------------------------------


@pytest.mark.slow
def test_training_shows_epochs_while_watched_then_one_summary_line(split, monkeypatch, capsys):
    monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    trained = models.training.train(split, CONFIG)
    lines = capsys.readouterr().out.splitlines()
    epochs = len(trained.history["loss"])
    assert len(lines) == epochs + 1
    assert lines[0].startswith(f"epoch 1/{CONFIG.max_epochs}: loss ") and "val NDCG@10" in lines[0]
    assert lines[-1].startswith(f"LSTM seed {CONFIG.seed}: best epoch {trained.best_epoch} of {epochs}, val NDCG@10")


def test_validation_ranking_builds_one_recommender_that_follows_the_weights(split):
    # one Recommender (one compiled graph) for the whole training, not one per epoch: a graph traced anew each
    # epoch is slow, and TensorFlow warns about the retracing in the notebooks' outputs
    model = models.registry.build(split.num_items, CONFIG)
    callback = models.training._ranking_callback(split, CONFIG, k=10)
    callback.set_model(model)
    first, second = {}, {}
    callback.on_epoch_end(0, first)
    built = callback.recommender
    randomise(model, seed=1)  # what an epoch of training does: new values in the same variables
    callback.on_epoch_end(1, second)
    assert callback.recommender is built
    assert second["val_NDCG@10"] != first["val_NDCG@10"]
    fresh = models.recommender.Recommender(model, CONFIG, split.num_items)
    assert second["val_NDCG@10"] == pytest.approx(valid_ndcg(fresh, split), abs=1e-9)  # the new weights, not the old
