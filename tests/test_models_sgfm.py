"""ConvNeXt V2 + SGFM: GRN, SGFM and the attention pooling behave as documented."""

from __future__ import annotations

import pytest
import torch

from aesthetics_lib.models import GRN, SGFM, GRNAttentionPool, create_model
from aesthetics_lib.models.convnext_sgfm import StageStatistics


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_grn_starts_as_the_identity():
    x = randn(2, 6, 5, 7)
    assert torch.equal(GRN(6)(x), x)


def test_grn_formula():
    x = randn(2, 6, 5, 7)
    grn = GRN(6)
    with torch.no_grad():
        grn.gamma.fill_(1.0)
        grn.beta.fill_(0.5)
    gx = x.pow(2).sum((2, 3), keepdim=True).sqrt()
    nx = gx / (gx.mean(1, keepdim=True) + grn.eps)
    assert torch.allclose(nx.mean(1), torch.ones(2, 1, 1), atol=1e-5)  # Nx averages to 1 over channels
    assert torch.allclose(grn(x), x * nx + 0.5 + x, atol=1e-6)


def test_sgfm_with_zero_convs_is_a_constant_gain_of_one_and_a_half():
    sgfm = SGFM(4)  # both convs start at zero: gamma = sigmoid(0) = 0.5, beta = 0
    x = randn(2, 4, 6, 6)
    for s in (torch.zeros(2, 1, 6, 6), torch.rand(2, 1, 6, 6), torch.ones(2, 1, 6, 6)):
        assert torch.allclose(sgfm(x, s), 1.5 * x)


def test_sgfm_modulation_follows_the_saliency():
    sgfm = SGFM(1)
    with torch.no_grad():
        sgfm.gamma_conv.weight.zero_()
        sgfm.gamma_conv.weight[0, 0, 1, 1] = 100.0  # gamma ~ 1 where salient, 0.5 elsewhere
        sgfm.beta_conv.bias.fill_(0.25)
    x = torch.ones(1, 1, 3, 3)
    s = torch.zeros(1, 1, 3, 3)
    s[0, 0, 1, 1] = 1.0
    y = sgfm(x, s)
    assert torch.isclose(y[0, 0, 1, 1], torch.tensor(2.25), atol=1e-4)  # 1 * (1 + 1) + 0.25
    assert torch.isclose(y[0, 0, 0, 0], torch.tensor(1.75))  # 1 * (1 + 0.5) + 0.25


@pytest.mark.parametrize("norm", ["grn", "bn", "ln"])
@pytest.mark.parametrize("act", ["gelu", "relu"])
def test_attention_pool_is_a_weighted_average(norm, act):
    pool = GRNAttentionPool(8, norm, act).eval()
    x = randn(3, 8, 4, 5)
    vec, attention = pool(x)
    assert vec.shape == (3, 8) and attention.shape == (3, 1, 4, 5)
    assert torch.allclose(attention.sum((1, 2, 3)), torch.ones(3), atol=1e-6)
    assert torch.allclose(vec, (x * attention).sum((2, 3)), atol=1e-6)
    with torch.no_grad():
        pool.score.weight.zero_()  # constant scores: uniform attention, the plain spatial mean
    vec, attention = pool(x)
    assert torch.allclose(vec, x.mean((2, 3)), atol=1e-6)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return create_model("convnextv2_sgfm", dim=32).eval()


def test_outputs_expose_the_attention_map(model):
    images = randn(2, 3, 64, 64)
    with torch.no_grad():
        out = model(images)
        fused = model.fused_map(images)
    assert out["attention"].shape == (2, 1, *fused.shape[-2:])
    assert out["attributes"].shape == (2, 11) and torch.all(out["attributes"].abs() <= 1)
    assert model.backbone.out_channels == [160, 320]  # convnextv2_atto stages 3 and 4


