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
# # 10 · Explainability: where does the model look, and can we believe it?
#
# A score of 3.4 tells a photographer nothing about what to change. This notebook asks the trained
# course models *why*: which regions raise the predicted mean score (class activation maps), and
# what the attribute head says about light, colour and composition. Then it asks the harder
# question: do these explanations actually depend on what the model learnt? The studio knows where
# it put each subject, so we can measure whether a CAM finds it, and a randomised model tells us
# whether the CAM is explaining the model or just drawing the image's edges.
#
# **Learning goals**
# - compute Grad-CAM, Grad-CAM++ and EigenCAM with the `grad-cam` package on a model whose output is
#   a *score*, not a class, by wrapping it so the target is the predicted mean;
# - measure whether a CAM points at the subject (share of CAM mass in the subject mask, the pointing
#   game) and compare it with maps that know nothing about the image;
# - run the model-randomisation sanity check of Adebayo et al. (2018) and read its result;
# - turn predicted attributes into feedback sentences, and check how far the attribute head can be
#   trusted.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, print_table

setup_notebook()

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from scipy import stats

from aesthetics_lib import explain
from aesthetics_lib.data import photos, registry, studio
from aesthetics_lib.data.cadb import read_cadb_annotations
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.studio.rendering import horizon_rows
from aesthetics_lib.viz import overlay_mask, save_figure
from aesthetics_lib.zoo import course_model

# %% [markdown]
# ## Configuration
# The models are the course's trained ConvNeXt V2 + SGFM (notebook 09) and SAMP-Net (notebook 08),
# trained on the studio's CADB-layout data from `configs/studio_<name>.yaml` and loaded from the
# cache (the first call trains them, which takes a few minutes on a CPU). With the real CADB on
# disk, start Jupyter with `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`: the models are then
# trained on it, and the cells that need the studio's ground truth (subject masks) are skipped. The
# full-scale runs are `python -m aesthetics_lib train --config configs/cadb_convnextv2_sgfm.yaml
# --data-root ...` and the same for `cadb_sampnet.yaml`.

# %%
MODELS = ("convnextv2_sgfm", "sampnet")
METHODS = ("gradcam", "gradcam++", "eigencam")
VARIANTS = [(m, 1.0) for m in METHODS] + [("gradcam", -1.0)]  # sign -1: what lowers the score
N_MASK = 24  # studio test images for the "does the CAM find the subject?" check
N_SANITY = 6  # images for the randomisation sanity check
DATA = registry.default_data("cadb")
models = {name: course_model(name) for name in MODELS}
ann = read_cadb_annotations(DATA.root)
test = ann[ann["split"] == "test"].reset_index(drop=True)
print("data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB")
for name, cm in models.items():
    print(f"{name}: input {cm.config.size}x{cm.config.size}, {len(cm.history)} epochs,",
          f"attributes: {len(cm.attribute_names)}, CAM layer: {type(cm.model.cam_target_layers()[0]).__name__}")

# %% [markdown]
# ## 1. A CAM for a score
# Grad-CAM (Selvaraju et al. 2017) explains one output number $y$ through one feature map $A$
# (here the last map before pooling, which each model names in `cam_target_layers()`): each
# channel $k$ gets the weight $\alpha_k = \frac{1}{hw}\sum_{i,j} \partial y / \partial A^k_{ij}$, and the
# map is $\mathrm{ReLU}(\sum_k \alpha_k A^k)$, upsampled to the image. Grad-CAM++ (Chattopadhay et
# al. 2018) weighs the positive gradients pixel by pixel, which helps when several regions matter.
# EigenCAM (Muhammad & Yeasin 2020) uses no gradient at all: it projects the map on its first
# principal component, so it shows what the features respond to most, whatever the output.
#
# The `grad-cam` package expects a classifier: a model with one output per class and a target
# that picks one. Our models return a dict. `explain.MeanScoreModel` wraps a model so its only
# output is the predicted mean score, and `ClassifierOutputTarget(0)` then picks that number.

# %%
cm = models["convnextv2_sgfm"]
row = test.iloc[0]
img = load_image(row["path"])
x = cm.transform(img)
wrapped = explain.MeanScoreModel(cm.model)
with torch.no_grad():
    print("wrapped output:", fmt(wrapped(x.unsqueeze(0))), "· the model's mean:", fmt(cm.model(x.unsqueeze(0))["mean"]))
