"""Sampled softmax with the log-Q correction: train against a few hundred sampled items instead of the whole catalogue.

Taught in chapter 12 (compute: cheaper training).

The full softmax of ``models.training.next_item_loss`` scores every item at every
position: ``2 E N`` operations forward (``compute.cost.flops_per_position``), which
dominates once the catalogue ``N`` is large. Sampled softmax scores the true
next item ``y`` and ``S`` items drawn from a proposal ``Q`` (here item
popularity to a power ``alpha``), shared by the whole batch (Jean et al.,
2015; Yi et al., 2019 for recommenders):

    o_j  = h . e_j - log(S Q(j))              j in {y} + samples;  S Q(j): j's expected count in the sample
    loss = logsumexp_j o_j - o_y              a sample that is y itself is removed (an "accidental hit")

Subtracting ``log(S Q(j))`` (the log-Q correction) makes the sampled loss's
gradient an unbiased-in-the-limit estimate of the full softmax's: without it,
popular items, sampled often, are pushed down far too hard. When every item
is "sampled" exactly once (``Q(j) = 1/S``, so ``log(S Q) = 0``) the loss is
the full softmax's exactly; the tests check this.

Training reads the same windows as ``models.training.train`` and chooses the epoch on
the same full-catalogue validation NDCG@10, so the two are compared by the
same code; only the training loss differs. At test time every item is scored,
as before.
"""

from __future__ import annotations

import numpy as np

from lstmrec import models
from lstmrec.data.splits import LeaveOneOutSplit


def sampled_softmax_loss(hidden, item_embeddings, targets, samples, log_expected):
    """Per-position sampled softmax loss with the log-Q correction (module docstring).

    Args:
        hidden: (P, E) one hidden vector (in embedding space) per position.
        item_embeddings: (N, E) the catalogue's embeddings (row 0 is padding).
        targets: (P,) int the true next items.
        samples: (S,) int the sampled items, shared by all positions.
        log_expected: (N,) ``log(S Q(j))`` for every item ``j``: each item's
            log expected count in the sample.

    Returns:
        (P,) losses.

    Example:
        >>> import numpy as np
        >>> h, emb = np.array([[1.0, 0.0]], "float32"), np.array([[0, 0], [1, 0], [0, 1]], "float32")
        >>> full = float(np.log(np.exp([0, 1, 0]).sum()) - 1)          # -log softmax over all 3 items
        >>> every = sampled_softmax_loss(h, emb, np.array([1]), np.array([0, 1, 2]), np.zeros(3, "float32"))
        >>> round(float(every[0]), 5) == round(full, 5)
        True
    """
    import keras

    ops = keras.ops
    targets = ops.cast(targets, "int32")
    samples = ops.cast(samples, "int32")
    positive = ops.sum(hidden * ops.take(item_embeddings, targets, axis=0), axis=-1)  # (P,)
    positive = positive - ops.take(log_expected, targets)  # (P,) corrected
    negative = ops.matmul(hidden, ops.transpose(ops.take(item_embeddings, samples, axis=0)))  # (P, S)
    negative = negative - ops.take(log_expected, samples)[None, :]  # (P, S) corrected
    hit = ops.equal(targets[:, None], samples[None, :])  # (P, S): a sample that is the target itself
    negative = ops.where(hit, -1e9, negative)  # removed: the target is already the first column
    logits = ops.concatenate([positive[:, None], negative], axis=1)  # (P, 1 + S)
    return ops.logsumexp(logits, axis=1) - positive  # (P,)


