"""Small matplotlib helpers the notebooks share: image grids, score histograms, heat-map overlays,
CADB composition elements, a thirds grid, and deterministic PNG saving.

Every helper returns what it drew (a ``Figure``, ``Axes`` or an array) and never calls
``plt.show()``: the notebook cell ends with ``plt.show()`` itself.

Introduced in notebooks/01_handcrafted_features (``show_images``, ``draw_thirds``),
notebooks/03_cadb_exploration (``plot_distribution``, ``draw_elements``) and
notebooks/10_explainability (``plot_cam_grid``, ``plot_mass_in_mask``, ``plot_sanity_check``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
from PIL import Image

from aesthetics_lib.data.schema import ELEMENT_CLASSES
from aesthetics_lib.paths import checkout_root

if TYPE_CHECKING:  # only for the annotations: viz itself never imports torch
    from aesthetics_lib.explain import CascadingRandomization

#: Element classes annotated as boxes ``[x1, y1, x2, y2]`` in CADB's composition_elements.json.
BOX_CLASSES: tuple[str, ...] = ("center", "rule_of_thirds", "golden_ratio")
#: Element classes annotated as line segments ``[x1, y1, x2, y2]``.
SEGMENT_CLASSES: tuple[str, ...] = (
    "horizontal",
    "vertical",
    "diagonal",
    "symmetric",
    "radial",
    "vanishing_point",
)
#: Element classes that carry no geometry (their lists are empty).
EMPTY_CLASSES: tuple[str, ...] = ("pattern", "fill_the_frame", "none")

FIGURE_DPI = 110  #: dpi of saved figures (the same as ``setup_notebook``'s ``savefig.dpi``)


def _to_display_array(image: Any) -> np.ndarray:
    """PIL image, ``HxW[x3|4]`` array or ``[C, H, W]`` tensor -> an array ``imshow`` accepts."""
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    if hasattr(image, "detach"):  # a torch tensor: [C, H, W] or [H, W]
        image = image.detach().float().cpu().numpy()
        if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):
            image = np.moveaxis(image, 0, -1)
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise ValueError(f"expected an image HxW, HxWx3 or 3xHxW, found shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating):
        arr = np.clip(arr, 0.0, 1.0)
    return arr


def show_images(
    images: Sequence[Any],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.5,
    cmap: str = "gray",
):
    """A grid of images (PIL, arrays or ``[3, H, W]`` tensors in [0, 1]) with optional titles.

    ``size`` is the width of one panel in inches; the row height follows the first image's
    aspect ratio. Grey images use ``cmap``. Returns the ``Figure``.
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("expected at least one image to show, found none")
    if titles is not None and len(titles) != len(images):
        raise ValueError(
            f"expected one title per image: {len(images)} images, {len(titles)} titles"
        )
    arrays = [_to_display_array(im) for im in images]
    ncols = max(1, min(ncols, len(arrays)))
    nrows = math.ceil(len(arrays) / ncols)
    h, w = arrays[0].shape[:2]
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * size, nrows * size * h / w + 0.3 * nrows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= len(arrays):
            continue
        arr = arrays[i]
        if arr.ndim == 2:  # grey: a fixed range, so a dark image stays dark
            top = 1.0 if np.issubdtype(arr.dtype, np.floating) else 255
            ax.imshow(arr, cmap=cmap, vmin=0, vmax=top)
        else:
            ax.imshow(arr)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    fig.tight_layout()
    return fig


def plot_distribution(
    dist: Sequence[float] | np.ndarray,
    ax=None,
    label: str | None = None,
    scale_start: int = 1,
    color: str | None = None,
    show_mean: bool = True,
    alpha: float = 0.7,
):
    """Bar chart of a score distribution over ``scale_start .. scale_start + K - 1``.

    ``dist`` (``[K]``: probabilities or vote counts, normalised here) is drawn as bars with a
    dashed line at its mean when ``show_mean``. Call again on the same ``ax`` to compare
    (e.g. true vs predicted). Returns the ``Axes``.
    """
    import matplotlib.pyplot as plt

    p = dist.detach().cpu() if hasattr(dist, "detach") else dist
    p = np.asarray(p, dtype=np.float64).ravel()
    if p.size == 0 or np.any(p < 0) or p.sum() <= 0:
        raise ValueError(f"expected a non-empty, non-negative distribution, found {p.tolist()}")
    p = p / p.sum()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 2.8))
    scores = np.arange(scale_start, scale_start + p.size)
    bars = ax.bar(scores, p, width=0.8, alpha=alpha, color=color, label=label)
    if show_mean:
        mean = float((scores * p).sum())
        ax.axvline(mean, color=bars.patches[0].get_facecolor(), linestyle="--", linewidth=1.5,
                   alpha=min(1.0, alpha + 0.3))
    ax.set_xticks(scores)
    ax.set_xlabel("score")
    ax.set_ylabel("share of votes")
    if label is not None:
        ax.legend(frameon=False)
    return ax


