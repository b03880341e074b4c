"""The offline workshop kit: everything a room without internet needs, in one archive.

``make kit`` (``python -m lstmrec.course.kit build``) writes ``_build/lstm-course-kit-<python>-<platform>.tar`` with:

- ``wheels/``: every package of ``requirements.txt`` for this Python and
  platform (``pip download``), so attendees need the same OS and Python version;
- ``data/``: the verified data the course has obtained (MovieLens, Instacart,
  CollegeMsg), ``data/cache/models/``, the trained models, and
  ``data/cache/baselines/``, the baselines' searches, so no one waits for
  training in class (``--no-data`` leaves them out; see the licence note);
- ``MANIFEST.json``: the SHA-256 of every file, the Python version, the platform,
  and the ``requirements.txt`` it was made from.

``make setup KIT=path`` installs from it with no network:
``python -m lstmrec.course.kit unpack`` checks the archive (names that stay inside
``.kit/``, regular files only, every checksum, the Python version and
platform), then pip installs with ``--no-index --find-links .kit/wheels``, and
``python -m lstmrec.course.kit restore`` copies the data into the course's data folder.

This module imports the standard library only (and ``lstmrec.data.fetch`` inside
``build`` and ``restore``): ``unpack`` runs before the course's environment
exists, with whatever ``python3`` the machine has.

Licence: MovieLens may not be redistributed without GroupLens's permission.
A kit with data is for your own workshop's machines; to hand it out more
widely, build it with ``--no-data`` (then attendees download the data once).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path

from lstmrec.util import files, paths

MANIFEST = "MANIFEST.json"
SKIP_DATA = ("cache/serve",)  # runtime state of chapter 09's service: not part of a fresh set-up


class KitError(RuntimeError):
    """The kit is missing, corrupt, unsafe or for another machine; the message says what to do."""


def python_tag() -> str:
    """``"3.11"``: wheels are made for one Python version."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def kit_name() -> str:
    """The archive's file name for this Python and platform."""
    return f"lstm-course-kit-py{python_tag()}-{sysconfig.get_platform().replace('-', '_')}.tar"


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _data_files(data: Path) -> list[Path]:
    """The files under the data folder a kit carries (no partial downloads, no service state)."""
    files = []
    for path in sorted(data.rglob("*")):
        relative = path.relative_to(data).as_posix()
        if (path.is_file() and not path.name.endswith(".part") and not path.name.startswith(".")
                and not any(relative.startswith(skip) for skip in SKIP_DATA)):
            files.append(path)
    return files


def build(out: Path, requirements: Path, data: Path | None, pip_args: tuple[str, ...] = ()) -> dict:
    """Write the kit archive: wheels, data, manifest.

    Args:
        out: the ``.tar`` to write (atomically: a temporary file renamed into place).
        requirements: the ``requirements.txt`` whose packages go in.
        data: the data folder to carry, or None for no data.
        pip_args: extra ``pip download`` arguments (the tests use a local index).

    Returns:
        the manifest.
    """
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kit"
        wheels = root / "wheels"
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                               "-r", str(requirements), "-d", str(wheels), *pip_args],
                              capture_output=True, text=True)
        if done.returncode:
            raise KitError(f"pip download failed for {requirements}:\n{done.stderr[-2000:]}")
        shutil.copyfile(requirements, root / "requirements.txt")
        if data is not None:
            for path in _data_files(data):
                target = root / "data" / path.relative_to(data)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        files = {p.relative_to(root).as_posix(): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}
        manifest = {"python": python_tag(), "platform": sysconfig.get_platform(),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "with_data": data is not None,
                    "files": files}
        (root / MANIFEST).write_text(json.dumps(manifest, indent=1))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w") as archive:
            archive.add(root, arcname=".")
        os.replace(partial, out)
    return manifest


