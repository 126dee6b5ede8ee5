"""Paired bootstrap intervals: every resample at once against one metric call per resample.

:func:`aesthetics_lib.compare.paired_bootstrap` evaluates the library's metrics and the seed-averaged
metrics of :mod:`aesthetics_lib.ablation` on a block of resamples at once
(:func:`aesthetics_lib.metrics.resampled_difference`). This times it, on random predictions of
``n`` photos with 1,000 resamples, against the same call with the metric wrapped in a plain
function (which :func:`~aesthetics_lib.metrics.bootstrap_ci` can only call once per resample), and
prints the largest difference between the two intervals' ends. Sizes: 347 (notebook 06's extreme
photos), 950 (the studio's test split) and 3,000 (06's evaluation draw); metrics: SRCC, MSE and EMD
of one model each, and SRCC and EMD averaged over three seeds each.

Run from the repository root with one thread: ``OMP_NUM_THREADS=1 python
benchmarks/bench_bootstrap.py [--repeats 3]``. Writes ``bootstrap.json`` and ``bootstrap.md`` to
``--out`` (default ``benchmarks/results``). Introduced in benchmarks/README.md.
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
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import metrics  # noqa: E402
from aesthetics_lib.ablation import seed_emd, seed_srcc  # noqa: E402
from aesthetics_lib.compare import paired_bootstrap  # noqa: E402
from aesthetics_lib.course_weights import cpu_env, cpu_model  # noqa: E402

SIZES = (347, 950, 3000)
N_BOOT = 1000


def cases(n: int) -> dict[str, tuple[Callable, np.ndarray, np.ndarray, np.ndarray]]:
    """name -> (metric, predictions of arm a, of arm b, target) for ``n`` random photos."""
    rng = np.random.default_rng(n)
    truth = np.round(rng.normal(size=n), 2)  # vote means tie
    dist = rng.dirichlet(np.ones(5), size=n)
    return {
        "SRCC": (metrics.srcc, truth + rng.normal(size=n), truth + rng.normal(size=n), truth),
        "MSE": (metrics.mse, truth + rng.normal(size=n), truth + rng.normal(size=n), truth),
        "EMD": (metrics.emd, rng.dirichlet(np.ones(5), size=n), rng.dirichlet(np.ones(5), size=n), dist),
        "SRCC, 3 seeds each": (seed_srcc, truth[:, None] + rng.normal(size=(n, 3)), truth[:, None] + rng.normal(size=(n, 3)), truth),
        "EMD, 3 seeds each": (seed_emd, rng.dirichlet(np.ones(5), size=(n, 3)), rng.dirichlet(np.ones(5), size=(n, 3)), dist),
    }


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    rows = []
    for n in SIZES:
        for name, (metric, a, b, t) in cases(n).items():
            block_s, fast = timed(lambda: paired_bootstrap(metric, a, b, t, n_boot=N_BOOT), args.repeats)
            loop_s, slow = timed(lambda: paired_bootstrap(lambda p, q: metric(p, q), a, b, t, n_boot=N_BOOT), args.repeats)
            gap = max(abs(fast.low - slow.low), abs(fast.high - slow.high), abs(fast.difference - slow.difference))
            rows.append({"photos": n, "metric": name, "per resample (s)": round(loop_s, 4), "block (s)": round(block_s, 4),
                         "speed-up": round(loop_s / block_s, 1), "largest difference": float(f"{gap:.1e}")})
            print(rows[-1], flush=True)
    result = {"cpu": cpu_model(), "platform": platform.platform(), "threads": os.environ.get("OMP_NUM_THREADS"),
              "cpu_env": cpu_env(), "n_boot": N_BOOT,
              "repeats": args.repeats, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bootstrap.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    head = list(rows[0])
    lines = [f"CPU: {result['cpu']}, OMP_NUM_THREADS={result['threads']}, {N_BOOT} resamples, median of {args.repeats}", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    (args.out / "bootstrap.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
