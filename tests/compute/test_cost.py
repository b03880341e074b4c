"""Unit tests for ``lstmrec.compute.cost``: operation counts by hand, and against the Keras model's weight shapes."""

from __future__ import annotations

import pytest

from lstmrec import compute, models


def test_flops_by_hand():
    # E=2, H=3, N=5, tied: recurrent 2*12*(2+3) = 120, projection 2*3*2 = 12, output 2*2*5 = 20, softmax 15
    assert compute.cost.flops_per_position(2, 3, 5) == {"recurrent": 120, "projection": 12, "output": 20, "softmax": 15,
                                                "total": 167}
    # untied: no projection, output 2*3*5 = 30
    assert compute.cost.flops_per_position(2, 3, 5, tie_embeddings=False)["total"] == 120 + 30 + 15


def test_output_dominates_for_large_catalogues():
    small, large = compute.cost.flops_per_position(64, 128, 1_000), compute.cost.flops_per_position(64, 128, 100_000)
    assert small["output"] < small["recurrent"]
    assert large["output"] > 0.9 * large["total"]


def test_training_flops_is_three_forward_passes():
    assert compute.cost.training_flops(10, 2, 3, 5) == 3 * 10 * 167
    assert compute.cost.training_flops(0, 2, 3, 5) == 0


@pytest.mark.parametrize("tie", [True, False])
def test_products_match_the_keras_models_kernels(tie):
    """Each product costs 2 FLOPs per kernel weight: count the kernels of the real model."""
    keras = pytest.importorskip("keras")
    config = models.config.Config(embedding_dim=8, hidden_dim=6, max_len=4, tie_embeddings=tie)
    model = models.recurrent.build(20, config)
    recurrent = model.get_layer("recurrent")
    kernels = sum(int(w.numpy().size) for w in recurrent.weights if "bias" not in w.path)
    f = compute.cost.flops_per_position(8, 6, 20, tie)
    assert f["recurrent"] == 2 * kernels
    if tie:
        assert f["projection"] == 2 * int(model.get_layer("to_embedding_space").kernel.numpy().size)
        assert f["output"] == 2 * int(model.get_layer("item_embedding").embeddings.numpy().size)  # E x N scores
    else:
        assert f["output"] == 2 * int(model.get_layer("scores").kernel.numpy().size)
    del keras


@pytest.mark.parametrize("args", [(0, 3, 5), (2, 0, 5), (2, 3, 0)])
def test_bad_sizes(args):
    with pytest.raises(ValueError, match="must be at least 1"):
        compute.cost.flops_per_position(*args)
    with pytest.raises(ValueError, match="negative"):
        compute.cost.training_flops(-1, 2, 3, 5)


def test_attention_flops_by_hand():
    # T=3, E=2, F=4, L=2, N=5: attention 2 * (8*4 + 4*3*2) = 112, ffn 2 * 4*2*4 = 64, projection 8, output 20,
    # softmax 15
    assert compute.cost.attention_flops_per_position(3, 2, 4, 2, 5) == {
        "attention": 112, "ffn": 64, "projection": 8, "output": 20, "softmax": 15, "total": 219}
    assert compute.cost.attention_training_flops(10, 3, 2, 4, 2, 5) == 3 * 10 * 219
    assert compute.cost.attention_training_flops(0, 3, 2, 4, 2, 5) == 0


def test_attention_products_match_the_keras_sasrec_kernels():
    """Q, K, V, the output projection and the FFN: 2 FLOPs per kernel weight of the real model's blocks."""
    pytest.importorskip("keras")
    config = models.config.Config(cell="SASRec", embedding_dim=8, hidden_dim=6, max_len=4, num_blocks=2)
    model = models.attention.build(20, config)
    kernels = sum(int(w.numpy().size) for layer in model.layers if layer.name.startswith("block")
                  for w in layer.weights if "kernel" in w.path)
    f = compute.cost.attention_flops_per_position(4, 8, 6, 2, 20)
    assert f["attention"] + f["ffn"] == 2 * kernels + 2 * 4 * 4 * 8  # the products: 2 * kernels, plus 4 T E per block


@pytest.mark.parametrize("args, name", [((0, 2, 4, 2, 5), "max_len"), ((3, 0, 4, 2, 5), "embedding_dim"),
                                        ((3, 2, 0, 2, 5), "ffn_dim"), ((3, 2, 4, 0, 5), "num_blocks"),
                                        ((3, 2, 4, 2, 0), "num_items")])
def test_attention_flops_refuse_a_size_below_one(args, name):
    with pytest.raises(ValueError, match=f"{name}=0 must be at least 1"):
        compute.cost.attention_flops_per_position(*args)
    with pytest.raises(ValueError, match="num_positions=-1 must not be negative"):
        compute.cost.attention_training_flops(-1, 3, 2, 4, 2, 5)
