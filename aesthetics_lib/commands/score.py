"""``python -m aesthetics_lib score PATH... --checkpoint FILE [--csv OUT] [--force] [--top-attributes 3]``:
score image files and folders with a trained checkpoint.

Folders are searched recursively for common image extensions (files named on the command line are
scored whatever their extension). Images are read with :func:`aesthetics_lib.data.io.load_image`
(EXIF orientation, CMYK, greyscale, 16-bit, palette and transparent images become upright 8-bit RGB)
and go through :class:`aesthetics_lib.inference.Predictor` (the checkpoint's model and eval transform,
rebuilt from its spec). Prints a table ranked by predicted mean score (P(good) for a binary head),
with the predicted distribution, the good/bad call and the strongest attribute predictions; ``--csv`` writes
the same rows (and the unreadable files with their reason) to a CSV, never over an existing file
unless ``--force``. Unreadable files (empty, truncated, not an image, a decompression bomb beyond
Pillow's limit) are skipped and listed at the end with the reason.

Exit code: 0 when at least one image was scored, 1 when none could be (no images found, or all
unreadable), 2 for a refused CSV or a bad checkpoint. Introduced in notebooks/11_applications.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any, Sequence

#: Extensions searched for in folders (lower case).
IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"}
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``score``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files and/or folders (searched recursively)")
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by train (best.pt)")
    parser.add_argument("--csv", metavar="OUT", help="also write the results to this CSV file")
    parser.add_argument("--force", action="store_true", help="overwrite an existing CSV")
    parser.add_argument("--top-attributes", type=int, default=3, metavar="N", help="attributes shown per image (default 3)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="photos per forward pass (default: 16 on a CPU, 64 on a GPU)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))


def find_images(paths: Sequence[str | os.PathLike]) -> tuple[list[Path], list[tuple[str, str]]]:
    """``(image files, missing)``: folders searched recursively (sorted, hidden entries skipped),
    files taken as given; ``missing`` lists ``(path, reason)`` for paths that do not exist."""
    found: list[Path] = []
    missing: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            found.append(p)

    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_EXTENSIONS:
                        add(Path(root) / name)
        elif p.exists():
            add(p)
        else:
            missing.append((str(p), "no such file or folder"))
    return found, missing


def score_images(
    paths: Sequence[str | os.PathLike],
    checkpoint: str | os.PathLike,
    batch_size: int | None = None,
    device: str = "auto",
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], dict[str, Any]]:
    """Score image files/folders: ``(rows ranked by score, failed (path, reason), meta)``.

    Each row: ``path``, ``rank``, ``mean`` (the predicted mean score; P(good) for a binary head),
    ``std`` and ``dist`` (None without a distribution head), ``good`` (at the training data's
    threshold) and ``attributes`` (``{name: value}``, empty without an attribute head)."""
    from aesthetics_lib.inference import Predictor

    predictor = Predictor.from_checkpoint(checkpoint, device=device, batch_size=batch_size)
    files, failed = find_images(paths)
    scored, preds, bad = predictor.score_files(files)
    failed.extend(bad)
    names = list(predictor.attribute_names)
    rows: list[dict[str, Any]] = []
    if preds is not None:
        good = preds.good
        for j, path in enumerate(scored):
            rows.append({
                "path": str(path),
                "mean": float(preds.score[j]),
                "std": float(preds.std[j]) if preds.std is not None else None,
                "dist": [float(v) for v in preds.dist[j]] if preds.dist is not None else None,
                "good": bool(good[j]),
                "attributes": dict(zip(names, map(float, preds.attributes[j]))) if preds.attributes is not None else {},
            })
    rows.sort(key=lambda r: (-r["mean"], r["path"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    spec = predictor.spec
    return rows, failed, {"num_bins": spec.num_bins, "attribute_names": names, "model": spec.name, "head": spec.head,
                          "threshold": spec.threshold}


def top_attributes(attributes: dict[str, float], k: int) -> list[tuple[str, float]]:
    """The ``k`` attribute predictions furthest from neutral (largest absolute value), signed."""
    return sorted(attributes.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[: max(0, k)]


def format_table(rows: list[dict[str, Any]], top: int = 3, head: str = "distribution") -> str:
    """The ranked table printed by ``score`` (``head``: the model's head kind; a binary head's score
    is P(good))."""
    if not rows:
        return "(no image scored)"
    has_dist = rows[0]["dist"] is not None
    header = ["rank", "P(good)" if head == "binary" else "mean"]
    if has_dist:
        k = len(rows[0]["dist"])
        header += ["std", "distribution % (" + " ".join(str(i) for i in range(1, k + 1)) + ")"]
    header.append("good")
    with_attrs = top > 0 and bool(rows[0]["attributes"])
    if with_attrs:
        header.append("top attributes")
    header.append("file")
    table = [header]
    for r in rows:
        cells = [str(r["rank"]), f"{r['mean']:.2f}"]
        if has_dist:
            cells += [f"{r['std']:.2f}", " ".join(f"{100 * p:3.0f}" for p in r["dist"])]
        cells.append("yes" if r["good"] else "no")
        if with_attrs:
            cells.append(", ".join(f"{n} {v:+.2f}" for n, v in top_attributes(r["attributes"], top)))
        cells.append(r["path"])
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table)


def write_csv(path: Path, rows: list[dict[str, Any]], failed: list[tuple[str, str]], names: list[str]) -> None:
    """The results as CSV (atomically): one row per scored image, then one per unreadable file."""
    k = len(rows[0]["dist"]) if rows and rows[0]["dist"] is not None else 0
    fields = ["rank", "path", "mean", "std"] + [f"p{i}" for i in range(1, k + 1)] + ["good"] + list(names) + ["error"]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            rec = {"rank": r["rank"], "path": r["path"], "mean": f"{r['mean']:.4f}",
                   "std": f"{r['std']:.4f}" if r["std"] is not None else "", "good": int(r["good"])}
            rec.update({f"p{i + 1}": f"{p:.4f}" for i, p in enumerate(r["dist"] or [])})
            rec.update({n: f"{v:.4f}" for n, v in r["attributes"].items()})
            w.writerow(rec)
        for p, reason in failed:
            w.writerow({"path": p, "error": reason})
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    """Score; returns 0 if at least one image was scored, 1 if none, 2 if the CSV is refused."""
    out = Path(args.csv) if args.csv else None
    if out is not None and out.exists() and not args.force:
        print(f"error: {out} already exists; pass --force to overwrite it or choose another --csv", file=sys.stderr)
        return 2
    rows, failed, meta = score_images(args.paths, args.checkpoint, args.batch_size, args.device)
    print(format_table(rows, args.top_attributes, meta["head"]))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(out, rows, failed, meta["attribute_names"])
        print(f"\nwrote {len(rows)} rows to {out}")
    if failed:
        print(f"\n{len(failed)} file(s) could not be scored:")
        for p, reason in failed:
            print(f"  {p}: {reason}")
    if not rows:
        print("error: no image could be scored", file=sys.stderr)
        return 1
    print(f"\nscored {len(rows)} image(s)" + (f", {len(failed)} unreadable" if failed else ""))
    return 0
