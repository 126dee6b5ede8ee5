"""The training configuration: one flat dataclass, loaded from YAML with checked keys and types.

Every run of the trainer is described by a :class:`TrainConfig`. The YAML files in ``configs/`` hold
the same fields at the top level (comments group them); :func:`load_config` refuses unknown keys and
values of the wrong type, naming the key, the file and the line. ``overrides`` (the command line's
``--set key=value``) are applied on top; ``model_kwargs.NAME=value`` sets one model keyword.

Introduced in notebooks/05_dcnn (the first notebook that trains).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

SCHEDULES = ("cosine", "plateau", "none")
AMP_MODES = ("none", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")
OPTIMIZERS = ("adamw", "adam", "sgd")
PATCH_MODES = (None, "avg", "ada")


class ConfigError(ValueError):
    """A configuration that cannot be used: the message names the key, the file and the line."""


@dataclass
class TrainConfig:
    """Everything a training run needs; YAML files in ``configs/`` hold the same (flat) keys.

    Data: ``data`` is a spec: ``"studio"`` (the synthetic studio in the CADB layout, rendered on first
    use from ``studio_n``, ``studio_seed``, ``studio_long_side``; ``"studio_ava"`` for the AVA
    layout), ``"cadb:/path/to/CADB_Dataset"`` or ``"ava:/path/to/AVA"``. ``val_fraction`` of the
    training split is held out for model selection (the test split is never used in training).
    ``cache`` decodes every image once and keeps it (longer side ``cache_max_side``, default twice
    the input size) in memory, or memory-mapped under ``cache_dir``.

    Model: ``model`` is a name for :func:`aesthetics_lib.models.create_model`; ``model_kwargs`` go
    to it (``backbone``, ``pretrained``, ``dropout`` ...). ``view`` (default: the model's own),
    ``size``, ``local_size`` (double-column crop) and ``patches`` (multi-patch count) shape the input;
    ``augment`` (training flip + colour jitter) and ``color_jitter`` (its strength; None = the
    transform's default) go to :func:`~aesthetics_lib.data.transforms.build_transform`.

    Optimisation: ``optimizer`` adamw | adam | sgd with two learning rates, ``lr_backbone`` for the
    parameters under attributes whose name starts with ``backbone`` and ``lr_head`` for the rest;
    ``schedule`` cosine (per step, after ``warmup_epochs`` of linear warm-up) | plateau (halve the
    rates by ``plateau_factor`` when validation SRCC stalls for ``plateau_patience`` epochs) | none;
    ``grad_clip`` (max gradient norm, 0 = off); ``ema`` (decay of an exponential moving average of
    the weights, 0 = off; validation and checkpoints' evaluation weights use the average).

    Loss (:class:`aesthetics_lib.losses.AestheticLoss`): weights ``loss_emd``, ``loss_rank``,
    ``loss_attributes``; ``emd_r``, ``rank_margin``; multi-patch ``patch_mode`` (None | avg | ada),
    ``patch_k``, ``patch_beta``; ``sample_weights`` uses the dataset's per-image weights in the EMD.

    Speed: ``amp`` none | bf16 | fp16 (fp16 with a gradient scaler), ``channels_last``, ``compile``
    (``torch.compile``), ``device`` auto | cpu | cuda, ``num_workers``, ``max_steps_per_epoch``
    (cap for quick runs; None = the whole split).

    Run: ``seed``, ``deterministic`` (``torch.use_deterministic_algorithms``, seeded workers),
    ``out`` (the run folder; None keeps everything in memory), ``progress`` (a tqdm bar; always off
    when the environment variable ``CI`` is set), ``verbose`` (one line per epoch, no timings).
    """

    # data
    data: str = "studio"
    studio_n: int = 9497  # data.studio.STUDIO_N: CADB's size
    studio_seed: int = 0
    studio_long_side: int = 160
    val_fraction: float = 0.1
    cache: bool = False
    cache_max_side: int | None = None
    cache_dir: str | None = None
    # model and input
    model: str = "convnextv2_sgfm"
    model_kwargs: dict = field(default_factory=dict)
    view: str | None = None
    size: int = 224
    local_size: int | None = None
    patches: int | None = None
    augment: bool = True
    color_jitter: float | None = None
    # optimisation
    epochs: int = 10
    batch_size: int = 16
    num_workers: int = 0
    optimizer: str = "adamw"
    lr_backbone: float = 1e-5
    lr_head: float = 2e-4
    weight_decay: float = 1e-4
    schedule: str = "cosine"
    warmup_epochs: float = 0.0
    plateau_patience: int = 2
    plateau_factor: float = 0.5
    grad_clip: float = 0.0
    ema: float = 0.0
    # loss
    loss_emd: float = 1.0
    loss_rank: float = 0.0
    loss_attributes: float = 0.0
    emd_r: int = 2
    rank_margin: float = 0.05
    patch_mode: str | None = None
    patch_k: float = 1.0
    patch_beta: float = 1.0
    sample_weights: bool = False
    # speed
    amp: str = "none"
    channels_last: bool = False
    compile: bool = False
    device: str = "auto"
    max_steps_per_epoch: int | None = None
    # run
    seed: int = 0
    deterministic: bool = True
    out: str | None = "runs/run"
    progress: bool = True
    verbose: bool = True

    def __post_init__(self) -> None:
        validate(self)

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` of builtins (what checkpoints store)."""
        d = dataclasses.asdict(self)
        d["model_kwargs"] = dict(self.model_kwargs)
        return d

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (values are checked like YAML values)."""
        return config_from_dict({**self.to_dict(), **changes}, where="TrainConfig.replace")


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(TrainConfig)}


def _field_types(name: str) -> tuple[type, ...]:
    """The accepted Python types of a field, from its annotation (``int | None`` -> (int, NoneType))."""
    hints = typing.get_type_hints(TrainConfig)
    tp = hints[name]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return tuple(typing.get_origin(a) or a for a in typing.get_args(tp))
    return (origin or tp,)


def _coerce(name: str, value: Any, where: str) -> Any:
    """Check (and gently convert) one value against the field's annotation."""
    accepted = _field_types(name)
    if value is None:
        if type(None) in accepted:
            return None
        raise ConfigError(f"{where}: key '{name}' expects {_type_names(accepted)}, found null")
    if bool in accepted:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: key '{name}' expects true or false, found {value!r}")
    if int in accepted and isinstance(value, int) and not isinstance(value, bool):
        return value
    if int in accepted and isinstance(value, float) and value.is_integer():
        return int(value)
    if float in accepted and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if float in accepted and isinstance(value, str):  # YAML 1.1 reads "1e-4" as a string
        try:
            return float(value)
        except ValueError:
            pass
    if str in accepted and isinstance(value, str):
        return value
    if dict in accepted and isinstance(value, Mapping):
        return dict(value)
    raise ConfigError(
        f"{where}: key '{name}' expects {_type_names(accepted)}, found {value!r} ({type(value).__name__})"
    )


def _type_names(types_: tuple[type, ...]) -> str:
    names = {type(None): "null", bool: "true/false", dict: "a mapping"}
    return " or ".join(names.get(t, t.__name__) for t in types_)


def validate(cfg: TrainConfig, where: str = "TrainConfig") -> None:
    """Check values and choices; raises :class:`ConfigError` naming the key."""

    def bad(key: str, expected: str) -> ConfigError:
        return ConfigError(f"{where}: key '{key}' expects {expected}, found {getattr(cfg, key)!r}")

    choices = {
        "schedule": SCHEDULES,
        "amp": AMP_MODES,
        "device": DEVICES,
        "optimizer": OPTIMIZERS,
        "patch_mode": PATCH_MODES,
    }
    for key, options in choices.items():
        if getattr(cfg, key) not in options:
            raise bad(key, "one of " + ", ".join(str(o) for o in options))
    for key in ("epochs", "num_workers", "studio_n"):
        if getattr(cfg, key) < 0:
            raise bad(key, "a number >= 0")
    for key in ("batch_size", "size", "studio_long_side"):
        if getattr(cfg, key) < 1:
            raise bad(key, "a number >= 1")
    if cfg.max_steps_per_epoch is not None and cfg.max_steps_per_epoch < 1:
        raise bad("max_steps_per_epoch", "null or a number >= 1")
    if not 0.0 < cfg.val_fraction < 1.0:
        raise bad("val_fraction", "a fraction strictly between 0 and 1")
    if not 0.0 <= cfg.ema < 1.0:
        raise bad("ema", "a decay in [0, 1) (0 switches the moving average off)")
    if not 0.0 < cfg.plateau_factor < 1.0:
        raise bad("plateau_factor", "a factor strictly between 0 and 1")
    for key in ("lr_backbone", "lr_head", "weight_decay", "grad_clip", "warmup_epochs",
                "loss_emd", "loss_rank", "loss_attributes"):
        if getattr(cfg, key) < 0:
            raise bad(key, "a number >= 0")
    if cfg.emd_r not in (1, 2):
        raise bad("emd_r", "1 or 2")
    if not isinstance(cfg.data, str) or not cfg.data:
        raise bad("data", 'a data spec such as "studio", "cadb:/path" or "ava:/path"')


def config_from_dict(values: Mapping[str, Any], where: str = "config", lines: Mapping[str, int] | None = None) -> TrainConfig:
    """Build a :class:`TrainConfig` from a mapping; unknown keys and wrong types raise
    :class:`ConfigError` naming the key (and ``where``/the line, when known)."""
    lines = lines or {}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        loc = f"{where}, line {lines[key]}" if key in lines else where
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), list(FIELDS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{loc}: unknown key '{key}'{hint} (known keys: {', '.join(FIELDS)})")
        kwargs[key] = _coerce(key, value, loc)
    try:
        return TrainConfig(**kwargs)
    except ConfigError as exc:
        msg = str(exc).replace("TrainConfig: ", "", 1)
        key = msg.split("'")[1] if "'" in msg else None
        loc = f"{where}, line {lines[key]}" if key in lines else where
        raise ConfigError(f"{loc}: {msg}") from None


def _yaml_key_lines(text: str) -> dict[str, int]:
    """Line numbers (1-based) of the top-level keys of a YAML mapping."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is None or not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def parse_override(item: str) -> tuple[str, Any]:
    """``"key=value"`` -> ``(key, value)``; the value is read as YAML (``3``, ``1e-4``, ``true``, ``null``)."""
    if "=" not in item:
        raise ConfigError(f"--set: expected key=value, found {item!r}")
    key, text = item.split("=", 1)
    key = key.strip()
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    return key, value


def apply_overrides(values: dict[str, Any], overrides: Mapping[str, Any], where: str = "overrides") -> dict[str, Any]:
    """Merge ``overrides`` into ``values``; ``model_kwargs.NAME`` sets one model keyword."""
    out = dict(values)
    for key, value in overrides.items():
        if key.startswith("model_kwargs."):
            kw = dict(out.get("model_kwargs") or {})
            kw[key.split(".", 1)[1]] = value
            out["model_kwargs"] = kw
        elif key not in FIELDS:
            close = difflib.get_close_matches(key, list(FIELDS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{where}: unknown key '{key}'{hint}")
        else:
            out[key] = value
    return out


def load_config(path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """Read a YAML config (flat keys of :class:`TrainConfig`) and apply ``overrides``.

    ``path=None`` starts from the defaults. Unknown keys, wrong types and invalid choices raise
    :class:`ConfigError` naming the key, the file and the line. Introduced in notebooks/05_dcnn.
    """
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    where = "defaults"
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"config file not found: {p}")
        text = p.read_text(encoding="utf-8")
        where = str(p)
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p}: not valid YAML: {exc}") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{p}: expected a mapping of keys to values, found {type(loaded).__name__}")
        values = loaded
        lines = _yaml_key_lines(text)
    if overrides:
        values = apply_overrides(values, overrides, where=f"{where} (overrides)")
        lines = {k: v for k, v in lines.items() if k not in overrides}
    return config_from_dict(values, where=where, lines=lines)


def config_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Keys whose values differ between two config dicts (sorted)."""
    keys = set(a) | set(b)
    return sorted(k for k in keys if a.get(k) != b.get(k))


def save_config(cfg: TrainConfig, path: str | os.PathLike) -> None:
    """Write ``cfg`` as YAML (atomically: a temporary file, then ``os.replace``)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
    tmp.write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False), encoding="utf-8")
    os.replace(tmp, p)
