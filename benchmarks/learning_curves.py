"""Learning curves of the course models over training-set size and input resolution.

Which lever limits the course models on the studio: the number of training photos, or the input
resolution? Each *arm* trains one course config (``configs/studio_<model>.yaml``) with one change and
is evaluated on the course studio's own test split (9,497 photos, seed 0: 950 test photos), so every
arm is scored on the same photos as the shipped course weights:

- **training-set size**: a studio of another size, drawn with another seed (``studio_seed=1``, so its
  photos are new draws from the same distribution, none of them in the course test split). The
  number of epochs stays the config's, so smaller sets also mean fewer images seen;
- **input resolution**: the course studio at another ``size`` (the studio is rendered with a long
  side of 160 px, so 160 is the most any input can hold).

The reference point of each model is its shipped course weights (``weights/<model>.json``), trained on
the course studio itself. Runs go to ``runs/learning_curves/<arm>/`` (resumable: run the script again
to continue an interrupted arm; a finished arm is only re-evaluated); results to
``benchmarks/results/learning_curves.json`` and ``.md``.

Run: ``python benchmarks/learning_curves.py [--arms NAME ...] [--list]``. One seed per arm, 2 CPU
threads: hours in all (see benchmarks/README.md for the wall times measured). Introduced in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

# runnable as a script from the repository root
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.course_weights import find_weights  # noqa: E402
from aesthetics_lib.data.studio import STUDIO_N  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402
from aesthetics_lib.training.build import build_datasets  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

#: arm name -> (course model, config overrides, what the arm changes), cheapest first
ARMS: dict[str, tuple[str, dict[str, Any], str]] = {
    "dcnn-n0.25": ("dcnn", {"studio_n": 2374, "studio_seed": 1}, "1/4 of the photos"),
    "dcnn-n0.5": ("dcnn", {"studio_n": 4748, "studio_seed": 1}, "1/2 of the photos"),
    "sgfm_lite0-n0.25": ("sgfm_lite0", {"studio_n": 2374, "studio_seed": 1}, "1/4 of the photos"),
    "sgfm_lite0-n0.5": ("sgfm_lite0", {"studio_n": 4748, "studio_seed": 1}, "1/2 of the photos"),
    "dcnn-n2": ("dcnn", {"studio_n": 2 * STUDIO_N, "studio_seed": 1}, "twice the photos"),
    "sgfm_lite0-96px": ("sgfm_lite0", {"size": 96}, "96 px input"),
    "dcnn-96px": ("dcnn", {"size": 96, "local_size": 96}, "96 px input (both columns)"),
    "sgfm_lite0-n2": ("sgfm_lite0", {"studio_n": 2 * STUDIO_N, "studio_seed": 1}, "twice the photos"),
    "sgfm_lite0-160px": ("sgfm_lite0", {"size": 160}, "160 px input"),
}
RUNS = ROOT / "runs" / "learning_curves"
RESULTS = ROOT / "benchmarks" / "results"
N_BOOT = 1000


def _set_args(overrides: dict[str, Any]) -> list[str]:
    return [a for k, v in overrides.items() for a in ("--set", f"{k}={v}")]


def train_arm(arm: str) -> float:
    """Train (or finish) one arm in its run folder; returns the wall seconds this call spent."""
    model, overrides, _ = ARMS[arm]
    return train_run(model, overrides, RUNS / arm)


def run_finished(out: Path, model: str, epochs: int | None = None) -> bool:
    """Whether run folder ``out`` has trained every epoch of course config ``studio_<model>`` (or
    ``epochs``, when the run overrides the config's number)."""
    history = out / "history.json"
    return (out / "last.pt").exists() and history.exists() and \
        json.loads(history.read_text())[-1]["epoch"] >= (epochs or course_config(model).epochs)


def train_run(model: str, overrides: dict[str, Any], out: Path) -> float:
    """Train (or finish) course config ``studio_<model>`` with ``overrides`` in run folder ``out``, with
    the ``train`` command in a subprocess; returns the wall seconds this call spent."""
    cmd = [sys.executable, "-m", "aesthetics_lib", "train", "--config", f"studio_{model}", "--out", str(out),
           *_set_args(overrides)]
    if (out / "last.pt").exists():
        cmd.append("--resume")
    elif out.exists() and not any(out.glob("*.pt")):  # stopped before its first epoch ended: start again
        cmd.append("--force")
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "CI": "1", "HF_HUB_OFFLINE": "1"})
    return time.perf_counter() - start


