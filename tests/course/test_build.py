"""Tests of ``lstmrec.course.build``, the runner behind ``make run``, on tiny notebooks it writes itself."""

import nbformat
import pytest

from lstmrec import course


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_run_notebook_writes_executed_notebook_html_and_metrics(tmp_path):
    src = write_notebook(tmp_path / "01_demo.ipynb",
                         "from lstmrec import course",
                         "course.chapter.report('01_demo', answer=42, share=0.123456)\nprint('ran')")
    result = course.build.run_notebook(src, tmp_path / "out", strict=False, report_dir=tmp_path / "metrics")
    assert result["ok"] and result["error"] is None
    assert result["metrics"] == {"answer": 42, "share": 0.1235}
    executed = nbformat.read(tmp_path / "out" / "01_demo.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "ran\n"


@pytest.mark.slow
def test_a_failing_notebook_is_reported_not_hidden(tmp_path):
    src = write_notebook(tmp_path / "02_bad.ipynb", "raise ValueError('broken on purpose')")
    result = course.build.run_notebook(src, tmp_path / "out", strict=False, report_dir=tmp_path / "metrics")
    assert not result["ok"] and "broken on purpose" in result["error"]
    executed = nbformat.read(tmp_path / "out" / "02_bad.ipynb", as_version=4)  # its page shows the traceback
    assert executed.cells[0].outputs[0]["ename"] == "ValueError"


@pytest.mark.slow
def test_a_notebook_showing_tensorflow_log_lines_fails(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # the kernel then shows descriptor 2 in cells, as in `make run`
    line = "E0000 00:00:1796020556.573690   21212 cuda_platform.cc:52] failed call to cuInit"
    src = write_notebook(tmp_path / "04_noisy.ipynb", "print('fine')",
                         f"import os, time\nos.write(2, b'{line}\\n')\ntime.sleep(0.5)")
    result = course.build.run_notebook(src, tmp_path / "out", strict=False, report_dir=tmp_path / "metrics")
    assert not result["ok"] and result["error"] == "TensorFlow log lines in the output of cell 1"


@pytest.mark.slow
def test_strict_mode_reaches_the_kernel(tmp_path):
    src = write_notebook(tmp_path / "03_env.ipynb", "import os\nprint(os.environ.get('LSTMREC_STRICT'))")
    course.build.run_notebook(src, tmp_path / "out", strict=True, report_dir=tmp_path / "metrics")
    executed = nbformat.read(tmp_path / "out" / "03_env.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "1\n"
