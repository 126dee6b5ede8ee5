"""Sphinx extension of the course website: the site works without the internet.

- MathJax: Sphinx loads MathJax 3 from a CDN by default. This copies MathJax 3.2.2 from the installed
  ``django-static-mathjax`` wheel (a data-only package of MathJax's ``es5`` build) into the site's
  ``_static/mathjax/`` when the build finishes, so ``mathjax_path = "mathjax/tex-mml-chtml.js"``
  (relative to ``_static``) resolves to a local file.
- Widgets: a notebook output that is an ipywidget (the slider of notebook 06, the demo app of
  notebook 11) needs a kernel; myst-nb would load require.js and the widget manager from a CDN to
  draw a frozen copy. The site's config turns those scripts off (``nb_ipywidgets_js: {}``) and this
  replaces each widget output by a note that says where the widget runs.
- Thebe: Jupyter Book always loads sphinx-thebe, which declares its configuration in an inline script
  once per registration; the site has no live-code button (``launch_buttons.thebe: false``), and the
  duplicate declaration is a console error ("Identifier 'THEBE_JS_URL' has already been declared"),
  so its scripts are left out of every page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"
#: Parts of MathJax's ``es5`` build the site does not load (the other combined bundles, SVG output).
_MATHJAX_SKIP = ("tex-chtml-full*.js", "tex-svg*.js", "tex-mml-svg.js", "mml-svg.js", "node-main.js", "svg")
WIDGET_NOTE = ("Here the notebook shows an interactive widget, which needs a running kernel: open the "
               "notebook in JupyterLab (", "make lab", ") to use it.")


def mathjax_es5_dir() -> Path:
    """The ``es5`` folder of MathJax 3 shipped by the ``django-static-mathjax`` package.

    Raises ``RuntimeError`` naming the package to install when it is missing or has no MathJax 3.
    """
    try:
        import mathjax  # the import name of django-static-mathjax
    except ImportError as exc:
        raise RuntimeError(
            "the course site serves MathJax from a local copy, found no `mathjax` package: "
            "pip install -r requirements-site.txt (django-static-mathjax)"
        ) from exc
    es5 = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"expected MathJax 3 at {es5}/tex-mml-chtml.js, found no such file "
                           "(django-static-mathjax==3.2.2.1 ships it)")
    return es5


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(mathjax_es5_dir(), target, ignore=shutil.ignore_patterns(*_MATHJAX_SKIP))
    logger.info(f"course_site: MathJax copied into {target}")


def _replace_widget_views(app: Sphinx, doctree: nodes.document) -> None:
    for raw in list(doctree.findall(nodes.raw)):
        if WIDGET_VIEW_MIMETYPE in raw.astext():
            before, command, after = WIDGET_NOTE
            text = nodes.paragraph("", before, nodes.literal(text=command), nodes.Text(after))
            note = nodes.note("", text, classes=["course-widget-note"])
            raw.replace_self(note)


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    def is_thebe(js) -> bool:
        name = str(getattr(js, "filename", "") or "")
        body = str(getattr(js, "attributes", {}).get("body", ""))
        return name.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body

    if "script_files" in context:
        context["script_files"] = [js for js in context["script_files"] if not is_thebe(js)]


def setup(app: Sphinx) -> dict:
    mathjax_es5_dir()  # fail at the start of the build, not after it, when MathJax is missing
    app.connect("doctree-read", _replace_widget_views)
    app.connect("html-page-context", _drop_thebe)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
