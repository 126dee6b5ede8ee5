"""Multi-level statistics for the final model: why, and what they bought.

The final model (``sgfm_lite0``) pooled only its backbone's last two stages. Per quality term of the
studio (``aesthetics_lib.data.studio.quality_terms``), its scores tracked noise, softness, clutter and
the scene's content, but hardly contrast, harmony or placement. Global statistics such as brightness,
contrast and colour live in a network's early stages, and the last stages abstract them away; Hosu
et al. (CVPR 2019) keep them by pooling every stage ("multi-level spatially pooled features"). This
script measures the idea in two steps, on the course studio (9,497 photos; 7,692 train, 855
validation, 950 test):

1. **frozen probe**: the ImageNet EfficientNet-Lite0 (frozen, 128 px warp, the final model's input)
   over every photo; each stage's map pooled by its mean (and SD) over positions, or on a 3 x 3 grid;
   a ridge regression on the training photos (its penalty chosen on validation SRCC) scores the test
   photos. Which stages carry the score?
2. **the final model before and after**: the weights of commit ``--after`` with ``pooled_stages``
   (the mean and SD of Lite0's stages 0-2 appended to the pooled vector,
   ``configs/studio_sgfm_lite0.yaml``) against the weights of an earlier commit (``--before``,
   without them), both predicting the same 950 test photos: the SRCC difference with a paired
   bootstrap interval, and each model's SRCC with every quality term;
3. **more training seeds** (``--seeds 1 2``): the same pair trained again with other seeds (the
   seed also draws the validation split) and the attribute loss weight of both commits' weights,
   0.1 (the course config has weighed the attributes 1.0 since; ``benchmarks/attribute_weight.py``),
   in resumable run folders ``runs/multilevel/<arm>/`` (about 12 minutes per run on 2 CPU cores); each seed's paired difference, and the difference of
   the SRCCs averaged over the seeds with a paired bootstrap over the photos.

Results go to ``benchmarks/results/multilevel.json`` and ``.md``. Run: ``python benchmarks/multilevel.py
[--before REV] [--skip-probe] [--seeds 1 2]``; about 3 minutes on 2 CPU threads without ``--seeds``
(the probe's forward passes).
Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

# runnable as a script from the repository root
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scoring import score_test  # noqa: E402

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.ablation import seed_srcc  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.data.registry import open_dataset  # noqa: E402
from aesthetics_lib.data.studio import QUALITY_TERMS, quality_terms, read_factors, true_quality  # noqa: E402
from aesthetics_lib.models.heads import BackboneStages  # noqa: E402
from aesthetics_lib.training.build import eval_transform_for, resolve_data  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

RUNS = ROOT / "runs" / "multilevel"
#: the commit whose weights/sgfm_lite0.pt pooled the last two stages only
BEFORE = "a7befee"
#: the last commit whose weights/sgfm_lite0.pt had the stage statistics and an attribute loss weight
#: of 0.1, as BEFORE's (the shipped weights since weigh the attributes 1.0)
AFTER = "61e987c"
#: the attribute loss weight of BEFORE's and AFTER's weights, which the seed runs keep
ATTRIBUTE_WEIGHT = 0.1
#: the optimisation of the final model's config when this study and ``attribute_weight.py`` ran
#: (before session 12's backbone rate and session 13's 6 epochs), which their trained runs keep
STUDY_SETTINGS: dict[str, Any] = {"lr_backbone": 1e-4, "lr_head": 1e-3, "epochs": 3}
ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
N_BOOT = 1000
OUT = ROOT / "benchmarks" / "results"


def stage_features(config, split: str, batch_size: int = 64) -> dict[str, Any]:
    """The frozen ImageNet Lite0's five stages over one split of ``config``'s data: per stage the mean
    and SD over positions, and a 3 x 3 grid of the means of stages 3 and 4; with the mean scores."""
    backbone = BackboneStages("efficientnet_lite0", (0, 1, 2, 3, 4), "package").eval()
    ds = open_dataset(resolve_data(config), split, eval_transform_for(config), val_fraction=config.val_fraction, seed=config.seed)
    out: dict[str, list[torch.Tensor]] = {"mean": [], "sd": [], "grid": []}
    with torch.no_grad():
        for batch in DataLoader(ds, batch_size=batch_size):
            maps = backbone(batch["image"])
            out["mean"].append(torch.cat([m.mean((2, 3)) for m in maps], 1))
            out["sd"].append(torch.cat([m.std((2, 3), correction=0) for m in maps], 1))
            out["grid"].append(torch.cat([F.adaptive_avg_pool2d(m, 3).flatten(1) for m in maps[3:]], 1))
    feats = {k: torch.cat(v).numpy().astype(np.float64) for k, v in out.items()}
    return {**feats, "channels": backbone.out_channels, "target": np.asarray(ds.means(), dtype=np.float64)}


def _columns(f: dict[str, Any], stages: tuple[int, ...], sd: tuple[int, ...] = (), grid: bool = False) -> np.ndarray:
    edges = np.cumsum([0, *f["channels"]])
    parts = [f["mean"][:, edges[i]:edges[i + 1]] for i in stages] + [f["sd"][:, edges[i]:edges[i + 1]] for i in sd]
    return np.concatenate(parts + ([f["grid"]] if grid else []), axis=1)


#: probe rows: name -> (stages pooled by their mean, stages pooled by their SD, 3 x 3 grid of stages 3-4)
PROBES: dict[str, tuple[tuple[int, ...], tuple[int, ...], bool]] = {
    "stage 4 (mean)": ((4,), (), False),
    "stages 3-4 (mean): what the fused map sees": ((3, 4), (), False),
    "stages 0-4 (mean)": ((0, 1, 2, 3, 4), (), False),
    "stages 0-4 (mean) + stages 0-2 (SD): the final model's statistics": ((0, 1, 2, 3, 4), (0, 1, 2), False),
    "stages 3-4 (mean) + 3 x 3 grid of stages 3-4": ((3, 4), (), True),
    "all of the above": ((0, 1, 2, 3, 4), (0, 1, 2), True),
}


def ridge_probe(train: dict, val: dict, test: dict) -> list[dict[str, Any]]:
    """One row per :data:`PROBES` entry: ridge regression (standardised features; penalty chosen on
    validation SRCC) trained on ``train``, test SRCC with its bootstrap interval."""
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    rows = []
    for name, (stages, sd, grid) in PROBES.items():
        scaler = StandardScaler().fit(_columns(train, stages, sd, grid))
        x_tr, x_va, x_te = (scaler.transform(_columns(f, stages, sd, grid)) for f in (train, val, test))
        fits = [(metrics.srcc(m.predict(x_va), val["target"]), a, m) for a in ALPHAS
                for m in [Ridge(alpha=a).fit(x_tr, train["target"])]]
        v, alpha, model = max(fits, key=lambda t: t[0])
        pred = model.predict(x_te)
        rows.append({"features": name, "dims": int(x_tr.shape[1]), "alpha": alpha, "val_srcc": v,
                     "test_srcc": metrics.srcc(pred, test["target"]),
                     "test_srcc_ci": list(metrics.bootstrap_ci(metrics.srcc, pred, test["target"], n_boot=N_BOOT))})
    return rows


def weights_at(rev: str, name: str, folder: Path) -> Path:
    """``weights/<name>.pt`` as it was at git revision ``rev``, written into ``folder``."""
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:weights/{name}.pt"], capture_output=True)
    if shown.returncode != 0:
        raise FileNotFoundError(f"weights/{name}.pt at revision {rev!r}: {shown.stderr.decode(errors='replace').strip()}")
    blob = shown.stdout
    path = folder / f"{name}-{rev}.pt"
    path.write_bytes(blob)
    return path


def test_scores(checkpoint: Path) -> tuple[np.ndarray, list[str]]:
    """Predicted mean scores of a checkpoint on its own data's test split, and the image ids, in the
    split's order (:func:`scoring.score_test`)."""
    scores = score_test(checkpoint)
    return scores.pred, scores.ids


