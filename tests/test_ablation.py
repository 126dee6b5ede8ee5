"""aesthetics_lib.ablation: the stage cache reads like the backbone, the saliency variants, the
runner and the seed-aware comparison. Tiny models on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, Subset

from aesthetics_lib import ablation as A
from aesthetics_lib import metrics as M
from aesthetics_lib.compare import PairedDifference, paired_bootstrap
from aesthetics_lib.inference import Predictions
from aesthetics_lib.models import create_model
from aesthetics_lib.train import TrainConfig, predict

N_ATTR = 11


class Photos(Dataset):
    """``n`` random 32 x 32 "photos" with CADB-like labels (5 bins, threshold 2.6)."""

    num_bins, threshold = 5, 2.6

    def __init__(self, n: int, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.images = torch.randn(n, 3, 32, 32, generator=g)
        dist = torch.rand(n, 5, generator=g) + 0.1
        self.dist = dist / dist.sum(1, keepdim=True)
        self.attributes = torch.rand(n, N_ATTR, generator=g) * 2 - 1

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict:
        return {"image": self.images[i], "dist": self.dist[i], "mean": (self.dist[i] * torch.arange(1.0, 6.0)).sum(),
                "attributes": self.attributes[i], "attr_mask": self.attributes[i] != 0, "image_id": f"{i}.jpg"}


def tiny_model(seed: int = 0, **kw) -> torch.nn.Module:
    torch.manual_seed(seed)
    return create_model("convnextv2_sgfm", backbone="shallow", dim=16, **kw).eval()


def perturb_sgfm(model: torch.nn.Module, seed: int = 1) -> None:
    """Give SGFM non-zero convolutions, so that the saliency changes the output."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in (model.sgfm.gamma_conv, model.sgfm.beta_conv):
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=g))


@pytest.fixture(scope="module")
def photos() -> Photos:
    return Photos(24)


# ------------------------------------------------------------------ the stage cache


