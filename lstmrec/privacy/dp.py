"""User-level differential privacy for DP-SGD: clip each user's gradient, add Gaussian noise, count the privacy spent.

Taught in chapter 11 (privacy, 数据隐私).

One DP-SGD step with users as the unit of privacy (Abadi et al., 2016;
McMahan et al., 2018 for user-level) takes a batch of users, the gradient
``g_u`` of each user's whole contribution to the loss, and

    clip:   g_u <- g_u * min(1, C / ||g_u||)            ||g_u||: over all the model's variables
    noise:  G   = sum_u g_u + N(0, (sigma * C)^2 I)       one draw per coordinate
    step:   theta <- theta - lr * G / B                   B: the expected batch size

Clipping bounds how much one user can move the sum (by at most ``C``); the
noise, ``sigma`` times that bound, hides whether any one user was in the
batch. The privacy spent over many steps, ``(epsilon, delta)``, is computed by
an accountant (``epsilon``, Google's ``dp-accounting``) from the sampling
rate ``q = B / num_users``, ``sigma`` and the number of steps.

The functions work on Keras tensors (``keras.ops``), so they run inside a
compiled ``train_step``, and on NumPy arrays for checking by hand.
"""

from __future__ import annotations

import contextlib
import logging


@contextlib.contextmanager
def _quiet_accountant():
    """Hide dp-accounting's per-order warnings ("_compute_log_a_frac failed to converge ... Excluding this order").

    For small Renyi orders and large sampling rates its series does not
    converge; it drops those orders and bounds epsilon with the others, which
    is still a valid (slightly looser) bound. The warning is for the library's
    authors, not for a learner.
    """
    log = logging.getLogger("absl")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def global_norms(per_user_grads):
    """Each user's gradient norm over all variables: ``sqrt(sum_v ||g_{u,v}||^2)``.

    Args:
        per_user_grads: one tensor per variable, each (num_users, *variable_shape).

    Returns:
        (num_users,) norms.

    Example:
        >>> import numpy as np
        >>> np.asarray(global_norms([np.array([[3.0], [0.0]]), np.array([[0.0, 4.0], [1.0, 0.0]])])).tolist()
        [5.0, 1.0]
    """
    import keras

    if not per_user_grads:
        raise ValueError("per_user_grads is empty: give one (num_users, ...) gradient per variable")
    squares = [keras.ops.sum(keras.ops.reshape(keras.ops.square(g), (keras.ops.shape(g)[0], -1)), axis=1)
               for g in per_user_grads]  # each (num_users,)
    return keras.ops.sqrt(sum(squares))


def clip_per_user(per_user_grads, max_norm: float):
    """Scale each user's gradient down to norm at most ``max_norm`` (all variables together).

    ``g_u <- g_u * min(1, C / ||g_u||)``: a gradient already within the bound is
    left as it is; a zero gradient stays zero.

    Args:
        per_user_grads: one tensor per variable, each (num_users, *variable_shape).
        max_norm: the clipping bound ``C`` > 0.

    Returns:
        ``(clipped, norms)``: the clipped gradients (same shapes) and the (num_users,) norms before clipping.

    Raises:
        ValueError: ``max_norm`` is not positive.

    Example:
        >>> import numpy as np
        >>> clipped, norms = clip_per_user([np.array([[3.0, 4.0], [0.3, 0.4]])], max_norm=1.0)
        >>> np.asarray(clipped[0]).round(6).tolist(), np.asarray(norms).round(6).tolist()
        ([[0.6, 0.8], [0.3, 0.4]], [5.0, 0.5])
    """
    import keras

    if not max_norm > 0:
        raise ValueError(f"max_norm={max_norm} must be positive: it bounds each user's influence")
    norms = global_norms(per_user_grads)  # (num_users,)
    factor = keras.ops.minimum(1.0, max_norm / keras.ops.maximum(norms, 1e-12))  # (num_users,); 1 for a zero gradient
    clipped = [g * keras.ops.reshape(factor, (-1,) + (1,) * (len(g.shape) - 1)) for g in per_user_grads]
    return clipped, norms


