"""Build the course website (``make site``): Jupyter Book 1, offline, from the stored notebooks.

The book's sources live in two places: ``site/`` (``_config.yml``, ``_toc.yml``, the landing page, the
API index, static files and the ``course_site`` Sphinx extension) and the repository itself (the
notebooks, ``docs/``, ``figures/``). This script stages both into one book, ``site/_build/src``, with
the repository's layout (``notebooks/``, ``docs/``, ``figures/``) and ``site/``'s files at its root:

- every ``file`` of ``site/_toc.yml`` is taken from ``site/`` if it is there, else from the repository
  root (``.md`` or ``.ipynb``); an entry with no such file is left out of the staged table of contents,
  the build goes on, and the run fails at the end naming it;
- the landing page's ``<!-- from README.md: HEADING -->`` markers get the first table under that
  heading of README.md: the course map (its notebook names become links to the chapters) and the
  gallery (its figures are staged from ``figures/``);
- the API index gets one page per module of ``aesthetics_lib`` (Sphinx autodoc, from the docstrings),
  found on disk, listed under ``api/index`` in the staged table of contents, and an autosummary table
  of them all where it says ``<!-- api-modules -->``.

Staged files are rewritten only when their content changes, so a second build re-reads only what
changed. Then ``jupyter-book build`` writes the site to ``site/_build/html`` (open ``index.html``);
notebooks are never executed (``execute_notebooks: "off"``). Its log is ``site/_build/build.log``.

Usage: ``python tools/build_site.py [--fresh]``.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
BUILD = SITE / "_build"
SRC = BUILD / "src"
HTML = BUILD / "html"
LOG = BUILD / "build.log"
PACKAGE = "aesthetics_lib"
API_INDEX = "api/index"
SUFFIXES = (".md", ".ipynb")
MARKER = re.compile(r"^<!-- from README\.md: (#+ .+?) -->$", re.MULTILINE)
API_MARKER = "<!-- api-modules -->"
NOTEBOOK_NAME = re.compile(r"`(\d\d_[A-Za-z0-9_]+)`")
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


@dataclass
class Staging:
    """What a build stages: files by their path in the book, and the problems found on the way."""

    files: dict[str, Path | bytes] = field(default_factory=dict)  # book path -> source file or content
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# table of contents
# ------------------------------------------------------------------------------------------------


def _entries(node) -> list[dict]:
    """Every dict with a ``file`` key in a sphinx-external-toc tree, in order."""
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(node)
        for value in node.values():
            found.extend(_entries(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_entries(item))
    return found


def find_source(entry: str) -> Path | None:
    """The file a TOC entry names: in ``site/`` first, then in the repository root."""
    for base in (SITE, ROOT):
        for suffix in ("",) + SUFFIXES:
            path = base / f"{entry}{suffix}"
            if path.is_file() and path.suffix in SUFFIXES:
                return path
    return None


def _prune(node, missing: set[str]):
    """The TOC tree without the entries in ``missing``, and without parts or sections left empty."""
    if isinstance(node, list):
        kept = []
        for item in node:
            if isinstance(item, dict) and item.get("file") in missing:
                continue
            item = _prune(item, missing)
            if isinstance(item, dict) and "file" not in item and not item.get("chapters", True):
                continue  # a part whose chapters are all missing
            kept.append(item)
        return kept
    if isinstance(node, dict):
        pruned = {key: _prune(value, missing) for key, value in node.items()}
        if pruned.get("sections") == []:
            del pruned["sections"]
        return pruned
    return node


# ------------------------------------------------------------------------------------------------
# the API pages
# ------------------------------------------------------------------------------------------------


def module_names(package_dir: Path = ROOT / PACKAGE) -> list[str]:
    """Every importable module of the package, found on disk (``__main__`` left out: it runs the CLI)."""
    names = []
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts or path.name == "__main__.py":
            continue
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(parts))
    return sorted(names, key=lambda n: n.split("."))


def api_page(name: str) -> str:
    """The MyST page of one module: its name as title, then autodoc of the module and its members."""
    return f"# `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}\n```\n"


def api_sections(names: list[str], parent: str = PACKAGE) -> list[dict]:
    """TOC sections of the API pages below ``parent``: a package's modules nest under its page."""
    children = [n for n in names if n.rsplit(".", 1)[0] == parent and n != parent]
    sections = []
    for name in children:
        entry: dict = {"file": f"api/{name}"}
        below = api_sections(names, name)
        if below:
            entry["sections"] = below
        sections.append(entry)
    return sections


