"""``python -m aesthetics_lib COMMAND ...``: the command line of the library.

Each command lives in ``aesthetics_lib/commands/<name>.py`` and exposes ``add_arguments(parser)``
and ``run(args) -> int`` (the exit code). Modules are imported only when their command runs, so
``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

COMMANDS: dict[str, str] = {
    "synth": "render a synthetic studio dataset in the real CADB or AVA layout",
    "describe": "print statistics of a dataset (works without the image files)",
    "train": "train a model from a YAML config",
    "evaluate": "evaluate a checkpoint on a split, beside the naive baseline",
    "score": "score image files or folders with a checkpoint",
    "zoo": "list, train and check the shipped course weights",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="python -m aesthetics_lib",
        description="Aesthetics Lab: image aesthetics assessment from the command line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(f"aesthetics_lib.commands.{name}")
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