def noisy_sum(clipped, max_norm: float, noise_multiplier: float, seed=None):
    """``sum_u g_u + N(0, (noise_multiplier * max_norm)^2)`` for each variable.

    Args:
        clipped: ``clip_per_user``'s output, one (num_users, *shape) tensor per variable.
        max_norm: the bound ``C`` the gradients were clipped to.
        noise_multiplier: ``sigma`` >= 0 (0: no noise, no privacy).
        seed: a ``keras.random.SeedGenerator`` (inside a ``train_step``) or an int.

    Returns:
        One (*shape) tensor per variable.

    Raises:
        ValueError: a negative ``noise_multiplier`` or a non-positive ``max_norm``.
    """
    import keras

    if noise_multiplier < 0 or not max_norm > 0:
        raise ValueError(f"noise_multiplier={noise_multiplier} must be >= 0 and max_norm={max_norm} positive")
    out = []
    for g in clipped:
        total = keras.ops.sum(g, axis=0)  # (*shape)
        if noise_multiplier > 0:
            total = total + keras.random.normal(keras.ops.shape(total), stddev=noise_multiplier * max_norm,
                                                dtype=total.dtype, seed=seed)
        out.append(total)
    return out


def check_delta(delta: float, num_users: int) -> float:
    """Refuse a ``delta`` that would allow one user's data to be published outright.

    ``(epsilon, delta)``-DP allows the guarantee to fail with probability
    ``delta``. A mechanism that publishes one user's data at random satisfies
    it with ``delta = 1 / num_users``, so ``delta`` must be well below that;
    the usual rule is ``delta <= 1 / (10 * num_users)`` or smaller.

    Raises:
        ValueError: ``delta`` is not in (0, 1 / num_users).

    Example:
        >>> check_delta(1e-5, 943)
        1e-05
    """
    if num_users < 1:
        raise ValueError(f"num_users={num_users} must be at least 1")
    if not 0 < delta < 1 / num_users:
        raise ValueError(f"delta={delta} must be in (0, 1/num_users = {1 / num_users:.2g}): with delta >= 1/n, "
                         "publishing one random user's data outright would satisfy the guarantee")
    return delta


ACCOUNTANTS = ("rdp", "pld")


def epsilon(sampling_rate: float, noise_multiplier: float, steps: int, delta: float, accountant: str = "rdp") -> float:
    """The ``epsilon`` spent by ``steps`` DP-SGD steps with Poisson sampling, at ``delta``: Google's ``dp-accounting``.

    Each step is a Gaussian mechanism of noise ``noise_multiplier`` (sigma)
    applied to a batch where every user is included independently with
    probability ``sampling_rate`` (q): Poisson sampling, which is what the
    accountants analyse. Shuffling the users and cutting fixed-size batches is
    common but is NOT covered by this number (Chua et al., 2024 show the gap can
    be large); chapter 11's training samples users the Poisson way.

    Args:
        sampling_rate: q in (0, 1].
        noise_multiplier: sigma > 0.
        steps: how many steps (>= 0).
        delta: in (0, 1); see ``check_delta``.
        accountant: ``"rdp"`` (Renyi DP, Mironov 2017, with the conversion of
            Canonne, Kamath & Steinke 2020) or ``"pld"`` (privacy loss
            distributions, tighter, slower).

    Returns:
        epsilon (``0.0`` for zero steps).

    Raises:
        ValueError: an argument out of range, or an unknown accountant.

    Example:
        >>> round(epsilon(0.01, 4.0, 10_000, 1e-5), 2)   # Abadi et al. (2016)'s setting; they report 1.26
        1.04
    """
    import dp_accounting

    if accountant not in ACCOUNTANTS:
        raise ValueError(f"accountant={accountant!r}: choose from {ACCOUNTANTS}")
    if not 0 < sampling_rate <= 1 or not noise_multiplier > 0 or steps < 0 or not 0 < delta < 1:
        raise ValueError(f"sampling_rate={sampling_rate} must be in (0, 1], noise_multiplier={noise_multiplier} "
                         f"positive, steps={steps} non-negative and delta={delta} in (0, 1)")
    if steps == 0:
        return 0.0
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(sampling_rate, dp_accounting.GaussianDpEvent(noise_multiplier)), steps)
    tracker = dp_accounting.rdp.RdpAccountant() if accountant == "rdp" else dp_accounting.pld.PLDAccountant()
    with _quiet_accountant():
        return float(tracker.compose(event).get_epsilon(delta))


