"""Grade a folder of submissions and write a table of scores.

Usage::

    python -m assignments.grade SUBMISSIONS [SUBMISSIONS ...] [--out grades] [--budget full|ci]
                                [--only a1_feature,a2_nima] [--jobs N] [--time-scale X]
    python -m assignments.grade --self-check [--budget ci]

``SUBMISSIONS`` is a folder with one folder per student, each holding ``a1_feature.py``,
``a2_nima.py`` and/or ``a3_ablation.py`` (the student's ``submission.py`` of each assignment); a
folder that itself holds such files is graded as one student. Every (student, assignment) runs in its
own child process (:mod:`assignments.runner`): the file is imported under a time limit, the public and
hidden tests run with a time limit each, and the whole run with a limit of its own, so a submission
that crashes, hangs or loops gets a clear failure row instead of stopping the grader.

Written to ``--out``: ``results.csv`` (one row per student, assignment and test: points, status,
message, seconds), ``scores.csv`` (one row per student and assignment), ``summary.md`` (the table
printed at the end) and ``logs/<student>/<assignment>.log`` (everything the tests printed, with full
tracebacks). ``--self-check`` grades the reference solutions and the untouched starters in a
temporary folder and exits 1 unless the solutions get full marks and the starters zero.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from assignments import ASSIGNMENTS, ROOT, Assignment
from assignments.loader import declared_kind
from assignments.runner import Job, collect_child, exit_child, read_events, redirect_output, run_child

#: The file that marks a folder as the grader's output (only such a folder is written into again).
MARKER = ".assignments-grades"
STATUSES = ("passed", "failed", "timed out", "not run")


@dataclass
class Row:
    """One test of one student's assignment."""

    student: str
    assignment: str
    kind: str
    test: str
    points: float
    max_points: float
    status: str
    message: str
    seconds: float


# --------------------------------------------------------------------------------------------
# finding the submissions
# --------------------------------------------------------------------------------------------
def _has_files(folder: Path, names: Sequence[str]) -> bool:
    return any((folder / ASSIGNMENTS[n].file_name).is_file() for n in names)


def find_students(roots: Sequence[Path], names: Sequence[str]) -> list[tuple[str, Path]]:
    """``(student, folder)`` pairs: each root holding submission files is one student, otherwise each
    of its sub-folders is (hidden folders and ``__pycache__`` skipped). Raises ``ValueError`` for a
    root that is not a folder and for two students of the same name."""
    students: list[tuple[str, Path]] = []
    for root in roots:
        root = Path(root).expanduser()
        if not root.is_dir():
            raise ValueError(f"{root}: expected a folder of submissions, found {'a file' if root.exists() else 'nothing'}")
        if _has_files(root, names):
            students.append((root.resolve().name, root))
            continue
        for sub in sorted(root.iterdir()):
            if sub.is_dir() and not sub.name.startswith((".", "__")):
                students.append((sub.name, sub))
    seen: dict[str, Path] = {}
    for name, folder in students:
        if name in seen:
            raise ValueError(f"two students named {name!r}: {seen[name]} and {folder}")
        seen[name] = folder
    return students


# --------------------------------------------------------------------------------------------
# child processes
# --------------------------------------------------------------------------------------------
def _context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _preload(names: Sequence[str]) -> None:
    """Import what every child needs once, in the parent, so forked children start at once (imports
    only: nothing here starts a thread pool)."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401
    import torch  # noqa: F401

    import aesthetics_lib.compare  # noqa: F401
    import aesthetics_lib.features  # noqa: F401
    import aesthetics_lib.losses  # noqa: F401
    import aesthetics_lib.metrics  # noqa: F401
    import assignments.data  # noqa: F401

    for name in names:
        __import__(f"assignments.{name}.harness")
    if "a3_ablation" in names:
        import aesthetics_lib.models  # noqa: F401  (timm)
        import aesthetics_lib.training.checkpoint  # noqa: F401


def _kill(process: Any) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (AttributeError, ProcessLookupError, PermissionError):
        process.kill()
    process.join(10)


def _prepare_set(which: str, budget: str, kinds: Sequence[str]) -> None:
    from assignments.data import course_features

    course_features(which, budget, workers=1)
    if kinds:
        from assignments.a3_ablation.harness import stored_maps

        for kind in kinds:
            stored_maps(kind, which, budget)


def _prepare_child(budget: str, workers: int, kinds: Sequence[str], log: Path) -> None:
    """Render both studio sets, cache their features and A3's maps for ``kinds``; one set per
    process when ``workers`` > 1. Never returns (``os._exit``)."""

    def body() -> None:
        redirect_output(log)
        from assignments.data import SETS

        if workers > 1:
            with _context().Pool(min(workers, len(SETS))) as pool:
                pool.starmap(_prepare_set, [(which, budget, kinds) for which in SETS])
        else:
            for which in SETS:
                _prepare_set(which, budget, kinds)

    exit_child(body, 1)


def start_preparing(budget: str, workers: int, kinds: Sequence[str], work: Path) -> tuple[Any, Path]:
    """Start the child that renders the studio photos and caches their features and A3's maps for
    ``kinds``, before any student runs (so that no run's limit pays for them)."""
    log = work / "prepare.log"
    process = _context().Process(target=_prepare_child, args=(budget, workers, kinds, log))
    process.start()
    return process, log


def finish_preparing(process: Any, log: Path) -> None:
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"preparing the data failed (exit code {process.exitcode}):\n{log.read_text()[-3000:]}")


