"""TensorFlow's own log lines: kept out of the learner's cells, and recognised where they slip through.

TensorFlow's C++ core writes log lines straight to file descriptor 2, which
Jupyter shows as red stderr boxes under a cell. They come in two kinds:

1. Lines written while ``import tensorflow`` runs, before its logging is set
   up: absl's ``WARNING: All log messages before absl::InitializeLog() is
   called are written to STDERR`` and the ``I0000 ... port.cc`` (oneDNN) and
   ``cudart_stub.cc`` lines after it. No setting silences them.
2. Lines written later through TensorFlow's logger, such as ``E0000 ...
   cuda_platform.cc:52] failed call to cuInit`` on a machine without a GPU, or
   ``oneDNN supports DT_BOOL only on platforms with AVX-512`` during training.
   ``TF_CPP_MIN_LOG_LEVEL=3`` silences them.

``import_tensorflow`` deals with both. It sets ``TF_CPP_MIN_LOG_LEVEL=3``
unless the variable is already set, and imports TensorFlow with descriptor 2
sent to a temporary file. Afterwards it writes back every captured line
that is not a TensorFlow log line, so nothing else printed during the
import is lost. Python warnings, the course's own and Keras's among them,
go through ``sys.stderr`` and ``warnings``, not through these logs, so they
still show. An error in TensorFlow is still raised as a Python exception.

Example:
    >>> is_log_line("E0000 00:00:1796.5   21 cuda_platform.cc:52] failed call to cuInit: INTERNAL")
    True
    >>> is_log_line("UserWarning: the course's own warning")
    False
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")

LEVEL = "3"  # TF_CPP_MIN_LOG_LEVEL: 0 all, 1 no INFO, 2 no WARNING, 3 no ERROR (FATAL still shows)

# glog/absl format: severity letter, MMDD, hh:mm:ss.micro (before absl is set up: 00:00:<epoch s>),
# thread id, file:line] message.
LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./+-]+:\d+\] ")
START_UP = (
    LOG_LINE,
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^To enable the following instructions: .*rebuild TensorFlow"),  # cpu_feature_guard's 2nd line
)


def is_log_line(line: str) -> bool:
    """Whether ``line`` is one of TensorFlow's (absl/glog) log lines rather than the course's output."""
    return any(pattern.search(line) for pattern in START_UP)


def log_lines(text: str) -> list[str]:
    """The lines of ``text`` that are TensorFlow log lines (what a clean cell output must not hold)."""
    return [line for line in text.splitlines() if is_log_line(line)]


def output_log_lines(outputs: list[dict] | None) -> list[str]:
    """TensorFlow log lines in a notebook cell's outputs (its stream outputs: stdout and stderr)."""
    text = "".join(out.get("text", "") for out in outputs or [] if out.get("output_type") == "stream")
    return log_lines(text)


@contextlib.contextmanager
def _descriptor_2_to(file):
    """Send what is written to file descriptor 2 (C and C++ code included) into ``file`` for a while."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def quietly(run: Callable[[], T]) -> T:
    """Call ``run()`` with descriptor 2 captured, then write back what was not a TensorFlow log line.

    Returns:
        what ``run()`` returns (its exception, if any, is raised after the write-back).
    """
    with tempfile.TemporaryFile() as captured:
        try:
            with _descriptor_2_to(captured):
                return run()
        finally:
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines()
                    if not is_log_line(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def import_tensorflow() -> ModuleType:
    """Import TensorFlow without its start-up log lines; return the module.

    Must run before anything else imports TensorFlow (``keras`` does), which is
    why ``course.chapter.setup()`` calls it in every chapter's first code cell. If
    TensorFlow is already imported, its lines have already been written and
    this only returns the module.

    Returns:
        the ``tensorflow`` module.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", LEVEL)
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    return quietly(lambda: importlib.import_module("tensorflow"))
