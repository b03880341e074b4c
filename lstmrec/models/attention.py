"""A self-attention next-item recommender in the style of SASRec (Kang & McAuley, 2018).

Taught in chapter 13; ``models.registry.build`` builds it for ``Config(cell="SASRec")`` and
``python -m lstmrec.bench`` scores it beside the GRU and the LSTM.

The same input, output and loss as the course's LSTM (``models.recurrent``);
only the middle changes. Instead of a state carried from item to item, every
position looks at all the earlier positions at once:

    items (batch, max_len)
      -> Embedding(num_items, E, mask_zero=True) + learned positions   (batch, max_len, E)
      -> Dropout
      -> num_blocks x [ x + Dropout(MultiHeadAttention(LN(x), causal))      (batch, max_len, E)
                        x + Dropout(FFN(LN(x))) ]                           FFN: E -> hidden_dim (ReLU) -> E
      -> LayerNorm ("encoder")                                              (batch, max_len, E)
      -> Dropout -> Dense(E) -> tied scores                                 (batch, max_len, num_items)

Attention for one head, with ``Q = x W_q``, ``K = x W_k``, ``V = x W_v`` of width ``d_k``:

    A = softmax(Q K^T / sqrt(d_k) + M) V,   M[t, s] = 0 if s <= t else -inf   (the causal mask)

That is the ``layout="pre_norm"`` wiring, a pre-norm Transformer block, the
course's first version. ``layout="sasrec"`` wires a block as Kang & McAuley's
code does, which the published SASRec+ figures train (Klenitskiy & Vasilev, 2023;
``bench.published``):

    Embedding * sqrt(E) + learned positions -> Dropout
      -> num_blocks x [ q = LN(x);  x = q + MultiHeadAttention(query q, keys and values x, causal)
                        x = LN(x);  x = x + Dropout(Dense(E)(ReLU(Dropout(Dense(f)(x))))) ]
      -> LayerNorm -> tied scores (no projection)

with embeddings and feed-forward weights drawn from N(0, 0.02^2) and layer norms' epsilon 1e-8.

The causal mask is what makes it a next-item model: position ``t`` may read
items ``1..t`` and never ``t + 1``, the item it is asked to predict. Padding
(id 0, on the left) is masked as a key too, so no real position reads it.
Positions count from the left edge of a full window; with left padding the
most recent item is always at position ``max_len - 1``, and a shorter window
(batching by length cuts all-padding columns) holds the last positions.

Cost: the LSTM updates a fixed state per new event (``O(H(E + H))``). This
model has no state to update: to score after a new event it attends from the
new position over the whole window, ``O(max_len * E)`` per block on top of its
``O(E^2 + E * hidden_dim)`` projections (``flops_per_event``), and it needs the
window (or a cache of its keys and values) kept for every user.
"""

from __future__ import annotations

import numpy as np


def causal_mask(seq_len: int) -> np.ndarray:
    """Which positions each position may attend to: ``mask[t, s] = s <= t``.

    Args:
        seq_len: the window length ``T``.

    Returns:
        (T, T) bool, True on and below the diagonal.

    Raises:
        ValueError: ``seq_len`` below 1.

    Example:
        >>> causal_mask(3).astype(int)
        array([[1, 0, 0],
               [1, 1, 0],
               [1, 1, 1]])
    """
    if seq_len < 1:
        raise ValueError(f"seq_len={seq_len} must be at least 1")
    return np.tril(np.ones((seq_len, seq_len), dtype=bool))  # (T, T)


def block_param_count(model_dim: int, num_heads: int, ffn_dim: int) -> int:
    """Trainable weights of one block: attention, feed-forward network and two layer norms.

    With ``d = model_dim`` split over the heads (``d_k = d / num_heads``):

        attention   4 * (d * d + d)           W_q, W_k, W_v, W_o and their biases
        FFN         d * f + f + f * d + d     two Dense layers, f = ffn_dim
        layer norms 2 * 2 * d                 a scale and a shift each

    The number of heads does not change the count: they split ``d``, they do not add to it.

    Raises:
        ValueError: a size below 1, or ``model_dim`` not divisible by ``num_heads``.

    Example:
        >>> block_param_count(64, 1, 64)   # the course's block
        25216
    """
    for name, value in (("model_dim", model_dim), ("num_heads", num_heads), ("ffn_dim", ffn_dim)):
        if value < 1:
            raise ValueError(f"{name}={value} must be at least 1")
    if model_dim % num_heads:
        raise ValueError(f"model_dim={model_dim} is not divisible by num_heads={num_heads}")
    d, f = model_dim, ffn_dim
    return 4 * (d * d + d) + (d * f + f + f * d + d) + 4 * d


def flops_per_event(kind: str, embedding_dim: int, hidden_dim: int, seq_len: int, num_blocks: int = 1,
                    cached: bool = True) -> int:
    """Forward operations to update a user's representation after one new event (scoring not included).

    Counting a multiply-add as 2:

        LSTM          2 * 4H(E + H)                              one step from the kept state (h, c)
        SASRec,       num_blocks * [2 * 4E^2 + 2 * 2 T E + 4 E f]  the new position's projections, its attention
          cached      over T keys and values, and its FFN (the other positions' keys and values kept)
        SASRec,       num_blocks * T * [2 * 4E^2 + 4 E f] + num_blocks * 2 * 2 T^2 E
          uncached    the whole window recomputed (what ``Recommender.score`` does)

    with ``f = hidden_dim`` the FFN width for SASRec and ``T = seq_len``.
    Scoring the catalogue (``2EN``) is the same for both and left out.

    Raises:
        ValueError: an unknown kind or a size below 1.

    Example:
        >>> flops_per_event("LSTM", 64, 128, 50), flops_per_event("SASRec", 64, 64, 50, num_blocks=2)
        (196608, 123904)
    """
    for name, value in (("embedding_dim", embedding_dim), ("hidden_dim", hidden_dim), ("seq_len", seq_len),
                        ("num_blocks", num_blocks)):
        if value < 1:
            raise ValueError(f"{name}={value} must be at least 1")
    e, f, t = embedding_dim, hidden_dim, seq_len
    if kind == "LSTM":
        return 2 * 4 * hidden_dim * (e + hidden_dim)
    if kind != "SASRec":
        raise ValueError(f"kind={kind!r}: choose 'LSTM' or 'SASRec'")
    if cached:
        return num_blocks * (2 * 4 * e * e + 2 * 2 * t * e + 4 * e * f)
    return num_blocks * t * (2 * 4 * e * e + 4 * e * f) + num_blocks * 2 * 2 * t * t * e


