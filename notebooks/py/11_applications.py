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
# # 11 · Applications: pick the best shot, find the best crop, try it yourself
#
# An aesthetics model earns its keep inside a tool. This notebook builds three: a **burst ranker**
# that picks the best of several near-duplicate shots (what a phone does after you hold the shutter
# down), a **composition-aware cropper** that searches a grid of candidate crops of a target aspect ratio and keeps
# the ones the model scores highest, and an **interactive demo** where you pick or upload a photo and
# see its score, distribution, attributes, CAM and best crop. Each tool is measured against a known
# answer: the studio knows the true order of its bursts and the best crop of its canvases, and a real
# photo is better than a copy of it that we spoiled on purpose.
#
# **Learning goals**
# - rank a burst with a model and measure the ranking against the known order (pairwise accuracy,
#   Kendall's tau, top-1), with an interval over bursts or photos;
# - search crops of a target aspect ratio, score them in batches, and measure the chosen crop
#   against a known best crop (IoU) and against the crops a camera or a coin would make (the
#   centre, a random candidate), in paired comparisons;
# - tell a difference between two scores from the model's own noise;
# - see why *relative* judgements (which of two near-duplicates is better) are where a model is
#   most useful, and where it fails;
# - build and use an `ipywidgets` app on top of the library, and serve it with Voila.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, fmt_interval, check, check_prediction, print_table, quoted, shown

setup_notebook()

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from aesthetics_lib import apps, features, metrics
from aesthetics_lib.compare import interval_side, paired_bootstrap
from aesthetics_lib.metrics import mean_of
from aesthetics_lib.data import photos, registry, studio
from aesthetics_lib.viz import save_figure
from aesthetics_lib.zoo import course_config, course_model, shipped_weights

# %% [markdown]
# ## Configuration
# The scorer is the course's final model, `sgfm_lite0`: the design of notebook 09 (saliency-guided
# feature modulation, GRN attention pooling, an EMD + rank + attribute loss) on the ImageNet-pretrained
# EfficientNet-Lite0, fine-tuned for 6 epochs at 128 px on the studio's CADB-layout training split
# (7,692 photos; `configs/studio_sgfm_lite0.yaml`). Its trained weights ship with the course
# (`weights/sgfm_lite0.pt`, with the training record `weights/sgfm_lite0.json`), so nothing is trained
# here. With `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset` the shipped weights do not apply and
# `course_model` trains the same config on the real CADB instead; the bursts, the canvases and the
# spoiled real photos below are used either way, because only they come with a known answer (the
# spoiled studio test photos of section 1b only on the studio).
#
# Every comparison against chance, a bar or a baseline is printed with a 95% percentile-bootstrap
# interval over its independent units (photos, bursts or canvases), and the verdict is printed from
# the interval; the crop-noise checks of section 2 use the twice-the-noise rule stated there.

# %%
MODEL = "sgfm_lite0"
REAL_PHOTOS = tuple(photos.list_photos().query("kind in ('colour photo', 'grey photo')")["name"])
KINDS = ("blur", "noise", "underexpose", "overexpose", "jpeg")  # one fault at a time
LEVELS = (0.5, 0.75, 1.0)  # strengths of each fault (1 = the strongest photos.degrade makes)
N_STUDIO_BURSTS = 40
BAR = 0.8  # the pairwise accuracy a burst ranker should reach to be worth shipping
ASPECTS = ("1:1", "4:5", "16:9")
N_CANVASES = 6  # studio canvases per aspect ratio
CROP_PHOTOS = ("chelsea", "coffee", "astronaut", "rocket", "china", "flower", "grace_hopper", "motorcycle")
SHIFT = 0.03  # a box moved by 3% of its side is, to a viewer, the same crop
N_BOOT = 1000  # bootstrap resamples for every interval
DATA = registry.default_data("cadb")
if DATA.studio:  # the studio's weights ship: loading them must not train anything
    assert shipped_weights(MODEL, course_config(MODEL)) is not None, f"weights/{MODEL}.pt is missing or stale"
cm = course_model(MODEL)
assert cm.weights is not None or not DATA.studio, f"{MODEL} was trained instead of loaded"
scorer = apps.as_scorer(cm)  # list[PIL.Image] -> np.ndarray of mean scores


def sharpness_scorer(images):
    """A hand-crafted reference (notebook 01): variance of the Laplacian, higher = sharper."""
    return np.array([features.sharpness(im) for im in images])


def against(bar, low, high):
    """``interval_side`` worded with its bar: "above 0.5", "not distinguishable from 0.8"."""
    side = interval_side(bar, low, high)
    return f"{side} {'from ' if side == 'not distinguishable' else ''}{fmt(bar)}"


record = cm.weights.record if cm.weights is not None else {}
print(f"scorer: {MODEL} ({cm.config.model_kwargs.get('backbone')}, {cm.config.size} px, {len(cm.history)} epochs),",
      "trained on", "the studio" if DATA.studio else "the real CADB")
if record.get("test"):
    print(f"test SRCC on {record['test']['n']} studio photos (its training record):", metrics.format_ci(record["test"], "srcc"))

# %% [markdown]
# ## 1. Ranking a burst
# ### 1a. Graded degradations of a real photo
# `photos.burst(name)` spoils a real photo step by step (blur, noise and under-exposure together, at
# levels 0, 0.2, ..., 0.8), so shot *i* is worse than shot *i - 1* on every count: the true order is
# known. `apps.rank_burst` scores the shots and ranks them (1 = best).

# %%
shots = photos.burst("chelsea")
labels = [label for label, _, _ in shots]
ranked = apps.rank_burst(scorer, [im for _, im, _ in shots], labels)
ranked["true rank"] = [r for _, _, r in shots]
print(ranked.round(3).to_string(index=False))
print("pairwise accuracy:", fmt(apps.ranking_accuracy(ranked["score"], np.argsort(ranked["true rank"], kind="stable"))))

# %%
fig, axes = plt.subplots(1, len(shots), figsize=(12, 2.6))
for ax, (label, im, true_rank), (_, r) in zip(axes, shots, ranked.iterrows()):
    ax.imshow(im)
    ax.set_title(f"{label}\nscore {r['score']:.2f} · rank {r['rank']} (true {true_rank})", fontsize=8)
    ax.axis("off")
fig.tight_layout()
save_figure(fig, "11_burst_photo")
plt.show()

