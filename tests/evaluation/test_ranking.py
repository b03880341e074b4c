"""Unit tests for ``lstmrec.evaluation.ranking``: ranks over the whole catalogue, exclusion of the history, top-k,
``evaluate``, sampled ranks and ``recommend``.

Expected values are computed by hand (arithmetic in the comments); ties are counted against the model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec import evaluation

LOG2_3 = math.log2(3)  # 1.5849...


# --- target_ranks and exclusion_mask ---------------------------------------------------


def test_target_ranks_docstring_example():
    # item 3 ties the target (0.5 >= 0.5), item 2 beats it: rank 2
    assert evaluation.ranking.target_ranks(np.array([[0.0, 0.5, 0.9, 0.5]]), [1]).tolist() == [2]


@pytest.mark.parametrize("num_items", [2, 5, 100])
def test_all_equal_scores_rank_every_target_last(num_items):
    scores = np.ones((3, num_items))
    # num_items - 1 real items; the target ties with each of the other num_items - 2
    ranks = evaluation.ranking.target_ranks(scores, [1, num_items - 1, 1])
    assert ranks.tolist() == [num_items - 2] * 3


def test_padding_never_counts_even_if_highest():
    scores = np.array([[100.0, 0.1, 0.5, 0.3]] * 2)
    # target 2 (0.5): only padding (100) is above -> rank 0; target 3 (0.3): item 2 above -> rank 1
    assert evaluation.ranking.target_ranks(scores, [2, 3]).tolist() == [0, 1]


def test_exclude_mask_removes_candidates():
    scores = np.array([[0.0, 0.9, 0.8, 0.7, 0.6]])
    # target 4 (0.6): items 1, 2, 3 above -> rank 3; excluding 1 and 2 -> rank 1
    assert evaluation.ranking.target_ranks(scores, [4]).tolist() == [3]
    exclude = np.array([[True, True, True, False, False]])
    assert evaluation.ranking.target_ranks(scores, [4], exclude).tolist() == [1]
    # the target is never excluded from itself: excluding it changes nothing
    exclude_target_too = np.array([[True, True, True, False, True]])
    assert evaluation.ranking.target_ranks(scores, [4], exclude_target_too).tolist() == [1]


def test_exclusion_mask():
    mask = evaluation.ranking.exclusion_mask([[1, 2], [3], []], num_items=5)
    assert mask.tolist() == [
        [True, True, True, False, False],
        [True, False, False, True, False],
        [True, False, False, False, False],  # an empty history: only padding
    ]


def test_exclusion_mask_target_in_history_stays_candidate():
    mask = evaluation.ranking.exclusion_mask([np.array([1, 2]), np.array([3])], num_items=5, targets=[2, 4])
    assert mask.tolist() == [
        [True, True, False, False, False],  # 2 was watched before but is the target: a candidate
        [True, False, False, True, False],
    ]
    # scores: item 1 (seen, 0.9) does not count, the target 2 (0.5) is ranked against 3 (0.7) and 4 (0.1)
    scores = np.array([[0.0, 0.9, 0.5, 0.7, 0.1]] * 2)
    assert evaluation.ranking.target_ranks(scores, [2, 4], mask).tolist() == [1, 2]  # user 1: items 1 and 2 above 4


@pytest.mark.parametrize("bad", [[5], [-1]], ids=["too-large", "negative"])
def test_exclusion_mask_bad_history_id(bad):
    with pytest.raises(ValueError, match=r"history item ids must be in 0\.\.4"):
        evaluation.ranking.exclusion_mask([np.array(bad)], num_items=5)


def test_target_ranks_nan_scores():
    with pytest.raises(ValueError, match="scores contain NaN"):
        evaluation.ranking.target_ranks(np.array([[0.0, np.nan, 0.2]]), [2])


@pytest.mark.parametrize("target", [0, 4, -1], ids=["padding", "beyond", "negative"])
def test_target_ranks_bad_target(target):
    with pytest.raises(ValueError, match=r"targets must be item ids 1\.\.3 \(0 is padding\)"):
        evaluation.ranking.target_ranks(np.zeros((2, 4)), [1, target])


@pytest.mark.parametrize("scores, targets, message", [
    (np.zeros(4), [1], r"scores must be \(batch, num_items\), got shape \(4,\)"),
    (np.zeros((2, 4)), [1], r"targets must be \(2,\), got shape \(1,\)"),
    (np.zeros((2, 4)), [[1, 2]], r"targets must be \(2,\), got shape \(1, 2\)"),
], ids=["1-D scores", "too-few targets", "2-D targets"])
def test_target_ranks_bad_shapes(scores, targets, message):
    with pytest.raises(ValueError, match=message):
        evaluation.ranking.target_ranks(scores, targets)


def test_target_ranks_bad_exclude_shape():
    with pytest.raises(ValueError, match=r"exclude has shape \(1, 3\), scores \(1, 4\)"):
        evaluation.ranking.target_ranks(np.zeros((1, 4)), [1], np.zeros((1, 3), dtype=bool))


# --- top_k ---------------------------------------------------------------------------


def test_top_k_order_and_ties():
    scores = np.array([[0.0, 0.1, 0.9, 0.5, 0.9]])
    # 2 and 4 tie at 0.9: the lower id first; then 3 (0.5), 1 (0.1)
    assert evaluation.ranking.top_k(scores, 3).tolist() == [[2, 4, 3]]
    assert evaluation.ranking.top_k(scores, 4).tolist() == [[2, 4, 3, 1]]


def _top_k_reference(scores, k, exclude=None):
    """Sort every whole row: blocked items last, then by score, equal scores by lower id."""
    blocked = np.zeros(scores.shape, dtype=bool)
    blocked[:, 0] = True
    if exclude is not None:
        blocked |= exclude
    return np.lexsort((-scores, blocked), axis=1)[:, :k]


@pytest.mark.parametrize("levels", [2, 5, 1000], ids=["many-ties", "some-ties", "few-ties"])
@pytest.mark.parametrize("k", [1, 10, 40])
def test_top_k_equals_a_full_sort(levels, k):
    rng = np.random.default_rng(levels * 100 + k)
    scores = rng.integers(0, levels, size=(50, 120)).astype(float)  # (users, items), ties galore when levels is small
    scores[rng.random(scores.shape) < 0.05] = -np.inf
    exclude = rng.random(scores.shape) < 0.2
    np.testing.assert_array_equal(evaluation.ranking.top_k(scores, k, exclude), _top_k_reference(scores, k, exclude))
    np.testing.assert_array_equal(evaluation.ranking.top_k(scores, k), _top_k_reference(scores, k))


def test_top_k_excludes_seen():
    scores = np.array([[0.0, 0.1, 0.9, 0.5, 0.9]])
    exclude = np.array([[False, False, True, False, False]])  # item 2 was seen
    assert evaluation.ranking.top_k(scores, 3, exclude).tolist() == [[4, 3, 1]]


def test_top_k_never_recommends_padding():
    scores = np.array([[99.0, 1.0, 2.0, 3.0]])
    assert evaluation.ranking.top_k(scores, 3).tolist() == [[3, 2, 1]]


def test_top_k_minus_inf_candidates_still_beat_excluded_items():
    # a model may score candidates -inf (e.g. after masking them itself): padding and
    # excluded items must still never be recommended before them.
    assert evaluation.ranking.top_k(np.full((1, 3), -np.inf), 2).tolist() == [[1, 2]]
    exclude = np.array([[False, True, False, False]])  # item 1 (the best score) was seen
    assert evaluation.ranking.top_k(np.array([[0.0, 5.0, -np.inf, 1.0]]), 2, exclude).tolist() == [[3, 2]]


@pytest.mark.parametrize("k", [4, 100])
def test_top_k_larger_than_catalogue(k):
    with pytest.raises(ValueError, match=rf"k={k} is larger than the catalogue \(3 items\)"):
        evaluation.ranking.top_k(np.zeros((1, 4)), k)


def test_top_k_larger_than_what_is_left():
    exclude = np.array([[False, True, True, False], [False, False, False, False]])  # user 0 saw 2 of 3 items
    with pytest.raises(ValueError, match=r"k=2 but a user has only 1 items left after excluding their history"):
        evaluation.ranking.top_k(np.zeros((2, 4)), 2, exclude)


@pytest.mark.parametrize("k", [0, -2, 1.5])
def test_top_k_bad_k(k):
    with pytest.raises(ValueError, match="must be a positive integer"):
        evaluation.ranking.top_k(np.zeros((1, 4)), k)


# --- evaluate ------------------------------------------------------------------------

NUM_ITEMS = 6  # items 1..5
BASE = np.array([0.0, 0.5, 0.4, 0.3, 0.2, 0.1])


def fake_score_fn(histories):
    """Item i scores BASE[i], plus 1 for the item right after the user's last item."""
    scores = np.tile(BASE, (len(histories), 1))
    for row, h in enumerate(histories):
        if len(h) and h[-1] + 1 < NUM_ITEMS:
            scores[row, h[-1] + 1] += 1.0
    return scores


