"""The course itself: the chapters' set-up and checks, the table of contents, and the tools that build and test it.

Holds, for the chapters (``from lstmrec import course``):

- ``chapter``: the set-up cell (``course.chapter.setup()``) and ``report``, the numbers ``make run`` shows.
- ``checks``: the exercises' checks, one module per chapter (``course.checks.ch07.ndcg_at_k(answer)``).
- ``plots``: one colour per model, held across the chapters.
- ``contents``: the chapter list and the generated navigation.

and, for the maintainers (each run as ``python -m lstmrec.course...``):

- ``notebooks``: generated cells in sync, outputs stripped, checked outputs refreshed (``python -m lstmrec.course``).
- ``build``: execute the whole course into ``_build/`` (``make run``).
- ``book``: the executed course as a small static site; the instructor guide's run times.
- ``kit``: the offline workshop kit (``make kit``, ``make setup KIT=...``).
- ``pytest_plugin``: strict mode for the solutions, and no TensorFlow log lines in any cell.

The top layer: it may import every other subpackage, and nothing imports it. Its modules load
on first use, so ``python -m lstmrec.course.kit unpack`` runs on a bare Python, before the
course's packages are installed.
"""

import importlib

__all__ = ["book", "build", "chapter", "checks", "contents", "kit", "notebooks", "plots", "pytest_plugin"]


def __getattr__(name: str):
    """Load a module of the course on first use (``course.chapter``): no NumPy for the kit."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
