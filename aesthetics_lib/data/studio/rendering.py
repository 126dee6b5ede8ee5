"""Rendering for the synthetic photo studio: one factor row in, one small "photo" and its subject mask out.

A studio photo is a sky (or wall) over a ground (or floor) split by a horizon line, a salient subject
(ellipse, box, triangle, blob or figure) in its own colour, and optional extras: a row of repeated
elements on the horizon, a balancing element opposite the subject, clutter, a fence-like "rhythm
band" along the long side, fine surface texture on the subject. Camera effects follow: depth of field
(background blur), lens softness, motion blur, exposure, contrast, a polarising duotone style and
sensor noise. Every factor is documented in :mod:`aesthetics_lib.data.studio.factors`, which samples
the factors; :mod:`aesthetics_lib.data.studio.quality` and :mod:`~aesthetics_lib.data.studio.raters`
turn them into a hidden quality and votes.

Pure NumPy plus ``scipy.ndimage`` blurs; a 160-pixel image takes a few milliseconds. Rendering is
deterministic: all randomness comes from the row's ``render_seed``.
Introduced in notebooks/00_welcome (the offline default dataset).
"""

from __future__ import annotations

import colorsys
import math
from typing import Any, Mapping

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

#: Cycles of the rhythm band across the *short* side: its period is ``short_side / RHYTHM_CYCLES``
#: pixels (at least :data:`RHYTHM_MIN_PERIOD`), so a 3:1 panorama holds three times as many cycles
#: along its long side as a square image; a square warp squeezes them below the sampling limit only
#: for elongated images (notebooks/06_aspect_ratio).
RHYTHM_CYCLES = 20.0
RHYTHM_MIN_PERIOD = 2.5

#: Per scene: (sky hue, sky value at the top, sky value at the horizon, sky saturation scale,
#: ground hue, ground value, ground saturation scale). Indoor scenes read "wall" and "floor".
SCENE_STYLE: dict[str, tuple[float, float, float, float, float, float, float]] = {
    "human": (0.58, 0.78, 0.95, 0.55, 0.10, 0.55, 0.55),
    "static": (0.09, 0.82, 0.90, 0.25, 0.07, 0.45, 0.60),
    "landscape": (0.58, 0.72, 0.96, 0.70, 0.28, 0.52, 0.80),
    "animal": (0.57, 0.80, 0.95, 0.50, 0.22, 0.50, 0.65),
    "architecture": (0.60, 0.70, 0.92, 0.60, 0.08, 0.62, 0.30),
    "plant": (0.30, 0.45, 0.62, 0.60, 0.25, 0.38, 0.70),
    "cityscape": (0.60, 0.62, 0.85, 0.25, 0.00, 0.35, 0.10),
    "indoor": (0.10, 0.75, 0.80, 0.30, 0.06, 0.40, 0.50),
    "night": (0.65, 0.06, 0.20, 0.60, 0.60, 0.10, 0.40),
    "other": (0.75, 0.60, 0.85, 0.40, 0.45, 0.45, 0.50),
}

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def image_size(aspect: float, long_side: int) -> tuple[int, int]:
    """``(width, height)`` in pixels of an image with ``aspect = width / height`` and the given long side."""
    if aspect >= 1.0:
        return int(long_side), max(8, int(round(long_side / aspect)))
    return max(8, int(round(long_side * aspect))), int(long_side)


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    """An RGB colour as a ``float32 [3, 1, 1]`` array (images are channels-first while rendering)."""
    rgb = colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))
    return np.array(rgb, dtype=np.float32).reshape(3, 1, 1)


#: The factor columns :func:`render` reads (see :func:`aesthetics_lib.data.studio.factors.sample_factors`).
RENDER_KEYS: tuple[str, ...] = (
    "scene", "aspect", "subject_x", "subject_y", "subject_size", "subject_shape", "subject_elong",
    "subject_hue", "palette_hue", "horizon_y", "horizon_tilt", "exposure", "contrast", "saturation", "dof",
    "motion_blur", "motion_axis", "softness", "noise", "texture", "band", "rhythm", "band_side", "symmetry",
    "repetition", "repetition_regularity", "balance", "clutter", "polarising", "render_seed",
)


