"""``python -m aesthetics_lib train --config FILE|NAME [--data-root DIR] [--out DIR] [--resume] [--force]
[--set key=value ...]``: train a model from a YAML config.

Writes ``last.pt``, ``best.pt`` (chosen on the validation split), ``history.csv``, ``history.json``
and ``config.yaml`` into the run folder, and appends each call that trains to its ``chunks.jsonl``
(:func:`aesthetics_lib.course_weights.log_chunk`: the CPU, threads and device, which an exported
record keeps as ``training_chunks``). A folder that already holds files is never overwritten
unless ``--resume`` (continue that run) or ``--force`` (start over) is given. Runs unchanged under
``torchrun --nproc_per_node=N -m aesthetics_lib train ...`` for several GPUs.
Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import argparse
import math
import time


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train``."""
    parser.add_argument(
        "--config", required=True,
        help="a YAML config: a file, or the name of a shipped one (studio_nima, cadb_convnextv2_sgfm; see configs/)",
    )
    parser.add_argument(
        "--data-root",
        metavar="DIR",
        help="dataset folder: replaces the folder of the config's data spec (cadb:DIR, ava:DIR); "
        "for a studio spec, where the studio is rendered",
    )
    parser.add_argument("--out", metavar="DIR", help="run folder (default: the config's out)")
    parser.add_argument("--resume", action="store_true", help="continue the run in the out folder from last.pt")
    parser.add_argument("--force", action="store_true", help="start over in an out folder that holds a run")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key (repeatable), e.g. --set epochs=3 --set model_kwargs.dropout=0.5",
    )


def run(args: argparse.Namespace) -> int:
    """Train; returns 0 on success, 2 when the config or the run folder is refused."""
    from aesthetics_lib.course_weights import log_chunk
    from aesthetics_lib.paths import config_file
    from aesthetics_lib.training.build import with_data_root
    from aesthetics_lib.training.config import load_config, parse_override
    from aesthetics_lib.training.trainer import Trainer

    overrides = dict(parse_override(item) for item in args.overrides)
    if args.out:
        overrides["out"] = args.out
    config = load_config(config_file(args.config) if args.config else None, overrides)
    if args.data_root:
        config = config.replace(data=with_data_root(config.data, args.data_root))
    t0 = time.perf_counter()
    trainer = Trainer(config, resume=args.resume, force=args.force)
    try:
        if trainer.dist.is_main:
            done = trainer.epoch
            note = f", resuming after epoch {done}" if done else ""
            root = getattr(trainer.train_set, "root", None)
            where = f"{config.data} ({root})" if root is not None and str(root) not in config.data else config.data
            print(
                f"training {config.model} on {where}: {len(trainer.train_set)} train / "
                f"{len(trainer.val_set)} val images, {config.epochs} epochs on {trainer.device}{note}",
                flush=True,
            )
            if done < config.epochs:
                log_chunk(config.out, done, config)
        history = trainer.fit()
    finally:
        if trainer.dist.initialized_here:
            import torch.distributed as dist

            dist.destroy_process_group()
    if trainer.dist.is_main:
        best = trainer.best
        srcc = best.get("srcc")
        text = f"{srcc:.3f}" if isinstance(srcc, float) and math.isfinite(srcc) else "n/a"
        rate = [r["images_per_s"] for r in history if isinstance(r.get("images_per_s"), float)]
        speed = f", {sum(rate) / len(rate):.0f} images/s" if rate else ""
        print(
            f"done in {time.perf_counter() - t0:.0f} s{speed}; best validation SRCC {text} at epoch "
            f"{best.get('epoch')}; files in {config.out}",
            flush=True,
        )
    return 0
