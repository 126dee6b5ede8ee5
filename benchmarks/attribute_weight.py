"""The attribute loss's weight in the final model: does more weight on the attributes teach the score?

The final model (``sgfm_lite0``) hardly tracks some terms of the studio's true quality: harmony,
contrast, balance, repetition (``benchmarks/results/multilevel.md``). The studio's attribute labels
are close readings of exactly those terms (``aesthetics_lib.data.studio.labels``: ``ColorHarmony``
is the harmony factor, ``Light`` the exposure and contrast terms, ``RuleOfThirds`` the placement
term, each with a jitter of SD 0.08), and the final model predicts them with a head of its own, but
its loss gives them a weight of 0.1 (the seed project's 1.0 EMD + 0.2 rank + 0.1 attribute MSE).
This script trains the final model's config with a larger attribute weight (``--weight``, default
1.0) and nothing else changed, for each training seed of ``--seeds``, and compares it on the course
studio's 950 test photos with the final model trained with the same seed and weight 0.1 (seed 0:
the course weights of commit ``multilevel.AFTER``, the last trained with 0.1; seeds 1 and 2: the
runs of ``benchmarks/multilevel.py --seeds 1 2``, trained here when missing). The course config has
weighed the attributes 1.0 since this study; the shipped weights come from that config.

- per seed, the test SRCC of both and their paired difference (bootstrap over the photos);
- over the seeds, the SRCC of the seed-averaged scores of each side and their paired difference;
- the SRCC of each side's scores with every quality term, averaged over the seeds.

Run folders: ``runs/attribute_weight/<arm>/`` (outside git; resumable; about 12 minutes per run on 2
CPU cores). Results: ``benchmarks/results/attribute_weight_w<weight>.json`` and ``.md``. Run:
``python benchmarks/attribute_weight.py [--weight 1.0] [--seeds 0 1 2]``.
Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

# runnable as a script from the repository root
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.ablation import seed_srcc  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.data.studio import QUALITY_TERMS, quality_terms, read_factors  # noqa: E402
from aesthetics_lib.training.build import resolve_data  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402
from learning_curves import run_finished, train_run  # noqa: E402
from multilevel import RUNS as MULTILEVEL_RUNS  # noqa: E402
from multilevel import AFTER, STUDY_SETTINGS, seed_arm, test_scores, test_targets, weights_at  # noqa: E402

RUNS = ROOT / "runs" / "attribute_weight"
OUT = ROOT / "benchmarks" / "results"
N_BOOT = 1000


def baseline_checkpoint(seed: int) -> Path:
    """The final model's config with attribute weight 0.1 trained with ``seed``: for seed 0 the
    course weights of commit ``multilevel.AFTER`` (written into ``RUNS``), else the run of
    ``benchmarks/multilevel.py`` (trained here when missing)."""
    if seed == 0:
        RUNS.mkdir(parents=True, exist_ok=True)
        return weights_at(AFTER, "sgfm_lite0", RUNS)
    name, overrides = seed_arm(True, seed)
    run = MULTILEVEL_RUNS / name
    if not run_finished(run, "sgfm_lite0", STUDY_SETTINGS["epochs"]):
        print(f"training {name} ...", flush=True)
        train_run("sgfm_lite0", overrides, run)
    return run / "best.pt"


def arm_checkpoint(weight: float, seed: int) -> Path:
    """The final model's config with attribute weight ``weight`` and ``seed`` (trained when missing)."""
    run = RUNS / f"sgfm_lite0-attr{weight:g}-seed{seed}"
    if not run_finished(run, "sgfm_lite0", STUDY_SETTINGS["epochs"]):
        print(f"training {run.name} ...", flush=True)
        train_run("sgfm_lite0", {**STUDY_SETTINGS, "seed": seed, "loss_attributes": weight}, run)
    return run / "best.pt"


