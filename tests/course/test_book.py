"""Tests of ``lstmrec.course.book``: the contents page, the chapter pages' navigation, the results page."""

import html
import json

import nbformat
import pytest

from lstmrec import course, util

CHAPTERS = [slug for slug, _ in course.contents.written_chapters()]


@pytest.mark.parametrize("page, expected", [
    ('<a href="05_sequence_data.ipynb">', '<a href="05_sequence_data.html">'),
    ('<a href="../solutions/05_x.ipynb#Exercise-1">', '<a href="../solutions/05_x.html#Exercise-1">'),
    ('<a href="https://colab.research.google.com/github/o/r/blob/main/notebooks/05_x.ipynb">',
     '<a href="https://colab.research.google.com/github/o/r/blob/main/notebooks/05_x.ipynb">'),
    ('<a href="/abs/x.ipynb">', '<a href="/abs/x.ipynb">'),
    ('<a href="data/README.md">', '<a href="data/README.md">'),
])
def test_html_links(page, expected):
    assert course.book.html_links(page) == expected


@pytest.mark.parametrize("slug", CHAPTERS)
def test_chapter_info_reads_title_and_objectives(slug):
    info = course.book.chapter_info(course.contents.notebook_path(slug))
    assert info["number"] == slug[:2]
    assert dict(course.contents.CHAPTERS)[slug].split(":")[0].split(",")[0].lower() in info["title"].lower()
    assert len(info["objectives"]) >= 2 and all(o and not o.startswith("- ") for o in info["objectives"])


def test_inline_markdown_escapes_and_formats():
    assert course.book._inline_markdown("use `x<3` and **bold**, *it*") == \
        "use <code>x&lt;3</code> and <strong>bold</strong>, <em>it</em>"


def fake_results():
    return [
        {"notebook": "notebooks/00_start_here.ipynb", "seconds": 12.4, "ok": True, "error": None,
         "metrics": {"users": 943, "most_popular_valid_ndcg10": 0.04321}},
        {"notebook": "notebooks/01_recommender_basics.ipynb", "seconds": 3.0, "ok": False, "error": "E<1>",
         "metrics": {}},
        {"notebook": "solutions/00_start_here.ipynb", "seconds": 1.0, "ok": True, "error": None, "metrics": {}},
    ]


def test_contents_page_shows_titles_objectives_times_numbers_and_failures():
    page = course.book.contents_page(fake_results(), 125.0)
    first = course.book.chapter_info(course.contents.notebook_path(CHAPTERS[0]))
    assert first["title"] in page and "ran in 12 s" in page
    assert "most popular valid ndcg10 = 0.04321" in page and "users = 943" in page
    assert "failed: E&lt;1&gt;" in page and "1 notebook(s) failed" in page
    assert "solutions/00_start_here.html" in page and "2.1 minutes" in page
    assert "<a href='notebooks/00_start_here.html'>" in page
    for slug in CHAPTERS:  # every chapter is listed, run or not
        title = course.book.chapter_info(course.contents.notebook_path(slug))["title"]
        assert html.escape(title.split("`")[0][:20]) in page


def test_results_page_has_every_table_with_its_origin():
    page = course.book.results_page()
    for name, heading, _ in course.book.RESULT_TABLES:
        record = json.loads((util.paths.results_dir() / name).read_text())
        assert heading.split(":")[0] in page and record["command"] in page and f"results/{name}" in page
    assert "LSTM" in page and "Item-kNN" in page and " [0." in page  # intervals shown


def test_results_page_says_when_an_artefact_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(util.paths, "results_dir", lambda: tmp_path)
    assert "results/bench-ml-100k-shuffle.json is missing" in course.book.results_page()


def tiny(path, text):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text),
                                         nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = course.notebooks.KERNELSPEC
    nbformat.write(nb, path)
    return nb


