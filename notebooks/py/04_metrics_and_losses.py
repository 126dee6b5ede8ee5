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
# # 04 · Metrics and losses: how to score a score
#
# Every later notebook ends with a table of numbers: MSE, EMD, SRCC, LCC, accuracy. This notebook
# takes each one apart on numbers small enough to check by hand, then on the studio's data and on
# CADB's published scores, so you know what each one rewards, what it ignores, and how it can fool
# you. It also builds two of the losses the models are trained with (EMD and a pairwise ranking loss),
# and the error bars every result in this course is reported with.
#
# The labels are opinions: five raters per image on CADB, about two hundred on AVA. A good metric
# for subjective labels cares about the *order* the raters agree on more than about the absolute
# numbers they happen to use. By the end you should be able to say why.
#
# **Learning goals**
# - compute MSE, EMD (r=1 and r=2, over cumulative distributions), SRCC and LCC by hand and with
#   `aesthetics_lib.metrics`, and say what each one sees and ignores;
# - recognise the traps of binary accuracy: a line drawn at an arbitrary threshold, the `>=` vs `>`
#   convention at 2.6, floating-point means, and class imbalance that a constant classifier exploits;
# - score the naive baseline (predict the training mean) and read every later result against it, on
#   the studio and on real CADB's scores;
# - write the pairwise rank hinge loss and see why it ignores a rater's (or a model's) offset;
# - put a bootstrap confidence interval on a metric and see how it shrinks with the test-set size.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, check_prediction, print_table

setup_notebook()

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import torch

from aesthetics_lib import losses, metrics
from aesthetics_lib.data import registry
from aesthetics_lib.data.cadb import read_cadb_annotations
from aesthetics_lib.data.cadb_labels import read_cadb_labels
from aesthetics_lib.data.schema import CADB_THRESHOLD
from aesthetics_lib.viz import save_figure

# %% [markdown]
# ## Configuration
# The examples use the studio's CADB-layout data (built offline on first use, deterministically).
# With the real CADB on disk, start Jupyter with `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset` and the
# same cells run on it; nothing here trains, so it takes seconds either way.
#
# The metrics need only scores, so the traps and the baseline also run on the real thing: CADB's
# authors published the five composition scores of every image under the MIT licence (Zhang, Niu &
# Zhang, BMVC 2021), and the course ships that file with the scenes and elements (`data/cadb_labels/`,
# read by `read_cadb_labels` after a checksum check). It has no images and no official split.

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
N_BOOT = 1000  # bootstrap resamples
ann = read_cadb_annotations(DATA.root)
train, test = ann[ann["split"] == "train"], ann[ann["split"] == "test"]
real = read_cadb_labels()  # CADB's published labels: the 5 scores of every real image, no pixels
y_real = real["mean"].to_numpy()
print("data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB")
print("images: train", len(train), "· test", len(test), "· real CADB labels:", len(real))

# %% [markdown]
# ## 1. One image, two ways to describe its label
# A CADB image is rated by five people on a 1..5 scale. Take the real image `10003.jpg`: its raters
# gave `[2, 3, 2, 2, 2]`, so its vote **distribution** is $p = (0, 0.8, 0.2, 0, 0)$ and its **mean
# score** is 2.2. A model can predict either. Suppose it predicts the distribution
# $q = (0.1, 0.5, 0.3, 0.1, 0)$, whose mean is 2.4.
#
# **MSE** compares means only: over a test set, $\mathrm{MSE} = \frac1N\sum_i (\hat\mu_i - \mu_i)^2$.
# For this one image it is $(2.4 - 2.2)^2 = 0.04$.

# %%
bins = np.arange(1, 6)
p = np.array([0.0, 0.8, 0.2, 0.0, 0.0])  # the raters' distribution (real CADB image 10003.jpg)
q = np.array([0.1, 0.5, 0.3, 0.1, 0.0])  # a model's prediction
mean_p, mean_q = p @ bins, q @ bins
print("real CADB 10003.jpg in the published labels: votes", [int(v) for v in real.set_index("image_id").loc["10003.jpg", "scores"]],
      "· dist", fmt(real.set_index("image_id").loc["10003.jpg", "dist"], 2))
print("mean of p:", fmt(mean_p), "· mean of q:", fmt(mean_q))
print("squared error of the means:", fmt((mean_q - mean_p) ** 2), "· metrics.mse:", fmt(metrics.mse([mean_q], [mean_p])))

# %% [markdown]
# ## 2. Earth mover's distance (EMD) over cumulative distributions
# MSE cannot see the *shape* of the votes. The EMD compares whole distributions. Think of each
# distribution as piles of earth on the score positions 1..K: the EMD is the work needed to move one
# set of piles into the other. On an ordered 1-D scale that work is the gap between the two
# **cumulative** distributions, $\mathrm{CDF}_p(k) = \sum_{j \le k} p_j$, summed over positions. NIMA
# (Talebi & Milanfar 2018) and SAMP-Net (Zhang et al. 2021) use the normalised form
#
# $$\mathrm{EMD}_r(p, q) = \Big(\frac{1}{K}\sum_{k=1}^{K} \big|\mathrm{CDF}_p(k) - \mathrm{CDF}_q(k)\big|^r\Big)^{1/r}$$
#
# with $r = 1$ (each gap counts in proportion) or $r = 2$ (big gaps count more; NIMA trains with
# r = 2, following Hou et al. 2016 on the squared EMD). Work it out by hand for $p$ and $q$:
#
# | k | 1 | 2 | 3 | 4 | 5 |
# |---|---|---|---|---|---|
# | $\mathrm{CDF}_p$ | 0 | 0.8 | 1.0 | 1.0 | 1.0 |
# | $\mathrm{CDF}_q$ | 0.1 | 0.6 | 0.9 | 1.0 | 1.0 |
# | gap | 0.1 | 0.2 | 0.1 | 0 | 0 |
#
# so $\mathrm{EMD}_1 = (0.1 + 0.2 + 0.1)/5 = 0.08$ and
# $\mathrm{EMD}_2 = \sqrt{(0.01 + 0.04 + 0.01)/5} = \sqrt{0.012} \approx 0.110$. The last gap is always
# 0: both CDFs end at 1. Now the same in three lines of NumPy, and with the library:

