"""A pilot of FCMAE pre-training for the course's ConvNeXt V2 trained from scratch (session 15).

The course's ``convnextv2_sgfm`` trained ConvNeXt V2 *atto* from random weights (no ImageNet weights
can be had offline) and reached about a third of the noise ceiling. ConvNeXt V2 was designed with its
own self-supervised pre-training, FCMAE (Woo et al., 2023): hide most of a photo in large square
patches, and train the network to paint the hidden pixels back from what it sees. This script tries
it on the studio's own training photos (their labels unused):

1. **pre-train**: ``timm``'s ``convnextv2_atto`` in the library's :class:`aesthetics_lib.fcmae.FCMAE`
   (dense masking, a one-block decoder, the per-patch-normalised pixel loss on the hidden patches),
   inputs of ``--size`` px cut into cells of 32 px, ``--mask`` of them hidden, through the training
   split's own transform (random flips) with batches of ``--batch`` (the library's
   :func:`~aesthetics_lib.fcmae.pretrain`, which the course config now uses, differs: its own loop
   and settings, ``configs/studio_convnextv2_fcmae.yaml``);
2. **fine-tune**: the course config ``studio_convnextv2_sgfm`` as it was in the pilot (:data:`PILOT`:
   96 px, 6 epochs, learning rate 2e-3) with nothing changed but its start, by the library's trainer.

It prints the pre-training loss and the fine-tuning's validation SRCC per epoch. One seed per call: a
pilot, not a verdict (``--seed`` for another). With ``--control-epochs N`` it also trains the pilot's
config from scratch for N epochs and compares the two on the test photos (paired bootstrap), writing
``test_vs_scratch_epN.json``.
Run folders under ``runs/fcmae/`` (outside git; both steps resume). Run: ``python
benchmarks/fcmae_pilot.py`` (8 pre-training epochs: about 106 s each at 128 px on 2 CPU cores with
two threads, then 6 fine-tuning epochs of about 77 s). Introduced in benchmarks/README.md ("FCMAE pre-training, a pilot").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib.fcmae import FCMAE as _FCMAE  # noqa: E402
from aesthetics_lib.fcmae import random_visible  # noqa: E402
from aesthetics_lib.train import build_datasets  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

PATCH = 32  # convnextv2_atto's total stride: one mask cell per position of the last feature map
#: The course config's settings at the time of the pilot (session 15), since changed to start from
#: the library's FCMAE encoder (aesthetics_lib/fcmae.py) at 128 px for 30 epochs.
PILOT = {"size": 96, "epochs": 6, "lr_backbone": 2.0e-3, "model_kwargs.pretrained": False, "device": "cpu"}


def FCMAE(decoder_dim: int = 128) -> _FCMAE:
    """The library's FCMAE model (:class:`aesthetics_lib.fcmae.FCMAE`) with the pilot's backbone and patch."""
    return _FCMAE("convnextv2_atto", decoder_dim, PATCH)


def pretrain(args: argparse.Namespace, out: Path) -> Path:
    """Pre-train and save the encoder's state dict (timm names) to ``out/encoder.pth``; resumable per epoch."""
    torch.manual_seed(args.seed)
    config = course_config("convnextv2_sgfm").replace(size=args.size, cache=True)
    train = build_datasets(config, splits=("train",))[0]  # the training transform (random flips); labels unused
    gen = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(train, batch_size=args.batch, shuffle=True, drop_last=True, generator=gen, num_workers=0)
    model = FCMAE(decoder_dim=args.decoder_dim)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05, betas=(0.9, 0.95))
    steps = args.epochs * len(loader)
    warm = len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))
    state_path, history = out / "last.pt", []
    start = 0
    if state_path.is_file():
        state = torch.load(state_path, weights_only=False)
        model.load_state_dict(state["model"]), opt.load_state_dict(state["opt"]), sched.load_state_dict(state["sched"])
        gen.set_state(state["gen"]), torch.set_rng_state(state["rng"])
        start, history = state["epoch"], state["history"]
    grid = args.size // PATCH
    for epoch in range(start, args.epochs):
        model.train()
        t0, total, n = time.perf_counter(), 0.0, 0
        for batch in loader:
            images = batch["image"]
            loss = model(images, random_visible(len(images), grid, args.mask, gen))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total, n = total + loss.item(), n + 1
        history.append({"epoch": epoch + 1, "loss": total / n, "seconds": time.perf_counter() - t0})
        print(f"pre-train epoch {epoch + 1}/{args.epochs}: loss {total / n:.4f} ({history[-1]['seconds']:.0f} s)", flush=True)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "gen": gen.get_state(),
                    "rng": torch.get_rng_state(), "epoch": epoch + 1, "history": history}, state_path)
    encoder = out / "encoder.pth"
    torch.save(model.encoder.state_dict(), encoder)
    (out / "pretrain.json").write_text(json.dumps({"args": vars(args), "history": history}, indent=1, default=str), encoding="utf-8")
    return encoder


