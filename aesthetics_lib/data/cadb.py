"""CADB, the Image Composition Assessment DataBase (Zhang, Niu and Zhang, BMVC 2021), in its real layout.

::

    CADB_Dataset/
        images/<id>.jpg
        composition_scores.json      {"10003.jpg": {"scores": [2.0, 3.0, 2.0, 2.0, 2.0],
                                                    "dist": [0, .8, .2, 0, 0], "mean": 2.2}, ...}
        composition_attributes.json  {"10003.jpg": {"Light": 0.4, ..., "score": 0.65}, ...}  (from AADB)
        scene_categories.json        {"10003.jpg": "static", ...}
        split.json                   {"train": ["10003.jpg", ...], "test": [...]}
        composition_elements.json    optional: {"10003.jpg": {"center": [[x1, y1, x2, y2]], ...}}
        emdloss_weight.json          optional: {"10003.jpg": 1.37, ...}  (SAMP-Net's weighted EMD)

Five raters score each image's composition on 1..5. :func:`read_cadb_annotations` validates every
entry and returns one row per labelled image; :class:`CADBDataset` serves them as samples.
Introduced in notebooks/03_cadb_exploration.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aesthetics_lib.data.base import IAADataset, Transform, header_sizes, missing_file_error
from aesthetics_lib.data.schema import ATTRIBUTES, CADB_BINS, CADB_THRESHOLD, ELEMENT_CLASSES, SCENES, dist_std

SCORES_FILE = "composition_scores.json"
ATTRIBUTES_FILE = "composition_attributes.json"
SCENES_FILE = "scene_categories.json"
SPLIT_FILE = "split.json"
ELEMENTS_FILE = "composition_elements.json"
WEIGHTS_FILE = "emdloss_weight.json"
REQUIRED_FILES: tuple[str, ...] = (SCORES_FILE, ATTRIBUTES_FILE, SCENES_FILE, SPLIT_FILE)
OPTIONAL_FILES: tuple[str, ...] = (ELEMENTS_FILE, WEIGHTS_FILE)

CADB_HOW_TO_GET = (
    "How to get CADB: download CADB_Dataset.zip (about 2 GB; Dropbox and Baidu Cloud links on "
    "https://github.com/bcmi/Image-Composition-Assessment-Dataset-CADB), unzip it and point the "
    "course at the CADB_Dataset folder (the one holding images/ and the .json files), e.g. "
    "AESTHETICS_DATA=cadb:/path/to/CADB_Dataset."
)

_TOL = 1e-3


def _load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: expected UTF-8 JSON, found undecodable bytes at offset {exc.start}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def _expect_dict(data: Any, path: Path, what: str) -> dict:
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object {what}, found {type(data).__name__}")
    return data


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _parse_scores(key: str, entry: Any, path: Path) -> list[int]:
    """The 5 integer ratings of one entry, checked against its ``dist`` and ``mean`` when present.
    (Plain Python on purpose: numpy's per-call overhead dominates on 5-element lists.)"""
    where = f"{path}: key {key!r}"
    if not isinstance(entry, dict) or "scores" not in entry:
        raise ValueError(f"{where}: expected an object with 'scores' (5 ratings 1..5), found {entry!r}")
    scores = entry["scores"]
    if (
        not isinstance(scores, list)
        or len(scores) != CADB_BINS
        or not all(_is_number(s) and float(s).is_integer() and 1 <= s <= CADB_BINS for s in scores)
    ):
        raise ValueError(f"{where}: expected 'scores' to be {CADB_BINS} integer ratings in 1..{CADB_BINS}, found {scores!r}")
    ratings = [int(s) for s in scores]
    if "dist" in entry:
        d = entry["dist"]
        if not isinstance(d, list) or len(d) != CADB_BINS or not all(_is_number(x) for x in d):
            raise ValueError(f"{where}: expected 'dist' to be {CADB_BINS} numbers, found {d!r}")
        if any(abs(d[k] - ratings.count(k + 1) / CADB_BINS) > _TOL for k in range(CADB_BINS)):
            raise ValueError(f"{where}: 'dist' {d} does not match the histogram of 'scores' {scores}")
    if "mean" in entry:
        m = entry["mean"]
        if not _is_number(m) or abs(m - sum(ratings) / len(ratings)) > _TOL:
            raise ValueError(f"{where}: 'mean' {m!r} does not match the mean of 'scores' {scores}")
    return ratings


def _parse_attributes(key: str, entry: Any, path: Path) -> tuple[list[float], float]:
    where = f"{path}: key {key!r}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object of the 11 AADB attributes, found {entry!r}")
    values = []
    for a in ATTRIBUTES:
        if a not in entry:
            raise ValueError(f"{where}: expected attribute {a!r} (a number in [-1, 1]), it is missing")
        v = entry[a]
        if not _is_number(v) or not -1 - 1e-6 <= v <= 1 + 1e-6:
            raise ValueError(f"{where}: expected attribute {a!r} to be a number in [-1, 1], found {v!r}")
        values.append(float(v))
    score = entry.get("score", float("nan"))
    if score is None:
        score = float("nan")
    if not (isinstance(score, float) and math.isnan(score)) and (not _is_number(score) or not -1e-6 <= score <= 1 + 1e-6):
        raise ValueError(f"{where}: expected 'score' (AADB aesthetics) to be a number in [0, 1], found {score!r}")
    return values, float(score)


