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
# # 06 · Aspect ratio: keep the frame the photographer chose
#
# Most networks want a fixed square input, and the usual way to get one is to **warp**: resize the
# photo to a square whatever its shape, which distorts a wide photo; a square crop cuts away part of
# its composition instead. For aesthetics the input view is a modelling decision, not plumbing. This
# notebook measures what each view keeps and loses, tries two ways to avoid the warp, **spatial
# pyramid pooling** (SPP, He et al. 2014) and **aspect-ratio-preserving multi-patch** training with
# the MPEMD losses (Wang et al. 2019), and asks whether they help on photos with extreme aspect ratios.
#
# **Learning goals**
# - say what a square warp, a centre crop and padding do to shapes, angles, thirds and fine
#   structure, and compute it for a given aspect ratio;
# - explain why spatial pyramid pooling's output length does not depend on the input size, and batch
#   images of different shapes with aspect-ratio buckets;
# - build the multi-patch view and the MPEMD_avg / MPEMD_ada losses, and read the adaptive weight;
# - compare a warped model with aspect-preserving ones **per aspect-ratio bucket**, with bootstrap
#   intervals on the differences, and say what the numbers do and do not show.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, check_prediction, print_table

setup_notebook()

# %%
import json
import math
from collections import Counter

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.patches import Rectangle
from PIL import Image, ImageOps
from torchvision.transforms.v2 import functional as TF

from aesthetics_lib import losses, metrics
from aesthetics_lib.ablation import compare_seeds
from aesthetics_lib.compare import paired_bootstrap
from aesthetics_lib.data import photos, registry, studio
from aesthetics_lib.data.io import image_size, load_image
from aesthetics_lib.data.schema import dist_mean
from aesthetics_lib.data.transforms import (
    ASPECT_BUCKETS,
    AspectBucketSampler,
    aspect_bucket,
    build_transform,
    bucket_shape,
    patch_grid,
    short_side_size,
)
from aesthetics_lib.models import SpatialPyramidPool
from aesthetics_lib.train import build_datasets, eval_transform_for, predict
from aesthetics_lib.training.build import cache_side, model_view
from aesthetics_lib.training.config import config_diff
from aesthetics_lib.viz import draw_thirds, save_figure
from aesthetics_lib.zoo import VARIANTS, course_config, course_model

# %% [markdown]
# ## Configuration
# The models were trained on the studio's CADB-layout data (7,692 photos for training, 855 for
# validation, 950 for testing, 5 simulated raters each), or on the real CADB when Jupyter is started
# with `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`. Sections 1-5 always use studio images:
# only the studio knows the factors behind each photo.
#
# Extreme aspect ratios are rare (about one studio photo in seven; about 140 in the test split, too
# few for an interval on a small difference), so on the studio section 7 scores the models on a
# **fresh draw** of 3,000 studio photos (another seed, never seen in training). The views are read
# from the course configs (full-scale runs: section 9):

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
STUDIO = DATA.root if DATA.studio else studio.ensure_studio("cadb")  # for the demonstrations
EVAL_N, EVAL_SEED = 3000, 1  # the fresh studio draw for the per-bucket comparison
N_BOOT = 1000  # bootstrap resamples
factors = studio.read_factors(STUDIO).set_index("image_id")
elong = np.maximum(factors["aspect"], 1 / factors["aspect"])
print("training data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB")
print("studio photos with elongation >= 2:", fmt((elong >= 2).mean()),
      "· in the 950-photo test split, elongation >= 1.9:", int(((elong >= 1.9) & (factors["split"] == "test")).sum()))

WARP = VARIANTS["multipatch_warp"][1]  # the multi-patch config on the warped photo instead
AVG = VARIANTS["multipatch_avg"][1]  # the multi-patch config with MPEMD_avg instead of MPEMD_ada
SPP_CFG, MP_CFG, WARP_CFG = course_config("spp"), course_config("multipatch"), course_config("multipatch", overrides=WARP)
WARP_SIZE = WARP_CFG.size  # the warp arm: the whole photo resized to WARP_SIZE x WARP_SIZE
NATIVE_LONG = SPP_CFG.size  # SPP: aspect kept (snapped to a bucket), longer side NATIVE_LONG
PATCH, N_PATCHES = MP_CFG.size, MP_CFG.patches  # multi-patch: N_PATCHES squares of PATCH px ...
PATCH_SHORT = eval_transform_for(MP_CFG).short_side  # ... cut after resizing the shorter side to PATCH_SHORT
print_table([
    {"model": "warp (multipatch_warp)", "view": model_view(WARP_CFG), "input": f"{WARP_SIZE} x {WARP_SIZE}",
     "pixels": WARP_SIZE**2},
    {"model": "SPP (spp)", "view": model_view(SPP_CFG), "input": f"longer side {NATIVE_LONG}, aspect kept",
     "pixels": "up to " + str(NATIVE_LONG**2)},
    {"model": "multi-patch (multipatch)", "view": model_view(MP_CFG),
     "input": f"{N_PATCHES} patches of {PATCH} x {PATCH}, shorter side {PATCH_SHORT}", "pixels": N_PATCHES * PATCH**2},
])

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers (a re-run that changes them fails here).
if DATA.studio:
    assert 0.13 <= (elong >= 2).mean() <= 0.16, "no longer about one studio photo in seven has elongation >= 2"
    assert 130 <= ((elong >= 1.9) & (factors["split"] == "test")).sum() <= 150, "no longer about 140 extreme test photos"

# %% [markdown]
# ## 1. What a square warp does to a wide photo
# scikit-image's `china` (the Summer Palace, CC BY 2.0, credit in `photos.list_photos()`), cut to a
# 2.56:1 panorama with the pagoda's axis near the left third line and the far shore near the upper
# third, made square three ways:
#
# - **warp**: resize to a square, ignoring the shape (NIMA, SAMP-Net and most of the literature);
# - **centre crop**: the middle square (the usual ImageNet test-time view);
# - **pad**: keep the shape, fill the rest with grey.
#
# The second row does the same to a 3:1 strip of scikit-image's `coins` (Brooklyn Museum, "no known
# copyright restrictions"): round things make the distortion obvious.

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
# The warp keeps every point at the same *relative* position: the pagoda stays on the left third
# line, the shore near the upper third. It changes **shape and angle**: the horizontal scale shrinks
# by the aspect ratio $e$ = width / height, so a circle becomes an ellipse $e$ times taller than wide
# and a slope $\tan\theta$ becomes $e\tan\theta$.
# The centre crop keeps shapes but moves a left-third subject to $(3 - e)/6$ of the crop's width, at
# the very edge for $e = 3$. Padding keeps both, and spends $1 - 1/e$ of the square on grey.

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
# The same on a studio photo, where the truth is known: a panorama of at least 2.6:1 whose round
# subject sits on a thirds point, and the subject's axis ratio (from its mask) before and after the
# warp:


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
warped_mask = np.asarray(Image.fromarray((demo_mask * 255).astype(np.uint8)).resize((WARP_SIZE, WARP_SIZE), Image.BILINEAR)) / 255.0
print(f"studio photo {demo_id}: {demo_img.width} x {demo_img.height} (aspect {fmt(demo['aspect'])}), "
      f"subject at ({fmt(demo['subject_x'])}, {fmt(demo['subject_y'])}) of the frame")
print("subject axis ratio (height/width): native", fmt(axis_ratio(demo_mask)),
      f"· after the {WARP_SIZE} x {WARP_SIZE} warp", fmt(axis_ratio(warped_mask)))

# %% [markdown]
# ## 2. The cue a warp squeezes away
# A warp to $S \times S$ scales the long side by $S / \text{long}$ but the short side only by
# $S / \text{short}$, so fine structure along the long side loses $e$ times more resolution than in a
# square photo.
#
# The studio builds this in: most photos carry a fence-like **rhythm band** along the long side, crisp
# (`rhythm` near 1) or smeared (near 0), whose term in the hidden quality grows with elongation, from
# ±0.3 in a square photo to ±1.5 at 2.5:1 and beyond. The fence repeats every 20th of the *short* side
# (at least 2.5 pixels): a 3:1 studio photo is 160 x 53, so every 2.65 pixels. Below 2 pixels per
# period (the sampling limit) no image can hold the fence. The period, in pixels, in each view:


# %%
STUDIO_LONG = int(factors[["width", "height"]].to_numpy().max())  # the studio's photos: longer side 160


def fence_period(width, height):
    """Pixels per period of the studio's fence along the long side of a `width` x `height` photo: in the
    file and in each course model's view (the native view's long side is NATIVE_LONG whatever its bucket)."""
    long_, short = max(width, height), min(width, height)
    period = max(studio.RHYTHM_MIN_PERIOD, short / studio.RHYTHM_CYCLES)
    return {"file": period, f"warp {WARP_SIZE}": period * WARP_SIZE / long_,
            f"native, long side {NATIVE_LONG}": period * NATIVE_LONG / long_, f"patches, short side {PATCH_SHORT}": period * PATCH_SHORT / short}


print_table([{"aspect": e, "photo (w x h)": f"{STUDIO_LONG} x {round(STUDIO_LONG / e)}", **fence_period(STUDIO_LONG, round(STUDIO_LONG / e))}
             for e in (1.0, 1.5, 2.0, 2.5, 3.0)])
fine_aspects = np.round(np.arange(1.0, 3.001, 0.05), 2)
below_limit = {view: next((float(e) for e in fine_aspects if fence_period(STUDIO_LONG, round(STUDIO_LONG / e))[view] < 2), None)
               for view in list(fence_period(STUDIO_LONG, STUDIO_LONG))[1:]}
print("below 2 pixels per period (the sampling limit) from aspect:", fmt(below_limit))

# %% [markdown]
# On paper the warp drops below the sampling limit from 2.8:1. The native view at the SPP model's long
# side of 160 is the file's own size, so it keeps every period the file has (2.65 pixels at 3:1), and
# the multi-patch view keeps 3.6 pixels per period at every aspect ratio (it *enlarges* an elongated
# photo: a 160 x 53 file becomes 217 x 72). How much the cue matters for the raters, from the studio's report:

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
assert list(below_limit.values()) == [2.8, None, None], "the aspect ratios where the fence drops below 2 pixels changed"
assert [fmt(v) for v in fence_period(160, 53).values()] == ["2.65", "1.85", "2.65", "3.6"], "the fence periods at 3:1 changed"

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
# The demonstration photo rendered twice, with a crisp and a smeared fence and nothing else differing
# (no noise, blur or clutter), through each course model's view:

# %%
WARP_VIEW = build_transform("warp", WARP_SIZE, normalize=False)
NATIVE_VIEW = build_transform("native", NATIVE_LONG, normalize=False)  # with the aspect buckets, as in training


def short_side_view(img, short=PATCH_SHORT):
    """What the multi-patch view cuts its patches from: aspect kept, shorter side `short` (the
    same antialiased resize as the library's `patches` view)."""
    return TF.to_dtype(TF.resize(TF.to_image(img), short, antialias=True), torch.float32, scale=True)


def full(img):
    """The photo as it is, as a [3, H, W] tensor in [0, 1]."""
    return TF.to_dtype(TF.to_image(img), torch.float32, scale=True)


V_FULL, V_WARP = f"native {STUDIO_LONG} px", f"warp {WARP_SIZE} x {WARP_SIZE}"
V_NATIVE, V_PATCH = f"aspect kept, long side {NATIVE_LONG} (SPP)", f"aspect kept, short side {PATCH_SHORT} (patches)"
VIEWS = {V_FULL: full, V_WARP: WARP_VIEW, V_NATIVE: NATIVE_VIEW, V_PATCH: short_side_view}
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
# The crisp-smeared difference is the cue. The share of it that survives each view (mean absolute
# pixel difference, relative to the native resolution's), as the photo gets longer:

# %%
ASPECTS = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
V_96 = "aspect kept, long side 96"  # a shorter long side, for comparison (not a course model's view)
MEASURED = {**VIEWS, V_96: build_transform("native", 96, normalize=False)}
survival = {name: [] for name in MEASURED}
for a in ASPECTS:
    c, s = render_pair(a)
    diffs = {name: float((view(c) - view(s)).abs().mean()) for name, view in MEASURED.items()}
    for name in MEASURED:
        survival[name].append(diffs[name] / diffs[V_FULL])
print_table([{"aspect": a, **{n: survival[n][i] for n in list(VIEWS)[1:]}} for i, a in enumerate(ASPECTS)])
ahead = [a for i, a in enumerate(ASPECTS) if all(survival[V_PATCH][j] > survival[V_WARP][j] for j in range(i, len(ASPECTS)))]
print("the patch view keeps more of the cue than the warp from aspect", ahead[0] if ahead else "(never)", "on;",
      "the native view keeps the most at every aspect:",
      all(n >= max(w, q) for n, w, q in zip(survival[V_NATIVE], survival[V_WARP], survival[V_PATCH])))
native_96 = survival[V_96]
print("an aspect-kept view at long side 96 would keep:", fmt(native_96))

fig, ax = plt.subplots(figsize=(6.4, 3.4))
for name, style in zip(list(VIEWS)[1:], [dict(lw=4, alpha=0.5), dict(ls="--"), {}]):
    ax.plot(ASPECTS, survival[name], marker="o", label=name, **style)
ax.plot(ASPECTS, native_96, marker=".", ls=":", color="grey", label="aspect kept, long side 96 (for comparison)")
ax.set(xlabel="aspect ratio (width / height)", ylabel="share of the cue that survives",
       title="the rhythm cue through each view", ylim=(0, 1.05))
ax.legend(fontsize=8, loc="lower left")
fig.tight_layout()
_ = save_figure(fig, "06_cue_survival")
plt.show()

# %% [markdown]
# To explore in class: drag the aspect ratio and toggle the fence (live in Jupyter only; the stored
# notebook shows no output).