def _ci(v: float, lo: float, hi: float) -> str:
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def study(weight: float, seeds: list[int]) -> dict[str, Any]:
    """Train what is missing, score both sides per seed, and compare them (module docstring)."""
    target = test_targets()
    base, arm, ids0 = [], [], None
    for seed in seeds:
        b, ids_b = test_scores(baseline_checkpoint(seed))
        a, ids_a = test_scores(arm_checkpoint(weight, seed))
        if ids_b != ids_a or (ids0 is not None and ids_a != ids0):
            raise ValueError(f"seed {seed}: the two sides were scored on different test photos")
        ids0 = ids_a
        base.append(b)
        arm.append(a)
    rows = []
    for seed, b, a in zip(seeds, base, arm):
        d = paired_bootstrap(metrics.srcc, b, a, target, n_boot=N_BOOT)
        rows.append({"seed": seed, "baseline": metrics.srcc(b, target), "arm": metrics.srcc(a, target),
                     "difference": [d.difference, d.low, d.high, d.verdict]})
    b_all, a_all = np.stack(base, axis=1), np.stack(arm, axis=1)
    d = paired_bootstrap(seed_srcc, b_all, a_all, target, n_boot=N_BOOT)
    factors = read_factors(resolve_data(course_config("sgfm_lite0")).root).set_index("image_id").loc[ids0]
    terms = quality_terms(factors)
    per_term = [{"term": t,
                 "baseline": float(np.mean([metrics.srcc(b, terms[t]) for b in base])),
                 "arm": float(np.mean([metrics.srcc(a, terms[t]) for a in arm]))} for t in QUALITY_TERMS]
    return {"weight": weight, "seeds": seeds, "per_seed": rows,
            "mean_baseline": seed_srcc(b_all, target), "mean_arm": seed_srcc(a_all, target),
            "mean_difference": [d.difference, d.low, d.high, d.verdict], "terms": per_term}


def result_path(weight: float, suffix: str) -> Path:
    """Where the results of the arm with attribute weight ``weight`` go (``suffix``: ``.json`` or ``.md``)."""
    return OUT / f"attribute_weight_w{weight:g}{suffix}"


def write(result: dict[str, Any]) -> None:
    """:func:`result_path` ``.json`` and ``.md`` of the result's weight."""
    OUT.mkdir(parents=True, exist_ok=True)
    w = result["weight"]
    result_path(w, ".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [f"# Attribute loss weight {w:g} against 0.1 in the final model ({result['machine']})", "",
             "| seed | test SRCC, weight 0.1 | test SRCC, weight " + f"{w:g}" + " | difference [paired 95 % CI] |",
             "|---|---|---|---|"]
    lines += [f"| {r['seed']} | {r['baseline']:.3f} | {r['arm']:.3f} | {r['difference'][0]:+.3f} "
              f"[{r['difference'][1]:+.3f}, {r['difference'][2]:+.3f}] ({r['difference'][3]}) |" for r in result["per_seed"]]
    md = result["mean_difference"]
    lines += ["", f"Seed-averaged scores over seeds {', '.join(map(str, result['seeds']))}: weight 0.1 "
              f"{result['mean_baseline']:.3f}, weight {w:g} {result['mean_arm']:.3f}; difference {md[0]:+.3f} "
              f"[{md[1]:+.3f}, {md[2]:+.3f}] ({md[3]}; paired bootstrap over the photos).", "",
              "SRCC of the scores with each quality term (mean over the seeds):", "",
              f"| quality term | weight 0.1 | weight {w:g} |", "|---|---|---|"]
    lines += [f"| {t['term']} | {t['baseline']:.3f} | {t['arm']:.3f} |" for t in result["terms"]]
    result_path(w, ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weight", type=float, default=1.0, help="attribute loss weight of the arm (default 1.0)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = study(args.weight, args.seeds)
    result["machine"] = f"{platform.processor() or platform.machine()}, {args.threads} CPU threads, torch {torch.__version__}"
    write(result)
    print(result_path(args.weight, ".md").read_text())


if __name__ == "__main__":
    main()
