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
# # Assignment 3 · An idea of your own in a course model, measured in an ablation
#
# Notebook 09 changed one part of the final model at a time and asked whether the change mattered,
# with several seeds and paired intervals, and found that most changes were within noise. Now it is
# your idea's turn. Choose **one** kind:
#
# - `KIND = "fusion"`: a new way for the saliency map to enter the final model `sgfm_lite0`. Your
#   `SaliencyFusion(channels)` takes the place of SGFM: `forward(x, s)` with `x` `[B, C, h, w]` and
#   the saliency `s` `[B, 1, h, w]`, returning a map of x's shape;
# - `KIND = "pattern"`: a ninth composition pattern for SAMP-Net (`sampnet`, notebook 08).
#   `pattern_masks(h, w)` returns its partitions as a bool tensor `[n, h, w]`.
#
# Then write `run_ablation`, the measurement: train the original head and yours with each seed, and
# report each seed's SRCC, the paired interval of the seed-averaged difference, the seed noise and a
# verdict (the rule of notebook 09). The contract is in the docstrings of `submission.py`.
#
# **How it is graded**: your module must keep its contract (shapes, gradients, determinism, a
# parameter budget, and it must use the saliency or be a new pattern), and your measurement must be
# right: the hidden tests compare it with an independent computation and check that the interval is
# paired. **Your idea does not have to win**: an honest "no clear difference" gets full marks.
#
# How the runs work: the course model's backbone is frozen and its maps are computed once; each run
# trains everything after the backbone, from scratch, on the practice photos, for a fixed number of
# epochs, and predicts held-out photos. `harness.ablation_setup` gives you `train_and_predict(arm,
# seed)`.

# %%
import sys
from pathlib import Path

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "assignments" / "__init__.py").is_file())
sys.path.insert(0, str(ROOT))

import matplotlib.pyplot as plt
import numpy as np
import torch

from aesthetics_lib.notebook import fmt, print_table, setup_notebook
from assignments.a3_ablation.harness import ablation_setup, check_masks, submission_kind
from assignments.loader import load_submission, resolve_submission

setup_notebook()

# %%
SUB = load_submission(resolve_submission("a3_ablation"), "a3_ablation", fresh=True)
KIND = submission_kind(SUB)
print("your kind:", KIND)

# %% [markdown]
# ## 1. Your module on its own
# For a fusion: what does it do to a map, for a flat saliency and for a salient corner? For a pattern:
# what do its partitions look like on SAMP-Net's fine grid?

# %%
if KIND == "fusion":
    module = SUB.SaliencyFusion(64).eval()
    x = torch.randn(1, 64, 6, 6, generator=torch.Generator().manual_seed(0))
    corner = torch.zeros(1, 1, 6, 6)
    corner[..., :3, :3] = 1.0
    with torch.no_grad():
        rows = [{"saliency": name, "output / input (mean)": float((module(x, s) / x).mean()),
                 "parameters": sum(p.numel() for p in module.parameters())}
                for name, s in (("flat", torch.zeros(1, 1, 6, 6)), ("salient corner", corner))]
    print_table(rows)
else:
    masks = check_masks(SUB.pattern_masks(32, 32), 32, 32)
    fig, axes = plt.subplots(1, masks.shape[0], figsize=(1.6 * masks.shape[0], 1.8))
    for ax, m in zip(np.atleast_1d(axes), masks):
        ax.imshow(m, cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
    plt.show()

# %% [markdown]
# ## 2. The ablation
# `ablation_setup` computes (once) the course model's frozen maps and gives `train_and_predict`. The
# next cell runs your `run_ablation` with the setup's seeds: a few minutes on a laptop CPU.

# %%
setup = ablation_setup(SUB)
print(setup.description, "· seeds", setup.seeds)
result = SUB.run_ablation(setup.train_and_predict, setup.target, setup.seeds, n_boot=setup.n_boot, seed=0)
print_table([{"arm": arm, "SRCC per seed": fmt(v), "mean": np.mean(v)} for arm, v in result["srcc"].items()])
low, high = result["ci"]
print(f"variant minus original: {fmt(result['difference'])} [{fmt(low)}, {fmt(high)}] (paired 95 % interval) "
      f"· seed noise {fmt(result['seed_noise'])} · verdict: {result['verdict']}")

# %% [markdown]
# ## 3. What the numbers say
# Write two or three sentences, each backed by a number printed above: did your change make a
# difference larger than the seed noise, and how large a difference could this experiment have seen?

# %% [markdown]
# ## 4. Run the public tests

# %%
import subprocess

run = subprocess.run([sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", str(ROOT / "assignments" / "a3_ablation"),
                      "--submission", str(resolve_submission("a3_ablation"))], cwd=ROOT, capture_output=True, text=True)
print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])

# %% [markdown]
# ## Going further
# - More seeds shrink the seed noise as 1/sqrt(seeds): how many would your difference need?
# - Train the backbone too (a full run of `configs/studio_sgfm_lite0.yaml` or `studio_sampnet.yaml`
#   with your module) and see whether the frozen-backbone verdict holds.