# %%
# NBVAL_IGNORE_OUTPUT
def show_views(aspect=2.5, crisp_fence=True):
    img = Image.fromarray(studio.render(dict(clean, aspect=aspect, rhythm=1.0 if crisp_fence else 0.0))[0])
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.6), gridspec_kw={"width_ratios": [max(aspect, 1), 1, max(aspect, 1)]})
    for ax, name in zip(axes, [V_FULL, V_WARP, V_PATCH]):
        ax.imshow(VIEWS[name](img).permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    plt.show()


_ = widgets.interact(show_views, aspect=widgets.FloatSlider(value=2.5, min=0.4, max=3.0, step=0.1), crisp_fence=True)

# %% [markdown]
# The warp brings the long side from 160 pixels down to 112 whatever the photo's shape, so it loses
# the cue as the photo gets longer: from 0.858 of it in a square photo to 0.339 at 3:1. The native
# view at long side 160 leaves the long side at the file's own 160 pixels (the aspect bucket only
# resizes the short side, to a multiple of 16) and keeps the whole cue (at least 0.997) at every
# aspect ratio. What matters is the **scale along the long side**, not the aspect ratio as such: an
# aspect-kept view at a long side of 96 (the last line printed, dotted in the plot) would keep less
# than the 112-pixel warp at every aspect ratio. The multi-patch view fixes the short side instead and keeps 0.627 to 0.718 of
# the cue at every aspect ratio: less than the warp on photos up to 1.5:1, which it shrinks the
# most, and more from 1.75:1 on. Whether the trained models use the cue is section 7's question.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
assert [fmt(survival[V_WARP][0]), fmt(survival[V_WARP][-1])] == ["0.858", "0.339"], "cue kept by the warp changed"
assert [fmt(min(survival[V_NATIVE])), fmt(max(survival[V_NATIVE]))] == ["0.997", "1"], "cue kept by the native view changed"
assert all(n >= max(w, q) for n, w, q in zip(survival[V_NATIVE], survival[V_WARP], survival[V_PATCH])), "the native view no longer keeps the most"
assert [fmt(min(survival[V_PATCH])), fmt(max(survival[V_PATCH]))] == ["0.627", "0.718"], "the patch view's range changed"
assert fmt(survival[V_PATCH][-1]) == "0.627", "cue kept by the patch view at 3:1 changed"
assert all(survival[V_PATCH][i] < survival[V_WARP][i] for i in (0, 1, 2)), "patch view vs the warp up to 1.5:1"
assert ahead and ahead[0] == 1.75, "the patch view no longer keeps more than the warp from 1.75:1 on"
assert all(n < w for n, w in zip(native_96, survival[V_WARP])), "the long-side-96 view no longer keeps less than the warp"

# %% [markdown]
# ## 3. Spatial pyramid pooling: any size in, one length out
# A convolutional backbone accepts any input size; only the fully connected head needs a fixed length.
# He et al. (2014/2015) replace the last pooling with a **pyramid**: max-pool the feature map into an
# $n \times n$ grid for each level $n$ (here 1, 2 and 4) and concatenate the cells: $C \sum_n n^2$
# numbers for $C$ channels ($64 \times 21 = 1344$ here), whatever the map's height and width. Mai et
# al. (2016, MNA-CNN) brought it to aesthetics. By hand and with the library's `SpatialPyramidPool`,
# on the SPP model's trained backbone, for three aspect buckets at long side 160 (section 4):


# %%
def spp_by_hand(fmap, levels=(1, 2, 4)):
    """[B, C, h, w] -> [B, C * sum(n*n)]: adaptive max pooling to n x n per level, concatenated."""
    return torch.cat([torch.nn.functional.adaptive_max_pool2d(fmap, n).flatten(1) for n in levels], dim=1)


spp_cm = course_model("spp")  # the shipped weights (weights/spp.pt), trained from configs/studio_spp.yaml
backbone, pyramid = spp_cm.model.backbone, spp_cm.model.spp
g = torch.Generator().manual_seed(0)
rows = []
with torch.no_grad():
    for ratio in (1.0, 2.0, 1 / 3):
        h, w = bucket_shape(ratio, NATIVE_LONG)
        fmap = backbone(torch.randn(1, 3, h, w, generator=g))
        vec = pyramid(fmap)
        rows.append({"input (h x w)": f"{h} x {w}", "feature map": "x".join(map(str, fmap.shape[1:])),
                     "pooled vector": vec.shape[1], "by hand == library": bool(torch.equal(vec, spp_by_hand(fmap, pyramid.levels)))})
print_table(rows)
print("levels", pyramid.levels, "->", sum(n * n for n in pyramid.levels), "cells per channel")

# %% [markdown]
# Each level is a grid over the *image*, whatever its shape: wide cells on a wide photo, tall ones on
# a tall photo:

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
# A batch is one tensor, so its images must share a shape. The `native` view snaps each photo to the
# nearest of 9 **aspect buckets** (1:3 to 3:1, nearest in log ratio) and resizes it to that bucket's
# shape (long side `size`, short side a multiple of 16); the `AspectBucketSampler` builds every batch
# from one bucket. The shapes at long side 160, and the studio's photos per bucket:

# %%
sizes = np.array([image_size(str(STUDIO / "images" / i))[::-1] for i in factors.index])  # (height, width)
sampler = AspectBucketSampler(sizes, batch_size=SPP_CFG.batch_size, shuffle=False)
counts = {b: len(idx) for b, idx in sampler.groups().items()}
print_table([{"bucket": f"{r:.3g}", f"shape at long side {NATIVE_LONG} (h x w)": "{} x {}".format(*bucket_shape(r, NATIVE_LONG)),
              "studio photos": counts.get(i, 0)} for i, r in enumerate(ASPECT_BUCKETS)])
print(f"batches of up to {SPP_CFG.batch_size} from one bucket each:", len(sampler), "· one batch:",
      len(next(iter(sampler))), "photos from bucket", f"{ASPECT_BUCKETS[aspect_bucket(*sizes[next(iter(sampler))[0]])]:.3g}")

# %% [markdown]
# Snapping costs a little distortion (a 1.8:1 photo becomes 2:1), far less than a warp to 1:1. The
# SPP model trains on such batches.
#
# ## 5. Multi-patch training and the MPEMD losses
# Wang et al. (2019) keep the aspect ratio differently: resize so the *short* side has a fixed length,
# cut several square patches from the un-warped photo, let one shared network predict a score
# **distribution per patch**, and average the patches' distributions at test time. The `patches` view
# cuts them at random positions in training and on a grid shaped like the photo at evaluation
# (`patch_grid`):

# %%
TRAIN_PATCHES = build_transform("patches", PATCH, train=True, num_patches=N_PATCHES)
fig, axes = plt.subplots(1, 2, figsize=(10, 2.8), gridspec_kw={"width_ratios": [3, 0.9]})
for ax, img_id in zip(axes, [demo_id, tall_id]):
    small = short_side_view(load_image(str(STUDIO / "images" / img_id)))  # the photo the patches are cut from
    ax.imshow(small.permute(1, 2, 0).numpy())
    height, width = small.shape[-2:]
    for k, (top, left) in enumerate(patch_grid(height, width, PATCH, N_PATCHES)):
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), PATCH, PATCH, fill=False, ec="yellow", lw=1.5))
        ax.text(left + 2, top + 9, str(k), color="yellow", fontsize=8)
    ax.set_title(f"{width} x {height}: {N_PATCHES} evaluation patches of {PATCH} x {PATCH}", fontsize=9)
    ax.set_axis_off()
fig.tight_layout()
_ = save_figure(fig, "06_patch_grid")
plt.show()
torch.manual_seed(0)
x = TRAIN_PATCHES(load_image(str(STUDIO / "images" / demo_id)))
print("training view of one photo:", tuple(x.shape), "(patches, channels, height, width), random positions")

# %% [markdown]
# How much of a wide photo do the evaluation patches see? The grid has about $\sqrt{P e}$ columns,
# and when rows x columns exceeds $P$ some cells are skipped. The share of the view, and of its
# bottom 12 % where the fence runs, that the 6 patches cover:


# %%
def grid_shape(height, width):
    """(rows, cols) of the evaluation grid of a `height` x `width` photo in the multi-patch view."""
    vh, vw = short_side_size(height, width, PATCH_SHORT)
    cols = min(N_PATCHES, max(1, round(math.sqrt(N_PATCHES * vw / vh))))  # patch_grid's rule
    return math.ceil(N_PATCHES / cols), cols


def grid_coverage(width, height):
    """The evaluation grid of a `width` x `height` photo in the multi-patch view: its shape, and the
    share of the view and of its bottom 12 % (a wide photo's fence) that the patches cover."""
    vh, vw = short_side_size(height, width, PATCH_SHORT)
    mask = np.zeros((vh, vw), bool)
    for top, left in patch_grid(vh, vw, PATCH, N_PATCHES):
        mask[top:top + PATCH, left:left + PATCH] = True
    rows, cols = grid_shape(height, width)
    strip = max(1, round(0.12 * vh))
    return {"view (w x h)": f"{vw} x {vh}", "grid (rows x cols)": f"{rows} x {cols}",
            "cells scored": f"{N_PATCHES} of {rows * cols}", "view covered": mask.mean(), "fence strip covered": mask[-strip:].mean()}


coverage = {e: grid_coverage(STUDIO_LONG, round(STUDIO_LONG / e)) for e in (1.0, 1.5, 2.0, 2.25, 2.5, 3.0)}
print_table([{"aspect": e, **row} for e, row in coverage.items()])

# %% [markdown]
# Up to 2:1 the 6 patches cover the whole photo. Beyond, the grid has 2 x 4 cells and 2 are skipped,
# so part of the view and of the fence is never scored at test time: at 3:1 the patches see about
# three quarters of the photo and two thirds of the fence strip. Wide photos beyond about 2:1 have
# this 2 x 4 grid (the panorama above shows its gaps); a tall photo is cut into 3 rows of 2 patches,
# or beyond about 2.7:1 into one column of 6, which covers its height and the middle two thirds of
# its width (section 7 counts the grids of its extreme photos). In training the random patches reach
# everywhere.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
assert all(coverage[e]["cells scored"] == f"{N_PATCHES} of {N_PATCHES}" and coverage[e]["view covered"] == 1 for e in (1.0, 1.5, 2.0))
assert all(coverage[e]["grid (rows x cols)"] == "2 x 4" for e in (2.25, 2.5, 3.0)), "the grid beyond 2:1 changed"
assert 0.7 <= coverage[3.0]["view covered"] <= 0.78 and 0.62 <= coverage[3.0]["fence strip covered"] <= 0.7, "coverage at 3:1 changed"
assert [fmt(coverage[e]["fence strip covered"], 2) for e in (2.25, 3.0)] == ["0.83", "0.66"], "fence strip coverage changed"

# %% [markdown]
# Each patch gets the image's label. Its EMD (r = 2) to the image's vote distribution becomes a
# similarity $\mathrm{EMD_c} = \mathrm{clip}(1 - k\,\mathrm{EMD}, \varepsilon, 1)$ (1 for a perfect
# patch), and
#
# $$\mathrm{MPEMD_{avg}} = -\frac{1}{|P|}\sum_{p \in P} \log \mathrm{EMD_c}(p), \qquad
# \mathrm{MPEMD_{ada}} = -\frac{1}{|P|}\sum_{p \in P} \big(1 - \mathrm{EMD_c}(p)^\beta\big)\log \mathrm{EMD_c}(p).$$
#
# MPEMD_ada multiplies each patch's term by $1 - \mathrm{EMD_c}^\beta$: near 0 for a well-predicted
# patch, larger for a bad one (the idea of the focal loss), so training concentrates on the patches it
# gets wrong; $k$ and $\beta$ are tuned together. By hand and with `losses.mpemd_loss`, for one image
# with 3 patches:


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
# The weight and the patch loss it gives. With $k = 1$ and small EMDs, $-\log(1 - \mathrm{EMD})
# \approx \mathrm{EMD}$ and $1 - \mathrm{EMD_c} = \mathrm{EMD}$, so MPEMD_avg is about the mean EMD
# and MPEMD_ada with $\beta = 1$ about the mean **squared** EMD: bad patches count quadratically more.

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
# A larger $\beta$ raises the weight of every imperfect patch; real EMDs of 0.05 to 0.3 sit in the
# left part of the right panel, where the avg loss is roughly linear and the ada losses bend upwards.
#
# ## 6. The course's models and two ablations
# Four small models, trained on the same 7,692 studio photos with the same 3-block CNN from scratch,
# seed and number of epochs (48), each checkpoint chosen on the validation split. They ship trained
# (`weights/NAME.pt` and its training record; `AESTHETICS_TRAIN=1` retrains them):
#
# | model | view | loss | config |
# |---|---|---|---|
# | **SPP** | aspect kept, long side 160 (the files' own), buckets | EMD | `configs/studio_spp.yaml` |
# | **multi-patch, ada** | 6 patches of 48 x 48, short side 72 | MPEMD_ada, k = 1, β = 1 | `configs/studio_multipatch.yaml` |
# | **multi-patch, avg** | the same | MPEMD_avg | the same with `VARIANTS["multipatch_avg"]` |
# | **warp** | 112 x 112 warp | EMD | the same with `VARIANTS["multipatch_warp"]`: NIMA's recipe on the same CNN |
#
# The warp's 12,544 pixels are about the 6 patches' 13,824, so the warp and the multi-patch model see
# about as many pixels of each photo. The SPP model has its own config, with a lower learning rate
# (2e-3 against 3e-3), so warp against SPP changes more than the view. It also sees the photo at its
# own size: more pixels than the warp in a near-square photo (25,600 at 1:1, 17,920 at 3:2), about as
# many in the 2:1 buckets (12,800, just above the warp's 12,544) and fewer only in the 3:1 buckets
# (7,680; section 4's bucket shapes). The table's test SRCC is
# each model's score of the 950 test photos through its own config's view, with 1,000 bootstrap
# resamples: read from its training record, which measured it on the shipped weights (a model
# trained here is scored here). The keys that differ from the multi-patch config:

