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
# # 08 · SAMP-Net: saliency and composition patterns
#
# Composition is about *where* things are: a subject on a thirds point, a horizon on a third, weight
# balanced across the frame. A network that averages its feature map over the whole image (global
# average pooling) throws exactly that away. SAMP-Net (Zhang et al. 2021, the model that came with
# the CADB dataset) keeps it: it pools the feature map separately in the parts of 8 composition
# **patterns** (halves, diagonals, centre vs surround, quadrants, triangles, the thirds grid), appends
# to each part how **salient** it is, and learns how much to trust each pattern. It also predicts
# composition **attributes** (rule of thirds, balance, symmetry ...) beside the score, and trains with
# a **weighted EMD** that gives rare scores more say, plus an attribute loss that ignores unlabelled
# (zero) targets.
#
# This notebook builds each piece in turn, trains a small SAMP-Net on the studio, and then asks what
# it learnt, using what the studio knows and real CADB does not: where each subject really is.
#
# **Learning goals**
# - compute spectral-residual saliency (Hou & Zhang 2007) step by step, and check it against the
#   library and against the studio's true subject masks;
# - draw SAMP-Net's 8 pooling patterns and say what the pooling feeds to the next layer;
# - explain the weighted EMD (why rare scores get larger weights) and the masked attribute loss (why
#   zero targets are skipped);
# - read a trained SAMP-Net: which patterns it prefers, whether its RuleOfThirds output follows the
#   true subject placement, how well it predicts the other attributes;
# - measure the effect of the saliency input with bootstrap intervals, and say honestly whether it is
#   larger than the noise.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, print_table

setup_notebook()

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from PIL import Image
from scipy import ndimage
from torch.utils.data import DataLoader

from aesthetics_lib import losses, metrics, saliency
from aesthetics_lib.data import photos, registry, studio
from aesthetics_lib.data.cadb import read_cadb_annotations
from aesthetics_lib.data.io import load_image
from aesthetics_lib.data.schema import ATTRIBUTES, SAMPNET_ATTRIBUTES
from aesthetics_lib.models import sampnet
from aesthetics_lib.train import build_datasets
from aesthetics_lib.training.config import config_diff
from aesthetics_lib.viz import overlay_mask, save_figure
from aesthetics_lib.zoo import course_config, course_model

# %% [markdown]
# ## Configuration
# The data is the studio's CADB-layout set (2,000 rendered photos, 5 simulated raters each, built
# offline on first use). With the real CADB on disk, start Jupyter with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset` and the same cells run on it; the cells that need the
# studio's ground truth (subject masks, true placement) are then skipped.
#
# The model is the course's SAMP-Net, `course_model("sampnet")`: trained once from
# `configs/studio_sampnet.yaml` (ResNet-18 from scratch, 64 x 64 input, 3 short epochs, a minute or
# two on a CPU), then loaded from a cache; notebooks 09-11 reuse it. The full-scale run on the
# real CADB is section 8.

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
PHOTO = "chelsea"  # the real photo of section 1 (any name from photos.list_photos())
N_BOOT = 1000  # bootstrap resamples for the intervals
ann = read_cadb_annotations(DATA.root)
train_ann, test_ann = ann[ann["split"] == "train"], ann[ann["split"] == "test"].reset_index(drop=True)
factors = studio.read_factors(DATA.root).set_index("image_id") if DATA.studio else None
print("data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB")
print("images: train", len(train_ann), "· test", len(test_ann))

# %% [markdown]
# ## 1. Spectral-residual saliency, step by step
# SAMP-Net needs to know which parts of an image draw the eye, without a second trained network. It
# uses the **spectral residual** of Hou & Zhang (2007). The idea: the log-amplitude spectra of natural
# images all look much alike (a smooth fall-off with frequency), so whatever *departs* from the smooth
# average, the residual, is what is unusual in this image. Keeping only the residual and going back
# to the image (with the original phase, which says *where* things are) lights up the unusual parts.
#
# The steps, exactly as SAMP-Net runs them:
# 1. grey image in [0, 1];
# 2. downscale by 6 (saliency is about objects, not pixels; it also makes the FFT cheap);
# 3. FFT; log-amplitude $L = \log|F|$ and phase $\varphi$;
# 4. spectral residual $R = L - h_3 * L$ ($h_3$: a 3 x 3 box blur);
# 5. back to the image: $S = |\mathcal{F}^{-1}[\exp(R + i\varphi)]|^2$;
# 6. Gaussian blur ($\sigma = 2.5$), resize to the image, clip at the 95th percentile, rescale to [0, 1].
#
# Here are the steps on a real photo (`chelsea`, CC0, bundled with scikit-image):