def _as_dict(factors: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    if isinstance(factors, pd.Series):
        f = factors.to_dict()
    elif isinstance(factors, Mapping):
        f = dict(factors)
    else:
        raise TypeError(f"render: expected a factor row (pandas Series or dict), found {type(factors).__name__}")
    missing = [k for k in RENDER_KEYS if k not in f]
    if missing:
        raise KeyError(f"render: the factor row lacks {missing}; expected the columns of sample_factors()")
    return f


def subject_radii(f: Mapping[str, Any], width: int, height: int) -> tuple[float, float]:
    """Half-width and half-height in pixels of the subject of factor row ``f``."""
    r = float(f["subject_size"]) * min(width, height)
    e = math.sqrt(float(f["subject_elong"]))
    return r / e, r * e


# ---------------------------------------------------------------------------------------- shapes
def _window(cx: float, cy: float, rx: float, ry: float, w: int, h: int) -> tuple[slice, slice] | None:
    x0, x1 = int(math.floor(cx - rx - 2)), int(math.ceil(cx + rx + 2))
    y0, y1 = int(math.floor(cy - ry - 2)), int(math.ceil(cy + ry + 2))
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return None
    return slice(y0, y1), slice(x0, x1)


def _shape_alpha(
    shape: str, dx: np.ndarray, dy: np.ndarray, rx: float, ry: float, wobble: tuple[float, ...] = (0, 0, 0, 0)
) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of a shape centred at (0, 0); ``dx, dy`` are pixel offsets."""
    rx, ry = max(rx, 0.75), max(ry, 0.75)
    scale = min(rx, ry)
    if shape == "ellipse":
        rho = np.sqrt((dx / rx) ** 2 + (dy / ry) ** 2)
        return np.clip((1.0 - rho) * scale + 0.5, 0.0, 1.0)
    if shape == "box":
        rho = ((dx / rx) ** 4 + (dy / ry) ** 4) ** 0.25
        return np.clip((1.0 - rho) * scale + 0.5, 0.0, 1.0)
    if shape == "blob":
        a2, p2, a3, p3 = wobble
        theta = np.arctan2(dy, dx)
        rad = 1.0 + a2 * np.cos(2 * theta + p2) + a3 * np.cos(3 * theta + p3)
        rho = np.sqrt((dx / rx) ** 2 + (dy / ry) ** 2) / rad
        return np.clip((1.0 - rho) * scale + 0.5, 0.0, 1.0)
    if shape == "triangle":  # apex up, base at dy = +ry
        d_base = ry - dy
        n = math.hypot(2 * ry, rx)
        d_left = ((dx + rx) * (2 * ry) + (dy - ry) * rx) / n  # distance inside the left edge
        d_right = ((rx - dx) * (2 * ry) + (dy - ry) * rx) / n
        return np.clip(np.minimum(np.minimum(d_base, d_left), d_right) + 0.5, 0.0, 1.0)
    if shape == "figure":  # a head over a rounded body
        hr = 0.42 * rx
        head = np.sqrt(dx**2 + (dy + ry - hr) ** 2)
        a_head = np.clip(hr - head + 0.5, 0.0, 1.0)
        top = -ry + 1.9 * hr
        bry = (ry - top) / 2.0
        bcy = top + bry
        rho = ((dx / rx) ** 4 + ((dy - bcy) / max(bry, 0.75)) ** 4) ** 0.25
        a_body = np.clip((1.0 - rho) * min(rx, bry) + 0.5, 0.0, 1.0)
        return np.maximum(a_head, a_body)
    raise ValueError(f"render: unknown subject shape {shape!r}")


def _paint(
    canvas: np.ndarray,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    shape: str,
    colour: np.ndarray,
    wobble: tuple[float, ...] = (0, 0, 0, 0),
    opacity: float = 1.0,
) -> None:
    h, w = canvas.shape[1:]
    win = _window(cx, cy, rx, ry, w, h)
    if win is None:
        return
    ys, xs = win
    dy = (np.arange(ys.start, ys.stop, dtype=np.float32) + 0.5 - cy)[:, None]
    dx = (np.arange(xs.start, xs.stop, dtype=np.float32) + 0.5 - cx)[None, :]
    a = _shape_alpha(shape, dx, dy, rx, ry, wobble) * opacity
    canvas[:, ys, xs] += (colour - canvas[:, ys, xs]) * a


# ---------------------------------------------------------------------------------------- layers
def _low_freq(rng: np.random.Generator, h: int, w: int, cells: int = 5) -> np.ndarray:
    coarse = rng.standard_normal((cells, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(coarse, mode="F").resize((w, h), Image.BILINEAR), dtype=np.float32)


def horizon_rows(f: Mapping[str, Any], width: int, height: int) -> np.ndarray:
    """Row (in pixels, float) of the horizon at the centre of every pixel column."""
    x = np.arange(width, dtype=np.float32) + 0.5
    return float(f["horizon_y"]) * height + math.tan(math.radians(float(f["horizon_tilt"]))) * (x - width / 2.0)


def _background(f: dict[str, Any], w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    scene = str(f["scene"])
    sky_h, sky_top, sky_bot, sky_s, gr_h, gr_v, gr_s = SCENE_STYLE.get(scene, SCENE_STYLE["other"])
    sat = float(f["saturation"])
    if scene == "other":
        sky_h, gr_h = (float(f["palette_hue"]) + 0.45) % 1.0, float(f["palette_hue"])
    else:
        gr_h = float(f["palette_hue"])
    yy = (np.arange(h, dtype=np.float32) + 0.5)[:, None]
    hz = horizon_rows(f, w, h)[None, :]
    # sky: vertical gradient from the top to the horizon, slightly mottled (clouds)
    t = np.clip(yy / np.maximum(hz, 1.0), 0.0, 1.0)
    top, bot = _hsv(sky_h, sky_s * sat, sky_top), _hsv(sky_h, 0.5 * sky_s * sat, sky_bot)
    sky = (top + (bot - top) * t) * (1.0 + 0.05 * _low_freq(rng, h, w))
    # ground: hazy and pale at the horizon, richer towards the bottom of the frame
    g = np.clip((yy - hz) / np.maximum(h - hz, 1.0), 0.0, 1.0)
    near, far = _hsv(gr_h, gr_s * sat, gr_v * 0.85), _hsv(gr_h, 0.6 * gr_s * sat, min(1.0, gr_v * 1.15))
    ground = (far + (near - far) * g) * (1.0 + 0.08 * _low_freq(rng, h, w, 7))
    a = np.clip(yy - hz + 0.5, 0.0, 1.0)  # anti-aliased horizon
    img = sky + (ground - sky) * a
    if scene == "night":  # lights in the dark
        for _ in range(int(rng.integers(6, 24))):
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.6, 1.6)
            _paint(img, x, y, r, r, "ellipse", _hsv(rng.uniform(0.08, 0.16), 0.4, 1.0))
    return img.astype(np.float32)


def _extras(f: dict[str, Any], img: np.ndarray, rng: np.random.Generator) -> None:
    """Repeated elements, the balancing element and clutter (the far layer, before depth of field)."""
    h, w = img.shape[1:]
    short = min(w, h)
    sat = float(f["saturation"])
    hz = horizon_rows(f, w, h)
    k = int(f["repetition"])
    if k > 0:
        reg = float(f["repetition_regularity"])
        spacing = 0.8 * w / k
        colour = _hsv(float(f["palette_hue"]) + 0.04, 0.6 * sat, 0.30)
        base_r = 0.04 * short
        for i in range(k):
            x = w * 0.1 + spacing * (i + 0.5) + (1 - reg) * spacing * rng.uniform(-0.45, 0.45)
            rx = base_r * (1 + (1 - reg) * rng.uniform(-0.5, 0.5))
            ry = 2.2 * rx * (1 + (1 - reg) * rng.uniform(-0.5, 0.5))
            col = int(min(max(x, 0), w - 1))
            _paint(img, x, hz[col] - 0.8 * ry, rx, ry, "ellipse", colour)
    b = float(f["balance"])
    if b > 0:
        rx, ry = subject_radii(f, w, h)
        bx = (1.0 - float(f["subject_x"])) * w
        by = min(max(float(f["subject_y"]) * h + 0.3 * ry, 0.0), h - 1.0)
        colour = _hsv(float(f["subject_hue"]) + 0.06, 0.5 * sat, 0.55)
        _paint(img, bx, by, b * rx, b * ry, "ellipse", colour)
    for _ in range(int(f["clutter"])):
        r = rng.uniform(0.015, 0.05) * short
        e = rng.uniform(0.5, 2.0)
        shape = "ellipse" if rng.random() < 0.5 else "box"
        colour = _hsv(rng.random(), rng.uniform(0.4, 1.0) * max(sat, 0.2), rng.uniform(0.25, 0.95))
        _paint(img, rng.uniform(0, w), rng.uniform(0, h), r / math.sqrt(e), r * math.sqrt(e), shape, colour)


def _symmetrise(img: np.ndarray, s: float) -> None:
    """Mirror the left half onto the right half with strength ``s`` in [0, 1] (in place)."""
    if s <= 0:
        return
    w = img.shape[2]
    half = w // 2
    mirrored = img[:, :, :half][:, :, ::-1]
    right = img[:, :, w - half :]
    img[:, :, w - half :] = s * mirrored + (1.0 - s) * right


def band_box(f: Mapping[str, Any], width: int, height: int) -> tuple[int, int, int, int] | None:
    """Where factor row ``f``'s rhythm band lies in a ``width`` x ``height`` rendering, as ``(top,
    left, bottom, right)`` pixel bounds (bottom and right excluded); None when it has no band.

    The band runs along the long side, 12 % of the short side thick (at least 5 pixels): along the
    bottom edge of a wide or square photo, along the left (``band_side`` 0) or right edge of a tall one.
    """
    if not bool(f["band"]):
        return None
    thick = max(5, int(round(0.12 * min(width, height))))
    if width >= height:
        return height - thick, 0, height, width
    return (0, 0, height, thick) if int(f["band_side"]) == 0 else (0, width - thick, height, width)


def _rhythm_band(f: dict[str, Any], img: np.ndarray, rng: np.random.Generator) -> None:
    """A fence of posts along the long side (:func:`band_box`); crisp when ``rhythm`` is 1, smeared when it is 0."""
    h, w = img.shape[1:]
    box = band_box(f, w, h)
    if box is None:
        return
    long_, short = max(w, h), min(w, h)
    period = max(RHYTHM_MIN_PERIOD, short / RHYTHM_CYCLES)
    t = np.arange(long_, dtype=np.float32) + 0.5
    profile = 0.5 + 0.5 * np.clip(3.0 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi)), -1.0, 1.0)
    sigma = (1.0 - float(f["rhythm"])) * 0.45 * period
    if sigma > 0.05:
        profile = ndimage.gaussian_filter1d(profile, sigma, mode="wrap")
    colour = _hsv(float(f["palette_hue"]) + 0.5, 0.35 * float(f["saturation"]), 0.18)
    alpha = (0.9 * profile).astype(np.float32)
    top, left, bottom, right = box
    region = img[:, top:bottom, left:right]
    region += (colour - region) * (alpha[None, :] if w >= h else alpha[:, None])


def _subject(f: dict[str, Any], img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint the subject (shaded, with its fine texture) and return its coverage mask ``float32 [H, W]``."""
    h, w = img.shape[1:]
    mask = np.zeros((h, w), dtype=np.float32)
    cx, cy = float(f["subject_x"]) * w, float(f["subject_y"]) * h
    rx, ry = subject_radii(f, w, h)
    shape = str(f["subject_shape"])
    wobble = (rng.uniform(0.05, 0.14), rng.uniform(0, 2 * np.pi), rng.uniform(0.03, 0.09), rng.uniform(0, 2 * np.pi))
    win = _window(cx, cy, rx, ry, w, h)
    if win is None:
        return mask
    ys, xs = win
    dy = (np.arange(ys.start, ys.stop, dtype=np.float32) + 0.5 - cy)[:, None]
    dx = (np.arange(xs.start, xs.stop, dtype=np.float32) + 0.5 - cx)[None, :]
    a = _shape_alpha(shape, dx, dy, rx, ry, wobble)
    value = 0.35 if str(f["scene"]) == "night" else 0.78
    base = _hsv(float(f["subject_hue"]), 0.25 + 0.75 * float(f["saturation"]), value)
    if str(f["scene"]) == "night":
        base = base + 0.25  # a lit subject
    shade = 1.0 + 0.22 * np.clip(-(dx / rx + dy / ry) / 2.0, -1.0, 1.0)  # light from the top left
    # fine texture: a weave with a period of 2.1-2.5 pixels, just above the sampling limit, modulating
    # the luminance: any antialiased downscale removes it, so only native-resolution views keep it
    period = rng.uniform(2.1, 2.5)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    weave = np.cos(2 * np.pi * (dx + cx) / period + p1) + np.cos(2 * np.pi * (dy + cy) / period + p2)
    lum = shade * (1.0 + 0.22 * float(f["texture"]) * weave)
    colour = np.clip(base * lum, 0.0, 1.2)
    img[:, ys, xs] += (colour - img[:, ys, xs]) * a
    mask[ys, xs] = a
    return mask


