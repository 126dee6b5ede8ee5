"""The backbone's learning rate in the course's fine-tuned Lite0 models: how far should ImageNet move?

The three course models on the ImageNet EfficientNet-Lite0 (``sgfm_lite0``, ``nima``, ``sampnet``)
fine-tuned the backbone at a tenth of the new head's learning rate (1e-4 against 1e-3), the usual
choice when a head is learnt on top of features that already work. But the studio's quality
depends on contrast, exposure, saturation and colour harmony, which features trained to classify
ImageNet photos (under colour and brightness jitter) have no reason to keep, and the final model
hardly tracked those terms (``benchmarks/README.md``, "Multi-level statistics"). This script trains a course config with
other learning rates (``--lr BACKBONE:HEAD``, several allowed; ``BACKBONE:HEAD:EPOCHS`` also sets
the number of epochs, over which the cosine schedule then runs; otherwise ``STUDY_EPOCHS``, 3) and
nothing else changed, for each
training seed of ``--seeds``, and compares each run on the course studio's 950 test photos with the
course config with the old learning rates (``BEFORE_LR``: 1e-4 / 1e-3) and the same seed: for seed 0
the course weights of commit ``BEFORE``, for other seeds a run trained here.

- per arm and seed: validation SRCC per epoch, test SRCC and MSE with 95 % intervals, and the paired
  difference in test SRCC against the baseline of the same seed (bootstrap over the photos);
- over several seeds: the SRCC of the seed-averaged scores of each side and their paired difference.

Run folders: ``runs/backbone_lr/<model>-lr<backbone>-<head>[-ep<epochs>]-seed<seed>/`` (outside git; resumable;
about 13 minutes per run on 2 CPU cores). Results: ``benchmarks/results/backbone_lr_<model>.json``
and ``.md``. Run: ``python benchmarks/backbone_lr.py --model sgfm_lite0 --lr 3e-4:1e-3 1e-3:1e-3
[--seeds 0 1]``. Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
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
from aesthetics_lib.course_weights import cpu_model  # noqa: E402
from learning_curves import run_finished, train_run  # noqa: E402
from multilevel import test_scores, test_targets, weights_at  # noqa: E402

RUNS = ROOT / "runs" / "backbone_lr"
OUT = ROOT / "benchmarks" / "results"
#: the last commit whose course weights of the three Lite0 models were fine-tuned with the backbone at
#: 1e-4 and the head at 1e-3
BEFORE = "89c95e7"
#: the learning rates (backbone, head) of those weights
BEFORE_LR = (1e-4, 1e-3)
MODELS = ("sgfm_lite0", "nima", "sampnet")
N_BOOT = 1000
#: the epochs of an arm that does not set them: the three the configs had when the study began (the
#: final model's config has trained 6 since session 13, so "the config's" would no longer name one run)
STUDY_EPOCHS = 3


#: an arm: (backbone lr, head lr, epochs or None for :data:`STUDY_EPOCHS`)
Arm = tuple[float, float, int | None]


def parse_lr(text: str) -> Arm:
    """``"BACKBONE:HEAD"`` or ``"BACKBONE:HEAD:EPOCHS"`` -> the arm."""
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        backbone, head = float(parts[0]), float(parts[1])
        epochs = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected BACKBONE:HEAD learning rates such as 1e-3:1e-3, or BACKBONE:HEAD:EPOCHS such as 3e-3:3e-3:6, got {text!r}") from None
    if backbone <= 0 or head <= 0 or (epochs is not None and epochs < 1):
        raise argparse.ArgumentTypeError(f"learning rates and epochs must be positive, got {text!r}")
    return backbone, head, epochs


def run_name(model: str, arm: Arm, seed: int) -> str:
    """The run folder's name of an arm (``-ep<N>`` only for epochs other than :data:`STUDY_EPOCHS`)."""
    epochs = f"-ep{arm[2]}" if arm[2] not in (None, STUDY_EPOCHS) else ""
    return f"{model}-lr{arm[0]:g}-{arm[1]:g}{epochs}-seed{seed}"


def checkpoint(model: str, arm: Arm, seed: int) -> Path:
    """The best checkpoint of an arm, trained when missing; the baseline learning rates
    (:data:`BEFORE_LR`, :data:`STUDY_EPOCHS`) with seed 0 are the course weights of commit :data:`BEFORE`."""
    RUNS.mkdir(parents=True, exist_ok=True)
    epochs = arm[2] or STUDY_EPOCHS
    if tuple(arm[:2]) == BEFORE_LR and epochs == STUDY_EPOCHS and seed == 0:
        return weights_at(BEFORE, model, RUNS)
    run = RUNS / run_name(model, arm, seed)
    if not run_finished(run, model, epochs):
        print(f"training {run.name} ...", flush=True)
        train_run(model, {"seed": seed, "lr_backbone": arm[0], "lr_head": arm[1], "epochs": epochs}, run)
    return run / "best.pt"


def history(path: Path) -> dict[str, Any]:
    """Validation SRCC per epoch and training seconds of the run folder holding ``path``
    (empty for the course weights, whose record is in ``weights/<model>.json``)."""
    h = path.parent / "history.json"
    if path.parent == RUNS or not h.exists():
        return {}
    rows = json.loads(h.read_text())
    return {"val_srcc": [r.get("val_srcc") for r in rows], "seconds": float(sum(r.get("seconds", 0.0) for r in rows))}


