"""Tests of lstmrec.serve.demo: the headless path plays scripted picks through the service."""

import pandas as pd
import pytest

from lstmrec import serve


@pytest.fixture(scope="module")
def artefact():
    return serve.service.default_artefact(verbose=False)


def test_headless_follows_the_environment(monkeypatch):
    monkeypatch.setenv("LSTMREC_HEADLESS", "1")
    assert serve.demo.headless()
    monkeypatch.delenv("LSTMREC_HEADLESS")
    assert not serve.demo.headless()


def test_headless_live_plays_the_scripted_picks(artefact, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMREC_HEADLESS", "1")
    service = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    table = serve.demo.live(service, "demo", picks=[50, 172], k=5)
    assert isinstance(table, pd.DataFrame) and table.shape == (5, 3)
    assert list(table.columns) == ["most popular (no history yet)", "+ Star Wars", "+ Empire Strikes Back, The"]
    assert table.iloc[0, 0] == "Star Wars"  # the fallback's first item
    assert "Star Wars" not in table.iloc[:, 1].tolist()  # a pick is never recommended back
    assert service.store.history("demo").tolist() == [50, 172]  # each pick is one stored event
    service.store.close()


def test_widget_is_built_with_a_front_end(artefact, tmp_path, monkeypatch):
    monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    service = serve.service.Service(artefact, tmp_path / "s.sqlite3")
    widget = serve.demo.live(service, "demo", picks=[50])
    box, button = widget.children[0].children
    box.value = next(o for o in box.options if o.startswith("Star Wars ("))
    button.click()  # the same path as a click in JupyterLab
    assert service.store.history("demo").tolist() == [50]
    service.store.close()
