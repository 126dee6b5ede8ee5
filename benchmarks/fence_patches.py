"""Do the multi-patch model's fence patches lag the warp because few training patches hold the fence?

Notebook 06 ("Where is the fence in the patches?") finds that, on the extreme photos of its fresh
3,000-photo draw, the 6-patch multi-patch runs' patches that hold the studio's fence follow the true
rhythm better than their other patches and than the model's score (the mean of all six), but still
less than the warp (-0.0704 [-0.118, -0.0241] over three seeds). In training, patches are cut at
uniformly random positions, so only about a third of them hold part of a photo's fence (a band along
one edge, 12 % of the short side thick), and every patch learns from the photo's votes whatever it
holds.

``train`` trains the course's multi-patch config (``configs/studio_multipatch.yaml``, its 48 epochs,
seed 0 or ``--seed``) with one change: every training patch of a photo with a fence is cut where it holds part of
the fence (uniformly among those positions; photos without a fence as before). Evaluation is the
usual grid. ``score`` repeats the notebook's measure for that run beside the shipped run of the same
seed and the warp: SRCC with the true rhythm of the fence patches, the other patches and the model's score on
the same photos, paired; and each run's test SRCC on the course studio's 950 test photos.

    python benchmarks/fence_patches.py train --out runs/fence_patches
    python benchmarks/fence_patches.py score runs/fence_patches/best.pt --out benchmarks/results/fence_patches.json
    python benchmarks/fence_patches.py train --seed 1 --out runs/fence_patches_seed1
    python benchmarks/fence_patches.py score runs/fence_patches_seed1/best.pt --seed 1 --out benchmarks/results/fence_patches_seed1.json

Run here with seeds 0 and 1 (``--seed``), each paired with the shipped run of the same seed;
notebook 06's three-seed rows give the scale of the seed noise (0.02-0.04).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.data import registry, studio  # noqa: E402
from aesthetics_lib.data.schema import dist_mean  # noqa: E402
from aesthetics_lib.data.transforms import PatchesView, overlaps_box, short_side_size  # noqa: E402
from aesthetics_lib.inference import eval_loader  # noqa: E402
from aesthetics_lib.train import Trainer, build_datasets, eval_transform_for, predict  # noqa: E402
from aesthetics_lib.training import load_checkpoint  # noqa: E402
from aesthetics_lib.zoo import VARIANTS, course_config, course_model  # noqa: E402
from sgfm_epochs import write_result  # noqa: E402

EVAL_N, EVAL_SEED, N_BOOT = 3000, 1, 1000  # notebook 06's fresh draw


def band_fractions(root: Path, ds) -> list[tuple[float, float, float, float] | None]:
    """Per item of ``ds``: its fence's box as fractions of the file's height and width (None: no fence)."""
    factors = studio.read_factors(root).set_index("image_id").loc[ds.image_ids]
    out = []
    for (h, w), (_, f) in zip(ds.sizes(), factors.iterrows()):
        box = studio.band_box(f, int(w), int(h))
        out.append(None if box is None else (box[0] / h, box[1] / w, box[2] / h, box[3] / w))
    return out


class FencePatches(PatchesView):
    """The training patches view, every patch cut where it holds part of ``box`` (set per item, as
    fractions of the height and width; None: anywhere, as usual)."""

    box: tuple[float, float, float, float] | None = None

    @classmethod
    def like(cls, view: PatchesView) -> "FencePatches":
        new = cls.__new__(cls)
        new.__dict__.update(view.__dict__)
        return new

    def positions(self, height: int, width: int) -> list[tuple[int, int]]:
        if self.box is None:
            return super().positions(height, width)
        s = self.patch_size
        bt, bl, bb, br = self.box[0] * height, self.box[1] * width, self.box[2] * height, self.box[3] * width
        tops = np.flatnonzero(overlaps_box(np.arange(height - s + 1), 0, s, (bt, -np.inf, bb, np.inf)))
        lefts = np.flatnonzero(overlaps_box(0, np.arange(width - s + 1), s, (-np.inf, bl, np.inf, br)))
        return [(int(tops[torch.randint(0, len(tops), ()).item()]), int(lefts[torch.randint(0, len(lefts), ()).item()]))
                for _ in range(self.num_patches)]


class PerItemBox(Dataset):
    """``base`` with its :class:`FencePatches` transform told each item's fence box."""

    def __init__(self, base, boxes) -> None:
        self.base, self.boxes = base, boxes

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, i: int):
        self.base.transform.box = self.boxes[i]
        return self.base[i]

    def __getattr__(self, name):
        if name in ("base", "boxes"):
            raise AttributeError(name)
        return getattr(self.base, name)


def training_share() -> dict:
    """Over the course studio's training photos with a fence: the share of the uniformly random
    training positions (as the patches view draws them) whose patch overlaps the fence."""
    cfg = course_config("multipatch")
    train_set, _, _ = build_datasets(cfg, splits=("train",))
    view, s = train_set.transform, cfg.size
    shares = []
    for (h, w), box in zip(train_set.sizes(), band_fractions(Path(train_set.root), train_set)):
        if box is None:
            continue
        vh, vw = short_side_size(int(h), int(w), view.short_side)
        rows = overlaps_box(np.arange(vh - s + 1), 0, s, (box[0] * vh, -np.inf, box[2] * vh, np.inf)).mean()
        cols = overlaps_box(0, np.arange(vw - s + 1), s, (-np.inf, box[1] * vw, np.inf, box[3] * vw)).mean()
        shares.append(rows * cols)
    return {"photos": len(shares), "mean": float(np.mean(shares)), "min": float(np.min(shares)), "max": float(np.max(shares))}


