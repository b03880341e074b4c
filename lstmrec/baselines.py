"""Classical recommenders the LSTM has to beat, scored by the same evaluator.

Taught in chapter 01 (most-popular, co-occurrence) and chapter 07 (all three).

Each baseline is fitted on the training histories only and then scores every
item for a batch of histories, exactly like a neural model:

- ``MostPopular``: ``score_i = count_i``, the item's training interactions.
- ``MarkovChain``: first-order transitions, ``score_i = N(last -> i)``, the
  number of times ``i`` directly followed the user's last item in training.
- ``ItemKNN``: item-item cosine similarity of co-occurrence,
  ``sim(i, j) = C_ij / sqrt(C_ii * C_jj)`` with ``C = X^T X`` (X: users x items,
  binary), and ``score_i = sum_{m=0}^{L-1} decay^m * sim(h_{-1-m}, i)`` over
  the user's ``L`` most recent items.

For domains where people consume the same items again (groceries, messages;
chapter 10), the repeat heuristics score the user's own history:

- ``RepeatConsumption``: ``score_i = sum_{m=0}^{L-1} decay^m * [h_{-1-m} = i]``:
  each past occurrence of ``i`` counts ``decay^m``, ``m`` steps back. With
  ``decay = 1`` that is the user's most frequent items; with a tiny ``decay`` the
  most recent ones (the last item first); in between, a blend of the two. Its
  ``decay`` is chosen on validation like every other setting
  (``REPEAT_BASELINES``). It only makes sense where seen items are candidates
  (``evaluation.evaluate(..., exclude_seen=False)``). It ranks on ``log r_i``,
  so that no past item underflows to 0, and every item the user never had
  comes after all of their past items, ordered by popularity.

Items the chain or the neighbours say nothing about would all tie at zero;
``MarkovChain`` and ``ItemKNN`` add a popularity term below 1e-6, the standard
back-off: it orders equal scores by popularity, and could swap two scores only
if they differed by less than 1e-6. That never happens to the chain's integer
counts; for item-kNN, whose recency weights can be tiny, it moved one test
user's rank by one place on MovieLens-1M (of 6,040). A baseline's own
settings are chosen on the validation split with ``tune``, exactly as the
neural models' are: the course compares against baselines at their best.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, Callable

import numpy as np
import pandas as pd
import scipy.sparse

from lstmrec.baskets import evaluate_stage
from lstmrec.sequences import LeaveOneOutSplit, pad_sequences


def item_counts(sequences: list[np.ndarray], num_items: int) -> np.ndarray:
    """Training interactions per item, (num_items,) int64; padding (0) counts 0."""
    flat = np.concatenate(sequences) if len(sequences) else np.zeros(0, dtype=np.int64)
    counts = np.bincount(flat.astype(np.int64), minlength=num_items)
    counts[0] = 0
    return counts


def _tie_break(counts: np.ndarray) -> np.ndarray:
    """Popularity scaled into [0, 1e-6): breaks ties, reorders nothing else."""
    return 1e-6 * counts / (counts.max() + 1.0)


DENSE_ABOVE = 0.05
"""Share of non-zero pairs above which an (items, items) matrix is stored dense.

