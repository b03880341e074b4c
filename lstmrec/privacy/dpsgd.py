"""User-level DP-SGD for the course's model, written by hand in Keras 3 (TensorFlow backend).

Taught in chapter 11 (privacy, 数据隐私). ``tensorflow-privacy`` would be the
library for this, but its last release (0.9.0) needs NumPy 1.x, Python < 3.12
and Keras 2's optimizers, so it cannot run with the course's pinned TF 2.21
and Keras 3; the step is written here instead, from ``lstmrec.privacy.dp``'s parts.

One step (Abadi et al., 2016; McMahan et al., 2018 for users as the unit):

    1. Poisson sampling: every user joins the batch with probability q, independently.
    2. Per-user gradient g_u of the user's loss (the mean over their positions
       in their ``windows_per_user`` most recent windows), all at once with
       ``tf.vectorized_map`` (no Python loop over users).
    3. Clip: g_u <- g_u min(1, C / ||g_u||).
    4. Noise: G = sum_u g_u + N(0, sigma^2 C^2 I); update with G / (q n),
       the expected batch size n q, by Adam (a post-processing of G: no further privacy cost).

``dp.epsilon(q, sigma, steps, delta)`` then bounds what the whole run
reveals about any one user. Dropout is off (the noise regularises), and the
recurrence is unrolled (``models.recurrent.build(unroll=True)``): ``vectorized_map``
cannot vectorise Keras's LSTM loop.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from lstmrec import models
from lstmrec.data.sequences import training_windows
from lstmrec.data.splits import LeaveOneOutSplit
from lstmrec.privacy import dp as mechanism  # the settings are called dp below, as in the chapter


def user_windows(sequences: list[np.ndarray], max_len: int, windows_per_user: int) -> tuple[np.ndarray, np.ndarray]:
    """Each user's ``windows_per_user`` most recent training windows, stacked per user.

    A user with fewer windows gets all-padding windows first (weight 0: no
    gradient); a user's older windows beyond the cap are not used, which is what
    bounds one user's contribution to a fixed number of positions.

    Returns:
        ``(inputs, targets)``, each (num_users, windows_per_user, max_len) int32, most recent window last.

    Example:
        >>> x, y = user_windows([np.array([1, 2, 3, 4, 5]), np.array([7])], max_len=2, windows_per_user=1)
        >>> x.tolist(), y.tolist()
        ([[[3, 4]], [[0, 0]]], [[[4, 5]], [[0, 0]]])
    """
    if windows_per_user < 1:
        raise ValueError(f"windows_per_user={windows_per_user} must be at least 1")
    inputs, targets = training_windows(sequences, max_len)  # (W, T): users in order, oldest window first
    pairs = np.maximum(np.array([len(s) for s in sequences], dtype=np.int64) - 1, 0)  # (U,)
    count = -(-pairs // max_len)  # (U,) windows per user
    end = np.cumsum(count)  # (U,) one past each user's last window
    rows = end[:, None] - windows_per_user + np.arange(windows_per_user)[None, :]  # (U, K) wanted window rows
    valid = rows >= (end - count)[:, None]  # (U, K): the user has that many windows
    padded_in = np.vstack([inputs, np.zeros((1, max_len), np.int32)])  # last row: an all-padding window
    padded_out = np.vstack([targets, np.zeros((1, max_len), np.int32)])
    rows = np.where(valid, rows, len(inputs))
    return padded_in[rows], padded_out[rows]


@dataclasses.dataclass(frozen=True)
class DPConfig:
    """The privacy settings of a DP-SGD run.

    Attributes:
        noise_multiplier: sigma; 0 trains with clipping but no noise (epsilon = infinity).
        max_norm: C, the bound on one user's gradient.
        users_per_step: the expected batch n q (q = users_per_step / n).
        epochs: passes over the users in expectation; steps = ceil(epochs / q).
        windows_per_user: how many of a user's most recent windows count (``user_windows``).
        delta: the delta of (epsilon, delta); must be below 1 / n (``dp.check_delta``).
        chunk: users per vectorised gradient call (memory, not privacy).
    """

    noise_multiplier: float
    max_norm: float = 1.0
    users_per_step: int = 64
    epochs: int = 10
    windows_per_user: int = 2
    delta: float = 1e-5
    chunk: int = 64

    def __post_init__(self):
        if self.noise_multiplier < 0 or not self.max_norm > 0:
            raise ValueError(f"noise_multiplier={self.noise_multiplier} must be >= 0, max_norm={self.max_norm} > 0")
        for name in ("users_per_step", "epochs", "windows_per_user", "chunk"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")

    def sampling_rate(self, num_users: int) -> float:
        """q = users_per_step / num_users (at most 1)."""
        return min(1.0, self.users_per_step / num_users)

    def steps(self, num_users: int) -> int:
        """ceil(epochs / q)."""
        return math.ceil(self.epochs / self.sampling_rate(num_users))

    def epsilon(self, num_users: int) -> float:
        """The epsilon of the whole run at ``delta`` (``dp.epsilon``, RDP); infinity without noise."""
        mechanism.check_delta(self.delta, num_users)
        if self.noise_multiplier == 0:
            return math.inf
        return mechanism.epsilon(self.sampling_rate(num_users), self.noise_multiplier, self.steps(num_users),
                                 self.delta)


@dataclasses.dataclass
class DPTrained:
    """A DP-SGD run: the model, what it cost in privacy, and its record.

    Attributes:
        recommender: the trained model, ready to ``score``.
        dp: the settings.
        epsilon: the privacy spent (``DPConfig.epsilon``).
        steps: steps taken.
        history: per epoch, ``val_NDCG@10`` (reported, never used to choose anything:
            choosing on private data would spend privacy too) and ``clipped``
            (the share of sampled users whose gradient was clipped).
        seconds: training wall time.
    """

    recommender: models.recommender.Recommender
    dp: DPConfig
    epsilon: float
    steps: int
    history: dict
    seconds: float


def train(split: LeaveOneOutSplit, config: models.config.Config, dp: DPConfig, k: int = 10, log=None,
          exclude_seen: bool = True) -> DPTrained:
    """Train ``models.recurrent.build``'s model on ``split.train`` with user-level DP-SGD (module docstring).

    Args:
        split: its users are the ones protected; n = ``split.num_users``.
        config: the model (its dropout is ignored: set to 0) and Adam's learning rate.
        dp: the privacy settings.
        k: the cut-off of the validation metric reported each epoch.
        log: a function given one line per epoch, or None.
        exclude_seen: the candidate rule of that metric.

    Returns:
        A ``DPTrained``.
    """
    import keras
    import tensorflow as tf

    from lstmrec.evaluation.ranking import evaluate

    n = split.num_users
    q, steps = dp.sampling_rate(n), dp.steps(n)
    eps = dp.epsilon(n)  # also checks delta against 1/n before any work
    config = dataclasses.replace(config, dropout=0.0)
    keras.utils.set_random_seed(config.seed)
    model = models.recurrent.build(split.num_items, config, unroll=True)
    optimizer = keras.optimizers.Adam(config.lr)
    optimizer.build(model.trainable_variables)
    variables = model.trainable_variables
    x_all, y_all = user_windows(split.train, config.max_len, dp.windows_per_user)  # (n, K, T) each
    x_all = np.concatenate([x_all, np.zeros_like(x_all[:1])])  # row n: a user with no data (pads a chunk)
    y_all = np.concatenate([y_all, np.zeros_like(y_all[:1])])

    @tf.function
    def clipped_sum(x, y):  # x, y: (chunk, K, T)
        values = [v.value for v in variables]
        fixed = [v.value for v in model.non_trainable_variables]  # the seed state Keras keeps: not trained

        def one_user(args):
            xu, yu = args  # (K, T) each
            with tf.GradientTape() as tape:
                tape.watch(values)
                logits, _ = model.stateless_call(values, fixed, xu, training=False)  # (K, T, N)
                weights = tf.cast(yu > 0, tf.float32)  # (K, T)
                losses = models.training.next_item_loss(yu, logits) * weights  # (K, T)
                loss = tf.reduce_sum(losses) / tf.maximum(tf.reduce_sum(weights), 1.0)  # the user's mean
            return [tf.convert_to_tensor(g) for g in tape.gradient(loss, values)]

        per_user = tf.vectorized_map(one_user, (x, y), fallback_to_while_loop=False)  # each (chunk, *shape)
        clipped, norms = mechanism.clip_per_user(per_user, dp.max_norm)
        has_data = tf.reduce_any(y > 0, axis=[1, 2])  # (chunk,)
        n_clipped = tf.reduce_sum(tf.cast(has_data & (norms > dp.max_norm), tf.float32))
        return [tf.reduce_sum(g, axis=0) for g in clipped], n_clipped

    rng = np.random.default_rng(config.seed)
    noise_seed = keras.random.SeedGenerator(config.seed)
    history = {f"val_NDCG@{k}": [], "clipped": []}
    steps_per_epoch = max(1, round(1 / q))
    sampled = clipped_count = 0
    start = time.perf_counter()
    recommender = None  # built at the first evaluation
    for step in range(steps):
        users = np.flatnonzero(rng.random(n) < q)  # Poisson sampling: the batch size varies
        total = [tf.zeros_like(v) for v in variables]
        for begin in range(0, max(len(users), 1), dp.chunk):
            idx = np.full(dp.chunk, n)  # padded with the empty user
            part = users[begin:begin + dp.chunk]
            idx[:len(part)] = part
            sums, n_clipped = clipped_sum(tf.constant(x_all[idx]), tf.constant(y_all[idx]))
            total = [a + b for a, b in zip(total, sums)]
            clipped_count += float(n_clipped)
        sampled += len(users)
        noisy = mechanism.noisy_sum([t[None] for t in total], dp.max_norm, dp.noise_multiplier, seed=noise_seed)
        optimizer.apply_gradients(zip([g / (q * n) for g in noisy], variables))
        if (step + 1) % steps_per_epoch == 0 or step + 1 == steps:
            if recommender is None:  # one for the run: its compiled graph reads the weights as they are
                recommender = models.recommender.Recommender(model, config, split.num_items)
            val = evaluate(recommender.score, split.histories("valid"), split.targets("valid"), split.num_items, k=k,
                           exclude_seen=exclude_seen).metrics((k,))[f"NDCG@{k}"]
            history[f"val_NDCG@{k}"].append(float(val))
            history["clipped"].append(clipped_count / max(sampled, 1))
            sampled = clipped_count = 0
            if log:
                log(f"step {step + 1}/{steps}: val NDCG@{k} {val:.4f}, clipped {history['clipped'][-1]:.0%}")
    return DPTrained(models.recommender.Recommender(model, config, split.num_items), dp, eps, steps, history,
                     time.perf_counter() - start)
