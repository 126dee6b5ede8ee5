"""Does the multi-patch model lose the fine-detail terms because its patches are cut from a scaled photo?

The course's multi-patch config (``configs/studio_multipatch.yaml``, Wang et al.'s 6 random patches
of 48 x 48 with MPEMD_ada) cuts its patches from the photo scaled to a shorter side of 72 pixels: a
3:2 studio file (160 x 107) is shrunk to 108 x 72, a 3:1 file (160 x 53) enlarged to 217 x 72. Wang
et al. cut theirs from the photo as it is. The benchmarks README ("Which quality terms each course
model follows") found the shipped run following softness, texture and clutter less than SPP, which
sees the files at their own size, and left open whether the scale is why; notebook 06 finds that not
seeing placement explains only part of the runs' shortfall.

This pilot trains the config twice with the same seed and a shorter budget (``--epochs``, default
12), everything else the course's:

- ``scaled``: the course's patches view (shorter side 72);
- ``native``: the same patches cut from the file at its own size (no resize; the evaluation grid as
  usual, on the file).

``score`` puts both on the course studio's 950 test photos, each through its own evaluation view:
test SRCC and MSE with paired intervals (native minus scaled), and the SRCC of each with the
studio's fine-detail terms (noise, softness, texture), clutter and placement.

    python benchmarks/multipatch_scale.py train --arm scaled --out runs/mp_scale/scaled
    python benchmarks/multipatch_scale.py train --arm native --out runs/mp_scale/native
    python benchmarks/multipatch_scale.py score runs/mp_scale/scaled/best.pt runs/mp_scale/native/best.pt \\
        --out benchmarks/results/multipatch_scale.json

At the course budget, against the shipped run (its own checkpoint is the scaled arm):

    python benchmarks/multipatch_scale.py train --arm native --epochs 48 --out runs/mp_scale/native48
    python benchmarks/multipatch_scale.py score weights/multipatch.pt runs/mp_scale/native48/best.pt \\
        --out benchmarks/results/multipatch_scale48.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from torchvision import tv_tensors

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.data import studio  # noqa: E402
from aesthetics_lib.data.transforms import PatchesView, _as_image  # noqa: E402
from aesthetics_lib.train import Trainer, build_datasets, eval_transform_for, predict  # noqa: E402
from aesthetics_lib.training import load_checkpoint  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402
from sgfm_epochs import write_result  # noqa: E402

N_BOOT = 1000
TERMS = ("term_noise", "term_softness", "term_texture", "term_clutter", "term_placement")


class NativePatches(PatchesView):
    """The patches view without its resize: patches cut from the file at its own size."""

    @classmethod
    def like(cls, view: PatchesView) -> "NativePatches":
        new = cls.__new__(cls)
        new.__dict__.update(view.__dict__)
        return new

    def __call__(self, img):
        x = _as_image(img)
        s = self.patch_size
        patches = tv_tensors.Image(torch.stack([x[..., t : t + s, l : l + s] for t, l in self.positions(*x.shape[-2:])]))
        return self.finish(self.augment(patches))


def view_of(arm: str, view: PatchesView) -> PatchesView:
    """The library's patches ``view`` for arm ``scaled``, the same view without its resize for ``native``."""
    return NativePatches.like(view) if arm == "native" else view


def train(arm: str, out: str, epochs: int) -> None:
    cfg = course_config("multipatch", overrides={"epochs": epochs}).replace(out=out, progress=False, verbose=True)
    train_set, val_set, _ = build_datasets(cfg, splits=("train", "val"))
    train_set.transform, val_set.transform = view_of(arm, train_set.transform), view_of(arm, val_set.transform)
    print(f"arm {arm}: a training input {tuple(train_set[0]['image'].shape)} from a file of"
          f" {tuple(int(v) for v in train_set.sizes()[0])}", flush=True)
    Trainer(cfg, datasets=(train_set, val_set)).fit()


def score(scaled_ckpt: str, native_ckpt: str, out: str | None) -> dict:
    result: dict = {"test": {}, "terms": {}, "paired": {}}
    preds, ids = {}, {}
    for arm, ckpt in (("scaled", scaled_ckpt), ("native", native_ckpt)):
        model, config, state = load_checkpoint(ckpt)
        _, _, test = build_datasets(config, splits=("test",))
        test.transform = view_of(arm, eval_transform_for(config))
        p = predict(model, test, batch_size=16)
        preds[arm], ids[arm] = p["mean"].astype(np.float64), list(p["image_id"])
        truth = p["target_mean"].astype(np.float64)
        result["test"][arm] = {"srcc": metrics.srcc(preds[arm], truth),
                               "srcc_ci": list(metrics.bootstrap_ci(metrics.srcc, preds[arm], truth, n_boot=N_BOOT)),
                               "mse": metrics.mse(preds[arm], truth), "epoch": state.get("epoch")}
    assert ids["scaled"] == ids["native"], "the two arms scored the test photos in another order"
    factors = studio.read_factors(test.root).set_index("image_id").loc[ids["scaled"]]
    for arm in preds:
        result["terms"][arm] = {t: metrics.srcc(preds[arm], factors[t].to_numpy(float)) for t in TERMS}
    for name, fn in (("srcc", metrics.srcc), ("mse", metrics.mse)):
        d = paired_bootstrap(fn, preds["scaled"], preds["native"], truth, n_boot=N_BOOT)
        result["paired"][f"test {name}: native minus scaled"] = [d.difference, list(d.ci), d.verdict]
    for t in TERMS:
        d = paired_bootstrap(metrics.srcc, preds["scaled"], preds["native"], factors[t].to_numpy(float), n_boot=N_BOOT)
        result["paired"][f"SRCC with {t}: native minus scaled"] = [d.difference, list(d.ci), d.verdict]
    write_result(result, out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--arm", choices=("scaled", "native"), required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=12)
    s = sub.add_parser("score")
    s.add_argument("scaled")
    s.add_argument("native")
    s.add_argument("--out")
    args = parser.parse_args(argv)
    if args.command == "train":
        train(args.arm, args.out, args.epochs)
    else:
        score(args.scaled, args.native, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
