# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py//py:percent
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
# Offline, the notebook explores the course's **synthetic studio** in CADB's exact layout, and prints
# the real CADB statistics beside the studio's. With the real CADB, start Jupyter with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset` and the same cells explore it.
#
# **Learning goals**
# - know CADB's files and keys (including the misspelt `BalacingElements`, kept as the data spells it);
# - describe five-rater scores: the rating counts, the coarse grid of mean scores, and how much five
#   raters agree;
# - read the 11 AADB attributes in [-1, 1], how they correlate with each other and with the score;
# - see content bias in the scene categories: different base rates per scene;
# - draw composition elements over images, and find the polarising images whose mean hides two camps.

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
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.schema import ATTRIBUTES, CADB_THRESHOLD, SAMPNET_ATTRIBUTES, SCENES
from aesthetics_lib.viz import draw_elements, draw_thirds, plot_distribution, save_figure

# %% [markdown]
# ## Configuration
# `default_data("cadb")` returns the CADB entry of `AESTHETICS_DATA` if there is one
# (`AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`), and otherwise the studio in CADB's layout (as many
# images as the real CADB, the count printed in section 1; rendered once on first use and cached under
# `data/cache/studio/`). Nothing here trains.

# %%
SPEC = registry.default_data("cadb")
ROOT = SPEC.root
STUDIO = SPEC.studio
print("data set:", SPEC.name, "(the offline stand-in for CADB)" if STUDIO else "")
print("files:", sorted(p.name for p in ROOT.iterdir()))

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
# Every file is a JSON object keyed by the image's file name. Here is one image's entry in each:

# %%
first = json.loads((ROOT / "split.json").read_text())["train"][0]
for name in ["composition_scores.json", "composition_attributes.json", "scene_categories.json",
             "composition_elements.json", "emdloss_weight.json"]:
    path = ROOT / name
    if path.is_file():
        print(f"{name}[{first!r}] =", json.dumps(json.loads(path.read_text())[first]))
split = json.loads((ROOT / "split.json").read_text())
print("split.json:", {k: len(v) for k, v in split.items()}, "  real CADB: {'train': 8547, 'test': 950}")

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
# time each, and 5 under 2 %. The real counts below are quoted (not measured here) from CADB's published
# composition scores (Zhang et al., BMVC 2021; 47,485 ratings).

# %%
ratings = np.concatenate(cadb["scores"].to_numpy()).astype(int)
REAL_COUNTS = {1: 1878, 2: 18325, 3: 20215, 4: 6325, 5: 742}
real_total = sum(REAL_COUNTS.values())
mine = np.bincount(ratings, minlength=6)[1:]
print_table([{"score": k, "real CADB: count": REAL_COUNTS[k], "real: share": REAL_COUNTS[k] / real_total,
              "this data set: count": int(mine[k - 1]), "this data set: share": mine[k - 1] / len(ratings)}
             for k in range(1, 6)])

# %%
means, sds = cadb["mean"].to_numpy(), cadb["std"].to_numpy()
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
axes[0].bar(np.arange(1, 6), mine / mine.sum(), color="tab:orange", label="this data set")
axes[0].plot(np.arange(1, 6), np.array(list(REAL_COUNTS.values())) / real_total, "ko--", label="real CADB")
axes[0].set(xlabel="rating", ylabel="share of ratings", title="all ratings", xticks=range(1, 6))
axes[0].legend(frameon=False)
grid = np.round(np.arange(1, 5.01, 0.2), 1)
axes[1].bar(grid, [(np.round(means, 1) == g).mean() for g in grid], width=0.15, color="tab:blue")
axes[1].axvline(CADB_THRESHOLD, color="k", linestyle="--", label="threshold 2.6")
axes[1].set(xlabel="mean of the 5 ratings", ylabel="share of images", title="mean scores (steps of 0.2)")
axes[1].legend(frameon=False)
sns.histplot(sds, bins=np.arange(0, 2.05, 0.1), ax=axes[2], color="tab:purple")
axes[2].set(xlabel="SD of the 5 ratings", ylabel="images", title="disagreement")
fig.tight_layout()
_ = save_figure(fig, "03_scores")
plt.show()

