"""The classical recommenders every model must beat, each tuned on validation and scored by the same evaluator.

Holds:

- ``base``: what every baseline shares (``Baseline``, training counts, the popularity back-off).
- ``popular``, ``markov``, ``knn``: most popular, a first-order Markov chain, item-kNN (chapters 01, 07).
- ``rules``, ``sknn``: sequential rules and the sequence-aware session-kNN (V-SKNN), the simple sequence baselines
  that are hardest to beat (Ludewig & Jannach, 2018), and ``markov.InterpolatedMarkov``, a second-order chain
  interpolated with the first (chapter 07).
- ``repeat``: the repeat heuristics for domains where people consume the same items again (chapter 10).
- ``registry``: every baseline by name, with the grid of its settings.
- ``tuning``: settings chosen on the validation split, then the final fit (chapter 07).
- ``tie_orders``: one tuned baseline under several random orders of same-second events (chapters 07, 08).

May import: ``lstmrec.util``, ``lstmrec.data`` and ``lstmrec.evaluation``.
"""

from lstmrec.baselines import base, knn, markov, popular, registry, repeat, rules, sknn, tie_orders, tuning

__all__ = ["base", "knn", "markov", "popular", "registry", "repeat", "rules", "sknn", "tie_orders", "tuning"]
