"""aesthetics_lib.data.cadb_labels: CADB's published labels ship unchanged, read without the images,
and a missing or altered file is refused by name."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aesthetics_lib.data.cadb_labels import (
    CHECKOUT_FOLDER,
    LABEL_FILES,
    PACKAGE_FOLDER,
    SOURCE_COMMIT,
    CADBLabelsError,
    cadb_labels_dir,
    expected_checksums,
    read_cadb_elements,
    read_cadb_labels,
    verify_cadb_labels,
)
from aesthetics_lib.data.registry import DATASETS, sha256_file
from aesthetics_lib.data.schema import ELEMENT_CLASSES, SCENES

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / CHECKOUT_FOLDER


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return read_cadb_labels()


@pytest.fixture(scope="module")
def elements() -> pd.DataFrame:
    return read_cadb_elements()


def test_shipped_files_match_the_registry_checksums() -> None:
    registry = {f.name: f.sha256 for f in DATASETS["CADB"].files}
    assert cadb_labels_dir() == FOLDER
    for name in LABEL_FILES:
        assert registry[name] is not None, f"the registry has no checksum for {name}"
        assert sha256_file(FOLDER / name) == registry[name] == expected_checksums()[name], name
    assert verify_cadb_labels() == {name: FOLDER / name for name in LABEL_FILES}


def test_licence_and_provenance_ship_beside_the_files() -> None:
    licence = (FOLDER / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Copyright (c) 2022 BCMI" in licence
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert SOURCE_COMMIT in readme
    for name, digest in expected_checksums().items():
        assert f"annotations/{name}" in readme and digest in readme, name


def test_every_image_has_five_ratings_in_1_to_5(labels: pd.DataFrame) -> None:
    assert len(labels) == 9497 and labels["image_id"].is_unique
    scores = np.array(labels["scores"].tolist())
    assert scores.shape == (9497, 5)
    assert scores.min() == 1 and scores.max() == 5
    assert (labels["n_votes"] == 5).all()
    np.testing.assert_allclose(np.array(labels["dist"].tolist()).sum(1), 1.0)


def test_published_means_are_the_means_of_the_scores(labels: pd.DataFrame) -> None:
    raw = json.loads((FOLDER / "composition_scores.json").read_text(encoding="utf-8"))
    published = np.array([raw[k]["mean"] for k in labels["image_id"]])
    ratings = np.array([raw[k]["scores"] for k in labels["image_id"]])
    np.testing.assert_allclose(published, ratings.mean(1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(labels["mean"], published, rtol=0, atol=1e-9)
    assert labels["mean"].between(1, 5).all()


def test_scenes_are_the_ten_cadb_scenes(labels: pd.DataFrame) -> None:
    assert set(labels["scene"]) == set(SCENES)
    assert labels["scene"].value_counts().idxmax() == "human"


def test_every_image_has_composition_elements(labels: pd.DataFrame, elements: pd.DataFrame) -> None:
    assert set(elements["image_id"]) == set(labels["image_id"])
    assert set(elements["element"]) <= set(ELEMENT_CLASSES)
    assert (labels["elements"].map(len) >= 1).all()
    assert len(elements) == labels["elements"].map(len).sum()  # one row per (image, class)
    coords_ok = elements["coords"].map(lambda cs: all(len(c) >= 4 and len(c) % 2 == 0 for c in cs))
    assert coords_ok.all() and (elements["n"] == elements["coords"].map(len)).all()


def _copy(tmp_path: Path, names=LABEL_FILES) -> Path:
    for name in names:
        shutil.copy2(FOLDER / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("name", LABEL_FILES)
def test_an_altered_copy_is_refused_by_name(tmp_path: Path, name: str) -> None:
    root = _copy(tmp_path)
    path = root / name
    path.write_bytes(path.read_bytes() + b"\n")  # re-saved by an editor: same JSON, other bytes
    for reader in (read_cadb_labels, read_cadb_elements, verify_cadb_labels):
        with pytest.raises(CADBLabelsError, match=name):
            reader(root)
    assert len(read_cadb_labels(root, verify=False)) == 9497  # the altered copy still reads on request


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    root = _copy(tmp_path, LABEL_FILES[:2])
    with pytest.raises(FileNotFoundError, match=LABEL_FILES[2]):
        read_cadb_labels(root)


def test_the_package_maps_the_folder_into_the_wheel() -> None:
    """The cheap half of tests/test_wheel.py: pyproject ships data/cadb_labels as aesthetics_lib/cadb_labels."""
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    tool = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package = f"aesthetics_lib.{PACKAGE_FOLDER}"
    assert package in tool["packages"]
    assert tool["package-dir"][package] == CHECKOUT_FOLDER
    patterns = tool["package-data"][package]
    unmatched = sorted(p.name for p in FOLDER.iterdir() if p.is_file() and not any(p.match(pat) for pat in patterns))
    assert not unmatched, f"{unmatched} would not be in the wheel: add them to package-data {patterns}"
