"""Labels the studio derives from the factors: AADB's attributes and CADB's composition elements.

Introduced in notebooks/03_cadb_exploration and 08_sampnet (attributes and composition elements).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from aesthetics_lib.data.schema import ATTRIBUTES
from aesthetics_lib.data.studio.factors import _THIRDS
from aesthetics_lib.data.studio.quality import true_quality
from aesthetics_lib.data.studio.rendering import horizon_rows, subject_radii


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
