"""Hand-crafted aesthetic features: one small, vectorised function per photographic cue.

Every feature takes one RGB image -- a ``uint8`` ``HxWx3`` array, a PIL image, or a float array in
[0, 1] (a ``HxW`` grey array is also accepted) -- and returns a float (or a small array). The cues
follow the classic hand-crafted IAA papers:

- Datta, Joshi, Li & Wang, "Studying aesthetics in photographic images using a computational
  approach", ECCV 2006 (exposure, colourfulness, saturation, rule of thirds, size and aspect ratio);
- Ke, Tang & Jing, "The design of high-level features for photo quality assessment", CVPR 2006
  (spatial distribution of edges, hue count, blur);
- Hasler & Suesstrunk, "Measuring colourfulness in natural images", SPIE 2003 (colourfulness);
- Hou & Zhang, "Saliency detection: a spectral residual approach", CVPR 2007 (the saliency map
  behind :func:`thirds_distance`, see :mod:`aesthetics_lib.saliency`).

:func:`extract_features` returns every scalar feature as a ``pandas.Series`` with the stable names
in :data:`FEATURE_NAMES`; :func:`extract_features_batch` does the same for many images or files,
goes on past images that fail, and reports them at the end.

Features that measure detail (``sharpness``, ``edge_spread``, ``horizon_tilt``) depend on the
image's resolution: compare images at a common size (``max_side=``).

Introduced in notebooks/01_handcrafted_features.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Iterable, Sequence, Union

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from aesthetics_lib.saliency import spectral_residual

ImageLike = Union[np.ndarray, Image.Image]

#: Rec. 709 luma weights (the ones ``skimage.color.rgb2gray`` uses).
LUMA_WEIGHTS: tuple[float, float, float] = (0.2125, 0.7154, 0.0721)

#: Names of the scalar features :func:`extract_features` returns, in order.
FEATURE_NAMES: tuple[str, ...] = (
    "brightness",
    "contrast",
    "clipped_dark",
    "clipped_bright",
    "colourfulness",
    "saturation",
    "hue_count",
    "sharpness",
    "edge_spread",
    "thirds_distance",
    "symmetry",
    "horizon_tilt",
    "aspect_ratio",
)

# Default parameters, shared by the feature functions and extract_features.
CLIP_DARK = 0.02  #: luminance at or below which a pixel counts as crushed black
CLIP_BRIGHT = 0.98  #: luminance at or above which a pixel counts as blown white
HUE_BINS = 20  #: hue histogram bins (Ke et al. 2006)
HUE_MIN_SATURATION = 0.2  #: pixels less saturated than this have no meaningful hue
HUE_VALUE_RANGE = (0.15, 0.95)  #: pixels darker or brighter than this have no meaningful hue
HUE_ALPHA = 0.05  #: a hue counts if its bin exceeds this share of the largest bin
EDGE_MASS = 0.98  #: share of the edge energy the edge-spread box must hold (Ke et al. 2006)
SALIENT_THRESHOLD = 0.5  #: saliency values at or above this are the "salient mass"
SYMMETRY_BLUR = 0.01  #: blur (as a fraction of the width) before comparing with the mirror
HORIZON_MAX_ANGLE = 20.0  #: degrees from horizontal still called "near horizontal"
HORIZON_STEP = 0.25  #: Hough angle step in degrees
HORIZON_MIN_LENGTH = 0.3  #: a line needs this many edge pixels per pixel of width
HORIZON_SIGMA = 2.0  #: Canny smoothing sigma in pixels
HORIZON_MIN_PROMINENCE = 3.0  #: a line needs this many times the votes of the average line
_PEAK_WINDOW_DEG = 2.0  #: a Hough peak must be the maximum within this many degrees

#: Distance from a corner of the unit square to its nearest thirds intersection: the largest
#: possible value of the raw thirds distance, used to normalise it to [0, 1].
_MAX_THIRDS_DISTANCE = math.sqrt(2.0) / 3.0
_THIRDS = np.array([[x, y] for x in (1 / 3, 2 / 3) for y in (1 / 3, 2 / 3)])


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def as_float_rgb(image: ImageLike) -> np.ndarray:
    """Convert an image to ``float32 [H, W, 3]`` in [0, 1].

    Accepts PIL images (any mode), ``uint8``/``uint16`` arrays, float arrays in [0, 1], ``HxW``
    grey arrays (repeated to 3 channels) and ``HxWx4`` arrays (alpha dropped).
    """
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(
            f"expected an RGB image of shape (H, W, 3) (or a PIL image), found shape {arr.shape}"
        )
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"expected an image at least 2x2 pixels, found shape {arr.shape}")
    arr = arr[..., :3]
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) / 65535.0
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.floating):
        out = arr.astype(np.float32)
        if not np.isfinite(out).all():
            raise ValueError("expected finite pixel values, found NaN or inf in the float image")
        lo, hi = float(out.min()), float(out.max())
        if lo < -1e-6 or hi > 1.0 + 1e-6:
            raise ValueError(
                f"expected a float image in [0, 1] (or uint8 in [0, 255]), found values in "
                f"[{lo:.4g}, {hi:.4g}]"
            )
        return np.clip(out, 0.0, 1.0)
    raise ValueError(f"expected a uint8 or float image, found dtype {arr.dtype}")


def luminance(image: ImageLike) -> np.ndarray:
    """Grey-level (Rec. 709 luma) image in [0, 1]: ``[H, W, 3] -> float32 [H, W]``."""
    rgb = as_float_rgb(image)
    return rgb @ np.asarray(LUMA_WEIGHTS, dtype=np.float32)


def _to_uint8(rgb: np.ndarray) -> np.ndarray:
    return (rgb * 255.0 + 0.5).astype(np.uint8)


def hsv(image: ImageLike) -> np.ndarray:
    """HSV image in [0, 1]: ``[H, W, 3] -> float32 [H, W, 3]`` (hue 0 = red, as in
    ``skimage.color.rgb2hsv``, computed with PIL's fast 8-bit conversion, within 1/255 of it)."""
    rgb8 = _to_uint8(as_float_rgb(image))
    return np.asarray(Image.fromarray(rgb8).convert("HSV"), dtype=np.float32) / 255.0


# --------------------------------------------------------------------------------------------
# exposure and colour
# --------------------------------------------------------------------------------------------
def brightness(image: ImageLike) -> float:
    """Mean luminance in [0, 1] (0 = black, 1 = white): Datta et al. 2006's exposure cue."""
    return float(luminance(image).mean())


def contrast(image: ImageLike) -> float:
    """RMS contrast: the standard deviation of the luminance, in [0, 0.5]."""
    return float(luminance(image).std())


def exposure_clipping(
    image: ImageLike, dark: float = CLIP_DARK, bright: float = CLIP_BRIGHT
) -> tuple[float, float]:
    """Share of pixels whose luminance is near black (``<= dark``) and near white (``>= bright``).

    Returns ``(clipped_dark, clipped_bright)``, each in [0, 1]: large values mean crushed shadows
    or blown highlights (lost detail).
    """
    y = luminance(image)
    return float((y <= dark).mean()), float((y >= bright).mean())


def colourfulness(image: ImageLike) -> float:
    """Colourfulness M of Hasler & Suesstrunk 2003, on their 0-255 pixel scale.

    With opponent channels ``rg = R - G`` and ``yb = (R + G) / 2 - B``:
    ``M = sqrt(sd_rg^2 + sd_yb^2) + 0.3 * sqrt(mean_rg^2 + mean_yb^2)``. A grey image scores 0;
    the paper's perceptual anchors are about 15 "slightly", 33 "moderately", 59 "quite",
    82 "highly" and 109 "extremely" colourful.
    """
    rgb = as_float_rgb(image).astype(np.float64) * 255.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]  # the paper's 0-255 scale
    rg = r - g
    yb = 0.5 * (r + g) - b
    spread = math.sqrt(rg.var() + yb.var())
    centre = math.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    return float(spread + 0.3 * centre)


