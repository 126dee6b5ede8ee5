"""Where the library keeps things: one cache rule, one portable file lock, the shipped configs.

- :func:`cache_root`: ``$AESTHETICS_CACHE`` when set; else ``data/cache`` of the source checkout when
  the library runs from a writable checkout; else ``~/.cache/aesthetics_lab``. The studio renders into
  ``cache_root() / "studio"`` and the course models train into ``cache_root() / "models"``.
- :func:`file_lock`: an exclusive inter-process lock on a file (the ``filelock`` package: works on
  Linux, macOS and Windows), so that parallel notebooks never render or train the same thing twice.
- :func:`config_dir` / :func:`config_file`: the YAML configs, from ``$AESTHETICS_CONFIGS``, the
  checkout's ``configs/`` folder, or the copy shipped inside the installed package
  (``aesthetics_lib/configs``), in that order.

Introduced in notebooks/00_welcome (the studio cache).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

#: The source checkout this module lives in, or None for an installed package.
_HERE = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The root of the source checkout the library is imported from (it holds ``pyproject.toml``
    beside ``aesthetics_lib/``), or None when it is imported from an installed wheel."""
    repo = _HERE.parent
    if (repo / "pyproject.toml").is_file() and (repo / "aesthetics_lib").is_dir():
        return repo
    return None


def cache_root() -> Path:
    """The folder for caches (rendered studios, trained course models); see the module docstring."""
    env = os.environ.get("AESTHETICS_CACHE")
    if env:
        return Path(env).expanduser()
    repo = checkout_root()
    if repo is not None:
        target = repo / "data"
        probe = target if target.exists() else repo
        if os.access(probe, os.W_OK):
            return target / "cache"
    return Path.home() / ".cache" / "aesthetics_lab"


@contextlib.contextmanager
def file_lock(path: str | os.PathLike, timeout: float = -1) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created with its folder if needed) for the ``with`` block.

    ``timeout`` in seconds (-1 waits for ever); ``filelock.Timeout`` is raised when it runs out."""
    from filelock import FileLock

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path), timeout=timeout):
        yield


def config_dir() -> Path:
    """The folder of the YAML configs: ``$AESTHETICS_CONFIGS``, else the checkout's ``configs/``,
    else the configs shipped in the installed package."""
    env = os.environ.get("AESTHETICS_CONFIGS")
    if env:
        return Path(env).expanduser()
    repo = checkout_root()
    if repo is not None and (repo / "configs").is_dir():
        return repo / "configs"
    from importlib.resources import files

    return Path(str(files("aesthetics_lib") / "configs"))


def config_file(name: str | os.PathLike) -> Path:
    """A config by path (``configs/studio_nima.yaml``) or by name (``studio_nima``), looked up in
    :func:`config_dir` when it is not an existing file. Raises ``FileNotFoundError`` listing the
    configs that exist."""
    p = Path(name).expanduser()
    if p.is_file():
        return p
    folder = config_dir()
    stem = p.name[: -len(".yaml")] if p.name.endswith(".yaml") else p.name
    candidate = folder / f"{stem}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(q.stem for q in folder.glob("*.yaml")) if folder.is_dir() else []
    raise FileNotFoundError(
        f"config not found: {name} (neither a file nor a config in {folder}; known: {', '.join(known) or 'none'})"
    )
