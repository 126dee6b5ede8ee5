"""Rebuild notebooks from their py:percent sources and execute them, as CI checks them.

Usage: ``python tools/build_notebooks.py [-j N] [PREFIX ...]`` (e.g. ``05`` or ``05_dcnn``); run it
through ``make notebooks NB=05`` so the environment matches CI's (one thread, fixed hash seed,
CI=true). ``-j 2`` executes two notebooks at a time (each kernel stays single-threaded).
Each notebook is written back with its outputs and execution counts; the time each took is printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
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


def _build_one(py: Path) -> tuple[str, float | None, str]:
    try:
        return py.stem, build(py), ""
    except Exception as exc:  # keep going, report at the end
        return py.stem, None, f"{type(exc).__name__}: {str(exc)[:2000]}"


def main(argv: list[str]) -> int:
    """Build every notebook whose name starts with one of the prefixes (all when none)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=1, help="notebooks executed at a time")
    parser.add_argument("prefixes", nargs="*")
    args = parser.parse_args(argv)
    sources = sorted((NB_DIR / "py").glob("*.py"))  # the course notebooks and the Voila page
    if args.prefixes:
        sources = [p for p in sources if any(p.stem.startswith(x) for x in args.prefixes)]
    if not sources:
        print(f"no notebook source matches {args.prefixes} in {NB_DIR / 'py'}", file=sys.stderr)
        return 2
    failed = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, took, why in pool.map(_build_one, sources):
            if took is None:
                failed.append((name, why))
                print(f"{name}: FAILED", file=sys.stderr)
            else:
                print(f"{name}: {took:.1f} s", flush=True)
    for name, why in failed:
        print(f"\n{name} failed:\n{why}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