def _train(out: Path, overrides: dict, epochs: int | None = None) -> list[dict]:
    """The course config ``studio_convnextv2_sgfm`` as it was in the pilot (:data:`PILOT`) with ``overrides``, trained in ``out`` by the
    library's trainer (resumable; at most ``epochs`` more epochs in this call); returns its history."""
    from aesthetics_lib.training.trainer import Trainer

    config = course_config("convnextv2_sgfm", overrides={**PILOT, **overrides})
    return Trainer(config.replace(out=str(out), progress=False), resume=True).fit(epochs)


def finetune(encoder: Path, out: Path, epochs: int | None, seed: int = 0) -> list[dict]:
    """The course config with the pre-trained start and training seed ``seed``."""
    return _train(out / "finetune", {"model_kwargs.pretrained": str(encoder), "seed": seed}, epochs)


def control(out: Path, epochs: int, seed: int = 0) -> list[dict]:
    """The compute-matched control: the course config from scratch with training seed ``seed``,
    trained ``epochs`` epochs (its cosine schedule stretched over them) instead of pre-training plus 6."""
    return _train(out / f"scratch-ep{epochs}", {"epochs": epochs, "seed": seed})


def compare_on_test(run: Path, scratch: Path, n_boot: int = 1000) -> dict:
    """Test SRCC of the fine-tuned run's best checkpoint and of a from-scratch checkpoint on the
    course studio's test photos, and their paired difference (bootstrap over the photos)."""
    from aesthetics_lib import metrics
    from aesthetics_lib.compare import paired_bootstrap
    from aesthetics_lib.inference import Predictor

    config = course_config("convnextv2_sgfm").replace(cache=False)
    test = build_datasets(config, splits=("test",))[2]
    pred = {name: Predictor.from_checkpoint(str(path)).predict(test)
            for name, path in (("scratch", scratch), ("fcmae", run / "best.pt"))}
    assert list(pred["scratch"].image_id) == list(pred["fcmae"].image_id)
    target = test.means()
    out = {}
    for name, p in pred.items():
        low, high = metrics.bootstrap_ci(metrics.srcc, p.mean, target, n_boot=n_boot)
        out[name] = {"srcc": float(metrics.srcc(p.mean, target)), "ci": [float(low), float(high)]}
    d = paired_bootstrap(metrics.srcc, pred["scratch"].mean, pred["fcmae"].mean, target, n_boot=n_boot)
    out["fcmae_minus_scratch"] = {"difference": float(d.difference), "ci": [float(d.low), float(d.high)], "verdict": d.verdict}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8, help="pre-training epochs")
    parser.add_argument("--size", type=int, default=128, help="pre-training input size (a multiple of 32)")
    parser.add_argument("--mask", type=float, default=0.6, help="share of the patches hidden")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--decoder-dim", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0, help="seed of the pre-training, the fine-tuning and the control")
    parser.add_argument("--finetune-epochs", type=int, default=None, help="at most this many fine-tuning epochs in this call")
    parser.add_argument("--control-epochs", type=int, default=None,
                        help="also train the from-scratch config this many epochs (matching the pre-training's compute) and compare")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "fcmae" / "atto")
    args = parser.parse_args(argv)
    if args.size % PATCH:
        parser.error(f"--size must be a multiple of {PATCH}, got {args.size}")
    args.out.mkdir(parents=True, exist_ok=True)
    encoder = pretrain(args, args.out)
    history = finetune(encoder, args.out, args.finetune_epochs, args.seed)
    print("epoch  val SRCC after FCMAE")
    for row in history:
        print(f"{row['epoch']:5d}  {row['val_srcc']:.3f}")
    if args.control_epochs:
        ctrl = control(args.out, args.control_epochs, args.seed)
        print("control from scratch, val SRCC by epoch:", [round(r["val_srcc"], 3) for r in ctrl])
        test = compare_on_test(args.out / "finetune", scratch=args.out / f"scratch-ep{args.control_epochs}" / "best.pt")
        print(json.dumps(test, indent=1))
        (args.out / f"test_vs_scratch_ep{args.control_epochs}.json").write_text(json.dumps(test, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
