"""What defines a trained model: one frozen ``Config``, whose settings and the data's checksum are its cache key.

Taught in chapter 06; the course's values for each data set are in
``data.registry`` and each model's changes to them in ``models.registry``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

BATCHING = ("shuffled", "by_length")
"""``Config.batching``'s choices (``models.training.make_dataset``)."""

LAYOUTS = ("pre_norm", "sasrec")
"""``Config.layout``'s choices, SASRec only (``models.attention.build``)."""


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything that defines a trained model; its hash (with the data's) is the cache key.

    The defaults are the course's model, chosen on the validation split
    (chapter 06 explains each; chapter 07 and the bench use them).

    Attributes:
        cell: the model's name in ``models.registry.MODELS``: ``"LSTM"``, ``"GRU"``, ``"SimpleRNN"`` or
            ``"SASRec"`` (self-attention, ``models.attention``); ``registry.build`` checks it.
        max_len: how many recent items the model reads (training windows and inputs).
        embedding_dim: size of an item embedding.
        hidden_dim: size of the recurrent state (SASRec: the inner width of its feed-forward network).
        dropout: drop RATE (the share of units zeroed during training), not a keep probability.
        tie_embeddings: score items with their input embeddings instead of a separate Dense layer.
        lr: Adam's learning rate.
        batch_size: training windows per step.
        max_epochs: the most epochs to train.
        patience: epochs without a better validation NDCG@10 before stopping.
        seed: the seed of the initial weights and the shuffling.
        num_blocks: SASRec only: attention blocks.
        num_heads: SASRec only: attention heads (they split ``embedding_dim``).
        batching: which training windows share a batch (``models.training.make_dataset``):
            ``"shuffled"`` (any windows: the course's) or ``"by_length"`` (similar lengths, padding columns
            cut: faster, but on MovieLens-1M it scored lower, ``bench.speed.quality``, so it is not the default).
        layout: SASRec only: how a block is wired (``models.attention.build``): ``"pre_norm"`` (a pre-norm
            Transformer block and a projection before the tied scores: the course's first version) or
            ``"sasrec"`` (the wiring of Kang & McAuley's code, which the published SASRec+ figures train).
    """

    cell: str = "LSTM"
    max_len: int = 50
    embedding_dim: int = 64
    hidden_dim: int = 128
    dropout: float = 0.2
    tie_embeddings: bool = True
    lr: float = 0.01
    batch_size: int = 128
    max_epochs: int = 40
    patience: int = 10
    seed: int = 42
    num_blocks: int = 2
    num_heads: int = 1
    batching: str = "shuffled"
    layout: str = "pre_norm"

    def __post_init__(self):
        if not isinstance(self.cell, str) or not self.cell:
            raise ValueError(f"cell={self.cell!r} must name a model of models.registry.MODELS")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout={self.dropout} is a drop rate and must be in [0, 1)")
        for name in ("max_len", "embedding_dim", "hidden_dim", "batch_size", "max_epochs", "patience",
                     "num_blocks", "num_heads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")
        if self.batching not in BATCHING:
            raise ValueError(f"batching={self.batching!r}: choose from {BATCHING}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout={self.layout!r}: choose from {LAYOUTS}")
        if self.cell == "SASRec" and self.embedding_dim % self.num_heads:
            raise ValueError(f"embedding_dim={self.embedding_dim} is not divisible by num_heads={self.num_heads}")

    def settings(self) -> dict:
        """The fields that define this model: the attention fields only for ``cell="SASRec"``.

        A recurrent model does not depend on ``num_blocks``, ``num_heads`` or
        ``layout``, so they are left out of its cache key and record (and the
        recurrent models cached before chapter 13 added them keep their keys).
        ``layout`` is left out at its default too, so the SASRec models cached
        and recorded before it existed keep theirs.
        """
        fields = dataclasses.asdict(self)
        if self.cell != "SASRec":
            del fields["num_blocks"], fields["num_heads"]
        if self.cell != "SASRec" or self.layout == "pre_norm":
            del fields["layout"]
        return fields

    def key(self, data_checksum: str) -> str:
        """A short hash of this configuration and the data: the cache file name."""
        text = json.dumps(self.settings(), sort_keys=True) + data_checksum
        return hashlib.sha256(text.encode()).hexdigest()[:16]
