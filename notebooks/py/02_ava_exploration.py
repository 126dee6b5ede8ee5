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
# # 02 · Exploring AVA: a quarter of a million photos, each with a histogram of votes
#
# AVA (Murray, Marchesotti & Perronnin, CVPR 2012) is the data set most aesthetics papers report on.
# Its photos were entered in the photography contests of dpchallenge.com: every photo belongs to a
# *challenge* (a theme such as "Macro" or "Self-portrait") and was rated from 1 to 10 by other members
# of the site, usually about two hundred of them. So AVA does not give one label per image: it gives
# a **histogram of votes**. Before training anything on it you should know what these histograms look
# like, how the file is laid out (and how easily it is misread), and which choices (a threshold, a test
# split) quietly change the numbers you report.
#
# Offline, this notebook explores the course's **synthetic studio**, written in exactly AVA's on-disk
# layout, and prints the real AVA statistics beside the studio's so you can judge the stand-in. With
# the real AVA on disk, start Jupyter with `AESTHETICS_DATA=ava:/path/to/AVA` and the same cells
# explore it.
#
# **Learning goals**
# - read `AVA.txt` correctly: 15 columns (index, image id, ten vote counts, two tags, a challenge) and
#   the `[2:11]` slicing bug that silently drops every vote for 10;
# - describe the votes: votes per image, the pooled vote histogram, mean scores that mostly lie
#   between 4 and 7, and how reliable a mean of ~200 votes is;
# - see why the usual 5.0 threshold makes an imbalanced binary task, and what accuracy comes for free;
# - tell consensus images from controversial ones by the spread of their votes, and look at both;
# - explain why scores measured on the official test list and on a random split cannot be compared.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, check_prediction, print_table

setup_notebook()

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from aesthetics_lib import metrics
from aesthetics_lib.compare import reliability_ceiling
from aesthetics_lib.data import registry
from aesthetics_lib.data.ava import read_ava_annotations
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.schema import AVA_THRESHOLD
from aesthetics_lib.viz import plot_distribution, save_figure

# %% [markdown]
# ## Configuration
# `default_data("ava")` returns the data set named by the environment variable `AESTHETICS_DATA`
# when it holds an AVA entry (`AESTHETICS_DATA=ava:/path/to/AVA`), and otherwise the studio in AVA's
# layout (as many images as CADB, 9,497: the count is printed in section 1; rendered once on first use,
# which takes a minute or two, and cached under `data/cache/studio/`). Nothing here trains, so the real
# AVA only makes the cells slower: reading 255,000 image headers for the aspect ratios takes about a
# minute or more (`data/README.md`).

# %%
SPEC = registry.default_data("ava")
ROOT = SPEC.root
STUDIO = SPEC.studio
print("data set:", SPEC.name, "(the offline stand-in for AVA)" if STUDIO else "")
print("files:", sorted(p.name for p in ROOT.iterdir() if p.suffix in ("", ".txt", ".csv", ".json")))

# %% [markdown]
# ## 1. The layout of `AVA.txt`
# AVA's annotations are one text file, one image per line, 15 space-separated integers:
#
# | column (0-based) | name | meaning |
# |---|---|---|
# | 0 | `index` | line number, 1.. |
# | 1 | `image_id` | the photo's id on dpchallenge.com; the file is `images/<image_id>.jpg` |
# | 2 - 11 | `c1` ... `c10` | how many voters gave the score 1, 2, ..., 10 |
# | 12, 13 | `tag1`, `tag2` | semantic tags, ids 1-66 in `tags.txt` (0 = no tag) |
# | 14 | `challenge_id` | the contest the photo was entered in, named in `challenges.txt` |
#
# Next to it (as the README of the AVA release, June 2012, lists them): `tags.txt` and `challenges.txt`
# (`id name` per line); `aesthetics_image_lists/`, the ids used in Murray et al.'s aesthetics
# experiments: the generic test list `generic_test.jpgl` (the "official" test ids), the training lists
# of a small-scale and a large-scale experiment (`generic_ss_train.jpgl`, `generic_ls_train.jpgl`), and
# train and test lists for eight content categories (animal, architecture, cityscape, floral, food and
# drink, landscape, portrait, still life); `style_image_lists/`, train and test ids for 14
# photographic styles; and the `images/` folder. The studio writes only the generic test list. Here
# are the first lines of `AVA.txt`, and the same lines read with pandas, naming every column.

# %%
with open(ROOT / "AVA.txt") as f:
    for _ in range(3):
        print(f.readline().rstrip())

COLUMNS = ["index", "image_id", *[f"c{k}" for k in range(1, 11)], "tag1", "tag2", "challenge_id"]
raw = pd.read_csv(ROOT / "AVA.txt", sep=" ", header=None, names=COLUMNS)
print(raw.shape)
raw.head(3)

# %% [markdown]
# ### The `[2:11]` pitfall
# The ten vote counts are columns 2 to 11 *inclusive*, which in Python is the slice `[2:12]`. Writing
# `[2:11]` ("columns 2 to 11") is a classic bug: it keeps nine columns and silently drops every vote
# for 10. Nothing crashes, every histogram still sums to something positive, and the ranking of images
# barely changes, so the bug survives for a long time. Let us measure what it does.

