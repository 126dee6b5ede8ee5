"""Keep copies of shipped course models' predictions in their training records.

Two kinds of copy, each read by the notebook that needs it instead of running the models:

- **Test predictions** (notebook 09's comparison table; default models: the six it compares with the
  final model, besides the two it scores itself): the model's predictions for every photo of its
  test split (:meth:`aesthetics_lib.zoo.CourseModel.test_predictions` with ``recorded=False``),
  packed (:func:`aesthetics_lib.course_weights.pack_predictions`) and kept as ``test_predictions``.
- **Predicted means on notebook 06's evaluation draw** (``--datasets``; default models: the sixteen
  runs notebook 06 scores there, :data:`DRAWN`): the predicted mean of every photo of the fresh
  3,000-photo studio draw, through the model's own view and through any other patch count the
  notebook scores it with (:meth:`aesthetics_lib.zoo.CourseModel.predicted_means` with
  ``recorded=False``), packed (:func:`aesthetics_lib.course_weights.pack_means`) and kept under
  ``dataset_means``.

Each copy is unpacked again and must come back bit for bit; only then is it written into
``weights/NAME.json`` (the one field that changes). A model without current shipped weights, or
whose copy does not come back the same, is left as it was, and the tool goes on and names it at the
end.

    python tools/record_test_predictions.py [NAME ...]
    python tools/record_test_predictions.py --datasets [NAME ...]
    python tools/record_test_predictions.py --missing [NAME ...|all]

Run it with the Makefile's ``CPU_ENV`` (``make record-predictions``), as the notebooks run: the copy
is what a notebook computes on such a CPU. Exporting retrained weights writes a new record without
the copies; ``make weights`` then runs this tool with ``--missing``, which records, for the named
models (``all`` or none: every one), each copy they need and lack while their weights are current,
and says why it skips the others (a run not finished is not a failure).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib.course_weights import (DATASET_MEANS, dataset_key, pack_means, pack_predictions,  # noqa: E402
                                           unpack_means, unpack_predictions, write_record)
from aesthetics_lib.data.registry import open_dataset  # noqa: E402
from aesthetics_lib.data.studio import ensure_studio  # noqa: E402
from aesthetics_lib.train import build_datasets  # noqa: E402
from aesthetics_lib.training.build import cache_side  # noqa: E402
from aesthetics_lib.zoo import course_config, course_model, shipped_weights  # noqa: E402

#: The course models notebook 09's comparison table reads from their records.
COMPARED = ("dcnn", "spp", "nima", "multipatch", "multipatch_layout_lite0", "sampnet")
#: Notebook 06's evaluation draw (its ``EVAL_N, EVAL_SEED``): a fresh CADB-layout studio draw.
DRAW_N, DRAW_SEED = 3000, 1
#: The runs notebook 06 scores on that draw, each with the patch counts besides its config's own
#: that it scores them with (the 6-patch multi-patch runs also with 8).
DRAWN: dict[str, tuple[int, ...]] = {
    "spp": (),
    **{f"multipatch{seed}": (8,) for seed in ("", "_seed1", "_seed2")},
    **{f"multipatch_{arm}{seed}": () for arm in ("warp", "avg", "p8") for seed in ("", "_seed1", "_seed2")},
}


def record_one(name: str) -> str:
    """Compute, check and write ``name``'s test predictions; returns what was done, or raises."""
    cm = course_model(name)
    if cm.weights is None:
        raise ValueError(f"{name}: no shipped weights for its config (weights/{name}.pt missing or stale)")
    start = time.perf_counter()
    pred = cm.test_predictions(recorded=False)
    stored = pack_predictions(pred)
    test = build_datasets(cm.config, splits=("test",))[2]
    again = unpack_predictions(stored, test, cm.attribute_names, cm.meta.get("threshold", float("nan")))
    want, got = pred.to_dict(), again.to_dict()
    if want.keys() != got.keys():
        raise ValueError(f"{name}: unpacked {sorted(got)} instead of {sorted(want)}")
    for key, value in want.items():
        if value.dtype != got[key].dtype or not np.array_equal(value, got[key]):
            raise ValueError(f"{name}: {key} does not come back bit for bit")
    record = dict(cm.weights.record)
    record["test_predictions"] = stored
    write_record(cm.weights.checkpoint.with_suffix(".json"), record)
    return f"{name}: {stored['n']} test photos, {sorted(stored['arrays'])} ({time.perf_counter() - start:.1f} s)"