# %%
print("warp run changes:", config_diff(MP_CFG.to_dict(), WARP_CFG.to_dict()))
print("avg run changes: ", config_diff(MP_CFG.to_dict(), course_config("multipatch", overrides=AVG).to_dict()))
print("SPP config changes:", config_diff(MP_CFG.to_dict(), SPP_CFG.to_dict()))
W_NAME, S_NAME, ADA, AVG_NAME = f"warp {WARP_SIZE}x{WARP_SIZE}", f"SPP (native {NATIVE_LONG})", "multi-patch ada", "multi-patch avg"
models = {
    W_NAME: course_model("multipatch", overrides=WARP),
    S_NAME: spp_cm,
    ADA: course_model("multipatch"),
    AVG_NAME: course_model("multipatch", overrides=AVG),
}
rows, test_srcc = [], {}
for name, cm in models.items():
    rec = cm.weights.record if cm.weights is not None else {}
    if rec:  # the training record measured it at export, the same way: these weights on the test split, 1,000 resamples
        test_srcc[name], (lo, hi) = rec["test"]["srcc"], rec["test"]["srcc_ci"]
    else:  # trained here: score the test photos through the config's own view
        _, _, test_set = build_datasets(cm.config.replace(cache=False), splits=("test",))
        p = predict(cm.model, test_set, batch_size=16)
        test_srcc[name] = metrics.srcc(p["mean"], p["target_mean"])
        lo, hi = metrics.bootstrap_ci(metrics.srcc, p["mean"], p["target_mean"], n_boot=N_BOOT)
    rows.append({"model": name, "shipped weights": f"{cm.weights.name}.pt" if cm.weights is not None else "none: trained here",
                 "epochs": rec.get("epochs"), "best epoch": rec.get("best_epoch"),
                 "best val SRCC": max(h["val_srcc"] for h in cm.history),
                 "test SRCC [95 % CI]": f"{fmt(test_srcc[name])} [{fmt(lo)}, {fmt(hi)}]"})
print_table(rows)
print("all four loaded from shipped weights:", all(cm.weights is not None for cm in models.values()))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above and in section 7, checked against the configs and the training records.
assert (SPP_CFG.lr_head, SPP_CFG.lr_backbone, MP_CFG.lr_head, MP_CFG.lr_backbone) == (2e-3, 2e-3, 3e-3, 3e-3), "learning rates changed"
assert WARP_SIZE**2 == 12544 and N_PATCHES * PATCH**2 == 13824, "pixel counts changed"
if all(cm.weights is not None for cm in models.values()):
    assert all(cm.weights.record["epochs"] == 48 for cm in models.values()), "no longer 48 epochs for every model"
if DATA.studio:
    assert [fmt(v) for v in test_srcc.values()] == ["0.464", "0.579", "0.433", "0.415"], "test SRCCs changed"

# %% [markdown]
# ## 7. Error by aspect-ratio bucket
# Now the question of the notebook. Each model scores every photo of the evaluation set through its
# own evaluation view. Photos are grouped by elongation $e = \max(w/h, h/w)$: near square (below
# 1.4), moderate (1.4 to 1.9) and extreme (1.9:1 up to 3:1). The error is the MSE of the predicted
# mean score against the raters' mean; SRCC within a bucket says whether a model still orders those
# photos.
#
# On the studio's draw the scores are not computed here: the training record of each of the sixteen
# shipped runs this section scores keeps its predicted means for these 3,000 photos (through its own
# view, and with 8 patches where this section scores it so), computed once exactly as this notebook
# would compute them (`make record-predictions DATASETS=1`). `CourseModel.predicted_means` reads
# that copy, or runs the model when there is none (a model trained here, or another evaluation set);
# the first line printed below checks the copies of the four runs of section 6's table against their
# weights, run again on the first 32 photos.

# %%
if DATA.studio:
    EVAL_ROOT = studio.ensure_studio("cadb", n=EVAL_N, seed=EVAL_SEED)
    eval_set = registry.open_dataset(f"cadb:{EVAL_ROOT}", "all")
    eval_name = f"a fresh studio draw ({EVAL_N} photos, seed {EVAL_SEED})"
else:
    eval_set = registry.open_dataset(DATA, "test")
    eval_name = "the test split"
eval_set.enable_cache(max_side=cache_side(MP_CFG))  # decode once, at the size the models were trained from
ann = eval_set.annotations.set_index("image_id").loc[eval_set.image_ids]
hw = eval_set.sizes().astype(float)  # (height, width) in item order
ann["elongation"] = np.maximum(hw[:, 0] / hw[:, 1], hw[:, 1] / hw[:, 0])
BUCKETS = ["near square (<1.4)", "moderate (1.4-1.9)", "extreme (>=1.9)"]
ann["bucket"] = np.select([ann["elongation"] < 1.4, ann["elongation"] < 1.9], BUCKETS[:2], BUCKETS[2])


def eval_means(cm, rows=None, patches=None):
    """The predicted mean score of every photo of the evaluation set (or of its ``rows``, positions
    in `ann`, which is in the set's item order) through the model's own evaluation view (with
    ``patches`` patches instead of its config's, when given): `CourseModel.predicted_means`, which
    reads the copy a shipped model's training record keeps for this draw and view, and runs the
    model otherwise."""
    means = cm.predicted_means(eval_set, patches=patches).astype(float)
    return means if rows is None else means[rows]


def copy_agrees(cm, n=32, tol=1e-3):
    """Whether ``cm`` itself, run on the first ``n`` photos of the evaluation set one at a time,
    gives the means its record's copy holds for them, to ``tol`` of a score point (float rounding,
    which differs a little between CPU kinds, stays far below it; another seed's run differs by
    tenths)."""
    eval_set.transform = eval_transform_for(cm.config)
    run = predict(cm.model, torch.utils.data.Subset(eval_set, range(n)), batch_size=1)["mean"]
    return bool(np.allclose(run, cm.recorded_means(eval_set)[:n], rtol=0, atol=tol))


pred = pd.DataFrame({name: eval_means(cm) for name, cm in models.items()}, index=ann.index)
copied = [name for name, cm in models.items() if cm.recorded_means(eval_set) is not None]
print(f"predicted means read from the training records' copies: {len(copied)} of {len(models)} models",
      *(["· each copy agrees with its weights run again on the first 32 photos (to 0.001):",
         all(copy_agrees(models[name]) for name in copied)] if copied else []))
true_mean = ann["mean"].to_numpy(float)
print("evaluation set:", eval_name, "·", len(ann), "photos ·", {b: int(n) for b, n in ann["bucket"].value_counts().reindex(BUCKETS).items()})
ext_grids = Counter(grid_shape(int(h), int(w)) for h, w in hw[(ann["bucket"] == BUCKETS[2]).to_numpy()])
print("the multi-patch evaluation grids of the extreme photos (rows x cols: photos):",
      {f"{r} x {c}": n for (r, c), n in sorted(ext_grids.items())})
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
# interval is that of the **difference**, both models resampled together (`paired_bootstrap`). In each
# row "A vs B" the studio was built for B to win: the warp against each aspect-preserving model, and
# MPEMD_avg against MPEMD_ada. The MSE gap is MSE(A) - MSE(B), the SRCC gap SRCC(B) - SRCC(A), so
# **positive means B is better**:

# %%
COMPARISONS = [(W_NAME, ADA), (W_NAME, S_NAME), (AVG_NAME, ADA)]  # (A, B): the studio was built for B to win


def bucket_mask(bucket):
    return np.ones(len(ann), bool) if bucket == "all" else (ann["bucket"] == bucket).to_numpy()


def b_wins(d):
    """The verdict of a paired difference oriented so that > 0 means B is better."""
    return {"higher": "B better", "lower": "A better"}.get(d.verdict, d.verdict)


gaps = []
for a, b in COMPARISONS:
    for bucket in BUCKETS + ["all"]:
        m = bucket_mask(bucket)
        pa, pb, t = pred[a].to_numpy()[m], pred[b].to_numpy()[m], true_mean[m]
        d_mse = paired_bootstrap(metrics.mse, pb, pa, t, n_boot=N_BOOT)  # MSE(A) - MSE(B)
        d_srcc = paired_bootstrap(metrics.srcc, pa, pb, t, n_boot=N_BOOT)  # SRCC(B) - SRCC(A)
        gaps.append({"A vs B": f"{a} vs {b}", "bucket": bucket, "MSE gap": d_mse.difference,
                     "MSE 95 % CI": fmt(list(d_mse.ci)), "MSE verdict": b_wins(d_mse),
                     "SRCC gap": d_srcc.difference, "SRCC 95 % CI": fmt(list(d_srcc.ci)), "SRCC verdict": b_wins(d_srcc),
                     "_mse": d_mse})
print_table([{k: v for k, v in r.items() if not k.startswith("_")} for r in gaps])

fig, axes = plt.subplots(1, len(COMPARISONS), figsize=(13, 3.4), sharey=True)
for ax, (a, b) in zip(axes, COMPARISONS):
    g = [r["_mse"] for r in gaps if r["A vs B"] == f"{a} vs {b}"]
    est = np.array([d.difference for d in g])
    err = np.array([[d.difference - d.low for d in g], [d.high - d.difference for d in g]])
    ax.errorbar(range(len(g)), est, yerr=err, fmt="o", capsize=4)
    ax.axhline(0, color="grey", lw=1)
    ax.set_xticks(range(len(g)), [x.split(" (")[0] for x in BUCKETS + ["all"]], fontsize=8)
    ax.set_title(f"MSE({a}) - MSE({b})", fontsize=9)
axes[0].set_ylabel("MSE gap (> 0: B is better)")
fig.suptitle("does the studio's expected winner win? paired bootstrap, 95 % intervals", fontsize=10)
fig.tight_layout()
_ = save_figure(fig, "06_error_by_bucket")
plt.show()
GOALS = [(W_NAME, ADA, BUCKETS[2]), (W_NAME, S_NAME, BUCKETS[2]), (AVG_NAME, ADA, "all"), (AVG_NAME, ADA, BUCKETS[2])]
for a, b, bucket in GOALS:
    d = next(r["_mse"] for r in gaps if r["A vs B"] == f"{a} vs {b}" and r["bucket"] == bucket)
    outcome = {"higher": f"{b} has the lower error: as the studio was built to show",
               "lower": f"{a} has the lower error: the opposite of what the studio was built to show"}.get(
        d.verdict, "no difference this evaluation set can resolve")
    print(f"{bucket}: MSE({a}) - MSE({b}) = {fmt(d.difference)} {fmt(list(d.ci))} -> {outcome}")

# %% [markdown]
# An MSE gap mixes everything a model gets right or wrong. Sharper: did a model learn to read the
# fence at all? On the extreme photos that have a band, the true `rhythm` is known, so a model's SRCC
# with it measures how much the model follows that one cue (the other factors are independent of it);
# the last column pairs each model with the warp. For scale: the raters' mean (first row), and the
# noise ceiling, which bounds what any model can reach.

# %%
if DATA.studio:
    eval_factors = studio.read_factors(EVAL_ROOT).set_index("image_id").loc[ann.index]
    on = (ann["bucket"] == BUCKETS[2]).to_numpy() & eval_factors["band"].to_numpy(bool)
    rhythm = eval_factors["rhythm"].to_numpy()[on]
    eval_report = json.loads((EVAL_ROOT / studio.REPORT_FILE).read_text())
    rows = [{"": "raters' mean", "SRCC with true rhythm": metrics.srcc(true_mean[on], rhythm),
             "95 % CI": fmt(metrics.bootstrap_ci(metrics.srcc, true_mean[on], rhythm, n_boot=N_BOOT)), "minus the warp's [95 % CI]": ""}]
    follows = {}
    for name in models:
        if name in collapsed:
            rows.append({"": name, "SRCC with true rhythm": "collapsed", "95 % CI": "", "minus the warp's [95 % CI]": ""})
            continue
        lo, hi = metrics.bootstrap_ci(metrics.srcc, pred[name].to_numpy()[on], rhythm, n_boot=N_BOOT)
        follows[name] = metrics.srcc(pred[name].to_numpy()[on], rhythm)
        vs_warp = "" if name == W_NAME else paired_bootstrap(metrics.srcc, pred[W_NAME].to_numpy()[on], pred[name].to_numpy()[on], rhythm, n_boot=N_BOOT)
        rows.append({"": name, "SRCC with true rhythm": follows[name], "95 % CI": f"[{fmt(lo)}, {fmt(hi)}]",
                     "minus the warp's [95 % CI]": vs_warp and f"{fmt(vs_warp.difference)} {fmt(list(vs_warp.ci))} "
                     + {"higher": "(follows it more)", "lower": "(follows it less)"}.get(vs_warp.verdict, "(no clear difference)")})
    print("extreme photos with a fence:", int(on.sum()))
    print_table(rows)
    rhythm_rows = rows
    print("noise ceiling, SRCC(vote mean, true quality) on this draw:", fmt(eval_report["noise_ceiling"]["srcc_vote_mean_vs_true_quality"]),
          "· best model SRCC on all photos:", fmt(max(metrics.srcc(pred[n].to_numpy(), true_mean) for n in models if n not in collapsed)))
    ext = (ann["bucket"] == BUCKETS[2]).to_numpy()
    term = studio.quality_terms(eval_factors)["rhythm"].to_numpy()[ext]
    bound = np.var(true_mean[ext]) * metrics.lcc(term, true_mean[ext]) ** 2  # variance of the vote means the cue explains
    print("extreme bucket: variance of the vote means", fmt(np.var(true_mean[ext])), "· share the rhythm term explains",
          fmt(metrics.lcc(term, true_mean[ext]) ** 2), "· so a perfect reading of the cue could lower the MSE by at most", fmt(bound))

