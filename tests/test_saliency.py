"""Spectral-residual saliency: the NumPy and torch versions agree and find an odd-one-out blob."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aesthetics_lib.saliency import spectral_residual, spectral_residual_torch


def _scene(h: int = 120, w: int = 180, cy: int = 40, cx: int = 120) -> np.ndarray:
    rng = np.random.default_rng(0)
    img = np.full((h, w, 3), 0.45, dtype=np.float32) + rng.normal(0, 0.01, (h, w, 3)).astype(np.float32)
    yy, xx = np.mgrid[:h, :w]
    blob = (yy - cy) ** 2 + (xx - cx) ** 2 < 10**2
    img[blob] = (0.95, 0.2, 0.1)
    return np.clip(img, 0, 1)


def test_range_and_shape() -> None:
    sal = spectral_residual(_scene(), out_size=(56, 56))
    assert sal.shape == (56, 56) and sal.dtype == np.float32
    assert sal.min() >= 0.0 and sal.max() <= 1.0 and sal.max() == pytest.approx(1.0)


def test_peak_on_the_blob() -> None:
    h, w, cy, cx = 120, 180, 40, 120
    sal = spectral_residual(_scene(h, w, cy, cx))
    top = sal >= 0.99  # the clipped plateau around the most salient region
    ys, xs = np.nonzero(top)
    assert abs(ys.mean() - cy) < 12 and abs(xs.mean() - cx) < 12
    # more saliency mass near the blob than in the opposite corner
    assert sal[cy - 15 : cy + 15, cx - 15 : cx + 15].mean() > 3 * sal[-30:, :30].mean()


def test_uint8_and_float_inputs_agree() -> None:
    img = _scene()
    a = spectral_residual(img)
    b = spectral_residual((img * 255).round().astype(np.uint8))
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99


def test_torch_matches_numpy() -> None:
    img = _scene()
    ref = spectral_residual(img, out_size=(30, 45))
    x = torch.from_numpy(img).permute(2, 0, 1)[None]
    out = spectral_residual_torch(torch.cat([x, x.flip(-1)]), out_size=(30, 45))
    assert out.shape == (2, 1, 30, 45)
    assert np.corrcoef(out[0, 0].numpy().ravel(), ref.ravel())[0, 1] > 0.999
    # a mirrored image gives a mirrored map (up to the FFT's one-pixel shift on the small map)
    mirrored = out[0, 0].flip(-1).numpy().ravel()
    assert np.corrcoef(out[1, 0].numpy().ravel(), mirrored)[0, 1] > 0.95


def test_flat_image_gives_zero_map() -> None:
    flat = torch.full((1, 3, 32, 32), 0.5)
    assert spectral_residual_torch(flat).abs().max() == 0
    assert spectral_residual(np.full((32, 32, 3), 0.5, np.float32)).max() == 0


def test_bad_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        spectral_residual_torch(torch.zeros(3, 32, 32))
