"""A committed model table read the way the chapters read it: one row per model, intervals, verdicts, capped runs.

Used by chapters 13 and 14 and appendix A5, which read the same ``results/bench-*.json`` artefacts
(``bench.results``); a chapter never rebuilds these from an artefact by hand, so two chapters cannot read one
file two ways. A leaf module of the bench: it reads records, it trains and scores nothing.
"""

from __future__ import annotations

import pandas as pd


def model_table(artefact: dict) -> pd.DataFrame:
    """A model table artefact's rows, indexed by model.

    Args:
        artefact: a record of ``bench.results.load_artefact`` with a ``table`` (a list of row dicts, each with
            ``model``).

    Returns:
        One row per model; the columns are the artefact's (``NDCG@10``, ``NDCG@10 low``, ``NDCG@10 high``, ...).

    Raises:
        ValueError: the record has no table, or a row has no model.

    Example:
        >>> float(model_table({"table": [{"model": "LSTM", "NDCG@10": 0.1}]}).loc["LSTM", "NDCG@10"])
        0.1
    """
    rows = artefact.get("table")
    if not rows:
        raise ValueError("this record has no model table: is it a suite (results/suite-*.json)?")
    if any("model" not in row for row in rows):
        raise ValueError("a row of the model table has no 'model'")
    return pd.DataFrame(rows).set_index("model")


def with_interval(table: pd.DataFrame, metric: str) -> pd.Series:
    """Each row's ``metric`` with its interval as text: ``"0.0995 [0.0812, 0.1190]"``.

    Raises:
        KeyError: ``metric`` or its ``low`` / ``high`` columns are missing.

    Example:
        >>> t = pd.DataFrame({"NDCG@10": [0.1], "NDCG@10 low": [0.09], "NDCG@10 high": [0.11]}, index=["LSTM"])
        >>> with_interval(t, "NDCG@10")["LSTM"]
        '0.1000 [0.0900, 0.1100]'
    """
    _require(table, [metric, f"{metric} low", f"{metric} high"])
    return table.apply(lambda r: f"{r[metric]:.4f} [{r[metric + ' low']:.4f}, {r[metric + ' high']:.4f}]", axis=1)


def interval_verdict(table: pd.DataFrame, a: str, b: str, metric: str = "NDCG@10") -> str:
    """Whether model ``a``'s 95% interval lies above, below or across model ``b``'s.

    Non-overlapping intervals are a strong result; overlapping ones are not evidence of a tie, because both
    models are scored on the same users, and a paired comparison (``evaluation.stats.paired_comparison``) is
    the sharper test.

    Raises:
        KeyError: ``a`` or ``b`` is not a row of ``table``, or the metric's columns are missing.

    Example:
        >>> t = pd.DataFrame({"NDCG@10": [0.2, 0.1], "NDCG@10 low": [0.18, 0.09], "NDCG@10 high": [0.22, 0.11]},
        ...                  index=["SASRec", "LSTM"])
        >>> interval_verdict(t, "SASRec", "LSTM")
        'SASRec 0.2000 vs LSTM 0.1000: intervals above'
    """
    _require(table, [metric, f"{metric} low", f"{metric} high"])
    missing = [m for m in (a, b) if m not in table.index]
    if missing:
        raise KeyError(f"no row for {missing} in this table: it has {list(table.index)}")
    low_a, high_a = table.loc[a, f"{metric} low"], table.loc[a, f"{metric} high"]
    low_b, high_b = table.loc[b, f"{metric} low"], table.loc[b, f"{metric} high"]
    word = "above" if low_a > high_b else "below" if high_a < low_b else "overlapping"
    return f"{a} {table.loc[a, metric]:.4f} vs {b} {table.loc[b, metric]:.4f}: intervals {word}"


def capped_runs(artefact: dict) -> list[str]:
    """The runs of a model table that the epoch cap ended rather than early stopping.

    A run whose best epoch came less than ``patience`` epochs before the cap had not yet waited ``patience``
    epochs without improving when the cap stopped it: its validation curve may still have been rising.

    Returns:
        ``"<model> seed <seed> (best epoch <e>)"`` for each such run, in the artefact's order.

    Raises:
        ValueError: the record has no ``config`` with ``max_epochs`` and ``patience``.

    Example:
        >>> capped_runs({"config": {"max_epochs": 20, "patience": 5},
        ...              "runs": [{"model": "LSTM", "seed": 42, "best epoch": 20},
        ...                       {"model": "LSTM", "seed": 43, "best epoch": 15}]})
        ['LSTM seed 42 (best epoch 20)']
    """
    config = artefact.get("config") or {}
    if "max_epochs" not in config or "patience" not in config:
        raise ValueError("this record has no config with max_epochs and patience")
    cap, patience = config["max_epochs"], config["patience"]
    return [f"{r['model']} seed {r['seed']} (best epoch {r['best epoch']})" for r in artefact.get("runs", [])
            if r["best epoch"] + patience > cap]


