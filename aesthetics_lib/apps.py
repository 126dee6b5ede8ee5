"""Applications of an aesthetics model: ranking a burst of shots and composition-aware cropping.

A *scorer* is any callable ``list[PIL.Image] -> np.ndarray [N]`` of mean scores (higher is better);
:func:`as_scorer` makes one from a course model (anything with ``.score(images)["mean"]``).

* Burst ranking: :func:`rank_burst` scores near-duplicate shots and ranks them;
  :func:`ranking_accuracy` and :func:`ranking_report` compare the ranking with a known order
  (pairwise accuracy, Kendall's tau from ``scipy.stats``, top-1).
* Cropping: :func:`candidate_crops` lays a grid of boxes of one aspect ratio over an image at
  several scales, :func:`best_crops` scores them all (batched) and keeps the best distinct ones,
  :func:`centre_crop` is the baseline a camera would use, :func:`crop_iou` compares boxes.

Boxes are ``(x1, y1, x2, y2)`` integer pixels with ``x2``/``y2`` exclusive (PIL's ``crop`` order).
Introduced in notebooks/11_applications.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from PIL import Image
from scipy import stats

Box = tuple[int, int, int, int]
Scorer = Callable[[list[Image.Image]], np.ndarray]

#: Default crop scales (the crop's side as a share of the largest crop of the aspect that fits).
CROP_SCALES: tuple[float, ...] = (1.0, 0.85, 0.7, 0.55)
#: Default grid step, as a share of the image's shorter side.
CROP_STRIDE = 0.08


def to_pil(image: Any) -> Image.Image:
    """A PIL RGB image from a PIL image or an ``HxW[x3]`` uint8 (or float in [0, 1]) array."""
    if isinstance(image, Image.Image):
        return image if image.mode == "RGB" else image.convert("RGB")
    arr = np.asarray(image)
    if np.issubdtype(arr.dtype, np.floating):
        arr = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3):
        raise TypeError(f"expected a PIL image or an HxW[x3] uint8 array, found {arr.dtype} array of shape {arr.shape}")
    return Image.fromarray(arr).convert("RGB")


def as_scorer(model: Any) -> Scorer:
    """A scorer from a course model (``.score(images)`` returning
    :class:`~aesthetics_lib.inference.Predictions` or a dict with ``"mean"``) or from a callable
    returning scores or such a dict. Introduced in notebooks/11_applications."""
    fn = model.score if hasattr(model, "score") and callable(model.score) else model
    if not callable(fn):
        raise TypeError(f"as_scorer: expected a callable or an object with .score(images), found {type(model).__name__}")

    def scorer(images: list[Image.Image]) -> np.ndarray:
        out = fn(images)
        if hasattr(out, "score") and not callable(out.score):  # Predictions: the mean, or P(good)
            out = out.score
        elif isinstance(out, Mapping):
            out = out["mean"]
        if hasattr(out, "detach"):
            out = out.detach().cpu().numpy()
        return np.asarray(out, dtype=np.float64).reshape(-1)

    return scorer


def score_images(scorer: Any, images: Iterable[Any], batch_size: int = 64) -> np.ndarray:
    """Scores of ``images`` (PIL images or arrays) by ``scorer`` (anything :func:`as_scorer` takes),
    ``batch_size`` images per call. ``images`` may be any iterable (a generator of crops is read one
    batch at a time, never held whole). ``[N] -> float64 [N]``; raises ``ValueError`` when the scorer
    returns another number of scores."""
    fn = as_scorer(scorer)
    step = max(int(batch_size), 1)
    items = iter(images)
    parts: list[np.ndarray] = []
    n = 0
    while batch := [to_pil(im) for im in itertools.islice(items, step)]:
        n += len(batch)
        parts.append(fn(batch))
    scores = np.concatenate(parts) if parts else np.zeros(0)
    if scores.shape != (n,):
        raise ValueError(f"the scorer returned {scores.shape[0]} scores for {n} images")
    return scores


# ---------------------------------------------------------------------------- bursts
def rank_burst(scorer: Any, images: Sequence[Any], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Score a burst of near-duplicate shots and rank them (1 = best).

    ``images``: PIL images or uint8 arrays; ``labels`` name the shots (default ``shot 0``, ...).
    Returns a DataFrame in shot order with ``label``, ``score`` and ``rank`` (ties share the best
    rank). Introduced in notebooks/11_applications.
    """
    if labels is None:
        labels = [f"shot {i}" for i in range(len(images))]
    if len(labels) != len(images):
        raise ValueError(f"rank_burst: {len(images)} images but {len(labels)} labels")
    scores = score_images(scorer, images)
    ranks = stats.rankdata(-scores, method="min").astype(int)
    return pd.DataFrame({"label": list(labels), "score": scores, "rank": ranks})


