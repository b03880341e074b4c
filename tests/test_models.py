"""Unit tests for ``lstmrec.models``: configuration, Keras model, scoring, data pipeline, training, cache.

Every model here is tiny (embedding and hidden size 4, ``max_len`` 5) and is
trained for at most 3 epochs on a synthetic split of 30 users and 15 items, so
the whole file runs in seconds on a laptop CPU. Parameter counts are worked out
by hand in the comments. The cache tests point ``LSTMREC_DATA_DIR`` at
``tmp_path``: nothing is written under the repository's ``data/``.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from lstmrec import evaluation, models
from lstmrec.data.sequences import pad_sequences, training_windows
from lstmrec.data.splits import leave_one_out

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

NUM_RAW_ITEMS = 15
NUM_ITEMS = NUM_RAW_ITEMS + 1  # 15 items + padding id 0
E, H, MAX_LEN = 4, 4, 5

# The training settings of every trained model in this file.
CONFIG = models.config.Config(max_len=MAX_LEN, embedding_dim=E, hidden_dim=H, dropout=0.1, lr=0.05,
                       batch_size=16, max_epochs=3, patience=1, seed=7)


def tiny(cell="LSTM", tie=True, dropout=0.0, **kwargs):
    """A tiny configuration (sizes 4, max_len 5)."""
    return models.config.Config(cell=cell, max_len=MAX_LEN, embedding_dim=E, hidden_dim=H, dropout=dropout,
                         tie_embeddings=tie, **kwargs)


@pytest.fixture(scope="module", autouse=True)
def deterministic_ops():
    """Deterministic TensorFlow kernels for this module only (switched back off afterwards if they were off)."""
    from tensorflow.python.framework import config as tf_config

    was_on = tf_config.is_op_determinism_enabled()
    tf.config.experimental.enable_op_determinism()
    yield
    if not was_on:
        tf_config.disable_op_determinism()


def interactions(num_users=30, seed=0):
    """A seeded frame of ``(user_id, item_id, rating, timestamp)``: 30 users, raw items 101..115.

    Each user has 4..7 interactions; the next item is mostly the previous one
    plus 1 (cyclically), so there is an order for the model to pick up. A
    training history then has at most 7 - 2 = 5 items, so at least 15 - 5 = 10
    unseen items are left to rank: the validation HR@10 and NDCG@10 are defined.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(1, num_users + 1):
        item = int(rng.integers(NUM_RAW_ITEMS))
        for t in range(int(rng.integers(4, 8))):
            rows.append((user, 101 + item, int(rng.integers(1, 6)), 1_000 * user + t))
            item = (item + 1) % NUM_RAW_ITEMS if rng.random() < 0.8 else int(rng.integers(NUM_RAW_ITEMS))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


@pytest.fixture(scope="module")
def split():
    s = leave_one_out(interactions())
    assert s.num_users == 30 and s.num_items == NUM_ITEMS  # every raw item occurs, every user has >= 3
    return s


@pytest.fixture(scope="module")
def trained(split):
    """One tiny model trained on the split (shared by the training and cache tests)."""
    return models.training.train(split, CONFIG)


def valid_ndcg(recommender, split):
    result = evaluation.ranking.evaluate(recommender.score, split.histories("valid"), split.targets("valid"),
                                 split.num_items, k=10)
    return result.metrics((10,))["NDCG@10"]


# --- Config --------------------------------------------------------------------------


def test_config_defaults_are_valid():
    config = models.config.Config()
    assert config.cell in ("LSTM", "GRU")
    assert 0.0 <= config.dropout < 1.0
    assert models.config.Config(**dataclasses.asdict(config)) == config  # re-validates without complaint


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        models.config.Config().cell = "GRU"


@pytest.mark.parametrize("cell", ["RNN", "lstm", "Transformer"])
def test_an_unknown_cell_is_refused_before_anything_is_built(cell):
    with pytest.raises(ValueError, match=r"cell=.*choose from \('GRU', 'LSTM', 'SimpleRNN', 'SASRec'\)"):
        models.registry.build(10, models.config.Config(cell=cell))
    with pytest.raises(ValueError, match=r"cell=.*choose from"):
        models.registry.course_config("ml-100k", cell)


@pytest.mark.parametrize("cell", ["", None, 3])
def test_config_refuses_a_cell_that_is_not_a_name(cell):
    with pytest.raises(ValueError, match=r"must name a model of models.registry.MODELS"):
        models.config.Config(cell=cell)