def api_table(names: list[str]) -> str:
    """An autosummary table of every module: its name (a link to its page) and its docstring's first sentence."""
    return "```{eval-rst}\n.. autosummary::\n\n" + "".join(f"   {name}\n" for name in names) + "```\n"


# ------------------------------------------------------------------------------------------------
# the landing page
# ------------------------------------------------------------------------------------------------


def readme_table(readme: str, heading: str) -> list[str]:
    """The first Markdown table under ``heading`` (e.g. ``## The course``) of README.md, as lines."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        raise ValueError(f"README.md: no heading {heading!r} (site/index.md asks for its table)") from None
    table: list[str] = []
    for line in lines[start + 1:]:
        stripped = line.strip()
        if stripped.startswith("#") and len(stripped) - len(stripped.lstrip("#")) <= level:
            break
        if stripped.startswith("|"):
            table.append(stripped)
        elif table:
            break
    if len(table) < 3:
        raise ValueError(f"README.md: found no table under {heading!r} (site/index.md asks for it)")
    return table


def notebook_title(path: Path) -> str:
    """The first level-1 heading of a notebook, without its ``NN ·`` prefix."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return re.sub(r"^\d\d\s*·\s*", "", line[2:].strip())
    raise ValueError(f"{path}: no level-1 heading ('# ...') in any markdown cell")


def course_map(table: list[str], staged: Staging) -> list[str]:
    """README's course table with each notebook name turned into a link to its chapter."""
    out = table[:2]
    for row in table[2:]:
        cells = row.split("|")
        match = NOTEBOOK_NAME.search(cells[2]) if len(cells) > 3 else None
        if match is None:
            staged.problems.append(f"README.md: course table row {row!r} names no notebook (`NN_name`)")
            out.append(row)
            continue
        name = match.group(1)
        book_path = f"notebooks/{name}.ipynb"
        source = staged.files.get(book_path)
        if not isinstance(source, Path):
            staged.problems.append(f"README.md: the course table names {name}, which site/_toc.yml does not list")
            out.append(row)
            continue
        cells[2] = f" [{notebook_title(source)}]({book_path}) "
        out.append("|".join(cells))
    return out


def gallery(table: list[str], staged: Staging) -> list[str]:
    """README's gallery table; the figures it shows are staged next to the landing page."""
    for row in table:
        for target in IMAGE_LINK.findall(row):
            source = ROOT / target
            if source.is_file():
                staged.files[target] = source
            else:
                staged.problems.append(f"README.md: the gallery shows {target}, which does not exist")
    return table


def landing_page(template: str, readme: str, staged: Staging) -> str:
    """``site/index.md`` with each README marker replaced by the table it names."""

    def fill(match: re.Match) -> str:
        heading = match.group(1)
        try:
            table = readme_table(readme, heading)
        except ValueError as exc:
            staged.problems.append(str(exc))
            return f"*(missing: {exc})*"
        if heading.lstrip("# ").lower().startswith("gallery"):
            css, rows = "course-gallery", gallery(table, staged)
        else:
            css, rows = "course-map", course_map(table, staged)
        return f":::{{container}} {css}\n" + "\n".join(rows) + "\n:::"

    return MARKER.sub(fill, template)


# ------------------------------------------------------------------------------------------------
# staging and building
# ------------------------------------------------------------------------------------------------


