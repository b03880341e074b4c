"""``python -m lstmrec.course {sync,check,strip,refresh}``: the maintainers' notebook commands.

Each is a function of ``course.notebooks``.
"""

from __future__ import annotations

import argparse

from lstmrec.course.notebooks import all_notebooks, refresh, strip, sync


def main(argv: list[str] | None = None) -> int:
    """``python -m lstmrec.course {sync,check,strip,refresh} [--check] [paths]``."""
    parser = argparse.ArgumentParser(prog="python -m lstmrec.course", description=main.__doc__)
    parser.add_argument("command", choices=["sync", "check", "strip", "refresh"])
    parser.add_argument("paths", nargs="*", help="notebooks to strip or refresh (default: all)")
    parser.add_argument("--check", action="store_true", help="strip: change nothing, exit 1 if a notebook would change")
    args = parser.parse_intermixed_args(argv)
    if args.command == "refresh":
        for p in args.paths or all_notebooks():
            print(f"refreshing {p}", flush=True)
            refresh(p)
        return 0
    if args.command == "strip":
        dirty = [p for p in args.paths or all_notebooks() if strip(p, write=not args.check)]
        for p in dirty:
            print(("would strip " if args.check else "stripped ") + p)
        return 1 if (dirty and args.check) else 0
    changed = sync(write=args.command == "sync")
    for c in changed:
        print(("updated " if args.command == "sync" else "stale: ") + c)
    return 1 if (changed and args.command == "check") else 0


if __name__ == "__main__":
    raise SystemExit(main())
