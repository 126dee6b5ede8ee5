"""The data the assignments share: two sets of studio photos per budget, and the course's features.

- the **practice** set: the photos a student works with (notebooks and public tests);
- the **held-out** set: fresh photos of another studio seed, read only by the hidden tests (A1, A2)
  and as A3's evaluation photos.

Both are rendered by the library's studio in AVA's layout (:func:`aesthetics_lib.data.studio.generate_ava`:
about 200 votes per photo on a 1-10 scale, so a photo's vote histogram is far less noisy than CADB's
5 ratings) into a cache folder, once; the course's 13 hand-crafted features
(:func:`aesthetics_lib.features.extract_features_batch`) of each set are cached beside them as CSV.
The cache is ``$ASSIGNMENT_CACHE`` if set, else ``assignments/`` under the library's cache root
(:func:`aesthetics_lib.paths.cache_root`: ``data/cache`` in a checkout, which git ignores).

A :class:`Budget` fixes the sizes: ``full`` (the default, what a course grades with) and ``ci`` (the
smaller sizes the project's own test of the grader uses, to stay within its time limit). Choose one
with ``ASSIGNMENT_BUDGET=ci`` or the grader's ``--budget``. An instructor who wants held-out photos
the students cannot render sets ``ASSIGNMENT_HELDOUT_SEED`` when grading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

#: Which studio sets exist.
SETS: tuple[str, ...] = ("practice", "heldout")


@dataclass(frozen=True)
class Budget:
    """Sizes of the data and of the training runs the assignments use.

    ``n_practice``/``n_heldout`` photos of ``long_side`` pixels, rendered with ``practice_seed`` and
    ``heldout_seed``; ``n_boot`` bootstrap resamples for every interval; A3 trains heads on maps of
    photos warped to ``a3_size`` pixels, on the first ``a3_train`` practice photos, scores the first
    ``a3_eval`` held-out photos, for ``a3_epochs`` epochs with each of ``a3_seeds``."""

    name: str
    n_practice: int
    n_heldout: int
    long_side: int
    practice_seed: int
    heldout_seed: int
    n_boot: int
    a3_size: int
    a3_train: int
    a3_eval: int
    a3_epochs: int
    a3_seeds: tuple[int, ...]


BUDGETS: dict[str, Budget] = {
    "full": Budget("full", n_practice=1000, n_heldout=1000, long_side=96, practice_seed=1001, heldout_seed=1002,
                   n_boot=1000, a3_size=96, a3_train=1000, a3_eval=1000, a3_epochs=4, a3_seeds=(0, 1, 2)),
    "ci": Budget("ci", n_practice=500, n_heldout=500, long_side=96, practice_seed=2001, heldout_seed=2002,
                 n_boot=1000, a3_size=64, a3_train=200, a3_eval=200, a3_epochs=2, a3_seeds=(0, 1)),
}


def get_budget(budget: str | Budget | None = None) -> Budget:
    """A :class:`Budget` by name (default ``$ASSIGNMENT_BUDGET``, else ``full``), with the held-out
    seed replaced by ``$ASSIGNMENT_HELDOUT_SEED`` when that is set."""
    if isinstance(budget, Budget):
        return budget
    name = budget or os.environ.get("ASSIGNMENT_BUDGET") or "full"
    if name not in BUDGETS:
        raise ValueError(f"unknown budget {name!r}: expected one of {sorted(BUDGETS)} (ASSIGNMENT_BUDGET or --budget)")
    b = BUDGETS[name]
    seed = os.environ.get("ASSIGNMENT_HELDOUT_SEED")
    if seed:
        try:
            b = replace(b, heldout_seed=int(seed))
        except ValueError:
            raise ValueError(f"ASSIGNMENT_HELDOUT_SEED: expected an integer, found {seed!r}") from None
    return b


def cache_dir() -> Path:
    """Where the assignments keep rendered photos, features and maps (see the module docstring)."""
    env = os.environ.get("ASSIGNMENT_CACHE")
    if env:
        return Path(env).expanduser()
    from aesthetics_lib.paths import cache_root

    return cache_root() / "assignments"


@dataclass(frozen=True)
class StudioSet:
    """One set of studio photos: ``image_ids`` and ``paths`` (N), the raters' score distributions
    ``dist`` ``[N, 10]`` (scores 1..10) and their means ``mean`` ``[N]`` (read-only arrays), in
    AVA.txt's order."""

    name: str
    root: Path
    image_ids: tuple[str, ...]
    paths: tuple[Path, ...]
    dist: np.ndarray
    mean: np.ndarray

    def __len__(self) -> int:
        return len(self.image_ids)

    def images(self, limit: int | None = None) -> list[np.ndarray]:
        """The photos as ``uint8 [H, W, 3]`` arrays (the first ``limit`` of them)."""
        return [_read_rgb(p) for p in self.paths[:limit]]


