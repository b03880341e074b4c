"""Hand-made interaction tables for the tests of ``data.sequences``, ``data.splits`` and ``evaluation.baskets``."""

import pandas as pd


def frame(rows):
    """A DataFrame of ``(user_id, item_id, timestamp)`` rows."""
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


def orders(rows):
    """A DataFrame of ``(user_id, order_number, add_to_cart_order, item_id)`` rows: baskets."""
    return pd.DataFrame(rows, columns=["user_id", "order_number", "add_to_cart_order", "item_id"])
