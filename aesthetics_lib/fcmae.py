"""FCMAE: ConvNeXt V2's own self-supervised pre-training, on the course's unlabelled training photos.

No ImageNet weights for ConvNeXt V2 can be had offline, and from random weights the course's
ConvNeXt learns slowly. ConvNeXt V2 was designed together with a masked-autoencoder pre-training,
FCMAE (Woo et al., 2023): hide most of a photo in large square patches and train the network to
paint the hidden pixels back from what it sees. No labels are used, so it can run on the training
photos of the studio before the scored training starts.

- :class:`FCMAE`: a timm ConvNeXt V2 encoder with *dense* masking (the hidden patches are zeroed at
  the input and again after the stem and after every block, so what the encoder computes at a
  visible position never draws on a hidden one: the dense equivalent of the paper's sparse
  convolutions), a light decoder (one ConvNeXt V2 block, learnt mask tokens in the hidden
  positions) and the loss: mean squared error of each hidden patch's pixels, normalised per patch.
- :class:`FCMAEConfig`: the pre-training settings, read from a YAML file
  (``configs/studio_convnextv2_fcmae.yaml``), with the data keys of the config it prepares, so the
  pre-training sees exactly that config's training photos (never its validation or test photos).
- :func:`pretrain`: trains in a resumable run folder ``runs/fcmae/<config name>-<config hash>-<code
  hash>`` (:func:`run_folder`) and writes ``encoder.pth`` (the encoder's weights under timm's names,
  what ``model_kwargs.pretrained`` takes) and ``pretrain.json`` (its record: config, hashes, per-epoch
  loss, machine, every training call's CPU and threads). The same code runs on a CPU or a GPU; the
  photos are held as one tensor on the device and flips and masks are drawn on the CPU from
  ``(seed, epoch)``, so a run stopped after any epoch resumes exactly.

A course config starts from the encoder by naming its path (``model_kwargs.pretrained:
runs/fcmae/...``): the folder name carries both hashes, so a changed pre-training config or code
changes the fine-tuning config too, and its course weights become stale. :func:`aesthetics_lib.course_weights.train_weights`
pre-trains first when the file is missing (``python -m aesthetics_lib zoo --train convnextv2_sgfm``).

Introduced in notebooks/09_convnextv2_sgfm.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

import timm
import torch
import torch.nn.functional as F
import yaml
from timm.models.convnext import ConvNeXtBlock
from torch import nn

#: Value of ``pretrain.json``'s ``format`` key.
RECORD_FORMAT = "aesthetics_lib.fcmae/1"
#: Where a course config names a pre-trained encoder: ``runs/fcmae/<name>-<config hash>-<code hash>/encoder.pth``.
ENCODER_PATTERN = re.compile(r"^runs/fcmae/(?P<name>[A-Za-z0-9_]+)-(?P<config>[0-9a-f]{12})-(?P<code>[0-9a-f]{12})/encoder\.pth$")


@dataclass(frozen=True)
class FCMAEConfig:
    """FCMAE pre-training settings. The data keys (``data`` ... ``split_seed``) must equal those of
    the config that fine-tunes the encoder (``split_seed`` is its ``seed``, which carves its
    validation split), so that the pre-training sees only that config's training photos."""

    backbone: str = "convnextv2_atto"
    data: str = "studio"
    studio_n: int = 9497
    studio_seed: int = 0
    studio_long_side: int = 160
    val_fraction: float = 0.1
    split_seed: int = 0
    size: int = 128            # input side (a multiple of ``patch``)
    patch: int = 32            # mask cell: the backbone's total stride, one cell per last-map position
    mask_ratio: float = 0.6    # share of the cells hidden
    decoder_dim: int = 128
    epochs: int = 100
    batch_size: int = 256
    lr: float = 2.0e-3
    weight_decay: float = 0.05
    warmup_epochs: float = 5.0
    flip: bool = True          # random horizontal flips
    seed: int = 0              # weights, batch order, flips and masks
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.size % self.patch:
            raise ValueError(f"FCMAE: size ({self.size}) must be a multiple of patch ({self.patch})")
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError(f"FCMAE: mask_ratio must lie in (0, 1), found {self.mask_ratio}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"FCMAE: epochs and batch_size must be at least 1, found {self.epochs} and {self.batch_size}")

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> "FCMAEConfig":
        """Read a YAML file of :class:`FCMAEConfig` keys; an unknown key or a value of the wrong type
        is an error naming the file and the key."""
        path = Path(path)
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(values, dict):
            raise ValueError(f"{path}: expected a mapping of FCMAE settings, found {type(values).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"{path}: unknown FCMAE setting(s) {unknown} (known: {sorted(known)})")
        for key, value in values.items():
            default = getattr(cls, key)
            ok = isinstance(value, type(default)) or (isinstance(default, float) and isinstance(value, int))
            if not ok or (isinstance(value, bool) and not isinstance(default, bool)):
                raise ValueError(f"{path}: {key}: expected {type(default).__name__}, found {value!r}")
        values = {k: float(v) if isinstance(getattr(cls, k), float) else v for k, v in values.items()}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def hash(self) -> str:
        """A short stable hash of every setting that changes the encoder (all but ``device``)."""
        values = self.to_dict()
        values.pop("device")
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:12]

    def data_keys(self) -> dict[str, Any]:
        """The settings that choose the photos, under the fine-tuning config's names."""
        return {"data": self.data, "studio_n": self.studio_n, "studio_seed": self.studio_seed,
                "studio_long_side": self.studio_long_side, "val_fraction": self.val_fraction, "seed": self.split_seed}


def code_hash() -> str:
    """A short hash of this module's source (line endings normalised): the pre-training code."""
    return hashlib.sha256(Path(__file__).read_bytes().replace(b"\r\n", b"\n")).hexdigest()[:12]


def run_folder(config_path: str | os.PathLike, config: FCMAEConfig | None = None, root: str | os.PathLike | None = None) -> Path:
    """``runs/fcmae/<config file stem>-<config hash>-<code hash>`` under ``root`` (default: the
    checkout, else the cache root)."""
    from aesthetics_lib.paths import cache_root, checkout_root

    config = config or FCMAEConfig.from_yaml(config_path)
    if root is None:
        repo = checkout_root()
        root = repo if repo is not None else cache_root()
    return Path(root) / encoder_relpath(config_path, config).parent


def encoder_relpath(config_path: str | os.PathLike, config: FCMAEConfig | None = None) -> Path:
    """The encoder's path relative to the checkout, as a course config names it."""
    config = config or FCMAEConfig.from_yaml(config_path)
    return Path("runs") / "fcmae" / f"{Path(config_path).stem}-{config.hash()}-{code_hash()}" / "encoder.pth"


class FCMAE(nn.Module):
    """ConvNeXt V2 encoder with dense masking, a one-block decoder and the masked-patch pixel loss."""

    def __init__(self, backbone: str = "convnextv2_atto", decoder_dim: int = 128, patch: int = 32) -> None:
        super().__init__()
        self.patch = patch
        self.encoder = timm.create_model(backbone, pretrained=False, num_classes=0)
        self._mask: torch.Tensor | None = None  # [B, 1, G, G], 1 = visible
        for module in [self.encoder.stem, *(b for s in self.encoder.stages for b in s.blocks)]:
            module.register_forward_hook(self._apply_mask)
        self.proj = nn.Conv2d(self.encoder.num_features, decoder_dim, 1)
        self.mask_token = nn.Parameter(torch.zeros(1, decoder_dim, 1, 1))
        self.decoder = ConvNeXtBlock(decoder_dim, use_grn=True, ls_init_value=None)
        self.pred = nn.Conv2d(decoder_dim, patch * patch * 3, 1)

    def _apply_mask(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        if self._mask is None:
            return output
        return output * F.interpolate(self._mask, size=output.shape[-2:], mode="nearest")

    def forward(self, images: torch.Tensor, visible: torch.Tensor) -> torch.Tensor:
        """The loss for ``images`` ``[B, 3, S, S]`` with ``visible`` ``[B, 1, S/patch, S/patch]`` (1 =
        seen): pixel MSE (each patch normalised to mean 0, SD 1) over the hidden patches."""
        self._mask = visible
        try:
            feats = self.encoder.forward_features(images * F.interpolate(visible, size=images.shape[-2:], mode="nearest"))
        finally:
            self._mask = None
        x = self.proj(feats)
        x = x * visible + self.mask_token * (1 - visible)
        pred = self.pred(self.decoder(x)).flatten(2).transpose(1, 2)  # [B, G*G, P*P*3]
        p = self.patch
        target = F.unfold(images, kernel_size=p, stride=p).transpose(1, 2)  # [B, G*G, 3*P*P]
        target = target.reshape(*target.shape[:2], 3, p * p).transpose(2, 3).flatten(2)  # pixel-major like pred
        target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6).sqrt()
        per_patch = ((pred - target) ** 2).mean(-1)
        hidden = 1 - visible.flatten(1)
        return (per_patch * hidden).sum() / hidden.sum().clamp_min(1)


def random_visible(batch: int, grid: int, ratio: float, generator: torch.Generator) -> torch.Tensor:
    """``[B, 1, G, G]`` masks with ``round(ratio * G * G)`` hidden cells each (0), the rest visible (1)."""
    n = grid * grid
    order = torch.rand(batch, n, generator=generator).argsort(1)
    visible = torch.ones(batch, n)
    visible.scatter_(1, order[:, :round(ratio * n)], 0.0)
    return visible.view(batch, 1, grid, grid)


def learning_rate(config: FCMAEConfig, step: int, steps_per_epoch: int) -> float:
    """Linear warm-up over ``warmup_epochs``, then cosine decay to 0 at the last step."""
    warm = max(1, round(config.warmup_epochs * steps_per_epoch))
    total = config.epochs * steps_per_epoch
    if step < warm:
        return config.lr * (step + 1) / warm
    return config.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def training_photos(config: FCMAEConfig, workers: int = 0) -> torch.Tensor:
    """The fine-tuning config's training photos (its validation share left out), each warped to
    ``size`` and normalised as the backbone expects: one float tensor ``[N, 3, size, size]``."""
    from torch.utils.data import DataLoader

    from aesthetics_lib.data.registry import open_dataset
    from aesthetics_lib.training.build import eval_transform_for, resolve_data
    from aesthetics_lib.training.config import TrainConfig

    tc = TrainConfig(model="convnextv2_sgfm", model_kwargs={"backbone": config.backbone}, size=config.size,
                     augment=False, **config.data_keys())
    ds = open_dataset(resolve_data(tc), "train", eval_transform_for(tc, "warp"), val_fraction=tc.val_fraction, seed=tc.seed)
    loader = DataLoader(ds, batch_size=256, num_workers=workers)
    return torch.cat([batch["image"] for batch in loader])


def pretrain(config_path: str | os.PathLike, epochs: int | None = None, out: str | os.PathLike | None = None,
             workers: int = 0, log: Callable[[str], None] = print) -> Path:
    """Pre-train per ``config_path`` in :func:`run_folder` (or ``out``), resuming from its
    ``last.pt``: at most ``epochs`` more epochs in this call (None: to the end). When the run is
    complete, writes ``encoder.pth`` and ``pretrain.json`` and returns the encoder's path; else
    returns the path it will have. ``workers``: processes that load the photos (not the weights)."""
    from aesthetics_lib.course_weights import log_chunk
    from aesthetics_lib.training.build import resolve_device
    from aesthetics_lib.training.epoch import set_deterministic

    config = FCMAEConfig.from_yaml(config_path)
    folder = Path(out) if out is not None else run_folder(config_path, config)
    folder.mkdir(parents=True, exist_ok=True)
    encoder_path = folder / "encoder.pth"
    device = resolve_device(config.device)
    set_deterministic(True)
    torch.manual_seed(config.seed)
    model = FCMAE(config.backbone, config.decoder_dim, config.patch).to(device)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "mask_token" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim > 1 and "mask_token" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay}, {"params": rest, "weight_decay": 0.0}],
                            lr=config.lr, betas=(0.9, 0.95))
    start, history = 0, []
    state_path = folder / "last.pt"
    if state_path.is_file():
        state = torch.load(state_path, map_location=device, weights_only=False)
        if state.get("config_hash") != config.hash():
            raise ValueError(f"{state_path}: trained with FCMAE config {state.get('config_hash')}, not {config.hash()}; "
                             "move the folder away to start again")
        model.load_state_dict(state["model"]), opt.load_state_dict(state["opt"])
        start, history = int(state["epoch"]), list(state["history"])
    if start < config.epochs:
        images = training_photos(config, workers).to(device)
        n, grid = len(images), config.size // config.patch
        steps = n // config.batch_size
        if steps < 1:
            raise ValueError(f"FCMAE: {n} training photos are fewer than one batch of {config.batch_size}")
        log_chunk(folder, start, config)  # type: ignore[arg-type]  # reads .device only
        stop = config.epochs if epochs is None else min(config.epochs, start + epochs)
        for epoch in range(start, stop):
            model.train()
            gen = torch.Generator().manual_seed(config.seed * 1_000_003 + epoch)
            order, flips = torch.randperm(n, generator=gen), torch.rand(n, generator=gen) < 0.5
            t0, total = time.perf_counter(), torch.zeros((), device=device)
            for step in range(steps):
                idx = order[step * config.batch_size:(step + 1) * config.batch_size]
                x = images[idx.to(device)]
                if config.flip:
                    x = torch.where(flips[idx].to(device).view(-1, 1, 1, 1), x.flip(-1), x)
                visible = random_visible(len(idx), grid, config.mask_ratio, gen).to(device)
                for group in opt.param_groups:
                    group["lr"] = learning_rate(config, epoch * steps + step, steps)
                loss = model(x, visible)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.detach()
            seconds = time.perf_counter() - t0
            row = {"epoch": epoch + 1, "loss": float(total) / steps, "seconds": seconds,
                   "images_per_s": steps * config.batch_size / seconds}
            if not math.isfinite(row["loss"]):
                raise FloatingPointError(f"FCMAE: the loss is not finite in epoch {epoch + 1} ({folder}); lower lr")
            history.append(row)
            log(f"FCMAE epoch {epoch + 1}/{config.epochs}: loss {row['loss']:.4f} ({seconds:.0f} s, {row['images_per_s']:.0f} images/s)")
            tmp = folder / f".last.pt.tmp-{os.getpid()}"
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch + 1, "history": history,
                        "config_hash": config.hash()}, tmp)
            os.replace(tmp, state_path)
        start = stop
    if start >= config.epochs:
        _write_outputs(model, config, config_path, folder, history)
    return encoder_path