def _read_rgb(path: Path) -> np.ndarray:
    from aesthetics_lib.data.io import load_image

    return np.asarray(load_image(path).convert("RGB"), dtype=np.uint8)


def _set_params(which: str, b: Budget) -> tuple[int, int]:
    if which == "practice":
        return b.n_practice, b.practice_seed
    if which == "heldout":
        return b.n_heldout, b.heldout_seed
    raise ValueError(f"unknown studio set {which!r}: expected one of {SETS}")


def studio_root(which: str, budget: str | Budget | None = None) -> Path:
    """The folder of set ``which`` (``practice`` or ``heldout``) of a budget (rendered or not)."""
    b = get_budget(budget)
    n, seed = _set_params(which, b)
    return cache_dir() / "studio" / f"ava-{which}-n{n}-seed{seed}-px{b.long_side}"


def studio_set(which: str, budget: str | Budget | None = None, workers: int | None = 1) -> StudioSet:
    """Set ``which`` of a budget, rendered into the cache on first use (a few seconds per
    thousand photos). ``workers``: render processes for that first time."""
    from aesthetics_lib.data.studio import generate_ava

    b = get_budget(budget)
    n, seed = _set_params(which, b)
    root = generate_ava(studio_root(which, b), n=n, seed=seed, long_side=b.long_side, workers=workers)
    return _read_set(which, str(root))


@lru_cache(maxsize=8)
def _read_set(which: str, root: str) -> StudioSet:
    from aesthetics_lib.data.ava import read_ava_annotations

    ann = read_ava_annotations(root).sort_values("index", kind="stable").reset_index(drop=True)
    dist = np.stack(ann["dist"].to_numpy()).astype(np.float64)
    mean = ann["mean"].to_numpy(dtype=np.float64).copy()
    for a in (dist, mean):  # shared by every caller in the process: nobody may change them
        a.setflags(write=False)
    return StudioSet(which, Path(root), tuple(ann["image_id"]), tuple(Path(p) for p in ann["path"]), dist, mean)


def course_features(which: str, budget: str | Budget | None = None, workers: int | None = 1) -> pd.DataFrame:
    """The course's 13 hand-crafted features (:data:`aesthetics_lib.features.FEATURE_NAMES`) of every
    photo of set ``which``: a frame indexed by image id, in the set's order; computed once and cached
    as CSV beside the photos."""
    from aesthetics_lib.features import FEATURE_NAMES, extract_features_batch

    s = studio_set(which, budget, workers)
    path = s.root.parent / f"{s.root.name}-features.csv"
    if path.is_file():
        frame = pd.read_csv(path, index_col="image", dtype={"image": str})
        if list(frame.columns) == list(FEATURE_NAMES) and tuple(frame.index) == s.image_ids:
            return frame
    frame = extract_features_batch(s.paths, ids=list(s.image_ids), progress=False)
    failed = frame.attrs.get("failed") or []
    if failed:
        raise RuntimeError(f"course_features: {len(failed)} photos of {s.root} could not be measured: {failed[:3]}")
    _write_csv_atomic(frame, path)
    return frame


def _write_csv_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_csv(tmp)
    os.replace(tmp, path)
