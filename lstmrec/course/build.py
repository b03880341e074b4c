"""``python -m lstmrec.course.build``: execute the whole course into ``_build/`` (what ``make run`` does).

Every chapter in ``notebooks/`` runs in order, headless, then every solution
in ``solutions/`` (in strict mode, like the tests). Each executed notebook is
written under ``_build/``, and ``course.book`` makes the site around them:
``_build/index.html`` (the contents page), a page per notebook and
``_build/results.html``. ``_build/summary.json`` keeps the run's record (times,
status, headline numbers, machine), from which ``docs/instructor.md``'s run
times are generated. The run ends with a summary: which notebooks ran, in how
long, and the headline metrics each reported through ``chapter.report``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from lstmrec import util
from lstmrec.course import book
from lstmrec.util.files import atomic_write

TIMEOUT = 900  # seconds for one cell


def run_notebook(path: Path, out_dir: Path, strict: bool, report_dir: Path) -> dict:
    """Execute one notebook; write the executed ``<name>.ipynb`` to ``out_dir``.

    Metrics reported with ``chapter.report`` land in ``report_dir/<folder>/``;
    the kernel's stderr in ``out_dir/<name>.kernel.log``.

    Returns:
        ``{"notebook", "seconds", "ok", "error", "metrics"}``.
    """
    nb = nbformat.read(path, as_version=4)
    report_dir = report_dir / path.parent.name  # chapters and solutions report separately
    os.environ["LSTMREC_REPORT_DIR"] = str(report_dir)
    os.environ["LSTMREC_HEADLESS"] = "1"  # a static page: widget demos play their scripted picks
    if strict:
        os.environ["LSTMREC_STRICT"] = "1"
    else:
        os.environ.pop("LSTMREC_STRICT", None)
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = None
    out_dir.mkdir(parents=True, exist_ok=True)
    # The kernel's own stderr (TensorFlow's start-up chatter) goes to a log file, not the summary.
    with open(out_dir / f"{path.stem}.kernel.log", "w") as log:
        try:
            client.execute(stdout=log, stderr=log)
        except CellExecutionError as e:
            error = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
    seconds = time.perf_counter() - start
    noisy = [i for i, cell in enumerate(nb.cells) if util.tflog.output_log_lines(cell.get("outputs"))]
    if error is None and noisy:  # what a learner would see as red start-up noise (lstmrec.util.tflog)
        error = f"TensorFlow log lines in the output of cell {noisy[0]}"
    with atomic_write(out_dir / path.name) as tmp:
        nbformat.write(nb, tmp)
    metrics_file = report_dir / f"{path.stem}.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    return {"notebook": f"{path.parent.name}/{path.name}", "seconds": seconds, "ok": error is None,
            "error": error, "metrics": metrics}


def main(argv: list[str] | None = None) -> int:
    """Run the course; exit 1 if any notebook failed."""
    parser = argparse.ArgumentParser(prog="python -m lstmrec.course.build", description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=str(util.paths.repo_root() / "_build"))
    parser.add_argument("--no-solutions", action="store_true", help="run the chapters only")
    args = parser.parse_args(argv)
    build_dir = Path(args.build_dir)
    report_dir = build_dir / "metrics"
    for old in report_dir.glob("*/*.json"):
        old.unlink()

    jobs = [(p, "notebooks", False) for p in sorted((util.paths.repo_root() / "notebooks").glob("*.ipynb"))]
    if not args.no_solutions:
        jobs += [(p, "solutions", True) for p in sorted((util.paths.repo_root() / "solutions").glob("*.ipynb"))]
    results, executed = [], {}
    total = time.perf_counter()
    for path, folder, strict in jobs:
        print(f"running {folder}/{path.name} ...", flush=True)
        results.append(run_notebook(path, build_dir / folder, strict, report_dir))
        executed[f"{folder}/{path.name}"] = nbformat.read(build_dir / folder / path.name, as_version=4)
    seconds = time.perf_counter() - total
    index = book.write_site(results, executed, build_dir, seconds)
    summary = {"command": "make run", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                   timespec="seconds"), "machine": util.machine.describe(tensorflow=False), "seconds": seconds,
               "results": results}
    with atomic_write(build_dir / "summary.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=1))

    print(f"\nThe course ran in {seconds:.0f} s; open {index}")
    width = max(len(r["notebook"]) for r in results) if results else 10
    for r in results:
        status = "ok" if r["ok"] else f"FAILED ({r['error']})"
        metrics = ", ".join(f"{k}={v}" for k, v in r["metrics"].items())
        print(f"  {r['notebook']:<{width}}  {r['seconds']:6.1f} s  {status}  {metrics}")
    return 0 if all(r["ok"] for r in results) else 1

if __name__ == "__main__":
    sys.exit(main())
