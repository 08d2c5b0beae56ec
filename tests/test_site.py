"""The course's web site (``book/conf.py``, ``bash tools/build_site.sh``), built once for this module.

* the build runs every lesson and succeeds without a warning;
* every lesson has its page (with its demos' widget state) and its static slides, and the site
  has its top page, its search page and the notes on the paper;
* every link and every file a page names resolves inside the site, anchors included; the only
  addresses outside it are links a reader may follow (``<a href="https://...">``), never a
  script, a style sheet, a font or an image;
* in headless Chromium, from ``file://``, every page and slide deck loads with no request leaving
  the machine and none failing, its demos drawn, its formulas typeset and, on a slide deck,
  reveal.js running; the search page finds a word from the lessons.

Needs npm (the site copies its JavaScript libraries from the npm registry) and, for the last
test, Chromium and playwright (``bash tools/install_browser.sh``).  Without them the tests are
skipped, except under CI (CI=true), where they fail.
"""
import functools
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, missing_tool

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LOCAL_SCHEMES = ("file", "data", "blob", "about")


def _missing(reason):
    missing_tool(reason, "build and check the site")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the whole site once, into a temporary folder; its path."""
    if not shutil.which("npm"):
        _missing("no npm: the site copies its JavaScript libraries from the npm registry")
    pytest.importorskip("myst_nb", reason="the site extra is not installed (pip install -e '.[site]')")
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-c", "book", "-d",
                           str(out / "doctrees"), "--fail-on-warning", "--keep-going", "-q", ".",
                           str(out / "site")], cwd=ROOT, env=env, capture_output=True, text=True)
    problems = [line for line in proc.stderr.splitlines() if "Kernel is running over TCP" not in line]
    assert proc.returncode == 0 and not problems, \
        f"the site build failed or warned:\n" + "\n".join(problems[-40:])
    return out / "site"


class _Refs(html.parser.HTMLParser):
    """Every address a page names (tag, attribute, value) and every id it defines."""

    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))


def _parse(path):
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_lesson_has_a_page_and_slides(site):
    assert len(LESSONS) >= 9
    for lesson in LESSONS:
        page = (site / "notebooks" / f"{lesson.stem}.html").read_text(encoding="utf-8")
        slides = (site / "slides" / f"{lesson.stem}.slides.html").read_text(encoding="utf-8")
        number = lesson.stem[:2]     # the lesson's title, "01 · Nielsen's ...", names the page and the deck
        assert f"<title>{number} · " in page and re.search(f"<title>{number} · .* slides</title>", slides), lesson.name
        assert f'href="../slides/{lesson.stem}.slides.html"' in page, f"{lesson.name}: no link to its slides"
        has_demo = "Demo(" in lesson.read_text(encoding="utf-8")
        for name, text in (("page", page), ("slides", slides)):
            state = "application/vnd.jupyter.widget-state+json" in text
            assert state == has_demo, f"{lesson.name}'s {name}: widget state {state}, demo {has_demo}"
            assert "Traceback" not in text and "Could not draw" not in text, f"{lesson.name}'s {name}"
    assert 'url=notebooks/00_index.html' in (site / "index.html").read_text(encoding="utf-8")
    for path in ("search.html", "searchindex.js", "docs/paper_notes.html", "genindex.html"):
        assert (site / path).is_file(), path


def test_every_link_resolves_inside_the_site(site):
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)   # not the theme's macros
    ids = {}
    refs = {}
    for page in pages:
        parsed = _parse(page)
        ids[page], refs[page] = parsed.ids, parsed.refs
    broken, outside, checked = [], [], 0
    for page in pages:
        for tag, attr, value in refs[page]:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https") or value.startswith("//"):
                if tag != "a":      # a script, style sheet, image or frame from the network
                    outside.append(f"{page.relative_to(site)}: <{tag} {attr}={value}>")
                continue
            if parts.scheme in ("mailto", "data", "javascript") or value in ("", "#"):
                continue
            assert not parts.scheme, f"{page.relative_to(site)}: unexpected address {value}"
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {value}")
            elif parts.fragment and target.suffix == ".html" and target in ids and \
                    not {parts.fragment, unquote(parts.fragment)} & ids[target]:   # a browser tries both
                broken.append(f"{page.relative_to(site)}: {value} (no such anchor)")
    assert not outside, "pages load files from the network:\n" + "\n".join(outside[:20])
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken[:30])
    assert checked > 500, f"only {checked} links checked: did the pages change form?"
    # the style sheets the pages load import nothing from the network either
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        found = re.findall(r"(?:@import\s+|url\()\s*['\"]?(https?:|//)", text)
        assert not found, f"{sheet.relative_to(site)} loads from the network"


@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM} (bash tools/install_browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served(site):
    """The site served on localhost (as a reader serves it: python -m http.server); its address."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _leaves(url):
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != "127.0.0.1"