# %% [markdown]
# **Reading these results honestly.** SPP beats the warp in every bucket on both metrics: over all
# photos (MSE lower by 0.0404 [0.0325, 0.0491], SRCC higher by 0.105 [0.0831, 0.125]), on the
# near-square (SRCC +0.0947 [0.0598, 0.129]) and moderate photos (+0.12 [0.0931, 0.15]), and on the
# **extreme** ones (MSE 0.0279 [0.0056, 0.0492], SRCC 0.071 [0.0167, 0.126]), where it sees fewer
# pixels than the warp in the photos it puts in the 3:1 buckets (7,680 against 12,544) and about as
# many in those it puts in the 2:1 buckets (12,800). Seeds 1 and 2 of SPP, trained outside this
# notebook (`benchmarks/spp_seeds.py`, `benchmarks/results/spp_seeds_160_s38.json`; quoted, not
# recomputed: two more SPP models do not fit the course weights' size budget), give the same
# verdicts with three seeds per model and the seed-noise rule of the next subsection: SPP better
# over all photos (SRCC +0.104 [0.0851, 0.122], seed noise 0.014), on the near-square (+0.1
# [0.0697, 0.133]), the moderate (+0.117 [0.0906, 0.142]) and the extreme ones (SRCC +0.071
# [0.0202, 0.124], seed noise 0.0176; MSE lower by 0.0267 [0.00733, 0.0453]). So on the extreme photos an aspect-keeping model does beat the warp,
# the comparison the studio was built for, but not *because* they are elongated: its lead does not
# grow with elongation (SRCC +0.071 on the extreme photos against +0.0947 and +0.12 on the others;
# the intervals overlap), and it follows the fence rhythm less than the warp does (below). Its
# config differs from the warp's in more than the view (section 6: its own learning rate and head,
# and the photo at its own size), and its pyramid of max-pooled grids keeps *where* features are,
# where the warp's and the multi-patch model's average pooling keeps only *what* is there; this
# notebook does not separate these causes.
#
# Multi-patch beats the warp nowhere. Over all photos the warp is ahead (MSE gap -0.00697 [-0.0124,
# -0.00148], SRCC gap -0.022 [-0.0381, -0.00571]), and most on the **extreme** photos, the bucket
# where the studio was built for the multi-patch model to win (MSE gap -0.0232 [-0.0409, -0.00604],
# SRCC gap -0.0701 [-0.123, -0.0197]); on the near-square and moderate photos the two cannot be told
# apart (seed 0 of each; three seeds per view below give the same verdicts).
#
# So the expected result, aspect-preserving models winning *because* a photo is elongated, did not
# come out. What the numbers say about why:
#
# 1. *Could the models see the cue?* In pixels the SPP model's native view keeps all of it (the long
#    side stays at the file's 160 pixels). At 3:1 the warp holds the fence below the sampling limit
#    (0.339 of the crisp-smeared difference survives) and the multi-patch view keeps 0.627 (section
#    2), though on the wide photos beyond about 2:1 its 6 evaluation patches cover only 0.83 to
#    0.66 of the fence strip (section 5), and on 41 tall photos none of it (below).
# 2. *Did they learn it?* Yes, and the warp best. On the extreme photos with a fence every model's
#    predictions follow the true `rhythm` (all four intervals above 0); the warp's about as closely
#    as the raters' mean does (0.309 [0.211, 0.395] against 0.286 [0.186, 0.381]; not paired), the three aspect-keeping
#    models' less than the warp's (by 0.126 to 0.172, each paired interval below 0), SPP's too,
#    though its view keeps the whole cue. What share of the cue a view keeps in pixels (section 2) did
#    not predict what a trained network reads from it.
# 3. *How much is there to gain?* In the extreme bucket the rhythm term explains 0.08 of the vote
#    means' variance, so a perfect reading of the cue could lower that bucket's MSE by at most 0.03,
#    against MSEs of 0.247 to 0.301 for the four models there.
# 4. *Is it the view at all?* An experiment outside this notebook held the network and the pixel
#    count fixed: the SPP network trained for 48 epochs on the 112 x 112 warp, or on the photo with
#    its aspect ratio kept at about as many pixels (64 x 192 at 3:1), three seeds each, scored on this
#    same fresh draw. The three-seed averages could not be told apart in any bucket (SRCC, aspect
#    kept minus warp: 0.00398 [-0.00464, 0.0129] over all photos, -0.0135 [-0.0427, 0.0151] on the
#    extreme ones), and again the warped models followed the rhythm more (paired -0.101 [-0.131,
#    -0.072]) (`benchmarks/README.md`, "Keeping the aspect ratio at the same pixel count", quoted,
#    not recomputed).
#
# So on this studio the warp's squeeze is not what these small networks lose by it: SPP's lead is
# no smaller on the near-square photos, which a 112 x 112 warp hardly distorts, and the warp reads
# the fence best. A possible reason for the fence, not tested:
# the fence is a band 12 % of the short side high, and the warp *stretches* it (the 6 pixels of a
# 160 x 53 photo become 13), which may make it easier to find. A studio that teaches this lesson
# needs a cue a warp destroys at any resolution: a warp discards the aspect ratio itself, so a term
# on true shape (a round subject) would be one. The intervals above cover only which photos were
# scored, not the training noise of one run per model; the next subsection adds it for the warp and
# the multi-patch model (the experiment of point 4 has three seeds too). Wang et al. (2019) measured their gain with large pretrained networks on about a quarter
# of a million AVA photos; section 9 points to that experiment.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
gap_of = {(r["A vs B"], r["bucket"]): r for r in gaps}
MP_VS, SPP_VS, AVG_VS = f"{W_NAME} vs {ADA}", f"{W_NAME} vs {S_NAME}", f"{AVG_NAME} vs {ADA}"
NEAR, MODERATE, EXTREME = BUCKETS


def gap_quote(key, metric):
    """A row of the gaps table as the text quotes it: ("gap [low, high]", verdict)."""
    r = gap_of[key]
    return f"{fmt(r[metric + ' gap'])} {r[metric + ' 95 % CI']}", r[metric + " verdict"]


if DATA.studio:
    assert gap_quote((SPP_VS, "all"), "MSE") == ("0.0404 [0.0325, 0.0491]", "B better"), "warp vs SPP, all, MSE"
    assert gap_quote((SPP_VS, "all"), "SRCC") == ("0.105 [0.0831, 0.125]", "B better"), "warp vs SPP, all, SRCC"
    assert gap_quote((SPP_VS, NEAR), "SRCC") == ("0.0947 [0.0598, 0.129]", "B better"), "warp vs SPP, near square, SRCC"
    assert gap_quote((SPP_VS, MODERATE), "SRCC") == ("0.12 [0.0931, 0.15]", "B better"), "warp vs SPP, moderate, SRCC"
    assert gap_quote((SPP_VS, EXTREME), "MSE") == ("0.0279 [0.0056, 0.0492]", "B better"), "warp vs SPP, extreme, MSE"
    assert gap_quote((SPP_VS, EXTREME), "SRCC") == ("0.071 [0.0167, 0.126]", "B better"), "warp vs SPP, extreme, SRCC"
    assert all(gap_quote((SPP_VS, b), m)[1] == "B better" for b in BUCKETS + ["all"] for m in ("MSE", "SRCC")), "SPP vs the warp"
    assert gap_of[(SPP_VS, EXTREME)]["SRCC gap"] < min(gap_of[(SPP_VS, b)]["SRCC gap"] for b in (NEAR, MODERATE)), \
        "the text says SPP's lead does not grow with elongation"
    assert all(gap_quote((MP_VS, b), m)[1] == "no clear difference" for b in (NEAR, MODERATE) for m in ("MSE", "SRCC")), "the warp vs multi-patch"
    assert gap_quote((MP_VS, "all"), "MSE") == ("-0.00697 [-0.0124, -0.00148]", "A better"), "warp vs multi-patch, all, MSE"
    assert gap_quote((MP_VS, "all"), "SRCC") == ("-0.022 [-0.0381, -0.00571]", "A better"), "warp vs multi-patch, all, SRCC"
    assert gap_quote((MP_VS, EXTREME), "MSE") == ("-0.0232 [-0.0409, -0.00604]", "A better"), "warp vs multi-patch, extreme, MSE"
    assert gap_quote((MP_VS, EXTREME), "SRCC") == ("-0.0701 [-0.123, -0.0197]", "A better"), "warp vs multi-patch, extreme, SRCC"
    assert [fmt(survival[v][-1]) for v in (V_WARP, V_NATIVE, V_PATCH)] == ["0.339", "1", "0.627"], "cue kept at 3:1 changed"
    assert rhythm_rows[0]["95 % CI"] == "[0.186, 0.381]" and fmt(rhythm_rows[0]["SRCC with true rhythm"]) == "0.286", "the raters' SRCC"
    assert rhythm_rows[1]["95 % CI"] == "[0.211, 0.395]" and fmt(rhythm_rows[1]["SRCC with true rhythm"]) == "0.309", "the warp's SRCC"
    for _row in rhythm_rows[1:]:
        _lo = float(_row["95 % CI"].strip("[]").split(", ")[0])
        assert _lo > 0, f"{_row['']} no longer follows the rhythm"
    _vs = {_row[""]: _row["minus the warp's [95 % CI]"] for _row in rhythm_rows[2:]}
    assert all(v.endswith("(follows it less)") for v in _vs.values()), "an aspect-keeping model vs the warp on the rhythm"
    _gaps = sorted(-float(v.split(" ")[0]) for v in _vs.values())
    assert [fmt(_gaps[0]), fmt(_gaps[-1])] == ["0.126", "0.172"], "the rhythm gaps to the warp changed"
    shares = metrics.lcc(term, true_mean[ext]) ** 2
    assert fmt(shares, 1) == "0.08" and fmt(bound, 1) == "0.03", "the rhythm term's share or the bound changed"
    _ext_mse = [metrics.mse(pred[n].to_numpy()[ext], true_mean[ext]) for n in models]
    assert [fmt(min(_ext_mse)), fmt(max(_ext_mse))] == ["0.247", "0.301"], "extreme-bucket MSEs"
    _wide = hw[:, 1] > hw[:, 0]
    _ext = (ann["bucket"] == EXTREME).to_numpy()
    assert all(grid_shape(int(h), int(w)) == (2, 4) for h, w in hw[_ext & _wide & (ann["elongation"].to_numpy() >= 2.1)]), \
        "the wide photos beyond about 2:1 no longer have the 2 x 4 grid"
    assert {grid_shape(int(h), int(w)) for h, w in hw[_ext & ~_wide]} == {(3, 2), (6, 1)}, "the tall photos' grids changed"
    assert ext_grids[(2, 4)] == 241 and sum(ext_grids.values()) == 419, "the count of 2 x 4 grids quoted"

# %% [markdown]
# ### Three seeds per view
# One run per arm is one draw of the training's luck: the seed fixes the initial weights and the
# order of the photos, and another seed gives another model. So the warp and the multi-patch model
# were also trained with seeds 1 and 2, everything else the same (their weights ship too:
# `weights/multipatch_warp_seed1.pt`, `weights/multipatch_seed1.pt`, ...). Below, each view's SRCC
# and MSE are averaged over its three seeds; the paired interval resamples the photos of the draw for
# all six runs at once; and, as in notebooks 05 and 09, a difference counts only when it also exceeds
# what seed luck alone gives a difference of two three-seed averages (twice its SD, from the spread
# of each arm's seeds: `seed_noise`); `compare_seeds` does all three. Positive still means B, the
# multi-patch model, is better.

# %%
SEEDS = (0, 1, 2)
SEED_ARMS = {W_NAME: WARP, ADA: {}, AVG_NAME: AVG}  # each arm's overrides of the multi-patch config
seed_pred = {}  # per arm, [photos, seeds]: the predicted mean score on the evaluation draw
seed_models = {}  # per arm, the three CourseModels, seed 0 first


def load_seeds(name):
    """Score the evaluation draw with seeds 1 and 2 of arm ``name`` (beside seed 0, sections 6-7's
    run) into ``seed_pred[name]`` (the models into ``seed_models[name]``); True when both were
    loaded from shipped weights."""
    more = [course_model("multipatch", overrides={**SEED_ARMS[name], "seed": s}) for s in SEEDS[1:]]
    seed_models[name] = [models[name], *more]
    seed_pred[name] = np.stack([pred[name].to_numpy()] + [eval_means(cm) for cm in more], axis=1)
    return all(cm.weights is not None for cm in more)


def seed_comparison(a, b):
    """Per bucket and metric (`compare_seeds`): each seed's score of arms ``a`` and ``b``, how much
    better ``b`` is on the three-seed averages (> 0: ``b`` better) with its paired interval, the seed
    noise and the seed-aware verdict."""
    print(f"A = {a}, B = {b}")
    rows = compare_seeds(seed_pred[a], seed_pred[b], true_mean, {bk: bucket_mask(bk) for bk in BUCKETS + ["all"]}, n_boot=N_BOOT)
    return [{"bucket": r.group, **seed_columns(r), "_d": r.d, "_per_seed": {a: r.a, b: r.b}} for r in rows]


def seed_columns(r):
    """The printed columns of one `compare_seeds` row: metric, each arm's per-seed scores, B's lead
    on the three-seed means with its interval, the seed noise and the verdict."""
    return {"metric": r.metric.upper(),
            "A, seeds 0/1/2": " / ".join(fmt(v) for v in r.a), "B, seeds 0/1/2": " / ".join(fmt(v) for v in r.b),
            "B better by (3-seed means)": r.d.difference, "95 % CI": fmt(list(r.d.ci)), "seed noise": r.noise, "B is": r.verdict}


print("seeds 1 and 2 of the warp and of multi-patch ada loaded from shipped weights:", load_seeds(W_NAME) and load_seeds(ADA))
view_rows = seed_comparison(W_NAME, ADA)
print_table([{k: v for k, v in r.items() if not k.startswith("_")} for r in view_rows])
if DATA.studio:  # and the fence: SRCC with the true rhythm on the extreme photos with a band, three seeds per view
    follows = compare_seeds(seed_pred[W_NAME][on], seed_pred[ADA][on], rhythm, n_boot=N_BOOT, scores=("srcc",))[0]
    rhythm_per_seed = {W_NAME: follows.a, ADA: follows.b}
    print("SRCC with the true rhythm (extreme photos with a fence), seeds 0/1/2:",
          {n: " / ".join(fmt(v) for v in vs) for n, vs in rhythm_per_seed.items()})
    print(f"multi-patch minus warp (3-seed means): {fmt(follows.d.difference)} {fmt(list(follows.d.ci))}, seed noise {fmt(follows.noise)}",
          "->", {"better": "multi-patch follows it more", "worse": "multi-patch follows it less"}.get(follows.verdict, "no clear difference"))

# %% [markdown]
# Three seeds per view confirm seed 0's result, and it clears the seed-noise rule: **the warp beats
# the multi-patch model over all photos and on the extreme ones**. Multi-patch's lead on the
# three-seed averages is negative (the warp is ahead) over all photos, SRCC -0.017 [-0.0323,
# -0.00356] (seed noise 0.0108) and MSE -0.00595 [-0.011, -0.00132] (noise 0.00338), and on the
# extreme photos SRCC -0.0697 [-0.12, -0.0233] (noise 0.0113) and MSE -0.0237 [-0.0404, -0.00779]
# (noise 0.00432); there every warp seed is ahead of every multi-patch seed (SRCC 0.476-0.485
# against 0.403-0.42). On the near-square and moderate photos the two views cannot be told apart.
# The fence tells the same story with three seeds: the warp's runs follow the true rhythm at
# 0.309-0.328, the multi-patch runs at 0.114-0.141 (paired -0.189 [-0.25, -0.13], seed noise
# 0.0203). So the result is not one lucky run: on this studio, with these small networks, the warp
# scores the elongated photos better than the multi-patch model does, the opposite of what the
# studio was built to show. Why is settled here only in part: for the fence, "Where is the fence in
# the patches?" below finds the multi-patch score diluting the cue; the reason suggested above for
# the warp (it stretches the thin fence band) is untested.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
def seed_row(rows, bucket, metric):
    """The row of a three-seed table (`seed_comparison`) for this bucket and metric."""
    return next(r for r in rows if r["bucket"] == bucket and r["metric"] == metric)