# %% [markdown]
# **Pairwise accuracy** is the share of pairs put in the right order (0.5 by chance, 1 for the true
# order; `apps.ranking_accuracy`). One burst of one photo proves little. The next section measures.
#
# ### 1b. Real photos against their spoiled copies
# Take every photograph that ships with the libraries (`REAL_PHOTOS`: the colour and grey photos of
# `photos.list_photos()`, twelve), spoil each one fault at a time (blur, noise, under- and
# over-exposure, JPEG compression) at the strengths in `LEVELS` (at level 1: a Gaussian blur of 2% of
# the shorter side, noise of SD 0.15, 3 stops under or over, JPEG quality 5; at 0.5, half of that and
# quality 48), and count how often the model scores the original above its spoiled copy (a tie counts
# half; chance is 0.5). The photos are the independent units: the interval resamples photos with all
# their copies. Beside the model, the sharpness of notebook 01 (variance of the Laplacian), scored the
# same way: a reference that knows one thing about quality.

# %%
PAIR_COLUMNS = ["photo", "scorer", "spoiled by", "level", "original higher"]


def spoiled_pairs(photo, original, scorers):
    """One row per scorer, fault and strength: does ``original`` score above its spoiled copy (1; a tie
    0.5; else 0)? ``scorers``: name -> scorer; the copies are made once for all of them."""
    copies = [(kind, level, photos.degrade(original, kind, level, seed=11)) for kind in KINDS for level in LEVELS]
    rows = []
    for name, fn in scorers.items():
        s = fn([original] + [im for _, _, im in copies])
        rows += [{"photo": photo, "scorer": name, "spoiled by": kind, "level": level,
                  "original higher": 1.0 if s[0] > s_copy else 0.5 if s[0] == s_copy else 0.0}
                 for (kind, level, _), s_copy in zip(copies, s[1:])]
    return rows


pairs = pd.DataFrame([row for pname in REAL_PHOTOS
                      for row in spoiled_pairs(pname, photos.load_photo(pname, max_side=320),
                                               {"model": scorer, "sharpness": sharpness_scorer})], columns=PAIR_COLUMNS)


def per_photo(name, kind=None, frame=None):
    """Share of the pairs where the original scores higher, per photo (for one kind, or all), in
    ``frame`` (default: the real photos' ``pairs``)."""
    frame = pairs if frame is None else frame
    sel = frame[(frame["scorer"] == name) & ((frame["spoiled by"] == kind) if kind else True)]
    return sel.groupby("photo", sort=False)["original higher"].mean()


table = []
for kind in (*KINDS, None):
    row = {"spoiled by": kind or "all five"}
    for name in ("model", "sharpness"):
        m, lo, hi = metrics.mean_ci(per_photo(name, kind), n_boot=N_BOOT)
        row[f"{name} [95% CI]"] = fmt_interval(m, lo, hi)
        row[f"{name} vs chance"] = against(0.5, lo, hi)
    table.append(row)
print(f"share of pairs where the original scores above its spoiled copy ({len(REAL_PHOTOS)} photos x",
      f"{len(LEVELS)} levels per fault; interval over the photos; chance 0.5)")
