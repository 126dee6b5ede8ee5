"""Deflate the shipped course weights (``weights/*.pt``) in place, and update each record's ``size_bytes``.

Weights exported before :func:`aesthetics_lib.course_weights.deflate_checkpoint` existed store
their archive members uncompressed. For each such checkpoint this tool loads every object, deflates
the file, loads it again and checks that everything in it is the same (tensors bit for bit); only
then does it write the record's new ``size_bytes`` (the one field that changes: the weights, and so
the recorded metrics, are untouched). A checkpoint that fails the check is restored from a copy, and
the tool goes on and names it at the end.

    python tools/deflate_weights.py [--weights weights/]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib.course_weights import deflate_checkpoint, is_deflated, write_record  # noqa: E402


def same(a: Any, b: Any) -> bool:
    """Whether two loaded checkpoints hold the same objects (tensors equal bit for bit, same dtype;
    a NaN equal to a NaN, as in a history's undefined metrics)."""
    if isinstance(a, torch.Tensor):
        return (isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape
                and torch.equal(a.contiguous().flatten().view(torch.uint8), b.contiguous().flatten().view(torch.uint8)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=ROOT / "weights", help="the folder of the course weights")
    args = parser.parse_args()
    failed, before_total, after_total = [], 0, 0
    for pt in sorted(args.weights.glob("*.pt")):
        if is_deflated(pt):
            continue
        record_path = pt.with_suffix(".json")
        before = torch.load(pt, map_location="cpu", weights_only=True)
        size = pt.stat().st_size
        backup = pt.with_name(f".{pt.name}.backup")
        shutil.copy2(pt, backup)
        try:
            deflate_checkpoint(pt)
            if not same(before, torch.load(pt, map_location="cpu", weights_only=True)):
                raise ValueError("the deflated checkpoint loads differently")
        except Exception as err:  # restore and go on with the others
            shutil.copy2(backup, pt)
            failed.append(f"{pt.name}: {err}")
            continue
        finally:
            backup.unlink()
        if record_path.is_file():
            record = json.loads(record_path.read_text(encoding="utf-8"))
            write_record(record_path, {**record, "size_bytes": pt.stat().st_size})
        before_total, after_total = before_total + size, after_total + pt.stat().st_size
        print(f"{pt.name}: {size:,} -> {pt.stat().st_size:,} bytes")
    print(f"deflated: {before_total:,} -> {after_total:,} bytes")
    if failed:
        print("not deflated (restored):", *failed, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