def seed_quote(rows, bucket, metric):
    """A row of a three-seed table as the text quotes it: ("gap [low, high]", seed noise, verdict)."""
    r = seed_row(rows, bucket, metric)
    return f"{fmt(r['B better by (3-seed means)'])} {r['95 % CI']}", fmt(r["seed noise"]), r["B is"]


if DATA.studio:
    assert seed_quote(view_rows, "all", "SRCC") == ("-0.017 [-0.0323, -0.00356]", "0.0108", "worse"), "three seeds per view, all, SRCC"
    assert seed_quote(view_rows, "all", "MSE") == ("-0.00595 [-0.011, -0.00132]", "0.00338", "worse"), "three seeds per view, all, MSE"
    assert seed_quote(view_rows, EXTREME, "SRCC") == ("-0.0697 [-0.12, -0.0233]", "0.0113", "worse"), "three seeds per view, extreme, SRCC"
    assert seed_quote(view_rows, EXTREME, "MSE") == ("-0.0237 [-0.0404, -0.00779]", "0.00432", "worse"), "three seeds per view, extreme, MSE"
    assert all(seed_quote(view_rows, b, m)[2] == "no clear difference" for b in (NEAR, MODERATE) for m in ("SRCC", "MSE")), "near-square or moderate resolved"
    _ext = seed_row(view_rows, EXTREME, "SRCC")["_per_seed"]
    assert min(_ext[W_NAME]) > max(_ext[ADA]), "a multi-patch seed ahead of a warp seed on the extreme photos"
    assert [fmt(min(_ext[W_NAME])), fmt(max(_ext[W_NAME])), fmt(min(_ext[ADA])), fmt(max(_ext[ADA]))] == ["0.476", "0.485", "0.403", "0.42"], "extreme SRCC ranges"
    _rh = {n: [fmt(min(v)), fmt(max(v))] for n, v in rhythm_per_seed.items()}
    assert _rh == {W_NAME: ["0.309", "0.328"], ADA: ["0.114", "0.141"]}, "the seeds' rhythm SRCCs changed"
    assert (fmt(follows.d.difference), fmt(list(follows.d.ci)), fmt(follows.noise)) == ("-0.189", "[-0.25, -0.13]", "0.0203"), "rhythm, three seeds"
    assert follows.verdict == "worse", "the rhythm verdict changed"

# %% [markdown]
# **Does the evaluation grid cost the multi-patch model?** Section 5 showed that 6 patches leave 2
# cells of a wide extreme photo's 2 x 4 grid unscored; 241 of the 419 extreme photos have that grid
# (the first cell of this section counts them). How many patches score a photo is a choice made at test
# time (each patch is scored on its own and the patch predictions are averaged), so the same shipped
# runs can be scored with 8 patches, without retraining. On the extreme photos, three seeds each
# (positive: B better):

# %%
ext_idx = np.flatnonzero(bucket_mask(EXTREME))
PATCHES_EVAL = 8
wide = np.stack([eval_means(cm, rows=ext_idx, patches=PATCHES_EVAL) for cm in seed_models[ADA]], axis=1)
grid_rows = {f"A = {ADA} with {N_PATCHES} patches, B = the same with {PATCHES_EVAL}": compare_seeds(seed_pred[ADA][ext_idx], wide, true_mean[ext_idx], n_boot=N_BOOT),
             f"A = {W_NAME}, B = {ADA} with {PATCHES_EVAL} patches": compare_seeds(seed_pred[W_NAME][ext_idx], wide, true_mean[ext_idx], n_boot=N_BOOT)}
print_table([{"extreme photos": k, "metric": r.metric.upper(), "B, seeds 0/1/2": " / ".join(fmt(v) for v in r.b),
              "B better by (3-seed means)": r.d.difference, "95 % CI": fmt(list(r.d.ci)), "seed noise": r.noise, "B is": r.verdict}
             for k, rows in grid_rows.items() for r in rows])

# %% [markdown]
# Scored with 8 patches, the same runs do better on the extreme photos, beyond seed noise: SRCC
# +0.0274 [0.0143, 0.0421] (seed noise 0.0178), MSE lower by 0.00827 [0.00453, 0.0126] (noise
# 0.00448). Against the warp, the SRCC gap on these photos is then no longer resolved (-0.0423
# [-0.0887, 0.00104]), but the warp's MSE lead remains (-0.0154 [-0.0299, -0.00119], noise 0.00509).
# So scoring 8 patches removed part of the multi-patch model's deficit on the extreme photos, and
# part of it remains. Whether through the wide photos' unscored cells, the tall photos' side fence
# (8 patches turn a single column into 4 rows of 2) or simply more patches averaged is not separated
# here. (Choosing the patch count on this same draw would tune on the test photos; the 8 here was
# fixed beforehand by section 5, as the count that fills the 2 x 4 grid of the wide extreme photos, and the notebook keeps 6 everywhere else,
# the count the models were trained with.)

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
_grid = [(r.metric, f"{fmt(r.d.difference)} {fmt(list(r.d.ci))}", fmt(r.noise), r.verdict) for rows in grid_rows.values() for r in rows]
if DATA.studio:
    assert _grid == [("srcc", "0.0274 [0.0143, 0.0421]", "0.0178", "better"), ("mse", "0.00827 [0.00453, 0.0126]", "0.00448", "better"),
                     ("srcc", "-0.0423 [-0.0887, 0.00104]", "0.0156", "no clear difference"),
                     ("mse", "-0.0154 [-0.0299, -0.00119]", "0.00509", "worse")], "the 8-patch evaluation changed"

# %% [markdown]
# **Trained with 8 patches.** The 8 patches above changed only the test: the runs were trained on
# 6. Three more runs were trained with 8 patches as well, everything else the multi-patch config's
# (`VARIANTS["multipatch_p8"]`, seeds 0-2: `weights/multipatch_p8.pt`, `weights/multipatch_p8_seed1.pt`,
# ...), and are scored with their own 8. They see 8 x 48² = 18,432 pixels of a photo per step, 1.47
# times the warp's 12,544, so this arm no longer holds the pixel count to the warp's. Three
# comparisons, three seeds per arm, positive still meaning B is better: against the warp in every
# bucket; on the extreme photos, against the 6-patch runs scored with 8 (the same test grid, so the
# difference is what training on 8 adds); and how closely each follows the fence.

# %%
P8, P8_NAME = {"patches": PATCHES_EVAL}, f"multi-patch ada, trained with {PATCHES_EVAL}"
seed_models[P8_NAME] = [course_model("multipatch", overrides={**P8, "seed": s}) for s in SEEDS]
p8_shipped = all(cm.weights is not None for cm in seed_models[P8_NAME])
print(f"{P8_NAME}, seeds 0/1/2, loaded from shipped weights:", p8_shipped)
if p8_shipped:
    print("their test SRCC (950 test photos, training records):",
          " / ".join(fmt(cm.weights.record["test"]["srcc"]) for cm in seed_models[P8_NAME]))
seed_pred[P8_NAME] = np.stack([eval_means(cm) for cm in seed_models[P8_NAME]], axis=1)
p8_rows = seed_comparison(W_NAME, P8_NAME)
print_table([{k: v for k, v in r.items() if not k.startswith("_")} for r in p8_rows])
trained_rows = compare_seeds(wide, seed_pred[P8_NAME][ext_idx], true_mean[ext_idx], n_boot=N_BOOT)
print(f"\nextreme photos, A = {ADA} scored with {PATCHES_EVAL}, B = {P8_NAME}")
print_table([seed_columns(r) for r in trained_rows])
if DATA.studio:
    follows_p8 = compare_seeds(seed_pred[W_NAME][on], seed_pred[P8_NAME][on], rhythm, n_boot=N_BOOT, scores=("srcc",))[0]
    print("\nSRCC with the true rhythm (extreme photos with a fence), seeds 0/1/2:",
          {n: " / ".join(fmt(v) for v in vs) for n, vs in {W_NAME: follows_p8.a, P8_NAME: follows_p8.b}.items()})
    print(f"trained with {PATCHES_EVAL} minus warp (3-seed means): {fmt(follows_p8.d.difference)} {fmt(list(follows_p8.d.ci))}, "
          f"seed noise {fmt(follows_p8.noise)}", "->", {"better": "follows it more", "worse": "follows it less"}.get(follows_p8.verdict, "no clear difference"))

# %% [markdown]
# Training on 8 patches adds nothing measurable to scoring with 8: on the extreme photos the runs
# trained with 8 and the 6-patch runs scored with 8 cannot be told apart (SRCC -0.00808 [-0.0216,
# 0.00486], MSE -0.00291 [-0.0065, 0.000323]), and on the 950 test photos they score 0.439 / 0.433 /
# 0.426 against the 6-patch runs' 0.433 / 0.435 / 0.428. **The warp is ahead of them on the
# extreme photos on both metrics**, beyond seed noise (SRCC -0.0504 [-0.0979, -0.00531], seed noise
# 0.00842; MSE -0.0183 [-0.0331, -0.00348], noise 0.0036); the near-square and moderate photos show
# no clear difference, and over all photos the warp's MSE lead just clears the rule (-0.00502
# [-0.0105, -6.9e-05]; SRCC -0.0132 [-0.0286, 0.00133], not resolved). They follow the fence about
# as little as the 6-patch runs (0.119-0.154, against 0.114-0.141 for the 6-patch runs and
# 0.309-0.328 for the warp's; paired with the warp -0.179 [-0.236, -0.123]). So a grid that covers
# the long side, in training and at test, with 1.47 times the warp's pixels, did not turn the result
# around on this studio.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if p8_shipped:
    assert [fmt(cm.weights.record["test"]["srcc"]) for cm in seed_models[P8_NAME]] == ["0.439", "0.433", "0.426"], "8-patch test SRCCs"
    assert [fmt(cm.weights.record["test"]["srcc"]) for cm in seed_models[ADA]] == ["0.433", "0.435", "0.428"], "6-patch test SRCCs"
assert PATCHES_EVAL * PATCH**2 == 18432 and fmt(PATCHES_EVAL * PATCH**2 / WARP_SIZE**2) == "1.47", "8 patches' pixel count"
if DATA.studio:
    assert [(r.metric, f"{fmt(r.d.difference)} {fmt(list(r.d.ci))}", r.verdict) for r in trained_rows] == [
        ("srcc", "-0.00808 [-0.0216, 0.00486]", "no clear difference"), ("mse", "-0.00291 [-0.0065, 0.000323]", "no clear difference")], "trained with 8 vs scored with 8"
    assert seed_quote(p8_rows, EXTREME, "SRCC") == ("-0.0504 [-0.0979, -0.00531]", "0.00842", "worse"), "trained with 8 vs warp, extreme, SRCC"
    assert seed_quote(p8_rows, EXTREME, "MSE") == ("-0.0183 [-0.0331, -0.00348]", "0.0036", "worse"), "trained with 8 vs warp, extreme, MSE"
    assert all(seed_quote(p8_rows, b, m)[2] == "no clear difference" for b in (NEAR, MODERATE) for m in ("SRCC", "MSE")), "near-square or moderate resolved"
    assert seed_quote(p8_rows, "all", "MSE") == ("-0.00502 [-0.0105, -6.9e-05]", "0.00375", "worse"), "trained with 8 vs warp, all, MSE"
    assert seed_quote(p8_rows, "all", "SRCC") == ("-0.0132 [-0.0286, 0.00133]", "0.0114", "no clear difference"), "trained with 8 vs warp, all, SRCC"
    assert [fmt(min(follows_p8.b)), fmt(max(follows_p8.b))] == ["0.119", "0.154"], "8-patch rhythm SRCCs"
    assert (fmt(follows_p8.d.difference), fmt(list(follows_p8.d.ci)), follows_p8.verdict) == ("-0.179", "[-0.236, -0.123]", "worse"), "8-patch rhythm vs warp"

# %% [markdown]
# **Where is the fence in the patches?** The fence runs along one edge of the photo: the bottom 12 %
# of a wide photo, the left or right 12 % of a tall one (`studio.band_box`). Each patch is scored on
# its own, in training against the whole photo's votes, and the photo's score is the mean of its
# patches' scores. So a patch that does not hold the fence cannot report it, and its score dilutes
# the score of the patches that do. On the extreme photos with a fence, which of the 6 evaluation
# patches hold part of it, and how closely does each kind follow the true rhythm? Three seeds of the
# 6-patch runs, each patch's predicted mean score (the `patch_dist` the model returns beside `dist`),
# paired as before (positive: B follows the rhythm more).

