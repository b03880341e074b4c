"""Unit tests for ``lstmrec.serve.export``: the inference model, the catalogue, and the artefact on disk.

A hand-made interaction table of 3 users and 6 raw items gives a split whose
popularity is counted by hand; one small random model (E = 4, H = 6, weights
replaced by seeded random values, nothing trained) is exported once per module
and loaded back both ways (``.keras`` with ``safe_mode`` and the SavedModel),
and the loaded logits are compared with the in-memory inference model's.
"""

from __future__ import annotations

import json
import re
import time
import zipfile

import numpy as np
import pandas as pd
import pytest

from lstmrec import models, serve
from lstmrec.data.sequences import pad_sequences
from lstmrec.data.splits import leave_one_out
from lstmrec.serve.streaming import StreamingLSTM
from tests.models.tiny_models import randomise

keras = pytest.importorskip("keras")
pytest.importorskip("tensorflow")


E, H, MAX_LEN = 4, 6, 8
ATOL = 1e-5

# user 1: 10 20 | 30 40      train = raw [10, 20]     -> model ids [1, 2]
# user 2: 20 20 50 | 10 30   train = raw [20, 20, 50] -> [2, 2, 5]
# user 3: 40 | 50 60         train = raw [40]         -> [4]   (60 occurs only as a test target)
# (| separates the training history from the validation and test targets)
ROWS = [(1, 10, 1), (1, 20, 2), (1, 30, 3), (1, 40, 4),
        (2, 20, 1), (2, 20, 2), (2, 50, 3), (2, 10, 4), (2, 30, 5),
        (3, 40, 1), (3, 50, 2), (3, 60, 3)]
RAW_IDS = [-1, 10, 20, 30, 40, 50, 60]  # model id -> raw id; -1 for padding
NUM_ITEMS = len(RAW_IDS)  # 7
POPULARITY = [0, 1, 3, 0, 1, 1, 0]  # training histories only; all events would give [0, 3, 4, 3, 2, 2, 1]
TITLES = ["", "Ten", "Twenty", "Thirty", "Forty", "item 50", "Sixty"]  # 50 has no title in the items table


def interactions() -> pd.DataFrame:
    return pd.DataFrame([(u, i, 4, 1_000 * u + t) for u, i, t in ROWS],
                        columns=["user_id", "item_id", "rating", "timestamp"])


def items_table() -> pd.DataFrame:
    # rows in another order than the ids, an item outside the catalogue (70), and no row for 50
    return pd.DataFrame({"item_id": [60, 30, 70, 10, 40, 20],
                         "title": ["Sixty", "Thirty", "Seventy", "Ten", "Forty", "Twenty"]})


def tiny(**kwargs) -> models.config.Config:
    return models.config.Config(max_len=MAX_LEN, embedding_dim=E, hidden_dim=H, **kwargs)


# An input of length 3 (shorter than max_len, with padding) and one of length 12 (longer).
X_SHORT = np.array([[0, 0, 3], [1, 2, 6], [0, 0, 0]], dtype=np.int32)  # the last row: no history at all
X_LONG = pad_sequences([np.array([1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 2]), np.array([4, 4])], 12)


@pytest.fixture(scope="module")
def split():
    s = leave_one_out(interactions())
    assert s.num_items == NUM_ITEMS and s.num_users == 3
    return s


@pytest.fixture(scope="module")
def cat(split):
    return serve.export.catalogue(split, items_table(), data_checksum="0123abcd", dataset="hand-made")


@pytest.fixture(scope="module")
def model():
    m = models.recurrent.build(NUM_ITEMS, tiny())
    randomise(m, seed=0)
    return m


@pytest.fixture(scope="module")
def serving(model):
    return serve.export.inference_model(model)


@pytest.fixture(scope="module")
def artefact(serving, cat, tmp_path_factory):
    return serve.export.save_artefact(serving, cat, tmp_path_factory.mktemp("export") / "artefact")


def logits(m, x) -> np.ndarray:
    return np.asarray(m(x), dtype=np.float32)