# %%
right = raw.iloc[:, 2:12].to_numpy()  # c1..c10
wrong = raw.iloc[:, 2:11].to_numpy()  # the bug: c1..c9
print("[2:12] keeps", list(raw.columns[2:12]))
print("[2:11] keeps", list(raw.columns[2:11]))


def mean_score(counts):
    """Mean score of vote counts [N, K] over the scores 1..K."""
    scores = np.arange(1, counts.shape[1] + 1)
    return (counts * scores).sum(1) / counts.sum(1)


mean_right, mean_wrong = mean_score(right), mean_score(wrong)
flipped = (mean_right >= AVA_THRESHOLD) != (mean_wrong >= AVA_THRESHOLD)
print_table([
    {"what": "vote columns kept", "[2:12] (right)": right.shape[1], "[2:11] (bug)": wrong.shape[1]},
    {"what": "votes counted", "[2:12] (right)": int(right.sum()), "[2:11] (bug)": int(wrong.sum())},
    {"what": "mean of the image means", "[2:12] (right)": mean_right.mean(), "[2:11] (bug)": mean_wrong.mean()},
])
print("votes for 10 dropped:", int(right[:, 9].sum()), f"({fmt(100 * right[:, 9].sum() / right.sum())} % of all votes)")
print("largest shift of one image's mean:", fmt((mean_right - mean_wrong).max()))
print("SRCC between the right and the buggy means:", fmt(metrics.srcc(mean_right, mean_wrong)))
print("images whose good/bad label (threshold 5.0) flips:", int(flipped.sum()), "of", len(flipped))
shift = mean_right - mean_wrong
best_tenth = mean_right >= np.quantile(mean_right, 0.9)
print("images without a vote for 10 (their mean does not move):", fmt(100 * (right[:, 9] == 0).mean()), "%")
print("average drop of the mean: best tenth of the images", fmt(shift[best_tenth].mean()),
      "| all other images", fmt(shift[~best_tenth].mean()))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The paragraph below, checked against the numbers: a re-run that changes them fails here.
assert metrics.srcc(mean_right, mean_wrong) > 0.98 and flipped.sum() > 0, "the bug is no longer silent-but-harmful"
assert shift[best_tenth].mean() > 3 * shift[~best_tenth].mean(), "the best images no longer lose the most"
if STUDIO:
    assert 0.35 < (right[:, 9] == 0).mean() < 0.6, "the share of images without a vote for 10 is no longer about half"

# %% [markdown]
# The ranking is almost untouched (SRCC close to 1), which is exactly why the bug is silent. But every
# image with a vote for 10 loses some of its mean (the others, about half of the images here, keep
# theirs), the best tenth of the images lose several times as much as the rest (the last line), and some
# labels at the 5.0 threshold flip. The library's reader uses `VOTE_COLUMNS = slice(2, 12)` and validates
# every line (15 integers, no negative counts, at least one vote). It returns one row per image with the
# distribution, mean, spread, split and the tag and challenge names; we use it from here on, after
# checking it agrees with our own parse.

# %%
ava = read_ava_annotations(ROOT, read_sizes=True)
assert np.allclose(ava["mean"].to_numpy(), mean_right)
counts = np.array(ava["counts"].tolist())
print(len(ava), "images;", "test split:", ava.attrs["test_split"])
ava[["image_id", "n_votes", "mean", "std", "split", "tag1_name", "tag2_name", "challenge_name"]].head(5).round(3)

# %% [markdown]
# ## 2. The votes
# ### Votes per image and the pooled vote histogram
# Every AVA photo has many votes: in a 25,551-image sample, from 81 to 520, 211 on average. Pooling
# all votes shows how raters use the scale: mostly the middle, 5 being the most common score, and the
# extremes rarely. The real numbers below are quoted (not measured here) for a 25,551-image random sample
# of AVA (Murray et al., CVPR 2012, describe the dataset and its vote histograms); the studio was
# calibrated to match them.

# %%
REAL_POOLED = np.array([0.013, 0.027, 0.067, 0.167, 0.288, 0.227, 0.117, 0.057, 0.024, 0.014])
pooled = counts.sum(0) / counts.sum()

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].hist(ava["n_votes"], bins=40, color="tab:blue")
axes[0].set(xlabel="votes per image", ylabel="images",
            title=f"votes per image: {ava['n_votes'].min()}-{ava['n_votes'].max()}, mean {fmt(ava['n_votes'].mean())}")
scores = np.arange(1, 11)
axes[1].bar(scores - 0.2, REAL_POOLED, width=0.4, label="real AVA (25,551-image sample)", color="tab:gray")
axes[1].bar(scores + 0.2, pooled, width=0.4, label="this data set", color="tab:orange")
axes[1].set(xticks=scores, xlabel="score", ylabel="share of all votes", title="pooled vote histogram")
axes[1].legend(frameon=False)
fig.tight_layout()
_ = save_figure(fig, "02_votes")
plt.show()