# %%
if DATA.studio:
    on_idx = np.flatnonzero(on)  # the extreme photos with a fence, positions in `ann`


    ada_view = eval_transform_for(seed_models[ADA][0].config)  # section 5's grid on the resized view


    def fence_patches(row):
        """Which of photo ``row``'s evaluation patches hold part of its fence."""
        height, width = (int(v) for v in hw[row])
        return ada_view.grid_patches_on(height, width, studio.band_box(eval_factors.iloc[row], width, height))


    in_fence = np.stack([fence_patches(row) for row in on_idx])  # [photos, patches]
    patch_score = []  # per seed: each evaluation patch's predicted mean score, [photos, patches]
    for cm in seed_models[ADA]:
        eval_set.transform = eval_transform_for(cm.config)
        p = predict(cm.model, torch.utils.data.Subset(eval_set, on_idx), batch_size=16, keep=("patch_dist",))
        assert list(p["image_id"]) == list(ann.index[on_idx]), "patch scores out of order"
        patch_score.append(dist_mean(p["patch_dist"]))
    counts = np.bincount(in_fence.sum(1), minlength=N_PATCHES + 1)
    print("extreme photos with a fence:", len(on_idx), "· photos by number of evaluation patches on the fence:",
          {k: int(n) for k, n in enumerate(counts) if n})
    blind = ~in_fence.any(1)
    tall = hw[on_idx, 0] > hw[on_idx, 1]
    print("no patch on the fence:", int(blind.sum()), "photos, tall ones:", int((blind & tall).sum()),
          "· their elongation:", fmt(ann["elongation"].to_numpy()[on_idx][blind].min()), "to",
          fmt(ann["elongation"].to_numpy()[on_idx][blind].max()))
    both = in_fence.any(1) & ~in_fence.all(1)  # photos with patches of both kinds
    f_in = in_fence[both]
    fence_part = np.stack([(s[both] * f_in).sum(1) / f_in.sum(1) for s in patch_score], axis=1)  # [photos, seeds]
    other_part = np.stack([(s[both] * ~f_in).sum(1) / (~f_in).sum(1) for s in patch_score], axis=1)
    rhythm_both = rhythm[both]
    arms = {"the model's score (all 6 patches)": seed_pred[ADA][on][both], "patches on the fence": fence_part,
            "the other patches": other_part, "warp": seed_pred[W_NAME][on][both]}
    print(f"\nSRCC with the true rhythm, {int(both.sum())} photos with patches of both kinds, seeds 0/1/2:")
    print_table([{"scored by": k, "seeds 0/1/2": " / ".join(fmt(metrics.srcc(v[:, i], rhythm_both)) for i in range(v.shape[1]))}
                 for k, v in arms.items()])
    fence_rows = {f"A = {a}, B = {b}": compare_seeds(arms[a], arms[b], rhythm_both, n_boot=N_BOOT, scores=("srcc",))[0]
                  for a, b in (("the other patches", "patches on the fence"), ("the model's score (all 6 patches)", "patches on the fence"),
                               ("warp", "patches on the fence"))}
    print_table([{"": k, **{c: v for c, v in seed_columns(r).items() if c not in ("metric", "A, seeds 0/1/2", "B, seeds 0/1/2")}}
                 for k, r in fence_rows.items()])

# %% [markdown]
# Where the fence lies decides which patches can read it. On 305 of the 346 photos 3 of the 6
# evaluation patches hold part of it (on a wide photo, the bottom row of the grid). On the
# other 41 no patch holds it: all of them tall, from 2.71:1 to 3.02:1, where the grid is a single
# column down the middle and the fence runs along a side. On the 305 photos with patches of both kinds, the patches on the fence follow
# the true rhythm at 0.23 to 0.257 (seeds 0/1/2), the other patches at -0.00462 to 0.0469, and the
# model's score, the mean of all six, at 0.143 to 0.159. So **averaging the patches dilutes the
# cue**: the patches on the fence follow it more than the model's score by 0.0986 [0.069, 0.13]
# (seed noise 0.0205), and more than the other patches by 0.219 [0.157, 0.28] (noise 0.038). That
# is not the whole of the warp's lead: the patches on the fence still follow the rhythm less than
# the warp, by 0.0704 [0.0241, 0.118] (noise 0.0195). What makes up the rest is not measured here.
# One suspect is training: random patches hold part of the fence 0.36 of the time, and each learns
# from the whole photo's votes whether or not it holds it. A pilot outside this notebook trained
# seeds 0 and 1 with every patch cut on the fence (`benchmarks/README.md`, "Every training patch on
# the fence", quoted, not recomputed). Their fence patches followed the rhythm no better than those
# of the same seeds trained as usual, by paired intervals (+0.024 [-0.0183, 0.067] and +0.00319
# [-0.0399, 0.0443]): more training patches on the fence did not bring them nearer the warp. A cue
# that lies in one part of the photo reaches a multi-patch model's score only through the patches
# that hold it.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if DATA.studio:
    assert len(on_idx) == 346 and {k: int(n) for k, n in enumerate(counts) if n} == {0: 41, 3: 305}, "evaluation patches on the fence"
    assert int(blind.sum()) == int((blind & tall).sum()) == 41, "photos without a patch on the fence"
    assert [fmt(ann["elongation"].to_numpy()[on_idx][blind].min()), fmt(ann["elongation"].to_numpy()[on_idx][blind].max())] == ["2.71", "3.02"]
    _follow = {k: [fmt(metrics.srcc(v[:, i], rhythm_both)) for i in range(3)] for k, v in arms.items()}
    assert _follow["patches on the fence"] == ["0.23", "0.257", "0.256"], "fence patches' rhythm SRCC"
    assert _follow["the other patches"] == ["0.0469", "0.0444", "-0.00462"], "other patches' rhythm SRCC"
    assert _follow["the model's score (all 6 patches)"] == ["0.145", "0.159", "0.143"], "the model's rhythm SRCC"
    assert [(fmt(r.d.difference), fmt(list(r.d.ci)), fmt(r.noise), r.verdict) for r in fence_rows.values()] == [
        ("0.219", "[0.157, 0.28]", "0.038", "better"), ("0.0986", "[0.069, 0.13]", "0.0205", "better"),
        ("-0.0704", "[-0.118, -0.0241]", "0.0195", "worse")], "fence patches against the others, the model's score and the warp"

# %% [markdown]
# **Which cues does each view follow?** The fence is one of the 17 terms the studio adds up into a
# photo's true quality (notebook 01), and each is known for every photo of the draw. The same
# measurement as for the fence, for every term: on the extreme photos, each run's SRCC with the
# term, the warp's three seeds against the 6-patch multi-patch model's (section 7's arms), paired
# and with the seed-noise rule. Positive: the multi-patch model follows the term more.

# %%
if DATA.studio:
    terms = studio.quality_terms(eval_factors)
    cue_rows = []
    for term in terms.columns:
        r = compare_seeds(seed_pred[W_NAME][ext_idx], seed_pred[ADA][ext_idx], terms[term].to_numpy(float)[ext_idx],
                          n_boot=N_BOOT, scores=("srcc",))[0]
        cue_rows.append({"quality term": term, "warp, mean SRCC": float(np.mean(r.a)), "multi-patch, mean SRCC": float(np.mean(r.b)),
                         "multi-patch minus warp": r.d.difference, "95 % CI": fmt(list(r.d.ci)), "seed noise": r.noise,
                         "multi-patch follows it": {"better": "more", "worse": "less"}.get(r.verdict, "no clear difference")})
    print(f"extreme photos: {len(ext_idx)}; SRCC of each run's predicted mean with each term, averaged over the 3 seeds")
    print_table(cue_rows)

# %% [markdown]
# Of the 17 terms, the two views differ beyond seed noise on four. (The rhythm row is over every
# extreme photo, the term being 0 where there is no fence, so it differs from the -0.189 above, on
# the photos with a fence.) The multi-patch model follows
# sensor **noise** (+0.163 [0.111, 0.219]) and **depth of field** (+0.0912 [0.0436, 0.141]) more
# than the warp; the warp follows the fence **rhythm** (-0.171 [-0.23, -0.117]) and **softness**
# (-0.141 [-0.187, -0.0925]) more. Noise is a fine-detail term that the studio renders at its files'
# own resolution; the patches see those pixels at a larger scale than the warp's squeezed long axis,
# and they follow it more. Softness is a fine-detail term too, yet the warp follows it more: which
# cues a view keeps in pixels does not settle which ones a network learns (point 2 above). Neither
# view shows a relation with the subject's **placement** on the extreme photos (mean SRCC 0.000415
# and -0.0137; per-arm intervals not computed), so the warp's lead does not show as a matter of
# seeing the whole layout. Over all 950 test photos of the course
# studio the same holds for both course runs, while SPP follows placement (`benchmarks/README.md`,
# "Which quality terms each course model follows"): SRCC -0.080 [-0.142, -0.0185] (multi-patch) and
# -0.050 [-0.118, 0.013] (warp) against SPP's 0.188 [0.124, 0.251] and the true quality's 0.419. A patch
# is scored without knowing where it lies in the frame, and this small CNN averages its map over all
# positions before its one linear layer, where SPP keeps a 4 x 4 grid of maxima. An intervention in
# the same `benchmarks/README.md` section measures what that does: each of 875 test photos is
# rendered twice, with its subject at the centre of the frame and at the nearest thirds point,
# everything else unchanged. The thirds version scores higher with SPP by 0.409 [0.382, 0.436] of
# its score SD (in 85 % of the pairs) and with every whole-image course model by 0.35 to 0.85 SD, but
# with the multi-patch run by -0.046 [-0.058, -0.035] and with the warp by -0.014 [-0.022, -0.007]:
# their scores hardly depend on where the subject sits. Ranked against the studio's raw quality less its placement term, the
# multi-patch run trails SPP by -0.068 [-0.105, -0.030] instead of -0.176 [-0.219, -0.135] on the
# true quality. On branch runs quoted there (one seed each, from a branch since lost) the family
# stayed blind at the course budget with larger patches and with the photo's votes as the only
# target, and at NIMA's 3-epoch budget with an ImageNet column for the patches. A column that shows every patch the whole photo at 48 x 48 (not in Wang et
# al.'s design), trained on the photo's votes alone for 48 epochs, sees placement: the thirds version
# scores higher by 0.479 [0.440, 0.518] SD, and its test SRCC is 0.546 [0.501, 0.588], 0.036 [0.006,
# 0.068] above the same run without the column and 0.033 [0.001, 0.065] below SPP. Trained with
# MPEMD_ada instead, the same column stays blind (-0.070 [-0.087, -0.054] SD): every ReLU unit of its
# projection is 0 for every test photo. With a linear projection, MPEMD_ada works in a 12-epoch
# pilot: the thirds version scores higher by 0.798 [0.759, 0.838] SD, test SRCC 0.544 [0.499, 0.592].
# Seventeen comparisons at the 95 % level can give a false alarm by chance; the four above also
# clear the seed-noise rule, the weakest (softness) by a factor of about 2.1. How much each term
# weighs in the vote means decides what these differences cost: that is the MSE and SRCC gap of the
# three-seed table above.
#
# How much does not seeing placement cost? The studio knows every photo's quality terms, so part of
# the answer needs no model. Rank the course studio's 950 test photos by their true quality (this is
# the noise ceiling) and by the true quality less its placement term: the second is how a model
# that got every other term exactly right, and knew nothing of placement, would rank them.

# %%
if DATA.studio:
    course_test = registry.open_dataset(DATA, "test").annotations.set_index("image_id")
    course_terms = factors.loc[course_test.index]
    vote_means = course_test["mean"].to_numpy(float)
    blind = {"the true quality (noise ceiling)": course_terms["true_quality"].to_numpy(float),
             "the true quality less its placement term": (course_terms["quality_raw"] - course_terms["term_placement"]).to_numpy(float)}
    blind_srcc, blind_ci = {}, {}
    for name, score in blind.items():
        blind_srcc[name] = metrics.srcc(score, vote_means)
        blind_ci[name] = metrics.bootstrap_ci(metrics.srcc, score, vote_means, n_boot=N_BOOT)
        print(f"ranked by {name}: SRCC with the vote means {fmt(blind_srcc[name])} {fmt(list(blind_ci[name]))}")
    blind_share = blind_srcc["the true quality less its placement term"] / blind_srcc["the true quality (noise ceiling)"]
    print("blind to placement / noise ceiling:", fmt(blind_share, 2), "· the 6-patch run (seed 0, test SRCC):", fmt(test_srcc[ADA]),
          "· 0.65 of the ceiling:", fmt(0.65 * blind_srcc["the true quality (noise ceiling)"]))

# %% [markdown]
# A ranking that knows every term but placement reaches 0.791 [0.76, 0.816] with the vote means,
# 0.91 of the noise ceiling (0.874 [0.854, 0.89]). That is well above the six-patch run's 0.433, and
# above 0.65 of the ceiling (0.568). So not seeing where the subject sits accounts for only part of
# what the multi-patch runs miss; the rest lies in how closely they follow the other terms, which
# they follow less than SPP does (against the raw quality less placement, above: -0.068 [-0.105,
# -0.030]).
#
# The linear layout column has been trained as `multipatch_layout`, three seeds of 12 epochs, and
# ships with the course weights. Their records:

# %%
LAYOUT_RUNS = ["multipatch_layout", "multipatch_layout_seed1", "multipatch_layout_seed2"]
layout_models = [course_model(name) for name in LAYOUT_RUNS]
print("the layout variant, seeds 0/1/2, loaded from shipped weights:", all(cm.weights is not None for cm in layout_models))
print_table([{"run": cm.name, "epochs": cm.weights.record["epochs"], "test SRCC [95 % CI] (950 test photos)":
              f"{fmt(cm.weights.record['test']['srcc'])} {fmt(cm.weights.record['test']['srcc_ci'])}",
              "/ noise ceiling": fmt(cm.weights.record["test"]["srcc"] / cm.weights.record["test"]["noise_ceiling_srcc"], 2)}
             for cm in layout_models if cm.weights is not None])

# %% [markdown]
# Its test SRCC is 0.552, 0.519 and 0.545, 0.59-0.63 of the noise ceiling. On three-seed means
# (quoted from `benchmarks/README.md`, "The layout variant as course weights again", not
# recomputed on this notebook's draw) it ranks the test photos better than the 6-patch runs by 0.106
# [0.063, 0.151] and than the warp by 0.0785 [0.0375, 0.124], and on the extreme photos it cannot be
# told apart from the warp; its thirds versions score higher by 0.76 to 0.84 SD. Neither twice the
# epochs, nor larger or more patches, nor a 64 x 64 layout thumbnail, nor both columns at the DCNN's
# depth (four blocks, 32-64-64-64: +0.0144 [-0.00396, 0.0328] on three-seed means, section "The
# layout variant with columns of the DCNN's depth") lifted it measurably; averaging each patch's map
# instead of taking its maximum made it worse (one seed: -0.0608 [-0.087, -0.0351]).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if DATA.studio:
    _cue = {r["quality term"]: r for r in cue_rows}
    assert len(_cue) == 17, "the studio's quality terms changed"
    _resolved = {t: (fmt(r["multi-patch minus warp"]), r["95 % CI"], r["multi-patch follows it"]) for t, r in _cue.items()
                 if r["multi-patch follows it"] != "no clear difference"}
    assert _resolved == {"noise": ("0.163", "[0.111, 0.219]", "more"), "dof": ("0.0912", "[0.0436, 0.141]", "more"),
                         "rhythm": ("-0.171", "[-0.23, -0.117]", "less"), "softness": ("-0.141", "[-0.187, -0.0925]", "less")}, _resolved
    assert [fmt(_cue["placement"]["warp, mean SRCC"]), fmt(_cue["placement"]["multi-patch, mean SRCC"])] == ["0.000415", "-0.0137"], "placement"
    _margins = {t: abs(_cue[t]["multi-patch minus warp"]) / _cue[t]["seed noise"] for t in _resolved}
    assert min(_margins, key=_margins.get) == "softness" and fmt(_margins["softness"], 2) == "2.1", "the weakest margin over the seed noise"
    assert [fmt(v) for v in blind_srcc.values()] == ["0.874", "0.791"], "the noise ceiling and the placement-blind ranking"
    assert [fmt(list(v)) for v in blind_ci.values()] == ["[0.854, 0.89]", "[0.76, 0.816]"], "their intervals"
    assert fmt(blind_share, 2) == "0.91" and fmt(test_srcc[ADA]) == "0.433", "their ratio, the 6-patch run"
    assert blind_srcc["the true quality less its placement term"] > 0.65 * blind_srcc["the true quality (noise ceiling)"] > test_srcc[ADA], \
        "the text says the placement-blind ranking lies above 0.65 of the ceiling, the 6-patch run below"
    assert [fmt(cm.weights.record["test"]["srcc"]) for cm in layout_models] == ["0.552", "0.519", "0.545"], "the layout runs' test SRCC"
    assert [fmt(cm.weights.record["test"]["srcc"] / cm.weights.record["test"]["noise_ceiling_srcc"], 2) for cm in layout_models] \
        == ["0.63", "0.59", "0.62"], "the layout runs' share of the ceiling"

