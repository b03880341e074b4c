"""The service under measurement: latency in-process and over HTTP, load, restart and crash.

Taught in chapter 09 (in process) and appendix A2 (HTTP, restart, crash). ``python -m lstmrec.serve --bench``
prints every figure; the service's tests run the same scenarios and check
their invariants, never their timings:

- **load**: concurrent clients send events for overlapping users; afterwards
  the log holds exactly the events sent, and each user's stored state equals a
  sequential replay of that user's log, one step at a time.
- **restart**: a clean stop and start; every user gets the same recommendations.
- **crash**: SIGKILL while clients are sending; every acknowledged event is in
  the log, no state is half-written, and retried events (same ``event_id``)
  are not applied twice.

Every server here binds 127.0.0.1, and every loop is bounded in count and time.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from lstmrec import evaluation
from lstmrec.serve import latency
from lstmrec.serve.service import ServerProcess, Service
from lstmrec.serve.store import StateStore


def event_plan(num_events: int, num_users: int, raw_ids: np.ndarray, seed: int = 0) -> list[tuple[str, int, str]]:
    """``(user_id, item_id, event_id)`` for ``num_events`` events over ``num_users`` overlapping users.

    Items are drawn uniformly from the catalogue's raw ids; users in turn, so
    concurrent clients keep hitting the same users.
    """
    rng = np.random.default_rng(seed)
    items = rng.choice(np.asarray(raw_ids)[1:], size=num_events)
    return [(f"user{i % num_users}", int(items[i]), f"e{i}") for i in range(num_events)]


def replay_difference(store: StateStore, service: Service) -> float:
    """The largest |stored state - replayed state| over all users.

    Each user's log is replayed from the zero state one event at a time, with
    the same step as the service (a batch of one), and compared with what the
    store holds. 0.0 means every stored state is exactly its log's replay.
    """
    worst = 0.0
    logs, states = store.histories(), store.states()
    if set(logs) != set(states):
        raise AssertionError(f"users with a log but no state (or the reverse): {set(logs) ^ set(states)}")
    for user, items in logs.items():  # a check over every user, not a serving path
        h, c = service.lstm.initial_state(1)
        for item in service.model_ids(items):
            h, c = service.lstm.step(h, c, np.array([item]))
        stored_h, stored_c, n = states[user]
        if n != len(items):
            raise AssertionError(f"{user}: the state counts {n} events, the log holds {len(items)}")
        worst = max(worst, float(np.abs(stored_h - h[0]).max()), float(np.abs(stored_c - c[0]).max()))
    return worst


# --- in-process ---------------------------------------------------------------------------


def in_process(artefact: Path | str, repeats: int = 1000) -> dict:
    """p50/p99 (ms) of one event + top-10 over the catalogue: arrays only, and through the store.

    Returns:
        ``{"compute": {"p50", "p99"}, "with store": {"p50", "p99"}}``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        service = Service(artefact, Path(tmp) / "state.sqlite3")
        lstm, rng = service.lstm, np.random.default_rng(0)
        items = rng.integers(1, lstm.num_items, size=repeats + 20)
        state, i = list(lstm.initial_state(1)), [0]

        def compute():  # the model's work: one step, the scores, the top 10 without the item just seen
            item = items[i[0] % len(items)]
            i[0] += 1
            state[0], state[1] = lstm.step(state[0], state[1], np.array([item]))
            exclude = np.zeros((1, lstm.num_items), dtype=bool)
            exclude[0, item] = True
            return evaluation.ranking.top_k(lstm.scores(state[0]), 10, exclude)

        raw = service.raw_ids

        def with_store():  # what a request does without HTTP: validate, transaction, read back, rank
            item = int(raw[items[i[0] % len(items)]])
            i[0] += 1
            service.add_event("bench", item)
            return service.recommend("bench", 10)

        result = {"compute": latency.percentiles(latency.time_calls(compute, repeats))}
        result["with store"] = latency.percentiles(latency.time_calls(with_store, repeats))
        service.store.close()
    return result


def reencode_curve(serving, lengths=(10, 30, 100, 200, 300, 1000), repeats: int = 30) -> list[dict]:
    """Per-recommendation latency against history length: one streaming step vs re-encoding the history.

    Three paths, each ending in the scores over the whole catalogue:
    ``streaming`` (one NumPy step from the stored state), ``re-encode, NumPy``
    (``StreamingLSTM.encode`` over all T events) and ``re-encode, Keras``
    (the exported model in a ``tf.function`` with a fixed input signature, so
    it is traced once and reused for every T).

    Args:
        serving: an ``serve.export.inference_model`` (or one loaded by ``serve.export.load_keras``).
        lengths: the history lengths T.
        repeats: timed calls per re-encoding point (streaming gets ten times as many).

    Returns:
        One dict per T: ``{"T", "streaming ms", "re-encode NumPy ms", "re-encode Keras ms"}`` (medians).
    """
    import tensorflow as tf

    from lstmrec.serve.streaming import StreamingLSTM

    lstm = StreamingLSTM.from_model(serving)
    keras_scores = tf.function(lambda x: serving(x, training=False),
                               input_signature=[tf.TensorSpec((1, None), tf.int32)], reduce_retracing=True)
    rng = np.random.default_rng(0)
    rows = []
    for T in lengths:
        history = rng.integers(1, lstm.num_items, size=T)
        h, c = lstm.encode([history[:-1]])
        item = np.array([history[-1]])
        x = tf.constant(history[None, :].astype(np.int32))  # (1, T)
        rows.append({
            "T": T,
            "streaming ms": 1000 * np.median(latency.time_calls(lambda: lstm.scores(lstm.step(h, c, item)[0]),
                                                                repeats * 10)),
            "re-encode NumPy ms": 1000 * np.median(latency.time_calls(lambda: lstm.scores(lstm.encode([history])[0]),
                                                                      repeats, warmup=2)),
            "re-encode Keras ms": 1000 * np.median(latency.time_calls(lambda: keras_scores(x).numpy(),
                                                                      repeats, warmup=2)),
        })
    return rows


