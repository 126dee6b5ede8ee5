"""Generating a studio dataset (atomically), the studio cache and the readers of its ground truth.

Introduced in notebooks/00_welcome.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
from PIL import Image

from aesthetics_lib.data.studio.factors import (
    FACTORS_FILE,
    LAYOUTS,
    MASKS_DIR,
    REPORT_FILE,
    STUDIO_VERSION,
    StudioConfig,
    _config,
)
from aesthetics_lib.data.studio.writers import _build, _stem
from aesthetics_lib.numeric_env import CPU_ENV, course_env_supported, in_course_env
from aesthetics_lib.paths import cache_root



#: The course studio's size: CADB's 9,497 photos, so a test split (a tenth) of 950 gives an SRCC
#: interval of about +-0.05. The default of :func:`generate_cadb`, :func:`generate_ava`,
#: :func:`ensure_studio`, ``synth`` and the trainer's ``studio_n``.
STUDIO_N = 9497

def studio_params(root: str | os.PathLike) -> dict[str, Any] | None:
    """The parameters of the complete studio dataset at ``root`` (from its report), or None."""
    path = Path(root) / REPORT_FILE
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        return {**report["params"], "studio_version": report["studio_version"], "config": report["config"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same(params: Mapping[str, Any] | None, layout: str, n: int, seed: int, long_side: int, cfg: StudioConfig) -> bool:
    if params is None:
        return False
    want = {"layout": layout, "n": n, "seed": seed, "long_side": long_side, "studio_version": STUDIO_VERSION}
    return all(params.get(k) == v for k, v in want.items()) and params.get("config") == json.loads(cfg.key())


#: What the child process of :func:`_build_in_course_env` runs: ``_build`` on the pickled arguments.
_CHILD = ("import pickle, sys; from aesthetics_lib.data.studio.writers import _build; "
          "_build(*pickle.loads(sys.stdin.buffer.read()))")


def _build_in_course_env(layout: str, out: Path, n: int, seed: int, long_side: int, workers: int | None,
                         cfg: StudioConfig, donor: tuple[Path, str] | None, dataset: Path) -> None:
    """:func:`~aesthetics_lib.data.studio.writers._build`, always in the course's numeric environment
    (:data:`aesthetics_lib.numeric_env.CPU_ENV`), so that the studio is the same files however Python
    was started. Outside that environment (a JupyterLab started by hand, for example) NumPy has
    already chosen its kernels, so the build runs in a child process that has it; this adds the
    child's start (a few seconds). On a CPU that cannot run it (ARM, x86 without AVX2) the build runs
    here, and may differ from the course's studio in the last bits. ``dataset``: the folder the
    build is for (``out`` is its temporary sibling), named in the error if the child fails.
    """
    args = (layout, out, n, seed, long_side, workers, cfg, donor)
    if in_course_env() or not course_env_supported():
        _build(*args)
        return
    package_parent = str(Path(__file__).resolve().parents[3])  # the folder that holds aesthetics_lib
    env = {**os.environ, **CPU_ENV, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, "-c", _CHILD], input=pickle.dumps(args), env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"studio: building {dataset} in a child process with the course's CPU settings "
                           f"({' '.join(f'{k}={v}' for k, v in CPU_ENV.items())}) failed (exit code "
                           f"{done.returncode}): {lines[-1] if lines else 'no message'}")


def _generate(layout: str, out_dir: str | os.PathLike, n: int, seed: int, long_side: int,
              workers: int | None, config: StudioConfig | None, donor: tuple[Path, str] | None = None) -> Path:
    """Build the dataset at ``out_dir`` unless it is there already; ``donor`` (a folder and its
    layout) lends its renders when it holds a complete studio of the same ``n``, ``seed`` and long
    side in that layout's own calibration."""
    cfg = _config(layout, config)
    if n < 1 or long_side < 16:
        raise ValueError(f"studio: expected n >= 1 and long_side >= 16, found n={n}, long_side={long_side}")
    out = Path(out_dir).expanduser().absolute()
    if _same(studio_params(out), layout, n, seed, long_side, cfg):
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        found = studio_params(out)
        if found:
            what = "a studio dataset with other parameters (" + ", ".join(
                f"{k}={found.get(k)}" for k in ("layout", "n", "seed", "long_side", "studio_version")
            ) + ", or another calibration)"
        else:
            what = "files that are not a studio dataset"
        raise FileExistsError(
            f"studio: refusing to write into {out}: it holds {what}. Nothing was changed. "
            "Choose an empty or new folder.")
    if donor is not None and not _same(studio_params(donor[0]), donor[1], n, seed, long_side,
                                       StudioConfig.for_layout(donor[1])):
        donor = None  # no complete twin with these parameters to copy from
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()  # (not mkdtemp: the dataset keeps the user's umask, not mode 0700)
    try:
        _build_in_course_env(layout, tmp, n, seed, long_side, workers, cfg, donor, out)
        if out.exists():
            out.rmdir()  # empty (checked above); never removes anything a user wrote
        os.rename(tmp, out)
    except BaseException:
        if _same(studio_params(out), layout, n, seed, long_side, cfg) and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished the same dataset first
            return out
        shutil.rmtree(tmp, ignore_errors=True)  # our own half-written temporary folder
        raise
    return out


