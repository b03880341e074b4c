"""Unit tests for ``lstmrec.baselines.rules``: the rules by hand at distances 1 and 2, ``steps=1`` as the Markov
chain, pruning, the popularity tie-break, and the settings it refuses.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec.baselines.markov import MarkovChain
from lstmrec.baselines.rules import SequentialRules, _strongest
from tests.baselines.counts import COUNTS, NUM_ITEMS, SEQS, ranking, tie_break


def test_rules_by_hand_two_steps_div():
    # d = 1: (1,2) (2,3) (1,2) (2,4) (2,3), weight 1; d = 2: (1,3) (1,4), weight 1/2
    model = SequentialRules(steps=2, weighting="div", pruning=0).fit(SEQS, NUM_ITEMS)
    expected = np.zeros((NUM_ITEMS, NUM_ITEMS))
    expected[1, 2], expected[1, 3], expected[1, 4] = 2, 0.5, 0.5
    expected[2, 3], expected[2, 4] = 2, 1
    np.testing.assert_array_equal(model.rules_.toarray(), expected)


def test_same_weighting_counts_every_distance_alike():
    model = SequentialRules(steps=2, weighting="same", pruning=0).fit(SEQS, NUM_ITEMS)
    assert model.rules_[1, 3] == 1.0 and model.rules_[1, 2] == 2.0


def test_one_step_is_the_markov_chain():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 20, size=rng.integers(1, 15)) for _ in range(50)]
    histories = [rng.integers(1, 20, size=rng.integers(1, 6)) for _ in range(10)] + [np.zeros(0, np.int64)]
    rules = SequentialRules(steps=1, pruning=0).fit(seqs, 20)
    np.testing.assert_allclose(rules.score(histories), MarkovChain().fit(seqs, 20).score(histories))


def test_scores_are_the_last_item_s_row_plus_the_tie_break():
    model = SequentialRules(steps=2, pruning=0).fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([3, 1])])[0]  # last item 1: 2 (2), 3 and 4 (1/2 each)
    np.testing.assert_allclose(scores, [0, 0, 2, 0.5, 0.5] + tie_break(COUNTS), rtol=0, atol=1e-12)
    assert ranking(scores) == [2, 3, 4, 1]  # 3 and 4 tie at 1/2: 3 is more popular


def test_pruning_keeps_the_strongest_rules_only():
    model = SequentialRules(steps=2, pruning=1).fit(SEQS, NUM_ITEMS)
    scores = model.score([np.array([1])])[0]  # only 1 -> 2 survives; the rest is popularity
    np.testing.assert_allclose(scores, [0, 0, 2, 0, 0] + tie_break(COUNTS), rtol=0, atol=1e-12)


def test_an_empty_history_scores_by_popularity():
    model = SequentialRules().fit(SEQS, NUM_ITEMS)
    assert ranking(model.score([np.zeros(0, np.int64)])[0]) == [2, 1, 3, 4]


def test_strongest_breaks_equal_weights_by_lower_id_in_every_row():
    rows = np.array([[0, 1.0, 1.0, 1.0], [0, 0, 0, 0], [5.0, 0, 2.0, 7.0]])
    kept = _strongest(rows, 2).toarray()
    np.testing.assert_array_equal(kept, [[0, 1, 1, 0], [0, 0, 0, 0], [5, 0, 0, 7]])
    np.testing.assert_array_equal(_strongest(rows, 0).toarray(), rows)


@pytest.mark.parametrize("settings, message", [({"steps": 0}, "steps=0 must be at least 1"),
                                               ({"weighting": "log"}, "weighting='log': choose from"),
                                               ({"pruning": -1}, "pruning=-1 must be 0")])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        SequentialRules(**settings)


def test_unknown_items_and_unfitted_models_are_refused():
    with pytest.raises(RuntimeError, match="not fitted"):
        SequentialRules().score([np.array([1])])
    with pytest.raises(KeyError, match="unknown item id 9"):
        SequentialRules().fit(SEQS, NUM_ITEMS).score([np.array([9])])
