"""The course's table of contents: its chapters in order, where each notebook lives, the generated navigation.

Used by every chapter's last cell (the navigation line), chapter 00's course
map, the README's chapter table and the book (``course.book``);
``python -m lstmrec.course sync`` (``course.notebooks``) writes them.
"""

from __future__ import annotations

import re
from pathlib import Path

from lstmrec.util import paths

CHAPTERS: list[tuple[str, str]] = [
    ("00_start_here", "Start here: the course map, exercises and checks, the data"),
    ("01_recommender_basics", "Recommender systems and why order matters"),
    ("02_rnn_background", "Recurrent networks and vanishing gradients"),
    ("03_lstm_gates", "The LSTM cell: gates from scratch, equal to Keras"),
    ("04_first_keras_lstm", "A first Keras LSTM"),
    ("05_sequence_data", "From interactions to sequences"),
    ("06_lstm_recommender", "An LSTM next-item recommender"),
    ("07_evaluation", "Evaluation that holds up"),
    ("08_movielens_1m", "Longer histories: MovieLens-1M"),
    ("09_real_time", "Real-time recommendation"),
    ("10_case_studies", "Application case studies: e-commerce, social, content"),
    ("11_privacy", "Challenges: privacy, measured"),
    ("12_compute", "Challenges: compute, measured"),
    ("13_beyond_lstm", "After the LSTM: self-attention, measured"),
    ("14_questions_answered", "The article's questions, answered with evidence"),
]
"""Every chapter of the course, in order: (notebook name, title)."""

APPENDICES: list[tuple[str, str, str]] = [
    ("A1_tie_rules", "How a tie rule invents a signal, measured", "05_sequence_data"),
    ("A2_serving", "Serving the LSTM: export, HTTP and a crash, measured", "09_real_time"),
    ("A3_taste_drift", "Does the LSTM follow a user's drifting taste? Measured", "10_case_studies"),
    ("A4_epoch_profile", "Where a training epoch's time goes, measured", "12_compute"),
    ("A5_event_cost", "What one new event costs: state against attention, measured", "13_beyond_lstm"),
]
"""The appendices, after the chapters: (notebook name, title, the chapter it extends). A chapter states the result
in a paragraph and links its appendix; the appendix holds the full measurement, for the reader who wants it."""

NAV_TAG = "nav"  # the generated previous / contents / next cell at the end of a notebook
CONTENTS_TAG = "contents"  # the generated chapter list in 00_start_here
COLAB_TAG = "colab"  # the generated "Open in Colab" badge and the cell that installs the course where it is missing
CHECK_TAG = "nbval-check-output"  # nbval compares this cell's output; its output is committed


def notebook_path(slug: str, folder: str = "notebooks") -> Path:
    """``notebooks/<slug>.ipynb`` (or ``solutions/``)."""
    return paths.repo_root() / folder / f"{slug}.ipynb"


def written_chapters() -> list[tuple[str, str]]:
    """The chapters whose notebook exists, in course order."""
    return [(slug, title) for slug, title in CHAPTERS if notebook_path(slug).exists()]


def written_appendices() -> list[tuple[str, str, str]]:
    """The appendices whose notebook exists, in order."""
    return [(slug, title, parent) for slug, title, parent in APPENDICES if notebook_path(slug).exists()]


def pages() -> list[tuple[str, str]]:
    """Every written notebook of the course, chapters then appendices: (notebook name, title)."""
    return written_chapters() + [(slug, title) for slug, title, _ in written_appendices()]


def nav_markdown(slug: str, folder: str = "notebooks") -> str:
    """The navigation line of chapter ``slug``: previous · contents · next; of an appendix: its chapter · contents."""
    chapters = written_chapters()
    slugs = [s for s, _ in chapters]
    appendices = {a: (title, parent) for a, title, parent in written_appendices()}
    prefix = "" if folder == "notebooks" else "../notebooks/"
    if slug in appendices:
        parent = appendices[slug][1]
        parts = [f"← back to: [{dict(CHAPTERS)[parent]}]({prefix}{parent}.ipynb)",
                 f"[contents]({prefix}00_start_here.ipynb#Contents)"]
        if folder == "solutions":
            parts.append(f"[the appendix]({prefix}{slug}.ipynb)")
        return "---\n" + " · ".join(parts)
    if slug not in slugs:
        raise KeyError(f"{slug!r} is not a written chapter or appendix: {slugs + list(appendices)}")
    i = slugs.index(slug)
    parts = []
    if i > 0:
        parts.append(f"← previous: [{chapters[i - 1][1]}]({prefix}{chapters[i - 1][0]}.ipynb)")
    parts.append(f"[contents]({prefix}00_start_here.ipynb#Contents)")
    if i + 1 < len(chapters):
        parts.append(f"next: [{chapters[i + 1][1]}]({prefix}{chapters[i + 1][0]}.ipynb) →")
    if folder == "solutions":
        parts.append(f"[the chapter]({prefix}{slug}.ipynb)")
    return "---\n" + " · ".join(parts)


