"""Public tests of assignment 3 (run them: ``python -m pytest assignments/a3_ablation``).

Each test calls your code first, so an unfinished function fails every test that needs it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aesthetics_lib import metrics
from assignments.a3_ablation.harness import StoredMaps, ablation_setup, build_head, check_masks, submission_kind

ASSIGNMENT = "a3_ablation"
VERDICTS = ("higher", "lower", "no clear difference")


def fake_maps(kind: str, n: int = 4) -> StoredMaps:
    """Random stored maps of the shapes the course models give at 96 px."""
    g = torch.Generator().manual_seed(0)
    if kind == "fusion":
        maps, sal, c3 = torch.randn(n, 112 + 80, 6, 6, generator=g), torch.rand(n, 1, 6, 6, generator=g), 112
    else:
        maps, sal, c3 = torch.randn(n, 64, 3, 3, generator=g), torch.rand(n, 1, 24, 24, generator=g), 0
    dist = torch.rand(n, 10, generator=g).softmax(-1)
    return StoredMaps(maps, sal, dist, dist.numpy() @ np.arange(1, 11), c3)


def fake_runs(n: int = 200, seeds=(0, 1, 2)):
    """A made-up experiment: the variant ranks the photos a little better than the original."""
    rng = np.random.default_rng(0)
    target = rng.normal(size=n)
    noise = {arm: {s: rng.normal(size=n) for s in seeds} for arm in ("original", "variant")}
    scale = {"original": 1.0, "variant": 0.8}
    calls = []

    def train_and_predict(arm, seed):
        calls.append((arm, int(seed)))
        return target + scale[arm] * noise[arm][int(seed)]

    return train_and_predict, target, calls


@pytest.mark.limit(10)
def test_module_keeps_the_contract_shapes(submission):
    kind = submission_kind(submission)
    if kind == "fusion":
        module = submission.SaliencyFusion(64)
        x, s = torch.randn(2, 64, 6, 6), torch.rand(2, 1, 6, 6)
        out = module(x, s)
        assert isinstance(out, torch.Tensor) and out.shape == x.shape, (
            f"SaliencyFusion(64)(x, s): expected shape {tuple(x.shape)}, found {tuple(getattr(out, 'shape', ()))}")
    else:
        masks = check_masks(submission.pattern_masks(24, 24), 24, 24)
        assert 2 <= masks.shape[0] <= 16, f"pattern_masks: expected 2 to 16 partitions, found {masks.shape[0]}"


def test_gradients_reach_your_module(submission):
    kind = submission_kind(submission)
    if kind == "fusion":
        module = submission.SaliencyFusion(64)
        x = torch.randn(2, 64, 6, 6, requires_grad=True)
        module(x, torch.rand(2, 1, 6, 6)).square().sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0, "no gradient reaches x"
        for name, p in module.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), f"parameter {name} gets no (finite) gradient"
    else:
        data = fake_maps("pattern")
        torch.manual_seed(0)
        model = build_head("pattern", "variant", submission, data, 10)
        model(data.maps, saliency=data.saliency)["dist"][:, -1].sum().backward()
        grad = model.pool.extra_layer.weight.grad
        assert grad is not None and grad.abs().sum() > 0, "no gradient reaches the layer that pools your pattern"


@pytest.mark.points(2)
@pytest.mark.limit(60)
def test_ablation_on_made_up_predictions(submission):
    train_and_predict, target, calls = fake_runs()
    result = submission.run_ablation(train_and_predict, target, (0, 1, 2), n_boot=300, seed=0)
    assert isinstance(result, dict), f"run_ablation: expected a dict, found {type(result).__name__}"
    for key in ("srcc", "difference", "ci", "seed_sd", "seed_noise", "verdict"):
        assert key in result, f"run_ablation: the result has no {key!r}"
    assert sorted(set(calls)) == sorted((a, s) for a in ("original", "variant") for s in (0, 1, 2)), (
        f"run_ablation must train each arm with each seed; it ran {sorted(calls)}")
    for arm in ("original", "variant"):
        assert len(result["srcc"][arm]) == 3, f"srcc[{arm!r}]: expected one SRCC per seed"
    want = np.mean(result["srcc"]["variant"]) - np.mean(result["srcc"]["original"])
    assert abs(result["difference"] - want) < 1e-9, f"difference {result['difference']} is not mean(variant) - mean(original) = {want}"
    low, high = result["ci"]
    assert low <= result["difference"] <= high, f"the interval ({low}, {high}) does not hold the difference {result['difference']}"
    assert result["verdict"] in VERDICTS, f"verdict: expected one of {VERDICTS}, found {result['verdict']!r}"


@pytest.mark.limit(300)
def test_ablation_end_to_end_on_a_few_photos(submission, budget):
    setup = ablation_setup(submission, budget, n_train=64, n_eval=64, epochs=1, seeds=(0, 1))
    result = submission.run_ablation(setup.train_and_predict, setup.target, setup.seeds, n_boot=200, seed=0)
    assert len(setup.predictions) == 4, f"expected 4 runs (2 arms x 2 seeds), found {sorted(setup.predictions)}"
    for arm in ("original", "variant"):
        want = [metrics.srcc(setup.predictions[arm, s], setup.target) for s in setup.seeds]
        got = list(result["srcc"][arm])
        assert np.allclose(got, want, atol=1e-9), f"srcc[{arm!r}] = {got}, but the runs' predictions give {want}"
    assert all(math.isfinite(v) for v in (result["difference"], *result["ci"])), f"non-finite numbers in {result}"
