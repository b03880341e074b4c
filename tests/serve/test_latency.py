"""Unit tests for ``lstmrec.serve.latency``: percentiles, timed calls, and the load client's argument checks.

Percentiles are computed by hand with NumPy's default rule (linear
interpolation between the two nearest ranks: the q-th percentile of n sorted
values sits at rank ``q/100 * (n - 1)``) and cross-checked against
``numpy.percentile``. ``http_load`` is only checked for what it refuses before
sending anything: no server is started here (the service's tests do that).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec import serve

MS = [1.0, 2.0, 3.0, 4.0, 100.0]  # one slow call among fast ones
SECONDS = [m / 1000 for m in MS]


# --- percentiles ----------------------------------------------------------------------


def test_docstring_example():
    assert serve.latency.percentiles([0.001, 0.002, 0.003, 0.004, 0.100], qs=(50,)) == {"p50": 3.0}


@pytest.mark.parametrize("q, expected_ms", [
    (50, 3.0),  # rank 0.5 * 4 = 2: the middle value
    (99, 96.16),  # rank 0.99 * 4 = 3.96: 4 + 0.96 * (100 - 4) = 96.16
    (0, 1.0),  # rank 0: the fastest
    (100, 100.0),  # rank 4: the slowest
    (25, 2.0),  # rank 1
    (90, 61.6),  # rank 3.6: 4 + 0.6 * 96 = 61.6
    (62.5, 3.5),  # rank 2.5: halfway between 3 and 4
])
def test_percentiles_by_hand(q, expected_ms):
    assert serve.latency.percentiles(SECONDS, qs=(q,)) == {f"p{q:g}": pytest.approx(expected_ms, abs=1e-9)}


def test_default_is_p50_and_p99_in_milliseconds():
    out = serve.latency.percentiles(SECONDS)
    assert list(out) == ["p50", "p99"]
    assert out == {"p50": pytest.approx(3.0), "p99": pytest.approx(96.16)}
    assert all(type(v) is float for v in out.values())


def test_the_mean_hides_the_tail():
    out = serve.latency.percentiles(SECONDS)
    mean_ms = 1000 * np.mean(SECONDS)  # 22 ms: neither the typical call (3) nor the slow one (96)
    assert mean_ms == pytest.approx(22.0) and out["p50"] < mean_ms < out["p99"]


def test_single_timing_is_every_percentile():
    assert serve.latency.percentiles([0.25], qs=(0, 50, 99, 100)) == {"p0": 250.0, "p50": 250.0, "p99": 250.0,
                                                                "p100": 250.0}


def test_order_does_not_matter():
    rng = np.random.default_rng(0)
    t = rng.exponential(0.01, size=101)
    assert serve.latency.percentiles(t, qs=(10, 50, 99)) == serve.latency.percentiles(
        rng.permutation(t), qs=(10, 50, 99)
    )
    assert serve.latency.percentiles(t.reshape(1, -1)) == serve.latency.percentiles(t)  # any shape is flattened


@pytest.mark.parametrize("n", [2, 7, 1000])
def test_equals_numpy_percentile(n):
    t = np.random.default_rng(n).lognormal(-5, 1, size=n)
    qs = (1, 50, 90, 99, 99.9)
    out = serve.latency.percentiles(t, qs=qs)
    assert list(out) == ["p1", "p50", "p90", "p99", "p99.9"]
    np.testing.assert_allclose([out[f"p{q:g}"] for q in qs], np.percentile(t, qs) * 1000, rtol=1e-12)


@pytest.mark.parametrize("seconds, match", [
    ([], r"no timings: measure at least one call"),
    (np.zeros((0, 3)), r"no timings"),
    ([0.001, -0.002], r"finite and non-negative"),
    ([0.001, math.nan], r"finite and non-negative"),
    ([math.inf], r"finite and non-negative"),
], ids=["empty", "empty-2d", "negative", "nan", "inf"])
def test_bad_timings(seconds, match):
    with pytest.raises(ValueError, match=match):
        serve.latency.percentiles(seconds)


@pytest.mark.parametrize("q", [-1, 100.5, 1000])
def test_q_out_of_range(q):
    with pytest.raises(ValueError, match=rf"percentile {q} is not in \[0, 100\]"):
        serve.latency.percentiles(SECONDS, qs=(50, q))


def test_zero_timings_are_allowed():
    assert serve.latency.percentiles([0.0, 0.0]) == {"p50": 0.0, "p99": 0.0}


# --- time_calls ------------------------------------------------------------------------------


@pytest.mark.parametrize("repeats, warmup", [(1, 0), (5, 3), (20, 10)])
def test_time_calls_counts_and_values(repeats, warmup):
    calls = []
    out = serve.latency.time_calls(lambda: calls.append(1), repeats=repeats, warmup=warmup)
    assert len(calls) == repeats + warmup
    assert out.shape == (repeats,) and out.dtype == np.float64
    assert (out >= 0).all() and np.isfinite(out).all()


def test_time_calls_measures_the_call():
    import time

    out = serve.latency.time_calls(lambda: time.sleep(0.002), repeats=3, warmup=0)
    assert (out >= 0.002).all() and (out < 1.0).all()  # sleep never returns early


@pytest.mark.parametrize("repeats, warmup", [(0, 10), (-1, 0), (5, -1)])
def test_time_calls_bad_arguments(repeats, warmup):
    calls = []
    with pytest.raises(ValueError, match=rf"repeats={repeats} must be at least 1 and warmup={warmup} at least 0"):
        serve.latency.time_calls(lambda: calls.append(1), repeats=repeats, warmup=warmup)
    assert calls == []  # refused before calling anything


# --- http_load: the checks before any request ---------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://example.com:8000",
    "https://127.0.0.1:8000",  # https is not what the local service speaks
    "http://10.0.0.1:8000",
    "http://127.0.0.1.example.com/",  # no port separator right after the address
    "http://localhost.evil.org:80",
    "127.0.0.1:8000",  # no scheme
    "http://127.0.0.1:8000@example.com",  # user info "127.0.0.1:8000" at the host example.com
], ids=["remote", "https", "lan", "lookalike-ip", "lookalike-host", "no-scheme", "userinfo"])
def test_http_load_refuses_other_hosts(url):
    with pytest.raises(ValueError, match=r"is not on this machine: load tests run on 127\.0\.0\.1 only"):
        serve.latency.http_load(url, [("GET", "/health", None)])


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000/"])
def test_http_load_accepts_localhost(url):
    # concurrency 0 is refused after the host is accepted: the message says which check failed, and no
    # request is sent either way
    with pytest.raises(ValueError, match=r"concurrency=0 must be at least 1"):
        serve.latency.http_load(url, [("GET", "/health", None)], concurrency=0)


@pytest.mark.parametrize("concurrency", [0, -3])
def test_http_load_refuses_no_clients(concurrency):
    with pytest.raises(ValueError, match=rf"concurrency={concurrency} must be at least 1"):
        serve.latency.http_load("http://127.0.0.1:9", [("GET", "/health", None)], concurrency=concurrency)