def _write_outputs(model: FCMAE, config: FCMAEConfig, config_path: str | os.PathLike, folder: Path,
                   history: list[dict[str, Any]]) -> None:
    """``encoder.pth`` (fp32, timm names) and ``pretrain.json`` of a finished run."""
    from aesthetics_lib.course_weights import cpu_model, read_chunks

    encoder = {k: v.detach().cpu() for k, v in model.encoder.state_dict().items()}
    tmp = folder / f".encoder.pth.tmp-{os.getpid()}"
    torch.save(encoder, tmp)
    os.replace(tmp, folder / "encoder.pth")
    record = {
        "format": RECORD_FORMAT, "config_file": Path(config_path).name, "config": config.to_dict(),
        "config_hash": config.hash(), "code_hash": code_hash(), "epochs": len(history),
        "images_seen": int(sum(round(r["images_per_s"] * r["seconds"]) for r in history)),
        "train_seconds": float(sum(r["seconds"] for r in history)),
        "machine": {"cpu": cpu_model(), "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(0) if next(model.parameters()).is_cuda else None},
        "training_chunks": read_chunks(folder), "history": history,
    }
    (folder / "pretrain.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def read_record(encoder_path: str | os.PathLike) -> dict[str, Any] | None:
    """The ``pretrain.json`` beside ``encoder_path``, or None where there is none."""
    path = Path(encoder_path).parent / "pretrain.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def config_for(encoder: str | os.PathLike, config_dir: str | os.PathLike | None = None) -> Path | None:
    """The FCMAE config file that ``encoder`` (a path as a course config names it, see
    :data:`ENCODER_PATTERN`) comes from; None when ``encoder`` is not such a path. Raises
    ``ValueError`` when the config or the code changed since the path was written (the message names
    the path to put in the course config)."""
    from aesthetics_lib.paths import config_dir as default_config_dir

    match = ENCODER_PATTERN.match(Path(encoder).as_posix())
    if match is None:
        return None
    path = Path(config_dir or default_config_dir()) / f"{match['name']}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"pre-trained encoder {encoder}: its FCMAE config {path} does not exist")
    want = encoder_relpath(path).as_posix()
    if want != Path(encoder).as_posix():
        raise ValueError(f"pre-trained encoder {encoder}: the FCMAE config {path.name} or the pre-training code changed; "
                         f"the course config must now name {want}")
    return path
