"""The synthetic photo studio: the course's offline default dataset, in the real CADB and AVA layouts.

The studio renders small "photos" from known factors, derives a hidden true quality from them, and
lets simulated raters vote. The labels are written in the real on-disk layouts, so the real loaders
(:mod:`aesthetics_lib.data.cadb`, :mod:`aesthetics_lib.data.ava`) read them unchanged, and the
ground truth is kept beside them (``studio_factors.csv``, ``masks/``, ``studio_report.json``).

**Factors** (:func:`sample_factors`; one row per image, resolution-free): ``scene`` (CADB's 10 scenes,
each with its own base rate: content bias), ``aspect`` (width / height, 1:3 to 3:1, most near 3:2,
4:3, 2:3, 3:4), ``placement`` (thirds, centre, symmetric, edge, free) with ``subject_x/y`` (centre, in
[0, 1] of width/height), ``subject_size`` (radius / short side), ``subject_shape``,
``subject_elong``, ``subject_hue``, ``palette_hue``, ``harmony`` (0 = clashing, 1 = analogous or
complementary subject colour), ``horizon_y`` and ``horizon_tilt`` (degrees), ``exposure`` (EV),
``contrast``, ``saturation``, ``dof`` (background blur), ``motion_blur`` (fraction of the long side),
``softness`` (lens blur, pixels at native size), ``noise`` (sensor noise SD), ``texture`` (fine surface
detail on the subject), ``band``/``rhythm`` (a fence along the long side and its crispness),
``symmetry``, ``repetition``/``repetition_regularity``, ``balance`` (relative size of a balancing
element, 0 = none), ``clutter`` (number of distractors), ``polarising`` (a duotone style that splits
the raters into two camps) and ``render_seed``.

**True quality** (:func:`quality_terms`, :func:`true_quality`): ``quality_raw`` is the sum of the
weighted terms below (each roughly in [-2, 1.3]); ``true_quality`` is its normal score, the standard
normal quantile of its rank in a fixed reference draw of 20,000 factor rows (a fixed monotone map, so
one image's truth never depends on the other images generated with it).

==============  ==========================================================================================
term            definition (s = subject centre, t = distance to the nearest thirds point, all in [0, 1] units)
==============  ==========================================================================================
content         the scene's base rate (:data:`SCENE_BASE`: landscape +0.70 ... other -0.60)
placement       1.6 [exp(-(t/.07)^2) + 0.9 symmetry exp(-((sx-.5)/.04)^2) - edge - 0.3 centred (1 - symmetry)],
                edge = clip((0.12 - distance of s to the border) / 0.12, 0, 1)
horizon         -min(|tilt| / 3 deg, 2) / 2 + 0.3 (horizon on a third) - 0.3 (horizon centred, unless symmetric)
subject_size    -min((log(size / 0.17) / 0.45)^2, 1.5)
exposure        -min((EV / 0.9)^2, 2)
contrast        -min((log(contrast / 1.1) / 0.25)^2, 2)
harmony         1.6 (harmony - 0.5)
saturation      -min(((saturation - 0.62) / 0.28)^2, 1.5)
dof             0.8 dof
motion          -min(motion_blur / 0.015, 1.5)
noise           -min(noise / 0.045, 1.6)                    (fine detail: native resolution only)
softness        -min(softness / 1.0, 1.6)                   (fine detail)
texture         texture                                     (fine detail)
rhythm          band (0.3 + 1.2 clip((elongation - 1.25) / 1.25, 0, 1)) (2 rhythm - 1)   (long-side cue)
repetition      0.7 [repetition > 0] (2 regularity - 1)
balance         0.5 [balance > 0] off - 0.2 [balance = 0] off,  off = min(|sx - .5| / .17, 1)
clutter         -min(clutter / 12, 1.2)
==============  ==========================================================================================

Every term has weight 1 (``StudioConfig.weights`` changes them). On the default factor distribution
the placement term carries about 17 % of the variance of ``quality_raw``, exposure and contrast about
10 % each, the three fine-detail terms together about 17 % and the rhythm band 3 % (most of it in
elongated images); ``studio_report.json`` lists the shares of each generated dataset.

**Raters** (:func:`simulate_votes`): rater j's latent opinion of image i is
``signal * true_quality_i + crowd_i + bias_j + shift * camp_j * polarising_i + noise_ij``; the vote is
the number of thresholds it passes plus one. ``crowd_i`` is what the crowd sees that the factors do
not say (consensus, not truth; on AVA it includes the challenge's offset), ``camp_j`` is +1 or -1 (the
two camps of a polarising image). The thresholds are the quantiles of the model's population
distribution of latents at the cumulative target histogram, so the pooled votes match the real
marginals (CADB: 5 fixed raters, scores 1..5; AVA: 80..520 raters from a pool, scores 1..10).
``signal`` and the noise SDs are set so that the SD of per-image means matches the real data.

**Phenomena** built in for the lessons (each measured in ``studio_report.json``): fine detail that
only native resolution shows (``noise``, ``softness`` and the 2-pixel ``texture`` weave; 05), a
long-side cue (the rhythm band, whose period is a 20th of the *short* side, matters most in elongated
images; 06), polarising images with two-peaked votes (07), a salient subject whose placement drives
quality, with its mask in ``masks/`` (08-10), content bias across scenes (03, 08), a known best crop
(:func:`render_canvas`, :func:`generate_crop_set`, :func:`crop_quality`; 11), bursts of near
duplicates with a known order (:func:`render_burst`; 11) and the noise ceiling, SRCC(vote mean,
true quality), that no model can beat (every results table).

Introduced in notebooks/00_welcome; the phenomena it holds are used from 01 to 11.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing as mp
import os
import shutil
import sys
import uuid
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from PIL import Image
from scipy import optimize, stats

from aesthetics_lib.data.schema import ATTRIBUTES, AVA_BINS, CADB_BINS, SCENES
from aesthetics_lib.data.studio_render import horizon_rows, image_size, render, subject_radii

STUDIO_VERSION = 1  #: bump whenever rendering, factors, quality or labels change (cache names include it)
LAYOUTS: tuple[str, ...] = ("cadb", "ava")
PLACEMENTS: tuple[str, ...] = ("thirds", "centre", "symmetric", "edge", "free")
SHAPES: tuple[str, ...] = ("ellipse", "box", "triangle", "blob", "figure")
REPORT_FILE = "studio_report.json"
FACTORS_FILE = "studio_factors.csv"
MASKS_DIR = "masks"

#: Scene frequencies and base rates (the ``content`` term: content bias).
SCENE_FREQ: dict[str, float] = {
    "human": 0.12, "static": 0.14, "landscape": 0.16, "animal": 0.09, "architecture": 0.10,
    "plant": 0.09, "cityscape": 0.09, "indoor": 0.08, "night": 0.06, "other": 0.07,
}
SCENE_BASE: dict[str, float] = {
    "human": -0.10, "static": -0.30, "landscape": 0.70, "animal": 0.25, "architecture": 0.40,
    "plant": 0.30, "cityscape": 0.00, "indoor": -0.55, "night": 0.10, "other": -0.60,
}
#: Subject shape probabilities per scene, in the order of :data:`SHAPES`.
SCENE_SHAPES: dict[str, tuple[float, ...]] = {
    "human": (0, 0, 0, 0, 1), "static": (0.4, 0.3, 0.2, 0.1, 0), "landscape": (0.2, 0, 0.5, 0.3, 0),
    "animal": (0.3, 0, 0, 0.7, 0), "architecture": (0, 0.8, 0.2, 0, 0), "plant": (0.4, 0, 0.1, 0.5, 0),
    "cityscape": (0, 0.7, 0.3, 0, 0), "indoor": (0.4, 0.5, 0, 0.1, 0), "night": (0.6, 0.3, 0, 0.1, 0),
    "other": (0.2, 0.2, 0.2, 0.2, 0.2),
}
#: Ground hue per scene (the palette's base hue before jitter).
SCENE_HUE: dict[str, float] = {
    "human": 0.10, "static": 0.07, "landscape": 0.28, "animal": 0.22, "architecture": 0.08,
    "plant": 0.25, "cityscape": 0.00, "indoor": 0.06, "night": 0.60, "other": 0.45,
}
#: Aspect-ratio modes (width / height) and their probabilities; the rest (``EXTREME_FRACTION``) is
#: log-uniform over 2:1..3:1 (60 %) or 1:3..1:2 (40 %).
ASPECT_MODES: tuple[tuple[float, float], ...] = (
    (3 / 2, 0.30), (4 / 3, 0.18), (2 / 3, 0.14), (3 / 4, 0.10), (1.0, 0.07), (16 / 9, 0.07),
)
EXTREME_FRACTION = 0.14

QUALITY_TERMS: tuple[str, ...] = (
    "content", "placement", "horizon", "subject_size", "exposure", "contrast", "harmony",
    "saturation", "dof", "motion", "noise", "softness", "texture", "rhythm", "repetition",
    "balance", "clutter",
)
FINE_DETAIL_TERMS: tuple[str, ...] = ("noise", "softness", "texture")
_THIRDS = np.array([[1 / 3, 1 / 3], [1 / 3, 2 / 3], [2 / 3, 1 / 3], [2 / 3, 2 / 3]])
_REFERENCE_N = 20000
_REFERENCE_SEED = 20240601

# CADB's rating counts 1..5 (47,485 ratings) and AVA's pooled vote histogram 1..10 (COURSE.md).
CADB_TARGET = (1878, 18325, 20215, 6325, 742)
AVA_TARGET = (0.013, 0.027, 0.067, 0.167, 0.288, 0.227, 0.117, 0.057, 0.024, 0.014)

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


@dataclass(frozen=True)
class StudioConfig:
    """Rater model and calibration of one layout (``StudioConfig.for_layout("cadb" | "ava")``).

    ``signal`` scales the true quality in the latent opinion; ``crowd_sd`` is the image-level offset
    shared by all raters (so even infinitely many votes do not recover the truth); ``bias_sd`` and
    ``vote_sd`` are per-rater and per-vote noise; a polarising image shifts each rater by
    ``+-polarising_shift`` according to the rater's camp. ``target`` is the pooled vote histogram the
    thresholds reproduce. Introduced in notebooks/00_welcome.
    """

    layout: str
    num_bins: int
    target: tuple[float, ...]
    signal: float
    crowd_sd: float
    bias_sd: float
    vote_sd: float
    polarising_fraction: float
    polarising_shift: float
    raters: int  # CADB: raters per image (all images, fixed raters); AVA: size of the rater pool
    votes_median: int = 5
    votes_range: tuple[int, int] = (5, 5)
    challenge_sd: float = 0.0
    test_fraction: float = 0.1
    jpeg_quality: int = 92
    weights: dict[str, float] = field(default_factory=lambda: {t: 1.0 for t in QUALITY_TERMS})

    @staticmethod
    def for_layout(layout: str) -> "StudioConfig":
        """The calibrated configuration of ``"cadb"`` or ``"ava"``."""
        if layout == "cadb":
            return StudioConfig(
                layout="cadb", num_bins=CADB_BINS, target=tuple(float(c) for c in CADB_TARGET),
                signal=0.74, crowd_sd=0.18, bias_sd=0.20, vote_sd=0.62,
                polarising_fraction=0.08, polarising_shift=1.2, raters=5,
            )
        if layout == "ava":
            return StudioConfig(
                layout="ava", num_bins=AVA_BINS, target=AVA_TARGET,
                signal=0.455, crowd_sd=0.12, bias_sd=0.35, vote_sd=0.80,
                polarising_fraction=0.10, polarising_shift=1.3, raters=4000,
                votes_median=200, votes_range=(80, 520), challenge_sd=0.08,
            )
        raise ValueError(f"studio: expected layout 'cadb' or 'ava', found {layout!r}")

    def key(self) -> str:
        """A stable text of every setting (for cache names and the report)."""
        return json.dumps(asdict(self), sort_keys=True)


def _config(layout: str, config: StudioConfig | None) -> StudioConfig:
    if config is not None:
        if config.layout != layout:
            raise ValueError(f"studio: config is for layout {config.layout!r}, expected {layout!r}")
        return config
    return StudioConfig.for_layout(layout)


# ============================================================================ factors
def sample_factors(n: int, seed: int = 0, layout: str = "cadb", config: StudioConfig | None = None) -> pd.DataFrame:
    """Draw the factors of ``n`` studio photos (vectorised; deterministic from ``seed``).

    Returns a DataFrame with one row per image: ``image_index`` and the factor columns listed in the
    module docstring. ``layout`` (or ``config``) sets the share of polarising images.
    Introduced in notebooks/00_welcome.
    """
    cfg = _config(layout, config)
    if n < 0:
        raise ValueError(f"sample_factors: expected n >= 0, found {n}")
    rng = np.random.default_rng([int(seed), 1])
    u = lambda *a: rng.uniform(*a, size=n)  # noqa: E731

    scene_idx = rng.choice(len(SCENES), n, p=np.array([SCENE_FREQ[s] for s in SCENES]))
    scenes = np.array(SCENES)[scene_idx]
    # aspect: modes with a little jitter, plus a tail of panoramas and tall images
    modes = np.array([m for m, _ in ASPECT_MODES])
    p = np.array([q for _, q in ASPECT_MODES])
    p = p / p.sum() * (1 - EXTREME_FRACTION)
    pick = rng.choice(len(modes) + 1, n, p=np.append(p, EXTREME_FRACTION))
    aspect = modes[np.minimum(pick, len(modes) - 1)] * np.exp(rng.normal(0, 0.025, n))
    wide = rng.random(n) < 0.6
    ext = np.exp(rng.uniform(np.log(2.0), np.log(3.0), n))
    aspect = np.where(pick == len(modes), np.where(wide, ext, 1.0 / ext), aspect)
    aspect = np.clip(aspect, 1 / 3, 3.0)

    placement = np.array(PLACEMENTS)[rng.choice(len(PLACEMENTS), n, p=[0.34, 0.20, 0.08, 0.14, 0.24])]
    corner = _THIRDS[rng.integers(0, 4, n)]
    sx, sy = corner[:, 0] + rng.normal(0, 0.03, n), corner[:, 1] + rng.normal(0, 0.03, n)
    cen_x, cen_y = 0.5 + rng.normal(0, 0.03, n), 0.5 + rng.normal(0, 0.03, n)
    sym_y = u(0.4, 0.65)
    edge_side = rng.integers(0, 4, n)
    edge_a, edge_b = u(0.02, 0.10), u(0.2, 0.8)
    ex = np.select([edge_side == 0, edge_side == 1], [edge_a, 1 - edge_a], edge_b)
    ey = np.select([edge_side == 2, edge_side == 3], [edge_a, 1 - edge_a], edge_b)
    fx, fy = u(0.15, 0.85), u(0.15, 0.85)
    subject_x = np.select(
        [placement == "thirds", placement == "centre", placement == "symmetric", placement == "edge"],
        [sx, cen_x, np.full(n, 0.5), ex], fx)
    subject_y = np.select(
        [placement == "thirds", placement == "centre", placement == "symmetric", placement == "edge"],
        [sy, cen_y, sym_y, ey], fy)
    symmetric = placement == "symmetric"

    size = np.clip(np.exp(rng.normal(np.log(0.16), 0.3, n)), 0.07, 0.32)
    table = np.array([np.asarray(SCENE_SHAPES[s]) / sum(SCENE_SHAPES[s]) for s in SCENES])
    cum = np.cumsum(table[scene_idx], axis=1)
    shape_idx = np.minimum((rng.random(n)[:, None] > cum).sum(1), len(SHAPES) - 1)
    shapes = np.array(SHAPES)[shape_idx]
    elong = np.exp(rng.normal(0, 0.25, n))
    elong = np.where(shapes == "figure", u(2.2, 2.8), elong)
    elong = np.where((shapes == "box") & np.isin(scenes, ["architecture", "cityscape"]), u(1.3, 2.5), elong)
    shapes = np.where(symmetric & (shapes == "blob"), "ellipse", shapes)

    palette_hue = (np.array([SCENE_HUE[s] for s in scenes]) + rng.normal(0, 0.03, n)) % 1.0
    harmony = rng.beta(2.0, 1.6, n)
    template = np.where(rng.random(n) < 0.6, 0.0, 0.5)  # analogous or complementary
    away = np.where(rng.random(n) < 0.5, -1.0, 1.0) * (1.0 - harmony) * 0.25
    subject_hue = (palette_hue + template + away) % 1.0

    hz_kind = rng.choice(3, n, p=[0.45, 0.25, 0.30])
    hz = np.select([hz_kind == 0, hz_kind == 1],
                   [np.where(rng.random(n) < 0.5, 1 / 3, 2 / 3) + rng.normal(0, 0.025, n),
                    0.5 + rng.normal(0, 0.025, n)], u(0.15, 0.85))
    tilted = rng.random(n) < 0.3
    tilt = np.where(tilted, np.where(rng.random(n) < 0.5, -1, 1) * u(2.0, 12.0), rng.normal(0, 0.6, n))
    tilt = np.where(symmetric, 0.0, tilt)

    outlier = rng.random(n) < 0.12
    exposure = np.where(outlier, np.where(rng.random(n) < 0.5, -1, 1) * u(1.0, 1.8), rng.normal(0, 0.45, n))
    contrast = np.exp(rng.normal(np.log(1.05), 0.2, n))
    saturation = rng.beta(3.0, 2.3, n)
    dof = np.where(rng.random(n) < 0.5, 0.0, u(0.2, 1.0))
    motion = np.where(rng.random(n) < 0.75, 0.0, u(0.004, 0.03))
    motion_axis = rng.integers(0, 2, n)
    softness = np.where(rng.random(n) < 0.6, u(0.0, 0.3), u(0.3, 1.8))
    noise = np.where(rng.random(n) < 0.5, u(0.0, 0.01), u(0.01, 0.07))
    texture = u(0.0, 1.0)
    band = rng.random(n) < 0.8
    rhythm = u(0.0, 1.0)
    band_side = rng.integers(0, 2, n)
    symmetry = np.where(symmetric, u(0.7, 1.0), 0.0)
    repetition = np.where(rng.random(n) < 0.25, rng.integers(3, 10, n), 0)
    regularity = np.where(repetition > 0, rng.beta(2.0, 1.5, n), 0.0)
    balance = np.where((rng.random(n) < 0.3) & ~symmetric, u(0.35, 0.7), 0.0)
    clutter = np.where(rng.random(n) < 0.55, 0, rng.integers(1, 21, n))
    polarising = rng.random(n) < cfg.polarising_fraction
    render_seed = rng.integers(0, 2**31 - 1, n)

    return pd.DataFrame({
        "image_index": np.arange(n), "scene": scenes, "aspect": aspect, "placement": placement,
        "subject_x": subject_x, "subject_y": subject_y, "subject_size": size, "subject_shape": shapes,
        "subject_elong": elong, "subject_hue": subject_hue, "palette_hue": palette_hue,
        "harmony": harmony, "horizon_y": hz, "horizon_tilt": tilt, "exposure": exposure,
        "contrast": contrast, "saturation": saturation, "dof": dof, "motion_blur": motion,
        "motion_axis": motion_axis, "softness": softness, "noise": noise, "texture": texture,
        "band": band, "rhythm": rhythm, "band_side": band_side, "symmetry": symmetry,
        "repetition": repetition, "repetition_regularity": regularity, "balance": balance,
        "clutter": clutter, "polarising": polarising, "render_seed": render_seed,
    })


# ============================================================================ quality
def quality_terms(factors: pd.DataFrame) -> pd.DataFrame:
    """The terms of the true quality (module docstring), one column per term. ``[N rows] -> [N, 17]``.

    Introduced in notebooks/01_handcrafted_features (which feature explains what)."""
    f = factors
    sx, sy = f["subject_x"].to_numpy(float), f["subject_y"].to_numpy(float)
    sym = f["symmetry"].to_numpy(float)
    d3 = np.min(np.hypot(sx[:, None] - _THIRDS[None, :, 0], sy[:, None] - _THIRDS[None, :, 1]), axis=1)
    thirds = np.exp(-((d3 / 0.07) ** 2))
    centred = np.exp(-((np.hypot(sx - 0.5, sy - 0.5) / 0.07) ** 2))
    border = np.minimum(np.minimum(sx, 1 - sx), np.minimum(sy, 1 - sy))
    edge = np.clip((0.12 - border) / 0.12, 0.0, 1.0)
    placement = 1.6 * (thirds + 0.9 * sym * np.exp(-(((sx - 0.5) / 0.04) ** 2)) - edge - 0.3 * centred * (1 - sym))
    hy = f["horizon_y"].to_numpy(float)
    h3 = np.exp(-((np.minimum(np.abs(hy - 1 / 3), np.abs(hy - 2 / 3)) / 0.05) ** 2))
    hc = np.exp(-(((hy - 0.5) / 0.05) ** 2))
    horizon = -np.minimum(np.abs(f["horizon_tilt"].to_numpy(float)) / 3.0, 2.0) / 2.0 + 0.3 * h3 - 0.3 * hc * (1 - sym)
    aspect = f["aspect"].to_numpy(float)
    elongation = np.maximum(aspect, 1.0 / aspect)
    off = np.minimum(np.abs(sx - 0.5) / 0.17, 1.0)
    has_balance = f["balance"].to_numpy(float) > 0
    rep = f["repetition"].to_numpy(float) > 0
    terms = {
        "content": f["scene"].map(SCENE_BASE).to_numpy(float),
        "placement": placement,
        "horizon": horizon,
        "subject_size": -np.minimum((np.log(f["subject_size"].to_numpy(float) / 0.17) / 0.45) ** 2, 1.5),
        "exposure": -np.minimum((f["exposure"].to_numpy(float) / 0.9) ** 2, 2.0),
        "contrast": -np.minimum((np.log(f["contrast"].to_numpy(float) / 1.1) / 0.25) ** 2, 2.0),
        "harmony": 1.6 * (f["harmony"].to_numpy(float) - 0.5),
        "saturation": -np.minimum(((f["saturation"].to_numpy(float) - 0.62) / 0.28) ** 2, 1.5),
        "dof": 0.8 * f["dof"].to_numpy(float),
        "motion": -np.minimum(f["motion_blur"].to_numpy(float) / 0.015, 1.5),
        "noise": -np.minimum(f["noise"].to_numpy(float) / 0.045, 1.6),
        "softness": -np.minimum(f["softness"].to_numpy(float) / 1.0, 1.6),
        "texture": 1.0 * f["texture"].to_numpy(float),
        "rhythm": f["band"].to_numpy(bool) * (0.3 + 1.2 * np.clip((elongation - 1.25) / 1.25, 0.0, 1.0))
        * (2.0 * f["rhythm"].to_numpy(float) - 1.0),
        "repetition": 0.7 * rep * (2.0 * f["repetition_regularity"].to_numpy(float) - 1.0),
        "balance": 0.5 * has_balance * off - 0.2 * (~has_balance) * off,
        "clutter": -np.minimum(f["clutter"].to_numpy(float) / 12.0, 1.2),
    }
    return pd.DataFrame(terms, index=factors.index)


def quality_raw(factors: pd.DataFrame, weights: Mapping[str, float] | None = None) -> np.ndarray:
    """The weighted sum of :func:`quality_terms` (weights default to 1). ``[N rows] -> [N]``."""
    terms = quality_terms(factors)
    w = weights or {}
    return sum(terms[t].to_numpy() * float(w.get(t, 1.0)) for t in QUALITY_TERMS)


@lru_cache(maxsize=8)
def _reference(layout: str, weights_key: str) -> np.ndarray:
    weights = json.loads(weights_key)
    return np.sort(quality_raw(sample_factors(_REFERENCE_N, _REFERENCE_SEED, layout), weights))


def true_quality(factors: pd.DataFrame, layout: str = "cadb", config: StudioConfig | None = None) -> np.ndarray:
    """The hidden true quality: the normal score of ``quality_raw`` in the fixed reference draw.

    ``[N rows] -> float [N]``, standard normal over the studio's factor distribution (clamped at
    about +-3.9 beyond the reference's range; rank by ``quality_raw`` there).
    Introduced in notebooks/00_welcome (consensus, not truth).
    """
    cfg = _config(layout, config)
    ref = _reference(cfg.layout, json.dumps(cfg.weights, sort_keys=True))
    raw = quality_raw(factors, cfg.weights)
    p = (np.searchsorted(ref, raw, side="left") + np.searchsorted(ref, raw, side="right")) / 2.0
    p = np.clip((p + 0.5) / (len(ref) + 1.0), 0.5 / len(ref), 1 - 0.5 / len(ref))
    return stats.norm.ppf(p)


# ============================================================================ raters
def _latent_sd(cfg: StudioConfig) -> float:
    extra = cfg.bias_sd**2 if cfg.layout == "ava" else 0.0
    return math.sqrt(cfg.crowd_sd**2 + cfg.challenge_sd**2 + extra + cfg.vote_sd**2)


def _components(cfg: StudioConfig, biases: np.ndarray, camps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Means, weights and SD of the Gaussian mixture that is the population's latent opinion."""
    pi, d = cfg.polarising_fraction, cfg.polarising_shift
    if cfg.layout == "cadb":
        base, cw = biases, np.full(len(biases), 1.0 / len(biases))
        shift = d * camps
    else:
        base, cw = np.zeros(2), np.array([0.5, 0.5])
        shift = d * np.array([1.0, -1.0])
    means = np.concatenate([base, base + shift])
    weights = np.concatenate([cw * (1 - pi), cw * pi])
    sd = math.sqrt(cfg.signal**2 + _latent_sd(cfg) ** 2)
    return means, weights, sd