cam = explain.compute_cam(cm.model, x, "gradcam")
print("CAM shape", cam.shape, "range", fmt([cam.min(), cam.max()]))

# %% [markdown]
# ## 2. CAMs on studio photos
# Four test photos of the studio, with the subject mask it drew, and the three CAMs of each model.
# The overlay is the CAM resized back to the photo (the models see a square warp of it); "(empty)"
# marks a Grad-CAM with no positive part (no region raises the target), drawn as all blue.


# %%
def cam_on(cm, image, method, sign=1.0):
    """The CAM of ``cm`` for a PIL image, resized to the image (H, W)."""
    cam = explain.compute_cam(cm.model, cm.transform(image), method, sign=sign)
    return explain.resize_map(cam, (image.height, image.width))


def variant_name(method, sign):
    return method if sign > 0 else f"{method} (lowers)"


show = test.iloc[[0, 1, 2, 3]]
fig, axes = plt.subplots(len(show), 2 + len(MODELS) * len(VARIANTS), figsize=(16, 1.8 * len(show)))
for r, (_, item) in enumerate(show.iterrows()):
    image = load_image(item["path"])
    mask = studio.subject_mask(DATA.root, item["image_id"]) if DATA.studio else np.zeros((image.height, image.width))
    axes[r, 0].imshow(image)
    axes[r, 0].set_title(f"mean vote {item['mean']:.1f}", fontsize=8)
    axes[r, 1].imshow(overlay_mask(image, mask > 0.5, alpha=0.6))
    axes[r, 1].set_title("subject mask", fontsize=8)
    c = 2
    for name, model in models.items():
        for method, sign in VARIANTS:
            cam_img = cam_on(model, image, method, sign)
            empty = " (empty)" if cam_img.max() <= 0 else ""
            axes[r, c].imshow(overlay_mask(image, cam_img, alpha=0.5))
            axes[r, c].set_title(f"{name.split('_')[0]}\n{variant_name(method, sign)}{empty}", fontsize=7)
            c += 1
for ax in axes.ravel():
    ax.axis("off")
fig.tight_layout()
save_figure(fig, "10_cams_studio")
plt.show()

# %% [markdown]
# ## 3. Does the CAM find the subject? A measured check
# Pictures persuade too easily: we see what we hope to see. The studio kept each subject's mask, so
# we can count. For each of `N_MASK` test photos we compute the **share of CAM mass inside the
# subject mask**, $\sum_{ij} \mathrm{cam}_{ij} m_{ij} / \sum_{ij} \mathrm{cam}_{ij}$. The overlays above
# suggest the maps follow the horizon rather than the subject, and the studio rewards a level
# horizon on a third too, so we measure a second region the same way: a **horizon band** (the rows
# within `HORIZON_BAND` of the image height from the studio's horizon line). References:
# - a **flat map** scores each region's area share; **random smooth blobs** the size of a CAM score
#   about the same on average, and their 95th percentile is the bar a map must clear to show that it
#   knows where the region is;
# - a **perfect map at the CAM's resolution**: a CAM is computed on the model's last feature map
#   and only drawn at full size; the subject mask averaged onto that grid and drawn back the same
#   way is what a CAM that had found the subject exactly would score.
#
# Grad-CAM keeps only the regions that *raise* the target; when none does, the map is empty (all
# zeros) and has no share. We count those, and also compute Grad-CAM of the *negated* score
# (`sign=-1`): the regions that pull the score down.

# %%
for name, model in models.items():
    grid = explain.target_map_size(model.model, model.transform(img))
    print(f"{name}: the CAM is computed on a {grid[0]}x{grid[1]} map, drawn at {img.height}x{img.width}")

HORIZON_BAND = 0.08
factors = studio.read_factors(DATA.root).set_index("image_id") if DATA.studio else None


def horizon_mask(image_id, shape):
    """1 within HORIZON_BAND of the image height from the studio's horizon line, else 0."""
    h, w = shape
    rows = horizon_rows(factors.loc[image_id].to_dict(), w, h)
    return (np.abs(np.arange(h)[:, None] + 0.5 - rows[None, :]) <= HORIZON_BAND * h).astype(np.float32)


