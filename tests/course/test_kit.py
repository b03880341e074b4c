"""Tests of ``lstmrec.course.kit``: the offline kit's round trip with no network, and every way a kit can be bad.

The round trip uses a small package built here into a local wheel folder, so
it runs offline and in seconds: ``build`` downloads it with pip from that
folder only (``--no-index``), ``unpack`` checks and extracts the archive, a
fresh virtual environment installs from the kit with ``--no-index``, and
``restore`` puts the data and a trained model's files back byte for byte.
The full kit of the course's requirements is measured by ``make kit`` and
``make setup KIT=...`` (see docs/instructor.md).
"""

import io
import json
import pathlib
import subprocess
import sys
import sysconfig
import tarfile
import textwrap

import pytest

from lstmrec import course, util


@pytest.fixture(scope="module")
def local_index(tmp_path_factory):
    """A folder holding one wheel, ``kittest-0.1``, built here without network."""
    root = tmp_path_factory.mktemp("index")
    source = root / "src"
    (source / "kittest").mkdir(parents=True)
    (source / "kittest" / "__init__.py").write_text("ANSWER = 42\n")
    (source / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "kittest"
        version = "0.1"
        [tool.setuptools]
        packages = ["kittest"]
        """))
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(wheels), str(source)], check=True, capture_output=True, timeout=120)
    assert list(wheels.glob("kittest-0.1-*.whl"))
    return wheels


@pytest.fixture(scope="module")
def built(local_index, tmp_path_factory):
    """A kit of kittest plus a data folder with a data file, a trained model and service state."""
    root = tmp_path_factory.mktemp("kit")
    requirements = root / "requirements.txt"
    requirements.write_text("kittest==0.1\n")
    data = root / "data"
    (data / "ml-100k-recbole").mkdir(parents=True)
    (data / "ml-100k-recbole" / "ml-100k.inter").write_text("user_id\titem_id\n1\t2\n")
    (data / "cache" / "models").mkdir(parents=True)
    (data / "cache" / "models" / "abc.weights.h5").write_bytes(bytes(range(256)) * 40)
    (data / "cache" / "models" / "abc.json").write_text('{"best_epoch": 3}')
    (data / "cache" / "serve").mkdir(parents=True)
    (data / "cache" / "serve" / "state.sqlite3").write_text("runtime state")
    (data / ".x.part").write_text("half a download")
    out = root / "kit.tar"
    manifest = course.kit.build(out, requirements, data, pip_args=("--no-index", "--find-links", str(local_index)))
    return out, manifest, data


@pytest.mark.slow
def test_build_writes_wheels_data_models_and_a_manifest(built):
    out, manifest, _ = built
    files = manifest["files"]
    assert any(name.startswith("wheels/kittest-0.1-") for name in files)
    assert {"data/ml-100k-recbole/ml-100k.inter", "data/cache/models/abc.weights.h5", "data/cache/models/abc.json",
            "requirements.txt"} <= set(files)
    assert not any("serve" in name or name.endswith(".part") for name in files)  # no state, no partial downloads
    assert manifest["python"] == course.kit.python_tag() and manifest["with_data"] is True
    assert all(len(digest) == 64 for digest in files.values())
    assert out.exists() and not out.with_name(out.name + ".part").exists()


@pytest.mark.slow
def test_round_trip_installs_with_no_index_and_restores_the_data(built, tmp_path):
    out, manifest, data = built
    unpacked = tmp_path / ".kit"
    assert course.kit.unpack(out, unpacked) == manifest
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links",
                    str(unpacked / "wheels"), "-r", str(unpacked / "requirements.txt")],
                   check=True, capture_output=True, timeout=120)
    shown = subprocess.run([str(python), "-c", "import kittest; print(kittest.ANSWER)"],
                           capture_output=True, text=True, check=True)
    assert shown.stdout == "42\n"
    target = tmp_path / "data"
    assert course.kit.restore(unpacked, target) == 3
    for name in ("ml-100k-recbole/ml-100k.inter", "cache/models/abc.weights.h5", "cache/models/abc.json"):
        assert (target / name).read_bytes() == (data / name).read_bytes()
    assert not list(target.rglob("*.part"))


@pytest.mark.slow
def test_a_kit_without_data(local_index, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("kittest==0.1\n")
    manifest = course.kit.build(
        tmp_path / "k.tar", requirements, None, ("--no-index", "--find-links", str(local_index))
    )
    assert manifest["with_data"] is False and not any(n.startswith("data/") for n in manifest["files"])
    assert course.kit.restore(pathlib.Path(tmp_path / "nothing"), tmp_path / "data") == 0


@pytest.mark.slow
def test_build_says_when_pip_cannot_download(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("no-such-package-anywhere==9.9\n")
    with pytest.raises(course.kit.KitError, match="pip download failed"):
        course.kit.build(tmp_path / "k.tar", requirements, None, ("--no-index", "--find-links", str(tmp_path)))
    assert not (tmp_path / "k.tar").exists()


# --- bad kits ------------------------------------------------------------------------------------------------


def write_tar(path, members, manifest=None):
    with tarfile.open(path, "w") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        if manifest is not None:
            text = json.dumps(manifest).encode()
            info = tarfile.TarInfo("./MANIFEST.json")
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    return path


def good_manifest(files):
    import hashlib

    return {"python": course.kit.python_tag(), "platform": sysconfig.get_platform(), "created": "now",
            "with_data": False, "files": {n: hashlib.sha256(p).hexdigest() for n, p in files.items()}}


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "wheels/../../evil.txt", "a\\..\\b"])
def test_a_member_that_would_escape_is_refused(tmp_path, name):
    archive = write_tar(tmp_path / "bad.tar", {name: b"x"})
    with pytest.raises(course.kit.KitError, match="unsafe member"):
        course.kit.unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.txt").exists()


def test_a_link_is_refused(tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("wheels/x.whl")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(course.kit.KitError, match="is a link or device"):
        course.kit.unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_corrupt_file_is_refused_and_nothing_is_left(tmp_path):
    files = {"./wheels/a.whl": b"good bytes"}
    manifest = good_manifest({"wheels/a.whl": b"other bytes"})
    archive = write_tar(tmp_path / "k.tar", files, manifest)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("the previous kit")
    with pytest.raises(course.kit.KitError, match="wheels/a.whl in the kit is corrupt"):
        course.kit.unpack(archive, tmp_path / "out")
    assert (tmp_path / "out" / "keep.txt").exists() and not (tmp_path / "out.part").exists()


def test_a_missing_file_is_refused(tmp_path):
    manifest = good_manifest({"wheels/a.whl": b"a", "wheels/b.whl": b"b"})
    archive = write_tar(tmp_path / "k.tar", {"./wheels/a.whl": b"a"}, manifest)
    with pytest.raises(course.kit.KitError, match=r"differ from its manifest \(missing: \['wheels/b.whl'\]"):
        course.kit.unpack(archive, tmp_path / "out")


def test_a_kit_for_another_python_is_refused(tmp_path):
    manifest = good_manifest({"wheels/a.whl": b"a"}) | {"python": "3.9"}
    archive = write_tar(tmp_path / "k.tar", {"./wheels/a.whl": b"a"}, manifest)
    with pytest.raises(course.kit.KitError, match=r"the kit is for Python 3.9 .* this is Python 3\.1"):
        course.kit.unpack(archive, tmp_path / "out")


@pytest.mark.parametrize("content, message", [
    (None, "no kit at"),
    (b"not a tar file at all" * 50, "not a readable kit"),
])
def test_a_missing_or_unreadable_archive(tmp_path, content, message):
    archive = tmp_path / "k.tar"
    if content is not None:
        archive.write_bytes(content)
    with pytest.raises(course.kit.KitError, match=message):
        course.kit.unpack(archive, tmp_path / "out")


def test_a_tar_without_manifest_is_not_a_kit(tmp_path):
    archive = write_tar(tmp_path / "k.tar", {"./wheels/a.whl": b"a"})
    with pytest.raises(course.kit.KitError, match="has no MANIFEST.json"):
        course.kit.unpack(archive, tmp_path / "out")


def test_main_reports_a_bad_kit_with_exit_1(tmp_path, capsys):
    assert course.kit.main(["unpack", str(tmp_path / "missing.tar"), str(tmp_path / "out")]) == 1
    assert "kit: no kit at" in capsys.readouterr().err


def test_unpack_runs_with_the_standard_library_only(tmp_path):
    """`make setup KIT=...` runs unpack before the environment exists: no numpy, pandas or TensorFlow."""
    code = ("import sys, lstmrec.course.kit; heavy = {'numpy', 'pandas', 'tensorflow', 'keras'} & set(sys.modules); "
            "print(sorted(heavy))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=util.paths.repo_root())
    assert shown.stdout == "[]\n"
