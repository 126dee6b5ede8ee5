"""The course website in a real browser: serve site/_build/html on 127.0.0.1, open every page of it
in headless Chromium, and check what a reader would see.

For every page of the table of contents (landing page, the 12 chapters, the docs, every API page) and
the search, index and module-index pages: every <img> loaded (``naturalWidth > 0``), each chapter
shows at least as many images as its stored notebook has figure outputs, the math rendered (every
Sphinx math element holds MathJax's ``mjx-container``, no ``mjx-merror``, no raw ``$...$``, ``\\(`` or
``\\[`` left in the text) on every page whose notebook has math, the console shows no errors, no
request left the machine and no local request failed. Chromium runs with every host name but
127.0.0.1 unresolvable and a dead proxy for anything not on the loopback, so a request for a CDN
fails loudly rather than quietly working on a machine with internet.

Run with ``make test-site`` (it builds the site, installs Debian's chromium + chromedriver and
selenium, then runs this file); ``make test`` leaves it out (marker ``browser``). Problems are
collected over all pages and reported together. Every wait is bounded.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import chromium, free_port, wait
from tool_support import load_tool
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "site" / "_build" / "html"
SITE_TOC = ROOT / "site" / "_toc.yml"
STAGED_TOC = ROOT / "site" / "_build" / "src" / "_toc.yml"
PAGE_LOAD_S = 60
MATH_S = 60  # MathJax typesetting a page of formulas on a busy CPU
IMAGES_S = 30
SEARCH_S = 30
SEARCH_WORD = "SRCC"  # on the landing page, in notebooks 04 and 09, and in the API
FIGURE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


def _build_site_module():
    """tools/build_site.py, whose TOC walker and README reader the test shares with the build."""
    return load_tool("build_site")


def _toc_files(path: Path) -> list[str]:
    toc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [toc["root"]] + [e["file"] for e in _build_site_module()._entries(toc.get("parts", []))]


def _notebook_expectations(page: str) -> tuple[int, bool, int]:
    """For a chapter: its stored figure outputs, whether its markdown has math, its widget outputs."""
    nb = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
    figures = widgets = 0
    math = False
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            math = math or bool(re.search(r"\$[^$\n]+\$", "".join(cell["source"])))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                widgets += 1
            elif any(m in data for m in FIGURE_MIMES):
                figures += 1
    return figures, math, widgets


@pytest.fixture(scope="module")
def site_url():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML.relative_to(ROOT)}/index.html does not exist: build the site first (`make site`)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the test reports failed requests itself
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    # nothing but the local server is reachable: no host name resolves, and anything not on the
    # loopback goes to a proxy port where nothing listens
    offline = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", f"--proxy-server=http://127.0.0.1:{free_port()}")
    yield from chromium(tmp_path_factory.mktemp("chromium-profile"), "test-site", offline, page_load_s=PAGE_LOAD_S,
                        script_s=MATH_S + 5,
                        capabilities={"goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}})


# Reports the images of the page, waits for none; the test polls it until every image is complete.
_IMAGES_JS = """
return Array.from(document.images).map(img => ({
  src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth,
  inArticle: !!img.closest('article')}));