# %%
photo = photos.load_photo(PHOTO, max_side=384)
grey = np.asarray(photo, dtype=np.float32) / 255.0 @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # 1
h, w = grey.shape
small = np.asarray(Image.fromarray(grey).resize((round(w / 6), round(h / 6)), Image.BILINEAR), dtype=np.float64)  # 2
spectrum = np.fft.fft2(small)  # 3
log_amp, phase = np.log(np.abs(spectrum) + 1e-8), np.angle(spectrum)
residual = log_amp - ndimage.uniform_filter(log_amp, size=3, mode="nearest")  # 4
raw = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2  # 5
smooth = ndimage.gaussian_filter(raw, sigma=2.5, mode="nearest", truncate=3.0)  # 6
big = np.asarray(Image.fromarray(smooth.astype(np.float32)).resize((w, h), Image.BILINEAR))
top, low = np.percentile(big, 95), big.min()
by_hand = (np.clip(big, low, top) - low) / (top - low)
print("photo", photo.size, "-> grey", grey.shape, "-> downscaled", small.shape, "-> saliency", by_hand.shape)

# %% [markdown]
# The library does the same in one call, `saliency.spectral_residual` (NumPy, one image), and in a
# batched torch version, `saliency.spectral_residual_torch`, which the models use on the fly:

# %%
lib = saliency.spectral_residual(photo)
x = torch.from_numpy(np.asarray(photo, dtype=np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
lib_torch = saliency.spectral_residual_torch(x)[0, 0].numpy()
print("largest |by hand - spectral_residual|:", fmt(np.abs(by_hand - lib).max()))
print("spectral_residual_torch agrees within 1e-4:", bool(np.abs(lib_torch - lib).max() < 1e-4))

# %%
panels = [
    (photo, "photo"),
    (grey, "1. grey"),
    (small, "2. downscaled by 6"),
    (np.fft.fftshift(log_amp), "3. log-amplitude (centred)"),
    (np.fft.fftshift(residual), "4. spectral residual"),
    (np.minimum(raw, np.percentile(raw, 99)), "5. back to the image"),
    (np.minimum(smooth, np.percentile(smooth, 99)), "6. blurred"),
    (overlay_mask(photo, lib, alpha=0.6), "saliency on the photo"),
]
fig, axes = plt.subplots(2, 4, figsize=(13, 5.2))
for ax, (img, title) in zip(axes.ravel(), panels):
    ax.imshow(img, cmap=None if title in ("photo", "saliency on the photo") else "gray")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
fig.tight_layout()
_ = save_figure(fig, "08_spectral_residual")
plt.show()

# %% [markdown]
# The log-amplitude spectrum (3) is a bright centre fading out: every photo has one like it. The
# residual (4) looks like noise, yet with the original phase it brings back what is unusual in this
# photo: the eyes and the nose (5, 6). The frame's borders light up too: the FFT treats the image as
# periodic, so the jump from one edge to the opposite one counts as unusual. Spectral residual is a
# *bottom-up* detector: it finds what stands out in the image, not what a person would call the
# subject. A few more bundled photos (licences as the packages state them):

# %%
gallery = ["astronaut", "coffee", "rocket", "flower"]
info = photos.list_photos().set_index("name")
fig, axes = plt.subplots(1, len(gallery), figsize=(13, 3.2))
for ax, name in zip(axes, gallery):
    im = photos.load_photo(name, max_side=320)
    ax.imshow(overlay_mask(im, saliency.spectral_residual(im), alpha=0.6))
    ax.set_title(name, fontsize=9)
    ax.axis("off")
fig.tight_layout()
_ = save_figure(fig, "08_saliency_gallery")
plt.show()
for name in gallery:
    print(f"{name}: {info.loc[name, 'licence'].split(' (')[0]}")

# %% [markdown]
# **Does it find the studio's subjects?** Pictures persuade too easily, so we count. The studio kept
# a mask of every subject it drew. For each test photo: the share of the saliency map's mass that
# lies on the subject, against the share of the frame the subject covers (what a map that knows
# nothing would get).

# %%
if DATA.studio:
    rows = []
    for _, item in test_ann.iterrows():
        m = studio.subject_mask(DATA.root, item["image_id"]) > 0.5
        s = saliency.spectral_residual(load_image(item["path"]))
        rows.append({"mass_on_subject": s[m].sum() / max(s.sum(), 1e-12), "subject_area": m.mean(),
                     "saliency_on_subject": s[m].mean(), "saliency_elsewhere": s[~m].mean()})
    sal_check = pd.DataFrame(rows)
    print_table([{"test photos": len(sal_check),
                  "saliency mass on subject": sal_check["mass_on_subject"].mean(),
                  "subject area share": sal_check["subject_area"].mean(),
                  "photos above their area share": (sal_check["mass_on_subject"] > sal_check["subject_area"]).mean()}])
    print("mean saliency on the subject:", fmt(sal_check["saliency_on_subject"].mean()),
          "· elsewhere:", fmt(sal_check["saliency_elsewhere"].mean()))
else:
    print("real data: no subject masks to check against")

# %% [markdown]
# Saliency falls on the subject clearly more than chance would put it there, but far from all of it:
# the studio's subjects share the frame with horizons, fences, distractors and noise, and the spectral
# residual responds to all of them. That is the quality of cue SAMP-Net gets: helpful, not perfect.
#
# ## 2. The 8 composition patterns
# SAMP-Net pools its backbone feature map in 8 **patterns**, each a partition of the frame into
# parts: top/bottom halves, left/right halves, the two diagonal splits, centre vs surround, the four
# quadrants, four triangles cut by both diagonals, and the 3 x 3 thirds grid.
# `sampnet.pattern_masks(h, w)` returns them as boolean masks (one per part; every pixel lies in
# exactly one part of each pattern). Here they are on the paper's 56 x 56 saliency grid, over the
# photo warped to a square, as the model sees it:

# %%
masks = sampnet.pattern_masks(56, 56)
square = np.asarray(photo.resize((56, 56), Image.BILINEAR))
fig, axes = plt.subplots(2, 4, figsize=(12, 6.4))
for ax, name, m in zip(axes.ravel(), sampnet.PATTERN_NAMES, masks):
    labels = m.float().argmax(0).numpy()  # which part each pixel belongs to
    ax.imshow(square)
    ax.imshow(labels, cmap="tab10", vmin=0, vmax=9, alpha=0.55)
    ax.set_title(f"{name} ({m.shape[0]} parts)", fontsize=9)
    ax.axis("off")
fig.tight_layout()
_ = save_figure(fig, "08_patterns")
plt.show()
exact = all(bool((m.sum(0) == 1).all()) for m in masks)
print("every pixel in exactly one part of every pattern:", exact)
print("parts per pattern:", dict(zip(sampnet.PATTERN_NAMES, sampnet.PARTITION_COUNTS)))

# %% [markdown]
# **What each pattern passes on.** For every part, the average backbone feature over the part, with
# the part's average saliency appended (the *saliency augmentation*: $C + 1$ numbers per part). A
# pattern with $n$ parts concatenates them ($n (C + 1)$ numbers, in a fixed order, so the next layer
# knows which part is where) and a bias-free linear layer maps them to a 1,024-d pattern feature. A
# small layer on the globally pooled map predicts 8 logits; their softmax, the **pattern weights**,
# mixes the 8 pattern features. So the model can learn, image by image, "the thirds grid matters
# here" or "left vs right balance matters here", and we can read which it chose.
#
# At our 64 x 64 input, ResNet-18's map is only 2 x 2, so most parts cut through map pixels. The
# library pools with **area weights**: each map pixel contributes to a part in proportion to how
# much of it the part covers (the masks are drawn 8 times finer and averaged), and the saliency is
# averaged on that finer 16 x 16 grid. The thirds pattern on a 2 x 2 map, share of each map pixel in
# each part:

# %%
model_probe = sampnet.SAMPNet().eval()
with torch.no_grad():
    probe = model_probe(torch.zeros(1, 3, 64, 64))
fmap = model_probe.backbone(torch.zeros(1, 3, 64, 64))
print("backbone map at 64 px:", tuple(fmap.shape[1:]), "· saliency grid:", (fmap.shape[2] * 8, fmap.shape[3] * 8))
print("inputs of the 8 pattern layers (parts x (C + 1)):", [layer.in_features for layer in model_probe.pool.pattern_layers])
area = sampnet.partition_weights(2, 2)[-9:]  # the last 9 of the 27 parts: the thirds grid
print_table([{"part": sampnet.PARTITION_NAMES[7][i],
              "top-left": a[0, 0], "top-right": a[0, 1], "bottom-left": a[1, 0], "bottom-right": a[1, 1]}
             for i, a in enumerate(area.numpy())])
print("outputs:", {k: tuple(v.shape) for k, v in probe.items()})

# %% [markdown]
# The central third (`third_11`) sits a quarter in each map pixel: on a 2 x 2 map it cannot be told
# apart from a global average. The corner thirds each lie mostly in one pixel. Fine composition needs
# a finer map, that is a larger input: at 224 px the map is 7 x 7, as in the paper.
#
# ## 3. The losses: weighted EMD and a masked attribute loss
# **Weighted EMD.** CADB's scores pile up in the middle: of its 47,485 ratings, 81 % are 2 or 3, and
# 1.6 % are 5. The image means are more crowded still. A model trained with the plain EMD can do well
# by predicting "about 2.7" for everything, and learns little about the rare very good and very bad
# compositions, which are the ones a photographer cares about. The imbalance is tied to content too:
# scenes have different base rates (in real CADB, and in the studio by design), so the rare scores
# are concentrated in some kinds of image more than in others. SAMP-Net therefore multiplies each
# image's EMD by a weight that grows as its score gets rarer, shipped with CADB as
# `emdloss_weight.json` (`{image: weight}`); the loader reads it into the `weight` column (1 where
# the file is absent). The studio writes its own file, with the weight falling as
# 1/sqrt(frequency) of the image's rounded mean score in the training split:

# %%
bins = np.clip(np.floor(train_ann["mean"].to_numpy() + 0.5), 1, 5).astype(int)
wts = train_ann["weight"].to_numpy()
rows = []
for b in range(1, 6):
    sel = bins == b
    rows.append({"rounded mean": b, "images": int(sel.sum()), "share of images": sel.mean(),
                 "average weight": wts[sel].mean() if sel.any() else float("nan"),
                 "share of the loss weight": wts[sel].sum() / wts.sum()})
print_table(rows)

# %% [markdown]
# The rarest scores weigh several times more than the common ones, so in the weighted loss they
# count for a much larger share than their number. By scene, with `share_rare` the share of images
# whose rounded mean is 1, 4 or 5:

# %%
by_scene = (train_ann.assign(rare=~np.isin(bins, (2, 3)))
            .groupby("scene").agg(images=("mean", "size"), mean_score=("mean", "mean"),
                                  share_rare=("rare", "mean"), average_weight=("weight", "mean"))
            .sort_values("mean_score"))
by_scene.round(3)

# %% [markdown]
# The share of rare scores differs severalfold between scenes, and the scenes' average weights
# follow it, a little: weighting by score frequency also re-balances content.
#
# The loss itself is `losses.emd_loss(pred, target, r=2, weight=w)`: each image's EMD times its
# weight, averaged over the batch. On a toy batch of three images:

# %%
target = torch.tensor([[0.0, 0.8, 0.2, 0.0, 0.0], [0.0, 0.2, 0.6, 0.2, 0.0], [0.0, 0.0, 0.2, 0.4, 0.4]])
pred = torch.tensor([[0.1, 0.5, 0.3, 0.1, 0.0], [0.1, 0.3, 0.4, 0.2, 0.0], [0.0, 0.2, 0.5, 0.3, 0.0]])
weight = torch.tensor([0.8, 0.6, 3.0])  # the third image (mean 4.2) has a rare score
per_image = losses.emd_loss(pred, target, r=2, reduction="none")
print("EMD per image:", fmt(per_image), "· weights:", fmt(weight))
print("plain EMD loss:", fmt(losses.emd_loss(pred, target, r=2)),
      "· weighted:", fmt(losses.emd_loss(pred, target, r=2, weight=weight)),
      "= mean(w * EMD):", fmt((weight * per_image).mean()))

# %% [markdown]
# **Masked attribute loss.** SAMP-Net also predicts 6 composition attributes (from AADB, Kong et al.
# 2016): RuleOfThirds, BalacingElements (misspelt in the data; the name is kept), DoF, Object,
# Symmetry, Repetition, each in [-1, 1]. SAMP-Net treats a 0 as "no label": in these data a 0
# mostly means the attribute does not apply (most photos have no symmetry and no repetition to
# speak of), not a measured "exactly neutral". A plain MSE would then teach the attribute head to
# say 0, and a head that always says 0 would look good. So the loss,
# `losses.masked_attribute_mse`, averages only over non-zero targets, and the total is weighted
# EMD + 0.1 x this attribute loss.

# %%
rows = []
for a in SAMPNET_ATTRIBUTES:
    t = train_ann[a].to_numpy()
    t_ = torch.tensor(t, dtype=torch.float32).view(-1, 1)
    zero = torch.zeros_like(t_)
    rows.append({"attribute": a, "share of zeros": (t == 0).mean(),
                 "MSE of always 0: plain": torch.mean((zero - t_) ** 2).item(),
                 "masked": losses.masked_attribute_mse(zero, t_).item()})
print_table(rows)

# %% [markdown]
# Symmetry and Repetition are zero for most images: "always 0" has a tiny plain MSE there, and the
# masked loss exposes it. The attribute branch (AAFF in the paper) splits the fused pattern feature
# into an attribute feature and a composition feature; a learnt 2-way gate weighs the two before the
# score head, so what helps predict the attributes can also inform the score.
#
# ## 4. Training the course's SAMP-Net
# `course_model("sampnet")` trains with the library trainer from `configs/studio_sampnet.yaml` (the
# weighted EMD and the masked attribute loss as above, Adam, a cosine schedule, the checkpoint chosen
# on a validation split carved out of train) and caches the run. The first call trains (a minute or
# two on a CPU); later calls, here or in notebooks 09-11, load it.

# %%
cm = course_model("sampnet")
cfg = cm.config
print_table([{"model": cfg.model, "backbone": cfg.model_kwargs.get("backbone"), "input": cfg.size,
              "epochs": cfg.epochs, "steps/epoch": cfg.max_steps_per_epoch, "batch": cfg.batch_size,
              "loss": f"{cfg.loss_emd:g} wEMD + {cfg.loss_attributes:g} attr", "weighted": cfg.sample_weights}])
print_table([{k: row[k] for k in ("epoch", "train_loss", "train_emd", "train_attr", "val_srcc", "val_emd2") if k in row}
             for row in cm.history])

# %% [markdown]
# Now the test split, which no step of training or selection has seen. One pass over it collects
# everything SAMP-Net outputs: the score distribution, the pattern weights, the attributes and the
# attribute gate.


# %%
@torch.no_grad()
def run_model(model, dataset, batch_size=50):
    """Every output of ``model`` over ``dataset`` in item order, as NumPy arrays, plus the targets."""
    model.eval()
    out = {}
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        pred = model(batch["image"])  # SAMP-Net computes the saliency from the image itself
        pred.update(target_dist=batch["dist"], target_mean=batch["mean"], target_attr=batch["attributes"])
        for k, v in pred.items():
            out.setdefault(k, []).append(v.float().numpy())
        out.setdefault("image_id", []).append(np.asarray(batch["image_id"]))
    return {k: np.concatenate(v) for k, v in out.items()}


test_set = build_datasets(cfg, splits=("test",))[2]
res = run_model(cm.model, test_set)
true_mean = res["target_mean"].astype(np.float64)  # the labels' means: equal means stay exactly tied
ev = metrics.evaluate_predictions(res["dist"], res["target_dist"], cm.meta["threshold"], ci=True, n_boot=N_BOOT,
                                  true_mean=true_mean)
naive = metrics.naive_baseline(cm.meta["train_mean"], res["target_dist"], cm.meta["threshold"],
                               train_dist=cm.meta["train_dist"], true_mean=true_mean)
table = [{"": "naive (training mean)", "MSE": naive["mse"], "EMD r=2": naive["emd2"], "SRCC": 0.0, "LCC": 0.0},
         {"": "SAMP-Net (course, 64 px)", "MSE": ev["mse"], "EMD r=2": ev["emd2"], "SRCC": ev["srcc"], "LCC": ev["lcc"]}]
if DATA.studio:
    truth = factors.loc[res["image_id"], "true_quality"].to_numpy()
    table.append({"": "noise ceiling (vote mean vs truth)", "MSE": "", "EMD r=2": "",
                  "SRCC": metrics.srcc(true_mean, truth), "LCC": ""})
print_table(table)
print("SAMP-Net SRCC 95 % CI:", fmt(ev["srcc_ci"]), "· test images:", len(true_mean))
print("SRCC interval above 0:", bool(ev["srcc_ci"][0] > 0), "· MSE below the naive baseline:", bool(ev["mse"] < naive["mse"]))
print("training images seen:", cfg.epochs * cfg.max_steps_per_epoch * cfg.batch_size)
print("SD of the predicted means:", fmt((res["dist"] @ np.arange(1, 6)).std()), "· of the true means:", fmt(true_mean.std()))

# %% [markdown]
# (The naive baseline predicts one constant, so it has no ranking: its SRCC is shown as 0.) Read the
# SAMP-Net row against the two others. This is a weak model: a 64-pixel warp, a 28-million-parameter
# network trained from scratch, and under 3,000 training images seen. It ranks the test photos
# better than chance, but far below the noise ceiling, and its MSE does not beat predicting the
# training mean for every photo. The last line says why: its predicted means hardly vary. Early in
# training a model hedges towards the average score; the order of its predictions already carries
# some signal (the SRCC), their size not yet (the MSE). Keep that in mind for everything it "learnt" below: we are reading
# the early stage of training, and every reading gets an interval.
#
# ## 5. Which patterns does it prefer?
# The pattern weights are a softmax over the 8 patterns, one set per image. Averaged over the test
# photos, and by the studio's true subject placement (`studio.read_factors`: thirds, centre,
# symmetric, edge, free):

# %%
pw = pd.DataFrame(res["pattern_weights"], columns=sampnet.PATTERN_NAMES)
avg = pw.mean()
print_table([{"": "all test photos", **avg.to_dict()}])
print("uniform would be", fmt(1 / 8), "each; largest average weight:", avg.idxmax(), "· smallest:", avg.idxmin())
parts = pd.Series(sampnet.PARTITION_COUNTS, index=sampnet.PATTERN_NAMES)
print("mean weight of the 2-part patterns:", fmt(avg[parts == 2].mean()),
      "· of the 4- and 9-part patterns:", fmt(avg[parts > 2].mean()))
if DATA.studio:
    placement = factors.loc[res["image_id"], "placement"].to_numpy()
    order = [p for p in studio.PLACEMENTS if p in set(placement)]
    by_place = pw.groupby(placement).mean().reindex(order)
    counts = pd.Series(placement).value_counts().reindex(order)
    fig, ax = plt.subplots(figsize=(9, 3.4))
    im = ax.imshow(by_place.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(8), sampnet.PATTERN_NAMES, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), [f"{p} ({n})" for p, n in counts.items()])
    for (i, j), v in np.ndenumerate(by_place.to_numpy()):
        ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=7, color="w")
    ax.set_title("mean pattern weight by true subject placement (test photos)", fontsize=10)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    _ = save_figure(fig, "08_pattern_weights")
    plt.show()
    print("largest difference between placements, any pattern:", fmt((by_place.max() - by_place.min()).max()),
          "· between patterns, averaged over all photos:", fmt(avg.max() - avg.min()))