def search_table(suite: dict, dataset: str = "ml-100k") -> pd.DataFrame:
    """A suite's validation search, one row per setting tried, with whether the cap ended the run.

    Args:
        suite: a record with ``search``: rows with ``cell``, ``settings``, ``valid NDCG@10``, ``NDCG@10`` (test)
            and ``best epoch`` (``results/suite-beyond.json``), and ``config[dataset]``: the ``max_epochs`` and
            ``patience`` its runs trained with.
        dataset: the data set the search ran on.

    Returns:
        Columns ``model``, one per setting searched, ``valid NDCG@10``, ``test NDCG@10``, ``best epoch`` and
        ``cap stopped it`` (``best epoch + patience > max_epochs``, as ``capped_runs``).

    Raises:
        ValueError: the record has no search, or no cap and patience for ``dataset``.

    Example:
        >>> row = {"cell": "SASRec", "settings": {"lr": 0.001}, "valid NDCG@10": 0.1, "NDCG@10": 0.09,
        ...        "best epoch": 38}
        >>> suite = {"search": [row], "config": {"ml-100k": {"max_epochs": 40, "patience": 10}}}
        >>> search_table(suite)["cap stopped it"].tolist()
        [True]
    """
    rows = suite.get("search")
    if not rows:
        raise ValueError("this record has no validation search")
    max_epochs, patience = stopping(suite, dataset)
    table = pd.DataFrame([{"model": r["cell"], **r["settings"], "valid NDCG@10": r["valid NDCG@10"],
                           "test NDCG@10": r["NDCG@10"], "best epoch": r["best epoch"]} for r in rows])
    table["cap stopped it"] = table["best epoch"] + patience > max_epochs
    return table


def stopping(suite: dict, dataset: str) -> tuple[int, int]:
    """The ``(max_epochs, patience)`` a suite's runs on ``dataset`` trained with, from its ``config``.

    Raises:
        ValueError: the record does not say.

    Example:
        >>> stopping({"config": {"ml-1m": {"max_epochs": 20, "patience": 3}}}, "ml-1m")
        (20, 3)
    """
    config = (suite.get("config") or {}).get(dataset) or {}
    if "max_epochs" not in config or "patience" not in config:
        raise ValueError(f"this record does not say what cap and patience its {dataset} runs trained with")
    return config["max_epochs"], config["patience"]


def tie_rule_pairs(rows: list[dict], metric: str = "NDCG@10") -> pd.DataFrame:
    """Runs that differ only in the tie rule: the same model, settings and seed under ``shuffle`` and ``source``.

    A difference between a ``source`` run (the file's order, the published protocol) and a ``shuffle`` run (the
    course's rule) says what the tie rule is worth only when nothing else differs; this keeps exactly those pairs.

    Args:
        rows: ``bench.runs.summaries`` rows (``cell``, ``changes``, ``seed``, ``ties`` and ``metric``).
        metric: the column compared (test ``NDCG@10`` by default; ``"valid NDCG@10"`` for validation).

    Returns:
        One row per pair: ``cell``, ``changes``, ``seed``, ``shuffle``, ``source`` and ``source - shuffle``
        (empty, with those columns, when there is no pair).

    Example:
        >>> rows = [{"cell": "SASRec", "changes": "lr=0.001", "seed": 42, "ties": "shuffle", "NDCG@10": 0.17},
        ...         {"cell": "SASRec", "changes": "lr=0.001", "seed": 42, "ties": "source", "NDCG@10": 0.18},
        ...         {"cell": "LSTM", "changes": "", "seed": 42, "ties": "shuffle", "NDCG@10": 0.176}]
        >>> tie_rule_pairs(rows)["source - shuffle"].round(4).tolist()
        [0.01]
    """
    columns = ["cell", "changes", "seed", "shuffle", "source", "source - shuffle"]
    table = pd.DataFrame(rows, columns=["cell", "changes", "seed", "ties", metric])
    table = table[table["ties"].isin(["shuffle", "source"])]
    if table.duplicated(["cell", "changes", "seed", "ties"]).any():
        raise ValueError("two runs share a model, settings, seed and tie rule: keep one record per run")
    wide = table.pivot_table(index=["cell", "changes", "seed"], columns="ties", values=metric, aggfunc="first")
    if not {"shuffle", "source"} <= set(wide.columns):
        return pd.DataFrame(columns=columns)
    wide = wide.dropna(subset=["shuffle", "source"]).reset_index()
    wide["source - shuffle"] = wide["source"] - wide["shuffle"]
    return wide[columns].reset_index(drop=True)


def _require(table: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"the table has no column {missing}: it has {list(table.columns)}")