# %% [markdown]
# Every column so far learned from the studio alone. Three of the course's models that reach 0.65
# of the ceiling (NIMA, SAMP-Net, the final model) fine-tune ImageNet weights, and so does
# `multipatch_layout_lite0`: its patch column is EfficientNet-Lite0 with the offline ImageNet
# weights, cut after its fourth feature level (`levels=4`: a map at stride 16 with 112 channels,
# 0.7 M of Lite0's 3.4 M parameters, which is what fits the course weights' size budget), fine-tuned
# for 12 epochs with everything else as above. Its record:

# %%
lite0_layout = course_model("multipatch_layout_lite0")
print("the layout variant with an ImageNet Lite0 patch column, seed 0, loaded from shipped weights:", lite0_layout.weights is not None)
if lite0_layout.weights is not None:
    _rec = lite0_layout.weights.record
    print_table([{"run": lite0_layout.name, "epochs": _rec["epochs"],
                  "parameters": sum(p.numel() for p in lite0_layout.model.parameters()),
                  "test SRCC [95 % CI] (950 test photos)": f"{fmt(_rec['test']['srcc'])} {fmt(_rec['test']['srcc_ci'])}",
                  "/ noise ceiling": fmt(_rec["test"]["srcc"] / _rec["test"]["noise_ceiling_srcc"], 3)}])

# %% [markdown]
# Its test SRCC is 0.629 [0.585, 0.668], 0.72 of the noise ceiling. Three seeds of this design were
# first trained for 6 epochs (quoted from `benchmarks/README.md`, "The layout variant on ImageNet
# features" and "The Lite0 layout variant at 12 epochs", not recomputed on this notebook's draw; only
# one such model fits the size budget): test SRCC 0.611, 0.606 and 0.566, 0.699, 0.694 and 0.647 of
# the ceiling. On three-seed means they ranked the test photos better than the from-scratch layout
# runs by 0.0559 [0.0244, 0.0875] (seed noise 0.0351), and their MSE was lower by 0.0169 [0.00701,
# 0.0276]: better beyond seed noise, on the near-square and moderate photos; on the 144 extreme photos
# the difference was not clear (+0.0459 [-0.0334, 0.132]). None was ahead of or behind SPP by a paired
# interval, and their thirds versions scored higher by 0.24-0.52 of their score SD, less than the
# from-scratch columns' 0.76-0.84. Two of the three were still gaining on validation at their last
# epoch, so all three were trained again for 12 epochs (same source). On three-seed means the
# 12-epoch runs rank the test photos better than the 6-epoch runs by 0.0343 [0.0192, 0.05] (seed
# noise 0.0294), and their MSE is lower by 0.0157 [0.0102, 0.0215] (seed noise 0.0128): better beyond
# seed noise over all photos and on the near-square and moderate photos; on the 144 extreme photos
# the difference is not clear (+0.0306 [-0.0142, 0.0731]). The three 12-epoch runs reach 0.713-0.725
# of the ceiling, and each ranks the test photos better than SPP's seed 0 by a paired interval (by
# 0.0447 to 0.0547). Against SPP's three seeds (seeds 1 and 2 trained outside this notebook), their
# three-seed mean ranks the test photos better by 0.0593 [0.0295, 0.0883], beyond the seed noise
# (0.0151), and it does on the near-square and the moderate photos too; on the 144 extreme photos
# there is no clear difference (-0.0292 [-0.112, 0.0632]). The shipped weights are seed 0's 12-epoch
# run, chosen on validation SRCC (0.642, against 0.612 at 6 epochs; seeds 1 and 2 at 12 epochs:
# 0.628 and 0.597).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if lite0_layout.weights is not None:
    assert fmt(_rec["test"]["srcc"]) == "0.629" and fmt(_rec["test"]["srcc_ci"]) == "[0.585, 0.668]", "the Lite0 layout run's test SRCC"
    assert fmt(_rec["test"]["srcc"] / _rec["test"]["noise_ceiling_srcc"], 2) == "0.72", "its share of the ceiling"
    assert fmt(_rec["val"]["srcc"], 3) == "0.642" and _rec["best_epoch"] == 10, "its validation SRCC"
    assert _rec["epochs"] == 12 and lite0_layout.config.model_kwargs["levels"] == 4, "its recipe"

# %% [markdown]
# ## 8. MPEMD_avg or MPEMD_ada?
# The two multi-patch runs differ only in the loss. Their records, their scores on the evaluation
# draw, and the paired differences (positive: ada is better):

# %%
rows = []
for name in [ADA, AVG_NAME]:
    test = models[name].weights.record["test"] if models[name].weights is not None else {}
    lo, hi = metrics.bootstrap_ci(metrics.srcc, pred[name].to_numpy(), true_mean, n_boot=N_BOOT)
    rows.append({"loss": name, "best val SRCC": max(h["val_srcc"] for h in models[name].history),
                 "test SRCC [95 % CI]": f"{fmt(test.get('srcc'))} {fmt(test.get('srcc_ci'))}" if test else "-",
                 "eval-draw SRCC": metrics.srcc(pred[name].to_numpy(), true_mean), "95 % CI": f"[{fmt(lo)}, {fmt(hi)}]",
                 "eval-draw MSE": metrics.mse(pred[name].to_numpy(), true_mean)})
print_table(rows)
print_table([{k: v for k, v in r.items() if not k.startswith("_")} for r in gaps if r["A vs B"] == f"{AVG_NAME} vs {ADA}"])

# %% [markdown]
# MPEMD_ada comes out ahead of MPEMD_avg over all photos on MSE (lower by 0.00332 [0.000795,
# 0.00587]), the direction Wang et al. proposed it for, but not on SRCC (0.00654 [-0.00144, 0.0149],
# no clear difference). The MSE gain comes from the moderate photos (0.00538 [0.00184, 0.00895]); on
# the extreme photos the two cannot be told apart (0.00234 [-0.00467, 0.00946]). The difference is
# small, and with one run per arm it is a difference between these two runs, not yet a fact about
# the losses: the seeds below test that (a sweep over $(k, \beta)$ is in Going further).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if DATA.studio:
    assert gap_quote((AVG_VS, "all"), "MSE") == ("0.00332 [0.000795, 0.00587]", "B better"), "avg vs ada, all, MSE"
    assert gap_quote((AVG_VS, MODERATE), "MSE") == ("0.00538 [0.00184, 0.00895]", "B better"), "avg vs ada, moderate, MSE"
    assert gap_quote((AVG_VS, EXTREME), "MSE") == ("0.00234 [-0.00467, 0.00946]", "no clear difference"), "avg vs ada, extreme, MSE"
    assert gap_quote((AVG_VS, "all"), "SRCC") == ("0.00654 [-0.00144, 0.0149]", "no clear difference"), "avg vs ada, all, SRCC"

# %% [markdown]
# ### Three seeds per loss
# Both losses were also trained with seeds 1 and 2, everything else the same
# (`weights/multipatch_seed1.pt`, `weights/multipatch_avg_seed1.pt`, ...). The same comparison as
# section 7's three seeds per view, each loss averaged over its three seeds; positive still means ada
# is better:

# %%
print("seeds 1 and 2 of MPEMD_avg loaded from shipped weights:", load_seeds(AVG_NAME))
seed_rows = seed_comparison(AVG_NAME, ADA)
print_table([{k: v for k, v in r.items() if not k.startswith("_")} for r in seed_rows])

# %% [markdown]
# With three seeds per loss, **MPEMD_ada beats MPEMD_avg over all photos on both metrics, beyond
# seed luck**: SRCC higher by 0.0199 [0.0142, 0.0259] against a seed noise of 0.0148, MSE lower by
# 0.00705 [0.00508, 0.00896] against 0.00503, and every ada seed is ahead of every avg seed on both
# (SRCC 0.448-0.454 against 0.418-0.442). The margins over the seed noise are small (about 1.3 and
# 1.4 times it), and three seeds per arm give only a rough estimate of that noise. By bucket, ada is
# better on the moderate photos on both metrics (SRCC 0.0231 [0.016, 0.0308], MSE 0.00946 [0.00695,
# 0.0123]) and on the extreme photos on MSE only (0.0086 [0.00308, 0.0142], noise 0.00552; SRCC
# 0.0162 [-0.00189, 0.0333], an interval that includes 0); on the near-square photos its SRCC lead
# (0.0152 [0.00499, 0.0251]) is within the seed noise (0.017). So the single pair of runs above
# understated ada's lead rather than overstated it: with seed 0 alone the SRCC gap was not resolved.
# The loss was proposed for elongated photos, yet its clearest gain here is on the moderate ones.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The claims above, checked against the numbers.
if DATA.studio:
    assert seed_quote(seed_rows, "all", "SRCC") == ("0.0199 [0.0142, 0.0259]", "0.0148", "better"), "three seeds, all, SRCC"
    assert seed_quote(seed_rows, "all", "MSE") == ("0.00705 [0.00508, 0.00896]", "0.00503", "better"), "three seeds, all, MSE"
    assert seed_quote(seed_rows, MODERATE, "SRCC") == ("0.0231 [0.016, 0.0308]", "0.0159", "better"), "three seeds, moderate, SRCC"
    assert seed_quote(seed_rows, MODERATE, "MSE") == ("0.00946 [0.00695, 0.0123]", "0.00496", "better"), "three seeds, moderate, MSE"
    assert seed_quote(seed_rows, EXTREME, "MSE") == ("0.0086 [0.00308, 0.0142]", "0.00552", "better"), "three seeds, extreme, MSE"
    assert seed_quote(seed_rows, EXTREME, "SRCC") == ("0.0162 [-0.00189, 0.0333]", "0.0159", "no clear difference"), "three seeds, extreme, SRCC"
    assert seed_quote(seed_rows, NEAR, "SRCC") == ("0.0152 [0.00499, 0.0251]", "0.017", "no clear difference"), "three seeds, near square, SRCC"
    assert seed_quote(seed_rows, NEAR, "MSE")[2] == "no clear difference", "three seeds, near square, MSE"
    _all = {m: seed_row(seed_rows, "all", m)["_per_seed"] for m in ("SRCC", "MSE")}
    assert min(_all["SRCC"][ADA]) > max(_all["SRCC"][AVG_NAME]) and max(_all["MSE"][ADA]) < min(_all["MSE"][AVG_NAME]), "a seed of avg ahead of one of ada"
    assert [fmt(min(_all["SRCC"][ADA])), fmt(max(_all["SRCC"][ADA])), fmt(min(_all["SRCC"][AVG_NAME])), fmt(max(_all["SRCC"][AVG_NAME]))] == \
        ["0.448", "0.454", "0.418", "0.442"], "the seeds' SRCC range changed"
    _ratio = [seed_row(seed_rows, "all", m)["B better by (3-seed means)"] / seed_row(seed_rows, "all", m)["seed noise"] for m in ("SRCC", "MSE")]
    assert [fmt(v, 2) for v in _ratio] == ["1.3", "1.4"], "the margins over the seed noise changed"