# %% [markdown]
# Two different things can happen to the weights, and the two numbers printed last tell them apart.
# A preference **shared by all photos** (the same patterns weighted up for every image) says which
# pooled features the head found useful overall. A preference that **changes with the photo** (say,
# the thirds grid weighted up when the subject sits on a third) would be the model adapting its
# pooling to the composition, which is what the pattern weights are for. Compare the spread between
# patterns with the spread between placements: in this small run the weights move well away from
# uniform, but alike for every placement. They are not a placement detector here.
#
# Which patterns lose is telling too: the 4- and 9-part patterns. On a 2 x 2 map their parts are
# only re-mixtures of the same 4 map pixels (section 2), so they carry no information the halves do
# not, through layers with 2 to 4.5 times more inputs to fit. That is a hypothesis, not a finding:
# test it at 128 px or more (exercise-sized, in *Going further*). And a pattern weight says how much
# the model *mixes in* a pattern's feature, not that it "believes in" the rule of thirds: each
# pattern feature can carry any information the layer finds useful.
#
# ## 6. The attribute predictions
# How well does each attribute output track its label? SRCC between predicted and true attribute on
# the test photos, over the photos where the label is non-zero (the entries the loss trains on) and
# over all photos:

# %%
rows, learnt = [], []
for j, a in enumerate(cm.attribute_names):
    p_, t_ = res["attributes"][:, j], res["target_attr"][:, ATTRIBUTES.index(a)]
    lab = t_ != 0  # the entries the masked loss trains on
    ci = metrics.bootstrap_ci(metrics.srcc, p_[lab], t_[lab], n_boot=N_BOOT) if lab.sum() > 2 else (np.nan, np.nan)
    rows.append({"attribute": a, "labelled": int(lab.sum()), "SRCC (labelled)": metrics.srcc(p_[lab], t_[lab]),
                 "95 % CI": fmt(ci), "SRCC (all)": metrics.srcc(p_, t_)})
    if ci[0] > 0:
        learnt.append(a)
