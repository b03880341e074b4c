"""Unit tests for ``lstmrec.serve.streaming``: the LSTM state stepped one event at a time, in NumPy.

One small random model (11 ids, E = 4, H = 6, max_len = 8) is built once, its
weights replaced by seeded random values of a size that keeps the gates away
from 0.5 and from saturation; nothing is trained. The streaming arrays are
cross-checked against chapter 03's float64 cell (``foundations.numpy_rnn.lstm_step`` and
``foundations.numpy_rnn.lstm_forward``), against the exported Keras inference model on the
full left-padded histories, and against ``models.recommender.Recommender`` (which reads
only the last ``max_len`` items) on histories no longer than ``max_len``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import foundations, models, serve
from lstmrec.data.sequences import pad_sequences
from lstmrec.serve.streaming import StreamingLSTM
from tests.models.tiny_models import randomise

pytest.importorskip("keras")

NUM_ITEMS = 11  # ids 1..10 and padding 0
E, H, MAX_LEN = 4, 6, 8
CONFIG = models.config.Config(max_len=MAX_LEN, embedding_dim=E, hidden_dim=H)
ATOL = 1e-5

HISTORIES = [
    np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]),  # 11 items: longer than max_len
    np.array([7]),
    np.array([], dtype=np.int64),  # no events: the initial state
    np.array([2, 10, 2]),
    np.array([8, 8, 8, 8, 8, 8, 8, 8]),  # exactly max_len
]
SHORT = [1, 2, 3, 4]  # the indices of HISTORIES no longer than max_len


@pytest.fixture(scope="module")
def model():
    m = models.recurrent.build(NUM_ITEMS, CONFIG)
    randomise(m)
    return m


@pytest.fixture(scope="module")
def serving(model):
    return serve.export.inference_model(model)


@pytest.fixture(scope="module")
def lstm(serving):
    return StreamingLSTM.from_model(serving)


@pytest.fixture(scope="module")
def keras_weights(serving):
    """(E_items (N, E), kernel (E, 4H), recurrent_kernel (H, 4H), bias (4H,)) as float64."""
    items = serving.get_layer("item_embedding").get_weights()[0]
    kernel, recurrent_kernel, bias = serving.get_layer("recurrent").get_weights()
    return tuple(np.asarray(w, np.float64) for w in (items, kernel, recurrent_kernel, bias))


def random_state(batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (np.tanh(rng.normal(size=(batch, H))).astype(np.float32),  # h is in (-1, 1), as after a real step
            rng.normal(size=(batch, H)).astype(np.float32))


# --- the arrays ------------------------------------------------------------------------------


def test_shapes_and_dtypes(lstm):
    assert lstm.num_items == NUM_ITEMS and lstm.hidden_dim == H
    assert lstm.input_table.shape == (NUM_ITEMS, 4 * H)
    assert lstm.recurrent_kernel.shape == (H, 4 * H)
    assert lstm.projection.shape == (H, E) and lstm.projection_bias.shape == (E,)
    assert lstm.output.shape == (E, NUM_ITEMS) and lstm.output.flags.c_contiguous
    for a in (lstm.input_table, lstm.recurrent_kernel, lstm.projection, lstm.projection_bias, lstm.output):
        assert a.dtype == np.float32


def test_input_table_is_embedding_times_kernel_plus_bias(lstm, keras_weights):
    items, kernel, _, bias = keras_weights
    np.testing.assert_allclose(lstm.input_table, items @ kernel + bias, atol=ATOL)
    np.testing.assert_allclose(lstm.output, items.T, atol=0)  # the tied output is the embedding itself


def test_initial_state_is_zeros(lstm):
    h, c = lstm.initial_state(3)
    assert h.shape == c.shape == (3, H) and h.dtype == c.dtype == np.float32
    assert not h.any() and not c.any()
    assert h is not c


# --- one step ----------------------------------------------------------------------------------


@pytest.mark.parametrize("items", [[5], [1, 10, 3], [4, 4]], ids=["one-user", "three-users", "same-item"])
def test_step_equals_chapter_03_cell(lstm, keras_weights, items):
    embeddings, kernel, recurrent_kernel, bias = keras_weights
    h, c = random_state(len(items))
    got_h, got_c = lstm.step(h, c, items)
    want_h, want_c, _ = foundations.numpy_rnn.lstm_step(embeddings[items], h, c, kernel, recurrent_kernel, bias)
    assert got_h.shape == got_c.shape == (len(items), H) and got_h.dtype == np.float32
    np.testing.assert_allclose(got_h, want_h, atol=ATOL)
    np.testing.assert_allclose(got_c, want_c, atol=ATOL)


def test_step_from_the_initial_state(lstm, keras_weights):
    embeddings, kernel, recurrent_kernel, bias = keras_weights
    h, c = lstm.step(*lstm.initial_state(1), np.array([7], dtype=np.uint8))  # any integer dtype
    want_h, want_c, _ = foundations.numpy_rnn.lstm_step(embeddings[[7]], np.zeros((1, H)), np.zeros((1, H)),
                                        kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(h, want_h, atol=ATOL)
    np.testing.assert_allclose(c, want_c, atol=ATOL)


def test_step_rows_are_independent(lstm):
    h, c = random_state(3)
    h_all, c_all = lstm.step(h, c, [2, 9, 6])
    for row, item in enumerate([2, 9, 6]):
        h_one, c_one = lstm.step(h[row:row + 1], c[row:row + 1], [item])
        np.testing.assert_allclose(h_all[row:row + 1], h_one, atol=1e-6)
        np.testing.assert_allclose(c_all[row:row + 1], c_one, atol=1e-6)


# --- scores ---------------------------------------------------------------------------------------


def test_scores_are_the_tied_logits(lstm, serving):
    h, _ = random_state(2)
    w, b = (np.asarray(x, np.float64) for x in serving.get_layer("to_embedding_space").get_weights())
    items = np.asarray(serving.get_layer("item_embedding").get_weights()[0], np.float64)
    got = lstm.scores(h)
    assert got.shape == (2, NUM_ITEMS) and got.dtype == np.float32
    np.testing.assert_allclose(got[:, 1:], ((h @ w + b) @ items.T)[:, 1:], atol=ATOL)  # (h W_p + b_p) E^T


def test_padding_column_is_minus_infinity(lstm):
    scores = lstm.scores(lstm.encode(HISTORIES)[0])
    assert np.isneginf(scores[:, 0]).all()
    assert np.isfinite(scores[:, 1:]).all()


# --- encode ---------------------------------------------------------------------------------------


def test_encode_equals_the_inference_model_on_full_histories(lstm, serving):
    h, c = lstm.encode(HISTORIES)
    assert h.shape == c.shape == (len(HISTORIES), H)
    longest = max(len(x) for x in HISTORIES)  # 11 > max_len: the inference model reads any length
    want = np.asarray(serving(pad_sequences(HISTORIES, longest)))  # (5, N)
    np.testing.assert_allclose(lstm.scores(h)[:, 1:], want[:, 1:], atol=ATOL)


def test_empty_history_gives_the_initial_state(lstm, serving):
    h, c = lstm.encode(HISTORIES)
    assert not h[2].any() and not c[2].any()
    h, c = lstm.encode([np.array([], dtype=np.int64), []])  # only empty histories: no step at all
    assert h.shape == (2, H) and not h.any() and not c.any()
    # Keras agrees: a fully masked row keeps the zero state, so its scores are b_p E^T
    want = np.asarray(serving(np.zeros((1, 3), np.int32)))
    np.testing.assert_allclose(lstm.scores(h[:1])[:, 1:], want[:, 1:], atol=ATOL)


def test_no_histories(lstm):
    h, c = lstm.encode([])
    assert h.shape == c.shape == (0, H)


def test_encode_equals_recommender_on_short_histories(lstm, model):
    short = [HISTORIES[i] for i in SHORT]
    want = models.recommender.Recommender(model, CONFIG, NUM_ITEMS).score(short)  # the training model's last position
    got = lstm.scores(lstm.encode(short)[0])
    np.testing.assert_allclose(got[:, 1:], want[:, 1:], atol=ATOL)
    assert np.isneginf(want[:, 0]).all() and np.isneginf(got[:, 0]).all()


@pytest.mark.parametrize("row", [0, 1, 3], ids=["11-items", "1-item", "3-items"])
def test_encode_equals_chapter_03_forward(lstm, keras_weights, row):
    # lstm_forward has no mask: it is given the history itself, without padding
    embeddings, kernel, recurrent_kernel, bias = keras_weights
    history = HISTORIES[row]
    h, c = lstm.encode([history])
    h_seq, c_seq, _ = foundations.numpy_rnn.lstm_forward(embeddings[history][None], kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(h, h_seq[:, -1], atol=ATOL)
    np.testing.assert_allclose(c, c_seq[:, -1], atol=ATOL)


def test_stepping_event_by_event_equals_encode(lstm):
    h_all, c_all = lstm.encode(HISTORIES)
    for row, history in enumerate(HISTORIES):
        h, c = lstm.initial_state(1)
        for item in history:  # what the service does as events arrive
            h, c = lstm.step(h, c, [item])
        np.testing.assert_allclose(h[0], h_all[row], atol=1e-6)
        np.testing.assert_allclose(c[0], c_all[row], atol=1e-6)


def test_encode_does_not_depend_on_the_other_users(lstm):
    h_all, _ = lstm.encode(HISTORIES)
    for row, history in enumerate(HISTORIES):
        np.testing.assert_allclose(lstm.encode([history])[0][0], h_all[row], atol=1e-6)


# --- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -1, NUM_ITEMS, 1000])
def test_unknown_item_is_refused(lstm, bad):
    h, c = lstm.initial_state(2)
    with pytest.raises(KeyError, match=rf"unknown item id\(s\) \[{bad}\]: items are 1\.\.{NUM_ITEMS - 1}"):
        lstm.step(h, c, [3, bad])
    with pytest.raises(KeyError, match=rf"unknown item id\(s\) \[{bad}\]"):
        lstm.encode([np.array([1, 2]), np.array([4, bad, 5])])


@pytest.mark.parametrize("items", [[1.0], np.array([2.5]), ["3"]], ids=["float", "float-array", "string"])
def test_non_integer_ids_are_refused(lstm, items):
    h, c = lstm.initial_state(1)
    with pytest.raises(TypeError, match=r"item ids must be integers, got dtype"):
        lstm.step(h, c, items)
    with pytest.raises(TypeError, match=r"item ids must be integers"):
        lstm.encode([np.asarray(items)])


@pytest.mark.parametrize("h_shape, c_shape, items", [
    ((2, H), (2, H), [1]),  # two states, one item
    ((1, H), (1, H + 1), [1]),  # c of another size
    ((1, H + 1), (1, H + 1), [1]),  # both of another size than the model's
    ((H,), (H,), [1]),  # one user's state without the batch axis
], ids=["batch", "c-size", "hidden-size", "no-batch-axis"])
def test_mismatched_state_shapes(lstm, h_shape, c_shape, items):
    with pytest.raises(ValueError, match=rf"must both be \(batch, H\) = \({len(items)}, {H}\)"):
        lstm.step(np.zeros(h_shape, np.float32), np.zeros(c_shape, np.float32), items)


@pytest.mark.parametrize("kwargs, match", [
    ({"cell": "GRU"}, r"streaming is written for an LSTM; this model's recurrent layer is GRU"),
    ({"tie_embeddings": False}, r"streaming is written for the tied model \(Config\(tie_embeddings=True\)\)"),
], ids=["GRU", "untied"])
def test_other_models_are_refused(kwargs, match):
    other = models.recurrent.build(
        NUM_ITEMS, models.config.Config(max_len=MAX_LEN, embedding_dim=E, hidden_dim=H, **kwargs)
    )
    with pytest.raises(ValueError, match=match):
        StreamingLSTM.from_model(serve.export.inference_model(other))


# --- float64: a reference without float32 rounding -----------------------------------------------------


@pytest.fixture(scope="module")
def lstm64(serving):
    return StreamingLSTM.from_model(serving, dtype="float64")


def test_float64_step_equals_chapter_03_cell_to_rounding(lstm64, keras_weights):
    embeddings, kernel, recurrent_kernel, bias = keras_weights
    h, c = (x.astype(np.float64) for x in random_state(3))
    got_h, got_c = lstm64.step(h, c, [1, 10, 3])
    want_h, want_c, _ = foundations.numpy_rnn.lstm_step(embeddings[[1, 10, 3]], h, c, kernel, recurrent_kernel, bias)
    assert lstm64.dtype == got_h.dtype == np.float64
    np.testing.assert_allclose(got_h, want_h, rtol=0, atol=1e-12)  # the same computation, float64 throughout
    np.testing.assert_allclose(got_c, want_c, rtol=0, atol=1e-12)


def test_float64_encode_equals_the_float64_inference_model(lstm64, model):
    longest = max(len(x) for x in HISTORIES)
    want = np.asarray(serve.export.inference_model(model, dtype="float64")(pad_sequences(HISTORIES, longest)))
    got = lstm64.scores(lstm64.encode(HISTORIES)[0])
    assert want.dtype == got.dtype == np.float64
    np.testing.assert_allclose(got[:, 1:], want[:, 1:], rtol=0, atol=1e-10)


def test_float32_differs_from_float64_by_rounding_only(lstm, lstm64):
    s32 = lstm.scores(lstm.encode(HISTORIES)[0])[:, 1:]
    s64 = lstm64.scores(lstm64.encode(HISTORIES)[0])[:, 1:]
    np.testing.assert_allclose(s32, s64, rtol=0, atol=ATOL)


@pytest.mark.parametrize("dtype", ["float16", "int32", "double"])
def test_bad_dtype_is_refused(serving, dtype):
    with pytest.raises(ValueError, match=r"dtype=.*: choose 'float32' or 'float64'"):
        StreamingLSTM.from_model(serving, dtype=dtype)
