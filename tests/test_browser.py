"""The learner's view in a real browser: JupyterLab and the built book in headless Chromium.

Starts JupyterLab from the course's environment on 127.0.0.1 with a random
token, opens ``notebooks/00_start_here.ipynb`` and waits for its title to
render. Then serves the book (``_build/`` after ``make run``; otherwise a book
made here from the committed notebooks, without outputs) on 127.0.0.1, opens
the contents page, follows a chapter link and checks the page at a
projector's 1024 x 768: large enough type, nothing wider than the window.
Screenshots go to ``_build/screenshots/``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make test-browser``
installs them; ``.ci/run`` does too). Without them these tests skip and say so.
"""

import contextlib
import functools
import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from lstmrec import course, util

ROOT = util.paths.repo_root()
SHOTS = ROOT / "_build" / "screenshots"
# Debian's packages; on GitHub's Ubuntu runners, the preinstalled Google Chrome and its chromedriver.
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMEDRIVER = shutil.which("chromedriver") or shutil.which(
    "chromedriver", path=os.environ.get("CHROMEWEBDRIVER", os.defpath))

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium is missing (Debian packages chromium and chromium-driver): `make test-browser` installs them")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 200, at most ``seconds`` (a bounded loop)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab from this environment on 127.0.0.1, with a token; stopped after the tests."""
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("jupyter")  # its own settings and runtime files, not the user's
    env = os.environ | {"JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
                        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    env.pop("PYTEST_CURRENT_TEST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # CI's containers run as root
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", 90, process)
        yield f"http://127.0.0.1:{port}", token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_jupyterlab_renders_the_first_chapter(browser, jupyterlab):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, token = jupyterlab
    title = nbformat.read(course.contents.notebook_path("00_start_here"), as_version=4).cells[0].source.splitlines()[0]
    browser.get(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={token}")
    heading = WebDriverWait(browser, 120).until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, ".jp-NotebookPanel .jp-RenderedMarkdown h1")))
    assert heading.text.rstrip("¶ ").strip() == title.lstrip("# ").strip()
    time.sleep(1)  # let the rest of the first screen render
    browser.save_screenshot(str(SHOTS / "jupyterlab-00_start_here.png"))
    # the token was needed: without it the server asks for one
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/api/contents/notebooks", timeout=5)
    assert refused.value.code == 403


@pytest.fixture(scope="module")
def book_site(tmp_path_factory):
    """The built book on 127.0.0.1: ``_build/`` from ``make run`` if there is one, else one made here."""
    site = ROOT / "_build"
    if not ((site / "index.html").exists() and (site / "summary.json").exists()):
        site = tmp_path_factory.mktemp("book")
        executed = {f"{folder}/{path.name}": nbformat.read(path, as_version=4)
                    for folder in ("notebooks", "solutions") for path in sorted((ROOT / folder).glob("*.ipynb"))}
        results = [{"notebook": name, "seconds": None, "ok": True, "error": None, "metrics": {}} for name in executed]
        course.book.write_site(results, executed, site, None)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()


def layout(browser) -> dict:
    """What a projector user would notice: the body's type size and anything wider than the window."""
    return browser.execute_script("""
        const width = document.documentElement.clientWidth;
        const cut = [...document.querySelectorAll('img')]
            .filter(e => e.getBoundingClientRect().right > width + 1).map(e => e.src.slice(0, 40));
        return {font: parseFloat(getComputedStyle(document.body).fontSize),
                scroll: document.documentElement.scrollWidth, width: width, cut: cut};""")


def test_the_book_contents_page_leads_to_a_chapter(browser, book_site):
    from selenium.webdriver.common.by import By

    base, site = book_site
    browser.set_window_size(1024, 768)  # a projector
    browser.get(f"{base}/index.html")
    chapters = browser.find_elements(By.CSS_SELECTOR, ".chapter h2 a")
    assert len(chapters) == len(course.contents.pages())  # the chapters and the appendices
    assert browser.find_elements(By.CSS_SELECTOR, ".chapter li"), "the objectives are listed"
    seen = layout(browser)
    assert seen["font"] >= 16 and seen["scroll"] <= seen["width"], seen
    browser.save_screenshot(str(SHOTS / "book-contents.png"))

    second = chapters[1]
    expected = second.text
    second.click()
    assert browser.current_url.endswith("notebooks/01_recommender_basics.html")
    heading = browser.find_element(By.CSS_SELECTOR, ".jp-RenderedMarkdown h1").text.rstrip("¶ ").strip()
    assert heading.endswith(expected)
    navs = browser.find_elements(By.CSS_SELECTOR, "nav.course")
    assert len(navs) == 2 and "Contents" in navs[0].text and "00" in navs[0].text and "02" in navs[0].text
    seen = layout(browser)
    assert seen["font"] >= 16 and not seen["cut"], seen
    browser.save_screenshot(str(SHOTS / "book-01_recommender_basics.png"))

    browser.find_element(By.LINK_TEXT, "Contents").click()
    assert browser.current_url.endswith("/index.html")
    browser.get(f"{base}/results.html")
    assert "MovieLens-100K" in browser.find_element(By.TAG_NAME, "h2").text
    browser.save_screenshot(str(SHOTS / "book-results.png"))
