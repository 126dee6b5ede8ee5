"""Checkpoints that are safe to load and safe to write: plain tensors and builtins, written atomically.

A checkpoint is a ``dict`` of tensors and Python builtins only, so ``torch.load(path,
weights_only=True)`` reads it without running any pickled code; :func:`read_checkpoint` loads in
that mode and refuses a file that carries an arbitrary pickled object, with a clear message.
:func:`write_atomic` writes to a temporary file in the same folder and renames it over the target
(``os.replace``), so a crash mid-write never leaves a half-written ``last.pt``. :func:`rng_state` and
:func:`set_rng_state` capture and restore the Python, NumPy, torch and CUDA random generators as
tensors and builtins. :func:`load_checkpoint` rebuilds a checkpoint's model from its
:class:`~aesthetics_lib.spec.ModelSpec` and loads its weights.

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
from torch import nn

from aesthetics_lib.spec import ModelSpec
from aesthetics_lib.training.config import TrainConfig, config_from_dict

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
    """Restore the generators saved by :func:`rng_state`, from the CPU or any device (a run resumed
    on a GPU loads its checkpoint there, and NumPy cannot read a CUDA tensor)."""
    state = to_cpu(state)
    version, internal, gauss = state["python"]
    random.setstate((int(version), tuple(int(v) for v in internal), gauss))
    n = state["numpy"]
    np.random.set_state(
        (n["name"], n["keys"].numpy().astype(np.uint32), int(n["pos"]), int(n["has_gauss"]), float(n["cached_gaussian"]))
    )
    torch.set_rng_state(state["torch"].to(torch.uint8))
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.to(torch.uint8) for s in cuda])


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


# ---------------------------------------------------------------------------------------- loading


def strip_ema(state: dict[str, Any]) -> dict[str, Any]:
    """An ``AveragedModel`` state dict (``module.*`` keys and ``n_averaged``) as the plain model's."""
    if "n_averaged" not in state:
        return state
    return {k[len("module."):]: v for k, v in state.items() if k.startswith("module.")}


def config_of(state: dict[str, Any]) -> TrainConfig:
    """The :class:`TrainConfig` saved in a checkpoint."""
    return config_from_dict(state["config"], where="checkpoint config")


def load_checkpoint(
    path: str | os.PathLike, map_location: Any = "cpu", weights: str = "eval"
) -> tuple[nn.Module, TrainConfig, dict[str, Any]]:
    """Rebuild the model of a checkpoint: ``(model in eval mode, config, state)``.

    Loads with ``torch.load(weights_only=True)`` (a file carrying any other pickled object is
    refused with :class:`~aesthetics_lib.training.checkpoint.CheckpointError`). The model is built
    from the checkpoint's :class:`~aesthetics_lib.spec.ModelSpec` (``state["spec"]``: the same
    architecture it was trained with, nothing downloaded) and given the saved weights:
    ``weights="eval"`` the ones that were validated (the EMA when the run kept one), ``"model"`` the
    raw trained ones. ``state["meta"]`` holds the training mean (``train_mean``, ``train_dist``) for
    the naive baseline. Most callers want :meth:`aesthetics_lib.inference.Predictor.from_checkpoint`.
    Introduced in notebooks/05_dcnn.
    """
    if weights not in ("eval", "model"):
        raise ValueError(f"load_checkpoint: expected weights 'eval' or 'model', found {weights!r}")
    state = read_checkpoint(path, map_location=map_location)
    config = config_of(state)
    if "spec" in state and state["spec"] is None:
        raise CheckpointError(
            f"{path}: the run trained a custom model (Trainer(model=...)) that create_model cannot rebuild; "
            "build your model and load the weights yourself: model.load_state_dict(state['model'])"
        )
    if not isinstance(state.get("spec"), dict):
        raise CheckpointError(
            f"{path}: the checkpoint has no model spec (written by an older version of aesthetics_lib, "
            "whose loaded models were fed wrongly normalised images); train it again with this version"
        )
    try:
        spec = ModelSpec.from_dict(state["spec"])
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: unreadable model spec: {exc}") from None
    model = spec.build()
    sd = state["ema"] if weights == "eval" and state.get("ema") is not None else state["model"]
    sd = {k: v.float() if v.is_floating_point() else v for k, v in strip_ema(sd).items()}
    try:
        model.load_state_dict(sd)
    except RuntimeError as exc:
        raise ValueError(f"{path}: the weights do not fit the model {spec.name!r} rebuilt from its spec: {exc}") from None
    model.to(map_location if isinstance(map_location, (str, torch.device)) else "cpu")
    return model.eval(), config, state