def train(out: str, overrides: dict | None = None) -> None:
    cfg = course_config("multipatch", overrides=overrides).replace(out=out, progress=False, verbose=True)
    train_set, val_set, _ = build_datasets(cfg, splits=("train", "val"))
    train_set.transform = FencePatches.like(train_set.transform)
    wrapped = PerItemBox(train_set, band_fractions(Path(train_set.root), train_set))
    print(f"training photos with a fence: {sum(b is not None for b in wrapped.boxes)} of {len(wrapped)}", flush=True)
    Trainer(cfg, datasets=(wrapped, val_set)).fit()


def fence_scores(model, config, ds, rows):
    """Each evaluation patch's predicted mean score for the photos ``rows`` of ``ds`` through
    ``config``'s evaluation view (``[photos, patches]``; one column for a single view), and their ids."""
    ds.transform = eval_transform_for(config)
    sub = torch.utils.data.Subset(ds, rows)
    p = predict(model, list(eval_loader(sub, batch_size=16)), batch_size=16, keep=("patch_dist",))
    scores = dist_mean(p["patch_dist"]) if "patch_dist" in p.to_dict() else p["mean"][:, None]
    return scores, np.asarray(p["image_id"])


def score(checkpoint: str, out: str | None, seed: int = 0) -> dict:
    root = studio.ensure_studio("cadb", n=EVAL_N, seed=EVAL_SEED)
    ds = registry.open_dataset(f"cadb:{root}", "all")
    hw = ds.sizes().astype(float)
    factors = studio.read_factors(root).set_index("image_id").loc[ds.image_ids]
    elong = np.maximum(hw[:, 0] / hw[:, 1], hw[:, 1] / hw[:, 0])
    rows = np.flatnonzero((elong >= 1.9) & factors["band"].to_numpy(bool))
    rhythm = factors["rhythm"].to_numpy()[rows]
    mp = course_model("multipatch", overrides={"seed": seed} if seed else None)
    view = eval_transform_for(mp.config)
    in_fence = np.array([view.grid_patches_on(int(hw[r, 0]), int(hw[r, 1]),
                                              studio.band_box(factors.iloc[r], int(hw[r, 1]), int(hw[r, 0]))) for r in rows])
    both = in_fence.any(1) & ~in_fence.all(1)
    control = f"shipped seed {seed}"
    runs = {control: (mp.model, mp.config)}
    model, config, _ = load_checkpoint(checkpoint)
    runs["fence patches in training"] = (model, config)
    warp = course_model("multipatch", overrides=VARIANTS["multipatch_warp"][1])
    parts = {}
    for name, (model, config) in runs.items():
        s, ids = fence_scores(model, config, ds, rows)
        assert list(ids) == list(np.asarray(ds.image_ids)[rows])
        f_in = in_fence[both]
        parts[name] = {"fence patches": (s[both] * f_in).sum(1) / f_in.sum(1),
                       "other patches": (s[both] * ~f_in).sum(1) / (~f_in).sum(1),
                       "model's score": s[both].mean(1)}
    w_s, _ = fence_scores(warp.model, warp.config, ds, rows)
    warp_score = w_s[both, 0]
    r = rhythm[both]
    result = {"photos": int(len(rows)), "both_kinds": int(both.sum()), "training_share_on_fence": training_share(),
              "srcc_with_rhythm": {}, "paired": {}, "test_srcc": {}}
    result["srcc_with_rhythm"]["warp"] = metrics.srcc(warp_score, r)
    for name, p in parts.items():
        result["srcc_with_rhythm"][name] = {k: metrics.srcc(v, r) for k, v in p.items()}
    a, b = control, "fence patches in training"
    for k in ("fence patches", "model's score", "other patches"):
        d = paired_bootstrap(metrics.srcc, parts[a][k], parts[b][k], r, n_boot=N_BOOT)
        result["paired"][f"{k}: {b} minus {a}"] = [d.difference, list(d.ci), d.verdict]
    for name in runs:
        d = paired_bootstrap(metrics.srcc, warp_score, parts[name]["fence patches"], r, n_boot=N_BOOT)
        result["paired"][f"fence patches of {name} minus the warp"] = [d.difference, list(d.ci), d.verdict]
    # the whole test split of the course studio, through each run's own evaluation view
    _, _, test = build_datasets(mp.config, splits=("test",))
    test_means = {}
    for name, (model, config) in runs.items():
        test.transform = eval_transform_for(config)
        test_means[name] = predict(model, test, batch_size=16)["mean"]
        result["test_srcc"][name] = metrics.srcc(test_means[name], test.means())
    d = paired_bootstrap(metrics.srcc, test_means[a], test_means[b], test.means(), n_boot=N_BOOT)
    result["paired"][f"test SRCC: {b} minus {a}"] = [d.difference, list(d.ci), d.verdict]
    write_result(result, out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--out", default="runs/fence_patches")
    t.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("score")
    s.add_argument("checkpoint")
    s.add_argument("--out")
    s.add_argument("--seed", type=int, default=0, help="the seed the run was trained with (the shipped run of that seed is the control)")
    args = parser.parse_args(argv)
    if args.cmd == "train":
        train(args.out, {"seed": args.seed} if args.seed else None)
    else:
        score(args.checkpoint, args.out, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