def listed_tests(job_list: Sequence[Job], names: Sequence[str], work: Path) -> dict[str, list[dict]]:
    """Each assignment's tests, as the first run that reached pytest listed them (its ``collected``
    event); assignments no run listed (every file missing or failing to import) are listed by
    :func:`collect_tests`."""
    out: dict[str, list[dict]] = {}
    for job in job_list:
        if job.assignment.name not in out:
            found = [e["tests"] for e in read_events(job.results) if e.get("event") == "collected"]
            if found:
                out[job.assignment.name] = found[0]
    rest = [n for n in names if n not in out]
    return {**out, **(collect_tests(rest, work) if rest else {})}


def collect_tests(names: Sequence[str], work: Path) -> dict[str, list[dict]]:
    """Each assignment's tests (id, name, kind, points, limit), listed by pytest in children."""
    ctx = _context()
    listing = {}
    for name in names:
        results, log = work / f"collect-{name}.jsonl", work / f"collect-{name}.log"
        p = ctx.Process(target=collect_child, args=(ASSIGNMENTS[name], results, log))
        p.start()
        listing[name] = (p, results, log)
    out = {}
    for name, (p, results, log) in listing.items():
        p.join(300)
        if p.is_alive():
            _kill(p)
        tests = [e["tests"] for e in read_events(results) if e.get("event") == "collected"]
        if p.exitcode != 0 or not tests:
            raise RuntimeError(f"listing the tests of {name} failed (exit code {p.exitcode}):\n{log.read_text()[-3000:]}")
        out[name] = tests[0]
    return out


@dataclass
class RunInfo:
    exitcode: int | None
    killed_after: float | None
    seconds: float


def run_jobs(jobs: Sequence[Job], parallel: int, run_limit: dict[str, float]) -> dict[int, RunInfo]:
    """Run the jobs, ``parallel`` at a time; each child is killed (with its process group) at the
    run limit of its assignment. Returns what happened to each, by position."""
    ctx = _context()
    pending = list(enumerate(jobs))
    running: dict[int, tuple[Any, float, float]] = {}
    done: dict[int, RunInfo] = {}
    while pending or running:
        while pending and len(running) < max(1, parallel):
            i, job = pending.pop(0)
            job.results.unlink(missing_ok=True)
            p = ctx.Process(target=run_child, args=(job,))
            p.start()
            running[i] = (p, time.monotonic(), run_limit[job.assignment.name])
        time.sleep(0.05)
        for i, (p, started, limit) in list(running.items()):
            elapsed = time.monotonic() - started
            if p.is_alive() and elapsed > limit:
                _kill(p)
                done[i] = RunInfo(p.exitcode, limit, elapsed)
            elif not p.is_alive():
                p.join()
                done[i] = RunInfo(p.exitcode, None, elapsed)
            else:
                continue
            del running[i]
    return done


