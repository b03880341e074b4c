"""Fixtures of the checks' tests: every test starts outside strict mode, and ``strict`` switches it on.

Strict mode (``LSTMREC_STRICT=1``, ``lstmrec.course.checks.core.strict``) is how ``solutions/`` runs the
checks: "not attempted" and "wrong" raise instead of printing.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    """Every test starts outside strict mode; strict tests switch it on themselves."""
    monkeypatch.delenv("LSTMREC_STRICT", raising=False)


@pytest.fixture
def strict(monkeypatch):
    """Strict mode for one test: stubs raise ``ExerciseNotAttempted``, wrong answers ``CheckFailed``."""
    monkeypatch.setenv("LSTMREC_STRICT", "1")