print_table(rows)
print("attributes whose interval lies above 0:", learnt)

# %% [markdown]
# A small model trained for a minute learns the attributes unevenly: the ones whose interval lies
# above 0 are learnt a little; for the others it cannot be told from guessing, and Symmetry has so
# few labelled test photos that its interval says almost nothing either way.
#
# **RuleOfThirds against the truth.** The studio knows each subject's placement, and the placement
# term of the hidden quality (highest on a thirds point, low at the edge). Does the predicted
# RuleOfThirds follow them?

# %%
rot = res["attributes"][:, cm.attribute_names.index("RuleOfThirds")]
if DATA.studio:
    place = factors.loc[res["image_id"], "placement"].to_numpy()
    term = factors.loc[res["image_id"], "term_placement"].to_numpy()
    print_table([{"true placement": p, "photos": int((place == p).sum()), "mean predicted RuleOfThirds": rot[place == p].mean(),
                  "mean true placement term": term[place == p].mean()}
                 for p in studio.PLACEMENTS])
    lo, hi = metrics.bootstrap_ci(metrics.srcc, rot, term, n_boot=N_BOOT)
    print("SRCC(predicted RuleOfThirds, true placement term):", fmt(metrics.srcc(rot, term)), f"[95 % CI {fmt(lo)}, {fmt(hi)}]")
