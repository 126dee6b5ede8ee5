"""Run the stored student notebooks the way a student's own JupyterLab runs them, and report what breaks.

``make test`` and ``make notebooks`` execute the notebooks under the course's build settings: ``CI``
set, one CPU thread, the Makefile's CPU settings (``aesthetics_lib.numeric_env.CPU_ENV``). The stored
outputs were made that way. A student's ``make lab`` has none of them, and a run there can end a
little apart from the stored numbers, or fail where the build passes. Before a release, this tool
executes every stored student notebook (``notebooks/NN_*.ipynb`` and the demo) as a student would:

- in the caller's environment without ``CI``, the CPU settings, the thread pins, ``PYTHONHASHSEED``,
  the Makefile's allocator settings and ``AESTHETICS_DATA`` (so: the course's studio, the default
  number of threads, progress bars and inline figures);
- with this checkout's library first on ``PYTHONPATH`` (not whichever one is installed), or with
  ``--installed`` the library installed in the Python that runs the tool (a lab machine's package);
- with a fresh cache in ``OUT/cache`` (the first notebook that needs a studio draws it, as in a
  first run; ``--cache DIR`` reuses one) and the figures saved into ``OUT/figures``;
- one notebook after another, going on past a cell that raises (as "Run All" does not).

With ``--data SPEC`` (``cadb:/data/CADB_Dataset``) the notebooks read that data set instead of the
studio, as ``AESTHETICS_DATA`` makes them do in class, and train the course models on it into the
cache the first time (hours on a CPU: give ``--timeout`` room, and ``--cache`` the class's shared
cache, so that the runs trained here are the ones the students' notebooks load). The stored outputs
are the studio's, so on other data printed text is not compared: only errors count.

Nothing in the checkout is written: the executed notebooks go to ``OUT/notebooks/``. At the end it
prints, per notebook, the seconds it took, the cells that raised, the notes of the hidden checks
whose claims did not hold for this run's numbers (``%%claims``, see ``aesthetics_lib.notebook``), and
how many code cells printed other text than the stored run, and which of those are unexpected: a
cell that nbval compares under CI prints the same text on every machine there, so one that changes
here depends on something the course's settings had fixed (a sort with ties, a sum whose order
NumPy picks for the CPU, the number of threads). ``OUT/report.json`` holds the same. The exit status
is 1 when a cell raised, a notebook could not run or a cell changed unexpectedly, else 0: a claim
note, or other numbers from a training inside a notebook, is what another machine is expected to
show, not a failure.

Usage: ``make student-run`` (all notebooks, ``OUT=runs/student_run``) or
``python tools/student_run.py [--out DIR] [--cache DIR] [--installed] [--data SPEC] [--timeout S]
[PREFIX ...]``, e.g. ``05 06``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Mapping

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's library, whichever one is installed
from aesthetics_lib.notebook import CLAIMS_NOTE_LIST, CLAIMS_NOTE_START  # noqa: E402
from aesthetics_lib.numeric_env import CPU_ENV  # noqa: E402

NB_DIR = ROOT / "notebooks"
#: Variables of the course's build (the Makefile's NB_ENV) that a student's own session does not have.
BUILD_ONLY = ("CI", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED", "TQDM_DISABLE", "MPLBACKEND",
              "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "AESTHETICS_DATA")


def student_env(base: Mapping[str, str], cache: Path, figures: Path, installed: bool = False,
                data: str | None = None) -> dict[str, str]:
    """``base`` as a student's own session would have it (see the module docstring), with the cache
    and the figures folder set and this checkout's library first on ``PYTHONPATH`` (``installed``:
    leave ``PYTHONPATH`` as it is, so that the notebooks import the library installed in the
    environment, as on a lab machine where it is installed as a package); ``data``: the value of
    ``AESTHETICS_DATA`` the notebooks get (none: the studio)."""
    env = {k: v for k, v in base.items() if k not in BUILD_ONLY and k not in CPU_ENV}
    env["AESTHETICS_CACHE"] = str(cache)
    env["AESTHETICS_FIGURES"] = str(figures)
    if data:
        env["AESTHETICS_DATA"] = data
    if not installed:
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [base.get("PYTHONPATH")] if p])
    return env


#: Outputs whose text is not a result: a figure, or a widget (a progress bar or a slider, whose text is
#: only a fallback for a front end without widgets).
NOT_TEXT = ("image/png", "application/vnd.jupyter.widget-view+json")


def cell_text(cell: Any) -> str:
    """What a code cell printed as text: stdout and text results (figures, widgets and stderr left out)."""
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            out.append(o.get("text", ""))
        elif o.get("output_type") in ("execute_result", "display_data") and not set(NOT_TEXT) & set(o.get("data", {})):
            out.append(o.get("data", {}).get("text/plain", ""))
    return "".join(out)


def may_differ(cell: Any) -> bool:
    """Whether a code cell's printed text may differ from the stored run's: the cells nbval does not
    compare (tag ``nbval-ignore-output`` or the ``# NBVAL_IGNORE_OUTPUT`` marker: trainings inside the
    notebook, the machine's description) and the hidden checks under ``%%claims`` (their notes)."""
    return ("nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
            or cell.source.startswith(("# NBVAL_IGNORE_OUTPUT", "%%claims")))


def summarize(stored: Any, executed: Any) -> dict[str, Any]:
    """Compare an executed notebook with its stored version, cell by cell (``cell`` counts every cell
    from 1, as JupyterLab shows them): the cells that raised, the claim notes, how many code cells
    printed other text, and which of those are ``unexpected`` (every other cell prints the same text on
    every machine under CI; one that does not here depends on something else in this environment)."""
    errors, notes, unexpected, changed, code = [], [], [], 0, 0
    for number, (old, new) in enumerate(zip(stored.cells, executed.cells), start=1):
        if new.cell_type != "code":
            continue
        code += 1
        for o in new.get("outputs", []):
            if o.get("output_type") == "error":
                message = str(o.get("evalue") or "").strip()
                errors.append({"cell": number, "error": o.get("ename", ""), "message": message.splitlines()[0][:300] if message else ""})
            elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                # IPython reports a usage error (such as a cell magic an older installed library does not
                # define) on stderr only, yet the cell failed: "Run All" stops there
                errors += [{"cell": number, "error": "UsageError", "message": line[len("UsageError: "):][:300]}
                           for line in o.get("text", "").splitlines() if line.startswith("UsageError: ")]
        text = cell_text(new)
        for line in text.splitlines():
            if line.startswith(CLAIMS_NOTE_START):  # either claims note (aesthetics_lib.notebook)
                notes.append({"cell": number, "claims": line.partition(CLAIMS_NOTE_LIST)[2].rstrip(".")})
        if text != cell_text(old):
            changed += 1
            if not may_differ(old):
                unexpected.append({"cell": number, "source": old.source.splitlines()[0][:100] if old.source else ""})
    return {"errors": errors, "claim_notes": notes, "unexpected": unexpected, "cells_changed": changed, "code_cells": code}


def run_notebook(path: Path, out: Path, env: Mapping[str, str], timeout: int = 1800) -> dict[str, Any]:
    """Execute the stored notebook ``path`` in ``env`` (working folder: the notebooks' folder), going on
    past errors; write it to ``out/notebooks/``; return its summary with the seconds it took and, when
    the notebook could not run to its end (a kernel that died, a cell that timed out), ``stopped``."""
    stored = nbformat.read(path, as_version=4)
    executed = copy.deepcopy(stored)
    for cell in executed.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start, stopped = time.perf_counter(), None
    client = NotebookClient(executed, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=dict(env))
    except Exception as exc:  # the kernel died or a cell timed out: report it, go on with the next notebook
        stopped = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ''}"
    took = time.perf_counter() - start
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(executed, out / "notebooks" / path.name)
    return {"notebook": path.name, "seconds": round(took, 1), "stopped": stopped, **summarize(stored, executed)}


