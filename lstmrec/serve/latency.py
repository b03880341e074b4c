"""Measuring latency: percentiles of raw timings, timed calls, and concurrent HTTP clients.

Taught in chapter 09; used by ``python -m lstmrec.serve --bench`` and the service's tests.

A latency figure is a percentile of many measured calls, never one call:

    p-th percentile = the value below which p% of the timings fall
                      (NumPy's default: linear interpolation between the two nearest ranks)

p50 (the median) is the typical request; p99 is the slow tail that one
request in a hundred waits for. A mean hides the tail: a few slow calls
(garbage collection, a lock, the OS scheduling another process) pull it up
without saying how often they happen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import numpy as np


def percentiles(seconds, qs: Sequence[float] = (50, 99)) -> dict[str, float]:
    """``{"p50": .., "p99": ..}`` of the timings, in milliseconds.

    Args:
        seconds: (n,) raw timings in seconds, in any order.
        qs: the percentiles, each in [0, 100].

    Returns:
        ``"p<q>"`` -> milliseconds, NumPy's linear interpolation.

    Raises:
        ValueError: no timings, a negative or non-finite timing, or q out of range.

    Example:
        >>> percentiles([0.001, 0.002, 0.003, 0.004, 0.100], qs=(50,))
        {'p50': 3.0}
    """
    t = np.asarray(seconds, dtype=np.float64).ravel()
    if t.size == 0:
        raise ValueError("no timings: measure at least one call")
    bad = t[~np.isfinite(t) | (t < 0)]
    if bad.size:
        raise ValueError(f"timings must be finite and non-negative seconds, found {bad[0]}")
    for q in qs:
        if not 0 <= q <= 100:
            raise ValueError(f"percentile {q} is not in [0, 100]")
    return {f"p{q:g}": float(np.percentile(t, q) * 1000) for q in qs}


def time_calls(fn: Callable[[], object], repeats: int = 200, warmup: int = 10) -> np.ndarray:
    """Time ``fn()`` ``repeats`` times after ``warmup`` untimed calls (caches, compilation).

    Returns:
        (repeats,) seconds per call.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats={repeats} must be at least 1 and warmup={warmup} at least 0")
    for _ in range(warmup):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - start
    return out


def http_load(base_url: str, requests: Sequence[tuple[str, str, dict | None]], concurrency: int = 8,
              timeout: float = 60.0) -> dict:
    """Send requests from ``concurrency`` clients at once and time each one.

    Each client is a thread with its own keep-alive ``httpx.Client``; it takes
    the next request from the shared list as soon as its previous one is
    answered (a closed loop: at most ``concurrency`` requests are in flight).

    Args:
        base_url: e.g. ``"http://127.0.0.1:8000"`` (localhost only: this is a load test).
        requests: ``(method, path, json_body or None)`` in the order they are handed out.
        concurrency: clients.
        timeout: the whole run's limit in seconds; the per-request limit too.

    Returns:
        ``{"seconds": (n,) per-request latencies, "status": (n,) HTTP codes,
        "wall": the run's seconds, "throughput": requests per second,
        "bodies": the parsed JSON answers}``, in the order of ``requests``.

    Raises:
        ValueError: ``base_url`` is not on 127.0.0.1 / localhost, or concurrency < 1.
        TimeoutError: the run took longer than ``timeout``.
    """
    import httpx

    url = urlsplit(base_url)  # the host itself: "http://127.0.0.1:80@example.com" is example.com
    if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost") or url.username is not None:
        raise ValueError(f"{base_url} is not on this machine: load tests run on 127.0.0.1 only")
    if concurrency < 1:
        raise ValueError(f"concurrency={concurrency} must be at least 1")
    n = len(requests)
    seconds, status, bodies = np.zeros(n), np.zeros(n, dtype=np.int64), [None] * n
    next_index, lock, errors = [0], threading.Lock(), []
    deadline = time.monotonic() + timeout

    def client():
        with httpx.Client(base_url=base_url, timeout=timeout, trust_env=False) as http:  # no proxies
            while time.monotonic() < deadline:
                with lock:
                    i = next_index[0]
                    next_index[0] += 1
                if i >= n:
                    return
                method, path, body = requests[i]
                try:
                    start = time.perf_counter()
                    response = http.request(method, path, json=body)
                    seconds[i] = time.perf_counter() - start
                    status[i], bodies[i] = response.status_code, response.json()
                except Exception as error:  # noqa: BLE001 (reported below, with the request)
                    errors.append(f"{method} {path}: {error!r}")
                    return

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    wall = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} request(s) failed, e.g. {errors[0]}")
    if any(t.is_alive() for t in threads) or next_index[0] < n:
        raise TimeoutError(f"the load run did not finish {n} requests in {timeout} s")
    return {"seconds": seconds, "status": status, "wall": wall, "throughput": n / wall, "bodies": bodies}