def generate_cadb(out_dir: str | os.PathLike, n: int = STUDIO_N, seed: int = 0, long_side: int = 160,
                  workers: int | None = None, config: StudioConfig | None = None) -> Path:
    """Write a studio dataset in CADB's real layout to ``out_dir``; returns its path.

    Files: ``images/<id>.jpg`` (keys ``"<k>.jpg"``), ``composition_scores.json``,
    ``composition_attributes.json``, ``composition_elements.json``, ``scene_categories.json``,
    ``split.json`` (90/10), ``emdloss_weight.json``, plus the ground truth ``studio_factors.csv``,
    ``masks/<k>.png`` and ``studio_report.json``. Atomic (built in a temporary sibling folder, then
    renamed); an existing dataset of the same parameters is returned as is; a non-empty folder of
    anything else raises ``FileExistsError`` and is left untouched. ``workers``: render processes
    (default 2 for 200+ images; the files are identical to the serial path).
    Introduced in notebooks/00_welcome.
    """
    return _generate("cadb", out_dir, n, seed, long_side, workers, config)


def generate_ava(out_dir: str | os.PathLike, n: int = STUDIO_N, seed: int = 0, long_side: int = 160,
                 workers: int | None = None, config: StudioConfig | None = None) -> Path:
    """Write a studio dataset in AVA's real layout to ``out_dir``; returns its path.

    Files: ``AVA.txt`` (15 columns: index, image id, votes for 1..10, two tags, challenge),
    ``tags.txt``, ``challenges.txt``, ``aesthetics_image_lists/generic_test.jpgl`` (10 % test ids),
    ``images/<id>.jpg``, plus the ground truth as in :func:`generate_cadb`.
    Introduced in notebooks/00_welcome.
    """
    return _generate("ava", out_dir, n, seed, long_side, workers, config)


def studio_cache_dir() -> Path:
    """Where :func:`ensure_studio` keeps datasets: ``cache_root() / "studio"``, the library's one cache
    rule (:func:`aesthetics_lib.paths.cache_root`): ``$AESTHETICS_CACHE/studio`` if set, else the source
    checkout's ``data/cache/studio`` when writable, else ``~/.cache/aesthetics_lab/studio``."""
    return cache_root() / "studio"


def _cache_folder(layout: str, n: int, seed: int, long_side: int) -> Path:
    """The folder :func:`ensure_studio` keeps the studio of these parameters in."""
    cfg = StudioConfig.for_layout(layout)
    tag = hashlib.sha256(f"{STUDIO_VERSION}\n{cfg.key()}".encode()).hexdigest()[:8]
    return studio_cache_dir() / f"{layout}-n{n}-seed{seed}-px{long_side}-v{STUDIO_VERSION}-{tag}"


def ensure_studio(layout: str = "cadb", n: int = STUDIO_N, seed: int = 0, long_side: int = 160,
                  workers: int | None = None) -> Path:
    """Generate the studio dataset once into the cache folder (:func:`studio_cache_dir`) and return it.

    The folder is named after the parameters and a short hash of the generator's version and
    calibration (``cadb-n9497-seed0-px160-v1-1a2b3c4d``), so a changed generator never reuses an old
    cache; an existing complete one is reused, and an interrupted run never leaves a half dataset.
    When the cache already holds the other layout's studio with the same ``n``, ``seed`` and
    ``long_side``, its images are copied instead of rendered again wherever the two draw the same
    photo (all but the few whose polarising look differs): the files are the same either way.
    They are also the same on every x86-64 CPU with AVX2, however Python was started: a studio is
    always built under the course's CPU settings (:data:`aesthetics_lib.numeric_env.CPU_ENV`), in a
    child process when this one lacks them.
    Introduced in notebooks/00_welcome.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"ensure_studio: expected layout in {LAYOUTS}, found {layout!r}")
    other = next(x for x in LAYOUTS if x != layout)
    return _generate(layout, _cache_folder(layout, n, seed, long_side), n, seed, long_side, workers, None,
                     (_cache_folder(other, n, seed, long_side), other))


def read_factors(root: str | os.PathLike) -> pd.DataFrame:
    """The ground-truth table ``studio_factors.csv`` of a studio dataset (``image_id`` as text)."""
    path = Path(root) / FACTORS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"read_factors: expected {path}; {root} is not a studio dataset "
                                "(make one with generate_cadb, generate_ava or ensure_studio)")
    return pd.read_csv(path, dtype={"image_id": str})


def subject_mask(root: str | os.PathLike, image_id: str) -> np.ndarray:
    """The subject mask of one studio image, ``float32 [H, W]`` in [0, 1] (``image_id`` with or without ``.jpg``)."""
    path = Path(root) / MASKS_DIR / f"{_stem(str(image_id))}.png"
    if not path.is_file():
        raise FileNotFoundError(f"subject_mask: expected {path} (no mask for image {image_id!r} in {root})")
    return np.asarray(Image.open(path), dtype=np.float32) / 255.0