def _shoulder(img: np.ndarray, knee: float = 0.8) -> np.ndarray:
    """Roll highlights off above ``knee`` towards 1 (over-exposed areas wash out but keep some shape)."""
    over = img > knee
    if over.any():
        top = 1.0 - knee
        img[over] = knee + top * np.tanh((img[over] - knee) / top)
    return img


def _style(img: np.ndarray) -> np.ndarray:
    """The polarising look: a teal/orange duotone and a heavy vignette."""
    h, w = img.shape[1:]
    lum = np.clip(np.tensordot(_LUMA, img, axes=1), 0.0, 1.0)
    shadow = np.array([0.02, 0.30, 0.40], dtype=np.float32).reshape(3, 1, 1)
    light = np.array([1.00, 0.70, 0.35], dtype=np.float32).reshape(3, 1, 1)
    duo = shadow + (light - shadow) * lum
    yy = (np.arange(h, dtype=np.float32) + 0.5)[:, None] / h - 0.5
    xx = (np.arange(w, dtype=np.float32) + 0.5)[None, :] / w - 0.5
    vignette = 1.0 - 1.1 * (xx**2 + yy**2)
    return (0.2 * img + 0.8 * duo) * vignette


def render(factors: Mapping[str, Any] | pd.Series, long_side: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """Render one studio photo from a factor row (see :func:`aesthetics_lib.data.studio.factors.sample_factors`).

    Returns ``(image, mask)``: ``uint8 [H, W, 3]`` and the subject's coverage ``float32 [H, W]`` in
    [0, 1] (before camera blur). ``H, W`` follow the row's ``aspect`` with the given long side.
    Deterministic: randomness (clutter positions, textures, noise) comes from ``render_seed``.
    Introduced in notebooks/00_welcome.
    """
    f = _as_dict(factors)
    w, h = image_size(float(f["aspect"]), int(long_side))
    rng = np.random.default_rng(int(f["render_seed"]))
    img = _background(f, w, h, rng)
    _extras(f, img, rng)
    _symmetrise(img, float(f["symmetry"]))
    dof = float(f["dof"]) * 0.035 * min(w, h)
    if dof > 0.3:
        img = ndimage.gaussian_filter(img, sigma=(0, dof, dof), mode="nearest", truncate=3.0)
    _rhythm_band(f, img, rng)
    mask = _subject(f, img, rng)
    soft = float(f["softness"])
    if soft > 0.1:
        img = ndimage.gaussian_filter(img, sigma=(0, soft, soft), mode="nearest", truncate=3.0)
    length = int(round(float(f["motion_blur"]) * max(w, h)))
    if length >= 2:  # motion_axis 0: horizontal shake, 1: vertical
        img = ndimage.uniform_filter1d(img, size=length, axis=2 - int(f["motion_axis"]), mode="nearest")
    img = img * (2.0 ** (float(f["exposure"]) / 2.2))  # EV in linear light, applied to display values
    img = (img - 0.45) * float(f["contrast"]) + 0.45
    img = _shoulder(img)
    if bool(f["polarising"]):
        img = _style(img)
    sigma = float(f["noise"])
    if sigma > 0:
        grain = rng.standard_normal((1, h, w), dtype=np.float32)
        chroma = rng.standard_normal((3, h, w), dtype=np.float32)
        img = img + sigma * (grain + 0.6 * chroma)
    out = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    return np.ascontiguousarray(out), mask
