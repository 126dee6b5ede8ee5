"""The layout variant's three seeds changed one way against its shipped three seeds, on the 950 test photos.

The layout variant (``models/multipatch_layout.py``, ``zoo._LAYOUT``: 12 epochs, both columns small
CNNs trained from scratch) reached 0.59-0.63 of the noise ceiling, below the course's goal of 0.65
for every deep model. Each experiment below trains its three seeds (``multipatch_layout``,
``_seed1``, ``_seed2``) with one change, exported with
:func:`aesthetics_lib.course_weights.export_weights` into a folder of their own (``--new``), and
compares them with the shipped weights (or ``--base``) through :func:`layout_seeds.compare_arms`:
every run's test SRCC with its interval and share of the noise ceiling, the three-seed comparison
(paired over the photos, with the seed-noise rule) over all photos and per elongation bucket, and
each new run against SPP (seed 0, shipped); with ``--spp DIR`` (SPP's seeds 1 and 2 exported by
``benchmarks/spp_seeds.py``, in ``runs/weights/spp_seeds``), the new arm against SPP's three seeds with
the seed-noise rule too. Output: ``benchmarks/results/layout_<experiment>.{json,md}``.

- ``epochs``: 24 epochs instead of 12 (its validation SRCC was still rising at 12);
- ``depth``: both columns at the DCNN's RAPID depth, ``model_kwargs.widths`` and
  ``model_kwargs.layout_widths`` ``[32, 64, 64, 64]`` (the DCNN gained from that depth);
- ``lite0``: the patch column EfficientNet-Lite0 with its offline ImageNet weights, cut after its
  fourth feature level (``backbone: efficientnet_lite0``, ``pretrained: package``, ``levels: 4``:
  stride 16, 112 channels, so that it fits the course weights' size budget), 6 epochs;
- ``lite0_epochs``: that Lite0 variant at 12 epochs instead of 6 (two of its seeds were still rising
  at 6); its base is the 6-epoch arm, exported into a folder of its own (``--base DIR``).

    python benchmarks/layout_arms.py depth --new DIR [--spp runs/weights/spp_seeds]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layout_seeds import compare_arms  # noqa: E402

#: ``experiment -> (label of the shipped arm, label of the new arm, title of the table)``
EXPERIMENTS: dict[str, tuple[str, str, str]] = {
    "epochs": ("12 epochs", "24 epochs", "The layout variant at 12 and 24 epochs on the 950 test photos"),
    "depth": ("16-32-64", "32-64-64-64", "The layout variant with columns of three and four blocks on the 950 test photos"),
    "lite0": ("from scratch", "ImageNet Lite0", "The layout variant with a patch column trained from scratch and from "
              "ImageNet EfficientNet-Lite0 on the 950 test photos"),
    "lite0_epochs": ("6 epochs", "12 epochs", "The layout variant on ImageNet Lite0 at 6 and 12 epochs on the 950 test photos"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", choices=sorted(EXPERIMENTS))
    parser.add_argument("--new", type=Path, required=True, help="folder of the changed arm's three exported seeds")
    parser.add_argument("--base", type=Path, default=None, help="folder of the arm it is compared with (default: the shipped weights in weights/)")
    parser.add_argument("--spp", type=Path, default=None, help="folder of SPP's exported seeds 1 and 2 (benchmarks/spp_seeds.py): "
                        "compare the new arm with SPP's three seeds too")
    args = parser.parse_args()
    if args.experiment == "lite0_epochs" and args.base is None:
        parser.error("lite0_epochs compares with the 6-epoch Lite0 seeds, not the shipped from-scratch ones: pass --base DIR")
    base_label, new_label, title = EXPERIMENTS[args.experiment]
    compare_arms(args.base, args.new, (base_label, new_label), title, ROOT / "benchmarks" / "results" / f"layout_{args.experiment}",
                 f"python benchmarks/layout_arms.py {args.experiment}", spp=args.spp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
