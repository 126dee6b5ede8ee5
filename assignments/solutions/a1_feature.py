"""Assignment 1, reference solution: a "clean, vivid subject" feature.

One number from four photographic cues, each divided by its rough spread over the practice photos
(so no cue drowns the others) and signed so that higher is better:

- **a clean background**: the share of the image's edge energy (absolute Laplacian of the luminance)
  that falls on the salient subject (spectral-residual saliency >= 0.5, Hou & Zhang 2007): clutter
  puts edges everywhere else (the idea of Ke et al. 2006's edge spread, measured against the subject);
- **vivid colour**: the mean HSV saturation (Datta et al. 2006);
- **no blown highlights**: minus the share of pixels with luminance >= 0.98;
- **little sensor noise**: minus Immerkaer's (1996) fast estimate of the noise's standard deviation
  (the mean absolute response of a Laplacian-difference kernel that cancels smooth structure).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import ndimage

from aesthetics_lib import metrics
from aesthetics_lib.features import as_float_rgb, hsv, luminance
from aesthetics_lib.saliency import spectral_residual

NAME = "clean_vivid_subject"
DIRECTION = +1

#: Spreads that put the four cues on one scale (about their SDs on the practice photos).
_SCALE = {"on_subject": 0.15, "saturation": 0.2, "blown": 0.05, "noise": 0.01}
#: Immerkaer's noise kernel: the difference of two Laplacians, zero on any plane or smooth ramp.
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
#: The largest noise estimate possible for an image in [0, 1] (|response| <= 16, the kernel's L1 norm).
_MAX_NOISE = math.sqrt(math.pi / 2) * 16 / 6
RANGE = (-1 / _SCALE["blown"] - _MAX_NOISE / _SCALE["noise"] - 1e-6, 1 / _SCALE["on_subject"] + 1 / _SCALE["saturation"] + 1e-6)


def _cues(image: np.ndarray) -> dict[str, float]:
    rgb = as_float_rgb(image)
    grey = luminance(rgb).astype(np.float64)
    edges = np.abs(ndimage.laplace(grey, mode="reflect"))
    total = edges.sum()
    salient = spectral_residual(rgb) >= 0.5
    on_subject = float(edges[salient].sum() / total) if total > 1e-12 else 1.0
    response = ndimage.convolve(grey, _NOISE_KERNEL, mode="reflect")
    noise = math.sqrt(math.pi / 2) * float(np.abs(response).mean()) / 6
    return {"on_subject": on_subject, "saturation": float(hsv(rgb)[..., 1].mean()),
            "blown": float((grey >= 0.98).mean()), "noise": noise}


def feature(image: np.ndarray) -> float:
    """Clean background + vivid colour - blown highlights - noise, each over its spread:
    ``uint8 [H, W, 3] -> float``. Higher should mean a better photo."""
    c = _cues(image)
    value = (c["on_subject"] / _SCALE["on_subject"] + c["saturation"] / _SCALE["saturation"]
             - c["blown"] / _SCALE["blown"] - c["noise"] / _SCALE["noise"])
    return float(value)


def srcc_table(features: pd.DataFrame, scores: np.ndarray, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """SRCC of every column of ``features`` with ``scores``, with its bootstrap interval; largest
    ``|srcc|`` first, undefined ones last."""
    y = np.asarray(scores, dtype=np.float64)
    rows = []
    for name in features.columns:
        x = features[name].to_numpy(dtype=np.float64)
        low, high = metrics.bootstrap_ci(metrics.srcc, x, y, n_boot=n_boot, seed=seed)
        rows.append({"feature": name, "srcc": metrics.srcc(x, y), "low": low, "high": high})
    table = pd.DataFrame(rows, columns=["feature", "srcc", "low", "high"]).set_index("feature")
    return table.sort_values("srcc", key=np.abs, ascending=False, na_position="last", kind="stable")
