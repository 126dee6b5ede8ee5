"""Notebook 05's target comparison at a longer budget: the one-column DCNN with the regression head
against the same CNN with the binary head, three seeds each, trained for ``--epochs`` instead of the
notebook's 2, then compared the way notebook 05 compares its 2-epoch runs (SRCC of the predicted
mean or of P(good) on the 950 studio test photos, averaged over the seeds, paired bootstrap, and
:func:`aesthetics_lib.ablation.seed_aware_verdict` against the seed luck measured within each head).

Each run is ``course_weights.train_weights`` on the zoo variant's config (``dcnn_regression``,
``dcnn_binary``, ``dcnn_{head}_seed{1,2}``) with ``epochs`` overridden, one epoch per call, so a
stopped run resumes exactly from its ``last.pt``; the run folders are
``runs/weights/<variant>-<config hash>-<code hash>``, the names a zoo variant with that budget would
get. Run it with one thread per process (``OMP_NUM_THREADS=1``); ``--jobs 2`` trains two runs at once.

    OMP_NUM_THREADS=1 python benchmarks/target_budget.py --epochs 24 --jobs 2
    python benchmarks/target_budget.py --epochs 24 --evaluate benchmarks/results/target_budget_e24.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib.training.config import TrainConfig  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

HEADS: tuple[str, ...] = ("regression", "binary")
SEEDS: tuple[int, ...] = (0, 1, 2)


def variant(head: str, seed: int) -> str:
    """The zoo variant of notebook 05 with this head and seed."""
    return f"dcnn_{head}" + (f"_seed{seed}" if seed else "")


def train(name: str, cfg: TrainConfig) -> None:
    """Train ``cfg`` in run ``name``'s folder (:func:`course_weights.run_folder`) to its epochs, one
    resumable epoch per :func:`course_weights.train_weights` call, logging each."""
    epochs = cfg.epochs
    while True:
        out, seconds = cw.train_weights(name, cfg, epochs=1)
        history = json.loads((out / "history.json").read_text()) if (out / "history.json").is_file() else []
        if history:
            print(f"{time.strftime('%H:%M:%S')} {name}: epoch {len(history)}/{epochs}, "
                  f"val SRCC {history[-1].get('val_srcc') or 0:.4f} ({seconds:.0f} s)", flush=True)
        if len(history) >= epochs:
            return


def train_all(epochs: int, jobs: int) -> None:
    """Train every head and seed, ``jobs`` runs at once (each in its own process)."""
    names = [variant(h, s) for s in SEEDS for h in HEADS]
    pending, running = list(names), []
    while pending or running:
        running = [p for p in running if p.poll() is None]
        while pending and len(running) < jobs:
            cmd = [sys.executable, __file__, "--epochs", str(epochs), "--train-one", pending.pop(0)]
            running.append(subprocess.Popen(cmd, cwd=ROOT))
        time.sleep(2)


def evaluate(epochs: int, out: Path, n_boot: int = 1000) -> dict[str, Any]:
    """Notebook 05's comparison on the runs' ``best.pt``: per-seed test SRCC, the paired difference of
    the seed averages (regression minus binary), the seed noise and the verdict. JSON to ``out``."""
    import numpy as np

    from aesthetics_lib import metrics
    from aesthetics_lib.ablation import pooled_seed_sd, seed_aware_verdict, seed_noise, seed_srcc
    from aesthetics_lib.compare import paired_bootstrap
    from aesthetics_lib.inference import Predictor

    scores: dict[str, list[np.ndarray]] = {h: [] for h in HEADS}
    runs: dict[str, str] = {}
    ids = truth = None
    for seed in SEEDS:
        for head in HEADS:
            name = variant(head, seed)
            run = cw.run_folder(name, course_config(name, overrides={"epochs": epochs}))
            if not (run / "best.pt").is_file():
                raise FileNotFoundError(f"{run}/best.pt: train it first (--epochs {epochs})")
            predictor = Predictor.from_checkpoint(run / "best.pt", device="cpu")
            dataset = predictor.open_split("test")
            p = predictor.predict(dataset)
            if ids is None:
                ids, truth = list(p.image_id), dataset.means()
            elif list(p.image_id) != ids:
                raise ValueError(f"{name}: its test photos are not in the first run's order")
            scores[head].append(np.asarray(p.mean if head == "regression" else p.prob_good, dtype=float))
            runs[name] = run.name
    per_seed = {h: [float(metrics.srcc(s, truth)) for s in scores[h]] for h in HEADS}
    stacked = {h: np.stack(scores[h], axis=1) for h in HEADS}
    effect = paired_bootstrap(seed_srcc, stacked["binary"], stacked["regression"], truth, n_boot=n_boot)
    noise = seed_noise(pooled_seed_sd(per_seed), len(SEEDS))
    seed0 = paired_bootstrap(metrics.srcc, scores["binary"][0], scores["regression"][0], truth, n_boot=n_boot)
    result = {
        "epochs": epochs, "runs": runs, "test_photos": len(ids),
        "test_srcc_per_seed": {h: [round(v, 4) for v in per_seed[h]] for h in HEADS},
        "test_srcc_mean": {h: round(float(np.mean(per_seed[h])), 4) for h in HEADS},
        "regression_minus_binary_seed0": str(seed0),
        "regression_minus_binary_mean3": str(effect),
        "seed_noise": round(noise, 4),
        "verdict": seed_aware_verdict(effect, noise),
    }
    print(json.dumps(result, indent=1), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, required=True, help="the budget of every run")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at once")
    parser.add_argument("--evaluate", type=Path, help="compare the finished runs; JSON to this file")
    parser.add_argument("--train-one", help="(child) train this variant")
    args = parser.parse_args(argv)
    if args.train_one:
        train(args.train_one, course_config(args.train_one, overrides={"epochs": args.epochs}))
    elif args.evaluate:
        evaluate(args.epochs, args.evaluate)
    else:
        train_all(args.epochs, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
