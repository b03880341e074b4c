"""Unit tests for ``lstmrec.course.notebooks``: the generated Colab cells, and stripping a notebook to its checked
outputs.
"""

import json
from pathlib import Path

import nbformat

from lstmrec import course
from lstmrec.course.__main__ import main as course_main


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_colab_cells_are_added_updated_and_removed():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 05 · X"]},
                    {"cell_type": "markdown", "metadata": {}, "source": ["**Objectives**"]},
                    {"cell_type": "code", "metadata": {}, "source": ["course.chapter.setup()"], "outputs": []}]}
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", "owner/name") is True
    kinds = [(c["cell_type"], course.contents.COLAB_TAG in c["metadata"].get("tags", [])) for c in nb["cells"]]
    assert kinds == [("markdown", False), ("markdown", True), ("markdown", False), ("code", True), ("code", False)]
    assert "github/owner/name/blob/main/notebooks/05_x.ipynb" in "".join(nb["cells"][1]["source"])
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", "owner/name") is False  # idempotent
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", "other/name") is True
    assert course.notebooks._sync_colab(nb, "05_x", "notebooks", None) is True and len(nb["cells"]) == 3


def test_strip_keeps_only_checked_outputs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(1)", execution_count=1,
                                  outputs=[nbformat.v4.new_output("stream", text="1\n")]),
        nbformat.v4.new_code_cell("print(2)", execution_count=2, metadata={"tags": [course.contents.CHECK_TAG]},
                                  outputs=[nbformat.v4.new_output("stream", text="2\n")]),
    ])
    nb.metadata["kernelspec"] = {"name": "other", "display_name": "Other", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.12.1"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    before = path.read_text()
    assert course_main(["strip", "--check", str(path)]) == 1 and path.read_text() == before  # --check writes nothing
    assert course.notebooks.strip(path) is True
    c1, c2 = cells(path)
    assert c1["outputs"] == [] and c1["execution_count"] is None and "keep_output" not in c1["metadata"]
    assert c2["outputs"] and c2["execution_count"] == 2 and c2["metadata"]["keep_output"] is True
    stripped = json.loads(path.read_text())["metadata"]
    assert stripped["kernelspec"] == course.notebooks.KERNELSPEC and stripped["language_info"] == {"name": "python"}
    assert course.notebooks.strip(path) is False  # nothing left to strip
    assert course_main(["strip", "--check", str(path)]) == 0
