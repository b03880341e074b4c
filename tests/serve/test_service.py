"""Tests of lstmrec.serve: the service in-process (FastAPI's TestClient) and one real server process.

The model is the course's ML-100K LSTM (``serve.service.default_artefact``: from the
model cache, trained once if this machine has not trained it; chapter 06 reuses it).
"""

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from lstmrec import serve


@pytest.fixture(scope="module")
def artefact():
    return serve.service.default_artefact(verbose=False)


@pytest.fixture()
def service(artefact, tmp_path):
    svc = serve.service.Service(artefact, tmp_path / "state.sqlite3")
    yield svc
    svc.store.close()


@pytest.fixture()
def client(service):
    return TestClient(serve.service.create_app(service))


def snapshot(service):
    """Everything a request could change: the log and every user's state."""
    states = {u: (h.tobytes(), c.tobytes(), n) for u, (h, c, n) in service.store.states().items()}
    return service.store.num_events(), states


# --- the happy path --------------------------------------------------------------------------


def test_health_names_model_and_data(client, artefact):
    body = client.get("/health").json()
    assert body["model_version"] == serve.export.model_version(artefact)
    assert body["data_checksum"] == serve.export.load_catalogue(artefact).data_checksum
    assert body["num_items"] == 1682 and body["dataset"] == "ml-100k"


def test_new_user_gets_the_popularity_fallback_and_is_told(client, service):
    body = client.get("/users/newcomer/recommendations", params={"k": 5}).json()
    assert body["fallback"] is True and body["source"] == "popularity" and "no history" in body["reason"]
    counts = service.catalogue.popularity
    expected = np.lexsort((np.arange(len(counts)), -counts))
    expected = expected[expected != 0][:5]
    assert [i["item_id"] for i in body["items"]] == service.raw_ids[expected].tolist()
    assert body["items"][0]["title"] == "Star Wars"  # the most rated movie of ML-100K's training histories


def test_event_steps_the_state_once_and_recommendations_follow_it(client, service):
    answer = client.post("/users/alice/events", json={"item_id": 50}).json()
    assert answer == {"user_id": "alice", "item_id": 50, "num_events": 1, "duplicate": False}
    h, c, n = service.store.state("alice")
    h1, c1 = service.lstm.step(*service.lstm.initial_state(1), service.model_ids([50]))
    np.testing.assert_array_equal(h, h1[0])
    np.testing.assert_array_equal(c, c1[0])
    body = client.get("/users/alice/recommendations", params={"k": 10}).json()
    assert body["fallback"] is False and body["source"] == "lstm" and len(body["items"]) == 10
    model_ids = service.model_ids([i["item_id"] for i in body["items"]])
    scores = service.lstm.scores(h[None, :])[0]
    np.testing.assert_allclose([i["score"] for i in body["items"]], scores[model_ids], atol=1e-4)
    assert 50 not in [i["item_id"] for i in body["items"]]  # the seen item is left out
    assert all(i["title"] for i in body["items"])


def test_event_with_k_returns_the_new_top_k(client):
    answer = client.post("/users/bob/events", params={"k": 3}, json={"item_id": 172}).json()
    assert answer["recommendations"]["k"] == 3 and len(answer["recommendations"]["items"]) == 3
    again = client.get("/users/bob/recommendations", params={"k": 3}).json()
    assert again["items"] == answer["recommendations"]["items"]


def test_seen_items_never_come_back(client):
    for item in (50, 181, 172, 174, 100):
        client.post("/users/carol/events", json={"item_id": item})
    items = [i["item_id"] for i in client.get("/users/carol/recommendations", params={"k": 50}).json()["items"]]
    assert not {50, 181, 172, 174, 100} & set(items)
    assert len(items) == len(set(items)) == 50


def test_k_larger_than_what_is_left_returns_everything_unseen(client):
    client.post("/users/dave/events", json={"item_id": 1})
    body = client.get("/users/dave/recommendations", params={"k": 1682}).json()
    assert body["k"] == 1681 and len(body["items"]) == 1681


def test_retry_with_the_same_event_id_is_not_applied_twice(client, service):
    first = client.post("/users/erin/events", json={"item_id": 50, "event_id": "a1"}).json()
    second = client.post("/users/erin/events", json={"item_id": 50, "event_id": "a1"}).json()
    assert first["duplicate"] is False and second["duplicate"] is True
    assert second["num_events"] == 1 and service.store.num_events() == 1


def test_event_id_reused_for_another_item_is_a_conflict(client, service):
    client.post("/users/erin/events", json={"item_id": 50, "event_id": "a1"})
    before = snapshot(service)
    response = client.post("/users/erin/events", json={"item_id": 172, "event_id": "a1"})
    assert response.status_code == 409 and "stored with item 50, not 172" in response.json()["error"]
    assert snapshot(service) == before


def test_user_endpoint_lists_recent_items_newest_first(client):
    for item in (1, 2, 3):
        client.post("/users/frank/events", json={"item_id": item})
    body = client.get("/users/frank").json()
    assert body["num_events"] == 3 and [i["item_id"] for i in body["recent"]] == [3, 2, 1]
    assert body["recent"][-1]["title"] == "Toy Story"


