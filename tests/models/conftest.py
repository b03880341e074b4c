"""Fixtures of the tests of ``lstmrec.models``: deterministic TensorFlow kernels, the tiny split, one trained model.

Each test module of ``models.config``, ``registry``, ``recurrent``, ``recommender``, ``training`` and ``cache``
asks for ``deterministic_ops`` (``pytestmark``); the tiny model and split are ``tests/models/tiny_models.py``'s.
"""

import pytest

from lstmrec import models
from lstmrec.data.splits import leave_one_out
from tests.models.tiny_models import CONFIG, NUM_ITEMS, interactions


@pytest.fixture(scope="module")
def deterministic_ops():
    """Deterministic TensorFlow kernels for the module that asks (switched back off afterwards if they were off)."""
    tf = pytest.importorskip("tensorflow")
    from tensorflow.python.framework import config as tf_config

    was_on = tf_config.is_op_determinism_enabled()
    tf.config.experimental.enable_op_determinism()
    yield
    if not was_on:
        tf_config.disable_op_determinism()


@pytest.fixture(scope="module")
def split():
    s = leave_one_out(interactions())
    assert s.num_users == 30 and s.num_items == NUM_ITEMS  # every raw item occurs, every user has >= 3
    return s


@pytest.fixture(scope="module")
def trained(split, deterministic_ops):
    """One tiny model trained on the split (shared by a module's training or cache tests)."""
    return models.training.train(split, CONFIG)
