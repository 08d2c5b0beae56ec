"""Every lesson in a real browser: JupyterLab served locally, driven by headless Chromium.

For each ``notebooks/NN_*.ipynb`` present when pytest collects, a copy is opened in
JupyterLab, all its cells are run through the application's own command
(``notebook:run-all-cells``), and the test checks what a student would see:

* no error and nothing on stderr, in the notebook's outputs (its model) and on the
  page (the rendered outputs); no demo that says "Could not draw" or "Warning";
* every interactive demo (``srnlab.course.widgets.Demo``) that the kernel created is on the
  page with all its sliders and its figure;
* one slider per lesson, moved as a student moves it, changes the figure it controls:
  dragged with the mouse (the figure follows the drag, and ends on the picture of the
  released value) and nudged with an arrow key.

One JupyterLab server and one Chromium serve all lessons (module-scoped fixtures);
each lesson gets a fresh page and kernel. A screenshot of each lesson (its first demo
after the slider moved) goes to ``artifacts/browser/``, with timings in
``artifacts/browser/report.json``.

Needs Debian's Chromium (``/usr/bin/chromium``, or $SRNLAB_CHROMIUM) and the Python
package playwright: ``bash tools/install_browser.sh`` installs both. Without them the
test is skipped, except under CI (CI=true), where it fails. ``pytest -m "not browser"``
leaves it out.
"""
import ast
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, missing_tool

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ARTIFACTS = ROOT / "artifacts" / "browser"
TOKEN = "srnlab-browser-test"
RUN_ALL_TIMEOUT = 300      # s, one lesson's cells (each lesson should take well under a minute)
REDRAW_TIMEOUT = 30        # s, one redraw after a slider moved

pytestmark = pytest.mark.browser


def _missing(reason):
    """Skip where the browser tools are absent; under CI they must be there."""
    missing_tool(reason, "run the browser test: bash tools/install_browser.sh",
                 "; install with: bash tools/install_browser.sh")


def _require_tools():
    """Checked before anything starts: Chromium, playwright and jupyterlab."""
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM}")
    for module, what in (("playwright.sync_api", "the Python package playwright"),
                         ("jupyterlab", "jupyterlab")):
        try:
            __import__(module)
        except ImportError:
            _missing(f"{what} is not installed in this Python")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings):
    """JupyterLab user settings for a quiet, fully rendered notebook."""
    files = {
        # no "news" popup and no update check (they would cover the page and go online)
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # render every cell, not only those in view, so the whole notebook can be checked
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }
    for name, value in files.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def _serve_root(root):
    """A temp folder laid out like the repository, with the lessons to be copied in.

    Lessons are copies (autosave writes outputs back); everything else is linked, so a
    lesson that reads ``../results/...`` or a file beside it finds it.
    """
    (root / "notebooks").mkdir(parents=True)
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in ("notebooks", "site", "artifacts"):
            continue
        (root / entry.name).symlink_to(entry)
    for entry in (ROOT / "notebooks").iterdir():
        if entry.suffix != ".ipynb" and not entry.name.startswith("."):
            (root / "notebooks" / entry.name).symlink_to(entry)


