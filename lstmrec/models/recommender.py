"""A trained sequence model as the evaluator sees it: ``score(histories) -> (batch, num_items)``.

Taught in chapter 06. To recommend, the model reads the history and the last
position's logits rank the catalogue; the padding id 0 is never a candidate.
"""

from __future__ import annotations

import numpy as np

from lstmrec.data.sequences import pad_sequences
from lstmrec.models.config import Config


class Recommender:
    """A trained sequence model as the evaluator sees it: ``score(histories) -> (batch, num_items)``.

    Args:
        model: the Keras model from ``build``, or any model with the same contract
            ((batch, max_len) ids -> (batch, max_len, num_items) logits; ``lstmrec.bench.leaderboard``).
        config: its configuration.
        num_items: catalogue size including padding.
    """

    def __init__(self, model, config: Config, num_items: int):
        import keras

        self.model, self.config, self.num_items = model, config, num_items
        self.name = config.cell
        # To rank, only the last position's scores are needed: the same layers (same weights) applied to
        # the last state only, instead of computing (batch, max_len, num_items) and keeping one slice.
        name = "encoder" if config.cell == "SASRec" else "recurrent"
        if name in [layer.name for layer in model.layers]:
            state = model.get_layer(name)
            after = model.layers[model.layers.index(state) + 1:]
            out = keras.ops.take(state.output, -1, axis=1)  # (batch, hidden_dim or E): after the last item
            for layer in after:
                out = layer(out)  # ends as (batch, num_items) logits
        else:  # another architecture (a learner's, lstmrec.bench.leaderboard): the last position of its whole output
            out = keras.ops.take(model.outputs[0], -1, axis=1)  # (batch, num_items)
        self._last_step = keras.Model(model.inputs[0], out)
        self._compiled = None

    def compiled(self):
        """The last-position model as one compiled TensorFlow graph: (batch, max_len) ids -> (batch, num_items) logits.

        Called eagerly, op by op (``score(..., eager=True)``), a recurrent layer
        dispatches one round of operations per time step, which dominates the time
        of a call. The compiled graph runs the same weights without that overhead,
        and ``score`` uses it (appendix A5 times both). Its input is already padded
        (``data.sequences.pad_sequences``: int32, (batch, max_len)) and it does not
        mask the padding column. Its signature fixes the width and leaves the batch
        open, so it is traced once, whatever the batch sizes of the calls.
        """
        import tensorflow as tf

        if self._compiled is None:
            spec = tf.TensorSpec((None, self.config.max_len), tf.int32)  # any batch, one trace
            self._compiled = tf.function(lambda x: self._last_step(x, training=False), input_signature=[spec])
        return self._compiled

    def score(self, histories: list[np.ndarray], eager: bool = False) -> np.ndarray:
        """Logits of the item after each history, from its ``max_len`` most recent items.

        Args:
            histories: item-id arrays, oldest first.
            eager: call the Keras model op by op instead of the compiled graph
                (``compiled``): the same numbers, several times slower for a
                recurrent model (appendix A5 times both).

        Returns:
            (batch, num_items) float32; column 0 (padding) is -inf.

        Raises:
            KeyError: an item id outside the catalogue.
        """
        x = pad_sequences(histories, self.config.max_len)  # (batch, max_len), most recent item last
        if x.size and (x.max() >= self.num_items or x.min() < 0):  # a negative id would wrap around silently
            bad = int(x.max()) if x.max() >= self.num_items else int(x.min())
            raise KeyError(f"unknown item id {bad}: the catalogue has ids 1..{self.num_items - 1}")
        step = self._last_step if eager else self.compiled()
        scores = np.array(step(x, training=False) if eager else step(x), dtype=np.float32)  # (batch, num_items), a copy
        scores[:, 0] = -np.inf  # padding is never recommended
        return scores
