"""What the course's model costs: floating-point operations per position, counted from its shapes.

Taught in chapter 12 (compute); ``python -m lstmrec.bench`` puts measured times beside these counts (the
LSTM's below; SASRec's in ``attention_flops_per_position``).

One position of the model of ``lstmrec.models`` (one item read, the next one
scored) does, counting a multiply-add as 2 operations:

    recurrent  2 * 4H * (E + H)     the four gates: x W (E -> 4H) and h U (H -> 4H)
    projection 2 * H * E            tied output only: h -> embedding space
    output     2 * E * N (tied)     scores against every item embedding
               2 * H * N (untied)   a Dense(N) layer
    softmax    about 3 * N           exp, sum, and the loss's log (the same order as one pass over N)

with ``E`` the embedding size, ``H`` the hidden size and ``N`` the catalogue
size (``num_items``). The gates' element-wise work (about 10 H) is left out:
it is small beside the products. Training costs about three times the forward
pass (the backward pass computes two products per forward one), so an epoch
over ``P`` positions costs about ``3 * P * total``. Once ``N`` is much larger
than ``H``, the output term ``2EN`` dominates everything else: that is why
catalogue size, not sequence length, sets the price of a next-item softmax.
"""

from __future__ import annotations


def flops_per_position(embedding_dim: int, hidden_dim: int, num_items: int, tie_embeddings: bool = True
                       ) -> dict[str, int]:
    """Forward operations for one position, by part (module docstring).

    Args:
        embedding_dim: ``E``.
        hidden_dim: ``H``.
        num_items: ``N``, the catalogue size including padding.
        tie_embeddings: score with the item embeddings (``models.config.Config.tie_embeddings``).

    Returns:
        ``{"recurrent", "projection", "output", "softmax", "total"}`` in FLOPs.

    Raises:
        ValueError: a size below 1.

    Example:
        >>> f = flops_per_position(64, 128, 3707)   # MovieLens-1M: the output is 68% of it
        >>> f["output"], f["total"]
        (474496, 698609)
    """
    for name, value in (("embedding_dim", embedding_dim), ("hidden_dim", hidden_dim), ("num_items", num_items)):
        if value < 1:
            raise ValueError(f"{name}={value} must be at least 1")
    e, h, n = embedding_dim, hidden_dim, num_items
    parts = {"recurrent": 2 * 4 * h * (e + h),
             "projection": 2 * h * e if tie_embeddings else 0,
             "output": 2 * (e if tie_embeddings else h) * n,
             "softmax": 3 * n}
    return {**parts, "total": sum(parts.values())}


def training_flops(num_positions: int, embedding_dim: int, hidden_dim: int, num_items: int,
                   tie_embeddings: bool = True) -> int:
    """About ``3 * num_positions * flops_per_position(...)["total"]``: one epoch's forward and backward passes.

    Example:
        >>> training_flops(1000, 64, 128, 3707) == 3 * 1000 * 698609
        True
    """
    if num_positions < 0:
        raise ValueError(f"num_positions={num_positions} must not be negative")
    return 3 * num_positions * flops_per_position(embedding_dim, hidden_dim, num_items, tie_embeddings)["total"]


def attention_flops_per_position(max_len: int, embedding_dim: int, ffn_dim: int, num_blocks: int, num_items: int
                                 ) -> dict[str, int]:
    """Forward operations for one position of the course's SASRec (``models.attention``), by part.

    Counting a multiply-add as 2, with ``T`` positions attended to (all of them are
    computed; the causal mask only zeroes half), ``E`` the width, ``F`` the feed-forward
    width (``Config.hidden_dim``), ``L`` blocks and ``N`` items:

        attention   L * (8 E^2 + 4 T E)   Q, K, V and the output projection; Q K^T and the weighted sum of V
        ffn         L * 4 E F             E -> F -> E
        projection  2 E^2                 the encoder's output -> embedding space (``layout="pre_norm"``;
                                          the ``"sasrec"`` layout has none, about 1% fewer here)
        output      2 E N                 scores against every item embedding
        softmax     about 3 N

    Raises:
        ValueError: a size below 1.

    Example:
        >>> f = attention_flops_per_position(200, 64, 64, 2, 3707)
        >>> f["attention"], f["total"]   # 2 * (8 * 64**2 + 4 * 200 * 64)
        (167936, 694513)
    """
    sizes = (("max_len", max_len), ("embedding_dim", embedding_dim), ("ffn_dim", ffn_dim),
             ("num_blocks", num_blocks), ("num_items", num_items))
    for name, value in sizes:
        if value < 1:
            raise ValueError(f"{name}={value} must be at least 1")
    t, e, f, blocks, n = max_len, embedding_dim, ffn_dim, num_blocks, num_items
    parts = {"attention": blocks * (8 * e * e + 4 * t * e), "ffn": blocks * 4 * e * f, "projection": 2 * e * e,
             "output": 2 * e * n, "softmax": 3 * n}
    return {**parts, "total": sum(parts.values())}


def attention_training_flops(num_positions: int, max_len: int, embedding_dim: int, ffn_dim: int, num_blocks: int,
                             num_items: int) -> int:
    """About ``3 * num_positions * attention_flops_per_position(...)["total"]``, as ``training_flops``.

    Example:
        >>> attention_training_flops(10, 200, 64, 64, 2, 3707) == 3 * 10 * 694513
        True
    """
    if num_positions < 0:
        raise ValueError(f"num_positions={num_positions} must not be negative")
    return 3 * num_positions * attention_flops_per_position(max_len, embedding_dim, ffn_dim, num_blocks,
                                                            num_items)["total"]