class Lab:
    def __init__(self, base, root, env, log):
        self.base, self.root, self.env, self.log = base, root, env, log

    def url(self, path):
        return f"{self.base}/lab/tree/{path}?token={TOKEN}&reset"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1, run by this Python (so the kernel finds srnlab)."""
    _require_tools()
    tmp = tmp_path_factory.mktemp("lab")
    root, settings = tmp / "root", tmp / "settings"
    _serve_root(root)
    _write_settings(settings)
    env = dict(os.environ,
               JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"),     # ignore the user's ~/.jupyter
               JUPYTER_DATA_DIR=str(tmp / "data"),         # ... and their kernels
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    # A fresh matplotlib font cache prints a warning to stderr: build it first.
    subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], env=env, check=True,
                   capture_output=True, timeout=300)
    port = _free_port()
    log = tmp / "server.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={TOKEN}", "--ServerApp.allow_root=True",
           "--LabApp.expose_app_in_browser=True",        # window.jupyterapp, for its commands
           "--LabApp.extension_manager=readonly",        # no extension index looked up online
           f"--ServerApp.root_dir={root}"]
    with open(log, "w") as out:
        server = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in 90 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.25)
        yield Lab(base, root, env, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser(lab, tmp_path_factory):
    """One headless Debian Chromium, through Playwright, with a fresh profile."""
    from playwright.sync_api import sync_playwright
    tmp = tmp_path_factory.mktemp("chromium")
    # Chromium keeps crash data and caches under the user's folders: give it its own.
    env = dict(lab.env, XDG_CONFIG_HOME=str(tmp / "config"), XDG_CACHE_HOME=str(tmp / "cache"))
    with sync_playwright() as pw:
        # A persistent context is how Playwright takes a --user-data-dir of our own.
        context = pw.chromium.launch_persistent_context(
            str(tmp / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            env=env, viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def report():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = {}
    yield data
    (ARTIFACTS / "report.json").write_text(json.dumps(data, indent=1, sort_keys=True))


# Installed on the page once JupyterLab is up: small helpers around window.jupyterapp.
HELPERS = r"""
() => {
  const app = window.jupyterapp;
  const panelFor = (path) => {
    for (const w of app.shell.widgets('main')) {
      if (w.context && w.context.path === path && w.content && w.content.model) return w;
    }
    return null;
  };
  window.srnTest = {
    panelFor,
    // Resolves when the notebook is loaded and its kernel has answered kernel_info.
    async kernelReady(path) {
      const panel = panelFor(path);
      await panel.context.ready;
      await panel.sessionContext.ready;
      const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
      if (!kernel) throw new Error('no kernel for ' + path);
      const info = await kernel.info;
      app.shell.activateById(panel.id);
      return info.language_info.name;
    },
    // Starts "Run All Cells"; the result lands in window.srnTest.ran.
    runAll(path) {
      const panel = panelFor(path);
      app.shell.activateById(panel.id);
      window.srnTest.ran = undefined;
      app.commands.execute('notebook:run-all-cells').then(
        (ok) => { window.srnTest.ran = {ok: ok !== false, value: String(ok)}; },
        (err) => { window.srnTest.ran = {ok: false, value: 'rejected: ' + err}; });
    },
    kernelStatus(path) {
      const panel = panelFor(path);
      const k = panel.sessionContext.session && panel.sessionContext.session.kernel;
      return k ? k.status : 'none';
    },
    notebookJSON(path) { return panelFor(path).content.model.toJSON(); },
    // user_expressions: evaluated in the kernel, nothing shown in the notebook.
    async kernelEval(path, expr) {
      const k = panelFor(path).sessionContext.session.kernel;
      const future = k.requestExecute({code: '', silent: true, store_history: false,
                                       user_expressions: {value: expr}});
      const reply = await future.done;
      const v = reply.content.user_expressions.value;
      if (v.status !== 'ok') throw new Error(v.ename + ': ' + v.evalue);
      return v.data['text/plain'];
    },
    async shutdown(path) {
      const panel = panelFor(path);
      if (!panel) return;
      try { await panel.context.save(); } catch (e) {}
      await panel.sessionContext.shutdown();
      panel.dispose();
    },
  };
}
"""

# What the page shows: every rendered output of the notebook, and the demos.
PAGE_STATE = r"""
(path) => {
  const panel = window.srnTest.panelFor(path);
  const node = panel.content.node;
  const text = (el) => (el.innerText || el.textContent || '').trim();
  const stderr = [...node.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map((el) => ({traceback: el.classList.contains('jp-RenderedText') &&
                   !!el.closest('.jp-OutputArea-output') && /Traceback|Error/.test(text(el)),
                   text: text(el).slice(0, 2000)}));
  const widgetOutputs = [...node.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')]
    .map((el) => ({rendered: !!el.querySelector('.jupyter-widgets'), text: text(el).slice(0, 300)}));
  const demos = [...node.querySelectorAll('.widget-vbox')]
    .filter((box) => box.querySelector(':scope > .widget-hbox') && box.querySelector(':scope > img.widget-image'))
    .map((box) => {
      const img = box.querySelector(':scope > img.widget-image');
      const note = box.querySelector(':scope > .widget-html .widget-html-content');
      return {
        sliders: box.querySelectorAll(':scope > .widget-hbox .widget-slider').length,
        labels: [...box.querySelectorAll(':scope > .widget-hbox .widget-slider .widget-label')].map(text),
        src: img.getAttribute('src') || '',
        loaded: img.complete && img.naturalWidth > 0,
        width: img.naturalWidth, height: img.naturalHeight,
        note: note ? text(note) : '',
      };
    });
  return {stderr, widgetOutputs, demos};
}
"""

# The bytes of a demo's figure, hashed in the page (a blob: URL names the PNG, not its content).
IMAGE_DIGEST = r"""
async ([path, i]) => {
  const panel = window.srnTest.panelFor(path);
  const box = [...panel.content.node.querySelectorAll('.widget-vbox')]
    .filter((b) => b.querySelector(':scope > .widget-hbox') && b.querySelector(':scope > img.widget-image'))[i];
  const img = box.querySelector(':scope > img.widget-image');
  const buf = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
"""

SETTLED = r"""
(sel) => [...document.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')]
           .every((el) => el.querySelector('.jupyter-widgets') || /Error displaying widget/.test(el.textContent))
         && [...document.querySelectorAll(sel)].every((b) => {
              const i = b.querySelector(':scope > img.widget-image');
              return !i.getAttribute('src') || i.complete; })   // complete: loaded or broken
"""

# What srnlab.course.widgets.Demo writes under its figure when draw() raised or warned.
DEMO_TROUBLE = re.compile(r"Could not draw this setting|Warning:")

DEMO_SELECTOR = ".jp-NotebookPanel .widget-vbox:has(> .widget-hbox):has(> img.widget-image)"


def _demo_image_src(page, i):
    return page.locator(DEMO_SELECTOR).nth(i).locator("> img.widget-image").get_attribute("src")


def _problems_in_outputs(nb):
    """Errors and stderr in the notebook's outputs, as the kernel sent them."""
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        head = "".join(cell["source"]).strip().splitlines()[:1]
        where = f"cell {index} ({head[0][:60] if head else 'empty'})"
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"{where}: {out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out.get("name") == "stderr":
                text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
                problems.append(f"{where}: stderr: {text.strip()[:500]}")
    return problems


# Counts every new picture a demo's image shows (its src changes), with the time it came.
WATCH_IMAGE = r"""
([sel, i]) => {
  const img = document.querySelectorAll(sel)[i].querySelector(':scope > img.widget-image');
  window.srnFrames = [];
  if (window.srnObserver) window.srnObserver.disconnect();
  window.srnObserver = new MutationObserver(() => window.srnFrames.push(performance.now()));
  window.srnObserver.observe(img, {attributes: true, attributeFilter: ['src']});
}
"""

# The kernel's side of demo i: its first slider's name, its values, whether its exact picture is still due, its PNG's hash.
KERNEL_DEMO = ("__import__('json').dumps((lambda d: [[n for n, c in d.controls.items() "
               "if 'Slider' in type(c).__name__][0], d.values(), d.pending, "
               "__import__('hashlib').sha256(d.image.value).hexdigest()])"
               "(__import__('srnlab.course.widgets', fromlist=['DEMOS']).DEMOS[{i}]))")


def _move_slider(page, lab_path, demo):
    """Drag the first slider of a demo a third of its track, then nudge it with a key.

    Returns what happened, for the report; fails if the figure does not follow the drag
    or does not end at the released value.
    """
    box = page.locator(DEMO_SELECTOR).nth(demo)
    slider = box.locator("> .widget-hbox .widget-slider").first
    handle = slider.locator(".noUi-handle")
    readout = slider.locator(".widget-readout")
    handle.scroll_into_view_if_needed()
    label = slider.locator(".widget-label").inner_text()
    now = readout.inner_text()
    result = {"slider": label, "start": now}

    # 1. Drag with the mouse for about 1.5 s: the figure follows while the button is down.
    digest0 = page.evaluate(IMAGE_DIGEST, [lab_path, demo])
    page.evaluate(WATCH_IMAGE, [DEMO_SELECTOR, demo])
    hb = handle.bounding_box()
    base = slider.locator(".noUi-base").bounding_box()
    direction = 1 if hb["x"] + hb["width"] / 2 < base["x"] + base["width"] / 2 else -1
    x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    t_down = page.evaluate("() => performance.now()")
    for k in range(1, 16):                     # a hand: 15 small moves, 0.1 s apart
        page.mouse.move(x + direction * base["width"] / 3 * k / 15, y, steps=2)
        page.wait_for_timeout(100)
    t_up = page.evaluate("() => performance.now()")
    during = page.evaluate("([a, b]) => window.srnFrames.filter((t) => t > a && t <= b).length", [t_down, t_up])
    page.mouse.up()
    # The hand rests: the last drag frame, then the exact picture; wait until no new picture for 1 s.
    page.wait_for_function("() => window.srnFrames.length > 0 && performance.now() - window.srnFrames.at(-1) > 1000",
                           timeout=REDRAW_TIMEOUT * 1000, polling=100)
    digest1 = page.evaluate(IMAGE_DIGEST, [lab_path, demo])
    after_drag = readout.inner_text()
    name, values, pending, kernel_digest = json.loads(ast.literal_eval(page.evaluate(
        "([p, e]) => window.srnTest.kernelEval(p, e)", [lab_path, KERNEL_DEMO.format(i=demo)])))
    fps = during / ((t_up - t_down) / 1000)
    result.update(after_drag=after_drag, frames_during_drag=during, frames_per_second_during_drag=round(fps, 1),
                  kernel_value=values[name], exact_picture_pending=pending)
    assert after_drag != now, f"dragging '{label}' did not move it"
    assert during >= 3, f"'{label}': the figure changed {during} times during a 1.5 s drag (it should follow the hand)"
    assert digest1 != digest0, f"moving '{label}' from {now} to {after_drag} left the figure unchanged"
    # The figure ends where the hand stopped: the kernel holds the released value, has drawn
    # its exact picture, and the page shows that very picture.
    shown_value = float(after_drag.replace("\u2212", "-"))   # the readout writes a minus sign
    assert math.isclose(values[name], shown_value, rel_tol=0.01, abs_tol=1e-9), \
        f"'{label}' reads {after_drag} on the page but the kernel drew {values[name]}"
    assert not pending, f"'{label}': the exact picture was never drawn after the release"
    assert kernel_digest == digest1, f"'{label}': the page shows another picture than the kernel's last one"

    # 2. An arrow key, as for a keyboard user (noUiSlider sends "change" on keydown).
    src1 = _demo_image_src(page, demo)
    key = "ArrowLeft" if direction > 0 else "ArrowRight"
    handle.focus()
    page.keyboard.down(key)
    try:
        page.wait_for_function(
            "([sel, i, src]) => document.querySelectorAll(sel)[i]"
            ".querySelector(':scope > img.widget-image').getAttribute('src') !== src",
            arg=[DEMO_SELECTOR, demo, src1], timeout=REDRAW_TIMEOUT * 1000)
        result["key_redraws_on"] = "keydown"
    except Exception:
        result["key_redraws_on"] = "keyup"
    page.keyboard.up(key)
    page.wait_for_function(
        "([sel, i, src]) => document.querySelectorAll(sel)[i]"
        ".querySelector(':scope > img.widget-image').getAttribute('src') !== src",
        arg=[DEMO_SELECTOR, demo, src1], timeout=REDRAW_TIMEOUT * 1000)
    after_key = readout.inner_text()
    digest2 = page.evaluate(IMAGE_DIGEST, [lab_path, demo])
    result.update(after_key=after_key)
    assert after_key != after_drag, f"{key} did not move '{label}'"
    assert digest2 != digest1, f"{key} on '{label}' ({after_drag} -> {after_key}) left the figure unchanged"
    return result


def _open(page, lab, lab_path):
    """Open a notebook in JupyterLab and install the page's helpers (window.srnTest)."""
    page.goto(lab.url(lab_path))
    page.wait_for_function(
        "(p) => window.jupyterapp && [...window.jupyterapp.shell.widgets('main')]"
        ".some((w) => w.context && w.context.path === p && w.sessionContext)",
        arg=lab_path, timeout=120_000)
    page.evaluate(HELPERS)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")


def _kernel_ready(page, lab_path):
    """Wait for the notebook's kernel to answer (the toolbar says "idle" before a kernel exists)."""
    page.wait_for_function("(p) => window.srnTest.panelFor(p).sessionContext.session", arg=lab_path,
                           timeout=120_000)
    assert page.evaluate("(p) => window.srnTest.kernelReady(p)", lab_path) == "python"


def _run_all(page, lab_path, what):
    """Run All Cells and wait until the kernel is idle again; return {ok, value} of the command."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    page.evaluate("(p) => window.srnTest.runAll(p)", lab_path)
    try:
        page.wait_for_function("() => window.srnTest.ran !== undefined", timeout=RUN_ALL_TIMEOUT * 1000)
        page.wait_for_function("(p) => window.srnTest.kernelStatus(p) === 'idle'", arg=lab_path,
                               timeout=RUN_ALL_TIMEOUT * 1000)
    except PlaywrightTimeout:
        pytest.fail(f"{what}: the cells were still running after {RUN_ALL_TIMEOUT} s")
    return page.evaluate("() => window.srnTest.ran")


def _check_lesson(context, lab, lesson, report):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    name = f"{lesson.stem}--{uuid.uuid4().hex[:8]}.ipynb"   # unique: no session is ever reused
    shutil.copy(lesson, lab.root / "notebooks" / name)
    lab_path = f"notebooks/{name}"
    timing, t0, demo = {}, time.monotonic(), 0
    page = context.new_page()
    page_errors, console_errors = [], []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text[:500]))
    entry = report.setdefault(lesson.name, {})
    try:
        _open(page, lab, lab_path)
        timing["lab_loaded"] = time.monotonic() - t0
        _kernel_ready(page, lab_path)
        timing["kernel_ready"] = time.monotonic() - t0
        ran = _run_all(page, lab_path, lesson.name)
        timing["cells_run"] = time.monotonic() - t0
        # Let the widgets render and every demo's figure load (what does not is reported below).
        try:
            page.wait_for_function(SETTLED, arg=DEMO_SELECTOR, timeout=REDRAW_TIMEOUT * 1000)
        except PlaywrightTimeout:
            pass
        nb = page.evaluate("(p) => window.srnTest.notebookJSON(p)", lab_path)
        state = page.evaluate(PAGE_STATE, lab_path)
        # The demos the kernel made (srnlab.course.widgets.DEMOS), asked without touching the notebook.
        kinds = json.loads(ast.literal_eval(page.evaluate(
            "([p, e]) => window.srnTest.kernelEval(p, e)",
            [lab_path, "__import__('json').dumps([[type(c).__name__ for c in d.controls.values()]"
                       " for d in __import__('srnlab.course.widgets', fromlist=['DEMOS']).DEMOS])"])))
        expected = [sum("Slider" in kind for kind in controls) for controls in kinds]

        problems = [] if ran["ok"] else [f"Run All Cells reported a failure ({ran['value']})"]
        problems += _problems_in_outputs(nb)
        problems += [("traceback on the page: " if s["traceback"] else "stderr on the page: ") + s["text"][:500]
                     for s in state["stderr"]]
        problems += [f"a widget output did not render: {w['text']!r}" for w in state["widgetOutputs"]
                     if not w["rendered"] or "Error displaying widget" in w["text"]]
        unexecuted = [i for i, c in enumerate(nb["cells"])
                      if c["cell_type"] == "code" and "".join(c["source"]).strip() and c.get("execution_count") is None]
        if unexecuted:
            problems.append(f"code cells not run: {unexecuted}")
        shown = [d["sliders"] for d in state["demos"]]
        if shown != expected:
            problems.append(f"the kernel made demos with {expected} sliders; the page shows {shown}")
        for i, d in enumerate(state["demos"]):
            if not d["loaded"]:
                problems.append(f"demo {i}: its figure is not shown")
            if DEMO_TROUBLE.search(d["note"]):
                problems.append(f"demo {i}: {d['note'][:500]}")
        problems += [f"JavaScript error: {e}" for e in page_errors + console_errors]
        entry.update(demos=state["demos"], console_errors=console_errors)
        assert not problems, f"{lesson.name}:\n  " + "\n  ".join(problems)
        with_sliders = [i for i, d in enumerate(state["demos"]) if d["sliders"]]
        assert with_sliders, f"{lesson.name}: no interactive demo with a slider on the page"
        demo = with_sliders[0]
        moved = _move_slider(page, lab_path, demo)
        timing["slider_moved"] = time.monotonic() - t0
        entry["slider"] = moved
        note = page.locator(DEMO_SELECTOR).nth(demo).locator("> .widget-html").inner_text()
        assert not DEMO_TROUBLE.search(note), f"{lesson.name}: after the move: {note}"
        assert not page_errors and not console_errors, \
            f"{lesson.name}: JavaScript errors: {page_errors + console_errors}"
    finally:
        try:
            demos = page.locator(DEMO_SELECTOR)
            if demos.count() > demo:
                demos.nth(demo).evaluate("(el) => el.scrollIntoView({block: 'center'})")
                page.wait_for_timeout(200)
            page.screenshot(path=str(ARTIFACTS / f"{lesson.stem}.png"))
        except Exception as exc:  # a screenshot is a by-product; never hide the real failure
            entry["screenshot_error"] = str(exc)
        try:
            page.evaluate("(p) => window.srnTest && window.srnTest.shutdown(p)", lab_path)
        except Exception:
            pass
        page.close()
        timing["total"] = time.monotonic() - t0
        entry["seconds"] = {k: round(v, 1) for k, v in timing.items()}


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_in_browser(browser, lab, lesson, report):
    _check_lesson(browser, lab, lesson, report)


def test_the_browser_check_catches_problems(browser, lab, report, tmp_path):
    """A control: a notebook with a warning, a failing demo and an exception must fail."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('a warning on stderr')"),
        nbformat.v4.new_code_cell("from srnlab.course.widgets import Demo, slider\n"
                                  "def build(fig):\n    (line,) = fig.subplots().plot([0, 1])\n"
                                  "    def update(a):\n        if a > 0.5:\n            raise ValueError('bad a')\n"
                                  "        line.set_ydata([0, a])\n    return update\n"
                                  "Demo(build, a=slider(0, 1, 0.9))"),
        nbformat.v4.new_code_cell("1 / 0"),
        nbformat.v4.new_code_cell("print('never run')"),
    ]
    bad = tmp_path / "99_control.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(AssertionError) as caught:
        _check_lesson(browser, lab, bad, report)
    message = str(caught.value)
    for expected in ("Run All Cells reported a failure", "UserWarning: a warning on stderr",
                     "ZeroDivisionError", "traceback on the page", "Could not draw this setting: ValueError: bad a",
                     "code cells not run: [3]"):
        assert expected in message, f"the check missed {expected!r}:\n{message}"


def test_a_lesson_as_live_slides(browser, lab, report):
    """Lesson 00 as slides (jupyterlab-slideshow's deck, in the notebook itself, so the kernel
    and the widgets stay live), in the projector style: the demo's slide shows its figure, and
    dragging its slider there changes the figure and ends on the released value."""
    import nbformat
    nb = nbformat.read(ROOT / "notebooks" / "00_index.ipynb", as_version=4)
    first = nbformat.v4.new_code_cell("import os\nos.environ['SRNLAB_PROJECTOR'] = '1'   # this test only")
    first.metadata["slideshow"] = {"slide_type": "skip"}
    nb.cells.insert(0, first)
    name = f"slides--{uuid.uuid4().hex[:8]}.ipynb"
    nbformat.write(nb, lab.root / "notebooks" / name)
    lab_path = f"notebooks/{name}"
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    entry = report.setdefault("slides", {})
    try:
        _open(page, lab, lab_path)
        _kernel_ready(page, lab_path)
        assert _run_all(page, lab_path, "00_index.ipynb as slides").get("ok"), "Run All Cells failed"
        # The deck starts at the selected cell: the first.
        page.evaluate("""(p) => { const panel = window.srnTest.panelFor(p); panel.content.activeCellIndex = 0;
                                  window.jupyterapp.shell.activateById(panel.id); panel.content.node.focus(); }""",
                      lab_path)
        page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
        page.wait_for_function("() => document.querySelector('.jp-deck-mod-direction-forward')", timeout=30_000)
        page.wait_for_timeout(1000)
        # the slider is on the slide shown: it is what the page has on top at its centre
        shown = ("() => { const s = document.querySelector('.widget-slider'); if (!s) return false;"
                 " const r = s.getBoundingClientRect(); if (r.width === 0) return false;"
                 " const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
                 " return !!e && s.contains(e); }")
        presses = 0
        while not page.evaluate(shown) and presses < 15:       # slide by slide to the demo's
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(700)
            presses += 1
        assert page.evaluate(shown), "no slide shows the demo's slider"
        entry["slides_to_the_demo"] = presses
        assert presses >= 3, "the demo came too early: the sections before it are not slides of their own"
        page.wait_for_function(SETTLED, arg=DEMO_SELECTOR, timeout=REDRAW_TIMEOUT * 1000)
        page.screenshot(path=str(ARTIFACTS / "slides-00-demo-projector.png"))
        width = page.evaluate("(sel) => document.querySelector(sel + ' > img.widget-image').naturalWidth",
                              DEMO_SELECTOR)
        assert width == 9 * 110, f"the figure is {width} px wide: not the projector style's 110 dpi"
        entry["drag"] = _move_slider(page, lab_path, 0)
        page.screenshot(path=str(ARTIFACTS / "slides-00-demo-projector-moved.png"))
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        page.close()