"""

# Waits (bounded by the script timeout) for MathJax to finish typesetting, then reports the math.
_MATH_JS = """
const done = arguments[arguments.length - 1];
const report = (state) => {
  const elements = Array.from(document.querySelectorAll('.math'));
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea').forEach(e => e.remove());
  done({state: state, elements: elements.length,
        unrendered: elements.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
        errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80)),
        text: copy.textContent});
};
if (!document.querySelector('.math')) { report('no math'); return; }
const start = Date.now();
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => report('typeset'), (e) => report('MathJax failed: ' + e));
  } else if (Date.now() - start > 1000 * arguments_timeout) {
    report('MathJax never started');
  } else {
    setTimeout(poll, 100);
  }
})();
""".replace("arguments_timeout", str(MATH_S))

_RAW_MATH = re.compile(r"\$[^$\n]{1,200}\$|\\\(|\\\[")


def _requests(driver) -> list[tuple[str, str, str]]:
    """(kind, url, detail) of every network event since the last call: requests, HTTP statuses, failures."""
    events = []
    urls: dict[str, str] = {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            events.append(("request", params["request"]["url"], ""))
        elif method == "Network.responseReceived":
            events.append(("response", params["response"]["url"], str(params["response"]["status"])))
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            events.append(("failed", urls.get(params["requestId"], f"(request {params['requestId']})"),
                           str(params.get("errorText", ""))))
    return events


def _check_page(driver, base: str, page: str, expect: dict) -> list[str]:
    """Open one page and return what is wrong with it (an empty list when nothing is)."""
    problems = []
    url = base + page
    driver.get(url)
    wait(f"{page} to load", lambda: driver.execute_script("return document.readyState") == "complete", PAGE_LOAD_S)
    if "search.html" in page:
        wait(f"search results for {SEARCH_WORD!r}",
              lambda: driver.execute_script("return document.querySelectorAll('#search-results ul.search li').length"),
              SEARCH_S)

    images = []
    if driver.execute_script("return document.images.length"):
        images = wait(f"the images of {page} to finish loading",
                       lambda: (imgs := driver.execute_script(_IMAGES_JS)) and all(i["complete"] for i in imgs) and imgs,
                       IMAGES_S)
    broken = [i["src"] for i in images if i["width"] == 0]
    if broken:
        problems.append(f"{page}: {len(broken)} image(s) did not load: {broken[:5]}")
    shown = sum(1 for i in images if i["inArticle"] and i["width"] > 0)
    if shown < expect.get("figures", 0):
        problems.append(f"{page}: {shown} image(s) shown in the page, expected {expect['figures']} "
                        "(the figure outputs of its notebook, or the README's gallery)")

    math = driver.execute_async_script(_MATH_JS)
    if expect.get("math") and math["elements"] == 0:
        problems.append(f"{page}: its source has math, the page has no math element (dollarmath off?)")
    if math["elements"] and math["state"] != "typeset":
        problems.append(f"{page}: {math['state']}")
    if math["unrendered"]:
        problems.append(f"{page}: {len(math['unrendered'])} formula(s) not rendered by MathJax: "
                        f"{math['unrendered'][:3]}")
    if math["errors"]:
        problems.append(f"{page}: MathJax errors: {math['errors'][:3]}")
    raw = _RAW_MATH.findall(math["text"])
    if raw:
        problems.append(f"{page}: raw TeX left in the text: {raw[:3]}")

    widgets = expect.get("widgets", 0)
    if widgets:
        notes = driver.execute_script("return document.querySelectorAll('.course-widget-note').length")
        if notes != widgets:
            problems.append(f"{page}: {notes} widget note(s), its notebook has {widgets} widget output(s)")

    driver.get("about:blank")  # what the page logs while it is left still counts for it
    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE":
            problems.append(f"{page}: console error: {entry['message'][:300]}")
    origin = f"{urlsplit(base).scheme}://{urlsplit(base).netloc}"
    for kind, req_url, detail in _requests(driver):
        if req_url.split(":", 1)[0].lower() not in ("http", "https", "ws", "wss", "ftp", "(request"):
            continue  # chrome://, data:, blob: never leave the browser
        ours = req_url.startswith(origin + "/")
        where = req_url[len(origin):] if ours else req_url
        if kind == "request" and not ours:
            problems.append(f"{page}: request left the machine: {req_url[:200]}")
        elif kind == "response" and ours and int(detail) >= 400:
            problems.append(f"{page}: {where[:200]} answered HTTP {detail}")
        elif kind == "failed" and (ours or req_url.startswith("(request")):
            problems.append(f"{page}: request for {where[:200]} failed: {detail}")
    return list(dict.fromkeys(problems))  # a resource requested twice is one problem


def test_every_page_loads_offline_with_its_figures_and_math(site_url, browser):
    listed = _toc_files(SITE_TOC)
    built = _toc_files(STAGED_TOC) if STAGED_TOC.is_file() else listed
    missing = [f for f in listed if not (HTML / f"{f}.html").is_file()]
    assert not missing, (f"pages of site/_toc.yml missing from {HTML.relative_to(ROOT)}: {missing} "
                         "(rebuild: `make site`)")
    chapters = [f for f in listed if f.startswith("notebooks/")]
    assert len(chapters) >= 12, f"site/_toc.yml lists {len(chapters)} chapters, expected the 12 notebooks 00-11"
    assert any(f.startswith("api/") for f in built) and len(built) > len(listed), "no API pages were built"

    gallery = _build_site_module().readme_table((ROOT / "README.md").read_text(encoding="utf-8"), "### Gallery")
    expectations: dict[str, dict] = {"index.html": {"figures": sum(len(re.findall(r"!\[", row)) for row in gallery)}}
    for page in built:
        if page.startswith("notebooks/"):
            figures, math, widgets = _notebook_expectations(page)
            expectations[f"{page}.html"] = {"figures": figures, "math": math, "widgets": widgets}
        else:
            expectations.setdefault(f"{page}.html", {})
    assert any(e.get("math") for e in expectations.values()), "no chapter has math: the math check would be empty"
    for extra in (f"search.html?q={SEARCH_WORD}", "genindex.html", "py-modindex.html"):
        expectations[extra] = {}

    problems = []
    for page, expect in expectations.items():
        try:
            problems += _check_page(browser, site_url, page, expect)
        except Exception as exc:  # a page that never loads is reported with the others
            problems.append(f"{page}: {type(exc).__name__}: {str(exc)[:300]}")

    # the landing page links every chapter, and so does the navigation bar
    browser.get(site_url + "index.html")
    links = set(browser.execute_script(
        "return Array.from(document.querySelectorAll('article a[href]')).map(a => a.getAttribute('href'))"))
    nav = set(browser.execute_script(
        "return Array.from(document.querySelectorAll('nav.bd-docs-nav a[href]')).map(a => a.getAttribute('href'))"))
    for chapter in chapters:
        if f"{chapter}.html" not in links:
            problems.append(f"index.html: the course map has no link to {chapter}.html")
        if f"{chapter}.html" not in nav:
            problems.append(f"index.html: the navigation has no link to {chapter}.html")

    assert not problems, f"{len(problems)} problem(s) over {len(expectations)} pages:\n" + "\n".join(problems)
