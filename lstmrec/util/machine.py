"""What a run was measured on: its times, and its trained figures, hold for that machine only.

Used from chapter 00 (``make run``'s summary, whose run times the book's
contents page shows, records it: ``course.build``); the bench's artefacts and
run records (``bench.results``, ``bench.runs``), which chapters 07-14 read,
record it too.
"""

from __future__ import annotations

import os
import platform


def describe(tensorflow: bool = True) -> dict[str, object]:
    """The machine: architecture, processor, CPUs, system, Python and (``tensorflow``) TensorFlow's version.

    A seed repeats a training run on one machine only, so every record of trained figures carries this.

    Example:
        >>> sorted(describe(tensorflow=False))
        ['cpus', 'machine', 'processor', 'python', 'system']
    """
    found: dict[str, object] = {"machine": platform.machine(), "processor": platform.processor() or None,
                                "cpus": os.cpu_count(), "system": platform.platform(),
                                "python": platform.python_version()}
    if tensorflow:
        from lstmrec.util import tflog

        found["tensorflow"] = tflog.import_tensorflow().__version__
    return found
