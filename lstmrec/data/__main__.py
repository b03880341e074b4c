"""``python -m lstmrec.data [--dataset NAME]``: obtain the course's data sets and say where each came from."""

from __future__ import annotations

import argparse
import sys

from lstmrec.data.registry import DATASETS
from lstmrec.util.files import DataError


def main(argv: list[str] | None = None) -> int:
    """Obtain every data set of ``data.registry`` (or one), verified by checksum.

    Returns:
        0, or 1 if a data set could not be obtained (the others are still tried).
    """
    parser = argparse.ArgumentParser(prog="python -m lstmrec.data",
                                     description="Obtain the data sets the course uses (MovieLens-100K and -1M, "
                                                 "Instacart, CollegeMsg), verified by checksum, and print where "
                                                 "each came from.")
    parser.add_argument("--dataset", choices=list(DATASETS),
                        help="obtain only this data set (default: every one a chapter uses)")
    args = parser.parse_args(argv)
    status = 0
    for name in [args.dataset] if args.dataset else list(DATASETS):
        try:
            loaded = DATASETS[name].load()
        except DataError as e:
            print(f"error: {name}: {e}", file=sys.stderr)
            status = 1
            continue
        print(loaded)
        print(f"checksum of the interactions: {loaded.checksum()}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
