"""Every model can fit a tiny random batch: the training loss falls clearly within 30 steps.

Tiny ``shallow`` backbones, 32 px images, dropout off (so the loss is a deterministic function of
the weights), Adam at 5e-4. A model whose gradients do not reach its outputs, or whose outputs
cannot move towards a target, fails here.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from aesthetics_lib.losses import emd_loss
from aesthetics_lib.models import create_model

STEPS = 30
B = 6

CASES = [
    ("dcnn", {}),
    ("dcnn", {"columns": 2}),
    ("dcnn", {"head": "regression", "freeze_backbone": True}),
    ("dcnn", {"head": "binary"}),
    ("spp", {}),
    ("nima", {}),
    ("multipatch", {}),
    ("multipatch_layout", {"patch_size": 16, "num_patches": 2, "layout": 16}),
    ("sampnet", {}),
    ("convnextv2_sgfm", {"dim": 64}),
]


def batch(model, g):
    if model.view == "patches":
        images = torch.randn(B, 2, 3, 32, 32, generator=g)
    else:
        images = torch.randn(B, 3, 32, 32, generator=g)
    extras = {"local": torch.randn(B, 3, 24, 24, generator=g)} if "local" in model.extra_inputs else {}
    dist = torch.softmax(2 * torch.randn(B, 5, generator=g), -1)
    label = torch.tensor([0, 1] * (B // 2))
    return images, extras, dist, label


def loss_of(out, dist, label):
    if "dist" in out:
        loss = emd_loss(out["dist"], dist)
    elif "logits" in out:
        loss = F.cross_entropy(out["logits"], label)
    else:
        loss = F.mse_loss(out["mean"], (dist * torch.arange(1, 6)).sum(-1))
    if "attributes" in out:
        loss = loss + 0.1 * out["attributes"].pow(2).mean()  # targets of 0, as a smoke test of the head
    return loss


@pytest.mark.parametrize("name,kw", CASES, ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v.values())))
def test_loss_falls_on_a_tiny_batch(name, kw):
    torch.manual_seed(0)
    model = create_model(name, backbone="shallow", dropout=0.0, **kw).train()
    images, extras, dist, label = batch(model, torch.Generator().manual_seed(1))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=5e-4)
    frozen = [p.detach().clone() for p in model.backbone.parameters()]
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_of(model(images, **extras), dist, label)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], f"{name} {kw}: loss {losses[0]:.4f} -> {losses[-1]:.4f}"
    if kw.get("freeze_backbone"):
        assert all(torch.equal(a, b) for a, b in zip(frozen, model.backbone.parameters()))
