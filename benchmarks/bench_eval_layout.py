"""Memory layout of inference on a CPU: the course models' evaluation loop with their convolution
weights in PyTorch's default (channels-first) layout and in channels-last layout.

Why :meth:`aesthetics_lib.inference.Predictor.run` runs a model's 4-D weights channels-last on a CPU
(:func:`aesthetics_lib.inference.cpu_channels_last`): each shipped course model named scores the
first evaluation batches (at least ``--photos`` photos) of the studio's test split through its own view, the batches made once
beforehand (so decoding and transforms are not in the numbers), through ``Predictor.run`` as it is
and with :func:`~aesthetics_lib.inference.cpu_channels_last` replaced by a no-op (the loop before
session 38). The two layouts are interleaved for ``--repeats`` rounds after one warm-up pass each,
and the median is reported, with the largest difference between the two layouts' predicted means
and distributions. The results record the CPU and the Makefile's ``CPU_ENV`` variables set for the
run.

``--train`` measures the training side instead: the trainer's own optimiser step
(``Trainer._train_step``: forward, loss, backward, AdamW) on the first ``--batches`` training batches
of each model's course config, with the config's ``channels_last`` off (as the course weights were
trained) and on, interleaved; it changes nothing in the library. A config whose backbone starts from
an FCMAE encoder that is not in ``runs/fcmae/`` starts from random weights instead (a step takes as
long either way).

Run from the repository root, one thread as the notebooks run:
``OMP_NUM_THREADS=1 python benchmarks/bench_eval_layout.py [--models nima spp] [--photos 96]
[--repeats 3] [--train [--batches 6]]``. Writes ``eval_layout.{json,md}`` (``train_layout.{json,md}``
with ``--train``) to ``--out`` (default ``benchmarks/results``). Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import inference, zoo  # noqa: E402
from aesthetics_lib.course_weights import cpu_env, cpu_model  # noqa: E402
from aesthetics_lib.data import registry  # noqa: E402
from aesthetics_lib.train import Trainer, build_datasets, eval_transform_for  # noqa: E402
from aesthetics_lib.training.build import model_view  # noqa: E402

#: The shipped models measured by default: one per architecture of the course.
MODELS = ("dcnn", "spp", "multipatch", "multipatch_layout_lite0", "nima", "sampnet", "convnextv2_sgfm", "sgfm_lite0")
LAYOUTS = ("default", "channels_last")


def test_batches(name: str, photos: int) -> tuple[Any, list[dict[str, Any]]]:
    """Course model ``name`` (its shipped weights) and the first evaluation batches of its test split
    through its own view, at least ``photos`` photos (batches of the CPU default; for a native view
    the loader's batches by aspect bucket, so the first photos of each bucket)."""
    cm = zoo.course_model(name)
    if cm.weights is None:
        raise SystemExit(f"{name}: no shipped weights in weights/ (this benchmark measures the course weights)")
    test = build_datasets(cm.config.replace(cache=False), splits=("test",))[2]
    test.transform = eval_transform_for(cm.config)
    batches, n = [], 0
    for batch in inference.eval_loader(test, inference.default_batch_size("cpu")):  # a native view: by aspect bucket
        if n >= photos:
            break
        batches.append(batch)
        n += len(batch["image"])
    return cm, batches


def run_once(predictor: inference.Predictor, batches: list[dict[str, Any]], layout: str) -> tuple[float, dict[str, np.ndarray]]:
    """Seconds for one pass of ``Predictor.run`` over ``batches`` in ``layout``, and its outputs."""
    original = inference.cpu_channels_last
    if layout == "default":
        inference.cpu_channels_last = lambda model, device: contextlib.nullcontext()
    try:
        start = time.perf_counter()
        out = predictor.run(batches)
        return time.perf_counter() - start, out
    finally:
        inference.cpu_channels_last = original


def measure(name: str, photos: int, repeats: int) -> dict[str, Any]:
    """Median photos/s of course model ``name`` in each layout, the speed-up, and the largest
    difference between the layouts' outputs."""
    cm, batches = test_batches(name, photos)
    predictor = inference.Predictor(cm.model.eval(), device="cpu")
    n = sum(len(b["image"]) for b in batches)
    outs = {layout: run_once(predictor, batches, layout)[1] for layout in LAYOUTS}  # warm-up, not timed
    seconds: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for r in range(repeats):
        for layout in (LAYOUTS if r % 2 == 0 else LAYOUTS[::-1]):
            seconds[layout].append(run_once(predictor, batches, layout)[0])
    rate = {layout: n / statistics.median(s) for layout, s in seconds.items()}
    diff = {key: float(np.abs(outs["default"][key] - outs["channels_last"][key]).max())
            for key in ("mean", "dist", "prob_good") if key in outs["default"]}
    return {"model": name, "architecture": cm.config.model, "view": model_view(cm.config), "size": cm.config.size,
            "photos": n, "repeats": repeats, **{f"photos_per_s_{k}": v for k, v in rate.items()},
            "speedup": rate["channels_last"] / rate["default"], "max_abs_diff": diff}


def measure_training(name: str, batches: int, repeats: int) -> dict[str, Any]:
    """Median training images/s of course model ``name``'s config (its first ``batches`` training
    batches through ``Trainer._train_step``) with ``channels_last`` off and on."""
    rates: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for r in range(repeats + 1):  # the first round warms up, not timed
        for layout in (LAYOUTS if r % 2 == 0 else LAYOUTS[::-1]):
            config = zoo.course_config(name).replace(out=None, progress=False, verbose=False,
                                                     channels_last=layout == "channels_last")
            weights = config.model_kwargs.get("pretrained")
            if isinstance(weights, str) and weights != "package" and not (ROOT / weights).is_file():
                # an FCMAE encoder that was not pre-trained here: a step's time does not depend on the start
                config = config.replace(model_kwargs={**config.model_kwargs, "pretrained": False})
            trainer = Trainer(config)
            loader = iter(trainer.train_loader)
            data = [next(loader) for _ in range(batches)]
            trainer.model.train()
            start = time.perf_counter()
            for batch in data:
                trainer._train_step(batch)
            if r:
                rates[layout].append(sum(len(b["image"]) for b in data) / (time.perf_counter() - start))
    rate = {layout: statistics.median(v) for layout, v in rates.items()}
    config = zoo.course_config(name)
    return {"model": name, "architecture": config.model, "view": model_view(config), "size": config.size,
            "batch_size": config.batch_size, "batches": batches, "repeats": repeats,
            **{f"images_per_s_{k}": v for k, v in rate.items()}, "speedup": rate["channels_last"] / rate["default"]}


def eval_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """The Markdown table of :func:`measure`'s rows."""
    lines = ["| model | architecture (view, size) | default layout | channels-last | speed-up | largest difference of the means |",
             "|---|---|---|---|---|---|"]
    lines += [f"| `{r['model']}` | {r['architecture']} ({r['view']}, {r['size']} px) | {r['photos_per_s_default']:.0f} "
              f"| {r['photos_per_s_channels_last']:.0f} | {r['speedup']:.2f}x | {r['max_abs_diff'].get('mean', float('nan')):.1e} |"
              for r in rows]
    return (f"Photos per second of `Predictor.run` over the first batches of the test split (at least {args.photos} photos), median of "
            f"{args.repeats} interleaved repeats, {torch.get_num_threads()} thread(s), {cpu_model()}:\n\n" + "\n".join(lines) + "\n")


def train_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """The Markdown table of :func:`measure_training`'s rows."""
    lines = ["| model | architecture (view, size, batch) | default layout | channels_last=true | speed-up |",
             "|---|---|---|---|---|"]
    lines += [f"| `{r['model']}` | {r['architecture']} ({r['view']}, {r['size']} px, {r['batch_size']}) | "
              f"{r['images_per_s_default']:.0f} | {r['images_per_s_channels_last']:.0f} | {r['speedup']:.2f}x |" for r in rows]
    return (f"Training images per second of `Trainer._train_step` over the first {args.batches} training batches, "
            f"median of {args.repeats} interleaved repeats, {torch.get_num_threads()} thread(s), {cpu_model()}:\n\n"
            + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--photos", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--train", action="store_true", help="measure training steps instead of inference")
    parser.add_argument("--batches", type=int, default=6, help="training batches per timed pass (--train)")
    args = parser.parse_args(argv)
    meta = {"cpu": cpu_model(), "cpus": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "machine": platform.machine(), "load_before": os.getloadavg(), "env": cpu_env(),
            "data": str(registry.default_data("cadb"))}
    if args.train:
        stem, table, one = "train_layout", train_table, lambda name: measure_training(name, args.batches, args.repeats)
    else:
        stem, table, one = "eval_layout", eval_table, lambda name: measure(name, args.photos, args.repeats)
    rows = []
    for name in args.models:
        rows.append(one(name))
        print(json.dumps(rows[-1]), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    text = table(rows, args)
    (out / f"{stem}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
