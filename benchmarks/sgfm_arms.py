"""Two arms of the final model's config that differ in one setting, several training seeds each,
compared on the 950 studio test photos by the course's seed rule.

For example the input size, 128 px (the shipped config; seed 0 is the course weights, seed 1 from
``sgfm_seeds.py``'s runs) against 160 px, the studio's own long side (about an hour for two runs at
once on 2 CPU cores, one thread each)::

    python -m aesthetics_lib train --config studio_sgfm_lite0 --set seed=0 --set size=160 --out runs/sgfm_160/seed0
    python -m aesthetics_lib train --config studio_sgfm_lite0 --set seed=1 --set size=160 --out runs/sgfm_160/seed1
    python benchmarks/sgfm_arms.py --labels "128 px" "160 px" \\
        --base weights/sgfm_lite0.pt runs/sgfm_seeds/seed1/best.pt \\
        --new runs/sgfm_160/seed0/best.pt runs/sgfm_160/seed1/best.pt --out benchmarks/results/sgfm_160.json

It prints and writes each run's numbers (as ``sgfm_epochs.py``: validation SRCC per epoch, test SRCC
with its interval and share of the noise ceiling, MSE, EMD) and
:func:`aesthetics_lib.ablation.compare_seeds` of the new arm against the base (SRCC and MSE on the
seed means, paired over the photos; a verdict only beyond the seed noise). Give the seeds in the
same order in both arms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from layout_seeds import _seed_rows  # noqa: E402
from sgfm_epochs import N_BOOT, noise_ceiling, write_result  # noqa: E402
from sgfm_seeds import scored_runs  # noqa: E402

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib.ablation import compare_seeds  # noqa: E402
from aesthetics_lib.training.checkpoint import config_of, read_checkpoint  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, nargs="+", required=True, help="the base arm's checkpoints, one per seed")
    parser.add_argument("--new", type=Path, nargs="+", required=True, help="the new arm's checkpoints, the same seeds in the same order")
    parser.add_argument("--labels", nargs=2, default=("base", "new"), metavar=("BASE", "NEW"))
    parser.add_argument("--out", type=Path, required=True, help="JSON results")
    args = parser.parse_args(argv)
    if len(args.base) != len(args.new) or len(args.base) < 2:
        parser.error(f"expected two or more seeds per arm and as many in each, found {len(args.base)} and {len(args.new)}")
    seeds = [[config_of(read_checkpoint(path)).seed for path in arm] for arm in (args.base, args.new)]
    if seeds[0] != seeds[1]:  # checked before the minutes of scoring
        parser.error(f"the arms' training seeds differ: {seeds[0]} (--base) and {seeds[1]} (--new)")
    ceiling = noise_ceiling(cw.weights_dir() / "sgfm_lite0.pt")
    base_runs, base = scored_runs(args.base, ceiling)
    new_runs, new = scored_runs(args.new, ceiling, ids=base[0].ids, reference=args.base[0])
    arms = dict(zip(args.labels, (base_runs, new_runs)))
    preds = [np.stack([s.pred for s in scores], axis=1) for scores in (base, new)]
    rows = compare_seeds(*preds, base[0].truth, n_boot=N_BOOT)
    result = {"noise_ceiling": round(ceiling, 4), "arms": arms,
              f"{args.labels[1]} vs {args.labels[0]}": _seed_rows(rows)}
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
