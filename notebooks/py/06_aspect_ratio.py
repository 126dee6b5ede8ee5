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
# # 06 · Aspect ratio: keep the frame the photographer chose
#
# Most networks want a fixed square input, and the usual way to get one is to **warp**: resize the
# photo to 224 x 224 whatever its shape. For a 3:2 photo that is a mild squeeze; for a 3:1 panorama it
# triples the height of everything relative to its width. Circles become ellipses, slanted lines get
# steeper, and fine structure running along the long side is squeezed below what the pixels can hold.
# Cropping a square instead keeps shapes but throws away part of the frame, and with it the
# composition. Aesthetics is about exactly these things, so the input view is a modelling decision,
# not plumbing.
#
# This notebook looks at what each view keeps and loses, then at two ways to avoid the warp:
# **spatial pyramid pooling** (SPP: a fixed-length vector from an input of any size) and
# **aspect-ratio-preserving multi-patch** training with the MPEMD losses (Wang et al. 2019). It ends
# with the honest question: on images with extreme aspect ratios, does it help?
#
# **Learning goals**
# - say precisely what a square warp, a centre crop and padding do to shapes, angles, thirds and fine
#   structure, and compute it for a given aspect ratio;
# - explain spatial pyramid pooling and why its output length does not depend on the input size;
#   batch images of different shapes with aspect-ratio buckets;
# - build the multi-patch view and the MPEMD_avg / MPEMD_ada losses, and read the adaptive weight
#   $1 - \mathrm{EMD_c}^\beta$;
# - compare a warped model with aspect-preserving ones **per aspect-ratio bucket**, with bootstrap
#   intervals on the differences, and say what the numbers do and do not show.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, print_table

setup_notebook()

# %%
import json
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.patches import Rectangle
from PIL import Image, ImageOps
from torchvision.transforms.v2 import functional as TF

from aesthetics_lib import losses, metrics
from aesthetics_lib.data import photos, registry, studio
from aesthetics_lib.data.io import image_size, load_image
from aesthetics_lib.data.transforms import (
    ASPECT_BUCKETS,
    AspectBucketSampler,
    aspect_bucket,
    build_transform,
    bucket_shape,
    patch_grid,
)
from aesthetics_lib.models import SpatialPyramidPool
from aesthetics_lib.train import eval_transform_for, predict
from aesthetics_lib.training.build import cache_side
from aesthetics_lib.training.config import config_diff
from aesthetics_lib.viz import draw_thirds, save_figure
from aesthetics_lib.zoo import course_config, course_model

# %% [markdown]
# ## Configuration
# Training and evaluation use the studio's CADB-layout data (2,000 rendered photos, 5 simulated
# raters each, built offline on first use), or the real CADB when Jupyter is started with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`. The demonstrations of sections 1-2 always use studio
# images as well, because only the studio knows the factors behind each photo.
#
# Photos with extreme aspect ratios are rare (about one in seven in the studio), and
# the studio's 200-image test split holds only about 30 of them: far too few for an interval worth
# reading. So on the studio, section 7 scores the models on a **fresh draw** of 1,000 studio photos
# (another seed: no image of it was seen in training or validation). On real data it uses the test
# split. The full-scale runs on real data are in section 9.

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
STUDIO = DATA.root if DATA.studio else studio.ensure_studio("cadb")  # for the demonstrations
EVAL_N, EVAL_SEED = 1000, 1  # the fresh studio draw for the per-bucket comparison
N_BOOT = 1000  # bootstrap resamples
factors = studio.read_factors(STUDIO).set_index("image_id")
print("training data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB")
print("studio photos with elongation >= 2:", fmt((np.maximum(factors["aspect"], 1 / factors["aspect"]) >= 2).mean()))

# %% [markdown]
# ## 1. What a square warp does to a wide photo
# Take a real photo: scikit-image's `china` (the Summer Palace, CC BY 2.0, see
# `photos.list_photos()` for the credit), cut to a 2.56:1 panorama with the pagoda's axis near the
# left third line and the far shore near the upper third. Three ways to make it square:
#
# - **warp**: resize to a square, ignoring the shape (NIMA, SAMP-Net and most of the literature);
# - **centre crop**: cut the middle square (the usual ImageNet test-time view);
# - **pad**: keep the shape, fill the rest of the square with grey (letterbox).
#
# The second row does the same to a 3:1 strip of scikit-image's `coins` (Greek coins from Pompeii,
# Brooklyn Museum, "no known copyright restrictions"): round things make the distortion obvious.

# %%
china = photos.load_photo("china")  # 640 x 427
pano = china.crop((0, 150, 640, 400))  # 640 x 250
PAGODA_X, SHORE_Y = 205, 65  # pagoda axis and far shore in the panorama, in pixels (read off the photo)
coins = photos.load_photo("coins").convert("RGB").crop((0, 172, 384, 300))  # 384 x 128: a 3:1 strip


def warp(img, side):
    """Resize to side x side, ignoring the aspect ratio."""
    return img.resize((side, side), Image.BILINEAR)


def centre_crop(img):
    """The middle square of the image."""
    w, h = img.size
    s = min(w, h)
    return img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))


def pad(img, side):
    """Shrink to fit inside side x side, keep the shape, fill the rest with grey."""
    return ImageOps.pad(img, (side, side), color=(128, 128, 128))


fig, axes = plt.subplots(2, 4, figsize=(12, 4.4), gridspec_kw={"width_ratios": [2.56, 1, 1, 1]})
crop_left = (pano.width - pano.height) // 2
band = pano.height / pano.width  # the picture's share of the padded square's height
views = [  # (image, title, pagoda axis x, shore y, picture's top and bottom), as fractions of the view
    (pano, "panorama 2.56:1", PAGODA_X / pano.width, SHORE_Y / pano.height, (0, 1)),
    (warp(pano, 250), "warp to a square", PAGODA_X / pano.width, SHORE_Y / pano.height, (0, 1)),
    (centre_crop(pano), "centre crop", (PAGODA_X - crop_left) / pano.height, SHORE_Y / pano.height, (0, 1)),
    (pad(pano, 250), "pad to a square", PAGODA_X / pano.width, 0.5 + (SHORE_Y / pano.height - 0.5) * band,
     (0.5 - band / 2, 0.5 + band / 2)),
]
for ax, (img, title, px, sy, (top, bottom)) in zip(axes[0], views):
    ax.imshow(img)
    w, h = img.size
    draw_thirds(ax, w, h, points=False, alpha=0.6)
    ax.plot([px * w, px * w], [top * h, bottom * h], color="red", lw=1.5)
    ax.axhline(sy * h, color="yellow", lw=1.2)
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
for ax, (img, title) in zip(axes[1], [(coins, "coins 3:1"), (warp(coins, 128), "warp"), (centre_crop(coins), "centre crop"),
                                       (pad(coins, 128), "pad")]):
    ax.imshow(img)
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
fig.suptitle("red: the pagoda's axis · yellow: the far shore · dashed: thirds", fontsize=9)
fig.tight_layout()
_ = save_figure(fig, "06_warp_crop_pad")
plt.show()

