"""lstmrec: the library of the course "LSTM for recommender systems".

Each chapter of the course builds one piece in a notebook, explains it, and
then imports the tested version from here, the way d2l's chapters build the
``d2l`` package. Modules, one concept each:

- ``data``: MovieLens-100K and -1M, obtained and verified (chapter 00, 01).
- ``synthetic``: sequences with a known long-range dependency (chapter 02).
- ``recurrent``: small recurrent models and gradient measurements (chapter 02).
- ``cells``: the LSTM, peephole LSTM and GRU cells from scratch in NumPy (chapter 03).
- ``activity``: next-period activity sequences and the article's first model (chapter 04).
- ``sequences``: interactions to ordered, encoded, split, padded sequences (chapter 05).
- ``evaluation``: full-catalogue ranking and its metrics (chapters 00, 07).
- ``baselines``: most-popular, Markov chain and item-kNN recommenders (chapters 01, 07).
- ``checks``: checks for the exercises (every chapter).
- ``plots``: one colour per model across the course.
- ``course``: set-up, chapter list, navigation, reported metrics (every chapter).
- ``build`` and ``bench``: ``python -m lstmrec.build`` runs the course,
  ``python -m lstmrec.bench`` prints the model table.

Modules are imported by name (``from lstmrec import data, evaluation``);
importing the package itself loads nothing heavy.
"""

__version__ = "0.1.0"

SEED = 42
"""The seed every chapter starts from (``course.setup`` applies it)."""
