"""The course DCNN's capacity: how wide its two ShallowCNN columns are, paired on the 950 test photos.

The course DCNN first had columns of widths 16-32-64 (48,037 parameters) and underfit: its training
EMD fell only from 0.181 to 0.147 in 72 epochs. Since session 24, ``configs/studio_dcnn.yaml`` gives
its columns RAPID's depth, four blocks of widths 32-64-64-64 (``model_kwargs.widths``, 187,589
parameters), and ``weights/dcnn.pt`` is trained from that config. This script scores the shipped
weights against

* the course weights at earlier git revisions, ``--before REV`` (:func:`multilevel.weights_at`): the
  16-32-64 weights are ``weights/dcnn.pt`` at c5cf6a2 (loading them builds the network their saved
  config describes, so no patch is needed), and
* the :data:`ARMS` that were trained here: the course config with other widths, trained with
  ``course_weights.train_weights`` one epoch per call in ``runs/weights/<arm>-<config hash>-<code
  hash>`` (a stopped run resumes exactly from its ``last.pt`` when the same command runs again).

One thread per process::

    OMP_NUM_THREADS=1 python benchmarks/dcnn_width.py --train dcnn_w32_64_128
    OMP_NUM_THREADS=1 python benchmarks/dcnn_width.py --evaluate benchmarks/results/dcnn_width.json \
        --before c5cf6a2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from multilevel import weights_at  # noqa: E402
from scoring import score_test  # noqa: E402
from target_budget import train  # noqa: E402

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.train import TrainConfig  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

#: arm name -> the widths of each ShallowCNN column (the course config's own: 32, 64, 64, 64)
ARMS: dict[str, tuple[int, ...]] = {
    "dcnn_w32_64_128": (32, 64, 128),  # three blocks, each twice the first course weights' width
}


def arm_config(arm: str) -> TrainConfig:
    """The course DCNN config with ``arm``'s column widths."""
    return course_config("dcnn", overrides={"model_kwargs.widths": list(ARMS[arm])})


def test_predictions(checkpoint: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], int]:
    """(image ids, predicted means, true means, column widths, parameter count) on the 950 test
    photos, sorted by id."""
    scores = score_test(checkpoint).by_id()
    model = scores.predictor.model
    n_params = sum(t.numel() for t in model.parameters())
    return np.asarray(scores.ids), scores.pred, scores.truth, list(model.backbone.model.widths), n_params


def evaluate(out: Path, before: Sequence[str], n_boot: int = 1000) -> dict[str, Any]:
    """Test SRCC of the shipped DCNN, of ``weights/dcnn.pt`` at each git revision of ``before`` and of
    each finished arm's ``best.pt``, each paired with the shipped weights (other minus shipped). JSON
    to ``out``."""
    shipped_path = cw.weights_dir() / "dcnn.pt"
    ids, shipped, truth, widths, n_params = test_predictions(shipped_path)
    ceiling = json.loads((cw.weights_dir() / "dcnn.json").read_text())["test"]["noise_ceiling_srcc"]

    def scored(pred: np.ndarray) -> dict[str, Any]:
        srcc = metrics.srcc(pred, truth)
        lo, hi = metrics.bootstrap_ci(metrics.srcc, pred, truth, n_boot=n_boot)
        return {"test_srcc": round(srcc, 4), "test_srcc_ci": [round(lo, 4), round(hi, 4)],
                "share_of_ceiling": round(srcc / ceiling, 3)}

    result: dict[str, Any] = {"shipped dcnn": {"checkpoint": "weights/dcnn.pt", "widths": widths,
                                               "parameters": n_params, **scored(shipped)}}
    with tempfile.TemporaryDirectory() as tmp:
        others = {f"dcnn at {rev}": (weights_at(rev, "dcnn", Path(tmp)), f"weights/dcnn.pt at {rev}") for rev in before}
        for arm in ARMS:
            run = cw.run_folder(arm, arm_config(arm))
            if (run / "best.pt").is_file():
                others[arm] = (run / "best.pt", str(run / "best.pt"))
            else:
                print(f"{arm}: no best.pt in {run}; skipped")
        for label, (path, shown) in others.items():
            other_ids, pred, _, other_widths, other_params = test_predictions(path)
            if not (other_ids == ids).all():
                raise ValueError(f"{label} ({shown}): its test photos are not the shipped model's")
            d = paired_bootstrap(metrics.srcc, shipped, pred, truth, n_boot=n_boot)
            result[label] = {"checkpoint": shown, "widths": other_widths, "parameters": other_params, **scored(pred),
                             "minus_shipped": round(d.difference, 5), "ci": [round(d.low, 5), round(d.high, 5)],
                             "verdict": d.verdict}
            history = path.parent / "history.json"
            if history.is_file():  # an arm trained here: its training too
                rows = json.loads(history.read_text())
                best = max(rows, key=lambda h: h["val_srcc"])
                result[label].update(epochs_done=len(rows), best_epoch=best["epoch"],
                                     best_val_srcc=round(best["val_srcc"], 4), last_train_loss=round(rows[-1]["train_loss"], 4))
    for label, row in result.items():
        print(label, json.dumps(row))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", choices=sorted(ARMS), help="train this arm (resumes from its last.pt)")
    parser.add_argument("--evaluate", type=Path, help="score the shipped DCNN, --before and the finished arms; JSON to this file")
    parser.add_argument("--before", action="append", default=[], metavar="REV",
                        help="pair weights/dcnn.pt at this git revision with the shipped weights (repeatable)")
    args = parser.parse_args(argv)
    if args.train:
        train(args.train, arm_config(args.train))
    elif args.evaluate:
        evaluate(args.evaluate, args.before)
    else:
        parser.error("expected --train ARM or --evaluate FILE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
