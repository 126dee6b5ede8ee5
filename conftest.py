"""Repository-wide pytest set-up: nbval compares text outputs only (stderr and HTML are left out)."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# Outputs nbval does not compare: warnings on stderr differ between library versions, and HTML
# reprs (pandas tables, widgets) carry ids; the same content is compared through text/plain.
_SKIP_COMPARE = ("stderr", "text/html", "application/vnd.jupyter.widget-state+json")


def pytest_collection_modifyitems(session, config, items):  # noqa: D103
    seen = set()
    for item in items:
        parent = getattr(item, "parent", None)
        if parent is None or id(parent) in seen or not hasattr(parent, "skip_compare"):
            continue
        seen.add(id(parent))
        parent.skip_compare = tuple(parent.skip_compare) + _SKIP_COMPARE