def notebooks(prefixes: list[str]) -> list[Path]:
    """The stored student notebooks (the course's, then the demo) whose name starts with one of
    ``prefixes`` (all when empty)."""
    found = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb")) + sorted(p for p in NB_DIR.glob("*.ipynb") if not p.name[:2].isdigit())
    return [p for p in found if not prefixes or any(p.stem.startswith(x) for x in prefixes)]


def report_lines(results: list[dict[str, Any]]) -> list[str]:
    """The printed report: a line per notebook, then its errors, unexpected changes and claim notes."""
    lines = []
    for r in results:
        status = ("STOPPED: " + r["stopped"]) if r["stopped"] else (
            f"{len(r['errors'])} cell(s) raised" if r["errors"] else "ran through")
        lines.append(f"{r['notebook']}: {status} · {r['seconds']:.0f} s · claim notes {len(r['claim_notes'])}"
                     f" · code cells with other text {r['cells_changed']} of {r['code_cells']},"
                     f" {len(r['unexpected'])} of them unexpected")
        lines += [f"    cell {e['cell']}: {e['error']}: {e['message']}" for e in r["errors"]]
        lines += [f"    cell {u['cell']}, other text than the stored run: {u['source']}" for u in r["unexpected"]]
        lines += [f"    cell {n['cell']}, not as quoted: {n['claims']}" for n in r["claim_notes"]]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "student_run",
                        help="where the executed notebooks, the figures, the cache and report.json go")
    parser.add_argument("--cache", type=Path, default=None,
                        help="a cache to use instead of a fresh OUT/cache (its studios are reused)")
    parser.add_argument("--installed", action="store_true",
                        help="import the library installed in this Python, not this checkout's (a lab machine)")
    parser.add_argument("--data", default=None, metavar="SPEC",
                        help="run the notebooks on this data set (AESTHETICS_DATA, e.g. cadb:/data/CADB_Dataset) "
                             "instead of the studio; printed text is then not compared, only errors count")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a cell may run")
    parser.add_argument("prefixes", nargs="*", help="run only the notebooks whose name starts with one of these")
    args = parser.parse_args(argv)
    found = notebooks(args.prefixes)
    if not found:
        print(f"no student notebook matches {args.prefixes} in {NB_DIR}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    if (out / "report.json").exists():
        print(f"{out} holds an earlier run (report.json): choose another --out or remove it", file=sys.stderr)
        return 2
    env = student_env(os.environ, (args.cache or out / "cache").resolve(), out / "figures", args.installed, args.data)
    print(f"{len(found)} notebooks as a student runs them" + (f", on {args.data}" if args.data else "")
          + f"; output in {out}", flush=True)
    results = []
    for path in found:
        results.append(run_notebook(path, out, env, args.timeout))
        if args.data:  # the stored text is the studio's: nothing to compare on other data
            results[-1]["unexpected"] = []
        print(report_lines(results[-1:])[0], flush=True)
    (out / "report.json").write_text(json.dumps(results, indent=1) + "\n")
    print("\n" + "\n".join(report_lines(results)))
    bad = [r["notebook"] for r in results if r["errors"] or r["stopped"] or r["unexpected"]]
    print(f"\n{len(results) - len(bad)} of {len(results)} notebooks ran through without an error or an unexpected change"
          + (f"; not: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
