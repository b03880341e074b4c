"""Tests of ``lstmrec.course.checks.ch13``: ``causal_mask`` and ``attention_block_params``.

Learners' answers (broadcasting, the count term by term) pass, in both modes; the count equals Keras's count of
the course's SASRec block; each usual mistake is rejected with its own hint (not another one), and raises in
strict mode; ``causal_mask`` by hand.
The tables run in ``test_tables.py``; stubs, crashes and strict raising of every check in ``test_registry.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.course.checks import ch13

# --- learners' answers -------------------------------------------------------------------------


def learner_causal_mask(seq_len):
    """A learner's answer with broadcasting: position t reads s when s <= t."""
    positions = np.arange(seq_len)
    return positions[None, :] <= positions[:, None]


def learner_attention_block_params(model_dim, num_heads, ffn_dim):
    head = model_dim // num_heads
    attention = 3 * num_heads * (model_dim * head + head) + (num_heads * head * model_dim + model_dim)
    ffn = model_dim * ffn_dim + ffn_dim + ffn_dim * model_dim + model_dim
    return attention + ffn + 2 * 2 * model_dim


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("causal_mask", learner_causal_mask, 3, id="causal_mask"),
    pytest.param("attention_block_params", learner_attention_block_params, 3, id="attention_block_params"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("causal_mask", lambda t: np.triu(np.ones((t, t), bool)), "transpose", id="mask-transposed"),
    pytest.param("causal_mask", lambda t: np.tril(np.ones((t, t), bool), -1), "its own item", id="mask-no-diagonal"),
    pytest.param("causal_mask", lambda t: np.ones((t, t), bool), "learns to copy", id="mask-none"),
    pytest.param("causal_mask", lambda t: ~np.tril(np.ones((t, t), bool)), "opposite", id="mask-inverted"),
    pytest.param("attention_block_params", lambda d, h, f: h * 4 * (d * d + d) + 2 * d * f + f + d + 4 * d, "split",
                 id="params-times-heads"),
    pytest.param("attention_block_params", lambda d, h, f: 4 * d * d + 2 * d * f + 4 * d, "bias",
                 id="params-no-bias"),
    pytest.param("attention_block_params", lambda d, h, f: 3 * (d * d + d) + 2 * d * f + f + d + 4 * d,
                 "mixed by W_o",
                 id="params-no-output"),
    pytest.param("attention_block_params", lambda d, h, f: 4 * (d * d + d) + 2 * d * f + f + d, "layer norm",
                 id="params-no-norms"),
    pytest.param("attention_block_params", lambda d, h, f: 4 * (d * d + d) + 4 * d, "feed-forward",
                 id="params-no-ffn"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand and against Keras -----------------------------------------------------------------


def test_causal_mask_by_hand(capsys):
    # seq_len 4: rows are the asking positions; row 1 reads positions 0 and 1
    assert not ch13.causal_mask(lambda t: np.eye(t, dtype=bool))
    assert "wrong on case 'seq_len 4'" in capsys.readouterr().out  # seq_len 1 is the identity too


def test_attention_block_params_matches_keras():
    keras = pytest.importorskip("keras")
    from lstmrec import models

    def count(blocks, heads):
        config = models.config.Config(cell="SASRec", max_len=6, embedding_dim=8, hidden_dim=32, num_blocks=blocks,
                                      num_heads=heads)
        return models.attention.build(20, config).count_params()

    keras.utils.set_random_seed(0)
    assert count(2, 2) - count(1, 2) == learner_attention_block_params(8, 2, 32) == 872
    assert count(2, 1) == count(2, 2)  # heads split the width