HISTORIES = [np.array([1]), np.array([2, 4]), np.array([], dtype=np.int64), np.array([5, 1])]
TARGETS = np.array([3, 5, 1, 4])

# user 0: scores [0, .5, 1.4, .3, .2, .1], target 3 (.3). Seen {1}: only 2 above -> rank 1; all: 1, 2 -> 2.
# user 1: scores [0, .5, .4, .3, .2, 1.1], target 5 (1.1) is the best -> rank 0 either way.
# user 2: scores BASE, target 1 (.5) is the best -> rank 0.
# user 3: scores [0, .5, 1.4, .3, .2, .1], target 4 (.2). Seen {5, 1}: 2, 3 above -> 2; all: 1, 2, 3 -> 3.
RANKS_EXCLUDING_SEEN = [1, 0, 0, 2]
RANKS_ALL = [2, 0, 0, 3]

# top 2 excluding seen: u0 {2,3,4,5} -> [2, 3]; u1 {1,3,5} -> [5, 1]; u2 -> [1, 2]; u3 {2,3,4} -> [2, 3]
RECS_EXCLUDING_SEEN = [[2, 3], [5, 1], [1, 2], [2, 3]]
RECS_ALL = [[2, 1], [5, 1], [1, 2], [2, 1]]


@pytest.mark.parametrize("exclude_seen, ranks, recs", [
    (True, RANKS_EXCLUDING_SEEN, RECS_EXCLUDING_SEEN),
    (False, RANKS_ALL, RECS_ALL),
], ids=["exclude-seen", "all-items"])
def test_evaluate_by_hand(exclude_seen, ranks, recs):
    res = evaluation.ranking.evaluate(fake_score_fn, HISTORIES, TARGETS, NUM_ITEMS, k=2, exclude_seen=exclude_seen)
    assert res.ranks.tolist() == ranks
    assert res.recommendations.tolist() == recs