# %%
def emd_numpy(p, q, r=2):
    """EMD_r between two distributions over bins 1..K (the formula above)."""
    gap = np.abs(np.cumsum(p) - np.cumsum(q))
    return np.mean(gap**r) ** (1 / r)


print_table(
    [
        {"": "CDF p", **{f"k={k}": v for k, v in zip(bins, np.cumsum(p))}},
        {"": "CDF q", **{f"k={k}": v for k, v in zip(bins, np.cumsum(q))}},
        {"": "gap", **{f"k={k}": v for k, v in zip(bins, np.round(np.abs(np.cumsum(p) - np.cumsum(q)), 12))}},
    ]
)
print()
print_table(
    [
        {"": "by hand (NumPy)", "EMD r=1": emd_numpy(p, q, 1), "EMD r=2": emd_numpy(p, q, 2)},
        {"": "metrics.emd", "EMD r=1": metrics.emd(p, q, r=1), "EMD r=2": metrics.emd(p, q, r=2)},
        {
            "": "losses.emd_loss (torch)",
            "EMD r=1": losses.emd_loss(torch.tensor(q[None]), torch.tensor(p[None]), r=1).item(),
            "EMD r=2": losses.emd_loss(torch.tensor(q[None]), torch.tensor(p[None]), r=2).item(),
        },
    ]
)

# %% [markdown]
# `metrics.emd` evaluates (NumPy, float64, any number of images); `losses.emd_loss` trains (torch,
# differentiable, with optional per-image weights). They agree on the same inputs.
#
# **Why cumulative?** Suppose the raters all said 2, and one model answers "all 3" while another
# answers "all 5". Compared bin by bin (squared error per bin, or a cross-entropy) both are equally
# wrong: each puts all its mass on a bin where the raters put none. EMD knows the scale is ordered:
# being one step off costs less than being three steps off. With r=1, $K \cdot \mathrm{EMD}_1$ is
# exactly how far the mass moved, in score points.

# %%
truth = np.array([0, 1, 0, 0, 0.0])  # every rater said 2
near = np.array([0, 0, 1, 0, 0.0])  # model A: all 3
far = np.array([0, 0, 0, 0, 1.0])  # model B: all 5
print_table(
    [
        {
            "prediction": name,
            "bin-wise squared error": np.sum((d - truth) ** 2),
            "EMD r=1": metrics.emd(d, truth, r=1),
            "K * EMD r=1 (points moved)": 5 * metrics.emd(d, truth, r=1),
            "EMD r=2": metrics.emd(d, truth, r=2),
        }
        for name, d in [("all 3 (one step off)", near), ("all 5 (three steps off)", far)]
    ]
)

# %% [markdown]
# And EMD sees what MSE cannot: a prediction with the *same mean* as $q$ but much more spread out
# has the same MSE and a larger EMD.

