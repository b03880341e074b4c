"""lstmrec: the library of the course "LSTM for recommender systems".

Each chapter of the course builds one piece in a notebook, explains it, and
then imports the tested version from here, the way d2l's chapters build the
``d2l`` package. The subpackages are the stages of the pipeline, lowest first;
a subpackage imports only those above it in this list (``tests/test_layers.py``
enforces it):

- ``util``: paths, safe file writes, progress lines, TensorFlow's log lines.
- ``data``: the four data sets obtained and verified, equal timestamps, sequences and splits.
- ``evaluation``: full-catalogue ranking, basket metrics, intervals, one stage of any split.
- ``baselines``: most popular, Markov chain, item-kNN and the repeat heuristics, tuned on validation.
- ``models``: the neural recommenders: configuration, builders, training, the cache, the copy mixture.
- ``foundations``: chapters 02-04's experiments and from-scratch cells, beside the models.
- ``serve``, ``privacy``, ``compute``: real-time serving (ch. 09); privacy and compute, measured (ch. 11).
- ``bench``: ``python -m lstmrec.bench``, the results store, the suites, the leaderboard.
- ``course``: the chapters' set-up and checks, the contents, and the tools that build and test the course.

Notebooks import subpackages (``from lstmrec import data, evaluation, models``) and call
``data.splits.leave_one_out``: the name says where the code lives. Importing the package
itself loads nothing heavy.
"""

__version__ = "0.1.0"

SEED = 42
"""The seed every chapter starts from (``course.chapter.setup`` applies it)."""