print_table([{"score": int(s), "real AVA": r, "this data set": p} for s, r, p in zip(scores, REAL_POOLED, pooled)])

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# "5 is the most common score, the extremes are rare; the studio matches the real histogram", checked.
assert pooled.argmax() == 4 and max(pooled[0], pooled[-1]) < 0.03, "the pooled histogram changed shape"
if STUDIO:
    assert np.abs(pooled - REAL_POOLED).max() < 0.005, "the studio's pooled histogram no longer matches AVA's"

# %% [markdown]
# ### Mean scores, their spread, and the histogram of a few images
# An image's score is the mean of its votes. The means crowd into the middle of the scale: in AVA,
# 95.5 % of them lie between 4 and 7 (quoted, as below). Averaging 200 opinions pulls
# every image towards the centre, so a model that predicts 5.4 for everything is already "close" in
# squared error (see notebook 04): what matters is the *ranking* of images.

# %%
means, sds = ava["mean"].to_numpy(), ava["std"].to_numpy()
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
sns.histplot(means, bins=40, ax=axes[0], color="tab:orange")
axes[0].axvspan(4, 7, color="tab:green", alpha=0.08, label="[4, 7]")
axes[0].axvline(AVA_THRESHOLD, color="k", linestyle="--", label="threshold 5.0")
axes[0].set(xlabel="mean score of an image", ylabel="images", title="mean scores")
axes[0].legend(frameon=False)
sns.histplot(sds, bins=40, ax=axes[1], color="tab:purple")
axes[1].set(xlabel="SD of an image's votes", ylabel="images", title="spread of the votes")
fig.tight_layout()
_ = save_figure(fig, "02_mean_scores")
plt.show()

# %% [markdown]
# ### The studio beside the real AVA
# One table of the statistics quoted for a 25,551-image sample of the real AVA, and the same
# statistics of the data set explored here. Close agreement is by design (the studio's raters are
# calibrated to these marginals); what the studio does not copy comes after the table.

# %%
stats_rows = [
    ("images", 25551, len(ava)),
    ("votes per image: min", 81, int(ava["n_votes"].min())),
    ("votes per image: mean", 211, float(ava["n_votes"].mean())),
    ("votes per image: max", 520, int(ava["n_votes"].max())),
    ("mean score: mean", 5.38, float(means.mean())),
    ("mean score: SD", 0.73, float(means.std())),
    ("share of means in [4, 7]", 0.955, float(((means >= 4) & (means <= 7)).mean())),
    ("share of means above 5", 0.70, float((means > 5).mean())),
]
print_table([{"statistic": s, "real AVA (quoted)": r, "this data set": v} for s, r, v in stats_rows])
if STUDIO:  # where the spread of the votes comes from (the studio knows how it rendered every image)
    from aesthetics_lib.data.studio import read_factors

    polarising = read_factors(ROOT).set_index("image_id").loc[ava["image_id"], "polarising"].to_numpy(bool)
    wide = sds > 2
    print(f"images with a vote SD above 2: {int(wide.sum())} of {len(sds)}; the studio's 'polarising' renders "
          f"among them: {fmt(100 * polarising[wide].mean())} %")
    print("vote SD of the polarising renders:", fmt(sds[polarising].min()), "to", fmt(sds[polarising].max()),
          f"(mean {fmt(sds[polarising].mean())}) | of all other images:", fmt(sds[~polarising].min()), "to",
          fmt(sds[~polarising].max()))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# "Close agreement" and the studio fidelity note below, checked against the numbers.
if STUDIO:
    assert abs(means.mean() - 5.38) < 0.1 and abs(means.std() - 0.73) < 0.05, "the mean scores no longer match AVA's"
    assert abs(((means >= 4) & (means <= 7)).mean() - 0.955) < 0.02, "the share of means in [4, 7] changed"
    assert abs((means > 5).mean() - 0.70) < 0.03, "the share of means above 5 changed"
    assert abs(ava["n_votes"].mean() - 211) < 5, "votes per image no longer match AVA's"
    assert polarising[wide].all() and sds[polarising].min() > sds[~polarising].max(), "the high-SD cluster changed"
    assert abs(sds[polarising].mean() - 2.4) < 0.1, "the polarising renders' vote SD is no longer about 2.4"

# %% [markdown]
# **What the studio reproduces, and what it does not.** It reproduces the marginals it was calibrated
# to: the pooled vote histogram, the number of votes per image, the mean and the spread of the mean
# scores (the table). It does not reproduce the content of real photos, nor the shape of the vote
# spread. The right panel of the figure above has a second hump of images whose votes have an SD of
# about 2.4, well apart from the others, and the two lines under the table show what it is: the
# studio's "polarising" renders, a teal-and-orange duotone look (mostly tagged Duotone) whose votes the
# studio spreads over the whole scale on purpose, so that later notebooks have controversial images to
# find. That hump is a studio artefact of its polarising renders; this course has no measurement of
# real AVA's vote spreads to set beside it.
# Read every result below that involves the spread of the votes (the controversial images of section 5,
# the Duotone row of section 6) as a property of the stand-in, not of AVA.

