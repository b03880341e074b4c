"""Unit tests for ``lstmrec.models.attention``: the causal mask, counts by hand, and the model's causality against
Keras."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import data, models

keras = pytest.importorskip("keras")

NUM_ITEMS, MAX_LEN = 20, 6


def tiny(**kwargs):
    settings = dict(cell="SASRec", max_len=MAX_LEN, embedding_dim=8, hidden_dim=16, dropout=0.0, num_blocks=2,
                    num_heads=2)
    return models.config.Config(**{**settings, **kwargs})


@pytest.fixture(scope="module", params=models.config.LAYOUTS)
def model(request):
    keras.utils.set_random_seed(3)
    return models.attention.build(NUM_ITEMS, tiny(layout=request.param))


@pytest.mark.parametrize("seq_len, expected", [
    (1, [[1]]),
    (3, [[1, 0, 0], [1, 1, 0], [1, 1, 1]]),
])
def test_causal_mask_by_hand(seq_len, expected):
    np.testing.assert_array_equal(models.attention.causal_mask(seq_len), np.array(expected, dtype=bool))


def test_causal_mask_is_the_one_keras_applies():
    layer = keras.layers.MultiHeadAttention(1, 4)
    x = keras.ops.zeros((1, 5, 4))
    keras_mask = layer._compute_causal_mask(x)  # (1, T, T): what use_causal_mask=True adds
    np.testing.assert_array_equal(np.asarray(keras_mask)[0], models.attention.causal_mask(5))


@pytest.mark.parametrize("seq_len", [0, -2])
def test_causal_mask_rejects_an_empty_window(seq_len):
    with pytest.raises(ValueError, match="at least 1"):
        models.attention.causal_mask(seq_len)


@pytest.mark.parametrize("d, heads, f, expected", [
    (64, 1, 64, 16_640 + 8_320 + 256),   # 4(d^2 + d) + (2df + f + d) + 4d
    (8, 2, 32, 288 + 552 + 32),
    (1, 1, 1, 8 + 4 + 4),
])
def test_block_param_count_by_hand(d, heads, f, expected):
    assert models.attention.block_param_count(d, heads, f) == expected


@pytest.mark.parametrize("layout", models.config.LAYOUTS)
def test_block_param_count_is_keras_count(layout):
    one = models.attention.build(NUM_ITEMS, tiny(num_blocks=1, layout=layout)).count_params()
    two = models.attention.build(NUM_ITEMS, tiny(num_blocks=2, layout=layout)).count_params()
    assert two - one == models.attention.block_param_count(8, 2, 16)


def test_only_the_pre_norm_layout_projects_before_the_tied_scores():
    pre_norm = models.attention.build(NUM_ITEMS, tiny(layout="pre_norm")).count_params()
    sasrec = models.attention.build(NUM_ITEMS, tiny(layout="sasrec")).count_params()
    assert pre_norm - sasrec == 8 * 8 + 8  # Dense(E): E^2 weights and E biases


def _norm(x, layer):  # LayerNormalization by hand: (x - mean) / sqrt(var + eps) * gamma + beta
    gamma, beta = (np.asarray(w) for w in layer.weights)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + layer.epsilon) * gamma + beta


def _attention(query, value, real, layer):  # one head, causal, padded keys masked; Keras's kernel layout
    wq, bq, wk, bk, wv, bv, wo, bo = (np.asarray(w) for w in layer.weights)  # (E, 1, d_k), (1, d_k), .., (1, d_k, E)
    q, k, v = (x @ w[:, 0] + b[0] for x, w, b in ((query, wq, bq), (value, wk, bk), (value, wv, bv)))  # (T, d_k)
    logits = q @ k.T / np.sqrt(q.shape[-1])  # (T, T)
    allowed = models.attention.causal_mask(len(q)) & real[None, :]
    logits = np.where(allowed, logits, -np.inf)
    with np.errstate(invalid="ignore"):  # a padded query sees no key: its row is NaN, and compared nowhere
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        return (weights / weights.sum(-1, keepdims=True)) @ v @ wo[0] + bo  # (T, E)


def _forward_by_hand(model, items, layout):
    """One block of the module docstring in NumPy, from the model's own weights (dropout off)."""
    dense = {name: [np.asarray(w) for w in model.get_layer(name).weights]
             for name in ("block0_ffn1", "block0_ffn2") + (("to_embedding_space",) if layout == "pre_norm" else ())}
    table = np.asarray(model.get_layer("item_embedding").embeddings)  # (N, E)
    positions = np.asarray(model.get_layer("add_positions").weights[0])  # (T, E)
    real = items > 0
    x = table[items] * (np.sqrt(table.shape[1]) if layout == "sasrec" else 1.0) + positions  # (T, E)
    q = _norm(x, model.get_layer("block0_norm1"))
    if layout == "sasrec":
        x = q + _attention(q, x, real, model.get_layer("block0_attention"))
        x = _norm(x, model.get_layer("block0_norm2"))
        y = x
    else:
        x = x + _attention(q, q, real, model.get_layer("block0_attention"))
        y = _norm(x, model.get_layer("block0_norm2"))
    (w1, b1), (w2, b2) = dense["block0_ffn1"], dense["block0_ffn2"]
    x = x + np.maximum(y @ w1 + b1, 0) @ w2 + b2
    h = _norm(x, model.get_layer("encoder"))
    if layout == "pre_norm":
        h = h @ dense["to_embedding_space"][0] + dense["to_embedding_space"][1]
    return h @ table.T  # (T, N)


