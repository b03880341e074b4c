"""Recurrent cells from scratch in NumPy, equal to Keras's.

Taught in chapter 03 (LSTM, peephole) and its exercises (GRU).

One time step of a cell reads the input ``x_t`` (batch, E) and the previous
state, and returns the new state; a ``*_forward`` function runs the step over
a whole sequence ``x`` (batch, T, E) with a plain Python loop over time. Here
E is ``embedding_dim`` (the features of one step, e.g. an item embedding) and
H is ``hidden_dim`` (the units of the cell).

The weights are laid out exactly as in ``keras.layers.LSTM`` and
``keras.layers.GRU``, so ``layer.get_weights()`` can be passed in as they are:

- ``kernel`` (E, kH) multiplies the input, ``recurrent_kernel`` (H, kH) the
  previous hidden state; the k gates sit side by side in the columns.
- Vectors are rows and weights are on the right: ``x_t @ kernel``. The
  textbook ``W_f [h_{t-1}, x_t]`` (one matrix on the concatenation) is the
  same as ``x_t @ kernel_f + h_{t-1} @ recurrent_kernel_f``: ``kernel`` is
  the part of ``W`` that meets ``x_t``, ``recurrent_kernel`` the part that
  meets ``h_{t-1}``.

Gate order: LSTM ``i, f, c, o`` (input 输入门, forget 遗忘门, candidate,
output 输出门); GRU ``z, r, h`` (update 更新门, reset 重置门, candidate).

Every value is computed in float64. There is no mask: every step updates the
state (Keras, given a mask such as the one from ``Embedding(mask_zero=True)``,
instead carries the previous state over the padded steps).
"""

from __future__ import annotations

import numpy as np

LSTM_GATES = ("input", "forget", "candidate", "output")
"""The keys of an LSTM's ``gates`` dict, in Keras's column order of the weights."""

GRU_GATES = ("update", "reset", "candidate")
"""The keys of a GRU's ``gates`` dict, in Keras's column order of the weights."""


# --- checking the arguments ----------------------------------------------------------


def _step_input(x_t) -> np.ndarray:
    x_t = np.asarray(x_t, dtype=np.float64)
    if x_t.ndim != 2:
        raise ValueError(f"x_t must be 2-D (batch, embedding_dim), got shape {x_t.shape}: "
                         f"for a single example pass x_t[None, :]")
    return x_t


