"""Unit tests for ``lstmrec.privacy.membership``: per-user loss and top-1 by hand with a fixed model, the AUC and its
interval, memorisation rates, the member split, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import privacy
from lstmrec.data.sequences import ItemIndex
from lstmrec.data.splits import LeaveOneOutSplit


class FixedModel:
    """Logits that do not depend on the input: item 2 scores ln 2, the others 0 (4 items)."""

    def __call__(self, x, training=False):
        logits = np.zeros(x.shape + (4,))
        logits[..., 2] = np.log(2.0)
        return logits


def test_sequence_fit_by_hand():
    # softmax over 4 items: item 2 has 2/5, the others 1/5 each. User 0: next items 2, 3 -> losses ln 2.5, ln 5;
    # top-1 is item 2 once. User 1: one item, no position. User 2: next item 2 -> ln 2.5, top-1 hit.
    fit = privacy.membership.sequence_fit(
        FixedModel(), [np.array([1, 2, 3]), np.array([1]), np.array([3, 2])], max_len=2
    )
    np.testing.assert_array_equal(fit["positions"], [2, 0, 1])
    np.testing.assert_allclose(fit["loss"][[0, 2]], [(np.log(2.5) + np.log(5)) / 2, np.log(2.5)])
    np.testing.assert_allclose(fit["top1"][[0, 2]], [0.5, 1.0])
    assert np.isnan(fit["loss"][1])


def test_sequence_fit_across_several_windows():
    # 5 next items in windows of 2: 3 windows for one user; all must be pooled to that user
    fit = privacy.membership.sequence_fit(FixedModel(), [np.array([1, 2, 2, 2, 2, 2])], max_len=2, batch_size=1)
    assert fit["positions"][0] == 5 and fit["top1"][0] == 1.0
    assert fit["loss"][0] == pytest.approx(np.log(2.5))


def test_attack_auc_by_hand():
    # members 3, 1; non-members 2, 0: of the 4 pairs, member > non-member in 3 -> AUC 0.75
    out = privacy.membership.attack_auc([3.0, 1.0], [2.0, 0.0], num_samples=200)
    assert out["AUC"] == pytest.approx(0.75)
    assert 0.0 <= out["low"] <= out["AUC"] <= out["high"] <= 1.0


def test_attack_auc_of_identical_groups_is_one_half():
    rng = np.random.default_rng(0)
    out = privacy.membership.attack_auc(rng.normal(size=2000), rng.normal(size=2000), num_samples=200)
    assert out["low"] < 0.5 < out["high"]


def test_memorisation_pools_positions():
    members = {"top1": np.array([1.0, 0.0, np.nan]), "positions": np.array([1, 3, 0])}
    non = {"top1": np.array([0.5]), "positions": np.array([2])}
    out = privacy.membership.memorisation(members, non)
    assert out == {"members": 0.25, "non-members": 0.5, "ratio": 0.5}


def test_split_members_is_a_partition():
    split = LeaveOneOutSplit(user_ids=np.arange(100), train=[np.array([i % 5 + 1]) for i in range(100)],
                             valid_target=np.ones(100, int), test_target=np.arange(100),
                             item_index=ItemIndex.fit(np.arange(1, 6)))
    members, non = privacy.membership.split_members(split, share=0.5, seed=1)
    assert sorted(np.r_[members.user_ids, non.user_ids].tolist()) == list(range(100))
    assert 30 < members.num_users < 70
    np.testing.assert_array_equal(members.test_target, members.user_ids)  # rows stay together
    assert [t[0] for t in members.train] == [u % 5 + 1 for u in members.user_ids]


@pytest.mark.parametrize("call, message", [
    (lambda: privacy.membership.attack_auc([], [1.0]), "at least one"),
    (lambda: privacy.membership.attack_auc([np.nan], [1.0]), "finite"),
    (lambda: privacy.membership.split_members(None, share=1.0), "share"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