# --- over HTTP ----------------------------------------------------------------------------


def http_scenario(artefact: Path | str, folder: Path | str, num_events: int = 2000, num_users: int = 50,
                  concurrency: int = 8, k: int = 10, timeout: float = 300.0) -> dict:
    """Concurrent clients send event+recommend requests; then check the log and the states.

    Args:
        artefact: the model folder.
        folder: where the state file goes (a fresh one).
        num_events: events to send (after 200 warm-up requests on other users).
        num_users: users the events are spread over (each client hits many of them).
        concurrency: clients at once.
        k: recommendations returned with each event.
        timeout: the run's limit in seconds.

    Returns:
        ``{"p50", "p99"}`` ms, ``"throughput"`` requests/s, ``"events sent"``,
        ``"events logged"``, ``"replay difference"`` (0.0 = every state equals its log's
        replay), ``"sent = logged per user"`` (bool) and ``"db"`` (the state file).
    """
    db = Path(folder) / "load.sqlite3"
    raw = _raw_ids(artefact)
    warmup = [("POST", f"/users/warm{i % 8}/events?k={k}", {"item_id": int(raw[1 + i % 100])}) for i in range(200)]
    plan = event_plan(num_events, num_users, raw)
    requests = [("POST", f"/users/{u}/events?k={k}", {"item_id": item}) for u, item, _ in plan]
    with ServerProcess(artefact, db) as server:
        latency.http_load(server.url, warmup, concurrency, timeout)
        run = latency.http_load(server.url, requests, concurrency, timeout)
    bad = np.flatnonzero(run["status"] != 200)
    if bad.size:
        raise AssertionError(f"{bad.size} requests failed, e.g. {run['bodies'][bad[0]]}")
    service = Service(artefact, db)
    logs = service.store.histories()
    sent: dict[str, list[int]] = {}
    for u, item, _ in plan:
        sent.setdefault(u, []).append(item)
    same = all(sorted(logs.get(u, np.zeros(0)).tolist()) == sorted(items) for u, items in sent.items())
    result = {**latency.percentiles(run["seconds"]), "throughput": run["throughput"], "events sent": len(plan),
              "events logged": service.store.num_events() - len(warmup), "sent = logged per user": same,
              "replay difference": replay_difference(service.store, service), "db": db}
    service.store.close()
    return result


def restart(artefact: Path | str, db: Path | str, k: int = 10) -> dict:
    """Stop the server cleanly, start it again on the same state file, and compare every user's top-k.

    Returns:
        ``{"users", "recovered"}``: how many users there are, and how many get the same
        recommendations (ids and scores) after the restart.
    """
    with StateStore(db, hidden_dim=_hidden_dim(db)) as store:
        users = sorted(store.states())
    answers = []
    for _ in range(2):  # before and after a restart
        with ServerProcess(artefact, db) as server, server.client() as http:
            answers.append({u: http.get(f"/users/{u}/recommendations", params={"k": k}).json()["items"]
                            for u in users})
    return {"users": len(users), "recovered": sum(answers[0][u] == answers[1][u] for u in users)}


