"""The final model with a longer budget: a run of ``configs/studio_sgfm_lite0.yaml`` with more epochs
(everything else the same; the cosine schedule then runs over all of them) against the shipped
6-epoch course weights, on the 950 studio test photos.

Train the run first (resumable with ``--resume``; about 40 minutes on 2 CPU cores for 12 epochs)::

    python -m aesthetics_lib train --config studio_sgfm_lite0 --set epochs=12 --out runs/sgfm_lite0_ep12
    python benchmarks/sgfm_epochs.py runs/sgfm_lite0_ep12/best.pt --out benchmarks/results/sgfm_epochs12.json

It prints and writes each model's validation SRCC per epoch, test SRCC with its 95 % interval and
share of the noise ceiling (the ceiling of the shipped record), MSE and EMD, and the paired
differences (the longer run minus the shipped weights, bootstrap over the photos). One run against
one run: a difference is the two runs', not yet a fact about the budget (the shipped config's seed
noise at 6 epochs is not measured).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from layout_seeds import run_summary  # noqa: E402
from scoring import score_test  # noqa: E402

from aesthetics_lib import course_weights as cw, metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402

N_BOOT = 1000


def _summary(path: Path, ceiling: float) -> tuple[dict[str, Any], Any]:
    """One checkpoint's test numbers (and its scores, for the paired differences)."""
    s = score_test(path)
    dist, target = s.predictions.dist, s.predictions.target_dist
    summary = run_summary(s.pred, s.truth)
    srcc, (low, high) = summary["test SRCC"], summary["95 % CI"]
    # the whole run's history: the run folder's (best.pt's own stops at its epoch), or the training
    # record of course weights
    run_history, record = path.parent / "history.json", path.with_suffix(".json")
    history = (json.loads(run_history.read_text()) if run_history.is_file()
               else json.loads(record.read_text())["history"])
    val = [h["val_srcc"] for h in history]
    return {"checkpoint": str(path), "epochs": len(history), "best_epoch": val.index(max(val)) + 1,
            "val_srcc": [round(v, 4) for v in val],
            "test_srcc": round(srcc, 4), "ci": [round(low, 4), round(high, 4)],
            "share_of_ceiling": [round(v / ceiling, 3) for v in (srcc, low, high)],
            "mse": round(summary["MSE"], 4), "emd2": round(metrics.emd(dist, target), 5)}, s


def noise_ceiling(weights: Path) -> float:
    """The test split's noise ceiling, from the training record beside course weights ``NAME.pt``."""
    return json.loads(weights.with_suffix(".json").read_text())["test"]["noise_ceiling_srcc"]


def write_result(result: dict[str, Any], out: str | Path | None) -> None:
    """Print ``result`` and write it to ``out`` as JSON (nothing is written when ``out`` is None)."""
    print(json.dumps(result, indent=1))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="the longer run's best.pt")
    parser.add_argument("--shipped", type=Path, default=cw.weights_dir() / "sgfm_lite0.pt")
    parser.add_argument("--out", type=Path, required=True, help="JSON results")
    args = parser.parse_args(argv)
    ceiling = noise_ceiling(args.shipped)
    shipped, a = _summary(args.shipped, ceiling)
    longer, b = _summary(args.checkpoint, ceiling)
    if a.ids != b.ids:
        raise ValueError(f"{args.checkpoint}: its test photos differ from {args.shipped}'s")
    paired = {
        "srcc": paired_bootstrap(metrics.srcc, a.pred, b.pred, a.truth, n_boot=N_BOOT),
        "mse": paired_bootstrap(metrics.mse, a.pred, b.pred, a.truth, n_boot=N_BOOT),
        "emd2": paired_bootstrap(metrics.emd, a.predictions.dist, b.predictions.dist, a.predictions.target_dist, n_boot=N_BOOT),
    }
    result = {"noise_ceiling": round(ceiling, 4), "shipped": shipped, "longer": longer,
              "longer_minus_shipped": {k: {"difference": round(d.difference, 5), "ci": [round(d.low, 5), round(d.high, 5)],
                                           "verdict": d.verdict} for k, d in paired.items()}}
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