def _sequence_input(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must be 3-D (batch, T, embedding_dim), got shape {x.shape}")
    if x.shape[1] == 0:
        raise ValueError(f"x has shape {x.shape}: no time steps (T=0), so there is nothing to run")
    return x


def _weights(kernel, recurrent_kernel, num_features: int, num_gates: int,
             input_name: str = "x_t") -> tuple[np.ndarray, np.ndarray, int]:
    """Check ``kernel`` (E, kH) and ``recurrent_kernel`` (H, kH) for k = ``num_gates``; return them and H."""
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    k = num_gates
    if kernel.ndim != 2 or kernel.shape[0] != num_features:
        raise ValueError(f"kernel has shape {kernel.shape} but {input_name} has {num_features} features: "
                         f"expected ({num_features}, {k}*H)")
    if kernel.shape[1] == 0 or kernel.shape[1] % k:
        raise ValueError(f"kernel has shape {kernel.shape}: its {kernel.shape[1]} columns are not {k}*H "
                         f"for a whole H >= 1 (the cell's {k} gates sit side by side)")
    hidden_dim = kernel.shape[1] // k
    if recurrent_kernel.shape != (hidden_dim, k * hidden_dim):
        raise ValueError(f"recurrent_kernel has shape {recurrent_kernel.shape} but kernel {kernel.shape} "
                         f"gives H={hidden_dim}: expected (H, {k}*H) = ({hidden_dim}, {k * hidden_dim})")
    return kernel, recurrent_kernel, hidden_dim


def _state(name: str, state, batch: int, hidden_dim: int) -> np.ndarray:
    state = np.asarray(state, dtype=np.float64)
    if state.shape != (batch, hidden_dim):
        raise ValueError(f"{name} has shape {state.shape}, expected (batch, H) = ({batch}, {hidden_dim})")
    return state


def _lstm_bias(bias, hidden_dim: int) -> np.ndarray:
    bias = np.asarray(bias, dtype=np.float64)
    if bias.shape != (4 * hidden_dim,):
        raise ValueError(f"bias has shape {bias.shape}, expected (4*H,) = ({4 * hidden_dim},)")
    return bias


def _gru_bias(bias, hidden_dim: int) -> np.ndarray:
    bias = np.asarray(bias, dtype=np.float64)
    if bias.shape != (2, 3 * hidden_dim):
        raise ValueError(f"bias has shape {bias.shape}, expected (2, 3*H) = (2, {3 * hidden_dim}): row 0 the "
                         f"input bias, row 1 the recurrent bias, as in keras.layers.GRU with its default "
                         f"reset_after=True")
    return bias


def _size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")
    return int(value)


# --- the cells -------------------------------------------------------------------------


def sigmoid(x, dtype=np.float64) -> np.ndarray:
    """The logistic function, squashing any number into (0, 1): the gates' activation.

    ``σ(x) = 1 / (1 + exp(-x))``, computed as ``(1 + tanh(x / 2)) / 2``, the same
    value, which does not overflow for large negative ``x`` (``exp(1000)`` does).

    Args:
        x: any shape.
        dtype: the arithmetic: float64 here (a reference), float32 in the service
            (``serve.streaming``), as in Keras.

    Returns:
        ``dtype``, the shape of ``x``.

    Example:
        >>> sigmoid(np.array([0.0, np.log(3.0), -1000.0])).round(6).tolist()   # σ(ln k) = k / (k + 1)
        [0.5, 0.75, 0.0]
    """
    x = np.asarray(x, dtype=dtype)
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias) -> tuple[np.ndarray, np.ndarray, dict]:
    """One time step of an LSTM, equal to ``keras.layers.LSTM``'s cell.

    With ``[h_{t-1}, x_t]`` the previous hidden state next to the input:

        i_t  = σ(W_i [h_{t-1}, x_t] + b_i)          input gate: how much new content to write
        f_t  = σ(W_f [h_{t-1}, x_t] + b_f)          forget gate: how much of the old cell state to keep
        c~_t = tanh(W_c [h_{t-1}, x_t] + b_c)       candidate content
        c_t  = f_t ⊙ c_{t-1} + i_t ⊙ c~_t           new cell state
        o_t  = σ(W_o [h_{t-1}, x_t] + b_o)          output gate: how much of the cell state to show
        h_t  = o_t ⊙ tanh(c_t)                      new hidden state (the output)

    In Keras's layout ``W_g [h_{t-1}, x_t] = x_t @ kernel_g + h_{t-1} @ recurrent_kernel_g``,
    with the gates' columns in the order i, f, c, o.

    Args:
        x_t: (batch, E) the input at step t.
        h_prev: (batch, H) the hidden state h_{t-1}.
        c_prev: (batch, H) the cell state c_{t-1}.
        kernel: (E, 4H) input weights, columns i | f | c | o.
        recurrent_kernel: (H, 4H) hidden-state weights, same column order.
        bias: (4H,) same order.

    Returns:
        ``(h_t, c_t, gates)``: ``h_t`` and ``c_t`` (batch, H); ``gates`` a dict
        ``{"input": i_t, "forget": f_t, "candidate": c~_t, "output": o_t}`` of
        (batch, H) arrays.

    Raises:
        ValueError: a shape does not fit the others (the message says which, and what was expected).

    Example:
        >>> x_t, h, c = np.ones((1, 1)), np.zeros((1, 1)), np.zeros((1, 1))
        >>> kernel = np.log([[1.0, 1.0, 3.0, 3.0]])   # pre-activations i=0, f=0, c=ln 3, o=ln 3
        >>> h_t, c_t, gates = lstm_step(x_t, h, c, kernel, np.zeros((1, 4)), np.zeros(4))
        >>> round(float(c_t[0, 0]), 6), round(float(gates["output"][0, 0]), 6)   # c_t = 0.5 * tanh(ln 3)
        (0.4, 0.75)
    """
    x_t = _step_input(x_t)
    batch, num_features = x_t.shape
    kernel, recurrent_kernel, hidden_dim = _weights(kernel, recurrent_kernel, num_features, num_gates=4)
    bias = _lstm_bias(bias, hidden_dim)
    h_prev = _state("h_prev", h_prev, batch, hidden_dim)
    c_prev = _state("c_prev", c_prev, batch, hidden_dim)

    z = x_t @ kernel + h_prev @ recurrent_kernel + bias  # (batch, 4H) all four pre-activations at once
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=1)  # 4 x (batch, H), Keras's order i, f, c, o
    i_t = sigmoid(z_i)
    f_t = sigmoid(z_f)
    c_tilde = np.tanh(z_c)
    c_t = f_t * c_prev + i_t * c_tilde
    o_t = sigmoid(z_o)
    h_t = o_t * np.tanh(c_t)
    return h_t, c_t, {"input": i_t, "forget": f_t, "candidate": c_tilde, "output": o_t}