Sparse storage costs about 12 bytes per non-zero against 8 per entry dense, and
sparse products are slower per non-zero: MovieLens-1M's co-occurrence is nearly
full (dense is faster), Instacart's 14,187 products have few pairs (dense would
take 1.6 GB per matrix)."""


def _dense_or_sparse(matrix: scipy.sparse.csr_array):
    """``matrix`` as a dense float64 array when more than ``DENSE_ABOVE`` of it is non-zero, else as is."""
    rows, cols = matrix.shape
    return matrix.toarray() if matrix.nnz > DENSE_ABOVE * rows * cols else matrix


def _to_dense(matrix) -> np.ndarray:
    """A (batch, num_items) score block as a dense array, whichever way it was computed."""
    return matrix.toarray() if scipy.sparse.issparse(matrix) else np.asarray(matrix)


class Recommender:
    """What every model offers the evaluator: ``fit`` on histories, ``score`` a batch.

    Fitted state lives in attributes ending in ``_``. Settings listed in
    ``SCORE_SETTINGS`` change only how a fitted model scores, so ``tune``
    fits once and reuses that state for every value of them.
    """

    name = "model"
    SCORE_SETTINGS: tuple[str, ...] = ()

    def fit(self, sequences: list[np.ndarray], num_items: int) -> "Recommender":
        raise NotImplementedError

    def score(self, histories: list[np.ndarray]) -> np.ndarray:
        """(batch,) histories -> (batch, num_items) float scores."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "num_items_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(sequences, num_items) first")

    def _last_items(self, histories: list[np.ndarray], n: int) -> np.ndarray:
        """(batch, n) the ``n`` most recent items, left-padded with 0; checks ids."""
        recent = pad_sequences(histories, n)  # (batch, n)
        if recent.size and recent.max() >= self.num_items_:
            raise KeyError(f"unknown item id {int(recent.max())}: the catalogue has ids 1..{self.num_items_ - 1}")
        return recent


class MostPopular(Recommender):
    """Recommend the items with the most training interactions, to everyone."""

    name = "Most popular"

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = item_counts(sequences, num_items).astype(np.float64)  # (num_items,)
        return self

    def score(self, histories):
        self._check_fitted()
        return np.tile(self.counts_, (len(histories), 1))  # (batch, num_items)


class MarkovChain(Recommender):
    """First-order Markov chain: what followed the user's last item, most often."""

    name = "Markov chain"

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = item_counts(sequences, num_items)
        prev = np.concatenate([s[:-1] for s in sequences]).astype(np.int64)
        nxt = np.concatenate([s[1:] for s in sequences]).astype(np.int64)
        real = prev != 0  # an empty history has no last item: row 0 stays empty (popularity alone)
        counts = scipy.sparse.csr_array((np.ones(int(real.sum())), (prev[real], nxt[real])),
                                        shape=(num_items, num_items))  # (from, to); duplicates summed
        self.transitions_ = _dense_or_sparse(counts)
        return self

    def score(self, histories):
        self._check_fitted()
        last = self._last_items(histories, 1)[:, 0]  # (batch,), 0 for an empty history
        return _to_dense(self.transitions_[last]) + _tie_break(self.counts_)  # (batch, num_items)


class ItemKNN(Recommender):
    """Item-item cosine similarity to the user's most recent items, recency-weighted.

    Args:
        num_recent: how many recent items ``L`` to look at (None = the whole history).
        decay: weight ``decay^m`` of the item ``m`` steps back (1.0 = all equal).
    """

    name = "Item-kNN"
    SCORE_SETTINGS = ("num_recent", "decay")

    def __init__(self, num_recent: int | None = 10, decay: float = 1.0):
        if num_recent is not None and num_recent < 1:
            raise ValueError(f"num_recent={num_recent} must be at least 1 (or None for all)")
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay={decay} must be in (0, 1]")
        self.num_recent = num_recent
        self.decay = decay

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = item_counts(sequences, num_items)
        rows = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
        cols = np.concatenate(sequences).astype(np.int64)
        real = cols != 0  # padding is no item
        x = scipy.sparse.csr_array((np.ones(int(real.sum())), (rows[real], cols[real])),
                                   shape=(len(sequences), num_items))
        x.data[:] = 1.0  # (users, items) binary: a repeated item counts once
        co = (x.T @ x).tocoo()  # (items, items) co-occurrence C, sparse: only pairs some user had together
        norms = np.sqrt(co.diagonal())  # (items,) sqrt(C_ii)
        sim = co.data / (norms[co.row] * norms[co.col])  # cosine of each stored pair (C_ij > 0, so norms > 0)
        keep = co.row != co.col  # an item is not its own neighbour
        self.similarity_ = _dense_or_sparse(scipy.sparse.csr_array(
            (sim[keep], (co.row[keep], co.col[keep])), shape=(num_items, num_items)))  # (items, items)
        return self

    def score(self, histories):
        self._check_fitted()
        n = self.num_recent or max((len(h) for h in histories), default=1) or 1
        recent = self._last_items(histories, n)  # (batch, n), most recent in the last column
        weights = self.decay ** np.arange(n - 1, -1, -1, dtype=np.float64)  # (n,)
        rows = np.repeat(np.arange(len(histories)), n)  # (batch * n,)
        items, real = recent.ravel(), recent.ravel() != 0  # padding contributes nothing
        # w[u, i] = sum of decay^m over the recent positions m holding item i: at most n non-zeros per row,
        # so a sparse (batch, num_items) matrix; duplicate (row, item) entries are summed when it is built.
        w = scipy.sparse.csr_array((np.tile(weights, len(histories))[real], (rows[real], items[real])),
                                   shape=(len(histories), self.num_items_))
        return _to_dense(w @ self.similarity_) + _tie_break(self.counts_)  # (batch, num_items)