# %% [markdown]
# ### How reliable is a mean of ~200 votes?
# Split every image's voters into two random halves, compute the mean score of each half, and
# correlate the two halves across images (`metrics.split_half_reliability`). The Spearman-Brown
# formula steps this up to the full panel: the **reliability**, the squared correlation between an
# image's vote mean and what an endless panel of such raters would agree on. So the ceiling for a
# model is the square root of the reliability, not the reliability itself: a model that predicted that
# consensus exactly would reach about this SRCC against the vote means (notebook 00 checks this on
# the CADB-layout studio against its hidden truth; in this AVA layout each challenge adds an offset
# shared by its voters, which the ceiling counts as consensus).

# %%
rel = metrics.split_half_reliability(counts, n_splits=10, seed=0)
print_table([{k: v for k, v in rel.items() if k != "n_images"}])
print("noise ceiling for a model's SRCC with the vote means: sqrt(srcc_full) =", fmt(reliability_ceiling(rel["srcc_full"])))

# %% [markdown]
# ## 3. The 5.0 threshold and class imbalance
# Early work framed aesthetics as a binary task (Datta et al. 2006 on photo.net, with a gap between
# the two classes); on AVA, Murray et al. 2012 and the RAPID network of Lu et al. 2014 call a photo
# "good" if its mean is at least 5 and "bad" otherwise. Because most means lie above 5 the
# two classes are not balanced, so a classifier that answers "good" for every photo is already right
# most of the time. Any accuracy you report must be read against that free baseline (or reported as
# balanced accuracy, which gives a constant answer 0.5). And the line itself is blurred: an image whose
# mean lies within one standard error (SD of its votes / sqrt(number of votes)) of 5.0 could land on
# the other side with another panel of raters, so part of every label near the threshold is noise.

# %%
good = metrics.binarize(means, AVA_THRESHOLD)
always_good = np.full(len(means), 10.0)  # a "model" that calls everything good
print("share of 'good' images (mean >= 5.0):", fmt(good.mean()), "  real AVA: about 0.70 (quoted)")
print("accuracy of answering 'good' for every image:", fmt(metrics.accuracy(always_good, means, AVA_THRESHOLD)))
print("balanced accuracy of the same answer:", fmt(metrics.balanced_accuracy(always_good, means, AVA_THRESHOLD)))
standard_error = sds / np.sqrt(ava["n_votes"].to_numpy())  # how much the mean of n votes wobbles
near = np.abs(means - AVA_THRESHOLD) < standard_error
print("share of images whose mean is within one standard error of 5.0:", fmt(near.mean()))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# "Most means lie above 5" here and "about 70 % are good" in the summary, checked.
assert 0.65 < good.mean() < 0.75, "the share of 'good' images is no longer about 70 %"

# %% [markdown]
# ## 4. Aspect ratios
# Real photos are not square. AVA's aspect ratios (width / height) pile up at the shapes cameras
# produce: 3:2 and 4:3 in landscape orientation and their portrait twins 2:3 and 3:4, with a tail of
# square crops and panoramas. Any network that warps every photo to 224 x 224 distorts most of them
# (notebook 06 is about this). The sizes here come from the image headers only (`read_sizes=True`).

# %%
aspect = (ava["width"] / ava["height"]).to_numpy()
RATIOS = {"1:3": 1 / 3, "1:2": 1 / 2, "2:3": 2 / 3, "3:4": 3 / 4, "1:1": 1.0, "4:3": 4 / 3, "3:2": 3 / 2,
          "16:9": 16 / 9, "2:1": 2.0, "3:1": 3.0}
fig, ax = plt.subplots(figsize=(10, 3.4))
ax.hist(np.log(aspect), bins=np.linspace(np.log(0.3), np.log(3.3), 80), color="tab:blue")
for name, r in RATIOS.items():
    ax.axvline(np.log(r), color="k", linewidth=0.6, alpha=0.5)
    ax.text(np.log(r), ax.get_ylim()[1] * 0.97, name, ha="center", va="top", fontsize=8,
            bbox=dict(facecolor="white", edgecolor="none", pad=1))
ax.set_xticks(np.log(list(RATIOS.values())), [fmt(r, 2) for r in RATIOS.values()])
ax.set(xlabel="aspect ratio width / height (log scale)", ylabel="images", title="aspect ratios")
_ = save_figure(fig, "02_aspect_ratios")
plt.show()

share = {name: float((np.abs(np.log(aspect / r)) < 0.05).mean()) for name, r in RATIOS.items()}
print_table([{"ratio": k, "share within 5 %": v} for k, v in share.items()])
print("portrait (taller than wide):", fmt((aspect < 0.95).mean()), " landscape:", fmt((aspect > 1.05).mean()))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# "Aspect ratios cluster at 3:2, 4:3, 2:3 and 3:4; a square warp distorts most photos", checked.
if STUDIO:
    assert set(sorted(share, key=share.get)[-4:]) == {"3:2", "4:3", "2:3", "3:4"}, "the four most common ratios changed"
