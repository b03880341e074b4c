"""The executed course as a small static site under ``_build/`` (what ``make run`` writes).

``course.build`` executes the notebooks; this module turns the results into
pages a learner or a projector can read:

- ``index.html``: the contents page. Each chapter shows its title, its
  objectives (read from the notebook's **Objectives** cell), how long it ran
  in this build, its headline numbers (``chapter.report``) and links to the
  chapter, its solutions and the results page.
- ``notebooks/NN_topic.html`` and ``solutions/NN_topic.html``: each executed
  notebook through nbconvert's JupyterLab template (``templates/course``),
  with previous / contents / next links at the top and the bottom. Links
  between notebooks point to the ``.html`` pages.
- ``results.html``: the course's main tables, from the committed bench runs in
  ``results/``, each with the command, date and machine that produced it.
- ``book.css``: larger type than JupyterLab's, plots never wider than the page.

It also keeps ``docs/instructor.md``'s run-time table generated from a
``make run`` summary (``python -m lstmrec.course.book runtimes _build/summary.json``).

Example:
    >>> html_links('<a href="05_sequence_data.ipynb#Set-up">next</a>')
    '<a href="05_sequence_data.html#Set-up">next</a>'
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import nbformat

from lstmrec import bench
from lstmrec.course import contents
from lstmrec.util import files, paths

TEMPLATES = Path(__file__).resolve().parent / "templates"
TITLE = "LSTM for recommender systems"

# The bench runs on the results page: (artefact in results/, heading, metric columns to show).
RESULT_TABLES = (
    ("bench-ml-100k-shuffle.json", "MovieLens-100K: every model (chapters 07 and 13)",
     ("NDCG@10", "HR@10", "MRR")),
    ("bench-ml-1m-shuffle-all-models.json", "MovieLens-1M: every model, one seed each (chapter 13)",
     ("NDCG@10", "HR@10", "MRR")),
    ("bench-ml-1m-shuffle.json", "MovieLens-1M: the LSTM over three seeds (chapter 08)", ("NDCG@10", "HR@10", "MRR")),
    ("bench-instacart-cart-order.json", "Instacart: next basket, past items as candidates (chapter 10)",
     ("NDCG@10", "recall@10")),
    ("bench-collegemsg-shuffle.json", "CollegeMsg: next contact, past contacts as candidates (chapter 10)",
     ("NDCG@10", "HR@10", "MRR")),
)

_IPYNB_LINK = re.compile(r'href="(?![a-z]+:|/)([^"#]*?)\.ipynb(#[^"]*)?"')


def html_links(page: str) -> str:
    """Point the relative links to ``.ipynb`` files at their ``.html`` pages (web links are left alone)."""
    return _IPYNB_LINK.sub(lambda m: f'href="{m[1]}.html{m[2] or ""}"', page)


def chapter_info(path: Path | str) -> dict:
    """A notebook's number, title and objectives, read from its first cells.

    Returns:
        ``{"number": "06", "title": "An LSTM next-item recommender", "objectives": [...]}``;
        the objectives are the bullet points of the **Objectives** cell, as Markdown.
    """
    nb = nbformat.read(path, as_version=4)
    title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    number, _, title = title.partition(" · ")
    objectives = []
    for cell in nb.cells[:4]:
        if cell.cell_type == "markdown" and "**Objectives**" in cell.source:
            objectives = [line[2:].strip() for line in cell.source.splitlines() if line.startswith("- ")]
            break
    return {"number": number, "title": title, "objectives": objectives}


def _inline_markdown(text: str) -> str:
    """The little Markdown an objective uses: `code`, **bold**, *italic*, $math$ kept as written."""
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![*\w])\*([^*]+)\*(?!\*)", r"<em>\1</em>", text)


def _nav(links: list[tuple[str, str | None]]) -> str:
    parts = [f'<a href="{href}">{html.escape(label)}</a>' if href else f"<span>{html.escape(label)}</span>"
             for label, href in links]
    return '<nav class="course">' + "".join(parts) + "</nav>"


def page_html(nb, css_href: str, previous: tuple[str, str] | None, following: tuple[str, str] | None,
              contents_href: str) -> str:
    """One executed notebook as an HTML page with the course's navigation bar.

    Args:
        nb: the executed notebook (nbformat).
        css_href: the relative link to ``book.css``.
        previous, following: ``(label, href)`` of the neighbouring pages, or None.
        contents_href: the relative link to the contents page.
    """
    from nbconvert import HTMLExporter

    nav = _nav([(f"← {previous[0]}" if previous else "", previous[1] if previous else None),
                ("Contents", contents_href),
                (f"{following[0]} →" if following else "", following[1] if following else None)])
    exporter = HTMLExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES)])
    body, _ = exporter.from_notebook_node(nb, resources={"course": {"css_href": css_href, "nav_html": nav}})
    return html_links(body)


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><link rel='stylesheet' href='book.css'></head><body>"
            + _nav([("Contents", "index.html"), ("Results", "results.html")])
            + f"<div class='book'>{body}</div></body></html>")


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def contents_page(results: list[dict], total_seconds: float | None) -> str:
    """The contents page: every chapter with its objectives, run time, status and headline numbers.

    Args:
        results: ``course.build.run_notebook``'s records, chapters and solutions.
        total_seconds: the whole build's time (None: the notebooks were not executed;
            their records' ``seconds`` are None too).
    """
    by_notebook = {r["notebook"]: r for r in results}
    blocks = []
    for slug, _ in contents.pages():  # the chapters, then the appendices
        info = chapter_info(contents.notebook_path(slug))
        run = by_notebook.get(f"notebooks/{slug}.ipynb")
        solved = by_notebook.get(f"solutions/{slug}.ipynb")
        meta = []
        if run:
            meta.append(f"<span class='failed'>failed: {html.escape(run['error'] or '')}</span>" if not run["ok"]
                        else "not executed" if run["seconds"] is None else f"ran in {run['seconds']:.0f} s")
        if solved:
            meta.append(f"<a href='solutions/{slug}.html'>solutions</a>"
                        + ("" if solved["seconds"] is None else f" ({solved['seconds']:.0f} s)")
                        + ("" if solved["ok"] else " <span class='failed'>failed</span>"))
        numbers = ", ".join(f"{html.escape(k.replace('_', ' '))} = {_number(v)}"
                            for k, v in (run or {}).get("metrics", {}).items())
        objectives = "".join(f"<li>{_inline_markdown(o)}</li>" for o in info["objectives"])
        link = f"notebooks/{slug}.html" if run else f"../notebooks/{slug}.ipynb"
        blocks.append(f"<div class='chapter'><h2>{info['number']} · <a href='{link}'>{html.escape(info['title'])}</a>"
                      f"</h2><ul>{objectives}</ul><div class='meta'>{' · '.join(meta)}</div>"
                      + (f"<div class='meta'>Headline numbers: {numbers}</div>" if numbers else "") + "</div>")
    failed = [r["notebook"] for r in results if not r["ok"]]
    status = (f"<p class='failed'>{len(failed)} notebook(s) failed: {html.escape(', '.join(failed))}</p>"
              if failed else "")
    ran = ("Made from the committed notebooks, not executed: <code>make run</code> executes them."
           if total_seconds is None else f"Every chapter executed by <code>make run</code> in "
           f"{total_seconds / 60:.1f} minutes on this machine, with its solutions.")
    lead = (f"<p class='lead'>{ran} The <a href='results.html'>results page</a> has the course's main tables.</p>")
    return _page(TITLE, f"<h1>{TITLE}</h1>{lead}{status}" + "".join(blocks))


def _table_html(record: dict, metrics: tuple[str, ...]) -> str:
    rows = record["table"]
    columns = [m for m in metrics if any(m in r for r in rows)]
    extra = [c for c in ("params", "to best s") if any(r.get(c) is not None for r in rows)]
    labels = {"params": "weights", "to best s": "seconds to best epoch"}
    head = ("<tr><th>model</th>" + "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in columns + extra)
            + "</tr>")
    body = []
    for r in rows:
        cells = [f"<td>{html.escape(str(r['model']))}</td>"]
        for c in columns:
            value = r.get(c)
            low, high = r.get(f"{c} low"), r.get(f"{c} high")
            text = "" if value is None else f"{value:.4f}"
            if value is not None and low is not None and high is not None:
                text += f" [{low:.4f}, {high:.4f}]"
            cells.append(f"<td class='num'>{text}</td>")
        for c in extra:
            value = r.get(c)
            cells.append("<td class='num'>" + ("" if value is None else
                                                f"{value:,.0f}" if c == "params" else f"{value:.0f}") + "</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def results_page() -> str:
    """The course's main tables, from the committed bench runs (``results/``), each with its origin."""
    parts = ["<h1>Results</h1><p class='lead'>The bench runs the chapters load, as committed in "
             "<code>results/</code>. Every model is scored by the same code: temporal leave-one-out, the full "
             "catalogue ranked (chapter 10's cases: the user's past items), ties counted against the model; "
             "settings chosen on validation. Brackets: 95% bootstrap intervals over users. A seed makes a run "
             "repeatable on one machine only.</p>"]
    for name, heading, metrics in RESULT_TABLES:
        path = paths.results_dir() / name
        if not path.exists():
            parts.append(f"<h2>{html.escape(heading)}</h2><p class='failed'>results/{name} is missing</p>")
            continue
        record = bench.results.load_artefact(path)
        machine = record["machine"]
        parts.append(f"<h2>{html.escape(heading)}</h2>" + _table_html(record, metrics)
                     + f"<p class='meta'><code>{html.escape(record['command'])}</code>, {html.escape(record['date'])}"
                     f", {machine.get('cpus')} CPUs, Python {html.escape(str(machine.get('python')))}, "
                     f"TensorFlow {html.escape(str(machine.get('tensorflow')))}; source: results/{name}</p>")
    return _page(f"Results · {TITLE}", "".join(parts))