def _positional_embedding_class():
    import keras

    class _PositionalEmbedding(keras.layers.Layer):
        """Adds a learned vector per position: ``scale * x[:, t] + P[t]``; keeps the padding mask."""

        def __init__(self, seq_len: int, dim: int, scale: float = 1.0, initializer="uniform", **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True
            self.positions = keras.layers.Embedding(seq_len, dim, embeddings_initializer=initializer,
                                                    name="positions")
            self.seq_len, self.scale = seq_len, scale

        def build(self, input_shape):
            self.positions.build((self.seq_len,))

        def call(self, x):
            t = keras.ops.shape(x)[1]  # a window of t <= max_len items holds the last t positions
            p = self.positions(keras.ops.arange(self.seq_len - t, self.seq_len))  # (t, E)
            return x * self.scale + keras.ops.cast(p, x.dtype)[None]  # (batch, t, E)

    return _PositionalEmbedding


def build(num_items: int, config):
    """The model of the module docstring for a ``models.config.Config`` with ``cell="SASRec"``, not compiled.

    ``config.embedding_dim`` is the model width (the residual stream),
    ``config.hidden_dim`` the FFN's inner width, ``config.num_blocks`` and
    ``config.num_heads`` the depth and heads, ``config.layout`` the wiring of a
    block; ``config.dropout`` is used after the embeddings, in the attention
    weights and in or after each sub-layer, as in SASRec (and, ``"pre_norm"``, before
    the projection).

    Returns:
        A ``keras.Model``: (batch, max_len) int item ids -> (batch, max_len, num_items) logits.
    """
    import keras

    from lstmrec.models.layers import TiedScores

    e, rate = config.embedding_dim, config.dropout
    if e % config.num_heads:
        raise ValueError(f"embedding_dim={e} is not divisible by num_heads={config.num_heads}")
    paper = config.layout == "sasrec"

    def init():  # a new initializer per layer (Keras warns when one seeded instance is shared)
        return keras.initializers.RandomNormal(stddev=0.02) if paper else None

    def norm(name):
        return keras.layers.LayerNormalization(epsilon=1e-8 if paper else 1e-6, name=name)

    def dense(width, name, **kwargs):
        return keras.layers.Dense(width, name=name, **({"kernel_initializer": init()} if paper else {}), **kwargs)

    items = keras.Input((None,), dtype="int32", name="items")  # (batch, t), t <= max_len (by-length batches are cut)
    embedding = keras.layers.Embedding(num_items, e, mask_zero=True, name="item_embedding",
                                       embeddings_initializer=init() or "uniform")
    x = embedding(items)  # (batch, max_len, E); padding masked from here on
    real = keras.ops.not_equal(items, 0)  # (batch, max_len) bool: the positions that hold an item
    x = _positional_embedding_class()(config.max_len, e, scale=e ** 0.5 if paper else 1.0,
                                      initializer=init() or "uniform", name="add_positions")(x)  # (batch, max_len, E)
    x = keras.layers.Dropout(rate)(x)
    for b in range(config.num_blocks):
        q = norm(f"block{b}_norm1")(x)  # (batch, max_len, E)
        attention = keras.layers.MultiHeadAttention(config.num_heads, e // config.num_heads, dropout=rate,
                                                    name=f"block{b}_attention")
        if paper:  # the residual is added to the normalised queries, and keys and values are not normalised
            # the padding masks are passed, not inherited: with a value that is not the query, the second block
            # read the padding (tests/models/test_attention.py)
            a = attention(q, x, query_mask=real, value_mask=real, use_causal_mask=True)  # (batch, max_len, E)
            x = keras.layers.Add()([q, a])
            x = norm(f"block{b}_norm2")(x)
            y = dense(config.hidden_dim, f"block{b}_ffn1")(x)  # (batch, max_len, f)
            y = keras.layers.ReLU()(keras.layers.Dropout(rate)(y))
        else:
            a = attention(q, q, use_causal_mask=True)  # (batch, max_len, E)
            x = keras.layers.Add()([x, keras.layers.Dropout(rate)(a)])
            y = norm(f"block{b}_norm2")(x)
            y = dense(config.hidden_dim, f"block{b}_ffn1", activation="relu")(y)  # (batch, max_len, f)
        y = dense(e, f"block{b}_ffn2")(y)  # (batch, max_len, E)
        x = keras.layers.Add()([x, keras.layers.Dropout(rate)(y)])
    h = norm("encoder")(x)  # (batch, max_len, E)
    if not paper:
        h = keras.layers.Dropout(rate)(h)
        h = dense(e, "to_embedding_space")(h)  # (batch, max_len, E)
    logits = TiedScores(embedding, name="scores")(h)  # (batch, max_len, num_items)
    return keras.Model(items, logits, name="sasrec_recommender")
