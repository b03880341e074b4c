"""The exercises' checks, one module per chapter: ``course.checks.ch07.ndcg_at_k(answer)``.

``core`` holds how every check works (cases, the usual mistakes, strict mode);
``ch00`` to ``ch14`` hold each chapter's checks. ``REGISTRY`` names every
public check of every chapter, so the tests can require that each one is
tested, in both modes.
"""

from __future__ import annotations

from typing import Callable

from lstmrec.course.checks import (
    ch00,
    ch01,
    ch02,
    ch03,
    ch04,
    ch05,
    ch06,
    ch07,
    ch08,
    ch09,
    ch10,
    ch11,
    ch12,
    ch13,
    ch14,
    core,
)

CHAPTERS = (ch00, ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11, ch12, ch13,
            ch14)
"""The chapters' check modules, in course order."""


def _public_checks(module) -> dict[str, Callable]:
    return {name: fn for name, fn in vars(module).items()
            if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == module.__name__}


REGISTRY: dict[str, Callable] = {f"{m.__name__.rsplit('.', 1)[1]}.{name}": fn
                                 for m in CHAPTERS for name, fn in _public_checks(m).items()}
"""``"ch07.ndcg_at_k"`` -> the check: every public function of the chapters' modules."""

__all__ = ["CHAPTERS", "REGISTRY", "core", *(m.__name__.rsplit(".", 1)[1] for m in CHAPTERS)]
