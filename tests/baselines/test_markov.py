"""Unit tests for ``lstmrec.baselines.markov``: the transition counts and scores by hand, and the popularity
tie-break that never reorders them.
"""

from __future__ import annotations

import numpy as np

from lstmrec import baselines
from lstmrec.baselines.markov import MarkovChain
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
