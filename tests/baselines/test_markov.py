"""Unit tests for ``lstmrec.baselines.markov``: the transition counts and scores by hand, and the popularity
tie-break that never reorders them.
"""

from __future__ import annotations

import numpy as np

from lstmrec import baselines
from lstmrec.baselines.markov import InterpolatedMarkov, MarkovChain
from tests.baselines.counts import COUNTS, NUM_ITEMS, SEQS, ranking, tie_break

# --- MarkovChain ---------------------------------------------------------------------


def test_markov_transitions_by_hand():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    expected = np.zeros((NUM_ITEMS, NUM_ITEMS))
    expected[1, 2] = 2
    expected[2, 3] = 2
    expected[2, 4] = 1
    np.testing.assert_array_equal(model.transitions_, expected)


def test_markov_after_two_comes_three():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([4, 1, 2])])[0]
    # last item 2: N(2->3) = 2, N(2->4) = 1, the rest 0 -> 3, 4, then by popularity 2 (3), 1 (2)
    np.testing.assert_allclose(scores, [0, 0, 0, 2, 1] + tie_break(COUNTS), rtol=0, atol=1e-12)
    assert ranking(scores) == [3, 4, 2, 1]


def test_markov_tie_break_never_reorders_counts():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    # last item 2: item 4 (popularity 1) followed 2 once, item 2 (popularity 3) never: 4 first
    scores = model.score([np.array([2])])[0]
    assert scores[4] > scores[2]
    # last item 1: only 2 follows; 1 and 3 tie at 0 with equal popularity 2 -> by id; 4 (popularity 1) last
    assert ranking(model.score([np.array([1])])[0]) == [2, 1, 3, 4]
    # last item 4: nothing ever followed it -> pure popularity: 2 (3), 1 and 3 (2), 4 (1)
    assert ranking(model.score([np.array([3, 4])])[0]) == [2, 1, 3, 4]


def test_markov_tie_break_property_on_random_sequences():
    rng = np.random.default_rng(0)
    num_items = 30
    # a skewed catalogue: low ids are very popular, so popularity would disagree with transitions
    seqs = [rng.zipf(1.3, size=rng.integers(2, 40)) % (num_items - 1) + 1 for _ in range(200)]
    model = MarkovChain().fit(seqs, num_items)
    counts = baselines.base.item_counts(seqs, num_items)
    for last in range(1, num_items):
        scores = model.score([np.array([last])])[0]
        trans = model.transitions_[last]
        i, j = np.meshgrid(np.arange(1, num_items), np.arange(1, num_items), indexing="ij")
        more_transitions = trans[i] > trans[j]
        assert (scores[i] > scores[j])[more_transitions].all()  # never reordered by popularity
        tie_more_popular = (trans[i] == trans[j]) & (counts[i] > counts[j])
        assert (scores[i] > scores[j])[tie_more_popular].all()  # ties go to the more popular


def test_markov_empty_history_is_popularity():
    model = MarkovChain().fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([], dtype=np.int64)])[0]
    np.testing.assert_allclose(scores, tie_break(COUNTS), rtol=0, atol=1e-15)
    assert ranking(scores) == [2, 1, 3, 4]


# --- InterpolatedMarkov --------------------------------------------------------------

def test_second_order_by_hand():
    # P1: 1 -> 2 (1); 2 -> 3 (2/3), 4 (1/3). Contexts: (1, 2) -> 3 once and 4 once -> P2 = 1/2, 1/2
    model = InterpolatedMarkov(weight=0.5).fit(SEQS, NUM_ITEMS)
    np.testing.assert_allclose(model.first_.toarray()[2], [0, 0, 0, 2 / 3, 1 / 3])
    assert model.pairs_.tolist() == [1 * NUM_ITEMS + 2]
    np.testing.assert_allclose(model.second_.toarray(), [[0, 0, 0, 0.5, 0.5]])
    scores = model.score([np.array([1, 2])])[0]  # 0.5 * P2 + 0.5 * P1
    np.testing.assert_allclose(scores, [0, 0, 0, 0.5 * 0.5 + 0.5 * 2 / 3, 0.5 * 0.5 + 0.5 / 3] + tie_break(COUNTS),
                               rtol=0, atol=1e-12)
    full = InterpolatedMarkov(weight=1.0).fit(SEQS, NUM_ITEMS).score([np.array([1, 2])])[0]
    np.testing.assert_allclose(full[3:5] - tie_break(COUNTS)[3:5], [0.5, 0.5])  # P2 alone: 1/2 each


def test_an_unseen_context_falls_back_on_the_last_item():
    model = InterpolatedMarkov(weight=0.9).fit(SEQS, NUM_ITEMS)
    # (3, 2) never came before anything: P1 of 2 alone, not scaled down by the weight
    np.testing.assert_allclose(model.score([np.array([3, 2])])[0],
                               [0, 0, 0, 2 / 3, 1 / 3] + tie_break(COUNTS), rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.score([np.array([2])]), model.score([np.array([3, 2])]))  # one item: P1


def test_weight_zero_ranks_as_the_markov_chain():
    rng = np.random.default_rng(1)
    seqs = [rng.integers(1, 15, size=rng.integers(2, 20)) for _ in range(60)]
    histories = [rng.integers(1, 15, size=rng.integers(1, 6)) for _ in range(20)]
    a = InterpolatedMarkov(weight=0.0).fit(seqs, 15).score(histories)
    b = MarkovChain().fit(seqs, 15).score(histories)
    for x, y in zip(a, b):
        assert ranking(x) == ranking(y)


def test_interpolated_markov_refuses_bad_weights_and_unknown_items():
    import pytest

    with pytest.raises(ValueError, match=r"weight=1.5 must be in \[0, 1\]"):
        InterpolatedMarkov(weight=1.5)
    with pytest.raises(KeyError, match="unknown item id 8"):
        InterpolatedMarkov().fit(SEQS, NUM_ITEMS).score([np.array([8])])
    assert ranking(InterpolatedMarkov().fit(SEQS, NUM_ITEMS).score([np.zeros(0, np.int64)])[0]) == [2, 1, 3, 4]
