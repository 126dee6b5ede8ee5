"""``python -m aesthetics_lib synth``: render a synthetic studio dataset in the real CADB or AVA layout.

Example: ``python -m aesthetics_lib synth --layout cadb --out data/studio_cadb --n 9497 --seed 0``.
It refuses (exit code 2) to write into a non-empty folder that is not a studio dataset of the same
parameters, so nothing a user wrote is ever overwritten; a folder that already holds the same dataset
is left as it is. Introduced in notebooks/00_welcome.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from aesthetics_lib.data.studio.generate import STUDIO_N


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``synth``."""
    parser.add_argument("--layout", choices=("cadb", "ava"), default="cadb", help="on-disk layout and rater model")
    parser.add_argument("--out", required=True, help="folder to create (must be new, empty, or the same dataset)")
    parser.add_argument("--n", type=int, default=STUDIO_N, help=f"number of images (default {STUDIO_N}, CADB's size)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--long-side", type=int, default=160, help="long side of the images in pixels (default 160)")
    parser.add_argument("--workers", type=int, default=None, help="render processes (default: 2 for 200+ images)")


def _summary(root: Path, seconds: float | None) -> str:
    report = json.loads((root / "studio_report.json").read_text(encoding="utf-8"))
    cal, ceiling = report["calibration"], report["noise_ceiling"]
    p = report["params"]
    timing = f" in {seconds:.1f} s" if seconds is not None else " (already there, not regenerated)"
    return (
        f"{report['n_images']} {p['layout'].upper()}-layout images at {p['long_side']} px{timing}: {root}\n"
        f"  mean of means {cal['mean_of_means']:.3f} (real {cal['real']['mean_of_means']}), "
        f"SD {cal['sd_of_means']:.3f} (real {cal['real']['sd_of_means']}); "
        f"noise ceiling SRCC(vote mean, true quality) = {ceiling['srcc_vote_mean_vs_true_quality']:.3f}"
    )


def run(args: argparse.Namespace) -> int:
    """Generate the dataset and print a short summary; returns the exit code."""
    from aesthetics_lib.data import studio

    if args.n < 1 or args.long_side < 16:
        print(f"synth: expected --n >= 1 and --long-side >= 16, found {args.n} and {args.long_side}", file=sys.stderr)
        return 2
    out = Path(args.out).expanduser()
    existed = studio.studio_params(out) is not None
    generate = studio.generate_cadb if args.layout == "cadb" else studio.generate_ava
    start = time.perf_counter()
    try:
        root = generate(out, n=args.n, seed=args.seed, long_side=args.long_side, workers=args.workers)
    except FileExistsError as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    seconds = None if existed else time.perf_counter() - start
    print(_summary(root, seconds))
    return 0
