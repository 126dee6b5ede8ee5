"""Does the C allocator slow training on the CPU? glibc's ``malloc`` serves every block above its
mmap threshold (128 KiB at start-up; glibc raises it as blocks are freed, up to 32 MiB) from pages
mapped for it alone and unmapped when it is freed, and gives the top of its heap back to the kernel
whenever more than twice that threshold lies free there. A training step allocates and frees
activations of several MiB each, so step after step the process asks the kernel for fresh,
zero-filled pages: minor page faults, counted as system time. The Makefile's ``MALLOC_ENV``
(``MALLOC_MMAP_THRESHOLD_`` 32 MiB, ``MALLOC_TRIM_THRESHOLD_`` 4 GiB, ``MALLOC_TOP_PAD_`` 512 MiB)
keeps those blocks in the process instead.

For each course config, each arm runs in a fresh process (glibc reads these variables at start-up),
with the Makefile's ``CPU_ENV`` and one thread, the only difference being ``MALLOC_ENV``: the
project's trainer for ``--steps`` steps of one epoch on the course studio, then its validation pass,
the run kept in memory. The arms alternate, ``--repeats`` times each. Reported per arm: the median
wall seconds, the process's minor page faults and system CPU seconds, and a hash of the trained
weights (the allocator must not change a single bit of them).

Run (on an otherwise idle machine, from the repository root)::

    python benchmarks/malloc_env.py --out benchmarks/results/malloc_env.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def makefile_env(name: str) -> dict[str, str]:
    """The Makefile's ``NAME := VAR=value ...`` line as a dict (the benchmark measures what ``make`` sets)."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith(f"{name} :="):
            return dict(item.split("=", 1) for item in line.split(":=", 1)[1].split())
    raise ValueError(f"{ROOT / 'Makefile'}: no '{name} :=' line")


#: The Makefile's CPU_ENV (the same kernels on every x86-64 CPU) and one thread, in both arms.
BASE_ENV: dict[str, str] = {**makefile_env("CPU_ENV"), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                            "PYTHONHASHSEED": "0", "CI": "true", "TQDM_DISABLE": "1"}


def child(name: str, steps: int) -> dict[str, Any]:
    """One arm in this process: train course config ``name`` for ``steps`` steps and validate."""
    import torch

    from aesthetics_lib.training.trainer import Trainer
    from aesthetics_lib.zoo import course_config

    cfg = course_config(name, overrides={"epochs": 1, "max_steps_per_epoch": steps}).replace(out=None)
    trainer = Trainer(cfg)
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    history = trainer.fit()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    digest = hashlib.sha256()
    for key, value in sorted(trainer.model.state_dict().items()):
        digest.update(key.encode() + value.detach().cpu().contiguous().numpy().tobytes())
    return {"wall_s": wall, "minor_faults": after.ru_minflt - before.ru_minflt,
            "sys_s": after.ru_stime - before.ru_stime, "user_s": after.ru_utime - before.ru_utime,
            "val_srcc": history[-1].get("val_srcc"), "weights_sha256": digest.hexdigest()[:16],
            "torch": torch.__version__}


def run_arm(name: str, steps: int, malloc: dict[str, str] | None) -> dict[str, Any]:
    """Run :func:`child` in a fresh process, with ``malloc`` added to its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "AESTHETICS_DATA"}
    env.update(BASE_ENV, **(malloc or {}))
    out = subprocess.run([sys.executable, __file__, "--child", name, "--steps", str(steps)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{name}: the child process failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(names: list[str], steps: int, repeats: int) -> dict[str, Any]:
    """Both arms for every config, alternating; the per-arm medians and the weight hashes."""
    malloc = makefile_env("MALLOC_ENV")
    rows = []
    for name in names:
        runs: dict[str, list[dict[str, Any]]] = {"glibc defaults": [], "MALLOC_ENV": []}
        for _ in range(repeats):
            runs["glibc defaults"].append(run_arm(name, steps, None))
            runs["MALLOC_ENV"].append(run_arm(name, steps, malloc))
        row: dict[str, Any] = {"config": name, "steps": steps, "repeats": repeats}
        for arm, rs in runs.items():
            row[arm] = {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "minor_faults", "sys_s", "user_s")}
            row[arm]["weights_sha256"] = sorted({r["weights_sha256"] for r in rs})
        row["speedup"] = row["glibc defaults"]["wall_s"] / row["MALLOC_ENV"]["wall_s"]
        row["same_weights"] = row["glibc defaults"]["weights_sha256"] == row["MALLOC_ENV"]["weights_sha256"] \
            and len(row["MALLOC_ENV"]["weights_sha256"]) == 1
        rows.append(row)
        print(f"{name}: {row['glibc defaults']['wall_s']:.1f} s -> {row['MALLOC_ENV']['wall_s']:.1f} s "
              f"(x{row['speedup']:.2f}); minor faults {row['glibc defaults']['minor_faults']:,} -> "
              f"{row['MALLOC_ENV']['minor_faults']:,}; system CPU {row['glibc defaults']['sys_s']:.1f} s -> "
              f"{row['MALLOC_ENV']['sys_s']:.1f} s; same weights: {row['same_weights']}", flush=True)
    return {"malloc_env": malloc, "base_env": BASE_ENV, "machine": {"cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "platform": platform.platform()}, "date": time.strftime("%Y-%m-%d"), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["multipatch", "multipatch_p8", "dcnn", "spp", "nima"],
                        help="course models or zoo variants to train")
    parser.add_argument("--steps", type=int, default=40, help="training steps per run")
    parser.add_argument("--repeats", type=int, default=2, help="runs per arm and config")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps)))
        return
    result = measure(args.configs, args.steps, args.repeats)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