def test_evaluate_metrics_by_hand():
    res = evaluation.ranking.evaluate(fake_score_fn, HISTORIES, TARGETS, NUM_ITEMS, k=2)
    m = res.metrics(ks=(1, 2))
    # ranks [1, 0, 0, 2]
    assert m["HR@1"] == pytest.approx(2 / 4)
    assert m["HR@2"] == pytest.approx(3 / 4)
    assert m["NDCG@2"] == pytest.approx((1 / LOG2_3 + 1 + 1 + 0) / 4)  # 0.6577
    assert m["MRR"] == pytest.approx((1 / 2 + 1 + 1 + 1 / 3) / 4)  # 0.7083


def test_evaluate_batch_size_does_not_matter():
    calls = []

    def spy(histories):
        calls.append(len(histories))
        return fake_score_fn(histories)

    one = evaluation.ranking.evaluate(spy, HISTORIES, TARGETS, NUM_ITEMS, k=3, batch_size=1)
    assert calls == [1, 1, 1, 1]
    calls.clear()
    big = evaluation.ranking.evaluate(spy, HISTORIES, TARGETS, NUM_ITEMS, k=3, batch_size=256)
    assert calls == [4]
    three = evaluation.ranking.evaluate(spy, HISTORIES, TARGETS, NUM_ITEMS, k=3, batch_size=3)
    for res in (big, three):
        np.testing.assert_array_equal(one.ranks, res.ranks)
        np.testing.assert_array_equal(one.recommendations, res.recommendations)


