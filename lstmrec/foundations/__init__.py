"""The background chapters' models: what the course builds from scratch before it builds the recommender.

Holds:

- ``gradients``: small recurrent models on long-range sequences, and the gradient measured step by step (chapter 02).
- ``numpy_rnn``: the LSTM, peephole LSTM and GRU cells written in NumPy, equal to Keras's (chapter 03).
- ``activity``: the source article's first Keras LSTM, will a user be active next period (chapter 04).

Kept apart from ``lstmrec.models``, the production recommenders, which never import them; the
streaming service reuses the NumPy sigmoid. May import: ``lstmrec.util`` and ``lstmrec.data``.
"""

from lstmrec.foundations import activity, gradients, numpy_rnn

__all__ = ["activity", "gradients", "numpy_rnn"]
