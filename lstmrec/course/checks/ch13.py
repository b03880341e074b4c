"""Chapter 13's checks. After the LSTM: the causal mask, an attention block's weights."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def causal_mask(answer: Callable[[int], np.ndarray]) -> CheckResult:
    """Check ``causal_mask(seq_len) -> (T, T) bool``: position ``t`` may attend to ``s`` when ``s <= t``."""
    from lstmrec import models

    cases = [Case("seq_len 4", (4,)), Case("seq_len 1", (1,)), Case("seq_len 7", (7,))]
    mistakes = [
        Mistake(lambda t: np.triu(np.ones((t, t), bool)),
                "that is the transpose: row t is the position asking, column s the one it reads. Row t must see "
                "columns 0..t (the past and itself), never t + 1.. (the future it is asked to predict)."),
        Mistake(lambda t: np.tril(np.ones((t, t), bool), -1),
                "a position may read its own item (s = t): it is the most recent item, the one the next item "
                "depends on most. Only s > t is hidden (np.tril keeps the diagonal with k=0)."),
        Mistake(lambda t: np.ones((t, t), bool),
                "with nothing hidden, position t reads item t + 1, the very target it is trained to predict: "
                "training looks perfect and the model learns to copy, not to predict."),
        Mistake(lambda t: ~np.tril(np.ones((t, t), bool)),
                "True must mean 'may attend' (Keras's convention for attention_mask): this is the opposite."),
    ]
    return check("causal_mask", converted(answer, lambda out: np.asarray(out).astype(bool)),
                 models.attention.causal_mask, cases, mistakes)


def attention_block_params(answer: Callable[[int, int, int], int]) -> CheckResult:
    """Check ``attention_block_params(model_dim, num_heads, ffn_dim) -> int``: the weights of one SASRec block
    (``models.attention.block_param_count``: attention ``4(d^2 + d)``, FFN ``2df + f + d``, two layer norms ``4d``)."""
    from lstmrec import models

    cases = [Case("d=64, 1 head, f=64 (the course's block)", (64, 1, 64)), Case("d=8, 2 heads, f=32", (8, 2, 32)),
             Case("d=48, 4 heads, f=96", (48, 4, 96))]
    mistakes = [
        Mistake(lambda d, h, f: h * 4 * (d * d + d) + (2 * d * f + f + d) + 4 * d,
                "heads split the model width (each has d / num_heads dimensions): they do not multiply the weights."),
        Mistake(lambda d, h, f: 4 * d * d + 2 * d * f + 4 * d,
                "every Dense projection has a bias: d each for W_q, W_k, W_v and W_o, f and d in the FFN."),
        Mistake(lambda d, h, f: 3 * (d * d + d) + (2 * d * f + f + d) + 4 * d,
                "there are four projections, not three: the heads' outputs are mixed by W_o (d x d) as well."),
        Mistake(lambda d, h, f: 4 * (d * d + d) + (2 * d * f + f + d),
                "each layer norm has a scale and a shift of width d: two norms add 4d."),
        Mistake(lambda d, h, f: 4 * (d * d + d) + 4 * d,
                "the feed-forward network (d -> f -> d, two Dense layers) is part of the block."),
    ]
    return check("attention_block_params", answer, models.attention.block_param_count, cases, mistakes)
