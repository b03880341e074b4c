"""The full-softmax loss over the catalogue, computed a block of positions at a time.

Taught in chapter 06 (the loss); ``models.training.train`` trains every course model with it, and chapter
11 (compute, 计算资源) measures where a training step's time goes with and without it.

For P positions with states ``h`` (P, E), the item matrix ``W`` (N, E), a bias
``b`` (N,) and true next items ``y`` (P,), the loss is the mean softmax
cross-entropy over the whole catalogue,

    s = h W^T + b                      (P, N) logits
    loss = mean_p [ logsumexp(s_p) - s_p[y_p] ]

and its gradients are, with ``G = (softmax(s) - onehot(y)) / P``,

    dL/dh = G W        dL/dW = G^T h        dL/db = sum_p G_p

The one-hot part needs only the (P, E) states: ``onehot(y) W = W[y]`` and
``onehot(y)^T h`` adds each state to its target's row.

Written as three Keras operations, the (P, N) logits, their softmax and a
one-hot target of the same size each go through memory: with P = 12,800
positions and N = 3,707 items that is 190 MB per tensor, and on a CPU a step
spends more time moving them than multiplying. ``mean_cross_entropy`` never
holds more than ``chunk`` rows of them: for each block of positions it computes
the logits, the loss and ``G`` while they are still in the processor's cache,
and keeps only the small results (the loss, ``dL/dh``, ``dL/dW``). The values
are the same as Keras's ``SparseCategoricalCrossentropy(from_logits=True)``
averaged over the positions, up to float rounding (``tests/models/test_softmax.py``);
the idea is that of the fused linear cross-entropy of Liger Kernel (Hsu et al.,
2024) and of Cut Cross-Entropy (Wijmans et al., ICLR 2025), written here in
plain TensorFlow for a CPU. The gradients
are computed in the forward pass, so the function only serves training (use
``Recommender.score`` to rank).
"""

from __future__ import annotations

CHUNK = 512
"""Positions per block: 512 x 3,707 float32 logits are 7.6 MB, which a server CPU's last-level cache holds
(``python -m lstmrec.bench --suite speed`` times 128, 512 and 2,048)."""


def mean_cross_entropy(h, items, targets, bias=None, chunk: int = CHUNK):
    """Mean full-softmax cross-entropy of ``targets``, block by block (module docstring).

    Args:
        h: (P, E) float states, one per position that has a next item.
        items: (N, E) float item matrix (the tied embeddings, or a Dense kernel transposed).
        targets: (P,) int true next items, in ``0..N-1``.
        bias: optional (N,) float bias added to every logit.
        chunk: positions per block.

    Returns:
        A float32 scalar, differentiable with respect to ``h``, ``items`` and ``bias``.

    Raises:
        ValueError: ``chunk`` below 1.

    Example:
        >>> import numpy as np
        >>> h, items = np.zeros((2, 3), "float32"), np.ones((4, 3), "float32")   # every logit equal
        >>> round(float(mean_cross_entropy(h, items, np.array([1, 3]))), 4)       # ln 4
        1.3863
    """
    import tensorflow as tf

    if chunk < 1:
        raise ValueError(f"chunk={chunk} must be at least 1")
    h = tf.cast(h, tf.float32)  # the softmax runs in float32 under any precision policy
    items = tf.cast(items, tf.float32)
    targets = tf.cast(targets, tf.int32)
    with_bias = bias is not None
    bias = tf.cast(bias, tf.float32) if with_bias else tf.zeros(tf.shape(items)[:1], tf.float32)

    @tf.custom_gradient
    def loss_of(h, items, bias):
        n, dim, num_items = tf.shape(h)[0], tf.shape(h)[1], tf.shape(items)[0]
        blocks = (n + chunk - 1) // chunk

        def block(i, total, d_items, d_bias, d_h):  # the softmax part of the loss and its gradients
            hc = h[i * chunk:(i + 1) * chunk]  # (c, E)
            logits = tf.matmul(hc, items, transpose_b=True)  # (c, N)
            if with_bias:
                logits += bias
            top = tf.reduce_max(logits, axis=-1, keepdims=True)  # (c, 1): exp never overflows
            e = tf.exp(logits - top)  # (c, N), softmax = e / sums
            sums = tf.reduce_sum(e, axis=-1, keepdims=True)  # (c, 1)
            total += tf.reduce_sum(top + tf.math.log(sums))  # sum of logsumexp over the block
            # softmax^T h = e^T (h / sums) and softmax W = (e W) / sums: the (c, N) softmax itself is never formed
            d_items += tf.matmul(e, hc / sums, transpose_a=True)  # (N, E)
            if with_bias:
                d_bias += tf.reduce_sum(e / sums, axis=0)  # (N,)
            return i + 1, total, d_items, d_bias, d_h.write(i, tf.matmul(e, items) / sums)  # (c, E)

        d_h = tf.TensorArray(tf.float32, size=blocks + 1, infer_shape=False, element_shape=tf.TensorShape([None, None]))
        d_h = d_h.write(blocks, tf.zeros((0, dim)))  # an empty last block, so that no positions still concatenate
        start = (tf.constant(0), tf.constant(0.0), tf.zeros_like(items), tf.zeros_like(bias), d_h)
        _, total, d_items, d_bias, d_h = tf.while_loop(lambda i, *_: i < blocks, block, start, parallel_iterations=1)
        # the target's part, - s[y] with gradient - onehot(y), from the (P, E) states alone
        picked = tf.gather(items, targets)  # (P, E)
        total -= tf.reduce_sum(h * picked) + (tf.reduce_sum(tf.gather(bias, targets)) if with_bias else 0.0)
        d_h = tf.reshape(d_h.concat(), (n, dim)) - picked
        d_items -= tf.math.unsorted_segment_sum(h, targets, num_items)
        if with_bias:
            d_bias -= tf.math.bincount(targets, minlength=num_items, maxlength=num_items, dtype=tf.float32)
        count = tf.maximum(tf.cast(n, tf.float32), 1.0)  # no positions: loss 0, no gradient

        def grad(upstream):
            scale = upstream / count
            return scale * d_h, scale * d_items, scale * d_bias

        return total / count, grad

    return loss_of(h, items, bias)