colorfulness = colourfulness  #: American spelling of :func:`colourfulness`


def saturation(image: ImageLike) -> float:
    """Mean HSV saturation ``(max - min) / max`` over pixels, in [0, 1] (Datta et al. 2006)."""
    return float(hsv(image)[..., 1].mean())


def hue_histogram(
    image: ImageLike,
    n_bins: int = HUE_BINS,
    min_saturation: float = HUE_MIN_SATURATION,
    value_range: tuple[float, float] = HUE_VALUE_RANGE,
) -> np.ndarray:
    """Normalised HSV hue histogram: ``[H, W, 3] -> float [n_bins]`` summing to 1.

    Only pixels with a meaningful hue count (saturation > ``min_saturation`` and value inside
    ``value_range``, as in Ke et al. 2006); an image with no such pixel (e.g. a grey one) returns
    all zeros. Bin ``k`` covers hues ``[k/n, (k+1)/n)`` of the colour circle (0 = red).
    """
    return _hue_histogram(hsv(image), n_bins, min_saturation, value_range)


def _hue_histogram(
    hsv_image: np.ndarray, n_bins: int, min_saturation: float, value_range: tuple[float, float]
) -> np.ndarray:
    if n_bins < 1:
        raise ValueError(f"expected n_bins >= 1, found {n_bins}")
    h, s, v = np.moveaxis(hsv_image, 2, 0)
    keep = (s > min_saturation) & (v > value_range[0]) & (v < value_range[1])
    hues = h[keep]
    if hues.size == 0:
        return np.zeros(n_bins, dtype=np.float64)
    counts = np.bincount(np.minimum((hues * n_bins).astype(np.int64), n_bins - 1), minlength=n_bins)
    return counts / counts.sum()


