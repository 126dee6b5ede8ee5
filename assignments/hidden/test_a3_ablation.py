"""Hidden tests of assignment 3: the module's contract on other inputs, the measurement checked
against an independent computation, and the ablation on the course model at the budget's size.
The student's idea is not required to win.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import rankdata

from aesthetics_lib import metrics
from aesthetics_lib.compare import paired_bootstrap
from aesthetics_lib.models.sampnet import pattern_masks as course_patterns
from assignments.a3_ablation.harness import ARMS, ablation_setup, check_masks, submission_kind

ASSIGNMENT = "a3_ablation"


def mean_seed_srcc(pred: np.ndarray, target: np.ndarray) -> float:
    """SRCC of each column of ``pred`` [N, seeds] with ``target``, averaged over the columns (the
    Pearson correlation of average ranks, as ``metrics.srcc``, for all columns at once)."""
    ranks = rankdata(np.column_stack([target, pred]), axis=0)
    return float(np.mean(np.corrcoef(ranks, rowvar=False)[0, 1:]))


def expected(preds: dict, target: np.ndarray, seeds, n_boot: int, seed: int) -> dict:
    """The measurement, computed here independently of any submission."""
    stacked = {arm: np.stack([preds[arm, s] for s in seeds], axis=1) for arm in ARMS}
    per_seed = {arm: [metrics.srcc(stacked[arm][:, j], target) for j in range(len(seeds))] for arm in ARMS}
    seed_sd = math.sqrt(np.mean([np.var(per_seed[arm], ddof=1) for arm in ARMS]))
    d = paired_bootstrap(mean_seed_srcc, stacked["original"], stacked["variant"], target, n_boot=n_boot, seed=seed)
    return {"srcc": per_seed, "difference": float(np.mean(per_seed["variant"]) - np.mean(per_seed["original"])),
            "ci": d.ci, "seed_sd": seed_sd, "seed_noise": 2 * seed_sd * math.sqrt(2 / len(seeds))}


def recorder(preds: dict):
    calls = []

    def train_and_predict(arm, seed):
        calls.append((arm, int(seed)))
        return preds[arm, int(seed)].copy()

    return train_and_predict, calls


def made_up(n: int, seeds, shared: float, own: float, variant_gain: float, seed: int = 0):
    """Predictions = target + a per-photo error shared by every run (``shared``) + a per-run error
    (``own``); the variant's shared error is smaller by ``variant_gain`` (a fraction)."""
    rng = np.random.default_rng(seed)
    target = rng.normal(size=n)
    common = rng.normal(size=n)
    preds = {}
    for arm in ARMS:
        k = shared * (1 - variant_gain if arm == "variant" else 1)
        for s in seeds:
            preds[arm, s] = target + k * common + own * rng.normal(size=n)
    return preds, target


def verdict_of(result: dict) -> str:
    low, high = result["ci"]
    if (low > 0 or high < 0) and abs(result["difference"]) > result["seed_noise"]:
        return "higher" if result["difference"] > 0 else "lower"
    return "no clear difference"


@pytest.mark.limit(20)
def test_module_contract_on_other_inputs(submission):
    kind = submission_kind(submission)
    if kind == "fusion":
        for c, (b, h, w) in ((32, (1, 1, 1)), (64, (3, 5, 7)), (64, (2, 12, 4))):
            module = submission.SaliencyFusion(c)
            x, s = torch.randn(b, c, h, w), torch.rand(b, 1, h, w)
            out = module(x, s)
            assert out.shape == x.shape and torch.isfinite(out).all(), f"SaliencyFusion({c}) on x {tuple(x.shape)}: got {tuple(out.shape)}"
            flat = module(x, torch.zeros(b, 1, h, w))
            assert torch.isfinite(flat).all(), "SaliencyFusion: non-finite output for an all-zero (flat) saliency"
    else:
        counts = set()
        for h, w in ((8, 8), (16, 24), (40, 24), (56, 56)):
            counts.add(check_masks(submission.pattern_masks(h, w), h, w).shape[0])
        assert len(counts) == 1, f"pattern_masks: the number of partitions changes with the size ({sorted(counts)})"
        assert 2 <= counts.pop() <= 16, "pattern_masks: expected 2 to 16 partitions"


@pytest.mark.limit(20)
def test_module_is_deterministic(submission):
    kind = submission_kind(submission)
    if kind == "fusion":
        x, s = torch.randn(2, 64, 5, 5), torch.rand(2, 1, 5, 5)
        torch.manual_seed(0)
        a = submission.SaliencyFusion(64).eval()
        torch.manual_seed(0)
        b = submission.SaliencyFusion(64).eval()
        with torch.no_grad():
            assert torch.equal(a(x, s), a(x, s)), "SaliencyFusion in eval mode gave two outputs for one input"
            assert torch.equal(a(x, s), b(x, s)), "two SaliencyFusion(64) built after the same torch seed differ"
    else:
        assert torch.equal(submission.pattern_masks(24, 24), submission.pattern_masks(24, 24)), "pattern_masks changes between calls"


@pytest.mark.limit(20)
def test_parameter_budget(submission):
    kind = submission_kind(submission)
    if kind == "fusion":
        for c in (32, 64):
            n = sum(p.numel() for p in submission.SaliencyFusion(c).parameters())
            assert n <= 2 * c * c + 100 * c, f"SaliencyFusion({c}) has {n} parameters; at most {2 * c * c + 100 * c} allowed"
    else:
        n = check_masks(submission.pattern_masks(24, 24), 24, 24).shape[0]
        assert n <= 16, f"pattern_masks: {n} partitions; at most 16 allowed"


