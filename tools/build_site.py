"""Build the executed lessons as a static HTML site (called by tools/build_site.sh).

    .venv/bin/python tools/build_site.py [--out site] [--cdn] [LESSON ...]

Each lesson (every ``notebooks/NN_*.ipynb``, or those named) is run top to bottom
with nbclient, which stores the widgets' state in the notebook, and exported with
nbconvert's "lab" template, which embeds that state: every demo shows its sliders
and its figure at their first position.  A small post-processing step adds what
nbconvert does not: previous / next links between lessons, the course map (lesson
00) as ``index.html``, links between lessons pointing at the pages, and a note
under each demo that its sliders need a live kernel.

The pages load three JavaScript libraries: require.js, the Jupyter widgets HTML
manager (which draws the demos) and MathJax 2 (the formulas).  nbconvert's
default loads them from public CDNs; this script instead copies pinned releases
from the npm registry (``npm pack``, cached in ``build/site-assets/``) into
``site/_static/``, so the site also works offline and from ``file://``.  With
``--cdn``, or when npm is missing, the CDN addresses are kept.
"""
import argparse
import html
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "site-assets"

# Pinned releases from the npm registry.  html-manager 1.x renders ipywidgets 8 state.
NPM = {
    "html-manager": ("@jupyter-widgets/html-manager", "1.0.15"),
    "requirejs": ("requirejs", "2.3.8"),
    "mathjax": ("mathjax", "2.7.7"),
}
# The parts of MathJax 2 that "TeX-AMS_CHTML-full,Safe" loads (the package is 70 MB).
MATHJAX_PARTS = ["MathJax.js", "LICENSE", "config/TeX-AMS_CHTML-full.js", "config/Safe.js",
                 "extensions", "jax/input/TeX", "jax/output/CommonHTML", "jax/element",
                 "fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf", "localization/en"]
MATHJAX_QUERY = "?config=TeX-AMS_CHTML-full,Safe"

STATIC_NOTE = ("This is a static copy of the lesson: every figure and demo shows its first "
               "setting. The sliders need a live kernel: open the lesson in JupyterLab "
               "(<code>bash tools/lab.sh</code>) and run all cells to move them.")
DEMO_NOTE = "Static copy: this demo shows its first setting; moving its sliders needs a live kernel."

STYLE = """
<style>
.srn-nav { display: flex; gap: 1.5em; align-items: baseline; flex-wrap: wrap;
  font-family: var(--jp-ui-font-family, sans-serif); font-size: 15px;
  padding: 0.6em 1em; margin: 0; background: #f3f5f7; border-bottom: 1px solid #d5d9de; }
.srn-nav.srn-bottom { border-top: 1px solid #d5d9de; border-bottom: none; margin-top: 2em; }
.srn-nav a { color: #0b5cad; text-decoration: none; }
.srn-nav a:hover { text-decoration: underline; }
.srn-nav .srn-here { font-weight: 600; }
.srn-nav .srn-spacer { flex: 1; }
.srn-static-note { font-family: var(--jp-ui-font-family, sans-serif); font-size: 14px;
  background: #fff8e1; border-left: 4px solid #e0a800; padding: 0.5em 1em; margin: 0.6em 1em; }
.jupyter-widgets { font-family: var(--jp-ui-font-family, sans-serif); }
.srn-lessons { font-family: var(--jp-ui-font-family, sans-serif); font-size: 15px;
  margin: 0.6em 1em; padding: 0.5em 1em; border: 1px solid #d5d9de; }
.srn-lessons ul { margin: 0.3em 0; }
.srn-demo-note { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px;
  color: #6b5500; margin: 0.3em 0 0.6em 0; }
</style>
"""


def lessons(names):
    found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return found
    chosen = [p for p in found if any(p.name.startswith(n) or p.stem == n for n in names)]
    missing = [n for n in names if not any(p.name.startswith(n) or p.stem == n for p in found)]
    if missing:
        sys.exit(f"build_site: no lesson matches {missing}")
    return chosen