def hue_count(image: ImageLike, n_bins: int = HUE_BINS, alpha: float = HUE_ALPHA) -> int:
    """Number of hue-histogram bins above ``alpha`` times the largest bin (Ke et al. 2006).

    Few hues (a simple palette) was a mark of professional photos in Ke et al.; a grey image
    has 0 hues.
    """
    return _hue_count(hue_histogram(image, n_bins=n_bins), alpha)


def _hue_count(hist: np.ndarray, alpha: float) -> int:
    if hist.max() <= 0:
        return 0
    return int((hist > alpha * hist.max()).sum())


# --------------------------------------------------------------------------------------------
# detail and edges
# --------------------------------------------------------------------------------------------
def sharpness(image: ImageLike) -> float:
    """Variance of the Laplacian of the grey image (luminance in [0, 1]).

    Blur removes high frequencies and lowers it; noise raises it. Depends on resolution:
    compare images at one size. The focus measure of Pech-Pacheco et al., ICPR 2000; Ke et al.
    2006 and Datta et al. 2006 use blur/low depth of field cues in the same spirit.
    """
    return _sharpness(luminance(image))


def _sharpness(grey: np.ndarray) -> float:
    return float(ndimage.laplace(grey, mode="reflect").var())


def edge_spread(image: ImageLike, mass: float = EDGE_MASS) -> float:
    """Area of the box holding ``mass`` of the edge energy, as a fraction of the image, in [0, 1].

    Ke et al. 2006 ("spatial distribution of edges"): edge energy is the absolute Laplacian
    (here of the luminance); the box trims ``(1 - mass) / 2`` of the energy from each side along
    each axis. Cluttered snapshots spread edges over the frame (near 1); photos with a simple,
    isolated subject concentrate them (small). A flat image with no edges returns 0.
    """
    return _edge_spread(luminance(image), mass)