# %%
spread = np.array([0.2, 0.4, 0.2, 0.2, 0.0])  # also has mean 2.4
print_table(
    [
        {"prediction": "q", "mean": q @ bins, "squared error of mean": (q @ bins - mean_p) ** 2, "EMD r=2": metrics.emd(q, p)},
        {"prediction": "spread", "mean": spread @ bins, "squared error of mean": (spread @ bins - mean_p) ** 2, "EMD r=2": metrics.emd(spread, p)},
    ]
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
w = 0.38
axes[0].bar(bins - w / 2, p, w, label="raters p", color="tab:blue")
axes[0].bar(bins + w / 2, q, w, label="model q", color="tab:orange")
axes[0].set(xlabel="score", ylabel="probability", title="two score distributions", xticks=bins)
axes[0].legend()
cp, cq = np.cumsum(p), np.cumsum(q)
axes[1].step(bins, cp, where="post", label="CDF p", color="tab:blue")
axes[1].step(bins, cq, where="post", label="CDF q", color="tab:orange")
axes[1].fill_between(bins, cp, cq, step="post", color="grey", alpha=0.3, label="gap (what EMD adds up)")
axes[1].set(xlabel="score", ylabel="cumulative probability", xticks=bins, ylim=(0, 1.05),
            title=f"EMD r=1 = {fmt(metrics.emd(p, q, r=1))}, r=2 = {fmt(metrics.emd(p, q, r=2))}")
axes[1].legend(loc="lower right")
fig.tight_layout()
_ = save_figure(fig, "04_emd_worked_example")
plt.show()

# %% [markdown]
# ## 3. Correlations: SRCC and LCC
# Over a test set, two numbers say whether predictions go up when the raters' means go up:
#
# - **LCC** (Pearson's linear correlation) measures how well a *straight line* relates predictions to
#   targets;
# - **SRCC** (Spearman's rank correlation) is Pearson's correlation of the *ranks*: it only asks
#   whether the predictions put the images in the raters' order, whatever the scale.
#
# They disagree when the relation is monotone but not linear. Below, a "model" predicts the studio's
# test means with some noise, and a second model passes the same predictions through a logistic
# (S-shaped) curve that keeps them between 1 and 5 but squeezes both ends of the scale together and
# stretches the middle. Same order, so the SRCC between the two models is 1 and their SRCCs with the
# raters are equal; the S-curve is not a straight line, so the LCC between the two models is below 1,
# and here the curved model's LCC with the raters is lower (a non-linear transform can also raise an
# LCC, by straightening a curved relation; these predictions were linear in the means to begin
# with).

# %%
y = test["mean"].to_numpy()
rng = np.random.default_rng(0)
pred_linear = y + rng.normal(0, 0.3, len(y))
pred_curved = 1 + 4 / (1 + np.exp(-6 * (pred_linear - 2.6)))  # monotone, non-linear, bounded in (1, 5)
print("between the two models: SRCC", fmt(metrics.srcc(pred_curved, pred_linear)),
      "· LCC", fmt(metrics.lcc(pred_curved, pred_linear)))
rows = []
for name, pred in [("noisy linear", pred_linear), ("same, through a logistic curve", pred_curved)]:
    rows.append({"model": name, "SRCC": metrics.srcc(pred, y), "LCC": metrics.lcc(pred, y), "MSE": metrics.mse(pred, y)})
print_table(rows)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: SRCC 1 and LCC below 1 between the two models; equal SRCCs with the raters; a lower
# LCC for the curved model.
assert np.isclose(metrics.srcc(pred_curved, pred_linear), 1) and metrics.lcc(pred_curved, pred_linear) < 0.99
assert np.isclose(rows[0]["SRCC"], rows[1]["SRCC"]) and rows[1]["LCC"] < rows[0]["LCC"], "the SRCC/LCC example changed"

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, (name, pred) in zip(axes, [("noisy linear", pred_linear), ("same, through a logistic curve", pred_curved)]):
    ax.scatter(y + rng.uniform(-0.05, 0.05, len(y)), pred, s=8, alpha=0.5)
    ax.set(xlabel="raters' mean score (jittered)", ylabel="prediction",
           title=f"{name}\nSRCC {fmt(metrics.srcc(pred, y))} · LCC {fmt(metrics.lcc(pred, y))}")
fig.tight_layout()
_ = save_figure(fig, "04_srcc_vs_lcc")
plt.show()

# %% [markdown]
# CADB means lie on a grid of 0.2 (five integer votes), so many test images share a mean: SRCC gives
# tied values their average rank (`scipy.stats.spearmanr` does this). A correlation also needs the
# predictions to vary: for a constant prediction it is undefined (0/0), and `metrics.srcc` returns
# NaN rather than a misleading number.

# %% [markdown]
# ## 4. Binary accuracy and its traps
# Many papers also turn scores into "good" / "bad" at a threshold (5.0 on AVA, 2.6 on CADB) and report
# the accuracy of the predicted side. Three traps hide in that one number.
#
# **Trap 1: the line is arbitrary.** Draw the line at 3.5 on CADB's scale and take an image the raters
# gave 3.6. A prediction of 3.51 counts as right; a prediction of 3.49, only 0.02 lower, counts as
# wrong; and a prediction of 4.9, 1.3 points off, counts as right.

# %%
true_mean = 3.6
rows = [
    {"prediction": pr, "absolute error": abs(pr - true_mean),
     "correct at 3.5": bool(metrics.accuracy([pr], [true_mean], threshold=3.5))}
    for pr in (3.49, 3.51, 4.9)
]
print_table(rows)

# %% [markdown]
# **Trap 2: `>=` or `>`, and floating point.** CADB's own threshold is 2.6, and 2.6 is also CADB's
# median mean, so many images sit exactly on it (the table below counts them in the published scores
# and in this data). Whether "good" means `>= 2.6` or `> 2.6` moves all of them across the line.
# SAMP-Net's public evaluation code uses `> 2.6`; `aesthetics_lib.metrics` uses `>=` (Murray et al.'s
# convention for AVA) with a tiny tolerance, and `strict=True` (in `binarize` and `accuracy`) gives
# SAMP-Net's `>`. The tolerance matters because computing a mean as
# $\sum_k k\,p_k$ does not always give exactly 2.6. Below, the terms are added one by one in Python,
# which gives the same result on every computer. NumPy's `d @ bins` adds them in an order its code
# for the CPU chooses, so its result can differ between machines and settings: when this lesson was
# written, on an Intel Xeon, it gave the same number under the course's fixed CPU settings (the
# Makefile's) and exactly 2.6 without them (not computed here, so that this notebook prints the same
# text on every computer).

# %%
d = [0.0, 0.4, 0.6, 0.0, 0.0]  # votes [2, 2, 3, 3, 3]: mean 2.6
m = sum(k * p for k, p in zip(range(1, 6), d))  # sum_k k p_k, term by term
print("sum k * p_k =", repr(m), "· >= 2.6:", m >= 2.6, "· metrics.binarize:", bool(metrics.binarize([m], 2.6)[0]))
print_table(
    [
        {"data": name, "share exactly 2.6": np.isclose(means, CADB_THRESHOLD).mean(),
         "share 'good', mean >= 2.6": metrics.binarize(means, CADB_THRESHOLD).mean(),
         "share 'good', mean > 2.6": metrics.binarize(means, CADB_THRESHOLD, strict=True).mean()}
        for name, means in [("real CADB (all published scores)", y_real), ("this data, test split", y)]
    ]
)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text around: 2.6 is real CADB's median mean; 14 % of the means are exactly 2.6, and the
# majority is "good" with >= but "bad" with >.
assert round(np.isclose(y_real, CADB_THRESHOLD).mean(), 2) == 0.14
assert np.isclose(np.median(y_real), CADB_THRESHOLD), "2.6 is no longer CADB's median mean: update the text"
assert metrics.binarize(y_real, CADB_THRESHOLD).mean() > 0.5 > metrics.binarize(y_real, CADB_THRESHOLD, strict=True).mean()
assert m < 2.6 and metrics.binarize([m], 2.6)[0], "the text says the sum misses 2.6 and binarize's tolerance still counts it"

# %% [markdown]
# On real CADB 14 % of the images have a mean of exactly 2.6 (the table), and the convention decides
# which side of the line is the majority: with `>=` most real images are "good", with `>` most are
# "bad". Two papers that differ only in this convention report accuracies on different tasks. When
# you compare accuracies, check the comparison operator.
#
# **Trap 3: imbalance.** If most images are on one side, a classifier that always answers the
# majority class scores high without looking at a single pixel. On real AVA about 70% of the images
# have a mean above 5 (in a 25,551-image random sample; notebook 02), so "always good" gets about
# 70%. Here is the same trap on this data, then on real CADB's published scores under both
# conventions; the **balanced accuracy** (the mean of the recall on each class) gives any constant
# answer 0.5.

# %%
always_good, always_bad = np.full(len(y), 5.0), np.full(len(y), 1.0)
print_table(
    [
        {"classifier": "always 'good'", "accuracy": metrics.accuracy(always_good, y, CADB_THRESHOLD),
         "balanced accuracy": metrics.balanced_accuracy(always_good, y, CADB_THRESHOLD)},
        {"classifier": "always 'bad'", "accuracy": metrics.accuracy(always_bad, y, CADB_THRESHOLD),
         "balanced accuracy": metrics.balanced_accuracy(always_bad, y, CADB_THRESHOLD)},
        {"classifier": "noisy linear model (section 3)", "accuracy": metrics.accuracy(pred_linear, y, CADB_THRESHOLD),
         "balanced accuracy": metrics.balanced_accuracy(pred_linear, y, CADB_THRESHOLD)},
    ]
)
said_good_real = np.full(len(y_real), 5.0)
print("real CADB (all published scores): always 'good' scores",
      fmt(metrics.accuracy(said_good_real, y_real, CADB_THRESHOLD)), "with >= and",
      fmt(metrics.accuracy(said_good_real, y_real, CADB_THRESHOLD, strict=True)), "with >; always 'bad' scores",
      fmt(metrics.accuracy(np.full(len(y_real), 1.0), y_real, CADB_THRESHOLD, strict=True)), "with >")

# %% [markdown]
# Without a single pixel, "always good" is right on about 6 of 10 of this data's test images, and of
# all real CADB images with `>=`; with SAMP-Net's `>`, "always bad" is the constant that wins on real CADB (the line
# above). An accuracy means something only next to the majority share of its test set, under its
# convention.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: always-good is right on about 6 of 10 (0.55-0.65) here and on real CADB with >=;
# with > always-bad beats always-good on real CADB.
assert 0.55 <= metrics.accuracy(always_good, y, CADB_THRESHOLD) <= 0.65
assert 0.55 <= metrics.accuracy(said_good_real, y_real, CADB_THRESHOLD) <= 0.65
assert metrics.accuracy(said_good_real, y_real, CADB_THRESHOLD, strict=True) < 0.5, "always-bad no longer wins with >"

# %% [markdown]
# ## 5. The naive baseline: predict the training mean
# The simplest honest model ignores the image: it predicts the mean training distribution for every
# test image. Its scores are the floor every model in this course must clear.
#
# - its **MSE** is about the variance of the test means;
# - its **EMD** is what "knowing only the typical vote pattern" buys;
# - its **SRCC and LCC are undefined** (a constant has no order), and mean "no ranking at all";
# - its **accuracy** is the majority share, and its balanced accuracy 0.5.

# %%
train_dist = np.stack(train["dist"].to_numpy())
test_dist = np.stack(test["dist"].to_numpy())
naive = metrics.naive_baseline(train["mean"].to_numpy(), test_dist, CADB_THRESHOLD, train_dist=train_dist,
                               ci=True, n_boot=N_BOOT, seed=0)
print("training mean:", fmt(train["mean"].mean()), "· variance of the test means:", fmt(np.var(y)))
NAIVE_KEYS = ("mse", "emd1", "emd2", "srcc", "accuracy", "balanced_accuracy")
print_table([{"model": "predict the training mean", **{k: metrics.format_ci(naive, k) for k in NAIVE_KEYS}}])

# %% [markdown]
# Hold the reference table from the literature against a naive row. Quoted results on CADB's test
# split (MSE / EMD r=2 / SRCC / LCC for SAMP-Net and the models it was compared with, the numbers
# attributed to Zhang et al. 2021; we have not checked them against the paper here):
#
# | model | MSE | EMD | SRCC | LCC |
# |---|---|---|---|---|
# | ResNet-18 | 0.4534 | 0.1943 | 0.6025 | 0.6148 |
# | A-Lamp | 0.4230 | 0.1898 | 0.6270 | 0.6456 |
# | SAMP-Net (Zhang et al. 2021) | 0.3867 | 0.1798 | 0.6564 | 0.6709 |
#
# The naive baseline needs only scores, so it can be run on real CADB's published ones. They come
# without the official split, so the cell below draws a random split of the same sizes (950 test
# images, seed 0), predicts the training mean, and scores it with intervals from resampling the test
# images. Then it places each quoted MSE against the naive MSE's interval.

# %%
real_test_rows = np.sort(np.random.default_rng(0).permutation(len(real))[:len(test)])
real_train_rows = np.setdiff1d(np.arange(len(real)), real_test_rows)
real_dist = np.stack(real["dist"].to_numpy())
y_real_test = y_real[real_test_rows]
naive_real = metrics.naive_baseline(y_real[real_train_rows], real_dist[real_test_rows], CADB_THRESHOLD,
                                    train_dist=real_dist[real_train_rows], ci=True, n_boot=N_BOOT, seed=0)
print("real CADB: training mean", fmt(y_real[real_train_rows].mean()), "· variance of the test means", fmt(np.var(y_real_test)),
      "· variance of all 9,497 means", fmt(np.var(y_real)))
print_table([{"model": "predict the training mean (real CADB, random split)", **{k: metrics.format_ci(naive_real, k) for k in NAIVE_KEYS}}])
QUOTED_MSE = {"ResNet-18": 0.4534, "A-Lamp": 0.4230, "SAMP-Net": 0.3867}
mse_low, mse_high = naive_real["mse_ci"]
for model_name, quoted in QUOTED_MSE.items():
    where = "above" if quoted > mse_high else ("below" if quoted < mse_low else "inside")
    print(f"{model_name}: quoted MSE {quoted} lies {where} the 95 % interval of the naive MSE on real CADB")

# %% [markdown]
# On real CADB's scores the naive baseline's MSE is about the variance of the test means, and every
# quoted MSE lies *above* its interval (the lines above), while the same models clearly rank images
# (SRCC 0.6, against no ranking at all for the baseline). Our split is not the official one, so the
# comparison is a warning sign, not a verdict on those papers: a model can order images well and
# still be badly calibrated, or a table can compute its MSE differently, and an MSE column means
# little without its baseline. That is why every results table in this course prints the naive row.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: every quoted MSE lies above the naive interval on real CADB; the naive MSE is close
# to the variance of the test means.
assert mse_high < min(QUOTED_MSE.values()), "a quoted MSE is no longer above the naive interval: update the text"
assert abs(naive_real["mse"] - np.var(y_real_test)) < 0.01, "the naive MSE is no longer about the test variance"

# %% [markdown]
# ## 6. Rater bias: why ranking metrics suit subjective labels
# People use the scale differently: some are harsh, some generous. In the studio the same five raters
# score every image, so each column of `scores` is one person, and their average scores differ. The
# published CADB scores keep each image's five scores in a fixed order too; if each column is one
# person, as the gap printed below suggests, real CADB's column 1 is a harsh rater: about a third of a
# point below the other four, which lie within 0.1 of each other.

# %%
scores = np.stack(ann["scores"].to_numpy()).astype(float)  # [N, 5], one column per rater
real_scores = np.stack(real["scores"].to_numpy()).astype(float)  # the same for the published scores
print("each rater's mean score, this data:", fmt(scores.mean(0)))
print("each score column's mean, real CADB:", fmt(real_scores.mean(0)))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: real column 1 is about a third of a point below the others, which lie within 0.1.
_others = np.delete(real_scores.mean(0), 1)
assert 0.25 < _others.mean() - real_scores[:, 1].mean() < 0.45 and np.ptp(_others) < 0.1, "real CADB's column means changed"

# %% [markdown]
# Treat one rater as a "model" that predicts the consensus of the other four. Then make that rater
# harsher by exactly one point on every image. The order of their opinions has not changed at all,
# so SRCC and LCC stay put; MSE jumps, because MSE = (mean error)² + variance of the error, and the
# offset goes straight into the first term. (We shift without clipping to 1..5, to isolate the
# offset; a real rater cannot go below 1, which would merge a few ties.)

# %%
j = 0
others = np.delete(scores, j, axis=1).mean(1)  # the consensus of the other four raters
rows = []
for offset in (0.0, -0.5, -1.0):
    rater = scores[:, j] + offset
    err = rater - others
    rows.append({"rater 0 shifted by": offset, "MSE": metrics.mse(rater, others), "(mean error)^2": err.mean() ** 2,
                 "var(error)": err.var(), "SRCC": metrics.srcc(rater, others), "LCC": metrics.lcc(rater, others)})
print_table(rows)

# %%
offsets = np.linspace(-1.5, 1.5, 13)
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(offsets, [metrics.mse(scores[:, j] + o, others) for o in offsets], "o-", label="MSE vs the other raters")
ax.plot(offsets, [metrics.srcc(scores[:, j] + o, others) for o in offsets], "s-", label="SRCC vs the other raters")
ax.axvline(0, color="grey", lw=0.8)
ax.set(xlabel="offset added to rater 0's scores (negative = harsher)", ylabel="metric",
       title="a harsher rater: MSE grows, SRCC does not move")
ax.legend()
fig.tight_layout()
_ = save_figure(fig, "04_rater_bias")
plt.show()

# %% [markdown]
# The same holds for a model: a model that learnt from a harsher panel, or on another dataset's scale,
# is punished by MSE for an offset no one cares about, while SRCC judges what is actually stable
# across people: which photo is better than which. That is the case for ranking metrics, and for
# training with a ranking loss.
#
# Real raters differ in both ways at once. Each real CADB column scored against the mean of the other
# four:

# %%
print_table([{"real CADB column": c, "mean score": real_scores[:, c].mean(),
              "MSE vs the other four": metrics.mse(real_scores[:, c], np.delete(real_scores, c, axis=1).mean(1)),
              "SRCC vs the other four": metrics.srcc(real_scores[:, c], np.delete(real_scores, c, axis=1).mean(1))}
             for c in range(5)])

# %% [markdown]
# Columns 0, 3 and 4 have the lowest MSEs and the highest SRCCs: they agree with the consensus in level
# and in order. Column 2 has the largest MSE with a mean close to the others': its error is in the
# order (the lowest SRCC), not in an offset. Column 1 has both, an offset of a third of a point and a
# lower SRCC. How much of its MSE the offset alone explains is exercise 3.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: columns 0, 3, 4 have the lowest MSEs and highest SRCCs; column 2 the largest MSE and
# lowest SRCC with a small offset (under 0.15); column 1 an offset over 0.3.
_rest = [np.delete(real_scores, c, axis=1).mean(1) for c in range(5)]
_mse = np.array([metrics.mse(real_scores[:, c], _rest[c]) for c in range(5)])
_srcc = np.array([metrics.srcc(real_scores[:, c], _rest[c]) for c in range(5)])
_offset = np.array([abs((real_scores[:, c] - _rest[c]).mean()) for c in range(5)])
assert set(np.argsort(_mse)[:3]) == {0, 3, 4} and set(np.argsort(-_srcc)[:3]) == {0, 3, 4}
assert np.argmax(_mse) == 2 and np.argmin(_srcc) == 2 and _offset[2] < 0.15 and _offset[1] > 0.3, "the real columns changed"

# %% [markdown]
# ## 7. A pairwise ranking loss
# Kong et al. (2016, AADB) trained with a loss on *pairs*: for every pair of images in a batch whose
# raters' means differ, with $i$ the better one, the loss is
#
# $$\ell_{ij} = \max\big(0,\; m - (\hat\mu_i - \hat\mu_j)\big)$$
#
# zero once the prediction orders the pair correctly by at least the margin $m$; the batch loss is the
# mean over those pairs. A tiny example with three images and $m = 0.05$:

# %%
target_mean = np.array([3.2, 2.6, 2.0])
pred_mean = np.array([2.9, 3.0, 2.1])
margin = 0.05
pairs = [(i, k) for i in range(3) for k in range(3) if target_mean[i] > target_mean[k]]
rows = [{"pair (better, worse)": f"({i}, {k})", "pred gap": pred_mean[i] - pred_mean[k],
         "hinge": max(0.0, margin - (pred_mean[i] - pred_mean[k]))} for i, k in pairs]
print_table(rows)
by_hand = np.mean([r["hinge"] for r in rows])
pm = torch.tensor(pred_mean, requires_grad=True)
lib = losses.rank_hinge_loss(pm, torch.tensor(target_mean), margin=margin)
lib.backward()
print("mean over pairs, by hand:", fmt(by_hand), "· losses.rank_hinge_loss:", fmt(lib.item()))
print("gradient on each prediction:", fmt(pm.grad))

# %% [markdown]
# Only the mis-ordered pair (0, 1) contributes: gradient descent pushes image 0's prediction up and
# image 1's down, and leaves image 2 alone. Shift every prediction by the same amount and the loss
# does not change, just as SRCC does not; EMD and MSE do change. So the ranking loss cannot set the
# scale on its own: the course's ConvNeXt V2 model (notebook 09) trains with EMD + 0.2 × this loss +
# 0.1 × an attribute loss.

# %%
shifted = torch.tensor(pred_mean + 1.0)
print_table(
    [
        {"predictions": "as above", "rank hinge": losses.rank_hinge_loss(torch.tensor(pred_mean), torch.tensor(target_mean)).item(),
         "MSE": metrics.mse(pred_mean, target_mean)},
        {"predictions": "all + 1", "rank hinge": losses.rank_hinge_loss(shifted, torch.tensor(target_mean)).item(),
         "MSE": metrics.mse(pred_mean + 1.0, target_mean)},
    ]
)

# %% [markdown]
# ## 8. How sure is a number? Bootstrap confidence intervals
# A test set is a sample of images, so every metric computed on it is an estimate. The **percentile
# bootstrap** (Efron & Tibshirani 1993) resamples the test images with replacement many times,
# recomputes the metric on each resample, and reports the middle 95% of those values.
# `metrics.bootstrap_ci` does it (deterministic given its seed).
#
# As a stand-in for a model that needs no training, let the mean of the studio's raters 0 and 1
# "predict" the mean of raters 2, 3 and 4 (numbered from 0, as in section 6), and watch the interval narrow as the test set grows: its width falls roughly
# like $1/\sqrt{n}$, so halving it takes four times as many images.

# %%
small_panel = scores[:, :2].mean(1)
rest_panel = scores[:, 2:].mean(1)
order = np.random.default_rng(0).permutation(len(scores))
sizes = [n for n in (50, 100, 200, 400, 800, 1600, 3200) if n <= len(scores)]
rows = []
for n in sizes:
    idx = order[:n]
    lo, hi = metrics.bootstrap_ci(metrics.srcc, small_panel[idx], rest_panel[idx], n_boot=N_BOOT, seed=0)
    rows.append({"n images": n, "SRCC": metrics.srcc(small_panel[idx], rest_panel[idx]), "95% CI low": lo,
                 "95% CI high": hi, "width": hi - lo})
print_table(rows)

# %%
widths = np.array([r["width"] for r in rows])
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.loglog(sizes, widths, "o-", label="95% CI width of SRCC")
ax.loglog(sizes, widths[0] * np.sqrt(sizes[0] / np.array(sizes)), "--", color="grey", label=r"$\propto 1/\sqrt{n}$")
ax.set(xlabel="test images n", ylabel="interval width", title="the bootstrap interval shrinks like 1/√n")
ax.legend()
fig.tight_layout()
_ = save_figure(fig, "04_bootstrap_width")
plt.show()

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: the width falls roughly like 1/sqrt(n) (a log-log slope near -1/2).
_slope = np.polyfit(np.log(sizes), np.log(widths), 1)[0]
assert -0.6 < _slope < -0.4, f"the interval width no longer falls like 1/sqrt(n) (slope {_slope:.2f})"

# %% [markdown]
# CADB's test split has 950 images. Read published tables with this in mind (notebook 09's lists
# ResNet-18 at 0.6025 and RG-Net at 0.6026): at n = 950 each model's own interval is about 0.085 wide
# (0.0921 at n = 800 above, falling like $1/\sqrt{n}$), so two separate intervals cannot tell apart models whose SRCCs differ by 0.01 or
# less. To compare two models fairly, resample the *same* images for both and look at the interval of
# the *difference* (a paired bootstrap, `compare.paired_bootstrap`), which can be narrower;
# `metrics.evaluate_predictions(..., ci=True)` gives each model's own metrics their intervals.

# %% [markdown]
# ## Summary
# - **MSE** compares mean scores only; it is blind to the shape of the votes and punishes any offset.
# - **EMD** compares whole distributions through their CDFs, so moving mass one step costs less than
#   three; r=1 counts gaps linearly, r=2 weighs big gaps more. The NumPy formula, `metrics.emd` and
#   `losses.emd_loss` agree.
# - **SRCC** only asks for the right order and is unchanged by any increasing transform or offset;
#   **LCC** asks for a straight line. A monotone non-linear transform of a prediction has SRCC 1 and
#   LCC below 1 with it: its SRCC with the raters stays; in section 3's example its LCC fell.
# - **Accuracy** depends on an arbitrary line, on `>=` vs `>` at a grid value such as 2.6, on float
#   rounding, and on class balance; the constant that answers the majority class gets the majority
#   share. On real CADB 14 %
#   of the means sit exactly on 2.6, and the convention decides which side is the majority. Report
#   balanced accuracy and the naive baseline beside it.
# - The **naive baseline** (predict the training mean) sets the floor: MSE ≈ variance of the test
#   means, SRCC undefined. On real CADB's scores (a random split) its MSE interval lies below every
#   quoted MSE of the literature table.
# - A rater (or model) with an offset pays in MSE but not in SRCC; the **rank hinge loss** likewise
#   only cares about order, so it is added to EMD rather than used alone.
# - Every metric is an estimate: report a **bootstrap interval**; its width shrinks like $1/\sqrt{n}$.

# %% [markdown]
# ## Exercises
# Replace each `...` and run the cell: it prints "correct" or a hint.
#
# **Exercise 1 (EMD by hand).** Compute $\mathrm{EMD}_1$ between $a = (0.2, 0.6, 0.2, 0, 0)$ and
# $b = (0, 0.2, 0.6, 0.2, 0)$ on paper first: write both CDFs, the gaps, and average them. Then write
# it in NumPy without `metrics.emd` or `emd_numpy`, and check your paper answer.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = metrics.emd([0.2, 0.6, 0.2, 0, 0], [0, 0.2, 0.6, 0.2, 0], r=1)

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="write the two cumulative sums, take |gap| at each of the 5 positions, average over K=5.")

