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
# # 03 · Exploring CADB: five raters judge the composition
#
# CADB, the Image Composition Assessment DataBase (Zhang, Niu & Zhang, BMVC 2021), asks a narrower
# question than AVA: not "is this a good photo?" but "is it well **composed**?". Its 9,497 images come
# from AADB (Kong et al., ECCV 2016); five raters scored the composition of each on a 1-5 scale, and
# every image keeps AADB's 11 attributes (rule of thirds, symmetry, depth of field, ...), a scene
# category and, in the composition-element file, the lines and boxes that carry the composition.
# Five votes are few: a mean of five integers is coarse and noisy, and this notebook shows what that
# means before notebook 08 trains SAMP-Net, the paper's model, on it.
#
# Offline, the notebook explores the course's **synthetic studio** in CADB's exact layout. Beside it
# runs the part of the real CADB that needs no download: the dataset's authors published the five
# composition scores, the scene category and the composition elements of every image in the
# dataset's repository under the MIT licence, and the course ships those three files unchanged
# (`data/cadb_labels/`, with their provenance). There are no images, attributes or split among them,
# so every analysis that needs only those labels runs on both, and you see where the studio matches
# the real dataset and where it does not. With the full CADB, start Jupyter with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset` and the same cells explore it.
#
# **Learning goals**
# - know CADB's files and keys (including the misspelt `BalacingElements`, kept as the data spells it);
# - describe five-rater scores: the rating counts, the coarse grid of mean scores, and how much five
#   raters agree;
# - read the 11 AADB attributes in [-1, 1], how they correlate with each other and with the score;
# - see content bias in the scene categories: different base rates per scene;
# - draw composition elements over images, and find the polarising images whose mean hides two camps;
# - tell what the studio reproduces of the real CADB labels (vote marginals and, nearly, reliability)
#   and what it does not (scene mix, content bias, element mix, the shape of disagreement).

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, check_prediction, print_table

setup_notebook()

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from aesthetics_lib import metrics
from aesthetics_lib.compare import reliability_ceiling
from aesthetics_lib.data import registry
from aesthetics_lib.data.cadb import read_cadb_annotations
from aesthetics_lib.data.cadb_labels import cadb_labels_dir, read_cadb_labels
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.schema import ATTRIBUTES, CADB_THRESHOLD, ELEMENT_CLASSES, SAMPNET_ATTRIBUTES, SCENES
from aesthetics_lib.viz import draw_elements, draw_thirds, plot_distribution, save_figure

# %% [markdown]
# ## Configuration
# `default_data("cadb")` returns the CADB entry of `AESTHETICS_DATA` if there is one
# (`AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`), and otherwise the studio in CADB's layout (as many
# images as the real CADB, the count printed in section 1; rendered once on first use and cached under
# `data/cache/studio/`). `read_cadb_labels` reads the published labels after checking their
# checksums, one row per real image. Nothing here trains.

# %%
SPEC = registry.default_data("cadb")
ROOT = SPEC.root
STUDIO = SPEC.studio
print("data set:", SPEC.name, "(the offline stand-in for CADB)" if STUDIO else "")
print("files:", sorted(p.name for p in ROOT.iterdir()))
real = read_cadb_labels()  # the published labels: 5 scores, scene and elements of each real image
print("real CADB labels:", len(real), "images ·", real.attrs["source"])

# %% [markdown]
# ## 1. The layout
# ```
# CADB_Dataset/
#     images/<id>.jpg
#     composition_scores.json      {"10003.jpg": {"scores": [5 ratings], "dist": [5 shares], "mean": ...}}
#     composition_attributes.json  {"10003.jpg": {11 AADB attributes in [-1, 1], "score": AADB's score in [0, 1]}}
#     scene_categories.json        {"10003.jpg": "static"}
#     composition_elements.json    {"10003.jpg": {"rule_of_thirds": [[x1, y1, x2, y2]], ...}}
#     split.json                   {"train": [...], "test": [...]}    (8,547 / 950 in the real CADB)
#     emdloss_weight.json          {"10003.jpg": weight}              (optional: SAMP-Net's weighted EMD)
# ```
# Every file is a JSON object keyed by the image's file name. Here is one image's entry in each file
# of this data set, then a real image's entry in each of the three published files:

# %%
first = json.loads((ROOT / "split.json").read_text())["train"][0]
for name in ["composition_scores.json", "composition_attributes.json", "scene_categories.json",
             "composition_elements.json", "emdloss_weight.json"]:
    path = ROOT / name
    if path.is_file():
        print(f"{name}[{first!r}] =", json.dumps(json.loads(path.read_text())[first]))
split = json.loads((ROOT / "split.json").read_text())
print("split.json:", {k: len(v) for k, v in split.items()}, "  real CADB: {'train': 8547, 'test': 950}")
print()
for name in ["composition_scores.json", "scene_categories.json", "composition_elements.json"]:  # the published files
    print(f"real {name}['10003.jpg'] =", json.dumps(json.loads((cadb_labels_dir() / name).read_text())["10003.jpg"]))

# %% [markdown]
# Note the attribute key `BalacingElements`: the real files misspell "Balancing", and the library keeps
# the spelling so that what it writes and reads round-trips with the original files (search for
# `BalancingElements` in CADB's files and you find nothing). The library's reader validates every entry
# (5 ratings from 1 to 5, attributes in [-1, 1], known scenes, well-formed elements) and returns one
# row per image:

# %%
cadb = read_cadb_annotations(ROOT, read_sizes=True)
print(len(cadb), "images; attributes in the order the library uses:", list(ATTRIBUTES))
cadb[["image_id", "scores", "mean", "std", "split", "scene", "aadb_score", "weight"]].head(5).round(3)

# %% [markdown]
# ## 2. Five raters, scores 1 to 5
# Each image has exactly five integer ratings, so its mean lives on a grid of steps of 0.2 (1.0, 1.2,
# ..., 5.0). The raters rarely use the extremes: in the real CADB 2 and 3 are given about 40 % of the
# time each, and 5 under 2 % (the table, measured from the published composition scores: 47,485
# ratings). The studio's raters were calibrated on that histogram.

