"""The studio's factors: the constants every part shares, :class:`StudioConfig` and :func:`sample_factors`.

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

Introduced in notebooks/00_welcome.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from aesthetics_lib.data.schema import AVA_BINS, CADB_BINS, SCENES

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

# CADB's rating counts 1..5 (47,485 ratings in its composition_scores.json, Zhang et al. 2021) and
# AVA's pooled vote histogram 1..10 (a 25,551-image sample; Murray et al. 2012 describe the data).
CADB_TARGET = (1878, 18325, 20215, 6325, 742)
AVA_TARGET = (0.013, 0.027, 0.067, 0.167, 0.288, 0.227, 0.117, 0.057, 0.024, 0.014)


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