# %% tags=["solution"]
cdf_a, cdf_b = np.cumsum([0.2, 0.6, 0.2, 0, 0]), np.cumsum([0, 0.2, 0.6, 0.2, 0])  # 0.2 0.8 1 1 1 and 0 0.2 0.8 1 1
answer = np.abs(cdf_a - cdf_b).mean()  # (0.2 + 0.6 + 0.2 + 0 + 0) / 5 = 0.2
check(answer, expected, tol=1e-3, hint="write the two cumulative sums, take |gap| at each of the 5 positions, average over K=5.")

# %% [markdown]
# **Exercise 2 (rank loss by hand).** Three images have raters' means `[2.0, 3.0, 2.6]` and predicted
# means `[2.5, 2.62, 2.6]`. With margin 0.05, what is the rank hinge loss (the mean over the pairs whose
# raters' means differ)? Work it out without `losses.rank_hinge_loss`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = losses.rank_hinge_loss(torch.tensor([2.5, 2.62, 2.6]), torch.tensor([2.0, 3.0, 2.6]), margin=0.05).item()

# %%
answer = ...
check(answer, expected, tol=1e-3,
      hint="list the pairs as (better, worse) by the raters' means; each costs the margin minus the predicted gap, "
           "but never less than 0; average over the pairs.")

