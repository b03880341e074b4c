"""``python -m lstmrec.serve``: the real-time service on 127.0.0.1, or (``--bench``) its measurements.

``serve.service`` answers the requests; ``serve.loadtest`` measures it. This
command line is the one place that knows both.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from lstmrec import util
from lstmrec.serve import loadtest
from lstmrec.serve.service import Service, create_app, default_artefact


def main(argv: list[str] | None = None) -> int:
    """``python -m lstmrec.serve [--port 8000] [--artefact DIR] [--db FILE] [--bench]``."""
    parser = argparse.ArgumentParser(prog="python -m lstmrec.serve",
                                     description="Serve the course's LSTM recommender over HTTP on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--dataset", default="ml-100k", choices=["ml-100k", "ml-1m"],
                        help="whose course model to serve when --artefact is not given")
    parser.add_argument("--artefact", type=Path, help="a folder from serve.export.save_artefact "
                                                      "(default: the course's model, exported if missing)")
    parser.add_argument("--db", type=Path, help="the state file (default data/serve/<dataset>.sqlite3)")
    parser.add_argument("--synchronous", default="NORMAL", choices=["NORMAL", "FULL"],
                        help="NORMAL survives a process crash; FULL also a power cut (one fsync per event)")
    parser.add_argument("--bench", action="store_true", help="measure the service and print its figures")
    args = parser.parse_args(argv)
    util.tflog.import_tensorflow()  # before anything imports it: no start-up log lines in the terminal
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} is not a TCP port (1-65535)")
    artefact = args.artefact or default_artefact(args.dataset)
    db = args.db or util.paths.data_dir() / "serve" / f"{args.dataset}.sqlite3"
    if args.bench:
        return loadtest.main(artefact)
    import uvicorn

    service = Service(artefact, db, args.synchronous)
    print(f"serving {artefact.name} (model {service.version}) on http://{args.host}:{args.port}, "
          f"state in {db}", flush=True)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT (finishing the requests in flight), then re-raises the
    # signal to the handler that was there before it: make that handler an ordinary exit with status 0.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="warning", access_log=False)
    except KeyboardInterrupt:
        pass
    finally:
        service.store.close()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
