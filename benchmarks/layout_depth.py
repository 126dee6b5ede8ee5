"""The layout variant with columns of the DCNN's RAPID depth: does depth lift it to 0.65 of the ceiling?

The layout variant (``models/multipatch_layout.py``) reached 0.59-0.63 of the noise ceiling with
12 epochs, and neither twice the epochs nor larger or more patches moved it (``benchmarks/README.md``,
"The layout variant with twice the epochs"). The DCNN gained when its columns went from three blocks
(16-32-64) to RAPID's four (32-64-64-64) (section "The DCNN's columns at RAPID's depth"). This script
compares the layout variant's three seeds with both columns at that depth (``model_kwargs.widths``
and ``model_kwargs.layout_widths`` ``[32, 64, 64, 64]``, everything else as ``zoo._LAYOUT``) against
its three seeds with the default columns, exported with
:func:`aesthetics_lib.course_weights.export_weights` into two folders, on the 950 test photos, and
writes ``benchmarks/results/layout_depth.{json,md}`` (:func:`layout_seeds.compare_arms`).

    python benchmarks/layout_depth.py --deep DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layout_seeds import compare_arms  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "layout_depth"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shallow", type=Path, default=None,
                        help="folder of the default-column exports (16-32-64; default: the shipped ones in weights/)")
    parser.add_argument("--deep", type=Path, required=True, help="folder of the RAPID-depth exports (32-64-64-64)")
    args = parser.parse_args()
    compare_arms(args.shallow, args.deep, ("16-32-64", "32-64-64-64"),
                 "The layout variant with columns of three and four blocks on the 950 test photos", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