def seed0_scores(before: str, after: str = AFTER) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The final model's test predictions without (weights at ``before``) and with the statistics
    (weights at ``after``), and the image ids they share: both studies start from them."""
    with tempfile.TemporaryDirectory() as tmp:
        old, ids_old = test_scores(weights_at(before, "sgfm_lite0", Path(tmp)))
        new, ids = test_scores(weights_at(after, "sgfm_lite0", Path(tmp)))
    if ids != ids_old:
        raise ValueError(f"the weights at {before} and {after} were scored on different test photos")
    return old, new, ids


def test_targets() -> np.ndarray:
    """The mean votes of the course studio's test photos, in the order :func:`test_scores` returns."""
    cfg = course_config("sgfm_lite0")
    test = open_dataset(resolve_data(cfg), "test", None, val_fraction=cfg.val_fraction, seed=cfg.seed)
    return np.asarray(test.means(), dtype=np.float64)


def before_after(before: str, old: np.ndarray, new: np.ndarray, ids: list[str]) -> dict[str, Any]:
    """The final model's test predictions at ``before`` and at ``after``: SRCCs, their paired
    difference and the per-term SRCCs (``old``, ``new``, ``ids``: :func:`seed0_scores`)."""
    target = test_targets()
    factors = read_factors(resolve_data(course_config("sgfm_lite0")).root).set_index("image_id").loc[ids]
    terms = quality_terms(factors)
    truth = true_quality(factors)
    d = paired_bootstrap(metrics.srcc, old, new, target, n_boot=N_BOOT)
    return {
        "before": before,
        "srcc_before": [metrics.srcc(old, target), *metrics.bootstrap_ci(metrics.srcc, old, target, n_boot=N_BOOT)],
        "srcc_after": [metrics.srcc(new, target), *metrics.bootstrap_ci(metrics.srcc, new, target, n_boot=N_BOOT)],
        "difference": [d.difference, d.low, d.high, d.verdict],
        "terms": [{"term": t, "before": metrics.srcc(old, terms[t]), "after": metrics.srcc(new, terms[t]),
                   "truth": metrics.srcc(truth, terms[t])} for t in QUALITY_TERMS],
        "truth_srcc": [metrics.srcc(old, truth), metrics.srcc(new, truth)],
    }