# %% tags=["solution"]
raters_2, predicted_2 = [2.0, 3.0, 2.6], [2.5, 2.62, 2.6]
hinges = [max(0.0, 0.05 - (predicted_2[i] - predicted_2[k])) for i in range(3) for k in range(3)
          if raters_2[i] > raters_2[k]]  # pairs (1, 0), (1, 2), (2, 0): 0, 0.03, 0
answer = sum(hinges) / len(hinges)
check(answer, expected, tol=1e-3,
      hint="list the pairs as (better, worse) by the raters' means; each costs the margin minus the predicted gap, "
           "but never less than 0; average over the pairs.")

# %% [markdown]
# **Exercise 3 (a harsh rater in the real data, code).** Real CADB's column 1 scores lower than the
# other four (section 6). Remove its offset: shift every score of column 1 by the same amount, chosen
# so that its mean error against the mean of the other four columns is 0. Give `(MSE, SRCC)` of the
# shifted column against that consensus, as a tuple. Compare with column 1's row in section 6's
# table: which of the two numbers did the offset cost?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_consensus = np.delete(real_scores, 1, axis=1).mean(1)
_error = real_scores[:, 1] - _consensus
expected = (float(_error.var()), metrics.srcc(real_scores[:, 1], _consensus))

# %%
answer = ...
check(answer, expected, tol=1e-3,
      hint="the consensus is the mean of columns 0, 2, 3 and 4; the shift that zeroes the mean error is the mean "
           "difference between the consensus and column 1; after it, MSE = (mean error)^2 + var(error) keeps only "
           "one term, and a shift never changes an order.")

