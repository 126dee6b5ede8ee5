"""``python -m aesthetics_lib describe --data cadb:DIR|ava:DIR [--json]``: statistics of a dataset.

Reads the annotation files only (image files may be missing; they are counted), and prints the number
of labelled images, how many image files are missing, the mean and SD of the per-image mean scores,
the pooled rating counts per score (CADB: individual ratings 1..5; AVA: votes 1..10), votes per image,
the share above the usual threshold and, for CADB, attribute means and scene counts. ``--json`` prints
one JSON object instead (keys ``n_images``, ``n_missing_images``, ``mean_score``, ``sd_score``,
``rating_counts`` and more). Introduced in notebooks/02_ava_exploration and 03_cadb_exploration.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and pandas load only when the command runs (fast --help)
    import pandas as pd


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``describe``."""
    parser.add_argument(
        "--data",
        default=None,
        help="data spec: cadb:DIR, ava:DIR, studio, studio-ava (default: $AESTHETICS_DATA, else the studio)",
    )
    parser.add_argument("--split", default="all", choices=("all", "train", "test"),
                        help="describe one of the dataset's own splits (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _r(x: float, digits: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), digits)


def describe_annotations(frame: "pd.DataFrame", num_bins: int, threshold: float) -> dict[str, Any]:
    """Summary statistics of an annotation table (see the module docstring for the keys)."""
    import numpy as np
    import pandas as pd

    n = len(frame)
    means = frame["mean"].to_numpy(dtype=float)
    paths = frame["path"].astype(str).tolist()
    missing = [i for i, p in zip(frame["image_id"].astype(str), paths) if not os.path.isfile(p)]
    counts = np.stack(frame["counts"].to_numpy()).sum(0) if n else np.zeros(num_bins, dtype=np.int64)
    total = counts.sum()
    votes = frame["n_votes"].to_numpy()
    out: dict[str, Any] = {
        "dataset": frame.attrs.get("dataset"),
        "root": frame.attrs.get("root"),
        "n_images": n,
        "n_missing_images": len(missing),
        "missing_examples": missing[:5],
        "splits": {str(k): int(v) for k, v in frame["split"].value_counts().sort_index().items()},
        "test_split": frame.attrs.get("test_split"),
        "num_bins": num_bins,
        "mean_score": _r(means.mean()) if n else None,
        "sd_score": _r(means.std(ddof=1)) if n > 1 else None,
        "median_score": _r(float(np.median(means))) if n else None,
        "rating_counts": {str(k + 1): int(c) for k, c in enumerate(counts)},
        "rating_fractions": {str(k + 1): _r(c / total) for k, c in enumerate(counts)} if total else {},
        "votes_per_image": {"min": int(votes.min()), "mean": _r(votes.mean(), 2), "max": int(votes.max())} if n else {},
        "threshold": threshold,
        "fraction_above_threshold": _r(float((means > threshold).mean())) if n else None,
        "mean_rating_sd": _r(frame["std"].mean()) if n else None,
    }
    from aesthetics_lib.data.schema import ATTRIBUTES

    if all(a in frame.columns for a in ATTRIBUTES):
        out["attribute_means"] = {a: _r(frame[a].mean()) for a in ATTRIBUTES}
    if "scene" in frame.columns:
        out["scene_counts"] = {str(k): int(v) for k, v in frame["scene"].value_counts().items()}
    if "challenge_name" in frame.columns and n:
        tags = pd.concat([frame["tag1_name"], frame["tag2_name"]]).dropna()
        out["top_tags"] = {str(k): int(v) for k, v in tags.value_counts().head(10).items()}
        out["n_challenges"] = int(frame["challenge"].nunique())
    return out


def _print_text(s: dict[str, Any]) -> None:
    print(f"dataset            {s['dataset']} ({s['root']})")
    print(f"labelled images    {s['n_images']}   splits: " + ", ".join(f"{k} {v}" for k, v in s["splits"].items()))
    if s.get("test_split"):
        print(f"test split         {s['test_split']}")
    print(f"missing images     {s['n_missing_images']}" + (f"   e.g. {', '.join(s['missing_examples'])}" if s["missing_examples"] else ""))
    print(f"mean score         {s['mean_score']}   SD {s['sd_score']}   median {s['median_score']}   (scale 1..{s['num_bins']})")
    print(f"above {s['threshold']:<12} {s['fraction_above_threshold']}")
    v = s["votes_per_image"]
    if v:
        print(f"votes per image    min {v['min']}   mean {v['mean']}   max {v['max']}")
    print("rating counts      " + "  ".join(f"{k}: {c}" for k, c in s["rating_counts"].items()))
    if s["rating_fractions"]:
        print("rating fractions   " + "  ".join(f"{k}: {c:.3f}" for k, c in s["rating_fractions"].items()))
    if "attribute_means" in s:
        print("attribute means    " + "  ".join(f"{k} {v}" for k, v in s["attribute_means"].items()))
    if "scene_counts" in s:
        print("scenes             " + "  ".join(f"{k} {v}" for k, v in s["scene_counts"].items()))
    if "top_tags" in s:
        print(f"challenges         {s['n_challenges']}")
        print("top tags           " + "  ".join(f"{k} {v}" for k, v in s["top_tags"].items()))


def run(args: argparse.Namespace) -> int:
    """Describe the dataset named by ``args.data``; returns the exit code."""
    from aesthetics_lib.data.registry import default_data, resolve

    spec = resolve(args.data) if args.data else default_data(None)
    if spec.layout == "cadb":
        from aesthetics_lib.data.cadb import read_cadb_annotations
        from aesthetics_lib.data.schema import CADB_BINS, CADB_THRESHOLD

        frame, k, thr = read_cadb_annotations(spec.root), CADB_BINS, CADB_THRESHOLD
    elif spec.layout == "ava":
        from aesthetics_lib.data.ava import read_ava_annotations
        from aesthetics_lib.data.schema import AVA_BINS, AVA_THRESHOLD

        frame, k, thr = read_ava_annotations(spec.root), AVA_BINS, AVA_THRESHOLD
    else:
        raise ValueError(f"describe: expected a cadb or ava data spec, found {spec} (no {spec.layout} reader yet)")
    attrs = dict(frame.attrs)
    if args.split != "all":
        frame = frame[frame["split"] == args.split].reset_index(drop=True)
        frame.attrs.update(attrs)
    summary = describe_annotations(frame, k, thr)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_text(summary)
    return 0
