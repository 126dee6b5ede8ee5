"""Ground truth for the applications (notebooks/11_applications, :mod:`aesthetics_lib.apps`): crop
canvases with a known best crop and bursts of near-duplicate shots with a known quality order.

Introduced in notebooks/11_applications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from aesthetics_lib.data.studio.factors import sample_factors
from aesthetics_lib.data.studio.quality import quality_raw
from aesthetics_lib.data.studio.rendering import image_size, render


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
class StudioBurst:
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


def render_studio_burst(seed: int, n_shots: int = 6, long_side: int = 160) -> StudioBurst:
    """A burst of ``n_shots`` near-duplicates of one scene, each with a different mix of faults
    (tilt, exposure, motion blur, noise, softness, a subject moved off its third) at a different
    severity; the first severity is 0 (a clean shot). ``order`` ranks them by true quality.
    (The graded degradations of a real photo are :func:`aesthetics_lib.data.photos.burst`.)"""
    if n_shots < 2:
        raise ValueError(f"render_studio_burst: expected n_shots >= 2, found {n_shots}")
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
    return StudioBurst(images=[i for i, _ in shots], masks=[m for _, m in shots], factors=factors,
                       quality=quality, order=np.argsort(-quality, kind="stable"))