def _true_rank(true_order: Sequence[int], n: int) -> np.ndarray:
    order = np.asarray(true_order, dtype=int).ravel()
    if sorted(order.tolist()) != list(range(n)):
        raise ValueError(
            f"expected true_order to list each of the {n} items once (indices, best first), found {order.tolist()}"
        )
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    return rank


def ranking_accuracy(pred_scores: Sequence[float], true_order: Sequence[int]) -> float:
    """Share of pairs of items that ``pred_scores`` (higher = better) put in the order of
    ``true_order`` (item indices, best first); tied predictions count half. 1 for the true order,
    0 for its reverse, 0.5 expected by chance. Introduced in notebooks/11_applications."""
    s = np.asarray(pred_scores, dtype=np.float64).ravel()
    rank = _true_rank(true_order, len(s))
    if len(s) < 2:
        raise ValueError("ranking_accuracy: expected at least two items")
    i, j = np.triu_indices(len(s), 1)
    better = np.where(rank[i] < rank[j], s[i] - s[j], s[j] - s[i])  # > 0: the truly better one scores higher
    return float(np.mean(np.where(better > 0, 1.0, np.where(better == 0, 0.5, 0.0))))


def ranking_report(pred_scores: Sequence[float], true_order: Sequence[int]) -> dict[str, float]:
    """``pairwise_accuracy`` (:func:`ranking_accuracy`), ``kendall_tau`` (``scipy.stats.kendalltau``
    of the scores against the true ranks, in [-1, 1]) and ``top1`` (1.0 when the highest score is the
    truly best item). Introduced in notebooks/11_applications."""
    s = np.asarray(pred_scores, dtype=np.float64).ravel()
    rank = _true_rank(true_order, len(s))
    tau = stats.kendalltau(s, -rank).statistic
    return {
        "pairwise_accuracy": ranking_accuracy(s, true_order),
        "kendall_tau": float(tau),
        "top1": float(int(np.argmax(s)) == int(np.asarray(true_order).ravel()[0])),
    }


# ---------------------------------------------------------------------------- crops
def _check_aspect(aspect: float) -> float:
    a = float(aspect)
    if not (math.isfinite(a) and a > 0):
        raise ValueError(f"expected an aspect ratio (width / height) > 0, found {aspect!r}")
    return a


def parse_aspect(aspect: float | str) -> float:
    """``"16:9"``, ``"4/5"`` or a number -> width / height as a float."""
    if isinstance(aspect, str):
        for sep in (":", "/", "x"):
            if sep in aspect:
                w, h = aspect.split(sep, 1)
                return _check_aspect(float(w) / float(h))
        return _check_aspect(float(aspect))
    return _check_aspect(aspect)


def _crop_size(width: int, height: int, aspect: float, scale: float) -> tuple[int, int]:
    """Integer (w, h) of the crop of ``aspect`` at ``scale`` of the largest that fits."""
    if aspect >= width / height:  # as wide as the image
        cw = max(1, int(round(width * scale)))
        ch = max(1, int(round(cw / aspect)))
    else:
        ch = max(1, int(round(height * scale)))
        cw = max(1, int(round(ch * aspect)))
    return min(cw, width), min(ch, height)


def centre_crop(width: int, height: int, aspect: float | str, scale: float = 1.0) -> Box:
    """The centred box of ``aspect`` at ``scale`` of the largest that fits: the crop a camera or a
    phone makes without looking. Introduced in notebooks/11_applications."""
    a = parse_aspect(aspect)
    cw, ch = _crop_size(int(width), int(height), a, float(scale))
    x1, y1 = (int(width) - cw) // 2, (int(height) - ch) // 2
    return (x1, y1, x1 + cw, y1 + ch)