@pytest.mark.parametrize("dropout", [
    -0.1,  # below 0
    1.0,  # a drop rate of 1 zeroes everything: the interval is [0, 1)
    1.5,
])
def test_config_rejects_a_dropout_outside_0_1(dropout):
    with pytest.raises(ValueError, match=rf"dropout={dropout} is a drop rate and must be in \[0, 1\)"):
        models.config.Config(dropout=dropout)


@pytest.mark.parametrize("dropout", [0.0, 0.5, 0.99])
def test_config_accepts_a_dropout_in_0_1(dropout):
    assert models.config.Config(dropout=dropout).dropout == dropout


@pytest.mark.parametrize("field", ["max_len", "embedding_dim", "hidden_dim", "batch_size", "max_epochs", "patience",
                                   "num_blocks", "num_heads"])
def test_config_rejects_a_size_of_zero(field):
    with pytest.raises(ValueError, match=rf"{field}=0 must be at least 1"):
        models.config.Config(**{field: 0})


def test_config_key_is_stable():
    assert models.config.Config().key("abc") == models.config.Config().key("abc")
    assert models.config.Config(seed=3).key("abc") == models.config.Config(seed=3).key("abc")
    key = models.config.Config().key("abc")
    assert len(key) == 16 and int(key, 16) >= 0  # 16 hex digits: a file name


@pytest.mark.parametrize("change", [
    {"cell": "GRU"}, {"max_len": 51}, {"embedding_dim": 32}, {"hidden_dim": 64}, {"dropout": 0.31},
    {"tie_embeddings": False}, {"lr": 0.001}, {"batch_size": 64}, {"max_epochs": 41}, {"patience": 6},
    {"seed": 43}, {"num_blocks": 1, "cell": "SASRec"}, {"num_heads": 2, "cell": "SASRec"},
], ids=lambda change: next(iter(change)))
def test_config_key_changes_with_every_field(change):
    # the attention fields are changed on a SASRec configuration, the only one they belong to
    base = models.config.Config(cell="SASRec") if len(change) > 1 else models.config.Config()
    changed = dataclasses.replace(base, **{k: v for k, v in change.items() if k != "cell" or len(change) == 1})
    assert changed.key("abc") != base.key("abc")


def test_config_covers_every_field_in_the_key_test():
    # The parametrization above must change each field once; a new field needs a new case.
    assert {f.name for f in dataclasses.fields(models.config.Config)} == {
        "cell", "max_len", "embedding_dim", "hidden_dim", "dropout", "tie_embeddings", "lr", "batch_size",
        "max_epochs", "patience", "seed", "num_blocks", "num_heads"}


def test_attention_fields_are_not_part_of_a_recurrent_models_key():
    # A recurrent model does not use them; the keys of the models cached before chapter 12 stay the same.
    assert models.config.Config(num_blocks=1).key("abc") == models.config.Config().key("abc")
    assert "num_blocks" not in models.config.Config().settings() and "num_heads" in models.config.Config(cell="SASRec").settings()
    import hashlib
    fields = {k: v for k, v in dataclasses.asdict(models.config.Config()).items() if k not in ("num_blocks", "num_heads")}
    expected = hashlib.sha256((json.dumps(fields, sort_keys=True) + "abc").encode()).hexdigest()[:16]
    assert models.config.Config().key("abc") == expected


@pytest.mark.parametrize("dataset, cell", [("ml-100k", "SASRec"), ("ml-1m", "SimpleRNN"), ("ml-1m", "LSTM")])
def test_course_config_combines_the_dataset_and_the_cell(dataset, cell):
    config = models.registry.course_config(dataset, cell)
    assert config.cell == cell and config.max_len == models.registry.course_config(dataset).max_len
    for name, value in models.registry.get(cell).settings.items():
        assert getattr(config, name) == value
    assert models.registry.course_config(dataset, cell, seed=7).seed == 7


def test_course_config_rejects_an_unknown_dataset():
    with pytest.raises(ValueError, match="ml-10m"):
        models.registry.course_config("ml-10m")


def test_config_key_changes_with_the_data_checksum():
    assert models.config.Config().key("abc") != models.config.Config().key("abd")


# --- build ---------------------------------------------------------------------------

CELLS_AND_TYING = pytest.mark.parametrize("cell, tie", [("LSTM", True), ("LSTM", False), ("GRU", True),
                                                        ("GRU", False)])