def _thresholds(cfg: StudioConfig, biases: np.ndarray, camps: np.ndarray) -> np.ndarray:
    means, weights, sd = _components(cfg, biases, camps)
    cdf = lambda x: float(np.sum(weights * stats.norm.cdf((x - means) / sd)))  # noqa: E731
    target = np.asarray(cfg.target, dtype=float)
    cum = np.cumsum(target / target.sum())[:-1]
    return np.array([optimize.brentq(lambda x: cdf(x) - c, -20, 20, xtol=1e-10) for c in cum])


def _raters(cfg: StudioConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([int(seed), 2])
    if cfg.layout == "cadb":
        biases = rng.normal(0, cfg.bias_sd, cfg.raters)
        biases -= biases.mean()
        camps = np.ones(cfg.raters)
        camps[rng.permutation(cfg.raters)[: cfg.raters // 2]] = -1.0
        return biases, camps
    biases = rng.normal(0, cfg.bias_sd, cfg.raters)
    return biases - biases.mean(), np.where(rng.random(cfg.raters) < 0.5, 1.0, -1.0)


def expected_mean(quality: np.ndarray, polarising: np.ndarray, cfg: StudioConfig, seed: int = 0) -> np.ndarray:
    """The expected vote mean of images given their true quality and polarising flag (the rater
    population's average with the crowd offset at 0), on the 1..K scale. ``[N], [N] -> [N]``."""
    biases, camps = _raters(cfg, seed)
    tau = _thresholds(cfg, biases, camps)
    q = np.asarray(quality, float)[:, None]
    pol = np.asarray(polarising, bool)
    if cfg.layout == "cadb":
        centres = biases[None, :]
        shifts = (cfg.polarising_shift * camps)[None, :]
    else:
        centres, shifts = np.zeros((1, 2)), cfg.polarising_shift * np.array([[1.0, -1.0]])
    sd = _latent_sd(cfg)
    out = np.zeros(len(q))
    for k in range(centres.shape[1]):
        mu = cfg.signal * q[:, 0] + centres[0, k] + np.where(pol, shifts[0, k], 0.0)
        out += 1 + stats.norm.cdf((mu[:, None] - tau[None, :]) / sd).sum(1)
    return out / centres.shape[1]


def simulate_votes(
    quality: np.ndarray,
    polarising: np.ndarray,
    layout: str = "cadb",
    seed: int = 0,
    config: StudioConfig | None = None,
    challenge: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Votes of simulated raters for images of the given true quality (see the module docstring).

    Returns ``counts`` (``int [N, K]``, votes per score 1..K), ``crowd`` (the image-level offset) and,
    for CADB, ``scores`` (``int [N, 5]``, one column per fixed rater). Deterministic from ``seed``;
    ``challenge`` (AVA: one id per image) adds a shared offset per challenge.
    Introduced in notebooks/04_metrics_and_losses and 07_nima (what a distribution carries).
    """
    cfg = _config(layout, config)
    q = np.asarray(quality, float)
    pol = np.asarray(polarising, bool)
    n, k = len(q), cfg.num_bins
    biases, camps = _raters(cfg, seed)
    tau = _thresholds(cfg, biases, camps)
    rng = np.random.default_rng([int(seed), 3])
    crowd = rng.normal(0, cfg.crowd_sd, n)
    if challenge is not None and cfg.challenge_sd > 0:
        ids, inv = np.unique(np.asarray(challenge), return_inverse=True)
        offsets = rng.normal(0, cfg.challenge_sd, len(ids))[inv]
        crowd = crowd + offsets - offsets.mean()  # challenges shift images, not the whole dataset
    centre = cfg.signal * q + crowd
    if cfg.layout == "cadb":
        latent = centre[:, None] + biases[None, :] + cfg.polarising_shift * camps[None, :] * pol[:, None]
        latent = latent + rng.normal(0, cfg.vote_sd, (n, cfg.raters))
        scores = 1 + (latent[..., None] > tau).sum(-1)
        counts = np.stack([(scores == s).sum(1) for s in range(1, k + 1)], axis=1)
        return {"scores": scores, "counts": counts, "crowd": crowd}
    lo, hi = cfg.votes_range
    n_votes = np.clip(np.rint(cfg.votes_median * np.exp(rng.normal(0, 0.33, n))), lo, hi).astype(int)
    owner = np.repeat(np.arange(n), n_votes)
    who = rng.integers(0, cfg.raters, len(owner))
    latent = centre[owner] + biases[who] + cfg.polarising_shift * camps[who] * pol[owner]
    latent = latent + rng.normal(0, cfg.vote_sd, len(owner))
    votes = 1 + np.searchsorted(tau, latent)
    counts = np.zeros((n, k), dtype=np.int64)
    np.add.at(counts, (owner, votes - 1), 1)
    return {"counts": counts, "crowd": crowd}


# ============================================================================ labels derived from factors
def _steps(x: np.ndarray) -> np.ndarray:
    """Round to steps of 0.2 in [-1, 1] (AADB's attribute grid), without negative zeros."""
    return np.clip(np.round(np.asarray(x) * 5.0) / 5.0, -1.0, 1.0) + 0.0


def attributes_from_factors(
    factors: pd.DataFrame, terms: pd.DataFrame, seed: int = 0, quality: np.ndarray | None = None
) -> pd.DataFrame:
    """The 11 AADB attributes (``schema.ATTRIBUTES``) in [-1, 1], steps of 0.2, plus ``score`` in [0, 1].

    Each attribute is a noisy reading of its factors (0 where it does not apply, as in AADB: e.g.
    ``Repetition`` is 0 without repeated elements); ``score`` is a noisy reading of the true quality
    (``quality``, default :func:`true_quality`). ``[N rows] -> DataFrame [N, 12]``.
    """
    f, n = factors, len(factors)
    rng = np.random.default_rng([int(seed), 4])
    jitter = lambda: rng.normal(0, 0.08, n)  # noqa: E731
    sx = f["subject_x"].to_numpy(float)
    sym = f["placement"].to_numpy() == "symmetric"
    off = np.minimum(np.abs(sx - 0.5) / 0.17, 1.0)
    bal = f["balance"].to_numpy(float) > 0
    placement = terms["placement"].to_numpy() / 1.6
    soft = np.clip(f["softness"].to_numpy(float) / 1.5, 0, 1)
    dof = f["dof"].to_numpy(float)
    motion = f["motion_blur"].to_numpy(float)
    rep = f["repetition"].to_numpy() > 0
    out = {
        "BalacingElements": np.where(bal, 0.3 + 0.6 * off + jitter(),
                                     np.where(off > 0.5, -0.4 * off + jitter(), 0.0)),
        "ColorHarmony": 2 * f["harmony"].to_numpy(float) - 1 + jitter(),
        "Content": np.clip(1.4 * terms["content"].to_numpy() + jitter(), -1, 1),
        "DoF": np.where((dof > 0.15) | (soft > 0.5), dof - 0.6 * soft + jitter(), 0.0),
        "Light": 0.8 + 0.8 * terms["exposure"].to_numpy() + 0.4 * terms["contrast"].to_numpy() + jitter(),
        "MotionBlur": np.where(motion > 0.004, -np.minimum(motion / 0.015, 1.0) + jitter(), 0.0),
        "Object": 0.7 + 0.5 * terms["clutter"].to_numpy() + 0.3 * dof + 0.4 * terms["subject_size"].to_numpy()
        + jitter(),
        "Repetition": np.where(rep, 2 * f["repetition_regularity"].to_numpy(float) - 1 + jitter(), 0.0),
        "RuleOfThirds": np.where(sym, 0.0, np.clip(placement, -1, 1) + jitter()),
        "Symmetry": np.where(sym, 2 * f["symmetry"].to_numpy(float) - 1 + jitter(), 0.0),
        "VividColor": (f["saturation"].to_numpy(float) - 0.45) / 0.4 + jitter(),
    }
    frame = pd.DataFrame({a: _steps(out[a]) for a in ATTRIBUTES}, index=factors.index)
    q = true_quality(factors, "cadb") if quality is None else np.asarray(quality, float)
    frame["score"] = np.round(stats.norm.cdf(0.9 * q + rng.normal(0, 0.35, n)), 2)
    return frame


def composition_elements(row: Mapping[str, Any], box: Sequence[int], width: int, height: int) -> dict[str, list]:
    """CADB-style composition elements of one studio photo, in pixel coordinates.

    ``rule_of_thirds`` / ``center`` / ``golden_ratio``: the subject box ``[x1, y1, x2, y2]``;
    ``horizontal`` or ``diagonal`` (tilt over 4 degrees): the horizon segment; ``symmetric``: the axis;
    ``triangle``: the 3 corners of a triangular subject (6 numbers); ``pattern`` and
    ``fill_the_frame`` (empty lists) for repeated elements and a large subject; ``none`` otherwise.
    """
    sx, sy = float(row["subject_x"]), float(row["subject_y"])
    d3 = np.min(np.hypot(sx - _THIRDS[:, 0], sy - _THIRDS[:, 1]))
    golden = np.array([[0.382, 0.382], [0.382, 0.618], [0.618, 0.382], [0.618, 0.618]])
    dg = np.min(np.hypot(sx - golden[:, 0], sy - golden[:, 1]))
    box = [int(v) for v in box]
    out: dict[str, list] = {}
    if row["placement"] == "symmetric" or math.hypot(sx - 0.5, sy - 0.5) < 0.08:
        out["center"] = [box]
    elif d3 < 0.06:
        out["rule_of_thirds"] = [box]
    elif dg < 0.04:
        out["golden_ratio"] = [box]
    rows = horizon_rows(row, width, height)
    y_left, y_right = int(round(rows[0])), int(round(rows[-1]))
    if 0 <= y_left < height and 0 <= y_right < height:
        segment = [0, y_left, width - 1, y_right]
        out["horizontal" if abs(float(row["horizon_tilt"])) <= 4 else "diagonal"] = [segment]
    if row["placement"] == "symmetric":
        out["symmetric"] = [[width // 2, 0, width // 2, height - 1]]
    if row["subject_shape"] == "triangle":
        rx, ry = subject_radii(row, width, height)
        cx, cy = sx * width, sy * height
        pts = [cx - rx, cy + ry, cx, cy - ry, cx + rx, cy + ry]
        limits = [width - 1, height - 1] * 3
        out["triangle"] = [[int(round(min(max(v, 0), lim))) for v, lim in zip(pts, limits)]]
    if int(row["repetition"]) > 0:
        out["pattern"] = []
    if float(row["subject_size"]) > 0.27:
        out["fill_the_frame"] = []
    if not out:
        out["none"] = []
    return out


# ============================================================================ rendering to disk
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


def _build(layout: str, out: Path, n: int, seed: int, long_side: int, workers: int | None,
           cfg: StudioConfig) -> None:
    """Generate a complete studio dataset into the empty folder ``out``."""
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
    tasks = [(row, long_side, str(out / "images" / f"{_stem(i)}.jpg"), str(out / MASKS_DIR / f"{_stem(i)}.png"),
              cfg.jpeg_quality) for i, row in zip(ids, factors.to_dict("records"))]
    results = sorted(_render_all(tasks, workers), key=lambda r: r[0])
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


# ============================================================================ the report
def _r(x: float) -> float | None:
    """Rounded for the report; NaN becomes None (``null``), so the file stays strict JSON."""
    x = float(x)
    return None if math.isnan(x) else round(x, 4)


def two_peaked(counts: np.ndarray) -> np.ndarray:
    """True where a vote histogram ``[N, K]`` is bimodal: two bins at least two apart, each holding
    10 % of the votes or more, with a bin between them holding at most 3/4 of the smaller one."""
    c = np.asarray(counts, dtype=float)
    c = c / c.sum(1, keepdims=True)
    out = np.zeros(len(c), bool)
    k = c.shape[1]
    for a in range(k):
        for b in range(a + 2, k):
            low = np.minimum(c[:, a], c[:, b])
            out |= (low >= 0.1) & (c[:, a + 1 : b].min(1) <= 0.75 * low)
    return out


def studio_report(
    factors: pd.DataFrame, counts: np.ndarray, layout: str, cfg: StudioConfig, params: Mapping[str, Any]
) -> dict:
    """The statistics and phenomena of a generated studio dataset (written to ``studio_report.json``).

    ``factors``: the ``studio_factors.csv`` table; ``counts``: ``int [N, K]`` votes per score.
    """
    f = factors
    m, q = f["vote_mean"].to_numpy(), f["true_quality"].to_numpy()
    srcc = lambda a, b: _r(stats.spearmanr(a, b)[0]) if len(a) > 2 else None  # noqa: E731
    test = f["split"].to_numpy() == "test"
    calib: dict[str, Any] = {
        "mean_of_means": _r(m.mean()), "sd_of_means": _r(m.std()), "median_of_means": _r(np.median(m)),
        "votes_per_image": {"min": int(f["n_votes"].min()), "mean": _r(f["n_votes"].mean()),
                            "max": int(f["n_votes"].max())},
        "target_vote_histogram": [_r(t / sum(cfg.target)) for t in cfg.target],
    }
    if layout == "cadb":
        calib["real"] = {"mean_of_means": 2.70, "sd_of_means": 0.60, "median_of_means": 2.6}
        calib["fraction_above_2.6"] = _r((m > 2.6).mean())
    else:
        calib["real"] = {"mean_of_means": 5.38, "sd_of_means": 0.73, "fraction_in_4_7": 0.955, "fraction_above_5": 0.70}
        calib["fraction_in_4_7"] = _r(((m >= 4) & (m <= 7)).mean())
        calib["fraction_above_5"] = _r((m > 5).mean())
    var = f["quality_raw"].var()
    share = {t: _r(f[f"term_{t}"].var() / var) for t in QUALITY_TERMS}
    aspect = f["aspect"].to_numpy()
    elong = np.maximum(aspect, 1 / aspect)
    extreme, moderate = elong >= 2.0, elong < 1.6
    band = f["band"].to_numpy(bool)
    pol = f["polarising"].to_numpy(bool)
    sd = f["vote_std"].to_numpy()
    peaks = two_peaked(counts)
    report = {
        "studio_version": STUDIO_VERSION,
        "params": {**params, "jpeg_quality": cfg.jpeg_quality},
        "config": json.loads(cfg.key()),
        "n_images": len(f), "splits": {"train": int((~test).sum()), "test": int(test.sum())},
        "calibration": calib,
        "noise_ceiling": {
            "srcc_vote_mean_vs_true_quality": srcc(m, q),
            "srcc_test": srcc(m[test], q[test]),
            "plcc_vote_mean_vs_true_mean": _r(np.corrcoef(m, f["true_mean"])[0, 1]) if len(f) > 2 else None,
            "note": "no model can beat this: the votes themselves are this far from the truth",
        },
        "variance_share_of_quality_terms": share,
        "phenomena": {
            "fine_detail": {
                "terms": list(FINE_DETAIL_TERMS),
                "variance_share": _r(f[[f"term_{t}" for t in FINE_DETAIL_TERMS]].sum(axis=1).var() / var),
                "srcc_with_vote_mean": {t: srcc(f[f"term_{t}"], m) for t in FINE_DETAIL_TERMS},
                "note": "pixel-scale noise, lens softness and texture; a 2x downscale removes most of them",
            },
            "aspect_ratio": {
                "fraction_elongation_ge_2": _r(extreme.mean()),
                "rhythm_srcc_with_vote_mean_elongated": srcc(f.loc[extreme & band, "rhythm"], m[extreme & band]),
                "rhythm_srcc_with_vote_mean_moderate": srcc(f.loc[moderate & band, "rhythm"], m[moderate & band]),
                "note": "the rhythm band's period is short_side/20 px: a square warp squeezes it away "
                        "only for elongated images",
            },
            "polarising": {
                "fraction": _r(pol.mean()),
                "mean_vote_sd_polarising": _r(sd[pol].mean()) if pol.any() else None,
                "mean_vote_sd_other": _r(sd[~pol].mean()) if (~pol).any() else None,
                "fraction_two_peaked_polarising": _r(peaks[pol].mean()) if pol.any() else None,
                "fraction_two_peaked_other": _r(peaks[~pol].mean()) if (~pol).any() else None,
            },
            "subject_placement": {
                "mean_vote_by_placement": {p: _r(m[f["placement"] == p].mean())
                                           for p in PLACEMENTS if (f["placement"] == p).any()},
                "srcc_placement_term_with_vote_mean": srcc(f["term_placement"], m),
                "masks": f"{MASKS_DIR}/<id>.png (subject coverage, 0..255)",
            },
            "content_bias": {
                "mean_vote_by_scene": {s: _r(m[f["scene"] == s].mean()) for s in SCENES if (f["scene"] == s).any()},
                "count_by_scene": {s: int((f["scene"] == s).sum()) for s in SCENES},
            },
            "best_crop": {"api": "render_canvas(seed, aspect) / generate_crop_set(n, seed, aspect)",
                          **_crop_check(int(params.get("seed", 0)))},
            "burst": {"api": "render_burst(seed, n_shots): shots of one scene with their true quality order"},
        },
    }
    return report


# ============================================================================ best crop and burst
@dataclass
class CropExample:
    """A canvas larger than the photo to cut from it, and the known best crop for ``aspect``.

    ``image``: ``uint8 [H, W, 3]``; ``mask``: the subject, ``float32 [H, W]``; ``box``: ``(x1, y1, x2, y2)``
    in pixels (x2, y2 exclusive), of width/height ``aspect``, putting the subject on a thirds point and
    the horizon on a thirds line; ``factors``: the canvas's factor row. Introduced in notebooks/11_applications.
    """

    image: np.ndarray
    mask: np.ndarray
    box: tuple[int, int, int, int]
    factors: dict[str, Any]
    aspect: float


@dataclass
class Burst:
    """Near-duplicate shots of one scene: ``images``/``masks`` (lists), ``factors`` (one row per shot),
    ``quality`` (``quality_raw`` per shot; higher is better) and ``order`` (shot indices, best first).
    Introduced in notebooks/11_applications."""

    images: list[np.ndarray]
    masks: list[np.ndarray]
    factors: pd.DataFrame
    quality: np.ndarray
    order: np.ndarray


def _clean_row(seed: int) -> dict[str, Any]:
    """A well-made photo: the scene of ``sample_factors(1, seed)`` without technical faults."""
    row = sample_factors(1, seed, "cadb").iloc[0].to_dict()
    rng = np.random.default_rng([int(seed), 6])
    row.update(
        placement="thirds", horizon_tilt=0.0, exposure=float(rng.normal(0, 0.08)), contrast=1.1,
        saturation=0.62, harmony=0.9, noise=0.004, softness=0.1, motion_blur=0.0, polarising=False,
        symmetry=0.0, balance=0.0, band=False, subject_size=0.17, clutter=int(rng.integers(0, 3)),
        texture=0.8, subject_elong=min(float(row["subject_elong"]), 1.6),
    )
    if row["subject_shape"] == "figure":
        row["subject_elong"] = 2.4
    return row


def canvas_factors(seed: int, aspect: float = 4 / 3, long_side: int = 192, fill: float = 0.7
                   ) -> tuple[dict[str, Any], tuple[int, int, int, int]]:
    """The factor row of a crop canvas and its best box (see :func:`render_canvas`), without rendering."""
    if not 1 / 3 <= aspect <= 3:
        raise ValueError(f"canvas_factors: expected a target aspect (width/height) in [1/3, 3], found {aspect}")
    row = _clean_row(seed)
    rng = np.random.default_rng([int(seed), 7])
    canvas_aspect = float(np.clip(aspect * np.exp(rng.uniform(-0.35, 0.35)), 0.5, 2.2))
    w, h = image_size(canvas_aspect, long_side)
    ch = min(fill * h, fill * w / aspect)
    cw = aspect * ch
    i, j = rng.integers(0, 2, 2)
    # the subject sits on the third nearest a canvas edge, so no shifted crop puts it on the other third
    if i == 0:
        x0 = rng.uniform(0, max(min(cw / 3, w - cw), 0) * 0.9)
    else:
        lo = max(w - 4 * cw / 3, 0.0)
        x0 = lo + (w - cw - lo) * rng.uniform(0.1, 1.0)
    y0 = rng.uniform(0, h - ch)
    cx, cy = x0 + (1 + i) * cw / 3, y0 + (1 + j) * ch / 3
    horizon = y0 + (1 if j == 1 else 2) * ch / 3
    row.update(aspect=w / h, subject_x=cx / w, subject_y=cy / h, horizon_y=horizon / h,
               subject_size=0.17 * min(cw, ch) / min(w, h))
    box = (int(round(x0)), int(round(y0)), int(round(x0 + cw)), int(round(y0 + ch)))
    return row, box


def crop_table(row: Mapping[str, Any], boxes: Sequence[Sequence[float]], long_side: int = 192) -> pd.DataFrame:
    """Factor rows of the photos cut from a canvas (``row`` rendered at ``long_side``) by each box
    ``(x1, y1, x2, y2)`` in pixels: subject, horizon and aspect re-expressed in the crop's frame."""
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    x1, y1, x2, y2 = b.T
    cw, ch = x2 - x1, y2 - y1
    if np.any(cw <= 0) or np.any(ch <= 0):
        bad = b[(cw <= 0) | (ch <= 0)][0].tolist()
        raise ValueError(f"crop_table: expected boxes with x2 > x1 and y2 > y1, found {bad}")
    w, h = image_size(float(row["aspect"]), long_side)
    table = pd.DataFrame([dict(row)]).iloc[np.zeros(len(b), dtype=int)].reset_index(drop=True)
    hz = float(row["horizon_y"]) * h + math.tan(math.radians(float(row["horizon_tilt"]))) * ((x1 + x2) / 2 - w / 2)
    table["aspect"] = cw / ch
    table["subject_x"] = (float(row["subject_x"]) * w - x1) / cw
    table["subject_y"] = (float(row["subject_y"]) * h - y1) / ch
    table["horizon_y"] = (hz - y1) / ch
    table["subject_size"] = float(row["subject_size"]) * min(w, h) / np.minimum(cw, ch)
    return table


def crop_factors(row: Mapping[str, Any], box: Sequence[float], long_side: int = 192) -> dict[str, Any]:
    """The factor row of the photo cut from a canvas by one box (see :func:`crop_table`)."""
    return crop_table(row, [box], long_side).iloc[0].to_dict()


def crop_quality(row: Mapping[str, Any], boxes: Sequence[Sequence[float]], long_side: int = 192) -> np.ndarray:
    """``quality_raw`` of each crop of a canvas (higher is better): the truth to rank crops against."""
    return quality_raw(crop_table(row, boxes, long_side))


def render_canvas(seed: int, aspect: float = 4 / 3, long_side: int = 192, fill: float = 0.7) -> CropExample:
    """Render a canvas with a known best crop of width/height ``aspect`` (``fill``: its share of the canvas)."""
    row, box = canvas_factors(seed, aspect, long_side, fill)
    image, mask = render(row, long_side)
    return CropExample(image=image, mask=mask, box=box, factors=row, aspect=float(aspect))


def generate_crop_set(n: int = 8, seed: int = 0, aspect: float = 4 / 3, long_side: int = 192) -> list[CropExample]:
    """``n`` canvases with their best crops (:func:`render_canvas`), deterministic from ``seed``."""
    seeds = np.random.SeedSequence([int(seed), 8]).generate_state(max(n, 1))[:n]
    return [render_canvas(int(s), aspect, long_side) for s in seeds]


def render_burst(seed: int, n_shots: int = 6, long_side: int = 160) -> Burst:
    """A burst of ``n_shots`` near-duplicates of one scene, each with a different mix of faults
    (tilt, exposure, motion blur, noise, softness, a subject moved off its third) at a different
    severity; the first severity is 0 (a clean shot). ``order`` ranks them by true quality."""
    if n_shots < 2:
        raise ValueError(f"render_burst: expected n_shots >= 2, found {n_shots}")
    base = _clean_row(seed)
    rng = np.random.default_rng([int(seed), 9])
    severity = np.concatenate([[0.0], rng.permutation(np.linspace(0, 1, n_shots)[1:])])
    rows = []
    for s in severity:
        r = dict(base)
        for kind in rng.choice(6, 2, replace=False):
            sign = 1.0 if rng.random() < 0.5 else -1.0
            if kind == 0:
                r["horizon_tilt"] = sign * 8.0 * s
            elif kind == 1:
                r["exposure"] = base["exposure"] + sign * 1.6 * s
            elif kind == 2:
                r["motion_blur"] = 0.025 * s
            elif kind == 3:
                r["noise"] = 0.004 + 0.06 * s
            elif kind == 4:
                r["softness"] = 0.1 + 1.5 * s
            else:
                r["subject_x"] = float(np.clip(base["subject_x"] + sign * 0.15 * s, 0.05, 0.95))
        rows.append(r)
    factors = pd.DataFrame(rows)
    quality = quality_raw(factors)
    shots = [render(r, long_side) for r in rows]
    return Burst(images=[i for i, _ in shots], masks=[m for _, m in shots], factors=factors,
                 quality=quality, order=np.argsort(-quality, kind="stable"))


@lru_cache(maxsize=4)
def _crop_check(seed: int, canvases: int = 10, crops: int = 200) -> dict[str, float]:
    """How often a random crop (same aspect, any scale and place) scores below the known best crop."""
    rng = np.random.default_rng([int(seed), 10])
    worse, gaps = [], []
    for c in range(canvases):
        row, box = canvas_factors(int(seed) * 1000 + c, 4 / 3, 192)
        w, h = image_size(float(row["aspect"]), 192)
        ch = rng.uniform(0.4, 1.0, crops) * min(h, w * 3 / 4)
        cw = ch * 4 / 3
        x0, y0 = rng.uniform(0, 1, crops) * (w - cw), rng.uniform(0, 1, crops) * (h - ch)
        q = crop_quality(row, np.stack([x0, y0, x0 + cw, y0 + ch], 1))
        best = crop_quality(row, [box])[0]
        worse.append(np.mean(q < best))
        gaps.append(best - np.max(q))
    return {"fraction_random_crops_worse": _r(np.mean(worse)), "min_gap_to_best_random_crop": _r(np.min(gaps))}


# ============================================================================ generation, cache, readers
def studio_params(root: str | os.PathLike) -> dict[str, Any] | None:
    """The parameters of the complete studio dataset at ``root`` (from its report), or None."""
    path = Path(root) / REPORT_FILE
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        return {**report["params"], "studio_version": report["studio_version"], "config": report["config"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same(params: Mapping[str, Any] | None, layout: str, n: int, seed: int, long_side: int, cfg: StudioConfig) -> bool:
    if params is None:
        return False
    want = {"layout": layout, "n": n, "seed": seed, "long_side": long_side, "studio_version": STUDIO_VERSION}
    return all(params.get(k) == v for k, v in want.items()) and params.get("config") == json.loads(cfg.key())


def _generate(layout: str, out_dir: str | os.PathLike, n: int, seed: int, long_side: int,
              workers: int | None, config: StudioConfig | None) -> Path:
    cfg = _config(layout, config)
    if n < 1 or long_side < 16:
        raise ValueError(f"studio: expected n >= 1 and long_side >= 16, found n={n}, long_side={long_side}")
    out = Path(out_dir).expanduser().absolute()
    if _same(studio_params(out), layout, n, seed, long_side, cfg):
        return out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        found = studio_params(out)
        if found:
            what = "a studio dataset with other parameters (" + ", ".join(
                f"{k}={found.get(k)}" for k in ("layout", "n", "seed", "long_side", "studio_version")
            ) + ", or another calibration)"
        else:
            what = "files that are not a studio dataset"
        raise FileExistsError(
            f"studio: refusing to write into {out}: it holds {what}. Nothing was changed. "
            "Choose an empty or new folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()  # (not mkdtemp: the dataset keeps the user's umask, not mode 0700)
    try:
        _build(layout, tmp, n, seed, long_side, workers, cfg)
        if out.exists():
            out.rmdir()  # empty (checked above); never removes anything a user wrote
        os.rename(tmp, out)
    except BaseException:
        if _same(studio_params(out), layout, n, seed, long_side, cfg) and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished the same dataset first
            return out
        shutil.rmtree(tmp, ignore_errors=True)  # our own half-written temporary folder
        raise
    return out


def generate_cadb(out_dir: str | os.PathLike, n: int = 2000, seed: int = 0, long_side: int = 160,
                  workers: int | None = None, config: StudioConfig | None = None) -> Path:
    """Write a studio dataset in CADB's real layout to ``out_dir``; returns its path.

    Files: ``images/<id>.jpg`` (keys ``"<k>.jpg"``), ``composition_scores.json``,
    ``composition_attributes.json``, ``composition_elements.json``, ``scene_categories.json``,
    ``split.json`` (90/10), ``emdloss_weight.json``, plus the ground truth ``studio_factors.csv``,
    ``masks/<k>.png`` and ``studio_report.json``. Atomic (built in a temporary sibling folder, then
    renamed); an existing dataset of the same parameters is returned as is; a non-empty folder of
    anything else raises ``FileExistsError`` and is left untouched. ``workers``: render processes
    (default 2 for 200+ images; the files are identical to the serial path).
    Introduced in notebooks/00_welcome.
    """
    return _generate("cadb", out_dir, n, seed, long_side, workers, config)


def generate_ava(out_dir: str | os.PathLike, n: int = 2000, seed: int = 0, long_side: int = 160,
                 workers: int | None = None, config: StudioConfig | None = None) -> Path:
    """Write a studio dataset in AVA's real layout to ``out_dir``; returns its path.

    Files: ``AVA.txt`` (15 columns: index, image id, votes for 1..10, two tags, challenge),
    ``tags.txt``, ``challenges.txt``, ``aesthetics_image_lists/generic_test.jpgl`` (10 % test ids),
    ``images/<id>.jpg``, plus the ground truth as in :func:`generate_cadb`.
    Introduced in notebooks/00_welcome.
    """
    return _generate("ava", out_dir, n, seed, long_side, workers, config)


def studio_cache_dir() -> Path:
    """Where :func:`ensure_studio` keeps datasets: ``$AESTHETICS_CACHE/studio`` if set, else the
    source checkout's ``data/studio`` when writable, else ``~/.cache/aesthetics_lab/studio``."""
    env = os.environ.get("AESTHETICS_CACHE")
    if env:
        return Path(env).expanduser() / "studio"
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "aesthetics_lib").is_dir():
        target = repo / "data"
        probe = target if target.exists() else repo
        if os.access(probe, os.W_OK):
            return target / "studio"
    return Path.home() / ".cache" / "aesthetics_lab" / "studio"


def ensure_studio(layout: str = "cadb", n: int = 2000, seed: int = 0, long_side: int = 160,
                  workers: int | None = None) -> Path:
    """Generate the studio dataset once into the cache folder (:func:`studio_cache_dir`) and return it.

    The folder is named after the parameters and a short hash of the generator's version and
    calibration (``cadb-n2000-seed0-px160-v1-1a2b3c4d``), so a changed generator never reuses an old
    cache; an existing complete one is reused, and an interrupted run never leaves a half dataset.
    Introduced in notebooks/00_welcome.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"ensure_studio: expected layout in {LAYOUTS}, found {layout!r}")
    cfg = StudioConfig.for_layout(layout)
    tag = hashlib.sha256(f"{STUDIO_VERSION}\n{cfg.key()}".encode()).hexdigest()[:8]
    root = studio_cache_dir() / f"{layout}-n{n}-seed{seed}-px{long_side}-v{STUDIO_VERSION}-{tag}"
    return _generate(layout, root, n, seed, long_side, workers, None)


def read_factors(root: str | os.PathLike) -> pd.DataFrame:
    """The ground-truth table ``studio_factors.csv`` of a studio dataset (``image_id`` as text)."""
    path = Path(root) / FACTORS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"read_factors: expected {path}; {root} is not a studio dataset "
                                "(make one with generate_cadb, generate_ava or ensure_studio)")
    return pd.read_csv(path, dtype={"image_id": str})


def subject_mask(root: str | os.PathLike, image_id: str) -> np.ndarray:
    """The subject mask of one studio image, ``float32 [H, W]`` in [0, 1] (``image_id`` with or without ``.jpg``)."""
    path = Path(root) / MASKS_DIR / f"{_stem(str(image_id))}.png"
    if not path.is_file():
        raise FileNotFoundError(f"subject_mask: expected {path} (no mask for image {image_id!r} in {root})")
    return np.asarray(Image.open(path), dtype=np.float32) / 255.0
