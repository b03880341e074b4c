"""Tests of ``lstmrec.course.checks.ch04``: ``activity_windows``, ``early_stopping`` and ``gru_model``.

Learners' answers (slicing, Keras's Sequential and functional APIs, other validation metrics) pass, in both
modes; each usual mistake, written the way a learner would write it, is rejected with its own hint (not
another one), and raises in strict mode; the facts a model is compared on, by hand. Stubs, crashes and strict
raising of every check: ``test_registry.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstmrec.course.checks import ch04

# --- learners' answers -------------------------------------------------------------------------


def learner_activity_windows(active, window):
    active = np.asarray(active)
    last = active.shape[1] - 1  # the period to predict
    return active[:, last - window:last], active[:, last]


def learner_early_stopping():
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)


def learner_early_stopping_on_auc():
    return keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=5, restore_best_weights=True)


def learner_gru_model(window):
    return keras.Sequential([
        keras.Input(shape=(window, 1)),
        keras.layers.GRU(50),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def learner_gru_model_functional(window):
    inputs = keras.Input(shape=(window, 1))
    hidden = keras.layers.GRU(50)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))


def learner_rnn_model(layer, window, activation="sigmoid"):
    return keras.Sequential([keras.Input(shape=(window, 1)), layer(50), keras.layers.Dense(1, activation=activation)])


CORRECT = [
    # (check, a correct answer, the number of cases the check runs)
    pytest.param("activity_windows", learner_activity_windows, 3, id="activity_windows"),
    pytest.param("early_stopping", learner_early_stopping, 1, id="early_stopping"),
    pytest.param("early_stopping", learner_early_stopping_on_auc, 1, id="early-stopping-on-val-auc"),
    pytest.param("gru_model", learner_gru_model, 2, id="gru_model"),
    pytest.param("gru_model", learner_gru_model_functional, 2, id="gru-model-functional-api"),
]

MISTAKES = [
    # (check, a wrong answer, a phrase of the hint that must be printed)
    pytest.param("activity_windows", lambda a, w: (np.asarray(a)[:, a.shape[1] - w:], np.asarray(a)[:, -1]),
                 "that leaks the answer", id="windows-leak"),
    pytest.param("activity_windows", lambda a, w: (np.asarray(a)[:, :w], np.asarray(a)[:, -1]), "not the first ones",
                 id="windows-first"),
    pytest.param("activity_windows", lambda a, w: learner_activity_windows(a, w)[:1] + (np.asarray(a)[:, w],),
                 "the target is the last period", id="windows-target"),
    pytest.param("early_stopping",
                 lambda: keras.callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True),
                 "monitor='loss' watches the TRAINING loss", id="stop-on-loss"),
    pytest.param("early_stopping", lambda: keras.callbacks.EarlyStopping(monitor="val_loss", patience=3),
                 "without restore_best_weights=True", id="stop-no-restore"),
    pytest.param("early_stopping", lambda: keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True),
                 "patience=0 stops at the first epoch", id="stop-patience-0"),  # patience left at its default, 0
    pytest.param("gru_model", lambda w: learner_rnn_model(keras.layers.LSTM, w), "that is still an LSTM",
                 id="gru-is-lstm"),
    pytest.param("gru_model", lambda w: learner_rnn_model(keras.layers.GRU, w, activation=None),
                 "needs activation='sigmoid'", id="gru-no-sigmoid"),
    pytest.param("gru_model", lambda w: learner_rnn_model(keras.layers.SimpleRNN, w), "that is a SimpleRNN",
                 id="gru-is-simple-rnn"),
]
HINTS = [row.values[2] for row in MISTAKES]  # a message names its own hint and none of the others


# --- by hand -----------------------------------------------------------------------------------


def test_early_stopping_not_a_callback_is_wrong(capsys):
    assert bool(ch04.early_stopping(lambda: "val_loss")) is False
    assert capsys.readouterr().out.startswith("[x] early_stopping: wrong on case 'your callback'")


def test_gru_model_facts_by_hand():
    facts = ch04._model_facts(learner_gru_model(6))
    # GRU(50) on 1 feature, reset_after: 3 * (1*50 + 50*50 + 2*50) = 3 * 2650 = 7950; Dense(1): 50 + 1 = 51
    assert facts == {"layers": "GRU-Dense", "recurrent units": 50, "output activation": "sigmoid",
                     "input shape": (6, 1), "parameters": 8001}


def test_gru_model_wrong_units_is_wrong_without_a_hint(capsys):
    assert bool(ch04.gru_model(lambda w: learner_rnn_model(lambda u: keras.layers.GRU(32), w))) is False
    out = capsys.readouterr().out
    assert out.startswith("[x] gru_model: wrong on case 'window 6'") and "Hint" not in out
