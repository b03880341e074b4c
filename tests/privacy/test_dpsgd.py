"""Tests for ``lstmrec.privacy.dpsgd``: each user's windows by hand, the settings' checks, and the step itself: without
noise and with a bound no gradient reaches, one step on every user is the plain gradient of the mean of the users'
losses; with a small bound, every user's influence is capped."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec import models, privacy
from lstmrec.data.sequences import ItemIndex
from lstmrec.data.splits import LeaveOneOutSplit


def test_user_windows_by_hand():
    # user 0: 1..6 gives pairs (1,2)..(5,6): windows of 2 from the most recent: [5,6]->.., [3,4], [0,1]... keep 2
    x, y = privacy.dpsgd.user_windows([np.arange(1, 7), np.array([4, 5]), np.array([9])], max_len=2, windows_per_user=2)
    assert x.shape == y.shape == (3, 2, 2)
    assert x[0].tolist() == [[2, 3], [4, 5]] and y[0].tolist() == [[3, 4], [5, 6]]
    assert x[1].tolist() == [[0, 0], [0, 4]] and y[1].tolist() == [[0, 0], [0, 5]]
    assert not x[2].any() and not y[2].any()  # one item: nothing to predict


@pytest.mark.parametrize("kwargs, message", [
    ({"noise_multiplier": -1.0}, "noise_multiplier"),
    ({"noise_multiplier": 1.0, "max_norm": 0.0}, "max_norm"),
    ({"noise_multiplier": 1.0, "users_per_step": 0}, "users_per_step"),
    ({"noise_multiplier": 1.0, "windows_per_user": 0}, "windows_per_user"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        privacy.dpsgd.DPConfig(**kwargs)


def test_epsilon_and_steps():
    dp = privacy.dpsgd.DPConfig(noise_multiplier=1.0, users_per_step=10, epochs=2)
    assert dp.sampling_rate(100) == 0.1 and dp.steps(100) == 20
    assert 0 < dp.epsilon(100) < math.inf
    assert privacy.dpsgd.DPConfig(noise_multiplier=0.0).epsilon(100) == math.inf
    with pytest.raises(ValueError, match="delta"):
        privacy.dpsgd.DPConfig(noise_multiplier=1.0, delta=0.02).epsilon(100)  # delta above 1/n


def _split(num_users=6):
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 9, size=int(rng.integers(4, 9))) for _ in range(num_users)]
    return LeaveOneOutSplit(user_ids=np.arange(num_users), train=[s[:-2] for s in seqs],
                            valid_target=np.array([s[-2] for s in seqs]), test_target=np.array([s[-1] for s in seqs]),
                            item_index=ItemIndex.fit(np.arange(1, 13)))  # items 9..12 never occur


CONFIG = models.config.Config(max_len=3, embedding_dim=4, hidden_dim=5, dropout=0.0, lr=0.1)


def _one_step_change(max_norm):
    split = _split()
    dp = privacy.dpsgd.DPConfig(noise_multiplier=0.0, max_norm=max_norm, users_per_step=6, epochs=1, windows_per_user=2,
                        chunk=4)  # q = 1: every user, in two chunks (one padded)
    trained = privacy.dpsgd.train(split, CONFIG, dp, exclude_seen=False)
    assert trained.steps == 1
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(CONFIG.seed)
    start = models.recurrent.build(split.num_items, CONFIG, unroll=True)
    return split, start, trained.recommender.model


@pytest.mark.slow
def test_one_unclipped_step_is_the_plain_gradient():
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    split, start, after = _one_step_change(max_norm=1e6)
    x, y = privacy.dpsgd.user_windows(split.train, CONFIG.max_len, 2)
    with tf.GradientTape() as tape:  # the mean over users of each user's mean loss, by the plain model
        per_user = []
        for xu, yu in zip(x, y):
            w = tf.cast(yu > 0, tf.float32)
            losses = models.training.next_item_loss(yu, start(xu, training=False)) * w
            per_user.append(tf.reduce_sum(losses) / tf.maximum(tf.reduce_sum(w), 1.0))
        loss = tf.add_n(per_user) / len(per_user)
    grads = tape.gradient(loss, start.trainable_variables)
    optimizer = keras.optimizers.Adam(CONFIG.lr)
    optimizer.apply_gradients(zip(grads, start.trainable_variables))
    for a, b in zip(start.trainable_variables, after.trainable_variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


def test_a_small_bound_clips_every_user():
    # (clipping itself is checked by hand in test_privacy; here: the step applies it to every sampled user)
    trained = privacy.dpsgd.train(
        _split(),
        CONFIG,
        privacy.dpsgd.DPConfig(noise_multiplier=0.0, max_norm=1e-3, users_per_step=6, epochs=1, chunk=4),
        exclude_seen=False,
    )
    assert trained.history["clipped"] == [1.0]