def seed_arm(stats: bool, seed: int) -> tuple[str, dict[str, Any]]:
    """Run-folder name and config overrides of the final model with (``stats``) or without the stage
    statistics, trained with ``seed`` and the attribute weight of the seed-0 weights (ATTRIBUTE_WEIGHT)."""
    overrides: dict[str, Any] = {**STUDY_SETTINGS, "seed": seed, "loss_attributes": ATTRIBUTE_WEIGHT}
    if not stats:
        overrides["model_kwargs.pooled_stages"] = "[]"
    return f"sgfm_lite0-{'stats' if stats else 'plain'}-seed{seed}", overrides


def seeds_study(seeds: list[int], seed0: tuple[np.ndarray, np.ndarray, list[str]]) -> dict[str, Any]:
    """Train the missing seed arms, then compare with and without the statistics per seed (seed 0:
    ``seed0``, :func:`seed0_scores`) and over the seeds."""
    from learning_curves import run_finished, train_run

    old, new, ids0 = seed0
    preds: dict[bool, list[np.ndarray]] = {False: [old], True: [new]}
    for seed in seeds:
        for stats in (False, True):
            name, overrides = seed_arm(stats, seed)
            if not run_finished(RUNS / name, "sgfm_lite0", STUDY_SETTINGS["epochs"]):
                print(f"training {name} ...", flush=True)
                train_run("sgfm_lite0", overrides, RUNS / name)
            p, ids = test_scores(RUNS / name / "best.pt")
            if ids != ids0:
                raise ValueError(f"seed {seed}: scored on other test photos than seed 0")
            preds[stats].append(p)
    target = test_targets()
    rows = []
    for i, seed in enumerate([0, *seeds]):
        d = paired_bootstrap(metrics.srcc, preds[False][i], preds[True][i], target, n_boot=N_BOOT)
        rows.append({"seed": seed, "without": metrics.srcc(preds[False][i], target), "with": metrics.srcc(preds[True][i], target),
                     "difference": [d.difference, d.low, d.high, d.verdict]})
    plain, stats_ = np.stack(preds[False], axis=1), np.stack(preds[True], axis=1)
    d = paired_bootstrap(seed_srcc, plain, stats_, target, n_boot=N_BOOT)
    return {"per_seed": rows, "mean_without": seed_srcc(plain, target), "mean_with": seed_srcc(stats_, target),
            "mean_difference": [d.difference, d.low, d.high, d.verdict]}