rows = []
sample = test.iloc[:N_MASK] if DATA.studio else test.iloc[:0]
for _, item in sample.iterrows():
    image = load_image(item["path"])
    regions = {"subject": studio.subject_mask(DATA.root, item["image_id"])}
    regions["horizon"] = horizon_mask(item["image_id"], regions["subject"].shape)
    entry = {"image_id": item["image_id"]}
    for region, mask in regions.items():
        base = explain.mask_share_baseline(mask, n=50, seed=0)
        entry.update({f"flat|{region}": base["uniform"], f"random|{region}": base["random_mean"],
                      f"p95|{region}": base["random_p95"]})
    for name, model in models.items():
        x_item = model.transform(image)
        grid = explain.target_map_size(model.model, x_item)
        perfect = explain.resize_map(explain.resize_map(regions["subject"], grid), regions["subject"].shape)
        entry[f"{name}: perfect subject map|subject"] = explain.cam_mass_in_mask(perfect, regions["subject"])
        entry[f"{name}: perfect subject map|horizon"] = explain.cam_mass_in_mask(perfect, regions["horizon"])
        for method, sign in VARIANTS:
            cam_img = explain.resize_map(explain.compute_cam(model.model, x_item, method, sign=sign), image.size[::-1])
            for region, mask in regions.items():
                entry[f"{name}: {variant_name(method, sign)}|{region}"] = explain.cam_mass_in_mask(cam_img, mask)
    rows.append(entry)
mask_df = pd.DataFrame(rows)
maps = [k.split("|")[0] for k in mask_df.columns if k.endswith("|subject") and ":" in k]
table = [{"map": "flat map (= region's area)", **{f"{r} share": mask_df[f"flat|{r}"].mean() for r in ("subject", "horizon")}},
         {"map": "random smooth map", **{f"{r} share": mask_df[f"random|{r}"].mean() for r in ("subject", "horizon")},
          "subject > p95": 0.05, "horizon > p95": 0.05}]
for m in maps:
    row = {"map": m}
    for r in ("subject", "horizon"):
        share = mask_df[f"{m}|{r}"]
        row[f"{r} share"] = share.mean()
        row[f"{r} > p95"] = (share > mask_df[f"p95|{r}"]).mean()
    row["empty maps"] = int(mask_df[f"{m}|subject"].isna().sum())
    table.append(row)
columns = ["map", "subject share", "subject > p95", "horizon share", "horizon > p95", "empty maps"]
table = [{c: r.get(c, "") for c in columns} for r in table]
print(f"{len(mask_df)} studio test photos. share: mean over the photos whose map is not empty;")
print("> p95: share of photos where the map beats 95% of random maps")
print_table(table)

# %%
if len(mask_df):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
    cams = [m for m in maps if "perfect" not in m]
    for ax, region in zip(axes, ("subject", "horizon")):
        ax.boxplot([mask_df[f"{m}|{region}"].dropna() for m in cams], showfliers=False)
        ax.set_xticks(range(1, len(cams) + 1), [m.split("_")[0] + "\n" + m.split(": ")[1] for m in cams],
                      fontsize=6.5)
        ax.axhline(mask_df[f"flat|{region}"].mean(), color="grey", ls="--", label="flat map (area)")
        ax.axhline(mask_df[f"p95|{region}"].mean(), color="#C44E52", ls=":", label="random map, 95th percentile")
        ax.set_title(f"share of CAM mass on the {region}", fontsize=10)
    axes[1].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    save_figure(fig, "10_cam_mass_in_mask")
    plt.show()

# %%
if len(mask_df):
    for region in ("subject", "horizon"):
        shares = {m: mask_df[f"{m}|{region}"].mean() for m in maps if "perfect" not in m}
        top = max(shares, key=lambda k: np.nan_to_num(shares[k]))
        bar = mask_df[f"p95|{region}"].mean()
        verdict = "above" if shares[top] > bar else "below"
        print(f"{region}: best mean share {fmt(shares[top])} ({top}), {verdict} the random 95th percentile "
              f"{fmt(bar)}; flat map {fmt(mask_df[f'flat|{region}'].mean())}")

