"""Batch size of inference on a CPU: photos per second of the course models' evaluation forward pass.

Why :data:`aesthetics_lib.inference.DEFAULT_BATCH` is 16 on a CPU: each shipped course model (its
fp16 course weights, loaded in fp32 as the notebooks load them) scores the same random inputs of its
own input size (models fed one image tensor) in batches of 1, 4, 8, 16 and 32, with 1 and 2 threads. The batch sizes are
interleaved (rounds of every size in turn, ``--repeats`` rounds) after one warm-up pass each, and the
median is reported. Inputs are random tensors, so decoding and transforms are not in the numbers.
The results record the CPU and the Makefile's ``CPU_ENV`` variables set for the run: run it once with
them (as ``make test`` runs the notebooks) and once without (as a student runs them).

Run from the repository root: ``python benchmarks/bench_eval_batch.py [--models nima sgfm_lite0]
[--repeats 3]``. Writes ``eval_batch.json`` and ``eval_batch.md`` to ``--out`` (default
``benchmarks/results``). Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import zoo  # noqa: E402
from aesthetics_lib.course_weights import cpu_env, cpu_model  # noqa: E402

BATCHES = (1, 4, 8, 16, 32)
PHOTOS = 64  # photos per timed pass (a multiple of every batch size)



def rate(model: torch.nn.Module, x: torch.Tensor, batch: int) -> float:
    """Photos per second of one pass over ``x`` in batches of ``batch``."""
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            model(x[i : i + batch])
    return len(x) / (time.perf_counter() - start)


def measure(name: str, threads: int, repeats: int) -> list[dict[str, Any]]:
    """Median photos/s per batch size for course model ``name`` with ``threads`` threads."""
    torch.set_num_threads(threads)
    cm = zoo.course_model(name)
    size = cm.config.size
    x = torch.randn(PHOTOS, 3, size, size, generator=torch.Generator().manual_seed(0))
    model = cm.model.eval()
    for b in BATCHES:  # warm-up, not timed
        rate(model, x[: max(b, 8)], b)
    runs: dict[int, list[float]] = {b: [] for b in BATCHES}
    for r in range(repeats):
        for b in (BATCHES if r % 2 == 0 else BATCHES[::-1]):
            runs[b].append(rate(model, x, b))
    return [{"model": name, "size": size, "threads": threads, "batch": b,
             "photos_per_s": statistics.median(v), "repeats": repeats} for b, v in runs.items()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=["sgfm_lite0", "nima", "sampnet", "convnextv2_sgfm"])
    parser.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    rows = [row for name in args.models for t in args.threads for row in measure(name, t, args.repeats)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"machine": platform.processor() or platform.machine(), "cpu": cpu_model(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "load_before": os.getloadavg(),
            "env": cpu_env()}
    (out / "eval_batch.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    head = "| model (input) | threads | " + " | ".join(f"batch {b}" for b in BATCHES) + " |"
    lines = [head, "|---|---|" + "---|" * len(BATCHES)]
    for name in args.models:
        for t in args.threads:
            cells = [f"{r['photos_per_s']:.0f}" for r in rows if r["model"] == name and r["threads"] == t]
            size = next(r["size"] for r in rows if r["model"] == name)
            lines.append(f"| `{name}` ({size} px) | {t} | " + " | ".join(cells) + " |")
    text = "Photos per second, median of the interleaved repeats:\n\n" + "\n".join(lines) + "\n"
    (out / "eval_batch.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
