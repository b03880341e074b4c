"""Chapter 04's question, built for real: will a user be active in the next period?

Taught in chapter 04 (the source article's first Keras LSTM, on MovieLens).

Each user's history becomes a binary sequence over equal periods of the data's
time span (``data.sequences.activity_matrix``): 1 if they rated anything in that
period. The inputs are the ``window`` periods before the last, the target is
the last period. Users with no activity at all in the input window are left
out: MovieLens-100K keeps only users with 20 or more ratings, so a user who
was never active before the last period is *certainly* active in it, a
certainty that comes from how the data set was built, not from behaviour.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

from lstmrec.data.sequences import activity_matrix


@dataclasses.dataclass(frozen=True)
class ActivityData:
    """Binary activity sequences and next-period targets.

    Attributes:
        x: (n, window, 1) float32, one feature per period (active or not).
        y: (n,) float32, active in the last period.
        user_ids: (n,) raw user ids.
        left_out: users with no activity in the window (all active in the target period).
    """

    x: np.ndarray
    y: np.ndarray
    user_ids: np.ndarray
    left_out: int


def activity_data(interactions: pd.DataFrame, num_periods: int = 7, window: int | None = None) -> ActivityData:
    """Inputs = the ``window`` periods before the last (default: all of them), target = the last period.

    Args:
        interactions: with ``user_id`` and ``timestamp``.
        num_periods: equal periods over the whole time span.
        window: input periods, at most ``num_periods - 1``.

    Returns:
        An ``ActivityData``.

    Raises:
        ValueError: ``window`` out of range.
    """
    window = num_periods - 1 if window is None else window
    if not 1 <= window <= num_periods - 1:
        raise ValueError(f"window={window} must be between 1 and num_periods - 1 = {num_periods - 1}")
    user_ids, active, _ = activity_matrix(interactions, num_periods)  # (users, num_periods)
    x = active[:, -window - 1:-1]  # (users, window): the periods before the last
    y = active[:, -1]  # (users,)
    known = x.sum(axis=1) > 0
    return ActivityData(x[known, :, None].astype("float32"), y[known].astype("float32"), user_ids[known],
                        int((~known).sum()))


def split_users(n: int, test_share: float = 0.2, valid_share: float = 0.15,
                seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint train / validation / test index sets of ``n`` users, in a seeded random order.

    ``test_share`` of all users go to test; ``valid_share`` of the rest to
    validation (for early stopping); no user is in two sets.

    Returns:
        ``(train, valid, test)`` int arrays of row indices.
    """
    if not (0 < test_share < 1 and 0 <= valid_share < 1):
        raise ValueError(f"test_share={test_share} must be in (0, 1) and valid_share={valid_share} in [0, 1)")
    order = np.random.default_rng(seed).permutation(n)
    n_test = round(n * test_share)
    test, rest = order[:n_test], order[n_test:]
    n_valid = round(len(rest) * valid_share)
    return rest[n_valid:], rest[:n_valid], test


def article_model(window: int = 6, cell: str = "LSTM", units: int = 50):
    """The source article's model: ``LSTM(50, tanh)`` -> ``Dense(1, sigmoid)``, binary cross-entropy, Adam.

    In Keras 3 the input shape is given by ``keras.Input((window, 1))`` (the
    article's ``input_shape=`` argument on the layer is the Keras 2 spelling).

    Args:
        window: input periods.
        cell: ``"LSTM"``, ``"GRU"`` or ``"SimpleRNN"``.
        units: the recurrent layer's size.

    Returns:
        A compiled ``keras.Sequential`` reporting accuracy and ROC AUC.
    """
    import keras

    layers = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU, "SimpleRNN": keras.layers.SimpleRNN}
    if cell not in layers:
        raise ValueError(f"cell={cell!r}: choose from {list(layers)}")
    model = keras.Sequential([
        keras.Input((window, 1)),  # (batch, window, 1): one binary feature per period
        layers[cell](units, activation="tanh"),  # (batch, units)
        keras.layers.Dense(1, activation="sigmoid"),  # (batch, 1): P(active next period)
    ], name=f"article_{cell}")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")])
    return model


def fit(model, data: ActivityData, train: np.ndarray, valid: np.ndarray | None = None, epochs: int = 200,
        batch_size: int = 32, callbacks=None) -> tuple[dict, float]:
    """``model.fit`` on the training users, watching the validation users; returns (history, seconds).

    One line per epoch while someone watches (``lstmrec.util.progress``), nothing under ``make run``/``make test``.
    """
    from lstmrec import util

    start = time.perf_counter()
    history = model.fit(data.x[train], data.y[train], epochs=epochs, batch_size=batch_size,
                        verbose=util.progress.keras_verbose(),
                        validation_data=None if valid is None else (data.x[valid], data.y[valid]),
                        callbacks=callbacks or [])
    return history.history, time.perf_counter() - start


def scores(y_true, probability) -> dict[str, float]:
    """ROC AUC (ranking quality, 0.5 = chance) and accuracy at a 0.5 threshold."""
    from sklearn.metrics import roc_auc_score

    y_true, probability = np.asarray(y_true).ravel(), np.asarray(probability, dtype=float).ravel()
    return {"ROC AUC": float(roc_auc_score(y_true, probability)),
            "accuracy": float(np.mean((probability >= 0.5) == (y_true == 1)))}