@pytest.mark.limit(20)
def test_module_uses_saliency_or_is_a_new_pattern(submission):
    kind = submission_kind(submission)
    if kind == "fusion":
        torch.manual_seed(0)
        module = submission.SaliencyFusion(64)
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for p in module.parameters():  # any parameter values, not the (possibly neutral) start
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            module.eval()
            x = torch.randn(2, 64, 6, 6, generator=g)
            s1, s2 = torch.zeros(2, 1, 6, 6), torch.zeros(2, 1, 6, 6)
            s1[..., :3, :3], s2[..., 3:, 3:] = 1.0, 1.0
            gap = float((module(x, s1) - module(x, s2)).abs().max())
        assert gap > 1e-6, "SaliencyFusion's output does not depend on the saliency s (even with random parameter values)"
    else:
        mine = check_masks(submission.pattern_masks(24, 24), 24, 24).bool()
        key = lambda m: sorted(bytes(part.flatten().tolist()) for part in m)  # noqa: E731  (order-free)
        for name, course in zip(("halves_horizontal", "halves_vertical", "diagonal", "anti_diagonal", "centre_surround",
                                 "quadrants", "triangles", "thirds"), course_patterns(24, 24)):
            assert key(mine) != key(course), f"pattern_masks is SAMP-Net's {name} pattern; the assignment asks for a new one"


@pytest.mark.points(3)
@pytest.mark.limit(120)
def test_measurement_matches_an_independent_computation(submission):
    seeds = (0, 1, 2)
    preds, target = made_up(300, seeds, shared=1.0, own=0.5, variant_gain=0.2)
    train_and_predict, calls = recorder(preds)
    result = submission.run_ablation(train_and_predict, target, seeds, n_boot=500, seed=0)
    want = expected(preds, target, seeds, 500, 0)
    for arm in ARMS:
        assert np.allclose(result["srcc"][arm], want["srcc"][arm], atol=1e-9), f"srcc[{arm!r}] = {result['srcc'][arm]}, expected {want['srcc'][arm]}"
    for key in ("difference", "seed_sd", "seed_noise"):
        assert abs(result[key] - want[key]) < 1e-9, f"{key} = {result[key]}, expected {want[key]}"
    (low, high), (w_low, w_high) = result["ci"], want["ci"]
    tol = 0.1 * (w_high - w_low) + 0.005  # another bootstrap of the same statistic lands within this
    assert abs(low - w_low) <= tol and abs(high - w_high) <= tol, (
        f"ci = ({low:.4f}, {high:.4f}); the paired bootstrap of the seed-averaged SRCC difference gives ({w_low:.4f}, {w_high:.4f})")
    assert result["verdict"] == verdict_of(result), f"verdict {result['verdict']!r} does not follow the rule; expected {verdict_of(result)!r}"


@pytest.mark.points(2)
@pytest.mark.limit(120)
def test_interval_is_paired(submission):
    seeds = (0, 1, 2)
    # the runs share a large per-photo error and differ by little: only a paired interval is narrow
    preds, target = made_up(400, seeds, shared=1.0, own=0.05, variant_gain=0.0, seed=3)
    train_and_predict, calls = recorder(preds)
    result = submission.run_ablation(train_and_predict, target, seeds, n_boot=500, seed=0)
    assert sorted(calls) == sorted((a, s) for a in ARMS for s in seeds), f"expected each arm trained once per seed; runs: {sorted(calls)}"
    low, high = result["ci"]
    assert high - low < 0.03, (f"interval ({low:.4f}, {high:.4f}) is {high - low:.3f} wide for two arms that differ by "
                               "tiny per-run noise: resample the photos once per draw and score both arms on it (paired)")


@pytest.mark.limit(120)
def test_verdicts(submission):
    seeds = (0, 1, 2)
    cases = {"a clearly better variant": (0.6, "higher"), "a clearly worse variant": (-0.6, "lower"),
             "a variant identical to the original": (None, "no clear difference")}
    for what, (gain, want) in cases.items():
        preds, target = made_up(300, seeds, shared=1.0, own=0.05, variant_gain=gain or 0.0, seed=5)
        if gain is None:
            preds.update({("variant", s): preds["original", s] for s in seeds})
        train_and_predict, _ = recorder(preds)
        got = submission.run_ablation(train_and_predict, target, seeds, n_boot=300, seed=0)["verdict"]
        assert got == want, f"{what}: verdict {got!r}, expected {want!r}"


@pytest.mark.points(2)
@pytest.mark.limit(600)
def test_ablation_on_the_course_model(submission, budget):
    setup = ablation_setup(submission, budget)
    result = submission.run_ablation(setup.train_and_predict, setup.target, setup.seeds, n_boot=setup.n_boot, seed=0)
    runs = sorted(setup.predictions)
    assert runs == sorted((a, s) for a in ARMS for s in setup.seeds), f"expected each arm trained once per seed {setup.seeds}; runs: {runs}"
    want = expected(setup.predictions, setup.target, setup.seeds, setup.n_boot, 0)
    for arm in ARMS:
        assert np.allclose(result["srcc"][arm], want["srcc"][arm], atol=1e-9), f"srcc[{arm!r}] does not match the runs' predictions"
    low, high = result["ci"]
    assert math.isfinite(low) and math.isfinite(high) and low <= result["difference"] <= high, f"malformed interval in {result}"
    print(f"{setup.description}: SRCC per seed {result['srcc']}, difference {result['difference']:.4f} "
          f"[{low:.4f}, {high:.4f}], seed noise {result['seed_noise']:.4f}: {result['verdict']}")