def test_states_survive_a_new_service_on_the_same_file(artefact, tmp_path):
    first = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    for item in (50, 172, 181):
        first.add_event("gina", item)
    before = first.recommend("gina", 10)
    first.store.close()
    second = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    assert second.recommend("gina", 10) == before
    second.store.close()


def test_states_are_replayed_when_the_model_changes(artefact, tmp_path):
    svc = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    for item in (50, 172, 181):
        svc.add_event("hana", item)
    expected = svc.store.state("hana")
    svc.store.replace_states({"hana": (np.zeros(svc.lstm.hidden_dim), np.zeros(svc.lstm.hidden_dim))})
    svc.store.set_meta("model_version", "another-model")  # as if another model had written the states
    svc.store.close()
    svc = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    h, c, n = svc.store.state("hana")
    np.testing.assert_allclose(h, expected[0], atol=1e-6)
    np.testing.assert_allclose(c, expected[1], atol=1e-6)
    assert n == 3 and svc.store.meta("model_version") == svc.version
    svc.store.close()


# --- bad requests: 4xx, a message naming the problem, and nothing changed ----------------------

BAD_REQUESTS = [
    ("unknown item", "post", "/users/ivan/events", {"json": {"item_id": 999999}}, 422, "unknown item_id 999999"),
    ("item id beyond 64 bits", "post", "/users/ivan/events", {"json": {"item_id": 2 ** 63}}, 422,
     f"unknown item_id {2 ** 63}"),
    ("padding id", "post", "/users/ivan/events", {"json": {"item_id": 0}}, 422, "unknown item_id 0"),
    ("negative item", "post", "/users/ivan/events", {"json": {"item_id": -5}}, 422, "unknown item_id -5"),
    ("item as a string", "post", "/users/ivan/events", {"json": {"item_id": "50"}}, 422, "item_id"),
    ("item as a float", "post", "/users/ivan/events", {"json": {"item_id": 50.5}}, 422, "item_id"),
    ("missing field", "post", "/users/ivan/events", {"json": {"item": 50}}, 422, "missing field 'item_id'"),
    ("extra field", "post", "/users/ivan/events", {"json": {"item_id": 50, "rating": 5}}, 422,
     "unexpected field 'rating'"),
    ("malformed JSON", "post", "/users/ivan/events",
     {"content": b'{"item_id": 50', "headers": {"content-type": "application/json"}}, 400, "malformed JSON"),
    ("not JSON at all", "post", "/users/ivan/events",
     {"content": b"item_id=50", "headers": {"content-type": "application/json"}}, 400, "malformed JSON"),
    ("oversized body", "post", "/users/ivan/events",
     {"content": json.dumps({"item_id": 50, "event_id": "x" * 2000}).encode(),
      "headers": {"content-type": "application/json"}}, 413, "too large"),
    ("malformed user id", "post", "/users/iv%20an/events", {"json": {"item_id": 50}}, 422, "malformed user_id"),
    ("user id with a trailing newline", "post", "/users/ivan%0A/events", {"json": {"item_id": 50}}, 422,
     "malformed user_id"),
    ("overlong user id", "post", "/users/" + "u" * 65 + "/events", {"json": {"item_id": 50}}, 422,
     "malformed user_id"),
    ("malformed event id", "post", "/users/ivan/events", {"json": {"item_id": 50, "event_id": "a b"}}, 422,
     "malformed event_id"),
    ("k = 0 with an event", "post", "/users/ivan/events?k=0", {"json": {"item_id": 50}}, 422, "k=0 is out of range"),
    ("k = 0", "get", "/users/ivan/recommendations?k=0", {}, 422, "k=0 is out of range"),
    ("k negative", "get", "/users/ivan/recommendations?k=-3", {}, 422, "k=-3 is out of range"),
    ("k above the catalogue", "get", "/users/ivan/recommendations?k=1683", {}, 422, "1 to 1,682"),
    ("k not a number", "get", "/users/ivan/recommendations?k=ten", {}, 422, "k"),
    ("malformed user id (read)", "get", "/users/a;b/recommendations", {}, 422, "malformed user_id"),
    ("unknown user", "get", "/users/nobody", {}, 404, "unknown user 'nobody'"),
]


@pytest.mark.parametrize("name, method, path, kwargs, status, message", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_is_refused_with_a_message(client, name, method, path, kwargs, status,
                                                                    message):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]


@pytest.mark.parametrize("name, method, path, kwargs, status, message", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_request_leaves_the_state_untouched(service, name, method, path, kwargs, status, message):
    client = TestClient(serve.service.create_app(service))
    client.post("/users/ivan/events", json={"item_id": 172})
    before = snapshot(service)
    getattr(client, method)(path, **kwargs)
    assert snapshot(service) == before


# --- a real server process ---------------------------------------------------------------------


@pytest.mark.slow
def test_real_server_answers_on_localhost_and_stops_cleanly_on_sigterm(artefact, tmp_path):
    with serve.service.ServerProcess(artefact, tmp_path / "s.sqlite3") as server:
        assert server.url.startswith("http://127.0.0.1:")
        with server.client() as http:
            assert http.get("/health").json()["model_version"] == serve.export.model_version(artefact)
            answer = http.post("/users/jo/events", params={"k": 10}, json={"item_id": 50}).json()
        assert answer["num_events"] == 1 and len(answer["recommendations"]["items"]) == 10
    assert server.process.returncode == 0  # uvicorn's clean shutdown
