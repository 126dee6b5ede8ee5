"""Print the shipped course weights' training records as a Markdown table (for benchmarks/README.md).

Usage: ``python tools/weights_table.py [WEIGHTS_FOLDER]``. One row per ``weights/NAME.json``: budget
(epochs, images seen, wall time and where it ran), validation SRCC of the chosen epoch, and the test
split's SRCC, MSE and EMD (r=2) with their 95 % bootstrap intervals beside the naive baseline's and
the noise ceiling. Every number is read from the records (measured by ``export_weights``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from aesthetics_lib.course_weights import list_weights


def _ci(t: dict, key: str) -> str:
    """``value [low, high]``, or "n/a" for a metric the model has no value for (MSE and EMD of a
    binary head, recorded as null)."""
    lo, hi = t[f"{key}_ci"]
    if t[key] is None or lo is None or hi is None:
        return "n/a"
    return f"{t[key]:.3f} [{lo:.3f}, {hi:.3f}]"


def table(folder: Path | None = None) -> str:
    """The Markdown table of every record in ``folder`` (default: the course's weights folder)."""
    rows = ["| model | epochs | images seen | wall time | val SRCC | test SRCC [95 % CI] | / ceiling "
            "| test MSE [95 % CI] (naive) | test EMD r=2 [95 % CI] (naive) | size |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for w in list_weights(folder):
        r, t, v = w.record, w.record["test"], w.record["val"]
        machine = r["machine"]
        where = f"{machine.get('cpus')} CPU" if machine.get("device") == "cpu" else machine.get("gpu", machine.get("device"))
        pre = r.get("pretraining")
        if pre:  # the FCMAE pre-training the model started from, and where it ran
            pre_where = pre["machine"].get("gpu") or pre["machine"].get("cpu")
            where += f"; FCMAE before it: {pre['train_seconds'] / 60:.1f} min, {pre_where}"
        ceiling = t.get("noise_ceiling_srcc")
        frac = f"{t['srcc'] / ceiling:.2f}" if ceiling else "n/a"
        rows.append(
            f"| `{w.name}` | {r['epochs']} (best {r['best_epoch']}) | {r['images_seen']:,} "
            f"| {r['train_seconds'] / 60:.1f} min ({where}) | {v['srcc']:.3f} | {_ci(t, 'srcc')} | {frac} "
            f"| {_ci(t, 'mse')} ({t['naive_mse']:.3f}) | {_ci(t, 'emd2')} ({t['naive_emd2']:.3f}) "
            f"| {r['size_bytes'] / 1e6:.1f} MB |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
