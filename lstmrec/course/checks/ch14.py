"""Chapter 14's checks. The article's questions: how far back a gradient reaches, what a doubling of data buys."""

from __future__ import annotations

from typing import Callable

import numpy as np

from lstmrec.course.checks.core import Case, CheckResult, Mistake, check, converted


def gradient_ratio(answer: Callable[[np.ndarray, int], float]) -> CheckResult:
    """Check ``gradient_ratio(norms, lag) -> float``: ``norms[-1 - lag] / norms[-1]``.

    ``norms`` is (T,), the gradient norm of the loss with respect to each step's input, oldest step first (what
    ``foundations.gradients.input_gradient_norms`` returns); the ratio says how much of the gradient at the
    last step survives ``lag`` steps back.
    """
    cases = [Case("halving at every step back, lag 3", (0.5 ** np.arange(9.0)[::-1], 3)),
             Case("random norms, lag 5", (np.random.default_rng(0).uniform(0.1, 2.0, size=12), 5)),
             Case("a window of 60, chapter 02's lag of 50", (np.geomspace(1e-9, 1.0, 60), 50))]

    def reference(norms, lag):
        return float(np.asarray(norms)[-1 - lag] / np.asarray(norms)[-1])

    mistakes = [
        Mistake(lambda n, lag: float(np.asarray(n)[lag] / np.asarray(n)[-1]),
                "the norms run oldest step first: count the lag back from the end, index -1 - lag, not from the "
                "start."),
        Mistake(lambda n, lag: float(np.asarray(n)[-lag] / np.asarray(n)[-1]),
                "off by one: the last step is index -1, so the step `lag` steps before it is -1 - lag, not -lag."),
        Mistake(lambda n, lag: float(np.asarray(n)[-1] / np.asarray(n)[-1 - lag]),
                "upside down: divide the old step's norm by the last step's, so that a vanishing gradient gives a "
                "ratio far below 1."),
    ]
    return check("gradient_ratio", converted(answer, float), reference, cases, mistakes, atol=1e-12)


def gain_per_doubling(answer: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check ``gain_per_doubling(users, scores) -> (n - 1,)``: each step's gain divided by its doublings.

    Between points i and i + 1 of a learning curve, ``(scores[i+1] - scores[i]) / log2(users[i+1] / users[i])``.
    """
    cases = [Case("25%, 50%, 100% of 6,040 users", (np.array([1510, 3020, 6040]), np.array([0.150, 0.165, 0.176]))),
             Case("uneven steps", (np.array([100, 300, 1200, 1500]), np.array([0.05, 0.08, 0.11, 0.112]))),
             Case("a flat curve", (np.array([10, 20, 80]), np.array([0.1, 0.1, 0.1])))]

    def reference(users, scores):
        users, scores = np.asarray(users, float), np.asarray(scores, float)
        return np.diff(scores) / np.log2(users[1:] / users[:-1])

    mistakes = [
        Mistake(lambda u, s: np.diff(np.asarray(s, float)),
                "divide each gain by the number of doublings between the two points, log2(users[i+1] / users[i]): "
                "from 300 to 1,200 users is two doublings, not one step."),
        Mistake(lambda u, s: np.diff(np.asarray(s, float)) / np.log(np.asarray(u, float)[1:]
                                                                   / np.asarray(u, float)[:-1]),
                "a doubling is a factor of 2: use log2, not the natural log."),
        Mistake(lambda u, s: np.diff(np.asarray(s, float)) / np.diff(np.asarray(u, float)),
                "per doubling, not per user: the gain of adding one user depends on how many there are already."),
    ]
    return check("gain_per_doubling", converted(answer, lambda out: np.asarray(out, float)), reference, cases,
                 mistakes, atol=1e-12)
