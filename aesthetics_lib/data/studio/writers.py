"""Rendering a studio dataset to disk: images, masks and labels in CADB's or AVA's real layout.

:func:`_build` fills an empty folder (the caller, :mod:`aesthetics_lib.data.studio.generate`, makes
it atomic); :func:`_write_cadb_labels` and :func:`_write_ava_labels` write the real label files.
Introduced in notebooks/00_welcome.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from aesthetics_lib.data.schema import ATTRIBUTES, CADB_BINS, SCENES
from aesthetics_lib.data.studio.factors import (
    FACTORS_FILE,
    MASKS_DIR,
    QUALITY_TERMS,
    REPORT_FILE,
    StudioConfig,
    sample_factors,
)
from aesthetics_lib.data.studio.labels import attributes_from_factors, composition_elements
from aesthetics_lib.data.studio.quality import quality_raw, quality_terms, true_quality
from aesthetics_lib.data.studio.raters import expected_mean, simulate_votes
from aesthetics_lib.data.studio.rendering import image_size, render
from aesthetics_lib.data.studio.report import studio_report

AVA_TAGS: tuple[str, ...] = (
    "Portraiture", "Still Life", "Landscape", "Animals", "Architecture", "Floral", "Cityscape",
    "Interior", "Night", "Abstract", "Duotone", "Panorama", "Symmetry", "Patterns", "Motion",
    "Macro", "Minimalism", "Vivid Colour",
)
AVA_CHALLENGES: tuple[str, ...] = (
    "Faces and Figures", "Table Top", "Wide Open Spaces", "Creatures Great and Small",
    "Lines and Buildings", "In the Garden", "Urban Life", "Rooms", "After Dark", "Free Study",
    "Rule of Thirds", "Mirror Image", "Repeat After Me", "Two Tone", "Long Views",
)
AVA_CHALLENGE_BASE = 1000


def _render_one(task: tuple[dict, int, str, str, int]) -> tuple[int, list[int] | None, float | str]:
    """Render and write one image; returns ``(index, subject box, mask mean)`` or ``(index, None, error)``."""
    row, long_side, image_path, mask_path, quality = task
    try:
        image, mask = render(row, long_side)
    except Exception as exc:  # reported with every other failure once the batch is done
        return int(row["image_index"]), None, f"{type(exc).__name__}: {exc}"
    Image.fromarray(image).save(image_path, "JPEG", quality=quality, subsampling=0)
    Image.fromarray(np.rint(mask * 255).astype(np.uint8), mode="L").save(mask_path, "PNG", compress_level=1)
    ys, xs = np.nonzero(mask > 0.5)
    box = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1] if len(xs) else [0, 0, 0, 0]
    return int(row["image_index"]), box, float(mask.mean())


def _render_all(tasks: list[tuple], workers: int | None) -> list[tuple[int, list[int], float]]:
    """Render and write every image; a pool of ``workers`` processes gives the same files as the serial path."""
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(tasks) >= 200 else 1
    if workers <= 1:
        return [_render_one(t) for t in tasks]
    method = "fork" if "fork" in mp.get_all_start_methods() and sys.platform != "darwin" else "spawn"
    with mp.get_context(method).Pool(workers) as pool:
        return pool.map(_render_one, tasks, chunksize=max(1, len(tasks) // (8 * workers)))


def _ids(layout: str, n: int) -> list[str]:
    if layout == "cadb":
        return [f"{i + 1}.jpg" for i in range(n)]  # the real keys: "<number>.jpg"
    return [str(100000 + 7 * (i + 1)) for i in range(n)]  # AVA: numeric ids, the file is <id>.jpg


def _stem(image_id: str) -> str:
    return image_id[:-4] if image_id.endswith(".jpg") else image_id


def _json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=None, separators=(", ", ": ")) + "\n", encoding="utf-8")


def _copied_renders(donor: tuple[Path, str], factors: pd.DataFrame, seed: int, cfg: StudioConfig,
                    out: Path) -> dict[int, tuple[list[int], float]]:
    """Copy into ``out`` the renders of ``donor`` (the folder and layout of a complete studio dataset
    with the same ``n``, ``seed`` and long side, in the other layout and its own calibration) whose
    factor rows equal those of ``factors``; returns ``{image_index: (subject box, mask mean)}``.

    A render depends only on its factor row and the long side, and the two layouts draw the same rows
    except for the polarising share, so the copies are the files rendering would write. A file that
    cannot be copied is left out (rendered instead).
    """
    root, layout = donor
    theirs_cfg = StudioConfig.for_layout(layout)
    if theirs_cfg.jpeg_quality != cfg.jpeg_quality:
        return {}
    theirs = sample_factors(len(factors), seed, layout, theirs_cfg)
    ours = factors[theirs.columns]
    same = (ours == theirs).all(axis=1).to_numpy()
    try:
        table = pd.read_csv(root / FACTORS_FILE, dtype={"image_id": str})  # exact: pandas reads floats back as written
    except (OSError, ValueError):  # the donor's table is gone or damaged: render everything
        return {}
    copied = {}
    for k in np.flatnonzero(same):
        row = table.iloc[k]
        i, j = _stem(str(row["image_id"])), _stem(str(factors["image_id"].iat[k]))
        try:
            shutil.copyfile(root / "images" / f"{i}.jpg", out / "images" / f"{j}.jpg")
            shutil.copyfile(root / MASKS_DIR / f"{i}.png", out / MASKS_DIR / f"{j}.png")
        except OSError:
            continue
        box = [int(row[c]) for c in ("subject_x1", "subject_y1", "subject_x2", "subject_y2")]
        copied[int(factors["image_index"].iat[k])] = (box, float(row["subject_area"]))
    return copied


def _build(layout: str, out: Path, n: int, seed: int, long_side: int, workers: int | None,
           cfg: StudioConfig, donor: tuple[Path, str] | None = None) -> None:
    """Generate a complete studio dataset into the empty folder ``out``; with ``donor`` (see
    :func:`_copied_renders`), the images it already rendered are copied instead of rendered again."""
    factors = sample_factors(n, seed, layout, cfg)
    ids = _ids(layout, n)
    factors.insert(0, "image_id", ids)
    sizes = [image_size(a, long_side) for a in factors["aspect"]]
    factors.insert(1, "width", [w for w, _ in sizes])
    factors.insert(2, "height", [h for _, h in sizes])
    rng = np.random.default_rng([int(seed), 5])
    order = rng.permutation(n)
    n_test = int(round(cfg.test_fraction * n)) if n >= 2 else 0
    test = np.zeros(n, bool)
    test[order[:n_test]] = True
    factors.insert(3, "split", np.where(test, "test", "train"))

    terms = quality_terms(factors)
    factors["quality_raw"] = quality_raw(factors, cfg.weights)
    factors["true_quality"] = true_quality(factors, layout, cfg)
    challenge = None
    if layout == "ava":
        tag1, tag2, challenge = _ava_tags(factors, rng)
    votes = simulate_votes(factors["true_quality"].to_numpy(), factors["polarising"].to_numpy(),
                           layout, seed, cfg, challenge)
    counts = votes["counts"]
    bins = np.arange(1, cfg.num_bins + 1)
    means = (counts * bins).sum(1) / counts.sum(1)
    factors["true_mean"] = expected_mean(
        factors["true_quality"].to_numpy(), factors["polarising"].to_numpy(), cfg, seed)
    factors["crowd_offset"] = votes["crowd"]
    factors["n_votes"] = counts.sum(1)
    factors["vote_mean"] = means
    factors["vote_std"] = np.sqrt((counts * (bins - means[:, None]) ** 2).sum(1) / counts.sum(1))
    for t in QUALITY_TERMS:
        factors[f"term_{t}"] = terms[t].to_numpy()

    (out / "images").mkdir(parents=True)
    (out / MASKS_DIR).mkdir()
    copied = _copied_renders(donor, factors, seed, cfg, out) if donor is not None else {}
    tasks = [(row, long_side, str(out / "images" / f"{_stem(i)}.jpg"), str(out / MASKS_DIR / f"{_stem(i)}.png"),
              cfg.jpeg_quality) for i, row in zip(ids, factors.to_dict("records")) if row["image_index"] not in copied]
    results = sorted(_render_all(tasks, workers) + [(k, box, area) for k, (box, area) in copied.items()],
                     key=lambda r: r[0])
    failed = [(ids[i], err) for i, box, err in results if box is None]
    if failed:
        listed = "; ".join(f"{i}: {e}" for i, e in failed[:5])
        raise RuntimeError(f"studio: {len(failed)} of {n} images failed to render ({listed}); nothing was written")
    boxes = np.array([b for _, b, _ in results], dtype=int).reshape(-1, 4)
    for j, c in enumerate(("subject_x1", "subject_y1", "subject_x2", "subject_y2")):
        factors[c] = boxes[:, j]
    factors["subject_area"] = [a for _, _, a in results]

    if layout == "cadb":
        _write_cadb_labels(out, factors, terms, votes["scores"], seed)
    else:
        _write_ava_labels(out, factors, counts, tag1, tag2, challenge)
    factors.to_csv(out / FACTORS_FILE, index=False)  # full precision: render(row) reproduces the image
    params = {"layout": layout, "n": n, "seed": seed, "long_side": long_side}
    report = studio_report(factors, counts, layout, cfg, params=params)
    _json(out / REPORT_FILE, report)  # written last: its presence marks a complete dataset


def _write_cadb_labels(out: Path, f: pd.DataFrame, terms: pd.DataFrame, scores: np.ndarray, seed: int) -> None:
    ids = f["image_id"].tolist()
    k = CADB_BINS
    entries = {}
    for i, s in zip(ids, scores):
        dist = np.bincount(s - 1, minlength=k) / len(s)
        entries[i] = {"scores": [float(v) for v in s], "dist": [round(float(d), 4) for d in dist],
                      "mean": round(float(np.mean(s)), 4)}
    _json(out / "composition_scores.json", entries)
    attrs = attributes_from_factors(f, terms, seed, f["true_quality"].to_numpy())
    _json(out / "composition_attributes.json",
          {i: {**{a: float(r[a]) for a in ATTRIBUTES}, "score": float(r["score"])}
           for i, r in zip(ids, attrs.to_dict("records"))})
    elements = {}
    for row in f.to_dict("records"):
        box = [row["subject_x1"], row["subject_y1"], row["subject_x2"] - 1, row["subject_y2"] - 1]
        elements[row["image_id"]] = composition_elements(row, box, int(row["width"]), int(row["height"]))
    _json(out / "composition_elements.json", elements)
    _json(out / "scene_categories.json", dict(zip(ids, f["scene"])))
    train = [i for i, s in zip(ids, f["split"]) if s == "train"]
    _json(out / "split.json", {"train": train, "test": [i for i, s in zip(ids, f["split"]) if s == "test"]})
    # SAMP-Net's weighted EMD: rare mean scores weigh more. Weight = frequency^-1/2 of the image's
    # rounded mean-score bin in train (plain inverse frequency would give the few images of the
    # rarest bin weights in the hundreds), normalised to mean 1 over train.
    means = f["vote_mean"].to_numpy()
    bins = np.clip(np.floor(means + 0.5), 1, k).astype(int)
    is_train = f["split"].to_numpy() == "train"
    freq = np.bincount(bins[is_train], minlength=k + 1).astype(float)
    w = 1.0 / np.sqrt(np.maximum(freq[bins], 1.0))
    w = w / w[is_train].mean() if is_train.any() else np.ones_like(w)
    _json(out / "emdloss_weight.json", {i: round(float(v), 4) for i, v in zip(ids, w)})


def _ava_tags(f: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scene_tag = {s: AVA_TAGS.index(t) + 1 for s, t in zip(SCENES, (
        "Portraiture", "Still Life", "Landscape", "Animals", "Architecture", "Floral", "Cityscape",
        "Interior", "Night", "Abstract"))}
    tag1 = f["scene"].map(scene_tag).to_numpy()
    aspect = f["aspect"].to_numpy(float)
    style = np.select(
        [f["polarising"].to_numpy(bool), np.maximum(aspect, 1 / aspect) >= 2, f["placement"].to_numpy() == "symmetric",
         f["repetition"].to_numpy() > 0, f["motion_blur"].to_numpy(float) > 0.01, f["texture"].to_numpy(float) > 0.85,
         f["clutter"].to_numpy() == 0, f["saturation"].to_numpy(float) > 0.85],
        [AVA_TAGS.index(t) + 1 for t in ("Duotone", "Panorama", "Symmetry", "Patterns", "Motion", "Macro",
                                          "Minimalism", "Vivid Colour")], 0)
    tag2 = np.where(rng.random(len(f)) < 0.8, style, 0)
    theme = np.select(
        [f["placement"].to_numpy() == "thirds", f["placement"].to_numpy() == "symmetric",
         f["repetition"].to_numpy() > 0, f["polarising"].to_numpy(bool), np.maximum(aspect, 1 / aspect) >= 2],
        [10, 11, 12, 13, 14], -1)
    by_scene = np.array([SCENES.index(s) for s in f["scene"]])
    use_theme = (theme >= 0) & (rng.random(len(f)) < 0.5)
    challenge = AVA_CHALLENGE_BASE + 1 + np.where(use_theme, theme, by_scene)
    return tag1, tag2, challenge


def _write_ava_labels(out: Path, f: pd.DataFrame, counts: np.ndarray, tag1: np.ndarray, tag2: np.ndarray,
                      challenge: np.ndarray) -> None:
    lines = [" ".join(str(int(v)) for v in (k + 1, int(i), *c, t1, t2, ch))
             for k, (i, c, t1, t2, ch) in enumerate(zip(f["image_id"], counts, tag1, tag2, challenge))]
    (out / "AVA.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "tags.txt").write_text("".join(f"{k + 1} {t}\n" for k, t in enumerate(AVA_TAGS)), encoding="utf-8")
    (out / "challenges.txt").write_text(
        "".join(f"{AVA_CHALLENGE_BASE + k + 1} {c}\n" for k, c in enumerate(AVA_CHALLENGES)), encoding="utf-8")
    (out / "aesthetics_image_lists").mkdir()
    test = f.loc[f["split"] == "test", "image_id"]
    (out / "aesthetics_image_lists" / "generic_test.jpgl").write_text("".join(f"{i}\n" for i in test), encoding="utf-8")
