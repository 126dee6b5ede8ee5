"""One-seed pilots of the layout variant against its seed 0 with the same budget, with the seed noise.

Each pilot changes one thing in ``zoo._LAYOUT`` (12 epochs, seed 0) and is exported with
:func:`aesthetics_lib.course_weights.export_weights` into ``--pilots`` under its own name. On the 950
test photos the script scores every pilot, the reference (``multipatch_layout`` in ``--reference``,
by default the shipped weights, with ``_seed1`` and ``_seed2`` beside it for the seed noise) and SPP (seed 0, shipped), and writes
``benchmarks/results/layout_pilots.{json,md}``: each pilot's test SRCC with its interval and share of
the noise ceiling, and its paired SRCC and MSE difference from the reference over the photos. One
run against one run differs by seed luck alone by up to
:func:`~aesthetics_lib.ablation.seed_noise` (the reference's three seeds give the SD), so a pilot
counts as better only when its interval excludes 0 **and** its lead exceeds that noise
(:func:`~aesthetics_lib.ablation.seed_aware_verdict`). A pilot that passes is worth three seeds.

    python benchmarks/layout_pilots.py --pilots DIR layout_p80 layout_n8 layout_avg layout_l64
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.ablation import pooled_seed_sd, seed_aware_verdict, seed_noise  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.notebook import fmt  # noqa: E402
from layout_seeds import ARMS, aligned_scores, run_summary  # noqa: E402

SEEDS = ARMS["layout"]

OUT = ROOT / "benchmarks" / "results" / "layout_pilots"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=None,
                        help="folder of the layout variant's three 12-epoch seeds (default: the shipped ones in weights/)")
    parser.add_argument("--pilots", type=Path, required=True, help="folder of the exported pilots")
    parser.add_argument("names", nargs="+", help="the pilots' names in that folder")
    args = parser.parse_args()
    preds, records, t, _ = aligned_scores({**{n: (n, args.reference) for n in SEEDS}, "spp": ("spp", None),
                                           **{n: (n, args.pilots) for n in args.names}})
    ceiling = float(records["spp"]["test"]["noise_ceiling_srcc"])
    fns = {"srcc": metrics.srcc, "mse": lambda p, y: -metrics.mse(p, y)}  # > 0: the pilot better
    noise = {m: seed_noise(pooled_seed_sd([[fn(preds[n], t) for n in SEEDS]]), 1) for m, fn in fns.items()}
    rows = []
    for name in [SEEDS[0], "spp", *args.names]:
        record, summary = records[name], run_summary(preds[name], t)
        row = {"run": name, "model_kwargs": record["config"]["model_kwargs"], "epochs": record["epochs"], "best_epoch": record["best_epoch"],
               "train_seconds": record["train_seconds"], "test SRCC": summary["test SRCC"], "95 % CI": summary["95 % CI"],
               "share of ceiling": summary["test SRCC"] / ceiling}
        if name in args.names:
            for m, fn in fns.items():
                d = paired_bootstrap(fn, preds[SEEDS[0]], preds[name], t, n_boot=1000)
                row[f"{m} minus reference"] = {"difference": d.difference, "95 % CI": list(d.ci), "seed noise": noise[m],
                                               "verdict": seed_aware_verdict(d, noise[m])}
        rows.append(row)
    result = {"test_photos": len(t), "noise_ceiling_srcc": ceiling, "reference": SEEDS[0], "seed_noise": noise, "runs": rows}
    OUT.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = ["# One-seed pilots of the layout variant on the 950 test photos (`benchmarks/layout_pilots.py`)", "",
             f"Reference: `{SEEDS[0]}` (12 epochs, seed 0). Seed noise of one run against one run (from its three seeds): "
             f"SRCC {fmt(noise['srcc'])}, MSE {fmt(noise['mse'])}. Noise ceiling {fmt(ceiling)}.", "",
             "| run | model_kwargs changed from the reference | best epoch | test SRCC [95 % CI] | / ceiling | SRCC minus reference [95 % CI] | "
             "MSE lower by [95 % CI] | verdict (SRCC) |",
             "|---|---|---|---|---|---|---|---|"]
    reference = rows[0]["model_kwargs"]
    for r in rows:
        k = r["model_kwargs"]
        changed = ("" if r["run"] == "spp" else "(the reference)" if r["run"] == SEEDS[0] else
                   ", ".join(f"{key} {k.get(key)}" for key in sorted(set(k) | set(reference)) if k.get(key) != reference.get(key)))
        s, m = r.get("srcc minus reference"), r.get("mse minus reference")
        lines.append(f"| `{r['run']}` | {changed} | {r['best_epoch']} of {r['epochs']} | {fmt(r['test SRCC'])} {fmt(r['95 % CI'])} | "
                     f"{r['share of ceiling']:.2f} | " + (f"{fmt(s['difference'])} {fmt(s['95 % CI'])} | {fmt(m['difference'])} "
                                                          f"{fmt(m['95 % CI'])} | {s['verdict']} |" if s else "| | |"))
    OUT.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