def proposal(train_sequences: list[np.ndarray], num_items: int, alpha: float = 0.75) -> np.ndarray:
    """The sampling distribution ``Q(j) ∝ (count_j + 1)^alpha`` over items 1..N-1 (padding 0 never sampled).

    ``alpha = 0`` is uniform; ``alpha = 1`` is popularity; 0.75 (word2vec's)
    sits between. The +1 gives unseen items a chance.

    Returns:
        (num_items,) float64 probabilities summing to 1, with ``Q(0) = 0``.

    Example:
        >>> proposal([np.array([1, 1, 2])], 3, alpha=1.0).round(3).tolist()   # counts+1: 3 and 2
        [0.0, 0.6, 0.4]
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha={alpha} must be in [0, 1]")
    counts = np.bincount(np.concatenate(train_sequences), minlength=num_items).astype(np.float64)  # (num_items,)
    weights = (counts + 1.0) ** alpha
    weights[0] = 0.0
    return weights / weights.sum()


def _sampled_model_class():
    import keras
    import tensorflow as tf

    class SampledSoftmaxModel(keras.Model):
        """The course's model (same layers, same weights) with ``train_step`` using the sampled loss."""

        def configure(self, q: np.ndarray, num_samples: int):
            self.num_samples = num_samples
            self.log_q = tf.constant(np.log(np.maximum(q, 1e-30)), tf.float32)  # (N,) log Q, padding ~ -69
            self.log_expected = self.log_q + float(np.log(num_samples))  # (N,) log(S Q(j))
            self.to_hidden = keras.Model(self.inputs, self.get_layer("to_embedding_space").output)
            self.item_embeddings = self.get_layer("item_embedding").embeddings
            self.loss_mean = keras.metrics.Mean(name="loss")  # the epoch's mean loss, as fit reports it

        @property
        def metrics(self):
            return [self.loss_mean]  # reset by fit at the start of every epoch

        def train_step(self, data):
            x, y, w = data  # (B, T) inputs, (B, T) targets, (B, T) weights
            samples = tf.random.categorical(self.log_q[None, :], self.num_samples, dtype=tf.int32)[0]  # (S,)
            with tf.GradientTape() as tape:
                h = self.to_hidden(x, training=True)  # (B, T, E)
                keep = tf.where(tf.reshape(w, [-1]) > 0)[:, 0]  # positions with a real target
                h = tf.gather(tf.reshape(h, [-1, tf.shape(h)[-1]]), keep)  # (P, E)
                targets = tf.gather(tf.reshape(y, [-1]), keep)  # (P,)
                losses = sampled_softmax_loss(h, self.item_embeddings, targets, samples, self.log_expected)
                loss = tf.reduce_sum(losses) / tf.cast(tf.size(y), tf.float32)  # averaged as fit averages
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_mean.update_state(loss)
            return {"loss": self.loss_mean.result()}

    return SampledSoftmaxModel


def train(split: LeaveOneOutSplit, config: models.config.Config, num_samples: int = 512, alpha: float = 0.75,
          k: int = 10, verbose: bool | None = None, exclude_seen: bool = True) -> models.training.TrainedModel:
    """``models.training.train`` with the sampled softmax loss: same model, windows, validation and early stopping.

    Args:
        split: the leave-one-out split.
        config: the model; it must tie the output to the item embeddings
            (``tie_embeddings=True``, the course's), so a sampled item's score
            needs only its embedding.
        num_samples: ``S``, items sampled per batch (with replacement).
        alpha: the proposal's popularity exponent (``proposal``).

    Returns:
        A ``models.training.TrainedModel`` whose recommender scores the whole catalogue.

    Raises:
        ValueError: an untied model, or ``num_samples`` < 1.
    """
    import keras
    import tensorflow as tf

    if not config.tie_embeddings:
        raise ValueError("sampled softmax here needs tie_embeddings=True: items are scored by their embeddings")
    if num_samples < 1:
        raise ValueError(f"num_samples={num_samples} must be at least 1")
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    base = models.recurrent.build(split.num_items, config)
    model = _sampled_model_class()(base.inputs, base.outputs, name=f"{config.cell.lower()}_sampled")
    model.configure(proposal(split.train, split.num_items, alpha), num_samples)
    model.compile(optimizer=keras.optimizers.Adam(config.lr))
    return models.training.fit(model, split, config, k, verbose, exclude_seen)
