"""Finding and importing a student's submission file.

A submission is one Python file per assignment: the ``submission.py`` a student edits in the
assignment's folder, or ``<student folder>/<assignment>.py`` (``a1_feature.py``, ``a2_nima.py``,
``a3_ablation.py``) when submissions are collected for grading. :func:`load_submission` imports it
under a private module name and keeps it, so the grader (which imports it first, under a time limit)
and the tests see the same module.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

from assignments import A3_KINDS, ASSIGNMENTS

_LOADED: dict[Path, ModuleType] = {}


class SubmissionError(Exception):
    """A submission that is missing or cannot be imported; the message says which file and why."""


def resolve_submission(name: str, where: str | os.PathLike | None = None) -> Path:
    """The file of assignment ``name`` to test.

    ``where`` is a file (used as is), a folder of one student (``<where>/<name>.py``), or None: then
    ``$ASSIGNMENT_SUBMISSION_DIR/<name>.py`` when that variable is set, else the assignment's own
    ``submission.py``.
    """
    if name not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {name!r}: expected one of {sorted(ASSIGNMENTS)}")
    if where is None and os.environ.get("ASSIGNMENT_SUBMISSION_DIR"):
        where = os.environ["ASSIGNMENT_SUBMISSION_DIR"]
    if where is None:
        return ASSIGNMENTS[name].starter
    p = Path(where).expanduser()
    return p / ASSIGNMENTS[name].file_name if p.is_dir() else p


def load_submission(path: str | os.PathLike, name: str, fresh: bool = False) -> ModuleType:
    """Import the submission file ``path`` of assignment ``name`` (once per path and process;
    ``fresh=True`` imports it again, e.g. in a notebook after editing the file).

    Raises :class:`SubmissionError` naming the file, and the line for a syntax error, when the file
    is missing or importing it raises.
    """
    path = Path(path).expanduser().resolve()
    if path in _LOADED and not fresh:
        return _LOADED[path]
    if not path.is_file():
        raise SubmissionError(f"no submission file {path.name} (expected {path})")
    module_name = f"_submission_{name}_{abs(hash(str(path))):x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SubmissionError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise SubmissionError(f"could not import {path.name}: SyntaxError: {exc.msg} (line {exc.lineno})") from None
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise SubmissionError(f"could not import {path.name}: {type(exc).__name__}: {exc}{_where(exc, path)}") from exc
    _LOADED[path] = module
    return module


def _where(exc: BaseException, path: Path) -> str:
    """`` (line N)`` of the deepest frame of ``exc`` inside ``path``, or ``""``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path]
    return f" (line {frames[-1].lineno})" if frames else ""


def declared_kind(path: str | os.PathLike) -> str | None:
    """The ``KIND = "..."`` an assignment-3 file declares at its top level, read without running it
    (None when it declares none of :data:`~assignments.A3_KINDS` as a plain string). The grader
    computes those kinds' maps before the students' runs, so that no run's time limit pays for them."""
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        if any(isinstance(t, ast.Name) and t.id == "KIND" for t in targets) and isinstance(value, ast.Constant):
            return value.value if value.value in A3_KINDS else None
    return None