@CELLS_AND_TYING
def test_build_output_shape(cell, tie):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    x = np.array([[0, 0, 1, 2, 3], [4, 5, 6, 7, 8], [0, 0, 0, 0, 15]], dtype=np.int32)
    out = np.asarray(model(x))
    assert out.shape == (3, MAX_LEN, NUM_ITEMS)
    assert model.output_shape == (None, MAX_LEN, NUM_ITEMS)


@CELLS_AND_TYING
def test_build_layers(cell, tie):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    embedding = model.get_layer("item_embedding")
    assert isinstance(embedding, keras.layers.Embedding)
    assert embedding.mask_zero  # padding id 0 is masked
    assert embedding.input_dim == NUM_ITEMS and embedding.output_dim == E
    recurrent = model.get_layer("recurrent")
    assert isinstance(recurrent, {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell])
    assert recurrent.return_sequences and recurrent.units == H


@CELLS_AND_TYING
def test_build_outputs_logits_not_probabilities(cell, tie):
    keras.utils.set_random_seed(0)
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie))
    x = np.array([[0, 0, 1, 2, 3], [4, 5, 6, 7, 8], [9, 10, 11, 12, 13]], dtype=np.int32)
    out = np.asarray(model(x))  # (3, max_len, num_items)
    assert (out < 0).any()  # a softmax output is never negative
    assert not np.allclose(out.sum(axis=-1), 1.0, atol=1e-3)  # ... and sums to 1 over the items
    scores = model.get_layer("scores")
    assert getattr(scores, "activation", keras.activations.linear) is keras.activations.linear


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


@pytest.mark.parametrize("cell, recurrent_params", [
    # LSTM: 4 gates, each W (E x H) + U (H x H) + b (H): 4 * (4*(4+4) + 4) = 4 * 36 = 144.
    ("LSTM", 4 * (H * (E + H) + H)),
    # GRU (Keras default reset_after=True, two biases): 3 * (4*(4+4) + 2*4) = 3 * 40 = 120.
    ("GRU", 3 * (H * (E + H) + 2 * H)),
    # SimpleRNN: one block, 4*(4+4) + 4 = 36.
    ("SimpleRNN", H * (E + H) + H),
])
def test_build_tied_parameter_count(cell, recurrent_params):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie=True))
    # embedding 16*4 = 64, recurrent, projection H -> E: 4*4 + 4 = 20; the scores reuse the embedding.
    # LSTM: 64 + 144 + 20 = 228.
    assert model.count_params() == NUM_ITEMS * E + recurrent_params + (H * E + E)
    assert not [layer for layer in model.layers
                if isinstance(layer, keras.layers.Dense) and layer.units == NUM_ITEMS]  # no Dense(num_items)
    # the scores are computed with the embedding matrix itself, not a copy
    assert model.get_layer("scores").embedding is model.get_layer("item_embedding")


def test_build_tied_lstm_parameter_count_by_hand():
    assert models.recurrent.build(NUM_ITEMS, tiny("LSTM", tie=True)).count_params() == 228  # 64 + 144 + 20


@pytest.mark.parametrize("cell, recurrent_params", [
    ("LSTM", 4 * (H * (E + H) + H)),
    ("GRU", 3 * (H * (E + H) + 2 * H)),
])
def test_build_untied_parameter_count(cell, recurrent_params):
    model = models.recurrent.build(NUM_ITEMS, tiny(cell, tie=False))
    # embedding 64, recurrent, Dense(num_items): 4*16 + 16 = 80 instead of the projection (LSTM: 288).
    assert model.count_params() == NUM_ITEMS * E + recurrent_params + (H * NUM_ITEMS + NUM_ITEMS)
    scores = model.get_layer("scores")
    assert isinstance(scores, keras.layers.Dense) and scores.units == NUM_ITEMS


def test_build_untied_lstm_parameter_count_by_hand():
    assert models.recurrent.build(NUM_ITEMS, tiny("LSTM", tie=False)).count_params() == 288  # 64 + 144 + 80


# --- Recommender.score ---------------------------------------------------------------

HISTORIES = [
    np.array([3]),
    np.array([1, 2, 3]),
    np.array([5, 6, 7, 8, 9]),  # exactly max_len
    np.array([15, 14, 13, 12, 11, 10, 2, 4]),  # longer than max_len: items 15, 14, 13 are not read
]