def noise_for_epsilon(target_epsilon: float, sampling_rate: float, steps: int, delta: float,
                      accountant: str = "rdp") -> float:
    """The smallest noise multiplier ``sigma`` whose ``epsilon(q, sigma, steps, delta)`` is at most ``target_epsilon``.

    Calibrated by ``dp-accounting``'s own search (``calibrate_dp_mechanism``) on
    the same Poisson-sampled Gaussian event as ``epsilon``.

    Raises:
        ValueError: ``target_epsilon`` not positive (use ``sigma = 0`` for no privacy), or the arguments of ``epsilon``.

    Example:
        >>> sigma = noise_for_epsilon(1.26, 0.01, 10_000, 1e-5)
        >>> epsilon(0.01, sigma, 10_000, 1e-5) <= 1.26
        True
    """
    import dp_accounting

    if not target_epsilon > 0:
        raise ValueError(f"target_epsilon={target_epsilon} must be positive")
    epsilon(sampling_rate, 1.0, steps, delta, accountant)  # validates the other arguments
    fresh = dp_accounting.rdp.RdpAccountant if accountant == "rdp" else dp_accounting.pld.PLDAccountant

    def event(sigma: float):
        return dp_accounting.SelfComposedDpEvent(
            dp_accounting.PoissonSampledDpEvent(sampling_rate, dp_accounting.GaussianDpEvent(sigma)), steps)

    with _quiet_accountant():
        return float(dp_accounting.calibrate_dp_mechanism(
            fresh, event, target_epsilon, delta, dp_accounting.LowerEndpointAndGuess(1e-3, 1.0), tol=1e-4))


def private_counts(histories, num_items: int, epsilon: float, delta: float, max_items: int = 100,
                   seed: int = 0):
    """Item popularity released with user-level (epsilon, delta)-DP: the Gaussian mechanism on capped counts.

    Each user counts once per item among their ``max_items`` most recent
    distinct items, so adding or removing one user changes the count vector by
    a 0/1 vector of at most ``max_items`` ones: L2 sensitivity
    ``sqrt(max_items)``. The counts get ``N(0, (sigma sqrt(max_items))^2)``
    noise, with sigma the noise multiplier of one Gaussian mechanism at
    (epsilon, delta) (``noise_for_epsilon`` with q = 1, one step).

    Args:
        histories: one item-id array per user, oldest first.
        num_items: catalogue size including padding (column 0 is padding and stays 0 before noise).
        epsilon: the budget; ``math.inf`` releases the exact capped counts.
        delta: see ``check_delta``.
        max_items: the cap on one user's contribution.
        seed: the noise's NumPy seed.

    Returns:
        (num_items,) float64 noisy counts.

    Example:
        >>> import math, numpy as np
        >>> private_counts([np.array([1, 2, 2]), np.array([2])], 4, math.inf, 1e-5).tolist()  # user 0 counts 2 once
        [0.0, 1.0, 2.0, 0.0]
    """
    import math

    import numpy as np

    if max_items < 1:
        raise ValueError(f"max_items={max_items} must be at least 1")
    check_delta(delta, max(len(histories), 1))
    lengths = np.array([len(h) for h in histories], dtype=np.int64)  # (num_users,)
    items = (np.concatenate([np.asarray(h, dtype=np.int64) for h in histories]) if lengths.sum()
             else np.zeros(0, np.int64))  # (total,) every event, user after user
    users = np.repeat(np.arange(len(lengths)), lengths)  # (total,)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    from_end = np.repeat(lengths, lengths) - 1 - (np.arange(len(items)) - starts)  # 0 = the user's most recent event
    order = np.lexsort((from_end, items, users))  # by user, item, then most recent first
    users, items, from_end = users[order], items[order], from_end[order]
    first = np.r_[True, (users[1:] != users[:-1]) | (items[1:] != items[:-1])] if len(items) else np.zeros(0, bool)
    users, items, from_end = users[first], items[first], from_end[first]  # each (user, item) once, at its latest
    order = np.lexsort((from_end, users))  # each user's distinct items, most recent first
    users, items = users[order], items[order]
    user_start = np.r_[0, np.flatnonzero(users[1:] != users[:-1]) + 1] if len(users) else np.zeros(0, np.int64)
    rank = np.arange(len(users)) - np.repeat(user_start, np.diff(np.r_[user_start, len(users)]))  # recency rank
    counts = np.bincount(items[rank < max_items], minlength=num_items).astype(np.float64)  # (num_items,)
    counts[0] = 0.0
    if math.isinf(epsilon):
        return counts
    sigma = noise_for_epsilon(epsilon, 1.0, 1, delta)
    return counts + np.random.default_rng(seed).normal(0.0, sigma * math.sqrt(max_items), size=num_items)
