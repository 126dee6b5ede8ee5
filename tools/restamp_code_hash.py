"""Re-stamp the course weights' training records after files left ``CODE_DEPENDENCIES``.

A record's ``code_hash`` is the hash of the library files its model depends on
(:func:`aesthetics_lib.course_weights.code_hash`). When a file leaves that list (session 32:
``models/__init__.py``, which only imports the model modules), every record's hash changes although
no weight would. This tool checks, for every record, that its ``code_hash`` is the hash of today's
files *plus the dropped ones*: then the files it still depends on are byte for byte those it was
trained with, and the hash of today's list is a true stamp. Only then does it write the new
``code_hash`` and ``code_files``. If any record does not match, it names it and changes nothing.

    python tools/restamp_code_hash.py --dropped models/__init__.py            # check and write
    python tools/restamp_code_hash.py --dropped models/__init__.py --check    # check only
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import course_weights as cw  # noqa: E402


def restamp(folder: Path, dropped: list[str], write: bool) -> int:
    """Check (and with ``write``, re-stamp) every record in ``folder``; return the exit status."""
    updates, problems = {}, []
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        model = record["config"]["model"]
        now = cw.code_files(model)
        before = sorted(set(now) | set(dropped))
        if record.get("code_hash") == cw.code_hash(model):
            print(f"{path.name}: already current ({record['code_hash']})")
            continue
        if record.get("code_hash") != cw.hash_files(before):
            problems.append(f"{path.name}: its code hash {record.get('code_hash')} is not that of today's files "
                            f"plus {dropped} ({cw.hash_files(before)}): retrain it instead")
            continue
        updates[path] = {**record, "code_hash": cw.code_hash(model), "code_files": now}
        print(f"{path.name}: {record['code_hash']} -> {updates[path]['code_hash']}")
    if problems:
        print("\n".join(["not re-stamped, nothing written:", *problems]), file=sys.stderr)
        return 1
    if write:
        for path, record in updates.items():
            path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"{len(updates)} record(s) {'re-stamped' if write else 'would be re-stamped'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dropped", nargs="+", required=True, help="the files (relative to aesthetics_lib/) that left CODE_DEPENDENCIES")
    parser.add_argument("--weights", type=Path, default=ROOT / "weights", help="the folder of the records (default: weights/)")
    parser.add_argument("--check", action="store_true", help="only check; write nothing")
    args = parser.parse_args()
    return restamp(args.weights, args.dropped, write=not args.check)


if __name__ == "__main__":
    sys.exit(main())
