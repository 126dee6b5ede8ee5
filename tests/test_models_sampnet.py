"""SAMP-Net: the 8 composition patterns partition the map; saliency enters as documented."""

from __future__ import annotations

import pytest
import torch

from aesthetics_lib.models import create_model
from aesthetics_lib.models.heads import denormalize_imagenet
from aesthetics_lib.models.sampnet import (
    PARTITION_COUNTS,
    PARTITION_NAMES,
    PATTERN_NAMES,
    partition_weights,
    pattern_masks,
)
from aesthetics_lib.saliency import spectral_residual_torch

SIZES = [(7, 7), (4, 4), (2, 2), (1, 1), (5, 8), (9, 3), (56, 56)]


@pytest.mark.parametrize("h,w", SIZES)
def test_every_pattern_partitions_the_map(h, w):
    masks = pattern_masks(h, w)
    assert len(masks) == len(PATTERN_NAMES) == 8
    assert tuple(m.shape[0] for m in masks) == PARTITION_COUNTS == (2, 2, 2, 2, 2, 4, 4, 9)
    assert tuple(len(n) for n in PARTITION_NAMES) == PARTITION_COUNTS
    for name, m in zip(PATTERN_NAMES, masks):
        assert m.dtype == torch.bool and m.shape[1:] == (h, w)
        assert torch.all(m.sum(0) == 1), f"{name}: a pixel is in {m.sum(0).max()} partitions"


def test_pattern_geometry_on_divisible_maps():
    halves_tb, halves_lr, diag, anti, centre, quads, tris, thirds = pattern_masks(6, 6)
    assert halves_tb[0][:3].all() and not halves_tb[0][3:].any()  # top = first 3 rows
    assert halves_lr[0][:, :3].all() and not halves_lr[0][:, 3:].any()
    assert [int(q.sum()) for q in quads] == [9, 9, 9, 9]
    assert diag[0][0, 5] and diag[1][5, 0]  # upper-right / lower-left corners
    assert anti[0][0, 0] and anti[1][5, 5]
    assert torch.equal(tris[0], diag[0] & anti[0])  # top triangle = above both diagonals
    assert tris[0][0, 2:4].all() and tris[3][5, 2:4].all() and tris[1][2:4, 0].all() and tris[2][2:4, 5].all()
    assert [int(t.sum()) for t in pattern_masks(9, 9)[7]] == [9] * 9  # rule-of-thirds cells
    c8 = pattern_masks(8, 8)[4][0]
    assert c8[2:6, 2:6].all() and int(c8.sum()) == 16  # centre = middle half of each side


@pytest.mark.parametrize("h,w", [(7, 7), (2, 2), (3, 5)])
def test_partition_weights_share_every_pixel_by_area(h, w):
    weights = partition_weights(h, w)
    assert weights.shape == (27, h, w)
    start = 0
    for n in PARTITION_COUNTS:
        block = weights[start : start + n]
        assert torch.allclose(block.sum(0), torch.ones(h, w))
        assert torch.all(block.flatten(1).sum(1) > 0), "an empty partition"
        start += n


@pytest.fixture(scope="module")
def sampnet():
    torch.manual_seed(0)
    return create_model("sampnet", backbone="shallow").eval()


def test_outputs_and_pattern_weights(sampnet):
    images = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = sampnet(images)
    assert out["pattern_weights"].shape == (3, 8)
    assert torch.allclose(out["pattern_weights"].sum(-1), torch.ones(3), atol=1e-6)
    assert out["attributes"].shape == (3, 6) and torch.all(out["attributes"].abs() <= 1)
    assert out["attribute_gate"].shape == (3, 2)
    assert torch.allclose(out["dist"].sum(-1), torch.ones(3), atol=1e-5)
    assert sampnet.extra_inputs == ("saliency",) and sampnet.optional_inputs == ("saliency",)
    assert sampnet.pattern_dim == 2 * sampnet.backbone.out_channels


def test_saliency_is_spectral_residual_of_the_denormalised_image(sampnet):
    images = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    h, w = sampnet.backbone(images).shape[-2:]
    s = sampnet.supersample
    explicit = spectral_residual_torch(denormalize_imagenet(images), out_size=(h * s, w * s))
    with torch.no_grad():
        computed = sampnet(images)["dist"]
        given = sampnet(images, saliency=explicit)["dist"]
        other = sampnet(images, saliency=torch.zeros(2, 1, 32, 32))["dist"]
    assert torch.allclose(computed, given, atol=1e-6)
    assert not torch.allclose(computed, other, atol=1e-6)


def test_ablation_without_saliency_ignores_it():
    torch.manual_seed(0)
    model = create_model("sampnet", backbone="shallow", use_saliency=False).eval()
    assert model.extra_inputs == ()
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        a = model(images, saliency=torch.zeros(2, 1, 32, 32))["dist"]
        b = model(images, saliency=torch.ones(2, 1, 32, 32))["dist"]
    assert torch.equal(a, b)