def title_of(nb, path):
    """The lesson's first heading, "00 · The map of the course"."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if match:
                return match.group(1).strip()
    return path.stem


def page_name(path):
    return "index.html" if path.name.startswith("00_") else path.stem + ".html"


def fetch_assets(static):
    """Copy the pinned JavaScript libraries into static/; return their URLs (relative)."""
    if not shutil.which("npm"):
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    unpacked = {}
    for key, (name, version) in NPM.items():
        tgz = CACHE / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        if not tgz.exists():
            print(f"build_site: npm pack {name}@{version}", flush=True)
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(CACHE), f"{name}@{version}"],
                           check=True, stdout=subprocess.DEVNULL)
        target = CACHE / f"{key}-{version}"
        if not target.exists():
            with tarfile.open(tgz) as tar:
                tar.extractall(target, filter="data")
        unpacked[key] = target / "package"
    if static.exists():
        shutil.rmtree(static)
    # embed-amd.js and the fonts it loads beside it (not the other bundles nor source maps)
    shutil.copytree(unpacked["html-manager"] / "dist", static / "html-manager",
                    ignore=shutil.ignore_patterns("embed.js", "libembed-amd.js", "*.map"))
    (static / "requirejs").mkdir(parents=True)
    shutil.copy(unpacked["requirejs"] / "require.js", static / "requirejs" / "require.js")
    for part in MATHJAX_PARTS:
        src, dst = unpacked["mathjax"] / part, static / "mathjax" / part
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    return {"require_js_url": "_static/requirejs/require.js",
            "widget_renderer_url": "_static/html-manager/embed-amd.js",
            "mathjax_url": "_static/mathjax/MathJax.js" + MATHJAX_QUERY}


def execute(path, timeout):
    """Run a lesson top to bottom in its folder; the widget state is kept."""
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    stderr = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    if stderr:
        print(f"build_site: warning: {path.name} printed to stderr in cells {sorted(set(stderr))}", flush=True)
    if "widgets" not in nb.metadata:
        print(f"build_site: warning: {path.name} stored no widget state", flush=True)
    print(f"build_site: ran {path.name} in {time.monotonic() - start:.1f} s", flush=True)
    return nb


def nav(pages, i, where):
    def link(j, label):
        return f'<a href="{pages[j][1]}">{label} {html.escape(pages[j][2])}</a>'
    parts = [f'<a href="index.html">Course map</a>', '<span class="srn-spacer"></span>']
    parts.append(link(i - 1, "&larr;") if i > 0 else "<span></span>")
    parts.append(f'<span class="srn-here">{html.escape(pages[i][2])}</span>' if where == "top" else "")
    parts.append(link(i + 1, "&rarr;") if i + 1 < len(pages) else "<span></span>")
    return f'<nav class="srn-nav srn-{where}">' + "".join(parts) + "</nav>"


def postprocess(body, pages, i):
    """Navigation, the static-copy notes, and lesson links pointing at the pages."""
    body = body.replace("</head>", STYLE + "</head>", 1)
    top = nav(pages, i, "top") + f'<div class="srn-static-note">{STATIC_NOTE}</div>'
    if pages[i][1] == "index.html" and len(pages) > 1:   # the course map links every page
        items = "".join(f'<li><a href="{page}">{html.escape(title)}</a></li>' for _, page, title in pages[1:])
        top += f'<div class="srn-lessons"><b>The lessons on this site</b><ul>{items}</ul></div>'
    body, n = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + top, body, count=1)
    assert n == 1, "no <body> in nbconvert's output"
    body = body.replace("</body>", nav(pages, i, "bottom") + "</body>", 1)
    # A note under each widget view (the demos), inside its output area.
    body = re.sub(r'(<script type="application/vnd\.jupyter\.widget-view\+json">.*?</script>)',
                  lambda m: m.group(1) + f'<div class="srn-demo-note">{DEMO_NOTE}</div>', body, flags=re.S)
    for path, page, _ in pages:   # href="02_srn_bptt.ipynb" (and with #anchors) -> the page
        body = re.sub(r'href="(?:\.\./notebooks/|notebooks/|\./)?' + re.escape(path.name) + r'(#[^"]*)?"',
                      lambda m, page=page: f'href="{page}{m.group(1) or ""}"', body)
    return body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names (default: all)")
    parser.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: site/)")
    parser.add_argument("--cdn", action="store_true", help="load the JavaScript libraries from CDNs")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed for one cell")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = lessons(args.lessons)
    if not paths:
        sys.exit("build_site: no lessons in notebooks/")
    # A fresh matplotlib font cache prints a warning into the first lesson: build it first.
    subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], check=True)

    urls = None if args.cdn else fetch_assets(out / "_static")
    if urls is None and not args.cdn:
        print("build_site: npm not found; the pages load their JavaScript from CDNs (needs a network)")
    exporter = HTMLExporter(template_name="lab", **(urls or {}))

    start = time.monotonic()
    notebooks = []
    for path in paths:
        nb = execute(path, args.timeout)
        nb.metadata["title"] = title_of(nb, path)
        notebooks.append(nb)
    pages = [(p, page_name(p), nb.metadata["title"]) for p, nb in zip(paths, notebooks)]
    if not args.lessons:   # a full build: no page of a lesson that is gone
        for old in out.glob("*.html"):
            old.unlink()
    for i, nb in enumerate(notebooks):
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": pages[i][2]}})
        (out / pages[i][1]).write_text(postprocess(body, pages, i), encoding="utf-8")
    if not any(p.name.startswith("00_") for p in paths):
        print("build_site: note: lesson 00 was not built, so there is no index.html")
    print(f"build_site: {len(pages)} pages in {out} ({time.monotonic() - start:.0f} s); "
          f"open {out / 'index.html'} in a browser")


if __name__ == "__main__":
    main()
