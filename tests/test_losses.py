"""Properties of aesthetics_lib.losses, checked against aesthetics_lib.metrics and autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aesthetics_lib import losses as L
from aesthetics_lib import metrics as M
from aesthetics_lib.data import schema


def _dists(b: int, k: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(b, k, generator=g, dtype=dtype), -1)


# ---------------------------------------------------------------------------- EMD


def test_emd_loss_of_identical_distributions_is_zero_with_finite_gradient():
    p = _dists(6, 5, 0).requires_grad_()
    loss = L.emd_loss(p, p.detach())
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(p.grad).all()


@pytest.mark.parametrize("r", [1, 2])
@pytest.mark.parametrize("k", [5, 10])
def test_emd_loss_equals_metrics_emd(r, k):
    p, q = _dists(16, k, 1), _dists(16, k, 2)
    assert L.emd_loss(p, q, r=r).item() == pytest.approx(M.emd(p.numpy(), q.numpy(), r=r), rel=1e-12)
    np.testing.assert_allclose(
        L.emd_loss(p, q, r=r, reduction="none").numpy(), M.emd_per_sample(p.numpy(), q.numpy(), r), rtol=1e-12
    )


def test_emd_loss_gradcheck():
    p, q = _dists(4, 5, 3).requires_grad_(), _dists(4, 5, 4)
    assert torch.autograd.gradcheck(lambda a: L.emd_loss(a, q, r=2), (p,))
    # r=1 uses |.|, not differentiable where CDFs meet; the last CDF difference of two normalised
    # distributions is exactly 0, so check r=1 on unnormalised inputs away from that kink.
    p1 = (0.9 * _dists(4, 5, 5)).requires_grad_()
    assert torch.autograd.gradcheck(lambda a: L.emd_loss(a, q, r=1), (p1,))


def test_emd_loss_weights_scale_each_sample():
    p, q = _dists(5, 5, 6), _dists(5, 5, 7)
    w = torch.tensor([0.5, 1.0, 2.0, 0.0, 1.5], dtype=torch.float64)
    per = L.emd_loss(p, q, reduction="none")
    assert torch.allclose(L.emd_loss(p, q, weight=w, reduction="none"), per * w)
    assert L.emd_loss(p, q, weight=w).item() == pytest.approx((per * w).mean().item())
    assert L.emd_loss(p, q, weight=torch.ones(5)).item() == pytest.approx(per.mean().item())
    with pytest.raises(ValueError, match="one weight per sample"):
        L.emd_loss(p, q, weight=torch.ones(3))


def test_emd_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(4, 5\) and \(4, 10\)"):
        L.emd_loss(_dists(4, 5, 0), _dists(4, 10, 0))


# ---------------------------------------------------------------------------- rank


def test_rank_loss_is_zero_for_correct_order_beyond_margin_and_positive_otherwise():
    target = torch.tensor([1.0, 2.0, 3.0, 4.0])
    good = torch.tensor([1.0, 1.1, 1.2, 1.3])  # right order, gaps 0.1 > margin 0.05
    assert L.rank_hinge_loss(good, target, margin=0.05).item() == 0.0
    close = torch.tensor([1.0, 1.02, 1.04, 1.06])  # right order, some gaps inside the margin
    assert L.rank_hinge_loss(close, target, margin=0.05).item() > 0
    assert L.rank_hinge_loss(good.flip(0), target, margin=0.05).item() > 0
    # one pair, hand computed: better image predicted 0.02 lower -> max(0, 0.05 + 0.02)
    two = L.rank_hinge_loss(torch.tensor([0.50, 0.52]), torch.tensor([2.0, 1.0]), margin=0.05)
    assert two.item() == pytest.approx(0.07)


def test_rank_loss_without_pairs_is_zero_and_differentiable():
    pred = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    loss = L.rank_hinge_loss(pred, torch.full((3,), 2.6))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(pred.grad, torch.zeros(3))


def test_rank_loss_gradient_pushes_pairs_apart():
    pred = torch.tensor([1.0, 1.0], requires_grad=True)
    L.rank_hinge_loss(pred, torch.tensor([3.0, 2.0])).backward()
    assert pred.grad[0] < 0 < pred.grad[1]  # gradient descent raises the better image


# ---------------------------------------------------------------------------- MPEMD


def _patches(b: int, p: int, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    target = _dists(b, k, seed)
    noise = _dists(b * p, k, seed + 1).view(b, p, k)
    mix = torch.linspace(0.05, 0.95, p, dtype=torch.float64).view(1, p, 1)
    return (1 - mix) * target[:, None] + mix * noise, target


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_mpemd_ada_is_at_most_avg(beta):
    patch, target = _patches(3, 6, 5, 0)
    avg = L.mpemd_loss(patch, target, "avg")
    ada = L.mpemd_loss(patch, target, "ada", beta=beta)
    assert 0 < ada.item() <= avg.item()


def test_mpemd_avg_matches_its_definition():
    patch, target = _patches(2, 4, 5, 1)
    emd = L.emd_per_sample(patch, target[:, None])
    ref = -torch.log((1 - 2.0 * emd).clamp(1e-6, 1)).mean()
    assert L.mpemd_loss(patch, target, "avg", k=2.0).item() == pytest.approx(ref.item())


def test_mpemd_ada_weight_increases_with_patch_emd():
    patch, target = _patches(2, 8, 10, 2)
    emd = L.emd_per_sample(patch, target[:, None]).flatten()
    avg = L.mpemd_loss(patch, target, "avg", reduction="none").flatten()
    ada = L.mpemd_loss(patch, target, "ada", beta=1.0, reduction="none").flatten()
    weight = (ada / avg)[emd.argsort()]
    assert torch.all(weight.diff() > 0)
    assert torch.allclose(weight, 1 - (1 - emd.sort().values))  # 1 - EMDc^beta, beta=1


def test_mpemd_detached_weight_reweights_the_avg_gradient():
    patch, target = _patches(2, 3, 5, 3)
    a = patch.clone().requires_grad_()
    L.mpemd_loss(a, target, "avg", reduction="none").mul(
        L.mpemd_weight(1 - L.emd_per_sample(patch, target[:, None]))
    ).mean(1).mean().backward()
    b = patch.clone().requires_grad_()
    L.mpemd_loss(b, target, "ada", detach_weight=True).backward()
    assert torch.allclose(a.grad, b.grad)
    c = patch.clone().requires_grad_()
    L.mpemd_loss(c, target, "ada").backward()
    assert not torch.allclose(b.grad, c.grad)  # the default also differentiates the weight


# ---------------------------------------------------------------------------- attributes


def test_masked_attribute_mse_ignores_zero_targets_and_masked_entries():
    target = torch.tensor([[0.4, 0.0, -0.6], [0.0, 0.2, 0.8]])
    pred = torch.tensor([[0.0, 5.0, 0.0], [-9.0, 0.0, 0.0]])
    expected = (0.4**2 + 0.6**2 + 0.2**2 + 0.8**2) / 4
    assert L.masked_attribute_mse(pred, target).item() == pytest.approx(expected)
    mask = torch.tensor([[True, True, False], [True, True, True]])
    assert L.masked_attribute_mse(pred, target, mask).item() == pytest.approx((0.4**2 + 0.2**2 + 0.8**2) / 3)


def test_masked_attribute_mse_with_nothing_left_is_zero_with_gradient():
    pred = torch.randn(2, 3, requires_grad=True)
    loss = L.masked_attribute_mse(pred, torch.zeros(2, 3))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(pred.grad, torch.zeros(2, 3))


# ---------------------------------------------------------------------------- AestheticLoss


def _batch(b: int = 6, k: int = 5, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    dist = _dists(b, k, seed, torch.float32)
    attrs = torch.round(torch.rand(b, len(schema.ATTRIBUTES), generator=g) * 10 - 5) / 5
    return {
        "dist": dist,
        "mean": schema.dist_mean(dist),
        "attributes": attrs,
        "attr_mask": torch.rand(b, len(schema.ATTRIBUTES), generator=g) > 0.2,
        "weight": torch.rand(b, generator=g) + 0.5,
    }


def _output(b: int = 6, k: int = 5, a: int = len(schema.ATTRIBUTES), seed: int = 1) -> dict:
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, k, generator=g, requires_grad=True)
    dist = torch.softmax(logits, -1)
    return {
        "dist": dist,
        "mean": schema.dist_mean(dist),
        "attributes": torch.tanh(torch.randn(b, a, generator=g)).requires_grad_(),
        "logits": logits,
    }


def _floats(parts: dict) -> dict[str, float]:
    return {k: float(v) for k, v in parts.items()}


def test_aesthetic_loss_parts_are_detached_tensors_on_the_loss_device():
    """The parts stay on the device (the trainer sums them there, no host sync per step)."""
    for out in (_output(), {"mean": torch.linspace(1.5, 4.0, 6, requires_grad=True)}):
        loss, parts = L.AestheticLoss(emd=1.0, rank=0.2)(out, _batch())
        for name, value in parts.items():
            assert isinstance(value, torch.Tensor) and value.ndim == 0, name
            assert not value.requires_grad and value.device == loss.device, name
        assert torch.equal(parts["total"], loss.detach())


def test_aesthetic_loss_parts_sum_to_the_total():
    crit = L.AestheticLoss(emd=1.0, rank=0.2, attributes=0.1)
    out, batch = _output(), _batch()
    loss, tensors = crit(out, batch)
    parts = _floats(tensors)
    assert set(parts) == {"emd", "rank", "attr", "total"}
    assert parts["total"] == pytest.approx(loss.item())
    assert parts["total"] == pytest.approx(parts["emd"] + 0.2 * parts["rank"] + 0.1 * parts["attr"])
    assert parts["emd"] == pytest.approx(L.emd_loss(out["dist"], batch["dist"], weight=batch["weight"]).item())
    assert parts["rank"] > 0 and parts["attr"] > 0
    loss.backward()
    assert out["logits"].grad.abs().sum() > 0 and out["attributes"].grad.abs().sum() > 0


def test_aesthetic_loss_picks_the_named_attribute_columns():
    names = schema.SAMPNET_ATTRIBUTES
    batch = _batch()
    cols = [schema.ATTRIBUTES.index(n) for n in names]
    out = _output(a=len(names))
    out["attributes"] = batch["attributes"][:, cols].clone()  # a perfect attribute head
    _, parts = L.AestheticLoss(attributes=0.1, attribute_names=names)(out, batch)
    assert float(parts["attr"]) == 0.0
    out["attributes"] = batch["attributes"][:, cols[::-1]].clone()  # right values, wrong columns
    assert float(L.AestheticLoss(attributes=0.1, attribute_names=names)(out, batch)[1]["attr"]) > 0


def test_aesthetic_loss_regression_fallback_for_mean_only_models():
    batch = _batch()
    pred = torch.linspace(1.5, 4.0, 6, requires_grad=True)
    crit = L.AestheticLoss(emd=1.0, rank=0.5)
    assert crit.main_term({"mean": pred}) == "mse"
    loss, tensors = crit({"mean": pred}, batch)
    parts = _floats(tensors)
    assert math.isnan(parts["emd"]) and math.isnan(parts["attr"])
    mse = L.regression_loss(pred, batch["mean"], batch["weight"])
    assert parts["mse"] == pytest.approx(mse.item())
    assert parts["total"] == pytest.approx(parts["mse"] + 0.5 * parts["rank"])


def test_aesthetic_loss_patch_mode_uses_mpemd():
    batch = _batch()
    out = _output()
    out["patch_dist"] = torch.stack([out["dist"], out["dist"].roll(1, 0)], 1)
    crit = L.AestheticLoss(patch_mode="ada", beta=2.0)
    loss, tensors = crit(out, batch)
    parts = _floats(tensors)
    ref = L.mpemd_loss(out["patch_dist"], batch["dist"], "ada", beta=2.0, weight=batch["weight"])
    assert parts["mpemd"] == pytest.approx(ref.item()) == pytest.approx(parts["total"])
    assert parts["emd"] == pytest.approx(L.emd_loss(out["dist"], batch["dist"], weight=batch["weight"]).item())


def test_aesthetic_loss_errors_without_an_attribute_head():
    out = _output()
    del out["attributes"]
    with pytest.raises(ValueError, match="output\\['attributes'\\]"):
        L.AestheticLoss(attributes=0.1)(out, _batch())
    _, parts = L.AestheticLoss(attributes=0.0)(out, _batch())  # weight 0: reported as NaN
    assert math.isnan(float(parts["attr"]))
