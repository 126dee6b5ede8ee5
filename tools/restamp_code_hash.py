"""Re-stamp the course weights' training records after a change of code that changes no weight.

A record's ``code_hash`` is the hash of the library files its model depends on
(:func:`aesthetics_lib.course_weights.code_hash`), so any edit of those files makes every record
stale, even one that cannot change what a training run computes. Two such edits can be re-stamped
instead of retraining 17 hours of models:

- ``--dropped FILE``: files that left ``CODE_DEPENDENCIES`` (session 32: ``models/__init__.py``,
  which only imports the model modules). A record is re-stamped when its ``code_hash`` is the hash
  of today's files *plus the dropped ones*.
- ``--changed FILE --since REV --why TEXT``: files edited since git revision ``REV`` in a way that
  leaves the trained weights unchanged (session 33: resuming a run on a GPU, a path no shipped run
  took). A record is re-stamped when its ``code_hash`` is the hash of today's files *with those files
  as they were at REV*: then they are the only difference from the code it was trained with. The
  tool cannot tell whether the edit changes training; ``--why`` says how that was checked, and the
  record keeps it in ``code_restamps``.

Either way the files a record still depends on are otherwise byte for byte those it was trained
with. Only when every record passes does the tool write the new ``code_hash`` and ``code_files``;
if any does not, it names it and changes nothing.

    python tools/restamp_code_hash.py --dropped models/__init__.py            # check and write
    python tools/restamp_code_hash.py --dropped models/__init__.py --check    # check only
    python tools/restamp_code_hash.py --changed training/checkpoint.py --since 4f08e20 --why "..."
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import course_weights as cw  # noqa: E402


def restamp(
    folder: Path,
    dropped: Sequence[str] = (),
    write: bool = True,
    changed: Mapping[str, bytes] | None = None,
    note: Mapping[str, str] | None = None,
) -> int:
    """Check (and with ``write``, re-stamp) every record in ``folder``; return the exit status.

    ``dropped``: files that left the hashed list; ``changed``: files (relative to ``aesthetics_lib/``)
    with their contents at the time of training; ``note`` (``since``, ``why``) is added to each
    re-stamped record's ``code_restamps`` with the old and new hashes."""
    changed = dict(changed or {})
    updates, problems = {}, []
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        model = record["config"]["model"]
        now = cw.code_files(model)
        before = sorted(set(now) | set(dropped))
        if record.get("code_hash") == cw.code_hash(model):
            print(f"{path.name}: already current ({record['code_hash']})")
            continue
        expected = cw.hash_files(before, contents={k: v for k, v in changed.items() if k in before})
        if record.get("code_hash") != expected:
            what = " and ".join([*([f"plus {list(dropped)}"] if dropped else []),
                                 *([f"with {sorted(changed)} as they were"] if changed else [])])
            problems.append(f"{path.name}: its code hash {record.get('code_hash')} is not that of today's files "
                            f"{what} ({expected}): retrain it instead")
            continue
        new = cw.code_hash(model)
        stamps = list(record.get("code_restamps", []))
        if note is not None:
            stamps.append({"from": record["code_hash"], "to": new, "dropped": list(dropped),
                           "changed": sorted(changed), **dict(note)})
        updates[path] = {**record, "code_hash": new, "code_files": now, **({"code_restamps": stamps} if stamps else {})}
        print(f"{path.name}: {record['code_hash']} -> {new}")
    if problems:
        print("\n".join(["not re-stamped, nothing written:", *problems]), file=sys.stderr)
        return 1
    if write:
        for path, record in updates.items():
            cw.write_record(path, record)
    print(f"{len(updates)} record(s) {'re-stamped' if write else 'would be re-stamped'}")
    return 0


def contents_at(rev: str, files: Sequence[str]) -> dict[str, bytes]:
    """The bytes of library files (relative to ``aesthetics_lib/``) at git revision ``rev``."""
    out = {}
    for name in files:
        result = subprocess.run(["git", "show", f"{rev}:aesthetics_lib/{name}"], cwd=ROOT, capture_output=True)
        if result.returncode != 0:
            raise SystemExit(f"git show {rev}:aesthetics_lib/{name}: {result.stderr.decode().strip()}")
        out[name] = result.stdout
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dropped", nargs="+", default=[], help="files (relative to aesthetics_lib/) that left CODE_DEPENDENCIES")
    parser.add_argument("--changed", nargs="+", default=[], help="files (relative to aesthetics_lib/) edited since --since")
    parser.add_argument("--since", help="with --changed: the git revision the records were trained with")
    parser.add_argument("--why", help="with --changed: why the edit leaves the weights unchanged, and how that was checked")
    parser.add_argument("--weights", type=Path, default=ROOT / "weights", help="the folder of the records (default: weights/)")
    parser.add_argument("--check", action="store_true", help="only check; write nothing")
    args = parser.parse_args()
    if not (args.dropped or args.changed):
        parser.error("give --dropped or --changed")
    if args.changed and not (args.since and args.why):
        parser.error("--changed needs --since REV and --why TEXT")
    changed = contents_at(args.since, args.changed) if args.changed else {}
    note = {"since": args.since, "why": args.why} if args.changed else None
    return restamp(args.weights, args.dropped, write=not args.check, changed=changed, note=note)


if __name__ == "__main__":
    sys.exit(main())
