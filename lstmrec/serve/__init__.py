"""Real-time recommendation: the trained LSTM served one event at a time, over HTTP, with a state that survives.

Holds:

- ``export``: the trained model as files a server loads safely (``.keras`` with ``safe_mode``, SavedModel).
- ``streaming``: each user's LSTM state, updated by one cell step per event.
- ``store``: that state and every event in SQLite, one transaction per event.
- ``service``: the FastAPI service, and running it in a process of its own.
- ``latency``: percentiles of timed calls and concurrent HTTP clients on 127.0.0.1.
- ``loadtest``: the service under load, restart and crash (``python -m lstmrec.serve --bench``).
- ``demo``: pick movies one by one and watch the top-10 change.

Taught in chapter 09 and appendix A2; ``python -m lstmrec.serve`` starts the service. A leaf: nothing
else in ``lstmrec`` imports it except the course's checks. May import: ``lstmrec.util``,
``lstmrec.data``, ``lstmrec.evaluation``, ``lstmrec.models`` and ``lstmrec.foundations``.
"""

from lstmrec.serve import demo, export, latency, loadtest, service, store, streaming

__all__ = ["demo", "export", "latency", "loadtest", "service", "store", "streaming"]
