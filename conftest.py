"""Repository-wide pytest set-up: nbval compares text outputs only (stderr and HTML are left out), and
the longest test files and notebooks run first."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# Outputs nbval does not compare: warnings on stderr differ between library versions, and HTML
# reprs (pandas tables, widgets) carry ids; the same content is compared through text/plain.
_SKIP_COMPARE = ("stderr", "text/html", "application/vnd.jupyter.widget-state+json")

# ``make test`` hands whole files and notebooks to two workers (``--dist loadscope``) in collection
# order (``--no-loadscope-reorder``). Longest first, so that the short ones fill the end and both
# workers finish together: in this order, the seconds each took in a cold run on 2 cores (session
# 43: 09 235, 05 178, 06 144, 10 96, 11 80, 07 67, 08 58, 02 39, then the unit tests of 20-32 s).
# Everything not listed follows in its usual order. Only the order changes, never what runs.
LONGEST_FIRST: tuple[str, ...] = tuple(f"notebooks/instructor/{n}.ipynb" for n in (
    "09_convnextv2_sgfm", "05_dcnn", "06_aspect_ratio", "10_explainability", "11_applications", "07_nima",
    "08_sampnet", "02_ava_exploration")) + tuple(f"tests/{n}.py" for n in (
    "test_course_weights", "test_wheel", "test_assignments", "test_distributed"))


def pytest_collection_modifyitems(session, config, items):  # noqa: D103
    seen = set()
    for item in items:
        parent = getattr(item, "parent", None)
        if parent is None or id(parent) in seen or not hasattr(parent, "skip_compare"):
            continue
        seen.add(id(parent))
        parent.skip_compare = tuple(parent.skip_compare) + _SKIP_COMPARE
    rank = {scope: i for i, scope in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.rsplit("::", 1)[0], len(rank)))  # stable: cells keep their order
