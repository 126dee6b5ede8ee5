"""The assignments' grader (``python -m assignments.grade``) on five submission folders: the reference
solutions (and A3's second reference, of the other kind) get full marks, the untouched starters zero,
a submission that crashes (at import, and inside a test) and one that loops get clear failure rows,
the loop within its test's 5-second limit.

The grader runs once, in a subprocess, on the small ``ci`` budget of assignments/data.py with a fresh
cache in a temporary folder (about 23 s on two cores, most of it rendering the photos and the
reference runs). The full budget, what a course grades with, is checked by
``python -m assignments.grade --self-check`` (minutes; assignments/README.md).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assignments import ASSIGNMENTS
from assignments.grade import _out_dir, find_students
from assignments.loader import SubmissionError, load_submission

REPO = Path(__file__).resolve().parents[1]
NAMES = list(ASSIGNMENTS)


def _write_submissions(root: Path) -> None:
    """reference, reference-pattern (A3 only), starter, crash and loop folders, as students hand them in."""
    for student in ("reference", "reference-pattern", "starter", "crash", "loop"):
        (root / student).mkdir()
    for a in ASSIGNMENTS.values():
        shutil.copy(a.solution, root / "reference" / a.file_name)
        shutil.copy(a.starter, root / "starter" / a.file_name)
    shutil.copy(REPO / "assignments" / "solutions" / "pattern" / "a3_ablation.py", root / "reference-pattern")
    (root / "crash" / "a1_feature.py").write_text('raise RuntimeError("boom at import")\n')
    a2 = ASSIGNMENTS["a2_nima"].starter.read_text()
    stop = 'raise NotImplementedError("emd_loss: write the EMD here")'
    assert stop in a2
    (root / "crash" / "a2_nima.py").write_text(a2.replace(stop, "import os; os._exit(3)"))
    a1 = ASSIGNMENTS["a1_feature"].starter.read_text()
    stop = 'raise NotImplementedError("feature: write your feature here")'
    assert stop in a1
    (root / "loop" / "a1_feature.py").write_text(a1.replace(stop, "while True:\n        pass"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("grading")
    root, out = base / "submissions", base / "grades"
    root.mkdir()
    _write_submissions(root)
    env = {**os.environ, "ASSIGNMENT_CACHE": str(base / "cache"), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.pop("ASSIGNMENT_SUBMISSION_DIR", None)
    env.pop("ASSIGNMENT_HELDOUT_SEED", None)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "assignments.grade", str(root), "--out", str(out), "--budget", "ci",
                           "--jobs", "2"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, f"the grader failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    with open(out / "results.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"rows": rows, "out": out, "stdout": proc.stdout, "seconds": seconds}


def rows_of(graded: dict, student: str, assignment: str) -> list[dict]:
    rows = [r for r in graded["rows"] if r["student"] == student and r["assignment"] == assignment]
    assert rows, f"no rows for {student} / {assignment}"
    return rows


def test_reference_solutions_get_full_marks(graded):
    for student, name in [("reference", n) for n in NAMES] + [("reference-pattern", "a3_ablation")]:
        rows = rows_of(graded, student, name)
        failed = [(r["test"], r["message"]) for r in rows if r["status"] != "passed"]
        assert not failed, f"{student} {name}: {failed}"
        assert len(rows) >= 10 and all(float(r["points"]) == float(r["max_points"]) > 0 for r in rows)
        assert {r["kind"] for r in rows} == {"public", "hidden"}


def test_untouched_starters_get_zero(graded):
    for name in NAMES:
        rows = rows_of(graded, "starter", name)
        passed = [r["test"] for r in rows if r["status"] == "passed"]
        assert not passed, f"the untouched starter of {name} passes {passed}"
        assert sum(float(r["points"]) for r in rows) == 0
        assert all(r["message"] for r in rows), "every failure row says why"


def test_crash_at_import_is_a_clear_failure(graded):
    for r in rows_of(graded, "crash", "a1_feature"):
        assert r["status"] == "failed"
        assert r["message"] == "could not import a1_feature.py: RuntimeError: boom at import (line 1)"


def test_crash_inside_a_test_is_a_clear_failure(graded):
    rows = rows_of(graded, "crash", "a2_nima")
    assert rows[0]["message"] == "the grading process crashed (exit code 3) during this test"
    assert all(r["message"] == "not run: the grading process crashed during an earlier test" for r in rows[1:])


def test_loop_times_out_within_the_limit(graded):
    rows = rows_of(graded, "loop", "a1_feature")
    assert rows[0]["status"] == "timed out" and rows[0]["message"] == "timed out after 5 s"
    # stopped by the test's own limit, long before the limit of the whole run
    assert 5 <= float(rows[0]["seconds"]) < ASSIGNMENTS["a1_feature"].run_limit_s / 2
    assert all(r["status"] == "not run" and r["message"] == "not run: an earlier test timed out" for r in rows[1:])


def test_missing_files_are_named(graded):
    for r in rows_of(graded, "loop", "a2_nima"):
        assert r["message"].startswith("no file a2_nima.py in ")


def test_tables_are_written(graded):
    out = graded["out"]
    with open(out / "scores.csv", newline="", encoding="utf-8") as f:
        scores = {(r["student"], r["assignment"]): r for r in csv.DictReader(f)}
    assert len(scores) == 5 * len(NAMES)
    for name in NAMES:
        ref = scores["reference", name]
        assert float(ref["score"]) == float(ref["max"]) > 0 and ref["status"] == "all tests passed"
        assert float(scores["starter", name]["score"]) == 0
    summary = (out / "summary.md").read_text()
    total = sum(float(scores["reference", n]["max"]) for n in NAMES)
    assert "| reference | " in summary and f"| {total:g} |" in summary
    assert (out / "logs" / "reference" / "a3_ablation.log").is_file()


def test_grader_refuses_to_write_into_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="did not write"):
        _out_dir(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_students_are_found(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "bob").mkdir()
    (tmp_path / ".hidden").mkdir()
    assert [s for s, _ in find_students([tmp_path], NAMES)] == ["ann", "bob"]
    (tmp_path / "ann" / "a1_feature.py").write_text("")
    assert [s for s, _ in find_students([tmp_path / "ann"], NAMES)] == ["ann"]


def test_loader_names_the_line_of_a_syntax_error(tmp_path):
    path = tmp_path / "a1_feature.py"
    path.write_text("x = 1\ndef broken(:\n")
    with pytest.raises(SubmissionError, match=r"SyntaxError: .* \(line 2\)"):
        load_submission(path, "a1_feature")


def test_starter_notebooks_match_their_sources():
    import jupytext

    for a in ASSIGNMENTS.values():
        source = jupytext.read(a.folder / "starter.py")
        stored = json.loads((a.folder / "starter.ipynb").read_text(encoding="utf-8"))
        want = [(c.cell_type, c.source) for c in source.cells]
        got = [(c["cell_type"], "".join(c["source"])) for c in stored["cells"]]
        assert got == want, f"{a.folder / 'starter.ipynb'} differs from starter.py: run jupytext --sync on it"
        assert all(not c.get("outputs") for c in stored["cells"]), "the starter notebooks are stored without outputs"


def test_a3_kind_is_read_without_running_the_file(tmp_path):
    from assignments.loader import declared_kind

    assert declared_kind(ASSIGNMENTS["a3_ablation"].solution) == "fusion"
    assert declared_kind(REPO / "assignments" / "solutions" / "pattern" / "a3_ablation.py") == "pattern"
    assert declared_kind(ASSIGNMENTS["a3_ablation"].starter) is None
    (tmp_path / "a3_ablation.py").write_text('import os\nos._exit(1)\nKIND: str = "pattern"\n')
    assert declared_kind(tmp_path / "a3_ablation.py") == "pattern"