assert ((aspect < 0.95) | (aspect > 1.05)).mean() > 0.5, "most photos are no longer far from square"

# %% [markdown]
# ## 5. Consensus and controversy
# Two images with the same mean can be very different: one on which everybody agrees ("a solid 5"),
# one whose votes spread over the whole scale. The standard deviation of the votes measures this. On a
# bounded scale only a middling mean leaves room for a large spread (a mean of 9 needs almost all votes
# at 9 or 10), so compare spreads among images with similar means. Below, the most consensual and the
# most controversial images among those with a mean between 5 and 6, with their vote histograms.

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(means, sds, s=4, alpha=0.4)
ax.set(xlabel="mean score", ylabel="SD of the votes", title="mean vs spread of the votes")
plt.show()

# %%
middling = ava[(ava["mean"] >= 5) & (ava["mean"] <= 6)].sort_values(["std", "image_id"])
picked = pd.concat([middling.head(4), middling.tail(4)])
fig, axes = plt.subplots(2, 8, figsize=(17, 4.6), gridspec_kw={"height_ratios": [1.3, 1]})
for j, (_, row) in enumerate(picked.iterrows()):
    axes[0, j].imshow(load_image(row["path"]))
    axes[0, j].set_axis_off()
    kind = "consensus" if j < 4 else "controversial"
    axes[0, j].set_title(f"{kind}\nmean {fmt(row['mean'])}, SD {fmt(row['std'])}", fontsize=8)
    plot_distribution(row["dist"], ax=axes[1, j], color="tab:green" if j < 4 else "tab:red")
    axes[1, j].set(ylim=(0, 0.5), xlabel="", ylabel="")
    axes[1, j].tick_params(labelsize=6)
fig.tight_layout()
_ = save_figure(fig, "02_consensus_controversial")
plt.show()
shares = np.stack(picked["dist"].to_numpy())  # each image's share of votes per score 1..10
print("consensus images: share of the votes on their most common score", fmt(shares[:4].max(1).min()), "to",
      fmt(shares[:4].max(1).max()))
print("controversial images: share of the votes on any one score", fmt(shares[4:].min()), "to", fmt(shares[4:].max()))
extremes = shares[4:, [0, 1, 8, 9]].sum(1)  # the votes for 1, 2, 9 and 10
print("controversial images: share of the votes on the four extreme scores 1, 2, 9 and 10", fmt(extremes.min()),
      "to", fmt(extremes.max()))
if STUDIO:
    print("the studio's polarising renders among the four controversial images:",
          int(polarising[ava.index.get_indexer(picked.index[4:])].sum()), "of 4")
picked.assign(top_share=shares.max(1), lowest_share=shares.min(1))[
    ["image_id", "mean", "std", "top_share", "lowest_share", "tag1_name", "tag2_name"]].round(3)

# %% [markdown]
# `top_share` is the share of the votes on an image's most common score, `lowest_share` the share on
# its least used one. The consensus images put more than a third of their votes on one score (the
# first line above the table). The controversial histograms are spread out: every score from 1 to 10
# gets a share between the two numbers of the second line, none above a fifth, and the four extreme
# scores together get about a third of the votes (the third line). Their disagreement is votes spread
# over the whole scale, not half the raters at the top and half at the bottom. Here all four
# controversial images are the studio's polarising renders (the last line; see the note on what the
# studio reproduces, section 2), so this spread is the one the studio gives them on purpose: on the
# real AVA, look at the most controversial images yourself before you describe their histograms.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The paragraph above, checked against the numbers: a re-run that changes them fails here.
if STUDIO:
    assert shares[:4].max(1).min() > 1 / 3, "a consensus image has a third of its votes or less on its top score"
    assert shares[4:].max() < 0.2 and 0.25 < extremes.min() and extremes.max() < 0.4, "controversial histograms changed"
    assert polarising[ava.index.get_indexer(picked.index[4:])].all(), "a controversial image is not a polarising render"

# %% [markdown]
# ## 6. Semantic tags and challenges
# Each photo carries up to two semantic tags chosen by its photographer (ids in `tags.txt`, 0 = none;
# the real AVA has 66, e.g. "Landscape", "Portraiture", "Black and White") and the challenge it was
# entered in. Both matter for a model: mean scores differ by content, and a challenge's theme and its
# voters shift every score in it. The table gives, per tag, the number of images, their average mean
# score and their average spread of votes (`vote_sd`). One row stands out, and it is a studio
# artefact, not a finding about AVA: Duotone, the tag of most of the studio's polarising renders
# (section 2), has an average vote SD of about 2.4, where every other tag lies between 1.3 and 1.5.

# %%
tags = pd.concat([ava[["tag1_name", "mean", "std"]].rename(columns={"tag1_name": "tag"}),
                  ava[["tag2_name", "mean", "std"]].rename(columns={"tag2_name": "tag"})])