def test_evaluate_wrong_shape_score_fn():
    with pytest.raises(ValueError, match=r"score_fn returned shape \(4, 5\), expected \(4, 6\)"):
        evaluation.ranking.evaluate(lambda h: np.zeros((len(h), NUM_ITEMS - 1)), HISTORIES, TARGETS, NUM_ITEMS, k=2)
    with pytest.raises(ValueError, match=r"score_fn returned shape \(6,\), expected \(4, 6\)"):
        evaluation.ranking.evaluate(lambda h: BASE, HISTORIES, TARGETS, NUM_ITEMS, k=2)


def test_evaluate_length_mismatch():
    with pytest.raises(ValueError, match="4 histories but 3 targets"):
        evaluation.ranking.evaluate(fake_score_fn, HISTORIES, TARGETS[:3], NUM_ITEMS, k=2)


def test_evaluate_k_too_large():
    with pytest.raises(ValueError, match=r"larger than the catalogue \(5 items\)"):
        evaluation.ranking.evaluate(fake_score_fn, HISTORIES, TARGETS, NUM_ITEMS, k=6)


def test_evaluate_nan_scores():
    with pytest.raises(ValueError, match="NaN"):
        evaluation.ranking.evaluate(lambda h: np.full((len(h), NUM_ITEMS), np.nan), HISTORIES, TARGETS, NUM_ITEMS, k=1)


# --- sampled_ranks -------------------------------------------------------------------


def random_problem(seed=0, n=50, num_items=200, history_len=(0, 30)):
    rng = np.random.default_rng(seed)
    scores = rng.random((n, num_items))
    histories, targets = [], []
    for _ in range(n):
        perm = rng.permutation(np.arange(1, num_items))
        length = rng.integers(*history_len) if history_len[0] != history_len[1] else history_len[0]
        histories.append(perm[:length])
        targets.append(perm[length])  # never in the history
    return scores, np.array(targets), histories


def test_sampled_ranks_range_and_determinism():
    scores, targets, histories = random_problem()
    a = evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=20, seed=3)
    b = evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=20, seed=3)
    c = evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=20, seed=4)
    assert a.dtype == np.int64
    assert ((a >= 0) & (a <= 20)).all()
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()  # another sample


def test_sampled_negatives_are_never_seen_items_padding_or_the_target():
    scores, targets, histories = random_problem(seed=1)
    n = len(targets)
    scores[:, 0] = np.inf  # padding
    for u, h in enumerate(histories):
        scores[u, h] = np.inf  # seen items: would count if drawn
    scores[np.arange(n), targets] = 2.0  # above every unseen item (random in [0, 1))
    # the smallest pool: 199 real items - longest history - the target
    left = 199 - max(len(h) for h in histories) - 1
    for num_negatives in (1, 50, left):
        ranks = evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=num_negatives, seed=0)
        # a drawn target would tie itself (>=) and count 1; a drawn seen item or padding would count too
        assert ranks.tolist() == [0] * n


def test_sampled_ranks_with_the_whole_pool_equal_full_ranks():
    # every user has the same history length, so num_negatives = pool size draws every unseen item
    scores, targets, histories = random_problem(seed=2, history_len=(10, 10))
    pool = 199 - 10 - 1
    sampled = evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=pool)
    full = evaluation.ranking.target_ranks(
        scores, targets, evaluation.ranking.exclusion_mask(histories, scores.shape[1], targets)
    )
    np.testing.assert_array_equal(sampled, full)


def test_sampled_metrics_are_never_below_full_ones():
    scores, targets, histories = random_problem(seed=5, n=200, num_items=300)
    full = evaluation.ranking.target_ranks(
        scores, targets, evaluation.ranking.exclusion_mask(histories, scores.shape[1], targets)
    )
    sampled = evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=100)
    assert (sampled <= full).all()  # the negatives are a subset of the unseen candidates
    assert evaluation.metrics.hr_at_k(sampled, 10) >= evaluation.metrics.hr_at_k(full, 10)
    assert evaluation.metrics.hr_at_k(sampled, 10) > 2 * evaluation.metrics.hr_at_k(
        full, 10
    )  # and here by a lot: the inflation