# %% [markdown]
# How to read the table. The first two rows are what knowing nothing scores: each region's area
# share. The "perfect subject map" rows are what finding the subject would score: the models' last
# maps are only a few cells wide at the 64 px the course trains at, so even a perfect CAM smears the
# subject over a cell and shares it with the background. A CAM between the two has found
# something; one at the flat-map level has not, however convincing its overlay looks.
#
# Compare the columns. On the subject, no CAM of these small models (trained for minutes at 64 px)
# clears the bar on average: the best mean share (the verdict line) stays below the random 95th
# percentile. ConvNeXt V2 + SGFM's Grad-CAM and Grad-CAM++ come closest, between the flat map and
# the bar, and only over the photos where their map is not empty; on `N_MASK` photos that does not
# show that the models score the photo from where the subject is. And the horizon, which the overlays
# seemed to show so clearly? The shares on the horizon band stay near the band's own area or below
# it, and all below the random 95th percentile: the horizontal streaks in the overlays come from maps
# only a few cells tall, not from the horizon. A hypothesis formed by looking at pictures did not
# survive counting. Grad-CAM of the score itself is often empty (the "empty maps" column; for
# ConvNeXt V2 + SGFM on most photos): no region raises the predicted score. Section 6 finds the same
# from another side (the attribute head's `RuleOfThirds` hardly follows its labels). The point of
# measuring is exactly this: a heat map always *looks* like an explanation; only a number against a
# baseline says whether it is one.

# %% [markdown]
# ## 4. Real photos
# The same maps on photos that ship with scikit-image (public domain or CC0, see
# `photos.list_photos()`). The models never saw a real photo: they were trained on the studio's
# renderings, so read these as "what this studio-trained model reacts to", not as a verdict on the
# photos.

# %%
real = ["chelsea", "coffee", "astronaut", "rocket"]
fig, axes = plt.subplots(len(real), 1 + len(MODELS) * 2, figsize=(12, 2.3 * len(real)))
for r, pname in enumerate(real):
    image = photos.load_photo(pname, max_side=320)
    axes[r, 0].imshow(image)
    axes[r, 0].set_title(pname, fontsize=8)
    c = 1
    for name, model in models.items():
        s = float(model.score([image])["mean"][0])
        for method in ("gradcam", "eigencam"):
            cam_img = cam_on(model, image, method)
            empty = " (empty)" if cam_img.max() <= 0 else ""
            axes[r, c].imshow(overlay_mask(image, cam_img, alpha=0.5))
            axes[r, c].set_title(f"{name.split('_')[0]} {method}{empty}\nscore {s:.2f}", fontsize=8)
            c += 1
for ax in axes.ravel():
    ax.axis("off")
fig.tight_layout()
save_figure(fig, "10_cams_photos")
plt.show()

# %% [markdown]
# ## 5. The sanity check: randomise the model
# Adebayo et al. (2018) asked a simple question of every saliency method: if the weights the
# explanation claims to explain are replaced by random ones, does the explanation change? If not,
# it was never about the model, only about the image (edge detectors pass many "explanations" off
# as insight). We randomise ConvNeXt V2 + SGFM **cascading** from the output back to the input,
# one block at a time (`explain.randomize_model(model, modules=...)` re-draws their weights from
# their initialisation), and measure how alike each CAM stays to the trained model's (Spearman rank
# correlation between the maps: 1 = the same ranking of pixels, 0 = unrelated). A trustworthy method
# should lose its similarity as soon as the score head is random.
#
# Section 3 found the "raises the score" Grad-CAM empty on most photos, and an empty map cannot be
# compared; so here the two gradient methods explain what *lowers* the score (`sign=-1`), which is
# just as much a function of the weights. EigenCAM has no sign.

# %%
base_model = models["convnextv2_sgfm"]
steps = [s for s in explain.cascade_order(base_model.model) if s != "attribute_head"]  # the score path only
SIGN = {"gradcam": -1.0, "gradcam++": -1.0, "eigencam": 1.0}
sanity_inputs = [base_model.transform(load_image(p)) for p in test["path"].iloc[:N_SANITY]]
trained = {m: [explain.compute_cam(base_model.model, xi, m, sign=SIGN[m]) for xi in sanity_inputs] for m in METHODS}
sanity = []
for k in range(1, len(steps) + 1):
    rnd = explain.randomize_model(base_model.model, seed=0, modules=steps[:k])
    entry = {"randomised up to": steps[k - 1]}
    for m in METHODS:
        sims = [explain.cam_similarity(a, explain.compute_cam(rnd, xi, m, sign=SIGN[m]))
                for a, xi in zip(trained[m], sanity_inputs)]
        entry[m] = float(np.mean(np.nan_to_num(sims, nan=0.0)))  # an empty map resembles nothing: 0
    sanity.append(entry)
