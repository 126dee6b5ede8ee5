"""The course's three autograded assignments, built on :mod:`aesthetics_lib`.

Each assignment lives in its own folder: ``submission.py`` (the file a student fills in; shipped as a
starter whose functions raise ``NotImplementedError``), ``starter.ipynb`` (the notebook that explains
the task and calls those functions, paired with ``starter.py`` by jupytext), ``test_public.py`` (tests
the student can run) and ``harness.py`` (the data and training code the assignment provides). Hidden
tests live in ``assignments/hidden/`` and reference solutions in ``assignments/solutions/``.

``python -m assignments.grade SUBMISSIONS`` grades a folder of submissions (one folder per student,
holding ``a1_feature.py``, ``a2_nima.py`` and ``a3_ablation.py``); see assignments/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The folder of this package.
ROOT = Path(__file__).resolve().parent
#: The two kinds of idea assignment 3 accepts (its submission's ``KIND``).
A3_KINDS: tuple[str, ...] = ("fusion", "pattern")


@dataclass(frozen=True)
class Assignment:
    """One assignment: its name (``a1_feature``: also the file name a submission folder holds,
    ``a1_feature.py``), title, and the limits of a grading run.

    ``test_limit_s`` is the default time limit of one test (a test marked ``limit(s)`` uses its own);
    ``run_limit_s`` the limit of the whole run of one student's assignment."""

    name: str
    title: str
    test_limit_s: float
    run_limit_s: float

    @property
    def folder(self) -> Path:
        return ROOT / self.name

    @property
    def file_name(self) -> str:
        """The file a student's folder holds for this assignment."""
        return f"{self.name}.py"

    @property
    def starter(self) -> Path:
        """The file the student edits (shipped as the starter)."""
        return self.folder / "submission.py"

    @property
    def solution(self) -> Path:
        return ROOT / "solutions" / self.file_name

    @property
    def public_tests(self) -> Path:
        return self.folder / "test_public.py"

    @property
    def hidden_tests(self) -> Path:
        return ROOT / "hidden" / f"test_{self.name}.py"


ASSIGNMENTS: dict[str, Assignment] = {
    a.name: a
    for a in (
        Assignment("a1_feature", "A1 · a hand-crafted feature, with a bootstrap interval", 60.0, 300.0),
        Assignment("a2_nima", "A2 · the EMD loss by hand and a NIMA head that beats the naive baseline", 120.0, 600.0),
        Assignment("a3_ablation", "A3 · a saliency fusion or pooling pattern, measured in an ablation", 300.0, 1200.0),
    )
}
