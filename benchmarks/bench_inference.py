"""Two side-by-side speed comparisons, each pair measured in one process with the same threads.

1. ``score``: images/s of :meth:`aesthetics_lib.inference.Predictor.score_files` (decode, eval
   transform, batches by shape, forward) for the course's final model, ``convnextv2_sgfm``
   (ConvNeXt V2 atto, ``configs/studio_convnextv2_sgfm.yaml``), and for a NIMA built as pyiqa builds
   it (timm ``inception_resnet_v2`` trunk, global average pool of its 1536-channel map, dropout,
   linear to 10 bins, softmax; random weights), on the same photo files at the same input size.
   One warm-up call per model and size is not timed; the repeats are interleaved (the order
   alternates) and the median is reported.
2. ``train``: the training epoch's own ``images_per_s`` (from the history row, which leaves
   validation out) of :class:`aesthetics_lib.train.Trainer` against a bare PyTorch loop (plain
   shuffled ``DataLoader``, forward, :func:`aesthetics_lib.losses.emd_loss`, backward, AdamW step,
   ``zero_grad``) on the same model, batch size, dataset object and number of steps, timed the same
   way; the pair runs twice, in alternating order. The Trainer's config is the course's with the
   loss reduced to the EMD alone, no gradient clipping and a constant learning rate, so both loops
   compute the same thing; one more Trainer run with the course's own settings is reported beside.

Wall-clock rates move with whatever else runs on the machine: every row also gives images per
CPU-second of this process and the share of the cores other processes kept busy meanwhile (from
``/proc/stat``), and the load average is recorded before and after each part.

Run from the repository root: ``python benchmarks/bench_inference.py [--quick] [--threads 2]``.
It writes ``inference.json`` and ``inference.md`` to ``--out`` (default ``benchmarks/results``;
``runs/benchmarks`` with ``--quick``, so rough numbers never replace the recorded ones).
Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

# runnable as a script from the repository root
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))  # bench_train, beside this script

from aesthetics_lib.data.schema import dist_mean  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402
from aesthetics_lib.losses import emd_loss  # noqa: E402
from aesthetics_lib.models import create_model  # noqa: E402
from aesthetics_lib.spec import InputSpec, ModelSpec  # noqa: E402

CONFIG = REPO / "configs" / "studio_convnextv2_sgfm.yaml"
BATCH = 16
#: the Trainer's settings that make it compute what the bare loop computes
SAME_AS_BARE = {"loss_emd": 1.0, "loss_rank": 0.0, "loss_attributes": 0.0, "grad_clip": 0.0,
                "schedule": "none", "warmup_epochs": 0.0, "ema": 0.0}


class PyiqaNIMA(nn.Module):
    """NIMA as pyiqa builds it (``pyiqa/archs/nima_arch.py``): a timm trunk (``features_only``, last
    map), global average pooling, dropout (0.75 as in the paper; pyiqa's default is 0; neither acts in
    eval mode), linear to ``num_bins``, softmax. ``[B, 3, H, W]`` images
    normalised with the ImageNet mean/SD (the library's transform) -> ``{"dist": [B, K], "mean": [B]}``;
    like pyiqa it re-normalises inside to the trunk's own mean/SD (0.5/0.5 for Inception). Talebi and
    Milanfar, "NIMA: Neural Image Assessment", IEEE TIP 2018."""

    def __init__(self, backbone: str = "inception_resnet_v2", num_bins: int = 10, dropout: float = 0.75) -> None:
        super().__init__()
        import timm
        from timm.data import (IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD, IMAGENET_INCEPTION_MEAN,
                               IMAGENET_INCEPTION_STD)

        self.base_model = timm.create_model(backbone, pretrained=False, features_only=True)
        channels = self.base_model.feature_info.channels()[-1]
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, num_bins),
                                        nn.Softmax(dim=-1))
        mean, std = (IMAGENET_INCEPTION_MEAN, IMAGENET_INCEPTION_STD) if "inception" in backbone else \
            (IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD)
        # x_lib * s_in + m_in = x01;  (x01 - mean) / std  =  x_lib * scale + shift
        m_in, s_in = torch.tensor(IMAGENET_DEFAULT_MEAN), torch.tensor(IMAGENET_DEFAULT_STD)
        self.register_buffer("scale", (s_in / torch.tensor(std)).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", ((m_in - torch.tensor(mean)) / torch.tensor(std)).view(1, 3, 1, 1),
                             persistent=False)
        self.feature_channels = channels

    def forward(self, images: torch.Tensor, **extras: Any) -> dict[str, torch.Tensor]:
        x = images * self.scale + self.shift
        dist = self.classifier(self.global_pool(self.base_model(x)[-1]))
        return {"dist": dist, "mean": dist_mean(dist)}


# ---------------------------------------------------------------------------------------------- helpers
def load() -> float:
    """The 1-minute load average (NaN where the platform has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def busy_cpu_s() -> float:
    """CPU-seconds the whole machine has been busy (``/proc/stat``: user, nice, system, irq, softirq,
    steal); NaN where there is no ``/proc/stat``."""
    try:
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:9]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


class Clock:
    """Wall and process CPU seconds of a stretch of code, and the share of the machine's cores that
    other processes kept busy meanwhile (``others``: 0 = none, 1 = every core)."""

    def __enter__(self) -> "Clock":
        self._w, self._c, self._b = time.perf_counter(), time.process_time(), busy_cpu_s()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c
        others = busy_cpu_s() - self._b - self.cpu
        self.others = max(0.0, others) / (self.wall * (os.cpu_count() or 1)) if self.wall > 0 else float("nan")


def timed(fn: Callable[[], Any]) -> tuple[Clock, Any]:
    """``(clock, result)`` of one call."""
    with Clock() as clock:
        out = fn()
    return clock, out


def machine() -> dict[str, Any]:
    """``bench_train.machine()`` (Python, torch, CPU model, cores, threads) plus timm's version."""
    from bench_train import machine as base_machine

    info = base_machine()
    info["nproc"] = info.pop("cpu_count")
    info["deterministic_algorithms"] = None
    try:
        import timm

        info["timm"] = timm.__version__
    except ImportError:
        pass
    return info


def render_photos(out: Path, n: int, long_side: int) -> list[Path]:
    """``n`` studio photos (CADB layout) at ``long_side``; their image files, sorted."""
    try:
        from aesthetics_lib.data.studio import generate_cadb
    except ImportError:  # older layouts of the library
        from aesthetics_lib.data.synthetic import generate_cadb  # type: ignore[no-redef]
    root = generate_cadb(out, n=n, seed=0, long_side=long_side)
    return sorted((root / "images").glob("*.jpg"))


# ---------------------------------------------------------------------------------------------- 1. score
def bench_score(files: list[Path], sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    """images/s of ``Predictor.score_files`` for both models at each size (median of ``repeats``)."""
    torch.manual_seed(0)
    course = create_model("convnextv2_sgfm", backbone="convnextv2_atto", pretrained=False)
    nima = PyiqaNIMA("inception_resnet_v2")
    models = {
        "convnextv2_sgfm (convnextv2_atto)": (course, lambda size: ModelSpec.from_model(
            course, InputSpec("warp", size), threshold=2.6)),
        "NIMA, pyiqa's architecture (inception_resnet_v2)": (nima, lambda size: ModelSpec(
            name="nima-inception_resnet_v2 (bench)", input=InputSpec("warp", size), num_bins=10)),
    }
    params = {name: round(sum(p.numel() for p in m.parameters()) / 1e6, 2) for name, (m, _) in models.items()}
    rows = []
    for size in sizes:
        predictors: dict[str, Predictor] = {}
        errors: dict[str, str] = {}
        for name, (model, spec_for) in models.items():
            predictor = Predictor(model.eval(), spec_for(size), device="cpu", batch_size=BATCH)
            try:  # warm-up, not timed: one batch
                scored, preds, failed = predictor.score_files(files[:BATCH])
                if failed or preds is None or len(preds) != len(files[:BATCH]):
                    raise RuntimeError(f"score_files scored {len(scored)} of {len(files[:BATCH])}: {failed[:2]}")
                predictors[name] = predictor
            except Exception as exc:  # e.g. an input below the trunk's smallest size
                errors[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        clocks: dict[str, list[Clock]] = {name: [] for name in predictors}
        load_before = load()
        for r in range(repeats):
            order = list(predictors) if r % 2 == 0 else list(reversed(predictors))
            for name in order:
                clock, (scored, _, failed) = timed(lambda: predictors[name].score_files(files))
                if failed or len(scored) != len(files):
                    raise RuntimeError(f"{name}: score_files failed on {failed[:2]}")
                clocks[name].append(clock)
        load_after = load()
        for name in models:
            row: dict[str, Any] = {"model": name, "params_M": params[name], "size": size, "images": len(files),
                                   "batch": BATCH, "repeats": repeats}
            if name in errors:
                row.update({"img_per_s": None, "error": errors[name]})
            else:
                w = statistics.median(c.wall for c in clocks[name])
                cpu = statistics.median(c.cpu for c in clocks[name])
                row.update({
                    "img_per_s": round(len(files) / w, 1),
                    "img_per_s_runs": [round(len(files) / c.wall, 1) for c in clocks[name]],
                    "img_per_cpu_s": round(len(files) / cpu, 1),
                    "others_cpu_share_runs": [round(c.others, 2) for c in clocks[name]],
                })
            row.update({"load_before": load_before, "load_after": load_after,
                        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled()})
            rows.append(row)
            print(row, flush=True)
    return rows


# ---------------------------------------------------------------------------------------------- 2. train
def bare_loop(config: Any, train_set: Any, steps: int, num_bins: int) -> dict[str, float]:
    """The bare PyTorch loop: the same model built the same way, a plain shuffled DataLoader,
    forward, EMD loss, backward, AdamW step, zero_grad; timed like the Trainer's epoch (from before
    the loader's first batch to after the last step)."""
    from torch.utils.data import DataLoader

    from aesthetics_lib.training.build import build_model

    torch.manual_seed(config.seed)
    model = build_model(config, num_bins=num_bins)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr_head, weight_decay=config.weight_decay)
    loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(config.seed))
    extra = tuple(getattr(model, "extra_inputs", ()))
    images = 0
    with Clock() as clock:
        for step, batch in enumerate(loader):
            if step >= steps:
                break
            out = model(batch["image"], **{k: batch[k] for k in extra if k in batch})
            loss = emd_loss(out["dist"], batch["dist"], r=config.emd_r)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            images += int(batch["image"].shape[0])
    return {"img_per_s": images / clock.wall, "img_per_cpu_s": images / clock.cpu, "images": images,
            "others_cpu_share": clock.others}


def trainer_epoch(config: Any, datasets: tuple[Any, Any]) -> dict[str, float]:
    """One Trainer epoch; ``img_per_s`` is the history row's ``images_per_s`` (training only)."""
    from aesthetics_lib.train import Trainer

    trainer = Trainer(config, datasets=datasets)
    epoch = trainer._train_one_epoch
    clock = Clock()

    def cpu_timed(*args: Any, **kwargs: Any) -> Any:  # the epoch's CPU seconds, beside its own wall clock
        with clock:
            return epoch(*args, **kwargs)

    trainer._train_one_epoch = cpu_timed  # type: ignore[method-assign]
    row = trainer.fit()[-1]
    images = row["images_per_s"] * row["seconds"]
    return {"img_per_s": row["images_per_s"], "img_per_cpu_s": images / clock.cpu, "images": round(images),
            "others_cpu_share": clock.others}


def pct(ratio: float) -> float:
    """``100 * (ratio - 1)`` rounded to 0.1 (never ``-0.0``)."""
    return round(100 * (ratio - 1), 1) + 0.0


def bench_train(root: Path, steps: int) -> dict[str, Any]:
    from aesthetics_lib.train import Trainer, load_config

    base = {"data": f"cadb:{root}", "epochs": 1, "max_steps_per_epoch": steps, "out": None,
            "progress": False, "verbose": False}
    config = load_config(CONFIG, {**base, **SAME_AS_BARE})
    course = load_config(CONFIG, base)
    setup = Trainer(config)  # builds (and caches) the datasets once; both loops use these objects
    datasets = (setup.train_set, setup.val_set)
    num_bins = setup.num_bins
    if len(setup.train_set) < steps * config.batch_size:
        raise ValueError(f"train split of {len(setup.train_set)} images < {steps} steps x {config.batch_size}")
    bare_loop(config, datasets[0], 2, num_bins)  # warm-up, not timed
    del setup
    runs: list[dict[str, Any]] = []
    load_before = load()
    for order in (("trainer", "bare"), ("bare", "trainer")):
        for which in order:
            if which == "trainer":
                res = trainer_epoch(config, datasets)
            else:
                res = bare_loop(config, datasets[0], steps, num_bins)
            runs.append({"loop": which, "pair": len(runs) // 2 + 1, **{k: round(v, 2) for k, v in res.items()}})
            print(runs[-1], flush=True)
    course_run = trainer_epoch(course, datasets)
    load_after = load()
    rate = {w: statistics.mean(r["img_per_s"] for r in runs if r["loop"] == w) for w in ("trainer", "bare")}
    cpu_rate = {w: statistics.mean(r["img_per_cpu_s"] for r in runs if r["loop"] == w) for w in ("trainer", "bare")}
    per_pair = []
    for pair in (1, 2):
        t = next(r for r in runs if r["pair"] == pair and r["loop"] == "trainer")
        b = next(r for r in runs if r["pair"] == pair and r["loop"] == "bare")
        per_pair.append(pct(b["img_per_s"] / t["img_per_s"]))
    return {
        "config": str(CONFIG.relative_to(REPO)), "model": config.model, "model_kwargs": dict(config.model_kwargs),
        "size": config.size, "batch": config.batch_size, "steps": steps, "cache": config.cache,
        "train_images": len(datasets[0]), "trainer_overrides": SAME_AS_BARE,
        "bare": "DataLoader(shuffle=True), forward, emd_loss(r=2), backward, AdamW(lr_head, weight_decay), zero_grad",
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "runs": runs,
        "trainer_img_per_s": round(rate["trainer"], 1), "bare_img_per_s": round(rate["bare"], 1),
        "trainer_img_per_cpu_s": round(cpu_rate["trainer"], 1), "bare_img_per_cpu_s": round(cpu_rate["bare"], 1),
        # overhead: how much longer the Trainer takes per image than the bare loop
        "trainer_overhead_pct": pct(rate["bare"] / rate["trainer"]),
        "trainer_overhead_pct_per_pair": per_pair,
        "trainer_overhead_pct_cpu": pct(cpu_rate["bare"] / cpu_rate["trainer"]),
        "course_config_trainer": {
            "settings": {k: getattr(course, k) for k in SAME_AS_BARE},
            **{k: round(v, 2) for k, v in course_run.items()},
        },
        "load_before": load_before, "load_after": load_after,
    }


# ---------------------------------------------------------------------------------------------- report
def to_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"# Inference and training-loop comparisons ({time.strftime('%Y-%m-%d', time.gmtime(result['time']))})",
        "",
        f"Machine: {m['cpu']}, nproc {m['nproc']}, torch {m['torch']} ({m['torch_threads']} threads), "
        f"timm {m.get('timm')}, Python {m['python']}; 1-minute load average {result['load_start']} at the start, "
        f"{result['load_end']} at the end{' (quick run)' if result['quick'] else ''}.",
        "",
        "## `Predictor.score_files`: decode + eval transform + forward, images/s",
        "",
        f"Same {result['score'][0]['images']} studio photos (long side {result['photo_long_side']}) for both models, "
        f"batch {BATCH}, median of {result['score'][0]['repeats']} interleaved repeats after one warm-up batch.",
        "",
        "| model | params (M) | size | images/s | each repeat | images/CPU-s | others' CPU share, each repeat "
        "| load before / after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["score"]:
        if r.get("error"):
            lines.append(f"| {r['model']} | {r['params_M']} | {r['size']} | fails: {r['error']} | | | | "
                         f"{r['load_before']} / {r['load_after']} |")
        else:
            lines.append(f"| {r['model']} | {r['params_M']} | {r['size']} | {r['img_per_s']} | "
                         f"{', '.join(map(str, r['img_per_s_runs']))} | {r['img_per_cpu_s']} | "
                         f"{', '.join(map(str, r['others_cpu_share_runs']))} | "
                         f"{r['load_before']} / {r['load_after']} |")
    t = result["train"]
    cc = t["course_config_trainer"]
    lines += [
        "",
        f"## Trainer vs a bare loop: training images/s (`{t['model']}` {t['model_kwargs']}, {t['size']} px, "
        f"batch {t['batch']}, {t['steps']} steps, cache {'on' if t['cache'] else 'off'})",
        "",
        f"Trainer config: `{t['config']}` with {t['trainer_overrides']}; bare loop: {t['bare']}. "
        f"Same dataset object ({t['train_images']} training images); validation is not counted.",
        "",
        "| pair | loop | images/s | images/CPU-s | others' CPU share |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r['pair']} | {r['loop']} | {r['img_per_s']:.1f} | {r['img_per_cpu_s']:.1f} | "
              f"{r['others_cpu_share']:.2f} |" for r in t["runs"]]
    lines += [
        f"| | Trainer, course config as is ({cc['settings']}) | {cc['img_per_s']:.1f} | {cc['img_per_cpu_s']:.1f} | "
        f"{cc['others_cpu_share']:.2f} |",
        "",
        f"Mean of the two pairs: Trainer {t['trainer_img_per_s']} images/s, bare loop {t['bare_img_per_s']} "
        f"images/s. Trainer overhead (its time per image over the bare loop's, minus 1): "
        f"{t['trainer_overhead_pct']} % (pair 1: {t['trainer_overhead_pct_per_pair'][0]} %, pair 2: "
        f"{t['trainer_overhead_pct_per_pair'][1]} %; from CPU-seconds: {t['trainer_overhead_pct_cpu']} %). "
        f"Load average {t['load_before']} before, {t['load_after']} after.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer files, repeats and steps (under a minute)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--out", default=None,
                   help="folder for inference.json and inference.md (default benchmarks/results; "
                        "runs/benchmarks with --quick)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = Path(args.out) if args.out else (Path("runs/benchmarks") if args.quick else REPO / "benchmarks" / "results")
    n_photos, repeats, sizes = (16, 2, [224, 64]) if args.quick else (64, 3, [224, 64])
    steps, studio_n = (6, 200) if args.quick else (30, 600)
    photo_side = 256
    result: dict[str, Any] = {"time": time.time(), "machine": machine(), "quick": args.quick,
                              "load_start": load(), "photo_long_side": photo_side}
    with tempfile.TemporaryDirectory() as tmp:
        files = render_photos(Path(tmp) / "photos", n_photos, photo_side)
        result["score"] = bench_score(files, sizes, repeats)
        studio = Path(tmp) / "studio"
        render_photos(studio, studio_n, 160)  # the course config's studio_long_side
        result["train"] = bench_train(studio, steps)
    result["load_end"] = load()
    result["machine"]["deterministic_algorithms"] = torch.are_deterministic_algorithms_enabled()
    out.mkdir(parents=True, exist_ok=True)
    md = to_markdown(result)
    (out / "inference.json").write_text(json.dumps(result, indent=1) + "\n")
    (out / "inference.md").write_text(md)
    print(md)
    print(f"wrote {out / 'inference.json'} and {out / 'inference.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
