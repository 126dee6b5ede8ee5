"""The run folder: what a run writes into it, whether an existing one may be resumed or overwritten,
and the history files.

:data:`RUN_FILES` (the files a run writes), :data:`TRAINING_STATE` (the checkpoint entries only
``last.pt`` keeps), :func:`check_run_folder` (start a new run, resume, or refuse with
:class:`RunFolderError`), :func:`resume_refusal` and :data:`RESUMABLE_CHANGES` (which config changes
a resume allows, below), :func:`write_history` (``history.json`` and ``history.csv``, atomically).

A resumed run's config must equal the saved one except for :data:`RESUMABLE_CHANGES`:

- ``epochs`` lengthens (or shortens) a run whose learning rates do not depend on it (``schedule:
  plateau`` or ``none``). With ``schedule: cosine`` a change is refused: the cosine decays to 0 over
  the ``epochs`` the run started with (horizon ``steps_per_epoch * epochs``), and another number
  would re-stretch the curve mid-run (the rate would jump back up). To train longer with a cosine,
  start a new run with the longer plan.
- ``num_workers`` is allowed, with a :class:`ResumeWarning`: with 0 workers the augmentation draws
  from the main process's generators, with N workers from N per-worker seeds, so the continued run
  is sound but no longer the bit-exact twin of an uninterrupted one.
- ``out``, ``progress``, ``verbose`` and the ``cache`` keys change nothing that is computed;
  ``device`` and ``compile`` change the kernels, so results then agree only up to rounding.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from aesthetics_lib.training.checkpoint import read_checkpoint
from aesthetics_lib.training.config import TrainConfig, config_diff

#: Files a run writes into its folder.
RUN_FILES: tuple[str, ...] = ("last.pt", "best.pt", "history.csv", "history.json", "config.yaml")
#: Checkpoint entries only ``last.pt`` needs (to resume); ``best.pt`` holds None for them, which keeps
#: it at the size of the weights (a SAMP-Net ``best.pt`` with Adam's moments would be three times larger).
TRAINING_STATE: tuple[str, ...] = ("optimizer", "scheduler", "plateau", "scaler", "rng")
#: Config keys that may differ when a run is resumed (see the module docstring: ``epochs`` only
#: without a cosine schedule, ``num_workers`` with a :class:`ResumeWarning`).
RESUMABLE_CHANGES: frozenset[str] = frozenset(
    {"epochs", "out", "num_workers", "progress", "verbose", "device", "compile", "cache", "cache_dir", "cache_max_side"}
)


class RunFolderError(ValueError):
    """The run folder holds another run (or a different config) and would be overwritten."""


class ResumeWarning(UserWarning):
    """A run is resumed with a change that keeps it sound but makes it differ from an uninterrupted run."""


def resume_refusal(saved: dict[str, Any], config: TrainConfig) -> str | None:
    """Why a run saved with the config dict ``saved`` cannot continue under ``config``, or None.

    Keys outside :data:`RESUMABLE_CHANGES` must be equal; ``epochs`` may change only when the
    schedule does not depend on it (not ``cosine``: its horizon is ``steps_per_epoch * epochs``)."""
    diff = [k for k in config_diff(saved, config.to_dict()) if k not in RESUMABLE_CHANGES]
    if diff:
        values = ", ".join(f"{k}={saved.get(k)!r}" for k in diff)
        return (
            f"the saved run's config differs in {', '.join(diff)} (saved: {values}). "
            "Resume with the same config, choose another out folder, or pass force to start over."
        )
    planned = saved.get("epochs")
    if config.schedule == "cosine" and planned != config.epochs:
        return (
            f"the saved run was planned for epochs={planned} and its cosine schedule decays the learning "
            f"rates to 0 over those epochs; epochs={config.epochs} would re-stretch the curve mid-run (the "
            f"rates would jump). Resume with epochs={planned}, or start a new run planned for "
            f"epochs={config.epochs} (another out folder, or force to start over in this one)."
        )
    return None


def check_run_folder(out: Path, config: TrainConfig, resume: bool, force: bool) -> Path | None:
    """Decide what to do with an existing run folder; returns ``last.pt`` to resume from, or None.

    - an empty or missing folder: start a new run;
    - a folder with files and neither ``resume`` nor ``force``: refused (nothing is overwritten);
    - ``resume`` with a ``last.pt``: its config must allow it (:func:`resume_refusal`);
      ``resume`` without any checkpoint (stopped before the first epoch ended): start a new run;
    - ``force``: start a new run, replacing the run files (other files are left alone); with
      ``resume`` too, only when the saved run cannot be resumed.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise RunFolderError(f"out: expected a folder for the run, found a file: {out}")
    present = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    last = out / "last.pt"
    if resume and last.is_file():
        refusal = resume_refusal(read_checkpoint(last)["config"], config)
        if refusal is None:
            return last
        if not force:
            raise RunFolderError(f"{last}: cannot resume: {refusal}")
        return None  # force: start over
    no_checkpoint = not last.exists() and not (out / "best.pt").exists()
    if not present or force or (resume and no_checkpoint):  # resume before any epoch ended: start over
        return None
    same = ""
    if last.is_file():
        try:
            saved = read_checkpoint(last)["config"]
            diff = config_diff(saved, config.to_dict())
            same = (
                " It holds a run of the same config: pass --resume (resume=True) to continue it."
                if resume_refusal(saved, config) is None
                else f" It holds a different run (config differs in {', '.join(diff)})."
            )
        except (ValueError, KeyError):
            same = " Its last.pt cannot be read."
    raise RunFolderError(
        f"out: the folder {out} is not empty ({', '.join(present[:6])}{' ...' if len(present) > 6 else ''})."
        f"{same} Nothing was overwritten: choose another out folder, pass --resume to continue, or "
        "--force (force=True) to start over in it."
    )


def write_history(history: list[dict[str, Any]], out: Path) -> None:
    """``history.json`` and ``history.csv`` in ``out`` (atomically). Intervals become two columns."""
    import pandas as pd

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    rows = [{k: clean(v) for k, v in row.items()} for row in history]
    tmp = out / f".history.json.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    os.replace(tmp, out / "history.json")
    tmp = out / f".history.csv.tmp-{os.getpid()}"
    pd.DataFrame(history).to_csv(tmp, index=False)
    os.replace(tmp, out / "history.csv")