def _edge_spread(grey: np.ndarray, mass: float) -> float:
    if not 0.0 < mass <= 1.0:
        raise ValueError(f"expected mass in (0, 1], found {mass}")
    energy = np.abs(ndimage.laplace(grey, mode="reflect")).astype(np.float64)
    total = energy.sum()
    if total <= 1e-12:
        return 0.0
    tail = (1.0 - mass) / 2.0

    def extent(profile: np.ndarray) -> float:
        cum = np.cumsum(profile) / total
        lo = int(np.searchsorted(cum, tail, side="right"))
        hi = int(np.searchsorted(cum, 1.0 - tail, side="left"))
        hi = min(max(hi, lo), profile.size - 1)
        return (hi - lo + 1) / profile.size

    return float(extent(energy.sum(axis=0)) * extent(energy.sum(axis=1)))


# --------------------------------------------------------------------------------------------
# composition
# --------------------------------------------------------------------------------------------
def saliency_centroid(
    image: ImageLike, threshold: float = SALIENT_THRESHOLD
) -> tuple[float, float]:
    """Centroid ``(x, y)`` of the salient mass, in image fractions (0..1, origin top left).

    The saliency map is Hou & Zhang 2007's spectral residual
    (:func:`aesthetics_lib.saliency.spectral_residual`, rescaled to [0, 1]); only values at or
    above ``threshold`` count as mass, so the diffuse background does not pull the centroid to
    the centre. A map with no salient mass gives the image centre ``(0.5, 0.5)``.
    """
    rgb = as_float_rgb(image)
    sal = spectral_residual(rgb).astype(np.float64)
    weights = np.where(sal >= threshold, sal, 0.0)
    total = weights.sum()
    if total <= 0:
        return 0.5, 0.5
    h, w = sal.shape
    x = (weights.sum(axis=0) @ (np.arange(w) + 0.5)) / (total * w)
    y = (weights.sum(axis=1) @ (np.arange(h) + 0.5)) / (total * h)
    return float(x), float(y)


def thirds_distance(image: ImageLike, threshold: float = SALIENT_THRESHOLD) -> float:
    """Rule of thirds: distance of the saliency centroid to the nearest thirds intersection.

    Coordinates are image fractions (so the frame is the unit square) and the distance is
    divided by its largest possible value, ``sqrt(2)/3`` (a corner), giving [0, 1]: 0 = the
    salient mass sits on a thirds intersection, about 0.5 = dead centre. Follows Datta et al.
    2006's rule-of-thirds cue with Hou & Zhang 2007's saliency (see :func:`saliency_centroid`).
    """
    return _thirds_distance(saliency_centroid(image, threshold))


def _thirds_distance(centroid: tuple[float, float]) -> float:
    offsets = _THIRDS - np.asarray(centroid)
    return float(np.hypot(offsets[:, 0], offsets[:, 1]).min() / _MAX_THIRDS_DISTANCE)


def symmetry(image: ImageLike, blur_fraction: float = SYMMETRY_BLUR) -> float:
    """Left-right mirror similarity of the grey image, in [0, 1].

    ``(1 + r) / 2`` where ``r`` is the Pearson correlation between the (slightly blurred,
    sigma = ``blur_fraction`` x width) luminance and its mirror image: 1 = perfectly mirror
    symmetric, about 0.5 = unrelated halves, 0 = mirror-inverted. A flat image returns 1.
    """
    return _symmetry(luminance(image), blur_fraction)


def _symmetry(grey: np.ndarray, blur_fraction: float) -> float:
    y = grey.astype(np.float64)
    sigma = blur_fraction * y.shape[1]
    if sigma > 0.3:
        y = ndimage.gaussian_filter(y, sigma=sigma, mode="reflect")
    a = y - y.mean()
    b = a[:, ::-1]
    denom = float((a * a).sum())
    if denom <= 1e-12:
        return 1.0
    r = float((a * b).sum()) / denom  # both have the same norm
    return float(np.clip((1.0 + r) / 2.0, 0.0, 1.0))


