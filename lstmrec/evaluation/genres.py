"""Genre profiles: what share of a list of movies is each genre, to follow a user's taste over time.

Taught in appendix A3, for chapter 10 (the content case: does a recommender follow a user's genre drift?).

A movie with ``g`` genres gives ``1/g`` to each, so every movie weighs the same:

    G[i, j]    = [genre j is one of movie i's] / (number of movie i's genres)    (num_items, num_genres)
    profile(L) = sum_{i in L} G[i] / |{i in L : i has a genre}|                 (num_genres,), sums to 1

Padding (id 0) and movies without a genre count for nothing (neither above nor below the line). Two profiles
``p`` and ``q`` are compared by cosine similarity, ``p.q / (|p| |q|)``, in
[0, 1] since shares are never negative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse

from lstmrec.data.sequences import ItemIndex


def genre_matrix(items: pd.DataFrame, item_index: ItemIndex) -> tuple[np.ndarray, list[str]]:
    """``G`` of the module docstring for the catalogue of ``item_index``.

    Args:
        items: ``item_id`` and ``genres`` (``"Action|Comedy"``), as ``data.movielens.MovieLens.items``.
        item_index: raw ids <-> model ids.

    Returns:
        ``(G, names)``: G is (num_items, num_genres) float64, row 0 (padding) zero;
        ``names`` the genres in alphabetical order.

    Raises:
        ValueError: a column is missing, or a catalogue item has no row in ``items``.

    Example:
        >>> items = pd.DataFrame({"item_id": [10, 20], "genres": ["Drama", "Comedy|Drama"]})
        >>> G, names = genre_matrix(items, ItemIndex.fit(np.array([10, 20])))
        >>> names, G.tolist()
        (['Comedy', 'Drama'], [[0.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    """
    missing = [c for c in ("item_id", "genres") if c not in items]
    if missing:
        raise ValueError(f"items lacks column(s) {missing}")
    lists = items.set_index("item_id")["genres"].fillna("").str.split("|")
    lists = lists.map(lambda gs: [g for g in gs if g and g != "(no genres listed)"])
    raw = item_index.decode(np.arange(1, item_index.num_items))  # (num_items - 1,) raw ids of model ids 1..
    absent = np.setdiff1d(raw, lists.index.to_numpy())
    if len(absent):
        raise ValueError(f"{len(absent)} catalogue item(s) have no genres row, e.g. item {absent[0]}")
    chosen = lists.loc[raw].reset_index(drop=True)  # model id - 1 -> that movie's genres
    pairs = chosen.explode().dropna()  # one row per (movie, genre); index = model id - 1
    names = sorted(pairs.unique())
    G = np.zeros((item_index.num_items, len(names)))  # (num_items, num_genres)
    rows = pairs.index.to_numpy() + 1
    G[rows, np.searchsorted(names, pairs.to_numpy())] = 1.0 / chosen.str.len().to_numpy()[rows - 1]
    return G, names


def profiles(item_lists, G: np.ndarray) -> np.ndarray:
    """The genre profile of each list of items.

    Args:
        item_lists: (n, L) model ids with 0 = padding (e.g. a top-k), or a list
            of n arrays of any lengths (e.g. whole histories).
        G: ``genre_matrix``'s (num_items, num_genres).

    Returns:
        (n, num_genres) shares summing to 1 per row (0 for a row with no genre at all).
    """
    if isinstance(item_lists, np.ndarray) and item_lists.ndim != 2:
        raise ValueError(f"item_lists must be (n, L) or a list of arrays, got shape {item_lists.shape}")
    lists = [np.asarray(x, dtype=np.int64).ravel() for x in item_lists]
    flat = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= len(G)):
        raise KeyError(f"item id out of range 0..{len(G) - 1}: {flat.min()}..{flat.max()}")
    rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    counts = scipy.sparse.csr_array((np.ones(len(flat)), (rows, flat)), shape=(len(lists), len(G)))  # (n, num_items)
    has_genre = (G.sum(axis=1) > 0).astype(np.float64)  # (num_items,) 0 for padding and genre-less movies
    counted = (counts @ has_genre)[:, None]  # (n, 1) movies with a genre in each list
    return np.divide(counts @ G, counted, out=np.zeros((len(lists), G.shape[1])), where=counted > 0)


def cosine(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (n, num_genres) profile arrays, (n,); 0 where a row is empty.

    Example:
        >>> cosine(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])).round(4).tolist()
        [0.7071]
    """
    p, q = np.atleast_2d(p), np.atleast_2d(q)
    if p.shape != q.shape:
        raise ValueError(f"profiles must have the same shape: {p.shape} and {q.shape}")
    norms = np.linalg.norm(p, axis=1) * np.linalg.norm(q, axis=1)  # (n,)
    return np.divide((p * q).sum(axis=1), norms, out=np.zeros(len(p)), where=norms > 0)
