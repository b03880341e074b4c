"""Tests for ``lstmrec.compute.distributed``: the helpers by hand, and real runs on 127.0.0.1 (two worker processes with
their own TF_CONFIG) whose loss trajectories must match one process's on tiny synthetic data."""

from __future__ import annotations

import json

import pytest

from lstmrec import compute


def test_tf_config_by_hand():
    config = json.loads(compute.distributed.tf_config([2222, 2223], 0))
    assert config == {"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},
                      "task": {"type": "worker", "index": 0}}
    with pytest.raises(ValueError, match="index"):
        compute.distributed.tf_config([2222], 1)


def test_compare_by_hand():
    out = compute.distributed.compare([2.0, 4.0], [2.0, 3.0])
    assert out == {"max_abs": 1.0, "max_rel": 0.25, "first_rel": 0.0}
    with pytest.raises(ValueError, match="cannot be compared"):
        compute.distributed.compare([1.0], [1.0, 2.0])


def test_free_ports_are_distinct():
    ports = compute.distributed.free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        compute.distributed.run("parameter-server")


@pytest.mark.slow
def test_two_workers_follow_the_single_process_trajectory():
    """Two processes on 127.0.0.1 split every global batch; the loss after each step must be the same."""
    pytest.importorskip("tensorflow")
    single = compute.distributed.run("single", steps=6, timeout=240)
    multi = compute.distributed.run("multiworker", steps=6, timeout=240)
    assert multi["replicas"] == 2 and single["replicas"] == 1
    assert compute.distributed.compare(single["losses"], multi["losses"])["max_rel"] < 1e-4
    assert multi["workers"][0] == multi["workers"][1]  # both workers saw the same global losses
    assert single["losses"][0] != single["losses"][-1]  # it trained
