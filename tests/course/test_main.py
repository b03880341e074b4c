"""Unit tests for ``python -m lstmrec.course`` (``lstmrec.course.__main__``): each command calls its
``course.notebooks`` function with the paths given, and the exit codes of ``check`` and ``strip --check``.
"""

import pytest

from lstmrec.course import __main__ as cli


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "all_notebooks", lambda: ["notebooks/a.ipynb", "notebooks/b.ipynb"])
    monkeypatch.setattr(cli, "refresh", lambda p: seen.append(("refresh", p)))
    monkeypatch.setattr(cli, "strip", lambda p, write: seen.append(("strip", p, write)) or p.endswith("b.ipynb"))
    monkeypatch.setattr(cli, "sync", lambda write: seen.append(("sync", write)) or ["README.md"])
    return seen


def test_refresh_every_notebook_by_default(calls, capsys):
    assert cli.main(["refresh"]) == 0
    assert calls == [("refresh", "notebooks/a.ipynb"), ("refresh", "notebooks/b.ipynb")]
    assert capsys.readouterr().out.splitlines() == ["refreshing notebooks/a.ipynb", "refreshing notebooks/b.ipynb"]


def test_strip_check_changes_nothing_and_fails_on_a_dirty_notebook(calls, capsys):
    assert cli.main(["strip", "--check"]) == 1
    assert calls == [("strip", "notebooks/a.ipynb", False), ("strip", "notebooks/b.ipynb", False)]
    assert capsys.readouterr().out == "would strip notebooks/b.ipynb\n"


def test_strip_the_paths_given(calls, capsys):
    assert cli.main(["strip", "notebooks/b.ipynb"]) == 0
    assert calls == [("strip", "notebooks/b.ipynb", True)]
    assert capsys.readouterr().out == "stripped notebooks/b.ipynb\n"


@pytest.mark.parametrize("command, write, code, line", [("sync", True, 0, "updated README.md"),
                                                        ("check", False, 1, "stale: README.md")])
def test_sync_writes_and_check_fails_on_stale_files(calls, capsys, command, write, code, line):
    assert cli.main([command]) == code
    assert calls == [("sync", write)]
    assert capsys.readouterr().out == line + "\n"


@pytest.mark.parametrize("argv", [[], ["build"], ["sync", "--force"]])
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2 and "usage: python -m lstmrec.course" in capsys.readouterr().err
