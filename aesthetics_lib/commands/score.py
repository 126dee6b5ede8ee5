"""``python -m aesthetics_lib score PATH... --checkpoint FILE [--csv OUT] [--force] [--top-attributes 3]``:
score image files and folders with a trained checkpoint.

Folders are searched recursively for common image extensions (files named on the command line are
scored whatever their extension). Images are read with :func:`aesthetics_lib.data.io.load_image`
(EXIF orientation, CMYK, greyscale, 16-bit, palette and transparent images become upright 8-bit RGB)
and go through the checkpoint's evaluation transform. Prints a table ranked by predicted mean
score, with the predicted distribution and the strongest attribute predictions; ``--csv`` writes
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
from typing import Any, Iterable, Sequence

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
    parser.add_argument("--batch-size", type=int, default=16)
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


def _shape_key(x: Any) -> tuple:
    if isinstance(x, dict):
        return tuple(sorted((k, tuple(v.shape)) for k, v in x.items()))
    return (tuple(x.shape),)


def _batches(items: Iterable[tuple[Path, Any]], size: int) -> Iterable[list[tuple[Path, Any]]]:
    """Group transformed images into batches of one input shape (the native view varies)."""
    pending: dict[tuple, list[tuple[Path, Any]]] = {}
    for item in items:
        key = _shape_key(item[1])
        pending.setdefault(key, []).append(item)
        if len(pending[key]) >= size:
            yield pending.pop(key)
    for group in pending.values():
        yield group


def score_images(
    paths: Sequence[str | os.PathLike],
    checkpoint: str | os.PathLike,
    batch_size: int = 16,
    device: str = "auto",
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], dict[str, Any]]:
    """Score image files/folders: ``(rows ranked by mean score, failed (path, reason), meta)``.

    Each row: ``path``, ``rank``, ``mean``, ``std``, ``dist`` (list of K probabilities) and
    ``attributes`` (``{name: value}``, empty when the model has no attribute head)."""
    import torch

    from aesthetics_lib.data.io import ImageLoadError, load_image
    from aesthetics_lib.training.build import eval_transform_for, resolve_device
    from aesthetics_lib.training.predict import model_inputs
    from aesthetics_lib.training.trainer import load_checkpoint

    dev = resolve_device(device)
    model, config, state = load_checkpoint(checkpoint, map_location=dev)
    meta = state.get("meta", {})
    transform = eval_transform_for(config, view=meta.get("view"))
    names = list(meta.get("attribute_names") or getattr(model, "attribute_names", ()) or ())
    files, failed = find_images(paths)

    def loaded() -> Iterable[tuple[Path, Any]]:
        for f in files:
            try:
                img = load_image(f)
                yield f, transform(img)
            except ImageLoadError as exc:
                failed.append((str(f), exc.reason))
            except Exception as exc:  # a transform or codec error on one file must not stop the rest
                failed.append((str(f), f"{type(exc).__name__}: {exc}"))

    rows: list[dict[str, Any]] = []
    with torch.no_grad():
        for group in _batches(loaded(), batch_size):
            xs = [x for _, x in group]
            if isinstance(xs[0], dict):
                batch = {k: torch.stack([x[k] for x in xs]) for k in xs[0]}
            else:
                batch = {"image": torch.stack(xs)}
            images, extras = model_inputs(model, batch, dev)
            out = model(images, **extras)
            dist = out["dist"].float().cpu()
            bins = torch.arange(1, dist.shape[1] + 1, dtype=torch.float32)
            mean = out["mean"].float().cpu().reshape(-1) if "mean" in out else (dist * bins).sum(1)
            std = ((dist * (bins - mean[:, None]) ** 2).sum(1)).sqrt()
            attrs = out.get("attributes")
            for j, (path, _) in enumerate(group):
                row = {
                    "path": str(path),
                    "mean": float(mean[j]),
                    "std": float(std[j]),
                    "dist": [float(v) for v in dist[j]],
                    "attributes": {n: float(v) for n, v in zip(names, attrs[j].float().cpu())} if attrs is not None else {},
                }
                rows.append(row)
    rows.sort(key=lambda r: (-r["mean"], r["path"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows, failed, {"num_bins": meta.get("num_bins"), "attribute_names": names, "model": config.model}


def top_attributes(attributes: dict[str, float], k: int) -> list[tuple[str, float]]:
    """The ``k`` attribute predictions furthest from neutral (largest absolute value), signed."""
    return sorted(attributes.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[: max(0, k)]


def format_table(rows: list[dict[str, Any]], top: int = 3) -> str:
    """The ranked table printed by ``score``."""
    if not rows:
        return "(no image scored)"
    k = len(rows[0]["dist"])
    header = ["rank", "mean", "std", "distribution % (" + " ".join(str(i) for i in range(1, k + 1)) + ")"]
    if top > 0 and rows[0]["attributes"]:
        header.append("top attributes")
    header.append("file")
    table = [header]
    for r in rows:
        cells = [str(r["rank"]), f"{r['mean']:.2f}", f"{r['std']:.2f}", " ".join(f"{100 * p:3.0f}" for p in r["dist"])]
        if len(header) == 6:
            cells.append(", ".join(f"{n} {v:+.2f}" for n, v in top_attributes(r["attributes"], top)))
        cells.append(r["path"])
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table)


def write_csv(path: Path, rows: list[dict[str, Any]], failed: list[tuple[str, str]], names: list[str]) -> None:
    """The results as CSV (atomically): one row per scored image, then one per unreadable file."""
    k = len(rows[0]["dist"]) if rows else 0
    fields = ["rank", "path", "mean", "std"] + [f"p{i}" for i in range(1, k + 1)] + list(names) + ["error"]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            rec = {"rank": r["rank"], "path": r["path"], "mean": f"{r['mean']:.4f}", "std": f"{r['std']:.4f}"}
            rec.update({f"p{i + 1}": f"{p:.4f}" for i, p in enumerate(r["dist"])})
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
    print(format_table(rows, args.top_attributes))
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