print_table(table)
kind_of = photos.list_photos().set_index("name")["kind"]
by_photo = per_photo("model").sort_values()
print("model, share per photo over all its pairs:",
      ", ".join(f"{p} ({kind_of[p].split()[0]}) {fmt(v)}" for p, v in by_photo.items()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
for ax, name in zip(axes, ("model", "sharpness")):
    sel = pairs[pairs["scorer"] == name]
    for kind in KINDS:
        share = sel[sel["spoiled by"] == kind].groupby("level")["original higher"].mean()
        ax.plot(share.index, share.to_numpy(), marker="o", label=kind)
    ax.axhline(0.5, color="grey", ls="--", lw=0.8)
    ax.set_xticks(LEVELS)
    ax.set_xlabel("strength of the fault")
    ax.set_title(f"{name}: original scored higher", fontsize=10)
axes[0].set_ylabel(f"share of the {len(REAL_PHOTOS)} photos")
axes[1].legend(frameon=False, fontsize=8)
fig.tight_layout()
save_figure(fig, "11_spoiled_pairs")
plt.show()

# %% [markdown]
# Read the "vs chance" columns. The sharpness feature is perfect on blur and under-exposure and
# backwards on noise (noise *adds* high frequencies) and on over-exposure: one feature is right about
# some faults and wrong about others. The model is more even. Over all five faults it prefers the
# original in 0.739 of the pairs [0.622, 0.844]: above chance. Fault by fault, four of the five
# intervals over the twelve photos lie above 0.5, among them noise (0.778 [0.556, 0.972]) and
# over-exposure (0.861 [0.667, 1]), the two faults the sharpness feature gets backwards.
# Under-exposure is the exception: 0.5 [0.25, 0.75], not distinguishable from chance. The per-photo
# line shows where it fails: it puts every pair in order for the astronaut and china, and more
# than half of them for eight more photos, but for the rocket (0.333) and the flower (0.467) it
# prefers the spoiled copy in more than half of the pairs. So these weights (one training seed)
# prefer the original above chance for four of the five faults, not for under-exposure. Two other
# seeds of the same config, scored outside this notebook, do so for three (their JPEG intervals reach
# down to 0.5: `benchmarks/results/lesson_checks_160.json`). Whether the preference comes from the
# studio training or from the ImageNet backbone was not measured: no model without the studio
# training was scored on these pairs. The figure splits the pairs by strength (twelve photos per point, no intervals):
# for under-exposure the share falls from 0.58 at the weakest strength to 0.42 at the strongest; for
# the other four faults it lies between 0.58 and 1 at every strength.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# Hidden cells like this one check the claims of the text against the numbers printed above them, so
# that a re-run that changes a result fails the tests instead of contradicting the text.
if DATA.studio:  # the numbers the text quotes are the studio's
    spoiled = {r["spoiled by"]: r for r in table}
    assert all(spoiled[k]["sharpness vs chance"] == "above 0.5" and spoiled[k]["sharpness [95% CI]"] == "1 [1, 1]"
               for k in ("blur", "underexpose")), "sharpness: perfect on blur and under-exposure"
    assert all(spoiled[k]["sharpness vs chance"] == "below 0.5" for k in ("noise", "overexpose")), "sharpness: backwards on noise, over-exposure"
    assert spoiled["all five"]["model [95% CI]"] == "0.739 [0.622, 0.844]" and spoiled["all five"]["model vs chance"] == "above 0.5"
    assert spoiled["noise"]["model [95% CI]"] == "0.778 [0.556, 0.972]" and spoiled["overexpose"]["model [95% CI]"] == "0.861 [0.667, 1]"
    assert [k for k in KINDS if spoiled[k]["model vs chance"] == "above 0.5"] == ["blur", "noise", "overexpose", "jpeg"], \
        "the text says four of the five faults are above chance, all but under-exposure"
    assert spoiled["underexpose"]["model [95% CI]"] == "0.5 [0.25, 0.75]" and spoiled["underexpose"]["model vs chance"].startswith("not distinguishable")
    assert all(by_photo[p] == 1 for p in ("astronaut", "china")) and (by_photo == 1).sum() == 2, "every pair for two photos"
    assert shown(by_photo["rocket"], "0.333") and shown(by_photo["flower"], "0.467"), "rocket and flower quoted"
    assert sorted(by_photo[by_photo < 0.5].index) == ["flower", "rocket"] and ((0.5 < by_photo) & (by_photo < 1)).sum() == 8, \
        "the text says more than half the pairs for eight photos, fewer for the rocket and the flower"
    assert len(by_photo) == 12 and (by_photo > 0.5).sum() == 10
    by_level = pairs[pairs["scorer"] == "model"].groupby(["spoiled by", "level"])["original higher"].mean()
    assert [fmt(v, 2) for v in by_level["underexpose"]] == ["0.58", "0.5", "0.42"], "under: from 0.58 down to 0.42"
    others = by_level.drop("underexpose", level="spoiled by")
    assert fmt(others.min(), 2) == "0.58" and others.max() == 1, "between 0.58 and 1 at every strength"

# %% [markdown]
# **The same test on studio photos.** Is the model blind to these faults, or does what it learnt stay
# in the studio? The same five faults at the same strengths, now on the first `N_STUDIO_SPOILED`
# studio test photos (renders the model has not seen, from the world it was trained in), scored the
# same way, with the interval over those photos.

# %%
N_STUDIO_SPOILED = 40
studio_test = registry.open_dataset(DATA, "test")
studio_pairs = pd.DataFrame([row for i in range(min(N_STUDIO_SPOILED, len(studio_test)) if DATA.studio else 0)
                             for row in spoiled_pairs(i, studio_test.load_image(i), {"model": scorer})], columns=PAIR_COLUMNS)
studio_table = []
for kind in (*KINDS, None):
    shares = per_photo("model", kind, studio_pairs)
    if len(shares):
        m, lo, hi = metrics.mean_ci(shares, n_boot=N_BOOT)
        real = next(r["model [95% CI]"] for r in table if r["spoiled by"] == (kind or "all five"))
        studio_table.append({"spoiled by": kind or "all five", "studio photos [95% CI]": fmt_interval(m, lo, hi),
                             "vs chance": against(0.5, lo, hi), "real photos (above)": real})
print(f"share of pairs where the original scores above its spoiled copy: {studio_pairs['photo'].nunique()} studio test",
      f"photos x {len(LEVELS)} levels per fault, interval over the photos; the real photos' shares of 1b beside them")
print_table(studio_table)

# %% [markdown]
# On studio photos the model prefers the original in 0.847 of the pairs [0.788, 0.893], above chance.
# For each fault the studio's quality scores (blur, noise, under- and over-exposure) the share lies
# between 0.783 and 0.942, with an interval above 0.5. JPEG compression, which none of the studio's
# quality terms scores (every studio photo is saved at JPEG quality 92), has the lowest share, 0.75
# [0.667, 0.833], and is above chance too. The gap between the columns is widest for
# under-exposure: 0.867 [0.758, 0.95] on studio photos, 0.5 [0.25, 0.75] on the real ones, the one
# fault whose two intervals do not overlap. For the other four faults and for all five together they
# overlap, and for JPEG alone the real photos' share is the higher one. So the
# model tells these faults apart on the kind of photo it was trained on, and on real photographs
# too, except under-exposure. The two columns are different photos (40 renders, twelve real
# photos), so this is not a paired comparison.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:
    st = {r["spoiled by"]: r for r in studio_table}
    assert st["all five"]["studio photos [95% CI]"] == "0.847 [0.788, 0.893]" and st["all five"]["vs chance"] == "above 0.5"
    assert all(st[k]["vs chance"] == "above 0.5" for k in ("blur", "noise", "underexpose", "overexpose")), "the four studio faults above chance"
    low, high = min(float(st[k]["studio photos [95% CI]"].split()[0]) for k in ("blur", "noise", "underexpose", "overexpose")), \
        max(float(st[k]["studio photos [95% CI]"].split()[0]) for k in ("blur", "noise", "underexpose", "overexpose"))
    assert (fmt(low), fmt(high)) == ("0.783", "0.942"), "from 0.783 to 0.942"
    assert st["jpeg"]["studio photos [95% CI]"] == "0.75 [0.667, 0.833]" and st["jpeg"]["vs chance"] == "above 0.5"
    assert all(float(st[k]["studio photos [95% CI]"].split()[0]) > 0.75 for k in KINDS if k != "jpeg"), "JPEG the lowest"
    assert st["underexpose"]["studio photos [95% CI]"] == "0.867 [0.758, 0.95]" and st["underexpose"]["real photos (above)"] == "0.5 [0.25, 0.75]"
    gaps = {k: float(st[k]["studio photos [95% CI]"].split()[0]) - float(st[k]["real photos (above)"].split()[0]) for k in KINDS}
    assert max(gaps, key=gaps.get) == "underexpose", "the gap is widest for under-exposure"
    assert [k for k in KINDS if gaps[k] < 0] == ["jpeg"], "the real photos' share higher for JPEG alone"
    bounds = {k: [float(v.strip("[],")) for v in (st[k]["studio photos [95% CI]"].split()[1:] + st[k]["real photos (above)"].split()[1:])]
              for k in (*KINDS, "all five")}  # studio low, high, real low, high
    assert [k for k, (sl, sh, rl, rh) in bounds.items() if rh < sl or sh < rl] == ["underexpose"], "only under-exposure's intervals do not overlap"
    assert studio_pairs["photo"].nunique() == 40 and len(REAL_PHOTOS) == 12

# %% [markdown]
# ### 1c. Near-duplicate studio shots
# Real bursts differ by more than one graded fault: the horizon tilts, the exposure drifts, the
# subject moves. `studio.render_studio_burst(seed)` renders six shots of one studio scene: the first
# clean, each other one with two faults drawn at random (tilt, exposure, motion blur, noise, softness,
# subject off its third) at its own severity; the studio's true quality gives the order. This is a harder test: the faults
# trade off against each other, and some shots differ only a little in true quality. We render
# `N_STUDIO_BURSTS` bursts, measure each one (pairwise accuracy, Kendall's tau from
# `scipy.stats.kendalltau` in [-1, 1], and top-1: was the best shot picked; chance 1/6), and resample
# bursts for the intervals. A ranker worth shipping should put at least `BAR` of the pairs in order.

# %%
studio_rows = []
bursts = [studio.render_studio_burst(seed) for seed in range(N_STUDIO_BURSTS)]
for seed, b in enumerate(bursts):
    shots = [apps.to_pil(im) for im in b.images]
    sharp = sharpness_scorer(shots)
    studio_rows.append({"burst": seed, **apps.ranking_report(scorer(shots), b.order),
                        "sharpness pairwise": apps.ranking_accuracy(sharp, b.order),
                        "sharpness top1": float(int(np.argmax(sharp)) == int(b.order[0]))})
studio_df = pd.DataFrame(studio_rows)
print(f"{len(studio_df)} studio bursts of {len(bursts[0].images)} shots: means with 95% intervals over the bursts")
interval = {c: fmt_interval(*metrics.mean_ci(studio_df[c], n_boot=N_BOOT))
            for c in ("pairwise_accuracy", "kendall_tau", "top1", "sharpness pairwise", "sharpness top1")}
print_table([{"scorer": "model", "pairwise accuracy": interval["pairwise_accuracy"],
              "Kendall tau": interval["kendall_tau"], "top-1": interval["top1"]},
             {"scorer": "sharpness", "pairwise accuracy": interval["sharpness pairwise"],
              "Kendall tau": "", "top-1": interval["sharpness top1"]}])
_, lo, hi = metrics.mean_ci(studio_df["pairwise_accuracy"], n_boot=N_BOOT)
print(f"model's pairwise accuracy: {against(BAR, lo, hi)} (the bar) and {against(0.5, lo, hi)} (chance)")
model_vs_sharpness = paired_bootstrap(mean_of, studio_df["sharpness pairwise"], studio_df["pairwise_accuracy"],
                                      np.zeros(len(studio_df)), n_boot=N_BOOT)
print("model minus sharpness, pairwise accuracy:", model_vs_sharpness)

# %%
b = bursts[0]
sc = scorer([apps.to_pil(im) for im in b.images])
true_rank = np.empty(len(b.order), int)
true_rank[b.order] = np.arange(1, len(b.order) + 1)
pred_rank = apps.rank_burst(scorer, b.images)["rank"].to_numpy()
fig, axes = plt.subplots(1, len(b.images), figsize=(12, 2.3))
for i, ax in enumerate(axes):
    ax.imshow(b.images[i])
    ax.set_title(f"true rank {true_rank[i]} · model {pred_rank[i]}\nscore {sc[i]:.2f}", fontsize=8)
    ax.axis("off")
fig.tight_layout()
save_figure(fig, "11_burst_studio")
plt.show()

# %% [markdown]
# On its own studio the model ranks near-duplicates well above chance: 0.88 of the pairs in order
# [0.852, 0.908], Kendall's tau 0.76 [0.703, 0.817], the best shot picked in 0.75 of the bursts
# [0.624, 0.875] (chance 1/6), and a pairwise accuracy higher by 0.295 [0.225, 0.363] than the
# sharpness feature's on the same bursts. Against the bar of 0.8 the verdict line says "above": the whole
# interval over 40 bursts lies above the bar, so on these bursts the ranker reaches it. Picking the
# single best shot is harder: it fails in a quarter of the bursts. In the burst drawn
# above, it gets the worst shot right, puts the shot ranked 3 first, ahead of those ranked 1 and 2,
# and swaps the shots ranked 4 and 5.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:  # the numbers the text quotes are the studio's
    assert interval["pairwise_accuracy"] == "0.88 [0.852, 0.908]", "pairwise accuracy quoted"
    assert interval["kendall_tau"] == "0.76 [0.703, 0.817]", "Kendall's tau quoted"
    assert interval["top1"] == "0.75 [0.624, 0.875]" and studio_df["top1"].mean() == 0.75, "top-1 quoted; fails in a quarter"
    assert model_vs_sharpness.verdict == "higher" and quoted(model_vs_sharpness, ("0.295", "0.225", "0.363"))
    assert interval_side(BAR, *metrics.mean_ci(studio_df["pairwise_accuracy"], n_boot=N_BOOT)[1:]) == "above", \
        "the whole interval above the bar"
    assert list(true_rank[np.argsort(pred_rank)]) == [3, 1, 2, 5, 4, 6], \
        "the worst right, the third first (ahead of the first and second), the fourth and fifth swapped"

# %% [markdown]
# ## 2. Composition-aware cropping
# To crop a photo to 1:1, 4:5 or 16:9, lay a grid of candidate boxes of that ratio over it at
# several sizes (`apps.candidate_crops`), score every crop with the model (in batches,
# `apps.best_crops`) and keep the best. Two baselines: the **centre crop** of the largest size, what
# a camera does without looking, and a **random candidate** (its IoU is the mean over all candidates:
# what picking one at random gives on average).
#
# The studio renders **canvases** larger than the photo to be cut from them, with a known best crop
# for a given ratio (subject on a thirds point, horizon on a thirds line, sides 70% of the largest
# crop's); `studio.crop_quality` gives the studio's true quality of any crop, so we can also say
# how good the chosen crop is, not only how close it is to the known one.

# %%
crop_rows, examples = [], {}
for aspect in ASPECTS:
    a = apps.parse_aspect(aspect)
    for ex in studio.generate_crop_set(n=N_CANVASES, seed=11, aspect=a):
        h, w = ex.image.shape[:2]
        (box, _), = apps.best_crops(scorer, ex.image, a, top=1)
        centre = apps.centre_crop(w, h, a)
        cands = apps.candidate_crops(w, h, a)
        q = studio.crop_quality(ex.factors, [box, centre, ex.box])
        q_cands = studio.crop_quality(ex.factors, cands)
        oracle = cands[int(np.argmax(q_cands))]  # the candidate the studio's truth would pick
        crop_rows.append({
            "aspect": aspect, "IoU model": apps.crop_iou(box, ex.box), "IoU centre": apps.crop_iou(centre, ex.box),
            "IoU random": float(np.mean([apps.crop_iou(c, ex.box) for c in cands])),
            "IoU oracle": apps.crop_iou(oracle, ex.box),
            # true quality, rescaled per canvas: 0 = the worst candidate, 1 = the known best crop
            "quality model": (q[0] - q_cands.min()) / (q[2] - q_cands.min()),
            "quality centre": (q[1] - q_cands.min()) / (q[2] - q_cands.min()),
        })
        examples.setdefault(aspect, (ex, box, centre))
crop_df = pd.DataFrame(crop_rows)
crop_table = crop_df.groupby("aspect", sort=False).mean().reset_index()
print(f"{N_CANVASES} studio canvases per aspect ratio; means")
print_table(crop_table.to_dict("records"))
print(f"all {len(crop_df)} canvases, mean IoU with the known best crop [95% CI over canvases]:")
for col in ("IoU model", "IoU centre", "IoU random", "IoU oracle"):
    print(f"  {col.split()[1]:7s}", fmt_interval(*metrics.mean_ci(crop_df[col], n_boot=N_BOOT)))

# %%
fig, axes = plt.subplots(1, len(ASPECTS), figsize=(12, 3.3))
for ax, aspect in zip(axes, ASPECTS):
    ex, box, centre = examples[aspect]
    ax.imshow(ex.image)
    for (x1, y1, x2, y2), color, label in ((ex.box, "lime", "known best"), (box, "gold", "model"),
                                            (centre, "white", "centre")):
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec=color, lw=2,
                               ls="--" if label == "centre" else "-", label=label))
    ax.set_title(f"{aspect}: IoU model {apps.crop_iou(box, ex.box):.2f}, centre {apps.crop_iou(centre, ex.box):.2f}",
                 fontsize=9)
    ax.axis("off")
