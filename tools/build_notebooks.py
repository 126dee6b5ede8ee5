"""Build the notebooks from their py:percent sources: the student notebooks (stored, executed) and the
instructor notebooks (with the reference solutions, git-ignored).

The sources ``notebooks/py/*.py`` are the one place a notebook is written. Cells tagged ``solution``
(``# %% tags=["solution"]``) hold the reference solutions of the exercises:

- the **student notebook** ``notebooks/NN_name.ipynb`` is the source without its solution cells,
  executed and stored with its outputs (nbval checks them). Its hidden cells that check the text's
  claims (``assert`` statements) start with the ``%%claims`` magic: under CI a failed claim fails the
  notebook, in a student's own run it prints a note (``aesthetics_lib.notebook.run_claims``);
- the **instructor notebook** ``notebooks/instructor/NN_name.ipynb`` is the stored student notebook
  with each solution cell put back after its exercise, run under the ``%%solution`` magic (it fails
  unless every check in the cell prints ``correct``). ``make test`` builds these and runs them under
  nbval, so every solution is run through its check against the stored outputs of everything else.

Usage (through ``make``, so that the environment matches CI's):

- ``make notebooks NB=05``: execute the student notebooks whose name starts with 05 and store them;
- ``make notebook-sources NB=05``: update the stored notebooks' text from their sources, keeping the
  outputs of every code cell whose source did not change (prose-only edits need no re-run);
- ``make instructor``: write the instructor notebooks (``--execute`` runs them as well).
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
SOURCE_DIR = NB_DIR / "py"
INSTRUCTOR_DIR = NB_DIR / "instructor"
#: The tag of a reference-solution cell in a source.
SOLUTION_TAG = "solution"
#: The first line of a solution cell in an instructor notebook (see aesthetics_lib.notebook.run_solution).
SOLUTION_MAGIC = "%%solution"
#: The tag of a hidden cell (its input collapsed in JupyterLab).
HIDDEN_TAG = "hide-input"
#: The first line, in a student notebook, of a hidden cell that checks the text's claims (see
#: aesthetics_lib.notebook.run_claims: strict under CI, a note in a student's own run).
CLAIMS_MAGIC = "%%claims"


def is_claims(cell) -> bool:
    """Whether a source cell checks the text's claims: a hidden code cell with an ``assert`` statement."""
    if cell.cell_type != "code" or HIDDEN_TAG not in cell.metadata.get("tags", []):
        return False
    try:
        return any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(cell.source)))
    except SyntaxError:  # IPython syntax: not a claims cell the magic could run
        return False


def is_solution(cell) -> bool:
    """Whether a source cell holds a reference solution."""
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def read_source(py: Path):
    """The notebook a py:percent source describes, solutions included, without pairing metadata
    (a stored notebook must never be paired back to its source: saving it would erase the solutions)."""
    nb = jupytext.read(py)
    nb.metadata.get("jupytext", {}).pop("formats", None)
    return nb


def student_notebook(py: Path):
    """The source without its solution cells (not executed), each hidden check of the text's claims
    under the ``%%claims`` magic (:func:`is_claims`)."""
    nb = read_source(py)
    nb.cells = [c for c in nb.cells if not is_solution(c)]
    for cell in nb.cells:
        if is_claims(cell):
            cell.source = f"{CLAIMS_MAGIC}\n{cell.source}"
    return nb


def stored_path(py: Path) -> Path:
    """Where the student notebook of a source is stored."""
    return NB_DIR / (py.stem + ".ipynb")


def _key(cell) -> tuple[str, str, tuple[str, ...]]:
    return cell.cell_type, cell.source.strip(), tuple(cell.metadata.get("tags", []))


def out_of_date(py: Path) -> str | None:
    """Why the stored student notebook no longer matches its source (None when it does)."""
    path = stored_path(py)
    if not path.exists():
        return f"{path.relative_to(ROOT)} does not exist"
    want = [_key(c) for c in student_notebook(py).cells]
    have = [_key(c) for c in nbformat.read(path, as_version=4).cells]
    if want == have:
        return None
    for i, (w, h) in enumerate(zip(want, have)):
        if w != h:
            return f"{path.name} cell {i} differs from {py.relative_to(ROOT)}: {h[1][:60]!r} vs {w[1][:60]!r}"
    return f"{path.name} has {len(have)} cells, {py.relative_to(ROOT)} has {len(want)} (without solutions)"


