"""Tests of ``lstmrec.build``, the runner behind ``make run``, on tiny notebooks it writes itself."""

import nbformat

from lstmrec import build


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_run_notebook_writes_executed_notebook_html_and_metrics(tmp_path):
    src = write_notebook(tmp_path / "01_demo.ipynb",
                         "from lstmrec import course",
                         "course.report('01_demo', answer=42, share=0.123456)\nprint('ran')")
    result = build.run_notebook(src, tmp_path / "out", strict=False, report_dir=tmp_path / "metrics")
    assert result["ok"] and result["error"] is None
    assert result["metrics"] == {"answer": 42, "share": 0.1235}
    executed = nbformat.read(tmp_path / "out" / "01_demo.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "ran\n"
    assert "ran" in (tmp_path / "out" / "01_demo.html").read_text()


def test_a_failing_notebook_is_reported_not_hidden(tmp_path):
    src = write_notebook(tmp_path / "02_bad.ipynb", "raise ValueError('broken on purpose')")
    result = build.run_notebook(src, tmp_path / "out", strict=False, report_dir=tmp_path / "metrics")
    assert not result["ok"] and "broken on purpose" in result["error"]
    assert (tmp_path / "out" / "02_bad.html").exists()  # the page shows the traceback


def test_strict_mode_reaches_the_kernel(tmp_path):
    src = write_notebook(tmp_path / "03_env.ipynb", "import os\nprint(os.environ.get('LSTMREC_STRICT'))")
    build.run_notebook(src, tmp_path / "out", strict=True, report_dir=tmp_path / "metrics")
    executed = nbformat.read(tmp_path / "out" / "03_env.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "1\n"


def test_index_lists_every_notebook_with_status(tmp_path):
    results = [
        {"notebook": "notebooks/00_a.ipynb", "seconds": 1.0, "ok": True, "error": None, "metrics": {"n": 1}},
        {"notebook": "notebooks/01_b.ipynb", "seconds": 2.0, "ok": False, "error": "E<1>", "metrics": {}},
    ]
    page = build.write_index(results, tmp_path).read_text()
    assert "notebooks/00_a.html" in page and "n = 1" in page
    assert "FAILED: E&lt;1&gt;" in page  # escaped
