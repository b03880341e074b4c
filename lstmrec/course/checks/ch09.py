"""Chapter 09's checks. Real time: one streaming step, p50 and p99."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted, fail, same


def _stream_case(label: str, seed: int, batch: int, hidden_dim: int, num_items: int = 7, scale: float = 1.0):
    """A random ``StreamingLSTM`` (arrays only, no Keras) and a state and items to step."""
    from lstmrec.serve.streaming import StreamingLSTM

    rng = np.random.default_rng(seed)
    embedding_dim = 3
    lstm = StreamingLSTM(
        input_table=(scale * rng.normal(size=(num_items, 4 * hidden_dim))).astype(np.float32),
        recurrent_kernel=(scale * rng.normal(size=(hidden_dim, 4 * hidden_dim))).astype(np.float32),
        projection=rng.normal(size=(hidden_dim, embedding_dim)).astype(np.float32),
        projection_bias=rng.normal(size=embedding_dim).astype(np.float32),
        output=rng.normal(size=(embedding_dim, num_items)).astype(np.float32))
    h = np.tanh(rng.normal(size=(batch, hidden_dim))).astype(np.float32)
    c = rng.normal(size=(batch, hidden_dim)).astype(np.float32)
    items = rng.integers(1, num_items, size=batch)
    return Case(label, (lstm, h, c, items))


def _step_variant(lstm, h, c, items, *, order=("i", "f", "c", "o"), recurrent=True, squash_c=True,
                  forget_new=False):
    z = lstm.input_table[items] + (h @ lstm.recurrent_kernel if recurrent else 0)  # (batch, 4H)
    parts = dict(zip(order, np.split(z, 4, axis=1)))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    c_t = sig(parts["f"]) * c + sig(parts["i"]) * np.tanh(parts["c"])
    if forget_new:
        c_t = sig(parts["f"]) * np.tanh(parts["c"]) + sig(parts["i"]) * c
    h_t = sig(parts["o"]) * (np.tanh(c_t) if squash_c else c_t)
    return h_t, c_t


def stream_step(answer: Callable[..., tuple]) -> CheckResult:
    """Check ``stream_step(lstm, h, c, items) -> (h_t, c_t)``.

    Then check that stepping through a history equals ``encode``.
    """
    cases = [_stream_case("one user, H=2", 0, 1, 2), _stream_case("4 users, H=3", 1, 4, 3),
             _stream_case("3 users, H=5, large weights", 2, 3, 5, scale=3.0)]

    def reference(lstm, h, c, items):
        return lstm.step(h, c, items)

    mistakes = [
        Mistake(lambda *a: _step_variant(*a, order=("i", "f", "o", "c")),
                "Keras's gate order in the columns is i, f, c, o (input, forget, candidate, output), "
                "as in chapter 03."),
        Mistake(lambda *a: _step_variant(*a, recurrent=False),
                "add the recurrent term h_{t-1} @ recurrent_kernel: without it the step forgets the order of events."),
        Mistake(lambda *a: _step_variant(*a, squash_c=False),
                "h_t = o_t * tanh(c_t): squash the cell state before the output gate scales it."),
        Mistake(lambda *a: _step_variant(*a, forget_new=True),
                "the forget gate scales the OLD cell state c_{t-1}; the input gate scales the new candidate."),
    ]
    result = check("stream_step", converted(answer, lambda out: tuple(np.asarray(x, np.float64) for x in out)),
                   lambda *a: tuple(np.asarray(x, np.float64) for x in reference(*a)), cases, mistakes, atol=1e-5)
    if not result:
        return result
    lstm = cases[1].args[0]
    histories = [np.array([1, 2, 3, 4, 5, 6]), np.array([6, 1]), np.array([3, 3, 3, 3, 3, 3])]
    h, c = lstm.initial_state(3)
    for t in range(6):  # the learner's step, event by event; the shorter history waits (as Keras's mask does)
        live = np.array([t >= 6 - len(x) for x in histories])
        items = np.array([x[t - (6 - len(x))] if ok else 1 for x, ok in zip(histories, live)])
        h_new, c_new = (np.asarray(v, np.float32) for v in answer(lstm, h, c, items))
        h, c = np.where(live[:, None], h_new, h), np.where(live[:, None], c_new, c)
    h_full, c_full = lstm.encode(histories)
    if not same(h, h_full, 1e-5) or not same(c, c_full, 1e-5):
        return fail("stream_step", "each step is right, but stepping through whole histories does not give "
                                   "encode's state: return (h_t, c_t) in that order, as new arrays.")
    print("[ok] stream_step: stepping event by event gives the same state as re-encoding the whole history.")
    return result


def p50_p99(answer: Callable[[np.ndarray], tuple]) -> CheckResult:
    """Check ``p50_p99(seconds) -> (p50_ms, p99_ms)`` with NumPy's (linear) percentile definition."""
    rng = np.random.default_rng(0)
    cases = [Case("5 timings, one slow", (np.array([0.004, 0.001, 0.100, 0.003, 0.002]),)),
             Case("1,000 timings with a long tail", (rng.lognormal(-7, 0.6, size=1000),)),
             Case("two timings", (np.array([0.002, 0.001]),))]

    def reference(seconds):
        return (float(np.percentile(seconds, 50) * 1000), float(np.percentile(seconds, 99) * 1000))

    mistakes = [
        Mistake(lambda s: (float(np.mean(s) * 1000), float(np.percentile(s, 99) * 1000)),
                "p50 is the median, not the mean: one slow call moves the mean but not the median."),
        Mistake(lambda s: (float(np.percentile(s, 50)), float(np.percentile(s, 99))),
                "report milliseconds: the timings are in seconds, so multiply by 1000."),
        Mistake(lambda s: (float(np.asarray(s)[len(s) // 2] * 1000),
                           float(np.asarray(s)[int(0.99 * (len(s) - 1))] * 1000)),
                "sort the timings first (or use np.percentile): they arrive in the order the calls were made."),
        Mistake(lambda s: (float(np.percentile(s, 50) * 1000), float(np.max(s) * 1000)),
                "p99 is the value 99% of the calls stay under, not the slowest call (the maximum)."),
    ]
    return check("p50_p99", converted(answer, lambda out: tuple(float(v) for v in out)), reference, cases, mistakes,
                 atol=1e-9)