class RepeatConsumption(Recommender):
    """Recommend the user's own past items, by recency-weighted frequency (module docstring).

    Args:
        decay: weight ``decay^m`` of an occurrence ``m`` steps back; 1.0 = plain
            frequency, near 0 = most recent first.
        num_recent: how many recent items to count (None = the whole history).
    """

    name = "Repeat"
    SCORE_SETTINGS = ("decay", "num_recent")

    def __init__(self, decay: float = 1.0, num_recent: int | None = None):
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay={decay} must be in (0, 1]")
        if num_recent is not None and num_recent < 1:
            raise ValueError(f"num_recent={num_recent} must be at least 1 (or None for all)")
        self.decay, self.num_recent = decay, num_recent

    def fit(self, sequences, num_items):
        self.num_items_ = num_items
        self.counts_ = item_counts(sequences, num_items)  # only to order items outside the history
        return self

    def score(self, histories):
        """(batch, num_items): the user's past items ranked by ``r_i``, then every other item by popularity.

        Ranked on ``log r_i`` (``recency_log_counts``), so no past item underflows
        to 0 however far back it is; items the user never had score below the
        user's lowest past item, ordered among themselves by popularity.
        """
        self._check_fitted()
        log_r = recency_log_counts(histories, self.num_items_, self.decay, self.num_recent)  # (batch, num_items)
        seen = np.isfinite(log_r)
        share = self.counts_ / (self.counts_.max() + 1.0)  # (num_items,) popularity in [0, 1)
        # Equal past scores are ordered by popularity too, by less than half the smallest gap between two
        # different past scores of the row, so that no strictly better past item is ever passed.
        with np.errstate(invalid="ignore"):  # -inf - -inf between two items never had: nan, ignored below
            gaps = np.diff(np.sort(log_r, axis=1), axis=1)  # (batch, num_items - 1)
        gap = np.where(np.isfinite(gaps) & (gaps > 0), gaps, np.inf).min(axis=1, keepdims=True)  # (batch, 1)
        gap = np.where(np.isfinite(gap), gap, 1.0)
        lowest = np.where(seen, log_r, np.inf).min(axis=1, keepdims=True)  # (batch, 1) the last past item's score
        lowest = np.where(np.isfinite(lowest), lowest, 0.0)  # an empty history: popularity alone
        return np.where(seen, log_r + 0.5 * gap * share, lowest - 1.0 + 1e-6 * share)  # unseen: below every past item