@pytest.fixture(params=[("LSTM", True), ("GRU", False)], ids=["LSTM-tied", "GRU-untied"])
def recommender(request):
    """An untrained recommender with dropout 0.5: scoring must not drop anything."""
    cell, tie = request.param
    keras.utils.set_random_seed(1)
    config = tiny(cell, tie, dropout=0.5)
    return models.recommender.Recommender(models.recurrent.build(NUM_ITEMS, config), config, NUM_ITEMS)


def test_score_shape_and_padding_column(recommender):
    scores = recommender.score(HISTORIES)
    assert scores.shape == (len(HISTORIES), NUM_ITEMS) and scores.dtype == np.float32
    assert np.all(scores[:, 0] == -np.inf)  # padding is never recommended
    assert np.isfinite(scores[:, 1:]).all()


def test_score_equals_the_last_position_of_the_full_model(recommender):
    scores = recommender.score(HISTORIES)
    full = np.asarray(recommender.model(pad_sequences(HISTORIES, MAX_LEN)))[:, -1]  # (batch, num_items)
    np.testing.assert_allclose(scores[:, 1:], full[:, 1:], atol=1e-5, rtol=0)


def test_compiled_graph_gives_the_scores(recommender):
    histories = [np.array([1, 2, 3]), np.array([4, 5, 6, 7, 8, 9])]
    x = pad_sequences(histories, MAX_LEN)
    compiled = np.asarray(recommender.compiled()(x))  # (2, num_items)
    np.testing.assert_allclose(compiled[:, 1:], recommender.score(histories)[:, 1:], rtol=1e-5, atol=1e-5)


def test_score_is_repeatable(recommender):
    np.testing.assert_array_equal(recommender.score(HISTORIES), recommender.score(HISTORIES))


def test_score_reads_only_the_most_recent_max_len_items(recommender):
    long = HISTORIES[3]  # 8 items; the last 5 are [12, 11, 10, 2, 4]
    np.testing.assert_array_equal(recommender.score([long]), recommender.score([long[-MAX_LEN:]]))
    assert not np.array_equal(recommender.score([long]), recommender.score([long[:MAX_LEN]]))


def test_score_depends_on_the_order_of_the_history(recommender):
    assert not np.array_equal(recommender.score([np.array([1, 2, 3])]), recommender.score([np.array([3, 2, 1])]))


@pytest.mark.parametrize("history, bad", [
    ([1, NUM_ITEMS], NUM_ITEMS),  # 16: one past the last item
    ([99], 99),
    ([2, -1], -1),  # negative ids are not items either
])
def test_score_rejects_an_unknown_item(recommender, history, bad):
    with pytest.raises(KeyError, match=rf"unknown item id {bad}"):
        recommender.score([np.array(history)])


# --- make_dataset --------------------------------------------------------------------


def rows(a):
    """The rows of a 2-D array as a sorted list of tuples (a multiset of windows)."""
    return sorted(map(tuple, np.asarray(a).tolist()))


def batches(dataset):
    return [tuple(np.asarray(t) for t in batch) for batch in dataset]


def test_make_dataset_covers_every_window_once(split):
    dataset, num_windows = models.training.make_dataset(split.train, CONFIG)
    inputs, targets = training_windows(split.train, MAX_LEN)
    assert num_windows == len(inputs)
    assert num_windows % CONFIG.batch_size != 0  # so there is a last, smaller batch to keep
    got = batches(dataset)
    sizes = [len(x) for x, _, _ in got]
    # full batches of 16, then the remainder: ceil(n / 16) batches summing to n
    assert sizes == [CONFIG.batch_size] * (num_windows // CONFIG.batch_size) + [num_windows % CONFIG.batch_size]
    assert sum(sizes) == num_windows
    x = np.concatenate([b[0] for b in got])
    y = np.concatenate([b[1] for b in got])
    # each window exactly once, its target row still paired with its input row
    assert rows(np.hstack([x, y])) == rows(np.hstack([inputs, targets]))


def test_make_dataset_weights_mark_real_targets(split):
    dataset, _ = models.training.make_dataset(split.train, CONFIG)
    for x, y, w in batches(dataset):
        assert x.shape == y.shape == w.shape and x.shape[1] == MAX_LEN
        assert w.dtype == np.float32
        np.testing.assert_array_equal(w, (y > 0).astype(np.float32))  # 1 exactly where there is a target
        assert np.all((x > 0) == (y > 0))  # a window position has both an input and a target, or neither


def test_make_dataset_without_shuffle_keeps_the_window_order(split):
    dataset, _ = models.training.make_dataset(split.train, CONFIG, shuffle=False)
    inputs, targets = training_windows(split.train, MAX_LEN)
    got = batches(dataset)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in got]), inputs)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in got]), targets)


