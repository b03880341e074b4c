"""The bench's suites by name: the measurements chapters 11-14 load, each a module with ``run(log)``.

``python -m lstmrec.bench --suite NAME`` runs one and ``bench.results.suite_path(NAME)``
says where its committed run lives.
"""

from __future__ import annotations

from types import ModuleType

from lstmrec.bench import cost_sweep, dp_sweep, levers, speed

SUITES: dict[str, ModuleType] = {
    "privacy": dp_sweep,  # chapter 11: the DP-SGD sweep and the membership attack
    "compute": cost_sweep,  # chapter 12: the cost curves, sampled softmax, bfloat16
    "speed": speed,  # appendix A4 (chapter 12): where an ML-1M training epoch's time goes, before and after issue 22
    "beyond": levers,  # chapter 13: the validation searches, hidden units, more users
}
"""``--suite`` -> its module; each has ``run(log=print) -> dict`` and a docstring whose first line says what it is."""