# %% [markdown]
# Look closely at what moved. The warp keeps every point at the same *relative* position: the pagoda's
# axis stays on the left third line, the shore stays near the upper third. What it changes is
# **shape and angle**: the horizontal scale shrinks by the aspect ratio $e$ = width / height, so a
# circle becomes an ellipse $e$ times taller than wide and a line of slope $\tan\theta$ gets slope
# $e\tan\theta$. A horizon tilted by 3° in a 3:1 panorama looks tilted by about 9° after the warp.
# The centre crop keeps shapes but changes the frame: a subject on the left third of a photo with
# aspect $e$ lands at $(3 - e)/6$ of the crop's width, at the very edge for $e = 3$ and outside the
# crop beyond that. Padding keeps both, and spends $1 - 1/e$ of the square on grey.

# %%
rows = []
for name, e in [("4:3", 4 / 3), ("3:2", 3 / 2), ("16:9", 16 / 9), ("2:1", 2.0), ("3:1", 3.0)]:
    rows.append({
        "aspect": name,
        "warp: circle -> ellipse (height/width)": e,
        "warp: 3° tilt looks like (°)": math.degrees(math.atan(e * math.tan(math.radians(3)))),
        "warp: 30° diagonal becomes (°)": math.degrees(math.atan(e * math.tan(math.radians(30)))),
        "crop: left-third subject at": (3 - e) / 6,
        "pad: share of grey": 1 - 1 / e,
    })
print_table(rows)

# %% [markdown]
# The same on a studio photo, where we know the truth: a panorama of nearly 3:1 whose subject is a
# round ellipse sitting on a thirds point. The subject's mask gives its true shape; its axis ratio (from the
# second moments of the mask) before and after a 64 x 64 warp:


# %%
def axis_ratio(mask):
    """Height / width of a blob from the second moments of its mask (1 for a circle)."""
    ys, xs = np.nonzero(mask > 0.5)
    return float(np.sqrt(ys.var() / xs.var()))


cands = factors[(factors["aspect"] >= 2.6) & (factors["subject_shape"] == "ellipse") & (factors["placement"] == "thirds")
                & ~factors["polarising"] & factors["band"] & (factors["noise"] < 0.03)]
demo_id = cands.index[np.argmin(np.abs(cands["subject_elong"].to_numpy() - 1.0))]
demo = factors.loc[demo_id]
demo_img = load_image(str(STUDIO / "images" / demo_id))
demo_mask = studio.subject_mask(STUDIO, demo_id)
warped_mask = np.asarray(Image.fromarray((demo_mask * 255).astype(np.uint8)).resize((64, 64), Image.BILINEAR)) / 255.0
print(f"studio photo {demo_id}: {demo_img.width} x {demo_img.height} (aspect {fmt(demo['aspect'])}), "
      f"subject at ({fmt(demo['subject_x'])}, {fmt(demo['subject_y'])}) of the frame")
print("subject axis ratio (height/width): native", fmt(axis_ratio(demo_mask)), "· after the 64 x 64 warp", fmt(axis_ratio(warped_mask)))

# %% [markdown]
# ## 2. The cue a warp squeezes away
# Shapes are one loss; resolution along the long side is another. A warp to $S \times S$ scales the
# long side by $S / \text{long}$ but the short side only by $S / \text{short}$, so anything fine that
# runs along the long side loses $e$ times more resolution than it would in a square photo.
#
# The studio builds this in on purpose (read `aesthetics_lib/data/studio/`). Most photos carry a
# fence-like **rhythm band** along the long side, crisp (`rhythm` near 1) or smeared (near 0), and its
# term in the hidden quality grows with elongation: $\text{band} \cdot (0.3 + 1.2\,\mathrm{clip}((e -
# 1.25)/1.25, 0, 1)) \cdot (2\,\text{rhythm} - 1)$, so up to ±0.3 in a square photo and ±1.5 at 2.5:1
# and beyond. The fence's period is a 20th of the *short* side. In a 3:1 photo of 160 x 53 pixels that
# is 2.7 pixels; a 64 x 64 warp shrinks the long side 2.5 times, leaving a period of about 1 pixel,
# below the 2 pixels any image can represent: the antialiased resize simply averages the fence to
# grey. The studio's report measures how much the cue matters for the raters:

# %%
report = json.loads((STUDIO / studio.REPORT_FILE).read_text())
ar = report["phenomena"]["aspect_ratio"]
print_table([
    {"": "photos with elongation >= 2", "value": ar["fraction_elongation_ge_2"]},
    {"": "SRCC(rhythm, vote mean), elongation >= 2", "value": ar["rhythm_srcc_with_vote_mean_elongated"]},
    {"": "SRCC(rhythm, vote mean), elongation < 1.6", "value": ar["rhythm_srcc_with_vote_mean_moderate"]},
    {"": "rhythm's share of the quality variance, all photos", "value": report["variance_share_of_quality_terms"]["rhythm"]},
])

# %% [markdown]
# Render the demonstration photo twice from its factors, once with a crisp and once with a smeared
# fence (without its noise, blur and clutter, so that the fence is the only difference: the renderer
# is deterministic), and look at each through the views the
# models of this notebook use: the **warp** to 64 x 64 (the NIMA-style model), the **native** view
# with the aspect ratio kept and the long side 64 (the SPP model), and the **multi-patch** view, which
# keeps the aspect ratio and resizes the *short* side to 48 before cutting 32 x 32 patches.

# %%
WARP64 = build_transform("warp", 64, normalize=False)
NATIVE64 = build_transform("native", 64, normalize=False, buckets=None)
PATCH_SHORT = build_transform("patches", 32, num_patches=4, normalize=False).short_side  # 48


def short_side_view(img, short=PATCH_SHORT):
    """What the multi-patch view cuts its patches from: aspect kept, shorter side `short` (the
    same antialiased resize as the library's `patches` view)."""
    return TF.to_dtype(TF.resize(TF.to_image(img), short, antialias=True), torch.float32, scale=True)


