"""Notebook 08's saliency question with three seeds per arm: SAMP-Net with its saliency input
(``configs/studio_sampnet.yaml``) against the same config with ``model_kwargs.use_saliency: False``
(``zoo.VARIANTS["sampnet_plain"]``), seeds 1 and 2 of each beside the shipped seed-0 weights
(``weights/sampnet.pt``, ``weights/sampnet_plain.pt``).

On the 950 studio test photos it reports, per arm and seed, the test SRCC, MSE and EMD, and compares
the arms by the rule of notebooks 05, 06 and 09 (:func:`aesthetics_lib.ablation.compare_seeds`: the
seed averages, a paired bootstrap over the photos, and the seed noise; EMD through
:func:`~aesthetics_lib.ablation.seed_emd`). For every seed of the arm with saliency it also repeats
notebook 08's swap test: the predictions with another photo's saliency map (the next photo's in the
batch) and with an empty map, against the model's own.

Each run trains with ``course_weights.train_weights`` one epoch per call (``target_budget.train``:
a stopped run resumes exactly from its ``last.pt``) in ``runs/weights/<name>-<config hash>-<code
hash>`` and is exported (fp16, with its training record and test metrics) into
``runs/weights/sampnet_seeds/``, not into ``weights/``: four more SAMP-Net models (7 MB each) do not
fit the course weights' 40 MB, so notebook 08 quotes this result. One thread per process::

    OMP_NUM_THREADS=1 python benchmarks/sampnet_seeds.py --train sampnet_seed1 sampnet_plain_seed1 &
    OMP_NUM_THREADS=1 python benchmarks/sampnet_seeds.py --train sampnet_seed2 sampnet_plain_seed2
    OMP_NUM_THREADS=1 python benchmarks/sampnet_seeds.py --evaluate benchmarks/results/sampnet_seeds.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import DataLoader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from target_budget import train  # noqa: E402

from aesthetics_lib import course_weights as cw, metrics  # noqa: E402
from aesthetics_lib.ablation import compare_seeds, pooled_seed_sd, seed_aware_verdict, seed_emd, seed_noise  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402
from aesthetics_lib.models.heads import saliency_at  # noqa: E402
from aesthetics_lib.training.config import TrainConfig  # noqa: E402
from aesthetics_lib.zoo import VARIANTS, course_config  # noqa: E402

SEEDS: tuple[int, ...] = (0, 1, 2)
#: The two arms: the course model with its saliency input, and the variant without it.
ARMS: dict[str, dict[str, Any]] = {"sampnet_plain": VARIANTS["sampnet_plain"][1], "sampnet": {}}
EXPORTS = ROOT / "runs" / "weights" / "sampnet_seeds"


def run_name(arm: str, seed: int) -> str:
    """The run of ``arm`` with ``seed``: the shipped name for seed 0, ``<arm>_seed<seed>`` otherwise."""
    return arm + (f"_seed{seed}" if seed else "")


def run_config(name: str) -> TrainConfig:
    """The config of a run named by :func:`run_name` (seeds 1 and 2 only: seed 0 is shipped)."""
    for arm, overrides in ARMS.items():
        for seed in SEEDS[1:]:
            if name == run_name(arm, seed):
                return course_config("sampnet", overrides={**overrides, "seed": seed})
    raise ValueError(f"{name!r}: expected one of "
                     f"{[run_name(a, s) for a in ARMS for s in SEEDS[1:]]}")


def checkpoints() -> dict[str, list[Path]]:
    """Each arm's three checkpoints, seed 0 (the shipped weights) first. A missing or stale export
    of seed 1 or 2 is made from its finished run folder."""
    arms: dict[str, list[Path]] = {}
    for arm in ARMS:
        paths = [cw.weights_dir() / f"{arm}.pt"]
        for seed in SEEDS[1:]:
            name, cfg = run_name(arm, seed), run_config(run_name(arm, seed))
            exported = cw.find_weights(name, EXPORTS)
            if exported is None or cw.staleness(exported, cfg):
                run = cw.run_folder(name, cfg)
                history = run / "history.json"
                if not history.is_file() or len(json.loads(history.read_text())) < cfg.epochs:
                    raise FileNotFoundError(f"{run}: {name} has not finished its {cfg.epochs} epochs; train it: "
                                            f"OMP_NUM_THREADS=1 python benchmarks/sampnet_seeds.py --train {name}")
                cw.export_weights(name, run, out_dir=EXPORTS)
            paths.append(EXPORTS / f"{name}.pt")
        arms[arm] = paths
    return arms


def outputs(model: torch.nn.Module, dataset: Any, swap: Callable[[torch.Tensor], torch.Tensor] | None = None,
            batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """The predicted means ``[N]`` and distributions ``[N, K]`` of ``model`` over ``dataset``, in item
    order. ``swap``: None (the model computes its own saliency map, the normal run) or a function of
    that map whose result the model is given instead (notebook 08's swap test)."""
    model.eval()
    means, dists, size = [], [], None
    with torch.no_grad():
        for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
            x = batch["image"]
            if swap is None:
                out = model(x)
            else:
                if size is None:  # the saliency grid: the backbone's map, supersampled (one size: the inputs are warped)
                    h, w = model.backbone(x[:1]).shape[-2:]
                    size = (h * model.supersample, w * model.supersample)
                out = model(x, saliency=swap(saliency_at(x, size)))
            dist = out["dist"].double().numpy()
            dists.append(dist)
            means.append(dist @ np.arange(1, dist.shape[1] + 1))
    return np.concatenate(means), np.concatenate(dists)


#: Notebook 08's swaps: another photo's map (the next one's in the batch) and an empty map.
SWAPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "another photo's map": lambda m: m.roll(1, 0), "empty map": torch.zeros_like}


