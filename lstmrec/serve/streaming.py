"""Streaming state: keep each user's LSTM state and update it by one cell step per new event.

Taught in chapter 09; ``lstmrec.serve`` runs it behind HTTP.

Re-encoding a history of T items costs T cell steps per recommendation. The
LSTM's state after the history, ``(h_T, c_T)``, is all the model keeps of it,
so a service can store that state and, when item ``x`` arrives, run ONE step
(chapter 03's equations, Keras's weight layout):

    z   = E[x] K + b + h_{t-1} R          (4H,)  pre-activations, gate order i, f, c, o
    c_t = σ(z_f) ⊙ c_{t-1} + σ(z_i) ⊙ tanh(z_c)
    h_t = σ(z_o) ⊙ tanh(c_t)

and score the catalogue from ``h_t`` alone:

    scores = (h_t W_p + b_p) E^T          (num_items,)   (tied output, ``serve.export.inference_model``)

The input half ``E[x] K + b`` depends only on the item, so it is precomputed
once for every item: a (num_items, 4H) table, and an event costs one table
lookup, one (H, 4H) product and the scoring, about 2·(4H² + HE + EN) FLOPs
(0.36 MFLOP for H=128, E=64, N=1,683), whatever the history's length.

The arithmetic is float32, like Keras's (``from_model(..., dtype="float64")``
gives a reference without float32 rounding). Every function is vectorised over
a batch of users; there is no loop over users.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lstmrec.data.sequences import pad_sequences
from lstmrec.foundations.numpy_rnn import sigmoid


@dataclasses.dataclass(frozen=True)
class StreamingLSTM:
    """An exported LSTM recommender as arrays, stepped one event at a time.

    Attributes:
        input_table: (num_items, 4H), ``E[x] K + b`` for every item ``x``.
        recurrent_kernel: (H, 4H), ``R``.
        projection: (H, E), ``W_p`` (the ``to_embedding_space`` layer).
        projection_bias: (E,), ``b_p``.
        output: (E, num_items), ``E^T`` (the tied scores' kernel).

    All five share one dtype (float32 unless built with ``dtype="float64"``);
    states and scores come out in it.
    """

    input_table: np.ndarray
    recurrent_kernel: np.ndarray
    projection: np.ndarray
    projection_bias: np.ndarray
    output: np.ndarray

    @classmethod
    def from_model(cls, serving, dtype: str = "float32") -> "StreamingLSTM":
        """Read the arrays from an ``serve.export.inference_model`` (or a model loaded from its ``.keras``).

        Args:
            serving: the model.
            dtype: ``"float32"`` (what the service runs) or ``"float64"`` (a reference).

        Raises:
            ValueError: the model's recurrent layer is not an LSTM, or it has no tied projection.
        """
        recurrent = serving.get_layer("recurrent")
        if type(recurrent).__name__ != "LSTM":
            raise ValueError(f"streaming is written for an LSTM; this model's recurrent layer is "
                             f"{type(recurrent).__name__}")
        options = recurrent.get_config()
        expected = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True}
        wrong = {k: options.get(k) for k, v in expected.items() if options.get(k) != v}
        if wrong:
            raise ValueError(f"streaming implements the standard LSTM {expected}; this layer has {wrong}")
        names = [layer.name for layer in serving.layers]
        if "to_embedding_space" not in names:
            raise ValueError(f"streaming is written for the tied model (Config(tie_embeddings=True)); "
                             f"{serving.name} has no to_embedding_space layer (layers: {names})")
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype={dtype!r}: choose 'float32' or 'float64'")
        items = serving.get_layer("item_embedding").get_weights()[0].astype(dtype)  # (num_items, E)
        kernel, recurrent_kernel, bias = (w.astype(dtype) for w in recurrent.get_weights())
        projection, projection_bias = (w.astype(dtype) for w in serving.get_layer("to_embedding_space")
                                       .get_weights())
        output = serving.get_layer("scores").get_weights()[0].astype(dtype)  # (E, num_items)
        table = items @ kernel + bias  # (num_items, 4H)
        return cls(table, recurrent_kernel, projection, projection_bias, np.ascontiguousarray(output))

    @property
    def num_items(self) -> int:
        """Catalogue size including the padding id 0."""
        return self.input_table.shape[0]

    @property
    def hidden_dim(self) -> int:
        return self.recurrent_kernel.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.input_table.dtype

    def initial_state(self, batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """``(h, c)`` before any event: zeros, (batch, H) each (Keras's initial state)."""
        return (np.zeros((batch, self.hidden_dim), self.dtype), np.zeros((batch, self.hidden_dim), self.dtype))

    def _items(self, items) -> np.ndarray:
        items = np.asarray(items)
        if items.dtype.kind not in "iu":
            raise TypeError(f"item ids must be integers, got dtype {items.dtype}")
        bad = (items < 1) | (items >= self.num_items)
        if bad.any():
            raise KeyError(f"unknown item id(s) {items[bad][:5].tolist()}: items are 1..{self.num_items - 1}")
        return items.astype(np.int64)

    def step(self, h: np.ndarray, c: np.ndarray, items) -> tuple[np.ndarray, np.ndarray]:
        """One event per user: the state after ``items`` follows the state ``(h, c)``.

        Args:
            h: (batch, H) hidden states.
            c: (batch, H) cell states.
            items: (batch,) one item id (model id, 1..num_items-1) per user.

        Returns:
            ``(h_t, c_t)``, (batch, H) each, in the model's dtype.

        Raises:
            KeyError: an id is padding or beyond the catalogue.
            ValueError: the shapes do not agree.

        Example:
            >>> h, c = lstm.initial_state(1)                       # doctest: +SKIP
            >>> h, c = lstm.step(h, c, [50])                       # the user watched item 50
        """
        items = self._items(items)
        h, c = np.asarray(h, self.dtype), np.asarray(c, self.dtype)
        if h.shape != c.shape or h.shape != (len(items), self.hidden_dim):
            raise ValueError(f"h {h.shape} and c {c.shape} must both be (batch, H) = "
                             f"({len(items)}, {self.hidden_dim}) for {len(items)} item(s)")
        H = self.hidden_dim
        z = self.input_table[items] + h @ self.recurrent_kernel  # (batch, 4H), columns i | f | c | o
        i_f = sigmoid(z[:, :2 * H], z.dtype)  # (batch, 2H): the input and forget gates in one call
        c_t = i_f[:, H:] * c + i_f[:, :H] * np.tanh(z[:, 2 * H:3 * H])  # (batch, H)
        h_t = sigmoid(z[:, 3 * H:], z.dtype) * np.tanh(c_t)  # (batch, H)
        return h_t, c_t

    def scores(self, h: np.ndarray) -> np.ndarray:
        """Logits of every item after the state ``h``: ``(h W_p + b_p) E^T``.

        Args:
            h: (batch, H).

        Returns:
            (batch, num_items) in the model's dtype; column 0 (padding) is -inf.
        """
        logits = (np.asarray(h, self.dtype) @ self.projection + self.projection_bias) @ self.output  # (batch, N)
        logits[:, 0] = -np.inf
        return logits

    def encode(self, histories: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The state after each whole history: one step per event, all users at once.

        Users with shorter histories keep their state while others still step
        (as Keras's mask does on left padding). An empty history gives the initial state.

        Args:
            histories: one array of model item ids per user, oldest first.

        Returns:
            ``(h, c)``, (num_users, H) each.
        """
        n = len(histories)
        longest = max((len(x) for x in histories), default=0)
        if longest:
            self._items(np.concatenate([np.asarray(x) for x in histories]))  # every id must be an item (not 0)
        padded = (pad_sequences(histories, longest).astype(np.int64) if longest
                  else np.zeros((n, 0), np.int64))  # (n, T) left-padded with 0
        h, c = self.initial_state(n)
        for t in range(longest):  # the recurrence itself: one step for all users
            live = padded[:, t] > 0  # (n,) users with an event at this position
            if live.all():
                h, c = self.step(h, c, padded[:, t])
            elif live.any():
                h_new, c_new = self.step(h[live], c[live], padded[live, t])
                h, c = h.copy(), c.copy()
                h[live], c[live] = h_new, c_new
        return h, c