def _stack_steps(steps: list[dict], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """T dicts of (batch, H) arrays -> one dict of (batch, T, H) arrays."""
    return {name: np.stack([step[name] for step in steps], axis=1) for name in names}  # each (batch, T, H)


def lstm_forward(x, kernel, recurrent_kernel, bias, h0=None, c0=None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run ``lstm_step`` over a sequence: ``keras.layers.LSTM(H, return_sequences=True)``.

    For t = 1..T: ``h_t, c_t = lstm_step(x_t, h_{t-1}, c_{t-1})``, starting from
    ``h_0 = h0`` and ``c_0 = c0`` (zeros by default, as in Keras).

    Args:
        x: (batch, T, E) the input sequence, oldest step first.
        kernel: (E, 4H), recurrent_kernel: (H, 4H), bias: (4H,): as in ``lstm_step``
            (``keras.layers.LSTM(H).get_weights()``, in that order).
        h0: (batch, H) the initial hidden state, or None for zeros.
        c0: (batch, H) the initial cell state, or None for zeros.

    Returns:
        ``(h_seq, c_seq, gates)``: ``h_seq`` and ``c_seq`` (batch, T, H), the
        states after each step (``h_seq[:, -1]`` is the final hidden state);
        ``gates`` a dict with the keys of ``lstm_step``'s, each (batch, T, H).

    Raises:
        ValueError: a shape does not fit, or ``x`` has no time steps.

    Example:
        >>> x = np.zeros((2, 5, 3))                                   # (batch, T, E)
        >>> h_seq, c_seq, gates = lstm_forward(x, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8))
        >>> h_seq.shape, gates["forget"].shape
        ((2, 5, 2), (2, 5, 2))
    """
    x = _sequence_input(x)
    batch, num_steps, num_features = x.shape
    _, _, hidden_dim = _weights(kernel, recurrent_kernel, num_features, num_gates=4, input_name="x")
    h_t = np.zeros((batch, hidden_dim)) if h0 is None else _state("h0", h0, batch, hidden_dim)  # (batch, H)
    c_t = np.zeros((batch, hidden_dim)) if c0 is None else _state("c0", c0, batch, hidden_dim)  # (batch, H)
    hs, cs, steps = [], [], []
    for t in range(num_steps):
        h_t, c_t, gates = lstm_step(x[:, t, :], h_t, c_t, kernel, recurrent_kernel, bias)  # (batch, H) each
        hs.append(h_t)
        cs.append(c_t)
        steps.append(gates)
    h_seq = np.stack(hs, axis=1)  # (batch, T, H)
    c_seq = np.stack(cs, axis=1)  # (batch, T, H)
    return h_seq, c_seq, _stack_steps(steps, LSTM_GATES)


def peephole_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias,
                       peephole) -> tuple[np.ndarray, np.ndarray, dict]:
    """One step of the peephole LSTM (Gers & Schmidhuber, 2000): the gates also see the cell state.

    A plain LSTM's gates see only ``h_{t-1}`` and ``x_t``, so the cell state
    reaches them only through ``h = o ⊙ tanh(c)``, hidden when the output gate
    is closed. Peepholes add the cell state itself, through diagonal weights
    (one weight per unit, so an element-wise product ``p ⊙ c``):

        i_t  = σ(W_i [h_{t-1}, x_t] + p_i ⊙ c_{t-1} + b_i)
        f_t  = σ(W_f [h_{t-1}, x_t] + p_f ⊙ c_{t-1} + b_f)
        c~_t = tanh(W_c [h_{t-1}, x_t] + b_c)
        c_t  = f_t ⊙ c_{t-1} + i_t ⊙ c~_t
        o_t  = σ(W_o [h_{t-1}, x_t] + p_o ⊙ c_t + b_o)      the output gate looks at the NEW c_t
        h_t  = o_t ⊙ tanh(c_t)

    The input and forget gates decide how c_t is made, so they can only see
    c_{t-1}; the output gate comes after c_t. With ``peephole = 0`` this is
    exactly ``lstm_step``. (Keras 3 has no peephole layer.)

    Args:
        x_t, h_prev, c_prev, kernel, recurrent_kernel, bias: as in ``lstm_step``
            ((batch, E), (batch, H), (batch, H), (E, 4H), (H, 4H), (4H,)).
        peephole: (3, H) the diagonal peephole weights, rows p_i, p_f, p_o.

    Returns:
        ``(h_t, c_t, gates)`` as in ``lstm_step``: (batch, H), (batch, H) and a
        dict of four (batch, H) arrays.

    Raises:
        ValueError: a shape does not fit the others.

    Example:
        >>> x_t, h = np.zeros((1, 1)), np.zeros((1, 1))   # only the bias and the peepholes count
        >>> bias = np.array([0.0, 0.0, np.log(3.0), 0.0])   # c~ = tanh(ln 3) = 0.8
        >>> peephole = np.array([[0.0], [0.0], [np.log(3.0) / 0.4]])   # p_o * c_t = ln 3
        >>> h_t, c_t, gates = peephole_lstm_step(x_t, h, np.zeros((1, 1)), np.zeros((1, 4)), np.zeros((1, 4)),
        ...                                      bias, peephole)
        >>> round(float(c_t[0, 0]), 6), round(float(gates["output"][0, 0]), 6)   # c_t = 0.5 * 0.8; o = σ(ln 3)
        (0.4, 0.75)
    """
    x_t = _step_input(x_t)
    batch, num_features = x_t.shape
    kernel, recurrent_kernel, hidden_dim = _weights(kernel, recurrent_kernel, num_features, num_gates=4)
    bias = _lstm_bias(bias, hidden_dim)
    h_prev = _state("h_prev", h_prev, batch, hidden_dim)
    c_prev = _state("c_prev", c_prev, batch, hidden_dim)
    peephole = np.asarray(peephole, dtype=np.float64)
    if peephole.shape != (3, hidden_dim):
        raise ValueError(f"peephole has shape {peephole.shape}, expected (3, H) = (3, {hidden_dim}): "
                         f"one row each for the input, forget and output gates")

    z = x_t @ kernel + h_prev @ recurrent_kernel + bias  # (batch, 4H)
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=1)  # 4 x (batch, H)
    p_i, p_f, p_o = peephole  # 3 x (H,), broadcast over the batch
    i_t = sigmoid(z_i + p_i * c_prev)
    f_t = sigmoid(z_f + p_f * c_prev)
    c_tilde = np.tanh(z_c)
    c_t = f_t * c_prev + i_t * c_tilde
    o_t = sigmoid(z_o + p_o * c_t)
    h_t = o_t * np.tanh(c_t)
    return h_t, c_t, {"input": i_t, "forget": f_t, "candidate": c_tilde, "output": o_t}


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias) -> tuple[np.ndarray, dict]:
    """One time step of a GRU, equal to ``keras.layers.GRU``'s cell with its defaults.

    Keras 3's default ``reset_after=True`` keeps two biases, ``b`` for the input
    and ``b'`` for the recurrent part, and applies the reset gate *after* the
    recurrent matrix product:

        z_t  = σ(x_t W_z + b_z + h_{t-1} U_z + b'_z)                update gate
        r_t  = σ(x_t W_r + b_r + h_{t-1} U_r + b'_r)                reset gate
        h~_t = tanh(x_t W_h + b_h + r_t ⊙ (h_{t-1} U_h + b'_h))     candidate
        h_t  = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h~_t

    W is ``kernel``, U ``recurrent_kernel``, columns in the order z, r, h. In
    Keras (and PyTorch) the update gate z weights the OLD state: z = 1 copies
    h_{t-1} through unchanged. Some papers and tutorials write the mix the other
    way round, ``(1 - z) ⊙ h_{t-1} + z ⊙ h~_t``; Keras's weights fit only its own.

    Args:
        x_t: (batch, E) the input at step t.
        h_prev: (batch, H) the hidden state h_{t-1}.
        kernel: (E, 3H) input weights, columns z | r | h.
        recurrent_kernel: (H, 3H) hidden-state weights, same order.
        bias: (2, 3H) row 0 the input bias b, row 1 the recurrent bias b'.

    Returns:
        ``(h_t, gates)``: ``h_t`` (batch, H); ``gates`` a dict
        ``{"update": z_t, "reset": r_t, "candidate": h~_t}`` of (batch, H) arrays.

    Raises:
        ValueError: a shape does not fit the others (a (3H,) bias is
            ``reset_after=False``'s, which this function does not compute).

    Example:
        >>> x_t, h = np.ones((1, 1)), np.ones((1, 1))
        >>> kernel = np.array([[np.log(3.0), 0.0, 0.0]])       # z = σ(ln 3) = 0.75
        >>> bias = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, np.log(3.0)]])   # r = 0.5, h~ = tanh(0.5 ln 3)
        >>> h_t, gates = gru_step(x_t, h, kernel, np.zeros((1, 3)), bias)
        >>> round(float(gates["reset"][0, 0]), 6), round(float(h_t[0, 0]), 6)   # 0.75 * 1 + 0.25 * 0.5
        (0.5, 0.875)
    """
    x_t = _step_input(x_t)
    batch, num_features = x_t.shape
    kernel, recurrent_kernel, hidden_dim = _weights(kernel, recurrent_kernel, num_features, num_gates=3)
    bias = _gru_bias(bias, hidden_dim)
    h_prev = _state("h_prev", h_prev, batch, hidden_dim)

    input_bias, recurrent_bias = bias  # (3H,) and (3H,)
    x_part = x_t @ kernel + input_bias  # (batch, 3H)
    h_part = h_prev @ recurrent_kernel + recurrent_bias  # (batch, 3H)
    x_z, x_r, x_h = np.split(x_part, 3, axis=1)  # 3 x (batch, H), Keras's order z, r, h
    h_z, h_r, h_h = np.split(h_part, 3, axis=1)  # 3 x (batch, H)
    z_t = sigmoid(x_z + h_z)
    r_t = sigmoid(x_r + h_r)
    h_tilde = np.tanh(x_h + r_t * h_h)  # the reset gate scales h_{t-1} U_h + b'_h, after the product
    h_t = z_t * h_prev + (1.0 - z_t) * h_tilde
    return h_t, {"update": z_t, "reset": r_t, "candidate": h_tilde}


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None) -> tuple[np.ndarray, dict]:
    """Run ``gru_step`` over a sequence: ``keras.layers.GRU(H, return_sequences=True)``.

    Args:
        x: (batch, T, E) the input sequence, oldest step first.
        kernel: (E, 3H), recurrent_kernel: (H, 3H), bias: (2, 3H): as in ``gru_step``
            (``keras.layers.GRU(H).get_weights()``, in that order).
        h0: (batch, H) the initial hidden state, or None for zeros (as in Keras).

    Returns:
        ``(h_seq, gates)``: ``h_seq`` (batch, T, H), the hidden state after each
        step; ``gates`` a dict with the keys of ``gru_step``'s, each (batch, T, H).

    Raises:
        ValueError: a shape does not fit, or ``x`` has no time steps.

    Example:
        >>> h_seq, gates = gru_forward(np.zeros((2, 5, 3)), np.zeros((3, 6)), np.zeros((2, 6)), np.zeros((2, 6)))
        >>> h_seq.shape, gates["update"].shape
        ((2, 5, 2), (2, 5, 2))
    """
    x = _sequence_input(x)
    batch, num_steps, num_features = x.shape
    _, _, hidden_dim = _weights(kernel, recurrent_kernel, num_features, num_gates=3, input_name="x")
    h_t = np.zeros((batch, hidden_dim)) if h0 is None else _state("h0", h0, batch, hidden_dim)  # (batch, H)
    hs, steps = [], []
    for t in range(num_steps):
        h_t, gates = gru_step(x[:, t, :], h_t, kernel, recurrent_kernel, bias)  # (batch, H) each
        hs.append(h_t)
        steps.append(gates)
    h_seq = np.stack(hs, axis=1)  # (batch, T, H)
    return h_seq, _stack_steps(steps, GRU_GATES)


# --- sizes ------------------------------------------------------------------------------


def lstm_param_count(embedding_dim: int, hidden_dim: int) -> int:
    """The number of weights of ``keras.layers.LSTM(hidden_dim)`` on inputs of ``embedding_dim`` features.

    ``4 * (H * (E + H) + H)``: each of the 4 gates has an H x (E + H) matrix
    (``kernel`` and ``recurrent_kernel`` together) and H biases, one per unit.
    It does not depend on the sequence length: every step shares the weights.

    Args:
        embedding_dim: E, the features of one input step.
        hidden_dim: H, the units.

    Returns:
        The count, an int.

    Raises:
        ValueError: a size is not a positive integer.

    Example:
        >>> lstm_param_count(64, 32)   # 4 * (32 * 96 + 32)
        12416
    """
    embedding_dim, hidden_dim = _size("embedding_dim", embedding_dim), _size("hidden_dim", hidden_dim)
    return 4 * (hidden_dim * (embedding_dim + hidden_dim) + hidden_dim)


def gru_param_count(embedding_dim: int, hidden_dim: int) -> int:
    """The number of weights of ``keras.layers.GRU(hidden_dim)`` (``reset_after=True``).

    ``3 * (H * (E + H) + 2H)``: 3 gates, each an H x (E + H) matrix and two
    biases per unit (input and recurrent). About 3/4 of an LSTM of the same size.

    Args:
        embedding_dim: E, the features of one input step.
        hidden_dim: H, the units.

    Returns:
        The count, an int.

    Raises:
        ValueError: a size is not a positive integer.

    Example:
        >>> gru_param_count(64, 32)   # 3 * (32 * 96 + 64)
        9408
    """
    embedding_dim, hidden_dim = _size("embedding_dim", embedding_dim), _size("hidden_dim", hidden_dim)
    return 3 * (hidden_dim * (embedding_dim + hidden_dim) + 2 * hidden_dim)