axes[0].legend(loc="lower left", fontsize=7, framealpha=0.7)
fig.tight_layout()
save_figure(fig, "11_crops_studio")
plt.show()

# %% [markdown]
# The **oracle** row is the same search with a perfect scorer (the studio's true quality of each
# candidate): it shows that the grid holds a crop close to the known best one and that scoring every
# candidate finds it. Whether a tool gets there is then entirely up to its scorer. The paired
# differences below (the same canvases under both crops, resampled together) say how ours compares
# with the two baselines.

# %%
zeros = np.zeros(len(crop_df))
vs_centre = paired_bootstrap(mean_of, crop_df["IoU centre"], crop_df["IoU model"], zeros, n_boot=N_BOOT)
vs_random = paired_bootstrap(mean_of, crop_df["IoU random"], crop_df["IoU model"], zeros, n_boot=N_BOOT)
print("model minus centre crop, mean IoU:     ", vs_centre)
print("model minus random candidate, mean IoU:", vs_random)
print("the cropper beats both baselines in IoU" if vs_centre.low > 0 and vs_random.low > 0 else
      "the cropper does not beat both baselines in IoU")
quality_vs_centre = paired_bootstrap(mean_of, crop_df["quality centre"], crop_df["quality model"], zeros, n_boot=N_BOOT)
print("model minus centre crop, true quality (0 = worst candidate, 1 = known best):", quality_vs_centre)

