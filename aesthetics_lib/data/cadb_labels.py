"""CADB's published labels, shipped with the course: the composition scores, scene categories and
composition elements of its 9,497 images, readable without the images.

The dataset's authors published three of CADB's annotation files in their repository
(https://github.com/bcmi/Image-Composition-Assessment-Dataset-CADB, MIT licence) from 2022 until
they moved them into ``CADB_Dataset.zip`` in 2026. The course ships those files unchanged, with the
licence and their provenance, in the checkout's ``data/cadb_labels/`` (installed as
``aesthetics_lib/cadb_labels``); see that folder's README.md. The images, the AADB attributes and the
official split are not among them: they come only inside the zip (data/README.md).

- :func:`read_cadb_labels`: one row per image: the 5 ratings, their histogram, mean, SD and scene;
- :func:`read_cadb_elements`: one row per (image, composition class) with the class's coordinates;
- :func:`verify_cadb_labels`: the three files against the checksums of the dataset registry
  (:data:`aesthetics_lib.data.registry.DATASETS`), which both readers check first.

The entries are validated by the same checks as the full dataset reader
(:func:`aesthetics_lib.data.cadb.read_cadb_annotations`), and the columns carry the same names.
Introduced in notebooks/03_cadb_exploration (the real labels beside the studio's).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from aesthetics_lib.data.cadb import (
    ELEMENTS_FILE,
    SCENES_FILE,
    SCORES_FILE,
    _expect_dict,
    _load_json,
    _parse_elements,
    _parse_scores,
)
from aesthetics_lib.data.registry import DATASETS, sha256_file
from aesthetics_lib.data.schema import CADB_BINS, SCENES, dist_std
from aesthetics_lib.paths import checkout_root

#: The three published files, in the order they are checked.
LABEL_FILES: tuple[str, ...] = (SCORES_FILE, SCENES_FILE, ELEMENTS_FILE)
#: Where they were published: the repository, the last commit that held them (their blobs are the
#: same from 8b1ed13, 2022-05-05, which added them) and their folder there.
SOURCE_REPO = "https://github.com/bcmi/Image-Composition-Assessment-Dataset-CADB"
SOURCE_COMMIT = "35c093bafdaaa98923d8ba093a73ddf0079ffbc9"
SOURCE_FOLDER = "annotations"
#: The folder of the shipped copy in a source checkout (relative to its root) and in the package.
CHECKOUT_FOLDER = "data/cadb_labels"
PACKAGE_FOLDER = "cadb_labels"


class CADBLabelsError(ValueError):
    """A label file whose bytes differ from the published file (its SHA-256 is not the registry's)."""


def expected_checksums() -> dict[str, str]:
    """``{file name: SHA-256}`` of the three published files, from the dataset registry."""
    known = {f.name: f.sha256 for f in DATASETS["CADB"].files}
    return {name: known[name] for name in LABEL_FILES}


def cadb_labels_dir() -> Path:
    """The folder of the shipped labels: the checkout's ``data/cadb_labels``, else the copy inside the
    installed package (``aesthetics_lib/cadb_labels``)."""
    repo = checkout_root()
    if repo is not None:
        return repo / CHECKOUT_FOLDER
    from importlib.resources import files

    return Path(str(files("aesthetics_lib") / PACKAGE_FOLDER))


def _folder(root: str | os.PathLike | None) -> Path:
    return cadb_labels_dir() if root is None else Path(root).expanduser().resolve()


def verify_cadb_labels(root: str | os.PathLike | None = None) -> dict[str, Path]:
    """Check the three label files in ``root`` (default :func:`cadb_labels_dir`; a ``CADB_Dataset``
    folder works too) against the registry's SHA-256 and return ``{file name: path}``.

    Raises ``FileNotFoundError`` naming a missing file and where to get it again, and
    :class:`CADBLabelsError` naming a file whose bytes differ, with both checksums.
    """
    folder = _folder(root)
    out: dict[str, Path] = {}
    for name, expected in expected_checksums().items():
        path = folder / name
        where = f"{SOURCE_REPO}/blob/{SOURCE_COMMIT}/{SOURCE_FOLDER}/{name}"
        if not path.is_file():
            raise FileNotFoundError(
                f"CADB labels: expected {name} in {folder}, but it is not there. The course ships it in "
                f"{CHECKOUT_FOLDER}/ (restore it with `git checkout -- {CHECKOUT_FOLDER}/{name}`); the "
                f"published copy is {where} (SHA-256 {expected})."
            )
        found = sha256_file(path)
        if found != expected:
            raise CADBLabelsError(
                f"CADB labels: {path} has SHA-256 {found}, expected {expected} (the file published at "
                f"{where}). The file was altered or is another version; restore the published copy, or "
                "pass verify=False to read it anyway."
            )
        out[name] = path
    return out


def _read(folder: Path, name: str, what: str) -> dict:
    path = folder / name
    return _expect_dict(_load_json(path), path, what)


def read_cadb_labels(root: str | os.PathLike | None = None, verify: bool = True) -> pd.DataFrame:
    """The published CADB labels, one row per image (9,497 rows for the shipped files), in file order.

    Columns, named as in :func:`~aesthetics_lib.data.cadb.read_cadb_annotations`: ``image_id`` (e.g.
    ``"10003.jpg"``), ``scores`` (the 5 ratings 1..5 as ints, in the file's order), ``counts``
    (ratings per score 1..5), ``dist`` (5 floats summing to 1), ``mean``, ``std`` (of ``dist``),
    ``n_votes`` (5), ``scene`` (one of :data:`~aesthetics_lib.data.schema.SCENES`) and ``elements``
    (``{class: [[x1, y1, x2, y2], ...]}``, as :func:`read_cadb_elements` lists them). No paths, split
    or attributes: those need the zip.

    ``root`` defaults to :func:`cadb_labels_dir`; ``verify`` checks the checksums first
    (:func:`verify_cadb_labels`). Raises ``ValueError`` naming the file and key of a malformed entry.
    """
    folder = _folder(root)
    if verify:
        verify_cadb_labels(folder)
    scores = _read(folder, SCORES_FILE, "{image: {scores, dist, mean}}")
    scenes = _read(folder, SCENES_FILE, "{image: scene}")
    elements = _read(folder, ELEMENTS_FILE, "{image: {class: [...]}}")
    rows = []
    for key, entry in scores.items():
        ratings = _parse_scores(key, entry, folder / SCORES_FILE)
        scene = scenes.get(key)
        if scene not in SCENES:
            raise ValueError(f"{folder / SCENES_FILE}: key {key!r}: expected a scene in {SCENES}, found {scene!r}")
        elem = _parse_elements(key, elements[key], folder / ELEMENTS_FILE) if key in elements else {}
        counts = [ratings.count(k) for k in range(1, CADB_BINS + 1)]
        rows.append({
            "image_id": key,
            "scores": ratings,
            "counts": counts,
            "dist": [c / len(ratings) for c in counts],
            "mean": sum(ratings) / len(ratings),
            "n_votes": len(ratings),
            "scene": scene,
            "elements": elem,
        })
    columns = ["image_id", "scores", "counts", "dist", "mean", "std", "n_votes", "scene", "elements"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["std"] = dist_std(np.asarray(frame["dist"].tolist(), dtype=np.float64).reshape(-1, CADB_BINS))
    frame.attrs.update({"dataset": "CADB", "root": str(folder), "num_bins": CADB_BINS,
                        "source": f"{SOURCE_REPO} @ {SOURCE_COMMIT[:7]}"})
    return frame


def read_cadb_elements(root: str | os.PathLike | None = None, verify: bool = True) -> pd.DataFrame:
    """CADB's composition elements, one row per (image, composition class) the annotators marked.

    Columns: ``image_id``, ``element`` (one of :data:`~aesthetics_lib.data.schema.ELEMENT_CLASSES`),
    ``n`` (how many geometric elements of that class; 0 for a class marked without coordinates, such
    as ``fill_the_frame`` or ``none``) and ``coords`` (their coordinate lists: a box or a segment
    ``[x1, y1, x2, y2]``, a triangle's 6 numbers, a curve's polyline ``[x1, y1, x2, y2, ...]``).
    The share of images showing each class is
    ``frame.groupby("element").image_id.nunique() / frame.image_id.nunique()``.
    ``root`` and ``verify`` as in :func:`read_cadb_labels`.
    """
    folder = _folder(root)
    if verify:
        verify_cadb_labels(folder)
    elements = _read(folder, ELEMENTS_FILE, "{image: {class: [...]}}")
    rows = [
        {"image_id": key, "element": cls, "n": len(coords), "coords": coords}
        for key, entry in elements.items()
        for cls, coords in _parse_elements(key, entry, folder / ELEMENTS_FILE).items()
    ]
    frame = pd.DataFrame(rows, columns=["image_id", "element", "n", "coords"])
    frame.attrs.update({"dataset": "CADB", "root": str(folder), "source": f"{SOURCE_REPO} @ {SOURCE_COMMIT[:7]}"})
    return frame
