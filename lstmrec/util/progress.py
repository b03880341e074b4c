"""Progress of long work in a notebook cell: what a learner watches, and one line per model when no one does.

Watched (JupyterLab, ``make lab``, a terminal): training prints one line per
epoch with the validation metric (``epoch_line``; Keras's own ``model.fit``
with ``verbose=keras_verbose()``), and a sweep shows a progress bar over its
runs (``steps``, tqdm: a widget in JupyterLab).

Headless (``make run`` and ``make test`` set ``LSTMREC_HEADLESS=1``, and no one
watches a static page): epoch lines and bars stay quiet, and each trained or
loaded model still gets its one summary line (``model_line``).

Example:
    >>> epoch_line(3, 40, {"loss": 5.1234, "val_NDCG@10": 0.0871}, 10, 0.0871, 12.3)
    'epoch 3/40: loss 5.1234, val NDCG@10 0.0871 (best 0.0871), 12 s'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def watched() -> bool:
    """Whether someone watches the output: False under ``make run`` and ``make test`` (``LSTMREC_HEADLESS=1``)."""
    return os.environ.get("LSTMREC_HEADLESS") != "1"


def say(line: str) -> None:
    """Print ``line`` while someone watches; nothing under ``make run`` or ``make test`` (a ``log=`` for loops)."""
    if watched():
        print(line, flush=True)


def keras_verbose() -> int:
    """``verbose`` for Keras's ``model.fit``: 2 (one line per epoch) while someone watches, else 0."""
    return 2 if watched() else 0


def epoch_line(epoch: int, max_epochs: int, logs: dict, k: int, best: float, seconds: float) -> str:
    """One epoch: its number out of the cap, training loss, validation NDCG@k and the best so far, elapsed time."""
    return (f"epoch {epoch}/{max_epochs}: loss {logs['loss']:.4f}, val NDCG@{k} {logs[f'val_NDCG@{k}']:.4f} "
            f"(best {best:.4f}), {seconds:.0f} s")


def model_line(name: str, best_epoch: int, epochs: int, valid: float | None, seconds: float,
               from_cache: bool = False, k: int = 10) -> str:
    """One model's summary: the line ``make test`` and ``make run`` keep.

    Example:
        >>> model_line("LSTM (H=128)", 17, 27, 0.10821, 75.6)
        'LSTM (H=128): best epoch 17 of 27, val NDCG@10 0.1082, trained in 76 s'
    """
    score = "" if valid is None else f", val NDCG@{k} {valid:.4f}"
    how = "from the cache" if from_cache else f"trained in {seconds:.0f} s"
    return f"{name}: best epoch {best_epoch} of {epochs}{score}, {how}"


def steps(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """``items`` with a progress bar while someone watches; the plain items when headless.

    Args:
        items: the runs of a sweep (settings, seeds, ...).
        description: what is being swept, shown left of the bar.
        total: the number of items, if ``len(items)`` does not give it.
    """
    if not watched():
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=description, total=total, leave=False)
