"""aesthetics_lib.data.ava: AVA.txt parsed column by column (the 10s kept), malformed lines located, splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aesthetics_lib.data.ava import AVADataset, read_ava_annotations

LINES = [
    # index image_id c1..c10 tag1 tag2 challenge
    "1 953619 0 1 5 17 38 36 15 6 5 1 1 22 1396",
    "2 953958 10 7 15 26 26 21 10 8 1 2 1 21 1396",
    "3 954184 0 0 0 0 0 0 0 0 0 40 0 0 1396",  # every vote is a 10
    "4 954113 0 1 4 6 48 37 23 5 2 2 15 21 1396",
    "5 953980 0 3 6 15 57 39 6 1 1 1 22 38 1396",
    "6 954175 2 3 5 16 23 29 20 4 6 2 0 0 1396",
]


def write_ava(root: Path, lines: list[str] = LINES, test_ids: list[str] | None = ("954184",), images: bool = True) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "AVA.txt").write_text("\n".join(lines) + "\n")
    (root / "tags.txt").write_text("1 Abstract\n21 Black and White\n22 Nature\n15 Nude\n38 Macro\n")
    (root / "challenges.txt").write_text("1396 100_Meters\n")
    if test_ids is not None:
        (root / "aesthetics_image_lists").mkdir(exist_ok=True)
        (root / "aesthetics_image_lists" / "generic_test.jpgl").write_text("\n".join(test_ids) + "\n")
    if images:
        (root / "images").mkdir(exist_ok=True)
        rng = np.random.default_rng(0)
        for line in lines:
            Image.fromarray(rng.integers(0, 255, (12, 18, 3), dtype=np.uint8)).save(root / "images" / f"{line.split()[1]}.jpg")


def test_votes_for_10_are_kept(tmp_path: Path) -> None:
    write_ava(tmp_path)
    df = read_ava_annotations(tmp_path)
    row = df.set_index("image_id").loc["954184"]
    assert row["counts"] == [0] * 9 + [40]  # the [2:11] slice would have dropped all of these
    assert row["mean"] == pytest.approx(10.0) and row["n_votes"] == 40 and row["std"] == pytest.approx(0.0)
    first = df.iloc[0]
    votes = np.array([0, 1, 5, 17, 38, 36, 15, 6, 5, 1])
    assert first["counts"] == votes.tolist() and first["n_votes"] == votes.sum()
    assert first["mean"] == pytest.approx((votes * np.arange(1, 11)).sum() / votes.sum())
    assert np.allclose([sum(d) for d in df["dist"]], 1.0)


def test_columns_tags_and_challenges(tmp_path: Path) -> None:
    write_ava(tmp_path)
    df = read_ava_annotations(tmp_path)
    first = df.iloc[0]
    assert first["image_id"] == "953619" and first["index"] == 1
    assert (first["tag1"], first["tag2"], first["challenge"]) == (1, 22, 1396)
    assert (first["tag1_name"], first["tag2_name"], first["challenge_name"]) == ("Abstract", "Nature", "100_Meters")
    assert df.iloc[1]["tag2_name"] == "Black and White"  # names may contain spaces
    assert pd.isna(df.iloc[5]["tag1_name"])  # tag 0 = none
    assert df.iloc[0]["path"].endswith("images/953619.jpg")


@pytest.mark.parametrize(
    "bad, expected",
    [
        ("7 954000 0 1 5 17 38 36 15 6 5 1 1 22", "expected 15 space-separated integers"),  # the 10s column lost
        ("7 954000 0 1 5 17 38 x 15 6 5 1 1 22 1396", "column 8: expected an integer"),
        ("7 954000 0 0 0 0 0 0 0 0 0 0 1 22 1396", "all zeros"),
        ("7 954000 0 1 5 17 -38 36 15 6 5 1 1 22 1396", ">= 0"),
        ("7 953619 0 1 5 17 38 36 15 6 5 1 1 22 1396", "already appeared on line 1"),
    ],
)
def test_malformed_line_names_its_line_number(tmp_path: Path, bad: str, expected: str) -> None:
    lines = LINES[:3] + [""] + [bad] + LINES[3:]  # a blank line 4 still counts: the bad one is line 5
    write_ava(tmp_path, lines=lines, images=False)
    with pytest.raises(ValueError) as info:
        read_ava_annotations(tmp_path)
    assert "AVA.txt, line 5" in str(info.value) and expected in str(info.value)


def test_official_test_list_defines_the_test_split(tmp_path: Path) -> None:
    write_ava(tmp_path, test_ids=["954184", "954113", "999999"])
    df = read_ava_annotations(tmp_path)
    assert sorted(df.loc[df["split"] == "test", "image_id"]) == ["954113", "954184"]
    assert "official list" in df.attrs["test_split"] and "2 in AVA.txt" in df.attrs["test_split"]


def test_without_the_list_a_seeded_random_test_split(tmp_path: Path) -> None:
    lines = [f"{i} {100 + i} 0 1 5 17 38 36 15 6 5 1 1 22 1396" for i in range(1, 41)]
    write_ava(tmp_path, lines=lines, test_ids=None, images=False)
    a = read_ava_annotations(tmp_path, test_seed=0)
    b = read_ava_annotations(tmp_path, test_seed=0)
    c = read_ava_annotations(tmp_path, test_seed=1)
    assert (a["split"] == "test").sum() == 4
    assert a["split"].tolist() == b["split"].tolist() and a["split"].tolist() != c["split"].tolist()
    assert "random" in a.attrs["test_split"]


def test_missing_file_message(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        read_ava_annotations(tmp_path)
    msg = str(info.value)
    assert "AVA.txt" in msg and "ava_downloader" in msg and "AESTHETICS_DATA=ava:" in msg


def test_dataset_samples_and_splits(tmp_path: Path) -> None:
    write_ava(tmp_path)
    (tmp_path / "images" / "953980.jpg").unlink()
    ds = AVADataset(tmp_path, split="all")
    assert ds.num_bins == 10 and ds.threshold == 5.0
    assert len(ds) == 5 and ds.skipped == [("953980", "the file does not exist")]
    s = ds[0]
    assert s["dist"].shape == (10,) and not bool(s["attr_mask"].any()) and float(s["weight"]) == 1.0
    assert s["orig_size"].tolist() == [12, 18]
    test = AVADataset(tmp_path, split="test")
    assert test.image_ids == ["954184"]
    train, val = AVADataset(tmp_path, split="train", val_fraction=0.2), AVADataset(tmp_path, split="val", val_fraction=0.2)
    carved = set(val.image_ids) | {i for i, _ in val.skipped}  # val is carved before missing files are skipped
    assert len(carved) == 1 and not carved & set(train.image_ids) and "954184" not in carved