def horizon_tilt(
    image: ImageLike,
    max_angle: float = HORIZON_MAX_ANGLE,
    step: float = HORIZON_STEP,
    min_length: float = HORIZON_MIN_LENGTH,
    sigma: float = HORIZON_SIGMA,
    min_prominence: float = HORIZON_MIN_PROMINENCE,
) -> float:
    """Angle in degrees of the dominant near-horizontal line; 0 when none is found.

    Canny edges (``skimage.feature.canny``, smoothing ``sigma``) -> a straight-line Hough
    transform (``skimage.transform.hough_line``) in steps of ``step`` degrees -> the strongest
    line within ``max_angle`` of horizontal that is a true peak (the largest within 2 degrees, so
    a steeper line leaking into the edge of the range does not count). It counts only with at
    least ``min_length`` x width edge pixels on it and ``min_prominence`` times the votes of the
    average line at its angle (so textures such as grass or gravel give 0). Positive = the line
    rises to the right as displayed (rotate the photo clockwise by that angle to level it).
    """
    return _horizon_tilt(luminance(image), max_angle, step, min_length, sigma, min_prominence)


def _horizon_tilt(
    grey: np.ndarray,
    max_angle: float,
    step: float,
    min_length: float,
    sigma: float,
    min_prominence: float,
) -> float:
    from skimage.feature import canny
    from skimage.transform import hough_line

    edges = canny(grey, sigma=sigma, mode="nearest")
    if not edges.any():
        return 0.0
    # scan beyond the range so a steeper line leaking into its edge is not taken for a peak
    n = int(round((max_angle + 2 * _PEAK_WINDOW_DEG) / step))
    angles = np.arange(-n, n + 1) * step
    # hough_line's theta is the angle of the line's normal; a horizontal line has theta = 90 deg.
    accumulator, _, _ = hough_line(edges, theta=np.deg2rad(90.0 - angles))
    votes = accumulator.max(axis=0).astype(np.float64)
    window = 2 * int(round(_PEAK_WINDOW_DEG / step)) + 1
    is_peak = ndimage.maximum_filter1d(votes, size=window, mode="nearest") == votes
    candidates = np.flatnonzero(is_peak & (np.abs(angles) <= max_angle + 1e-9))
    if candidates.size == 0:
        return 0.0
    best = candidates[np.argmax(votes[candidates])]  # the first of equal peaks: deterministic
    h, w = grey.shape
    a = math.radians(angles[best])
    span = h * abs(math.cos(a)) + w * abs(math.sin(a))  # distinct lines at that angle
    typical = edges.sum() / span  # the votes of the average line at that angle
    if votes[best] < min_length * w or votes[best] < min_prominence * typical:
        return 0.0
    return float(angles[best])


def aspect_ratio(image: ImageLike) -> float:
    """Width divided by height (Datta et al. 2006 use size and aspect ratio as features)."""
    if isinstance(image, Image.Image):
        w, h = image.size
        return w / h
    arr = np.asarray(image)
    return arr.shape[1] / arr.shape[0]