def evaluate_arm(arm: str) -> dict[str, Any]:
    """Test metrics (95 % intervals) of the arm's best checkpoint on the course studio's test split."""
    model, overrides, change = ARMS[arm]
    predictor = Predictor.from_checkpoint(RUNS / arm / "best.pt", device="cpu", batch_size=8)
    info = predictor.checkpoint
    course = course_config(model)  # the course studio: the same 950 test photos for every arm
    test = build_datasets(info.config.replace(studio_n=course.studio_n, studio_seed=course.studio_seed),
                          splits=("test",))[2]
    pred = predictor.predict(test)
    ev = metrics.evaluate_predictions(pred.dist if pred.dist is not None else None, test.targets(),
                                      predictor.threshold, ci=True, n_boot=N_BOOT,
                                      pred_mean=pred.mean, true_mean=test.means())
    # the run folder's history: best.pt's own copy ends at the best epoch
    history = json.loads((RUNS / arm / "history.json").read_text())
    train_n = len(build_datasets(info.config, splits=("train",))[0])
    return {
        "arm": arm, "model": model, "change": change, "overrides": overrides,
        "epochs": len(history), "best_epoch": info.best.get("epoch"),
        "train_photos": train_n,
        "val_srcc": info.best.get("srcc"),
        "test_srcc": ev["srcc"], "test_srcc_ci": list(ev["srcc_ci"]),
        "test_mse": ev["mse"], "test_mse_ci": list(ev["mse_ci"]),
        "wall_s": float(sum(float(r.get("seconds") or 0.0) for r in history)),
    }


def reference(model: str) -> dict[str, Any] | None:
    """The shipped course weights' record: the 1x, course-resolution point of the curve."""
    w = find_weights(model)
    if w is None:
        return None
    rec = w.record
    test = rec["test"]
    return {"arm": f"{model} (course weights)", "model": model, "change": "none: the course weights",
            "test_srcc": test["srcc"], "test_srcc_ci": list(test["srcc_ci"]),
            "test_mse": test["mse"], "test_mse_ci": list(test["mse_ci"]),
            "epochs": rec["epochs"], "best_epoch": rec["best_epoch"], "val_srcc": rec["val"]["srcc"],
            "wall_s": rec["train_seconds"]}


def _ci(v: float, ci: list[float]) -> str:
    return f"{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def write(rows: list[dict[str, Any]]) -> None:
    """``learning_curves.json`` and a Markdown table under benchmarks/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "learning_curves.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = ["| arm | change | training photos | epochs (best) | val SRCC | test SRCC [95 % CI] | test MSE [95 % CI] | wall |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        best = f"{r['epochs']} ({r['best_epoch']})" if "best_epoch" in r else str(r.get("epochs"))
        val = f"{r['val_srcc']:.3f}" if r.get("val_srcc") is not None else ""
        wall = f"{r['wall_s'] / 60:.1f} min" if r.get("wall_s") else ""
        photos = f"{r['train_photos']:,}" if r.get("train_photos") else "7,692"
        lines.append(f"| `{r['arm']}` | {r['change']} | {photos} | {best} | {val} | {_ci(r['test_srcc'], r['test_srcc_ci'])} | "
                     f"{_ci(r['test_mse'], r['test_mse_ci'])} | {wall} |")
    (RESULTS / "learning_curves.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arms", nargs="*", default=list(ARMS), help="arms to run (default: all, in order)")
    parser.add_argument("--list", action="store_true", help="list the arms and stop")
    args = parser.parse_args(argv)
    if args.list:
        for name, (model, overrides, change) in ARMS.items():
            print(f"{name:20s} {model:12s} {change:28s} {overrides}")
        return
    unknown = [a for a in args.arms if a not in ARMS]
    if unknown:
        parser.error(f"unknown arm(s) {unknown}; known: {list(ARMS)}")
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    done_file = RESULTS / "learning_curves.json"
    rows = {r["arm"]: r for r in json.loads(done_file.read_text())} if done_file.exists() else {}
    for model in sorted({ARMS[a][0] for a in args.arms}):
        ref = reference(model)
        if ref is not None:
            rows[ref["arm"]] = ref
    failed = []
    for arm in args.arms:
        try:
            train_arm(arm)
            rows[arm] = evaluate_arm(arm)
        except Exception as exc:  # keep going; report every failed arm at the end
            failed.append(f"{arm}: {type(exc).__name__}: {exc}")
            continue
        write([rows[k] for k in sorted(rows)])
    if failed:
        print("failed arms:\n  " + "\n  ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
