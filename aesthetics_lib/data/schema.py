"""The one sample format shared by every dataset, model and trainer in the library.

A dataset item is a ``dict`` with these keys (introduced in notebooks/02_ava_exploration and
03_cadb_exploration):

======================  =====================================================================
key                     value
======================  =====================================================================
``image``               the transformed image: ``Tensor[3, H, W]`` float (or ``Tensor[P, 3, S, S]``
                        for multi-patch views); a PIL image when the dataset has no transform
``dist``                ``Tensor[K]`` float32, the normalised vote histogram over the K score bins
``mean``                ``Tensor[]`` float32, the mean score on the dataset's scale (1..K)
``attributes``          ``Tensor[11]`` float32 in [-1, 1], in the order of :data:`ATTRIBUTES`
``attr_mask``           ``Tensor[11]`` bool, True where the attribute is known for this image
``weight``              ``Tensor[]`` float32, per-sample loss weight (CADB's emdloss_weight, else 1)
``image_id``            ``str``
``orig_size``           ``Tensor[2]`` int64, the original (height, width) in pixels
======================  =====================================================================

A transform may add more keys (``local`` for the double-column view, ``saliency``); models name
the extra keys they read in their ``extra_inputs`` attribute.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

#: The 11 AADB composition attributes as CADB spells them (``BalacingElements`` is misspelt in the
#: real data and the library keeps that spelling so the files round-trip).
ATTRIBUTES: tuple[str, ...] = (
    "BalacingElements",
    "ColorHarmony",
    "Content",
    "DoF",
    "Light",
    "MotionBlur",
    "Object",
    "Repetition",
    "RuleOfThirds",
    "Symmetry",
    "VividColor",
)

#: The 6 attributes SAMP-Net (Zhang et al. 2021) predicts and supervises.
SAMPNET_ATTRIBUTES: tuple[str, ...] = (
    "RuleOfThirds",
    "BalacingElements",
    "DoF",
    "Object",
    "Symmetry",
    "Repetition",
)

#: CADB's scene categories.
SCENES: tuple[str, ...] = (
    "human",
    "static",
    "landscape",
    "animal",
    "architecture",
    "plant",
    "cityscape",
    "indoor",
    "night",
    "other",
)

#: CADB's composition-element classes (composition_elements.json).
ELEMENT_CLASSES: tuple[str, ...] = (
    "center",
    "rule_of_thirds",
    "golden_ratio",
    "horizontal",
    "vertical",
    "diagonal",
    "symmetric",
    "radial",
    "vanishing_point",
    "triangle",
    "curved",
    "pattern",
    "fill_the_frame",
    "none",
)

CADB_BINS = 5  #: CADB: 5 raters, integer scores 1..5
AVA_BINS = 10  #: AVA: votes for scores 1..10
CADB_THRESHOLD = 2.6  #: binary "good composition" threshold used by SAMP-Net on CADB
AVA_THRESHOLD = 5.0  #: the usual binary threshold on AVA mean scores

SAMPLE_KEYS: tuple[str, ...] = (
    "image",
    "dist",
    "mean",
    "attributes",
    "attr_mask",
    "weight",
    "image_id",
    "orig_size",
)


def dist_mean(dist):
    """Mean score of distribution(s) over bins 1..K: ``sum_i i * p_i / sum_i p_i``. ``[..., K] -> [...]``.

    The one place of this formula in the library: NumPy arrays and sequences give float64 NumPy,
    torch tensors give a tensor of the same dtype and device (differentiable; the models use it).
    Each distribution is renormalised first, so unnormalised histograms (vote counts, fp16 sums)
    give the right mean. Introduced in notebooks/04_metrics_and_losses."""
    if isinstance(dist, torch.Tensor):
        bins = torch.arange(1, dist.shape[-1] + 1, device=dist.device, dtype=dist.dtype)
        return (dist * bins).sum(-1) / dist.sum(-1)
    p = np.asarray(dist, dtype=np.float64)
    bins = np.arange(1, p.shape[-1] + 1, dtype=np.float64)
    return (p * bins).sum(-1) / p.sum(-1)


def dist_std(dist):
    """Standard deviation of distribution(s) over bins 1..K (renormalised first). ``[..., K] -> [...]``;
    NumPy in, float64 NumPy out; a tensor in, a tensor out (as :func:`dist_mean`)."""
    if isinstance(dist, torch.Tensor):
        p = dist / dist.sum(-1, keepdim=True)
        bins = torch.arange(1, p.shape[-1] + 1, device=p.device, dtype=p.dtype)
        mu = (p * bins).sum(-1, keepdim=True)
        return (p * (bins - mu) ** 2).sum(-1).clamp_min(0).sqrt()
    p = np.asarray(dist, dtype=np.float64)
    p = p / p.sum(-1, keepdims=True)
    bins = np.arange(1, p.shape[-1] + 1, dtype=np.float64)
    mu = (p * bins).sum(-1, keepdims=True)
    return np.sqrt(np.clip((p * (bins - mu) ** 2).sum(-1), 0, None))


def votes_to_dist(counts: np.ndarray | Sequence[float]) -> np.ndarray:
    """Normalise vote counts ``[..., K]`` to a distribution; raises on an all-zero histogram."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum(-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("a vote histogram has no votes (all counts are zero)")
    return c / total
