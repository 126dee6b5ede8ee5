"""Is the multi-patch model's small column or its linear head why it trails SPP on the studio?

The course's multi-patch config (``configs/studio_multipatch.yaml``, Wang et al.'s 6 random patches
of 48 x 48 with MPEMD_ada) scores each patch with the course's three-block CNN (16-32-64), averages
the 6 x 6 map of 64 features and maps them to the 5 bins with one linear layer. SPP reads the same
kind of CNN but keeps 21 max-pooled cells (1,344 features) and a hidden layer of 256; the DCNN gained
when its columns got RAPID's four blocks (32-64-64-64; benchmarks README, "The DCNN's columns at
RAPID's depth"). The benchmarks README found the multi-patch runs following softness, texture and
clutter less than SPP, and neither placement (notebook 06) nor the patches' scale
(``multipatch_scale.py``) explains it. This pilot trains the config twice more, with the same seed
and a shorter budget (``--epochs``, default 12), everything else the course's:

- ``hidden``: a hidden layer of 256 before the bins (``model_kwargs.hidden``, a library option);
- ``deep``: that head and each patch's column with four blocks 32-64-64-64. The library's
  multi-patch model takes no ``widths``, so this script registers a subclass that does, under the
  name ``multipatch_widths_pilot``: its checkpoints load where this script is imported.

``score`` puts them and a control (the course config at the same budget and seed, e.g. the
``scaled`` arm of ``multipatch_scale.py``) on the course studio's 950 test photos through the
patches' evaluation view: test SRCC and MSE, each arm paired against the control, and the SRCC of
each with the studio's terms that the multi-patch runs follow least (softness, texture, clutter),
noise and placement.

    OMP_NUM_THREADS=1 python benchmarks/multipatch_capacity.py train --arm hidden --out runs/mp_capacity/hidden
    OMP_NUM_THREADS=1 python benchmarks/multipatch_capacity.py train --arm deep --out runs/mp_capacity/deep
    python benchmarks/multipatch_capacity.py score runs/mp_scale/scaled/best.pt \\
        hidden=runs/mp_capacity/hidden/best.pt deep=runs/mp_capacity/deep/best.pt \\
        --out benchmarks/results/multipatch_capacity.json

At the course's budget (48 epochs) and seeds 0-2, against the shipped multi-patch runs
(``weights/multipatch.pt``, ``multipatch_seed1.pt``, ``multipatch_seed2.pt``: the same config at 48
epochs): ``train --arm deep --epochs 48 --seed S --out runs/mp_capacity/deep48[_seedS]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.data import studio  # noqa: E402
from aesthetics_lib.models.heads import BackboneMap  # noqa: E402
from aesthetics_lib.models.multipatch import MultiPatchNet  # noqa: E402
from aesthetics_lib.models.registry import register_model  # noqa: E402
from aesthetics_lib.train import Trainer, build_datasets, eval_transform_for, predict  # noqa: E402
from aesthetics_lib.training import load_checkpoint  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402
from sgfm_epochs import write_result  # noqa: E402

N_BOOT = 1000
TERMS = ("term_softness", "term_texture", "term_clutter", "term_noise", "term_placement")
DEEP_WIDTHS = (32, 64, 64, 64)
ARMS = {
    "hidden": {"model_kwargs": {"backbone": "shallow", "hidden": [256]}},
    "deep": {"model": "multipatch_widths_pilot",
             "model_kwargs": {"backbone": "shallow", "hidden": [256], "widths": list(DEEP_WIDTHS)}},
}


@register_model("multipatch_widths_pilot")
class WidePatchNet(MultiPatchNet):
    """The course's multi-patch network with ``widths`` setting the blocks of its shallow column."""

    def __init__(self, *args, widths: Sequence[int] = DEEP_WIDTHS, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        out_channels = self.backbone.out_channels
        self.backbone = BackboneMap("shallow", False, widths=tuple(int(c) for c in widths))
        if self.backbone.out_channels != out_channels:  # the head and attribute head read the last width
            raise ValueError(f"WidePatchNet: the last width must be {out_channels}, found {widths}")


def train(arm: str, out: str, epochs: int, seed: int = 0) -> None:
    """Train ``arm`` with ``seed`` into ``out``, continuing exactly from ``out/last.pt`` when a run was stopped."""
    cfg = course_config("multipatch", overrides={"epochs": epochs, "seed": seed, **ARMS[arm]})
    Trainer(cfg.replace(out=out, progress=False, verbose=True), resume=True).fit()


def score(control: str, arms: dict[str, str], out: str | None) -> dict:
    """Each checkpoint of ``arms`` (label -> path) and ``control`` on the test photos, paired against the control."""
    result: dict = {"control": control, "arms": arms, "test": {}, "terms": {}, "paired": {}}
    preds, ids, truth, test = {}, {}, None, None
    for label, ckpt in {"control": control, **arms}.items():
        model, config, state = load_checkpoint(ckpt)
        _, _, test = build_datasets(config, splits=("test",))
        test.transform = eval_transform_for(config)
        p = predict(model, test, batch_size=16)
        preds[label], ids[label] = p["mean"].astype(np.float64), list(p["image_id"])
        truth = p["target_mean"].astype(np.float64)
        result["test"][label] = {"srcc": metrics.srcc(preds[label], truth),
                                 "srcc_ci": list(metrics.bootstrap_ci(metrics.srcc, preds[label], truth, n_boot=N_BOOT)),
                                 "mse": metrics.mse(preds[label], truth), "epoch": state.get("epoch"),
                                 "parameters": int(sum(q.numel() for q in model.parameters()))}
    assert all(v == ids["control"] for v in ids.values()), "the arms scored the test photos in another order"
    factors = studio.read_factors(test.root).set_index("image_id").loc[ids["control"]]
    for label in preds:
        result["terms"][label] = {t: metrics.srcc(preds[label], factors[t].to_numpy(float)) for t in TERMS}
    for label in arms:
        for name, fn in (("srcc", metrics.srcc), ("mse", metrics.mse)):
            d = paired_bootstrap(fn, preds["control"], preds[label], truth, n_boot=N_BOOT)
            result["paired"][f"test {name}: {label} minus control"] = [d.difference, list(d.ci), d.verdict]
        for t in TERMS:
            d = paired_bootstrap(metrics.srcc, preds["control"], preds[label], factors[t].to_numpy(float), n_boot=N_BOOT)
            result["paired"][f"SRCC with {t}: {label} minus control"] = [d.difference, list(d.ci), d.verdict]
    write_result(result, out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--arm", choices=tuple(ARMS), required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=12)
    t.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("score")
    s.add_argument("control", help="the course config's checkpoint at the same budget and seed")
    s.add_argument("arms", nargs="+", metavar="LABEL=CHECKPOINT")
    s.add_argument("--out")
    args = parser.parse_args(argv)
    if args.command == "train":
        train(args.arm, args.out, args.epochs, args.seed)
    else:
        arms = dict(a.split("=", 1) for a in args.arms)
        score(args.control, arms, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