def stage() -> tuple[Staging, dict]:
    """Collect every file of the book (paths in the book -> source) and the staged TOC."""
    staged = Staging()
    for path in sorted(SITE.rglob("*")):
        rel = path.relative_to(SITE)
        if path.is_file() and rel.parts[0] != "_build" and "__pycache__" not in rel.parts:
            staged.files[rel.as_posix()] = path
    try:
        toc = yaml.safe_load((SITE / "_toc.yml").read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"site/_toc.yml: not valid YAML ({exc})") from exc
    if not isinstance(toc, dict) or "root" not in toc:
        raise ValueError("site/_toc.yml: expected a mapping with `root:` (format jb-book), found none")
    entries = [toc] + _entries(toc.get("parts", toc.get("chapters", [])))
    missing = set()
    for entry in entries:
        name = entry.get("file") if entry is not toc else toc.get("root")
        source = find_source(name)
        if source is None:
            staged.problems.append(f"site/_toc.yml: {name}: no {name}.md or {name}.ipynb in site/ or the "
                                   "repository root; left out of the site")
            missing.add(name)
            continue
        staged.files[f"{name}{source.suffix}"] = source

    names = module_names()
    book_toc = _prune(copy.deepcopy(toc), missing)
    for entry in _entries(book_toc.get("parts", [])):
        if entry["file"] == API_INDEX:
            entry["sections"] = [{"file": f"api/{PACKAGE}"}] + api_sections(names)
    for name in names:
        staged.files[f"api/{name}.md"] = api_page(name).encode()
    api_index = staged.files.get(f"{API_INDEX}.md")
    if isinstance(api_index, Path):
        staged.files[f"{API_INDEX}.md"] = api_index.read_text(encoding="utf-8").replace(
            API_MARKER, api_table(names)).encode()

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    template = staged.files["index.md"]
    if isinstance(template, Path):
        staged.files["index.md"] = landing_page(template.read_text(encoding="utf-8"), readme, staged).encode()
    staged.files["_toc.yml"] = yaml.safe_dump(book_toc, sort_keys=False, allow_unicode=True).encode()
    return staged, book_toc


def write_staging(staged: Staging, dest: Path = SRC) -> None:
    """Mirror the staged files into ``dest``: write what changed, delete what is no longer staged."""
    dest.mkdir(parents=True, exist_ok=True)
    for rel, source in staged.files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = source if isinstance(source, bytes) else source.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        if isinstance(source, Path):
            shutil.copy2(source, target)
        else:
            target.write_bytes(data)
    keep = {dest / rel for rel in staged.files}
    for path in sorted(dest.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def run_jupyter_book() -> tuple[int, list[str]]:
    """``jupyter-book build`` of the staged book into ``site/_build``; its exit code and warnings."""
    env = dict(os.environ, MPLBACKEND="Agg", HF_HUB_OFFLINE="1", TQDM_DISABLE="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(SRC),
           "--path-output", str(SITE), "--builder", "html"]
    warnings = []
    with open(LOG, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, encoding="utf-8", errors="replace")
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if "WARNING" in line or "ERROR" in line:
                warnings.append(line.rstrip())
        proc.wait()
    return proc.returncode, warnings


def built_pages(toc: dict) -> list[str]:
    """The pages of the staged TOC that have no HTML file after the build."""
    names = [toc["root"]] + [e["file"] for e in _entries(toc.get("parts", []))]
    return [n for n in names if not (HTML / f"{n}.html").is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="delete site/_build first (a full rebuild)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    if args.fresh and BUILD.exists():
        shutil.rmtree(BUILD)
    if importlib.util.find_spec("jupyter_book") is None:
        print("jupyter-book is not installed: pip install -r requirements-site.txt (or `make site`)", file=sys.stderr)
        return 2
    try:
        staged, toc = stage()
    except (ValueError, OSError, yaml.YAMLError) as exc:  # a README, TOC or notebook the site cannot read
        print(f"site: cannot stage the book: {exc}", file=sys.stderr)
        return 1
    write_staging(staged)
    code, warnings = run_jupyter_book()
    problems = list(staged.problems)
    if code != 0:
        problems.append(f"jupyter-book build exited with code {code} (see {LOG.relative_to(ROOT)})")
    else:
        problems += [f"no page for {n} in {HTML.relative_to(ROOT)}" for n in built_pages(toc)]
    elapsed = time.monotonic() - start
    pages = len(list(HTML.rglob("*.html"))) if HTML.is_dir() else 0
    print(f"\nsite: {pages} HTML pages in {HTML.relative_to(ROOT)} ({elapsed:.0f} s), "
          f"{len(warnings)} build warnings from the pages read this time (listed in {LOG.relative_to(ROOT)})")
    for line in warnings[:10]:
        print(f"  {line}")
    if len(warnings) > 10:
        print(f"  ... and {len(warnings) - 10} more")
    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"open {(HTML / 'index.html').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
