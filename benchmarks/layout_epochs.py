"""The layout variant trained 24 epochs instead of 12: does a bigger budget lift it to 0.65 of the ceiling?

Notebook 06's multi-patch family sits at 0.48-0.54 of the noise ceiling, below the course's goal of
0.65 for every deep model; the layout variant (``models/multipatch_layout.py``) reached 0.59-0.63
with 12 epochs, and its validation SRCC was still rising at the end (``benchmarks/README.md``, "The
layout variant as course weights again"). This script scores two exported sets of its three seeds
(``multipatch_layout``, ``_seed1``, ``_seed2``: ``.pt`` and ``.json`` in each folder, as
:func:`aesthetics_lib.course_weights.export_weights` writes them) on the 950 test photos, and writes
``benchmarks/results/layout_epochs.{json,md}`` (:func:`layout_seeds.compare_arms`): every run's test
SRCC with its interval and its share of the noise ceiling, the three-seed comparison of the long
budget against the short one (paired over the photos, with the seed-noise rule), over all photos and
per elongation bucket, and each long run against SPP (seed 0, shipped).

    python benchmarks/layout_epochs.py --long DIR24
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layout_seeds import compare_arms  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "layout_epochs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", type=Path, default=None, help="folder of the 12-epoch exports (default: the shipped ones in weights/)")
    parser.add_argument("--long", type=Path, required=True, help="folder of the 24-epoch exports")
    args = parser.parse_args()
    compare_arms(args.short, args.long, ("12 epochs", "24 epochs"), "The layout variant at 12 and 24 epochs on the 950 test photos", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
