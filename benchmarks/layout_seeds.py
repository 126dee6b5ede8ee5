"""The layout variant's three seeds against the multi-patch family and SPP, on the 950 test photos.

The layout weights ship in ``weights/`` since session 34 (trained in session 32; ``python -m
aesthetics_lib zoo --train multipatch_layout multipatch_layout_seed1 multipatch_layout_seed2``
trains them again, about 40 min each on one thread).

Scores ``multipatch_layout`` (seeds 0-2), the course weights ``multipatch`` (MPEMD_ada, seeds 0-2),
``multipatch_warp`` (seeds 0-2) and ``spp`` (seed 0) on the test split, each through its own view,
and writes ``benchmarks/results/layout_seeds.{json,md}``: every run's test SRCC with its interval,
and :func:`aesthetics_lib.ablation.compare_seeds` of the layout seeds against each three-seed arm
(paired over the photos, with the seed-noise rule), over all photos and per elongation bucket. SPP
has one shipped seed, so the layout seeds are paired with it one by one. A few minutes on one thread.

    python benchmarks/layout_seeds.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Hashable, Mapping

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.ablation import compare_seeds  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.course_weights import CourseWeights, find_weights  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402
from aesthetics_lib.notebook import fmt  # noqa: E402

ARMS = {
    "layout": ["multipatch_layout", "multipatch_layout_seed1", "multipatch_layout_seed2"],
    "multi-patch ada": ["multipatch", "multipatch_seed1", "multipatch_seed2"],
    "warp": ["multipatch_warp", "multipatch_warp_seed1", "multipatch_warp_seed2"],
}
BUCKETS = {"near square (<1.4)": (0, 1.4), "moderate (1.4-1.9)": (1.4, 1.9), "extreme (>=1.9)": (1.9, np.inf)}
OUT = ROOT / "benchmarks" / "results" / "layout_seeds"


def test_scores(weights: CourseWeights) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(predicted mean, raters' mean, elongation) of course ``weights`` on their test split, by image id."""
    predictor = Predictor.from_checkpoint(weights.checkpoint, device="cpu")
    data = predictor.open_split("test")
    p = predictor.predict(data)
    hw = np.asarray(data.sizes(), dtype=float)  # (height, width) in item order
    order = pd.Index(p["image_id"])
    ids = pd.Index(data.image_ids)
    elongation = pd.Series(np.maximum(hw[:, 0] / hw[:, 1], hw[:, 1] / hw[:, 0]), index=ids).loc[order]
    return pd.Series(p["mean"], index=order), pd.Series(p["target_mean"], index=order), elongation


def aligned_scores(
    runs: Mapping[Hashable, tuple[str, Path | None]],
) -> tuple[dict[Hashable, np.ndarray], dict[Hashable, dict], np.ndarray, dict[str, np.ndarray]]:
    """Score several course models on the test split in one photo order. ``runs``: label -> (model
    name, its folder or None for ``weights/``). Returns per label the predicted means and the training
    record, the raters' means, and the photo groups (``all`` and the :data:`BUCKETS` of elongation,
    boolean masks). Every run's weights are looked up before any is scored, so that a missing one
    stops it at once, with all the missing ones named."""
    found = {label: find_weights(name, folder) for label, (name, folder) in runs.items()}
    missing = [f"no weights for {name!r} in {folder or 'weights/'}: " +
               (f"train them with `python -m aesthetics_lib zoo --train {name}`" if folder is None else
                "export them there with `course_weights.export_weights` (SPP's seeds: `python benchmarks/spp_seeds.py --train N`, "
                "then `--evaluate FILE`)")
               for label, (name, folder) in runs.items() if found[label] is None]
    if missing:
        raise SystemExit("\n".join(missing))
    preds, records, target, elong = {}, {}, None, None
    for label, weights in found.items():
        mean, truth, e = test_scores(weights)
        if target is None:
            target, elong = truth.sort_index(), e.sort_index()
        preds[label] = mean.loc[target.index].to_numpy(float)
        records[label] = weights.record
    groups = {"all": np.ones(len(target), bool), **{b: ((elong >= lo) & (elong < hi)).to_numpy() for b, (lo, hi) in BUCKETS.items()}}
    return preds, records, target.to_numpy(float), groups


