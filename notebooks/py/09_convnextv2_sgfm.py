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
# # 09 · ConvNeXt V2 + SGFM: the course's seed project, built, tested and compared
#
# The course grew out of a student project on composition assessment with CADB. Its model takes a
# modern backbone (ConvNeXt V2), fuses its last two stages, lets a saliency map **modulate** the
# fused features (SGFM: saliency-guided feature modulation), pools them with a learnt attention map
# whose scoring branch uses global response normalisation (GRN), and predicts a score distribution
# plus the 11 composition attributes. It was trained with three losses at once and reported an SRCC
# of 0.71 on the CADB test split, well above SAMP-Net's 0.66.
#
# The project also made two mistakes that are easy to make and worth learning from: its attribute
# head ended in a sigmoid although the targets lie in [-1, 1], and it picked its checkpoint by the
# score on the test split. This notebook builds the model one piece at a time, writes the loss,
# measures what each mistake costs, runs small ablations with honest error bars, and ends with
# every model of the course side by side on one test split.
#
# **Learning goals**
# - build the model piece by piece (stages 3 + 4 fused, SGFM $x(1+\gamma)+\beta$, GRN-aware
#   attention pooling, score and attribute heads) and give the shape of every tensor;
# - write the training loss, EMD + 0.2 rank + 0.1 attribute MSE, and say what each term adds;
# - show why a sigmoid attribute head cannot fit targets in [-1, 1], and measure how much choosing
#   a checkpoint on the test split flatters the result;
# - run ablations at small scale with bootstrap intervals and tell real differences from noise;
# - compare all the course's models on one test split, next to published CADB numbers, knowing
#   which numbers were measured here and which are quoted.

# %%
from aesthetics_lib.notebook import setup_notebook, fmt, check, print_table

setup_notebook()

# %%
import copy
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import rankdata
import timm
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from aesthetics_lib import losses, metrics
from aesthetics_lib.data import registry
from aesthetics_lib.data.cadb import read_cadb_annotations
from aesthetics_lib.data.schema import ATTRIBUTES
from aesthetics_lib.metrics import format_ci
from aesthetics_lib.models import convnext_sgfm, create_model
from aesthetics_lib.models.heads import mean_from_dist, saliency_at
from aesthetics_lib.train import Trainer, build_datasets, eval_transform_for, predict
from aesthetics_lib.viz import save_figure
from aesthetics_lib.train import load_config
from aesthetics_lib.zoo import COURSE_MODELS, config_dir, course_config, course_model

# %% [markdown]
# ## Configuration
# The data is the studio's CADB-layout set (2,000 rendered photos, 5 simulated raters each), built
# offline on first use. With the real CADB on disk, start Jupyter with
# `AESTHETICS_DATA=cadb:/path/to/CADB_Dataset` and every cell runs on it instead (the noise ceiling,
# which only the studio knows, is then left out).
#
# The trained model is the course's `course_model("convnextv2_sgfm")`: ConvNeXt V2 *atto* trained
# from scratch at 64 x 64 pixels from `configs/studio_convnextv2_sgfm.yaml` (no pretrained ConvNeXt V2
# weights can be had offline), kept in a cache after its first training. The full-scale recipe for
# the real CADB on a GPU is section 8. The ablations of section 5 are smaller still: they are set here.

# %%
DATA = registry.default_data("cadb")  # honours AESTHETICS_DATA=cadb:/path, else the studio
N_BOOT = 1000  # bootstrap resamples for every interval
ABLATION = {"dim": 64, "epochs": 3, "batch_size": 64, "lr": 2e-3}  # section 5: small and quick
ABLATION_SEEDS = (0, 1, 2)  # the default setting is trained with these seeds to measure seed noise
ann = read_cadb_annotations(DATA.root)
print("data:", "the synthetic studio (CADB layout)" if DATA.studio else "the real CADB")
print("images: train", int((ann["split"] == "train").sum()), "· test", int((ann["split"] == "test").sum()))

# %% [markdown]
# ## 1. The model, piece by piece
# `aesthetics_lib.models.convnext_sgfm.ConvNeXtSGFM` is the whole model; here we run its parts one
# by one on four training photos and rebuild each step by hand, so that every formula is on the
# page and checked against the library. The model below is untrained (random weights): shapes and
# formulas do not depend on training.

# %%
cfg = course_config("convnextv2_sgfm")  # the course's settings (64 px input), without training anything
torch.manual_seed(0)
net = create_model("convnextv2_sgfm", **cfg.model_kwargs).eval()  # convnextv2_atto, dim 512, random weights
probe_set = build_datasets(cfg, splits=("val",))[1]
x = torch.stack([probe_set[i]["image"] for i in range(4)])
print("input:", tuple(x.shape), "(4 photos, RGB, ImageNet-normalised)")

# %% [markdown]
# **Step 1: the backbone's last two stages.** ConvNeXt V2 (Woo et al. 2023) is a ConvNeXt whose
# blocks carry a GRN layer; timm builds it with `features_only=True`, so it hands back the maps of
# chosen stages. Stage 3 (stride 16) still knows *where* things are at a useful resolution; stage 4
# (stride 32) knows more about *what* they are. Composition needs both.

# %%
with torch.no_grad():
    f3, f4 = net.backbone(x)
