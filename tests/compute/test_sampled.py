"""Unit tests for ``lstmrec.compute.sampled``: the sampled softmax by hand, equal to the full softmax when every item is
sampled, the log-Q correction and accidental hits, the proposal, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import compute, models

keras = pytest.importorskip("keras")


def _full(hidden, emb, targets):
    logits = hidden @ emb.T  # (P, N)
    top = logits.max(axis=1, keepdims=True)
    lse = (top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True)))[:, 0]
    return lse - logits[np.arange(len(targets)), targets]


def test_every_item_sampled_once_is_the_full_softmax():
    rng = np.random.default_rng(0)
    hidden, emb = rng.normal(size=(7, 4)).astype("float32"), rng.normal(size=(11, 4)).astype("float32")
    targets = rng.integers(1, 11, size=7)
    every = np.arange(11)  # each item once: S Q(j) = 1, log = 0
    got = np.asarray(compute.sampled.sampled_softmax_loss(hidden, emb, targets, every, np.zeros(11, "float32")))
    np.testing.assert_allclose(got, _full(hidden, emb, targets), rtol=1e-5)
    # ... and it is the course's training loss on those logits
    course = np.asarray(models.training.next_item_loss(targets[None, :], (hidden @ emb.T)[None]))[0]
    np.testing.assert_allclose(got, course, rtol=1e-5)


def test_by_hand_with_log_q_and_an_accidental_hit():
    # h = (1, 0); items 0..2 with embeddings (0,0), (1,0), (0,1): scores 0, 1, 0. Target 1; samples (1, 2):
    # sample 1 is the target itself and is dropped; o_target = 1 - log 2, o_2 = 0 - log 0.5.
    hidden, emb = np.array([[1.0, 0.0]], "float32"), np.array([[0, 0], [1, 0], [0, 1]], "float32")
    log_expected = np.log(np.array([1.0, 2.0, 0.5], "float32"))
    got = float(compute.sampled.sampled_softmax_loss(hidden, emb, np.array([1]), np.array([1, 2]), log_expected)[0])
    o_y, o_2 = 1 - np.log(2.0), -np.log(0.5)
    assert got == pytest.approx(np.log(np.exp(o_y) + np.exp(o_2)) - o_y, rel=1e-5)


def test_without_the_correction_popular_samples_weigh_more():
    hidden, emb = np.array([[0.0, 0.0]], "float32"), np.zeros((3, 2), "float32")  # all scores 0
    # sample item 2 three times, item 0 not at all: with log-Q (expected count 3 for item 2) the three copies
    # count as one item; without it, as three.
    samples = np.array([2, 2, 2])
    corrected = float(compute.sampled.sampled_softmax_loss(hidden, emb, np.array([1]), samples,
                                                   np.log(np.array([1e-9, 1.0, 3.0], "float32")))[0])
    raw = float(compute.sampled.sampled_softmax_loss(hidden, emb, np.array([1]), samples, np.zeros(3, "float32"))[0])
    assert corrected == pytest.approx(np.log(1 + 3 * (1 / 3)), rel=1e-5)  # log 2: as if 2 candidates
    assert raw == pytest.approx(np.log(4.0), rel=1e-5)  # log 4: the same item counted three times


def test_proposal_by_hand():
    q = compute.sampled.proposal([np.array([1, 1, 1]), np.array([2])], 4, alpha=1.0)  # counts+1: 4, 2, 1
    np.testing.assert_allclose(q, [0.0, 4 / 7, 2 / 7, 1 / 7])
    np.testing.assert_allclose(compute.sampled.proposal([np.array([1, 1, 1])], 4, alpha=0.0), [0, 1 / 3, 1 / 3, 1 / 3])


@pytest.mark.parametrize("call, message", [
    (lambda: compute.sampled.proposal([np.array([1])], 3, alpha=1.5), "alpha"),
    (lambda: compute.sampled.train(None, models.config.Config(tie_embeddings=False)), "tie_embeddings"),
    (lambda: compute.sampled.train(None, models.config.Config(), num_samples=0), "num_samples"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.slow
def test_trains_and_scores_the_whole_catalogue():
    """A tiny run: users walk through consecutive items; the sampled model learns "next = last + 1"."""
    from lstmrec.data.sequences import ItemIndex
    from lstmrec.data.splits import LeaveOneOutSplit
    from lstmrec.evaluation.ranking import evaluate

    seqs = [np.arange(s, s + 10) for s in np.tile(np.arange(1, 21), 3)]  # 60 users, items 1..29
    split = LeaveOneOutSplit(user_ids=np.arange(60), train=[s[:-2] for s in seqs],
                             valid_target=np.array([s[-2] for s in seqs]), test_target=np.array([s[-1] for s in seqs]),
                             item_index=ItemIndex.fit(np.arange(1, 30)))
    config = models.config.Config(max_len=8, embedding_dim=16, hidden_dim=16, dropout=0.0, lr=0.02, batch_size=16,
                           max_epochs=20, patience=20)
    trained = compute.sampled.train(split, config, num_samples=5, alpha=0.0)
    assert trained.history["loss"][-1] < 0.5 * trained.history["loss"][0]  # the reported loss is the sampled one
    scores = trained.recommender.score(split.histories("test"))
    assert scores.shape == (60, split.num_items)  # every item is scored at test time
    ndcg = evaluate(trained.recommender.score, split.histories("test"), split.test_target, split.num_items).metrics()
    assert ndcg["NDCG@10"] > 0.6  # about 0.3 for a random order of the ~21 unseen items