tags = tags.dropna()
per_tag = (tags.groupby("tag").agg(images=("mean", "size"), mean_score=("mean", "mean"), vote_sd=("std", "mean"))
           .sort_values("images", ascending=False, kind="stable"))  # ties in name order, on every CPU
print("images without any tag:", int(((ava["tag1"] == 0) & (ava["tag2"] == 0)).sum()), "of", len(ava))
per_tag.round(3)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The Duotone row described above, checked against the table.
if STUDIO:
    others = per_tag.drop("Duotone")["vote_sd"]
    assert abs(per_tag.loc["Duotone", "vote_sd"] - 2.4) < 0.1, "Duotone's vote SD is no longer about 2.4"
    assert 1.25 < others.min() and others.max() < 1.5, "the other tags' vote SD no longer lies between 1.3 and 1.5"

# %%
per_challenge = (ava.groupby("challenge_name")["mean"].agg(images="size", mean_score="mean", sd="std")
                 .sort_values("mean_score", ascending=False))
order = per_challenge.index.tolist()
fig, ax = plt.subplots(figsize=(10, 4))
sns.boxplot(data=ava, x="challenge_name", y="mean", order=order, ax=ax, color="tab:blue", fliersize=1)
ax.axhline(means.mean(), color="k", linestyle="--", linewidth=1)
ax.set(xlabel="", ylabel="mean score", title="mean scores by challenge")
ax.tick_params(axis="x", rotation=60, labelsize=8)
_ = save_figure(fig, "02_challenges")
plt.show()
per_challenge.round(3)

# %% [markdown]
# How much of the score does content alone explain? A "model" that predicts, for a test image, the
# average training score of its challenge uses no pixels at all. Its SRCC on the test split is what
# the challenge label alone gives away. In the studio that mixes content, composition (half the
# images with a subject on a third go to "Rule of Thirds") and each challenge's offset of its voters.

# %%
train, test = ava[ava["split"] == "train"], ava[ava["split"] == "test"]
challenge_mean = train.groupby("challenge")["mean"].mean()
pred = test["challenge"].map(challenge_mean).fillna(train["mean"].mean()).to_numpy()
low, high = metrics.bootstrap_ci(metrics.srcc, pred, test["mean"].to_numpy(), n_boot=1000, seed=0)
print("challenge-mean predictor, SRCC on the test split:", fmt(metrics.srcc(pred, test["mean"].to_numpy())),
      f"[95 % CI {fmt(low)}, {fmt(high)}]", "· the interval excludes 0" if low > 0 else "· the interval includes 0")

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The summary says this pixel-free predictor ranks the test images (an interval above 0): fail if a re-run changes that.
if STUDIO:
    assert low > 0, "the challenge-mean predictor's SRCC interval now includes 0: update the summary"

# %% [markdown]
# ## 7. The official test list vs a random split
# AVA's generic test list, `generic_test.jpgl`, holds 20,000 ids, of which 19,930 are usable (a few
# images are missing or broken). It is not the only test list the release ships: the eight category
# splits of section 1 each have their own. Many papers report on the generic list; many others train and
# test on a random split of their own (a common one holds out 25,551 images). The two test sets contain
# different images, of different difficulty, so **numbers from papers that use different splits are not
# comparable**, and even two random splits of the same size give different numbers for the same
# predictor.
#
# Below: how many ids of the list are present, then the challenge-mean predictor (fitted on the
# rest each time) scored on the official list and on 20 random test sets of the same size.

# %%
listed = [line.strip() for line in (ROOT / "aesthetics_image_lists" / "generic_test.jpgl").read_text().splitlines() if line.strip()]
present = set(ava["image_id"])
print("ids in the official list:", len(listed), "| present in AVA.txt:", sum(i in present for i in listed))


def challenge_predictor_srcc(test_mask):
    """SRCC on the test images of the challenge-mean predictor fitted on the others."""
    fit = ava[~test_mask].groupby("challenge")["mean"].mean()
    pred = ava.loc[test_mask, "challenge"].map(fit).fillna(ava.loc[~test_mask, "mean"].mean())
    return metrics.srcc(pred.to_numpy(), ava.loc[test_mask, "mean"].to_numpy())


official = (ava["split"] == "test").to_numpy()
rng = np.random.default_rng(0)
random_srcc = []
for _ in range(20):
    mask = np.zeros(len(ava), bool)
    mask[rng.choice(len(ava), official.sum(), replace=False)] = True
    random_srcc.append(challenge_predictor_srcc(mask))
random_srcc = np.array(random_srcc)
print("SRCC on the official list:", fmt(challenge_predictor_srcc(official)))
print("SRCC on 20 random test sets of the same size: mean", fmt(random_srcc.mean()),
      "min", fmt(random_srcc.min()), "max", fmt(random_srcc.max()), "range", fmt(random_srcc.max() - random_srcc.min()))