print(f"{len(sanity_inputs)} photos; blocks from the output back to the input: {steps}")
print_table(sanity)

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.2))
for m in METHODS:
    ax.plot(range(len(sanity)), [e[m] for e in sanity], marker="o", label=m if SIGN[m] > 0 else f"{m} (lowers)")
ax.set_xticks(range(len(sanity)), [e["randomised up to"] for e in sanity], fontsize=8)
ax.set_xlabel("randomised, cumulatively, from the output back to ...")
ax.set_ylabel("Spearman similarity to trained CAM")
ax.axhline(0, color="grey", lw=0.8)
ax.legend(frameon=False)
save_figure(fig, "10_sanity_check")
plt.show()

# %% [markdown]
# Read the curves from the left. The gradient methods should drop as soon as the head is random:
# they then explain a different function. Grad-CAM++ does at once; Grad-CAM stays fairly alike to its
# trained map while only the head, the pooling and SGFM are random, and drops once the projections are
# randomised too. EigenCAM cannot drop: it never looks at the score, only at the target map itself,
# so randomising the head or the pooling leaves it exactly as it was. The
# telling part is the right end: EigenCAM stays close to its trained map **even when every block,
# backbone included, is random**. A map that a network with random weights draws just as well
# reflects the image (its bright, textured, contrasting regions), not anything the model learnt,
# which is precisely the failure Adebayo et al. warned about. Never caption an EigenCAM "what makes
# this photo good". With only a few photos and maps a few cells wide, the gradient curves are noisy
# from step to step; what to read is that both lie below EigenCAM at every step, and far below it
# once the backbone is random.

# %% [markdown]
# ## 6. Attributes as feedback
# ConvNeXt V2 + SGFM also predicts the 11 AADB attributes in [-1, 1] (tanh, so it can reach the
# negative half: a sigmoid head, the mistake notebook 09 warns about, could not).
# `explain.attribute_feedback` turns the clearest ones into sentences: an attribute speaks when
# $|v| \ge 0.3$ (more than one AADB rating step from "does not apply"), strongest first.
# Feedback is only worth giving if the head is right, so first check it against the labels of the
# test split (Spearman correlation per attribute, over the photos where the label is not 0).

# %%
pred = base_model.score([load_image(p) for p in test["path"]])
names = base_model.attribute_names
agree = []
for j, a in enumerate(names):
    known = test[a].to_numpy() != 0
    rho = stats.spearmanr(pred["attributes"][known, j], test[a].to_numpy()[known])[0] if known.sum() > 5 else np.nan
    agree.append({"attribute": a, "labelled photos": int(known.sum()), "SRCC with label": rho})
agree_df = pd.DataFrame(agree).sort_values("SRCC with label", ascending=False)
print_table(agree_df.to_dict("records"))

# %% [markdown]
# Now the sentences for three test photos, first from every attribute, then only from the
# attributes whose predictions follow their labels (SRCC at least `TRUSTED_SRCC` over at least
# `MIN_LABELLED` labelled photos: a correlation over a handful of photos is noise).

# %%
TRUSTED_SRCC, MIN_LABELLED = 0.3, 20
trusted = [r["attribute"] for r in agree
           if np.nan_to_num(r["SRCC with label"]) >= TRUSTED_SRCC and r["labelled photos"] >= MIN_LABELLED]
print("trusted attributes:", trusted)
for i in range(3):
    item = test.iloc[i]
    attrs = explain.attributes_dict(names, pred["attributes"][i])
    print(f"\nphoto {item['image_id']}: predicted score {pred['mean'][i]:.2f} (mean vote {item['mean']:.2f})")
    print("  all attributes:    ", "; ".join(explain.attribute_feedback(attrs, top=3)) or "(nothing stands out)")
    print("  trusted attributes:", "; ".join(explain.attribute_feedback(attrs, top=3, only=trusted)) or "(nothing stands out)")
    truth = {a: float(item[a]) for a in names if item[a] != 0}
    print("  labels:", ", ".join(f"{a} {v:+.1f}" for a, v in sorted(truth.items(), key=lambda t: (-abs(t[1]), t[0]))[:4]))

