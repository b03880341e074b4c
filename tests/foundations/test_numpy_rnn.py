"""Unit tests for ``lstmrec.foundations.numpy_rnn``: LSTM, peephole LSTM and GRU steps in NumPy.

Hand-computed single steps (H = E = 1, weights chosen so that every gate is
``σ(ln k) = k / (k + 1)`` or ``tanh(ln k) = (k² - 1) / (k² + 1)``), the
cross-check against ``keras.layers.LSTM`` and ``keras.layers.GRU`` on random
inputs, weights and initial states (only forward passes: nothing is trained),
the parameter counts against ``model.count_params()``, and the errors.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstmrec import foundations

LN2, LN3 = np.log(2.0), np.log(3.0)
BATCH, T, E, H = 3, 7, 5, 4  # the Keras cross-check's sizes


def one(value) -> np.ndarray:
    """A (1, 1) array: batch 1, one feature or one unit."""
    return np.array([[value]], dtype=np.float64)


# --- sigmoid ------------------------------------------------------------------------------------


def test_sigmoid_values():
    x = np.array([0.0, LN3, -LN3, 2.0, -7.5])
    np.testing.assert_allclose(foundations.numpy_rnn.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        foundations.numpy_rnn.sigmoid(x[:3]), [0.5, 0.75, 0.25], rtol=0, atol=1e-15
    )  # σ(ln k) = k/(k+1)


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):  # 1 / (1 + exp(1000)) would overflow
        assert foundations.numpy_rnn.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_sigmoid_keeps_the_shape():
    assert foundations.numpy_rnn.sigmoid(np.zeros((2, 3, 4))).shape == (2, 3, 4)
    assert float(foundations.numpy_rnn.sigmoid(0)) == 0.5


# --- LSTM: hand-computed steps -------------------------------------------------------------------


def test_lstm_step_by_hand():
    # x_t = 1, h_prev = 1, c_prev = 2 ln 3; pre-activation = x * kernel + h * recurrent_kernel + bias:
    #   i: ln 3 * 1 + 0 * 1 + 0     = ln 3  -> i = σ(ln 3) = 0.75
    #   f: 1 * 1 + (-1) * 1 + 0     = 0     -> f = 0.5
    #   c: 1 * 1 + 0 * 1 + (-1)     = 0     -> c~ = tanh(0) = 0
    #   o: 0 * 1 + (-ln 3) * 1 + 0  = -ln 3 -> o = 0.25
    # c_t = 0.5 * 2 ln 3 + 0.75 * 0 = ln 3;  h_t = 0.25 * tanh(ln 3) = 0.25 * 0.8 = 0.2
    kernel = np.array([[LN3, 1.0, 1.0, 0.0]])  # (E, 4H) = (1, 4), columns i, f, c, o
    recurrent_kernel = np.array([[0.0, -1.0, 0.0, -LN3]])  # (H, 4H)
    bias = np.array([0.0, 0.0, -1.0, 0.0])  # (4H,)
    h_t, c_t, gates = foundations.numpy_rnn.lstm_step(one(1.0), one(1.0), one(2 * LN3), kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(c_t, one(LN3), atol=1e-12)
    np.testing.assert_allclose(h_t, one(0.2), atol=1e-12)
    assert list(gates) == ["input", "forget", "candidate", "output"]
    got = [float(gates[name][0, 0]) for name in gates]
    np.testing.assert_allclose(got, [0.75, 0.5, 0.0, 0.25], atol=1e-12)  # four different values: the order i, f, c, o


def test_lstm_step_by_hand_from_zero_state():
    # x_t = 2, h_prev = c_prev = 0, so only kernel and bias count:
    #   i: 0 * 2 = 0 -> 0.5;   f: 3 * 2 = 6 (no effect: c_prev = 0);   c: (ln 3 / 2) * 2 = ln 3 -> c~ = 0.8
    #   o: (ln 3 / 2) * 2 = ln 3 -> 0.75
    # c_t = 0.5 * 0.8 = 0.4;  h_t = 0.75 * tanh(0.4) = 0.284962 (a plain LSTM's h_t is never above o_t)
    kernel = np.array([[0.0, 3.0, LN3 / 2, LN3 / 2]])
    h_t, c_t, gates = foundations.numpy_rnn.lstm_step(
        one(2.0), one(0.0), one(0.0), kernel, np.ones((1, 4)), np.zeros(4)
    )
    np.testing.assert_allclose(c_t, one(0.4), atol=1e-12)
    np.testing.assert_allclose(h_t, one(0.75 * np.tanh(0.4)), atol=1e-12)
    assert abs(float(h_t[0, 0]) - 0.284962) < 1e-6
    np.testing.assert_allclose(gates["forget"], one(foundations.numpy_rnn.sigmoid(6.0)), atol=1e-12)


def test_lstm_step_units_and_batch_rows_are_independent():
    rng = np.random.default_rng(0)
    x_t, h, c = rng.normal(size=(BATCH, E)), rng.normal(size=(BATCH, H)), rng.normal(size=(BATCH, H))
    kernel, recurrent_kernel, bias = rng.normal(size=(E, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    h_t, c_t, gates = foundations.numpy_rnn.lstm_step(x_t, h, c, kernel, recurrent_kernel, bias)
    assert h_t.shape == c_t.shape == (BATCH, H) and h_t.dtype == np.float64
    assert all(g.shape == (BATCH, H) for g in gates.values())
    for b in range(BATCH):  # row b alone gives row b
        h_b, c_b, _ = foundations.numpy_rnn.lstm_step(
            x_t[b : b + 1], h[b : b + 1], c[b : b + 1], kernel, recurrent_kernel, bias
        )
        np.testing.assert_allclose(h_b, h_t[b:b + 1], atol=1e-12)
        np.testing.assert_allclose(c_b, c_t[b:b + 1], atol=1e-12)
    # the formulas, gate by gate
    np.testing.assert_allclose(c_t, gates["forget"] * c + gates["input"] * gates["candidate"], atol=1e-12)
    np.testing.assert_allclose(h_t, gates["output"] * np.tanh(c_t), atol=1e-12)


def test_lstm_forward_is_the_step_in_a_loop():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 3))  # (batch, T, E)
    kernel, recurrent_kernel, bias = rng.normal(size=(3, 8)), rng.normal(size=(2, 8)), rng.normal(size=8)
    h_seq, c_seq, gates = foundations.numpy_rnn.lstm_forward(x, kernel, recurrent_kernel, bias)
    assert h_seq.shape == c_seq.shape == (2, 4, 2)
    assert list(gates) == list(foundations.numpy_rnn.LSTM_GATES) and all(g.shape == (2, 4, 2) for g in gates.values())
    h, c = np.zeros((2, 2)), np.zeros((2, 2))  # zero initial states by default
    for t in range(4):
        h, c, step_gates = foundations.numpy_rnn.lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        np.testing.assert_array_equal(h_seq[:, t], h)
        np.testing.assert_array_equal(c_seq[:, t], c)
        for name in foundations.numpy_rnn.LSTM_GATES:
            np.testing.assert_array_equal(gates[name][:, t], step_gates[name])


# --- the cross-check with Keras ----------------------------------------------------------------


def _inputs():
    """A seeded (batch 3, T 7, E 5) float32 input, as Keras gets it."""
    keras.utils.set_random_seed(0)
    return np.random.default_rng(0).normal(size=(BATCH, T, E)).astype("float32")


@pytest.mark.parametrize("random_bias", [False, True], ids=["keras-initial-weights", "random-bias"])
@pytest.mark.parametrize("initial_state", [False, True], ids=["zero-state", "random-initial-state"])
def test_lstm_forward_equals_keras(random_bias, initial_state):
    x = _inputs()
    rng = np.random.default_rng(1)
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    layer(x)  # builds the weights
    kernel, recurrent_kernel, bias = layer.get_weights()  # (E, 4H), (H, 4H), (4H,)
    if random_bias:  # Keras starts the bias at 0 (1 for the forget gate): a random one tests it too
        bias = rng.normal(size=bias.shape).astype("float32")
        layer.set_weights([kernel, recurrent_kernel, bias])
    if initial_state:
        h0 = rng.uniform(-1, 1, size=(BATCH, H)).astype("float32")
        c0 = rng.normal(size=(BATCH, H)).astype("float32")
        keras_h_seq, _, keras_c_last = layer(x, initial_state=[h0, c0])
    else:
        h0 = c0 = None
        keras_h_seq, _, keras_c_last = layer(x)
    h_seq, c_seq, _ = foundations.numpy_rnn.lstm_forward(x, kernel, recurrent_kernel, bias, h0=h0, c0=c0)
    assert h_seq.shape == (BATCH, T, H)
    assert np.abs(h_seq - keras.ops.convert_to_numpy(keras_h_seq)).max() < 1e-5
    assert np.abs(c_seq[:, -1] - keras.ops.convert_to_numpy(keras_c_last)).max() < 1e-5


@pytest.mark.parametrize("random_bias", [False, True], ids=["keras-initial-weights", "random-bias"])
@pytest.mark.parametrize("initial_state", [False, True], ids=["zero-state", "random-initial-state"])
def test_gru_forward_equals_keras(random_bias, initial_state):
    x = _inputs()
    rng = np.random.default_rng(2)
    layer = keras.layers.GRU(H, return_sequences=True)  # Keras 3 default: reset_after=True
    layer(x)
    kernel, recurrent_kernel, bias = layer.get_weights()  # (E, 3H), (H, 3H), (2, 3H)
    assert bias.shape == (2, 3 * H)
    if random_bias:  # Keras starts both biases at 0: random ones test the input and the recurrent bias
        bias = rng.normal(size=bias.shape).astype("float32")
        layer.set_weights([kernel, recurrent_kernel, bias])
    if initial_state:
        h0 = rng.uniform(-1, 1, size=(BATCH, H)).astype("float32")
        keras_h_seq = layer(x, initial_state=[h0])
    else:
        h0 = None
        keras_h_seq = layer(x)
    h_seq, _ = foundations.numpy_rnn.gru_forward(x, kernel, recurrent_kernel, bias, h0=h0)
    assert h_seq.shape == (BATCH, T, H)
    assert np.abs(h_seq - keras.ops.convert_to_numpy(keras_h_seq)).max() < 1e-5


# --- peephole LSTM -------------------------------------------------------------------------------


def _random_lstm_args(seed, batch=BATCH, embedding_dim=E, hidden_dim=H):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(batch, embedding_dim)), rng.uniform(-1, 1, size=(batch, hidden_dim)),
            rng.normal(size=(batch, hidden_dim)), rng.normal(size=(embedding_dim, 4 * hidden_dim)),
            rng.normal(size=(hidden_dim, 4 * hidden_dim)), rng.normal(size=4 * hidden_dim))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_peephole_with_zero_peepholes_is_the_plain_lstm(seed):
    args = _random_lstm_args(seed)
    h_t, c_t, gates = foundations.numpy_rnn.peephole_lstm_step(*args, peephole=np.zeros((3, H)))
    h_ref, c_ref, gates_ref = foundations.numpy_rnn.lstm_step(*args)
    np.testing.assert_array_equal(h_t, h_ref)  # exactly: adding 0 * c changes no bit
    np.testing.assert_array_equal(c_t, c_ref)
    for name in foundations.numpy_rnn.LSTM_GATES:
        np.testing.assert_array_equal(gates[name], gates_ref[name])


def test_peephole_step_by_hand():
    # x_t = 0 and h_prev = 0: only the bias and the peepholes count. c_prev = 2.
    #   i: 0 + (ln 3 / 2) * c_prev = ln 3        -> i = 0.75
    #   f: 0 + (-ln 3 / 2) * c_prev = -ln 3      -> f = 0.25
    #   c: bias ln 5 / 2                          -> c~ = tanh(ln √5) = (5 - 1) / (5 + 1) = 2/3
    #   c_t = 0.25 * 2 + 0.75 * 2/3 = 0.5 + 0.5 = 1
    #   o: 0 + ln 3 * c_t = ln 3                  -> o = 0.75  (peeking at c_prev = 2 would give σ(2 ln 3) = 0.9)
    #   h_t = 0.75 * tanh(1) = 0.571195
    bias = np.array([0.0, 0.0, np.log(5.0) / 2, 0.0])
    peephole = np.array([[LN3 / 2], [-LN3 / 2], [LN3]])  # (3, H): p_i, p_f, p_o
    kernel, recurrent_kernel = np.ones((1, 4)), np.ones((1, 4))  # multiplied by x_t = h_prev = 0: no effect
    h_t, c_t, gates = foundations.numpy_rnn.peephole_lstm_step(
        one(0.0), one(0.0), one(2.0), kernel, recurrent_kernel, bias, peephole
    )
    got = [float(gates[name][0, 0]) for name in foundations.numpy_rnn.LSTM_GATES]
    np.testing.assert_allclose(got, [0.75, 0.25, 2 / 3, 0.75], atol=1e-12)
    np.testing.assert_allclose(c_t, one(1.0), atol=1e-12)
    np.testing.assert_allclose(h_t, one(0.75 * np.tanh(1.0)), atol=1e-12)
    assert abs(float(h_t[0, 0]) - 0.571195) < 1e-6


def test_peephole_output_gate_sees_the_new_cell_state():
    args = _random_lstm_args(3)
    peephole = np.zeros((3, H))
    peephole[2] = 1.5  # only the output gate peeks
    _, c_t, gates = foundations.numpy_rnn.peephole_lstm_step(*args, peephole=peephole)
    _, _, plain = foundations.numpy_rnn.lstm_step(*args)
    np.testing.assert_allclose(c_t, foundations.numpy_rnn.lstm_step(*args)[1], atol=1e-12)  # p_o does not change c_t
    z_o = np.log(plain["output"] / (1 - plain["output"]))  # the plain pre-activation, σ⁻¹(o)
    np.testing.assert_allclose(gates["output"], foundations.numpy_rnn.sigmoid(z_o + 1.5 * c_t), atol=1e-9)


# --- GRU: hand-computed steps --------------------------------------------------------------------


def test_gru_step_by_hand():
    # x_t = 1, h_prev = 1; bias row 0 = b (input), row 1 = b' (recurrent); columns z, r, h:
    #   z: x ln 3 + b 0 + h 0 + b' 0            = ln 3 -> z = 0.75
    #   r: x 1 + b 0 + h 0 + b' (-1)            = 0    -> r = 0.5      (needs the recurrent bias)
    #   h~: tanh(x 0 + b 0 + r (h ln 3 + b' ln 3)) = tanh(0.5 * 2 ln 3) = tanh(ln 3) = 0.8
    #   h_t = z h_prev + (1 - z) h~ = 0.75 + 0.25 * 0.8 = 0.95
    # (reset before the product would give tanh(ln 3 * r h + ln 3) = tanh(1.5 ln 3) = 0.928571: not this)
    kernel = np.array([[LN3, 1.0, 0.0]])  # (E, 3H)
    recurrent_kernel = np.array([[0.0, 0.0, LN3]])  # (H, 3H)
    bias = np.array([[0.0, 0.0, 0.0], [0.0, -1.0, LN3]])  # (2, 3H)
    h_t, gates = foundations.numpy_rnn.gru_step(one(1.0), one(1.0), kernel, recurrent_kernel, bias)
    assert list(gates) == ["update", "reset", "candidate"]
    got = [float(gates[name][0, 0]) for name in gates]
    np.testing.assert_allclose(got, [0.75, 0.5, 0.8], atol=1e-12)
    np.testing.assert_allclose(h_t, one(0.95), atol=1e-12)


def test_gru_update_gate_one_copies_the_state():
    # z = σ(50) = 1 to float64 precision: h_t = h_prev whatever the candidate
    kernel = np.array([[50.0, 50.0, 0.0, 0.0, 3.0, -3.0]])  # E = 1, H = 2 (columns z z r r h h)
    h_prev = np.array([[0.3, -0.7]])
    h_t, gates = foundations.numpy_rnn.gru_step(one(1.0), h_prev, kernel, np.zeros((2, 6)), np.zeros((2, 6)))
    assert gates["update"].tolist() == [[1.0, 1.0]]
    np.testing.assert_allclose(h_t, h_prev, atol=1e-12)


def test_gru_forward_is_the_step_in_a_loop():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5))
    kernel, recurrent_kernel, bias = rng.normal(size=(5, 9)), rng.normal(size=(3, 9)), rng.normal(size=(2, 9))
    h0 = rng.uniform(-1, 1, size=(2, 3))
    h_seq, gates = foundations.numpy_rnn.gru_forward(x, kernel, recurrent_kernel, bias, h0=h0)
    assert h_seq.shape == (2, 3, 3) and all(g.shape == (2, 3, 3) for g in gates.values())
    h = h0
    for t in range(3):
        h, step_gates = foundations.numpy_rnn.gru_step(x[:, t], h, kernel, recurrent_kernel, bias)
        np.testing.assert_array_equal(h_seq[:, t], h)
        np.testing.assert_array_equal(gates["reset"][:, t], step_gates["reset"])


# --- parameter counts ----------------------------------------------------------------------------

SIZES = [(1, 1), (5, 4), (6, 50), (64, 32), (32, 64)]


@pytest.mark.parametrize("embedding_dim, hidden_dim", SIZES)
def test_lstm_param_count_equals_keras(embedding_dim, hidden_dim):
    model = keras.Sequential([keras.Input((T, embedding_dim)), keras.layers.LSTM(hidden_dim)])
    assert foundations.numpy_rnn.lstm_param_count(embedding_dim, hidden_dim) == model.count_params()


@pytest.mark.parametrize("embedding_dim, hidden_dim", SIZES)
def test_gru_param_count_equals_keras(embedding_dim, hidden_dim):
    model = keras.Sequential([keras.Input((T, embedding_dim)), keras.layers.GRU(hidden_dim)])
    assert foundations.numpy_rnn.gru_param_count(embedding_dim, hidden_dim) == model.count_params()


def test_param_counts_by_hand():
    assert foundations.numpy_rnn.lstm_param_count(1, 1) == 12  # 4 gates * (1 * 2 weights + 1 bias)
    assert foundations.numpy_rnn.lstm_param_count(6, 50) == 11400  # 4 * (50 * 56 + 50)
    assert foundations.numpy_rnn.gru_param_count(1, 1) == 12  # 3 gates * (1 * 2 weights + 2 biases)
    assert foundations.numpy_rnn.lstm_param_count(np.int64(64), 32) == 12416 and isinstance(
        foundations.numpy_rnn.lstm_param_count(64, 32), int
    )


@pytest.mark.parametrize("count", [foundations.numpy_rnn.lstm_param_count, foundations.numpy_rnn.gru_param_count])
@pytest.mark.parametrize("embedding_dim, hidden_dim, bad", [
    (0, 4, "embedding_dim=0"), (5, -1, "hidden_dim=-1"), (5, 2.5, "hidden_dim=2.5"), (True, 4, "embedding_dim=True"),
])
def test_param_count_rejects_bad_sizes(count, embedding_dim, hidden_dim, bad):
    with pytest.raises(ValueError, match=rf"{bad} must be a positive integer"):
        count(embedding_dim, hidden_dim)


# --- invalid shapes ---------------------------------------------------------------------------------


def _lstm_ok():
    """Valid lstm_step arguments: batch 2, E 4, H 3."""
    return dict(x_t=np.zeros((2, 4)), h_prev=np.zeros((2, 3)), c_prev=np.zeros((2, 3)), kernel=np.zeros((4, 12)),
                recurrent_kernel=np.zeros((3, 12)), bias=np.zeros(12))


@pytest.mark.parametrize("name, value, message", [
    ("x_t", np.zeros(4), r"x_t must be 2-D \(batch, embedding_dim\), got shape \(4,\): .*x_t\[None, :\]"),
    ("kernel", np.zeros((5, 12)), r"kernel has shape \(5, 12\) but x_t has 4 features: expected \(4, 4\*H\)"),
    ("kernel", np.zeros((4, 10)), r"kernel has shape \(4, 10\): its 10 columns are not 4\*H"),
    ("recurrent_kernel", np.zeros((4, 12)),
     r"recurrent_kernel has shape \(4, 12\) but kernel \(4, 12\) gives H=3: expected \(H, 4\*H\) = \(3, 12\)"),
    ("bias", np.zeros(16), r"bias has shape \(16,\), expected \(4\*H,\) = \(12,\)"),
    ("h_prev", np.zeros((2, 4)), r"h_prev has shape \(2, 4\), expected \(batch, H\) = \(2, 3\)"),
    ("c_prev", np.zeros((1, 3)), r"c_prev has shape \(1, 3\), expected \(batch, H\) = \(2, 3\)"),
])
def test_lstm_step_rejects_bad_shapes(name, value, message):
    kwargs = _lstm_ok()
    foundations.numpy_rnn.lstm_step(**kwargs)  # valid as it is
    kwargs[name] = value
    with pytest.raises(ValueError, match=message):
        foundations.numpy_rnn.lstm_step(**kwargs)


def test_peephole_rejects_bad_peephole_shape():
    with pytest.raises(ValueError, match=r"peephole has shape \(3,\), expected \(3, H\) = \(3, 3\): one row each"):
        foundations.numpy_rnn.peephole_lstm_step(**_lstm_ok(), peephole=np.zeros(3))


@pytest.mark.parametrize("name, value, message", [
    ("kernel", np.zeros((4, 12)), r"kernel has shape \(4, 12\) but x_t has 3 features: expected \(3, 3\*H\)"),
    ("bias", np.zeros(6), r"bias has shape \(6,\), expected \(2, 3\*H\) = \(2, 6\): row 0 the input bias, "
                          r"row 1 the recurrent bias.*reset_after=True"),
    ("recurrent_kernel", np.zeros((2, 8)), r"recurrent_kernel has shape \(2, 8\) .* expected \(H, 3\*H\) = \(2, 6\)"),
    ("h_prev", np.zeros((1, 2)), r"h_prev has shape \(1, 2\), expected \(batch, H\) = \(4, 2\)"),
])
def test_gru_step_rejects_bad_shapes(name, value, message):
    kwargs = dict(x_t=np.zeros((4, 3)), h_prev=np.zeros((4, 2)), kernel=np.zeros((3, 6)),
                  recurrent_kernel=np.zeros((2, 6)), bias=np.zeros((2, 6)))
    foundations.numpy_rnn.gru_step(**kwargs)
    kwargs[name] = value
    with pytest.raises(ValueError, match=message):
        foundations.numpy_rnn.gru_step(**kwargs)


@pytest.mark.parametrize("forward, weights", [
    (foundations.numpy_rnn.lstm_forward, (np.zeros((4, 12)), np.zeros((3, 12)), np.zeros(12))),
    (foundations.numpy_rnn.gru_forward, (np.zeros((4, 9)), np.zeros((3, 9)), np.zeros((2, 9)))),
], ids=["lstm", "gru"])
def test_forward_rejects_bad_inputs(forward, weights):
    with pytest.raises(ValueError, match=r"x must be 3-D \(batch, T, embedding_dim\), got shape \(2, 4\)"):
        forward(np.zeros((2, 4)), *weights)
    with pytest.raises(ValueError, match=r"no time steps \(T=0\)"):
        forward(np.zeros((2, 0, 4)), *weights)
    with pytest.raises(ValueError, match=r"h0 has shape \(3, 3\), expected \(batch, H\) = \(2, 3\)"):
        forward(np.zeros((2, 5, 4)), *weights, h0=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"kernel has shape \(4, \d+\) but x has 6 features"):
        forward(np.zeros((2, 5, 6)), *weights)


def test_lstm_forward_rejects_bad_c0():
    with pytest.raises(ValueError, match=r"c0 has shape \(2, 4\), expected \(batch, H\) = \(2, 3\)"):
        foundations.numpy_rnn.lstm_forward(np.zeros((2, 5, 4)), np.zeros((4, 12)), np.zeros((3, 12)), np.zeros(12),
                           c0=np.zeros((2, 4)))