@pytest.mark.slow
def test_write_site_links_pages_in_order(tmp_path, monkeypatch):
    for folder in ("notebooks", "solutions"):
        (tmp_path / folder).mkdir()
    slugs = ["00_a", "01_b", "02_c"]
    executed = {}
    for i, slug in enumerate(slugs):
        text = f"# {slug[:2]} · Chapter {slug}\n\n**Objectives**\n\n- one\n- two\n\n[next](01_b.ipynb)"
        executed[f"notebooks/{slug}.ipynb"] = tiny(tmp_path / "notebooks" / f"{slug}.ipynb", text)
    monkeypatch.setattr(util.paths, "repo_root", lambda: tmp_path)
    monkeypatch.setattr(course.contents, "written_chapters", lambda: [(s, f"Chapter {s}") for s in slugs])
    monkeypatch.setattr(
        course.contents, "notebook_path", lambda slug, folder="notebooks": tmp_path / folder / f"{slug}.ipynb"
    )
    results = [{"notebook": n, "seconds": 1.0, "ok": True, "error": None, "metrics": {}} for n in executed]
    index = course.book.write_site(results, executed, tmp_path / "_build", 3.0)
    middle = (tmp_path / "_build" / "notebooks" / "01_b.html").read_text()
    assert middle.count('<nav class="course">') == 2  # top and bottom
    assert 'href="00_a.html">← 00 Chapter 00_a' in middle and 'href="02_c.html">02 Chapter 02_c →' in middle
    assert 'href="../index.html">Contents' in middle and 'href="../book.css"' in middle
    assert 'href="01_b.html">next' in middle  # the notebook's own .ipynb link now points at the page
    first = (tmp_path / "_build" / "notebooks" / "00_a.html").read_text()
    assert "←" not in first
    assert (tmp_path / "_build" / "book.css").exists() and (tmp_path / "_build" / "results.html").exists()
    assert "Chapter 02_c" in index.read_text()


def test_contents_page_of_notebooks_not_executed():
    results = [{"notebook": f"notebooks/{slug}.ipynb", "seconds": None, "ok": True, "error": None, "metrics": {}}
               for slug in CHAPTERS]
    page = course.book.contents_page(results, None)
    assert "not executed" in page and "not executed: <code>make run</code> executes them" in page
    assert "ran in" not in page


def summary(ok=True):
    return {"command": "make run", "date": "2026-11-30T08:00:00+00:00", "seconds": 660.0,
            "machine": {"machine": "x86_64", "cpus": 2, "system": "Linux", "python": "3.11.7"},
            "results": [{"notebook": "notebooks/00_start_here.ipynb", "seconds": 12.4, "ok": ok, "error": None,
                         "metrics": {"users": 943}},
                        {"notebook": "solutions/00_start_here.ipynb", "seconds": 1.2, "ok": True, "error": None,
                         "metrics": {}}]}


def test_runtimes_table_by_hand():
    table = course.book.runtimes_table(summary())
    assert "| 00 | Start here: the course map, exercises and checks, the data | 12 s | 1 s |" in table
    assert "| 01 | Recommender systems and why order matters | – | – |" in table  # not in this summary
    assert "11.0 minutes in all on 2 CPUs (x86_64, Python 3.11.7)" in table and "results/make-run.json" in table


def test_save_runtimes_rejects_a_failed_run_and_non_summaries(tmp_path):
    bad = tmp_path / "s.json"
    bad.write_text(json.dumps(summary(ok=False)))
    with pytest.raises(ValueError, match="some notebooks failed"):
        course.book.save_runtimes(bad)
    bad.write_text(json.dumps({"results": []}))
    with pytest.raises(ValueError, match="not a `make run` summary"):
        course.book.save_runtimes(bad)


def test_save_runtimes_keeps_the_summary_and_regenerates_the_guide(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    guide = tmp_path / "docs" / "instructor.md"
    guide.write_text("# Guide\n<!-- runtimes:start -->\nold\n<!-- runtimes:end -->\nend\n")
    source = tmp_path / "summary.json"
    source.write_text(json.dumps(summary()))
    chapters = course.contents.written_chapters()
    monkeypatch.setattr(util.paths, "repo_root", lambda: tmp_path)
    monkeypatch.setattr(course.contents, "written_chapters", lambda: chapters)
    target = course.book.save_runtimes(source)
    kept = json.loads(target.read_text())
    assert kept["results"][0] == {"notebook": "notebooks/00_start_here.ipynb", "seconds": 12.4, "ok": True}
    guide = (tmp_path / "docs" / "instructor.md").read_text()
    assert "\nold\n" not in guide and "| 00 |" in guide and guide.endswith("<!-- runtimes:end -->\nend\n")
    assert course.book.sync_guide(write=False) is False and course.book.main(["check"]) == 0


def test_the_instructor_guide_run_times_are_current():
    assert course.book.sync_guide(write=False) is False, (
        "run `python -m lstmrec.course.book runtimes _build/summary.json`"
    )