def test_make_dataset_order_is_deterministic_for_a_seed(split):
    first = np.concatenate([b[0] for b in batches(models.training.make_dataset(split.train, CONFIG)[0])])
    again = np.concatenate([b[0] for b in batches(models.training.make_dataset(split.train, CONFIG)[0])])
    other = np.concatenate([b[0] for b in batches(
        models.training.make_dataset(split.train, dataclasses.replace(CONFIG, seed=CONFIG.seed + 1))[0])])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)  # another seed, another order
    assert not np.array_equal(first, training_windows(split.train, MAX_LEN)[0])  # it is shuffled


def test_make_dataset_reshuffles_every_epoch(split):
    dataset, _ = models.training.make_dataset(split.train, CONFIG)
    epoch1 = np.concatenate([b[0] for b in batches(dataset)])
    epoch2 = np.concatenate([b[0] for b in batches(dataset)])
    assert not np.array_equal(epoch1, epoch2) and rows(epoch1) == rows(epoch2)


# --- train ---------------------------------------------------------------------------

METRIC_NAMES = ["val_NDCG@10", "val_HR@10", "val_MRR"]


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


def test_train_is_deterministic_for_a_seed(trained, split):
    again = models.training.train(split, CONFIG)
    assert again.history == trained.history
    assert again.best_epoch == trained.best_epoch
    np.testing.assert_array_equal(again.recommender.score(HISTORIES), trained.recommender.score(HISTORIES))


# --- load_or_train -------------------------------------------------------------------


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """The model cache under ``tmp_path``; returns a list to record the calls of ``models.training.train`` in."""
    monkeypatch.setenv("LSTMREC_DATA_DIR", str(tmp_path))
    calls = []
    return calls


@pytest.fixture
def fake_train(monkeypatch, trained, cache):
    """``models.training.train`` replaced by one that records its call and returns the already trained model.

    ``train`` is deterministic (tested above), so returning the shared result is
    what a real call would give; the cache tests then cost no extra training.
    """

    def fake(split, config=models.config.Config(), k=10, verbose=False, exclude_seen=True):
        cache.append(config)
        return trained

    monkeypatch.setattr(models.training, "train", fake)
    return cache


def test_cache_dir_is_under_lstmrec_data_dir(cache, tmp_path):
    assert models.cache.cache_dir() == tmp_path / "cache" / "models"
    assert models.cache.cache_dir().is_dir()


def test_load_or_train_trains_once_then_reads_the_cache(split, cache, monkeypatch):
    real_train = models.training.train

    def counting_train(*args, **kwargs):
        cache.append(kwargs.get("config", args[1] if len(args) > 1 else None))
        return real_train(*args, **kwargs)

    monkeypatch.setattr(models.training, "train", counting_train)
    first = models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert not first.from_cache and cache == [CONFIG]
    key = CONFIG.key(models.cache.data_key(split, "checksum-1"))
    # exactly the weights and the record; no leftover temporary (.part) files
    assert sorted(p.name for p in models.cache.cache_dir().iterdir()) == [f"{key}.json", f"{key}.weights.h5"]
    record = json.loads((models.cache.cache_dir() / f"{key}.json").read_text())
    assert record["config"] == CONFIG.settings() and record["data"] == "checksum-1/ties=shuffle"

    second = models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert second.from_cache and cache == [CONFIG]  # not trained again
    np.testing.assert_array_equal(second.recommender.score(HISTORIES), first.recommender.score(HISTORIES))
    assert second.history == first.history
    assert (second.best_epoch, second.seconds_to_best, second.seconds) == (
        first.best_epoch, first.seconds_to_best, first.seconds)
    assert second.config == CONFIG
    assert valid_ndcg(second.recommender, split) == pytest.approx(
        second.history["val_NDCG@10"][second.best_epoch - 1], abs=1e-6)