def _diff(d: Any, noise: float | None = None, verdict: str | None = None) -> dict[str, Any]:
    """A paired difference as JSON (with the seed noise and the verdict when given)."""
    out = {"difference": round(d.difference, 6), "ci": [round(d.low, 6), round(d.high, 6)]}
    if noise is not None:
        out["seed_noise"] = round(noise, 6)
    out["verdict"] = verdict or d.verdict
    return out


def evaluate(out: Path, n_boot: int = 1000) -> dict[str, Any]:
    """Score the 950 test photos with every checkpoint, compare the arms (with saliency minus
    without: > 0 in SRCC and MSE-lowered-by means saliency helps, < 0 in EMD means it helps), run the
    swap test on each seed with saliency; print the tables and write JSON to ``out``."""
    arms = checkpoints()
    means: dict[str, list[np.ndarray]] = {arm: [] for arm in arms}
    dists: dict[str, list[np.ndarray]] = {arm: [] for arm in arms}
    swaps: list[dict[str, Any]] = []
    truth = target = ids = None
    for arm, paths in arms.items():
        for seed, path in zip(SEEDS, paths):
            predictor = Predictor.from_checkpoint(path, device="cpu")
            dataset = predictor.open_split("test")
            if ids is None:
                ids, truth, target = list(dataset.image_ids), dataset.means(), dataset.targets()
            elif list(dataset.image_ids) != ids:
                raise ValueError(f"{path}: its test photos are not in the first run's order")
            m, d = outputs(predictor.model, dataset)
            means[arm].append(m)
            dists[arm].append(d)
            if arm == "sampnet":
                row: dict[str, Any] = {"seed": seed}
                for name, swap in SWAPS.items():
                    swapped, _ = outputs(predictor.model, dataset, swap)
                    row[name] = {"mean_abs_change": round(float(np.abs(swapped - m).mean()), 5),
                                 "srcc_change": _diff(paired_bootstrap(metrics.srcc, m, swapped, truth, n_boot=n_boot))}
                swaps.append(row)
            print(f"{path.name}: SRCC {metrics.srcc(m, truth):.4f}", flush=True)
    plain, sal = (np.stack(means[a], axis=1) for a in ("sampnet_plain", "sampnet"))
    rows = compare_seeds(plain, sal, truth, n_boot=n_boot)
    per_seed_emd = {a: [metrics.emd(d, target) for d in dists[a]] for a in arms}
    emd_d = paired_bootstrap(seed_emd, *(np.stack(dists[a], axis=1) for a in ("sampnet_plain", "sampnet")),
                             target, n_boot=n_boot)
    emd_noise = seed_noise(pooled_seed_sd(per_seed_emd), len(SEEDS))
    result = {
        "photos": len(truth), "sd_of_true_means": round(float(truth.std()), 4),
        "A": "sampnet_plain (no saliency)", "B": "sampnet (with saliency)",
        "checkpoints": {arm: [str(p.relative_to(ROOT)) for p in paths] for arm, paths in arms.items()},
        "records": {arm: [{k: json.loads(p.with_suffix(".json").read_text())[k] for k in ("seed", "best_epoch", "train_seconds")}
                          for p in paths] for arm, paths in arms.items()},
        "per_seed": {arm: {"srcc": [round(float(metrics.srcc(m, truth)), 4) for m in means[arm]],
                           "mse": [round(float(metrics.mse(m, truth)), 4) for m in means[arm]],
                           "emd2": [round(v, 5) for v in per_seed_emd[arm]],
                           "sd_of_predicted_means": [round(float(m.std()), 4) for m in means[arm]]} for arm in arms},
        "comparison": [{"metric": r.metric, **_diff(r.d, r.noise, r.verdict)} for r in rows]
        + [{"metric": "emd2", **_diff(emd_d, emd_noise, seed_aware_verdict(emd_d, emd_noise, higher="worse"))}],
        "swap_test": swaps,
    }
    print("| arm | SRCC, seeds 0/1/2 | MSE | EMD r=2 |\n|---|---|---|---|")
    for arm, v in result["per_seed"].items():
        print(f"| {arm} | {' / '.join(f'{x:.3f}' for x in v['srcc'])} | {' / '.join(f'{x:.3f}' for x in v['mse'])} | "
              f"{' / '.join(f'{x:.4f}' for x in v['emd2'])} |")
    print("\nwith minus without saliency (SRCC: higher, MSE: lowered by, EMD: lower is better)")
    print("| metric | difference [95 % CI] | seed noise | with saliency is |\n|---|---|---|---|")
    for c in result["comparison"]:
        print(f"| {c['metric']} | {c['difference']:.3g} [{c['ci'][0]:.3g}, {c['ci'][1]:.3g}] | {c['seed_noise']:.3g} | {c['verdict']} |")
    print("\nswap test, each seed with saliency:")
    for s in swaps:
        print(json.dumps(s))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", metavar="NAME", help="train these runs in turn (each resumes)")
    parser.add_argument("--evaluate", type=Path, help="compare the arms on the test photos; JSON to this file")
    args = parser.parse_args(argv)
    if args.train:
        configs = {name: run_config(name) for name in args.train}  # every name checked before training
        for name, cfg in configs.items():
            train(name, cfg)
    elif args.evaluate:
        evaluate(args.evaluate)
    else:
        parser.error("expected --train NAME [NAME ...] or --evaluate FILE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