def unpack(archive: Path, dest: Path) -> dict:
    """Check and extract a kit into ``dest`` (replaced); return its manifest.

    Raises:
        KitError: the archive is missing or not a tar file; a member would escape
            ``dest`` or is not a regular file or folder; a file's checksum differs
            from the manifest or a file is missing; the kit is for another Python
            or platform. Nothing half-extracted is left at ``dest``.
    """
    if not archive.is_file():
        raise KitError(f"no kit at {archive}: make one with `make kit` on a machine with internet")
    staging = dest.with_name(dest.name + ".part")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    if member.name in (".", "./"):
                        continue
                    try:
                        target = files.safe_member_path(member.name, staging)
                    except files.DataError as e:
                        raise KitError(f"unsafe member {member.name!r} in the kit: {e}. The archive is not a "
                                       "course kit; it was not extracted.") from None
                    if not (member.isfile() or member.isdir()):
                        raise KitError(f"member {member.name!r} is a link or device, not a file: not a course kit")
                    if member.isdir():
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out)
        except (tarfile.TarError, EOFError, OSError) as e:
            raise KitError(f"{archive} is not a readable kit ({e}): copy it again or rebuild it with `make kit`") from e
        if not (staging / MANIFEST).is_file():
            raise KitError(f"{archive} has no {MANIFEST}: it is not a course kit")
        manifest = json.loads((staging / MANIFEST).read_text())
        if manifest.get("python") != python_tag() or manifest.get("platform") != sysconfig.get_platform():
            raise KitError(f"the kit is for Python {manifest.get('python')} on {manifest.get('platform')}; this is "
                           f"Python {python_tag()} on {sysconfig.get_platform()}. Build a kit on a machine like "
                           "the attendees', or give make the matching Python: make setup KIT=... PYTHON=...")
        present = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()} - {MANIFEST}
        listed = set(manifest["files"])
        if present != listed:
            raise KitError(f"the kit's files differ from its manifest (missing: {sorted(listed - present)[:3]}, "
                           f"extra: {sorted(present - listed)[:3]}): rebuild it")
        for name, digest in manifest["files"].items():
            if _sha256(staging / name) != digest:
                raise KitError(f"{name} in the kit is corrupt (SHA-256 differs from the manifest): copy the kit "
                               "again or rebuild it")
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(staging, dest)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore(kit_dir: Path, data: Path) -> int:
    """Copy an unpacked kit's data (and trained models) into the data folder; return how many files.

    Each file is copied to a temporary name and renamed into place, so an
    interrupted copy leaves no half-written file.
    """
    source = kit_dir / "data"
    count = 0
    for path in _data_files(source) if source.exists() else []:
        target = data / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part")
        shutil.copy2(path, partial)
        os.replace(partial, target)
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstmrec.course.kit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("build", help="write the kit (needs the package index)")
    make.add_argument("--out", type=Path, default=None, help="the .tar to write (default _build/<kit name>)")
    make.add_argument("--no-data", action="store_true", help="leave the data and trained models out")
    opened = sub.add_parser("unpack", help="check and extract a kit (standard library only)")
    opened.add_argument("archive", type=Path)
    opened.add_argument("dest", type=Path)
    put = sub.add_parser("restore", help="copy an unpacked kit's data into the course's data folder")
    put.add_argument("kit_dir", type=Path)
    args = parser.parse_args(argv)
    root = paths.repo_root()
    try:
        if args.command == "build":
            out = args.out or root / "_build" / kit_name()
            start = time.perf_counter()
            manifest = build(out, root / "requirements.txt", None if args.no_data else paths.data_dir())
            wheels = sum(name.startswith("wheels/") for name in manifest["files"])
            data = sum(name.startswith("data/") for name in manifest["files"])
            print(f"{out}: {out.stat().st_size / 1e6:.0f} MB, {wheels} wheels, {data} data and model files, "
                  f"for Python {manifest['python']} on {manifest['platform']} ({time.perf_counter() - start:.0f} s)")
        elif args.command == "unpack":
            manifest = unpack(args.archive, args.dest)
            print(f"kit checked and unpacked into {args.dest}: {len(manifest['files'])} files, "
                  f"made {manifest['created']}")
        else:
            print(f"restored {restore(args.kit_dir, paths.data_dir())} data and model files into {paths.data_dir()}")
    except KitError as e:
        print(f"kit: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