if STUDIO:
    print("the real AVA's official list has 19,930 usable ids:", round(19930 / official.sum()),
          "times this test split")

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# "More than ten times the 0.01 by which leaderboards separate methods" (below), checked.
if STUDIO:
    assert random_srcc.max() - random_srcc.min() > 0.1, "the SRCC of random test sets no longer varies by more than 0.1"

# %% [markdown]
# The same predictor, scored on different random test sets of the same size, moves a lot: its range
# over 20 random test sets (the third line) is more than ten times the 0.01 by which leaderboards
# separate methods. On the real AVA the test sets are larger (the last line says by how much),
# so the spread is smaller, but leaderboards separate methods by differences of 0.01: compare only
# numbers measured on the same images, and give a bootstrap interval (notebook 01) with every number
# you report.

# %% [markdown]
# ## Summary
# - `AVA.txt` has 15 columns: index, image id, **ten** vote counts (columns 2-11, the slice `[2:12]`),
#   two tags and a challenge. The slice `[2:11]` drops all votes for 10 without any error; the ranking
#   hardly changes, the means do, and 114 of the 9,497 binary labels flip.
# - Each image has 80-520 votes; pooled votes peak at 5; image means crowd between 4 and 7 (SD about
#   0.7), so predicting the average is "close" and the ranking is what a model must get right.
# - The studio reproduces these marginals, not the content of real photos nor the shape of the vote
#   spread: its cluster of high-spread "Duotone" images (vote SD about 2.4) is an artefact.
# - At the 5.0 threshold 68 % of images are "good" here (about 70 % quoted for real AVA): a constant
#   answer scores about 0.7 accuracy.
#   Report balanced accuracy or correlations beside it.
# - Aspect ratios cluster at 3:2, 4:3, 2:3 and 3:4: a square warp distorts most photos.
# - The spread of the votes separates consensus from controversial images; a mean hides it. (Here the
#   controversial end is the studio's polarising renders: look at real AVA's before you generalise.)
# - A photo's challenge gives part of its score away: a pixel-free predictor (each challenge's mean
#   score) already ranks the test images, with an SRCC interval above 0 (in the studio through
#   content, composition and the challenge's voters together).
# - Official test list and random splits hold different images: never compare numbers across them.

# %% [markdown]
# ## Exercises
# Replace each `...` with your answer and run the cell: it prints "correct" or a hint. Exercises 1 to 4
# ask for a little code (none of their answers is printed above), exercise 5 for a prediction that an
# experiment then tests. The value each check compares with is computed in a hidden cell just above
# it: open it only after you have answered.
#
# **Exercise 1 (what the bug does to the spread).** The `[2:11]` slice lowers the means; what does it
# do to the spread of the votes? Write `vote_sd(counts)`, the SD of each image's votes computed from
# its vote counts `[N, K]` over the scores 1..K, check it on `right` against the column `ava["std"]`,
# then apply it to `wrong`. What is the average vote SD over all images with the buggy slice? (Compare
# it with the average of `ava["std"]`.)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
from aesthetics_lib.data.schema import dist_std

expected = float(dist_std(wrong).mean())

# %%
def vote_sd(counts):
    """SD of each image's votes, from vote counts [N, K] over the scores 1..K."""
    ...  # your code


answer = ...  # the average of vote_sd(wrong) over all images
check(answer, expected, tol=1e-3,
      hint="first each image's mean (as mean_score does in section 1), then the average squared distance of its votes "
           "to that mean, each score weighted by its count; the SD is its square root. Try it on `right` first.")

# %% tags=["solution"]
def vote_sd(counts):
    """SD of each image's votes, from vote counts [N, K] over the scores 1..K."""
    counts = np.asarray(counts, dtype=np.float64)
    scores = np.arange(1, counts.shape[1] + 1)
    n = counts.sum(1)
    mu = (counts * scores).sum(1) / n
    return np.sqrt((counts * (scores - mu[:, None]) ** 2).sum(1) / n)


check(vote_sd(right), ava["std"].to_numpy(), tol=1e-9, hint="vote_sd(right) should reproduce ava['std'].")
answer = vote_sd(wrong).mean()  # smaller than with all ten scores: the votes for 10 lay far from most means
check(answer, expected, tol=1e-3,
      hint="first each image's mean (as mean_score does in section 1), then the average squared distance of its votes "
           "to that mean, each score weighted by its count; the SD is its square root. Try it on `right` first.")

# %% [markdown]
# **Exercise 2 (the free accuracy moves with the threshold).** Section 3 measured what answering "good"
# for every image earns at the threshold 5.0. Move the line: at a threshold of
# 6.0, what accuracy does the *best* constant answer reach on the **test** split ("good" for every
# image or "bad" for every image, whichever is right more often)?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_good_at_6 = float(metrics.binarize(test["mean"].to_numpy(), 6.0).mean())
expected = max(_good_at_6, 1 - _good_at_6)

# %%
answer = ...  # the accuracy of the better constant answer at 6.0 on the test split
check(answer, expected, tol=1e-3,
      hint="label the test images at 6.0 (metrics has a helper), count the share of each class; "
           "a constant answer is right exactly on one class.")

