"""Benchmarking: every model on one protocol, the results store the chapters load, the suites, the leaderboard.

Holds:

- ``results``: the results store: where each committed run of ``results/`` lives, read checked, written atomically.
- ``runs``: one finished training run recorded in ``results/runs/``, so a bench longer than a session resumes.
- ``reading``: a committed model table as the chapters read it: rows, intervals, verdicts, capped runs.
- ``table``: the baselines and the neural models on one MovieLens split, one row each (chapters 07, 08, 12).
- ``domains``: the same protocol on each domain's candidate rule, with the copy mixture (chapter 10).
- ``suites``: the measurements chapters 11-14 load, by name: ``dp_sweep`` (privacy), ``cost_sweep``
  (compute), ``levers`` (the validation searches, hidden units, more users).
- ``speed``: where an ML-1M training epoch's time goes, before and after issue 22 (``--suite speed``).
- ``published``: published MovieLens-1M results with their sources, which chapter 13 sets beside the course's.
- ``search``: each neural model's settings chosen on one data set's own validation split (``--search``).
- ``leaderboard``: a learner's own Keras model trained and scored as the course's are (workshops).
- ``__main__``: ``python -m lstmrec.bench``, the command line over all of them.

A leaf below ``course``: it may import every subpackage but ``course``. The chapters read
``bench.results`` and call ``bench.domains``; nothing below imports the bench.
"""

from lstmrec.bench import (
    cost_sweep,
    domains,
    dp_sweep,
    leaderboard,
    levers,
    published,
    reading,
    results,
    runs,
    search,
    speed,
    suites,
    table,
)

__all__ = ["cost_sweep", "domains", "dp_sweep", "leaderboard", "levers", "published", "reading", "results", "runs",
           "search", "speed", "suites", "table"]