print_table([
    {"statistic": "mean of the means", "real CADB (quoted)": 2.70, "this data set": means.mean()},
    {"statistic": "SD of the means", "real CADB (quoted)": 0.60, "this data set": means.std()},
    {"statistic": "median of the means", "real CADB (quoted)": 2.6, "this data set": float(np.median(means))},
])
print("share of images at or above the threshold 2.6:", fmt(metrics.binarize(means, CADB_THRESHOLD).mean()))
print("share of images where all 5 raters agree:", fmt((sds == 0).mean()))

# %% [markdown]
# How reliable is a mean of five? Split the five raters of each image into two groups (2 and 3) at
# random and correlate the two groups' means across images; the Spearman-Brown formula estimates the
# agreement of two full panels of five, the **reliability**. Compare with AVA's ~200 votes per image
# in notebook 02: with five votes the labels themselves are noisy. The cap on a model's SRCC against
# these labels is the square root of the reliability (what a model that predicted the raters'
# consensus exactly would reach, notebook 00), not the reliability itself.

# %%
counts = np.array(cadb["counts"].tolist())
rel = metrics.split_half_reliability(counts, n_splits=20, seed=0)
print_table([{k: v for k, v in rel.items() if k != "n_images"}])
print("noise ceiling for a model's SRCC with the vote means: sqrt(srcc_full) =", fmt(reliability_ceiling(rel["srcc_full"])))

# %% [markdown]
# ## 3. The 11 AADB attributes
# CADB inherits AADB's attribute labels (Kong et al. 2016): 11 values in [-1, 1] in steps of 0.2, where
# positive means the attribute helps the photo ("good depth of field"), negative that it hurts, and 0
# that it is neutral or does not apply. Many are 0 most of the time (an image without repeated
# elements has `Repetition` 0), which is why SAMP-Net's attribute loss ignores zero targets. AADB's
# own overall aesthetics score (`score`, in [0, 1]; `aadb_score` here) is a different label from the
# composition mean.

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

# %%
per_scene = (cadb.groupby("scene")["mean"].agg(images="size", mean_score="mean", sd="std")
             .reindex([s for s in SCENES if s in set(cadb["scene"])]))
per_scene["share good (>= 2.6)"] = cadb.groupby("scene")["mean"].apply(lambda m: (m >= CADB_THRESHOLD).mean())
per_scene = per_scene.sort_values("mean_score", ascending=False)
fig, ax = plt.subplots(figsize=(9, 3.6))
sns.barplot(data=cadb, x="scene", y="mean", order=per_scene.index, errorbar=("ci", 95), seed=0,
            color="tab:blue", ax=ax)
ax.axhline(means.mean(), color="k", linestyle="--", linewidth=1, label="all images")
ax.set(ylim=(2, 3.2), xlabel="", ylabel="mean composition score", title="base rate per scene (95 % CI)")
ax.legend(frameon=False)
_ = save_figure(fig, "03_scenes")
plt.show()
per_scene.round(3)

# %% [markdown]
# A predictor that knows only the scene (the average training score of the image's scene) uses no
# pixels at all; whatever it ranks right is content bias, the floor a composition model must rise
# above. Such an effect is weak, so the bootstrap interval (resampling the test images) matters: the
# second line says whether this test split can tell the scene-only SRCC from 0.

# %%
train, test = cadb[cadb["split"] == "train"], cadb[cadb["split"] == "test"]
scene_pred = test["scene"].map(train.groupby("scene")["mean"].mean()).to_numpy()
scene_srcc = metrics.srcc(scene_pred, test["mean"].to_numpy())
low, high = metrics.bootstrap_ci(metrics.srcc, scene_pred, test["mean"].to_numpy(), n_boot=1000, seed=0)
print("scene-only predictor, SRCC on the test split:", fmt(scene_srcc), f"[95 % CI {fmt(low)}, {fmt(high)}]")
print("the interval includes 0: this test split does not show that the scene alone ranks images" if low <= 0 <= high
      else "the interval excludes 0: the scene alone ranks the test images above chance")

# %% [markdown]
# SAMP-Net (notebook 08) also re-weights its EMD loss per image with `emdloss_weight.json`. In the
# studio the weight grows as the image's rounded mean score gets rarer in the training split, so the
# few very bad and very good images count more than the crowd in the middle:

# %%
print_table([{"rounded mean score": int(k), "images": int(len(g)), "average weight": g["weight"].mean()}
             for k, g in cadb.groupby(np.clip(np.rint(cadb["mean"]), 1, 5))])

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
element_table.sort_values("images", ascending=False).round(3)