def run_summary(p: np.ndarray, t: np.ndarray) -> dict:
    """One run's test SRCC with its 95 % bootstrap interval, and its MSE."""
    return {"test SRCC": metrics.srcc(p, t), "95 % CI": list(metrics.bootstrap_ci(metrics.srcc, p, t, n_boot=1000)), "MSE": metrics.mse(p, t)}


def _seed_rows(rows: list) -> list[dict]:
    """:func:`compare_seeds` rows as JSON objects."""
    return [{"photos": r.group, "metric": r.metric, "new better by": r.d.difference, "95 % CI": list(r.d.ci),
             "seed noise": r.noise, "verdict": r.verdict} for r in rows]


def _seed_table(caption: str, rows: list[dict]) -> list[str]:
    """The Markdown lines of a table of :func:`_seed_rows`, under ``caption``."""
    return ["", caption, "", "| photos | metric | better by [95 % CI] | seed noise | verdict |", "|---|---|---|---|---|",
            *(f"| {c['photos']} | {c['metric'].upper()} | {fmt(c['new better by'])} {fmt(c['95 % CI'])} | {fmt(c['seed noise'])} | "
              f"{c['verdict']} |" for c in rows)]


def compare_arms(base: Path | None, new: Path, labels: tuple[str, str], title: str, out: Path, source: str,
                 spp: Path | None = None) -> dict:
    """Score two exported sets of the layout variant's three seeds (:data:`ARMS` ``["layout"]`` names,
    ``.pt`` and ``.json`` in folders ``base`` (None: ``weights/``) and ``new``) and SPP (seed 0, shipped) on the test
    split; write ``out.{json,md}``: every run's test SRCC with its interval and share of the noise
    ceiling, the three-seed comparison of ``new`` against ``base`` (:func:`compare_seeds`, paired over
    the photos with the seed-noise rule) over all photos and per elongation bucket, and each ``new``
    run against SPP. With ``spp``, the folder of SPP's exported seeds 1 and 2 (``spp_seed1``,
    ``spp_seed2``: ``benchmarks/spp_seeds.py``), ``new`` is also compared with SPP's three seeds the
    same way as with ``base``. ``labels``: the two arms' names in the tables (base first); ``source``:
    the command that writes it, named in the table's title. Returns the JSON."""
    seeds = ARMS["layout"]
    spp_runs = [("spp", None)] + ([(f"spp_seed{s}", spp) for s in (1, 2)] if spp is not None else [])
    runs_by_label = {**{(arm, n): (n, folder) for arm, folder in zip(labels, (base, new)) for n in seeds},
                     **{("spp", n): (n, folder) for n, folder in spp_runs}}
    preds, records, t, groups = aligned_scores(runs_by_label)
    ceiling = float(records[("spp", "spp")]["test"]["noise_ceiling_srcc"])
    runs = []
    for (arm, name), p in preds.items():
        record, summary = records[(arm, name)], run_summary(p, t)
        runs.append({"arm": arm, "run": name, "epochs": record.get("epochs"), "best_epoch": record.get("best_epoch"),
                     "train_seconds": record.get("train_seconds"), "test SRCC": summary["test SRCC"], "95 % CI": summary["95 % CI"],
                     "share of ceiling": summary["test SRCC"] / ceiling, "MSE": summary["MSE"]})
    stacked = [np.stack([preds[(arm, n)] for n in seeds], axis=1) for arm in labels]
    comparisons = _seed_rows(compare_seeds(*stacked, t, groups, n_boot=1000))
    versus_spp3 = None
    if spp is not None:
        spp_stacked = np.stack([preds[("spp", n)] for n, _ in spp_runs], axis=1)
        versus_spp3 = _seed_rows(compare_seeds(spp_stacked, stacked[1], t, groups, n_boot=1000))
    versus_spp = []
    for name in seeds:
        d = paired_bootstrap(metrics.srcc, preds[("spp", "spp")], preds[(labels[1], name)], t, n_boot=1000)
        versus_spp.append({"run": name, "SRCC minus SPP": d.difference, "95 % CI": list(d.ci), "verdict": d.verdict})
    result = {"test_photos": len(t), "noise_ceiling_srcc": ceiling, "photos_per_group": {g: int(m.sum()) for g, m in groups.items()},
              "arms": list(labels), "runs": runs, "new_vs_base": comparisons, "new_vs_spp_seed0": versus_spp}
    if versus_spp3 is not None:
        result["new_vs_spp_three_seeds"] = versus_spp3
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [f"# {title} (`{source}`)", "", f"Noise ceiling of this test split: {fmt(ceiling)}.", "",
             "| arm | run | best epoch | test SRCC [95 % CI] | / ceiling | MSE |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['arm']} | `{r['run']}` | {r['best_epoch']} of {r['epochs']} | {fmt(r['test SRCC'])} {fmt(r['95 % CI'])} | "
              f"{r['share of ceiling']:.3f} | {fmt(r['MSE'])} |" for r in runs]
    lines += _seed_table(f"Three-seed means, {labels[1]} minus {labels[0]} (> 0: {labels[1]} better; MSE: lower):", comparisons)
    lines += ["", f"Each run with {labels[1]} minus SPP (seed 0) in SRCC, paired over all photos:", "",
              "| run | SRCC minus SPP's [95 % CI] | verdict |", "|---|---|---|"]
    lines += [f"| `{v['run']}` | {fmt(v['SRCC minus SPP'])} {fmt(v['95 % CI'])} | {v['verdict']} |" for v in versus_spp]
    if versus_spp3 is not None:
        lines += _seed_table(f"Three-seed means, {labels[1]} minus SPP's seeds 0-2 (> 0: {labels[1]} better; MSE: lower):", versus_spp3)
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return result


