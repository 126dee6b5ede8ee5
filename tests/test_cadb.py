"""aesthetics_lib.data.cadb and base: CADB's real files parsed and validated; splits, skipping, samples, cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from aesthetics_lib.data.base import split_ids
from aesthetics_lib.data.cadb import CADBDataset, read_cadb_annotations
from aesthetics_lib.data.schema import ATTRIBUTES, SAMPLE_KEYS

N = 20


def write_cadb(root: Path, n: int = N, seed: int = 0, images: bool = True) -> dict:
    """A tiny CADB in the real layout: ``n`` images, 80% train / 20% test, small odd-sized JPEGs."""
    rng = np.random.default_rng(seed)
    names = [f"{10000 + i}.jpg" for i in range(n)]
    scores, attrs, scenes, weights = {}, {}, {}, {}
    for i, name in enumerate(names):
        s = rng.integers(1, 6, size=5).astype(float).tolist()
        counts = np.bincount(np.asarray(s, dtype=int) - 1, minlength=5)
        scores[name] = {"scores": s, "dist": (counts / 5).tolist(), "mean": float(np.mean(s))}
        a = {k: float(np.round(rng.integers(-5, 6) * 0.2, 1)) for k in ATTRIBUTES}
        a["score"] = 0.5
        attrs[name] = a
        scenes[name] = ["human", "static", "landscape", "night"][i % 4]
        weights[name] = 1.0 + i / n
    split = {"train": names[: int(0.8 * n)], "test": names[int(0.8 * n):]}
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "composition_scores.json": scores,
        "composition_attributes.json": attrs,
        "scene_categories.json": scenes,
        "split.json": split,
        "emdloss_weight.json": weights,
        "composition_elements.json": {names[0]: {"center": [[1, 2, 10, 12]], "pattern": []}},
    }
    for fname, data in files.items():
        (root / fname).write_text(json.dumps(data))
    if images:
        (root / "images").mkdir(exist_ok=True)
        for i, name in enumerate(names):
            w, h = [(30, 20), (20, 30), (36, 12), (12, 36)][i % 4]
            Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(root / "images" / name)
    return files


def test_reader_parses_the_real_layout(tmp_path: Path) -> None:
    files = write_cadb(tmp_path)
    df = read_cadb_annotations(tmp_path, read_sizes=True)
    assert len(df) == N and df["image_id"].tolist()[0] == "10000.jpg"
    row = df.iloc[3]
    raw = files["composition_scores.json"][row["image_id"]]
    assert row["mean"] == pytest.approx(raw["mean"]) and row["dist"] == pytest.approx(raw["dist"])
    assert sum(row["counts"]) == 5 and row["n_votes"] == 5
    assert np.allclose([sum(d) for d in df["dist"]], 1.0)
    assert row["std"] == pytest.approx(np.std(raw["scores"]))
    assert row["RuleOfThirds"] == files["composition_attributes.json"][row["image_id"]]["RuleOfThirds"]
    assert "BalacingElements" in df.columns  # the real (misspelt) key is kept
    assert df["split"].value_counts().to_dict() == {"train": 16, "test": 4}
    assert df.loc[0, "elements"] == {"center": [[1, 2, 10, 12]], "pattern": []} and df.loc[1, "elements"] == {}
    assert df.loc[1, "weight"] == pytest.approx(1.05)
    assert (df["width"] > 0).all() and df.loc[2, "width"] == 36 and df.loc[2, "height"] == 12
    assert Path(df.loc[0, "path"]).is_absolute()


@pytest.mark.parametrize(
    "fname, key, bad, expected",
    [
        ("composition_scores.json", "10004.jpg", {"scores": [1, 2, 3, 4]}, "5 integer ratings"),
        ("composition_scores.json", "10005.jpg", {"scores": [1, 2, 3, 4, 7]}, "5 integer ratings"),
        ("composition_scores.json", "10006.jpg", {"scores": [1, 2, 3, 4, 2.5]}, "5 integer ratings"),
        ("composition_scores.json", "10007.jpg", {"scores": [1, 1, 1, 1, 1], "mean": 3.0}, "'mean'"),
        ("composition_attributes.json", "10008.jpg", {"Light": 0.4}, "BalacingElements"),
        ("scene_categories.json", "10009.jpg", "underwater", "expected a scene"),
    ],
)
def test_malformed_entry_names_file_and_key(tmp_path: Path, fname: str, key: str, bad, expected: str) -> None:
    files = write_cadb(tmp_path, images=False)
    data = files[fname]
    data[key] = bad
    (tmp_path / fname).write_text(json.dumps(data))
    with pytest.raises(ValueError) as info:
        read_cadb_annotations(tmp_path)
    msg = str(info.value)
    assert fname in msg and repr(key) in msg and expected in msg


def test_attribute_out_of_range_is_refused(tmp_path: Path) -> None:
    files = write_cadb(tmp_path, images=False)
    files["composition_attributes.json"]["10002.jpg"]["DoF"] = 1.4
    (tmp_path / "composition_attributes.json").write_text(json.dumps(files["composition_attributes.json"]))
    with pytest.raises(ValueError, match=r"'10002.jpg'.*'DoF'.*\[-1, 1\]"):
        read_cadb_annotations(tmp_path)


def test_invalid_json_names_line(tmp_path: Path) -> None:
    write_cadb(tmp_path, images=False)
    (tmp_path / "split.json").write_text('{"train": [\n"10000.jpg",\n]}')
    with pytest.raises(ValueError, match=r"split.json: not valid JSON at line 3"):
        read_cadb_annotations(tmp_path)


def test_missing_folder_says_what_to_download(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        read_cadb_annotations(tmp_path / "nowhere")
    assert "composition_scores.json" in str(info.value) and "bcmi/Image-Composition-Assessment-Dataset-CADB" in str(info.value)
    write_cadb(tmp_path / "CADB_Dataset", images=False)
    (tmp_path / "CADB_Dataset" / "split.json").unlink()
    with pytest.raises(FileNotFoundError, match="split.json"):
        read_cadb_annotations(tmp_path / "CADB_Dataset")
    write_cadb(tmp_path / "other" / "CADB_Dataset", images=False)
    with pytest.raises(FileNotFoundError, match="pass that folder instead"):  # pointed one level too high
        read_cadb_annotations(tmp_path / "other")


def test_split_ids_is_deterministic_and_exact() -> None:
    ids = [str(i) for i in range(50)]
    kept, carved = split_ids(ids, 0.1, seed=3)
    assert len(carved) == 5 and set(kept) | set(carved) == set(ids) and not set(kept) & set(carved)
    assert split_ids(list(reversed(ids)), 0.1, seed=3) == (kept, carved)  # independent of order
    assert split_ids(ids, 0.1, seed=4)[1] != carved


def test_val_is_carved_from_train_and_disjoint_from_test(tmp_path: Path) -> None:
    write_cadb(tmp_path)
    parts = {s: set(CADBDataset(tmp_path, split=s, val_fraction=0.25, seed=1).image_ids) for s in ("train", "val", "test", "all")}
    official = read_cadb_annotations(tmp_path)
    official_train = set(official.loc[official["split"] == "train", "image_id"])
    assert len(parts["val"]) == 4 and parts["val"] <= official_train
    assert parts["train"] | parts["val"] == official_train and not parts["train"] & parts["val"]
    assert not (parts["val"] | parts["train"]) & parts["test"]
    assert parts["all"] == parts["train"] | parts["val"] | parts["test"]
    again = set(CADBDataset(tmp_path, split="val", val_fraction=0.25, seed=1).image_ids)
    assert again == parts["val"]


def test_missing_and_broken_images_are_skipped_and_counted(tmp_path: Path) -> None:
    write_cadb(tmp_path)
    (tmp_path / "images" / "10001.jpg").unlink()
    (tmp_path / "images" / "10002.jpg").write_bytes(b"")
    ds = CADBDataset(tmp_path, split="all")
    assert len(ds) == N - 2
    assert dict(ds.skipped).keys() == {"10001.jpg", "10002.jpg"}
    assert "empty" in dict(ds.skipped)["10002.jpg"]
    assert "10001.jpg" not in ds.annotations["image_id"].tolist()
    ds_fast = CADBDataset(tmp_path, split="all", verify_images=False)
    assert [i for i, _ in ds_fast.skipped] == ["10001.jpg"]  # existence only


def test_samples_follow_the_schema(tmp_path: Path) -> None:
    write_cadb(tmp_path)
    ds = CADBDataset(tmp_path, split="all")
    assert ds.num_bins == 5 and ds.threshold == 2.6 and ds.targets().shape == (N, 5)
    s = ds[2]
    assert set(SAMPLE_KEYS) <= set(s)
    assert isinstance(s["image"], Image.Image)
    assert s["dist"].shape == (5,) and s["dist"].dtype == torch.float32
    assert float(s["dist"].sum()) == pytest.approx(1.0)
    assert float(s["mean"]) == pytest.approx(float((s["dist"] * torch.arange(1, 6)).sum()), abs=1e-5)
    assert s["attributes"].shape == (11,) and s["attr_mask"].dtype == torch.bool and bool(s["attr_mask"].all())
    assert s["orig_size"].tolist() == [12, 36]  # (height, width)
    assert float(s["weight"]) == pytest.approx(1.1)


def test_transform_dict_is_merged(tmp_path: Path) -> None:
    write_cadb(tmp_path)

    def two_views(img: Image.Image) -> dict:
        t = torch.zeros(3, 8, 8)
        return {"image": t, "local": t + 1}

    s = CADBDataset(tmp_path, split="test", transform=two_views)[0]
    assert s["image"].shape == (3, 8, 8) and float(s["local"].mean()) == 1.0 and "dist" in s


def test_cache_gives_the_same_pixels_without_decoding_again(tmp_path: Path) -> None:
    write_cadb(tmp_path)
    plain = CADBDataset(tmp_path, split="all")
    cached = CADBDataset(tmp_path, split="all").enable_cache(max_side=24, path=tmp_path / "cache")
    assert max(cached.load_image(2).size) == 24 and cached.load_image(2).size == (24, 8)
    big = CADBDataset(tmp_path, split="all").enable_cache(max_side=64)  # in memory, nothing to shrink
    assert np.array_equal(np.asarray(big.load_image(5)), np.asarray(plain.load_image(5)))
    assert cached[2]["orig_size"].tolist() == [12, 36]  # original size, not the cached one
    again = CADBDataset(tmp_path, split="all").enable_cache(max_side=24, path=tmp_path / "cache")
    assert again.cache.loaded_from_disk
    assert np.array_equal(np.asarray(again.load_image(7)), np.asarray(cached.load_image(7)))
    assert (cached.sizes().max(1) <= 24).all()


def test_cache_drops_images_that_fail_to_decode(tmp_path: Path) -> None:
    write_cadb(tmp_path)
    p = tmp_path / "images" / "10003.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(p)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])  # the header reads, the pixels do not
    ds = CADBDataset(tmp_path, split="all")
    assert len(ds) == N  # a header check cannot see truncation
    ds.enable_cache(max_side=32)
    assert len(ds) == N - 1 and ds.skipped[-1][0] == "10003.jpg"
    assert [s["image_id"] for s in (ds[i] for i in range(len(ds)))] == ds.image_ids