# --- the inference model -----------------------------------------------------------------------------


@pytest.mark.parametrize("x", [X_SHORT, X_LONG], ids=["T=3", "T=12"])
def test_inference_model_output_shape(serving, x):
    out = logits(serving, x)
    assert out.shape == (len(x), NUM_ITEMS) and np.isfinite(out).all()


def test_inference_model_has_only_built_in_layers(serving):
    kinds = {type(layer).__name__ for layer in serving.layers}
    assert kinds == {"InputLayer", "Embedding", "LSTM", "Dense"}
    assert not serving.get_layer("recurrent").return_sequences
    np.testing.assert_array_equal(serving.get_layer("scores").get_weights()[0],
                                  serving.get_layer("item_embedding").get_weights()[0].T)  # tied: E^T


@pytest.mark.parametrize("cell, tie", [("LSTM", True), ("LSTM", False), ("GRU", True)],
                         ids=["LSTM-tied", "LSTM-untied", "GRU-tied"])
def test_inference_model_equals_the_training_models_last_position(model, cell, tie):
    m = (
        model
        if (cell, tie) == ("LSTM", True)
        else models.recurrent.build(NUM_ITEMS, tiny(cell=cell, tie_embeddings=tie))
    )
    if m is not model:
        randomise(m, seed=1)
    x = pad_sequences([np.array([1, 2, 3]), np.array([6, 5, 4, 3, 2, 1, 2, 3]), np.array([5])], MAX_LEN)
    want = np.asarray(m(x, training=False))[:, -1]  # (batch, num_items): the scores after the last item
    np.testing.assert_allclose(logits(serve.export.inference_model(m), x), want, atol=ATOL)


def test_left_padding_does_not_change_the_scores(serving):
    short = logits(serving, np.array([[2, 5]], dtype=np.int32))
    padded = logits(serving, np.array([[0, 0, 0, 0, 0, 2, 5]], dtype=np.int32))
    np.testing.assert_allclose(padded, short, atol=ATOL)


# --- the catalogue ------------------------------------------------------------------------------------


def test_catalogue_popularity_counts_training_histories_only(cat):
    assert cat.popularity.tolist() == POPULARITY


def test_catalogue_ids_and_titles_line_up(cat):
    assert cat.raw_ids.tolist() == RAW_IDS and cat.num_items == NUM_ITEMS
    assert cat.titles == TITLES  # by raw id, whatever the order of the items table; padding ""
    assert (cat.data_checksum, cat.ties, cat.dataset) == ("0123abcd", "shuffle", "hand-made")


def test_catalogue_json_round_trip(cat):
    back = serve.export.Catalogue.from_json(cat.to_json())
    assert back.raw_ids.tolist() == RAW_IDS and back.titles == TITLES and back.popularity.tolist() == POPULARITY
    assert (back.data_checksum, back.ties, back.dataset) == (cat.data_checksum, cat.ties, cat.dataset)
    assert back.raw_ids.dtype == back.popularity.dtype == np.int64


def test_catalogue_json_keeps_non_ascii_titles():
    c = serve.export.Catalogue(
        np.array([-1, 7]), ["", "Amélie (2001) 天使爱美丽"], np.array([0, 2]), "x", "source", "d"
    )
    text = c.to_json()
    assert "Amélie" in text  # written as UTF-8, not \u escapes
    assert serve.export.Catalogue.from_json(text).titles == c.titles


@pytest.mark.parametrize("text", [
    "not json",
    "",
    "null",
    "[]",
    "{}",
    '"a string"',
    json.dumps({"raw_ids": [-1, 1], "titles": ["", "a"], "popularity": [0, 1], "ties": "shuffle",
                "dataset": "d"}),  # no data_checksum
    json.dumps({"raw_ids": [-1, 1], "titles": 5, "popularity": [0, 1], "data_checksum": "x", "ties": "shuffle",
                "dataset": "d"}),  # titles not a list
], ids=["text", "empty", "null", "list", "no-fields", "string", "no-checksum", "titles-number"])
def test_from_json_refuses_garbage(text):
    with pytest.raises(ValueError, match=r"catalogue\.json is not a catalogue written by lstmrec\.serve\.export"):
        serve.export.Catalogue.from_json(text)