def _load(browser, url, settle_ms=1500):
    """Open url; (page, requests that left the machine, failed requests, page errors)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    leaving, failed, errors = [], [], []
    page.on("request", lambda r: leaving.append(r.url) if _leaves(r.url) else None)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    # a file the page asks for and the server does not have (the browser's own /favicon.ico aside)
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(settle_ms)
    return page, leaving, failed, errors


@pytest.mark.browser
def test_pages_and_slides_load_offline_in_a_browser(site, served, chromium):
    """Every lesson's page and deck from localhost, and lesson 01's also from file://."""
    demos = 0
    visits = [(f"{served}/{folder}/{lesson.stem}{suffix}", kind, lesson) for lesson in LESSONS
              for folder, suffix, kind in (("notebooks", ".html", "page"), ("slides", ".slides.html", "slides"))]
    visits += [((site / "notebooks" / f"{LESSONS[1].stem}.html").as_uri(), "page from file://", LESSONS[1]),
               ((site / "slides" / f"{LESSONS[1].stem}.slides.html").as_uri(), "slides from file://", LESSONS[1])]
    for url, kind, lesson in visits:
        page, leaving, failed, errors = _load(chromium, url)
        where = f"{lesson.stem} ({kind})"
        # math: typeset by the local MathJax (at least the formulas of the first screens)
        page.wait_for_function("() => window.MathJax && MathJax.isReady && "
                               "MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running",
                               timeout=20_000)
        assert page.locator(".MathJax_CHTML").count() > 0, f"{where}: no formula typeset"
        if "Demo(" in lesson.read_text(encoding="utf-8"):
            page.wait_for_selector(".jupyter-widgets .widget-slider", state="attached", timeout=20_000)
            assert page.locator(".jupyter-widgets img").count() >= 1, f"{where}: a demo without its figure"
            demos += 1
        if kind.startswith("slides"):
            page.wait_for_selector(".reveal.ready", state="attached", timeout=20_000)
            shown = "[...document.querySelectorAll('.slides > section')].findIndex(s => s.classList.contains('present'))"
            assert page.evaluate(shown) == 0, f"{where}: does not open on its first slide"
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => ({shown}) === 1", timeout=5_000)   # the next slide
        assert not leaving, f"{where}: requests left the machine: {leaving[:5]}"
        assert not failed, f"{where}: requests failed: {failed[:5]}"
        assert not errors, f"{where}: JavaScript errors: {errors[:3]}"
        page.close()
    assert demos >= 2 * 8 + 2
    # the redirect at the top, and the search page, which searches with no server of its own
    page, leaving, failed, errors = _load(chromium, f"{served}/index.html")
    assert page.url.endswith("notebooks/00_index.html")
    page.close()
    page, leaving, failed, errors = _load(chromium, f"{served}/search.html?q=spectral+radius")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hits = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.href)")
    assert any("03_jacobians_eigenvalues" in h for h in hits), hits[:10]
    assert not leaving and not failed and not errors, (leaving, failed, errors)
    page.close()