# %% tags=["solution"]
consensus_3 = np.delete(real_scores, 1, axis=1).mean(axis=1)
shifted_3 = real_scores[:, 1] + (consensus_3 - real_scores[:, 1]).mean()
answer = (metrics.mse(shifted_3, consensus_3), metrics.srcc(shifted_3, consensus_3))
check(answer, expected, tol=1e-3,
      hint="the consensus is the mean of columns 0, 2, 3 and 4; the shift that zeroes the mean error is the mean "
           "difference between the consensus and column 1; after it, MSE = (mean error)^2 + var(error) keeps only "
           "one term, and a shift never changes an order.")

# %% [markdown]
# **Exercise 4 (predict, run, check: which constant? real CADB).** The naive baseline of section 5
# predicts the training mean for every real test image. CADB's median mean score is 2.6, a round and
# popular choice. *Before you run anything*, predict: if the constant prediction were 2.6 instead of
# the training mean, would the baseline's MSE on real CADB's test images go up, down or stay the same?
# Write your prediction, then set `NEW_CONSTANT = 2.6` and run the cell. Then predict what happens to
# its accuracy at 2.6 (with `>=`), and check that too by changing the metric.

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_CONSTANT = ...  # then set it to 2.6 and run this cell

training_mean = y_real[real_train_rows].mean()
before = metrics.mse(np.full(len(y_real_test), training_mean), y_real_test)
after = None if NEW_CONSTANT is ... else metrics.mse(np.full(len(y_real_test), NEW_CONSTANT), y_real_test)
check_prediction(prediction, before, after, what="MSE of a constant prediction on real CADB's test images")

