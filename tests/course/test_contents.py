"""Unit tests for ``lstmrec.course.contents``: the chapters in order, the generated navigation, the contents list,
the README's table, and the Colab cells.
"""

import pytest

from lstmrec import course, util

SLUGS = [slug for slug, _ in course.contents.CHAPTERS]


# --- the module ---------------------------------------------------------------------


@pytest.mark.parametrize("url, repository", [
    ("https://github.com/owner/lstm-course", "owner/lstm-course"),
    ("https://github.com/owner/lstm.course.git", "owner/lstm.course"),
    ("https://gitlab.com/owner/lstm-course", None),
    ("", None),
])
def test_github_repository_from_pyproject(tmp_path, monkeypatch, url, repository):
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{url}"\n')
    monkeypatch.setattr(util.paths, "repo_root", lambda: tmp_path)
    assert course.contents.github_repository() == repository


def test_colab_install_cell_is_valid_python_in_short_lines():
    code = course.contents.colab_install("a-rather-long-organisation-name/lstm-recommender-systems-course")
    compile(code, "colab", "exec")
    assert max(len(line) for line in code.splitlines()) <= 120
    assert 'find_spec("lstmrec") is None' in code and "--depth" in code


def test_chapters_are_numbered_in_order():
    assert [int(slug[:2]) for slug in SLUGS] == list(range(len(SLUGS)))


def test_nav_of_the_first_chapter_has_no_previous():
    nav = course.contents.nav_markdown("00_start_here")
    assert "previous" not in nav and "[contents](00_start_here.ipynb#Contents)" in nav


def test_nav_of_a_solution_points_back_to_its_chapter():
    nav = course.contents.nav_markdown("00_start_here", "solutions")
    assert "(../notebooks/00_start_here.ipynb)" in nav


def test_nav_of_an_unwritten_chapter_is_an_error():
    with pytest.raises(KeyError, match="not a written chapter or appendix"):
        course.contents.nav_markdown("99_nothing")


def test_contents_lists_every_chapter():
    contents = course.contents.contents_markdown()
    for slug, title in course.contents.CHAPTERS:
        assert title in contents


# --- appendices ----------------------------------------------------------------------


def test_every_appendix_extends_a_chapter_and_is_named_after_no_chapter():
    chapters = dict(course.contents.CHAPTERS)
    for slug, title, parent in course.contents.APPENDICES:
        assert parent in chapters and slug not in chapters and title
        assert slug[0] == "A" and slug[1:2].isdigit(), slug  # A1_..., sorted after the chapters


def test_nav_of_an_appendix_leads_back_to_its_chapter():
    slug, _, parent = course.contents.written_appendices()[0]
    nav = course.contents.nav_markdown(slug)
    assert f"← back to: [{dict(course.contents.CHAPTERS)[parent]}]({parent}.ipynb)" in nav
    assert "next:" not in nav and "previous:" not in nav
    solved = course.contents.nav_markdown(slug, "solutions")
    assert f"(../notebooks/{parent}.ipynb)" in solved and f"[the appendix](../notebooks/{slug}.ipynb)" in solved


def test_pages_are_the_chapters_then_the_appendices():
    pages = course.contents.pages()
    assert pages[:len(course.contents.written_chapters())] == course.contents.written_chapters()
    assert [s for s, _ in pages[len(course.contents.written_chapters()):]] == [
        s for s, _, _ in course.contents.written_appendices()]


def test_contents_and_readme_list_the_appendices():
    for slug, title, parent in course.contents.written_appendices():
        assert f"[{title}]({slug}.ipynb), for chapter {parent[:2]}" in course.contents.contents_markdown()
        assert f"[{title}](notebooks/{slug}.ipynb), for chapter {parent[:2]}" in course.contents.readme_table()