def overlay_mask(
    image: Any,
    mask_or_heatmap: Any,
    alpha: float = 0.5,
    cmap: str = "jet",
    color: tuple[int, int, int] = (255, 40, 40),
) -> np.ndarray:
    """Blend a mask or heat map over an image: returns ``uint8 [H, W, 3]``.

    A boolean mask paints ``color`` where it is True; a float heat map (saliency, Grad-CAM; any
    range, rescaled to [0, 1] if outside it) is coloured with ``cmap`` and blended everywhere.
    The map is resized (bilinear) to the image when the sizes differ.
    """
    import matplotlib

    rgb = _to_display_array(image)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    rgb = rgb[..., :3]
    base = rgb.astype(np.float32) / (255.0 if rgb.dtype == np.uint8 else 1.0)
    h, w = base.shape[:2]
    m = mask_or_heatmap
    m = np.squeeze(np.asarray(m.detach().cpu() if hasattr(m, "detach") else m))
    if m.ndim != 2:
        raise ValueError(
            f"expected a mask or heat map of shape HxW, found shape {np.shape(mask_or_heatmap)}"
        )
    if m.dtype == bool:
        if m.shape != (h, w):
            m = np.asarray(Image.fromarray(m).resize((w, h), Image.NEAREST))
        paint = np.asarray(color, np.float32) / 255.0
        out = np.where(m[..., None], (1 - alpha) * base + alpha * paint, base)
    else:
        m = m.astype(np.float32)
        if m.shape != (h, w):
            m = np.asarray(Image.fromarray(m, mode="F").resize((w, h), Image.BILINEAR))
        lo, hi = float(np.nanmin(m)), float(np.nanmax(m))
        if lo < 0.0 or hi > 1.0:
            m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        heat = matplotlib.colormaps[cmap](np.nan_to_num(m))[..., :3].astype(np.float32)
        out = (1 - alpha) * base + alpha * heat
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _bad_element(cls: str, i: int, expected: str, element: Any) -> ValueError:
    return ValueError(f"composition element {cls}[{i}]: expected {expected}, found {element!r}")


def _points(element: Any, cls: str, i: int) -> np.ndarray:
    try:
        return np.asarray(element, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError) as exc:
        raise _bad_element(cls, i, "numbers in pairs (x, y)", element) from exc


