"""Tests of ``lstmrec.util.progress``: the lines, headless or watched, and the bar of a sweep."""

import pytest

from lstmrec import util


@pytest.mark.parametrize("value, watched", [(None, True), ("1", False), ("0", True)])
def test_watched_follows_lstmrec_headless(monkeypatch, value, watched):
    if value is None:
        monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    else:
        monkeypatch.setenv("LSTMREC_HEADLESS", value)
    assert util.progress.watched() is watched


@pytest.mark.parametrize("value, verbose", [(None, 2), ("1", 0)])
def test_keras_verbose(monkeypatch, value, verbose):
    if value is None:
        monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    else:
        monkeypatch.setenv("LSTMREC_HEADLESS", value)
    assert util.progress.keras_verbose() == verbose


@pytest.mark.parametrize("value, shown", [(None, "step 3\n"), ("1", "")])
def test_say_prints_only_while_watched(monkeypatch, capsys, value, shown):
    if value is None:
        monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    else:
        monkeypatch.setenv("LSTMREC_HEADLESS", value)
    util.progress.say("step 3")
    assert capsys.readouterr().out == shown


def test_epoch_line_by_hand():
    line = util.progress.epoch_line(3, 40, {"loss": 5.12345, "val_NDCG@10": 0.08706}, 10, 0.0912, 12.49)
    assert line == "epoch 3/40: loss 5.1235, val NDCG@10 0.0871 (best 0.0912), 12 s"


@pytest.mark.parametrize("args, line", [
    (("LSTM seed 42", 17, 27, 0.10821, 75.6), "LSTM seed 42: best epoch 17 of 27, val NDCG@10 0.1082, trained in 76 s"),
    (("GRU seed 43", 9, 19, None, 30.0, True), "GRU seed 43: best epoch 9 of 19, from the cache"),
])
def test_model_line_by_hand(args, line):
    assert util.progress.model_line(*args) == line


def test_steps_is_silent_and_complete_when_headless(monkeypatch, capsys):
    monkeypatch.setenv("LSTMREC_HEADLESS", "1")
    assert list(util.progress.steps(iter(range(5)), "sweep")) == [0, 1, 2, 3, 4]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_steps_shows_a_bar_when_watched(monkeypatch, capsys):
    monkeypatch.delenv("LSTMREC_HEADLESS", raising=False)
    assert list(util.progress.steps(["a", "b", "c"], "learning rates")) == ["a", "b", "c"]
    assert "learning rates" in capsys.readouterr().err  # tqdm writes to stderr in a terminal
