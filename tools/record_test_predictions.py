"""Keep a copy of shipped course models' test predictions in their training records.

For each named model (default: the six that notebook 09 compares with the final model, besides the
two it scores itself) this tool computes the model's predictions for every photo of its test split
(:meth:`aesthetics_lib.zoo.CourseModel.test_predictions` with ``recorded=False``), packs them
(:func:`aesthetics_lib.course_weights.pack_predictions`), unpacks them again and checks that every
array comes back bit for bit; only then does it write them into ``weights/NAME.json`` as
``test_predictions`` (the one field that changes). A model without shipped weights, or whose copy
does not come back the same, is left as it was, and the tool goes on and names it at the end.

    python tools/record_test_predictions.py [NAME ...]
    python tools/record_test_predictions.py --missing [NAME ...|all]

Run it with the Makefile's ``CPU_ENV`` (``make record-predictions``), as the notebooks run: the copy is what a
notebook computes on such a CPU. Exporting retrained weights writes a new record without the copy;
``make weights`` then runs this tool with ``--missing``, which records only the named models (``all``
or none: every one) that need a copy, have current weights and keep none yet, and says why it
skips the others (a run not finished is not a failure).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib.course_weights import pack_predictions, unpack_predictions, write_record  # noqa: E402
from aesthetics_lib.train import build_datasets  # noqa: E402
from aesthetics_lib.zoo import course_config, course_model, shipped_weights  # noqa: E402

#: The course models notebook 09's comparison table reads from their records.
COMPARED = ("dcnn", "spp", "nima", "multipatch", "multipatch_layout_lite0", "sampnet")


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


def needs_copy(name: str) -> str | None:
    """Why ``--missing`` skips ``name`` (None: record it): not compared, weights not current, or a copy kept."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"course models (default, or 'all' with --missing: {' '.join(COMPARED)})")
    parser.add_argument("--missing", action="store_true",
                        help="only the named models whose current weights need a copy and keep none (after make weights)")
    args = parser.parse_args(argv)
    names = list(COMPARED) if not args.names or (args.missing and args.names == ["all"]) else args.names
    if args.missing:
        skipped = {name: needs_copy(name) for name in names}
        for reason in filter(None, skipped.values()):
            print(f"skipped {reason}")
        names = [name for name, reason in skipped.items() if reason is None]
    failed = []
    for name in names:
        try:
            print(record_one(name), flush=True)
        except Exception as exc:  # noqa: BLE001 (go on with the others, name it at the end)
            failed.append(f"{name}: {exc}")
    if failed:
        print("not recorded:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