# %% tags=["solution"]
share_good_at_6 = metrics.binarize(test["mean"].to_numpy(), 6.0).mean()
answer = max(share_good_at_6, 1 - share_good_at_6)  # "bad" for all: the higher the line, the larger the free accuracy
check(answer, expected, tol=1e-3,
      hint="label the test images at 6.0 (metrics has a helper), count the share of each class; "
           "a constant answer is right exactly on one class.")

# %% [markdown]
# **Exercise 3 (content as the photographer tagged it).** Section 6 predicted each test image's score
# by the average training score of its challenge. Build the same pixel-free predictor from the first
# semantic tag (`tag1`): the average training score of the images with the same `tag1`, or the
# training mean for a tag no training image has. What SRCC does it reach on the test split? Does the
# tag give away more or less of the ranking than the challenge?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_per_tag1 = train.groupby("tag1")["mean"].mean()
expected = metrics.srcc(test["tag1"].map(_per_tag1).fillna(train["mean"].mean()).to_numpy(), test["mean"].to_numpy())

# %%
answer = ...  # the test SRCC of the tag1-mean predictor
check(answer, expected, tol=1e-3,
      hint="follow the challenge-mean cell of section 6 step by step, with the column tag1 in place of challenge.")

# %% tags=["solution"]
tag1_means = train.groupby("tag1")["mean"].mean()
tag1_pred = test["tag1"].map(tag1_means).fillna(train["mean"].mean())
answer = metrics.srcc(tag1_pred.to_numpy(), test["mean"].to_numpy())  # below the challenge-mean predictor here
check(answer, expected, tol=1e-3,
      hint="follow the challenge-mean cell of section 6 step by step, with the column tag1 in place of challenge.")

# %% [markdown]
# **Exercise 4 (does a tag explain a cluster?).** Section 2 found a separate group of images whose vote
# SD is above 2 (a studio artefact). Among the images with a vote SD above 2, what share carry the tag
# `Duotone`, as `tag1` or as `tag2`? (A share between 0 and 1.)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_duotone = (ava["tag1_name"] == "Duotone") | (ava["tag2_name"] == "Duotone")
expected = float(_duotone[ava["std"] > 2].mean())

# %%
answer = ...  # the share of Duotone-tagged images among those with a vote SD above 2
check(answer, expected, tol=1e-3,
      hint="two boolean columns of ava: one for 'tagged Duotone' (either tag name), one for 'vote SD above 2'; "
           "the share is a mean of the first over the rows where the second holds.")

# %% tags=["solution"]
is_duotone = ava[["tag1_name", "tag2_name"]].eq("Duotone").any(axis=1)
answer = is_duotone[ava["std"] > 2].mean()  # most, not all: the studio tags 80 % of its polarising renders Duotone
check(answer, expected, tol=1e-3,
      hint="two boolean columns of ava: one for 'tagged Duotone' (either tag name), one for 'vote SD above 2'; "
           "the share is a mean of the first over the rows where the second holds.")

# %% [markdown]
# **Exercise 5 (predict, run, check: more votes, less noise).** Section 3 counted the images whose mean
# lies within one standard error of 5.0: labels a new panel of raters could flip. Keep only the images
# with more votes than the median image has. *Before you run anything*, predict: does the share of
# such coin-flip labels among them go up, down or stay the same? Write your prediction, then set
# `KEEP = "more votes"` and run the cell.

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
KEEP = ...  # then set it to "more votes" and run this cell

n_votes = ava["n_votes"].to_numpy()
more = n_votes > np.median(n_votes)
after = None if KEEP is ... else near[more].mean()
check_prediction(prediction, near.mean(), after, what="share of labels within one standard error of 5.0")

# %% tags=["solution"]
prediction = "down"  # the standard error shrinks as 1 / sqrt(number of votes), so fewer means lie that close to 5.0
KEEP = "more votes"
after = near[more].mean()
check_prediction(prediction, near.mean(), after, what="share of labels within one standard error of 5.0")

# %% [markdown]
# ## Going further
# - Murray, Marchesotti & Perronnin, *AVA: A large-scale database for aesthetic visual analysis*, CVPR
#   2012: the data set, its tags and challenges, and the analysis of means and variances this notebook
#   repeats (e.g. the link between the spread of votes and unusual styles).
# - Datta, Joshi, Li & Wang, *Studying aesthetics in photographic images using a computational
#   approach*, ECCV 2006: the photo.net predecessor, and the origin of the "good vs bad with a gap"
#   binary task.
# - Kong, Shen, Lin, Mech & Fowlkes, *Photo aesthetics ranking network with attributes and content
#   adaptation*, ECCV 2016 (AADB): rater identities kept, and a ranking loss instead of a threshold.
# - Zhang, Niu & Zhang, *Image composition assessment with saliency-augmented multi-pattern pooling*,
#   BMVC 2021: CADB, the composition-only data set explored in notebook 03.
# - Try: with the real AVA, repeat section 7 with the 19,930 usable official ids and a 25,551-image
#   random split; and compare the tag and challenge tables with Murray et al.'s figures.
