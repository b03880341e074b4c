"""Evaluation that holds up: full-catalogue ranking, ties against the model, intervals and paired tests.

Holds:

- ``metrics``: HR@k, NDCG@k and MRR from ranks, and each user's term of them (chapters 00, 07).
- ``ranking``: every item ranked, the domain's candidate rule, top-k lists, sampled ranking (chapters 00, 07).
- ``stats``: bootstrap intervals over users and the paired comparison of two models (chapter 07).
- ``beyond_accuracy``: catalogue coverage and the popularity of what is recommended (chapter 07).
- ``stage``: one stage of any split scored with one call (training, tuning, tables; chapters 06-14).
- ``baskets``: recall@k and NDCG@k over a whole basket (chapter 10); it registers its scorer with ``stage``.
- ``genres``: genre profiles, to follow a user's taste over time (appendix A3, for chapter 10).

May import: ``lstmrec.util`` and ``lstmrec.data``. Nothing here knows a model: a model is a
score function, histories -> (batch, num_items).
"""

from lstmrec.evaluation import baskets, beyond_accuracy, genres, metrics, ranking, stage, stats

__all__ = ["baskets", "beyond_accuracy", "genres", "metrics", "ranking", "stage", "stats"]
