"""The report of a generated studio dataset (``studio_report.json``): calibration, noise ceiling and
the phenomena the lessons use, each measured.

Introduced in notebooks/00_welcome (the noise ceiling) and 06_aspect_ratio (the phenomena).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from aesthetics_lib.data.schema import SCENES
from aesthetics_lib.data.studio.apps_truth import canvas_factors, crop_quality
from aesthetics_lib.data.studio.factors import (
    FINE_DETAIL_TERMS,
    MASKS_DIR,
    PLACEMENTS,
    QUALITY_TERMS,
    STUDIO_VERSION,
    StudioConfig,
)
from aesthetics_lib.data.studio.rendering import image_size


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
            "burst": {"api": "render_studio_burst(seed, n_shots): shots of one scene with their true quality order"},
        },
    }
    return report


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