def _parse_elements(key: str, entry: Any, path: Path) -> dict:
    if not isinstance(entry, dict):
        raise ValueError(f"{path}: key {key!r}: expected an object {{class: [element, ...]}}, found {entry!r}")
    out = {}
    for cls, elements in entry.items():
        if elements == {}:
            elements = []  # the real file writes a few element-less classes (none, fill_the_frame) as {}
        if cls not in ELEMENT_CLASSES:
            raise ValueError(f"{path}: key {key!r}: expected a composition class in {ELEMENT_CLASSES}, found {cls!r}")
        if not isinstance(elements, list) or not all(
            isinstance(e, list) and all(type(x) in (int, float) for x in e) for e in elements
        ):
            raise ValueError(f"{path}: key {key!r}, class {cls!r}: expected a list of coordinate lists, found {elements!r}")
        out[cls] = elements
    return out


def read_cadb_annotations(
    root: str | os.PathLike,
    images_dir: str = "images",
    read_sizes: bool = False,
) -> pd.DataFrame:
    """Read and validate CADB's annotation files under ``root``; one row per labelled image.

    Columns: ``image_id`` (the real key, e.g. ``"10003.jpg"``), ``path`` (absolute), ``scores`` (the 5
    ratings), ``counts`` (ratings per score 1..5), ``dist`` (5 floats summing to 1), ``mean``, ``std``,
    ``n_votes``, ``split`` (``train``/``test`` from split.json; ``unlisted`` if in neither), the 11
    attributes of :data:`~aesthetics_lib.data.schema.ATTRIBUTES` (NaN when an image has no entry),
    ``aadb_score`` (AADB's aesthetics score in [0, 1]), ``scene``, ``elements`` (dict, ``{}`` when
    unknown), ``weight`` (emdloss_weight.json, else 1.0) and, with ``read_sizes``, ``width`` and
    ``height`` from the image headers (-1 for missing files). Image files need not exist.

    Raises ``FileNotFoundError`` naming a missing file and how to get CADB, and ``ValueError`` naming
    the file, the key and what was expected for a malformed entry.
    """
    root = Path(root).expanduser().resolve()
    for name in REQUIRED_FILES:
        if not (root / name).is_file():
            raise missing_file_error(root, name, "CADB", CADB_HOW_TO_GET)

    scores_path = root / SCORES_FILE
    scores = _expect_dict(_load_json(scores_path), scores_path, "{image: {scores, dist, mean}}")
    attrs_path = root / ATTRIBUTES_FILE
    attrs = _expect_dict(_load_json(attrs_path), attrs_path, "{image: {attribute: value}}")
    scenes_path = root / SCENES_FILE
    scenes = _expect_dict(_load_json(scenes_path), scenes_path, "{image: scene}")
    split_path = root / SPLIT_FILE
    split = _expect_dict(_load_json(split_path), split_path, '{"train": [...], "test": [...]}')
    elements: dict = {}
    if (root / ELEMENTS_FILE).is_file():
        elements = _expect_dict(_load_json(root / ELEMENTS_FILE), root / ELEMENTS_FILE, "{image: {class: [...]}}")
    weights: dict = {}
    if (root / WEIGHTS_FILE).is_file():
        weights = _expect_dict(_load_json(root / WEIGHTS_FILE), root / WEIGHTS_FILE, "{image: weight}")

    split_of: dict[str, str] = {}
    for part in ("train", "test"):
        if part not in split:
            raise ValueError(f"{split_path}: expected the key {part!r} (a list of image names), it is missing")
        names = split[part]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{split_path}: key {part!r}: expected a list of image names, found {type(names).__name__}")
        for n in names:
            if n not in scores:
                raise ValueError(f"{split_path}: key {part!r}: image {n!r} is listed but has no entry in {SCORES_FILE}")
            if n in split_of and split_of[n] != part:
                raise ValueError(f"{split_path}: image {n!r} is listed in both 'train' and 'test'")
            split_of[n] = part

    rows = []
    images_prefix = str(root / images_dir)
    nan_attrs = [float("nan")] * len(ATTRIBUTES)
    for key, entry in scores.items():
        ratings = _parse_scores(key, entry, scores_path)
        counts = [ratings.count(k) for k in range(1, CADB_BINS + 1)]
        if key in attrs:
            attr_values, aadb_score = _parse_attributes(key, attrs[key], attrs_path)
        else:
            attr_values, aadb_score = nan_attrs, float("nan")
        scene = scenes.get(key)
        if scene is not None and scene not in SCENES:
            raise ValueError(f"{scenes_path}: key {key!r}: expected a scene in {SCENES}, found {scene!r}")
        elem = _parse_elements(key, elements[key], root / ELEMENTS_FILE) if key in elements else {}
        weight = weights.get(key, 1.0)
        if not _is_number(weight) or weight <= 0:
            raise ValueError(f"{root / WEIGHTS_FILE}: key {key!r}: expected a positive number, found {weight!r}")
        row = {
            "image_id": key,
            "path": os.path.join(images_prefix, key),
            "scores": ratings,
            "counts": counts,
            "dist": [c / len(ratings) for c in counts],
            "mean": sum(ratings) / len(ratings),
            "n_votes": len(ratings),
            "split": split_of.get(key, "unlisted"),
        }
        row.update(zip(ATTRIBUTES, attr_values))
        row.update({"aadb_score": aadb_score, "scene": scene, "elements": elem, "weight": float(weight)})
        rows.append(row)
    columns = ["image_id", "path", "scores", "counts", "dist", "mean", "std", "n_votes", "split",
               *ATTRIBUTES, "aadb_score", "scene", "elements", "weight"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["std"] = dist_std(np.asarray(frame["dist"].tolist(), dtype=np.float64).reshape(-1, CADB_BINS))
    if read_sizes:
        frame["width"], frame["height"] = header_sizes(frame["path"])
    frame.attrs.update({"dataset": "CADB", "root": str(root), "num_bins": CADB_BINS, "test_split": f"official {SPLIT_FILE}"})
    return frame


class CADBDataset(IAADataset):
    """CADB as samples: 5 score bins (1..5), threshold 2.6, the 11 attributes with their mask, and
    SAMP-Net's per-image EMD weight (``emdloss_weight.json``, 1 when absent).

    ``CADBDataset(root, split="train", transform=None, val_fraction=0.1, seed=0, verify_images=True)``;
    see :class:`~aesthetics_lib.data.base.IAADataset` for splits, skipping and caching.
    Introduced in notebooks/03_cadb_exploration.
    """

    name = "CADB"
    num_bins = CADB_BINS
    threshold = CADB_THRESHOLD

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        transform: Transform | None = None,
        val_fraction: float = 0.1,
        seed: int = 0,
        verify_images: bool | str = True,
        images_dir: str = "images",
        workers: int | None = None,
    ) -> None:
        frame = read_cadb_annotations(root, images_dir=images_dir)
        super().__init__(
            frame,
            root=Path(root).expanduser().resolve(),
            split=split,
            transform=transform,
            val_fraction=val_fraction,
            seed=seed,
            verify_images=verify_images,
            workers=workers,
        )
