"""Unit tests for ``lstmrec.models.mixture``: the copy distribution, the mixing, and tuning on validation only.

Hand-computed cases: with ``decay = 0.5`` the history ``[2, 1, 2]`` gives
``r = [0, 0.5, 1 + 0.25] = [0, 0.5, 1.25]`` (the last item counts 1, the one
before 0.5, the first 0.25), so the copy distribution is ``[0, 2/7, 5/7]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmrec import data, evaluation, models


def test_softmax_by_hand():
    p = models.mixture.softmax(np.array([[0.0, np.log(3.0)], [-np.inf, 5.0]]))
    np.testing.assert_allclose(p, [[0.25, 0.75], [0.0, 1.0]])
    assert np.isfinite(models.mixture.softmax(np.array([[1000.0, 999.0]]))).all()  # no overflow


@pytest.mark.parametrize("decay, history, expected", [
    (0.5, [2, 1, 2], [0, 2 / 7, 5 / 7]),
    (1.0, [2, 1, 2], [0, 1 / 3, 2 / 3]),  # plain frequency
    (0.5, [], [0, 0, 0]),  # nothing to copy
])
def test_copy_distribution_by_hand(decay, history, expected):
    got = models.mixture.copy_distribution([np.array(history, dtype=np.int64)], 3, decay)
    np.testing.assert_allclose(got[0], expected, atol=1e-12)


def test_copy_distribution_batch_is_row_by_row():
    hist = [np.array([1, 2]), np.array([3, 3, 1, 4, 4, 4]), np.array([], dtype=np.int64)]
    batch = models.mixture.copy_distribution(hist, 6, 0.7)
    for row, h in enumerate(hist):
        np.testing.assert_allclose(batch[row], models.mixture.copy_distribution([h], 6, 0.7)[0])


def test_mix_by_hand():
    model = np.array([[0.0, 0.5, 0.5], [0.0, 0.2, 0.8]])
    copy = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])  # the second user has no history
    out = models.mixture.mix(model, copy, gate=0.4)
    assert out[0, 0] == -np.inf and out[1, 0] == -np.inf  # padding never recommended
    np.testing.assert_allclose(out[0, 1:], [0.6 * 0.5 + 0.4, 0.6 * 0.5])
    np.testing.assert_allclose(out[1, 1:], [0.2, 0.8])  # gate 0 where there is nothing to copy


def test_gate_one_keeps_the_models_order_outside_the_history():
    model = np.array([[0.0, 0.1, 0.2, 0.7]])
    copy = np.array([[0.0, 1.0, 0.0, 0.0]])
    out = models.mixture.mix(model, copy, gate=1.0)
    assert evaluation.ranking.top_k(out, 3)[0].tolist() == [1, 3, 2]  # the copied item, then the model's order


@pytest.mark.parametrize("call, message", [
    (lambda: models.mixture.copy_distribution([np.array([1])], 3, 0.0), "decay"),
    (lambda: models.mixture.copy_distribution([np.array([5])], 3, 0.5), "unknown item"),
    (lambda: models.mixture.mix(np.zeros((1, 3)), np.zeros((1, 3)), 1.5), "gate"),
    (lambda: models.mixture.CopyMixture(lambda h: np.zeros((len(h), 3)), 3, gate=-0.1, decay=0.5), "gate"),
    (lambda: models.mixture.CopyMixture(lambda h: np.zeros((len(h), 3)), 3, gate=0.5, decay=2.0), "decay"),
])
def test_bad_arguments(call, message):
    with pytest.raises((ValueError, KeyError), match=message):
        call()


@pytest.fixture
def split():
    """Users who message the same two friends again: copying pays, and validation can tell."""
    rng = np.random.default_rng(1)
    rows = []
    for user in range(60):
        friends = rng.choice(np.arange(1, 31), size=2, replace=False)
        for t in range(12):
            rows.append((user, int(friends[t % 2]) if rng.random() < 0.8 else int(rng.integers(1, 31)), t))
    return data.splits.leave_one_out(pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]))


def test_tune_reads_validation_only_and_finds_copying(split, monkeypatch):
    stages = []
    real = evaluation.stage.evaluate_stage

    def spy(score_fn, s, stage, **kwargs):
        stages.append(stage)
        return real(score_fn, s, stage, **kwargs)

    monkeypatch.setattr(models.mixture, "evaluate_stage", spy)
    uniform = lambda histories: np.zeros((len(histories), split.num_items))  # noqa: E731 (a model that knows nothing)
    best, table = models.mixture.tune(uniform, split, gates=(0.0, 0.5), decays=(1.0, 0.5))
    assert set(stages) == {"valid"} and len(stages) == 4
    assert len(table) == 4 and (np.diff(table["NDCG@10"].to_numpy()) <= 0).all()
    assert best["gate"] == 0.5  # a model that knows nothing gains from copying
    row = table.iloc[0]
    mixed = models.mixture.CopyMixture(uniform, split.num_items, **best)
    again = evaluation.ranking.evaluate(mixed.score, split.histories("valid"), split.targets("valid"), split.num_items,
                                exclude_seen=False).metrics()["NDCG@10"]
    assert again == pytest.approx(row["NDCG@10"])  # the table's value is the mixture's


def test_tune_unknown_metric(split):
    with pytest.raises(ValueError, match="metric"):
        models.mixture.tune(
            lambda h: np.zeros((len(h), split.num_items)), split, gates=(0.0,), decays=(1.0,), metric="AUC"
        )