# --------------------------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------------------------
def rows_for(student: str, a: Assignment, tests: list[dict], events: list[dict], info: RunInfo | None,
             missing: str | None = None) -> list[Row]:
    """The rows of one student's assignment from the child's events and how the child ended."""
    rows = []
    load_error = next((e["message"] for e in events if e.get("event") == "load_error"), None)
    results = {e["id"]: e for e in events if e.get("event") == "result"}
    started = [e["id"] for e in events if e.get("event") == "start"]
    unfinished = started[-1] if started and started[-1] not in results else None
    timed_out = any(r["message"].startswith("timed out after") for r in results.values())
    for t in tests:
        status, message, seconds = "failed", "", 0.0
        if missing is not None:
            message = missing
        elif load_error is not None:
            message = load_error
        elif t["id"] in results:
            r = results[t["id"]]
            seconds = r["seconds"]
            if r["outcome"] == "passed":
                status = "passed"
            else:
                message = r["message"]
                status = "timed out" if message.startswith("timed out after") else "failed"
        elif t["id"] == unfinished and info is not None and info.killed_after is not None:
            status, message = "timed out", f"timed out after {info.killed_after:g} s (the limit of the whole run)"
        elif t["id"] == unfinished:
            code = info.exitcode if info is not None else None
            message = f"the grading process crashed (exit code {code}) during this test"
        else:
            status = "not run"
            if timed_out:
                message = "not run: an earlier test timed out"
            elif info is not None and info.killed_after is not None:
                message = f"not run: the run was stopped at its limit of {info.killed_after:g} s"
            elif unfinished is not None:
                message = "not run: the grading process crashed during an earlier test"
            else:
                message = f"not run: the grading process ended early (exit code {info.exitcode if info else None}); see its log"
        rows.append(Row(student, a.name, t["kind"], t["name"], t["points"] if status == "passed" else 0.0,
                        t["points"], status, message, seconds))
    return rows


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def _out_dir(path: Path) -> Path:
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path}: a file of that name exists; choose a folder")
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).exists():
        raise ValueError(f"--out {path}: the folder holds files the grader did not write; choose a new or empty folder")
    path.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(path / "logs", ignore_errors=True)  # the previous run's (the folder is the grader's)
    (path / MARKER).write_text("written by python -m assignments.grade; its files are replaced on the next run\n")
    return path