# %% [markdown]
# Look at the "all attributes" lines: several sentences repeat on every photo. That is a lesson in
# how the head was trained. In AADB (and CADB, and the studio) an attribute that does not apply is
# labelled 0, and the attribute loss ignores zero targets (`masked_attribute_mse`), so the head
# only ever saw, say, `Symmetry` on symmetric photos. It never learnt to say "does not apply"; it
# predicts the typical value of the photos where it does, for every photo. Feedback from such an
# attribute is fluent, confident and worthless: the worst kind of explanation, because it sounds
# right. Show only attributes whose predictions were checked against held-out labels, and say
# which ones.

# %% [markdown]
# ## Summary
# - The `grad-cam` package explains any single number; wrapping a model so that its output is the
#   predicted mean score (`explain.MeanScoreModel`) makes Grad-CAM, Grad-CAM++ and EigenCAM work on
#   an aesthetics model unchanged. `sign=-1` explains what lowers the score; Grad-CAM's map is empty
#   when nothing raises it.
# - On the studio, where the subject mask is known, "does the CAM find the subject?" is a number:
#   the share of CAM mass in the mask against a flat map, random maps and a perfect map at the CAM's
#   resolution. Measure before you believe a heat map; here the verdict line says what these small
#   models do.
# - The randomisation check separates methods that depend on the model (Grad-CAM, Grad-CAM++) from
#   one that mostly reflects the image (EigenCAM survives even a random backbone).
# - Attribute predictions turn into feedback sentences, but only attributes whose predictions agree
#   with held-out labels deserve to be shown; a head trained with a masked loss never learns "does
#   not apply".
#
# ## Exercises
# Each answer is checked in the cell below it: replace the `...` and run the cell.
#
# **1.** A flat CAM (the same value everywhere) on the first studio test photo: what share of its
# mass falls in the subject mask? Give a number (hint: it is a property of the mask alone).

# %%
mask0 = studio.subject_mask(DATA.root, test["image_id"].iloc[0]) if DATA.studio else np.ones((4, 4))
answer = ...
check(answer, float(mask0.mean()), tol=0.01,
      hint="a flat map spreads its mass evenly, so the share in the mask is the mask's mean value.")

# %% [markdown]
# **2.** In the sanity table, which method's map stayed most alike to the trained model's after the
# score head (`head`) alone was randomised? Answer with its name as written in `METHODS`, and say to
# yourself why.

# %%
answer = ...
check(answer, max(METHODS, key=lambda m: sanity[0][m]), hint="look at the first row of the sanity table.")

# %% [markdown]
# **3.** Which sentence comes first from `explain.attribute_feedback({"Light": 0.5, "Symmetry": -0.7,
# "VividColor": 0.2})`? Give the name of the attribute it speaks about.

# %%
answer = ...
check(answer, "Symmetry", hint="sentences are sorted by |value|, and values below 0.3 say nothing.")

# %% [markdown]
# **4.** On how many of the `N_MASK` studio photos was the Grad-CAM of ConvNeXt V2 + SGFM's score
# empty (no region raises the predicted score)? Count it from `mask_df`.

# %%
answer = ...
check(answer, int(mask_df["convnextv2_sgfm: gradcam|subject"].isna().sum()) if len(mask_df) else 0, tol=0,
      hint="an empty map has no share: count the NaN values of the column 'convnextv2_sgfm: gradcam|subject'.")

# %% [markdown]
# ## Going further
# - Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), *Sanity checks for saliency maps*
#   (NeurIPS): the randomisation tests of section 5, and the data-randomisation test (train on
#   shuffled labels): try it with `course_model(name, overrides=...)`.
# - Selvaraju et al. (2017) *Grad-CAM*; Chattopadhay et al. (2018) *Grad-CAM++*; Muhammad & Yeasin
#   (2020) *Eigen-CAM*; Wang et al. (2020) *Score-CAM* (gradient-free, by masking; `ScoreCAM` in the
#   same package: compare its sanity curve).
# - Rong et al. (2022), *ROAD: Remove and debias* (`pytorch_grad_cam.metrics.road`): score a CAM by how
#   much the prediction changes when the pixels it points at are removed, instead of by a mask.
# - Kong, Shen, Lin, Mech & Fowlkes (2016), *Photo aesthetics ranking network with attributes and
#   content adaptation* (AADB): where the 11 attributes come from.
# - Try: does the share of CAM mass in the mask differ between photos whose subject sits on a third
#   and photos whose subject sits at the edge? (`studio.read_factors(DATA.root)` has `placement`.)
