"""Notebook 06's SPP-against-warp comparison with three seeds per model: seeds 1 and 2 of the SPP
course model (``configs/studio_spp.yaml`` with ``seed``, 48 epochs) beside its shipped seed 0,
against the warp's three shipped seeds (``multipatch_warp``, ``multipatch_warp_seed{1,2}``), scored
like notebook 06's section 7: its fresh 3,000-photo studio draw, the three aspect-ratio buckets, each
model through its own evaluation view, :func:`aesthetics_lib.ablation.compare_seeds` per bucket
(three-seed averages, paired bootstrap over the photos, the seed noise) and the same comparison of
how closely each model follows the true fence rhythm on the extreme photos with a fence.

Each SPP seed trains with ``course_weights.train_weights`` one epoch per call (so a stopped run
resumes exactly from its ``last.pt``) in ``runs/weights/spp_seedN-<config hash>-<code hash>``, and is
exported (fp16, with its training record and test metrics) into ``runs/weights/spp_seeds/``, not into
``weights/``: the course weights' 40 MiB budget has no room for two more SPP models (0.8 MB each), so
notebook 06 quotes this result instead of computing it. One thread per process::

    OMP_NUM_THREADS=1 python benchmarks/spp_seeds.py --train 1 &
    OMP_NUM_THREADS=1 python benchmarks/spp_seeds.py --train 2
    OMP_NUM_THREADS=1 python benchmarks/spp_seeds.py --evaluate benchmarks/results/spp_seeds_160.json

An export that :func:`course_weights.staleness` finds out of date (an older SPP config or code) is
made again from the current config's run folder. ``benchmarks/results/spp_seeds.json`` holds
session 21's result for SPP at long side 96, ``spp_seeds_160.json`` the one at long side 160 (the
config since session 23).
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

from target_budget import train  # noqa: E402

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib.ablation import compare_seeds  # noqa: E402
from aesthetics_lib.data import registry, studio  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402
from aesthetics_lib.train import eval_transform_for, predict  # noqa: E402
from aesthetics_lib.training.build import cache_side  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

SEEDS: tuple[int, ...] = (0, 1, 2)
#: Notebook 06's evaluation draw and buckets: photos, studio seed, and the elongation bounds.
EVAL_N, EVAL_SEED = 3000, 1
BUCKETS: dict[str, tuple[float, float]] = {
    "near square (<1.4)": (1.0, 1.4), "moderate (1.4-1.9)": (1.4, 1.9), "extreme (>=1.9)": (1.9, np.inf)}
EXPORTS = ROOT / "runs" / "weights" / "spp_seeds"


def spp_name(seed: int) -> str:
    """The run name of SPP seed ``seed`` (the name a zoo variant would give it)."""
    return f"spp_seed{seed}"


def checkpoints() -> dict[str, list[Path]]:
    """Each arm's three checkpoints, seed 0 first: the shipped SPP and warp weights and the exported
    SPP seeds. A missing SPP export is made from its finished run folder."""
    spp = [cw.weights_dir() / "spp.pt"]
    for seed in SEEDS[1:]:
        out = EXPORTS / f"{spp_name(seed)}.pt"
        cfg = course_config("spp", overrides={"seed": seed})
        exported = cw.find_weights(spp_name(seed), EXPORTS)
        if exported is None or cw.staleness(exported, cfg):  # none yet, or of an older config or code
            run = cw.run_folder(spp_name(seed), cfg)
            if not (run / "last.pt").is_file():
                raise FileNotFoundError(f"{run}: no run for SPP seed {seed} of the current config; train it first: "
                                        f"OMP_NUM_THREADS=1 python benchmarks/spp_seeds.py --train {seed}")
            cw.export_weights(spp_name(seed), run, out_dir=EXPORTS)
        spp.append(out)
    warp = [cw.weights_dir() / f"multipatch_warp{f'_seed{s}' if s else ''}.pt" for s in SEEDS]
    return {"warp 112x112": warp, f"SPP (native {course_config('spp').size})": spp}


def evaluate(out: Path, n_boot: int = 1000) -> dict[str, Any]:
    """Score notebook 06's draw with every checkpoint, compare the arms per bucket (B = SPP) and on the
    fence rhythm; print the table and write JSON to ``out``."""
    arms = checkpoints()
    root = studio.ensure_studio("cadb", n=EVAL_N, seed=EVAL_SEED)
    dataset = registry.open_dataset(f"cadb:{root}", "all")
    dataset.enable_cache(max_side=cache_side(course_config("multipatch")))  # as notebook 06 decodes it
    ann = dataset.annotations.set_index("image_id").loc[dataset.image_ids]
    hw = dataset.sizes().astype(float)
    elongation = np.maximum(hw[:, 0] / hw[:, 1], hw[:, 1] / hw[:, 0])
    truth = ann["mean"].to_numpy(float)
    pred: dict[str, np.ndarray] = {}
    for arm, paths in arms.items():
        columns = []
        for path in paths:
            predictor = Predictor.from_checkpoint(path, device="cpu")
            dataset.transform = eval_transform_for(predictor.checkpoint.config)
            p = predict(predictor.model, dataset, batch_size=16)
            columns.append(np.asarray([dict(zip(p["image_id"], p["mean"]))[i] for i in ann.index], dtype=float))
        pred[arm] = np.stack(columns, axis=1)
    (a, pa), (b, pb) = pred.items()
    groups = {name: (elongation >= lo) & (elongation < hi) for name, (lo, hi) in BUCKETS.items()}
    groups["all"] = np.ones(len(truth), bool)
    rows = compare_seeds(pa, pb, truth, groups, n_boot=n_boot)
    factors = studio.read_factors(root).set_index("image_id").loc[ann.index]
    on = groups["extreme (>=1.9)"] & factors["band"].to_numpy(bool)
    rhythm = factors["rhythm"].to_numpy()[on]
    follows = compare_seeds(pa[on], pb[on], rhythm, n_boot=n_boot, scores=("srcc",))[0]
    result = {
        "draw": {"photos": len(truth), "studio_seed": EVAL_SEED, "per_bucket": {k: int(v.sum()) for k, v in groups.items()}},
        "A": a, "B": b, "checkpoints": {arm: [str(p.relative_to(ROOT)) for p in paths] for arm, paths in arms.items()},
        "test_srcc": {arm: [round(json.loads(p.with_suffix(".json").read_text())["test"]["srcc"], 4) for p in paths]
                      for arm, paths in arms.items()},  # from each training record: the 950 test photos
        "rows": [{"bucket": r.group, "metric": r.metric, "A_per_seed": [round(v, 4) for v in r.a],
                  "B_per_seed": [round(v, 4) for v in r.b], "B_better_by": round(r.d.difference, 5),
                  "ci": [round(r.d.low, 5), round(r.d.high, 5)], "seed_noise": round(r.noise, 5), "B_is": r.verdict}
                 for r in rows],
        "rhythm": {"photos": int(on.sum()), "per_seed": {a: [round(v, 4) for v in follows.a], b: [round(v, 4) for v in follows.b]},
                   "B_minus_A": round(follows.d.difference, 5), "ci": [round(follows.d.low, 5), round(follows.d.high, 5)],
                   "seed_noise": round(follows.noise, 5),
                   "B_follows_it": {"better": "more", "worse": "less"}.get(follows.verdict, "no clear difference")},
    }
    print(f"A = {a}, B = {b}; {len(truth)} photos")
    print("| photos | metric | A, seeds 0/1/2 | B, seeds 0/1/2 | B better by [95 % CI] | seed noise | B is |")
    print("|---|---|---|---|---|---|---|")
    for r in result["rows"]:
        print(f"| {r['bucket']} | {r['metric']} | {' / '.join(f'{v:.3f}' for v in r['A_per_seed'])} | "
              f"{' / '.join(f'{v:.3f}' for v in r['B_per_seed'])} | {r['B_better_by']:.3g} [{r['ci'][0]:.3g}, {r['ci'][1]:.3g}] | "
              f"{r['seed_noise']:.3g} | {r['B_is']} |")
    print("rhythm:", json.dumps(result["rhythm"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, choices=SEEDS[1:], help="train SPP with this seed (resumes)")
    parser.add_argument("--evaluate", type=Path, help="compare the arms on notebook 06's draw; JSON to this file")
    args = parser.parse_args(argv)
    if args.train is not None:
        train(spp_name(args.train), course_config("spp", overrides={"seed": args.train}))
    elif args.evaluate:
        evaluate(args.evaluate)
    else:
        parser.error("expected --train SEED or --evaluate FILE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
