"""Speed and memory of the training core: how long do the course's runs take on this machine?

Measures, and writes as JSON and Markdown (``--out``, default ``runs/benchmarks``):

1. ``train``: training images/s of every model (forward, loss, backward, AdamW step on random inputs of
   the model's view) at the studio configs' CPU sizes and at 224 px;
2. ``inference``: ms per image of the evaluation forward pass (batch 1 and batch 16), and of the
   whole ``score`` path (decode, transform, forward) over studio images;
3. ``data``: data-pipeline images/s (file decode + training transform) with and without the
   decoded-image cache, from the studio's 160 px files and from 640 px files;
4. ``loop``: the trainer end to end (data, model, loss, optimiser, validation) on the studio config of
   ``convnextv2_sgfm``, a few steps;
5. ``cuda`` (only when a GPU is present): ``convnextv2_sgfm`` (nano backbone) at 224 px, fp32 vs bf16 +
   channels-last images/s and peak GPU memory.

Wall-clock rates depend on what else the machine runs; every CPU row also gives the rate per
CPU-second of this process (``img_per_cpu_s``), which is steadier on a shared machine.

Run: ``python benchmarks/bench_train.py [--quick] [--threads 2] [--out benchmarks/results]``.
Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import torch

# runnable as a script from the repository root
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aesthetics_lib.data.schema import CADB_BINS  # noqa: E402
from aesthetics_lib.losses import AestheticLoss  # noqa: E402
from aesthetics_lib.models import create_model  # noqa: E402

#: model -> (keyword arguments, CPU size) as in configs/studio_<model>.yaml
STUDIO_MODELS: dict[str, tuple[dict[str, Any], int]] = {
    "dcnn": ({"backbone": "shallow", "columns": 2}, 64),
    "spp": ({"backbone": "shallow"}, 64),
    "nima": ({"backbone": "efficientnet_lite0"}, 96),
    "multipatch": ({"backbone": "shallow"}, 32),
    "sampnet": ({"backbone": "resnet18"}, 64),
    "convnextv2_sgfm": ({"backbone": "convnextv2_atto"}, 64),
}
PATCHES = 4


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """``(wall seconds, process CPU seconds)`` of ``repeats`` calls of ``fn``."""
    w, c = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        fn()
    return time.perf_counter() - w, time.process_time() - c


def inputs_for(model: torch.nn.Module, batch: int, size: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Random inputs of the model's view: ``image`` (and ``local``)."""
    g = torch.Generator().manual_seed(0)
    if model.view == "patches":
        x = torch.randn(batch, PATCHES, 3, size, size, generator=g)
    else:
        x = torch.randn(batch, 3, size, size, generator=g)
    out = {"image": x.to(device)}
    if "local" in model.extra_inputs:
        out["local"] = torch.randn(batch, 3, size, size, generator=g).to(device)
    return out


def targets(batch: int, device: torch.device) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    dist = torch.rand(batch, CADB_BINS, generator=g).softmax(-1)
    return {
        "dist": dist.to(device),
        "mean": (dist * torch.arange(1, CADB_BINS + 1)).sum(-1).to(device),
        "attributes": (torch.rand(batch, 11, generator=g) * 2 - 1).to(device),
        "attr_mask": torch.ones(batch, 11, dtype=torch.bool, device=device),
    }


