"""A real-time recommendation service: FastAPI + uvicorn over the streaming LSTM and the SQLite store.

Taught in appendix A2 (for chapter 09). Start it with ``python -m lstmrec.serve`` (or ``make serve``,
``serve.__main__``); ``python -m lstmrec.serve --bench`` measures it
(``serve.loadtest``). Nothing in the course imports this module except the
chapter, the load test and the tests.

Endpoints (item ids are the data set's own ids, e.g. MovieLens movie ids):

    POST /users/{user_id}/events            {"item_id": 50, "event_id": "optional-retry-key"}
         one LSTM step for that user, stored with the event in one transaction;
         with ?k=10 the answer also carries the new top-k
    GET  /users/{user_id}/recommendations?k=10
         item ids, titles and scores, the user's seen items left out;
         a user without history gets the most-popular list, marked as a fallback
    GET  /users/{user_id}                   the user's event count and recent items (404 if none)
    GET  /health                            model version, data checksum, catalogue size

Bad requests get a 4xx whose JSON ``error`` names the problem, and change
nothing: an unknown item (422), a malformed user id (422), k < 1 or k above
the catalogue (422), malformed JSON (400), a missing or mistyped field (422), a
body over ``MAX_BODY_BYTES`` (413), an ``event_id`` reused for another item (409). An unknown user is not an error for
recommendations (that is the cold-start case); it is for ``GET /users/{id}``.

Every handler runs to completion on the event loop's one thread, with no
``await`` between reading a user's state and writing it, and the store's write
transaction holds SQLite's lock: updates never interleave.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from lstmrec import data, evaluation, models
from lstmrec.serve import export
from lstmrec.serve.store import EventConflict, StateStore
from lstmrec.serve.streaming import StreamingLSTM
from lstmrec.util import paths

MAX_BODY_BYTES = 1024
"""The largest request body accepted: an event is a few dozen bytes."""

USER_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
"""A user id: 1-64 letters, digits, ``_``, ``-`` or ``.`` (matched with ``fullmatch``: no trailing newline)."""

EVENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class Event(BaseModel):
    """The body of ``POST /users/{user_id}/events``: exactly these fields, integers not strings."""

    model_config = ConfigDict(extra="forbid")
    item_id: StrictInt
    event_id: StrictStr | None = None


class RequestError(Exception):
    """A bad request: HTTP ``status`` and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Service:
    """The recommender behind the HTTP layer: usable in-process (the chapter times it without HTTP).

    Args:
        artefact: a folder written by ``serve.export.save_artefact``.
        db: the SQLite file of users' states and events.
        synchronous: the store's durability (``"NORMAL"`` or ``"FULL"``).

    On start, if the store's states were computed by another model version, they
    are recomputed from the event logs (the logs are the truth; states are a cache).
    """

    def __init__(self, artefact: Path | str, db: Path | str, synchronous: str = "NORMAL"):
        self.artefact = Path(artefact)
        self.catalogue = export.load_catalogue(self.artefact)
        self.model = export.load_keras(self.artefact)
        self.lstm = StreamingLSTM.from_model(self.model)
        if self.lstm.num_items != self.catalogue.num_items:
            raise ValueError(f"the model scores {self.lstm.num_items} ids but the catalogue has "
                             f"{self.catalogue.num_items}: the artefact is inconsistent")
        self.version = export.model_version(self.artefact)
        self.raw_ids = self.catalogue.raw_ids  # (num_items,) model id -> raw id; raw_ids[1:] increasing
        self.fallback_order = np.lexsort((np.arange(self.catalogue.num_items), -self.catalogue.popularity))
        self.fallback_order = self.fallback_order[self.fallback_order != 0]  # most popular first, ties -> lower id
        self.store = StateStore(db, self.lstm.hidden_dim, synchronous)
        if self.store.meta("model_version") != self.version:
            self._replay_states()

    def _replay_states(self) -> None:
        histories = self.store.histories()
        if histories:
            users = list(histories)
            h, c = self.lstm.encode([self.model_ids(histories[u]) for u in users])  # (n, H) each
            self.store.replace_states({u: (h[i], c[i]) for i, u in enumerate(users)})
        self.store.set_meta("model_version", self.version)

    # --- ids ---------------------------------------------------------------------------

    def model_ids(self, raw_items) -> np.ndarray:
        """Raw item ids -> model ids; raises ``RequestError(422)`` naming the first unknown id."""
        try:
            raw = np.asarray(raw_items, dtype=np.int64)
        except OverflowError:  # an integer beyond 64 bits is no item id either
            first = next(int(v) for v in np.ravel(np.asarray(raw_items, dtype=object)) if abs(int(v)) >= 2 ** 63)
            raise RequestError(422, f"unknown item_id {first}: not among the {self.catalogue.num_items - 1:,} "
                                    f"items of {self.catalogue.dataset}") from None
        pos = np.minimum(np.searchsorted(self.raw_ids[1:], raw) + 1, self.catalogue.num_items - 1)
        unknown = self.raw_ids[pos] != raw
        if unknown.any():
            raise RequestError(422, f"unknown item_id {int(raw[unknown][0])}: not among the "
                                    f"{self.catalogue.num_items - 1:,} items of {self.catalogue.dataset}")
        return pos

    @staticmethod
    def check_user(user_id: str) -> str:
        """``user_id`` if well formed; else ``RequestError(422)`` quoting it."""
        if not USER_ID.fullmatch(user_id):
            raise RequestError(422, f"malformed user_id {user_id[:80]!r}: use 1-64 letters, digits, '_', '-' or '.'")
        return user_id

    def check_k(self, k: int) -> int:
        """``k`` if in 1..catalogue size; else ``RequestError(422)`` with the range."""
        largest = self.catalogue.num_items - 1
        if not 1 <= k <= largest:
            raise RequestError(422, f"k={k} is out of range: ask for 1 to {largest:,} items (the catalogue)")
        return k

    # --- the two operations ---------------------------------------------------------------

    def add_event(self, user_id: str, item_id: int, event_id: str | None = None, k: int | None = None) -> dict:
        """One event: validate everything, then step the user's state and store both in one transaction.

        Args:
            user_id: the user.
            item_id: the item, by the data set's own id.
            event_id: the client's id of the event, for safe retries.
            k: also return the top ``k`` after this event.

        Returns:
            ``user_id``, ``item_id``, ``num_events``, ``duplicate`` (and ``recommendations`` with ``k``).

        Raises:
            RequestError: a bad id or ``k``, found before anything is stored (422), or an ``event_id``
                reused for another item (409).
        """
        self.check_user(user_id)
        if k is not None:
            self.check_k(k)
        if event_id is not None and not EVENT_ID.fullmatch(event_id):
            raise RequestError(422, f"malformed event_id {event_id[:80]!r}: use 1-64 letters, digits or '_.:-'")
        model_item = int(self.model_ids([item_id])[0])

        def step(h, c, item):
            h, c = self.lstm.step(h[None, :], c[None, :], np.array([item]))
            return h[0], c[0]

        try:
            applied = self.store.apply_event(user_id, int(item_id), step, model_item, event_id)
        except EventConflict as error:
            raise RequestError(409, str(error)) from None
        answer = {"user_id": user_id, "item_id": int(item_id), "num_events": applied.num_events,
                  "duplicate": applied.duplicate}
        if k is not None:  # ranked from the state just written (no need to read it back)
            answer["recommendations"] = self.recommend(user_id, k, state=(applied.h, applied.num_events))
        return answer

    def recommend(self, user_id: str, k: int = 10, state: tuple[np.ndarray, int] | None = None) -> dict:
        """The top ``k`` unseen items from the user's state, or the popularity fallback without history.

        Args:
            user_id: the user.
            k: how many items.
            state: ``(h, num_events)`` if the caller has just written them (saves reading them back).
        """
        self.check_user(user_id)
        k = self.check_k(k)
        if state is None:
            h, _, num_events = self.store.state(user_id)
        else:
            h, num_events = state
        seen = self.store.seen(user_id) if num_events else np.zeros(0, np.int64)
        exclude = np.zeros((1, self.catalogue.num_items), dtype=bool)  # (1, num_items)
        if seen.size:
            exclude[0, self.model_ids(seen)] = True
        k = min(k, self.catalogue.num_items - 1 - int(exclude[0, 1:].sum()))  # fewer unseen items than k
        if num_events == 0:
            ids = self.fallback_order[:k]
            scores = self.catalogue.popularity[ids].astype(float)
            source = {"source": "popularity", "fallback": True,
                      "reason": "no history for this user: the most popular items in the training data",
                      "score": "training interactions"}
        else:
            logits = self.lstm.scores(h[None, :])  # (1, num_items)
            ids = evaluation.ranking.top_k(logits, k, exclude)[0] if k > 0 else np.zeros(0, np.int64)
            scores = logits[0, ids].astype(float)
            source = {"source": "lstm", "fallback": False, "score": "logit"}
        items = [{"item_id": int(self.raw_ids[i]), "title": self.catalogue.titles[i], "score": round(float(s), 4)}
                 for i, s in zip(ids, scores)]
        return {"user_id": user_id, "num_events": num_events, "k": k, **source, "items": items}

    def user(self, user_id: str, last: int = 10) -> dict:
        """A user's event count and ``last`` most recent items; ``RequestError(404)`` for a user without events."""
        self.check_user(user_id)
        history = self.store.history(user_id)
        if history.size == 0:
            raise RequestError(404, f"unknown user {user_id!r}: no events recorded for this user")
        recent = history[-last:][::-1]
        titles = [self.catalogue.titles[i] for i in self.model_ids(recent)]
        return {"user_id": user_id, "num_events": int(history.size),
                "recent": [{"item_id": int(i), "title": t} for i, t in zip(recent, titles)]}

    def health(self) -> dict:
        """What is served: model version, data checksum and set, tie rule, catalogue size, users, events."""
        return {"status": "ok", "model_version": self.version, "data_checksum": self.catalogue.data_checksum,
                "dataset": self.catalogue.dataset, "ties": self.catalogue.ties,
                "num_items": self.catalogue.num_items - 1, "users": self.store.num_users(),
                "events": self.store.num_events()}