def recency_log_counts(histories: list[np.ndarray], num_items: int, decay: float, num_recent: int | None = None
                       ) -> np.ndarray:
    """``log r_i`` of ``recency_counts``, computed without underflow; ``-inf`` for items outside the history.

    With ``m0`` the steps back of the item's most recent occurrence,
    ``r_i = decay^m0 * s_i`` where ``s_i = sum_m decay^(m - m0) >= 1``, so
    ``log r_i = m0 * log(decay) + log(s_i)``: finite for every past item, even
    when ``decay^m0`` itself is below the smallest float (decay 1e-3 beyond
    about 100 steps).

    Example:
        >>> np.exp(recency_log_counts([np.array([2, 1, 2])], 3, decay=0.5)).tolist()   # as recency_counts
        [[0.0, 0.5, 1.25]]
    """
    n = num_recent or max((len(h) for h in histories), default=1) or 1
    recent = _checked_recent(histories, num_items, n)  # (batch, n), most recent in the last column
    steps_back = np.tile(np.arange(n - 1, -1, -1), len(histories))  # (batch * n,) m of each column
    rows = np.repeat(np.arange(len(histories)), n)
    items, real = recent.ravel(), recent.ravel() != 0  # padding contributes nothing
    rows, items, steps_back = rows[real], items[real], steps_back[real]
    m0 = np.full((len(histories), num_items), np.inf)  # (batch, num_items) steps back of the latest occurrence
    np.minimum.at(m0, (rows, items), steps_back)
    s = scipy.sparse.csr_array((decay ** (steps_back - m0[rows, items]), (rows, items)),
                               shape=(len(histories), num_items)).toarray()  # (batch, num_items), >= 1 where seen
    seen = np.isfinite(m0)
    out = np.full(m0.shape, -np.inf)
    out[seen] = m0[seen] * np.log(decay) + np.log(s[seen])
    return out


def _checked_recent(histories: list[np.ndarray], num_items: int, n: int) -> np.ndarray:
    """(batch, n) the ``n`` most recent items, left-padded with 0, after checking every id is in the catalogue."""
    recent = pad_sequences(histories, n)
    if recent.size and (recent.max() >= num_items or recent.min() < 0):
        bad = int(recent.max()) if recent.max() >= num_items else int(recent.min())
        raise KeyError(f"unknown item id {bad}: the catalogue has ids 1..{num_items - 1}")
    return recent


def recency_counts(histories: list[np.ndarray], num_items: int, decay: float, num_recent: int | None = None
                   ) -> np.ndarray:
    """``r_i = sum_{m=0}^{L-1} decay^m * [h_{-1-m} = i]`` for each history: its items, recency-weighted.

    Args:
        histories: one array of item ids per user, oldest first.
        num_items: catalogue size including padding.
        decay: the weight of an occurrence one step further back, in (0, 1].
        num_recent: how many recent items ``L`` to count (None = the whole history).

    Returns:
        (batch, num_items) float64; 0 for items outside the history and for padding.

    Raises:
        KeyError: an id outside the catalogue.

    Example:
        >>> recency_counts([np.array([2, 1, 2])], 3, decay=0.5).tolist()   # 2: 1 + 0.25, 1: 0.5
        [[0.0, 0.5, 1.25]]
    """
    n = num_recent or max((len(h) for h in histories), default=1) or 1
    recent = _checked_recent(histories, num_items, n)  # (batch, n), most recent in the last column
    weights = decay ** np.arange(n - 1, -1, -1, dtype=np.float64)  # (n,) decay^m, m = steps back
    rows = np.repeat(np.arange(len(histories)), n)  # (batch * n,)
    items, real = recent.ravel(), recent.ravel() != 0  # padding contributes nothing
    w = scipy.sparse.csr_array((np.tile(weights, len(histories))[real], (rows[real], items[real])),
                               shape=(len(histories), num_items))  # duplicates summed: the frequency
    return w.toarray()


BASELINES: dict[str, tuple[Callable[..., Recommender], dict[str, list[Any]]]] = {
    "Most popular": (MostPopular, {}),
    "Markov chain": (MarkovChain, {}),
    "Item-kNN": (ItemKNN, {"num_recent": [1, 2, 3, 5, 10, 20, 50, None], "decay": [1.0, 0.9, 0.7, 0.5]}),
}
"""Each baseline's class and the grid of its settings that ``tune`` searches on validation."""

