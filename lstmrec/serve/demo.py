"""The live demo of chapter 09: pick movies one by one and watch the top-10 change.

Taught in chapter 09. In JupyterLab it is a widget (ipywidgets): a search box
of titles and a button; each pick is one event through the same per-event path
as the service (``serve.service.Service.add_event``: one LSTM step, stored), and the
new top-10 is shown. Without a widget front end (the course's tests and
``make run`` set ``LSTMREC_HEADLESS=1``), it plays a scripted list of picks
and prints the top-10 after each.
"""

from __future__ import annotations

import os

import pandas as pd


def headless() -> bool:
    """True when no one can click: the notebook runs under nbval or ``make run``."""
    return os.environ.get("LSTMREC_HEADLESS") == "1"


def top_titles(service, user_id: str, k: int = 10) -> pd.Series:
    """The user's top-``k`` titles now, numbered from 1 (the popularity list for a user without history)."""
    answer = service.recommend(user_id, k)
    label = "most popular (no history yet)" if answer["fallback"] else f"after {answer['num_events']} pick(s)"
    return pd.Series([i["title"] for i in answer["items"]], index=range(1, len(answer["items"]) + 1), name=label)


def scripted(service, user_id: str, picks: list[int], k: int = 10) -> pd.DataFrame:
    """Play ``picks`` (raw item ids) as events; one column of top-``k`` titles before and after each pick."""
    columns = [top_titles(service, user_id, k)]
    for item in picks:
        service.add_event(user_id, item)
        column = top_titles(service, user_id, k)
        column.name = f"+ {service.catalogue.titles[service.model_ids([item])[0]]}"
        columns.append(column)
    return pd.concat(columns, axis=1)


def live(service, user_id: str, picks: list[int], k: int = 10):
    """The widget in a notebook front end; the scripted table when headless.

    Args:
        service: a ``serve.service.Service`` (in-process: the same code the HTTP server runs).
        user_id: the demo user (use a fresh one).
        picks: the scripted picks, raw item ids, for the headless run.
        k: how many recommendations to show.

    Returns:
        The widget (displayed by Jupyter), or the scripted table.
    """
    if headless():
        return scripted(service, user_id, picks, k)
    import ipywidgets as widgets
    from IPython.display import display

    titles = service.catalogue.titles
    options = {f"{titles[i]} ({int(service.raw_ids[i])})": int(service.raw_ids[i]) for i in range(1, len(titles))}
    box = widgets.Combobox(placeholder="type a movie title", options=sorted(options), ensure_option=True,
                           layout=widgets.Layout(width="420px"))
    button = widgets.Button(description="I watched it", button_style="primary")
    out = widgets.Output()

    def show():
        out.clear_output()
        with out:
            display(top_titles(service, user_id, k).to_frame())

    def pick(_):
        if box.value in options:
            service.add_event(user_id, options[box.value])
            box.value = ""
            show()

    button.on_click(pick)
    show()
    return widgets.VBox([widgets.HBox([box, button]), out])
