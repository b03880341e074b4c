"""Unit tests for ``lstmrec.models.recommender``: ``Recommender.score`` on untrained tiny models (dropout 0.5, which
scoring must not apply): shapes, the padding column, the last ``max_len`` items, order, unknown items.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmrec import models
from lstmrec.data.sequences import pad_sequences
from tests.models.tiny_models import HISTORIES, MAX_LEN, NUM_ITEMS, tiny

pytestmark = pytest.mark.usefixtures("deterministic_ops")  # tests/models/conftest.py

keras = pytest.importorskip("keras")


@pytest.fixture(params=[("LSTM", True), ("GRU", False)], ids=["LSTM-tied", "GRU-untied"])
def recommender(request):
    """An untrained recommender with dropout 0.5: scoring must not drop anything."""
    cell, tie = request.param
    keras.utils.set_random_seed(1)
    config = tiny(cell, tie, dropout=0.5)
    return models.recommender.Recommender(models.recurrent.build(NUM_ITEMS, config), config, NUM_ITEMS)


def test_score_shape_and_padding_column(recommender):
    scores = recommender.score(HISTORIES)
    assert scores.shape == (len(HISTORIES), NUM_ITEMS) and scores.dtype == np.float32
    assert np.all(scores[:, 0] == -np.inf)  # padding is never recommended
    assert np.isfinite(scores[:, 1:]).all()


def test_score_equals_the_last_position_of_the_full_model(recommender):
    scores = recommender.score(HISTORIES)
    full = np.asarray(recommender.model(pad_sequences(HISTORIES, MAX_LEN)))[:, -1]  # (batch, num_items)
    np.testing.assert_allclose(scores[:, 1:], full[:, 1:], atol=1e-5, rtol=0)


def test_compiled_graph_gives_the_scores(recommender):
    histories = [np.array([1, 2, 3]), np.array([4, 5, 6, 7, 8, 9])]
    x = pad_sequences(histories, MAX_LEN)
    compiled = np.asarray(recommender.compiled()(x))  # (2, num_items)
    np.testing.assert_allclose(compiled[:, 1:], recommender.score(histories)[:, 1:], rtol=1e-5, atol=1e-5)


def test_compiled_graph_is_traced_once_for_every_batch_size(recommender):
    # one trace for every batch size: evaluating in batches, with a smaller last one, does not retrace
    for n in (1, 2, 5, 3):
        recommender.score(HISTORIES[:n] if n <= len(HISTORIES) else HISTORIES * n)
    assert recommender.compiled().experimental_get_tracing_count() == 1


def test_score_is_repeatable(recommender):
    np.testing.assert_array_equal(recommender.score(HISTORIES), recommender.score(HISTORIES))


def test_score_reads_only_the_most_recent_max_len_items(recommender):
    long = HISTORIES[3]  # 8 items; the last 5 are [12, 11, 10, 2, 4]
    np.testing.assert_array_equal(recommender.score([long]), recommender.score([long[-MAX_LEN:]]))
    assert not np.array_equal(recommender.score([long]), recommender.score([long[:MAX_LEN]]))


def test_score_depends_on_the_order_of_the_history(recommender):
    assert not np.array_equal(recommender.score([np.array([1, 2, 3])]), recommender.score([np.array([3, 2, 1])]))


@pytest.mark.parametrize("history, bad", [
    ([1, NUM_ITEMS], NUM_ITEMS),  # 16: one past the last item
    ([99], 99),
    ([2, -1], -1),  # negative ids are not items either
])
def test_score_rejects_an_unknown_item(recommender, history, bad):
    with pytest.raises(KeyError, match=rf"unknown item id {bad}"):
        recommender.score([np.array(history)])