def instructor_notebook(py: Path):
    """The stored student notebook (outputs kept) with the source's solution cells put back in place.

    Raises ValueError when the stored notebook is out of date with its source.
    """
    why = out_of_date(py)
    if why:
        raise ValueError(f"{why}: run `make notebooks NB={py.stem[:2]}` first")
    stored = nbformat.read(stored_path(py), as_version=4)
    cells, i = [], 0
    for cell in read_source(py).cells:
        if is_solution(cell):
            new = nbformat.v4.new_code_cell(f"{SOLUTION_MAGIC}\n{cell.source}")
            # nbval: run it, but its printout is not stored; %%solution raises if a check fails
            new.metadata["tags"] = [SOLUTION_TAG, "nbval-ignore-output"]
            cells.append(new)
        else:
            cells.append(stored.cells[i])
            i += 1
    stored.cells = cells
    return stored


def _execute(nb, where: Path) -> float:
    for cell in nb.cells:  # outputs are regenerated from scratch
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(where)}}).execute()
    return time.perf_counter() - start


def build(py: Path) -> float:
    """Execute the student notebook of ``py`` and store it; return the seconds it took."""
    nb = student_notebook(py)
    took = _execute(nb, NB_DIR)
    nbformat.write(nb, stored_path(py))
    return took


def refresh(py: Path) -> int:
    """Update the stored notebook's text from its source, keeping the outputs of unchanged code
    cells; return how many code cells are left without outputs (they need ``make notebooks``)."""
    path = stored_path(py)
    nb = student_notebook(py)
    if path.exists():
        nb = combine_inputs_with_outputs(nb, nbformat.read(path, as_version=4))
    nbformat.write(nb, path)
    return sum(1 for c in nb.cells if c.cell_type == "code" and not c.get("execution_count"))


def write_instructor(py: Path, execute: bool = False) -> Path:
    """Write the instructor notebook of ``py`` (executed when ``execute``); return its path."""
    nb = instructor_notebook(py)
    INSTRUCTOR_DIR.mkdir(exist_ok=True)
    if execute:
        _execute(nb, INSTRUCTOR_DIR)
    out = INSTRUCTOR_DIR / stored_path(py).name
    nbformat.write(nb, out)
    return out


def _build_one(py: Path) -> tuple[str, float | None, str]:
    try:
        return py.stem, build(py), ""
    except Exception as exc:  # keep going, report at the end
        return py.stem, None, f"{type(exc).__name__}: {str(exc)[:2000]}"


def _instructor_one(args: tuple[Path, bool]) -> tuple[str, float | None, str]:
    py, execute = args
    start = time.perf_counter()
    try:
        write_instructor(py, execute)
        return py.stem, time.perf_counter() - start, ""
    except Exception as exc:
        return py.stem, None, f"{type(exc).__name__}: {str(exc)[:2000]}"


def sources(prefixes: list[str], course_only: bool = False) -> list[Path]:
    """The sources whose name starts with one of ``prefixes`` (all when empty)."""
    found = sorted(SOURCE_DIR.glob("[0-9][0-9]_*.py" if course_only else "*.py"))
    return [p for p in found if not prefixes or any(p.stem.startswith(x) for x in prefixes)]


def main(argv: list[str]) -> int:
    """Build the notebooks whose name starts with one of the prefixes (all when none)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=1, help="notebooks executed at a time")
    parser.add_argument("--sources-only", action="store_true",
                        help="update the stored notebooks' text, keep the outputs of unchanged cells")
    parser.add_argument("--instructor", action="store_true",
                        help="write the instructor notebooks (with solutions) into notebooks/instructor/")
    parser.add_argument("--execute", action="store_true", help="with --instructor: execute them too")
    parser.add_argument("prefixes", nargs="*")
    args = parser.parse_args(argv)
    found = sources(args.prefixes, course_only=args.instructor)  # the Voila page has no exercises
    if not found:
        print(f"no notebook source matches {args.prefixes} in {SOURCE_DIR}", file=sys.stderr)
        return 2
    if args.sources_only:
        for py in found:
            stale = refresh(py)
            print(f"{py.stem}: text updated" + (f"; {stale} code cells need `make notebooks`" if stale else ""))
        return 0
    failed = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        if args.instructor:
            results = pool.map(_instructor_one, [(p, args.execute) for p in found])
        else:
            results = pool.map(_build_one, found)
        for name, took, why in results:
            if took is None:
                failed.append((name, why))
                print(f"{name}: FAILED", file=sys.stderr)
            elif args.instructor and not args.execute:
                pass
            else:
                print(f"{name}: {took:.1f} s", flush=True)
    if args.instructor and not failed:
        print(f"{len(found)} instructor notebooks in {INSTRUCTOR_DIR.relative_to(ROOT)}/")
    for name, why in failed:
        print(f"\n{name} failed:\n{why}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
