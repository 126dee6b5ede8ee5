"""aesthetics_lib.models: every model maps its declared input to its declared outputs.

Default (CPU) backbones at 64 px; SAMP-Net and SGFM specifics are in test_models_sampnet.py and
test_models_sgfm.py, the overfitting checks in test_models_overfit.py.
"""

from __future__ import annotations

import pytest
import torch

from aesthetics_lib.data.schema import ATTRIBUTES, SAMPNET_ATTRIBUTES
from aesthetics_lib.models import AttributeHead, SpatialPyramidPool, create_model, list_models

B = 2
VIEWS = {"warp", "double", "patches", "native"}


def make_inputs(model, size=(64, 64), patches=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    if model.view == "patches":
        return torch.randn(B, patches, 3, 48, 48, generator=g), {}
    images = torch.randn(B, 3, *size, generator=g)
    extras = {"local": torch.randn(B, 3, 48, 48, generator=g)} if "local" in model.extra_inputs else {}
    return images, extras


CONFIGS = [
    ("dcnn", {}),
    ("dcnn", {"columns": 2, "backbone": "shallow"}),
    ("spp", {}),
    ("nima", {}),
    ("multipatch", {}),
    ("multipatch_layout", {}),
    ("sampnet", {}),
    ("convnextv2_sgfm", {}),
]


def config_id(config):
    name, kw = config
    return "-".join([name, *map(str, kw.values())]) if kw else name


@pytest.fixture(scope="module", params=CONFIGS, ids=config_id)
def model(request):
    name, kw = request.param
    torch.manual_seed(0)
    return create_model(name, **kw).eval()


def test_list_models_names_the_seven_models():
    assert list_models() == sorted(["dcnn", "spp", "nima", "multipatch", "multipatch_layout", "sampnet", "convnextv2_sgfm"])


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(KeyError, match="nima"):
        create_model("nimaa")


def check_distribution_output(out, b, k):
    dist, mean = out["dist"], out["mean"]
    assert dist.shape == (b, k) and mean.shape == (b,)
    assert torch.all(dist >= 0)
    assert torch.allclose(dist.sum(-1), torch.ones(b), atol=1e-5)
    assert torch.allclose(mean, (dist * torch.arange(1, k + 1)).sum(-1), atol=1e-5)
    assert torch.all((mean >= 1) & (mean <= k))


def test_declared_input_gives_declared_output(model):
    assert model.view in VIEWS
    images, extras = make_inputs(model)
    with torch.no_grad():
        out = model(images, **extras)
    check_distribution_output(out, B, 5)
    if model.attribute_names:
        assert out["attributes"].shape == (B, len(model.attribute_names))
        assert torch.all(out["attributes"].abs() <= 1)
    else:
        assert "attributes" not in out
    if model.view == "patches":
        assert out["patch_dist"].shape == (B, images.shape[1], 5)


def test_cam_target_layer_sees_the_feature_map_and_gets_gradient(model):
    layer = model.cam_target_layers()[0]
    seen = {}

    def hook(module, inputs, output):
        output.retain_grad()
        seen["map"] = output

    handle = layer.register_forward_hook(hook)
    try:
        images, extras = make_inputs(model)
        model(images, **extras)["mean"].sum().backward()
    finally:
        handle.remove()
        model.zero_grad(set_to_none=True)
    fmap = seen["map"]
    assert fmap.ndim == 4 and fmap.shape[1] > 1
    assert fmap.grad is not None and fmap.grad.abs().sum() > 0


def test_default_attribute_heads():
    assert create_model("sampnet", backbone="shallow").attribute_names == SAMPNET_ATTRIBUTES
    assert create_model("convnextv2_sgfm", backbone="shallow", dim=32).attribute_names == ATTRIBUTES
    assert create_model("nima", backbone="shallow").attribute_names == ()
    assert create_model("sampnet", backbone="shallow", attribute_names=()).attribute_names == ()


def test_ten_bins_for_ava():
    model = create_model("nima", num_bins=10, backbone="shallow", attribute_names=("Light", "DoF")).eval()
    with torch.no_grad():
        out = model(torch.randn(B, 3, 32, 32))
    check_distribution_output(out, B, 10)
    assert out["attributes"].shape == (B, 2)


def test_attribute_head_is_tanh_and_reaches_both_signs():
    torch.manual_seed(0)
    head = AttributeHead(16, 11)
    with torch.no_grad():
        head.net[-1].weight.mul_(100)
        y = head(torch.randn(64, 16))
    assert torch.all(y.abs() <= 1)
    assert y.min() < -0.9 and y.max() > 0.9  # a sigmoid head could never go below 0


def test_create_args_rebuild_the_same_model():
    torch.manual_seed(0)
    first = create_model("dcnn", backbone="shallow", columns=2, head="regression")
    torch.manual_seed(0)
    second = create_model(**first.create_args)
    assert first.create_args["name"] == "dcnn" and first.create_args["columns"] == 2
    for (k1, v1), (k2, v2) in zip(first.state_dict().items(), second.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)


# ----------------------------------------------------------------------------------- SPP
@pytest.mark.parametrize("size", [(64, 192), (192, 64), (80, 80)])
def test_spp_takes_any_aspect_ratio(size):
    torch.manual_seed(0)
    model = create_model("spp", backbone="shallow").eval()
    assert model.view == "native"
    with torch.no_grad():
        out = model(torch.randn(B, 3, *size))
    check_distribution_output(out, B, 5)


@pytest.mark.parametrize("levels", [(1, 2, 4), (1, 2, 3, 6)])
@pytest.mark.parametrize("hw", [(1, 1), (2, 6), (6, 2), (7, 7), (5, 11)])
def test_spatial_pyramid_pool_has_fixed_length(levels, hw):
    pool = SpatialPyramidPool(levels)
    x = torch.randn(3, 8, *hw)
    assert pool(x).shape == (3, 8 * sum(n * n for n in levels)) == (3, pool.output_features(8))
    assert torch.allclose(pool(x)[:, :8], x.amax((2, 3)))  # level 1 is the global max


# ---------------------------------------------------------------------------- multipatch
def test_multipatch_averages_patches_and_accepts_plain_images():
    torch.manual_seed(0)
    model = create_model("multipatch", backbone="shallow").eval()
    patches = torch.randn(B, 4, 3, 32, 32)
    with torch.no_grad():
        out = model(patches)
        assert out["patch_dist"].shape == (B, 4, 5)
        assert torch.allclose(out["dist"], out["patch_dist"].mean(1))
        single = model(patches[:, 0])
        assert torch.allclose(single["dist"], out["patch_dist"][:, 0], atol=1e-6)
        assert single["patch_dist"].shape == (B, 1, 5)
    with pytest.raises(ValueError, match=r"\[B, P, 3, S, S\]"):
        model(torch.randn(3, 32, 32))


# ---------------------------------------------------------------------------------- DCNN
def test_dcnn_double_column_needs_the_local_crop():
    model = create_model("dcnn", backbone="shallow", columns=2)
    assert model.view == "double" and model.extra_inputs == ("local",)
    with pytest.raises(ValueError, match="local"):
        model(torch.randn(B, 3, 32, 32))


def test_dcnn_double_column_reads_the_local_crop():
    torch.manual_seed(0)
    model = create_model("dcnn", backbone="shallow", columns=2).eval()
    images = torch.randn(B, 3, 32, 32)
    with torch.no_grad():
        a = model(images, local=torch.randn(B, 3, 24, 24))["dist"]
        b = model(images, local=torch.randn(B, 3, 24, 24))["dist"]
    assert not torch.allclose(a, b)


def test_dcnn_widths_set_both_shallow_columns():
    model = create_model("dcnn", backbone="shallow", columns=2, widths=(8, 16, 16, 24)).eval()
    for column in (model.backbone, model.backbone_local):
        assert column.model.widths == (8, 16, 16, 24) and column.out_channels == 24
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32), local=torch.randn(2, 3, 32, 32))
    assert out["dist"].shape == (2, 5)
    default = create_model("dcnn", backbone="shallow", columns=2)
    assert default.backbone.model.widths == (16, 32, 64)  # the small CNN's own widths when none are given
    with pytest.raises(ValueError, match="widths"):
        create_model("dcnn", backbone="resnet18", widths=(8, 16))