def _ci(v: float, lo: float, hi: float) -> str:
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def write(result: dict[str, Any]) -> None:
    """``multilevel.json`` and ``multilevel.md`` under :data:`OUT`."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "multilevel.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [f"# Multi-level statistics ({result['machine']})", ""]
    if result.get("probe"):
        lines += ["## Frozen ImageNet Lite0, 128 px, ridge regression", "",
                  "| features | dims | penalty | val SRCC | test SRCC [95 % CI] |", "|---|---|---|---|---|"]
        lines += [f"| {r['features']} | {r['dims']} | {r['alpha']:g} | {r['val_srcc']:.3f} | {_ci(r['test_srcc'], *r['test_srcc_ci'])} |"
                  for r in result["probe"]]
        lines.append("")
    ba = result["before_after"]
    lines += [f"## The final model without (at {ba['before']}) and with the stage statistics", "",
              f"- test SRCC before: {_ci(*ba['srcc_before'])}", f"- test SRCC after: {_ci(*ba['srcc_after'])}",
              f"- after - before, paired: {ba['difference'][0]:+.3f} [{ba['difference'][1]:+.3f}, {ba['difference'][2]:+.3f}]"
              f" ({ba['difference'][3]})", f"- SRCC with the true quality: before {ba['truth_srcc'][0]:.3f}, after {ba['truth_srcc'][1]:.3f}", "",
              "SRCC of each model's scores with each term of the true quality (the last column: the true quality's own):", "",
              "| quality term | SRCC before | SRCC after | true quality |", "|---|---|---|---|"]
    lines += [f"| {t['term']} | {t['before']:.3f} | {t['after']:.3f} | {t['truth']:.3f} |" for t in ba["terms"]]
    if result.get("seeds"):
        st = result["seeds"]
        lines += ["", "## Training seeds: without and with the stage statistics", "",
                  "| seed | test SRCC without | test SRCC with | with - without [paired 95 % CI] |", "|---|---|---|---|"]
        lines += [f"| {r['seed']} | {r['without']:.3f} | {r['with']:.3f} | {r['difference'][0]:+.3f} "
                  f"[{r['difference'][1]:+.3f}, {r['difference'][2]:+.3f}] ({r['difference'][3]}) |" for r in st["per_seed"]]
        md = st["mean_difference"]
        lines += ["", f"Averaged over the {len(st['per_seed'])} seeds: without {st['mean_without']:.3f}, with {st['mean_with']:.3f}; "
                  f"difference {md[0]:+.3f} [{md[1]:+.3f}, {md[2]:+.3f}] ({md[3]}; paired bootstrap over the photos of the "
                  "seed-averaged SRCC)."]
    (OUT / "multilevel.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help=f"git revision of the weights without the statistics (default {BEFORE})")
    parser.add_argument("--after", default=AFTER, help=f"git revision of the weights with the statistics (default {AFTER})")
    parser.add_argument("--skip-probe", action="store_true", help="keep the probe rows of the last results file")
    parser.add_argument("--seeds", type=int, nargs="*", default=[], help="more training seeds of the final model, with and without")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    import platform

    result: dict[str, Any] = {"machine": f"{platform.processor() or platform.machine()}, {args.threads} CPU threads, torch {torch.__version__}"}
    if args.skip_probe and (OUT / "multilevel.json").exists():
        result["probe"] = json.loads((OUT / "multilevel.json").read_text())["probe"]
    else:
        cfg = course_config("sgfm_lite0")
        train, val, test = (stage_features(cfg, s) for s in ("train", "val", "test"))
        result["probe"] = ridge_probe(train, val, test)
        for r in result["probe"]:
            print(f"{r['features']}: test SRCC {_ci(r['test_srcc'], *r['test_srcc_ci'])}", flush=True)
    seed0 = seed0_scores(args.before, args.after)
    result["before_after"] = before_after(args.before, *seed0)
    if args.seeds:
        result["seeds"] = seeds_study(args.seeds, seed0)
    write(result)
    print((OUT / "multilevel.md").read_text())


if __name__ == "__main__":
    main()