# %% [markdown]
# On the same 18 canvases, the model's crop overlaps the known best crop more than the centre crop
# does (+0.209 IoU [0.151, 0.264]) and more than a random candidate does (+0.222 [0.161, 0.28]), and
# its crops are better photos by the studio's own truth (+0.238 [0.172, 0.307] on the scale from the
# worst candidate to the known best). The oracle's IoU of 0.845 [0.774, 0.905] shows how far a
# perfect scorer on the same grid would get: the cropper closes a little more than half of the gap
# between the centre crop and it (0.69 [0.634, 0.746] against 0.481 [0.471, 0.489] and 0.845: 0.57
# of the gap).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:  # the numbers the text quotes are the studio's
    assert len(crop_df) == 18, "the text says 18 canvases"
    assert vs_centre.verdict == "higher" and quoted(vs_centre, ("0.209", "0.151", "0.264")), "model minus centre crop quoted"
    assert vs_random.verdict == "higher" and quoted(vs_random, ("0.222", "0.161", "0.28")), "model minus random candidate quoted"
    assert quality_vs_centre.verdict == "higher" and quoted(quality_vs_centre, ("0.238", "0.172", "0.307")), "true quality quoted"
    iou = crop_df[["IoU model", "IoU centre", "IoU oracle"]].mean()
    assert shown(iou["IoU oracle"], "0.845") and iou["IoU oracle"] > 0.8, "the oracle's IoU quoted"
    assert shown(iou["IoU model"], "0.69") and shown(iou["IoU centre"], "0.481"), "the model's and the centre crop's IoU quoted"
    assert fmt((iou["IoU model"] - iou["IoU centre"]) / (iou["IoU oracle"] - iou["IoU centre"]), 2) == "0.57", "0.57 of the gap"

# %% [markdown]
# ### On real photos: are the differences between crop scores more than noise?
# On a real photo there is no known best crop, and the scores of two crops may differ in the second
# decimal only. Before reading anything into "crop #1 beats the centre crop", measure how much the
# score moves when nothing a viewer would notice changes: move the box by `SHIFT` of its side in the
# eight directions (back inwards where it would leave the photo) and rescore. For each of the
# `CROP_PHOTOS` we take the model's best 1:1 crop and the centre crop, average each over its nine
# positions (the shifts also undo part of the luck of picking the maximum of many scores), and
# compare the difference with the **noise**: the SD of a box's score over its nine positions (pooled
# over the two boxes). A difference above twice the noise is more than noise.


# %%
def shifted(box, width, height, frac=SHIFT):
    """The box and its 8 neighbours moved by ``frac`` of its side (reflected back where one would leave)."""
    x1, y1, x2, y2 = box
    cw, ch = x2 - x1, y2 - y1
    dx, dy = max(1, round(frac * cw)), max(1, round(frac * ch))
    out = []
    for sy in (-1, 0, 1):
        for sx in (-1, 0, 1):
            x = x1 + sx * dx if 0 <= x1 + sx * dx <= width - cw else x1 - sx * dx
            y = y1 + sy * dy if 0 <= y1 + sy * dy <= height - ch else y1 - sy * dy
            x, y = min(max(x, 0), width - cw), min(max(y, 0), height - ch)
            out.append((x, y, x + cw, y + ch))
    return out


