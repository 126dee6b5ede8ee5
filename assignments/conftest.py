"""pytest set-up of the assignments' tests (public and hidden).

Run the public tests of your own work with ``python -m pytest assignments/a1_feature`` (the
assignment's ``submission.py``), or of any file or student folder with ``--submission PATH``.
``--budget ci`` uses the smaller data of the project's own checks. Markers: ``points(n)`` (what a test
is worth, 1 when unmarked) and ``limit(seconds)`` (its time limit when the grader runs it).
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from assignments.data import Budget, get_budget
from assignments.loader import load_submission, resolve_submission


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assignments")
    group.addoption("--submission", default=None,
                    help="a submission file, or a student's folder holding a1_feature.py ... "
                         "(default: each assignment's submission.py)")
    group.addoption("--budget", default=None, help="data sizes: full (default) or ci")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): what the test is worth in the grade (default 1)")
    config.addinivalue_line("markers", "limit(seconds): the test's time limit under the grader")
    if config.getoption("--budget", default=None):
        os.environ["ASSIGNMENT_BUDGET"] = config.getoption("--budget")
        get_budget()  # an unknown name fails here, once


@pytest.fixture(scope="session")
def budget() -> Budget:
    """The data sizes of this run."""
    return get_budget()


@pytest.fixture(scope="module")
def submission(request: pytest.FixtureRequest) -> ModuleType:
    """The student's module of the assignment the test file names (``ASSIGNMENT = "a1_feature"``)."""
    name = request.module.ASSIGNMENT
    return load_submission(resolve_submission(name, request.config.getoption("--submission")), name)
