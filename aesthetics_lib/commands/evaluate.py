"""``python -m aesthetics_lib evaluate --checkpoint FILE [--data cadb:DIR|ava:DIR|studio] [--split test]
[--json]``: score a checkpoint on a split, with bootstrap 95% intervals, beside the naive baseline.

Prints MSE, EMD (r=1 and r=2), SRCC, LCC and binary accuracy (at the dataset's threshold), each with a
percentile-bootstrap interval over images, next to the same metrics for predicting the training
mean for every image (the naive baseline: its SRCC and LCC are undefined, a constant has no
ranking). ``--data studio`` rebuilds the studio the checkpoint was trained on (same size and seed).
``--json`` prints one JSON object instead (keys ``srcc``, ``lcc``, ``mse``, ``emd1``, ``emd2``,
``accuracy``, ``balanced_accuracy``, each with ``<key>_ci``, the same with a ``naive_`` prefix, and
``n``, ``split``, ``data``, ``checkpoint``, ``epoch``; on studio data also ``true_srcc`` and
``noise_ceiling_srcc`` against the studio's hidden true quality; for a model with an attribute head
on data with attribute labels, ``attributes``: one entry per attribute from
:func:`aesthetics_lib.metrics.attribute_agreement`); NaN is written as ``null``.
Introduced in notebooks/04_metrics_and_losses.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

METRICS: tuple[tuple[str, str], ...] = (
    ("mse", "MSE (means)"),
    ("emd1", "EMD r=1"),
    ("emd2", "EMD r=2"),
    ("srcc", "SRCC"),
    ("lcc", "LCC"),
    ("accuracy", "accuracy"),
    ("balanced_accuracy", "balanced accuracy"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evaluate``."""
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by train (best.pt, last.pt)")
    parser.add_argument(
        "--data",
        help="cadb:DIR, ava:DIR or studio (default: the data the checkpoint was trained on; studio "
        "means the same studio, rendered again if needed)",
    )
    parser.add_argument("--split", default="test", choices=("train", "val", "test", "all"), help="split (default test)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="photos per forward pass (default: 16 on a CPU, 64 on a GPU)")
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the intervals (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")


def json_safe(value: Any) -> Any:
    """JSON-safe: NaN/inf -> None, tuples -> lists, NumPy scalars -> numbers, dict keys -> str."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def evaluate_checkpoint(
    checkpoint: str,
    data: str | None = None,
    split: str = "test",
    batch_size: int | None = None,
    num_workers: int = 0,
    device: str = "auto",
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Metrics of ``checkpoint`` on ``split`` of ``data`` with intervals, and the naive baseline's
    (``naive_`` prefix); see the module docstring for the keys. For a binary head SRCC, LCC and
    accuracy use P(good) (:func:`_comparable_score`); MSE and EMD, which need a score on the 1..K
    scale, are NaN."""
    from aesthetics_lib.inference import Predictor
    from aesthetics_lib.metrics import attribute_agreement, evaluate_predictions, naive_baseline
    from aesthetics_lib.training.build import resolve_data

    predictor = Predictor.from_checkpoint(checkpoint, device=device, batch_size=batch_size, num_workers=num_workers)
    info = predictor.checkpoint
    config = info.config if not data else info.config.replace(data=data)
    spec = resolve_data(config)
    dataset = predictor.open_split(split, spec)
    if len(dataset) == 0:
        raise ValueError(f"evaluate: the {split} split of {spec} has no readable images")
    if dataset.num_bins != predictor.spec.num_bins:
        raise ValueError(
            f"evaluate: the checkpoint predicts {predictor.spec.num_bins} score bins but {spec} has "
            f"{dataset.num_bins}; evaluate it on data of the layout it was trained on"
        )
    pred = predictor.predict(dataset)
    threshold = float(dataset.threshold)
    result = evaluate_predictions(
        pred.dist, pred.target_dist, threshold, ci=True, n_boot=n_boot, seed=seed,
        pred_mean=_comparable_score(pred, threshold) if pred.dist is None else None, true_mean=pred.target_mean,
    )
    if pred.mean is None:  # P(good) ranks and classifies, but it is no score on the 1..K scale
        for key in ("mse", "emd1", "emd2"):
            result[key], result[f"{key}_ci"] = math.nan, (math.nan, math.nan)
    # the naive baseline predicts the mean of *this* dataset's training split
    try:
        train = predictor.open_split("train", spec, transform=None, verify_images=False)
        train_mean, train_dist = train.means(), train.targets()
    except Exception:  # e.g. a folder that holds only a test split: fall back to the run's own training mean
        train_mean, train_dist = info.meta.get("train_mean"), info.meta.get("train_dist")
    naive = naive_baseline(
        train_mean, pred.target_dist, threshold, train_dist=train_dist, ci=True, n_boot=n_boot, seed=seed,
        true_mean=pred.target_mean,
    )
    out: dict[str, Any] = dict(result)
    out.update(studio_truth(spec, pred))
    names = list(predictor.attribute_names)
    annotations = getattr(dataset, "annotations", None)
    if pred.attributes is not None and names and annotations is not None and set(names) <= set(annotations.columns):
        out["attributes"] = attribute_agreement(pred.attributes, annotations[names].to_numpy(), names, n_boot=n_boot, seed=seed)
    out.update({f"naive_{k}": v for k, v in naive.items()})
    out.update(
        {
            "n": int(len(pred)),
            "skipped": len(getattr(dataset, "skipped", [])),
            "split": split,
            "data": str(spec),
            "threshold": threshold,
            "checkpoint": str(checkpoint),
            "model": predictor.spec.name,
            "head": predictor.spec.head,
            "epoch": info.epoch,
            "val_srcc": info.best.get("srcc"),
            "naive_train_mean": float(sum(train_mean) / len(train_mean)) if hasattr(train_mean, "__len__") else train_mean,
        }
    )
    return out


def _comparable_score(pred: Any, threshold: float) -> Any:
    """The score metrics compare with the true means: the predicted mean, or for a binary head
    ``threshold + P(good) - 0.5`` (same ranking as P(good), and ">= threshold" exactly when
    P(good) >= 0.5, so SRCC, LCC and accuracy mean what they say)."""
    return pred.mean if pred.mean is not None else threshold + pred.prob_good.astype("float64") - 0.5


def studio_truth(spec: Any, pred: Any) -> dict[str, float]:
    """For studio data, which knows each image's true quality: ``true_srcc`` (the model's predicted
    scores against the true quality) and ``noise_ceiling_srcc`` (the raters' vote means against it:
    no model can be expected to beat the raters themselves). Empty for real datasets.
    ``spec``: a :class:`~aesthetics_lib.data.registry.DataSpec` with its folder."""
    from aesthetics_lib.data.studio import FACTORS_FILE, read_factors
    from aesthetics_lib.metrics import srcc

    root = getattr(spec, "root", None)
    if root is None or not (root / FACTORS_FILE).is_file():
        return {}
    factors = read_factors(root).set_index("image_id")
    ids = [str(i) for i in (pred.image_id if pred.image_id is not None else [])]
    if not ids or "true_quality" not in factors.columns or not set(ids) <= set(factors.index):
        return {}
    truth = factors.loc[ids, "true_quality"].to_numpy(dtype=float)
    return {
        "true_srcc": srcc(pred.score, truth),
        "noise_ceiling_srcc": srcc(pred.target_mean, truth),
    }


def format_report(result: dict[str, Any]) -> str:
    """The human-readable table of :func:`evaluate_checkpoint`'s result."""
    from aesthetics_lib.notebook import fmt

    def cell(key: str) -> str:
        v = result.get(key)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "undefined"
        text = fmt(v)
        ci = result.get(f"{key}_ci")
        if ci is not None and all(isinstance(c, float) and math.isfinite(c) for c in ci):
            text += f" [{fmt(ci[0])}, {fmt(ci[1])}]"
        return text

    lines = [
        f"checkpoint {result['checkpoint']} ({result['model']}, epoch {result['epoch']}"
        + (f", validation SRCC {fmt(result['val_srcc'])}" if isinstance(result.get("val_srcc"), float) else "")
        + ")",
        f"data {result['data']}, split {result['split']}: {result['n']} images"
        + (f" ({result['skipped']} unreadable, skipped)" if result.get("skipped") else "")
        + f"; accuracy threshold {fmt(result['threshold'])}",
        "",
    ]
    rows = [("metric", "model [95% bootstrap CI]", f"naive: predict the training mean {fmt(result['naive_train_mean'])}")]
    rows += [(label, cell(key), cell(f"naive_{key}")) for key, label in METRICS]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    lines.append("")
    lines.append("The naive baseline's SRCC and LCC are undefined: a constant prediction ranks nothing.")
    if "true_srcc" in result:
        lines.append(
            f"Studio ground truth: SRCC of the predicted means with the true quality {fmt(result['true_srcc'])}; "
            f"of the raters' vote means with it {fmt(result['noise_ceiling_srcc'])} (the noise ceiling)."
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Evaluate; returns 0."""
    result = evaluate_checkpoint(
        args.checkpoint, args.data, args.split, args.batch_size, args.num_workers, args.device, args.n_boot, args.seed
    )
    if args.json:
        json.dump({k: json_safe(v) for k, v in result.items()}, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(format_report(result))
    return 0
