"""Hidden tests of assignment 2: the EMD against the library on many inputs, its gradients and
errors, the head's form, and the trained head against the naive baseline on held-out photos.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aesthetics_lib import losses, metrics
from aesthetics_lib.compare import paired_bootstrap
from assignments.a2_nima.harness import heldout_split, naive_prediction, predict

ASSIGNMENT = "a2_nima"
CASES = [(b, k, r) for b in (1, 7) for k in (2, 5, 10) for r in (1, 2, 3)]


def random_dists(b: int, k: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, k, generator=g, dtype=dtype).mul(2.0).softmax(-1)


@pytest.mark.points(2)
@pytest.mark.limit(20)
def test_emd_matches_the_library_everywhere(submission):
    for i, (b, k, r) in enumerate(CASES):
        p, q = random_dists(b, k, 10 + i), random_dists(b, k, 100 + i)
        got, want = float(submission.emd_loss(p, q, r)), float(losses.emd_loss(p, q, r))
        assert abs(got - want) < 1e-6, f"emd_loss with B={b}, K={k}, r={r}: {got}, the library gives {want}"
    p32, q32 = random_dists(5, 10, 1, torch.float32), random_dists(5, 10, 2, torch.float32)
    got, want = float(submission.emd_loss(p32, q32)), float(losses.emd_loss(p32, q32))
    assert abs(got - want) < 1e-6, f"emd_loss on float32 inputs: {got}, the library gives {want}"


@pytest.mark.points(2)
@pytest.mark.limit(20)
def test_emd_gradients_match_the_library(submission):
    for i, (b, k, r) in enumerate(CASES):
        p, q = random_dists(b, k, 200 + i), random_dists(b, k, 300 + i)
        mine = p.clone().requires_grad_(True)
        (g_mine,) = torch.autograd.grad(submission.emd_loss(mine, q, r), mine)
        ref = p.clone().requires_grad_(True)
        (g_ref,) = torch.autograd.grad(losses.emd_loss(ref, q, r), ref)
        gap = float((g_mine - g_ref).abs().max())
        assert gap < 1e-6, f"gradient of emd_loss with B={b}, K={k}, r={r} differs from the library's by {gap:.2e}"


@pytest.mark.limit(10)
def test_emd_gradient_is_finite_for_identical_distributions(submission):
    p = random_dists(3, 10, 5)
    mine = p.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(submission.emd_loss(mine, p.clone(), 2), mine)
    assert torch.isfinite(grad).all(), (
        "emd_loss(p, p) has a NaN/inf gradient: the square root's derivative is infinite at 0; "
        "take the root only where its argument is positive")


@pytest.mark.limit(10)
def test_emd_rejects_bad_input(submission):
    p = random_dists(4, 10, 6)
    bad = {
        "different numbers of bins": (p, random_dists(4, 9, 7), 2),
        "different batch sizes": (p, random_dists(3, 10, 8), 2),
        "1-D input": (p[0], p[1], 2),
        "3-D input": (p[None], p[None], 2),
        "r < 1": (p, p, 0.5),
    }
    for what, (a, b, r) in bad.items():
        try:
            submission.emd_loss(a, b, r)
        except ValueError:
            continue
        except Exception as exc:
            pytest.fail(f"emd_loss on {what} raised {type(exc).__name__}: {exc}; expected ValueError")
        pytest.fail(f"emd_loss accepted {what}; expected ValueError")


@pytest.mark.limit(10)
def test_head_is_one_linear_layer_and_a_softmax(submission):
    head = submission.NimaHead(13, 10).eval()
    x = torch.randn(4, 13, generator=torch.Generator().manual_seed(1))
    out = head(x)
    n_params = sum(p.numel() for p in head.parameters())
    assert n_params == (13 + 1) * 10, f"NimaHead(13, 10) has {n_params} parameters; one linear layer has {(13 + 1) * 10}"
    assert torch.allclose(out.sum(-1), torch.ones(4), atol=1e-5) and (out >= 0).all(), "NimaHead must end in a softmax"


@pytest.mark.limit(120)
def test_training_is_deterministic(submission, budget):
    split = heldout_split(budget)
    x, d = split.x_train[:200], split.dist_train[:200]
    a = predict(submission.train_head(x, d, seed=5, epochs=50), split.x_test[:50])
    b = predict(submission.train_head(x, d, seed=5, epochs=50), split.x_test[:50])
    assert np.allclose(a, b, atol=1e-7), "train_head with the same seed gave different heads"


@pytest.mark.limit(120)
def test_training_uses_your_emd_loss(submission, budget, monkeypatch):
    split = heldout_split(budget)
    calls = []
    original = submission.emd_loss

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(submission, "emd_loss", counted)
    submission.train_head(split.x_train[:200], split.dist_train[:200], seed=0, epochs=5)
    assert calls, "train_head never called your emd_loss (it must train with it, not with the library's)"


@pytest.mark.points(4)
@pytest.mark.limit(120)
def test_beats_the_naive_baseline_on_heldout_photos(submission, budget):
    split = heldout_split(budget)
    head = submission.train_head(split.x_train, split.dist_train, seed=0)
    pred = predict(head, split.x_test)
    assert pred.shape == split.dist_test.shape, f"predictions of shape {pred.shape}, expected {split.dist_test.shape}"
    naive = naive_prediction(split.dist_train, len(pred))
    d = paired_bootstrap(metrics.emd, naive, pred, split.dist_test, n_boot=budget.n_boot, seed=0)
    assert d.high < 0, (f"on {split.description}: EMD of the head minus the naive baseline's = {d.difference:.4f} "
                        f"[{d.low:.4f}, {d.high:.4f}]: the paired 95 % interval is not below 0")