def full(img):
    """The photo as it is, as a [3, H, W] tensor in [0, 1]."""
    return TF.to_dtype(TF.to_image(img), torch.float32, scale=True)


VIEWS = {"native 160 px": full, "warp 64 x 64": WARP64, "aspect kept, long side 64 (SPP)": NATIVE64,
         "aspect kept, short side 48 (patches)": short_side_view}
clean = dict(demo.to_dict(), noise=0.0, softness=0.0, motion_blur=0.0, dof=0.0, clutter=0)


def render_pair(aspect):
    """The same studio scene at `aspect`, with a crisp (rhythm 1) and a smeared (rhythm 0) fence."""
    crisp = Image.fromarray(studio.render(dict(clean, aspect=aspect, rhythm=1.0))[0])
    smeared = Image.fromarray(studio.render(dict(clean, aspect=aspect, rhythm=0.0))[0])
    return crisp, smeared


crisp, smeared = render_pair(float(demo["aspect"]))
fig, axes = plt.subplots(2, 4, figsize=(12, 3.6), gridspec_kw={"width_ratios": [3, 1, 3, 3]})
for row, (img, label) in enumerate([(crisp, "crisp fence"), (smeared, "smeared fence")]):
    for ax, (vname, view) in zip(axes[row], VIEWS.items()):
        x = view(img)
        ax.imshow(x.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(f"{label} · {vname}", fontsize=8)
        ax.set_axis_off()
fig.tight_layout()
_ = save_figure(fig, "06_rhythm_views")
plt.show()

# %% [markdown]
# The difference between the crisp and the smeared fence is the cue. How much of it survives each
# view, as the photo gets more elongated? Below: the mean absolute pixel difference between the two
# renderings, as a share of the difference at native resolution.

# %%
ASPECTS = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
survival = {name: [] for name in VIEWS}
for a in ASPECTS:
    c, s = render_pair(a)
    diffs = {name: float((view(c) - view(s)).abs().mean()) for name, view in VIEWS.items()}
    for name in VIEWS:
        survival[name].append(diffs[name] / diffs["native 160 px"])
print_table([{"aspect": a, **{n: survival[n][i] for n in list(VIEWS)[1:]}} for i, a in enumerate(ASPECTS)])

fig, ax = plt.subplots(figsize=(6.4, 3.4))
for name, style in zip(list(VIEWS)[1:], [dict(lw=4, alpha=0.5), dict(ls="--"), {}]):
    ax.plot(ASPECTS, survival[name], marker="o", label=name, **style)
ax.set(xlabel="aspect ratio (width / height)", ylabel="share of the cue that survives",
       title="the rhythm cue through each view", ylim=(0, 1))
ax.legend(fontsize=8)
fig.tight_layout()
_ = save_figure(fig, "06_cue_survival")
plt.show()

# %% [markdown]
# To explore in class: drag the aspect ratio and switch the fence between crisp and smeared, and
# watch it vanish from the warp long before it leaves the multi-patch view. (The slider is live in
# Jupyter; the stored notebook shows no output for it.)

# %%
# NBVAL_IGNORE_OUTPUT
def show_views(aspect=2.5, crisp_fence=True):
    img = Image.fromarray(studio.render(dict(clean, aspect=aspect, rhythm=1.0 if crisp_fence else 0.0))[0])
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.6), gridspec_kw={"width_ratios": [max(aspect, 1), 1, max(aspect, 1)]})
    for ax, name in zip(axes, ["native 160 px", "warp 64 x 64", "aspect kept, short side 48 (patches)"]):
        ax.imshow(VIEWS[name](img).permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    plt.show()


_ = widgets.interact(show_views, aspect=widgets.FloatSlider(value=2.5, min=0.4, max=3.0, step=0.1), crisp_fence=True)

# %% [markdown]
# The warp and the native view at long side 64 lose the cue in the same way (both shrink the long side
# to 64 pixels: their curves coincide), down to less than a tenth from 2.5:1 on. Keeping the aspect ratio is not enough: what matters is
# the **scale along the long side**. The multi-patch view keeps about half of it at every aspect
# ratio, because it fixes the short side and lets the long side be as long as it needs to be (a 3:1
# photo becomes 144 x 48 and is seen through several patches). The studio built this in to mirror
# Wang et al.'s observation that multi-patch training helps most for extreme aspect ratios. Whether a small
# model trained for a few minutes actually learns to use the cue is a different question: section 7.
#
# ## 3. Spatial pyramid pooling: any size in, one length out
# A convolutional backbone accepts any input size; only the fully connected head needs a fixed length.
# He et al. (2014/2015) replace the last pooling with a **pyramid**: max-pool the feature map into an
# $n \times n$ grid for each level $n$ (here 1, 2 and 4) and concatenate the cells. A map with $C$
# channels always gives $C \sum_n n^2$ numbers ($64 \times 21 = 1344$ here), whatever its height and
# width. Mai et al. (2016, MNA-CNN) brought it to aesthetics so the network sees the photo unwarped.
#
# The pooling is three lines; here it is next to the library's `SpatialPyramidPool`, on the trained
# backbone of the course's SPP model, for three input shapes:


# %%
def spp_by_hand(fmap, levels=(1, 2, 4)):
    """[B, C, h, w] -> [B, C * sum(n*n)]: adaptive max pooling to n x n per level, concatenated."""
    return torch.cat([torch.nn.functional.adaptive_max_pool2d(fmap, n).flatten(1) for n in levels], dim=1)


spp_cm = course_model("spp")  # trained once from configs/studio_spp.yaml, then cached (notebook 09 reuses it)
backbone, pyramid = spp_cm.model.backbone, spp_cm.model.spp
g = torch.Generator().manual_seed(0)
rows = []
with torch.no_grad():
    for h, w in [(64, 64), (32, 64), (64, 16)]:
        fmap = backbone(torch.randn(1, 3, h, w, generator=g))
        vec = pyramid(fmap)
        rows.append({"input (h x w)": f"{h} x {w}", "feature map": "x".join(map(str, fmap.shape[1:])),
                     "pooled vector": vec.shape[1], "by hand == library": bool(torch.equal(vec, spp_by_hand(fmap, pyramid.levels)))})
print_table(rows)
print("levels", pyramid.levels, "->", sum(n * n for n in pyramid.levels), "cells per channel")

# %% [markdown]
# Each pyramid level is a grid over the *image*, whatever its shape: on a wide photo the cells are
# wide, on a tall photo tall. Drawn over the demonstration panorama and over a tall studio photo:

# %%
tall_id = factors.index[np.argmin(np.abs(factors["aspect"].to_numpy() - 0.4))]
fig, axes = plt.subplots(2, 3, figsize=(11, 4.6), gridspec_kw={"height_ratios": [1, 1.6]})
for row, img_id in enumerate([demo_id, tall_id]):
    img = load_image(str(STUDIO / "images" / img_id))
    w, h = img.size
    for ax, n in zip(axes[row], pyramid.levels):
        ax.imshow(img)
        for k in range(1, n):
            ax.axvline(k * w / n, color="white", lw=1.2)
            ax.axhline(k * h / n, color="white", lw=1.2)
        ax.set_title(f"level {n}: {n * n} cell{'s' if n > 1 else ''}", fontsize=9)
        ax.set_axis_off()
fig.tight_layout()
_ = save_figure(fig, "06_spp_bins")
plt.show()

# %% [markdown]
# ## 4. Batching photos of different shapes: aspect-ratio buckets
# A batch is one tensor, so its images must share a shape. The library's `native` view snaps each
# photo to the nearest of 9 **aspect buckets** (from 1:3 to 3:1, nearest in log ratio) and resizes it
# to that bucket's shape, long side `size`, short side rounded to a multiple of 16; the
# `AspectBucketSampler` then builds every batch from one bucket. The shapes at long side 64, and how
# the studio's photos fall into the buckets:

# %%
sizes = np.array([image_size(str(STUDIO / "images" / i))[::-1] for i in factors.index])  # (height, width)
sampler = AspectBucketSampler(sizes, batch_size=32, shuffle=False)
counts = {b: len(idx) for b, idx in sampler.groups().items()}
print_table([{"bucket": f"{r:.3g}", "shape at long side 64 (h x w)": "{} x {}".format(*bucket_shape(r, 64)),
              "studio photos": counts.get(i, 0)} for i, r in enumerate(ASPECT_BUCKETS)])
print("batches of up to 32 from one bucket each:", len(sampler), "· one batch:",
      len(next(iter(sampler))), "photos from bucket", f"{ASPECT_BUCKETS[aspect_bucket(*sizes[next(iter(sampler))[0]])]:.3g}")

# %% [markdown]
# Snapping costs a little distortion (a 1.8:1 photo becomes 2:1), far less than a warp to 1:1. The
# SPP model trains on these batches: `configs/studio_spp.yaml` sets the view to `native` through the
# model (`spp_cm.model.view` is `"native"`), and the trainer uses the bucket sampler for it.
#
# ## 5. Multi-patch training and the MPEMD losses
# Wang et al. (2019) keep the aspect ratio differently: resize so the *short* side has a fixed length,
# cut several square patches from the un-warped photo, let one shared network predict a score
# **distribution per patch**, and average the patches' distributions at test time. The library's
# `patches` view cuts them at random positions in training and on a fixed grid shaped like the photo
# at evaluation (`patch_grid`): on a wide photo the grid runs along the width, on a tall one down the
# height.

# %%
TRAIN_PATCHES = build_transform("patches", 32, train=True, num_patches=4)
fig, axes = plt.subplots(1, 2, figsize=(10, 2.8), gridspec_kw={"width_ratios": [3, 0.9]})
for ax, img_id in zip(axes, [demo_id, tall_id]):
    img = load_image(str(STUDIO / "images" / img_id))
    w, h = img.size
    r = PATCH_SHORT / min(w, h)
    small = img.resize((round(w * r), round(h * r)), Image.BILINEAR)
    ax.imshow(small)
    for k, (top, left) in enumerate(patch_grid(small.height, small.width, 32, 4)):
        ax.add_patch(Rectangle((left, top), 32, 32, fill=False, ec="yellow", lw=1.5))
        ax.text(left + 2, top + 8, str(k), color="yellow", fontsize=8)
    ax.set_title(f"{small.width} x {small.height}: 4 evaluation patches", fontsize=9)
    ax.set_axis_off()
fig.tight_layout()
_ = save_figure(fig, "06_patch_grid")
plt.show()
torch.manual_seed(0)
x = TRAIN_PATCHES(load_image(str(STUDIO / "images" / demo_id)))
print("training view of one photo:", tuple(x.shape), "(patches, channels, height, width), random positions")

# %% [markdown]
# Look at what the 4 evaluation patches leave out. On the wide photo the grid is 2 rows x 3 columns
# and 4 of its 6 cells are taken evenly in raster order, so the middle column, here the subject, is
# never scored at test time; the tall photo is covered from top to bottom. In training the random
# patches reach everywhere. The full-scale config uses 5 patches per photo, which covers more.

# %% [markdown]
# Each patch gets the image's label. The patch loss starts from the EMD (r = 2) between a patch's
# prediction and the image's vote distribution, turned into a similarity
# $\mathrm{EMD_c} = \mathrm{clip}(1 - k\,\mathrm{EMD}, \varepsilon, 1)$ (1 for a perfect patch). Then
#
# $$\mathrm{MPEMD_{avg}} = -\frac{1}{|P|}\sum_{p \in P} \log \mathrm{EMD_c}(p), \qquad
# \mathrm{MPEMD_{ada}} = -\frac{1}{|P|}\sum_{p \in P} \big(1 - \mathrm{EMD_c}(p)^\beta\big)\log \mathrm{EMD_c}(p).$$
#
# The adaptive version multiplies each patch's term by $1 - \mathrm{EMD_c}^\beta$: close to 0 for a
# patch that is already well predicted, larger for a bad one (the idea of the focal loss), so training
# concentrates on the patches it gets wrong. $k$ and $\beta$ are tuned together. By hand, and with
# `losses.mpemd_loss`, for one image with 3 patches:


# %%
def mpemd_by_hand(emds, mode="avg", k=1.0, beta=1.0, eps=1e-6):
    """MPEMD of one image from its patches' EMDs (the formulas above)."""
    c = np.clip(1 - k * np.asarray(emds, float), eps, 1.0)
    w = 1.0 if mode == "avg" else 1 - c**beta
    return float(np.mean(-w * np.log(c)))


target = torch.tensor([[0.0, 0.2, 0.6, 0.2, 0.0]])
patch_pred = torch.tensor([[[0.0, 0.2, 0.6, 0.2, 0.0],   # a perfect patch
                            [0.1, 0.3, 0.4, 0.2, 0.0],   # a close one
                            [0.6, 0.3, 0.1, 0.0, 0.0]]])  # a badly predicted one
patch_emd = losses.emd_per_sample(patch_pred, target[:, None, :]).numpy()[0]
print("patch EMDs (r=2):", fmt(patch_emd))
rows = []
for mode, beta in [("avg", 1.0), ("ada", 1.0), ("ada", 2.0)]:
    rows.append({"loss": f"MPEMD_{mode}" + (f", beta={beta:g}" if mode == "ada" else ""),
                 "by hand": mpemd_by_hand(patch_emd, mode, beta=beta),
                 "losses.mpemd_loss": losses.mpemd_loss(patch_pred, target, mode=mode, k=1.0, beta=beta).item()})
print_table(rows)

# %% [markdown]
# The weight $1 - \mathrm{EMD_c}^\beta$ against $\mathrm{EMD_c}$, and what it does to each patch's
# loss. A useful approximation: with $k = 1$ and small EMDs, $-\log(1 - \mathrm{EMD}) \approx
# \mathrm{EMD}$ and $1 - \mathrm{EMD_c} = \mathrm{EMD}$, so MPEMD_avg is about the mean EMD and
# MPEMD_ada with $\beta = 1$ about the mean **squared** EMD: bad patches count quadratically more.

# %%
c = np.linspace(0.01, 1, 200)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for beta in (0.5, 1.0, 2.0, 4.0):
    w = losses.mpemd_weight(torch.tensor(c), beta).numpy()
    axes[0].plot(c, w, label=f"beta = {beta:g}")
    axes[1].plot(1 - c, -w * np.log(c), label=f"ada, beta = {beta:g}")
axes[1].plot(1 - c, -np.log(c), "k--", label="avg")
axes[0].set(xlabel=r"$\mathrm{EMD_c}$ (1 = perfect patch)", ylabel=r"weight $1 - \mathrm{EMD_c}^\beta$", title="MPEMD_ada's patch weight")
axes[1].set(xlabel="patch EMD (k = 1)", ylabel="patch loss", title="patch loss", xlim=(0, 0.5), ylim=(0, 0.8))
for ax in axes:
    ax.legend(fontsize=8)
fig.tight_layout()
_ = save_figure(fig, "06_mpemd_weight")
plt.show()

# %% [markdown]
# A larger $\beta$ raises the weight of every imperfect patch (at $\beta \to 0$ the weight vanishes);
# real EMDs between 0.05 and 0.3 sit in the left part of the right panel, where the avg loss is
# roughly linear and the ada losses bend upwards.
#
# ## 6. Training: the course's models and two extra runs
# Four small models, all trained with the library trainer on the same data with the same 3-block CNN
# from scratch, seed and number of epochs, each checkpoint chosen on the validation split
# (`course_model` calls `aesthetics_lib.train.train` with the config and caches the run; a second
# call, here or in notebook 09, loads it). The three multi-patch-config runs share every setting
# but the ones listed below:
#
# | model | view | loss | config |
# |---|---|---|---|
# | **SPP** | aspect kept, long side 64, buckets | EMD | `course_model("spp")`: `configs/studio_spp.yaml` |
# | **multi-patch, ada** | 4 patches of 32 x 32, short side 48 | MPEMD_ada, k = 1, β = 1 | `course_model("multipatch")`: `configs/studio_multipatch.yaml` |
# | **multi-patch, avg** | the same | MPEMD_avg | the same with `patch_mode: avg` |
# | **warp** | 64 x 64 warp | EMD | the multi-patch config with the `warp` view: one 64 x 64 "patch", i.e. NIMA's recipe (CNN, dropout, linear, softmax, EMD) on the same CNN |
#
# The config keys that the two extra runs change:

# %%
WARP = {"view": "warp", "size": 64, "patches": None, "patch_mode": None}
AVG = {"patch_mode": "avg"}
print("warp run changes:", config_diff(course_config("multipatch").to_dict(), course_config("multipatch", overrides=WARP).to_dict()))
print("avg run changes: ", config_diff(course_config("multipatch").to_dict(), course_config("multipatch", overrides=AVG).to_dict()))
models = {
    "warp 64x64": course_model("multipatch", overrides=WARP),
    "SPP (native)": spp_cm,
    "multi-patch ada": course_model("multipatch"),
    "multi-patch avg": course_model("multipatch", overrides=AVG),
}
print_table([{"model": name, **{f"val SRCC ep {h['epoch']}": h["val_srcc"] for h in cm.history}} for name, cm in models.items()])

# %% [markdown]
# One more check before trusting any comparison: which pixels does each model really see in
# training? To save decoding, the trainer keeps every photo decoded in memory at a reduced size
# (`cache_max_side`, by default twice the input size), and the view is cut from that copy. Section 2
# showed that the multi-patch view needs the short side at 48 pixels; for a 3:1 photo that means a
# long side of 144. If the cached copy is smaller, the view *enlarges* it, and the fence is gone
# before the model sees it:

# %%
rows = []
for name, cm in models.items():
    cfg = cm.config
    kept = cache_side(cfg) if cfg.cache else None  # None: no cache, the view starts from the file
    view = cm.meta["view"]
    need = 3 * PATCH_SHORT if view == "patches" else cfg.size  # long side a 3:1 photo needs in this view
    rows.append({"model": name, "view": view, "cached long side": kept or "full size", "a 3:1 photo needs": need,
                 "3:1 photos reach the view": "at full detail" if kept is None or kept >= need else "enlarged: detail lost"})
print_table(rows)

# %% [markdown]
# ## 7. Error by aspect-ratio bucket
# Now the question of the notebook. Each model scores every photo of the evaluation set through its
# own evaluation view (`eval_transform_for(config)`; `predict` groups the native view's batches by
# bucket, so predictions are matched to photos by `image_id`, not by position). The photos are grouped
# by elongation $e = \max(w/h, h/w)$: near square (below 1.4), moderate (3:2 to 16:9) and extreme
# (1.9:1 up to 3:1). The error is the MSE of the predicted mean score against the raters' mean; SRCC within
# a bucket says whether the model still orders those photos.

# %%
if DATA.studio:
    EVAL_ROOT = studio.ensure_studio("cadb", n=EVAL_N, seed=EVAL_SEED)
    eval_set = registry.open_dataset(f"cadb:{EVAL_ROOT}", "all")
    eval_name = f"a fresh studio draw ({EVAL_N} photos, seed {EVAL_SEED})"
else:
    eval_set = registry.open_dataset(DATA, "test")
    eval_name = "the test split"
eval_set.enable_cache(max_side=160)  # decode once for all four models (the studio is 160 px; every view here needs less)
ann = eval_set.annotations.set_index("image_id").loc[eval_set.image_ids]
hw = eval_set.sizes().astype(float)  # (height, width) in item order
ann["elongation"] = np.maximum(hw[:, 0] / hw[:, 1], hw[:, 1] / hw[:, 0])
BUCKETS = ["near square (<1.4)", "moderate (1.4-1.9)", "extreme (>=1.9)"]
ann["bucket"] = np.select([ann["elongation"] < 1.4, ann["elongation"] < 1.9], BUCKETS[:2], BUCKETS[2])

pred = pd.DataFrame(index=ann.index)
for name, cm in models.items():
    eval_set.transform = eval_transform_for(cm.config)
    p = predict(cm.model, eval_set)
    pred.loc[p["image_id"], name] = p["mean"]
true_mean = ann["mean"].to_numpy(float)
print("evaluation set:", eval_name, "·", len(ann), "photos ·", {b: int(n) for b, n in ann["bucket"].value_counts().reindex(BUCKETS).items()})
spread = {name: round(float(pred[name].std()), 3) for name in models}
print("SD of the predicted means:", fmt(spread))
collapsed = [name for name, sd in spread.items() if sd < 0.01]
print("collapsed to a near-constant prediction:", collapsed or "none")

# %%
rows = []
for bucket in BUCKETS + ["all"]:
    m = np.ones(len(ann), bool) if bucket == "all" else (ann["bucket"] == bucket).to_numpy()
    row = {"bucket": bucket, "photos": int(m.sum())}
    for name in models:
        lo, hi = metrics.bootstrap_ci(metrics.mse, pred[name].to_numpy()[m], true_mean[m], n_boot=N_BOOT)
        row[f"{name} MSE"] = f"{fmt(metrics.mse(pred[name].to_numpy()[m], true_mean[m]))} [{fmt(lo)}, {fmt(hi)}]"
    rows.append(row)
print("MSE of the mean score [95 % bootstrap interval]")
print_table(rows)
rows = []
for bucket in BUCKETS + ["all"]:
    m = np.ones(len(ann), bool) if bucket == "all" else (ann["bucket"] == bucket).to_numpy()
    rows.append({"bucket": bucket, **{f"{name} SRCC": "collapsed" if name in collapsed else metrics.srcc(pred[name].to_numpy()[m], true_mean[m])
                                      for name in models}})
print("SRCC within each bucket")
print_table(rows)

# %% [markdown]
# Overlapping intervals are a weak test: all models are scored on the *same* photos. The right
# interval is that of the **difference**, with both models resampled together (a paired bootstrap).
# Positive means the warped model's error is larger, i.e. keeping the aspect ratio helps:


# %%
def mse_gap(pair, target):
    """MSE of the first column minus MSE of the second, on one resample."""
    return metrics.mse(pair[:, 0], target) - metrics.mse(pair[:, 1], target)


gaps = []
for other in ["multi-patch ada", "SPP (native)"]:
    for bucket in BUCKETS:
        m = (ann["bucket"] == bucket).to_numpy()
        pair = pred[["warp 64x64", other]].to_numpy()[m]
        lo, hi = metrics.bootstrap_ci(mse_gap, pair, true_mean[m], n_boot=N_BOOT)
        gaps.append({"comparison": f"warp - {other}", "bucket": bucket, "MSE gap": mse_gap(pair, true_mean[m]),
                     "95 % CI low": lo, "95 % CI high": hi, "excludes 0": bool(lo > 0 or hi < 0)})
print_table(gaps)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for ax, other in zip(axes, ["multi-patch ada", "SPP (native)"]):
    g = [r for r in gaps if r["comparison"].endswith(other)]
    est = np.array([r["MSE gap"] for r in g])
    err = np.array([[r["MSE gap"] - r["95 % CI low"] for r in g], [r["95 % CI high"] - r["MSE gap"] for r in g]])
    ax.errorbar(range(len(BUCKETS)), est, yerr=err, fmt="o", capsize=4)
    ax.axhline(0, color="grey", lw=1)
    ax.set_xticks(range(len(BUCKETS)), [b.split(" (")[0] for b in BUCKETS])
    ax.set(ylabel="MSE gap (> 0: the warp is worse)", title=f"MSE(warp) - MSE({other})")
fig.suptitle("does keeping the aspect ratio help? paired bootstrap, 95 % intervals", fontsize=10)
fig.tight_layout()
_ = save_figure(fig, "06_error_by_bucket")
plt.show()
extreme = {r["comparison"]: r for r in gaps if r["bucket"] == BUCKETS[2]}
for comp, r in extreme.items():
    verdict = "keeping the aspect ratio helps" if r["95 % CI low"] > 0 else (
        "the warp is better" if r["95 % CI high"] < 0 else "no difference the evaluation set can resolve")
    print(f"extreme bucket, {comp}: gap {fmt(r['MSE gap'])} [{fmt(r['95 % CI low'])}, {fmt(r['95 % CI high'])}] -> {verdict}")

# %% [markdown]
# An MSE gap mixes everything a model gets right or wrong. The studio allows a sharper question: did
# a model learn to read the fence at all? Among the extreme photos that have a band, its true
# `rhythm` is known, so the SRCC between a model's predictions and `rhythm` measures how much the
# model follows that one cue (the other factors are independent of it, so they only add noise). For
# scale: the raters' own mean follows it with the SRCC in the first row, and the votes' agreement with
# the true quality (the noise ceiling) bounds what any model can reach.

# %%
if DATA.studio:
    eval_factors = studio.read_factors(EVAL_ROOT).set_index("image_id").loc[ann.index]
    on = (ann["bucket"] == BUCKETS[2]).to_numpy() & eval_factors["band"].to_numpy(bool)
    rhythm = eval_factors["rhythm"].to_numpy()[on]
    eval_report = json.loads((EVAL_ROOT / studio.REPORT_FILE).read_text())
    rows = [{"": "raters' mean", "SRCC with true rhythm": metrics.srcc(true_mean[on], rhythm),
             "95 % CI": fmt(metrics.bootstrap_ci(metrics.srcc, true_mean[on], rhythm, n_boot=N_BOOT))}]
    for name in models:
        if name in collapsed:
            rows.append({"": name, "SRCC with true rhythm": "collapsed", "95 % CI": ""})
            continue
        lo, hi = metrics.bootstrap_ci(metrics.srcc, pred[name].to_numpy()[on], rhythm, n_boot=N_BOOT)
        rows.append({"": name, "SRCC with true rhythm": metrics.srcc(pred[name].to_numpy()[on], rhythm), "95 % CI": f"[{fmt(lo)}, {fmt(hi)}]"})
    print("extreme photos with a fence:", int(on.sum()))
    print_table(rows)
    print("noise ceiling, SRCC(vote mean, true quality) on this draw:", fmt(eval_report["noise_ceiling"]["srcc_vote_mean_vs_true_quality"]),
          "· best model SRCC on all photos:", fmt(max(metrics.srcc(pred[n].to_numpy(), true_mean) for n in models if n not in collapsed)))
    ext = (ann["bucket"] == BUCKETS[2]).to_numpy()
    term = studio.quality_terms(eval_factors)["rhythm"].to_numpy()[ext]
    bound = np.var(true_mean[ext]) * metrics.lcc(term, true_mean[ext]) ** 2  # variance of the vote means the cue explains
    print("most a perfect reading of the cue could lower the extreme bucket's MSE (variance it explains):", fmt(bound))

# %% [markdown]
# **Reading these results honestly.** The verdict lines above say whether the evaluation set can
# resolve a difference; read them with three facts in mind.
#
# 1. *How good are the models at all?* Four epochs of a 3-block CNN trained from scratch on 1,600
#    photos at 32-64 pixels rank the photos far below the noise ceiling. A model that has not learnt
#    the big cues (exposure, placement, contrast) has little reason to have learnt a subtle one that
#    matters in one photo out of seven. A model that **collapsed** (listed above: it predicts nearly
#    one value for every photo) is a training failure, not evidence about aspect ratios: its MSE is
#    that of a constant guess and its SRCC means nothing.
# 2. *Could the model see the cue?* Section 2 showed that only a view that fixes the short side keeps
#    the fence, and the check in section 6 shows whether the training pipeline actually delivered it
#    (a cache smaller than the view needs enlarges the photos and erases the fence before training).
#    A warp and an SPP view at long side 64 cannot see it, so for them a correlation with `rhythm`
#    near 0 is expected.
# 3. *How much is there to gain?* The rhythm term is about 3 % of the quality variance over all
#    photos; even in the extreme bucket (about one photo in six) the raters' mean follows it only
#    moderately. A model that read it perfectly would lower the extreme bucket's MSE by at most the
#    variance it explains (the last line above), a few hundredths: comparable to the width of the
#    paired intervals, so only a model that learnt most of the cue would show up.
#
# So at this scale "no difference the evaluation set can resolve" is the expected outcome, not a
# refutation of Wang et al.; and even a gap whose interval excludes 0 covers only which photos were
# scored, not the training noise of one run per model (section 8). Wang et al. (2019) measured their
# gain with large pretrained networks on AVA (about a quarter of a million photos), where models do
# learn fine cues; section 9 is that experiment.

# %% [markdown]
# ## 8. MPEMD_avg or MPEMD_ada?
# The two multi-patch runs differ only in the loss. Scored on the whole evaluation set, with the
# paired interval of the SRCC difference:

# %%
both = pred[["multi-patch ada", "multi-patch avg"]].to_numpy()
rows = []
for name in ["multi-patch ada", "multi-patch avg"]:
    lo, hi = metrics.bootstrap_ci(metrics.srcc, pred[name].to_numpy(), true_mean, n_boot=N_BOOT)
    rows.append({"loss": name, "best val SRCC": max(h["val_srcc"] for h in models[name].history),
                 "SRCC": metrics.srcc(pred[name].to_numpy(), true_mean), "95 % CI": f"[{fmt(lo)}, {fmt(hi)}]",
                 "MSE": metrics.mse(pred[name].to_numpy(), true_mean)})
print_table(rows)


def srcc_gap(pair, target):
    """SRCC of the first column minus SRCC of the second, on one resample."""
    return metrics.srcc(pair[:, 0], target) - metrics.srcc(pair[:, 1], target)


lo, hi = metrics.bootstrap_ci(srcc_gap, both, true_mean, n_boot=N_BOOT)
print("SRCC(ada) - SRCC(avg):", fmt(srcc_gap(both, true_mean)), f"[95 % CI {fmt(lo)}, {fmt(hi)}]",
      "· interval excludes 0:", bool(lo > 0 or hi < 0))

# %% [markdown]
# The interval covers only the noise of which photos were scored, not the noise of training: a
# second seed gives another pair of models, and already the validation split puts these two runs in
# the opposite order (the "best val SRCC" column above). One run per arm cannot separate two losses that
# differ this little, whichever way the sign falls. Wang et al. proposed MPEMD_ada as the refinement of MPEMD_avg and tuned $k$ and
# $\beta$ together on AVA; with $k = 1$, $\beta = 1$ and EMDs around 0.1, ada is close to a squared
# EMD, and its extra emphasis on bad patches is small. An honest test needs several seeds per arm and a sweep
# over $(k, \beta)$ (exercise in Going further).
#
# ## 9. The full-scale version on real data
# The same models at full scale: ImageNet-pretrained ResNet-18 backbones, 224-pixel patches (5 per
# image, MPEMD_ada with k = 1, β = 1) or the native view at long side 320, on a GPU
# (`configs/ava_multipatch.yaml`, `configs/ava_spp.yaml`; backbone, rates and epochs are course
# choices, not the papers'):
#
# ```
# python -m aesthetics_lib train --config configs/ava_multipatch.yaml --data-root /path/to/AVA
# python -m aesthetics_lib train --config configs/ava_spp.yaml --data-root /path/to/AVA
# python -m aesthetics_lib evaluate --checkpoint runs/ava_multipatch/best.pt --data ava:/path/to/AVA
# ```
#
# On CADB, point the same config at the other layout (`--set data=cadb:/path/to/CADB_Dataset --set
# out=runs/cadb_multipatch`) and compare with the warped models of `configs/cadb_sampnet.yaml` and
# `configs/cadb_convnextv2_sgfm.yaml`. To repeat section 7 on real data, start Jupyter with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`: the small models are then trained on CADB and the
# buckets are read from the image files' sizes.
#
# What the papers reported (quoted, not measured here):
# - **He, Zhang, Ren & Sun** (ECCV 2014; TPAMI 2015), *Spatial Pyramid Pooling in Deep Convolutional
#   Networks for Visual Recognition*: a pyramid of 1x1, 2x2, 3x3 and 6x6 bins after the last
#   convolution; the SPP versions of several networks classified ImageNet more accurately than the
#   same networks without it, and detection computed the convolutional features once per image,
#   tens of times faster than R-CNN.
# - **Mai, Jin & Liu** (CVPR 2016), *Composition-preserving Deep Photo Aesthetics Assessment*:
#   MNA-CNN, several sub-networks with adaptive spatial pooling at different grid sizes, fed the photo
#   at its own size and aspect ratio, with a scene-aware aggregation; better AVA classification than
#   its warped and cropped baselines.
# - **Wang, Wang, Yamasaki & Aizawa** (CVPR Workshops 2019), *Aspect-Ratio-Preserving Multi-Patch
#   Image Aesthetics Score Prediction*: the multi-patch view and MPEMD_avg / MPEMD_ada of section 5; on
#   AVA the gain over warped inputs was largest for images with extreme aspect ratios.
#
# The CADB benchmark (Zhang et al. 2021; as quoted in the seed slides, MSE / EMD / SRCC / LCC) lists
# the plain ResNet-18 at 0.4534 / 0.1943 / 0.6025 / 0.6148 and MNA-CNN at 0.4260 / 0.1944 / 0.6108 /
# 0.6375: a small gain in every column but EMD, from a model that never warps.
#
# ## Summary
# - A square **warp** keeps relative positions (a thirds point stays a thirds point) but scales one
#   axis by the aspect ratio $e$: circles become $e:1$ ellipses, slopes are multiplied by $e$, and
#   detail along the long side loses $e$ times more resolution. A **centre crop** keeps shapes but
#   moves the subject off its third (to $(3-e)/6$ of the width); **padding** keeps both and wastes
#   $1 - 1/e$ of the input.
# - Keeping the aspect ratio is not enough to keep fine structure: the native view at long side 64
#   loses the studio's rhythm cue exactly like the warp. The multi-patch view fixes the *short* side
#   and keeps it at every aspect ratio.
# - **SPP** max-pools the feature map into 1x1, 2x2 and 4x4 grids: $C \cdot 21$ numbers for any input
#   size. Aspect **buckets** and a bucket sampler let such images be batched.
# - **Multi-patch** training predicts a distribution per un-warped patch; **MPEMD_avg** averages
#   $-\log \mathrm{EMD_c}$, **MPEMD_ada** weights it by $1 - \mathrm{EMD_c}^\beta$ to focus on badly
#   predicted patches (about a squared EMD for $k = \beta = 1$).
# - Compare views **per aspect-ratio bucket**, with paired bootstrap intervals on the difference;
#   the extreme bucket is small, so it needs a large evaluation set, and at this scale the intervals
#   in section 7 are what decide what may be claimed.

# %% [markdown]
# ## Exercises
# **1. SPP by numbers.** He et al. used the levels 1, 2, 3 and 6. How long is the pooled vector for
# a feature map with 64 channels? Replace the `...`.

# %%
answer = ...
expected = SpatialPyramidPool((1, 2, 3, 6)).output_features(64)
ok = check(answer, expected, tol=0, hint="one number per cell per channel: 64 x (1 + 4 + 9 + 36).")

# %% [markdown]
# **2. A tilted horizon.** A panorama of aspect 3:1 has its horizon tilted by 2°. After a warp to a
# square, by how many degrees does the horizon look tilted?

# %%
answer = ...
expected = math.degrees(math.atan(3 * math.tan(math.radians(2))))
ok = check(answer, expected, tol=1e-2, hint="the warp divides x by 3 and keeps y: the slope tan(2°) becomes 3 tan(2°).")

# %% [markdown]
# **3. MPEMD_ada by hand.** An image has two patches whose EMDs to its vote distribution are 0.1 and
# 0.3. With $k = 1$ and $\beta = 2$, what is MPEMD_ada?

# %%
answer = ...
expected = mpemd_by_hand([0.1, 0.3], mode="ada", k=1.0, beta=2.0)
ok = check(answer, expected, tol=1e-3, hint="EMDc = 1 - EMD; each patch gives -(1 - EMDc^2) log EMDc; average the two.")

# %% [markdown]
# **4. Buckets.** A photo is 180 pixels wide and 100 high. Which aspect bucket does the `native` view
# snap it to (give the bucket's ratio, width / height), and what shape `(height, width)` does it get
# at long side 64? Answer as a tuple `(ratio, height, width)`.

# %%
answer = ...
ratio = ASPECT_BUCKETS[aspect_bucket(100, 180)]
expected = (ratio, *bucket_shape(ratio, 64))
ok = check(answer, expected, tol=1e-3, hint="1.8 is nearest (in log ratio) to one of 3/2, 2 or 3; then the short side is 64 / ratio, rounded to a multiple of 16.")

# %% [markdown]
# ## Going further
# - He, Zhang, Ren & Sun (2014/2015), *Spatial Pyramid Pooling in Deep Convolutional Networks for
#   Visual Recognition*, ECCV / IEEE TPAMI: the pyramid, multi-size training, detection with one
#   forward pass per image.
# - Mai, Jin & Liu (2016), *Composition-preserving Deep Photo Aesthetics Assessment*, CVPR: MNA-CNN.
# - Wang, Wang, Yamasaki & Aizawa (2019), *Aspect-Ratio-Preserving Multi-Patch Image Aesthetics Score
#   Prediction*, CVPR Workshops: MPEMD_avg and MPEMD_ada.
# - Lu, Lin, Jin, Yang & Wang (2014), *RAPID: Rating Pictorial Aesthetics using Deep Learning*, ACM MM:
#   the warp + crop double column of notebook 05, an earlier answer to the same problem.
# - Ma, Liu & Chen (2017), *A-Lamp: Adaptive Layout-Aware Multi-Patch Deep CNN for Photo Aesthetic
#   Assessment*, CVPR: patches chosen by saliency plus a layout graph (0.6270 SRCC on CADB in the
#   course's reference table).
# - Hosu, Goldlücke & Saupe (2019), *Effective Aesthetics Prediction with Multi-level Spatially Pooled
#   Features*, CVPR; Ke, Wang, Wang, Milanfar & Yang (2021), *MUSIQ: Multi-scale Image Quality
#   Transformer*, ICCV: full-resolution features, and a transformer that takes native-size,
#   native-aspect inputs.
# - Try: (a) repeat section 7 with three seeds per model (`overrides={"seed": 1}`) and average; (b)
#   sweep $(k, \beta)$ for MPEMD_ada, e.g. $k \in \{1, 2, 4\}$, $\beta \in \{0.5, 1, 2\}$
#   (`overrides={"patch_k": 2, "patch_beta": 0.5}`); (c) train the SPP model at long side 128, where
#   the rhythm cue survives (section 2), and see whether its extreme-bucket error drops; (d) raise
#   the number of patches to 8 and check which patches the model scores lowest on a wide photo.