# --------------------------------------------------------------------------------------------
# all features at once
# --------------------------------------------------------------------------------------------
def _resize_max_side(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    if max_side is None or max(rgb.shape[:2]) <= max_side:
        return rgb
    h, w = rgb.shape[:2]
    s = max_side / max(h, w)
    size = (max(2, round(w * s)), max(2, round(h * s)))
    pil = Image.fromarray(_to_uint8(rgb)).resize(size, Image.BILINEAR, reducing_gap=2.0)
    return np.asarray(pil, dtype=np.float32) / 255.0


def _feature_vector(image: ImageLike, max_side: int | None) -> np.ndarray:
    """All features in the order of :data:`FEATURE_NAMES`; grey and HSV computed once."""
    rgb = _resize_max_side(as_float_rgb(image), max_side)
    grey = rgb @ np.asarray(LUMA_WEIGHTS, dtype=np.float32)
    hsv_image = hsv(rgb)
    return np.array(
        [
            grey.mean(),  # brightness
            grey.std(),  # contrast
            (grey <= CLIP_DARK).mean(),  # clipped_dark
            (grey >= CLIP_BRIGHT).mean(),  # clipped_bright
            colourfulness(rgb),
            hsv_image[..., 1].mean(),  # saturation
            _hue_count(
                _hue_histogram(hsv_image, HUE_BINS, HUE_MIN_SATURATION, HUE_VALUE_RANGE), HUE_ALPHA
            ),
            _sharpness(grey),
            _edge_spread(grey, EDGE_MASS),
            _thirds_distance(saliency_centroid(rgb, SALIENT_THRESHOLD)),
            _symmetry(grey, SYMMETRY_BLUR),
            _horizon_tilt(
                grey,
                HORIZON_MAX_ANGLE,
                HORIZON_STEP,
                HORIZON_MIN_LENGTH,
                HORIZON_SIGMA,
                HORIZON_MIN_PROMINENCE,
            ),
            rgb.shape[1] / rgb.shape[0],  # aspect_ratio
        ],
        dtype=np.float64,
    )


def extract_features(image: ImageLike, max_side: int | None = None) -> pd.Series:
    """All scalar features of one image as a ``pandas.Series`` named by :data:`FEATURE_NAMES`.

    Each value equals the feature function of the same name with its default arguments
    (``clipped_dark``/``clipped_bright`` are the two halves of :func:`exposure_clipping`).
    ``max_side`` first downsizes the image so its longer side is at most that many pixels
    (resolution-dependent features are only comparable at one size).
    Introduced in notebooks/01_handcrafted_features.
    """
    return pd.Series(_feature_vector(image, max_side), index=list(FEATURE_NAMES), name="features")


def _load(item: ImageLike | str | os.PathLike) -> ImageLike:
    if isinstance(item, (str, os.PathLike)):
        from aesthetics_lib.data.io import load_image

        return load_image(item)
    return item


def extract_features_batch(
    images: Iterable[ImageLike | str | os.PathLike],
    ids: Sequence[object] | None = None,
    max_side: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Features of many images (arrays, PIL images or file paths): one row each.

    Rows are indexed by ``ids`` if given, else by the path (as a string) for files and by the
    position for in-memory images. An image that cannot be read or measured is skipped, not
    fatal: the frame's ``attrs["failed"]`` lists ``(id, reason)`` pairs and one warning at the
    end says how many failed. Progress is shown with ``tqdm.auto`` (off when the environment
    variable ``CI`` is set or ``progress=False``). About 6 ms per 160-px image on one CPU core.
    Introduced in notebooks/01_handcrafted_features.
    """
    from tqdm.auto import tqdm

    items = list(images)
    if ids is not None and len(ids) != len(items):
        raise ValueError(f"expected one id per image: {len(items)} images but {len(ids)} ids")
    disable = (progress is False) or (progress is None and bool(os.environ.get("CI")))
    rows: list[np.ndarray] = []
    index: list[object] = []
    failed: list[tuple[object, str]] = []
    for i, item in enumerate(tqdm(items, desc="features", disable=disable)):
        if ids is not None:
            key = ids[i]
        else:
            key = str(item) if isinstance(item, (str, os.PathLike)) else i
        try:
            rows.append(_feature_vector(_load(item), max_side))
            index.append(key)
        except Exception as exc:  # keep going; report every failure at the end
            failed.append((key, f"{type(exc).__name__}: {exc}"))
    values = np.stack(rows) if rows else np.zeros((0, len(FEATURE_NAMES)))
    frame = pd.DataFrame(values, columns=list(FEATURE_NAMES), dtype=np.float64)
    frame.index = pd.Index(index, name="image")
    frame.attrs["failed"] = failed
    if failed:
        shown = "; ".join(f"{k}: {r}" for k, r in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        warnings.warn(
            f"extract_features_batch: {len(failed)} of {len(items)} images failed and were "
            f"skipped ({shown}{more}); see frame.attrs['failed']",
            stacklevel=2,
        )
    return frame
