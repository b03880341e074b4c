"""Unit tests for ``python -m lstmrec.serve`` (``lstmrec.serve.__main__``): the options it refuses."""

import pytest

from lstmrec.serve.__main__ import main as serve_main


def test_command_line_rejects_a_bad_port(capsys):
    with pytest.raises(SystemExit):
        serve_main(["--port", "70000"])
    assert "not a TCP port" in capsys.readouterr().err
