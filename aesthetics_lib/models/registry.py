"""Create the course's models by name (the timm pattern): ``create_model("nima", num_bins=10)``.

Each model module registers its class with :func:`register_model`; :func:`list_models` gives the
names (``dcnn``, ``spp``, ``nima``, ``multipatch``, ``sampnet``, ``convnextv2_sgfm``).
Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable, Sequence, TypeVar

from torch import nn

from aesthetics_lib.pretrained import backbone_architecture

_MODELS: dict[str, type[nn.Module]] = {}
T = TypeVar("T", bound=type)


def register_model(name: str) -> Callable[[T], T]:
    """Class decorator: make the class creatable as ``create_model(name, ...)``."""

    def wrap(cls: T) -> T:
        if name in _MODELS and _MODELS[name] is not cls:
            raise ValueError(f"model name {name!r} is already registered to {_MODELS[name].__name__}")
        _MODELS[name] = cls
        cls.model_name = name
        return cls

    return wrap


def _ensure_loaded() -> None:
    importlib.import_module("aesthetics_lib.models")


def list_models() -> list[str]:
    """Names accepted by :func:`create_model`, sorted."""
    _ensure_loaded()
    return sorted(_MODELS)


def model_class(name: str) -> type[nn.Module]:
    """The class registered under ``name``; :class:`KeyError` lists the known names."""
    _ensure_loaded()
    if name not in _MODELS:
        raise KeyError(f"unknown model {name!r}: expected one of {sorted(_MODELS)}")
    return _MODELS[name]


def default_backbone(name: str) -> str | None:
    """The default of the ``backbone`` argument of model ``name`` (None if it takes none)."""
    param = inspect.signature(model_class(name).__init__).parameters.get("backbone")
    if param is None or param.default is inspect.Parameter.empty:
        return None
    return param.default


def create_model(
    name: str,
    num_bins: int = 5,
    attribute_names: Sequence[str] | None = None,
    backbone: str | None = None,
    pretrained: bool | str = False,
    **kw: Any,
) -> nn.Module:
    """Build model ``name`` with K = ``num_bins`` score bins.

    ``attribute_names=None`` keeps the model's default (SAMP-Net: ``schema.SAMPNET_ATTRIBUTES``,
    ConvNeXt V2 + SGFM: ``schema.ATTRIBUTES``, the others: none); ``()`` removes the attribute head.
    ``backbone=None`` keeps the model's default backbone; ``pretrained`` is passed to
    :func:`aesthetics_lib.pretrained.create_backbone`. Other keywords go to the model's class.
    The call is recorded in ``model.create_args`` (plain builtins), with ``backbone`` set to the
    architecture that was actually built (:func:`~aesthetics_lib.pretrained.backbone_architecture`):
    ``create_model(**{**args, "pretrained": False})`` rebuilds the same network for a trained state
    dict (:class:`~aesthetics_lib.spec.ModelSpec` does this).
    """
    cls = model_class(name)
    args: dict[str, Any] = dict(num_bins=int(num_bins), pretrained=pretrained, **kw)
    if attribute_names is not None:
        args["attribute_names"] = tuple(attribute_names)
    backbone = backbone if backbone is not None else default_backbone(name)
    if backbone is not None:
        args["backbone"] = backbone_architecture(backbone, pretrained)
    try:
        model = cls(**args)
    except TypeError as exc:
        raise TypeError(f"create_model({name!r}): {exc}") from exc
    model.create_args = {"name": name, **args}
    return model
