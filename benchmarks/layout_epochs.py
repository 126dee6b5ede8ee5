"""The layout variant trained 24 epochs instead of 12: does a bigger budget lift it to 0.65 of the ceiling?

Notebook 06's multi-patch family sits at 0.48-0.54 of the noise ceiling, below the course's goal of
0.65 for every deep model; the layout variant (``models/multipatch_layout.py``) reached 0.59-0.63
with 12 epochs, and its validation SRCC was still rising at the end (``benchmarks/README.md``, "The
layout variant as course weights again"). This script scores two exported sets of its three seeds
(``multipatch_layout``, ``_seed1``, ``_seed2``: ``.pt`` and ``.json`` in each folder, as
:func:`aesthetics_lib.course_weights.export_weights` writes them) on the 950 test photos, and writes
``benchmarks/results/layout_epochs.{json,md}``: every run's test SRCC with its interval and its share
of the noise ceiling, the three-seed comparison of the long budget against the short one
(:func:`aesthetics_lib.ablation.compare_seeds`: paired over the photos, with the seed-noise rule),
over all photos and per elongation bucket, and each long run against SPP (seed 0, shipped).

    python benchmarks/layout_epochs.py --short DIR12 --long DIR24
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.ablation import compare_seeds  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.notebook import fmt  # noqa: E402
from layout_seeds import aligned_scores, run_summary  # noqa: E402

SEEDS = ["multipatch_layout", "multipatch_layout_seed1", "multipatch_layout_seed2"]
OUT = ROOT / "benchmarks" / "results" / "layout_epochs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", type=Path, required=True, help="folder of the 12-epoch exports")
    parser.add_argument("--long", type=Path, required=True, help="folder of the 24-epoch exports")
    args = parser.parse_args()
    runs_by_label = {**{(arm, n): (n, folder) for arm, folder in (("short", args.short), ("long", args.long)) for n in SEEDS},
                     ("spp", "spp"): ("spp", None)}
    preds, records, t, groups = aligned_scores(runs_by_label)
    ceiling = float(records[("spp", "spp")]["test"]["noise_ceiling_srcc"])
    runs = []
    for (arm, name), p in preds.items():
        record, summary = records[(arm, name)], run_summary(p, t)
        runs.append({"arm": arm, "run": name, "epochs": record.get("epochs"), "best_epoch": record.get("best_epoch"),
                     "train_seconds": record.get("train_seconds"), "test SRCC": summary["test SRCC"], "95 % CI": summary["95 % CI"],
                     "share of ceiling": summary["test SRCC"] / ceiling, "MSE": summary["MSE"]})
    short = np.stack([preds[("short", n)] for n in SEEDS], axis=1)
    long = np.stack([preds[("long", n)] for n in SEEDS], axis=1)
    comparisons = [{"photos": r.group, "metric": r.metric, "long better by": r.d.difference, "95 % CI": list(r.d.ci),
                    "seed noise": r.noise, "verdict": r.verdict} for r in compare_seeds(short, long, t, groups, n_boot=1000)]
    versus_spp = []
    for name in SEEDS:
        d = paired_bootstrap(metrics.srcc, preds[("spp", "spp")], preds[("long", name)], t, n_boot=1000)
        versus_spp.append({"run": name, "SRCC minus SPP": d.difference, "95 % CI": list(d.ci), "verdict": d.verdict})
    result = {"test_photos": len(t), "noise_ceiling_srcc": ceiling, "photos_per_group": {g: int(m.sum()) for g, m in groups.items()},
              "runs": runs, "long_vs_short": comparisons, "long_vs_spp_seed0": versus_spp}
    OUT.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = ["# The layout variant at 12 and 24 epochs on the 950 test photos (`benchmarks/layout_epochs.py`)", "",
             f"Noise ceiling of this test split: {fmt(ceiling)}.", "",
             "| budget | run | best epoch | test SRCC [95 % CI] | / ceiling | MSE |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['arm']} | `{r['run']}` | {r['best_epoch']} of {r['epochs']} | {fmt(r['test SRCC'])} {fmt(r['95 % CI'])} | "
              f"{r['share of ceiling']:.2f} | {fmt(r['MSE'])} |" for r in runs]
    lines += ["", "Three-seed means, 24 epochs minus 12 (> 0: 24 better; MSE: lower):", "",
              "| photos | metric | better by [95 % CI] | seed noise | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {c['photos']} | {c['metric'].upper()} | {fmt(c['long better by'])} {fmt(c['95 % CI'])} | {fmt(c['seed noise'])} | "
              f"{c['verdict']} |" for c in comparisons]
    lines += ["", "Each 24-epoch run minus SPP (seed 0) in SRCC, paired over all photos:", "",
              "| run | SRCC minus SPP's [95 % CI] | verdict |", "|---|---|---|"]
    lines += [f"| `{v['run']}` | {fmt(v['SRCC minus SPP'])} {fmt(v['95 % CI'])} | {v['verdict']} |" for v in versus_spp]
    OUT.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