# %% tags=["solution"]
prediction = "up"
NEW_CONSTANT = 2.6
after = metrics.mse(np.full(len(y_real_test), NEW_CONSTANT), y_real_test)
check_prediction(prediction, before, after, what="MSE of a constant prediction on real CADB's test images")

# %% [markdown]
# **Exercise 5 (predict, run, check: where the line is drawn).** The "always good" classifier of
# trap 3 gets its accuracy from the threshold alone. *Before you run anything*, predict: if the
# threshold moves from 2.6 up to 3.0, does that classifier's accuracy go up, down or stay the same?
# Write your prediction, then set `NEW_THRESHOLD = 3.0` and run the cell: `check_prediction` prints
# what was measured and grades your prediction. Then do the same for its *balanced* accuracy
# (`metrics.balanced_accuracy`): predict first, then change the metric in the cell and run it again.

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_THRESHOLD = ...  # then set it to 3.0 and run this cell

said_good = np.full(len(y), 5.0)  # a classifier that calls every photo "good"
before = metrics.accuracy(said_good, y, CADB_THRESHOLD)
after = None if NEW_THRESHOLD is ... else metrics.accuracy(said_good, y, NEW_THRESHOLD)
check_prediction(prediction, before, after, what="accuracy of always 'good'")

# %% tags=["solution"]
prediction = "down"
NEW_THRESHOLD = 3.0
after = metrics.accuracy(said_good, y, NEW_THRESHOLD)
check_prediction(prediction, before, after, what="accuracy of always 'good'")

