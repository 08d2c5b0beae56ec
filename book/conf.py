"""The course as a static web site: Sphinx, MyST-NB and the book theme (Jupyter Book's stack).

    bash tools/build_site.sh        # = sphinx-build -c book . build/site (about 2 min on 2 cores)

Sphinx reads the lessons (``notebooks/NN_*.ipynb``) and ``docs/paper_notes.md`` from the
repository's root, so every link between them works as it does in the repository; this
folder holds only the configuration.  MyST-NB runs each lesson top to bottom in its folder
and embeds the demos' widget state, so every demo shows its sliders and its figure at their
first position.  The pages have the book theme's table of contents, Sphinx's search (an
index in the page, no server) and MathJax.

Nothing is loaded from the network: the JavaScript libraries that the pages load
(MathJax 2, require.js and the Jupyter widgets HTML manager for the demos, reveal.js and
jQuery for the slides) are pinned releases from the npm registry, copied into ``_static/``
by ``npm pack`` (cached in ``build/site-assets/``).

After the pages, each executed lesson is also written as static reveal.js slides
(``slides/NN_*.slides.html``, nbconvert's slides exporter, from the same slide metadata that
the live deck in JupyterLab uses; input that the notebook collapses is left out).
"""
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from sphinx.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
BOOK = Path(__file__).resolve().parent
CACHE = ROOT / "build" / "site-assets"

# -- what is read -----------------------------------------------------------------------------
project = "srnlab"
author = "the srnlab authors"
copyright = "2026, the srnlab authors (MIT licence)"
root_doc = "notebooks/00_index"
include_patterns = ["notebooks/[0-9][0-9]_*.ipynb", "docs/paper_notes.md"]
exclude_patterns = [".*", "build", "artifacts", "student", "results", "srnlab", "tests", "tools",
                    "benchmarks", "book", "*.egg-info", "__pycache__"]
extensions = ["myst_nb", "sphinx_external_toc"]
external_toc_path = str(BOOK / "_toc.yml")
external_toc_exclude_missing = False
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3             # "#the-lessons" links within and between lessons
suppress_warnings = ["myst.header"]  # a lesson's title is "# 00 · ...", its sections "##"

# -- running the lessons ----------------------------------------------------------------------
nb_execution_mode = "force"          # every build runs every lesson: a page shows today's numbers
nb_execution_timeout = 600           # seconds allowed for one cell
nb_execution_raise_on_error = True   # a lesson that fails fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# -- the pages --------------------------------------------------------------------------------
html_title = "srnlab: vanishing gradients in recurrent networks"
html_theme = "sphinx_book_theme"
html_static_path = [str(BOOK / "_static"), str(CACHE / "static")]
html_css_files = ["srnlab.css"]
templates_path = [str(BOOK / "_templates")]
html_theme_options = {
    "use_download_button": True,
    "show_toc_level": 2,
    "article_header_end": ["slides-link", "article-header-buttons"],   # "Slides" beside the download button
    "announcement": ("A static copy of the course: each demo shows its first setting. "
                     "To move the sliders, open the lessons in JupyterLab (bash tools/lab.sh)."),
}
html_last_updated_fmt = None
html_copy_source = True          # the download button gives the lesson's notebook
html_show_sourcelink = False

# Math: MathJax 2 from _static/ (the version nbconvert's slides use too: one copy for both).
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
# MyST-NB marks a notebook "tex2jax_ignore" and its math and outputs "math" / "output_area", so that a
# dollar sign in printed text is not taken for math; this says the same to MathJax 2.
mathjax2_config = {"tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                               "processRefs": False, "processEnvironments": False,
                               "ignoreClass": "tex2jax_ignore|mathjax_ignore|document",
                               "processClass": "tex2jax_process|mathjax_process|math|output_area"}}
myst_update_mathjax = False          # its settings are MathJax 3's
# The demos: require.js and the HTML manager of @jupyter-widgets from _static/, not from a CDN.
nb_ipywidgets_js = {"requirejs/require.js": {}, "@jupyter-widgets/html-manager/dist/embed-amd.js": {}}

# -- the JavaScript libraries, from the npm registry ------------------------------------------
# Each package: its version, and the parts of it that the pages load (MathJax 2's package is 70 MB).
# html-manager 1.x draws the state of ipywidgets 8.  Each goes to _static/<package>/<part>.
NPM = {
    "@jupyter-widgets/html-manager": ("1.0.15", ["dist"]),
    "requirejs": ("2.3.8", ["require.js"]),
    "mathjax": ("2.7.7", ["MathJax.js", "LICENSE", "config/TeX-AMS_CHTML-full.js", "config/Safe.js",
                          "extensions", "jax/input/TeX", "jax/output/CommonHTML", "jax/element",
                          "fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf", "localization/en"]),
    "reveal.js": ("4.6.1", ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
                            "dist/theme/fonts/source-sans-pro", "plugin/notes", "LICENSE"]),
    "jquery": ("3.7.1", ["dist/jquery.min.js", "LICENSE.txt"]),
}
# html-manager's style sheets look for their icon fonts relative to the page, in these folders
# (measured in Chromium: lesson 01's sliders ask the first, lesson 09's dropdowns the second).
WIDGET_FONTS = "@jupyter-widgets/html-manager/dist"
WIDGET_FONT_FOLDERS = ("@jupyter-widgets/html-manager/dist", "@jupyter-widgets")
SKIP = shutil.ignore_patterns("*.map", "embed.js", "libembed-amd.js")   # bundles the pages never load