def write_site(results: list[dict], executed: dict[str, object], build_dir: Path,
               total_seconds: float | None) -> Path:
    """Write the whole site: chapter and solution pages, contents, results and the style sheet.

    Args:
        results: ``course.build.run_notebook``'s records.
        executed: ``"notebooks/NN_x.ipynb"`` -> the executed notebook (nbformat).
        build_dir: ``_build/``.
        total_seconds: the build's time, for the contents page.

    Returns:
        the path of ``index.html``.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATES / "book.css", build_dir / "book.css")
    for folder in ("notebooks", "solutions"):
        names = [n for n in executed if n.startswith(folder + "/")]
        names.sort()
        for i, name in enumerate(names):
            stem = Path(name).stem

            def neighbour(j):
                if 0 <= j < len(names):
                    other = Path(names[j]).stem
                    return other[:2] + " " + chapter_info(paths.repo_root() / names[j])["title"], f"{other}.html"
                return None

            page = page_html(executed[name], "../book.css", neighbour(i - 1), neighbour(i + 1), "../index.html")
            with files.atomic_write(build_dir / folder / f"{stem}.html") as tmp:
                tmp.write_text(page, encoding="utf-8")
    with files.atomic_write(build_dir / "results.html") as tmp:
        tmp.write_text(results_page(), encoding="utf-8")
    index = build_dir / "index.html"
    with files.atomic_write(index) as tmp:
        tmp.write_text(contents_page(results, total_seconds), encoding="utf-8")
    return index


# --- the instructor guide's run times, generated from a `make run` summary ---------------------------------

GUIDE = Path("docs") / "instructor.md"
RUNTIMES = Path("results") / "make-run.json"  # a `make run` summary, committed: the guide's run times
_MARKERS = ("<!-- runtimes:start -->", "<!-- runtimes:end -->")


def runtimes_table(summary: dict) -> str:
    """The guide's run-time table (Markdown) from a ``make run`` summary (``_build/summary.json``)."""
    seconds = {r["notebook"]: r["seconds"] for r in summary["results"]}
    machine = summary["machine"]
    lines = ["| chapter | title | chapter run | solutions run |", "|---|---|---|---|"]
    for slug, title in contents.pages():
        chapter, solved = seconds.get(f"notebooks/{slug}.ipynb"), seconds.get(f"solutions/{slug}.ipynb")
        lines.append(f"| {slug[:2]} | {title} | " + (f"{chapter:.0f} s" if chapter is not None else "–") + " | "
                     + (f"{solved:.0f} s" if solved is not None else "–") + " |")
    lines.append(f"\n`{summary['command']}` on {summary['date'][:10]}: {summary['seconds'] / 60:.1f} minutes in all on "
                 f"{machine['cpus']} CPUs ({machine['machine']}, Python {machine['python']}), with the trained models "
                 f"already cached by an earlier run; the first run on a machine also trains them "
                 f"(source: `{RUNTIMES.as_posix()}`).")
    return "\n".join(lines)