# %% [markdown]
# ## Going further
# - Talebi & Milanfar (2018), *NIMA: Neural Image Assessment*, IEEE TIP: predicting the vote
#   distribution with a softmax trained by EMD (r=2); reports SRCC and LCC on AVA. Notebook 07 builds it.
# - Hou, Yu & Samaras (2016), *Squared Earth Mover's Distance-based Loss for Training Deep Neural
#   Networks*: why r=2 trains better on ordered classes.
# - Murray, Marchesotti & Perronnin (2012), *AVA: A large-scale database for aesthetic visual
#   analysis*, CVPR: the 5.0 threshold and the binary task that accuracy comes from.
# - Kong, Shen, Lin, Mech & Fowlkes (2016), *Photo Aesthetics Ranking Network with Attributes and
#   Content Adaptation*, ECCV: AADB, and the pairwise ranking loss of section 7.
# - Zhang, Niu & Zhang (2021), *Image Composition Assessment with Saliency-augmented Multi-pattern
#   Pooling*, BMVC: CADB, weighted EMD, and the MSE / EMD / SRCC / LCC / accuracy protocol.
# - Efron & Tibshirani (1993), *An Introduction to the Bootstrap*: percentile intervals, and the
#   paired bootstrap for comparing two models on one test set.
# - Try: a paired bootstrap of the SRCC difference between two predictors on the same images, e.g.
#   `pred_linear` and `np.round(pred_linear)` against `y`: pass `np.stack([a, b], 1)` as the prediction
#   to `metrics.bootstrap_ci` with a function that returns `srcc(P[:, 0], T) - srcc(P[:, 1], T)`.
