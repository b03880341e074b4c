"""Chapter 04's checks. A first Keras LSTM: activity windows, early stopping, a GRU model."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def activity_windows(answer: Callable[[np.ndarray, int], tuple]) -> CheckResult:
    """Check ``activity_windows(active, window)``: inputs and target for every user.

    The inputs are the ``window`` periods before the last; the target is the last.
    """
    active = np.array([[1, 0, 1, 1, 0, 1],
                       [0, 0, 1, 0, 1, 0],
                       [1, 1, 0, 0, 0, 1]])  # (3 users, 6 periods)
    cases = [Case("6 periods, window 3", (active, 3)), Case("6 periods, window 5", (active, 5)),
             Case("6 periods, window 1", (active, 1))]

    def reference(a, w):
        a = np.asarray(a)
        return (a[:, -w - 1:-1], a[:, -1])

    mistakes = [
        Mistake(lambda a, w: (np.asarray(a)[:, -w:], np.asarray(a)[:, -1]),
                "the inputs include the period being predicted: that leaks the answer (accuracy 100% for nothing). "
                "Take the window periods BEFORE the last: active[:, -window-1:-1]."),
        Mistake(lambda a, w: (np.asarray(a)[:, :w], np.asarray(a)[:, -1]),
                "take the most recent periods before the target, not the first ones."),
        Mistake(lambda a, w: (np.asarray(a)[:, -w - 1:-1], np.asarray(a)[:, w]),
                "the target is the last period, active[:, -1]."),
    ]
    return check("activity_windows", converted(answer, tuple), reference, cases, mistakes)


def _early_stopping_facts(callback) -> dict:
    import keras

    return {
        "is an EarlyStopping callback": isinstance(callback, keras.callbacks.EarlyStopping),
        "watches a validation metric": str(getattr(callback, "monitor", "")).startswith("val_"),
        "restores the best weights": bool(getattr(callback, "restore_best_weights", False)),
        "waits at least one epoch": int(getattr(callback, "patience", 0)) >= 1,
    }


def early_stopping(answer: Callable[[], Any]) -> CheckResult:
    """Check ``make_early_stopping()``: a Keras callback that stops on validation and keeps the best epoch."""
    import keras

    expected = {key: True for key in _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="val_loss"))}
    mistakes = [
        Mistake(lambda: _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="loss", patience=5,
                                                                              restore_best_weights=True)),
                "monitor='loss' watches the TRAINING loss, which keeps falling while the model overfits: "
                "monitor a validation metric such as 'val_loss'."),
        Mistake(lambda: _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="val_loss", patience=5)),
                "without restore_best_weights=True the model keeps the weights of the LAST epoch, "
                "`patience` epochs after the best one."),
        Mistake(lambda: _early_stopping_facts(keras.callbacks.EarlyStopping(monitor="val_loss", patience=0,
                                                                              restore_best_weights=True)),
                "patience=0 stops at the first epoch that does not improve: validation scores are noisy, wait a few."),
    ]
    return check("early_stopping", converted(answer, _early_stopping_facts), lambda: expected,
                 [Case("your callback")], mistakes)


def _model_facts(model) -> dict:
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return {
        "layers": "-".join(type(layer).__name__ for layer in layers),
        "recurrent units": getattr(layers[0], "units", None) if layers else None,
        "output activation": getattr(getattr(layers[-1], "activation", None), "__name__", None) if layers else None,
        "input shape": tuple(model.inputs[0].shape[1:]) if model.inputs else None,
        "parameters": model.count_params(),
    }


def gru_model(answer: Callable[[int], Any]) -> CheckResult:
    """Check ``build_gru_model(window)``: the article's model with ``keras.layers.GRU(50)`` in place of the LSTM."""
    import keras

    def build(layer, window, units=50, activation="sigmoid"):
        return keras.Sequential([keras.Input((window, 1)), layer(units), keras.layers.Dense(1, activation=activation)])

    cases = [Case("window 6", (6,)), Case("window 12", (12,))]
    mistakes = [
        Mistake(lambda w: _model_facts(build(keras.layers.LSTM, w)), "that is still an LSTM: use keras.layers.GRU."),
        Mistake(lambda w: _model_facts(build(keras.layers.GRU, w, activation=None)),
                "the output needs activation='sigmoid' to be a probability for binary cross-entropy."),
        Mistake(lambda w: _model_facts(build(keras.layers.SimpleRNN, w)), "that is a SimpleRNN: use keras.layers.GRU."),
    ]
    return check("gru_model", converted(answer, _model_facts), lambda w: _model_facts(build(keras.layers.GRU, w)),
                 cases, mistakes)