@pytest.mark.parametrize("layout", models.config.LAYOUTS)
def test_each_layout_is_its_formula(layout):
    keras.utils.set_random_seed(4)
    model = models.attention.build(NUM_ITEMS, tiny(layout=layout, num_blocks=1, num_heads=1))
    for i, w in enumerate(model.weights):  # away from the initial values (zero biases, unit scales): they hide mistakes
        w.assign(np.random.default_rng(i).normal(0.0, 0.3, w.shape))
    items = np.array([0, 0, 4, 9, 2, 7])
    expected = _forward_by_hand(model, items, layout)[2:]  # the real positions
    np.testing.assert_allclose(np.asarray(model(items[None]))[0, 2:], expected, rtol=1e-4, atol=1e-4)


def test_the_sasrec_layout_draws_its_weights_as_the_published_code():
    keras.utils.set_random_seed(0)
    model = models.attention.build(500, tiny(layout="sasrec", embedding_dim=64, hidden_dim=64))
    for name in ("item_embedding", "block0_ffn1"):
        assert np.asarray(model.get_layer(name).weights[0]).std() == pytest.approx(0.02, rel=0.05)
    assert model.get_layer("encoder").epsilon == 1e-8


@pytest.mark.parametrize("args", [(0, 1, 4), (8, 0, 4), (8, 3, 4), (8, 1, 0)])
def test_block_param_count_rejects_bad_sizes(args):
    with pytest.raises(ValueError):
        models.attention.block_param_count(*args)


def test_flops_per_event_by_hand():
    assert models.attention.flops_per_event("LSTM", 64, 128, 50) == 2 * 4 * 128 * 192
    # one block, E = f = 2, T = 3: cached 2*4*4 + 2*2*3*2 + 4*2*2 = 32 + 24 + 16
    assert models.attention.flops_per_event("SASRec", 2, 2, 3, num_blocks=1) == 72
    # uncached: 3 * (32 + 16) + 2*2*9*2 = 144 + 72
    assert models.attention.flops_per_event("SASRec", 2, 2, 3, num_blocks=1, cached=False) == 216


@pytest.mark.parametrize("kind, args", [("GRU", (8, 8, 4)), ("LSTM", (0, 8, 4)), ("SASRec", (8, 8, 0))])
def test_flops_per_event_rejects_bad_input(kind, args):
    with pytest.raises(ValueError):
        models.attention.flops_per_event(kind, *args)


def test_output_shape(model):
    x = np.random.default_rng(0).integers(1, NUM_ITEMS, (3, MAX_LEN))
    assert tuple(model(x).shape) == (3, MAX_LEN, NUM_ITEMS)


def test_a_position_never_reads_the_future(model):
    x = np.random.default_rng(1).integers(1, NUM_ITEMS, (4, MAX_LEN))
    changed = x.copy()
    changed[:, 3:] = (changed[:, 3:] % (NUM_ITEMS - 1)) + 1  # other items after position 2
    a, b = np.asarray(model(x)), np.asarray(model(changed))
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-5)
    assert not np.allclose(a[:, 3:], b[:, 3:], atol=1e-5)


def test_real_positions_ignore_the_padding(model):
    # [0 0 0 5 7 9]: the three real positions must not depend on what sits (masked) to their left
    x = np.array([[0, 0, 0, 5, 7, 9]])
    weights = model.get_layer("item_embedding").embeddings
    saved = np.array(weights)
    out = np.asarray(model(x))
    try:
        weights.assign(np.concatenate([saved[:1] + 3.0, saved[1:]]))  # another vector for the padding id
        # column 0 is the padding id's own score (its embedding changed); the items' scores must not move
        np.testing.assert_allclose(np.asarray(model(x))[:, 3:, 1:], out[:, 3:, 1:], atol=1e-5)
    finally:
        weights.assign(saved)


def test_recommender_scores_the_last_position(model):
    rec = models.recommender.Recommender(model, tiny(), NUM_ITEMS)
    histories = [np.array([1, 2, 3]), np.array([4, 5, 6, 7, 8, 9, 10])]
    scores = rec.score(histories)  # (2, NUM_ITEMS)
    full = np.asarray(model(data.sequences.pad_sequences(histories, MAX_LEN)))[:, -1]
    assert np.isneginf(scores[:, 0]).all()
    np.testing.assert_allclose(scores[:, 1:], full[:, 1:], atol=1e-5)


def test_config_rejects_heads_that_do_not_divide_the_width():
    with pytest.raises(ValueError, match="divisible"):
        models.config.Config(cell="SASRec", embedding_dim=10, num_heads=3)


def test_docstring_examples():
    import doctest

    assert doctest.testmod(models.attention).failed == 0