gate = res["attribute_gate"].mean(0)
print("mean attribute gate (attribute feature, composition feature):", fmt(gate))

# %% [markdown]
# The SRCC against the true placement term is the number to read: it uses what the studio *knows*,
# not the noisy label. The group means show how coarse the signal still is. Ideally they would
# follow the true term's order (edge lowest, thirds and symmetric highest); here they lie close
# together and their order agrees only in part. A weak positive SRCC with an interval above 0 is a
# coarse signal, not yet a rule-of-thirds detector. (Symmetric subjects sit on the centre line; their
# RuleOfThirds label is 0, so the masked loss never trained the head on them.) The gate shows
# how the score head mixes the attribute feature and the composition feature, averaged over the test
# photos.
# %% [markdown]
# ## 7. Does the saliency input help?
# The clean test: train the same model with the same data, seed and steps, changing only the switch
# `use_saliency=False` (the parts then carry no saliency value). The override goes through the same
# library trainer (`course_model` calls `aesthetics_lib.train.train` with the config and the
# override, and caches the run; the first call trains it, another minute or two). The configs
# differ in exactly one key:

# %%
NO_SALIENCY = {"model_kwargs.use_saliency": False}
cfg_sal, cfg_plain = course_config("sampnet"), course_config("sampnet", overrides=NO_SALIENCY)
print("config keys that differ:", config_diff(cfg_sal.to_dict(), cfg_plain.to_dict()))
print("model_kwargs with:", cfg_sal.model_kwargs, "· without:", cfg_plain.model_kwargs)
cm_plain = course_model("sampnet", overrides=NO_SALIENCY)
res_plain = run_model(cm_plain.model, test_set)
ev_plain = metrics.evaluate_predictions(res_plain["dist"], res_plain["target_dist"], cm.meta["threshold"],
                                        ci=True, n_boot=N_BOOT, true_mean=true_mean)