def _limit_body(app, limit: int = MAX_BODY_BYTES):
    """ASGI middleware: answer 413 to a body over ``limit`` bytes, declared or streamed, before any handler runs."""

    async def too_large(send, size: str):
        body = json.dumps({"error": f"request body of {size} bytes is too large: the limit is {limit}"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await too_large(send, declared.decode(errors="replace"))
        chunks, size = [], 0
        while True:  # read the whole body first (it is small), counting as it arrives
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return await too_large(send, f"more than {limit}")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, sent = b"".join(chunks), [False]

        async def replay():
            if not sent[0]:
                sent[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await app(scope, replay, send)

    return middleware


def _validation_message(errors) -> tuple[int, str]:
    """FastAPI's validation errors as (status, one sentence)."""
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    if first.get("type") == "json_invalid":
        return 400, f"malformed JSON: {first.get('ctx', {}).get('error', first.get('msg'))}"
    if first.get("type") == "missing":
        return 422, f"missing field {where!r}"
    if first.get("type") == "extra_forbidden":
        return 422, f"unexpected field {where!r}: an event has item_id and optionally event_id"
    return 422, f"{where}: {first.get('msg')} (got {first.get('input')!r})"


def create_app(service: Service):
    """The FastAPI application over ``service`` (wrapped in the body-size limit)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response

    def answer(body: dict) -> Response:  # plain dicts of str/int/float/bool: json.dumps is enough, and fast
        return Response(json.dumps(body), media_type="application/json")

    app = FastAPI(title="lstmrec real-time recommender", version=service.version)

    @app.exception_handler(RequestError)
    async def request_error(request: Request, error: RequestError):
        return JSONResponse({"error": error.message}, status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        status, message = _validation_message(error.errors())
        return JSONResponse({"error": message}, status_code=status)

    @app.get("/health")
    async def health():
        return answer(service.health())

    @app.post("/users/{user_id}/events")
    async def add_event(user_id: str, event: Event, k: int | None = None):
        return answer(service.add_event(user_id, event.item_id, event.event_id, k))

    @app.get("/users/{user_id}/recommendations")
    async def recommendations(user_id: str, k: int = 10):
        return answer(service.recommend(user_id, k))

    @app.get("/users/{user_id}")
    async def user(user_id: str):
        return answer(service.user(user_id))

    return _limit_body(app)


def default_artefact(dataset: str = "ml-100k", verbose: bool = True) -> Path:
    """The course's LSTM for ``dataset`` exported under ``data/cache/serve/``, exported now if missing.

    The model comes from ``models.cache.load_or_train`` (the cache chapters 06-08 fill;
    trained now if this machine has not trained it).
    """
    if dataset not in ("ml-100k", "ml-1m"):
        raise ValueError(f"dataset={dataset!r}: the service serves MovieLens, 'ml-100k' or 'ml-1m'")
    config = models.registry.course_config(dataset)
    ml = data.registry.get(dataset).load()
    split = data.splits.leave_one_out(ml.interactions)
    checksum = ml.checksum()
    key = config.key(models.cache.data_key(split, checksum))
    folder = paths.data_dir() / "cache" / "serve" / f"{dataset}-{key}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one exporter at a time; the others find the folder done
        if not (folder / export.CATALOGUE_FILE).exists():
            if verbose:
                print(f"exporting the course's {dataset} LSTM to {folder}", flush=True)
            trained = models.cache.load_or_train(split, checksum, config)
            export.save_artefact(export.inference_model(trained.recommender.model),
                                 export.catalogue(split, ml.items, checksum, dataset), folder)
    return folder


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m lstmrec.serve`` in a subprocess on 127.0.0.1, for the chapter, the tests and the bench.

    Args:
        artefact: the model folder.
        db: the state file.
        port: the port (default: a free one).
        startup_timeout: seconds to wait for ``/health``.

    Use as a context manager, or call ``stop()`` (SIGTERM, a clean shutdown)
    or ``kill()`` (SIGKILL, a crash).
    """

    def __init__(self, artefact: Path | str, db: Path | str, port: int | None = None,
                 startup_timeout: float = 120.0):
        import httpx

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        version = export.model_version(artefact)
        env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
        self.log = Path(db).with_suffix(f".{self.port}.log")
        self._log_file = open(self.log, "w")  # noqa: SIM115 (closed in stop/kill)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lstmrec.serve", "--artefact", str(artefact), "--db", str(db),
             "--port", str(self.port)], stdout=self._log_file, stderr=subprocess.STDOUT, env=env)
        atexit.register(self.kill)  # never outlive the notebook or test that started it, even if it fails
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:  # bounded: poll /health until it answers
            if self.process.poll() is not None:
                self._log_file.close()
                raise RuntimeError(f"the server exited with code {self.process.returncode}:\n{self.log.read_text()}")
            try:  # trust_env=False: never send a localhost request through an HTTP proxy from the environment
                health = httpx.get(self.url + "/health", timeout=1.0, trust_env=False)
                if health.status_code == 200 and health.json().get("model_version") == version:
                    return  # our server (not another program that took the port first)
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.1)
        self.kill()
        raise TimeoutError(f"the server did not answer /health within {startup_timeout} s:\n{self.log.read_text()}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait: uvicorn finishes the requests in flight and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        atexit.unregister(self.kill)
        return self.process.returncode

    def client(self, timeout: float = 30.0):
        """An ``httpx.Client`` for this server (keep-alive; environment proxies ignored). Close it when done."""
        import httpx

        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False)

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash (the operating system keeps what was written)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log_file.close()
        atexit.unregister(self.kill)

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
