"""Unit tests for ``lstmrec.serve.store``: the SQLite (WAL) store of users' states and events.

The step is a hand-computable stand-in for the LSTM, ``(h, c, item) -> (h + item, 2c + 1)``:
after items x_1..x_n from the zero state, ``h = x_1 + ... + x_n`` (in every
unit) and ``c = 2^n - 1``. So every expected state is written down by hand.
Everything runs on a fresh file under ``tmp_path``; nothing needs a model.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lstmrec.serve.store import Applied, EventConflict, StateStore

H = 3


def step(h, c, item):
    """h + item, 2c + 1: after n events h is the sum of the items and c = 2^n - 1."""
    return h + item, c * 2 + 1


def vec(value) -> np.ndarray:
    return np.full(H, value, dtype=np.float32)


@pytest.fixture
def store(tmp_path):
    with StateStore(tmp_path / "state.db", hidden_dim=H) as s:
        yield s


def assert_state(store, user, h, c, n):
    got_h, got_c, got_n = store.state(user)
    np.testing.assert_array_equal(got_h, vec(h))
    np.testing.assert_array_equal(got_c, vec(c))
    assert got_n == n


# --- opening ---------------------------------------------------------------------------


def test_wal_mode_is_on(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("synchronous, code", [("NORMAL", 1), ("FULL", 2)])
def test_synchronous_setting_is_applied(tmp_path, synchronous, code):
    with StateStore(tmp_path / "s.db", H, synchronous=synchronous) as s:
        assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == code  # SQLite's codes: NORMAL 1, FULL 2


@pytest.mark.parametrize("synchronous", ["OFF", "normal", "EXTRA", ""])
def test_bad_synchronous_value_is_refused(tmp_path, synchronous):
    with pytest.raises(ValueError, match=rf"synchronous={synchronous!r}: choose 'NORMAL' or 'FULL'"):
        StateStore(tmp_path / "s.db", H, synchronous=synchronous)


def test_missing_folder_is_created(tmp_path):
    with StateStore(tmp_path / "a" / "b" / "s.db", H) as s:
        assert s.num_events() == 0
    assert (tmp_path / "a" / "b" / "s.db").is_file()


def test_other_hidden_dim_is_refused_naming_both_sizes(tmp_path):
    StateStore(tmp_path / "s.db", hidden_dim=3).close()
    with pytest.raises(ValueError, match=r"holds states of size 3, the model's are 4"):
        StateStore(tmp_path / "s.db", hidden_dim=4)


def test_new_user_has_zero_state_and_no_events(store):
    h, c, n = store.state("nobody")
    assert h.shape == c.shape == (H,) and h.dtype == c.dtype == np.float32
    assert not h.any() and not c.any() and n == 0
    assert store.history("nobody").tolist() == [] and store.seen("nobody").tolist() == []
    assert store.num_users() == 0 and store.num_events() == 0 and store.histories() == {} and store.states() == {}
    assert store.integrity() == "ok"


# --- apply_event ------------------------------------------------------------------------


def test_apply_event_stores_event_and_state(store):
    # items 5, 2, 5: h = 5, 7, 12; c = 1, 3, 7
    for n, (item, h, c) in enumerate([(5, 5, 1), (2, 7, 3), (5, 12, 7)], start=1):
        applied = store.apply_event("u", item, step)
        assert isinstance(applied, Applied) and applied.num_events == n and not applied.duplicate
        np.testing.assert_array_equal(applied.h, vec(h))
        np.testing.assert_array_equal(applied.c, vec(c))
        assert_state(store, "u", h, c, n)
    assert store.history("u").tolist() == [5, 2, 5]  # arrival order, repeats kept
    assert store.seen("u").tolist() == [2, 5]  # distinct, increasing
    assert store.history("u").dtype == store.seen("u").dtype == np.int64
    assert store.num_events() == 3 and store.num_users() == 1


def test_model_item_is_stepped_and_item_id_is_logged(store):
    # the client's id 1234 is the model's item 2: the step sees 2, the log keeps 1234
    store.apply_event("u", 1234, step, model_item=2)
    assert_state(store, "u", 2, 1, 1)
    assert store.history("u").tolist() == [1234]


def test_users_are_independent(store):
    store.apply_event("a", 1, step)
    store.apply_event("b", 10, step)
    store.apply_event("a", 2, step)
    assert_state(store, "a", 3, 3, 2)  # 1 + 2; c = 2^2 - 1
    assert_state(store, "b", 10, 1, 1)
    assert set(store.states()) == {"a", "b"}


def test_duplicate_event_id_is_not_applied_twice(store):
    store.apply_event("u", 4, step, event_id="e1")
    again = store.apply_event("u", 4, step, event_id="e1")  # a client's retry
    assert again.duplicate and again.num_events == 1
    np.testing.assert_array_equal(again.h, vec(4))
    np.testing.assert_array_equal(again.c, vec(1))
    assert_state(store, "u", 4, 1, 1)
    assert store.num_events() == 1 and store.history("u").tolist() == [4]


def test_event_id_reused_for_another_item_is_refused_and_changes_nothing(store):
    store.apply_event("u", 4, step, event_id="e1")
    with pytest.raises(EventConflict, match="stored with item 4, not 5"):
        store.apply_event("u", 5, step, event_id="e1")
    assert_state(store, "u", 4, 1, 1)
    assert store.num_events() == 1
    store.apply_event("u", 5, step, event_id="e2")  # the store is usable afterwards
    assert_state(store, "u", 9, 3, 2)


def test_same_event_id_for_another_user_is_applied(store):
    store.apply_event("a", 4, step, event_id="e1")
    other = store.apply_event("b", 6, step, event_id="e1")  # event ids are per user
    assert not other.duplicate and other.num_events == 1
    assert_state(store, "a", 4, 1, 1)
    assert_state(store, "b", 6, 1, 1)
    assert store.num_events() == 2


def test_events_without_id_are_never_duplicates(store):
    store.apply_event("u", 1, step)
    assert not store.apply_event("u", 1, step).duplicate  # no event_id: two real events
    assert_state(store, "u", 2, 3, 2)


class Boom(RuntimeError):
    pass


def failing_step(h, c, item):
    raise Boom(f"the model failed on item {item}")


def test_failing_step_leaves_nothing_behind(store):
    store.apply_event("u", 3, step)
    with pytest.raises(Boom, match="failed on item 9"):
        store.apply_event("u", 9, failing_step, event_id="e2")
    assert_state(store, "u", 3, 1, 1)  # unchanged
    assert store.history("u").tolist() == [3] and store.num_events() == 1  # no event row
    with pytest.raises(Boom):
        store.apply_event("new", 9, failing_step)
    assert store.num_users() == 1 and store.state("new")[2] == 0  # no user row either
    # the store is usable afterwards, and the failed event_id was never stored
    assert not store.apply_event("u", 9, step, event_id="e2").duplicate
    assert_state(store, "u", 12, 3, 2)
    assert not store.conn.in_transaction


@pytest.mark.parametrize("bad", [
    lambda h, c, item: (np.zeros(H + 1), c),  # one value too many
    lambda h, c, item: (h, np.zeros((1, H))),  # a batch of one instead of (H,)
], ids=["long-h", "batched-c"])
def test_step_of_wrong_shape_is_refused_and_rolled_back(store, bad):
    store.apply_event("u", 3, step)
    with pytest.raises(ValueError, match=rf"expected \({H},\)"):
        store.apply_event("u", 1, bad)
    assert_state(store, "u", 3, 1, 1)  # still readable and unchanged
    assert store.num_events() == 1


# --- durability across connections --------------------------------------------------------


def test_states_survive_closing_and_reopening(tmp_path):
    path = tmp_path / "s.db"
    with StateStore(path, H) as s:
        s.apply_event("a", 2, step, event_id="x")
        s.apply_event("a", 3, step)
        s.apply_event("b", 7, step)
    with StateStore(path, H) as s:
        assert_state(s, "a", 5, 3, 2)
        assert_state(s, "b", 7, 1, 1)
        assert s.history("a").tolist() == [2, 3]
        assert s.apply_event("a", 2, step, event_id="x").duplicate  # the event ids survive too
        assert s.integrity() == "ok"


def test_a_second_connection_sees_committed_events(tmp_path):
    path = tmp_path / "s.db"
    with StateStore(path, H) as writer, StateStore(path, H) as reader:
        writer.apply_event("u", 4, step)
        assert_state(reader, "u", 4, 1, 1)


# --- replace_states, histories -------------------------------------------------------------


def test_replace_states(store):
    store.apply_event("a", 1, step)
    store.apply_event("a", 1, step)
    store.apply_event("b", 5, step)
    store.replace_states({"a": (vec(-1), vec(0.5))})
    assert_state(store, "a", -1, 0.5, 2)  # the state is replaced, the count and the log are kept
    assert_state(store, "b", 5, 1, 1)  # not named: untouched
    assert store.history("a").tolist() == [1, 1]
    store.apply_event("a", 3, step)  # the next event continues from the replaced state
    assert_state(store, "a", 2, 2, 3)  # -1 + 3; 2 * 0.5 + 1


def test_replace_states_of_wrong_size_is_refused(store):
    store.apply_event("a", 1, step)
    store.apply_event("b", 2, step)
    with pytest.raises(ValueError, match=rf"expected \({H},\)"):
        store.replace_states({"a": (vec(9), vec(9)), "b": (np.zeros(H + 1), vec(9))})
    assert_state(store, "a", 1, 1, 1)  # all or nothing
    assert_state(store, "b", 2, 1, 1)
    assert not store.conn.in_transaction


def test_histories_groups_by_user_in_arrival_order(store):
    for user, item in [("b", 3), ("a", 9), ("b", 1), ("c", 4), ("a", 2), ("b", 3)]:
        store.apply_event(user, item, step)
    got = store.histories()
    assert {u: x.tolist() for u, x in got.items()} == {"a": [9, 2], "b": [3, 1, 3], "c": [4]}
    for u, x in got.items():
        assert x.tolist() == store.history(u).tolist()


def test_meta_round_trip(store):
    assert store.meta("model_version") is None
    store.set_meta("model_version", "abc")
    store.set_meta("model_version", "def")  # overwritten, not duplicated
    assert store.meta("model_version") == "def"
    assert store.meta("hidden_dim") == str(H)


# --- concurrent writers ---------------------------------------------------------------------


def test_concurrent_writers_lose_no_update(tmp_path):
    # 4 threads, each with its own connection, 50 events each over 3 shared users, step h + 1:
    # each user's h must end equal to its number of events (a lost update would leave it lower).
    path = tmp_path / "s.db"
    users, threads, per_thread = ["u0", "u1", "u2"], 4, 50
    errors, barrier = [], threading.Barrier(threads)

    def writer(k):
        try:
            barrier.wait()  # open and write all at once
            with StateStore(path, H) as s:
                for i in range(per_thread):
                    s.apply_event(users[(i + k) % 3], 1, lambda h, c, item: (h + 1, c), event_id=f"{k}-{i}")
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(repr(error))

    workers = [threading.Thread(target=writer, args=(k,)) for k in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(30)
    assert errors == [] and not any(t.is_alive() for t in workers)
    with StateStore(path, H) as s:
        assert s.num_events() == threads * per_thread == 200
        total = 0
        for u in users:
            h, c, n = s.state(u)
            assert n == len(s.history(u)) > 0
            np.testing.assert_array_equal(h, vec(n))
            np.testing.assert_array_equal(c, vec(0))
            total += n
        assert total == 200 and s.integrity() == "ok"



@pytest.mark.slow
def test_many_connections_can_open_a_new_file_at_once(tmp_path):
    # Switching a new file to WAL needs an exclusive lock, for which SQLite does not wait (the busy timeout
    # does not apply): without the store's retry a few opening races in 100 failed with "database is locked".
    threads, errors = 8, []
    for trial in range(100):
        path, barrier = tmp_path / f"{trial}.db", threading.Barrier(threads)

        def opener():
            try:
                barrier.wait()
                with StateStore(path, H) as s:
                    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                errors.append(repr(error))

        workers = [threading.Thread(target=opener) for _ in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(30)
    assert errors == []


def test_one_store_shared_by_threads(tmp_path):
    # the class promises that any thread may use a store: its lock serialises the users of the one connection
    # (without it, a second BEGIN on the connection fails with "cannot start a transaction within a transaction")
    errors = []
    with StateStore(tmp_path / "s.db", H) as shared:

        def writer(k):
            try:
                for i in range(50):
                    shared.apply_event(f"u{i % 3}", 1, lambda h, c, item: (h + 1, c), event_id=f"{k}-{i}")
                    shared.state(f"u{i % 3}")
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                errors.append(repr(error))

        workers = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(30)
        assert errors == []
        assert shared.num_events() == 200 and not shared.conn.in_transaction
        for u, (h, _, n) in shared.states().items():
            np.testing.assert_array_equal(h, vec(n))  # 17 + 17 + 16 events per thread: 68, 68, 64
        assert sorted(n for _, _, n in shared.states().values()) == [64, 68, 68]
