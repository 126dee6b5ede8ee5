"""The multi-patch model with a layout column (models/multipatch_layout.py)."""

from __future__ import annotations

import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from aesthetics_lib.data.transforms import patch_grid
from aesthetics_lib.models import create_model


@pytest.fixture()
def model():
    torch.manual_seed(0)
    return create_model("multipatch_layout", backbone="shallow", patch_size=32, num_patches=4, layout=16, hidden=(16,)).eval()


def test_outputs_one_distribution_per_patch_and_their_average(model) -> None:
    out = model(torch.randn(2, 3, 48, 96))
    assert out["patch_dist"].shape == (2, 4, 5) and out["dist"].shape == (2, 5) and out["mean"].shape == (2,)
    assert torch.allclose(out["dist"], out["patch_dist"].mean(1))
    assert torch.allclose(out["dist"].sum(1), torch.ones(2))
    assert model.view == "native" and model.short_side == 48  # the patches view's default, round(1.5 * 32)


def test_evaluation_patches_are_the_grid_of_the_resized_photo(model) -> None:
    x = torch.randn(1, 3, 40, 100)
    resized = TF.resize(x, 48, antialias=True)  # shorter side 40 -> 48, long side 120
    want = torch.stack([resized[0, :, t : t + 32, l : l + 32] for t, l in patch_grid(48, 120, 32, 4)])
    assert torch.equal(model.cut(x)[0], want)


def test_training_patches_are_random_and_seeded(model) -> None:
    x = torch.randn(1, 3, 48, 144)
    model.train()
    torch.manual_seed(1)
    a = model.cut(x)
    torch.manual_seed(1)
    assert torch.equal(a, model.cut(x))
    assert not torch.equal(a, model.cut(x))


def test_the_layout_column_reaches_every_patch(model) -> None:
    """Pixels outside all evaluation patches change every patch's prediction, through the column only."""
    x = torch.zeros(1, 3, 48, 144)  # no resize: the four 32-pixel patches sit on a 2 x 2 grid of the 48 x 144 photo
    covered = torch.zeros(48, 144, dtype=torch.bool)
    for t, l in patch_grid(48, 144, 32, 4):
        covered[t : t + 32, l : l + 32] = True
    assert not covered.all()
    y = x.clone()
    y[..., ~covered] = 3.0
    with torch.no_grad():
        before, after = model(x)["patch_dist"], model(y)["patch_dist"]
        assert ((before - after).abs().amax(-1) > 1e-6).all(), "a patch did not see the change outside the patches"
        model.layout_proj.weight.zero_()
        model.layout_proj.bias.zero_()
        assert torch.allclose(model(x)["patch_dist"], model(y)["patch_dist"]), "the change reached a patch another way"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="pool"):
        create_model("multipatch_layout", backbone="shallow", pool="median")
    with pytest.raises(ValueError, match="layout"):
        create_model("multipatch_layout", backbone="shallow", layout=4)
    with pytest.raises(ValueError, match="num_patches"):
        create_model("multipatch_layout", backbone="shallow", num_patches=0)


def test_widths_set_the_blocks_of_each_shallow_column() -> None:
    deep = create_model("multipatch_layout", patch_size=32, num_patches=4, layout=32, hidden=(16,),
                        widths=(8, 16, 16, 16), layout_widths=(8, 16, 16, 16))
    assert deep.backbone.model.widths == (8, 16, 16, 16) and deep.layout.model.widths == (8, 16, 16, 16)
    # four halvings of the 32-pixel layout thumbnail leave a 2 x 2 map of 16 channels to project
    assert deep.layout_proj.in_features == 16 * 2 * 2
    assert create_model("multipatch_layout", patch_size=32, num_patches=4, layout=16).backbone.model.widths == (16, 32, 64)
    with pytest.raises(ValueError, match="layout_backbone"):
        create_model("multipatch_layout", layout_backbone="efficientnet_lite0", layout_widths=(8, 16))


def test_levels_keep_the_first_feature_levels_of_a_timm_patch_column() -> None:
    full = create_model("multipatch_layout", backbone="efficientnet_lite0", patch_size=32, num_patches=4, layout=16, hidden=(16,))
    cut = create_model("multipatch_layout", backbone="efficientnet_lite0", patch_size=32, num_patches=4, layout=16, hidden=(16,),
                       levels=4)
    # Lite0's fourth level ends at stride 16 with 112 channels; its later stages and head convolution go
    first = next(m for m in cut.head.modules() if isinstance(m, torch.nn.Linear))
    assert first.in_features == 112
    assert cut.backbone.out_channels == 112 and full.backbone.out_channels == 1280
    assert cut.layout_proj.out_features == 112
    size = {n: sum(p.numel() for p in m.backbone.parameters()) for n, m in (("full", full), ("cut", cut))}
    assert size["cut"] < 0.25 * size["full"]
    assert cut.backbone(torch.zeros(2, 3, 32, 32)).shape == (2, 112, 2, 2)
    cut.eval()
    assert cut(torch.zeros(2, 3, 48, 80))["dist"].shape == (2, 5)
    with pytest.raises(ValueError, match="levels in 1..5"):
        create_model("multipatch_layout", backbone="efficientnet_lite0", levels=6)
    with pytest.raises(ValueError, match="feature levels"):
        create_model("multipatch_layout", levels=2)
