"""A pilot for the course DCNN's capacity: the same config (``configs/studio_dcnn.yaml``, 72 epochs,
seed 0) with wider or deeper ShallowCNN columns, against the shipped ``weights/dcnn.pt`` (widths
16-32-64 per column).

The course DCNN underfits: its training EMD fell only from 0.181 to 0.147 in 72 epochs and its
validation SRCC was still rising at the end (``benchmarks/README.md``). RAPID's columns had four
convolutional layers of 64 filters each. The library's ``DCNN`` does not take the backbone's widths
from a config, and adding that to ``aesthetics_lib/models/dcnn.py`` would change the code hash of the
dcnn weights and its six notebook-05 variants, so this pilot patches the widths in, in this process
only (:func:`columns_of`): each arm's runs, checkpoints and evaluations go through that patch and
must never be exported into ``weights/`` (their config says ``dcnn``, their columns do not).

Each arm trains with ``course_weights.train_weights`` one epoch per call in
``runs/weights/<arm>-<config hash>-<code hash>``, so a stopped run resumes exactly from its
``last.pt`` when the same command is run again. One thread per process::

    OMP_NUM_THREADS=1 python benchmarks/dcnn_width.py --train dcnn_w32_64_64_64 &
    OMP_NUM_THREADS=1 python benchmarks/dcnn_width.py --train dcnn_w32_64_128
    OMP_NUM_THREADS=1 python benchmarks/dcnn_width.py --evaluate benchmarks/results/dcnn_width.json
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from target_budget import train  # noqa: E402

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402
from aesthetics_lib.models import dcnn as dcnn_module  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

#: arm name -> the widths of each ShallowCNN column (the course's: 16, 32, 64)
ARMS: dict[str, tuple[int, ...]] = {
    "dcnn_w32_64_64_64": (32, 64, 64, 64),  # RAPID-like: four blocks, 64 filters from the second on
    "dcnn_w32_64_128": (32, 64, 128),  # three blocks, each twice the course's width
}


@contextlib.contextmanager
def columns_of(widths: tuple[int, ...] | None) -> Iterator[None]:
    """Within the block, every DCNN built in this process has ShallowCNN columns of ``widths``
    (None: the library's own)."""
    original = dcnn_module.BackboneMap
    if widths is not None:
        dcnn_module.BackboneMap = functools.partial(original, widths=tuple(widths))
    try:
        yield
    finally:
        dcnn_module.BackboneMap = original


def run_of(arm: str) -> Path:
    """The run folder of ``arm``."""
    return cw.run_folder(arm, course_config("dcnn"))


def test_predictions(checkpoint: Path, widths: tuple[int, ...] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(image ids, predicted means, true means, parameter count) on the 950 test photos, sorted by id."""
    with columns_of(widths):
        predictor = Predictor.from_checkpoint(checkpoint, device="cpu")
    dataset = predictor.open_split("test")
    p = predictor.predict(dataset)
    truth = dict(zip(dataset.image_ids, dataset.means()))
    ids = np.asarray(p.image_id)
    order = np.argsort(ids)
    n_params = sum(t.numel() for t in predictor.model.parameters())
    return ids[order], np.asarray(p.mean, float)[order], np.array([truth[i] for i in ids[order]]), n_params


def evaluate(out: Path, n_boot: int = 1000) -> dict[str, Any]:
    """Test SRCC of each finished arm's ``best.pt`` and of the shipped DCNN, paired (arm minus shipped)."""
    ids, shipped, truth, shipped_params = test_predictions(cw.weights_dir() / "dcnn.pt", None)
    ceiling = json.loads((cw.weights_dir() / "dcnn.json").read_text())["test"]["noise_ceiling_srcc"]
    result: dict[str, Any] = {"shipped dcnn": {"widths": [16, 32, 64], "parameters": shipped_params,
                                               "test_srcc": round(metrics.srcc(shipped, truth), 4)}}
    for arm, widths in ARMS.items():
        run = run_of(arm)
        if not (run / "best.pt").is_file():
            print(f"{arm}: no best.pt in {run}; skipped")
            continue
        history = json.loads((run / "history.json").read_text())
        arm_ids, pred, _, n_params = test_predictions(run / "best.pt", widths)
        if not (arm_ids == ids).all():
            raise ValueError(f"{arm}: its test photos are not the shipped model's")
        srcc = metrics.srcc(pred, truth)
        lo, hi = metrics.bootstrap_ci(metrics.srcc, pred, truth, n_boot=n_boot)
        d = paired_bootstrap(metrics.srcc, shipped, pred, truth, n_boot=n_boot)
        best = max(history, key=lambda h: h["val_srcc"])
        result[arm] = {"widths": list(widths), "parameters": n_params, "epochs_done": len(history),
                       "best_epoch": best["epoch"], "best_val_srcc": round(best["val_srcc"], 4),
                       "last_train_loss": round(history[-1]["train_loss"], 4),
                       "test_srcc": round(srcc, 4), "test_srcc_ci": [round(lo, 4), round(hi, 4)],
                       "share_of_ceiling": round(srcc / ceiling, 3),
                       "minus_shipped": round(d.difference, 5), "ci": [round(d.low, 5), round(d.high, 5)], "verdict": d.verdict}
        print(arm, json.dumps(result[arm]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", choices=sorted(ARMS), help="train this arm (resumes from its last.pt)")
    parser.add_argument("--evaluate", type=Path, help="score the finished arms and the shipped DCNN; JSON to this file")
    args = parser.parse_args(argv)
    if args.train:
        with columns_of(ARMS[args.train]):
            train(args.train, course_config("dcnn"))
    elif args.evaluate:
        evaluate(args.evaluate)
    else:
        parser.error("expected --train ARM or --evaluate FILE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