def sync_guide(write: bool = True) -> bool:
    """Regenerate the run-time table of ``docs/instructor.md`` from ``results/make-run.json``.

    Returns:
        True if the guide was (or, with ``write=False``, would be) changed.
    """
    root = paths.repo_root()
    summary = root / RUNTIMES
    if not summary.exists():
        return False
    return files.replace_between(root / GUIDE, *_MARKERS, runtimes_table(json.loads(summary.read_text())), write)


def save_runtimes(summary_path: Path) -> Path:
    """Keep a ``make run`` summary as ``results/make-run.json`` and regenerate the guide's table from it."""
    summary = json.loads(Path(summary_path).read_text())
    if set(summary) < {"command", "date", "machine", "seconds", "results"}:
        raise ValueError(f"{summary_path} is not a `make run` summary (_build/summary.json)")
    if not all(r["ok"] for r in summary["results"]):
        raise ValueError(f"{summary_path}: some notebooks failed; their times would mislead")
    keep = {**summary, "results": [{k: r[k] for k in ("notebook", "seconds", "ok")} for r in summary["results"]]}
    target = paths.repo_root() / RUNTIMES
    with files.atomic_write(target) as tmp:
        tmp.write_text(json.dumps(keep, indent=1))
    sync_guide()
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m lstmrec.course.book runtimes _build/summary.json`` | ``python -m lstmrec.course.book check``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lstmrec.course.book", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    keep = sub.add_parser("runtimes", help="keep a make run summary and regenerate docs/instructor.md's table")
    keep.add_argument("summary", type=Path)
    sub.add_parser("check", help="exit 1 if docs/instructor.md's table is not the one results/make-run.json gives")
    args = parser.parse_args(argv)
    if args.command == "runtimes":
        print(f"wrote {save_runtimes(args.summary)} and {GUIDE}")
        return 0
    stale = sync_guide(write=False)
    if stale:
        print(f"stale: {GUIDE}: run `python -m lstmrec.course.book runtimes _build/summary.json` after `make run`")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