noise_rows = []
for pname in CROP_PHOTOS:
    img = photos.load_photo(pname, max_side=320)
    boxes = apps.candidate_crops(img.width, img.height, "1:1")
    s = apps.score_crops(scorer, img, boxes)
    best = boxes[int(np.argmax(s))]
    centre = apps.centre_crop(img.width, img.height, "1:1")
    s_best = apps.score_crops(scorer, img, shifted(best, img.width, img.height))
    s_centre = apps.score_crops(scorer, img, shifted(centre, img.width, img.height))
    noise = float(np.sqrt((s_best.var(ddof=1) + s_centre.var(ddof=1)) / 2))
    diff = float(s_best.mean() - s_centre.mean())
    noise_rows.append({"photo": pname, "candidates": len(boxes), "SD over candidates": float(s.std(ddof=1)),
                       "best - centre": diff, "noise": noise, "(best - centre) / noise": diff / noise})
noise_df = pd.DataFrame(noise_rows)
print_table(noise_rows)
print(f"best minus centre crop, mean over the {len(noise_df)} photos [95% CI]:",
      fmt_interval(*metrics.mean_ci(noise_df["best - centre"], n_boot=N_BOOT)), "· noise, mean:", fmt(noise_df["noise"].mean()))
print("photos where the best crop beats the centre crop by more than twice the noise:",
      int((noise_df["(best - centre) / noise"] > 2).sum()), "of", len(noise_df))

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:  # the numbers the text quotes are the studio's
    ratio = noise_df.set_index("photo")["(best - centre) / noise"]
    above = ratio[ratio > 2]
    assert len(above) == 7 and shown(above.min(), "2.39") and shown(above.max(), "21.4"), "seven of eight above twice the noise, 2.39 to 21.4"
    assert list(ratio[ratio <= 2].index) == ["motorcycle"] and shown(ratio["motorcycle"], "1.44"), "the one within twice the noise"
    assert fmt_interval(*metrics.mean_ci(noise_df["best - centre"], n_boot=N_BOOT)) == "0.17 [0.0673, 0.307]"
    assert shown(noise_df["noise"].mean(), "0.026")
    assert 6.3 <= noise_df["best - centre"].mean() / noise_df["noise"].mean() < 6.7, "about six and a half times the mean noise"

# %% [markdown]
# On seven of the eight photos the best 1:1 crop beats the centre crop by more than twice the noise
# (by 2.39 to 21.4 times the noise); on the motorcycle it does not (1.44 times). Over the photos the
# difference, 0.17 [0.0673, 0.307], is about six and a half times the mean noise (0.026). The choice
# between the best crop and the centre crop is more than noise on most photos, not on all. The
# choice among the best crops may not be: the lines printed above the next figure
# compare crop #1 with crop #2.
#
# The three best distinct crops (overlap at most 0.7 IoU between them) for each ratio on one photo,
# with the noise of the best one's score (its SD over the nine shifted positions): two crops whose
# scores differ by less than about twice that cannot be told apart by this test.

# %%
photo = photos.load_photo("china", max_side=320)
top_two_apart = {}  # aspect -> whether crop #1 beats crop #2 by more than twice the noise
gap_noise = {}  # aspect -> (#1 - #2, noise of #1)
fig, axes = plt.subplots(len(ASPECTS), 4, figsize=(12, 2.4 * len(ASPECTS)))
for r, aspect in enumerate(ASPECTS):
    best = apps.best_crops(scorer, photo, aspect, top=3)
    noise = apps.score_crops(scorer, photo, shifted(best[0][0], photo.width, photo.height)).std(ddof=1)
    axes[r, 0].imshow(apps.draw_boxes(photo, [b for b, _ in best], width=3))
    axes[r, 0].set_title(f"{aspect}: best three", fontsize=9)
    for c, (box, score) in enumerate(best, start=1):
        axes[r, c].imshow(photo.crop(box))
        axes[r, c].set_title(f"#{c} score {score:.2f}", fontsize=9)
    gap = best[0][1] - best[1][1]
    top_two_apart[aspect] = gap > 2 * noise
    gap_noise[aspect] = (gap, noise)
    print(aspect, [(tuple(b), round(v, 3)) for b, v in best], f"· #1 - #2 = {fmt(gap)}, noise of #1 {fmt(noise)}:",
          "more than twice the noise" if gap > 2 * noise else "within twice the noise")
for ax in axes.ravel():
    ax.axis("off")
fig.tight_layout()
save_figure(fig, "11_crops_photo")
plt.show()

# %% [markdown]
# On this photo, crop #1 beats crop #2 by less than twice its noise for all three ratios: this test
# cannot tell the two apart. The largest gap, 0.0676 for 4:5, is about once its noise (0.0654).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:  # the numbers the text quotes are the studio's
    assert top_two_apart == {"1:1": False, "4:5": False, "16:9": False}, "the text says all three within twice the noise"
    assert max(gap_noise, key=lambda k: gap_noise[k][0]) == "4:5" and shown(gap_noise["4:5"][0], "0.0676") \
        and shown(gap_noise["4:5"][1], "0.0654"), "4:5 the largest gap, gap and noise quoted"
    assert 0.9 < gap_noise["4:5"][0] / gap_noise["4:5"][1] < 1.1, "about once its noise"

# %% [markdown]
# ## 3. The interactive demo
# `aesthetics_lib.demo.build_demo(course_model)` puts it all together in an `ipywidgets` app: pick
# a sample photo or upload your own, and it shows the predicted score with a line on how far to
# trust it, the distribution, feedback sentences from the attributes (notebook 10), the Grad-CAM
# overlay, and the best crop to the ratio you choose. A file that is not a readable image (empty, truncated, a text file renamed
# `.jpg`) gives a message in the app, not a traceback. `make demo` serves the same app as a web
# page with Voila (`notebooks/demo.ipynb`).
#
# The widget is live: it needs a running kernel (a static copy of the notebook shows only its
# last state), and its display is left out when the notebook's outputs are checked. The app's own
# object is `app.demo`; the next cell drives it from code, as a test would, and prints what it shows.

# %%
# NBVAL_IGNORE_OUTPUT
from aesthetics_lib.demo import build_demo

app = build_demo(cm, first_photo="chelsea")
app

