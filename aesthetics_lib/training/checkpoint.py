"""Checkpoints that are safe to load and safe to write: plain tensors and builtins, written atomically.

A checkpoint is a ``dict`` of tensors and Python builtins only, so ``torch.load(path,
weights_only=True)`` reads it without running any pickled code; :func:`read_checkpoint` loads in
that mode and refuses a file that carries an arbitrary pickled object, with a clear message.
:func:`write_atomic` writes to a temporary file in the same folder and renames it over the target
(``os.replace``), so a crash mid-write never leaves a half-written ``last.pt``. :func:`rng_state` and
:func:`set_rng_state` capture and restore the Python, NumPy, torch and CUDA random generators as
tensors and builtins.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

#: Value of the ``format`` key of every checkpoint the trainer writes.
CHECKPOINT_FORMAT = "aesthetics_lib.checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint that cannot (or must not) be loaded; the message names the file and the reason."""


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_atomic(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (temporary file in the same folder, fsync,
    ``os.replace``), after checking with :func:`to_plain` that it holds only tensors and builtins.
    Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    obj = to_plain(obj)
    tmp = _temp_name(path)
    try:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``torch.load(weights_only=True)``.

    Raises ``FileNotFoundError`` for a missing file and :class:`CheckpointError` for a file that
    holds a pickled object other than tensors and builtins (refused: loading it would run code
    from the file), is not a checkpoint of this library, or is corrupt.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if "GLOBAL" in ln or "Unsupported" in ln]
        first = lines[0].split(". Please use")[0] if lines else type(exc).__name__
        raise CheckpointError(
            f"{path}: refused to load: the file holds a pickled Python object that is not a tensor or "
            f"a builtin ({first}). Checkpoints of aesthetics_lib contain only tensors and builtins and "
            "load with torch.load(..., weights_only=True); a file that does not may run arbitrary code. "
            "If you trust its source, inspect it with torch.load(path, weights_only=False)."
        ) from None
    except (RuntimeError, EOFError, OSError) as exc:
        raise CheckpointError(f"{path}: not a readable torch checkpoint ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = sorted(state)[:12] if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(
            f"{path}: expected an aesthetics_lib checkpoint (a dict with format={CHECKPOINT_FORMAT!r}), "
            f"found {found}"
        )
    return state


# ---------------------------------------------------------------------------------------- RNG


def rng_state() -> dict[str, Any]:
    """The states of Python's ``random``, NumPy's global generator, torch (CPU) and CUDA, as
    tensors and builtins."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": [version, list(internal), gauss],
        "numpy": {
            "name": str(name),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else [],
    }
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the generators saved by :func:`rng_state`."""
    version, internal, gauss = state["python"]
    random.setstate((int(version), tuple(int(v) for v in internal), gauss))
    n = state["numpy"]
    np.random.set_state(
        (n["name"], n["keys"].numpy().astype(np.uint32), int(n["pos"]), int(n["has_gauss"]), float(n["cached_gaussian"]))
    )
    torch.set_rng_state(state["torch"].cpu().to(torch.uint8))
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.cpu().to(torch.uint8) for s in cuda])


def to_cpu(obj: Any) -> Any:
    """A copy of a nested structure with every tensor detached and moved to the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cpu(v) for v in obj)
    return obj


_SCALARS = (bool, int, float, str, bytes, type(None))


def to_plain(obj: Any, where: str = "checkpoint") -> Any:
    """``obj`` with every value a tensor or a plain builtin (``str`` subclasses such as
    ``torch.__version__`` become ``str``, NumPy scalars and arrays become numbers and tensors), so
    that ``torch.load(weights_only=True)`` accepts it; anything else raises ``TypeError`` naming
    where it was found."""
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, bool) or obj is None:
        return obj
    for t in (int, float, str, bytes):
        if isinstance(obj, t):
            return t(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    if isinstance(obj, dict):
        return {to_plain(k, where): to_plain(v, f"{where}[{k!r}]") for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_plain(v, f"{where}[{i}]") for i, v in enumerate(obj)) if type(obj) in (list, tuple) else [
            to_plain(v, f"{where}[{i}]") for i, v in enumerate(obj)
        ]
    raise TypeError(f"{where}: expected tensors and builtins only, found {type(obj).__module__}.{type(obj).__qualname__}")