# %%
ratings = np.concatenate(cadb["scores"].to_numpy()).astype(int)
real_ratings = np.concatenate(real["scores"].to_numpy()).astype(int)
mine, theirs = np.bincount(ratings, minlength=6)[1:], np.bincount(real_ratings, minlength=6)[1:]
print_table([{"score": k, "real CADB: count": int(theirs[k - 1]), "real: share": theirs[k - 1] / len(real_ratings),
              "this data set: count": int(mine[k - 1]), "this data set: share": mine[k - 1] / len(ratings)}
             for k in range(1, 6)])

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: in real CADB 2 and 3 are each given about 40 % of the time, 5 under 2 %.
_share = theirs / theirs.sum()
assert 0.35 <= _share[1] <= 0.45 and 0.35 <= _share[2] <= 0.45 and _share[4] < 0.02, "the real rating shares changed"

# %%
means, sds = cadb["mean"].to_numpy(), cadb["std"].to_numpy()
real_means, real_sds = real["mean"].to_numpy(), real["std"].to_numpy()
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
axes[0].bar(np.arange(1, 6), mine / mine.sum(), color="tab:orange", label="this data set")
axes[0].plot(np.arange(1, 6), theirs / theirs.sum(), "ko--", label="real CADB")
axes[0].set(xlabel="rating", ylabel="share of ratings", title="all ratings", xticks=range(1, 6))
axes[0].legend(frameon=False)
grid = np.round(np.arange(1, 5.01, 0.2), 1)
axes[1].bar(grid, [(np.round(means, 1) == g).mean() for g in grid], width=0.15, color="tab:blue", label="this data set")
axes[1].plot(grid, [(np.round(real_means, 1) == g).mean() for g in grid], "ko--", markersize=3, label="real CADB")
axes[1].axvline(CADB_THRESHOLD, color="k", linestyle=":", label="threshold 2.6")
axes[1].set(xlabel="mean of the 5 ratings", ylabel="share of images", title="mean scores (steps of 0.2)")
axes[1].legend(frameon=False, fontsize=8)
sd_values = np.unique(np.round(np.concatenate([sds, real_sds]), 3))  # the few SDs that 5 votes can have
axes[2].bar(sd_values, [(np.round(sds, 3) == v).mean() for v in sd_values], width=0.04, color="tab:purple", label="this data set")
axes[2].plot(sd_values, [(np.round(real_sds, 3) == v).mean() for v in sd_values], "ko--", markersize=3, label="real CADB")
axes[2].set(xlabel="SD of the 5 ratings", ylabel="share of images", title="disagreement")
axes[2].legend(frameon=False, fontsize=8)
fig.tight_layout()
_ = save_figure(fig, "03_scores")
plt.show()


def vote_summary(m, sd):
    """The statistics of the image means and SDs that the table below compares."""
    return {"mean of the means": m.mean(), "SD of the means": m.std(), "median of the means": float(np.median(m)),
            "share of images > 2.6": metrics.binarize(m, CADB_THRESHOLD, strict=True).mean(),
            "share of images exactly 2.6": np.isclose(m, CADB_THRESHOLD).mean(),
            "share of images >= 2.6": metrics.binarize(m, CADB_THRESHOLD).mean(),
            "share where all 5 agree": (sd == 0).mean(), "mean SD of the votes": sd.mean()}


real_summary, this_summary = vote_summary(real_means, real_sds), vote_summary(means, sds)
print_table([{"statistic": k, "real CADB": real_summary[k], "this data set": this_summary[k]} for k in real_summary])

# %% [markdown]
# The studio reproduces these marginals (the table): the real and studio values differ by at most
# 0.02 on every row but one, and the first two panels nearly overlap. The exception is the share of
# images at or above 2.6, which adds up two smaller gaps: real CADB has a few more images above 2.6
# and a few more exactly on it. That matters for accuracy at CADB's threshold (notebook 04). The third
# panel shows what the calibration did not target: the *shape* of disagreement, taken up in section 6.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: every row but ">= 2.6" agrees within 0.02; that one is higher in real CADB, as are
# the two rows it adds up.
if STUDIO:
    assert all(abs(real_summary[k] - this_summary[k]) <= 0.02 for k in real_summary if k != "share of images >= 2.6"), (
        "a vote marginal of this data differs from real CADB by more than 0.02: update the text")
    assert all(real_summary[k] > this_summary[k] for k in ("share of images >= 2.6", "share of images > 2.6",
                                                          "share of images exactly 2.6")), "the 2.6 shares changed"
    assert real_summary["share of images >= 2.6"] - this_summary["share of images >= 2.6"] > 0.02

# %% [markdown]
# How reliable is a mean of five? Split the five raters of each image into two groups (2 and 3) at
# random and correlate the two groups' means across images; the Spearman-Brown formula estimates the
# agreement of two full panels of five, the **reliability**. Compare with AVA's ~200 votes per image
# in notebook 02: with five votes the labels themselves are noisy. The cap on a model's SRCC against
# these labels is the square root of the reliability (what a model that predicted the raters'
# consensus exactly would reach, notebook 00), not the reliability itself. The library averages 20
# random splits; the 95 % intervals below come from resampling the images of one split (notebook 00
# does the same), for this data set and for the real labels.

# %%
counts = np.array(cadb["counts"].tolist())
rel = metrics.split_half_reliability(counts, n_splits=20, seed=0)
print_table([{k: v for k, v in rel.items() if k != "n_images"}])


def reliability_with_ci(frame, seed=0):
    """(split-half SRCC, reliability at 5, noise ceiling), each as (estimate, 95 % CI low, high)."""
    half = metrics.split_half_reliability(np.array(frame["counts"].tolist()), n_splits=20, seed=seed)["srcc_half"]
    scores = np.stack(frame["scores"].to_numpy()).astype(float)
    split = np.take_along_axis(scores, np.argsort(np.random.default_rng(seed).random(scores.shape), axis=1), axis=1)
    low, high = metrics.bootstrap_ci(metrics.srcc, split[:, :2].mean(1), split[:, 2:].mean(1), n_boot=1000, seed=seed)
    full = [2 * r / (1 + r) for r in (half, low, high)]  # Spearman-Brown, from half the panel to five
    return (half, low, high), tuple(full), tuple(reliability_ceiling(r) for r in full)


