"""Spectral-residual saliency (Hou & Zhang, CVPR 2007) with the exact steps SAMP-Net uses.

Steps: grey image -> downscale by 6 -> FFT -> log-amplitude minus its 3x3 box blur (the "spectral
residual") -> inverse FFT with the original phase -> squared magnitude -> Gaussian blur (sigma 2.5)
-> resize to the wanted size -> clip at the 95th percentile and rescale to [0, 1].

Two versions that agree: :func:`spectral_residual` for one NumPy image (features, figures) and
:func:`spectral_residual_torch` for a batch of tensors (models compute it on the fly).
Introduced in notebooks/08_sampnet.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

DOWNSCALE = 6
SIGMA = 2.5
CLIP_PERCENTILE = 95.0
_GREY = (0.299, 0.587, 0.114)
_MIN_SIDE = 8
_FLAT_STD = 1e-4  # grey-level SD under which an image counts as flat


def _to_grey(image: np.ndarray | Image.Image) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[..., :3]
    arr = arr.astype(np.float32)
    if arr.max(initial=0.0) > 1.5:  # uint8-range input
        arr = arr / 255.0
    if arr.ndim == 3:
        arr = arr @ np.asarray(_GREY, dtype=np.float32)
    if arr.ndim != 2:
        raise ValueError(f"expected an HxW or HxWx3 image, got shape {np.asarray(image).shape}")
    return arr


def _small_size(h: int, w: int) -> tuple[int, int]:
    return max(_MIN_SIDE, round(h / DOWNSCALE)), max(_MIN_SIDE, round(w / DOWNSCALE))


def spectral_residual(
    image: np.ndarray | Image.Image, out_size: tuple[int, int] | None = None
) -> np.ndarray:
    """Saliency map of one image. ``HxW[x3]`` (uint8 or float in [0, 1]) -> ``float32 [h, w]`` in [0, 1].

    ``out_size`` is ``(height, width)``; by default the input's size.
    """
    grey = _to_grey(image)
    h, w = grey.shape
    if grey.std() < _FLAT_STD:  # nothing stands out in a flat image
        oh, ow = out_size if out_size is not None else (h, w)
        return np.zeros((oh, ow), dtype=np.float32)
    sh, sw = _small_size(h, w)
    small = np.asarray(
        Image.fromarray(grey).resize((sw, sh), Image.BILINEAR), dtype=np.float64
    )
    spectrum = np.fft.fft2(small)
    log_amp = np.log(np.abs(spectrum) + 1e-8)
    phase = np.angle(spectrum)
    residual = log_amp - ndimage.uniform_filter(log_amp, size=3, mode="nearest")
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    sal = ndimage.gaussian_filter(sal, sigma=SIGMA, mode="nearest", truncate=3.0)
    oh, ow = out_size if out_size is not None else (h, w)
    sal = np.asarray(Image.fromarray(sal.astype(np.float32)).resize((ow, oh), Image.BILINEAR))
    return _clip_rescale(sal)


def _clip_rescale(sal: np.ndarray) -> np.ndarray:
    top = np.percentile(sal, CLIP_PERCENTILE)
    low = sal.min()
    if top - low <= 1e-12:
        return np.zeros_like(sal, dtype=np.float32)
    return ((np.clip(sal, low, top) - low) / (top - low)).astype(np.float32)


def _gaussian_kernel(sigma: float, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    radius = int(math.ceil(3.0 * sigma))
    x = torch.arange(-radius, radius + 1, device=device, dtype=dtype)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


@torch.no_grad()
def spectral_residual_torch(
    images: torch.Tensor, out_size: tuple[int, int] | None = None
) -> torch.Tensor:
    """Batched saliency. ``Tensor[B, 3|1, H, W]`` in [0, 1] -> ``Tensor[B, 1, h, w]`` in [0, 1].

    Runs on the images' device in float32; gradients are not tracked (saliency is an input).
    """
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape [B, 3|1, H, W], got {tuple(images.shape)}")
    x = images.float()
    if x.shape[1] == 3:
        w = torch.tensor(_GREY, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
        x = (x * w).sum(1, keepdim=True)
    b, _, h, w_ = x.shape
    sh, sw = _small_size(h, w_)
    small = F.interpolate(x, size=(sh, sw), mode="bilinear", align_corners=False, antialias=True)
    spectrum = torch.fft.fft2(small.double())
    log_amp = torch.log(spectrum.abs() + 1e-8)
    phase = torch.angle(spectrum)
    blurred = F.avg_pool2d(F.pad(log_amp, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    residual = log_amp - blurred
    sal = torch.fft.ifft2(torch.polar(torch.exp(residual), phase)).abs() ** 2
    k = _gaussian_kernel(SIGMA, sal.device, sal.dtype)
    r = k.numel() // 2
    sal = F.conv2d(F.pad(sal, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    sal = F.conv2d(F.pad(sal, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    oh, ow = out_size if out_size is not None else (h, w_)
    sal = F.interpolate(sal.float(), size=(oh, ow), mode="bilinear", align_corners=False)
    flat = sal.flatten(1)
    top = torch.quantile(flat, CLIP_PERCENTILE / 100.0, dim=1, keepdim=True)
    low = flat.min(dim=1, keepdim=True).values
    span = (top - low).clamp_min(1e-12)
    out = ((torch.minimum(flat, top) - low) / span).clamp(0, 1)
    flat_image = x.flatten(1).std(dim=1, keepdim=True) < _FLAT_STD
    out = torch.where(((top - low) > 1e-12) & ~flat_image, out, torch.zeros_like(out))
    return out.view(b, 1, oh, ow)
