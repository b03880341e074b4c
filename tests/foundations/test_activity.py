"""Tests of ``lstmrec.foundations.activity``: chapter 04's next-period activity data, split, model and scores."""

import numpy as np
import pandas as pd
import pytest

from lstmrec import foundations

DAY = 86400


def frame():
    # 4 users over 3 equal periods of [0, 30 days]: edges at 0, 10, 20, 30 days
    rows = [(1, 0), (1, 25), (2, 12), (2, 29), (3, 28), (3, 30), (4, 1), (4, 15)]
    return pd.DataFrame([(u, 1, d * DAY) for u, d in rows], columns=["user_id", "item_id", "timestamp"])


def test_activity_data_inputs_target_and_left_out_users():
    data = foundations.activity.activity_data(frame(), num_periods=3)
    # active: user 1 [1, 0, 1], user 2 [0, 1, 1], user 3 [0, 0, 1] (left out), user 4 [1, 1, 0]
    assert data.user_ids.tolist() == [1, 2, 4]
    assert data.x[:, :, 0].tolist() == [[1, 0], [0, 1], [1, 1]]
    assert data.y.tolist() == [1, 1, 0]
    assert data.left_out == 1
    assert data.x.dtype == np.float32 and data.x.shape == (3, 2, 1)


def test_activity_data_window_takes_the_periods_just_before_the_last():
    data = foundations.activity.activity_data(frame(), num_periods=3, window=1)
    # period 2 only: users 2 and 4 were active in it; users 1 and 3 are left out
    assert data.user_ids.tolist() == [2, 4] and data.left_out == 2


@pytest.mark.parametrize("window", [0, 3, 10])
def test_activity_data_bad_window(window):
    with pytest.raises(ValueError, match=f"window={window} must be between 1 and num_periods - 1 = 2"):
        foundations.activity.activity_data(frame(), num_periods=3, window=window)


def test_split_users_is_disjoint_complete_and_seeded():
    train, valid, test = foundations.activity.split_users(100, 0.2, 0.15, seed=1)
    assert len(test) == 20 and len(valid) == 12 and len(train) == 68  # 15% of the 80 left, rounded
    assert sorted(np.concatenate([train, valid, test]).tolist()) == list(range(100))
    again = foundations.activity.split_users(100, 0.2, 0.15, seed=1)
    assert all((a == b).all() for a, b in zip((train, valid, test), again))
    other = foundations.activity.split_users(100, 0.2, 0.15, seed=2)
    assert not (other[2] == test).all()


@pytest.mark.parametrize("test_share, valid_share", [(0, 0.1), (1, 0.1), (0.2, 1.0), (0.2, -0.1)])
def test_split_users_bad_shares(test_share, valid_share):
    with pytest.raises(ValueError, match="must be in"):
        foundations.activity.split_users(10, test_share, valid_share)


@pytest.mark.parametrize("cell, params", [
    ("LSTM", 4 * (50 * (1 + 50) + 50) + 51),  # 10400 + Dense 51 = 10451
    ("GRU", 3 * (50 * (1 + 50) + 2 * 50) + 51),  # reset_after: two biases per gate, 7950 + 51
    ("SimpleRNN", 50 * (1 + 50) + 50 + 51),  # 2600 + 51
])
def test_article_model_matches_the_article(cell, params):
    model = foundations.activity.article_model(window=6, cell=cell)
    assert model.input_shape == (None, 6, 1) and model.output_shape == (None, 1)
    assert model.layers[-1].activation.__name__ == "sigmoid"
    assert model.count_params() == params


def test_article_model_unknown_cell():
    with pytest.raises(ValueError, match="cell='CNN'"):
        foundations.activity.article_model(cell="CNN")


def test_scores_hand_computed():
    # positives score 0.9 and 0.4, negatives 0.6 and 0.1: 3 of the 4 (positive, negative) pairs ordered right
    s = foundations.activity.scores([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1])
    assert s["ROC AUC"] == pytest.approx(0.75)
    assert s["accuracy"] == pytest.approx(0.5)  # 0.9 right, 0.4 wrong, 0.6 wrong, 0.1 right


@pytest.mark.slow
def test_fit_returns_history_and_seconds():
    import keras

    keras.utils.set_random_seed(0)
    data = foundations.activity.activity_data(frame(), num_periods=3)
    model = foundations.activity.article_model(window=2, units=2)
    history, seconds = foundations.activity.fit(model, data, np.array([0, 1]), np.array([2]), epochs=2, batch_size=2)
    assert len(history["loss"]) == 2 and "val_loss" in history and seconds > 0
