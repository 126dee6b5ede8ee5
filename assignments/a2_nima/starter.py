# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
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
# # Assignment 2 · The EMD loss by hand, and a NIMA head that beats the naive baseline
#
# NIMA (Talebi & Milanfar 2018; notebook 07) predicts the whole distribution of votes with a softmax
# head trained on the earth mover's distance (EMD). Here you write that loss yourself, build the head,
# and train it on **cached features**: the course's 13 hand-crafted features of each studio photo,
# computed once (the "frozen backbone"), so a head trains in about a second.
#
# **What you hand in**: `submission.py` in this folder (collected as `a2_nima.py`):
#
# - `emd_loss(pred, target, r=2)`: `[B, K], [B, K] -> []`, equal to `aesthetics_lib.losses.emd_loss`
#   within 1e-6 (gradients too), for every `r >= 1`, with a finite gradient for identical inputs and a
#   `ValueError` for bad shapes or `r < 1`; torch operations only, not the library's EMD;
# - `NimaHead(in_features, num_bins)`: one linear layer and a softmax (dropout before it is allowed);
# - `train_head(features, dists, seed=0, epochs=300)`: trains a `NimaHead` with **your** `emd_loss`,
#   deterministically.
#
# **How it is graded**: public tests (`python -m pytest assignments/a2_nima`) and hidden tests, the
# largest of which trains your head on all practice photos and scores it on held-out photos: its EMD
# must be lower than the naive baseline's (the mean training distribution for every photo), with a
# **paired** 95 % bootstrap interval of the difference below 0.
#
# A warning from experience: the targets are vote histograms, and most of a prediction's EMD is the
# raters' noise, which no head can predict. A head that fits the training photos too closely predicts
# distributions sharper than the truth and loses to the naive baseline.

# %%
import sys
from pathlib import Path

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "assignments" / "__init__.py").is_file())
sys.path.insert(0, str(ROOT))

import matplotlib.pyplot as plt
import numpy as np
import torch

from aesthetics_lib import losses, metrics
from aesthetics_lib.compare import paired_bootstrap
from aesthetics_lib.notebook import check, fmt, print_table, setup_notebook
from assignments.a2_nima.harness import naive_prediction, practice_split, predict
from assignments.loader import load_submission, resolve_submission

setup_notebook()

# %%
SUB = load_submission(resolve_submission("a2_nima"), "a2_nima", fresh=True)

# %% [markdown]
# ## 1. The EMD, checked against the library
# `EMD_r(p, q) = (1/K * sum_k |CDF_p(k) - CDF_q(k)|^r)^(1/r)`, averaged over the batch. Predict first:
# what is the EMD (r = 2) between "all votes on 1" and "all votes on 10", with K = 10 bins?

# %%
MY_PREDICTION = ...  # your answer, before running the next lines
first, last = torch.zeros(1, 10, dtype=torch.float64), torch.zeros(1, 10, dtype=torch.float64)
first[0, 0], last[0, 9] = 1.0, 1.0
check(MY_PREDICTION, float(losses.emd_loss(first, last)), tol=1e-3,
      hint="the two CDFs differ by 1 on the first 9 of the 10 bins")

# %%
g = torch.Generator().manual_seed(0)
p = torch.randn(16, 10, generator=g, dtype=torch.float64).softmax(-1)
q = torch.randn(16, 10, generator=g, dtype=torch.float64).softmax(-1)
print_table([{"r": r, "yours": float(SUB.emd_loss(p, q, r)), "library": float(losses.emd_loss(p, q, r))} for r in (1, 2, 3)], digits=8)

# %% [markdown]
# ## 2. The data: cached features of the practice photos
# 80 % of the practice photos train the head, the last 20 % test it. The features are standardised
# with the training photos' statistics.

# %%
split = practice_split()
print(split.description, "·", len(split.names), "features:", ", ".join(split.names))
print("vote histogram of the first training photo:", fmt(split.dist_train[0]))

# %% [markdown]
# ## 3. Train your head and compare it with the naive baseline
# The comparison is **paired**: every bootstrap resample of the test photos scores both predictions,
# so the photos' shared difficulty cancels out of the difference (`compare.paired_bootstrap`).

# %%
head = SUB.train_head(split.x_train, split.dist_train, seed=0)
pred = predict(head, split.x_test)
naive = naive_prediction(split.dist_train, len(pred))
gap = paired_bootstrap(metrics.emd, naive, pred, split.dist_test, n_boot=1000, seed=0)
print(f"EMD: head {fmt(metrics.emd(pred, split.dist_test))}, naive {fmt(metrics.emd(naive, split.dist_test))}")
print(f"head minus naive: {gap}")
print("the head is clearly better on these photos" if gap.high < 0 else "not clearly better yet: see the warning at the top")

# %%
means = pred @ np.arange(1, pred.shape[1] + 1)
true = split.dist_test @ np.arange(1, split.dist_test.shape[1] + 1)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(true, means, s=6, alpha=0.6)
ax.set(xlabel="raters' mean score", ylabel="predicted mean score", title=f"SRCC {fmt(metrics.srcc(means, true))}")
plt.show()

# %% [markdown]
# ## 4. Run the public tests

# %%
import subprocess

run = subprocess.run([sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", str(ROOT / "assignments" / "a2_nima"),
                      "--submission", str(resolve_submission("a2_nima"))], cwd=ROOT, capture_output=True, text=True)
print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])

# %% [markdown]
# ## Going further
# - Train with r = 1 instead of 2: does the head still beat the baseline on EMD r = 2?
# - Replace the hand-crafted features by a frozen backbone's pooled features (notebook 05) and
#   watch what 1,280 features do to a head trained on a few hundred photos.