print_table([{"": name, "SRCC": e["srcc"], "95 % CI": fmt(e["srcc_ci"]), "LCC": e["lcc"], "MSE": e["mse"], "EMD r=2": e["emd2"]}
             for name, e in (("with saliency", ev), ("without saliency", ev_plain))])

# %% [markdown]
# The two intervals overlap heavily, but overlapping intervals are a weak test: both models are
# scored on the *same* photos, so their errors are correlated. The right interval is the one of the
# **difference**, bootstrapped with both models on the same resamples (a paired bootstrap):

# %%
both = np.stack([res["dist"] @ np.arange(1, 6), res_plain["dist"] @ np.arange(1, 6)], axis=1)


def srcc_gain(pred, target):
    """SRCC with saliency minus SRCC without, on one resample of the test photos."""
    return metrics.srcc(pred[:, 0], target) - metrics.srcc(pred[:, 1], target)


gain = srcc_gain(both, true_mean)
g_lo, g_hi = metrics.bootstrap_ci(srcc_gain, both, true_mean, n_boot=N_BOOT)
print("SRCC gain from saliency:", fmt(gain), f"[95 % CI {fmt(g_lo)}, {fmt(g_hi)}]")
print("interval excludes 0:", bool(g_lo > 0 or g_hi < 0))

# %% [markdown]
# Say what this does and does not show. The interval covers the *test-set* noise: which 200 photos
# happened to be in the test split. It does not cover the *training* noise: another seed gives
# another pair of models, and nothing here measures how far that moves the SRCC (*Going further*
# does). An honest claim needs both: several seeds per arm, and a paired interval on the test
# photos. Unless the paired interval printed above lies clearly away from 0, a difference from one
# short run per arm, on a 64-pixel input where the saliency is pooled into at most 9 numbers per
# pattern, is not evidence either way. Zhang et al. (2021) test the same switch on the real CADB at
# 224 px with a pretrained backbone; that ablation, not this run, is the evidence to read on what
# saliency does at full scale.
#
# A cheaper, complementary question needs no second model: **does the trained model use its
# saliency input at all?** SAMP-Net accepts a saliency map as an argument (`saliency=`) instead of
# computing it. Give each test photo its own map (which reproduces the normal output), another
# photo's map, or an empty one, and see how much the predictions move:

# %%
from aesthetics_lib.models.heads import saliency_at

SWAPS = {"own map": lambda m: m, "another photo's map": lambda m: m.roll(1, 0), "empty map": torch.zeros_like}
swapped = {name: [] for name in SWAPS}
with torch.no_grad():
    for batch in DataLoader(test_set, batch_size=50, shuffle=False):
        x = batch["image"]
        h, w = cm.model.backbone(x).shape[-2:]
        own = saliency_at(x, (h * cm.model.supersample, w * cm.model.supersample))  # what the model computes
        for name, swap in SWAPS.items():
            swapped[name].append(cm.model(x, saliency=swap(own))["dist"].numpy())
normal = np.concatenate(swapped["own map"]).astype(np.float64) @ np.arange(1, 6)
rows = []
for name, chunks in swapped.items():
    pred_mean = np.concatenate(chunks).astype(np.float64) @ np.arange(1, 6)
    rows.append({"saliency given": name, "SRCC": metrics.srcc(pred_mean, true_mean),
                 "mean |change| of the predicted mean": np.abs(pred_mean - normal).mean()})
print_table(rows)
print("for scale: SD of the predicted means", fmt(normal.std()))

# %% [markdown]
# If swapping the maps barely moves the predictions (compare the change with the spread of the
# predictions), the model has learnt to lean very little on its saliency numbers (one per part, 2 to
# 9 per pattern, beside 512 feature values each), and a gain from saliency in the retraining
# comparison above would have been a surprise. If they move a lot, the model relies on saliency,
# whether or not that makes it better.
#
# ## 8. The full-scale version on real CADB
# `configs/cadb_sampnet.yaml` holds the paper's settings: ResNet-18 pretrained on ImageNet, 224 x 224
# warp, Adam with learning rate 1e-4 (backbone 1e-6), weight decay 5e-5, batch 16, 50 epochs,
# weighted EMD (r = 2, from `emdloss_weight.json`) + 0.1 x the masked attribute MSE. With CADB on
# disk and a GPU:
#
# ```
# python -m aesthetics_lib train --config configs/cadb_sampnet.yaml --data-root /path/to/CADB_Dataset
# python -m aesthetics_lib evaluate --checkpoint runs/cadb_sampnet/best.pt --data cadb:/path/to/CADB_Dataset
# ```
#
# What the paper reported on the CADB test split (Zhang et al. 2021, as quoted in the course's
# reference table; **quoted, not measured here**), beside the plain ResNet-18 baseline from the same
# table:

# %%
print_table([
    {"CADB test (quoted)": "ResNet-18 baseline", "MSE": 0.4534, "EMD": 0.1943, "SRCC": 0.6025, "LCC": 0.6148},
    {"CADB test (quoted)": "SAMP-Net", "MSE": 0.3867, "EMD": 0.1798, "SRCC": 0.6564, "LCC": 0.6709},
], digits=4)

# %% [markdown]
# Our studio numbers are not comparable with these: other images, other raters, a 64-pixel input
# and a network trained from scratch for a minute.
#
# ## Summary
# - Spectral-residual saliency is a few lines of FFT: keep what departs from the smooth average
#   log-amplitude spectrum, go back with the original phase, blur. It is a bottom-up cue: on the
#   studio it puts clearly more than chance of its mass on the subject, but far from all.
# - SAMP-Net pools the feature map in 8 composition patterns (27 parts), appends each part's mean
#   saliency, and mixes the patterns with learnt per-image weights; on a tiny map the parts overlap
#   by area.
# - The weighted EMD gives rare (very good, very bad) scores more say; the masked attribute MSE skips
#   zero targets, which are mostly "not marked".
# - The course's small SAMP-Net is weak (64 px, from scratch, a minute of training): its ranking is
#   better than chance and far below the noise ceiling. The studio's truth lets us check what it
#   learnt: pattern weights that move alike for every placement, and a RuleOfThirds output that
#   follows the true placement only weakly.
# - With vs without saliency: report the paired interval of the difference, remember the seed, and
#   check whether the trained model responds to its saliency input at all (swap the maps): a model
#   that ignores it cannot gain from it.
#
# ## Exercises
# **1.** How many parts do the 8 patterns have in total (the number of pooled vectors per image)?

# %%
answer = ...
check(answer, sum(len(m) for m in sampnet.pattern_masks(7, 7)),
      hint="count the parts of each pattern in section 2 and add them up.")

# %% [markdown]
# **2.** Compute the masked attribute MSE of the prediction `[0.6, 0.3, -0.5, 0.2]` for the targets
# `[0.2, 0.0, -1.0, 0.0]` (one image, four attributes) by hand.

# %%
answer = ...
check(answer, losses.masked_attribute_mse(torch.tensor([[0.6, 0.3, -0.5, 0.2]]), torch.tensor([[0.2, 0.0, -1.0, 0.0]])).item(),
      tol=1e-4, hint="only the entries whose target is non-zero count; average their squared errors.")

# %% [markdown]
# **3.** The course model sees 64 x 64 images and computes their saliency itself. What is the
# (height, width) of the image its FFT works on? (Step 2 of section 1; the library never goes below
# 8 pixels a side.)

# %%
answer = ...
check(answer, (max(8, round(64 / 6)), max(8, round(64 / 6))), tol=1e-6,
      hint="divide each side by 6 and round to the nearest integer.")

# %% [markdown]
# **4.** From section 7: does the paired 95 % interval of the SRCC gain from saliency exclude 0?
# (True or False.)

# %%
answer = ...
check(answer, bool(g_lo > 0 or g_hi < 0), hint="look at the interval printed for the gain, not at the two separate intervals.")

# %% [markdown]
# ## Going further
# - **Zhang, Niu, Zhang et al. (2021)**, *Image Composition Assessment with Saliency-augmented
#   Multi-pattern Pooling*, BMVC: SAMP-Net and the CADB dataset. Train `configs/cadb_sampnet.yaml`
#   on the real data and look at the pattern weights of images with a clear thirds composition.
# - **Hou & Zhang (2007)**, *Saliency Detection: A Spectral Residual Approach*, CVPR. Try the
#   downscale factor (6) and the box size (3): how does the share of saliency on the studio's
#   subjects change?
# - **Kong, Shen, Lin, Mech & Fowlkes (2016)**, *Photo Aesthetics Ranking Network with Attributes
#   and Content Adaptation*, ECCV: the AADB dataset whose 11 attributes CADB reuses.
# - Repeat section 5 at a larger input (`course_model("sampnet", overrides={"size": 128})`, a 4 x 4
#   map): do the 4- and 9-part patterns still lose, and do the weights start to depend on the
#   placement?
# - Repeat section 7 with three seeds per arm (`course_model("sampnet", overrides={"seed": 1, ...})`)
#   and a larger input (`"size": 128`): does the saliency gain rise above the seed-to-seed noise?
