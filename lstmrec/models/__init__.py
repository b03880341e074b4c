"""The neural next-item recommenders: configuration, builders, training, the model cache.

Holds:

- ``config``: ``Config``, everything that defines a trained model (chapter 06).
- ``layers``: weight tying, items scored with their own embeddings (chapter 06).
- ``recurrent``: embedding -> LSTM, GRU or SimpleRNN -> a score per item (chapter 06).
- ``attention``: the SASRec-style self-attention model (chapter 13).
- ``registry``: every model by name, and the course's configuration of each on each data set.
- ``recommender``: a trained model as the evaluator sees it, ``score(histories)`` (chapter 06).
- ``softmax``: the full-softmax loss over the catalogue, a block of positions at a time (chapter 06).
- ``training``: the loss, the input pipeline, early stopping on validation NDCG@10 (chapter 06).
- ``cache``: trained once, loaded after, keyed by values (chapter 06).
- ``mixture``: the LSTM's distribution mixed with copying from the history (chapter 10).

Chapter 02's experiments and chapter 03's NumPy cells are kept apart, in ``lstmrec.foundations``.
May import: ``lstmrec.util``, ``lstmrec.data``, ``lstmrec.evaluation`` and ``lstmrec.baselines``.
"""

from lstmrec.models import (
    attention,
    cache,
    config,
    layers,
    mixture,
    recommender,
    recurrent,
    registry,
    softmax,
    training,
)

__all__ = ["attention", "cache", "config", "layers", "mixture", "recommender", "recurrent", "registry", "softmax",
           "training"]