# %% [markdown]
# Drawn over the images with `aesthetics_lib.viz.draw_elements` (coordinates are pixels of the
# original image). The dashed grid is the rule of thirds, for reference.

# %%
wanted = ["rule_of_thirds", "center", "golden_ratio", "horizontal", "diagonal", "symmetric", "triangle", "vertical"]
examples, used = [], set()
for c in wanted:  # for each class, the best-scored image not shown yet
    if c in has.columns:
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
    ax.set_title(f"{c} (mean {fmt(row['mean'])})\nall: {', '.join(row['elements'])}", fontsize=8)
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
# With five raters an image's SD ranges from 0 (all five agree) to 2 (two 1s, two 5s and a 3 or
# so). Below, images with the same middling mean (2.6 to 3.0): the most consensual and the most
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
# ### Polarising images: what a mean hides
# Some photos split people into two camps: one group loves a strong style, the other hates it. Their
# votes are **bimodal**, and their mean lands in the middle where nobody actually put it. The studio
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
#   950) and optional loss weights. The key `BalacingElements` is misspelt in the data; keep it.
# - Raters use mostly 2 and 3; means sit on a 0.2 grid around 2.7 (SD 0.6); five raters agree only
#   moderately, which caps what any model can reach at the square root of their reliability.
# - Attributes are often 0 (neutral / not applicable); they hardly correlate with each other; several
#   correlate with the composition score, and the correlation changes when the zeros are left out.
# - Scenes have different base rates; a scene-only predictor, which sees no pixels, ranks the test
#   images weakly but above chance (its SRCC interval excludes 0): content bias a composition model can
#   pick up without learning composition.
# - Composition elements mark the boxes and lines that carry the composition; `viz.draw_elements`
#   draws them.
# - A mean hides disagreement: polarising images have means in the ordinary range and two camps of votes.

# %% [markdown]
# ## Exercises
# Replace each `...` with your answer and run the cell.
#
# **1.** How many of the images have all five raters giving the same score?

# %%
answer = ...
check(answer, int((cadb["std"] == 0).sum()), hint="an image where all raters agree has an SD of 0.")

# %% [markdown]
# **2.** Which attribute has the largest positive Spearman correlation with the composition mean over
# all images? Give its name exactly as the data spells it.

# %%
answer = ...
check(answer, summary["SRCC with composition mean"].idxmax(), hint="look at the table `summary` in section 3.")

# %% [markdown]
# **3.** Which scene has the lowest base rate (the lowest average composition score)?

# %%
answer = ...
check(answer, per_scene["mean_score"].idxmin(), hint="look at the table `per_scene` in section 4.")

# %% [markdown]
# **4.** In the **test** split, what share of images is "good" at the threshold 2.6 (mean >= 2.6)?
# Three decimals are enough.

# %%
answer = ...
check(answer, float(metrics.binarize(test["mean"].to_numpy(), CADB_THRESHOLD).mean()), tol=2e-3,
      hint="select the rows with split == 'test' and count the means at or above 2.6.")

# %% [markdown]
# **Exercise 5 (predict, run, check: agreement on the easy photos).** Split each photo's five raters
# into two groups (2 and 3 raters) and correlate the two groups' means across photos: that is the
# split-half reliability of notebook 00. Now keep only the *consensual* photos, those whose vote SD is
# below the median. *Before you run anything*, predict: does the split-half SRCC go up, down or stay
# the same? Write your prediction, then set `SUBSET = "consensual"` and run the cell. Whatever it
# measures, explain it: what else changes when you keep only those photos?

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
SUBSET = ...  # then set it to "consensual" and run this cell

counts = np.stack(cadb["counts"].to_numpy())
consensual = cadb["std"].to_numpy() < np.median(cadb["std"])

def halves(c):
    """Split-half SRCC (2 raters vs 3) of the vote counts ``c``."""
    return metrics.split_half_reliability(c, n_splits=20, seed=0)["srcc_half"]


after = None if SUBSET is ... else halves(counts[consensual])
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
# - Try: with the real CADB, compare the per-scene table with the paper; compute the split-half
#   reliability and compare it with SAMP-Net's SRCC of 0.656 (Zhang et al., BMVC 2021, on CADB's test split).
