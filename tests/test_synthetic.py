"""Tests of the synthetic photo studio (aesthetics_lib.data.synthetic and studio_render).

The targets are the real datasets' statistics quoted in the course plan (CADB: mean of means 2.70,
SD 0.60, median 2.6, rating counts 1,878 / 18,325 / 20,215 / 6,325 / 742; AVA: mean 5.38, SD 0.73,
95.5 % of means in [4, 7] and the pooled vote histogram), never numbers read off the studio itself.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats

from aesthetics_lib.commands import synth as synth_cmd
from aesthetics_lib.data import synthetic as S
from aesthetics_lib.data.schema import ATTRIBUTES, ELEMENT_CLASSES, SCENES
from aesthetics_lib.data.studio_render import RHYTHM_CYCLES, image_size, render

N_SMALL = 120
PX = 64


def _digest(root: Path, pattern: str = "*") -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob(pattern)):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def cadb_root(tmp_path_factory) -> Path:
    return S.generate_cadb(tmp_path_factory.mktemp("studio") / "cadb", n=N_SMALL, seed=0, long_side=PX, workers=1)


@pytest.fixture(scope="module")
def ava_root(tmp_path_factory) -> Path:
    return S.generate_ava(tmp_path_factory.mktemp("studio") / "ava", n=N_SMALL, seed=0, long_side=PX, workers=1)


def _clean(**overrides) -> dict:
    """A well-made studio photo with chosen factors changed."""
    row = S._clean_row(3)
    row.update(overrides)
    return row


# ------------------------------------------------------------------------------ determinism
def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path):
    a = S.generate_cadb(tmp_path / "a", n=20, seed=5, long_side=40, workers=1)
    b = S.generate_cadb(tmp_path / "b", n=20, seed=5, long_side=40, workers=1)
    c = S.generate_cadb(tmp_path / "c", n=20, seed=6, long_side=40, workers=1)
    assert _digest(a) == _digest(b)
    assert (a / "composition_scores.json").read_bytes() != (c / "composition_scores.json").read_bytes()
    assert _digest(a, "images/*.jpg") != _digest(c, "images/*.jpg")


def test_worker_pool_writes_the_same_files_as_the_serial_path(tmp_path):
    serial = S.generate_ava(tmp_path / "serial", n=16, seed=2, long_side=40, workers=1)
    pooled = S.generate_ava(tmp_path / "pooled", n=16, seed=2, long_side=40, workers=2)
    assert _digest(serial) == _digest(pooled)


def test_render_is_deterministic_and_seed_sensitive():
    row = S.sample_factors(1, seed=4).iloc[0].to_dict()
    im1, m1 = render(row, 80)
    im2, m2 = render(row, 80)
    assert np.array_equal(im1, im2) and np.array_equal(m1, m2)
    im3, _ = render({**row, "render_seed": row["render_seed"] + 1}, 80)
    assert not np.array_equal(im1, im3)


# ------------------------------------------------------------------------------ calibration
def _votes(layout: str, n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    f = S.sample_factors(n, seed, layout)
    q = S.true_quality(f, layout)
    challenge = np.arange(n) % 15 if layout == "ava" else None
    counts = S.simulate_votes(q, f["polarising"].to_numpy(), layout, seed, challenge=challenge)["counts"]
    return f, q, counts


def test_cadb_calibration_matches_the_real_marginals():
    _, _, counts = _votes("cadb", 600, 1)
    means = (counts * np.arange(1, 6)).sum(1) / 5
    assert abs(means.mean() - 2.70) < 0.08
    assert abs(means.std() - 0.60) < 0.08
    assert 2.4 <= np.median(means) <= 2.8
    real = np.array([1878, 18325, 20215, 6325, 742]) / 47485
    pooled = counts.sum(0) / counts.sum()
    assert np.abs(pooled - real).max() < 0.04, pooled.round(3)
    assert set(np.unique(counts.sum(1))) == {5}


def test_ava_calibration_matches_the_real_marginals():
    _, _, counts = _votes("ava", 400, 1)
    n_votes = counts.sum(1)
    means = (counts * np.arange(1, 11)).sum(1) / n_votes
    assert abs(means.mean() - 5.38) < 0.1
    assert abs(means.std() - 0.73) < 0.08
    assert ((means >= 4) & (means <= 7)).mean() > 0.92
    real = np.array([0.013, 0.027, 0.067, 0.167, 0.288, 0.227, 0.117, 0.057, 0.024, 0.014])
    assert np.abs(counts.sum(0) / counts.sum() - real).max() < 0.02
    assert n_votes.min() >= 80 and n_votes.max() <= 520 and 180 < n_votes.mean() < 240


def test_true_quality_is_standard_normal_and_follows_the_factors():
    f = S.sample_factors(3000, 9)
    q = S.true_quality(f)
    assert abs(q.mean()) < 0.1 and abs(q.std() - 1) < 0.1
    good = pd.DataFrame([_clean(subject_x=1 / 3, subject_y=2 / 3)])
    edge = pd.DataFrame([_clean(subject_x=0.04, subject_y=2 / 3)])
    noisy = pd.DataFrame([_clean(subject_x=1 / 3, subject_y=2 / 3, noise=0.06)])
    assert S.quality_raw(good)[0] > S.quality_raw(edge)[0]
    assert S.quality_raw(good)[0] > S.quality_raw(noisy)[0]


# ------------------------------------------------------------------------------ factors and pictures
def test_aspect_ratios_span_1_3_to_3_1_with_modes_near_2_3_and_3_4():
    f = S.sample_factors(3000, 0)
    a = f["aspect"].to_numpy()
    assert a.min() >= 1 / 3 - 1e-9 and a.max() <= 3 + 1e-9
    assert (a > 1.05).mean() > 0.2 and (a < 0.95).mean() > 0.2  # landscape and portrait
    elong = np.maximum(a, 1 / a)
    assert 0.05 < (elong >= 2).mean() < 0.3
    short_over_long = 1 / elong
    hist, edges = np.histogram(short_over_long, bins=np.arange(1 / 3, 1.0001, 0.025))
    mode = (edges[hist.argmax()] + edges[hist.argmax() + 1]) / 2
    assert min(abs(mode - 2 / 3), abs(mode - 3 / 4)) < 0.03


def test_rendered_images_have_the_declared_size_and_subject_mask():
    rows = S.sample_factors(12, 7)
    rows = rows[rows["placement"].isin(["thirds", "centre", "free"])]
    for row in rows.to_dict("records"):
        image, mask = render(row, 96)
        w, h = image_size(row["aspect"], 96)
        assert image.shape == (h, w, 3) and image.dtype == np.uint8
        assert mask.shape == (h, w) and 0 <= mask.min() and mask.max() <= 1
        cx, cy = int(row["subject_x"] * w), int(row["subject_y"] * h)
        assert mask[min(cy, h - 1), min(cx, w - 1)] > 0.5  # the mask covers the subject's centre


def test_fine_detail_lives_at_native_resolution_only():
    """The subject's texture vanishes in a 2x downscale and sensor noise shrinks with the downscale
    factor, while a native-resolution crop keeps both (the double-column lesson)."""
    def rms(a, b):
        return float(np.sqrt(np.mean((a.astype(float) - b.astype(float)) ** 2)))

    def down(im, k):  # antialiased, as data pipelines resize
        h, w = im.shape[:2]
        return np.asarray(Image.fromarray(im).resize((w // k, h // k), Image.BILINEAR))

    row = _clean(subject_x=0.5, subject_y=0.5, subject_size=0.3)
    flat, mask = render({**row, "texture": 0.0}, 160)
    woven, _ = render({**row, "texture": 1.0}, 160)
    ys, xs = np.nonzero(mask > 0.99)
    crop = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    assert rms(flat[crop], woven[crop]) > 8  # visible at native resolution, inside a local crop
    assert rms(down(flat, 2), down(woven, 2)) < 0.25 * rms(flat, woven)

    clean, _ = render({**row, "noise": 0.0}, 160)
    noisy, _ = render({**row, "noise": 0.05}, 160)
    native = rms(clean, noisy)
    assert rms(clean[:64, :64], noisy[:64, :64]) == pytest.approx(native, rel=0.15)
    assert rms(down(clean, 4), down(noisy, 4)) < 0.35 * native


def test_long_side_cue_survives_a_square_warp_only_for_moderate_aspect_ratios():
    def warp_diff(aspect):
        crisp, _ = render(_clean(aspect=aspect, band=True, rhythm=1.0, noise=0.0), 192)
        soft, _ = render(_clean(aspect=aspect, band=True, rhythm=0.0, noise=0.0), 192)
        native = np.abs(crisp.astype(float) - soft.astype(float)).mean()
        size = 96
        wc = np.asarray(Image.fromarray(crisp).resize((size, size), Image.BILINEAR, reducing_gap=None), float)
        ws = np.asarray(Image.fromarray(soft).resize((size, size), Image.BILINEAR, reducing_gap=None), float)
        return np.abs(wc - ws).mean() / native

    assert warp_diff(3.0) < 0.6 * warp_diff(4 / 3)
    assert RHYTHM_CYCLES > 0


# ------------------------------------------------------------------------------ files in the real layouts
def test_cadb_files_follow_the_real_layout(cadb_root):
    scores = json.loads((cadb_root / "composition_scores.json").read_text())
    attrs = json.loads((cadb_root / "composition_attributes.json").read_text())
    scenes = json.loads((cadb_root / "scene_categories.json").read_text())
    split = json.loads((cadb_root / "split.json").read_text())
    elements = json.loads((cadb_root / "composition_elements.json").read_text())
    weights = json.loads((cadb_root / "emdloss_weight.json").read_text())
    keys = set(scores)
    assert len(keys) == N_SMALL and all(k.endswith(".jpg") and k[:-4].isdigit() for k in keys)
    assert all((cadb_root / "images" / k).is_file() for k in keys)
    for k, e in scores.items():
        assert len(e["scores"]) == 5 and all(float(s).is_integer() and 1 <= s <= 5 for s in e["scores"])
        assert math.isclose(sum(e["dist"]), 1.0, abs_tol=1e-6)
        assert math.isclose(e["mean"], np.mean(e["scores"]), abs_tol=1e-6)
    assert set(attrs) == keys and set(scenes) == keys and set(elements) == keys and set(weights) == keys
    for entry in attrs.values():
        assert set(entry) == set(ATTRIBUTES) | {"score"}
        assert "BalacingElements" in entry and "BalancingElements" not in entry
        for a in ATTRIBUTES:
            assert -1 <= entry[a] <= 1 and abs(entry[a] * 5 - round(entry[a] * 5)) < 1e-9
        assert 0 <= entry["score"] <= 1
    assert set(split) == {"train", "test"} and not set(split["train"]) & set(split["test"])
    assert set(split["train"]) | set(split["test"]) == keys
    assert 0.05 <= len(split["test"]) / N_SMALL <= 0.15
    assert set(scenes.values()) <= set(SCENES)
    factors = S.read_factors(cadb_root).set_index("image_id")
    for k, entry in elements.items():
        w, h = int(factors.loc[k, "width"]), int(factors.loc[k, "height"])
        for cls, items in entry.items():
            assert cls in ELEMENT_CLASSES
            for item in items:
                assert len(item) in (4, 6)
                assert all(0 <= x < (w if i % 2 == 0 else h) for i, x in enumerate(item))
            if cls in ("pattern", "fill_the_frame", "none"):
                assert items == []
    train_w = np.array([weights[k] for k in split["train"]])
    assert np.all(train_w > 0) and abs(train_w.mean() - 1) < 1e-3


def test_ava_files_follow_the_real_layout(ava_root):
    rows = [line.split() for line in (ava_root / "AVA.txt").read_text().splitlines()]
    assert len(rows) == N_SMALL and all(len(r) == 15 for r in rows)
    values = np.array(rows, dtype=np.int64)
    assert list(values[:, 0]) == list(range(1, N_SMALL + 1))
    assert all((ava_root / "images" / f"{r[1]}.jpg").is_file() for r in rows)
    votes = values[:, 2:12]
    assert votes.sum(1).min() >= 80 and votes.sum(1).max() <= 520
    tags = {int(line.split(" ", 1)[0]) for line in (ava_root / "tags.txt").read_text().splitlines()}
    challenges = {int(line.split(" ", 1)[0]) for line in (ava_root / "challenges.txt").read_text().splitlines()}
    assert set(values[:, 12]) <= tags and set(values[:, 13]) <= tags | {0}
    assert set(values[:, 14]) <= challenges
    test = (ava_root / "aesthetics_image_lists" / "generic_test.jpgl").read_text().split()
    assert set(test) <= {r[1] for r in rows} and 0.05 <= len(test) / N_SMALL <= 0.15


def test_ground_truth_is_kept_beside_the_labels(cadb_root):
    f = S.read_factors(cadb_root)
    assert len(f) == N_SMALL and all(isinstance(i, str) and i.endswith(".jpg") for i in f["image_id"])
    for col in ("true_quality", "polarising", "subject_x1", "subject_y2", "scene", "placement", "aspect"):
        assert col in f.columns
    scores = json.loads((cadb_root / "composition_scores.json").read_text())
    assert np.allclose(f["vote_mean"], [scores[i]["mean"] for i in f["image_id"]])
    row = f.iloc[0]
    mask = S.subject_mask(cadb_root, row["image_id"])
    image = Image.open(cadb_root / "images" / row["image_id"])
    assert mask.shape == (image.height, image.width) and mask.dtype == np.float32
    ys, xs = np.nonzero(mask > 0.5)
    box = tuple(row[["subject_x1", "subject_y1", "subject_x2", "subject_y2"]])
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == box
    # the stored factors reproduce the stored picture
    again, again_mask = render(row.to_dict(), PX)
    assert np.array_equal(np.rint(again_mask * 255) / 255, mask.astype(np.float64))
    buffer = io.BytesIO()
    Image.fromarray(again).save(buffer, "JPEG", quality=S.StudioConfig.for_layout("cadb").jpeg_quality, subsampling=0)
    assert np.array_equal(np.asarray(Image.open(buffer)), np.asarray(image))


# ------------------------------------------------------------------------------ phenomena
def test_polarising_images_split_the_raters():
    for layout in ("cadb", "ava"):
        f, _, counts = _votes(layout, 1000, 3)
        k = counts.shape[1]
        bins = np.arange(1, k + 1)
        mean = (counts * bins).sum(1) / counts.sum(1)
        sd = np.sqrt((counts * (bins - mean[:, None]) ** 2).sum(1) / counts.sum(1))
        pol = f["polarising"].to_numpy()
        assert 0.04 < pol.mean() < 0.2
        assert sd[pol].mean() > 1.3 * sd[~pol].mean(), layout
        assert S.two_peaked(counts)[pol].mean() > 5 * S.two_peaked(counts)[~pol].mean(), layout


def test_noise_ceiling_is_high_but_below_one(cadb_root, ava_root):
    for root in (cadb_root, ava_root):
        report = json.loads((root / "studio_report.json").read_text())
        ceiling = report["noise_ceiling"]["srcc_vote_mean_vs_true_quality"]
        assert 0.5 < ceiling < 1.0
        f = S.read_factors(root)
        assert math.isclose(ceiling, stats.spearmanr(f["vote_mean"], f["true_quality"])[0], abs_tol=1e-3)


def test_content_bias_and_placement_show_in_the_votes():
    f, _, counts = _votes("cadb", 3000, 4)
    mean = (counts * np.arange(1, 6)).sum(1) / 5
    by_scene = pd.Series(mean).groupby(f["scene"].to_numpy()).mean()
    assert by_scene["landscape"] > by_scene["indoor"] + 0.15
    by_place = pd.Series(mean).groupby(f["placement"].to_numpy()).mean()
    assert by_place["thirds"] > by_place["centre"] and by_place["thirds"] > by_place["edge"] + 0.3


def test_best_crop_puts_the_subject_on_a_third_and_beats_other_crops():
    ex = S.render_canvas(11, aspect=4 / 3, long_side=160)
    h, w = ex.image.shape[:2]
    x1, y1, x2, y2 = ex.box
    assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
    assert abs((x2 - x1) / (y2 - y1) - 4 / 3) < 0.03
    assert (x2 - x1) < w or (y2 - y1) < h  # a real crop of a larger canvas
    cx, cy = ex.factors["subject_x"] * w, ex.factors["subject_y"] * h
    fx, fy = (cx - x1) / (x2 - x1), (cy - y1) / (y2 - y1)
    assert min(abs(fx - 1 / 3), abs(fx - 2 / 3)) < 0.02 and min(abs(fy - 1 / 3), abs(fy - 2 / 3)) < 0.02
    rng = np.random.default_rng(0)
    ch = rng.uniform(0.4, 1.0, 100) * min(h, w * 3 / 4)
    x0, y0 = rng.uniform(0, 1, 100) * (w - ch * 4 / 3), rng.uniform(0, 1, 100) * (h - ch)
    others = S.crop_quality(ex.factors, np.stack([x0, y0, x0 + ch * 4 / 3, y0 + ch], 1), long_side=160)
    assert S.crop_quality(ex.factors, [ex.box], long_side=160)[0] > others.max()
    assert len(S.generate_crop_set(2, seed=1, long_side=64)) == 2


def test_burst_shots_share_a_scene_and_come_with_their_quality_order():
    burst = S.render_burst(5, n_shots=5, long_side=64)
    assert len(burst.images) == 5 and len({im.shape for im in burst.images}) == 1
    assert sorted(burst.order.tolist()) == list(range(5))
    assert np.all(np.diff(burst.quality[burst.order]) <= 0)
    assert burst.order[0] == 0  # the shot without faults is the best
    assert burst.factors["render_seed"].nunique() == 1 and burst.factors["scene"].nunique() == 1


# ------------------------------------------------------------------------------ round trip through the loaders
def test_cadb_loader_reads_the_studio_with_the_same_means(cadb_root):
    from aesthetics_lib.data.cadb import CADBDataset

    ds = CADBDataset(cadb_root, split="all", verify_images=True)
    assert len(ds) == N_SMALL and not ds.skipped
    truth = S.read_factors(cadb_root).set_index("image_id")["vote_mean"]
    ann = ds.annotations.set_index("image_id")
    assert np.allclose(ann["mean"], truth.loc[ann.index])
    sample = ds[0]
    assert float(sample["mean"]) == pytest.approx(float(truth.loc[sample["image_id"]]), abs=1e-5)


def test_ava_loader_reads_the_studio_with_the_same_means(ava_root):
    ava = pytest.importorskip("aesthetics_lib.data.ava")
    ds = ava.AVADataset(ava_root, split="all", verify_images=True)
    assert len(ds) == N_SMALL and not ds.skipped
    truth = S.read_factors(ava_root).set_index("image_id")["vote_mean"]
    ann = ds.annotations.set_index("image_id")
    assert np.allclose(ann["mean"], truth.loc[ann.index])
    test = ava.AVADataset(ava_root, split="test", verify_images=False)
    listed = (ava_root / "aesthetics_image_lists" / "generic_test.jpgl").read_text().split()
    assert set(test.annotations["image_id"]) == set(listed)


# ------------------------------------------------------------------------------ cache and command line
def test_ensure_studio_generates_once_and_reuses(tmp_path, monkeypatch):
    monkeypatch.setenv("AESTHETICS_CACHE", str(tmp_path))
    root = S.ensure_studio("cadb", n=10, seed=0, long_side=32)
    assert root.parent == tmp_path / "studio" and (root / "studio_report.json").is_file()
    stamp = (root / "studio_report.json").stat().st_mtime_ns
    assert S.ensure_studio("cadb", n=10, seed=0, long_side=32) == root
    assert (root / "studio_report.json").stat().st_mtime_ns == stamp
    assert [p.name for p in root.parent.iterdir()] == [root.name]  # no temporary folders left


def test_an_interrupted_generation_leaves_nothing_behind(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(S, "_render_all", boom)
    with pytest.raises(KeyboardInterrupt):
        S.generate_cadb(tmp_path / "out", n=5, seed=0, long_side=32)
    assert list(tmp_path.iterdir()) == []


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    synth_cmd.add_arguments(parser)
    return synth_cmd.run(parser.parse_args(argv))


def test_synth_cli_refuses_a_foreign_folder_and_keeps_its_files(tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my notes")
    assert _cli(["--layout", "cadb", "--out", str(foreign), "--n", "6", "--long-side", "32"]) == 2
    assert "refusing" in capsys.readouterr().err
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert (foreign / "notes.txt").read_text() == "my notes"

    out = tmp_path / "studio"
    assert _cli(["--layout", "ava", "--out", str(out), "--n", "6", "--long-side", "32"]) == 0
    printed = capsys.readouterr().out
    assert "6 AVA-layout images" in printed and "noise ceiling" in printed
    stamp = (out / "AVA.txt").stat().st_mtime_ns
    assert _cli(["--layout", "ava", "--out", str(out), "--n", "6", "--long-side", "32"]) == 0  # same: reused
    assert (out / "AVA.txt").stat().st_mtime_ns == stamp
    assert _cli(["--layout", "ava", "--out", str(out), "--n", "7", "--long-side", "32"]) == 2  # other parameters
    assert (out / "AVA.txt").stat().st_mtime_ns == stamp


def test_render_names_the_missing_factors():
    row = S.sample_factors(1, seed=0).iloc[0].to_dict()
    del row["subject_x"], row["noise"]
    with pytest.raises(KeyError, match="subject_x.*noise"):
        render(row, 32)
