"""Tiny Instacart files for the tests of ``lstmrec.data.instacart``, in the real sample's format, and the table
they must parse to (computed by hand).

Three users in the file's order 7, 2, 5 (not the id order). User 2's order ids do not follow its order numbers
(23 is its first order), so only ``order_number`` gives the order. User 5 is the file's last user: the cut at
row 150,000 may have split their basket, so ``parse`` drops them by default.
"""

from __future__ import annotations

import pandas as pd

from lstmrec import data

HEADER = ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id," \
         "add_to_cart_order,reordered"
FIELDS = HEADER.split(",")[1:]  # the named columns, after the unnamed index

# Three users in the file's order 7, 2, 5 (not the id order). User 2's order ids do not follow
# its order numbers (23 is its first order), so only order_number gives the order. User 5 is the
# file's last user: the cut at row 150,000 may have split their basket.
ROWS = [  # order_id, user_id, order_number, dow, hour, days, product_id, add_to_cart_order, reordered
    ("71", "7", "1", "2", "8", "", "196", "1.0", "0.0"),
    ("71", "7", "1", "2", "8", "", "14084", "2.0", "0.0"),
    ("72", "7", "2", "3", "7", "15.0", "196", "1.0", "1.0"),
    ("72", "7", "2", "3", "7", "15.0", "13176", "2.0", "0.0"),
    ("72", "7", "2", "3", "7", "15.0", "14084", "3.0", "1.0"),
    ("23", "2", "1", "0", "23", "", "13176", "1.0", "0.0"),
    ("21", "2", "2", "6", "0", "30.0", "196", "1.0", "0.0"),
    ("21", "2", "2", "6", "0", "30.0", "13176", "2.0", "1.0"),
    ("22", "2", "3", "1", "12", "0.0", "13176", "1.0", "1.0"),
    ("51", "5", "1", "4", "9", "", "5", "1.0", "0.0"),
    ("51", "5", "1", "4", "9", "", "196", "2.0", "0.0"),
]
NAN = float("nan")
EXPECTED_ALL = pd.DataFrame(
    [  # user, order, number, cart, item, reordered, days, dow, hour: by user, order number, cart position
        (2, 23, 1, 1, 13176, 0, NAN, 0, 23),
        (2, 21, 2, 1, 196, 0, 30.0, 6, 0),
        (2, 21, 2, 2, 13176, 1, 30.0, 6, 0),
        (2, 22, 3, 1, 13176, 1, 0.0, 1, 12),
        (5, 51, 1, 1, 5, 0, NAN, 4, 9),
        (5, 51, 1, 2, 196, 0, NAN, 4, 9),
        (7, 71, 1, 1, 196, 0, NAN, 2, 8),
        (7, 71, 1, 2, 14084, 0, NAN, 2, 8),
        (7, 72, 2, 1, 196, 1, 15.0, 3, 7),
        (7, 72, 2, 2, 13176, 0, 15.0, 3, 7),
        (7, 72, 2, 3, 14084, 1, 15.0, 3, 7),
    ],
    columns=list(data.instacart.COLUMNS),
).astype({c: "int64" for c in data.instacart.COLUMNS if c != "days_since_prior_order"})
EXPECTED = EXPECTED_ALL[EXPECTED_ALL.user_id != 5].reset_index(drop=True)  # user 5, the file's last, dropped


def csv_bytes(rows=ROWS, drop: str | None = None, index: bool = True) -> bytes:
    """The rows as the sample writes them: header, then ``index,fields...`` lines; ``drop`` leaves out a column."""
    keep = [i for i, name in enumerate(FIELDS) if name != drop]
    names = [FIELDS[i] for i in keep]
    lines = [("," if index else "") + ",".join(names)]
    for n, row in enumerate(rows):
        lines.append((f"{n}," if index else "") + ",".join(row[i] for i in keep))
    return ("\n".join(lines) + "\n").encode()


def changed(row: int, **fields: str) -> list[tuple[str, ...]]:
    """ROWS with ``fields`` of row ``row`` (0-based) replaced."""
    rows = [list(r) for r in ROWS]
    for name, value in fields.items():
        rows[row][FIELDS.index(name)] = value
    return [tuple(r) for r in rows]