def crash(artefact: Path | str, folder: Path | str, num_events: int = 600, num_users: int = 20,
          concurrency: int = 4, kill_after: int = 200, timeout: float = 300.0) -> dict:
    """SIGKILL the server while clients send events; restart; let clients retry what was not acknowledged.

    Each client sends its share of the plan in order; an event counts as
    acknowledged when its 200 answer arrives. After ``kill_after``
    acknowledgements the server is killed (requests are in flight). The state
    file is then opened directly and checked, the server is restarted, and each
    client re-sends every event it has no acknowledgement for, with the same
    ``event_id``: the server applies it only if it was not stored before the kill.

    Returns:
        ``"acknowledged before the kill"``, ``"lost"`` (acknowledged but not in the log),
        ``"integrity"`` (SQLite's check), ``"replay difference after the kill"``,
        ``"duplicates"`` (retries the server recognised), ``"logged"`` and ``"sent"``
        (after the retries: equal when each event is stored exactly once),
        ``"replay difference"`` at the end.
    """
    import httpx

    db = Path(folder) / "crash.sqlite3"
    plan = event_plan(num_events, num_users, _raw_ids(artefact), seed=1)
    shares = [plan[j::concurrency] for j in range(concurrency)]
    acked: list[set[str]] = [set() for _ in range(concurrency)]
    duplicates = [0] * concurrency
    deadline = time.monotonic() + timeout

    def client(j: int, url: str):
        with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
            for user, item, event_id in shares[j]:
                if time.monotonic() > deadline or event_id in acked[j]:
                    continue
                try:
                    answer = http.post(f"/users/{user}/events", json={"item_id": item, "event_id": event_id})
                except httpx.TransportError:  # the server died: stop sending, retry after the restart
                    return
                if answer.status_code == 200:
                    acked[j].add(event_id)
                    duplicates[j] += answer.json()["duplicate"]

    def run(url: str, kill: ServerProcess | None):
        threads = [threading.Thread(target=client, args=(j, url), daemon=True) for j in range(concurrency)]
        for t in threads:
            t.start()
        if kill is not None:
            while (sum(map(len, acked)) < kill_after and time.monotonic() < deadline
                   and any(map(threading.Thread.is_alive, threads))):
                time.sleep(0.001)
            kill.kill()  # SIGKILL: no clean-up runs in the server
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    server = ServerProcess(artefact, db)
    run(server.url, kill=server)
    before = set().union(*acked)
    service = Service(artefact, db)  # opens the file as the restarted server will
    logged_ids = {row[0] for row in service.store.conn.execute("SELECT event_id FROM events")}
    result = {"acknowledged before the kill": len(before), "lost": len(before - logged_ids),
              "integrity": service.store.integrity(),
              "replay difference after the kill": replay_difference(service.store, service)}
    service.store.close()
    with ServerProcess(artefact, db) as server:
        run(server.url, kill=None)
    if time.monotonic() > deadline:
        raise TimeoutError(f"the crash run did not finish in {timeout} s")
    service = Service(artefact, db)
    result |= {"duplicates": sum(duplicates), "sent": len(plan), "logged": service.store.num_events(),
               "acknowledged": sum(map(len, acked)), "replay difference": replay_difference(service.store, service)}
    service.store.close()
    return result


def _raw_ids(artefact) -> np.ndarray:
    from lstmrec.serve import export

    return export.load_catalogue(artefact).raw_ids


def _hidden_dim(db) -> int:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'hidden_dim'").fetchone()[0])


# --- the report ---------------------------------------------------------------------------


def main(artefact: Path | str) -> int:
    """Print the chapter's four targets, measured on this machine (``python -m lstmrec.serve --bench``)."""
    import pandas as pd

    print(f"model: {artefact}")
    inproc = in_process(artefact)
    print(f"in-process, one event + top-10 over the catalogue: compute p50 {inproc['compute']['p50']:.3f} ms "
          f"(p99 {inproc['compute']['p99']:.3f}); with the SQLite store p50 {inproc['with store']['p50']:.3f} ms "
          f"(p99 {inproc['with store']['p99']:.3f})  [target: p50 <= 1 ms]")
    from lstmrec.serve import export

    curve = pd.DataFrame(reencode_curve(export.load_keras(artefact))).set_index("T")
    print("\nlatency per recommendation (median ms) against history length T:")
    print(curve.round(3).to_string())
    at = curve.loc[200]
    print(f"at T=200: streaming is {at['re-encode NumPy ms'] / at['streaming ms']:.0f}x faster than re-encoding "
          f"in NumPy, {at['re-encode Keras ms'] / at['streaming ms']:.0f}x than re-encoding with Keras  "
          f"[target: >= 20x]")
    with tempfile.TemporaryDirectory() as tmp:
        load = http_scenario(artefact, tmp)
        print(f"\nHTTP on 127.0.0.1, event+recommend (k=10), 8 concurrent clients, {load['events sent']} requests: "
              f"p50 {load['p50']:.2f} ms, p99 {load['p99']:.2f} ms, {load['throughput']:.0f} requests/s  "
              f"[target: p50 <= 5 ms, p99 <= 20 ms]")
        print(f"  events logged {load['events logged']} of {load['events sent']} sent; every state equals its "
              f"log's replay: {load['replay difference'] == 0.0} (largest difference {load['replay difference']:.2g})")
        again = restart(artefact, load["db"])
        print(f"restart: {again['recovered']} of {again['users']} users get the same top-10 "
              f"({100 * again['recovered'] / again['users']:.0f}%)  [target: 100%]")
        crashed = crash(artefact, tmp)
        print(f"crash (SIGKILL after {crashed['acknowledged before the kill']} acknowledged events): "
              f"{crashed['lost']} acknowledged events lost, integrity {crashed['integrity']}; after the restart "
              f"and retries {crashed['logged']} events logged for {crashed['sent']} sent, {crashed['duplicates']} "
              f"retries recognised as duplicates  [target: 0 lost]")
    return 0

