"""Which of the studio's quality terms each course model follows, on the 950 test photos.

A studio photo's true quality is a sum of 17 terms (``aesthetics_lib.data.studio.quality_terms``:
placement, exposure, noise, softness, the fence's rhythm ...), each known for every photo. For each
model this script scores the test split through its checkpoint (``Predictor``) and reports the SRCC
of its predicted means with every term, with a 95 % bootstrap interval over the photos, beside the
same SRCC for the raters' mean votes and for the hidden true quality itself (what a perfect model
would show). With ``--against REF`` each model is also paired with REF, term by term (positive: the
model follows the term more than REF). With ``--without TERM`` a last row is the studio's raw quality
(``quality_raw``, the weighted sum of the terms, which the true quality ranks) less that one term:
how closely each model ranks the photos on everything else. Seventeen terms at the 95 % level can
give a false alarm by chance; read the large differences.

Models are shipped course weights by name (``weights/<name>.pt``) or ``LABEL=CHECKPOINT`` for any
other checkpoint of a course config (a run's ``best.pt``)::

    OMP_NUM_THREADS=1 python benchmarks/quality_terms.py multipatch multipatch_warp spp dcnn \\
        --against spp --out benchmarks/results/quality_terms.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scoring import score_test  # noqa: E402

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.data.studio import (  # noqa: E402
    QUALITY_TERMS, REPORT_FILE, StudioConfig, quality_raw, quality_terms, read_factors, studio_params, true_quality,
)

N_BOOT = 1000


def checkpoint_of(spec: str) -> tuple[str, Path]:
    """``name`` (shipped course weights) or ``LABEL=CHECKPOINT`` -> (label, checkpoint path)."""
    label, _, path = spec.partition("=")
    checkpoint = Path(path) if path else cw.weights_dir() / f"{label}.pt"
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{spec}: no checkpoint at {checkpoint}")
    return label, checkpoint


def with_ci(pred: np.ndarray, target: np.ndarray) -> list[float]:
    """[SRCC, low, high] of ``pred`` against ``target`` (95 % bootstrap interval)."""
    return [round(metrics.srcc(pred, target), 4),
            *(round(v, 4) for v in metrics.bootstrap_ci(metrics.srcc, pred, target, n_boot=N_BOOT))]


def measure(specs: Sequence[str], against: str | None, without: str | None = None) -> dict[str, Any]:
    """Per-term SRCCs of every model (and of the votes and the truth), and the paired differences
    with ``against`` (a label among ``specs``); with ``without``, one more target: the raw quality
    less that term."""
    preds: dict[str, np.ndarray] = {}
    checkpoints: dict[str, str] = {}
    located = [checkpoint_of(spec) for spec in specs]
    if against is not None and against not in [label for label, _ in located]:
        raise ValueError(f"--against {against}: not among the models ({', '.join(label for label, _ in located)})")
    ids = root = None
    for spec, (label, checkpoint) in zip(specs, located):
        scores = score_test(checkpoint).by_id()
        these, pred, this_root = scores.ids, scores.pred, scores.root
        if ids is None:
            ids, root = these, this_root
        elif these != ids or this_root != root:
            raise ValueError(f"{spec}: its test photos are not those of {specs[0]}")
        preds[label] = pred
        checkpoints[label] = str(checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT) else checkpoint)
    factors = read_factors(root).set_index("image_id").loc[ids]
    params = studio_params(root)  # the studio's own layout and term weights, from its report
    if params is None:
        raise ValueError(f"{root}: no {REPORT_FILE}; not a complete studio dataset")
    studio = dataclasses.replace(StudioConfig.for_layout(params["layout"]), weights=params["config"]["weights"])
    terms = quality_terms(factors)
    targets = {t: terms[t].to_numpy(np.float64) for t in QUALITY_TERMS}
    targets["vote mean"] = factors["vote_mean"].to_numpy(np.float64)
    targets["true quality"] = np.asarray(true_quality(factors, studio.layout, studio), dtype=np.float64)
    if without is not None:
        if without not in QUALITY_TERMS:
            raise ValueError(f"--without {without}: not a quality term ({', '.join(QUALITY_TERMS)})")
        weights = {**studio.weights, without: 0.0}  # the studio's, less the term
        targets[f"raw quality without {without}"] = np.asarray(quality_raw(factors, weights), dtype=np.float64)
    truth, votes = targets["true quality"], targets["vote mean"]
    result: dict[str, Any] = {"photos": len(ids), "checkpoints": checkpoints, "against": against, "terms": {}}
    for name, target in targets.items():
        row: dict[str, Any] = {"true quality": with_ci(truth, target) if name != "true quality" else None,
                               "raters' mean": with_ci(votes, target) if name != "vote mean" else None}
        for label, pred in preds.items():
            row[label] = with_ci(pred, target)
            if against is not None and label != against:
                d = paired_bootstrap(metrics.srcc, preds[against], pred, target, n_boot=N_BOOT)
                row[f"{label} minus {against}"] = [round(d.difference, 4), round(d.low, 4), round(d.high, 4), d.verdict]
        result["terms"][name] = row
    return result


def show(result: dict[str, Any]) -> None:
    """One line per term: each column's SRCC [interval]."""
    columns = [c for c in next(iter(result["terms"].values()))]
    print(f"{result['photos']} test photos; SRCC of each column with each term [95 % CI]; "
          "* marks a paired difference whose interval excludes 0")
    print("term".ljust(13) + "".join(c[:26].ljust(27) for c in columns))
    for term, row in result["terms"].items():
        cells = []
        for c in columns:
            v = row[c]
            if v is None:
                cells.append("")
                continue
            mark = " *" if len(v) > 3 and v[3] != "no clear difference" else ""  # the interval excludes 0
            cells.append(f"{v[0]:+.3f} [{v[1]:+.3f}, {v[2]:+.3f}]{mark}")
        print(term.ljust(13) + "".join(cell[:26].ljust(27) for cell in cells))


def save(result: dict[str, Any], out: Path) -> None:
    """Write ``result`` as JSON to ``out``, making its folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="shipped course model names or LABEL=CHECKPOINT")
    parser.add_argument("--against", help="pair every other model with this one, term by term")
    parser.add_argument("--without", help="add a row: the raw quality less this term")
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    result = measure(args.models, args.against, args.without)
    show(result)
    if args.out:
        save(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
