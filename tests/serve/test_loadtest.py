"""The service under load, restart and crash (lstmrec.serve.loadtest): invariants only, never timings.

Each scenario starts real server processes on 127.0.0.1 with the course's ML-100K LSTM.
"""

import numpy as np
import pytest

from lstmrec import serve


@pytest.fixture(scope="module")
def artefact():
    return serve.service.default_artefact(verbose=False)


@pytest.fixture(scope="module")
def loaded(artefact, tmp_path_factory):
    """One load run shared by the load and restart tests: 8 clients, 600 events over 20 users."""
    return serve.loadtest.http_scenario(artefact, tmp_path_factory.mktemp("load"), num_events=600, num_users=20,
                              concurrency=8, timeout=120)


def test_event_plan_spreads_events_over_overlapping_users():
    plan = serve.loadtest.event_plan(10, 3, np.array([-1, 7, 8, 9]))
    assert [u for u, _, _ in plan[:4]] == ["user0", "user1", "user2", "user0"]
    assert {item for _, item, _ in plan} <= {7, 8, 9}  # never the padding entry
    assert len({e for _, _, e in plan}) == 10  # every event has its own id


@pytest.mark.slow
def test_load_logs_every_event_once(loaded):
    assert loaded["events logged"] == loaded["events sent"] == 600
    assert loaded["sent = logged per user"]


@pytest.mark.slow
def test_load_leaves_every_state_equal_to_a_sequential_replay(loaded):
    assert loaded["replay difference"] == 0.0


@pytest.mark.slow
def test_load_reports_latency_figures(loaded):
    assert 0 < loaded["p50"] <= loaded["p99"] and loaded["throughput"] > 0  # measured, not asserted against a target


@pytest.mark.slow
def test_restart_recovers_every_user(artefact, loaded):
    result = serve.loadtest.restart(artefact, loaded["db"])
    assert result["users"] == 28  # 20 users + the 8 warm-up users
    assert result["recovered"] == result["users"]


@pytest.mark.slow
def test_crash_loses_no_acknowledged_event_and_applies_none_twice(artefact, tmp_path):
    result = serve.loadtest.crash(artefact, tmp_path, num_events=400, num_users=10, concurrency=4, kill_after=100,
                            timeout=180)
    assert result["acknowledged before the kill"] >= 100
    assert result["lost"] == 0
    assert result["integrity"] == "ok"
    assert result["replay difference after the kill"] == 0.0  # no half-written state
    assert result["logged"] == result["sent"] == result["acknowledged"] == 400  # retries filled the gap, once each
    assert result["replay difference"] == 0.0


def test_replay_difference_detects_a_corrupted_state(artefact, tmp_path):
    service = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    for item in (50, 172, 181):
        service.add_event("kim", item)
    assert serve.loadtest.replay_difference(service.store, service) == 0.0
    h, c, _ = service.store.state("kim")
    service.store.replace_states({"kim": (h + 0.5, c)})
    assert serve.loadtest.replay_difference(service.store, service) == pytest.approx(0.5)
    service.store.close()
