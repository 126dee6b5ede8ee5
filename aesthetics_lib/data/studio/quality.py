"""The hidden true quality of a studio photo: the weighted terms of its factors and their normal score.

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

Introduced in notebooks/00_welcome and 01_handcrafted_features.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from aesthetics_lib.data.studio.factors import (
    QUALITY_TERMS,
    SCENE_BASE,
    StudioConfig,
    _config,
    _THIRDS,
    sample_factors,
)

_REFERENCE_N = 20000
_REFERENCE_SEED = 20240601


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
