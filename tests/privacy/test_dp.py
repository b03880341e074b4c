"""Unit tests for ``lstmrec.privacy.dp``: clipping and noise by hand, delta's bound, and the accountant against
published epsilons.

The published figures were computed with the classic conversion from Renyi DP,
``epsilon = min_alpha rdp(alpha) + log(1/delta) / (alpha - 1)`` over the orders
TensorFlow Privacy used; ``dp-accounting`` 0.6.0 now converts more tightly
(Canonne, Kamath & Steinke, 2020), so its own epsilon is smaller. The test
recomputes the classic figure from the library's Renyi values (its ``_rdp``
attribute, stable at the pinned version) to show the two agree, then checks
the ordering of the three bounds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec import privacy

keras = pytest.importorskip("keras")


def test_clip_by_hand():
    # user 0: (3, 4 | 0) has norm 5 -> scaled by 2/5; user 1: (0.6, 0.8 | 0) norm 1 -> unchanged; user 2: zero
    grads = [np.array([[3.0, 4.0], [0.6, 0.8], [0.0, 0.0]]), np.array([[0.0], [0.0], [0.0]])]
    clipped, norms = privacy.dp.clip_per_user(grads, max_norm=2.0)
    np.testing.assert_allclose(np.asarray(norms), [5.0, 1.0, 0.0])
    np.testing.assert_allclose(np.asarray(clipped[0]), [[1.2, 1.6], [0.6, 0.8], [0.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(np.asarray(clipped[1]), 0.0)


def test_clip_uses_the_norm_over_all_variables():
    # per variable each norm is 3 <= 4, but together sqrt(9 + 9) = 4.243 > 4: clipping must use the joint norm
    grads = [np.array([[3.0]]), np.array([[[0.0, 3.0]]])]
    clipped, norms = privacy.dp.clip_per_user(grads, max_norm=4.0)
    assert float(np.asarray(norms)[0]) == pytest.approx(math.sqrt(18))
    joint = math.sqrt(sum(float(np.sum(np.asarray(c) ** 2)) for c in clipped))
    assert joint == pytest.approx(4.0)


def test_noisy_sum_without_noise_is_the_sum():
    clipped = [np.array([[1.0, 2.0], [3.0, 4.0]])]
    np.testing.assert_allclose(np.asarray(privacy.dp.noisy_sum(clipped, 1.0, 0.0)[0]), [4.0, 6.0])


def test_noise_has_standard_deviation_sigma_times_c():
    clipped = [np.zeros((3, 20_000))]
    noise = np.asarray(privacy.dp.noisy_sum(clipped, max_norm=0.5, noise_multiplier=2.0, seed=0)[0])
    assert noise.std() == pytest.approx(1.0, rel=0.03)  # sigma * C = 2 * 0.5; 20,000 draws: +-1% sd of the sd
    assert abs(noise.mean()) < 0.03
    again = np.asarray(privacy.dp.noisy_sum(clipped, max_norm=0.5, noise_multiplier=2.0, seed=0)[0])
    np.testing.assert_array_equal(noise, again)  # seeded


@pytest.mark.parametrize("call, message", [
    (lambda: privacy.dp.clip_per_user([np.ones((2, 2))], 0.0), "max_norm"),
    (lambda: privacy.dp.clip_per_user([], 1.0), "empty"),
    (lambda: privacy.dp.noisy_sum([np.ones((2, 2))], 1.0, -1.0), "noise_multiplier"),
    (lambda: privacy.dp.check_delta(1 / 943, 943), "delta"),
    (lambda: privacy.dp.check_delta(0.0, 943), "delta"),
    (lambda: privacy.dp.check_delta(1e-5, 0), "num_users"),
    (lambda: privacy.dp.epsilon(0.0, 1.0, 10, 1e-5), "sampling_rate"),
    (lambda: privacy.dp.epsilon(0.1, 0.0, 10, 1e-5), "noise_multiplier"),
    (lambda: privacy.dp.epsilon(0.1, 1.0, 10, 1e-5, accountant="moments"), "accountant"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_delta_below_one_over_n():
    assert privacy.dp.check_delta(1e-5, 943) == 1e-5
    assert privacy.dp.check_delta(1 / 6041, 6040) == 1 / 6041


def classic_epsilon(q, sigma, steps, delta):
    """The conversion TensorFlow Privacy's tutorials and Abadi et al. used, from dp-accounting's Renyi values."""
    import dp_accounting

    orders = [1 + x / 10 for x in range(1, 100)] + list(range(12, 64))
    tracker = dp_accounting.rdp.RdpAccountant(orders)
    tracker.compose(dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps))
    rdp = np.asarray(tracker._rdp)  # (orders,) Renyi DP at each order
    return float(np.nanmin(rdp + math.log(1 / delta) / (np.asarray(orders) - 1)))


@pytest.mark.parametrize("q, sigma, steps, published", [
    (0.01, 4.0, 10_000, 1.26),  # Abadi et al. (2016), section 3.1: "epsilon ~ 1.26 using the moments accountant"
    (256 / 60_000, 1.1, math.ceil(60 * 60_000 / 256), 3.01),  # TF Privacy MNIST tutorial: "eps = 3.01", 60 epochs
])
def test_accountant_reproduces_published_epsilons(q, sigma, steps, published):
    assert round(classic_epsilon(q, sigma, steps, 1e-5), 2) == published
    rdp, pld = privacy.dp.epsilon(q, sigma, steps, 1e-5, "rdp"), privacy.dp.epsilon(q, sigma, steps, 1e-5, "pld")
    assert pld <= rdp <= published  # tighter conversion, then tighter accountant: never a larger epsilon


def test_epsilon_grows_with_steps_and_falls_with_noise():
    e = [privacy.dp.epsilon(0.05, 1.0, s, 1e-5) for s in (0, 10, 100, 1000)]
    assert e[0] == 0.0 and e[1] < e[2] < e[3]
    assert privacy.dp.epsilon(0.05, 2.0, 100, 1e-5) < privacy.dp.epsilon(0.05, 1.0, 100, 1e-5)


def test_noise_for_epsilon_is_the_smallest_that_meets_the_target():
    sigma = privacy.dp.noise_for_epsilon(2.0, 0.05, 500, 1e-5)
    assert privacy.dp.epsilon(0.05, sigma, 500, 1e-5) <= 2.0
    assert privacy.dp.epsilon(0.05, sigma * 0.99, 500, 1e-5) > 2.0  # 1% less noise overshoots
    assert privacy.dp.noise_for_epsilon(1.0, 0.05, 500, 1e-5) > sigma  # a smaller epsilon needs more noise


@pytest.mark.parametrize("args, message", [((0.0, 0.05, 10, 1e-5), "target_epsilon"),
                                           ((1.0, 1.5, 10, 1e-5), "sampling_rate")])
def test_noise_for_epsilon_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        privacy.dp.noise_for_epsilon(*args)


def test_private_counts_cap_each_users_contribution():
    # user 0: items 1 2 3 2 (distinct, most recent first: 2, 3, 1) capped at 2 -> counts 2 and 3; user 1: item 1
    counts = privacy.dp.private_counts([np.array([1, 2, 3, 2]), np.array([1])], 5, math.inf, 1e-5, max_items=2)
    np.testing.assert_array_equal(counts, [0, 1, 1, 1, 0])


def _loop_counts(histories, num_items, max_items):
    """The rule written out user by user: each user's distinct items, most recent first, capped."""
    counts = np.zeros(num_items)
    for h in histories:
        recent = []
        for item in np.asarray(h)[::-1]:
            if item not in recent:
                recent.append(item)
        counts[recent[:max_items]] += 1.0
    counts[0] = 0.0
    return counts