# %% [markdown]
# ## 9. The full-scale version on real data
# ImageNet-pretrained ResNet-18 backbones, 224-pixel patches (5 per image, MPEMD_ada with k = 1,
# β = 1) or the native view at long side 320, on a GPU (course choices, not the papers'):
#
# ```
# python -m aesthetics_lib train --config configs/ava_multipatch.yaml --data-root /path/to/AVA
# python -m aesthetics_lib train --config configs/ava_spp.yaml --data-root /path/to/AVA
# python -m aesthetics_lib evaluate --checkpoint runs/ava_multipatch/best.pt --data ava:/path/to/AVA
# ```
#
# On CADB, add `--set data=cadb:/path/to/CADB_Dataset --set out=runs/cadb_multipatch` and compare
# with the warped `configs/cadb_sampnet.yaml`; to repeat section 7 on CADB, start Jupyter with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset`. The papers' results are quoted in Going further.
#
# ## Summary
# - A square **warp** keeps relative positions but scales one axis by the aspect ratio $e$ (circles
#   become $e:1$ ellipses, slopes are multiplied by $e$); a **centre crop** keeps shapes but moves a
#   thirds subject to $(3-e)/6$ of the width; **padding** keeps both and wastes $1 - 1/e$ of the input.
# - What keeps fine structure is the scale along the long side, not the aspect ratio alone: the SPP
#   model's native view at the files' own long side (160) keeps the whole rhythm cue, an aspect-kept
#   view at long side 96 less than the 112 x 112 warp; the multi-patch view fixes the *short* side
#   and keeps more than the warp from 1.75:1 on, but its 6-patch evaluation grid leaves part of the
#   long side unscored beyond 2:1. That is what the pixels keep; the trained models read the fence
#   differently (the warp best, section 7).
# - **SPP** max-pools the feature map into fixed grids ($C \cdot 21$ numbers for levels 1, 2, 4, any
#   input size); aspect **buckets** and a bucket sampler batch such inputs.
# - **Multi-patch** training predicts a distribution per un-warped patch; **MPEMD_avg** averages
#   $-\log \mathrm{EMD_c}$, **MPEMD_ada** weights it by $1 - \mathrm{EMD_c}^\beta$.
# - Compare views **per aspect-ratio bucket** with paired bootstrap intervals; the small extreme
#   bucket needs a large evaluation set (3,000 fresh photos here).
# - Measured here (small CNNs from scratch, 48 epochs, one seed per arm unless said): SPP, at the
#   files' own size, beat the warp in every bucket, on the extreme photos too (SRCC +0.071 [0.0167,
#   0.126]; over all photos +0.105 [0.0831, 0.125]), but its lead did not grow with elongation (the
#   same verdicts with three seeds per model, quoted from `benchmarks/README.md`); the warp beat
#   multi-patch over all photos and most on the extreme ones, beyond seed noise with three seeds per
#   view (extreme photos, multi-patch minus warp: SRCC -0.0697 [-0.12, -0.0233], MSE -0.0237
#   [-0.0404, -0.00779]); scored with 8 patches instead of 6 at test time, the same multi-patch runs
#   did better on the extreme photos (SRCC +0.0274 [0.0143, 0.0421]) and the warp's SRCC lead there
#   was no longer resolved, its MSE lead remained; three runs *trained* with 8 patches added nothing
#   to that (extreme photos, SRCC -0.00808 [-0.0216, 0.00486]), and the warp stayed ahead of them on
#   the extreme photos (SRCC -0.0504 [-0.0979, -0.00531]); the warp read the fence cue as closely as the
#   raters, the aspect-keeping models less; the multi-patch patches that hold the fence (at most half
#   of them) read it, the others cannot, and their mean dilutes it (fence patches minus the model's
#   score, rhythm SRCC +0.0986 [0.069, 0.13]; on 41 tall photos no patch holds it); with the network and the pixel count held fixed (three seeds,
#   `benchmarks/README.md`) keeping the aspect ratio made no difference; with three seeds per loss
#   MPEMD_ada beat MPEMD_avg over all photos on SRCC (0.0199 [0.0142, 0.0259]) and MSE (0.00705
#   [0.00508, 0.00896]), each beyond seed noise by a small margin, most clearly on the moderate
#   photos.
# - Over the course studio's 950 test photos the multi-patch runs do not follow the subject's
#   placement, the term the true quality follows most, where SPP does; the twelve 48-epoch runs of
#   the multi-patch config (ada, avg, 8 patches and the warp, three seeds each; their training
#   records) stay at 0.46-0.54 of the noise ceiling, SPP reaches 0.66. A ranking that knows every other term
#   exactly and nothing of placement reaches 0.91 of the ceiling, so placement accounts for only part
#   of that shortfall. Moving a test photo's subject from the
#   centre to a third, everything else unchanged, raises every whole-image course model's score by
#   0.35-0.85 of its SD and changes the seed-0 multi-patch and warp runs' by -0.01 to -0.05 SD: their
#   scores hardly depend on where the subject sits. Larger patches or the photo's votes as the only
#   target did not change that at the course budget, nor did an ImageNet column at NIMA's 3-epoch
#   budget (one seed each, from a lost branch). A column that shows every
#   patch the whole photo, trained on the photo's votes, did (one seed, quoted from
#   `benchmarks/README.md`): +0.479 SD, test SRCC 0.546, 0.62 of the ceiling. With MPEMD_ada its
#   projection's ReLUs died; made linear, it sees placement with MPEMD_ada too. Trained as
#   `multipatch_layout` (three seeds, shipped: test SRCC 0.519-0.552, 0.59-0.63 of the ceiling, from
#   their records), still below SPP's 0.66, and deeper columns did not change that (quoted).
#   Its patch column fine-tuned from ImageNet Lite0 (cut to fit the size budget) lifted it: at 6
#   epochs three seeds reached 0.647-0.699 of the ceiling, better than the from-scratch columns by
#   0.0559 [0.0244, 0.0875] in SRCC beyond seed noise (quoted); 12 epochs instead of 6 raised it
#   again beyond seed noise (three seeds each: +0.0343 [0.0192, 0.05]), and the 12-epoch runs rank
#   the test photos better than SPP's three seeds beyond seed noise, except on the extreme photos,
#   where they do not separate (quoted); shipped seed 0 at 12 epochs: 0.629, 0.72 of the ceiling
#   (from its record).

# %% [markdown]
# ## Exercises
# **1. A tilted horizon.** A panorama of aspect 3:1 has its horizon tilted by 2°. After a warp to a
# square, by how many degrees does the horizon look tilted?

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_x, _y = 300.0, 300.0 * math.tan(math.radians(2))  # a point on the tilted horizon of a 300 x 100 panorama
expected = math.degrees(math.atan2(_y / 100, _x / 300))  # the same point in the unit square of the warp

# %%
answer = ...
check(answer, expected, tol=1e-2, hint="follow the slope of the horizon line through the warp: which axis is squeezed, and by how much?")

# %% tags=["solution"]
answer = math.degrees(math.atan(3 * math.tan(math.radians(2))))
check(answer, expected, tol=1e-2, hint="follow the slope of the horizon line through the warp: which axis is squeezed, and by how much?")

# %% [markdown]
# **2. MPEMD_ada by hand.** An image has two patches whose EMDs to its vote distribution are 0.1 and
# 0.3. With $k = 1$ and $\beta = 2$, what is MPEMD_ada? Compute it with NumPy from the formula of
# section 5.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = mpemd_by_hand([0.1, 0.3], mode="ada", k=1.0, beta=2.0)

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="turn each EMD into its similarity EMDc first; the patch's log-loss is then weighted by how "
      "far EMDc^beta is from 1.")

# %% tags=["solution"]
emd_c = np.clip(1 - 1.0 * np.array([0.1, 0.3]), 1e-6, 1.0)
answer = float(np.mean(-(1 - emd_c**2.0) * np.log(emd_c)))
check(answer, expected, tol=1e-3, hint="turn each EMD into its similarity EMDc first; the patch's log-loss is then weighted by how "
      "far EMDc^beta is from 1.")

# %% [markdown]
# **3. One photo through an SPP model.** A photo is 180 pixels wide and 100 high. Which aspect bucket
# does the `native` view snap it to (the bucket's ratio, width / height), and what shape
# `(height, width)` does it get at the SPP model's long side, 160? And how long would its pooled vector
# be with He et al.'s levels 1, 2, 3 and 6 and 64 channels? Answer as a tuple
# `(ratio, height, width, length)`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
_ratio = ASPECT_BUCKETS[aspect_bucket(100, 180)]
expected = (_ratio, *bucket_shape(_ratio, NATIVE_LONG), SpatialPyramidPool((1, 2, 3, 6)).output_features(64))

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="'nearest' is measured by ratios, not differences: compare 1.8 with its two neighbours in "
      "ASPECT_BUCKETS that way, and the bucket table of section 4 gives the shape; for the length, count the cells of every "
      "level, each pooled once per channel.")

# %% tags=["solution"]
# log(2 / 1.8) = 0.105 < log(1.8 / 1.5) = 0.182: the 2:1 bucket, 160 wide and 160 / 2 = 80 high; the length does not depend on the shape
answer = (2.0, 80, 160, 64 * sum(n * n for n in (1, 2, 3, 6)))
check(answer, expected, tol=1e-3, hint="'nearest' is measured by ratios, not differences: compare 1.8 with its two neighbours in "
      "ASPECT_BUCKETS that way, and the bucket table of section 4 gives the shape; for the length, count the cells of every "
      "level, each pooled once per channel.")

# %% [markdown]
# **4. Where the fence survives.** A studio photo of 2.5:1 is 160 x 64 pixels, and its fence repeats
# every 64 / 20 = 3.2 pixels along the long side. First predict which of the three course views keeps
# the most pixels per period; then compute the period, in pixels, in the 112 x 112 warp, in the native
# view at long side 160 and in the multi-patch view at short side 72. Answer as a tuple
# `(warp, native, patches)`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = tuple(fence_period(160, 64).values())[1:]

# %%
answer = ...
check(answer, expected, tol=1e-2, hint="each view rescales the whole photo by one factor along the long side: find which side "
      "each view fixes, and that side's length before and after.")

# %% tags=["solution"]
answer = (3.2 * 112 / 160, 3.2 * 160 / 160, 3.2 * 72 / 64)  # the warp and the native view fix the long side, the patches the short one
check(answer, expected, tol=1e-2, hint="each view rescales the whole photo by one factor along the long side: find which side "
      "each view fixes, and that side's length before and after.")

# %% [markdown]
# **5. Predict, run, check: the same pixels, another shape.** The warp gives every photo 12,544
# pixels, and at 3:1 keeps 0.339 of the fence cue (section 2). Give a 3:1 photo the *same* number of
# pixels but keep its shape (about 195 x 64). *Before you run anything*, predict: does the share of
# the cue that survives go up, down or stay the same? Then set `NEW_KEEP_ASPECT = True` and run the
# cell. How many pixels does the SPP model's native view, which keeps the shape too, give a 3:1
# photo (section 4)?

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_KEEP_ASPECT = ...  # then set it to True and run this cell


def same_pixels_view(img, keep_aspect, budget=WARP_SIZE**2):
    """`img` resized to `budget` pixels (about): a square (the warp), or with its own shape kept."""
    w, h = img.size
    scale = math.sqrt(budget / (w * h))
    size = [round(h * scale), round(w * scale)] if keep_aspect else [WARP_SIZE, WARP_SIZE]
    return TF.to_dtype(TF.resize(TF.to_image(img), size, antialias=True), torch.float32, scale=True)


def cue_kept(keep_aspect, aspect=3.0):
    """Share of the crisp-smeared difference at native resolution that survives `same_pixels_view`."""
    crisp_3, smeared_3 = render_pair(aspect)
    native = float((full(crisp_3) - full(smeared_3)).abs().mean())
    return float((same_pixels_view(crisp_3, keep_aspect) - same_pixels_view(smeared_3, keep_aspect)).abs().mean()) / native


after = None if NEW_KEEP_ASPECT is ... else cue_kept(NEW_KEEP_ASPECT)
check_prediction(prediction, cue_kept(False), after, what="share of the fence cue kept in 12,544 pixels at 3:1")

# %% tags=["solution"]
prediction = "up"  # same pixels, but the long side gets 195 of them instead of 112: the fence keeps its period
NEW_KEEP_ASPECT = True
after = cue_kept(NEW_KEEP_ASPECT)
check_prediction(prediction, cue_kept(False), after, what="share of the fence cue kept in 12,544 pixels at 3:1")

# %% [markdown]
# ## Going further
# The papers' results are quoted, not measured here.
# - He, Zhang, Ren & Sun (2014/2015), *Spatial Pyramid Pooling in Deep Convolutional Networks for
#   Visual Recognition*, ECCV / IEEE TPAMI: a pyramid of 1x1, 2x2, 3x3 and 6x6 bins; more accurate
#   ImageNet classification for several networks, and detection tens of times faster than R-CNN
#   (convolutional features computed once per image).
# - Mai, Jin & Liu (2016), *Composition-preserving Deep Photo Aesthetics Assessment*, CVPR: MNA-CNN,
#   sub-networks with adaptive spatial pooling fed the photo at its own size and aspect ratio; better
#   AVA classification than its warped and cropped baselines. The CADB benchmark (Zhang et al. 2021,
#   as quoted in the seed slides, MSE / EMD / SRCC / LCC) lists it at 0.4260 / 0.1944 / 0.6108 /
#   0.6375 against a plain ResNet-18's 0.4534 / 0.1943 / 0.6025 / 0.6148.
# - Wang, Wang, Yamasaki & Aizawa (2019), *Aspect-Ratio-Preserving Multi-Patch Image Aesthetics Score
#   Prediction*, CVPR Workshops: MPEMD_avg and MPEMD_ada; on AVA the gain over warped inputs was
#   largest for images with extreme aspect ratios.
# - Lu, Lin, Jin, Yang & Wang (2014), *RAPID: Rating Pictorial Aesthetics using Deep Learning*, ACM MM:
#   notebook 05's warp + crop double column, an earlier answer to the same problem.
# - Ma, Liu & Chen (2017), *A-Lamp: Adaptive Layout-Aware Multi-Patch Deep CNN for Photo Aesthetic
#   Assessment*, CVPR: patches chosen by saliency plus a layout graph (0.6270 SRCC on CADB in the
#   course's reference table).
# - Hosu, Goldlücke & Saupe (2019), *Effective Aesthetics Prediction with Multi-level Spatially Pooled
#   Features*, CVPR; Ke, Wang, Wang, Milanfar & Yang (2021), *MUSIQ: Multi-scale Image Quality
#   Transformer*, ICCV: full-resolution features; a transformer on native-size, native-aspect inputs.
# - Try (each change trains its own run): (a) SPP with seeds 1 and 2 (`course_model("spp",
#   overrides={"seed": 1})`, about 80 minutes each on one thread, three runs sharing two cores),
#   scored with `eval_means` and compared with the warp's seeds through `compare_seeds`, as section
#   7 does for multi-patch; section 7 quotes what `benchmarks/spp_seeds.py` measured this way; (b) a
#   sweep of $(k, \beta)$ for MPEMD_ada, e.g. $k \in \{1, 2, 4\}$, $\beta \in \{0.5, 1, 2\}$
#   (`overrides={"patch_k": 2, "patch_beta": 0.5}`); (c) patches that see more of the photo: section
#   7 found that training on 8 patches of 48 x 48 adds nothing to scoring with 8; try larger patches
#   at a larger short side (`overrides={"size": 64}` cuts 64 x 64 patches from a short side of 96);
#   (d) the SPP model at long side 96 (`overrides={"size": 96}`), which keeps less of the fence than
#   the warp (section 2's last line), against the course's long side 160; (e) the SPP network on the
#   112 x 112 warp (`overrides={"view": "warp", "size": 112}`) against its own view: the view
#   changes, the pooling does not; (f) move a subject: render a test photo again from its factor row
#   (`read_factors`, `aesthetics_lib.data.studio.rendering.render`) with `subject_x` and `subject_y`
#   set to a thirds point and to 0.5, and score both versions with the `predictor.score` of
#   `course_model("spp")` and of `course_model("multipatch")` (`benchmarks/placement_swap.py` does
#   this for 875 photos).
