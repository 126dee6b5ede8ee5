"""tools/student_run.py: the stored student notebooks run as a student's own JupyterLab runs them,
with a report of what broke, and nothing written into the checkout."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from tool_support import load_tool

from aesthetics_lib.notebook import CLAIMS_NOTE
from aesthetics_lib.numeric_env import CPU_ENV

ROOT = Path(__file__).resolve().parents[1]


RUN = load_tool("student_run")


def test_a_students_environment_has_none_of_the_builds_settings(tmp_path: Path) -> None:
    base = {**CPU_ENV, "CI": "true", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
            "AESTHETICS_DATA": "cadb:/somewhere", "PYTHONPATH": "/elsewhere", "HOME": "/home/student", "PATH": "/usr/bin"}
    env = RUN.student_env(base, tmp_path / "cache", tmp_path / "figures")
    assert not set(env) & (set(CPU_ENV) | {"CI", "OMP_NUM_THREADS", "PYTHONHASHSEED", "MPLBACKEND", "AESTHETICS_DATA"})
    assert env["HOME"] == "/home/student" and env["PATH"] == "/usr/bin"
    assert env["AESTHETICS_CACHE"] == str(tmp_path / "cache") and env["AESTHETICS_FIGURES"] == str(tmp_path / "figures")
    assert env["PYTHONPATH"].split(":") == [str(ROOT), "/elsewhere"]  # this checkout's library first
    assert base["CI"] == "true"  # the caller's mapping is not changed
    assert RUN.student_env(base, tmp_path, tmp_path, installed=True)["PYTHONPATH"] == "/elsewhere"  # a lab machine's package
    # --data: the notebooks read the data set named, whatever the caller's variable said
    assert RUN.student_env(base, tmp_path, tmp_path, data="cadb:/data/CADB")["AESTHETICS_DATA"] == "cadb:/data/CADB"


def test_every_setting_of_the_builds_environment_is_taken_away_or_replaced() -> None:
    """The Makefile's NB_ENV (CI's notebook environment), variable by variable: a student's session
    has none of them, except the offline switch that `make lab` sets too and the library's path,
    which the tool sets itself."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lines = dict(re.findall(r"^(\w+) := (.*)$", makefile, flags=re.M))
    nb_env = lines["NB_ENV"].replace("$(CPU_ENV)", lines["CPU_ENV"]).replace("$(MALLOC_ENV)", lines["MALLOC_ENV"])
    names = set(re.findall(r"(\w+)=", nb_env))
    assert names - set(RUN.BUILD_ONLY) - set(CPU_ENV) == {"PYTHONPATH", "HF_HUB_OFFLINE"}


def test_the_summary_finds_errors_claim_notes_and_changed_text() -> None:
    stored = new_notebook(cells=[
        new_markdown_cell("# title"),
        new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="0.718\n")]),
        new_code_cell("%%claims\nassert x", outputs=[]),
        new_code_cell("f()", outputs=[new_output("stream", name="stdout", text="same\n")]),
        new_code_cell("g()", outputs=[new_output("execute_result", data={"text/plain": "3"}, execution_count=1)]),
        new_code_cell("train()", metadata={"tags": ["nbval-ignore-output"]}, outputs=[new_output("stream", name="stdout", text="0.5\n")]),
    ])
    executed = nbformat.from_dict(json.loads(json.dumps(stored)))
    executed.cells[1].outputs = [new_output("stream", name="stdout", text="0.723\n")]
    executed.cells[2].outputs = [new_output("stream", name="stdout", text=CLAIMS_NOTE.format("the gain; 2 other claims") + "\n")]
    executed.cells[3].outputs.append(new_output("error", ename="ValueError", evalue="bad photo\nmore", traceback=[]))
    executed.cells[4].outputs.append(new_output("stream", name="stderr", text="a warning\n"))  # stderr: not text that changed
    executed.cells[4].outputs.append(new_output("display_data", data={  # a progress bar: not text either
        "application/vnd.jupyter.widget-view+json": {"model_id": "1"}, "text/plain": "features:   0%|  | 0/1750"}))
    executed.cells[5].outputs = [new_output("stream", name="stdout", text="0.51\n")]  # a training in the notebook
    executed.cells[5].outputs.append(new_output("stream", name="stderr", text="UsageError: Cell magic `%%claims` not found.\n"))
    summary = RUN.summarize(stored, executed)
    assert summary["errors"] == [{"cell": 4, "error": "ValueError", "message": "bad photo"},
                                 {"cell": 6, "error": "UsageError", "message": "Cell magic `%%claims` not found."}]
    assert summary["claim_notes"] == [{"cell": 3, "claims": "the gain; 2 other claims"}]
    assert (summary["cells_changed"], summary["code_cells"]) == (3, 5)  # the number, the note, the training
    assert summary["unexpected"] == [{"cell": 2, "source": "print(1)"}]  # the note and the training may differ
    lines = RUN.report_lines([{"notebook": "05_dcnn.ipynb", "seconds": 12.3, "stopped": None, **summary}])
    assert lines[0].startswith("05_dcnn.ipynb: 2 cell(s) raised · 12 s · claim notes 1")
    assert lines[0].endswith("code cells with other text 3 of 5, 1 of them unexpected")
    assert "    cell 4: ValueError: bad photo" in lines and "    cell 3, not as quoted: the gain; 2 other claims" in lines
    assert "    cell 2, other text than the stored run: print(1)" in lines


def test_a_run_goes_on_past_errors_and_writes_only_into_its_folder(tmp_path: Path, monkeypatch) -> None:
    """End to end on a small stored notebook: a failed claim gives its note, a cell that raises is
    reported and the next cell still runs, and the figure goes to the run's folder."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    path = folder / "99_tiny.ipynb"
    nbformat.write(new_notebook(cells=[
        new_code_cell("import os\nfrom aesthetics_lib.notebook import setup_notebook\nsetup_notebook()\n"
                      "print(os.environ.get('CI'), os.environ.get('OMP_NUM_THREADS'))"),
        new_code_cell("%%claims\nassert 0.0723 == 0.0718, 'the gain the text quotes'"),
        new_code_cell("raise ValueError('a cell that fails')"),
        new_code_cell("import matplotlib.pyplot as plt\nfrom aesthetics_lib.viz import save_figure\n"
                      "fig, ax = plt.subplots()\nprint(save_figure(fig, '99_tiny').name)"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), path)
    before = path.read_bytes()
    monkeypatch.setenv("CI", "true")  # as under make: the tool takes it away
    out = tmp_path / "run"
    result = RUN.run_notebook(path, out, RUN.student_env(dict(os.environ), out / "cache", out / "figures"))
    assert result["stopped"] is None
    assert result["errors"] == [{"cell": 3, "error": "ValueError", "message": "a cell that fails"}]
    assert result["claim_notes"] == [{"cell": 2, "claims": "the gain the text quotes"}]
    assert [u["cell"] for u in result["unexpected"]] == [1, 4]  # stored without outputs: the cells that print
    executed = nbformat.read(out / "notebooks" / "99_tiny.ipynb", as_version=4)
    assert RUN.cell_text(executed.cells[0]) == "None None\n"
    assert RUN.cell_text(executed.cells[3]) == "99_tiny.png\n"  # the cell after the error ran
    assert (out / "figures" / "99_tiny.png").is_file()
    assert path.read_bytes() == before  # the stored notebook is not touched