def score_table(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """One dict per student and assignment: public, hidden and total points with their maxima, and a
    one-line status."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        d = out.setdefault((r.student, r.assignment), {"student": r.student, "assignment": r.assignment, "public": 0.0,
                                                       "public_max": 0.0, "hidden": 0.0, "hidden_max": 0.0, "failed": [],
                                                       "seconds": 0.0})
        d[r.kind] += r.points
        d[f"{r.kind}_max"] += r.max_points
        d["seconds"] += r.seconds
        if r.status != "passed":
            d["failed"].append(r)
    table = []
    for d in out.values():
        failed = d.pop("failed")
        d["score"], d["max"] = d["public"] + d["hidden"], d["public_max"] + d["hidden_max"]
        n_tests = sum(1 for r in rows if (r.student, r.assignment) == (d["student"], d["assignment"]))
        d["status"] = ("all tests passed" if not failed else
                       f"{len(failed)} of {n_tests} tests not passed; first: {failed[0].test}: {failed[0].message}")
        table.append(d)
    return table


def _fmt(x: float) -> str:
    return f"{x:g}"


def summary_markdown(rows: Sequence[Row], names: Sequence[str]) -> str:
    """The scores as a markdown table (students x assignments) and the first failure of each."""
    table = score_table(rows)
    by = {(d["student"], d["assignment"]): d for d in table}
    students = list(dict.fromkeys(r.student for r in rows))
    maxima = {n: next((d["max"] for d in table if d["assignment"] == n), 0.0) for n in names}
    head = ["student", *[f"{n} (/{_fmt(maxima[n])})" for n in names], f"total (/{_fmt(sum(maxima.values()))})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in students:
        cells = [s] + [_fmt(by[s, n]["score"]) if (s, n) in by else "" for n in names]
        cells.append(_fmt(sum(by[s, n]["score"] for n in names if (s, n) in by)))
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {d['student']} / {d['assignment']}: {d['status']}" for d in table if d["status"] != "all tests passed"]
    if notes:
        lines += ["", "Not passed:", *notes]
    return "\n".join(lines) + "\n"


def write_outputs(rows: Sequence[Row], names: Sequence[str], out: Path) -> str:
    fields = list(Row.__dataclass_fields__)
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(asdict(r) for r in rows)
    table = score_table(rows)
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["student", "assignment", "public", "public_max", "hidden", "hidden_max",
                                          "score", "max", "seconds", "status"])
        w.writeheader()
        for d in table:
            w.writerow({**d, "seconds": round(d["seconds"], 2)})
    text = summary_markdown(rows, names)
    (out / "summary.md").write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------
def plan_jobs(students: Sequence[tuple[str, Path]], names: Sequence[str], out: Path, work: Path, budget: str,
              scale: float, jobs: int) -> tuple[list[Job], dict[int, str]]:
    """One :class:`Job` per student and assignment, and the reason for each job whose file is
    missing (by position)."""
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else 0
    job_list: list[Job] = []
    missing: dict[int, str] = {}
    for student, folder in students:
        for n in names:
            a = ASSIGNMENTS[n]
            path = folder / a.file_name
            if not path.is_file():
                missing[len(job_list)] = f"no file {a.file_name} in {folder}"
            log = out / "logs" / student / f"{n}.log"
            job_list.append(Job(student, a, path, work / f"{len(job_list)}.jsonl", log, budget, scale, threads))
    return job_list, missing


def grade(roots: Sequence[Path], out: Path, budget: str = "full", names: Sequence[str] | None = None, jobs: int = 1,
          scale: float = 1.0, quiet: bool = False) -> list[Row]:
    """Grade every student under ``roots`` on ``names`` (default all three); write the outputs to
    ``out`` and return the rows."""
    names = list(names or ASSIGNMENTS)
    students = find_students(roots, names)
    if not students:
        raise ValueError(f"no submissions found in {', '.join(map(str, roots))}")
    out = _out_dir(out)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="grading-"))
    try:
        kinds = sorted({k for _, folder in students if "a3_ablation" in names
                        for k in [declared_kind(folder / ASSIGNMENTS["a3_ablation"].file_name)] if k})
        if not quiet:
            print(f"grading {len(students)} submission folders on {', '.join(names)} (budget {budget})", flush=True)
        _preload(names)
        finish_preparing(*start_preparing(budget, jobs, kinds, work))
        if not quiet:
            print(f"photos, features and maps ready after {time.monotonic() - started:.1f} s", flush=True)
        job_list, missing = plan_jobs(students, names, out, work, budget, scale, jobs)
        # the longest assignments first, so that parallel slots end together
        order = {n: k for k, n in enumerate(sorted(names, key=lambda n: -ASSIGNMENTS[n].run_limit_s))}
        to_run = sorted((i for i in range(len(job_list)) if i not in missing), key=lambda i: order[job_list[i].assignment.name])
        limits = {n: ASSIGNMENTS[n].run_limit_s * scale for n in names}
        ran = run_jobs([job_list[i] for i in to_run], jobs, limits)
        if not quiet:
            print(f"{len(to_run)} runs done after {time.monotonic() - started:.1f} s", flush=True)
        info = {to_run[pos]: r for pos, r in ran.items()}
        tests = listed_tests(job_list, names, work)
        rows: list[Row] = []
        for i, job in enumerate(job_list):
            events = [] if i in missing else read_events(job.results)
            rows += rows_for(job.student, job.assignment, tests[job.assignment.name], events, info.get(i), missing.get(i))
        text = write_outputs(rows, names, out)
        if not quiet:
            print(text)
            print(f"wrote {out / 'results.csv'}, {out / 'scores.csv'}, {out / 'summary.md'} and logs/ "
                  f"({time.monotonic() - started:.0f} s)")
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def self_check(out: Path, budget: str, jobs: int, scale: float) -> int:
    """Grade the reference solutions (``reference``; ``reference-pattern`` for A3's second kind) and
    the untouched starters (``starter``); 0 when every solution test passes and every starter test
    fails, else 1."""
    with tempfile.TemporaryDirectory(prefix="self-check-") as tmp:
        root = Path(tmp)
        for folder in ("reference", "reference-pattern", "starter"):
            (root / folder).mkdir()
        for a in ASSIGNMENTS.values():
            shutil.copy(a.solution, root / "reference" / a.file_name)
            shutil.copy(a.starter, root / "starter" / a.file_name)
        shutil.copy(ROOT / "solutions" / "pattern" / "a3_ablation.py", root / "reference-pattern" / "a3_ablation.py")
        rows = grade([root], out, budget, jobs=jobs, scale=scale)
    wrong = [r for r in rows if r.student.startswith("reference") and not r.message.startswith("no file") and r.status != "passed"]
    wrong += [r for r in rows if r.student == "starter" and r.status == "passed"]
    for r in wrong:
        print(f"SELF-CHECK: {r.student} / {r.assignment} / {r.test}: {r.status} {r.message}")
    print("self-check:", "the reference solutions get full marks and the starters zero" if not wrong else f"{len(wrong)} unexpected results")
    return 1 if wrong else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assignments.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="*", type=Path, help="folders of submissions (one folder per student)")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="where the tables and logs go (default: grades)")
    parser.add_argument("--budget", default="full", choices=["full", "ci"], help="data sizes (default: full)")
    parser.add_argument("--only", default=None, help=f"comma-separated assignments (default: all of {', '.join(ASSIGNMENTS)})")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every time limit (a slow machine: 2)")
    parser.add_argument("--self-check", action="store_true", help="grade the reference solutions and the starters")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(ASSIGNMENTS)
    unknown = [n for n in names if n not in ASSIGNMENTS]
    try:
        if unknown:
            raise ValueError(f"--only: unknown assignments {unknown}; expected names from {list(ASSIGNMENTS)}")
        if args.jobs < 1 or args.time_scale <= 0:
            raise ValueError("--jobs must be at least 1 and --time-scale positive")
        if args.self_check:
            return self_check(args.out, args.budget, args.jobs, args.time_scale)
        if not args.submissions:
            raise ValueError("give at least one folder of submissions (or --self-check)")
        grade(args.submissions, args.out, args.budget, names, args.jobs, args.time_scale)
        return 0
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