def candidate_crops(
    width: int,
    height: int,
    aspect: float | str,
    scales: Sequence[float] = CROP_SCALES,
    stride: float = CROP_STRIDE,
) -> list[Box]:
    """Every candidate crop of ``aspect`` (width / height, or ``"16:9"``) inside a ``width x height`` image.

    For each scale in ``scales`` (a share of the largest crop of that aspect that fits, in (0, 1]),
    the crop slides over a grid whose step is at most ``stride`` times the image's shorter side and
    that includes both edges. Boxes are ``(x1, y1, x2, y2)`` integers, ``x2``/``y2`` exclusive, all
    inside the image, in a fixed order without duplicates; each box's ratio is ``aspect`` up to
    rounding to whole pixels. Introduced in notebooks/11_applications.
    """
    w, h, a = int(width), int(height), parse_aspect(aspect)
    if w < 1 or h < 1:
        raise ValueError(f"candidate_crops: expected a positive image size, found {width}x{height}")
    if not 0 < float(stride) <= 1:
        raise ValueError(f"candidate_crops: expected a stride in (0, 1], found {stride}")
    step = max(1.0, float(stride) * min(w, h))
    boxes: list[Box] = []
    seen: set[Box] = set()
    for s in scales:
        if not 0 < float(s) <= 1:
            raise ValueError(f"candidate_crops: expected scales in (0, 1], found {s}")
        cw, ch = _crop_size(w, h, a, float(s))
        xs = np.unique(np.round(np.linspace(0, w - cw, int(math.ceil((w - cw) / step)) + 1)).astype(int))
        ys = np.unique(np.round(np.linspace(0, h - ch, int(math.ceil((h - ch) / step)) + 1)).astype(int))
        for y in ys:
            for x in xs:
                box = (int(x), int(y), int(x) + cw, int(y) + ch)
                if box not in seen:
                    seen.add(box)
                    boxes.append(box)
    return boxes


def crop_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two boxes ``(x1, y1, x2, y2)``, in [0, 1].
    Introduced in notebooks/11_applications."""
    ax1, ay1, ax2, ay2 = (float(v) for v in a)
    bx1, by1, bx2, by2 = (float(v) for v in b)
    iw = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    ih = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = iw * ih
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return float(inter / union) if union > 0 else 0.0


def score_crops(scorer: Any, image: Any, boxes: Sequence[Box], batch_size: int = 64) -> np.ndarray:
    """Scores of the crops ``boxes`` of ``image`` (each cut out and given to the scorer), batched by
    :func:`score_images` (each batch's crops are cut when it is scored)."""
    img = to_pil(image)
    return score_images(scorer, (img.crop(tuple(int(v) for v in b)) for b in boxes), batch_size)


def best_crops(
    scorer: Any,
    image: Any,
    aspect: float | str,
    top: int = 3,
    scales: Sequence[float] = CROP_SCALES,
    stride: float = CROP_STRIDE,
    max_overlap: float | None = 0.7,
    batch_size: int = 64,
) -> list[tuple[Box, float]]:
    """The ``top`` best crops of ``image`` with ratio ``aspect``: ``[(box, score), ...]``, best first.

    Scores every box of :func:`candidate_crops` (batched, :func:`score_crops`); ties keep the grid
    order. With ``max_overlap`` the list skips boxes whose IoU with an already chosen one exceeds
    it (non-maximum suppression), so the three shown are three different ideas; ``None`` keeps
    near-duplicates. Introduced in notebooks/11_applications.
    """
    img = to_pil(image)
    boxes = candidate_crops(img.width, img.height, aspect, scales, stride)
    scores = score_crops(scorer, img, boxes, batch_size)
    order = np.argsort(-scores, kind="stable")
    chosen: list[tuple[Box, float]] = []
    for i in order:
        box = boxes[int(i)]
        if max_overlap is not None and any(crop_iou(box, c) > max_overlap for c, _ in chosen):
            continue
        chosen.append((box, float(scores[int(i)])))
        if len(chosen) >= top:
            break
    return chosen


def draw_boxes(image: Any, boxes: Iterable[Sequence[float]], colors: Sequence[tuple[int, int, int]] | None = None,
               width: int = 2) -> Image.Image:
    """A copy of ``image`` with ``boxes`` drawn as rectangles (first box in the first colour)."""
    from PIL import ImageDraw

    img = to_pil(image).copy()
    draw = ImageDraw.Draw(img)
    palette = colors or [(255, 215, 0), (0, 200, 255), (255, 80, 200), (120, 255, 120)]
    for k, b in enumerate(boxes):
        x1, y1, x2, y2 = (int(v) for v in b)
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), outline=palette[k % len(palette)], width=width)
    return img