def copy_javascript():
    """npm pack each pinned package (once; cached) and copy the parts the pages load to static/."""
    if not shutil.which("npm"):
        raise ConfigError("the site needs npm (Node.js) to copy its JavaScript libraries from the "
                 "npm registry; install it (apt-get install npm) and build again")
    static = CACHE / "static"
    stamp = static / "copied.txt"        # what was copied; anything else is copied anew
    wanted = repr(NPM)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if static.exists():
        shutil.rmtree(static)
    for name, (version, parts) in NPM.items():
        tgz = CACHE / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        if not tgz.exists():
            print(f"build_site: npm pack {name}@{version}", flush=True)
            CACHE.mkdir(parents=True, exist_ok=True)
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(CACHE),
                            f"{name}@{version}"], check=True, stdout=subprocess.DEVNULL)
        unpacked = CACHE / tgz.name.removesuffix(".tgz")
        if not unpacked.exists():
            with tarfile.open(tgz) as tar:
                # the "data" filter (no links or paths out of the folder) exists from Python 3.11.4;
                # Debian 12's Python 3.11.2 lacks it, and there an npm package from the registry is unpacked as is
                safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(unpacked, **safe)
        for part in parts:
            src, dst = unpacked / "package" / part, static / name / part
            if not src.exists():
                raise ConfigError(f"{name}@{version} has no {part}")
            if src.is_dir():
                shutil.copytree(src, dst, ignore=SKIP)
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dst)
    stamp.write_text(wanted)


copy_javascript()


# -- the static slides, written after the pages ---------------------------------------------
def write_slides(app, exception):
    """Every executed lesson as reveal.js slides in slides/, and index.html at the site's top."""
    if exception is not None or app.builder.name != "html":
        return
    import nbformat
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    out = Path(app.outdir)
    executed = Path(app.outdir).parent / "jupyter_execute" / "notebooks"
    exporter = SlidesExporter(
        extra_template_basedirs=[str(BOOK / "templates")], template_name="srnlab_slides",
        reveal_url_prefix="../_static/reveal.js", reveal_theme="white", reveal_scroll=True, reveal_transition="none",
        reveal_width="1280", reveal_height="800",
        jquery_url="../_static/jquery/dist/jquery.min.js",
        require_js_url="../_static/requirejs/require.js",
        widget_renderer_url="../_static/@jupyter-widgets/html-manager/dist/embed-amd.js",
        mathjax_url="../_static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe")
    # Collapsed code (the tag hide-input, which tools/slides.py gives every collapsed cell): output only.
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"hide-input"}), enabled=True)
    (out / "slides").mkdir(exist_ok=True)
    for folder in ("notebooks", "slides"):   # the demos' icon fonts where the widgets' style sheets look
        for fonts in WIDGET_FONT_FOLDERS:
            shutil.copytree(out / "_static" / WIDGET_FONTS, out / folder / fonts, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.js", "*.txt"))
    for docname in sorted(d for d in app.env.found_docs if d.startswith("notebooks/")):
        path = executed / f"{docname.split('/')[-1]}.ipynb"
        nb = nbformat.read(path, as_version=4)
        title = app.env.titles[docname].astext()
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
        # links to other lessons go to their slides, links to the notes on the paper to its page
        body = re.sub(r'href="((?:\.\./notebooks/)?)(\d\d_\w+)\.ipynb', r'href="\2.slides.html', body)
        body = re.sub(r'href="(\.\./docs/\w+)\.md', r'href="\1.html', body)
        (out / "slides" / f"{path.stem}.slides.html").write_text(body, encoding="utf-8")
    (out / "index.html").write_text(
        '<!DOCTYPE html>\n<meta charset="utf-8">\n<title>srnlab</title>\n'
        '<meta http-equiv="refresh" content="0; url=notebooks/00_index.html">\n'
        '<a href="notebooks/00_index.html">The map of the course</a>\n', encoding="utf-8")


def slide_page(app, pagename, templatename, context, doctree):
    """Tell the page template whether the page has static slides (the "slides-link" item)."""
    context["srnlab_slides"] = (f"slides/{pagename.split('/')[-1]}.slides.html"
                                if pagename.startswith("notebooks/") else None)


def setup(app):
    app.connect("html-page-context", slide_page)
    app.connect("build-finished", write_slides)