def study(model: str, lrs: list[Arm], seeds: list[int]) -> dict[str, Any]:
    """Train what is missing, score every arm and its baseline per seed, and compare them."""
    target = test_targets()
    base: dict[int, np.ndarray] = {}
    ids0 = None
    for seed in seeds:
        scores, ids = test_scores(checkpoint(model, (*BEFORE_LR, None), seed))
        if ids0 is not None and ids != ids0:
            raise ValueError(f"{model} seed {seed}: scored on other test photos than seed {seeds[0]}")
        base[seed], ids0 = scores, ids
    rows, averaged = [], []
    for lr in lrs:
        arm_scores = []
        for seed in seeds:
            path = checkpoint(model, lr, seed)
            scores, ids = test_scores(path)
            if ids != ids0:
                raise ValueError(f"{path}: scored on other test photos than the baseline")
            arm_scores.append(scores)
            d = paired_bootstrap(metrics.srcc, base[seed], scores, target, n_boot=N_BOOT)
            rows.append({
                "lr_backbone": lr[0], "lr_head": lr[1], "epochs": lr[2] or STUDY_EPOCHS, "seed": seed,
                "baseline_srcc": metrics.srcc(base[seed], target),
                "srcc": [metrics.srcc(scores, target), *metrics.bootstrap_ci(metrics.srcc, scores, target, n_boot=N_BOOT)],
                "mse": [metrics.mse(scores, target), *metrics.bootstrap_ci(metrics.mse, scores, target, n_boot=N_BOOT)],
                "difference": [d.difference, d.low, d.high, d.verdict], **history(path)})
        if len(seeds) > 1:
            b_all, a_all = np.stack([base[s] for s in seeds], axis=1), np.stack(arm_scores, axis=1)
            d = paired_bootstrap(seed_srcc, b_all, a_all, target, n_boot=N_BOOT)
            averaged.append({"lr_backbone": lr[0], "lr_head": lr[1], "epochs": lr[2] or STUDY_EPOCHS, "baseline": seed_srcc(b_all, target),
                             "arm": seed_srcc(a_all, target), "difference": [d.difference, d.low, d.high, d.verdict]})
    return {"model": model, "baseline_lr": list(BEFORE_LR), "before": BEFORE, "seeds": seeds,
            "rows": rows, "seed_averaged": averaged}


def result_path(model: str, suffix: str) -> Path:
    """Where the results of ``model`` go (``suffix``: ``.json`` or ``.md``)."""
    return OUT / f"backbone_lr_{model}{suffix}"


def _ci(v: list[float], signed: bool = False) -> str:
    f = "{:+.3f}" if signed else "{:.3f}"
    return f"{f.format(v[0])} [{f.format(v[1])}, {f.format(v[2])}]"


def write(result: dict[str, Any]) -> None:
    """:func:`result_path` ``.json`` and ``.md`` of the result's model."""
    OUT.mkdir(parents=True, exist_ok=True)
    model = result["model"]
    result_path(model, ".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    b, h = result["baseline_lr"]
    lines = [f"# Backbone learning rate of `{model}` ({result['machine']})", "",
             f"Baseline: the course config with the backbone at {b:g} and the head at {h:g}, same seed; seed 0 is the "
             f"course weights of commit {result['before']}. Test: the course studio's 950 test photos.", "",
             "| lr backbone / head | epochs | seed | val SRCC by epoch | test SRCC [95 % CI] | test MSE [95 % CI] | baseline test SRCC "
             "| difference [paired 95 % CI] | training |", "|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        val = ", ".join(f"{v:.3f}" for v in r.get("val_srcc", [])) or "-"
        secs = f"{r['seconds'] / 60:.1f} min" if "seconds" in r else "-"
        lines.append(f"| {r['lr_backbone']:g} / {r['lr_head']:g} | {r['epochs']} | {r['seed']} | {val} | {_ci(r['srcc'])} | {_ci(r['mse'])} "
                     f"| {r['baseline_srcc']:.3f} | {_ci(r['difference'], True)} ({r['difference'][3]}) | {secs} |")
    if result["seed_averaged"]:
        lines += ["", f"Seed-averaged scores over seeds {', '.join(map(str, result['seeds']))} (paired bootstrap over the photos):", "",
                  "| lr backbone / head | epochs | baseline | arm | difference [paired 95 % CI] |", "|---|---|---|---|---|"]
        lines += [f"| {a['lr_backbone']:g} / {a['lr_head']:g} | {a['epochs']} | {a['baseline']:.3f} | {a['arm']:.3f} "
                  f"| {_ci(a['difference'], True)} ({a['difference'][3]}) |" for a in result["seed_averaged"]]
    result_path(model, ".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="sgfm_lite0")
    parser.add_argument("--lr", type=parse_lr, nargs="+", default=[(1e-3, 1e-3, None)],
                        help="arms: learning rates BACKBONE:HEAD, or BACKBONE:HEAD:EPOCHS (default 1e-3:1e-3)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = study(args.model, args.lr, args.seeds)
    result["machine"] = f"{cpu_model()}, {args.threads} CPU threads, torch {torch.__version__}"
    write(result)
    print(result_path(args.model, ".md").read_text())


if __name__ == "__main__":
    main()