@pytest.mark.parametrize("max_items", [1, 3, 100])
def test_private_counts_equal_the_rule_user_by_user(max_items):
    rng = np.random.default_rng(max_items)
    histories = [rng.integers(1, 12, size=n) for n in rng.integers(0, 25, size=40)]  # some users empty
    exact = privacy.dp.private_counts(histories, 12, math.inf, 1e-5, max_items=max_items)
    np.testing.assert_array_equal(exact, _loop_counts(histories, 12, max_items))


def test_private_counts_noise_has_the_gaussian_mechanisms_scale():
    sigma = privacy.dp.noise_for_epsilon(1.0, 1.0, 1, 1e-5)
    noisy = privacy.dp.private_counts([np.array([1])], 20_001, 1.0, 1e-5, max_items=4, seed=3)
    assert noisy[2:].std() == pytest.approx(sigma * 2.0, rel=0.03)  # sqrt(max_items) = 2
    again = privacy.dp.private_counts([np.array([1])], 20_001, 1.0, 1e-5, max_items=4, seed=3)
    np.testing.assert_array_equal(noisy, again)


def test_private_counts_bad_input():
    with pytest.raises(ValueError, match="max_items"):
        privacy.dp.private_counts([np.array([1])], 3, 1.0, 1e-5, max_items=0)
    with pytest.raises(ValueError, match="delta"):
        privacy.dp.private_counts([np.array([1])] * 10, 3, 1.0, 0.5)
