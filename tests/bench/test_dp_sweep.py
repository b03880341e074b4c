"""Tests of ``lstmrec.bench.dp_sweep``: a row of the sweep on a tiny split with a tiny trained model, and the sweep's
settings (every epsilon of the issue; delta below 1/n for the members of MovieLens-100K)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmrec import baselines, bench, models, privacy
from lstmrec.data.sequences import ItemIndex
from lstmrec.data.splits import LeaveOneOutSplit


def test_settings():
    assert bench.dp_sweep.EPSILONS == (math.inf, 8.0, 4.0, 2.0, 1.0)
    dp = privacy.dpsgd.DPConfig(noise_multiplier=1.0, **bench.dp_sweep.DP)
    assert dp.delta < 1 / 943 and math.isfinite(dp.epsilon(450))


def _split():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 21, size=12) for _ in range(40)]
    return LeaveOneOutSplit(user_ids=np.arange(40), train=[s[:-2] for s in seqs],
                            valid_target=np.array([s[-2] for s in seqs]), test_target=np.array([s[-1] for s in seqs]),
                            item_index=ItemIndex.fit(np.arange(1, 21)))


@pytest.mark.slow
def test_rows_of_a_baseline_and_of_a_model():
    members, outsiders = privacy.membership.split_members(_split(), seed=0)
    popular = baselines.popular.MostPopular().fit(members.train, members.num_items)
    row = bench.dp_sweep.row("Most popular", popular, members, outsiders, 0)
    assert row["NDCG@10 low"] <= row["NDCG@10"] <= row["NDCG@10 high"] and "attack AUC" not in row
    pytest.importorskip("keras")
    config = models.config.Config(max_len=5, embedding_dim=4, hidden_dim=4, dropout=0.0, max_epochs=1, patience=1)
    trained = models.training.train(members, config, exclude_seen=False)
    row = bench.dp_sweep.row("LSTM", trained.recommender, members, outsiders, config.max_len)
    assert 0 <= row["attack AUC low"] <= row["attack AUC"] <= row["attack AUC high"] <= 1
    assert 0 <= row["top-1 members"] <= 1
    fits = (privacy.membership.sequence_fit(trained.recommender.model, members.train, config.max_len),
            privacy.membership.sequence_fit(trained.recommender.model, outsiders.train, config.max_len))
    assert bench.dp_sweep.row("LSTM", trained.recommender, members, outsiders, config.max_len, fits=fits) == row