def draw_elements(
    ax,
    elements: Mapping[str, Sequence[Any]],
    scale: float | tuple[float, float] = 1.0,
    colors: Mapping[str, Any] | None = None,
    linewidth: float = 2.0,
    legend: bool = True,
):
    """Draw CADB composition elements (one image's ``{class: [element, ...]}``) on ``ax``.

    Boxes ``[x1, y1, x2, y2]`` for center / rule_of_thirds / golden_ratio; segments
    ``[x1, y1, x2, y2]`` for horizontal, vertical, diagonal, symmetric, radial and
    vanishing_point; three points for triangle (closed); a polyline for curved; the classes
    pattern, fill_the_frame and none carry no geometry. Coordinates are pixels of the original
    image; ``scale`` (one factor or ``(sx, sy)``) maps them to a resized display. The axes'
    limits are kept. Returns the ``Axes``. Follows Zhang et al., BMVC 2021 (CADB).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon, Rectangle

    sx, sy = (scale, scale) if np.isscalar(scale) else scale
    palette = plt.get_cmap("tab20")
    limits = (ax.get_xlim(), ax.get_ylim()) if ax.images else None
    handles = []
    for cls, items in elements.items():
        if cls not in ELEMENT_CLASSES:
            raise ValueError(
                f"unknown composition element class {cls!r}: "
                f"expected one of {list(ELEMENT_CLASSES)}"
            )
        items = list(items or [])
        if not items or cls in EMPTY_CLASSES:
            continue
        c = (colors or {}).get(cls, palette(ELEMENT_CLASSES.index(cls) % 20))
        for i, el in enumerate(items):
            pts = _points(el, cls, i) * (sx, sy)
            if cls in BOX_CLASSES:
                if pts.shape != (2, 2):
                    raise _bad_element(cls, i, "a box [x1, y1, x2, y2]", el)
                (x1, y1), (x2, y2) = pts
                ax.add_patch(Rectangle((min(x1, x2), min(y1, y2)), abs(x2 - x1), abs(y2 - y1),
                                       fill=False, edgecolor=c, linewidth=linewidth))
            elif cls in SEGMENT_CLASSES:
                if len(pts) < 2 or len(pts) % 2:
                    raise _bad_element(cls, i, "a segment [x1, y1, x2, y2]", el)
                for a, b in pts.reshape(-1, 2, 2):
                    ax.add_line(Line2D([a[0], b[0]], [a[1], b[1]], color=c, linewidth=linewidth))
            elif cls == "triangle":
                if len(pts) != 3:
                    raise _bad_element(cls, i, "3 points", el)
                ax.add_patch(
                    Polygon(pts, closed=True, fill=False, edgecolor=c, linewidth=linewidth)
                )
            else:  # curved: a polyline
                if len(pts) < 2:
                    raise _bad_element(cls, i, "at least 2 points", el)
                ax.add_line(Line2D(pts[:, 0], pts[:, 1], color=c, linewidth=linewidth))
        handles.append(Line2D([], [], color=c, linewidth=linewidth, label=cls))
    if limits is not None:
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
    if legend and handles:
        ax.legend(handles=handles, fontsize=7, loc="upper right", framealpha=0.6)
    return ax


def draw_thirds(
    ax,
    width: float,
    height: float,
    color: str = "white",
    linewidth: float = 1.0,
    linestyle: str = "--",
    alpha: float = 0.8,
    points: bool = True,
):
    """Draw the rule-of-thirds grid (and its four intersections when ``points``) over an image
    of ``width`` x ``height`` pixels shown on ``ax``. The axes' limits are kept. Returns the
    ``Axes``."""
    kw = dict(color=color, linewidth=linewidth, linestyle=linestyle, alpha=alpha)
    kw.update(scalex=False, scaley=False)
    for k in (1, 2):
        x, y = width * k / 3, height * k / 3
        ax.plot([x, x], [0, height], **kw)
        ax.plot([0, width], [y, y], **kw)
    if points:
        xs, ys = np.meshgrid([width / 3, 2 * width / 3], [height / 3, 2 * height / 3])
        ax.plot(xs.ravel(), ys.ravel(), "o", color=color, alpha=alpha, markersize=4,
                scalex=False, scaley=False)
    return ax


# ---------------------------------------------------------------------------- explanations
def plot_cam_grid(
    rows: Sequence[tuple[Any, str, Sequence[tuple[Any, str]]]],
    figsize: tuple[float, float] | None = None,
    title_size: float = 8,
    cam_title_size: float = 7,
    cam_alpha: float = 0.5,
    mask_alpha: float = 0.6,
):
    """A grid of photos and maps drawn over them: one row per photo.

    ``rows``: ``(image, title, panels)`` per photo, ``panels`` a list of ``(map, title)`` drawn after
    the photo with :func:`overlay_mask`: a boolean map (a subject mask) is painted with alpha
    ``mask_alpha`` and titled at ``title_size`` like the photo; any other map (a CAM, any size,
    resized to the photo) is coloured with alpha ``cam_alpha`` and titled at ``cam_title_size``.
    Rows with fewer panels leave their last cells empty. ``figsize`` defaults to 1.6 x 1.8 inches
    per cell. Axes are off. Returns the ``Figure``. Introduced in notebooks/10_explainability.
    """
    import matplotlib.pyplot as plt

    rows = list(rows)
    if not rows:
        raise ValueError("plot_cam_grid: expected at least one row (image, title, panels), found none")
    ncols = 1 + max(len(panels) for _, _, panels in rows)
    fig, axes = plt.subplots(len(rows), ncols, figsize=figsize or (1.6 * ncols, 1.8 * len(rows)), squeeze=False)
    for r, (image, title, panels) in enumerate(rows):
        axes[r, 0].imshow(image)
        axes[r, 0].set_title(title, fontsize=title_size)
        for c, (heat, panel_title) in enumerate(panels, start=1):
            is_mask = np.asarray(heat).dtype == bool
            axes[r, c].imshow(overlay_mask(image, heat, alpha=mask_alpha if is_mask else cam_alpha))
            axes[r, c].set_title(panel_title, fontsize=title_size if is_mask else cam_title_size)
    for ax in axes.ravel():
        ax.axis("off")
    fig.tight_layout()
    return fig


def _finite(values: Any) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    return v[~np.isnan(v)]


def plot_mass_in_mask(
    shares: Mapping[str, Mapping[str, Sequence[float]]],
    area: Mapping[str, float],
    p95: Mapping[str, float] | None = None,
    figsize: tuple[float, float] = (15, 3.6),
):
    """Box plots of the share of CAM mass in a region (``explain.cam_mass_in_mask``), one panel per
    region, against what maps that know nothing score there.

    ``shares``: ``{region: {map label: per-photo shares}}`` (NaN, an empty map, left out; a label
    ``"model: method"`` is drawn on two lines); ``area``: ``{region: mean area share}``, the flat
    map's score (dashed grey line); ``p95``: ``{region: mean 95th percentile of random smooth
    maps}`` (dotted red line; ``explain.mask_share_baseline``). The panels share the y axis; the
    legend is on the first. Returns the ``Figure``. Introduced in notebooks/10_explainability.
    """
    import matplotlib.pyplot as plt

    regions = list(shares)
    if not regions:
        raise ValueError("plot_mass_in_mask: expected shares for at least one region, found none")
    fig, axes = plt.subplots(1, len(regions), figsize=figsize, sharey=True, squeeze=False)
    for ax, region in zip(axes[0], regions):
        labels = list(shares[region])
        ax.boxplot([_finite(shares[region][m]) for m in labels], showfliers=False)
        ax.set_xticks(range(1, len(labels) + 1), [m.replace(": ", "\n") for m in labels], fontsize=6.5)
        ax.axhline(area[region], color="grey", ls="--", label="flat map (area)")
        if p95 is not None:
            ax.axhline(p95[region], color="#C44E52", ls=":", label="random map, 95th percentile")
        ax.set_title(f"share of CAM mass on the {region}", fontsize=10)
    axes[0, 0].legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plot_sanity_check(
    results: Mapping[str, "CascadingRandomization"],
    band: float | None = 0.5,
    figsize: tuple[float, float] | None = None,
):
    """The cascading-randomisation curves (Adebayo et al. 2018): one panel per model, one line per
    CAM method, the mean similarity to the trained model's map at each step.

    ``results``: ``{title: explain.cascading_randomization(...)}``; ``band``: the pass band
    ``(-band, band)`` shaded grey (None: none). ``figsize`` defaults to 6.5 x 3.2 inches per panel;
    the panels share the y axis, the legend is on the last. Returns the ``Figure``.
    Introduced in notebooks/10_explainability.
    """
    import matplotlib.pyplot as plt

    names = list(results)
    if not names:
        raise ValueError("plot_sanity_check: expected at least one result, found none")
    fig, axes = plt.subplots(1, len(names), figsize=figsize or (6.5 * len(names), 3.2), sharey=True, squeeze=False)
    for ax, name in zip(axes[0], names):
        res = results[name]
        for m in res.methods:
            ax.plot(range(len(res.steps)), res.mean_similarity(m), marker="o", label=m)
        if band is not None:
            ax.axhspan(-band, band, color="grey", alpha=0.12, lw=0)
        ax.set_xticks(range(len(res.steps)), list(res.steps), fontsize=7, rotation=30)
        ax.set_xlabel("randomised, cumulatively, from the output back to ...")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(name, fontsize=10)
    axes[0, 0].set_ylabel("Spearman similarity to trained CAM")
    axes[0, -1].legend(frameon=False, loc="lower left")
    fig.tight_layout()
    return fig


def figures_dir() -> Path:
    """The folder :func:`save_figure` writes to: ``$AESTHETICS_FIGURES`` when set; else the
    checkout's ``figures/`` folder when the library runs from a checkout; else ``./figures``. Not
    created here."""
    env = os.environ.get("AESTHETICS_FIGURES")
    if env:
        return Path(env).expanduser()
    repo = checkout_root()
    return (repo if repo is not None else Path.cwd()) / "figures"


def save_figure(fig, name: str, folder: str | Path | None = None, dpi: int = FIGURE_DPI) -> Path:
    """Save ``fig`` as ``<folder>/<name>.png`` (default folder: :func:`figures_dir`, created if
    missing) at a fixed dpi with the "Software" metadata stripped, so the same figure gives the
    same bytes every run. Replaces an existing file of that name. Returns the path."""
    path = Path(name)
    if path.suffix == "":
        path = path.with_suffix(".png")
    if path.suffix.lower() != ".png":
        raise ValueError(
            f"save_figure writes PNG files: expected a name ending in .png or none, found {name!r}"
        )
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"expected a file name inside the figures folder, found {name!r}")
    out_dir = Path(folder) if folder is not None else figures_dir()
    out = out_dir / path
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return out