REPEAT_BASELINES: dict[str, tuple[Callable[..., Recommender], dict[str, list[Any]]]] = {
    "Repeat: most frequent": (RepeatConsumption, {"decay": [1.0]}),
    "Repeat: most recent": (RepeatConsumption, {"decay": [1e-3]}),
    "Repeat: blend": (RepeatConsumption, {"decay": [0.99, 0.97, 0.95, 0.9, 0.8, 0.6, 0.4, 0.2, 0.1]}),
}
"""The repeat heuristics (chapter 10), for domains where seen items are candidates; ``tune`` them the same way."""


def tune(make: Callable[..., Recommender], grid: dict[str, list[Any]], split: LeaveOneOutSplit,
         metric: str = "NDCG@10", exclude_seen: bool = True) -> tuple[dict[str, Any], pd.DataFrame]:
    """Choose a recommender's settings on the validation split (never the test split).

    Each combination in ``grid`` is fitted on ``split.train`` and scored on
    ``split.histories("valid")`` -> ``split.targets("valid")`` (for a
    ``baskets.BasketSplit``, the validation baskets: ``baskets.evaluate_stage``). Combinations
    that differ only in the class's ``SCORE_SETTINGS`` share one fit.

    Args:
        make: builds a recommender from keyword settings.
        grid: setting name -> values to try (``{}``: only the defaults).
        split: the leave-one-out split.
        metric: the validation metric to maximise.
        exclude_seen: whether the user's history is left out of the candidates
            (``evaluation.evaluate``): the domain's rule, the same as at test time.

    Returns:
        ``(best_settings, table)``: the table has one row per combination with
        its validation metrics, best first.
    """
    names = list(grid)
    combos = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    rows, fitted = [], {}
    score_only = getattr(make, "SCORE_SETTINGS", ())
    for settings in combos:
        model = make(**settings)
        fit_key = tuple((n, repr(v)) for n, v in settings.items() if n not in score_only)
        if fit_key in fitted:  # same fit-time settings: reuse the fitted state (attributes ending in "_")
            model.__dict__.update({a: v for a, v in vars(fitted[fit_key]).items() if a.endswith("_")})
        else:
            fitted[fit_key] = model.fit(split.train, split.num_items)
        rows.append({**settings, **evaluate_stage(model.score, split, "valid", exclude_seen=exclude_seen)})
    table = pd.DataFrame(rows)
    for n in names:  # keep the settings as given: None ("all") stays None, not NaN
        table[n] = pd.Series([c[n] for c in combos], dtype=object)
    if metric not in table.columns or metric in names:
        raise ValueError(f"metric={metric!r}: choose from {[c for c in table.columns if c not in names]}")
    best = combos[int(np.argmax(table[metric].to_numpy()))]  # the first of equals: grid order
    return best, table.sort_values(metric, ascending=False, kind="stable").reset_index(drop=True)


def fit_best(name: str, split: LeaveOneOutSplit,
             exclude_seen: bool = True) -> tuple[Recommender, dict[str, Any], float]:
    """Tune baseline ``name`` (of ``BASELINES`` or ``REPEAT_BASELINES``) on validation, then fit it at its best.

    Args:
        name: the baseline.
        split: the leave-one-out split.
        exclude_seen: the domain's candidate rule (``tune``).

    Returns:
        ``(model, settings, fit_seconds)``; ``fit_seconds`` times the final fit only.
    """
    known = BASELINES | REPEAT_BASELINES
    if name not in known:
        raise KeyError(f"unknown baseline {name!r}; choose from {list(known)}")
    make, grid = known[name]
    settings, _ = tune(make, grid, split, exclude_seen=exclude_seen) if grid else ({}, None)
    start = time.perf_counter()
    model = make(**settings).fit(split.train, split.num_items)
    return model, settings, time.perf_counter() - start