real_rel, this_rel = reliability_with_ci(real), reliability_with_ci(cadb)
with_ci = lambda v: f"{fmt(v[0])} [{fmt(v[1])}, {fmt(v[2])}]"
print_table([{"estimate [95 % CI]": name, "real CADB": with_ci(real_rel[i]), "this data set": with_ci(this_rel[i])}
             for i, name in enumerate(["split-half SRCC (2 vs 3)", "reliability at 5 raters",
                                       "noise ceiling sqrt(reliability)"])])
separated = this_rel[2][1] > real_rel[2][2] or this_rel[2][2] < real_rel[2][1]
print("noise ceiling: this data set minus real CADB =", fmt(this_rel[2][0] - real_rel[2][0], 2),
      "(the intervals do not overlap)" if separated else "(the intervals overlap)")

# %% [markdown]
# Five raters agree only moderately on either data set (the table): a split-half SRCC between 0.6 and
# 0.7, a reliability between 0.75 and 0.8, and so a ceiling between 0.87 and 0.9 for any model's SRCC
# against the vote means. The studio's raters agree slightly more than CADB's: its ceiling is higher
# by the difference under the table, a small gap, but one the two intervals separate.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: split-half SRCCs in [0.6, 0.7], reliabilities in [0.75, 0.8], ceilings in [0.87, 0.9];
# the studio's ceiling is above real CADB's, outside the intervals, by less than 0.03.
assert all(0.6 <= r[0][0] <= 0.7 and 0.75 <= r[1][0] <= 0.8 and 0.87 <= r[2][0] <= 0.9 for r in (real_rel, this_rel)), (
    "the reliabilities moved out of the ranges the text gives")
assert not STUDIO or (separated and 0 < this_rel[2][0] - real_rel[2][0] < 0.03), "the studio's ceiling vs CADB's changed"

# %% [markdown]
# ## 3. The 11 AADB attributes
# CADB inherits AADB's attribute labels (Kong et al. 2016): 11 values in [-1, 1] in steps of 0.2, where
# positive means the attribute helps the photo ("good depth of field"), negative that it hurts, and 0
# that it is neutral or does not apply. Three (MotionBlur, Repetition, Symmetry) are 0 on most
# images, and every one is 0 on some (an image without repeated elements has `Repetition` 0), which is why SAMP-Net's attribute loss ignores zero targets. AADB's
# own overall aesthetics score (`score`, in [0, 1]; `aadb_score` here) is a different label from the
# composition mean. The attributes are not among the published label files (they come only inside the
# dataset's zip), so this section runs on this data set alone.

# %%
attr = cadb[list(ATTRIBUTES)]
summary = pd.DataFrame({"share zero": (attr == 0).mean(), "mean": attr.mean(), "SD": attr.std(),
                        "SRCC with composition mean": [metrics.srcc(attr[a], means) for a in ATTRIBUTES]})
summary["used by SAMP-Net"] = [a in SAMPNET_ATTRIBUTES for a in ATTRIBUTES]
summary.round(3)

# %%
steps = np.round(np.arange(-1, 1.01, 0.2), 1)
fig, axes = plt.subplots(2, 6, figsize=(15, 4.6), sharex=True)
for ax, a in zip(axes.flat, ATTRIBUTES):
    share = [(np.round(attr[a], 1) == s).mean() for s in steps]
    ax.bar(steps, share, width=0.16, color=["tab:gray" if s == 0 else "tab:blue" for s in steps])
    ax.set_title(a, fontsize=9)
    ax.tick_params(labelsize=7)
axes.flat[-1].set_axis_off()
fig.suptitle("attribute values (grey: 0, neutral or not applicable)", fontsize=10)
fig.tight_layout()
plt.show()

# %%
corr = cadb[list(ATTRIBUTES) + ["aadb_score", "mean"]].rename(columns={"mean": "composition mean"}).corr(method="spearman")
fig, ax = plt.subplots(figsize=(8.5, 7))
sns.heatmap(corr, vmin=-1, vmax=1, cmap="RdBu_r", annot=True, fmt=".2f", annot_kws={"fontsize": 7},
            square=True, cbar_kws={"shrink": 0.7}, ax=ax)
