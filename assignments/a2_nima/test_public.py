"""Public tests of assignment 2 (run them: ``python -m pytest assignments/a2_nima``).

Each test calls your code first, so an unfinished function fails every test that needs it.
"""

from __future__ import annotations

import pytest
import torch

from aesthetics_lib import losses, metrics
from assignments.a2_nima.harness import naive_prediction, practice_split, predict

ASSIGNMENT = "a2_nima"


def random_dists(b: int, k: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, k, generator=g, dtype=dtype).mul(1.5).softmax(-1)


@pytest.mark.limit(10)
def test_emd_of_identical_distributions_is_zero(submission):
    p = random_dists(4, 10, 0)
    out = submission.emd_loss(p, p.clone())
    assert isinstance(out, torch.Tensor) and out.ndim == 0, f"emd_loss: expected a 0-d tensor, found {out!r}"
    assert abs(float(out)) < 1e-9, f"emd_loss(p, p) = {float(out)}, expected 0"


@pytest.mark.points(2)
def test_emd_matches_the_library(submission):
    p, q = random_dists(8, 10, 1), random_dists(8, 10, 2)
    got = float(submission.emd_loss(p, q))
    want = float(losses.emd_loss(p, q))
    assert abs(got - want) < 1e-6, f"emd_loss = {got}, the library's emd_loss gives {want} (r = 2)"


def test_emd_has_a_gradient(submission):
    p = random_dists(4, 10, 3).requires_grad_(True)
    q = random_dists(4, 10, 4)
    submission.emd_loss(p, q).backward()
    assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, (
        "emd_loss: expected a finite, non-zero gradient with respect to pred")


def test_head_outputs_distributions(submission):
    head = submission.NimaHead(13, 10)
    x = torch.randn(6, 13, generator=torch.Generator().manual_seed(0))
    out = head.eval()(x)
    assert tuple(out.shape) == (6, 10), f"NimaHead(13, 10): expected output [6, 10], found {tuple(out.shape)}"
    assert (out >= 0).all() and torch.allclose(out.sum(-1), torch.ones(6), atol=1e-5), "NimaHead: each row must be a probability distribution"


@pytest.mark.points(2)
@pytest.mark.limit(120)
def test_trained_head_is_below_the_naive_emd_on_practice_photos(submission, budget):
    split = practice_split(budget)
    head = submission.train_head(split.x_train, split.dist_train, seed=0)
    pred = predict(head, split.x_test)
    naive = naive_prediction(split.dist_train, len(pred))
    ours, base = metrics.emd(pred, split.dist_test), metrics.emd(naive, split.dist_test)
    assert ours < base, (f"on {split.description}: EMD {ours:.4f} of the trained head, {base:.4f} of the naive "
                         "baseline; the head must do better (the hidden test asks for a paired interval below 0)")