def contents_markdown() -> str:
    """The course map: every chapter, linked where it is written."""
    lines = ["## Contents", ""]
    for slug, title in CHAPTERS:
        number = slug[:2]
        if notebook_path(slug).exists():
            sol = notebook_path(slug, "solutions").exists()
            lines.append(f"{int(number)}. [{title}]({slug}.ipynb)"
                         + (f" · [solutions](../solutions/{slug}.ipynb)" if sol else ""))
        else:
            lines.append(f"{int(number)}. {title} *(in preparation)*")
    if written_appendices():
        lines += ["", "**Appendices**, for the reader who wants the full measurement behind a chapter's paragraph:", ""]
        for slug, title, parent in written_appendices():
            sol = notebook_path(slug, "solutions").exists()
            lines.append(f"- {slug[:2]}. [{title}]({slug}.ipynb), for chapter {parent[:2]}"
                         + (f" · [solutions](../solutions/{slug}.ipynb)" if sol else ""))
    return "\n".join(lines)


def github_repository() -> str | None:
    """``"owner/name"`` of the course's public GitHub repository, from pyproject.toml's ``[project.urls]``.

    None while no ``Repository = "https://github.com/owner/name"`` is set there: then
    ``sync`` adds no Colab badge and no install cell (they would point nowhere).
    """
    import tomllib

    path = paths.repo_root() / "pyproject.toml"
    if not path.exists():
        return None
    url = tomllib.loads(path.read_text()).get("project", {}).get("urls", {}).get("Repository", "")
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(\.git)?/?", url)
    return match[1] if match else None


def colab_badge(slug: str, folder: str, repository: str) -> str:
    """The "Open in Colab" badge of a notebook (generated, tagged ``colab``)."""
    url = f"https://colab.research.google.com/github/{repository}/blob/main/{folder}/{slug}.ipynb"
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def colab_install(repository: str) -> str:
    """The cell before the set-up cell: on Colab (or wherever ``lstmrec`` is missing) fetch and install the course."""
    return ("# On Colab, or wherever the course's library is missing: fetch the course and install it\n"
            "# (a few minutes; if Colab then asks to restart the session, do, and run from the top).\n"
            "# In the course's own environment (make lab) this cell does nothing.\n"
            "import importlib.util\n"
            "import subprocess\n"
            "import sys\n"
            "\n"
            "if importlib.util.find_spec(\"lstmrec\") is None:\n"
            f"    url = \"https://github.com/{repository}\"\n"
            "    subprocess.run([\"git\", \"clone\", \"--quiet\", \"--depth\", \"1\", url, \"course\"], check=True)\n"
            "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\",\n"
            "                    \"-r\", \"course/requirements.txt\", \"-e\", \"course\"], check=True)\n"
            "    sys.path.insert(0, \"course\")")


README_START, README_END = "<!-- chapters:start -->", "<!-- chapters:end -->"


def readme_table() -> str:
    """The README's chapter table: every chapter, linked where it is written, with its solutions."""
    lines = ["| | chapter | |", "|---|---|---|"]
    for slug, title in CHAPTERS:
        if notebook_path(slug).exists():
            sol = f"[solutions](solutions/{slug}.ipynb)" if notebook_path(slug, "solutions").exists() else ""
            lines.append(f"| {slug[:2]} | [{title}](notebooks/{slug}.ipynb) | {sol} |")
        else:
            lines.append(f"| {slug[:2]} | {title} | in preparation |")
    for slug, title, parent in written_appendices():
        sol = f"[solutions](solutions/{slug}.ipynb)" if notebook_path(slug, "solutions").exists() else ""
        lines.append(f"| {slug[:2]} | [{title}](notebooks/{slug}.ipynb), for chapter {parent[:2]} | {sol} |")
    return "\n".join(lines)
