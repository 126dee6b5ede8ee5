"""Rebuild notebooks from their py:percent sources and execute them, as CI checks them.

Usage: ``python tools/build_notebooks.py [PREFIX ...]`` (e.g. ``05`` or ``05_dcnn``); run it through
``make notebooks NB=05`` so the environment matches CI's (one thread, fixed hash seed, CI=true).
Each notebook is written back with its outputs and execution counts; the time each took is printed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"


def build(py: Path) -> float:
    """Sync ``py`` -> ipynb, execute the notebook in place; return the seconds it took."""
    nb_path = NB_DIR / (py.stem + ".ipynb")
    subprocess.run(["jupytext", "--sync", "--quiet", str(py)], check=True, cwd=ROOT)
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:  # outputs are regenerated from scratch
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}}
    ).execute()
    took = time.perf_counter() - start
    nbformat.write(nb, nb_path)
    subprocess.run(["jupytext", "--sync", "--quiet", str(nb_path)], check=True, cwd=ROOT)
    return took


def main(prefixes: list[str]) -> int:
    """Build every notebook whose name starts with one of ``prefixes`` (all when empty)."""
    sources = sorted((NB_DIR / "py").glob("*.py"))
    if prefixes:
        sources = [p for p in sources if any(p.stem.startswith(x) for x in prefixes)]
    if not sources:
        print(f"no notebook source matches {prefixes} in {NB_DIR / 'py'}", file=sys.stderr)
        return 2
    failed = []
    for py in sources:
        try:
            took = build(py)
            print(f"{py.stem}: {took:.1f} s")
        except Exception as exc:  # keep going, report at the end
            failed.append((py.stem, f"{type(exc).__name__}: {str(exc)[:2000]}"))
            print(f"{py.stem}: FAILED", file=sys.stderr)
    for name, why in failed:
        print(f"\n{name} failed:\n{why}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
