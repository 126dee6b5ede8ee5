"""Is the studio the same dataset however Python was started, and what does that cost?

The studio is drawn with NumPy, whose code paths (AVX-512 or AVX2 loops) are chosen when it is
imported; the Makefile's ``CPU_ENV`` pins them. :func:`aesthetics_lib.data.studio.ensure_studio`
therefore builds a studio in the calling process when that process has ``CPU_ENV`` and in a child
process started with it otherwise (:mod:`aesthetics_lib.numeric_env`).

For each ``--n``, a CADB-layout studio (seed 0, 160 px, the default 2 render processes) is drawn
twice, each in a fresh process: once started with ``CPU_ENV`` (the build runs in it) and once
started without it (the build runs in a child). Reported per size: the seconds of each call of
``generate_cadb`` as timed inside its process, and whether the two folders hold the same files,
byte for byte.

Run (on an otherwise idle machine, from the repository root)::

    python benchmarks/studio_cpu_env.py --n 200 9497 --out benchmarks/results/studio_cpu_env.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib.course_weights import cpu_model  # noqa: E402
from aesthetics_lib.numeric_env import CPU_ENV  # noqa: E402

#: What each fresh process runs: one timed build, its seconds printed as the last line.
_BUILD = ("import sys, time; from aesthetics_lib.data.studio import generate_cadb; t = time.perf_counter(); "
          "generate_cadb(sys.argv[1], n=int(sys.argv[2])); print(time.perf_counter() - t)")


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _build(out: Path, n: int, with_cpu_env: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k not in CPU_ENV}
    if with_cpu_env:
        env.update(CPU_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", _BUILD, str(out), str(n)], env=env, check=True,
                          capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[200, 9497], help="studio sizes to draw")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args()
    rows = []
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            here = _build(Path(tmp) / "with", n, True)
            child = _build(Path(tmp) / "without", n, False)
            same = _digest(Path(tmp) / "with") == _digest(Path(tmp) / "without")
        rows.append({"n": n, "seconds_with_cpu_env": round(here, 2), "seconds_without": round(child, 2),
                     "same_files": same})
        print(f"n={n}: {here:.1f} s in the process started with CPU_ENV, {child:.1f} s from one started "
              f"without it (built in a child); same files: {same}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"cpu": cpu_model(), "machine": platform.machine(),
                                        "cpu_count": os.cpu_count(), "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