@pytest.mark.parametrize("num_negatives", [0, 1000])
def test_sampled_ranks_bad_num_negatives(num_negatives):
    scores, targets, histories = random_problem(seed=0, n=5, num_items=20, history_len=(3, 3))
    # pool: 19 real items - 3 seen - the target = 15
    with pytest.raises(ValueError, match=rf"num_negatives={num_negatives} must be in 1\.\.15"):
        evaluation.ranking.sampled_ranks(scores, targets, histories, num_negatives=num_negatives)


# --- recommend: one user at serving time ------------------------------------------------


def _fixed_scores(histories):
    # items 0..5 score 0, 5, 4, 3, 2, 1: item 1 is best, item 5 worst
    return np.tile(np.array([0.0, 5, 4, 3, 2, 1]), (len(histories), 1))


def test_recommend_top_k_excludes_the_history():
    # without item 1 (seen) the order is 2, 3, 4
    assert evaluation.ranking.recommend(_fixed_scores, [1], num_items=6, k=3).tolist() == [2, 3, 4]
    assert evaluation.ranking.recommend(_fixed_scores, [1], num_items=6, k=3, exclude_seen=False).tolist() == [1, 2, 3]


def test_recommend_empty_history_is_a_clear_error():
    with pytest.raises(ValueError, match="history is empty.*most-popular"):
        evaluation.ranking.recommend(_fixed_scores, [], num_items=6)


@pytest.mark.parametrize("history", [[0], [6], [2, -1]])
def test_recommend_unknown_item_is_a_clear_error(history):
    with pytest.raises(KeyError, match="unknown item id"):
        evaluation.ranking.recommend(_fixed_scores, history, num_items=6, k=2)


@pytest.mark.parametrize("k", [0, 6, 100])
def test_recommend_k_out_of_range(k):
    with pytest.raises(ValueError, match="k="):
        evaluation.ranking.recommend(_fixed_scores, [1], num_items=6, k=k)


def test_recommend_more_than_is_left_after_excluding():
    # 5 items, 3 seen: only 2 candidates left for k=3
    with pytest.raises(ValueError, match="only 2 items left"):
        evaluation.ranking.recommend(_fixed_scores, [1, 2, 3], num_items=6, k=3)


def test_evaluate_rejects_no_users_and_bad_batch_size():
    with pytest.raises(ValueError, match="no users"):
        evaluation.ranking.evaluate(_fixed_scores, [], np.array([], dtype=int), num_items=6, k=2)
    with pytest.raises(ValueError, match="batch_size=0"):
        evaluation.ranking.evaluate(_fixed_scores, [np.array([1])], np.array([2]), num_items=6, k=2, batch_size=0)


# --- the candidate rule: seen items excluded or not (a property of the domain) ----------------


def _repeat_case():
    # 5 items (0 = padding). The user had items 1 and 2; the target is 2 again (a repeat).
    scores = np.array([[0.0, 0.9, 0.8, 0.5, 0.1]])  # (1, num_items)
    return (lambda histories: scores), [np.array([1, 2])], np.array([2])


def test_seen_items_as_candidates_rank_a_repeat_among_everything():
    score_fn, histories, targets = _repeat_case()
    result = evaluation.ranking.evaluate(score_fn, histories, targets, 5, k=2, exclude_seen=False)
    assert result.ranks.tolist() == [1]  # only item 1 scores higher
    assert result.recommendations.tolist() == [[1, 2]]


def test_seen_items_excluded_make_a_repeat_target_a_miss_not_a_free_hit():
    # Excluding the history but keeping the target would leave item 2 as the only seen item still
    # ranked: rank 0, a hit that no live system hiding seen items could produce. It counts as a miss.
    score_fn, histories, targets = _repeat_case()
    result = evaluation.ranking.evaluate(score_fn, histories, targets, 5, k=2, exclude_seen=True)
    assert result.ranks.tolist() == [4]  # num_items - 1: beyond every cut-off
    assert 2 not in result.recommendations[0]
    assert result.metrics((2,))["HR@2"] == 0.0


def test_seen_items_excluded_rank_a_new_target_among_unseen_items_only():
    scores = np.array([[0.0, 0.9, 0.8, 0.5, 0.1]])
    result = evaluation.ranking.evaluate(lambda h: scores, [np.array([1, 2])], np.array([3]), 5, k=2, exclude_seen=True)
    assert result.ranks.tolist() == [0]  # items 1 and 2 are not candidates