ax.set_title("Spearman correlations: attributes, AADB score, composition mean")
_ = save_figure(fig, "03_attribute_correlations")
plt.show()
attr_pairs = pd.Series({(a, b): corr.loc[a, b] for i, a in enumerate(ATTRIBUTES) for b in ATTRIBUTES[i + 1:]})
attr_pairs = attr_pairs.reindex(attr_pairs.abs().sort_values(ascending=False).index)  # each pair of attributes once
print_table([{"attribute pair": f"{a} & {b}", "SRCC": v} for (a, b), v in attr_pairs.head(3).items()])
print("pairs of attributes with |SRCC| >= 0.1:", int((attr_pairs.abs() >= 0.1).sum()), "of", len(attr_pairs))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text below: on the studio, 2 of 55 pairs reach |SRCC| 0.1 (DoF & Object, BalacingElements &
# RuleOfThirds) and none reaches 0.3.
if STUDIO:
    _strong = set(attr_pairs[attr_pairs.abs() >= 0.1].index)
    assert _strong == {("DoF", "Object"), ("BalacingElements", "RuleOfThirds")}, f"the strong pairs changed: {_strong}"
    assert attr_pairs.abs().max() < 0.3, "an attribute pair reaches |SRCC| 0.3: update the text"

# %% [markdown]
# Read the last row: which attributes go with a well-composed image? Between the attributes
# themselves the map is nearly blank: only 2 of the 55 pairs reach |SRCC| 0.1 (the line under the
# table), `DoF` & `Object` and `BalacingElements` & `RuleOfThirds`, and neither reaches 0.3, so there
# are no blocks of attributes that travel together. Correlations over all images mix "0 = does not
# apply" with real judgements; restricted to the images where an attribute is non-zero, the picture
# can change:

# %%
rows = []
for a in ATTRIBUTES:
    known = attr[a] != 0
    rows.append({"attribute": a, "images non-zero": int(known.sum()),
                 "SRCC (all)": metrics.srcc(attr[a], means),
                 "SRCC (non-zero only)": metrics.srcc(attr.loc[known, a], means[known.to_numpy()])})
print_table(sorted(rows, key=lambda r: -abs(r["SRCC (non-zero only)"])))

# %% [markdown]
# ## 4. Scene categories and content bias
# Every image has one of 10 scene categories. Their base rates differ: some kinds of scenes are simply
# rated better than others, whatever their composition. A model can learn "landscapes score high"
# instead of composition, and a test set with a different mix of scenes then changes its numbers.
# Scenes and scores are both in the published labels, so the real mix and the real base rates sit
# beside this data set's (each mean with a 95 % interval, mean ± 1.96 standard errors).

# %%
def scene_stats(frame):
    """Per scene: share of the images, mean composition score and its 95 % interval (mean +- 1.96 SE)."""
    g = frame.groupby("scene")["mean"]
    half_width = 1.96 * g.std() / np.sqrt(g.size())
    return pd.DataFrame({"share": g.size() / len(frame), "mean": g.mean(), "low": g.mean() - half_width,
                         "high": g.mean() + half_width}).reindex(SCENES)


real_scenes, this_scenes = scene_stats(real), scene_stats(cadb)
scene_order = list(real_scenes.sort_values("share", ascending=False, kind="stable").index)
mean_ci = lambda t, sc: f"{fmt(t.loc[sc, 'mean'])} [{fmt(t.loc[sc, 'low'])}, {fmt(t.loc[sc, 'high'])}]"
print_table([{"scene": sc, "real: share": real_scenes.loc[sc, "share"], "this data: share": this_scenes.loc[sc, "share"],
              "real: mean score [95 % CI]": mean_ci(real_scenes, sc), "this data: mean score [95 % CI]": mean_ci(this_scenes, sc)}
             for sc in scene_order])
tv_scenes = 0.5 * (real_scenes["share"] - this_scenes["share"]).abs().sum()
scene_means_srcc = metrics.srcc(real_scenes["mean"], this_scenes["mean"])
print("total-variation distance between the two scene mixes:", fmt(tv_scenes, 2), "(0: the same mix, 1: no overlap)")
print("range of the scene means: real", fmt(real_scenes["mean"].min()), "-", fmt(real_scenes["mean"].max()),
      "· this data", fmt(this_scenes["mean"].min()), "-", fmt(this_scenes["mean"].max()),
      "· SRCC between the two orders of scenes:", fmt(scene_means_srcc, 2))

fig, axes = plt.subplots(1, 2, figsize=(13, 3.6))
x = np.arange(len(scene_order))
for k, (t, name, colour) in enumerate([(real_scenes, "real CADB", "k"), (this_scenes, "this data set", "tab:blue")]):
    t = t.loc[scene_order]
    axes[0].bar(x + (k - 0.5) * 0.4, t["share"], width=0.4, color=colour, alpha=0.8 if k else 0.6, label=name)
    axes[1].errorbar(x + (k - 0.5) * 0.2, t["mean"], yerr=[t["mean"] - t["low"], t["high"] - t["mean"]], fmt="o",
                     color=colour, capsize=3, label=name)
axes[0].set(ylabel="share of images", title="scene mix")
axes[1].axhline(real_means.mean(), color="grey", linestyle="--", linewidth=1, label="real CADB, all images")
axes[1].set(ylabel="mean composition score", title="base rate per scene (95 % CI)")
for ax in axes:
    ax.set_xticks(x, scene_order, rotation=35, fontsize=8)
    ax.legend(frameon=False, fontsize=8)
fig.tight_layout()
_ = save_figure(fig, "03_scenes")
plt.show()

# %% [markdown]
# Here the studio is not CADB (the table and the figure). Real CADB is dominated by one scene,
# `human`; the studio spreads its images over the ten scenes, and the distance between the two mixes
# is large (the first line under the table). The base rates differ too: the real scene means spread
# over a wider range than the studio's, and the two orders of scenes agree only partly (the second
# line). A finding about scenes on the studio is a finding about how the studio was built; the
# published labels are the place to study CADB's scenes.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: real CADB is dominated by human (over 40 %), the studio has no scene above 20 %; the
# mixes are far apart; the real scene means span a wider range; the two orders agree only partly.
if STUDIO:
    assert real_scenes["share"].idxmax() == "human" and round(real_scenes["share"].max(), 2) == 0.45, "real CADB's scene mix changed"
    assert this_scenes["share"].max() < 0.2 and tv_scenes > 0.25, "the studio's scene mix changed: update the text"
    assert np.ptp(real_scenes["mean"]) > 1.5 * np.ptp(this_scenes["mean"]) and scene_means_srcc < 0.9, "the scene means changed"

# %% [markdown]
# A predictor that knows only the scene (the average training score of the image's scene) uses no
# pixels at all; whatever it ranks right is content bias, the floor a composition model must rise
# above. The bootstrap interval (resampling the test images) says whether a test split can tell its
# SRCC from 0. On this data set the test split is `split.json`'s; the published labels come without
# the official split, so on real CADB the predictor is trained and tested on a random split of the
# same sizes (seed 0).

# %%
train, test = cadb[cadb["split"] == "train"], cadb[cadb["split"] == "test"]
real_test = real.iloc[np.sort(np.random.default_rng(0).permutation(len(real))[:len(test)])]
real_train = real.drop(real_test.index)


def scene_only(train_frame, test_frame):
    """Each test image's prediction: the mean training score of its scene."""
    return test_frame["scene"].map(train_frame.groupby("scene")["mean"].mean()).to_numpy()


scene_pred, real_scene_pred = scene_only(train, test), scene_only(real_train, real_test)
scene_rows = {}
for name, pred, y in [("this data set (split.json)", scene_pred, test["mean"].to_numpy()),
                      ("real CADB (random split)", real_scene_pred, real_test["mean"].to_numpy())]:
    lo, hi = metrics.bootstrap_ci(metrics.srcc, pred, y, n_boot=1000, seed=0)
    scene_rows[name] = (metrics.srcc(pred, y), lo, hi)
    print(f"scene-only predictor, {name}: SRCC {fmt(scene_rows[name][0])} [95 % CI {fmt(lo)}, {fmt(hi)}];",
          "the interval includes 0" if lo <= 0 <= hi else "the interval excludes 0: the scene alone ranks the test images above chance")
(s_est, s_lo, s_hi), (r_est, r_lo, r_hi) = scene_rows.values()
print("real CADB minus this data set:", fmt(r_est - s_est, 2),
      "(the intervals do not overlap)" if r_lo > s_hi or r_hi < s_lo else "(the intervals overlap)")

# %% [markdown]
# On both data sets the scene alone ranks test images above chance (both intervals exclude 0), but
# real CADB's content bias is the stronger: the real scene-only SRCC is higher, with intervals that do
# not overlap (the lines above). A composition model trained on real CADB can pick up that much
# ranking from content alone, without learning composition; on the studio the same shortcut is worth
# less.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: both intervals exclude 0; real CADB's is higher and the intervals do not overlap.
assert s_lo > 0 and r_lo > 0, "a scene-only interval now includes 0: update the text and the summary"
assert not STUDIO or r_lo > s_hi, "the real and studio scene-only SRCCs are no longer separated: update the text"

# %% [markdown]
# SAMP-Net (notebook 08) also re-weights its EMD loss per image with `emdloss_weight.json`. In the
# studio the weight grows as the image's rounded mean score gets rarer in the training split, so the
# few very bad and very good images count more than the crowd in the middle:

# %%
print_table([{"rounded mean score": int(k), "images": int(len(g)), "average weight": g["weight"].mean()}
             for k, g in cadb.groupby(np.clip(np.rint(cadb["mean"]), 1, 5))])

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: the images with rounded means 1 and 5 weigh more than those with 2 and 3.
_w = cadb.groupby(np.clip(np.rint(cadb["mean"]), 1, 5))["weight"].mean()
assert min(_w[1.0], _w[5.0]) > max(_w[2.0], _w[3.0]), "the EMD weights no longer favour the rare scores: update the text"

# %% [markdown]
# ## 5. Composition elements
# `composition_elements.json` marks *where* the composition lives: boxes around the subject when it
# sits on a thirds point, in the centre or on a golden-ratio point; line segments for horizontal,
# vertical, diagonal, symmetric, radial and vanishing-point lines; three corners for a triangle; a
# polyline for a curve; and empty lists for `pattern`, `fill_the_frame` and `none`. How often each
# class occurs, and the mean score of the images that have it:

# %%
has = pd.DataFrame([{c: True for c in e} for e in cadb["elements"]], index=cadb.index).fillna(False).astype(bool)
element_table = pd.DataFrame({"images": has.sum(), "mean score": [means[has[c].to_numpy()].mean() for c in has.columns]})
element_table.sort_values("images", ascending=False, kind="stable").round(3)  # ties in class order, on every CPU

# %% [markdown]
# The composition elements are in the published labels too. The share of real images that show each
# class, beside this data set's:

# %%
real_has = pd.DataFrame([{c: True for c in e} for e in real["elements"]], index=real.index).fillna(False).astype(bool)
element_mix = pd.DataFrame({"real CADB": real_has.mean(), "this data set": has.mean()}).reindex(ELEMENT_CLASSES).fillna(0.0)
element_mix = element_mix.sort_values("real CADB", ascending=False, kind="stable")
print_table([{"class": c, "real: share of images": r["real CADB"], "this data: share of images": r["this data set"]}
             for c, r in element_mix.iterrows()])
tv_elements = 0.5 * (element_mix / element_mix.sum()).diff(axis=1).iloc[:, 1].abs().sum()
never = [c for c, r in element_mix.iterrows() if r["real CADB"] > 0 and r["this data set"] == 0]
print("classes per image: real", fmt(real_has.sum(axis=1).mean()), "· this data", fmt(has.sum(axis=1).mean()),
      "· total-variation distance of the class shares:", fmt(tv_elements, 2))
print("classes real CADB marks that this data set never marks:", ", ".join(never) or "none")

fig, ax = plt.subplots(figsize=(8, 4.2))
y_pos = np.arange(len(element_mix))
ax.barh(y_pos - 0.2, element_mix["real CADB"], height=0.4, color="k", alpha=0.6, label="real CADB")
ax.barh(y_pos + 0.2, element_mix["this data set"], height=0.4, color="tab:blue", label="this data set")
ax.set_yticks(y_pos, element_mix.index, fontsize=8)
ax.invert_yaxis()
ax.set(xlabel="share of images with the class", title="composition elements: real CADB and this data set")
ax.legend(frameon=False)
fig.tight_layout()
plt.show()

# %% [markdown]
# Another place where the studio is not CADB (the table and the figure). Real CADB's most common
# class is `center`, on about half of its images; the studio's is `horizontal`, on more than three
# quarters of its images, and it marks more classes per image. The studio never marks the classes
# listed under the table, `vertical` among them, which a fifth of the real images show. The studio
# derives its elements from the factors it renders (a subject, a horizon, repeated elements), so it has
# elements where those factors put them, not where photographers do.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: real's top class is center (~half of the images), the studio's horizontal (> 3/4);
# more classes per image in the studio; the studio never marks vertical, which ~a fifth of real images show.
assert element_mix["real CADB"].idxmax() == "center" and 0.45 <= element_mix.loc["center", "real CADB"] <= 0.55
assert abs(element_mix.loc["vertical", "real CADB"] - 0.2) < 0.02, "real CADB's vertical share changed"
if STUDIO:
    assert element_mix["this data set"].idxmax() == "horizontal" and element_mix.loc["horizontal", "this data set"] > 0.75
    assert has.sum(axis=1).mean() > real_has.sum(axis=1).mean() and "vertical" in never, "the studio's element mix changed: update the text"

# %% [markdown]
# Drawn over the images of this data set with `aesthetics_lib.viz.draw_elements` (coordinates are
# pixels of the original image; the published labels have no images to draw on). The dashed grid is
# the rule of thirds, for reference. A class this data set never marks is replaced by one that has no
# coordinates (its panel title says so).

# %%
wanted = ["rule_of_thirds", "center", "golden_ratio", "horizontal", "diagonal", "symmetric", "triangle", "vertical",
          "pattern", "fill_the_frame"]  # the last two have no coordinates: used only when a class above is missing
examples, used = [], set()
for c in wanted:  # for each class, the best-scored image not shown yet, until 8 panels are filled
    if c in has.columns and len(examples) < 8:
        candidates = cadb[has[c] & ~cadb["image_id"].isin(used)].sort_values(["mean", "image_id"], ascending=[False, True])
        if len(candidates):
            examples.append((c, candidates.iloc[0]))
            used.add(candidates.iloc[0]["image_id"])
COLOURS = {c: sns.color_palette("bright", 10)[i % 10] for i, c in enumerate(has.columns)}
fig, axes = plt.subplots(2, 4, figsize=(14, 6.2))
for ax, (c, row) in zip(axes.flat, examples):
    image = load_image(row["path"])
    ax.imshow(image)
    draw_thirds(ax, image.width, image.height, color="white", alpha=0.5, points=False)
    draw_elements(ax, row["elements"], colors=COLOURS, legend=False)
    drawn = "" if row["elements"][c] else " (no coordinates)"
    ax.set_title(f"{c}{drawn} (mean {fmt(row['mean'])})\nall: {', '.join(row['elements'])}", fontsize=8)
    ax.set_axis_off()
for ax in axes.flat[len(examples):]:
    ax.set_axis_off()
shown = sorted({k for _, row in examples for k, items in row["elements"].items() if items})
fig.legend(handles=[plt.Line2D([], [], color=COLOURS[k], linewidth=2, label=k) for k in shown],
           loc="lower center", ncol=len(shown), frameon=False, fontsize=9, bbox_to_anchor=(0.5, -0.03))
fig.tight_layout()
_ = save_figure(fig, "03_composition_elements")
plt.show()

# %% [markdown]
# ## 6. Consensus and controversy
# With five raters an image's SD ranges from 0 (all five agree) to 1.96 (three 1s and two 5s, or
# two 1s and three 5s). Below, images with the same middling mean (2.6 to 3.0): the most consensual and the most
# controversial, with their five ratings.

# %%
middle = cadb[(cadb["mean"] >= 2.6) & (cadb["mean"] <= 3.0)].sort_values(["std", "image_id"])
picked = pd.concat([middle.head(4), middle.tail(4)])
fig, axes = plt.subplots(2, 8, figsize=(17, 4.4), gridspec_kw={"height_ratios": [1.3, 1]})
for j, (_, row) in enumerate(picked.iterrows()):
    axes[0, j].imshow(load_image(row["path"]))
    axes[0, j].set_axis_off()
    axes[0, j].set_title(f"{'consensus' if j < 4 else 'controversial'}\n{row['scores']}", fontsize=8)
    plot_distribution(row["dist"], ax=axes[1, j], color="tab:green" if j < 4 else "tab:red")
    axes[1, j].set(ylim=(0, 1), xlabel="", ylabel="")
    axes[1, j].tick_params(labelsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# How do five raters disagree, when they do? The *range* of an image's votes (highest minus lowest)
# separates a split between neighbouring scores (range 1) from wider ones, and "a vote <= 2 and a
# vote >= 4" marks votes on both sides of the middle. Both are label-only, so here they are for real
# CADB and this data set:

# %%
def disagreement(frame):
    """Share of images per vote range (0 = unanimous .. 4), share with votes on both sides of 3, mean SD."""
    scores = np.stack(frame["scores"].to_numpy()).astype(int)
    c = np.array(frame["counts"].tolist())
    spread = np.bincount(scores.max(1) - scores.min(1), minlength=5) / len(scores)
    return {**{f"share with vote range {k}": spread[k] for k in range(5)},
            "share with a vote <= 2 and a vote >= 4": ((c[:, :2].sum(1) >= 1) & (c[:, 3:].sum(1) >= 1)).mean(),
            "mean SD of the votes": frame["std"].mean()}


real_dis, this_dis = disagreement(real), disagreement(cadb)
print_table([{"statistic": k, "real CADB": real_dis[k], "this data set": this_dis[k]} for k in real_dis])

# %% [markdown]
# The average amount of disagreement matches (the mean SD, last row, and the unanimous share, range
# 0), but not its shape: real CADB has more images whose votes span two points and more with votes on
# both sides of the middle, while the studio has more splits between neighbouring scores. The studio
# builds part of its votes on both sides on purpose, into the polarising images below; nothing in the
# real labels says where CADB's come from.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text above: mean SD and unanimous share match (within 0.02); real has more range-2 and
# both-sides images, the studio more range-1 ones (each by more than 0.02).
if STUDIO:
    assert abs(real_dis["mean SD of the votes"] - this_dis["mean SD of the votes"]) < 0.02
    assert abs(real_dis["share with vote range 0"] - this_dis["share with vote range 0"]) < 0.02
    assert real_dis["share with vote range 2"] > this_dis["share with vote range 2"] + 0.02
    assert real_dis["share with a vote <= 2 and a vote >= 4"] > this_dis["share with a vote <= 2 and a vote >= 4"] + 0.02
    assert real_dis["share with vote range 1"] < this_dis["share with vote range 1"] - 0.02, "the disagreement shapes changed"

# %% [markdown]
# ### Polarising images: what a mean hides
# Some photos split people into two camps: one group loves a strong style, the other hates it. Their
# votes spread to both ends of the scale, and their mean can land where few raters put it (with five
# raters a split crowd often looks flat rather than two-peaked: the examples below). In the table
# below, 0.674 of the polarising images have a vote of at most 2 and one of at least 4. The studio
# builds such images on purpose (a duotone style that shifts one camp of raters up and the other
# down) and records which ones they are in its ground truth (`read_factors`). The real CADB has no
# such label, so this part runs on the studio only.

# %%
if STUDIO:
    from aesthetics_lib.data.studio import read_factors

    factors = read_factors(ROOT).set_index("image_id")
    cadb["polarising"] = cadb["image_id"].map(factors["polarising"]).astype(bool)
    c = np.array(cadb["counts"].tolist())
    cadb["two camps"] = (c[:, :2].sum(1) >= 1) & (c[:, 3:].sum(1) >= 1)  # a vote <= 2 and a vote >= 4
    print_table([{"images": name, "count": int(len(g)), "mean score": g["mean"].mean(), "mean SD of the votes": g["std"].mean(),
                  "share with votes <= 2 and >= 4": g["two camps"].mean()}
                 for name, g in cadb.groupby(cadb["polarising"].map({True: "polarising", False: "other"}))])
else:
    print("the real CADB has no polarising label: run with the studio to see this part")

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The text below: polarising images score a little higher, with about twice the SD, and far more
# often votes on both sides of the middle.
if STUDIO:
    _g = {name: g for name, g in cadb.groupby("polarising")}
    assert 0 < _g[True]["mean"].mean() - _g[False]["mean"].mean() < 0.5, "the polarising images' mean changed"
    assert 1.7 < _g[True]["std"].mean() / _g[False]["std"].mean() < 2.3, "the SD ratio is no longer about 2"
    assert _g[True]["two camps"].mean() > 3 * _g[False]["two camps"].mean(), "the two-camps shares changed"
    assert fmt(_g[True]["two camps"].mean()) == "0.674", "the polarising images' two-camps share quoted"

# %% [markdown]
# The polarising images score a little higher on average than the others (the table), but their means
# lie in the ordinary range of means; what gives them away is the spread: about twice the SD, and far
# more often votes on both sides of the middle. Here are the vote histograms of polarising and
# ordinary images with the same mean: a model that predicts only a mean (or a loss that compares only
# means) cannot tell them apart, while a model that predicts the whole distribution (NIMA, notebook
# 07) can.

# %%
if STUDIO:
    pol = cadb[cadb["polarising"] & cadb["mean"].between(2.6, 3.2)].sort_values(["std", "image_id"], ascending=[False, True]).head(4)
    calm, used = [], set()
    for m in pol["mean"]:  # for each, an ordinary image with the same mean and the smallest spread
        same = cadb[~cadb["polarising"] & np.isclose(cadb["mean"], m) & ~cadb["image_id"].isin(used)]
        calm.append(same.sort_values(["std", "image_id"]).iloc[0])
        used.add(calm[-1]["image_id"])
    pairs = list(zip(pol.to_dict("records"), calm))
    fig, axes = plt.subplots(2, 8, figsize=(17, 4.4), gridspec_kw={"height_ratios": [1.3, 1]})
    for j, (p, q) in enumerate(pairs):
        for k, (row, colour, label) in enumerate([(p, "tab:red", "polarising"), (q, "tab:green", "ordinary")]):
            col = 2 * j + k
            axes[0, col].imshow(load_image(row["path"]))
            axes[0, col].set_axis_off()
            axes[0, col].set_title(f"{label}, mean {fmt(row['mean'])}\n{row['scores']}", fontsize=8)
            plot_distribution(row["dist"], ax=axes[1, col], color=colour)
            axes[1, col].set(ylim=(0, 1), xlabel="", ylabel="")
            axes[1, col].tick_params(labelsize=7)
    fig.tight_layout()
    _ = save_figure(fig, "03_polarising")
    plt.show()

# %% [markdown]
# ## Summary
# - CADB is a set of JSON files keyed by image name: scores (5 ratings, their distribution and mean),
#   11 AADB attributes plus AADB's score, a scene, composition elements, a train/test split (8,547 /
#   950) and optional loss weights. The key `BalacingElements` is misspelt in the data; keep it. The
#   scores, scenes and elements were published on their own, and the course ships them.
# - Raters use mostly 2 and 3; means sit on a 0.2 grid around 2.7 (SD 0.6), in the real labels and
#   the studio alike. Five raters agree only moderately, which caps what any model can reach at the
#   square root of their reliability: about 0.87 on real CADB, a little more on the studio.
# - Attributes (studio only here) are often 0 (neutral / not applicable); they hardly correlate with
#   each other; several correlate with the composition score, and the correlation changes when the
#   zeros are left out.
# - Scenes have different base rates. Real CADB is 45 % `human` and its scene means spread widely;
#   the studio spreads its images over the ten scenes, with narrower base rates. A scene-only
#   predictor, which sees no pixels, ranks test images above chance on both (intervals exclude 0), and
#   better on real CADB: content bias a composition model can pick up without learning composition.
# - Composition elements mark the boxes and lines that carry the composition; `viz.draw_elements`
#   draws them. Real CADB's most common class is `center`, the studio's `horizontal`, and the studio
#   never marks some real classes (`vertical` among them).
# - A mean hides disagreement: polarising images have means in the ordinary range and, for two thirds
#   of them, votes on both sides of the middle. Real CADB disagrees as much on average as the studio but in a different shape (more votes
#   two points apart).
# - **Studio fidelity**: the studio reproduces CADB's vote marginals and, nearly, its reliability; it
#   does not reproduce its scene mix, content bias, element mix or the shape of its disagreement.
#   Check a label-only claim on the published labels before you carry it over to CADB.

# %% [markdown]
# ## Exercises
# Replace each `...` with your answer and run the cell: it prints "correct" or a hint.
#
# **Exercise 1.** Which attribute has the largest positive Spearman correlation with the composition
# mean over all images of this data set? Give its name exactly as the data spells it.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = summary["SRCC with composition mean"].idxmax()

# %%
answer = ...
check(answer, expected, hint="look at the table `summary` in section 3.")

# %% tags=["solution"]
answer = summary["SRCC with composition mean"].idxmax()
check(answer, expected, hint="look at the table `summary` in section 3.")

# %% [markdown]
# **Exercise 2 (code).** In the **test** split of this data set, what share of images is "good" at
# the threshold 2.6 (mean >= 2.6)? Compute it; three decimals are enough.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = float(metrics.binarize(test["mean"].to_numpy(), CADB_THRESHOLD).mean())

# %%
answer = ...
check(answer, expected, tol=2e-3,
      hint="keep the rows of the test split and take the share of means at or above 2.6; a mean of 2.6 computed "
           "from votes may be stored a hair below 2.6, so compare with a small tolerance.")

# %% tags=["solution"]
answer = float(np.mean(test["mean"].to_numpy() >= CADB_THRESHOLD - 1e-9))
check(answer, expected, tol=2e-3,
      hint="keep the rows of the test split and take the share of means at or above 2.6; a mean of 2.6 computed "
           "from votes may be stored a hair below 2.6, so compare with a small tolerance.")

# %% [markdown]
# **Exercise 3 (code, real CADB).** Section 5 compares how often each composition class occurs in real
# CADB, but not how well the images that show it are rated. Among the classes that at least 100 real
# images show, which one has the highest mean composition score? Give the class name.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_per_class = {c: real["mean"].to_numpy()[real_has[c].to_numpy()] for c in real_has.columns}
_means = {c: v.mean() for c, v in _per_class.items() if len(v) >= 100}
expected = max(_means, key=_means.get)

# %%
answer = ...
check(answer, expected,
      hint="for each class, select the real images that show it (section 5's `real_has` says which), count them "
           "and average their `mean`; leave out the classes with fewer than 100 images, then take the best.")

# %% tags=["solution"]
by_class = pd.DataFrame({"images": real_has.sum(), "mean score": [real.loc[real_has[c], "mean"].mean() for c in real_has.columns]})
answer = by_class.loc[by_class["images"] >= 100, "mean score"].idxmax()
check(answer, expected,
      hint="for each class, select the real images that show it (section 5's `real_has` says which), count them "
           "and average their `mean`; leave out the classes with fewer than 100 images, then take the best.")

# %% [markdown]
# **Exercise 4 (predict, run, check: the scene mix of a test set, real CADB).** The scene-only
# predictor of section 4 ranks real CADB's random test split with the SRCC printed there, and nearly
# half of those test images are `human` photos. *Before you run anything*, predict: if the `human`
# photos are left out of the test set (the predictor itself unchanged), does its SRCC go up, down or
# stay the same? Write your prediction, then set `NEW_LEFT_OUT = "human"` and run the cell. Then
# explain what you measured: what does the predictor say about two `human` photos, and where does the
# `human` scene's mean lie among the scene means?

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_LEFT_OUT = ...  # then set it to "human" and run this cell


def scene_only_srcc(left_out=None):
    """SRCC of the scene-only predictor on real CADB's random test split, without the scene `left_out`."""
    keep = real_test["scene"].to_numpy() != left_out
    return metrics.srcc(real_scene_pred[keep], real_test["mean"].to_numpy()[keep])


after = None if NEW_LEFT_OUT is ... else scene_only_srcc(NEW_LEFT_OUT)
check_prediction(prediction, scene_only_srcc(), after, what="SRCC of the scene-only predictor on real CADB")

# %% tags=["solution"]
prediction = "up"
NEW_LEFT_OUT = "human"
after = scene_only_srcc(NEW_LEFT_OUT)
check_prediction(prediction, scene_only_srcc(), after, what="SRCC of the scene-only predictor on real CADB")

# %% [markdown]
# **Exercise 5 (predict, run, check: agreement on the easy photos).** Split each photo's five raters
# into two groups (2 and 3 raters) and correlate the two groups' means across photos: that is the
# split-half reliability of section 2 and notebook 00. Now keep only the *consensual* photos of this
# data set, those whose vote SD is below the median. *Before you run anything*, predict: does the
# split-half SRCC go up, down or stay the same? Write your prediction, then set
# `NEW_SUBSET = "consensual"` and run the cell. Whatever it measures, explain it: what else changes
# when you keep only those photos?

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_SUBSET = ...  # then set it to "consensual" and run this cell

counts = np.stack(cadb["counts"].to_numpy())
consensual = cadb["std"].to_numpy() < np.median(cadb["std"])

def halves(c):
    """Split-half SRCC (2 raters vs 3) of the vote counts ``c``."""
    return metrics.split_half_reliability(c, n_splits=20, seed=0)["srcc_half"]


after = None if NEW_SUBSET is ... else halves(counts[consensual])
check_prediction(prediction, halves(counts), after, what="split-half SRCC of the composition scores")

# %% tags=["solution"]
prediction = "up"
NEW_SUBSET = "consensual"
after = halves(counts[consensual])
check_prediction(prediction, halves(counts), after, what="split-half SRCC of the composition scores")

# %% [markdown]
# ## Going further
# - Zhang, Niu & Zhang, *Image composition assessment with saliency-augmented multi-pattern pooling*,
#   BMVC 2021: CADB and SAMP-Net (notebook 08); how the scores, attributes and elements were collected.
# - Kong, Shen, Lin, Mech & Fowlkes, *Photo aesthetics ranking network with attributes and content
#   adaptation*, ECCV 2016: AADB, where CADB's images and attributes come from; content-adaptive
#   ranking as an answer to scene bias.
# - Murray, Marchesotti & Perronnin, *AVA*, CVPR 2012: compare its ~200 votes per image with CADB's 5
#   (notebook 02).
# - Datta, Joshi, Li & Wang (ECCV 2006) and Ke, Tang & Jing (CVPR 2006): the first hand-crafted
#   composition cues (rule of thirds, simplicity, edge distribution), measured in notebook 01.
# - Try: put SAMP-Net's SRCC of 0.656 (Zhang et al., BMVC 2021, on CADB's test split) beside the real
#   noise ceiling of section 2. With the full CADB (`AESTHETICS_DATA`), run the scene-only predictor on
#   the official split and compare it with the random split used here.
