"""The deletion test: remove a region of a photo, score the photo again, and compare the change with
the change when the same shape is removed somewhere else.

A CAM reads the model's gradients at one point; the deletion test asks the model itself what happens
without the region (the occlusion test of Zeiler & Fergus 2014, with an imputation instead of a grey
patch). :func:`remove_region` fills the region from its surroundings with the noisy linear imputation
of ROAD (Rong et al. 2022; ``pytorch_grad_cam.metrics.road.NoisyLinearImputer``: each missing pixel
is the weighted mean of its neighbours, plus a little noise), so the hole leaves no sharp edge or
flat patch for the model to react to. :func:`moved_regions` gives the control: the region's own shape
moved to places inside the image and off the region. :func:`removals` makes, once, each photo without
its region and without each moved copy; :func:`deletion_test` scores them with one model, and
:func:`deletion_summary` averages the photos with 95 % bootstrap intervals. A score that depends on
the region changes more when the region goes than when the same area goes elsewhere;
:func:`agreement` asks, photo by photo, whether a map's weight on the region follows the drop.

Introduced in notebooks/10_explainability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from PIL import Image
from scipy import ndimage

from aesthetics_lib import apps, metrics
from aesthetics_lib.compare import interval_side

#: ROAD's imputation noise (the package's default), in units of the pixel range [0, 1].
ROAD_NOISE = 0.01
#: Pixels the region is grown by before it is removed, so its anti-aliased rim goes with it.
GROW = 2
#: Moved copies per photo, and the largest share of a copy that may overlap the (grown) region.
N_MOVED = 4
MAX_OVERLAP = 0.1


def _binary(mask: Any, what: str) -> np.ndarray:
    """The pixels of ``mask`` above 0.5, as a boolean ``[H, W]``; ``ValueError`` naming ``what`` for
    another number of dimensions."""
    m = np.asarray(mask, dtype=np.float32) > 0.5
    if m.ndim != 2:
        raise ValueError(f"{what}: expected a mask [H, W], found shape {m.shape}")
    return m


def _region(mask: Any, shape: tuple[int, int], what: str) -> np.ndarray:
    m = np.asarray(mask, dtype=np.float32)
    if m.shape != shape:
        raise ValueError(f"{what}: expected a mask of the photo's size {shape} (H, W), found shape {m.shape}")
    return m > 0.5


def grown(mask: Any, pixels: int = GROW) -> np.ndarray:
    """The pixels of ``mask`` (``[H, W]``, ``> 0.5``) and those within ``pixels`` steps of them (a
    binary dilation), as a boolean ``[H, W]``: the region :func:`removals` removes."""
    m = _binary(mask, "grown")
    return ndimage.binary_dilation(m, iterations=pixels) if pixels > 0 and m.any() else m


def remove_region(image: Any, region: Any, seed: int = 0, noise: float = ROAD_NOISE) -> Image.Image:
    """``image`` (a PIL image or an array :func:`~aesthetics_lib.apps.to_pil` takes) with the pixels
    where ``region > 0.5`` filled from their surroundings (ROAD's noisy linear imputation; the noise is
    drawn from ``seed``, so the result is reproducible).

    ``region``: ``[H, W]`` at the image's size. Returns a new RGB image; an empty region returns a
    copy. Raises ``ValueError`` when the region covers the whole image (nothing to fill from).
    """
    from pytorch_grad_cam.metrics.road import NoisyLinearImputer

    rgb = apps.to_pil(image)
    r = _region(region, (rgb.height, rgb.width), "remove_region")
    if not r.any():
        return rgb.copy()
    if r.all():
        raise ValueError("remove_region: the region covers the whole image: nothing is left to fill it from")
    pixels = torch.from_numpy(np.asarray(rgb, dtype=np.float32) / 255.0).permute(2, 0, 1)
    with torch.random.fork_rng(devices=[]):  # the imputer draws its noise from torch's global generator
        torch.manual_seed(seed)
        filled = NoisyLinearImputer(noise=noise)(pixels, torch.from_numpy((~r).astype(np.float32)))
    out = np.clip(filled.permute(1, 2, 0).numpy(), 0.0, 1.0)
    return Image.fromarray((out * 255.0).round().astype(np.uint8))


def moved_regions(region: Any, n: int = N_MOVED, seed: int = 0, max_overlap: float = MAX_OVERLAP,
                  tries: int = 200) -> list[np.ndarray]:
    """Up to ``n`` copies of ``region`` (``[H, W]``, the pixels ``> 0.5``), each shifted by a random
    offset that keeps the whole shape inside the image and at most ``max_overlap`` of it on the
    region itself. Returns boolean ``[H, W]`` masks; fewer than ``n`` (even none) when a large
    region leaves no such place within ``tries * n`` draws. Deterministic given ``seed``.
    """
    r = _binary(region, "moved_regions")
    ys, xs = np.nonzero(r)
    if ys.size == 0:
        return []
    h, w = r.shape
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    for _ in range(max(int(tries), 1) * max(int(n), 0)):
        if len(out) >= n:
            break
        dy = int(rng.integers(-ys.min(), h - ys.max()))
        dx = int(rng.integers(-xs.min(), w - xs.max()))
        if r[ys + dy, xs + dx].sum() > max_overlap * ys.size:
            continue
        moved = np.zeros_like(r)
        moved[ys + dy, xs + dx] = True
        out.append(moved)
    return out


@dataclass(frozen=True)
class Removals:
    """What :func:`deletion_test` scores, made once for any number of models by :func:`removals`:
    per photo, ``variants[i]`` is ``[photo, photo without its region, photo without moved copy 1,
    ...]`` and ``moved[i]`` the number of moved copies that fit."""

    variants: list[list[Image.Image]]
    moved: list[int]


def removals(images: Sequence[Any], masks: Sequence[Any], n_moved: int = N_MOVED, grow: int = GROW,
             seed: int = 0) -> Removals:
    """Each photo without its region and without each of ``n_moved`` moved copies of it (``masks[i]``:
    ``[H, W]`` in [0, 1] at the size of ``images[i]``, e.g. the studio's subject masks).

    Each region is grown by ``grow`` pixels (:func:`grown`) and removed (:func:`remove_region`); the
    copies come from :func:`moved_regions`. Photo ``i`` draws both with seed ``seed + i``. The removal
    does not depend on a model: make it once and pass it to :func:`deletion_test` for each model.
    """
    if len(images) != len(masks):
        raise ValueError(f"removals: expected one mask per photo, found {len(images)} photos and "
                         f"{len(masks)} masks")
    variants, moved_counts = [], []
    for i, (image, mask) in enumerate(zip(images, masks)):
        rgb = apps.to_pil(image)
        region = grown(_region(mask, (rgb.height, rgb.width), f"removals: photo {i}"), grow)
        moved = moved_regions(region, n_moved, seed=seed + i)
        variants.append([rgb] + [remove_region(rgb, m, seed=seed + i) for m in [region, *moved]])
        moved_counts.append(len(moved))
    return Removals(variants, moved_counts)


def deletion_test(scorer: Any, removed: Removals) -> pd.DataFrame:
    """The deletion test of one model on :func:`removals`' photos.

    ``scorer``: a course model or any scorer :func:`~aesthetics_lib.apps.as_scorer` takes. One row per
    photo: ``score``, ``without`` (the score without the region), ``drop`` (``score - without``:
    positive when the region raised the score), ``moved`` (the copies that fit), ``drop_elsewhere``
    (the mean of ``|score - score without a moved copy|``, NaN when none fits) and ``lift`` (``|drop|
    - drop_elsewhere``: above 0 when the score depends on the region more than on the same area
    elsewhere).
    """
    flat = [image for variants in removed.variants for image in variants]
    scores = apps.score_images(scorer, flat)  # every photo's variants, batched
    rows, start = [], 0
    for variants, moved in zip(removed.variants, removed.moved):
        s = scores[start : start + len(variants)]
        start += len(variants)
        elsewhere = float(np.mean(np.abs(s[0] - s[2:]))) if moved else float("nan")
        drop = float(s[0] - s[1])
        rows.append({"score": float(s[0]), "without": float(s[1]), "drop": drop, "moved": moved,
                     "drop_elsewhere": elsewhere, "lift": abs(drop) - elsewhere})
    return pd.DataFrame(rows, columns=["score", "without", "drop", "moved", "drop_elsewhere", "lift"])


def deletion_summary(table: pd.DataFrame, n_boot: int = 1000) -> dict[str, Any]:
    """:func:`deletion_test`'s table over the photos: ``photos``; ``drop`` (mean with its 95 %
    bootstrap interval) and ``lowered`` (the share of photos whose score fell without the region);
    and, over the ``compared`` photos with at least one moved copy, ``drop_elsewhere`` (mean) and
    ``lift`` (mean with its interval) with ``verdict``, where the lift's interval lies against 0
    (``"above"``: the score depends on the region more than on the same area elsewhere).
    """
    compared = table.dropna(subset=["lift"])
    drop = metrics.mean_ci(table["drop"], n_boot=n_boot)
    lift = metrics.mean_ci(compared["lift"], n_boot=n_boot)
    return {"photos": int(len(table)), "drop": list(drop), "lowered": float((table["drop"] > 0).mean()),
            "compared": int(len(compared)), "drop_elsewhere": float(compared["drop_elsewhere"].mean()),
            "lift": list(lift), "verdict": interval_side(0, lift[1], lift[2])}


def agreement(map_values: Any, table: pd.DataFrame, n_boot: int = 1000) -> tuple[float, float, float, int]:
    """Photo by photo, how far a map agrees with the deletion test: the SRCC between ``map_values`` (one
    per row of :func:`deletion_test`'s ``table``, e.g. a CAM's share on the region minus the region's
    area; NaN where the map is empty) and the drop, its 95 % bootstrap interval over the photos, and
    the number of photos counted (those with a value). Returns ``(srcc, low, high, photos)``.
    """
    values = np.asarray(map_values, dtype=np.float64)
    if values.shape != (len(table),):
        raise ValueError(f"agreement: expected one map value per photo of the table ({len(table)}), "
                         f"found shape {values.shape}")
    counted = ~np.isnan(values)
    x, drop = values[counted], table["drop"].to_numpy(dtype=np.float64)[counted]
    low, high = metrics.bootstrap_ci(metrics.srcc, x, drop, n_boot=n_boot)
    return metrics.srcc(x, drop), low, high, int(counted.sum())
