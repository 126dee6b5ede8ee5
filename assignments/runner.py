"""Running the tests of one student's assignment in a child process, under time limits.

The grader (:mod:`assignments.grade`) forks one child per (student, assignment). The child imports
the submission under a time limit, then runs the public and hidden tests with pytest in-process; the
:class:`Recorder` plugin gives every test its own time limit (``SIGALRM``, raising :class:`TestTimeout`)
and appends one JSON line per event to a results file as it goes, so whatever the child finished
survives a crash or a kill. The parent kills the child's whole process group at the run's limit.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

import pytest

from assignments import ROOT, Assignment

#: The checkout root (pytest's rootdir for the assignments' tests).
REPO = ROOT.parent


class TestTimeout(BaseException):
    """A test ran past its limit. A ``BaseException``, so ``except Exception`` in a submission does
    not swallow it."""

    __test__ = False  # not a test class, whatever pytest collects

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TestTimeout` in the main thread when the block runs longer than ``seconds``
    (no limit for None or where ``SIGALRM`` does not exist)."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise TestTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _message(excinfo: pytest.ExceptionInfo | None) -> str:
    """One line that says why a test failed."""
    if excinfo is None:
        return "failed"
    if isinstance(excinfo.value, TestTimeout):
        return str(excinfo.value)
    text = excinfo.exconly().strip()
    for prefix in ("AssertionError: ", "Failed: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    first = text.splitlines()[0] if text else type(excinfo.value).__name__
    return first if len(first) <= 400 else first[:397] + "..."


class Recorder:
    """pytest plugin: per-test time limits and one JSON line per event in ``path``.

    Events: ``collected`` (every test: id, name, kind public/hidden, points, limit), ``start``,
    ``result`` (outcome passed/failed, message, seconds). After a test times out the run stops: the
    remaining tests would most likely run into the same loop."""

    def __init__(self, path: Path, default_limit: float, scale: float = 1.0) -> None:
        self.path = Path(path)
        self.default_limit = default_limit
        self.scale = scale
        self.failures: dict[str, str] = {}

    def write(self, **event: Any) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")

    def limit(self, item: pytest.Item) -> float:
        marker = item.get_closest_marker("limit")
        return float(marker.args[0] if marker else self.default_limit) * self.scale

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> None:
        tests = []
        for item in items:
            points = item.get_closest_marker("points")
            kind = "hidden" if Path(str(item.fspath)).parent.name == "hidden" else "public"
            tests.append({"id": item.nodeid, "name": item.name, "kind": kind,
                          "points": float(points.args[0]) if points else 1.0, "limit": self.limit(item)})
        self.write(event="collected", tests=tests)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        self.write(event="start", id=item.nodeid)
        start = time.perf_counter()
        try:
            with time_limit(self.limit(item)):
                return (yield)
        except TestTimeout as exc:  # fired between pytest's own steps, outside a test phase
            self.failures.setdefault(item.nodeid, str(exc))
            return True
        finally:
            message = self.failures.get(item.nodeid)
            self.write(event="result", id=item.nodeid, outcome="failed" if message else "passed",
                       message=message or "", seconds=round(time.perf_counter() - start, 3))
            if (message or "").startswith("timed out after"):
                item.session.shouldstop = "a test timed out"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if report.failed and item.nodeid not in self.failures:
            self.failures[item.nodeid] = _message(call.excinfo)


@dataclass(frozen=True)
class Job:
    """One student's assignment to grade: the submission ``path`` and where the child writes its
    events (``results``) and everything printed (``log``)."""

    student: str
    assignment: Assignment
    path: Path
    results: Path
    log: Path
    budget: str
    scale: float = 1.0
    threads: int = 0


def pytest_args(assignment: Assignment, extra: list[str]) -> list[str]:
    """The pytest command line of an assignment's public and hidden tests (third-party plugins are
    not loaded: ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` is set in the children; nbval alone takes seconds
    to import)."""
    return [str(assignment.public_tests), str(assignment.hidden_tests), "-q", "-rP", "--no-header", "-p", "no:cacheprovider",
            "--rootdir", str(REPO), "-o", "addopts=", "-W", "ignore::DeprecationWarning",
            "-p", "no:unraisableexception", "-p", "no:threadexception", *extra]


def _isolate_pytest() -> None:
    """The children's pytest: no third-party plugins, and no options from an outer pytest's
    environment (the project's own test suite runs the grader)."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
        os.environ.pop(name, None)


def redirect_output(log: Path) -> None:
    """Send this process's stdout and stderr (file descriptors 1 and 2) to ``log``, truncated."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def exit_child(body: Callable[[], int | None], failure_code: int) -> NoReturn:
    """Run a child process's ``body`` and leave with ``os._exit``: its return value (None = 0), or
    ``failure_code`` after printing the traceback when it raises (the grader's own failure, left in
    the log), with stdout and stderr flushed first."""
    code = failure_code
    try:
        code = body() or 0
    except BaseException:
        import traceback

        traceback.print_exc()
        code = failure_code
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_child(job: Job) -> None:
    """The child: import the submission under a limit, run the tests, record everything; never
    returns (``os._exit``)."""
    from assignments.loader import SubmissionError, load_submission

    def body() -> None:
        if hasattr(os, "setsid"):
            os.setsid()  # its own process group: the parent kills the group, with anything it started
        redirect_output(job.log)
        os.environ["ASSIGNMENT_BUDGET"] = job.budget
        _isolate_pytest()
        if job.threads:
            import torch

            torch.set_num_threads(job.threads)
        recorder = Recorder(job.results, job.assignment.test_limit_s, job.scale)
        try:
            with time_limit(30 * job.scale):
                load_submission(job.path, job.assignment.name)
        except TestTimeout as exc:
            recorder.write(event="load_error", message=f"importing {job.path.name} {exc}")
            return
        except SubmissionError as exc:
            recorder.write(event="load_error", message=str(exc))
            return
        except BaseException as exc:  # SystemExit and the like, raised by the file's top level
            recorder.write(event="load_error", message=f"could not import {job.path.name}: {type(exc).__name__}: {exc}")
            return
        pytest.main(pytest_args(job.assignment, ["--submission", str(job.path), "--budget", job.budget]), plugins=[recorder])
        recorder.write(event="end")

    exit_child(body, 3)


def collect_child(assignment: Assignment, results: Path, log: Path) -> None:
    """A child that only lists an assignment's tests (the ``collected`` event); never returns."""

    def body() -> int:
        redirect_output(log)
        _isolate_pytest()
        recorder = Recorder(results, assignment.test_limit_s)
        rc = pytest.main(pytest_args(assignment, ["--collect-only"]), plugins=[recorder])
        return 0 if int(rc) == 0 else 4

    exit_child(body, 3)


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events a child wrote (a half-written last line, from a kill, is skipped)."""
    if not path.is_file():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
