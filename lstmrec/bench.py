"""``python -m lstmrec.bench [--json FILE]``: every model on MovieLens-100K, one table.

Protocol (the course's, chapter 07): temporal leave-one-out, every item of the
catalogue ranked, the user's history excluded, ties counted against the model.
Each model's settings are chosen on the validation split; the table reports
the test split. ``train s`` is the wall time of the final fit; ``select s``
is the time spent choosing settings on validation.

The benchmark prints figures; the test suite asserts none of its timings.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import pandas as pd

from lstmrec import baselines, data, evaluation, sequences
from lstmrec.data import atomic_write


def run(split: sequences.LeaveOneOutSplit, k: int = 10) -> pd.DataFrame:
    """Fit, select and score every model; one row per model (test split)."""
    rows = []
    for name in baselines.BASELINES:
        start = time.perf_counter()
        model, settings, fit_seconds = baselines.fit_best(name, split)
        select_seconds = time.perf_counter() - start - fit_seconds
        result = evaluation.evaluate(model.score, split.histories("test"), split.targets("test"), split.num_items, k=k)
        rows.append({"model": name, **result.metrics((k,)), "train s": fit_seconds, "select s": select_seconds,
                     "settings": ", ".join(f"{a}={b}" for a, b in settings.items()) or "-"})
    return pd.DataFrame(rows).set_index("model")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmrec.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    ml = data.load_movielens_100k()
    split = sequences.leave_one_out(ml.interactions)
    table = run(split)
    total = time.perf_counter() - start
    print(f"MovieLens-100K ({split.num_users} users, {split.num_items - 1} items; data {data.checksum(ml)}), "
          f"leave-one-out, full ranking, seen items excluded; test split")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table.round({"HR@10": 4, "NDCG@10": 4, "MRR": 4, "train s": 2, "select s": 2}).to_string())
    print(f"whole bench: {total:.1f} s on {platform.machine()} ({platform.python_version()})")
    if args.json:
        with atomic_write(args.json) as tmp:
            tmp.write_text(json.dumps({"table": table.reset_index().to_dict(orient="records"),
                                       "seconds": total, "data_checksum": data.checksum(ml)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