@pytest.mark.parametrize("n_titles, n_popularity", [(2, 3), (3, 4), (0, 0)])
def test_catalogue_lengths_must_agree(n_titles, n_popularity):
    with pytest.raises(ValueError, match=rf"raw_ids \(3\), titles \({n_titles}\) and popularity "
                                         rf"\({n_popularity}\) must have one entry per model id"):
        serve.export.Catalogue(
            np.array([-1, 1, 2]), [""] * n_titles, np.zeros(n_popularity, np.int64), "x", "shuffle", "d"
        )


def test_from_json_checks_the_lengths_too(cat):
    d = json.loads(cat.to_json())
    d["titles"] = d["titles"][:-1]
    with pytest.raises(ValueError, match=r"titles \(6\)"):
        serve.export.Catalogue.from_json(json.dumps(d))


# --- the artefact on disk --------------------------------------------------------------------------------


def test_save_artefact_writes_the_three_parts(artefact):
    assert (artefact / serve.export.MODEL_FILE).is_file()
    assert (artefact / serve.export.SAVED_MODEL_DIR / "saved_model.pb").is_file()
    assert (artefact / serve.export.CATALOGUE_FILE).is_file()
    assert sorted(p.name for p in artefact.parent.iterdir()) == [artefact.name]  # no temporary folder left


def test_load_catalogue(artefact, cat):
    back = serve.export.load_catalogue(artefact)
    assert back.raw_ids.tolist() == RAW_IDS and back.titles == TITLES and back.popularity.tolist() == POPULARITY


@pytest.mark.parametrize("x", [X_SHORT, X_LONG], ids=["T=3", "T=12"])
def test_load_keras_gives_the_same_logits(artefact, serving, x):
    loaded = serve.export.load_keras(artefact)
    np.testing.assert_allclose(logits(loaded, x), logits(serving, x), atol=ATOL)


@pytest.mark.parametrize("x", [X_SHORT, X_LONG], ids=["T=3", "T=12"])
def test_saved_model_serve_gives_the_same_logits(artefact, serving, x):
    saved = serve.export.load_saved_model(artefact)
    out = np.asarray(saved.serve(x))
    assert out.shape == (len(x), NUM_ITEMS)
    np.testing.assert_allclose(out, logits(serving, x), atol=ATOL)