print("stage 3:", tuple(f3.shape), "· stride", net.backbone.reductions[0])
print("stage 4:", tuple(f4.shape), "· stride", net.backbone.reductions[1])
full = timm.create_model(convnext_sgfm.FULL_CONFIG["backbone"], pretrained=False, features_only=True, out_indices=(-2, -1))
side = convnext_sgfm.FULL_CONFIG["image_size"]
print(f"full scale ({convnext_sgfm.FULL_CONFIG['backbone']}, {side} px):",
      [(c, side // r, side // r) for c, r in zip(full.feature_info.channels(), full.feature_info.reduction())])
del full

# %% [markdown]
# At 64 pixels stage 3 is a 4 x 4 map and stage 4 a 2 x 2 map: very coarse. At the project's full
# scale (ConvNeXt V2 *nano*, 384 px) they are 24 x 24 and 12 x 12, with 320 and 640 channels.
#
# **Step 2: project and fuse.** Each stage goes through a 1 x 1 convolution to `dim` channels and a
# GroupNorm; stage 4 is upsampled (bilinear) to stage 3's size and the two are fused. The library
# offers three fusions, compared in section 5:
#
# - `add`: $p_3 + p_4$ (the project's choice);
# - `concat`: a 1 x 1 convolution of $[p_3, p_4]$ (twice the channels in, `dim` out);
# - `affine`: $p_3 \cdot (1 + a(p_4)) + b(p_4)$, stage 4 modulating stage 3 with 1 x 1 convolutions
#   $a$, $b$ that start at zero (a FiLM-style modulation, Perez et al. 2018).

# %%
with torch.no_grad():
    p3 = net.proj3(f3)
    p4 = F.interpolate(net.proj4(f4), size=p3.shape[-2:], mode="bilinear", align_corners=False)
    fused = p3 + p4  # fusion "add"
    print("p3:", tuple(p3.shape), "· p4 upsampled:", tuple(p4.shape), "· fused:", tuple(fused.shape))
    print("by hand = library's fused_map:", bool(torch.allclose(fused, net.fused_map(x), atol=1e-6)))
for fusion in convnext_sgfm.FUSIONS:
    m = create_model("convnextv2_sgfm", fusion=fusion)
    extra = sum(p.numel() for n_, p in m.named_parameters() if n_.startswith("fuse"))
    print(f"fusion {fusion}: {extra} parameters of its own")

# %% [markdown]
# **Step 3: SGFM, saliency-guided feature modulation.** The spectral-residual saliency map
# (notebook 08) is shrunk to the fused map's size, and two 3 x 3 convolutions turn it into a
# per-channel scale and shift:
#
# $$\gamma = \sigma(\mathrm{conv}_\gamma(s)), \qquad \beta = \mathrm{conv}_\beta(s), \qquad
# x' = x \cdot (1 + \gamma) + \beta .$$
#
# The scale $1 + \gamma$ lies in (1, 2): saliency can amplify a position's features up to twice,
# never switch them off. Both convolutions start at zero, so an untrained SGFM multiplies everything
# by 1.5 whatever the saliency, and learns how much saliency should matter.

# %%
with torch.no_grad():
    s = saliency_at(x, fused.shape[-2:])  # spectral-residual saliency, average-pooled to 4 x 4
    gamma = torch.sigmoid(net.sgfm.gamma_conv(s))
    beta = net.sgfm.beta_conv(s)
    modulated = fused * (1 + gamma) + beta
    print("saliency:", tuple(s.shape), "· gamma:", tuple(gamma.shape), "· beta:", tuple(beta.shape))
    print("by hand = library's SGFM:", bool(torch.allclose(modulated, net.sgfm(fused, s), atol=1e-6)))
    print("untrained: gamma =", fmt(gamma.unique()), "· beta =", fmt(beta.unique()),
          "· x' / x =", fmt((modulated / fused).median()))

# %% [markdown]
# **Step 4: GRN-aware attention pooling.** Global average pooling would again throw away *where*
# things are. Instead a small branch scores every position: depthwise 3 x 3 convolution, GRN, GELU,
# and a 1 x 1 convolution to one channel; a softmax over the positions turns the scores into an
# attention map that sums to 1, and the pooled vector is the attention-weighted sum of the map.
#
# GRN (from ConvNeXt V2) compares channels with each other: $G_c = \lVert x_c \rVert_2$ over the
# positions, $N_c = G_c / \mathrm{mean}_c(G)$, output $\gamma \cdot (x \cdot N) + \beta + x$, with
# $\gamma$, $\beta$ per channel starting at 0 (so GRN starts as the identity). Channels that respond
# more strongly than the average channel get boosted: a cheap form of competition between features.

# %%
pool = net.pool
with torch.no_grad():
    h = pool.dwconv(modulated)
    g = torch.linalg.vector_norm(h, ord=2, dim=(2, 3), keepdim=True)  # G: one norm per channel
    n_ = g / (g.mean(dim=1, keepdim=True) + pool.norm.eps)  # N: relative to the mean channel
    grn = pool.norm.gamma * (h * n_) + pool.norm.beta + h
    print("GRN by hand = library's GRN:", bool(torch.allclose(grn, pool.norm(h), atol=1e-6)))
    logits = pool.score(pool.act(grn))  # [B, 1, h, w]
    attention = logits.flatten(1).softmax(-1).view_as(logits)
    vec = (modulated * attention).sum((2, 3))
    lib_vec, lib_att = pool(modulated)
    print("attention:", tuple(attention.shape), "sums to", fmt(attention.sum((1, 2, 3))), "· pooled vector:", tuple(vec.shape))
    print("by hand = library's pooling:", bool(torch.allclose(vec, lib_vec, atol=1e-5) and torch.allclose(attention, lib_att)))

# %% [markdown]
# **Step 5: the heads.** The score head is an MLP `dim-256-5` with a softmax: a distribution over
# the scores 1-5, whose mean $\sum_k k\,p_k$ is the predicted score. The attribute head is an MLP
# `dim-256-11` ending in **tanh**, because the 11 attribute targets lie in [-1, 1] (section 3 shows
# what goes wrong with a sigmoid there).

# %%
with torch.no_grad():
    dist = net.head(vec)
    attrs = net.attribute_head(vec)
    out = net(x)
print("dist:", tuple(dist.shape), "rows sum to", fmt(dist.sum(-1)), "· mean score:", fmt(mean_from_dist(dist)))
print("attributes:", tuple(attrs.shape), "in [", fmt(attrs.min()), ",", fmt(attrs.max()), "]")
print("the whole chain by hand = net(x):", bool(torch.allclose(dist, out["dist"], atol=1e-5)))
parts = {"backbone": ["backbone"], "projections": ["proj3", "proj4"], "SGFM": ["sgfm"], "pooling": ["pool"],
         "score head": ["head"], "attribute head": ["attribute_head"]}
print_table([{"part": k, "parameters": sum(p.numel() for n_, p in net.named_parameters() if n_.split(".")[0] in v)}
             for k, v in parts.items()])

# %% [markdown]
# The backbone holds most of the parameters, even in its smallest (atto) size. The modules that
# carry the project's ideas are cheap: SGFM and the attention pooling together add less than 1 % to
# the model, and at full scale (nano, about 15 M parameters in the backbone) even less.
#
# ## 2. The loss: EMD + 0.2 rank + 0.1 attributes
# The project trained with three terms, `losses.AestheticLoss(emd=1.0, rank=0.2, attributes=0.1)`:
#
# - **EMD** (r = 2) between the predicted and the voted score distributions, as NIMA (notebook 07):
#   it rewards getting the whole distribution right, spread included;
# - **rank**: for every pair of photos in the batch whose voted means differ, a hinge
#   $\max(0, m - (\hat\mu_i - \hat\mu_j))$ with $i$ the better photo and margin $m = 0.05$, averaged
#   over the pairs. It only asks for the right *order*, which is what SRCC measures and what raters
#   agree on best (notebook 04);
# - **attributes**: the MSE of the attribute head over the labelled (non-zero) targets, as SAMP-Net's
#   loss (notebook 08).
#
# On a batch of 8 photos with the untrained model, each term and the total by hand:

# %%
batch = next(iter(DataLoader(probe_set, batch_size=8, shuffle=False)))
with torch.no_grad():
    output = net(batch["image"])
    loss_fn = losses.AestheticLoss(emd=1.0, rank=0.2, attributes=0.1, attribute_names=net.attribute_names)
    total, parts_ = loss_fn(output, batch)
    mu, t = output["mean"], batch["mean"]
    better = (t[:, None] - t[None, :]) > 1e-6  # pairs (i, j) with photo i voted better than photo j
    rank_by_hand = (torch.relu(0.05 - (mu[:, None] - mu[None, :])) * better).sum() / better.sum()
print("parts:", fmt(parts_))
print("rank by hand:", fmt(rank_by_hand), f"over {int(better.sum())} ordered pairs")
print("1.0 * emd + 0.2 * rank + 0.1 * attr =", fmt(parts_["emd"] + 0.2 * parts_["rank"] + 0.1 * parts_["attr"]))

# %% [markdown]
# The untrained model predicts almost the same mean for every photo, so nearly every pair falls short
# of the margin and the rank term sits near 0.05. With weights 0.2 and 0.1 the EMD stays the main
# term; the other two steer it.
#
# ## 3. Mistake 1: a sigmoid attribute head for targets in [-1, 1]
# The original attribute head ended in a sigmoid, whose outputs lie in (0, 1). CADB's attributes
# (taken from AADB) lie in [-1, 1]: a negative value means the photo does badly on that attribute
# ("poor lighting", "subject badly placed"). A sigmoid can never output a negative number, so for
# every negative target the best it can do is come close to 0. How many targets is that?

# %%
train_ann = ann[ann["split"] == "train"]
rows = []
for a in ATTRIBUTES:
    t_ = train_ann[a].to_numpy()
    lab = t_ != 0
    floor = np.mean(np.minimum(t_[lab], 0.0) ** 2) if lab.any() else float("nan")
    rows.append({"attribute": a, "labelled": int(lab.sum()), "share negative": (t_[lab] < 0).mean() if lab.any() else float("nan"),
                 "best masked MSE of a sigmoid head": floor})
print_table(rows)
all_t = torch.tensor(train_ann[list(ATTRIBUTES)].to_numpy(), dtype=torch.float32)
sigmoid_floor = losses.masked_attribute_mse(all_t.clamp(0, 1), all_t).item()
print("lowest reachable masked MSE over all attributes: sigmoid", fmt(sigmoid_floor), "· tanh 0")

# %% [markdown]
# The last column is what a *perfect* sigmoid head would score: it predicts every positive target
# exactly and outputs (almost) 0 for every negative one. A tanh head has no such floor: it can reach
# every target, so its best is 0. Worse, the sigmoid gets there slowly: to output something near 0 its input must
# go towards minus infinity, where its gradient vanishes. To see it without any network in the way,
# give every training photo its own free output for each attribute (as much capacity as a model can
# have) and minimise the masked MSE with Adam, once through a sigmoid and once through a tanh:

# %%
history = {}
for name, squash in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
    torch.manual_seed(0)
    z = torch.zeros_like(all_t, requires_grad=True)  # one free logit per photo and attribute
    opt = torch.optim.Adam([z], lr=0.1)
    curve = []
    for step in range(300):
        loss = losses.masked_attribute_mse(squash(z), all_t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        curve.append(loss.item())
    history[name] = curve
    print(f"{name}: masked MSE after 300 steps {fmt(curve[-1])}")

fig, ax = plt.subplots(figsize=(6.4, 3.4))
for name, curve in history.items():
    ax.plot(curve, label=f"{name} head")
ax.axhline(sigmoid_floor, color="k", ls="--", lw=1, label="sigmoid floor (negatives predicted as 0)")
ax.set_yscale("log")
ax.set_xlabel("optimisation step")
ax.set_ylabel("masked attribute MSE")
ax.set_title("A sigmoid cannot reach negative targets", fontsize=10)
ax.legend(fontsize=8)
fig.tight_layout()
_ = save_figure(fig, "09_sigmoid_vs_tanh")
plt.show()

# %% [markdown]
# The tanh outputs reach every target; the sigmoid ones stall on the floor. In a real network the
# damage spreads further: the attribute loss keeps pushing the shared features to produce ever more
# negative logits, a gradient that helps nothing, with a weight of 0.1 beside the score loss. The
# library's `AttributeHead` ends in tanh:

# %%
gen = torch.Generator().manual_seed(0)
with torch.no_grad():
    big = net.attribute_head(torch.randn(256, vec.shape[1], generator=gen) * 50)
print(type(net.attribute_head).__name__, "outputs for large random inputs span", fmt(big.min()), "to", fmt(big.max()))

# %% [markdown]
# ## 4. Training the course's model
# `course_model("convnextv2_sgfm")` trains with the library trainer from
# `configs/studio_convnextv2_sgfm.yaml`: the loss of section 2, AdamW, a cosine schedule, and after
# every epoch an evaluation on the **validation** split (carved out of the training split); the
# checkpoint kept is the epoch with the best validation SRCC. The test split is not opened. The
# first call trains (several minutes on a CPU); later calls, here or in notebooks 10-11, load it.

# %%
cm = course_model("convnextv2_sgfm")
cfg = cm.config
print_table([{"backbone": cfg.model_kwargs.get("backbone"), "input": cfg.size, "epochs": cfg.epochs,
              "batch": cfg.batch_size, "lr (backbone / head)": f"{cfg.lr_backbone:g} / {cfg.lr_head:g}",
              "loss": f"{cfg.loss_emd:g} EMD + {cfg.loss_rank:g} rank + {cfg.loss_attributes:g} attr"}])
print_table([{k: row[k] for k in ("epoch", "train_loss", "train_emd", "train_rank", "train_attr", "val_srcc", "val_emd2", "best") if k in row}
             for row in cm.history])
best_epoch = max(range(len(cm.history)), key=lambda i: cm.history[i]["val_srcc"]) + 1
print("checkpoint kept: epoch", best_epoch, "(best validation SRCC)")

# %% [markdown]
# What does the trained model look at? For four validation photos: the saliency map SGFM receives,
# how much SGFM scales each position ($1 + \gamma$, averaged over channels) and the attention map of
# the pooling. At 64 px all three live on a 4 x 4 grid.

# %%
model = cm.model.eval()
xv = torch.stack([probe_set[i]["image"] for i in range(4)])
with torch.no_grad():
    fm = model.fused_map(xv)
    sv = saliency_at(xv, fm.shape[-2:])
    scale = 1 + torch.sigmoid(model.sgfm.gamma_conv(sv)).mean(1)
    att = model(xv)["attention"][:, 0]
fig, axes = plt.subplots(4, 4, figsize=(8.4, 8.4))
for i in range(4):
    img = probe_set.load_image(i).resize((128, 128))
    for j, (panel, title) in enumerate(((img, "photo"), (sv[i, 0], "saliency (SGFM input)"),
                                        (scale[i], "SGFM scale 1 + gamma"), (att[i], "pooling attention"))):
        ax = axes[i, j]
        ax.imshow(panel if j == 0 else panel.numpy(), cmap=None if j == 0 else "magma")
        if i == 0:
            ax.set_title(title, fontsize=9)
        ax.axis("off")
fig.tight_layout()
_ = save_figure(fig, "09_sgfm_attention")
plt.show()
spread = float(scale.max() - scale.min())
print("SGFM scale over these photos:", fmt(scale.min()), "to", fmt(scale.max()),
      "(it started at 1.5 everywhere) · largest attention weight per photo:", fmt(att.amax((1, 2))),
      "(uniform would be", fmt(1 / att[0].numel()) + ")")
print("SGFM has", "hardly moved from its start" if spread < 0.05 else "learnt to vary with the saliency", "in this run")

# %% [markdown]
# Read the numbers under the figure before the pictures. SGFM's convolutions start at zero and
# receive small gradients, so in a short run its scale may stay close to 1.5 everywhere: the
# saliency path then has not yet learnt to matter, whatever the colours suggest (each panel has its
# own colour scale). The attention is easier to move and usually departs further from uniform. On a
# 4 x 4 grid the maps can only say "this quarter, not that one"; at 384 px the same modules work on
# a 24 x 24 grid.
#
# ## 5. Ablations at small scale
# Which parts matter? The clean test changes one switch and retrains. Retraining the whole network
# for every variant costs minutes each on a CPU, so we do the small version honestly labelled:
#
# - the trained course model's **backbone is frozen**, and its stage 3 and 4 maps (and the saliency)
#   are computed once for every photo;
# - for each variant, everything after the backbone (projections, fusion, SGFM, pooling, heads) is
#   trained from scratch on those stored maps with the library's `Trainer`, at width 64 instead of
#   512, for a few epochs, and the epoch is chosen on the validation split;
# - the variants: fusion add / concat / affine; pooling norm GRN / BatchNorm / LayerNorm; activation
#   GELU / ReLU; rank weight 0.1 / 0.2 / 0.5 / 1.0. The default (add, GRN, GELU, 0.2) is trained with
#   three seeds to show how much the seed alone moves the result.
#
# Two caveats. The backbone learnt its features together with the default head, which may favour the
# default. And the rank weight here shapes only the head, not the backbone.
#
# To reuse the library's own forward pass, the backbone is swapped for a module that hands back the
# stored maps: both are packed into one tensor (stage 4 rearranged losslessly to stage 3's grid).

# %%
def stage_maps(model, dataset, batch_size=100):
    """Frozen backbone maps, saliency and targets of every item of ``dataset`` (eval transform)."""
    out = {}
    with torch.no_grad():
        for b in DataLoader(dataset, batch_size=batch_size, shuffle=False):
            m3, m4 = model.backbone(b["image"])
            packed = torch.cat([m3, F.pixel_shuffle(m4, 2)], dim=1)  # [B, C3 + C4 / 4, h, w]
            items = {"image": packed, "saliency": saliency_at(b["image"], m3.shape[-2:]), "dist": b["dist"],
                     "mean": b["mean"], "attributes": b["attributes"], "attr_mask": b["attr_mask"]}
            for k, v in items.items():
                out.setdefault(k, []).append(v)
    return {k: torch.cat(v) for k, v in out.items()}


class StoredMaps(Dataset):
    """The stored maps as a dataset the trainer can read (items are dicts, as everywhere)."""

    def __init__(self, tensors, num_bins, threshold):
        self.t, self.num_bins, self.threshold = tensors, num_bins, threshold

    def __len__(self):
        return len(self.t["mean"])

    def __getitem__(self, i):
        return {k: v[i] for k, v in self.t.items()}

    def targets(self):
        return self.t["dist"].numpy()

    def means(self):
        return self.t["mean"].numpy()


class StoredStages(nn.Module):
    """Stands in for the backbone: unpacks the stored stage 3 and stage 4 maps."""

    def __init__(self, c3):
        super().__init__()
        self.c3 = c3

    def forward(self, packed):
        return packed[:, : self.c3], F.pixel_unshuffle(packed[:, self.c3 :], 2)


splits = build_datasets(cfg.replace(cache=False), splits=("train", "val", "test"))
for ds in splits:
    ds.transform = eval_transform_for(cfg)  # no augmentation: the maps are computed once
maps = [StoredMaps(stage_maps(model, ds), ds.num_bins, ds.threshold) for ds in splits]
C3 = model.backbone.out_channels[0]
print("stored maps (train / val / test):", [len(m) for m in maps], "· packed map:", tuple(maps[0][0]["image"].shape))

# %% [markdown]
# One run: build the variant, swap in `StoredStages`, and let the trainer train it epoch by epoch.
# Every epoch's weights are kept (they are small), because section 7 needs them.

# %%
base_cfg = cfg.replace(out=None, epochs=ABLATION["epochs"], batch_size=ABLATION["batch_size"], lr_head=ABLATION["lr"],
                       lr_backbone=ABLATION["lr"], warmup_epochs=0.0, max_steps_per_epoch=None, ema=0.0,
                       progress=False, verbose=False)


def run_variant(model_kwargs, config_changes):
    """Train the head of one variant on the stored maps; returns the trainer and each epoch's weights."""
    c = base_cfg.replace(**config_changes)
    torch.manual_seed(c.seed)
    variant = create_model("convnextv2_sgfm", dim=ABLATION["dim"], backbone=cfg.model_kwargs.get("backbone", "convnextv2_atto"),
                           **model_kwargs)
    variant.backbone = StoredStages(C3)
    trainer = Trainer(c, model=variant, datasets=(maps[0], maps[1]))
    snapshots = []
    for _ in range(c.epochs):
        trainer.fit(epochs=1)
        snapshots.append(copy.deepcopy(trainer.model.state_dict()))
    return trainer, snapshots


VARIANTS = {"default (add, GRN, GELU, rank 0.2)": ({}, {})}
VARIANTS.update({f"default, seed {s}": ({}, {"seed": s}) for s in ABLATION_SEEDS[1:]})
VARIANTS.update({f"fusion {f}": ({"fusion": f}, {}) for f in ("concat", "affine")})
VARIANTS.update({f"norm {n}": ({"norm": n}, {}) for n in ("bn", "ln")})
VARIANTS["act relu"] = ({"act": "relu"}, {})
VARIANTS.update({f"rank weight {w:g}": ({}, {"loss_rank": w}) for w in (0.1, 0.5, 1.0)})
runs = {}
for name, (kw, changes) in VARIANTS.items():
    trainer, snaps = run_variant(kw, changes)
    runs[name] = {"trainer": trainer, "snapshots": snaps, "val_curve": [r["val_srcc"] for r in trainer.history],
                  "best_epoch": trainer.best["epoch"], "val": predict(trainer.best_model(), maps[1])}
print("variants trained:", len(runs), "· epochs each:", base_cfg.epochs)

# %% [markdown]
# The table: validation SRCC of each variant's chosen epoch with its 95 % bootstrap interval, and
# the difference from the default with a **paired** interval: both models are scored on the same
# bootstrap resamples of the validation photos, so the luck of which photos are in the split cancels
# out of the difference. The paired bootstrap is short enough to write out (ranks of every resample
# at once, then a Pearson correlation per row). The seed rows say how far the seed alone moves the
# default.

# %%
def srcc_resamples(pred, target, n_boot=N_BOOT, seed=0):
    """SRCC of ``pred`` vs ``target`` on ``n_boot`` bootstrap resamples (the same resamples for
    every ``pred`` of the same length: that is what makes differences paired)."""
    idx = np.random.default_rng(seed).integers(0, len(target), size=(n_boot, len(target)))
    rp, rt = rankdata(pred[idx], axis=1), rankdata(target[idx], axis=1)
    rp, rt = rp - rp.mean(1, keepdims=True), rt - rt.mean(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rp * rt).sum(1) / np.sqrt((rp**2).sum(1) * (rt**2).sum(1))


def interval(values):
    """95 % percentile interval of the finite values."""
    return tuple(np.percentile(values[np.isfinite(values)], [2.5, 97.5]))


DEFAULT = "default (add, GRN, GELU, rank 0.2)"
val_true = runs[DEFAULT]["val"]["target_mean"]
boot = {name: srcc_resamples(r["val"]["mean"], val_true) for name, r in runs.items()}
val_srcc = {name: metrics.srcc(r["val"]["mean"], val_true) for name, r in runs.items()}
seed_srcc = [val_srcc[n] for n in runs if n.startswith("default")]
seed_range = max(seed_srcc) - min(seed_srcc)
rows = []
for name, r in runs.items():
    row = {"variant": name, "epoch": r["best_epoch"], "val SRCC": val_srcc[name], "95 % CI": fmt(interval(boot[name]))}
    if name.startswith("default"):
        row.update({"vs default": "", "paired 95 % CI": "", "verdict": "seed noise"})
    else:
        gain = val_srcc[name] - val_srcc[DEFAULT]
        lo, hi = interval(boot[name] - boot[DEFAULT])
        real = (lo > 0 or hi < 0) and abs(gain) > seed_range
        row.update({"vs default": gain, "paired 95 % CI": fmt((lo, hi)), "verdict": "beyond noise" if real else "within noise"})
    rows.append(row)
print_table(rows)
print("default over seeds", ABLATION_SEEDS, ":", fmt(seed_srcc), "· range", fmt(seed_range))
print("validation photos:", len(val_true))

# %%
fig, ax = plt.subplots(figsize=(7.2, 4.2))
names = list(runs)
vals = [val_srcc[n] for n in names]
cis = [interval(boot[n]) for n in names]
ypos = np.arange(len(names))[::-1]
ax.axvspan(min(seed_srcc), max(seed_srcc), color="0.85", label="default: range over seeds")
ax.errorbar(vals, ypos, xerr=[[v - c[0] for v, c in zip(vals, cis)], [c[1] - v for v, c in zip(vals, cis)]],
            fmt="o", color="C0", capsize=3, label="val SRCC, 95 % bootstrap CI")
ax.set_yticks(ypos, names, fontsize=8)
ax.set_xlabel("validation SRCC (chosen epoch)")
ax.set_title(f"Ablations at small scale (frozen backbone, width {ABLATION['dim']})", fontsize=10)
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
_ = save_figure(fig, "09_ablations")
plt.show()

# %% [markdown]
# Read the table with the error bars, not the ranking. With 180 validation photos each SRCC carries
# a wide interval, and three seeds of the *same* setting already differ by the range printed above.
# The paired intervals are much narrower than the single ones, because pairing removes the luck of
# the photo sample that all the models share; what they cannot remove is the seed. So a variant is
# called "beyond noise" only if its paired interval excludes 0 **and** it differs from the default
# by more than the seed range; at this scale expect most (often all) of the differences to be
# within noise. That is a finding, not a failure: it says this experiment
# cannot rank these design choices, and that claims about them need the full-scale data, several
# seeds and paired intervals. The same caution applies to any ablation table reported without them.
#
# One more guard: the best variant here was chosen by looking at validation scores, so its
# validation SRCC is itself a little optimistic. Its honest score needs data it was not chosen on,
# the test split, once (section 7).
#
# ## 6. Every model of the course on the same test split
# Now the test split, for the first and only time in the honest protocol. Each course model, as
# trained and selected on validation by its own notebook's config (`course_model(name)`; a model
# whose cache is empty is trained here first), predicts the 200 studio test photos; every metric
# gets a 95 % bootstrap interval (`metrics.evaluate_predictions(ci=True)`). Beside them: the naive
# baseline that predicts the training mean for every photo, and the studio's **noise ceiling**, the
# SRCC between the raters' mean vote and the true quality the studio knows, which no model can beat.

# %%
NOTEBOOK_OF = {"dcnn": "05", "spp": "06", "multipatch": "06", "nima": "07", "sampnet": "08", "convnextv2_sgfm": "09"}
results = {}


def evaluate_on_test(name):
    """Load course model ``name`` (training it first on an empty cache), predict the test split once,
    score the predictions with bootstrap intervals, and keep everything in ``results``."""
    c_ = course_model(name)
    p = predict(c_.model, build_datasets(c_.config, splits=("test",))[2])
    order_ = np.argsort(p["image_id"])  # one order for all models (some views batch by aspect ratio)
    p = {k: v[order_] for k, v in p.items()}
    ev = metrics.evaluate_predictions(p.get("dist"), p["target_dist"], c_.meta["threshold"], ci=True, n_boot=N_BOOT,
                                      pred_mean=None if "dist" in p else p["mean"])
    results[name] = {"pred": p, "meta": c_.meta, "eval": ev}
    print(f"{name} (notebook {NOTEBOOK_OF.get(name, '?')}): test SRCC {format_ci(ev, 'srcc')}")


# %% [markdown]
# One cell per model, so that on an empty cache each cell trains at most one of them:

# %%
evaluate_on_test("dcnn")

# %%
evaluate_on_test("spp")

# %%
evaluate_on_test("nima")

# %%
evaluate_on_test("multipatch")

# %%
evaluate_on_test("sampnet")

# %%
evaluate_on_test("convnextv2_sgfm")

# %% [markdown]
# The table, with the naive baseline and the noise ceiling from the studio's report
# (`studio_report.json`, written when the studio was rendered):

# %%
for name in COURSE_MODELS:  # any model added to the zoo later is not left out
    if name not in results:
        evaluate_on_test(name)
order = results["convnextv2_sgfm"]["pred"]["image_id"]
assert all((r["pred"]["image_id"] == order).all() for r in results.values()), "the models saw different test photos"
true_dist = results["convnextv2_sgfm"]["pred"]["target_dist"]
naive = metrics.naive_baseline(cm.meta["train_mean"], true_dist, cm.meta["threshold"], train_dist=cm.meta["train_dist"], ci=True, n_boot=N_BOOT)
ceiling = None
if DATA.studio:
    report = json.loads((Path(DATA.root) / "studio_report.json").read_text())
    ceiling = report["noise_ceiling"]["srcc_test"]

table = []
for name, r in results.items():
    e = r["eval"]
    table.append({"model (measured on the studio test split)": name, "nb": NOTEBOOK_OF.get(name, ""),
                  "SRCC [95 % CI]": format_ci(e, "srcc"), "LCC [95 % CI]": format_ci(e, "lcc"),
                  "MSE [95 % CI]": format_ci(e, "mse"), "EMD r=2 [95 % CI]": format_ci(e, "emd2"), "EMD r=1": e["emd1"]})
table.append({"model (measured on the studio test split)": "naive: predict the training mean", "nb": "04",
              "SRCC [95 % CI]": "0 (constant)", "LCC [95 % CI]": "0 (constant)", "MSE [95 % CI]": format_ci(naive, "mse"),
              "EMD r=2 [95 % CI]": format_ci(naive, "emd2"), "EMD r=1": naive["emd1"]})
if ceiling is not None:
    table.append({"model (measured on the studio test split)": "noise ceiling (vote mean vs truth)", "nb": "00",
                  "SRCC [95 % CI]": fmt(ceiling), "LCC [95 % CI]": "", "MSE [95 % CI]": "", "EMD r=2 [95 % CI]": "", "EMD r=1": ""})
print_table(table)
print("test photos:", len(order))

# %% [markdown]
# And the published numbers on the **real** CADB test split (950 photos), as quoted in the seed
# project's slides. These are **quoted, not measured here**, on other images with other raters, with
# ImageNet-pretrained backbones at 224-384 px: compare the *order* of models within each table,
# never a number of one table with a number of the other. The last row was chosen on the CADB test
# split (mistake 2), so it is optimistic by an unknown amount.

# %%
QUOTED = [  # CADB test split (MSE, EMD, SRCC, LCC), quoted from the seed project's slides
    ("ResNet18", 0.4534, 0.1943, 0.6025, 0.6148), ("AADB", 0.4234, 0.1923, 0.6236, 0.6415),
    ("MNA-CNN", 0.4260, 0.1944, 0.6108, 0.6375), ("A-Lamp", 0.4230, 0.1898, 0.6270, 0.6456),
    ("VP-Net", 0.4304, 0.1948, 0.6169, 0.6285), ("RG-Net", 0.4398, 0.1915, 0.6026, 0.6218),
    ("AFDC-Net", 0.4245, 0.1910, 0.6154, 0.6388), ("SAMP-Net", 0.3867, 0.1798, 0.6564, 0.6709),
    ("seed project ConvNeXt V2 (selected on test!)", 0.3627, 0.1515, 0.7128, 0.7124),
]
print_table([{"model (quoted, real CADB test split)": n, "SRCC": s, "LCC": l, "MSE": m, "EMD": e} for n, m, e, s, l in QUOTED], digits=4)

# %%
fig, ax = plt.subplots(figsize=(7.2, 3.6))
names = list(results)
srccs = [results[n]["eval"]["srcc"] for n in names]
lo_hi = [results[n]["eval"]["srcc_ci"] for n in names]
xpos = np.arange(len(names))
ax.errorbar(xpos, srccs, yerr=[[s - c[0] for s, c in zip(srccs, lo_hi)], [c[1] - s for s, c in zip(srccs, lo_hi)]],
            fmt="o", capsize=4, label="measured here (studio test, 95 % CI)")
ax.axhline(0, color="0.5", lw=1, label="naive baseline (no ranking)")
if ceiling is not None:
    ax.axhline(ceiling, color="k", ls="--", lw=1, label="noise ceiling")
ax.set_xticks(xpos, names, rotation=20, fontsize=8)
ax.set_ylabel("test SRCC")
ax.set_title("The course's models on one test split", fontsize=10)
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.93))  # clear of the points
fig.tight_layout()
_ = save_figure(fig, "09_comparison")
plt.show()
best_measured = max(results, key=lambda n: results[n]["eval"]["srcc"])
overlap = [n for n in results if results[n]["eval"]["srcc_ci"][1] >= results[best_measured]["eval"]["srcc"]]
print("highest test SRCC here:", best_measured, "· models whose interval reaches it:", overlap)
print("SRCC interval above 0 (ranks better than a constant):", [n for n in results if results[n]["eval"]["srcc_ci"][0] > 0])
print("MSE below the naive baseline's:", [n for n in results if results[n]["eval"]["mse"] < naive["mse"]])
if ceiling is not None:
    print("share of the noise ceiling reached by the best model:", fmt(results[best_measured]["eval"]["srcc"] / ceiling))

# %% [markdown]
# What to take from the measured table:
#
# - the noise ceiling is far above every model: at 64-96 px, trained from scratch (or briefly
#   fine-tuned) for a few minutes, they have learnt only part of what the votes contain;
# - the intervals are wide (200 test photos) and overlap a lot; the printed lists say which models
#   cannot be told apart from the best one, which rank better than a constant at all, and whose MSE
#   is below the naive baseline's (a point estimate: compare the MSE intervals in the table). A model
#   whose SRCC interval reaches 0 shows no ranking this test split can detect after its short run:
#   that is a run to debug in its own notebook, not a verdict on its method;
# - whatever the order here, it says little about the full-scale models: a ConvNeXt in particular
#   needs pretrained weights, a larger input and more data than this small run gives it;
# - MSE and EMD say how close the predicted scores and distributions are, SRCC and LCC whether the
#   order and the trend are right: a model can do well on one and badly on the other (compare the
#   naive row, whose MSE and EMD are hard to beat although it cannot rank at all).
#
# ## 7. Mistake 2: choosing the checkpoint on the test split
# The original project trained, evaluated every epoch on the test split, and reported the best test
# score. Why is that wrong, and by how much? Take every checkpoint of section 5 (each variant x
# each epoch, all kept) and, **this once on purpose**, score all of them on the test split:

# %%
test_true = maps[2].means()
cands = []
for name, r in runs.items():
    probe = copy.deepcopy(r["trainer"].model)
    for epoch, state in enumerate(r["snapshots"], start=1):
        probe.load_state_dict(state)
        cands.append({"variant": name, "epoch": epoch, "val": r["val_curve"][epoch - 1],
                      "test": metrics.srcc(predict(probe, maps[2])["mean"], test_true)})
by_val = max(cands, key=lambda c: c["val"])  # the honest choice: best on validation
by_test = max(cands, key=lambda c: c["test"])  # the mistake: best on test
optimism = by_test["test"] - by_val["test"]
print_table([{"protocol": "chosen on validation (honest)", **by_val},
             {"protocol": "chosen on test (the mistake)", **by_test}])
print("checkpoints compared:", len(cands), "· test SRCC reported by the mistake minus the honest one:", fmt(optimism))

# %%
fig, ax = plt.subplots(figsize=(5.2, 4.4))
ax.scatter([c["val"] for c in cands], [c["test"] for c in cands], s=14, color="0.6", label="a checkpoint (variant x epoch)")
ax.scatter(by_val["val"], by_val["test"], s=80, marker="s", color="C0", label="best on validation (honest)")
ax.scatter(by_test["val"], by_test["test"], s=80, marker="^", color="C3", label="best on test (the mistake)")
ax.axhline(by_val["test"], color="C0", lw=1, ls=":")
ax.axhline(by_test["test"], color="C3", lw=1, ls=":")
ax.set_xlabel("validation SRCC")
ax.set_ylabel("test SRCC")
ax.set_title("Selecting on the test split flatters the score", fontsize=10)
ax.legend(fontsize=7, loc="lower right")
fig.tight_layout()
_ = save_figure(fig, "09_selection_bias")
plt.show()
print("SRCC between validation and test scores over the checkpoints:", fmt(metrics.srcc([c["val"] for c in cands], [c["test"] for c in cands])))

# %% [markdown]
# By construction the test-chosen checkpoint reports the highest test SRCC of all, above the
# validation-chosen one by the amount printed. That gap is not skill. Among many checkpoints of
# similar real quality, the one with the highest test score is mostly the one that got lucky on
# *these* test photos: the maximum of many noisy numbers is biased upwards. (Compare the two
# checkpoints' validation SRCCs: on photos it was not chosen on, the test-chosen one has no edge.)
# The validation-chosen checkpoint's test score is an honest estimate, because nothing about that
# choice saw the test photos.
#
# Here the gap is small because all the checkpoints share one frozen backbone and differ little
# (the last line says how far their validation and test scores go together). Checkpoints of separate
# full training runs, or of the 30 epochs of a fine-tuning run, differ more, and the more of them are
# compared the larger the optimism. The seed project's 0.7128 therefore overstates what its model
# would score on new photos, by an amount nobody can recover without a fresh test set. The course's
# trainer cannot make this mistake: it never opens the test split, and `CADBDataset` carves
# validation out of train only.
#
# ## 8. The full-scale version on real CADB
# `configs/cadb_convnextv2_sgfm.yaml` holds the project's settings: ConvNeXt V2 *nano* with
# ImageNet weights (timm, `pretrained: true`; offline, point `model_kwargs.pretrained` at a local
# weights file), 384 x 384 input, flip and light colour jitter, AdamW with learning rate 1e-5 for the
# backbone and 2e-4 for the rest, weight decay 1e-4, batch 16, an EMA of the weights with decay
# 0.999, loss 1.0 EMD + 0.2 rank + 0.1 attributes; the checkpoint is chosen on a validation split
# carved out of train, never on test. It needs a GPU. With CADB on disk:
#
# ```
# python -m aesthetics_lib train --config configs/cadb_convnextv2_sgfm.yaml --data-root /path/to/CADB_Dataset
# python -m aesthetics_lib evaluate --checkpoint runs/cadb_convnextv2_sgfm/best.pt --data cadb:/path/to/CADB_Dataset
# ```
#
# The seed project reported MSE 0.3627, EMD 0.1515, SRCC 0.7128, LCC 0.7124 on the CADB test split
# (quoted, not measured here), selected on that test split. A run of the config above gives the
# honest counterpart; expect it to come out somewhat lower. The two configs, read from their files:

# %%
full_cfg = load_config(config_dir() / "cadb_convnextv2_sgfm.yaml")
print_table([{"setting": k, "studio (this notebook)": getattr(cfg, k) if k != "model_kwargs" else cfg.model_kwargs.get("backbone"),
              "real CADB (full scale)": getattr(full_cfg, k) if k != "model_kwargs" else full_cfg.model_kwargs.get("backbone")}
             for k in ("model_kwargs", "size", "epochs", "batch_size", "lr_backbone", "lr_head", "weight_decay", "ema",
                       "loss_emd", "loss_rank", "loss_attributes", "amp", "device")])

# %% [markdown]
# ## Summary
# - The model: ConvNeXt V2 stages 3 and 4, each projected to `dim` channels and fused (add, concat
#   or affine); SGFM scales and shifts the fused map from the saliency, $x(1+\gamma)+\beta$ with
#   $1+\gamma \in (1, 2)$; GRN-aware attention pooling weighs the positions; a softmax score head and
#   a tanh attribute head.
# - The loss: EMD for the distribution, a pairwise rank hinge for the order, a masked attribute MSE
#   for the composition attributes, weighted 1 : 0.2 : 0.1.
# - Mistake 1: a sigmoid cannot output the negative attribute targets; even a perfect sigmoid head
#   is stuck on a floor that a tanh head does not have.
# - Mistake 2: the best-of-many score on the test split is biased upwards; choose on validation and
#   touch the test split once.
# - Small ablations are mostly within the noise of the split and the seed: say so, and report paired
#   intervals and several seeds before claiming a design choice helps.
# - On the studio, every course model ranks the test photos better than a constant (an SRCC interval
#   above 0), every MSE interval overlaps the naive baseline's, and none comes near the noise ceiling;
#   published CADB numbers are quoted, on other data, and not comparable number for number.
#
# ## Exercises
# **1.** An untrained SGFM (both convolutions at zero) receives a feature value of 2.0. What value
# does it output, whatever the saliency?

# %%
answer = ...
check(answer, convnext_sgfm.SGFM(1)(torch.full((1, 1, 1, 1), 2.0), torch.full((1, 1, 1, 1), 0.7)).item(),
      tol=1e-4, hint="gamma = sigmoid(0) and beta = 0 at the start; put them into x * (1 + gamma) + beta.")

# %% [markdown]
# **2.** Three photos have voted means `[3.4, 2.6, 2.8]` and predicted means `[3.1, 3.0, 2.2]`.
# Compute the rank hinge loss with margin 0.05 by hand (average over the ordered pairs).

# %%
answer = ...
check(answer, losses.rank_hinge_loss(torch.tensor([3.1, 3.0, 2.2]), torch.tensor([3.4, 2.6, 2.8]), margin=0.05).item(),
      tol=1e-4, hint="list the 3 pairs with the better-voted photo first; each costs max(0, 0.05 - (its predicted mean minus the other's)).")

# %% [markdown]
# **3.** The attribute targets of one photo are `[-0.6, 0.4, 0.0, -0.2, 0.8]`. What is the lowest
# masked attribute MSE a sigmoid head can reach on it? (Zero targets do not count.)

# %%
answer = ...
t_ex = torch.tensor([[-0.6, 0.4, 0.0, -0.2, 0.8]])
check(answer, losses.masked_attribute_mse(t_ex.clamp(0, 1), t_ex).item(), tol=1e-4,
      hint="the best a sigmoid can do is the target itself when it is positive and 0 when it is negative.")

# %% [markdown]
# **4.** In section 7, by how much does choosing the checkpoint on the test split raise the reported
# test SRCC above the honest (validation-chosen) one?

# %%
answer = ...
check(answer, optimism, tol=1e-3, hint="subtract the two test SRCCs printed at the start of section 7.")

# %% [markdown]
# ## Going further
# - **Woo, Debnath, Hu, Chen, Liu, Kweon & Xie (2023)**, *ConvNeXt V2: Co-designing and Scaling
#   ConvNets with Masked Autoencoders*, CVPR: GRN and FCMAE pre-training. Run the full config with
#   `convnextv2_nano` and with `convnextv2_tiny` (`--set model_kwargs.backbone=convnextv2_tiny`).
# - **Perez, Strub, de Vries, Dumoulin & Courville (2018)**, *FiLM: Visual Reasoning with a General
#   Conditioning Layer*, AAAI: feature-wise affine modulation, the idea behind SGFM and the `affine`
#   fusion. Try letting SGFM's scale go below 1 (`1 + tanh(...)` instead of `1 + sigmoid(...)`).
# - **Zhang, Niu, Zhang et al. (2021)**, *Image Composition Assessment with Saliency-augmented
#   Multi-pattern Pooling*, BMVC: SAMP-Net and CADB, the baseline this project set out to beat.
# - Make section 5 convincing: train the whole network per variant (`course_model("convnextv2_sgfm",
#   overrides={"model_kwargs.fusion": "concat"})`), with three seeds each, at 128 px, and report
#   paired intervals on the test split once the choice is made on validation.
