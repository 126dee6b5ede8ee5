"""aesthetics_lib.commands.describe: statistics from the annotation files alone, images missing or not."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetics_lib.commands import describe
from aesthetics_lib.data.schema import ATTRIBUTES

SCORES = {"1.jpg": [1, 2, 2, 3, 3], "2.jpg": [3, 3, 4, 4, 5], "3.jpg": [2, 2, 2, 2, 2]}


def _cadb(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "composition_scores.json").write_text(json.dumps({k: {"scores": v} for k, v in SCORES.items()}))
    attrs = {k: {a: (0.4 if a == "DoF" else 0.0) for a in ATTRIBUTES} for k in SCORES}
    (root / "composition_attributes.json").write_text(json.dumps(attrs))
    (root / "scene_categories.json").write_text(json.dumps({"1.jpg": "human", "2.jpg": "human", "3.jpg": "night"}))
    (root / "split.json").write_text(json.dumps({"train": ["1.jpg", "2.jpg"], "test": ["3.jpg"]}))
    (root / "images").mkdir(exist_ok=True)
    Image.new("RGB", (8, 6)).save(root / "images" / "1.jpg")  # the other two images are missing
    return root


def _run(argv: list[str], capsys: pytest.CaptureFixture) -> str:
    parser = argparse.ArgumentParser()
    describe.add_arguments(parser)
    assert describe.run(parser.parse_args(argv)) == 0
    return capsys.readouterr().out


def test_cadb_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = _cadb(tmp_path / "CADB_Dataset")
    out = json.loads(_run(["--data", f"cadb:{root}", "--json"], capsys))
    assert {"n_images", "n_missing_images", "mean_score", "sd_score", "rating_counts"} <= set(out)
    assert out["n_images"] == 3 and out["n_missing_images"] == 2
    means = [np.mean(v) for v in SCORES.values()]
    assert out["mean_score"] == pytest.approx(np.mean(means), abs=1e-4)
    assert out["sd_score"] == pytest.approx(np.std(means, ddof=1), abs=1e-4)
    pooled = np.bincount(np.concatenate(list(SCORES.values())) - 1, minlength=5)
    assert out["rating_counts"] == {str(k + 1): int(c) for k, c in enumerate(pooled)}
    assert out["attribute_means"]["DoF"] == pytest.approx(0.4) and out["scene_counts"] == {"human": 2, "night": 1}
    test_only = json.loads(_run(["--data", f"cadb:{root}", "--json", "--split", "test"], capsys))
    assert test_only["n_images"] == 1 and test_only["rating_counts"]["2"] == 5


def test_ava_pooled_votes_include_the_tens(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "AVA"
    root.mkdir()
    (root / "AVA.txt").write_text("1 11 0 0 0 0 1 1 0 0 0 3 0 0 5\n2 12 1 0 0 0 0 0 0 0 0 1 0 0 5\n")
    out = json.loads(_run(["--data", f"ava:{root}", "--json"], capsys))
    assert out["rating_counts"]["10"] == 4 and sum(out["rating_counts"].values()) == 7
    assert out["n_missing_images"] == 2 and out["votes_per_image"] == {"min": 2, "mean": 3.5, "max": 5}
    assert "random" in out["test_split"]  # no official list here: the output says so


def test_text_output_names_the_numbers(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = _run(["--data", f"cadb:{_cadb(tmp_path / 'c')}"], capsys)
    assert "labelled images    3" in text and "missing images     2" in text and "rating counts" in text


def test_missing_dataset_raises_with_help(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    describe.add_arguments(parser)
    with pytest.raises(FileNotFoundError, match="composition_scores.json"):
        describe.run(parser.parse_args(["--data", f"cadb:{tmp_path}"]))
