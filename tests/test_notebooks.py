"""The notebooks themselves: built from their py:percent sources, stored with outputs and without
solutions, well formed; the instructor build puts every solution back under its check.

(Their outputs are checked cell by cell by nbval, through the instructor build, from the same test
command: `make test`.)
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from tool_support import load_tool

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))  # the course
ALL_NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))  # the course and the Voila page (demo.ipynb)
SOURCES = sorted((NB_DIR / "py").glob("[0-9][0-9]_*.py"))


BUILD = load_tool("build_notebooks")


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_is_its_source_without_solutions(path: Path) -> None:
    py = NB_DIR / "py" / (path.stem + ".py")
    assert py.exists(), f"{path.name} has no source {py.relative_to(ROOT)}"
    why = BUILD.out_of_date(py)
    assert why is None, f"{why}: run `make notebooks NB={path.stem[:2]}` (or `make notebook-sources` for prose)"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_holds_no_solution_and_no_pairing(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert not [c for c in nb.cells if BUILD.is_solution(c) or c.source.startswith(BUILD.SOLUTION_MAGIC)]
    # paired, a notebook saved in JupyterLab would overwrite its source and erase the solutions
    assert "formats" not in nb.metadata.get("jupytext", {}), f"{path.name} is paired with a text file"
    py = NB_DIR / "py" / (path.stem + ".py")
    assert "formats" not in jupytext.read(py).metadata.get("jupytext", {}), f"{py.name} declares a pairing"
    assert not (NB_DIR / "jupytext.toml").exists()


def _exercise_cells(cells) -> list[int]:
    marks = ("answer = ...", "prediction = ...")
    return [i for i, c in enumerate(cells) if c.cell_type == "code" and any(m in c.source for m in marks)]


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_every_exercise_has_a_solution_right_after_it(py: Path) -> None:
    cells = BUILD.read_source(py).cells
    exercises = _exercise_cells(cells)
    assert exercises, f"{py.name} has no exercise"
    for i in exercises:
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        assert nxt is not None and BUILD.is_solution(nxt), (
            f"{py.name}: the exercise cell {cells[i].source[:60]!r} is not followed by a cell tagged solution")
    for i, c in enumerate(cells):
        if BUILD.is_solution(c):
            assert i - 1 in exercises, f"{py.name}: solution cell {c.source[:60]!r} follows no exercise"
            assert "check" in c.source, f"{py.name}: solution cell {c.source[:60]!r} checks nothing"


@pytest.mark.parametrize("py", SOURCES, ids=lambda p: p.stem)
def test_instructor_notebook_puts_the_solutions_back(py: Path) -> None:
    nb = BUILD.instructor_notebook(py)
    source = BUILD.read_source(py).cells
    want = [f"{BUILD.CLAIMS_MAGIC}\n{c.source}" if BUILD.is_claims(c) else c.source for c in source]
    assert [c.source.removeprefix(BUILD.SOLUTION_MAGIC + "\n") for c in nb.cells] == want
    for cell in nb.cells:
        if BUILD.is_solution(cell):
            assert cell.source.startswith(BUILD.SOLUTION_MAGIC + "\n")
            assert "nbval-ignore-output" in cell.metadata["tags"]


def _tiny_source(tmp_path: Path, monkeypatch, text: str) -> Path:
    """A one-off source ``99_tiny.py`` holding ``text``, with the build tool pointed at ``tmp_path``."""
    (tmp_path / "py").mkdir()
    py = tmp_path / "py" / "99_tiny.py"
    py.write_text(text)
    monkeypatch.setattr(BUILD, "NB_DIR", tmp_path)
    monkeypatch.setattr(BUILD, "ROOT", tmp_path)
    return py


def test_instructor_build_fails_on_a_wrong_solution(tmp_path: Path, monkeypatch) -> None:
    """End to end on a two-exercise source: the right solution runs, the wrong one fails the build."""
    py = _tiny_source(
        tmp_path, monkeypatch,
        "# %%\nfrom aesthetics_lib.notebook import setup_notebook, check\nsetup_notebook()\n\n"
        "# %% tags=[\"hide-input\"] jupyter={\"source_hidden\": true}\nexpected = 4\n\n"
        "# %%\nanswer = ...\ncheck(answer, expected)\n\n"
        "# %% tags=[\"solution\"]\nanswer = 2 + 2\ncheck(answer, expected)\n\n"
        "# %%\nanswer = ...\ncheck(answer, 5)\n\n"
        "# %% tags=[\"solution\"]\nanswer = 2 + 2\ncheck(answer, 5)\n",
    )
    BUILD.refresh(py)  # the student notebook, not executed
    student = nbformat.read(tmp_path / "99_tiny.ipynb", as_version=4)
    assert len(student.cells) == 4 and "2 + 2" not in json.dumps(student)
    nb = BUILD.instructor_notebook(py)
    with pytest.raises(CellExecutionError, match="SolutionError"):
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert "correct" in "".join(o.get("text", "") for o in nb.cells[3].outputs)  # the right one ran


def test_a_students_run_goes_on_past_a_claim_its_numbers_do_not_match(tmp_path: Path, monkeypatch) -> None:
    """Hidden checks of the text's claims run under %%claims in the student notebook: a student's own
    run (no CI) prints a note and goes on; under CI the same cell fails."""
    py = _tiny_source(
        tmp_path, monkeypatch,
        "# %%\nfrom aesthetics_lib.notebook import setup_notebook\nsetup_notebook()\ngain = 0.0723\n\n"
        "# %% tags=[\"hide-input\"] jupyter={\"source_hidden\": true}\n"
        "assert f'{gain:.3g}' == '0.0718', 'the gain the text quotes'\n\n"
        "# %% tags=[\"hide-input\"] jupyter={\"source_hidden\": true}\nexpected = 4\n\n"
        "# %%\nassert gain > 0\nprint('after the check')\n",
    )
    cells = BUILD.student_notebook(py).cells
    assert [c.source.startswith(BUILD.CLAIMS_MAGIC + "\n") for c in cells] == [False, True, False, False]
    monkeypatch.delenv("CI", raising=False)
    nb = BUILD.student_notebook(py)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert "Not as quoted: the gain the text quotes." in "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "after the check" in "".join(o.get("text", "") for o in nb.cells[3].outputs)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(CellExecutionError, match="the gain the text quotes"):
        NotebookClient(BUILD.student_notebook(py), timeout=120, kernel_name="python3").execute()


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_with_outputs_and_setup(path: Path) -> None:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code"
    assert all(c.get("execution_count") for c in code), f"{path.name} has unexecuted cells"
    assert any(c.get("outputs") for c in code), f"{path.name} is stored without outputs"
    first = "".join(code[0]["source"])
    assert "setup_notebook()" in first, f"{path.name}: the first code cell must call setup_notebook()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_course_sections(path: Path) -> None:
    nb = json.loads(path.read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown").lower()
    for section in ("learning goals", "summary", "exercise", "going further"):
        assert section in text, f"{path.name} lacks a '{section}' section"