def evaluation_draw():
    """Notebook 06's evaluation draw, opened as the notebook opens it (every photo, its decoded images
    cached at the multi-patch config's cache size)."""
    root = ensure_studio("cadb", n=DRAW_N, seed=DRAW_SEED)
    return open_dataset(f"cadb:{root}", "all").enable_cache(max_side=cache_side(course_config("multipatch")))


def record_draw(name: str, draw=None) -> str:
    """Compute, check and write ``name``'s predicted means on notebook 06's evaluation draw (``draw``:
    that dataset, opened by :func:`evaluation_draw` when None), through its own view and the other
    patch counts of :data:`DRAWN`, as the record's whole ``dataset_means``; returns what was done,
    or raises."""
    cm = course_model(name)
    if cm.weights is None:
        raise ValueError(f"{name}: no shipped weights for its config (weights/{name}.pt missing or stale)")
    if name not in DRAWN:
        raise ValueError(f"{name}: notebook 06 does not score it on its evaluation draw (those it does: {', '.join(DRAWN)})")
    start = time.perf_counter()
    draw = evaluation_draw() if draw is None else draw
    ids = list(draw.image_ids)
    copies = {}  # the record's dataset_means become these: copies of an older draw (another studio hash) go
    for patches in (None, *DRAWN[name]):
        means = cm.predicted_means(draw, patches=patches, recorded=False)
        stored = pack_means(ids, means)
        again = unpack_means(stored, ids)
        if again is None or again.dtype != means.dtype or not np.array_equal(again, means):
            raise ValueError(f"{name}: the means on {cm.means_key(draw, patches)} do not come back bit for bit")
        copies[cm.means_key(draw, patches)] = stored
    record = dict(cm.weights.record)
    record[DATASET_MEANS] = copies
    write_record(cm.weights.checkpoint.with_suffix(".json"), record)
    return f"{name}: means of {len(ids)} photos of {dataset_key(draw)}, patches {[None, *DRAWN[name]]} ({time.perf_counter() - start:.1f} s)"


def needs_copy(name: str) -> str | None:
    """Why ``--missing`` skips ``name``'s test predictions (None: record them): not compared,
    weights not current, or a copy kept."""
    if name not in COMPARED:
        try:
            course_config(name)
        except FileNotFoundError as exc:
            return f"{name}: not a course model ({exc})"
        return f"{name}: notebook 09 runs it itself; its record keeps no copy"
    shipped = shipped_weights(name, course_config(name))
    if shipped is None:
        return f"{name}: no current weights to copy from (its training is not finished or not exported)"
    if "test_predictions" in shipped.record:
        return f"{name}: its record already keeps a copy"
    return None


def needs_draw(name: str) -> str | None:
    """Why ``--missing`` skips ``name``'s means on notebook 06's draw (None: record them): not scored
    there, weights not current, or copies kept."""
    if name not in DRAWN:
        return f"{name}: notebook 06 does not score it on its evaluation draw"
    shipped = shipped_weights(name, course_config(name))
    if shipped is None:
        return f"{name}: no current weights to copy from (its training is not finished or not exported)"
    if DATASET_MEANS in shipped.record:
        return f"{name}: its record already keeps its means on the evaluation draw"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"course models (default, or 'all' with --missing: {' '.join(COMPARED)}; "
                                                 f"with --datasets: {' '.join(DRAWN)})")
    parser.add_argument("--datasets", action="store_true", help="record the predicted means on notebook 06's evaluation draw")
    parser.add_argument("--missing", action="store_true",
                        help="only the copies that the named models' current weights need and lack (after make weights)")
    args = parser.parse_args(argv)
    every = args.missing and args.names == ["all"]
    jobs: list[tuple[str, str]] = []  # (kind, name)
    if args.missing:
        for kind, check, default in (("test", needs_copy, COMPARED), ("draw", needs_draw, tuple(DRAWN))):
            for name in (default if not args.names or every else args.names):
                reason = check(name)
                if reason is None:
                    jobs.append((kind, name))
                else:
                    print(f"skipped {reason}")
    elif args.datasets:
        jobs = [("draw", name) for name in (args.names or DRAWN)]
    else:
        jobs = [("test", name) for name in (args.names or COMPARED)]
    failed, draw = [], None
    for kind, name in jobs:
        try:
            if kind == "draw":
                draw = evaluation_draw() if draw is None else draw
                print(record_draw(name, draw), flush=True)
            else:
                print(record_one(name), flush=True)
        except Exception as exc:  # noqa: BLE001 (go on with the others, name it at the end)
            failed.append(f"{name} ({kind}): {exc}")
    if failed:
        print("not recorded:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
