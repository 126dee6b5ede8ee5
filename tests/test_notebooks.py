"""The notebooks themselves: paired with their py:percent sources, stored with outputs, well formed.

(Their outputs are checked cell by cell by nbval, from the same test command.)
"""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))  # the course
ALL_NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))  # the course and the Voila page (demo.ipynb)


def _sources(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_script_in_sync(path: Path) -> None:
    py = NB_DIR / "py" / (path.stem + ".py")
    assert py.exists(), f"{path.name} has no jupytext pair {py.relative_to(NB_DIR.parent)}"
    from_ipynb = _sources(jupytext.read(path))
    from_py = _sources(jupytext.read(py))
    assert from_ipynb == from_py, (
        f"{path.name} and {py.name} differ: run `jupytext --sync {py.relative_to(NB_DIR.parent)}` "
        "and re-execute with `make notebooks`"
    )


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