def test_streaming_arrays_from_the_loaded_model(artefact, serving):
    # what the service does: StreamingLSTM from the .keras file, not from the model in memory
    a, b = StreamingLSTM.from_model(serve.export.load_keras(artefact)), StreamingLSTM.from_model(serving)
    for name in ("input_table", "recurrent_kernel", "projection", "projection_bias", "output"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_model_version(artefact):
    version = serve.export.model_version(artefact)
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert serve.export.model_version(str(artefact)) == version  # a str folder works too


def test_model_version_ignores_the_object_ids_of_another_process(artefact, tmp_path):
    """Keras writes a shared layer's Python ``id()`` into config.json: exported again elsewhere, it differs."""
    source = artefact / serve.export.MODEL_FILE
    with zipfile.ZipFile(source) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = members["config.json"].decode()
    assert '"shared_object_id"' in config  # the tied embedding is shared by the input and the scores
    ids = sorted(set(re.findall(r'"shared_object_id": (\d+)', config)))

    def copy(folder, text):
        folder.mkdir()
        with zipfile.ZipFile(folder / serve.export.MODEL_FILE, "w") as zf:
            for name, raw in members.items():
                zf.writestr(name, text.encode() if name == "config.json" else raw)
        return folder

    other_ids = config
    for n, old in enumerate(ids):
        other_ids = other_ids.replace(old, str(10**15 + n))
    assert serve.export.model_version(copy(tmp_path / "ids", other_ids)) == serve.export.model_version(artefact)
    renamed = config.replace('"name": "recurrent"', '"name": "recurrent2"', 1)
    assert serve.export.model_version(copy(tmp_path / "renamed", renamed)) != serve.export.model_version(artefact)


@pytest.mark.slow
def test_model_version_ignores_when_the_file_was_saved(serving, cat, tmp_path):
    serve.export.save_artefact(serving, cat, tmp_path / "a")
    time.sleep(1.1)  # the .keras file records its save time to the second
    serve.export.save_artefact(serving, cat, tmp_path / "b")
    assert (tmp_path / "a" / serve.export.MODEL_FILE).read_bytes() != (
        tmp_path / "b" / serve.export.MODEL_FILE
    ).read_bytes()
    assert serve.export.model_version(tmp_path / "a") == serve.export.model_version(
        tmp_path / "b"
    )  # same weights, same version


def test_artefact_is_readable_by_other_users(serving, cat, tmp_path):
    folder = serve.export.save_artefact(serving, cat, tmp_path / "a")
    assert folder.stat().st_mode & 0o755 == 0o755


@pytest.mark.slow
def test_saving_again_replaces_the_artefact(serving, cat, tmp_path):
    folder = tmp_path / "artefact"
    serve.export.save_artefact(serving, cat, folder)
    first = serve.export.model_version(folder)
    (folder / "stale.txt").write_text("from the first artefact")
    other = serve.export.inference_model(serving)  # the same architecture ...
    randomise(other, seed=2)  # ... with other weights
    assert serve.export.save_artefact(other, cat, folder) == folder
    assert serve.export.model_version(folder) != first  # other weights: another version
    assert not (folder / "stale.txt").exists()  # the whole folder was replaced, not merged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artefact"]  # no temporary or old folder left
    np.testing.assert_allclose(logits(serve.export.load_keras(folder), X_SHORT), logits(other, X_SHORT), atol=ATOL)
    saved = serve.export.load_saved_model(folder)  # kept while serve runs: it owns the weights
    np.testing.assert_allclose(np.asarray(saved.serve(X_SHORT)), logits(other, X_SHORT), atol=ATOL)


@pytest.mark.slow
def test_failed_save_leaves_the_old_artefact(serving, tmp_path):
    folder = tmp_path / "artefact"
    cat = serve.export.Catalogue(
        np.arange(NUM_ITEMS) - 1, [""] * NUM_ITEMS, np.zeros(NUM_ITEMS, np.int64), "x", "s", "d"
    )
    serve.export.save_artefact(serving, cat, folder)
    version = serve.export.model_version(folder)

    class Broken(serve.export.Catalogue):
        def to_json(self):
            raise RuntimeError("disk full")

    broken = Broken(cat.raw_ids, cat.titles, cat.popularity, "x", "s", "d")
    with pytest.raises(RuntimeError, match="disk full"):
        serve.export.save_artefact(serving, broken, folder)  # fails after the model files are written
    assert serve.export.model_version(folder) == version and (folder / serve.export.CATALOGUE_FILE).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artefact"]


# --- loading: what is refused ------------------------------------------------------------------------------


@pytest.mark.parametrize("load, name", [
    (serve.export.load_keras, "model.keras"),
    (serve.export.load_saved_model, "saved_model/"),
    (serve.export.load_catalogue, "catalogue.json"),
])
def test_loading_from_an_empty_folder(tmp_path, load, name):
    with pytest.raises(FileNotFoundError, match=rf"no {re.escape(name)} in {re.escape(str(tmp_path))}"):
        load(tmp_path)


def test_load_keras_refuses_a_lambda_layer(tmp_path):
    unsafe = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2)])
    unsafe.save(tmp_path / serve.export.MODEL_FILE)
    # Keras 3 raises ValueError: "Requested the deserialization of a `Lambda` layer whose `function` is a
    # Python lambda ... disallowed by default ... passing `safe_mode=False`"
    with pytest.raises(ValueError, match=r"(?is)lambda.*(unsafe|safe_mode|arbitrary code)"):
        serve.export.load_keras(tmp_path)