# %%
demo = app.demo
print("score shown:", fmt(demo.last["mean"]), "· best crop", demo.last["crop"]["aspect"], demo.last["crop"]["box"])
feedback_shown = demo.last["feedback"]
print("feedback:", feedback_shown)
print("attributes that may speak:", demo.trusted)
agreement = sorted((cm.held_out() or {}).get("attributes") or [], key=lambda r: -r["srcc"])
print("their agreement with the labels on the validation photos (the app lists it under the feedback):")
print_table([{"attribute": r["attribute"], "labelled photos": r["labelled"],
              "SRCC with label [95% CI]": fmt_interval(r["srcc"], r["low"], r["high"]),
              "speaks": "yes" if r["attribute"] in (demo.trusted or []) else "no"} for r in agreement])
print("under the score:", demo.reliability)
demo.handle_upload("holiday.jpg", b"this is a text file, not a photo")
print("after a broken upload the app says:", demo.error.value.split("⚠ ")[1].split("</div>")[0])

# %% [markdown]
# Read the feedback with notebook 10 in mind. The app lets an attribute speak only when its
# predictions followed their labels on the model's **validation** photos, with notebook 10's bar
# (the lower end of the SRCC interval at least 0.3, over at least 20 labelled photos; the training
# record keeps the measurement, `course_model(...).held_out()`; the table prints it). For the final
# model that is eight attributes, the same eight notebook 10 found on the test split, with the lower
# ends of their intervals from 0.681 (BalacingElements) to 0.913 (Content). MotionBlur, Repetition
# and Symmetry stay silent: the intervals of MotionBlur and Symmetry reach below 0, and Repetition's
# lower end is 0.0129, far below 0.3. So "unwanted motion blur" and "strong symmetry", the two
# sentences that took two of the top three places on two of notebook 10's three test photos when
# every attribute spoke, do not appear here. Under the
# score, the app says how well the model ranked its 855 validation photos: SRCC 0.73 [0.69, 0.76],
# where the raters' own mean votes reach 0.87 against the studio's truth. It adds that its agreement
# with people on real photos is not measured: no real photo here has votes. What section 1b measured
# is narrower: the model prefers a real photo to a spoiled copy of it in 0.739 [0.622, 0.844] of the
# pairs, and for under-exposure it is not distinguishable from chance (0.5 [0.25, 0.75]).

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:  # the numbers the text quotes are the studio's
    assert sorted(demo.trusted) == sorted(["Content", "VividColor", "DoF", "Object", "Light", "RuleOfThirds", "ColorHarmony",
                                           "BalacingElements"]), "the text says the same eight attributes as notebook 10"
    rows = {r["attribute"]: r for r in agreement}
    lows = {a: rows[a]["low"] for a in demo.trusted}
    assert min(lows, key=lows.get) == "BalacingElements" and shown(lows["BalacingElements"], "0.681"), "BalacingElements' lower end quoted"
    assert max(lows, key=lows.get) == "Content" and shown(lows["Content"], "0.913"), "Content's lower end quoted"
    assert sorted(set(rows) - set(demo.trusted)) == ["MotionBlur", "Repetition", "Symmetry"] and all(
        rows[a]["low"] < 0 for a in ("MotionBlur", "Symmetry")), "MotionBlur and Symmetry reach below 0"
    assert shown(rows["Repetition"]["low"], "0.0129"), "Repetition's lower end quoted"
    assert "855 held-out photos" in demo.reliability and "SRCC 0.73 [0.69, 0.76]" in demo.reliability \
        and "reach 0.87" in demo.reliability, "the reliability line quoted"
    assert not any("motion blur" in f or "symmetry" in f for f in feedback_shown), "the text says these two are silent"
    assert "agreement with people on real photos is not measured" in demo.reliability, "the reliability line quoted"
    assert spoiled["all five"]["model [95% CI]"] == "0.739 [0.622, 0.844]" and spoiled["underexpose"]["model [95% CI]"] == \
        "0.5 [0.25, 0.75]" and spoiled["underexpose"]["model vs chance"].startswith("not distinguishable"), "section 1b's numbers quoted"

# %% [markdown]
# ## Summary
# - Ranking near-duplicates is where an aesthetics model should shine: the content is the same and
#   only quality differs. Measured against a known order, with an interval over independent units,
#   pairwise accuracy tells whether a scorer has learnt a fault: the sharpness feature is perfect on
#   blur and backwards on noise. The course's final model ranks the studio's near-duplicate bursts at
#   0.88 [0.852, 0.908] pairwise: far above chance, above sharpness, and above the bar of 0.8; it
#   picks the best shot in 0.75 [0.624, 0.875] of them. On real photos it prefers the original to a
#   spoiled copy in 0.739 [0.622, 0.844] of the pairs: above chance, and for each single fault but
#   under-exposure (0.5 [0.25, 0.75]; two other training seeds: for three of the five); it prefers the spoiled copies of two colour photos (the rocket
#   and the flower). On 40 studio test photos the same test gives 0.847 [0.788, 0.893], above chance
#   for each of the five faults, and under-exposure (0.867 [0.758, 0.95] there, 0.5 [0.25, 0.75] on
#   real photos) is the one
#   fault where the intervals of the studio and the real photos do not overlap.
# - Cropping is search plus scoring: candidate boxes of the ratio at several sizes, every crop
#   scored in batches, the best kept (with non-maximum suppression for a varied top three). The
#   oracle shows the search itself finds a crop close to the known best one (IoU 0.845 [0.774,
#   0.905]); the model's crops beat both the centre crop and a random candidate in IoU with the known
#   best crop (by +0.209 [0.151, 0.264] and +0.222 [0.161, 0.28], paired), and close a little more than half the gap to the oracle (0.57).
# - A score difference means something only against the score's noise: shifting a crop by 3% of its
#   side moves the score: the SD of a 1:1 crop's score over nine such positions (pooled over the
#   best and the centre crop) is 0.026 on average over the eight real photos (0.0045 to 0.0729). The best crop beats the
#   centre crop by more than twice that photo's noise on seven of the eight photos tried; on the
#   China photo the two top crops are within twice their noise for all three ratios.
# - An `ipywidgets` app over the library turns a model into a tool anyone can try, and handles bad
#   input with a message; it lets only the attributes that cleared the held-out check speak and says how
#   far to trust the score; Voila serves it as a web page without showing code.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
if DATA.studio:  # the numbers the text quotes are the studio's
    grey = [p for p in by_photo.index if kind_of[p].startswith("grey")]
    assert len(grey) == 4 and [p for p in by_photo.index if by_photo[p] < 0.5] == ["rocket", "flower"] \
        and kind_of["rocket"].startswith("colour") and kind_of["flower"].startswith("colour"), "two colour photos"
    assert all(st[k]["vs chance"] == "above 0.5" for k in KINDS), "the summary says each of the five faults on studio photos"

