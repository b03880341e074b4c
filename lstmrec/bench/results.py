"""The results store: the committed bench runs in ``results/``, where each lives, read checked, written atomically.

Used by the bench's command line (which writes them), by the chapters and the
book (which read them): a chapter never imports a command line to read a file.

Two kinds of record, each a JSON object with the command that produced it, the
date, the machine, and every seed's figures:

- a model table (``python -m lstmrec.bench --dataset D --ties T``):
  ``results/bench-<dataset>-<ties>[-<variant>].json`` (``artefact_path``);
- a suite (``python -m lstmrec.bench --suite S``): ``results/suite-<suite>.json``
  (``suite_path``).

A seed repeats a run on one machine only: ``util.machine.describe()`` records which.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

from lstmrec import data
from lstmrec.bench import suites
from lstmrec.util import paths
from lstmrec.util.files import atomic_write

VARIANTS = (("ml-1m", "shuffle", "all-models"),)
"""Committed runs beside the main one: MovieLens-1M with every model of chapter 13 at one seed each
(``--models GRU,LSTM,SASRec --seeds 1``), while ``bench-ml-1m-shuffle.json`` keeps chapter 08's three LSTM seeds."""

REQUIRED = {"table": {"command", "date", "dataset", "ties", "machine", "table", "runs"},
            "suite": {"command", "date", "suite", "machine", "seconds"},
            "search": {"command", "date", "dataset", "machine", "grids", "rows", "chosen"}}
"""The keys every record of each kind holds: a model table (``--dataset``), a suite (``--suite``) or a
validation search (``--dataset D --search``)."""


def artefact_path(dataset: str, tie_rule: str = "shuffle", variant: str | None = None) -> Path:
    """``results/bench-<dataset>-<ties>[-<variant>].json``: where the committed bench run of that setting lives.

    Written by ``python -m lstmrec.bench --dataset <dataset> --ties <ties> --json <that path>``. A
    ``variant`` names a second run of the same data with other options (its command is inside):
    ``VARIANTS`` lists the committed ones. Baskets (Instacart) have no ties: their rule is ``"cart-order"``.

    Raises:
        ValueError: an unknown data set, tie rule or variant.
    """
    if variant is not None and (dataset, tie_rule, variant) not in VARIANTS:
        raise ValueError(f"variant={variant!r} of {dataset!r}, {tie_rule!r}: the committed variants are {VARIANTS}")
    rules = ("cart-order",) if data.registry.DATASETS.get(dataset) and data.registry.get(dataset).unit == "basket" \
        else data.ties.TIE_RULES
    if dataset not in data.registry.DATASETS or tie_rule not in rules:
        raise ValueError(f"dataset={dataset!r}, ties={tie_rule!r}: choose from {list(data.registry.DATASETS)} "
                         f"and {rules}")
    return paths.results_dir() / f"bench-{dataset}-{tie_rule}{f'-{variant}' if variant else ''}.json"


def suite_path(suite: str) -> Path:
    """``results/suite-<suite>.json``: the committed run of ``python -m lstmrec.bench --suite <suite>``.

    Raises:
        ValueError: ``suite`` is not one of ``bench.suites.SUITES``.
    """
    if suite not in suites.SUITES:
        raise ValueError(f"suite={suite!r}: choose from {tuple(suites.SUITES)}")
    return paths.results_dir() / f"suite-{suite}.json"


def search_path(dataset: str) -> Path:
    """``results/search-<dataset>.json``: the committed ``python -m lstmrec.bench --dataset <dataset> --search``.

    Raises:
        ValueError: no search grid exists for ``dataset`` (``bench.search.GRIDS``).
    """
    from lstmrec.bench import search

    if dataset not in search.GRIDS:
        raise ValueError(f"dataset={dataset!r}: searches exist for {tuple(search.GRIDS)}")
    return paths.results_dir() / f"search-{dataset}.json"


def load_artefact(path: Path | str) -> dict:
    """Read a JSON written by ``python -m lstmrec.bench ... --json``, a model table or a suite, checking it is one.

    A record with a ``suite`` key is a suite run and must hold ``REQUIRED["suite"]``; one with ``grids`` is a
    validation search (``REQUIRED["search"]``); any other must hold ``REQUIRED["table"]``.

    Example:
        >>> load_artefact(artefact_path("ml-100k"))["command"]   # doctest: +SKIP
        'python -m lstmrec.bench --cached'

    Raises:
        ValueError: the file is not a bench artefact (not JSON, or a key is missing).
    """
    try:
        record = json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a bench artefact: not JSON ({error})") from None
    keys = set(record) if isinstance(record, dict) else set()
    kind = "suite" if "suite" in keys else "search" if "grids" in keys else "table"
    missing = REQUIRED[kind] - keys
    if missing:
        raise ValueError(f"{path} is not a bench {'' if kind == 'table' else kind + ' '}artefact: "
                         f"it lacks {sorted(missing)}")
    return record


def command(argv: list[str]) -> str:
    """The command line that produced a run, without ``--json`` (the figures do not depend on where they go)."""
    given = list(argv)
    for i, a in reversed(list(enumerate(given))):
        if a == "--json":
            del given[i:i + 2]
        elif a.startswith("--json="):
            del given[i]
    return ("python -m lstmrec.bench " + " ".join(given)).strip()


def save(path: Path | str, argv: list[str], **fields) -> dict:
    """Write one run's record: its command and date, then ``fields`` (the machine among them), atomically.

    Returns:
        The record written.
    """
    record = {"command": command(argv),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), **fields}
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(record, indent=1))
    return record


def footer(seconds: float, what: str = "whole bench") -> str:
    """The last line of every run: how long it took, on what."""
    return (f"{what}: {seconds:.1f} s on {platform.machine()} with {os.cpu_count()} CPUs "
            f"(Python {platform.python_version()})")