def main() -> int:
    names = [n for arm in ARMS.values() for n in arm] + ["spp"]
    preds, _, t, groups = aligned_scores({n: (n, None) for n in names})
    runs = [{"run": name, **run_summary(p, t)} for name, p in preds.items()]
    layout = np.stack([preds[n] for n in ARMS["layout"]], axis=1)
    comparisons = []
    for arm in ("multi-patch ada", "warp"):
        other = np.stack([preds[n] for n in ARMS[arm]], axis=1)
        for r in compare_seeds(other, layout, t, groups, n_boot=1000):
            comparisons.append({"layout vs": arm, "photos": r.group, "metric": r.metric, "layout better by": r.d.difference,
                                "95 % CI": list(r.d.ci), "seed noise": r.noise, "verdict": r.verdict})
    versus_spp = []
    for name in ARMS["layout"]:
        for group, m in groups.items():
            d = paired_bootstrap(metrics.srcc, preds["spp"][m], preds[name][m], t[m], n_boot=1000)
            versus_spp.append({"run": name, "photos": group, "SRCC minus SPP": d.difference, "95 % CI": list(d.ci), "verdict": d.verdict})
    result = {"test_photos": len(t), "photos_per_group": {g: int(m.sum()) for g, m in groups.items()},
              "runs": runs, "layout_vs_three_seed_arms": comparisons, "layout_vs_spp_seed0": versus_spp}
    OUT.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = ["# The layout variant's seeds on the 950 test photos (`benchmarks/layout_seeds.py`)", "",
             "| run | test SRCC [95 % CI] | MSE |", "|---|---|---|"]
    lines += [f"| `{r['run']}` | {fmt(r['test SRCC'])} {fmt(r['95 % CI'])} | {fmt(r['MSE'])} |" for r in runs]
    lines += ["", "Three-seed means, layout minus the other arm (> 0: layout better; MSE: lower):", "",
              "| vs | photos | metric | layout better by [95 % CI] | seed noise | verdict |", "|---|---|---|---|---|---|"]
    lines += [f"| {c['layout vs']} | {c['photos']} | {c['metric'].upper()} | {fmt(c['layout better by'])} {fmt(c['95 % CI'])} | "
              f"{fmt(c['seed noise'])} | {c['verdict']} |" for c in comparisons]
    lines += ["", "Each layout seed minus SPP (seed 0) in SRCC, paired over the photos:", "",
              "| run | photos | SRCC minus SPP's [95 % CI] | verdict |", "|---|---|---|---|"]
    lines += [f"| `{v['run']}` | {v['photos']} | {fmt(v['SRCC minus SPP'])} {fmt(v['95 % CI'])} | {v['verdict']} |" for v in versus_spp]
    OUT.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