def test_pack_and_unpack_are_lossless() -> None:
    m3, m4 = torch.randn(2, 5, 6, 6), torch.randn(2, 8, 3, 3)
    packed = A.pack_stages(m3, m4)
    assert packed.shape == (2, 5 + 8 // 4, 6, 6)
    u3, u4 = A.StoredStages(5)(packed)
    assert torch.equal(u3, m3) and torch.equal(u4, m4)
    with pytest.raises(ValueError, match="half stage 3"):
        A.pack_stages(m3, torch.randn(2, 8, 6, 6))


def test_stored_maps_hold_every_item_in_order(photos) -> None:
    model = tiny_model()
    maps = A.StoredMaps.compute(model, Subset(photos, [3, 1, 7]), batch_size=2)
    assert len(maps) == 3 and maps.num_bins == 5 and maps.threshold == 2.6
    assert maps.t["image_id"] == ["3.jpg", "1.jpg", "7.jpg"]
    assert maps[0]["image"].shape == (32 + 64 // 4, 8, 8) and maps[0]["saliency"].shape == (1, 8, 8)
    assert np.allclose(maps.means(), [float(photos[i]["mean"]) for i in (3, 1, 7)])
    assert maps.targets().shape == (3, 5)


def test_model_on_stored_maps_equals_the_full_model(photos) -> None:
    model = tiny_model()
    perturb_sgfm(model)  # so that a wrong saliency would show
    maps = A.StoredMaps.compute(model, photos, batch_size=8)
    head = A.on_maps(model)
    assert isinstance(head.backbone, A.StoredStages) and not isinstance(model.backbone, A.StoredStages)
    direct = predict(model, photos, batch_size=8)
    stored = predict(head, maps, batch_size=8)
    assert np.allclose(direct["mean"], stored["mean"], atol=1e-5)
    assert np.allclose(direct["dist"], stored["dist"], atol=1e-6)
    assert np.allclose(A.mean_scores(head, maps, chunk=5), stored["mean"], atol=1e-6)
    swapped = predict(head, maps.with_saliency(maps.t["saliency"].flip(0)), batch_size=8)
    assert not np.allclose(swapped["mean"], stored["mean"], atol=1e-5)  # the saliency is read from the maps


def test_stored_maps_keep_the_pooled_stage_statistics(photos) -> None:
    model = tiny_model(pooled_stages=(0,))
    maps = A.StoredMaps.compute(model, photos, batch_size=8)
    assert maps[0]["stage_stats"].shape == (2 * model.backbone.out_channels[0],)
    direct = predict(model, photos, batch_size=8)
    stored = predict(A.on_maps(model), maps, batch_size=8)
    assert np.allclose(direct["mean"], stored["mean"], atol=1e-5)
    assert np.allclose(A.mean_scores(A.on_maps(model), maps, chunk=5), stored["mean"], atol=1e-6)


def test_a_variant_with_pooled_stages_reads_the_stored_statistics(photos) -> None:
    model = tiny_model(pooled_stages=(0,))
    maps = A.StoredMaps.compute(model, photos, batch_size=8)
    torch.manual_seed(0)
    net = A.build_variant(A.Variant(model_kwargs={"pooled_stages": (0,)}), "shallow", 16).eval()
    out = predict(net, maps, batch_size=8)
    assert out["mean"].shape == (len(photos),)
    with pytest.raises(ValueError, match="StageStatistics: expected maps with channels"):  # without them it says so
        net(maps.t["image"][:2], saliency=maps.t["saliency"][:2])


def test_sgfm_effect_of_an_untrained_sgfm_is_nil(photos) -> None:
    model = tiny_model()  # SGFM's convolutions start at zero: a gain of 1.5 whatever the saliency
    maps = A.StoredMaps.compute(model, photos)
    e = A.sgfm_effect(model, maps, chunk=7)
    assert e.scale_low == pytest.approx(1.5) and e.scale_high == pytest.approx(1.5)
    assert e.channel_sd_median == pytest.approx(0, abs=1e-6) and e.saliency_share == pytest.approx(0, abs=1e-6)
    perturb_sgfm(model)
    moved = A.sgfm_effect(model, maps, chunk=7)
    assert moved.saliency_share > 0.01 and moved.scale_low < moved.scale_high
    again = A.sgfm_effect(model, maps, chunk=100)  # other chunks: float32 rounding at most
    assert again.saliency_share == pytest.approx(moved.saliency_share, rel=1e-6)
    assert (again.scale_low, again.scale_high) == pytest.approx((moved.scale_low, moved.scale_high), rel=1e-9)


# ------------------------------------------------------------------ the saliency variants


def test_saliency_modules_at_zero_saliency_are_the_no_saliency_path(photos) -> None:
    model = tiny_model()
    maps = A.StoredMaps.compute(model, photos)
    zero = maps.with_saliency(torch.zeros_like(maps.t["saliency"]))
    head = A.on_maps(model)
    head.sgfm = None  # no saliency at all: the fused map goes straight to the pooling
    none = A.mean_scores(head, maps)
    head.sgfm = A.SaliencyScale(16)  # x (1 + s): the identity where s = 0
    assert np.allclose(A.mean_scores(head, zero), none, atol=1e-6)
    assert not np.allclose(A.mean_scores(head, maps), none, atol=1e-5)
    head.sgfm = A.SaliencyConcat(16)  # starts as the identity on x, whatever s
    assert np.allclose(A.mean_scores(head, maps), none, atol=1e-5)
    with torch.no_grad():
        head.sgfm.conv.weight[:, 16] = 1.0  # now s adds to every channel ...
    assert not np.allclose(A.mean_scores(head, maps), none, atol=1e-5)
    assert np.allclose(A.mean_scores(head, zero), none, atol=1e-5)  # ... but a zero s adds nothing


def test_build_variant_reads_stored_maps() -> None:
    torch.manual_seed(0)
    for name, variant in A.SALIENCY_VARIANTS.items():
        net = A.build_variant(variant, "shallow", 16)
        assert isinstance(net.backbone, A.StoredStages) and net.backbone.c3 == 32
        expected = {"none": type(None), "concat": A.SaliencyConcat, "scale": A.SaliencyScale}.get(name)
        assert expected is None or isinstance(net.sgfm, expected), name
    assert type(A.build_variant(A.SALIENCY_VARIANTS["sgfm"], "shallow", 16).sgfm).__name__ == "SGFM"


# ------------------------------------------------------------------ the runner


@pytest.fixture(scope="module")
def small_maps(photos):
    model = tiny_model()
    return A.StoredMaps.compute(model, Subset(photos, range(16))), A.StoredMaps.compute(model, Subset(photos, range(16, 24)))


def tiny_config() -> TrainConfig:
    return TrainConfig(data="none", model="convnextv2_sgfm", model_kwargs={"backbone": "shallow"}, epochs=2, batch_size=8,
                       lr_head=1e-2, lr_backbone=1e-2, warmup_epochs=0, device="cpu", out=None, progress=False, verbose=False)


def test_runner_is_deterministic_and_returns_one_run_per_seed(small_maps) -> None:
    train, val = small_maps
    variant = A.Variant(model_kwargs={"norm": "bn"}, config={"loss_rank": 0.5})
    first = A.run_variant(tiny_config(), variant, train, val, seeds=(3, 5), dim=8)
    again = A.run_variant(tiny_config(), variant, train, val, seeds=(3,), dim=8)
    assert [r.seed for r in first] == [3, 5]
    for r in first:
        assert len(r.snapshots) == 2 and len(r.val_curve) == 2 and r.best_epoch in (1, 2)
        assert r.trainer.config.loss_rank == 0.5 and r.val["mean"].shape == (len(val),)
        best = A.mean_scores(r.model_at(r.best_epoch), val)
        assert np.allclose(best, r.val["mean"], atol=1e-6)  # val holds the chosen epoch's predictions
    assert len(again) == 1 and np.array_equal(again[0].val["mean"], first[0].val["mean"])  # the same seed, the same run
    assert again[0].val_curve == first[0].val_curve
    assert all(torch.equal(v, first[0].snapshots[-1][k]) for k, v in again[0].snapshots[-1].items())
    assert not np.allclose(first[0].val["mean"], first[1].val["mean"])  # the seeds differ
    with pytest.raises(ValueError, match="seed"):
        A.train_on_maps(tiny_config(), A.Variant(config={"seed": 1}), train, val, dim=8)


# ------------------------------------------------------------------ the seed-aware comparison


class Run:
    """Just what the comparison reads of a SeedRun: its validation predictions."""

    def __init__(self, mean: np.ndarray, dist: np.ndarray) -> None:
        self.val = Predictions(mean=mean, dist=dist)


def fake_runs(truth: np.ndarray, noise: float, seeds: int, seed: int) -> list[Run]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(seeds):
        mean = truth + rng.normal(scale=noise, size=len(truth))
        dist = rng.dirichlet(np.ones(5), size=len(truth))
        out.append(Run(mean, dist))
    return out


def test_seed_metrics_are_the_seed_averages_of_the_library_metrics() -> None:
    rng = np.random.default_rng(0)
    truth, target = rng.normal(size=50), rng.dirichlet(np.ones(5), size=50)
    runs = fake_runs(truth, 0.7, 3, 1)
    assert A.seed_srcc(A.stack_seeds(runs, "mean"), truth) == pytest.approx(np.mean(A.seed_scores(runs, M.srcc, truth)), abs=1e-12)
    assert A.seed_mse(A.stack_seeds(runs, "mean"), truth) == pytest.approx(np.mean(A.seed_scores(runs, M.mse, truth)), abs=1e-12)
    assert A.seed_emd(A.stack_seeds(runs, "dist"), target) == pytest.approx(
        np.mean(A.seed_scores(runs, M.emd, target, key="dist")), abs=1e-12)
    assert A.stack_seeds(runs, "dist").shape == (50, 3, 5) and A.stack_seeds(runs, "mean").dtype == np.float64


@pytest.mark.parametrize("name", ["srcc", "mse", "emd"])
def test_seed_metrics_bootstrap_as_their_columns_equal_to_calling_them_per_resample(name: str) -> None:
    rng = np.random.default_rng(3)
    truth, target = np.round(rng.normal(size=60), 1), rng.dirichlet(np.ones(5), size=60)
    runs_a, runs_b = fake_runs(truth, 0.7, 3, 1), fake_runs(truth, 0.4, 3, 2)
    fn, key = A.SEED_METRICS[name]
    a, b, t = A.stack_seeds(runs_a, key), A.stack_seeds(runs_b, key), target if key == "dist" else truth
    fast = A.paired_over_seeds(runs_a, runs_b, t, name, n_boot=300)
    slow = paired_bootstrap(lambda p, q: fn(p, q), a, b, t, n_boot=300)  # a plain callable: one call per resample
    np.testing.assert_allclose([fast.difference, fast.low, fast.high], [slow.difference, slow.low, slow.high], rtol=1e-9, atol=1e-12)
    one = M.bootstrap_ci(fn, b, t, n_boot=300)  # a declared column average, resampled on its own
    np.testing.assert_allclose(one, M.bootstrap_ci(lambda p, q: fn(p, q), b, t, n_boot=300), rtol=1e-9, atol=1e-12)


def test_paired_over_seeds_sees_a_real_difference() -> None:
    truth = np.random.default_rng(0).normal(size=300)
    good, bad = fake_runs(truth, 0.3, 3, 1), fake_runs(truth, 1.5, 3, 2)
    d = A.paired_over_seeds(bad, good, truth, "srcc", n_boot=300)
    assert d.verdict == "higher" and d.low > 0
    assert d.difference == pytest.approx(A.seed_srcc(A.stack_seeds(good, "mean"), truth) - A.seed_srcc(A.stack_seeds(bad, "mean"), truth))
    same = A.paired_over_seeds(good, good, truth, "srcc", n_boot=300)
    assert same.difference == 0 and same.verdict == "no clear difference"
    with pytest.raises(ValueError, match="metric"):
        A.paired_over_seeds(good, bad, truth, "lcc")
    d_mse = A.paired_over_seeds(good, bad, truth, "mse", n_boot=300)  # MSE of bad minus good's: > 0
    assert d_mse.verdict == "higher" and d_mse.difference == pytest.approx(
        A.seed_mse(A.stack_seeds(bad, "mean"), truth) - A.seed_mse(A.stack_seeds(good, "mean"), truth))


def test_compare_seeds_scores_each_seed_and_orients_the_lead_to_b() -> None:
    truth = np.random.default_rng(0).normal(size=300)
    good = A.stack_seeds(fake_runs(truth, 0.3, 3, 1), "mean")
    bad = A.stack_seeds(fake_runs(truth, 1.5, 3, 2), "mean")
    half = np.arange(300) < 150
    rows = A.compare_seeds(bad, good, truth, {"first half": half, "all": np.ones(300, bool)}, n_boot=200)
    assert [(r.group, r.metric) for r in rows] == [("first half", "srcc"), ("first half", "mse"), ("all", "srcc"), ("all", "mse")]
    srcc, mse = rows[2], rows[3]
    assert srcc.a == pytest.approx([M.srcc(bad[:, i], truth) for i in range(3)])
    assert mse.b == pytest.approx([M.mse(good[:, i], truth) for i in range(3)])
    assert srcc.d.difference == pytest.approx(A.seed_srcc(good, truth) - A.seed_srcc(bad, truth))
    assert mse.d.difference == pytest.approx(A.seed_mse(bad, truth) - A.seed_mse(good, truth))  # > 0: b better
    assert all(r.verdict == "better" and r.d.low > 0 for r in rows)
    assert srcc.noise == pytest.approx(A.seed_noise(A.pooled_seed_sd([srcc.a, srcc.b]), 3))
    assert all(r.verdict == "worse" for r in A.compare_seeds(good, bad, truth, n_boot=200))
    same = A.compare_seeds(good, good, truth, n_boot=200)
    assert [r.group for r in same] == ["all", "all"] and all(r.verdict == "no clear difference" for r in same)
    only = A.compare_seeds(bad, good, truth, {"first half": half}, n_boot=200, scores=("srcc",))
    assert len(only) == 1 and only[0].d.difference == rows[0].d.difference and only[0].a == rows[0].a
    with pytest.raises(ValueError, match="compare_seeds"):
        A.compare_seeds(good, good[:, :2], truth)
    with pytest.raises(ValueError, match="lcc"):
        A.compare_seeds(good, bad, truth, scores=("lcc",))


def test_seed_noise_and_pooled_sd() -> None:
    sd = A.pooled_seed_sd({"a": [0.5, 0.6, 0.7], "b": [0.2, 0.2, 0.2]})
    assert sd == pytest.approx(np.sqrt(0.01 / 2))  # variances 0.01 and 0, pooled
    assert A.seed_noise(sd, 3) == pytest.approx(2 * sd * np.sqrt(2 / 3))
    with pytest.raises(ValueError):
        A.pooled_seed_sd({"a": [0.5]})


@pytest.mark.parametrize(
    "d, noise, higher, verdict",
    [
        (PairedDifference(0.05, 0.01, 0.09), 0.02, "better", "better"),
        (PairedDifference(0.05, 0.01, 0.09), 0.06, "better", "no clear difference"),  # within the seed noise
        (PairedDifference(0.05, -0.01, 0.09), 0.0, "better", "no clear difference"),  # interval includes 0
        (PairedDifference(-0.05, -0.09, -0.01), 0.02, "better", "worse"),
        (PairedDifference(0.05, 0.01, 0.09), 0.02, "worse", "worse"),  # e.g. a higher EMD
        (PairedDifference(-0.05, -0.09, -0.01), 0.02, "worse", "better"),
    ],
)
def test_verdict_follows_the_interval_and_the_seed_noise(d, noise, higher, verdict) -> None:
    assert A.seed_aware_verdict(d, noise, higher) == verdict