# %% [markdown]
# ## Exercises
# Replace each `...`, run the cell, and read the verdict under it.
#
# **Exercise 1 (how big is the search?).** How many candidate 1:1 crops does the cropper score on a
# 192 x 144 image with its default scales and stride? Let the library lay out the grid, and count.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
# The value the check below compares with (hidden: open it after you have answered).
expected = len(apps.candidate_crops(192, 144, "1:1"))

# %%
answer = ...
check(answer, expected, tol=0, hint="section 2 names the function that lays the candidate boxes over an image of a "
      "given size and ratio; count what it returns.")

# %% tags=["solution"]
answer = len(apps.candidate_crops(192, 144, "1:1"))
check(answer, expected, tol=0, hint="section 2 names the function that lays the candidate boxes over an image of a "
      "given size and ratio; count what it returns.")

# %% [markdown]
# **Exercise 2 (pairwise accuracy by hand).** A model scores a burst of four shots
# `[3.1, 2.4, 3.5, 2.9]`; the true order, best first, is `[2, 0, 3, 1]` (shot 2 is the best). What is
# the pairwise accuracy? Work it out with a loop over the pairs, without `apps.ranking_accuracy`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
expected = apps.ranking_accuracy([3.1, 2.4, 3.5, 2.9], [2, 0, 3, 1])

# %%
answer = ...
check(answer, expected, tol=1e-6, hint="walk through the true order: every shot is better than each shot listed "
      "after it. How many such pairs are there, and in how many does the better shot score higher?")

# %% tags=["solution"]
scores_ex, order_ex = [3.1, 2.4, 3.5, 2.9], [2, 0, 3, 1]
in_order = [scores_ex[order_ex[i]] > scores_ex[order_ex[j]] for i in range(4) for j in range(i + 1, 4)]
answer = sum(in_order) / len(in_order)  # 6 pairs, all in order
check(answer, expected, tol=1e-6, hint="walk through the true order: every shot is better than each shot listed "
      "after it. How many such pairs are there, and in how many does the better shot score higher?")

# %% [markdown]
# **Exercise 3 (IoU by hand).** What is the IoU of the boxes `(0, 0, 100, 100)` and
# `(50, 0, 150, 100)`? Give a number.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
expected = apps.crop_iou((0, 0, 100, 100), (50, 0, 150, 100))

# %%
answer = ...
check(answer, expected, tol=1e-3, hint="sketch the two boxes: how large is the part they share, and how much area "
      "do they cover together (counting the shared part once)?")

# %% tags=["solution"]
shared = 50 * 100  # x from 50 to 100, the full height
answer = shared / (100 * 100 + 100 * 100 - shared)  # 1/3
check(answer, expected, tol=1e-3, hint="sketch the two boxes: how large is the part they share, and how much area "
      "do they cover together (counting the shared part once)?")

# %% [markdown]
# **Exercise 4 (reading the crop table).** Over the studio canvases, did the model's crop have a
# higher mean IoU with the known best crop than the centre crop? Answer `True` or `False`.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
expected = bool(crop_df["IoU model"].mean() > crop_df["IoU centre"].mean())

# %%
answer = ...
check(answer, expected, hint="compare the model's and the centre crop's mean IoU over all canvases, printed under "
      "the table of section 2.")

# %% tags=["solution"]
answer = True  # 0.69 against 0.481 (and the paired interval of the difference lies above 0)
check(answer, expected, hint="compare the model's and the centre crop's mean IoU over all canvases, printed under "
      "the table of section 2.")

# %% [markdown]
# **Exercise 5 (predict, run, check: a smudged lens).** The studio bursts of section 1c differ shot
# by shot in tilt, exposure, motion blur, noise, softness and placement. Now blur **every** shot of
# every burst alike, as a smudged lens would (`photos.degrade(shot, "blur", 0.5)`: a Gaussian blur of
# 1 % of the shorter side, about one pixel here). *Before you run anything*, predict: does the model's
# pairwise accuracy over the 40 bursts go up, down or stay the same (a change smaller than 0.02 counts
# as the same)? Write your prediction, then set `NEW_BLUR = 0.5` and run the cell (a few seconds).
# Afterwards, try `photos.degrade`'s other kinds in place of the blur.

# %%
prediction = ...  # "up", "down" or "same", written before you run the experiment
NEW_BLUR = ...  # then set it to 0.5 and run this cell


def burst_accuracy(blur):
    """Mean pairwise accuracy of the model over section 1c's studio bursts, every shot blurred alike
    by ``photos.degrade(shot, "blur", blur)`` (0: the shots as rendered)."""
    accuracy = []
    for burst_ in bursts:
        blurred = [photos.degrade(apps.to_pil(im), "blur", blur) for im in burst_.images]
        accuracy.append(apps.ranking_accuracy(scorer(blurred), burst_.order))
    return float(np.mean(accuracy))


before = studio_df["pairwise_accuracy"].mean()  # section 1c: the shots as rendered
after = None if NEW_BLUR is ... else burst_accuracy(NEW_BLUR)
check_prediction(prediction, before, after, tol=0.02, what="pairwise accuracy over the studio bursts")

# %% tags=["solution"]
prediction = "down"  # the blur hides the differences in fine detail (noise, softness, motion blur) between
NEW_BLUR = 0.5  # the shots, so the pairs that differ mainly by those become guesses
after = burst_accuracy(NEW_BLUR)
check_prediction(prediction, before, after, tol=0.02, what="pairwise accuracy over the studio bursts")

# %% [markdown]
# ## Going further
# - Talebi & Milanfar (2018), *NIMA*: used to rank and to tune photo enhancement by the predicted
#   score; try `apps.rank_burst` on your own burst.
# - Chen, Hsieh, Shih, Chen, Wang & Chuang (2017), *Quantitative analysis of automatic image
#   cropping algorithms: a comparative study* (the FCDB benchmark); Wei et al. (2018), *Good view
#   hunting* (view-pair ranking); Zeng, Li, Cao & Zhang (2019), *Reliable and efficient image
#   cropping: a grid anchor based approach* (GAIC: a grid of candidates, as here, scored by one
#   network pass with RoI pooling instead of one pass per crop).
# - Speed: every crop here is a separate forward pass. Compute the feature map once and pool each
#   box from it (`torchvision.ops.roi_align`) to score hundreds of crops for the price of one.
# - Voila (`make demo`) turns any notebook with widgets into a web app; add a slider for the crop
#   scale, or a second model to compare.