def test_load_or_train_retrains_for_other_data(split, fake_train):
    assert not models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache
    assert models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache
    assert not models.cache.load_or_train(split, "checksum-2", CONFIG).from_cache
    assert len(fake_train) == 2
    names = sorted(p.name for p in models.cache.cache_dir().iterdir())
    assert names == sorted(f"{CONFIG.key(models.cache.data_key(split, c))}{suffix}" for c in ("checksum-1", "checksum-2")
                           for suffix in (".json", ".weights.h5"))


def test_load_or_train_retrains_for_another_tie_rule(split, fake_train):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    other = dataclasses.replace(split, ties="item_id")
    assert models.cache.data_key(other, "checksum-1") == "checksum-1/ties=item_id"
    assert not models.cache.load_or_train(other, "checksum-1", CONFIG).from_cache
    assert len(fake_train) == 2


def test_load_or_train_retrains_when_seen_items_are_candidates(split, fake_train):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert models.cache.data_key(split, "checksum-1", exclude_seen=False) == "checksum-1/ties=shuffle/seen=candidates"
    assert models.cache.data_key(split, "checksum-1") == "checksum-1/ties=shuffle"  # the keys of existing caches
    assert not models.cache.load_or_train(split, "checksum-1", CONFIG, exclude_seen=False).from_cache
    assert models.cache.load_or_train(split, "checksum-1", CONFIG, exclude_seen=False).from_cache
    assert len(fake_train) == 2


def test_load_or_train_retrains_for_another_config(split, fake_train):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert not models.cache.load_or_train(split, "checksum-1", dataclasses.replace(CONFIG, seed=8)).from_cache
    assert len(fake_train) == 2


@pytest.mark.parametrize("corrupt", [
    lambda record: record["config"].update(lr=0.5),  # a record of another configuration
    lambda record: record.update(data="checksum-2/ties=shuffle"),  # ... or of other data
    lambda record: record.pop("config"),
])
def test_load_or_train_does_not_trust_a_mismatched_record(split, fake_train, corrupt):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    path = models.cache.cache_dir() / f"{CONFIG.key(models.cache.data_key(split, 'checksum-1'))}.json"
    record = json.loads(path.read_text())
    corrupt(record)
    path.write_text(json.dumps(record))
    again = models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert not again.from_cache and len(fake_train) == 2
    assert json.loads(path.read_text())["config"] == CONFIG.settings()  # the record was rewritten
    assert models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache


@pytest.mark.parametrize("suffix", [".json", ".weights.h5"])
def test_load_or_train_retrains_when_a_file_is_missing(split, fake_train, suffix):
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    (models.cache.cache_dir() / f"{CONFIG.key(models.cache.data_key(split, 'checksum-1'))}{suffix}").unlink()
    assert not models.cache.load_or_train(split, "checksum-1", CONFIG).from_cache
    assert len(fake_train) == 2


# --- next-basket training (chapter 10) ------------------------------------------------


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
    expected = evaluation.baskets.evaluate_baskets(trained.recommender.score, split.histories("valid"), split.baskets("valid"),
                                        split.num_items).metrics()["NDCG@10"]
    assert trained.history["val_NDCG@10"][trained.best_epoch - 1] == pytest.approx(expected, abs=1e-6)
    assert models.cache.data_key(split, "x", exclude_seen=False) == "x/ties=cart-order/seen=candidates"


# --- progress: epoch lines while watched, one line per model always ------------------------------------


def test_training_shows_epochs_while_watched_then_one_summary_line(split, monkeypatch, capsys):
    monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    trained = models.training.train(split, CONFIG)
    lines = capsys.readouterr().out.splitlines()
    epochs = len(trained.history["loss"])
    assert len(lines) == epochs + 1
    assert lines[0].startswith(f"epoch 1/{CONFIG.max_epochs}: loss ") and "val NDCG@10" in lines[0]
    assert lines[-1].startswith(f"LSTM seed {CONFIG.seed}: best epoch {trained.best_epoch} of {epochs}, val NDCG@10")


def test_headless_cache_hits_print_their_one_line_and_verbose_false_nothing(split, fake_train, monkeypatch, capsys):
    monkeypatch.setenv("LSTMREC_HEADLESS", "1")
    models.cache.load_or_train(split, "checksum-1", CONFIG)  # trained (the fake prints nothing)
    capsys.readouterr()
    models.cache.load_or_train(split, "checksum-1", CONFIG)
    assert capsys.readouterr().out.endswith("from the cache\n")
    models.cache.load_or_train(split, "checksum-1", CONFIG, verbose=False)
    assert capsys.readouterr().out == ""
