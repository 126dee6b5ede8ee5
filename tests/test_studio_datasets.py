"""Tests of studio datasets on disk (aesthetics_lib.data.studio.generate, .writers and .report):
deterministic files in the real CADB and AVA layouts, the ground truth beside them, the report, the
cache and the ``synth`` command.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import stats

from aesthetics_lib.commands import synth as synth_cmd
from aesthetics_lib.data import studio as S
from aesthetics_lib.data.schema import ATTRIBUTES, ELEMENT_CLASSES, SCENES
from aesthetics_lib.data.studio import generate, writers
from aesthetics_lib.data.studio.rendering import render
from aesthetics_lib.numeric_env import CPU_ENV, in_course_env

N_SMALL = 120
PX = 64
#: Whether pytest itself was started with the course's CPU settings (``make test`` starts it so).
STARTED_IN_COURSE_ENV = in_course_env()


@pytest.fixture
def builds_here(monkeypatch) -> None:
    """Builds run in this process (as under ``make test``), where a test can patch the writers."""
    for key, value in CPU_ENV.items():
        monkeypatch.setenv(key, value)


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


def test_noise_ceiling_is_high_but_below_one(cadb_root, ava_root):
    for root in (cadb_root, ava_root):
        report = json.loads((root / "studio_report.json").read_text())
        ceiling = report["noise_ceiling"]["srcc_vote_mean_vs_true_quality"]
        assert 0.5 < ceiling < 1.0
        f = S.read_factors(root)
        assert math.isclose(ceiling, stats.spearmanr(f["vote_mean"], f["true_quality"])[0], abs_tol=1e-3)


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


def test_ensure_studio_copies_the_other_layouts_renders_and_writes_the_same_files(tmp_path, monkeypatch, builds_here):
    monkeypatch.setenv("AESTHETICS_CACHE", str(tmp_path / "cache"))
    n, seed, px = 80, 0, 32
    cadb_rows = S.sample_factors(n, seed, "cadb")
    ava_rows = S.sample_factors(n, seed, "ava")
    differ = set(np.flatnonzero((cadb_rows != ava_rows).any(axis=1).to_numpy()).tolist())
    assert 0 < len(differ) < n  # the two layouts draw a few photos differently (the polarising share)
    donor = S.ensure_studio("cadb", n=n, seed=seed, long_side=px)
    gone = min(set(range(n)) - differ)
    (donor / "images" / f"{gone + 1}.jpg").unlink()  # a donor file that cannot be copied is rendered instead
    rendered = []
    real_render = writers.render
    monkeypatch.setattr(writers, "render", lambda row, side: (rendered.append(int(row["image_index"])),
                                                             real_render(row, side))[1])
    cached = S.ensure_studio("ava", n=n, seed=seed, long_side=px)
    assert sorted(rendered) == sorted(differ | {gone})
    fresh = S.generate_ava(tmp_path / "fresh", n=n, seed=seed, long_side=px, workers=1)
    assert _digest(cached) == _digest(fresh)
    # a donor whose factor table is gone lends nothing: everything is rendered, to the same files
    (donor / "studio_factors.csv").unlink()
    shutil.rmtree(cached)
    rendered.clear()
    assert S.ensure_studio("ava", n=n, seed=seed, long_side=px) == cached
    assert len(rendered) == n and _digest(cached) == _digest(fresh)


def test_an_interrupted_generation_leaves_nothing_behind(tmp_path, monkeypatch, builds_here):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, "_render_all", boom)
    with pytest.raises(KeyboardInterrupt):
        S.generate_cadb(tmp_path / "out", n=5, seed=0, long_side=32)
    assert list(tmp_path.iterdir()) == []


def test_a_build_outside_the_course_cpu_settings_runs_in_a_child_that_has_them(tmp_path, monkeypatch, builds_here):
    if STARTED_IN_COURSE_ENV:  # as under make test: this process's NumPy runs the course's code paths
        here = S.generate_cadb(tmp_path / "here", n=12, seed=3, long_side=40, workers=1)
    else:  # pytest started by hand: the reference comes from a process started with the settings
        subprocess.run([sys.executable, "-c", "from aesthetics_lib.data.studio import generate_cadb; "
                        f"generate_cadb({str(tmp_path / 'here')!r}, n=12, seed=3, long_side=40, workers=1)"],
                       env={**os.environ, **CPU_ENV}, check=True)
        here = tmp_path / "here"
    monkeypatch.delenv("NPY_ENABLE_CPU_FEATURES")  # as in a JupyterLab started by hand
    monkeypatch.setattr(generate, "course_env_supported", lambda: True)
    assert not in_course_env()
    children = []
    real_run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: (children.append(kw["env"]), real_run(cmd, **kw))[1])
    child = S.generate_cadb(tmp_path / "child", n=12, seed=3, long_side=40, workers=1)
    assert len(children) == 1 and in_course_env(children[0])
    assert _digest(child) == _digest(here)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child", "here"]  # no temporary folder left
    # a failure in the child names the folder and the child's error, and leaves nothing behind
    failed = subprocess.CompletedProcess([], 1, b"", b"Traceback ...\nMemoryError: out of memory\n")
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: failed)
    with pytest.raises(RuntimeError, match=r"building \S*failed in a child process .* MemoryError: out of memory"):
        S.generate_cadb(tmp_path / "failed", n=12, seed=3, long_side=40, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child", "here"]
    # a CPU that cannot run under the settings (ARM) builds here, with no child
    monkeypatch.setattr(generate, "course_env_supported", lambda: False)
    assert S.generate_cadb(tmp_path / "arm", n=12, seed=3, long_side=40, workers=1).is_dir()


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
