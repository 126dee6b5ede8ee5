"""The final model's seed noise: seeds 1 and 2 of ``configs/studio_sgfm_lite0.yaml`` (6 epochs,
everything else the shipped config's) beside the shipped seed 0, on the 950 studio test photos.

Train the runs first (resumable with ``--resume``; about 40 minutes each on one CPU thread, two at
once on 2 cores)::

    python -m aesthetics_lib train --config studio_sgfm_lite0 --set seed=1 --out runs/sgfm_seeds/seed1
    python -m aesthetics_lib train --config studio_sgfm_lite0 --set seed=2 --out runs/sgfm_seeds/seed2
    python benchmarks/sgfm_seeds.py runs/sgfm_seeds/seed1/best.pt runs/sgfm_seeds/seed2/best.pt \\
        --longer benchmarks/results/sgfm_epochs12.json \\
        --against multipatch_layout_lite0 convnextv2_sgfm sampnet --out benchmarks/results/sgfm_seeds.json

It prints and writes each seed's validation SRCC per epoch, test SRCC with its 95 % interval and
share of the noise ceiling (the ceiling of the shipped record), MSE and EMD (as
``sgfm_epochs.py``); the SD of the test SRCC between the seeds; the three-seed mean of the test
SRCC with its 95 % interval over the photos (every seed scored on the same resamples) and its share
of the ceiling; and where each interval lies against the course's goal of 0.8 of the ceiling. With
``--longer FILE`` (``sgfm_epochs.py``'s JSON), the longer run's difference from the shipped seed 0
is set against the seed noise of one run against one (:func:`aesthetics_lib.ablation.seed_noise`).
With ``--against NAME ...`` (course models with shipped weights, e.g. the runner-up of notebook 09's
comparison), each seed minus that model in test SRCC, paired over the photos.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scoring import TestScores, score_test  # noqa: E402
from sgfm_epochs import N_BOOT, _summary, noise_ceiling, write_result  # noqa: E402

from aesthetics_lib import course_weights as cw, metrics  # noqa: E402
from aesthetics_lib.ablation import seed_noise, seed_srcc  # noqa: E402
from aesthetics_lib.compare import interval_side, paired_bootstrap  # noqa: E402

#: The course's goal for the final model, as a share of the noise ceiling.
GOAL = 0.8


def scored_runs(paths: list[Path], ceiling: float, ids: list[str] | None = None,
                reference: Path | None = None) -> tuple[list[dict[str, Any]], list[TestScores]]:
    """Each checkpoint of ``paths`` on its test split: its numbers (``sgfm_epochs.py``'s summary, with
    its training seed and input size) and its scores sorted by image id. Every checkpoint must score
    the same photos (and those of ``ids``, when given: the photos of the checkpoint ``reference``)."""
    reference = reference or paths[0]
    runs, scores = [], []
    for path in paths:
        summary, s = _summary(path, ceiling)
        s = s.by_id()
        ids = s.ids if ids is None else ids
        if s.ids != ids:
            raise ValueError(f"{path}: its test photos differ from {reference}'s")
        summary["seed"], summary["size"] = s.predictor.checkpoint.config.seed, s.predictor.checkpoint.config.size
        runs.append(summary)
        scores.append(s)
    return runs, scores


def _against(name: str, seeds: list[TestScores], ceiling: float) -> dict[str, Any]:
    """Course model ``name`` (its shipped weights) on the same test photos, and each of ``seeds`` minus
    it in SRCC, paired over the photos."""
    weights = cw.find_weights(name)
    if weights is None:
        raise SystemExit(f"no shipped weights for {name!r} in {cw.weights_dir()}: train them with "
                         f"`python -m aesthetics_lib zoo --train {name}`")
    other = score_test(weights.checkpoint).by_id()
    if other.ids != seeds[0].ids:
        raise ValueError(f"{weights.checkpoint}: its test photos differ from the final model's")
    srcc = metrics.srcc(other.pred, other.truth)
    rows = []
    for s in seeds:
        d = paired_bootstrap(metrics.srcc, other.pred, s.pred, s.truth, n_boot=N_BOOT)
        rows.append({"seed": s.predictor.checkpoint.config.seed, "difference": round(d.difference, 5),
                     "ci": [round(d.low, 5), round(d.high, 5)], "verdict": d.verdict})
    return {"test_srcc": round(srcc, 4), "share_of_ceiling": round(srcc / ceiling, 3), "seed_minus_it": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", type=Path, nargs="+", help="the other seeds' best.pt (seed 1, seed 2, ...)")
    parser.add_argument("--shipped", type=Path, default=cw.weights_dir() / "sgfm_lite0.pt")
    parser.add_argument("--longer", type=Path, help="sgfm_epochs.py's JSON (a longer run against the shipped seed 0)")
    parser.add_argument("--against", nargs="*", default=[], metavar="NAME",
                        help="course models (shipped weights) that every seed is paired with, e.g. the runner-up "
                             "of notebook 09's comparison, multipatch_layout_lite0")
    parser.add_argument("--out", type=Path, required=True, help="JSON results")
    args = parser.parse_args(argv)
    ceiling = noise_ceiling(args.shipped)
    bar = GOAL * ceiling
    runs, scores = scored_runs([args.shipped, *args.checkpoints], ceiling)
    for summary in runs:
        summary["against_goal"] = interval_side(bar, *summary["ci"])
    truth = scores[0].truth
    stacked = np.stack([s.pred for s in scores], axis=1)
    mean = seed_srcc(stacked, truth)
    low, high = metrics.bootstrap_ci(seed_srcc, stacked, truth, n_boot=N_BOOT)
    per_seed = [float(metrics.srcc(s.pred, truth)) for s in scores]
    sd = float(np.std(per_seed, ddof=1))
    result = {
        "noise_ceiling": round(ceiling, 4), "goal": f"{GOAL} of the ceiling = {bar:.4f}",
        "runs": runs,
        "seed_sd_test_srcc": round(sd, 5),
        "mean_test_srcc": {"seeds": len(scores), "srcc": round(mean, 4), "ci": [round(low, 4), round(high, 4)],
                           "share_of_ceiling": [round(v / ceiling, 3) for v in (mean, low, high)],
                           "against_goal": interval_side(bar, low, high)},
    }
    if args.longer is not None:
        d = json.loads(args.longer.read_text())["longer_minus_shipped"]["srcc"]
        noise = seed_noise(sd, 1)
        result["longer_minus_shipped"] = {
            "source": str(args.longer), "srcc": d["difference"], "ci": d["ci"],
            "seed_noise_one_run_each": round(noise, 5),
            "within_seed_noise": abs(d["difference"]) <= noise,
        }
    if args.against:
        result["seeds_minus_other_models"] = {name: _against(name, scores, ceiling) for name in args.against}
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
