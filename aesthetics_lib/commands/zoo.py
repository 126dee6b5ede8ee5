"""``python -m aesthetics_lib zoo [--json] [--train NAME ...|all [--epochs N]] [--check]``: the course
weights.

Without options: a table of the course models with shipped weights (name, checkpoint, epochs, test
SRCC with its interval beside the noise ceiling, whether they are stale). ``--json`` prints the same
as one JSON list (``name``, ``checkpoint``, ``stale``, ``test``, ``val``, ...). ``--train`` trains the
named course models (``all``: every one) from their configs in resumable run folders
(``runs/weights/``), at most ``--epochs`` more epochs per model in this call, and exports the
weights of each finished run into ``weights/`` with its training record. ``--check`` exits 1 when
any shipped weights are stale, naming the command that retrains them.

Introduced in notebooks/05_dcnn (train once, load in class).
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``zoo``."""
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.add_argument("--train", nargs="+", metavar="NAME", help="train and export these course models ('all': every one)")
    parser.add_argument("--epochs", type=int, metavar="N", help="with --train: at most N more epochs per model in this call")
    parser.add_argument("--check", action="store_true", help="exit 1 when shipped weights are stale")


def entries() -> list[dict]:
    """One dict per shipped course model: name, checkpoint, stale (reasons), record summary."""
    from aesthetics_lib.course_weights import list_weights, staleness
    from aesthetics_lib.zoo import course_config

    rows = []
    for w in list_weights():
        try:
            reasons = staleness(w, course_config(w.name))
        except FileNotFoundError as exc:
            reasons = [str(exc)]
        rec = w.record
        rows.append({
            "name": w.name, "checkpoint": str(w.checkpoint), "stale": reasons, "epochs": rec.get("epochs"),
            "images_seen": rec.get("images_seen"), "train_seconds": rec.get("train_seconds"),
            "size_bytes": rec.get("size_bytes"), "data": rec.get("data"), "val": rec.get("val"), "test": rec.get("test"),
        })
    return rows


def _table(rows: list[dict]) -> str:
    from aesthetics_lib.notebook import fmt

    if not rows:
        return "(no course weights shipped yet: train them with `make weights` or `python -m aesthetics_lib zoo --train all`)"
    lines = [("model", "epochs", "test SRCC [95% CI]", "noise ceiling", "status", "checkpoint")]
    for r in rows:
        t = r["test"] or {}
        ci = t.get("srcc_ci") or [None, None]
        srcc = f"{fmt(t.get('srcc'))} [{fmt(ci[0])}, {fmt(ci[1])}]" if t.get("srcc") is not None else "n/a"
        ceiling = fmt(t["noise_ceiling_srcc"]) if t.get("noise_ceiling_srcc") is not None else "n/a"
        lines.append((r["name"], str(r["epochs"]), srcc, ceiling, "stale" if r["stale"] else "current", r["checkpoint"]))
    widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in lines)


def run(args: argparse.Namespace) -> int:
    """List, train or check the course weights."""
    if args.train:
        from aesthetics_lib.course_weights import export_weights, train_weights
        from aesthetics_lib.training.checkpoint import read_checkpoint
        from aesthetics_lib.zoo import ZOO_MODELS, course_config

        names = list(ZOO_MODELS) if args.train == ["all"] else args.train
        unknown = [n for n in names if n not in ZOO_MODELS]
        if unknown:
            print(f"error: unknown course model(s) {unknown}; expected names from {list(ZOO_MODELS)} or 'all'",
                  file=sys.stderr)
            return 2
        for name in names:
            cfg = course_config(name).replace(progress=True, verbose=True)
            print(f"== {name}: training in resumable chunks (config hash from {name}'s config)", flush=True)
            out, seconds = train_weights(name, cfg, args.epochs)
            if not (out / "last.pt").is_file():  # this call's epochs went into the FCMAE pre-training
                print(f"{name}: its FCMAE pre-training is not finished after {seconds:.0f} s; run the same command to continue")
                continue
            done = int(read_checkpoint(out / "last.pt")["epoch"])
            if done < cfg.epochs:
                print(f"{name}: {done} of {cfg.epochs} epochs after {seconds:.0f} s; run the same command to continue")
                continue
            w = export_weights(name, out)
            t = w.test_metrics
            print(f"{name}: exported {w.checkpoint} ({w.record['size_bytes'] / 1e6:.1f} MB); "
                  f"test SRCC {t.get('srcc'):.3f} {t.get('srcc_ci')}", flush=True)
    rows = entries()
    if args.json:
        json.dump(rows, sys.stdout, indent=1, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(_table(rows))
    if args.check:
        stale = [r for r in rows if r["stale"]]
        for r in stale:
            print(f"stale: {r['name']}: {'; '.join(r['stale'])}. Retrain: python -m aesthetics_lib zoo --train {r['name']}",
                  file=sys.stderr)
        return 1 if stale else 0
    return 0