def test_saliency_is_optional_and_used(model):
    images = randn(2, 3, 64, 64)
    with torch.no_grad():
        model.sgfm.gamma_conv.weight.normal_(generator=torch.Generator().manual_seed(3))
        try:
            a = model(images)["dist"]
            b = model(images, saliency=torch.zeros(2, 1, 64, 64))["dist"]
        finally:
            model.sgfm.gamma_conv.weight.zero_()
    assert model.extra_inputs == ("saliency",) and model.optional_inputs == ("saliency",)
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("fusion", ["add", "concat", "affine"])
def test_fusions(fusion):
    torch.manual_seed(0)
    m = create_model("convnextv2_sgfm", backbone="shallow", dim=16, fusion=fusion, use_saliency=False).eval()
    images = randn(2, 3, 32, 32)
    with torch.no_grad():
        f3, f4 = m.backbone(images)
        fused = m.fused_map(images)
        out = m(images)
    assert fused.shape == (2, 16, *f3.shape[-2:])
    assert torch.allclose(out["dist"].sum(-1), torch.ones(2), atol=1e-5)
    if fusion == "affine":  # its 1x1 convs start at zero: the fused map is stage 3 alone
        assert torch.allclose(fused, m.proj3(f3), atol=1e-6)


def test_ablation_without_saliency_has_no_sgfm():
    m = create_model("convnextv2_sgfm", backbone="shallow", dim=16, use_saliency=False)
    assert m.sgfm is None and m.extra_inputs == ()


def test_stage_statistics_are_the_mean_and_sd_over_positions():
    maps = [randn(2, 3, 8, 8, seed=1), randn(2, 5, 4, 4, seed=2)]
    stats = StageStatistics((3, 5))
    raw = stats.statistics(maps)
    want = torch.cat([maps[0].mean((2, 3)), maps[1].mean((2, 3)),
                      maps[0].std((2, 3), correction=0), maps[1].std((2, 3), correction=0)], dim=1)
    assert stats.out_features == 16 and torch.allclose(raw, want, atol=1e-6)
    out = stats.train()(maps)  # standardised per feature over the batch
    assert torch.allclose(out.mean(0), torch.zeros(16), atol=1e-5)
    with pytest.raises(ValueError, match=r"channels \(3, 5\), found \(3,\)"):
        stats.statistics(maps[:1])


def test_pooled_stages_join_the_pooled_vector():
    torch.manual_seed(0)
    m = create_model("convnextv2_sgfm", backbone="shallow", dim=16, pooled_stages=(0,)).eval()
    plain = create_model("convnextv2_sgfm", backbone="shallow", dim=16).eval()
    assert m.extra_inputs == ("saliency", "stage_stats") and plain.stage_statistics is None
    assert m.head.net[0].in_features == 16 + 2 * m.backbone.out_channels[0]
    assert len(m.backbone.out_channels) == 3 and m.backbone.out_channels[-2:] == plain.backbone.out_channels
    images = randn(2, 3, 32, 32)
    with torch.no_grad():
        out = m(images)
        raw = m.stage_statistics.statistics(m.backbone(images)[:1])
        stored = m(images, stage_stats=raw)  # what a frozen backbone's cache passes in
        moved = m(images, stage_stats=raw + 1.0)
    assert out["dist"].shape == (2, 5) and out["attention"].shape[-2:] == m.fused_map(images).shape[-2:]
    assert torch.allclose(out["dist"], stored["dist"], atol=1e-6)
    assert not torch.allclose(out["dist"], moved["dist"], atol=1e-4)  # the statistics reach the head


def test_pooled_stages_must_precede_the_fused_ones():
    with pytest.raises(ValueError, match="overlap the fused stages"):
        create_model("convnextv2_sgfm", backbone="shallow", dim=16, pooled_stages=(2,))
    with pytest.raises(ValueError, match="distinct stage indices"):
        create_model("convnextv2_sgfm", backbone="shallow", dim=16, pooled_stages=(-3,))