def bench_train_step(name: str, kwargs: dict, size: int, batch: int, steps: int, device: torch.device,
                     amp: str = "none", channels_last: bool = False) -> dict[str, Any]:
    """Training throughput of one model on random inputs."""
    torch.manual_seed(0)
    model = create_model(name, num_bins=CADB_BINS, **kwargs).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    names = model.attribute_names
    loss_fn = AestheticLoss(emd=1.0, rank=0.2, attributes=0.1 if names else 0.0,
                            attribute_names=names or ("RuleOfThirds",),
                            patch_mode="ada" if model.view == "patches" else None)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = inputs_for(model, batch, size, device)
    if channels_last and x["image"].ndim == 4:
        x = {k: v.contiguous(memory_format=torch.channels_last) for k, v in x.items()}
    t = targets(batch, device)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp)

    def step() -> None:
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            out = model(x["image"], **{k: v for k, v in x.items() if k != "image"})
        out = {k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in out.items()}
        loss, _ = loss_fn(out, t)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    def run_all() -> None:
        for _ in range(steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    wall_total, cpu = timed(run_all, 1)
    row = {
        "model": name, "backbone": kwargs.get("backbone"), "size": size, "batch": batch, "steps": steps,
        "params_M": round(sum(p.numel() for p in model.parameters()) / 1e6, 2),
        "img_per_s": round(batch * steps / wall_total, 1),
        "img_per_cpu_s": round(batch * steps / max(cpu, 1e-9), 1) if device.type == "cpu" else None,
        "ms_per_img": round(1000 * wall_total / (batch * steps), 2),
        "amp": amp, "channels_last": channels_last, "device": device.type,
    }
    if model.view == "patches":
        row["patches"] = PATCHES
    if device.type == "cuda":
        row["peak_mem_GiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    return row


@torch.no_grad()
def bench_inference(name: str, kwargs: dict, size: int, batch: int, repeats: int) -> dict[str, Any]:
    torch.manual_seed(0)
    model = create_model(name, num_bins=CADB_BINS, **kwargs).eval()
    x = inputs_for(model, batch, size, torch.device("cpu"))
    fn = lambda: model(x["image"], **{k: v for k, v in x.items() if k != "image"})  # noqa: E731
    fn()
    wall, cpu = timed(fn, repeats)
    return {"model": name, "size": size, "batch": batch, "ms_per_img": round(1000 * wall / (batch * repeats), 2),
            "cpu_ms_per_img": round(1000 * cpu / (batch * repeats), 2)}


def bench_data(root: Path, size: int, n: int) -> list[dict[str, Any]]:
    """Decode + training transform, from the files and from the decoded-image cache."""
    from aesthetics_lib.data.registry import open_dataset
    from aesthetics_lib.data.transforms import build_transform

    rows = []
    for cached in (False, True):
        torch.manual_seed(0)
        ds = open_dataset(f"cadb:{root}", "train", build_transform("warp", size, train=True))
        build = 0.0
        if cached:
            t0 = time.perf_counter()
            ds.enable_cache(max_side=2 * size)
            build = time.perf_counter() - t0
        k = min(n, len(ds))
        wall, cpu = timed(lambda: [ds[i] for i in range(k)], 1)
        rows.append({"cache": cached, "size": size, "items": k, "img_per_s": round(k / wall, 1),
                     "img_per_cpu_s": round(k / max(cpu, 1e-9), 1), "cache_build_s": round(build, 2),
                     "source_long_side": int(max(ds.sizes()[0])) if cached else None})
    return rows


def bench_score(root: Path, checkpoint: Path, n: int) -> dict[str, Any]:
    from aesthetics_lib.commands.score import score_images

    files = sorted((root / "images").glob("*.jpg"))[:n]
    score_images(files[:2], checkpoint, device="cpu")  # warm-up (also loads the model)
    wall, cpu = timed(lambda: score_images(files, checkpoint, batch_size=16, device="cpu"), 1)
    return {"images": len(files), "ms_per_img": round(1000 * wall / len(files), 2),
            "cpu_ms_per_img": round(1000 * cpu / len(files), 2), "note": "includes loading the checkpoint once"}


def bench_loop(root: Path, steps: int, out: Path) -> dict[str, Any]:
    """The trainer end to end on configs/studio_convnextv2_sgfm.yaml, capped at ``steps`` steps."""
    from aesthetics_lib.train import Trainer, load_config

    repo = Path(__file__).resolve().parents[1]
    cfg = load_config(repo / "configs" / "studio_convnextv2_sgfm.yaml", {
        "data": f"cadb:{root}", "epochs": 1, "max_steps_per_epoch": steps, "out": str(out),
        "progress": False, "verbose": False})
    w, c = time.perf_counter(), time.process_time()
    trainer = Trainer(cfg)
    setup = time.perf_counter() - w
    history = trainer.fit()
    return {"config": "configs/studio_convnextv2_sgfm.yaml", "steps": steps, "batch": cfg.batch_size,
            "train_img_per_s": round(history[-1]["images_per_s"], 1), "setup_s": round(setup, 2),
            "epoch_s_incl_validation": round(time.perf_counter() - w - setup, 2),
            "cpu_s_total": round(time.process_time() - c, 2), "val_images": len(trainer.val_set)}


def machine() -> dict[str, Any]:
    info = {
        "python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "cuda": torch.cuda.is_available(),
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        info["load_average_1min_at_start"] = os.getloadavg()[0]
    except OSError:
        pass
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def to_markdown(result: dict[str, Any]) -> str:
    def table(rows: list[dict[str, Any]]) -> list[str]:
        if not rows:
            return ["(none)"]
        cols = list(rows[0])
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in cols) + " |" for r in rows]
        return lines

    m = result["machine"]
    out = [f"# Benchmark results ({time.strftime('%Y-%m-%d', time.gmtime(result['time']))})", "",
           f"Machine: {m['cpu']}, {m['cpu_count']} cores, torch {m['torch']} ({m['torch_threads']} threads), "
           f"Python {m['python']}; load average at start {m.get('load_average_1min_at_start')}; "
           + (f"GPU: {m['gpu']}" if m.get("gpu") else "no GPU"), ""]
    for key, title in (("train", "Training images/s (random inputs)"), ("inference", "Inference"),
                       ("data", "Data pipeline"), ("score", "score command"), ("loop", "Trainer end to end"),
                       ("cuda", "GPU: convnextv2_sgfm fp32 vs bf16 + channels_last")):
        if key in result:
            rows = result[key] if isinstance(result[key], list) else [result[key]]
            out += [f"## {title}", ""] + table(rows) + [""]
    if "cuda" not in result:
        out += ["No GPU was available: no GPU numbers were measured.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer steps (rough numbers in about a minute)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--out", default="runs/benchmarks", help="folder for results.json and results.md")
    p.add_argument("--skip-224", action="store_true", help="skip the 224 px CPU training rows")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    steps = 2 if args.quick else 5
    result: dict[str, Any] = {"time": time.time(), "machine": machine(), "quick": args.quick}
    cpu = torch.device("cpu")

    result["train"] = []
    for name, (kw, size) in STUDIO_MODELS.items():
        result["train"].append(bench_train_step(name, kw, size, 16, steps, cpu))
        print(result["train"][-1], flush=True)
    if not args.skip_224:
        for name, (kw, _) in STUDIO_MODELS.items():
            s224 = 112 if name == "multipatch" else 224  # 4 patches of 112 px ~ one 224 px image
            result["train"].append(bench_train_step(name, kw, s224, 4, max(1, steps // 2), cpu))
            print(result["train"][-1], flush=True)
        # the backbone of the full-scale config (configs/cadb_convnextv2_sgfm.yaml), for scale
        result["train"].append(bench_train_step("convnextv2_sgfm", {"backbone": "convnextv2_nano"}, 224, 4,
                                                max(1, steps // 2), cpu))
        print(result["train"][-1], flush=True)

    result["inference"] = []
    for name in ("convnextv2_sgfm", "nima", "sampnet"):
        kw, size = STUDIO_MODELS[name]
        for batch in (1, 16):
            result["inference"].append(bench_inference(name, kw, size, batch, 3 if args.quick else 10))
        result["inference"].append(bench_inference(name, kw, 224, 1, 2 if args.quick else 5))
        print(result["inference"][-3:], flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        from aesthetics_lib.data.studio import generate_cadb

        root = Path(tmp) / "studio"
        generate_cadb(root, n=200 if args.quick else 400, seed=0, long_side=160)
        result["data"] = bench_data(root, 64, 150 if args.quick else 300)
        # photo-sized sources (long side 640), where decoding, not the transform, is the cost
        big = Path(tmp) / "studio_640"
        generate_cadb(big, n=60 if args.quick else 150, seed=0, long_side=640)
        result["data"] += bench_data(big, 64, 60 if args.quick else 120)
        print(result["data"], flush=True)
        result["loop"] = bench_loop(root, 5 if args.quick else 10, Path(tmp) / "run")
        print(result["loop"], flush=True)
        result["score"] = bench_score(root, Path(tmp) / "run" / "best.pt", 64 if args.quick else 160)
        print(result["score"], flush=True)

    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        kw = {"backbone": "convnextv2_nano"}
        result["cuda"] = [
            bench_train_step("convnextv2_sgfm", kw, 224, 64, 20, gpu, amp="none", channels_last=False),
            bench_train_step("convnextv2_sgfm", kw, 224, 64, 20, gpu, amp="bf16", channels_last=True),
        ]
        print(result["cuda"], flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=1))
    (out / "results.md").write_text(to_markdown(result))
    print(f"wrote {out / 'results.json'} and {out / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
