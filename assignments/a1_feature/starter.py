# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 1 · A hand-crafted feature of your own
#
# Notebook 01 measured thirteen classic cues (brightness, colourfulness, edge spread, ...) and found
# each of them weakly related to the raters' scores. Your task: **design one feature of your own**,
# predict which way it goes, and measure it honestly against the course's thirteen, with a bootstrap
# interval.
#
# **What you hand in**: `submission.py` in this folder (the grader collects it as `a1_feature.py`).
# Its docstring states the contract; in short:
#
# - `feature(image)`: a `uint8 [H, W, 3]` photo in, one finite float out; deterministic, inside the
#   `RANGE` you declare, at most 50 ms of CPU time for a 96-pixel photo;
# - `DIRECTION`: your prediction, +1 if a higher value should mean a better photo, -1 if lower;
# - `srcc_table(features, scores)`: each feature's SRCC with the scores, with the interval of
#   `aesthetics_lib.metrics.bootstrap_ci`, largest `|SRCC|` first.
#
# **How it is graded**: public tests (`python -m pytest assignments/a1_feature`, run them as often as
# you like) and hidden tests on studio photos you have not seen. The hidden tests ask for real
# signal: on the fresh photos the 95 % interval of SRCC(`DIRECTION * feature`, score) must lie above
# 0, and the feature must not rank the photos like one of the course's features (|SRCC| < 0.95).
#
# **Workflow**: edit `submission.py`, then re-run this notebook from the top (the second cell imports
# your file again).

# %%
import sys
from pathlib import Path

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "assignments" / "__init__.py").is_file())
sys.path.insert(0, str(ROOT))

import matplotlib.pyplot as plt
import numpy as np

from aesthetics_lib.notebook import fmt, print_table, setup_notebook
from aesthetics_lib.viz import show_images
from assignments.a1_feature.harness import measure
from assignments.data import studio_set
from assignments.loader import load_submission, resolve_submission

setup_notebook()

# %%
SUB = load_submission(resolve_submission("a1_feature"), "a1_feature", fresh=True)
print("your feature:", SUB.NAME, "· direction:", SUB.DIRECTION, "· range:", SUB.RANGE)

# %% [markdown]
# ## 1. The practice photos
# The assignment's photos come from the course studio, in AVA's layout: about 200 simulated votes per
# photo on a 1-10 scale. Here are a few, from the lowest to the highest mean score. Before you write
# any code, look at them: what separates the good ones from the bad ones?

# %%
practice = studio_set("practice")
order = np.argsort(practice.mean, kind="stable")  # ties in file order: the same photos on every CPU
pick = order[np.linspace(0, len(order) - 1, 8).astype(int)]
images = practice.images()
fig = show_images([images[i] for i in pick], titles=[f"score {fmt(practice.mean[i])}" for i in pick], ncols=8, size=1.5)
plt.show()

# %% [markdown]
# ## 2. Your feature on every practice photo
# `measure` runs the course's features and yours (column `yours`) over the practice photos, next to
# the raters' mean score. It stops with a message naming the photos where your feature failed.

# %%
table = measure(SUB.feature, "practice")
print(len(table), "photos · your feature from", fmt(table["yours"].min()), "to", fmt(table["yours"].max()))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(table["yours"], table["score"], s=6, alpha=0.5)
ax.set(xlabel=f"{SUB.NAME}", ylabel="mean score", title="your feature against the score")
plt.show()

# %% [markdown]
# ## 3. The measurement: SRCC with a bootstrap interval, next to the course's features

# %%
srcc = SUB.srcc_table(table.drop(columns="score"), table["score"].to_numpy(), n_boot=1000, seed=0)
print_table([{"feature": name, **row} for name, row in srcc.iterrows()])
rank = list(srcc.index).index("yours") + 1
print(f"your feature ranks {rank} of {len(srcc)} by |SRCC| on the practice photos")

# %% [markdown]
# ## 4. Check your prediction
# You committed to `DIRECTION` before measuring. Did the practice photos agree, and clearly?

# %%
r, low, high = srcc.loc["yours", ["srcc", "low", "high"]]
signed = (SUB.DIRECTION * low, SUB.DIRECTION * high)
if min(signed) > 0:
    print(f"SRCC {fmt(r)} [{fmt(low)}, {fmt(high)}]: the interval agrees with your DIRECTION")
elif max(signed) < 0:
    print(f"SRCC {fmt(r)} [{fmt(low)}, {fmt(high)}]: the interval says the opposite of your DIRECTION")
else:
    print(f"SRCC {fmt(r)} [{fmt(low)}, {fmt(high)}]: the interval includes 0, no clear direction yet")

# %% [markdown]
# ## 5. Run the public tests
# The same tests the grader runs first (the hidden ones come after). `passed` on every line is the
# goal; a failure says what to fix.

# %%
import subprocess

run = subprocess.run([sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", str(ROOT / "assignments" / "a1_feature"),
                      "--submission", str(resolve_submission("a1_feature"))], cwd=ROOT, capture_output=True, text=True)
print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])

# %% [markdown]
# ## Going further
# - Which studio factors does your feature track? `aesthetics_lib.data.studio.read_factors` reads the
#   ground truth of every practice photo (`studio_set("practice").root`).
# - A feature with a rise-and-fall relation to the score (too dark is bad, too bright is bad) can have
#   an SRCC near 0 and still carry signal: notebook 01's gradient boosting shows how to use it.