def test_dcnn_regression_head_outputs_a_mean_only():
    model = create_model("dcnn", backbone="shallow", head="regression", num_bins=10).eval()
    with torch.no_grad():
        out = model(torch.randn(4, 3, 32, 32) * 50)
    assert set(out) == {"mean"} and out["mean"].shape == (4,)
    assert torch.all((out["mean"] > 1) & (out["mean"] < 10))


def test_dcnn_binary_head_outputs_logits_and_probability():
    model = create_model("dcnn", backbone="shallow", head="binary").eval()
    with torch.no_grad():
        out = model(torch.randn(4, 3, 32, 32))
    assert set(out) == {"logits", "prob_good"} and out["logits"].shape == (4, 2)
    assert torch.allclose(out["prob_good"], out["logits"].softmax(-1)[:, 1])


def test_dcnn_frozen_backbone_cmu_variant():
    model = create_model("dcnn", backbone="shallow", head="regression", freeze_backbone=True)
    model.train()
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert not model.backbone.training  # BatchNorm statistics stay fixed
    widths = [m.out_features for m in model.head.net if isinstance(m, torch.nn.Linear)]
    assert widths == [128, 10, 1]
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in model.head.net)
    assert any(isinstance(m, torch.nn.Dropout) and m.p == 0.2 for m in model.head.modules())
