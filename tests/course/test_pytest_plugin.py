"""Tests of ``lstmrec.course.pytest_plugin``: a notebook cell that shows TensorFlow log lines fails, as a learner
sees it."""

import nbformat
import pytest

pytest_plugins = ["pytester"]

LOG = "E0000 00:00:1796020556.573690   21212 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error"


@pytest.mark.slow
def test_a_cell_with_tensorflow_log_lines_fails_and_a_warning_passes(pytester):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os, time\nos.write(2, b'" + LOG + "\\n')\ntime.sleep(0.5)"),
        nbformat.v4.new_code_cell("import warnings, time\nwarnings.warn('the course warns')\ntime.sleep(0.5)"),
        nbformat.v4.new_code_cell("import os\nprint(os.environ.get('LSTMREC_HEADLESS'))"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, pytester.path / "noisy.ipynb")
    result = pytester.runpytest_subprocess("-p", "lstmrec.course.pytest_plugin", "--nbval-lax", "--nbval-current-env",
                                           "-p", "no:cacheprovider", "noisy.ipynb")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*TensorFlow log lines in the cell's output*", "*failed call to cuInit*"])
