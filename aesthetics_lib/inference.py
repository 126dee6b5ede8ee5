"""The one way from a trained model to scores: :class:`Predictor` and its typed :class:`Predictions`.

::

    predictor = Predictor.from_checkpoint("runs/studio_nima/best.pt")   # model + spec + eval transform
    preds = predictor.score([Image.open("photo.jpg")])                   # PIL images
    preds = predictor.predict(dataset)                                   # a dataset or a DataLoader
    preds.mean, preds.std, preds.dist, preds.good, preds.attributes

Everything that runs a model for its predictions goes through :meth:`Predictor.predict`'s loop: the
trainer's validation, ``evaluate``, ``score``, the course models (:mod:`aesthetics_lib.zoo`), the
applications and the demo. Images are batched by input shape (the aspect-preserving ``native``
view gives several), and the results come back in input order. One post-processing step turns a
model's outputs into predictions: a distribution gives its mean and SD
(:func:`~aesthetics_lib.data.schema.dist_mean`, :func:`~aesthetics_lib.data.schema.dist_std`), a
regression head its mean, a binary head the probability of "good".

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from aesthetics_lib.data.schema import dist_mean, dist_std
from aesthetics_lib.spec import ModelSpec

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
#: Default photos per forward pass by device type. On a CPU, 16: below 16 photos, PyTorch runs a
#: model's 1 x 1 convolutions on one thread as MKL matrix products, which the Makefile's CPU_ENV keeps
#: in MKL's slow, vendor-independent COMPATIBLE branch; from 16 on it runs them through oneDNN, like
#: the other convolutions. On one thread at 128 px, on an Intel CPU, the course's Lite0 models score
#: 26-32 % more photos per second in batches of 16 than of 8 under CPU_ENV, and within 3 % as many
#: with MKL's default branch (benchmarks/README.md, "Batch size of inference on a CPU"). A GPU
#: wants large batches.
DEFAULT_BATCH = {"cpu": 16, "cuda": 64}


def default_batch_size(device: str | torch.device) -> int:
    """Photos per forward pass for ``device`` when none is given (:data:`DEFAULT_BATCH`)."""
    return DEFAULT_BATCH.get(torch.device(device).type, DEFAULT_BATCH["cpu"])


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module inside ``torch.compile``, ``DistributedDataParallel`` and ``AveragedModel``
    wrappers (the one that carries ``view``, ``extra_inputs`` and ``attribute_names``)."""
    seen = 0
    while seen < 8:
        seen += 1
        if hasattr(model, "_orig_mod"):
            model = model._orig_mod
        elif isinstance(model, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
            model = model.module
        elif isinstance(model, torch.optim.swa_utils.AveragedModel):
            model = model.module
        else:
            break
    return model


def autocast(device: torch.device, amp: str) -> contextlib.AbstractContextManager:
    """``torch.autocast`` for ``amp`` in ``none`` | ``bf16`` | ``fp16`` (a no-op for ``none``)."""
    if amp == "none":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=AMP_DTYPES[amp])


def model_inputs(
    model: nn.Module, batch: Mapping[str, Any], device: torch.device, channels_last: bool = False
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``(images, extras)`` on ``device``: ``batch["image"]`` and the keys the model lists in its
    ``extra_inputs`` (those present in the batch)."""
    images = batch["image"].to(device, non_blocking=True)
    if channels_last and images.ndim == 4:
        images = images.contiguous(memory_format=torch.channels_last)
    extras = {}
    for key in getattr(unwrap(model), "extra_inputs", ()):
        if key in batch:
            value = batch[key]
            if isinstance(value, torch.Tensor):
                value = value.to(device, non_blocking=True)
                if channels_last and value.ndim == 4 and value.shape[1] == 3:
                    value = value.contiguous(memory_format=torch.channels_last)
            extras[key] = value
    return images, extras


@contextlib.contextmanager
def cpu_channels_last(model: nn.Module, device: str | torch.device | None = None) -> Iterator[None]:
    """On a CPU (``device``, default the model's): the model's 4-D parameters (its convolution
    weights) in channels-last memory layout while the block runs, each parameter's own tensor put
    back afterwards; on another device nothing.

    With channels-last weights, PyTorch's CPU convolutions return channels-last maps, and batch norms,
    activations and max pools then run on those; one CPU thread computes them faster
    (benchmarks/README.md, "Memory layout of inference on a CPU"). Only the order of the numbers in
    memory changes: the outputs agree with the default layout's to float32 rounding (about 1e-6).
    The parameters themselves stay (optimizers and hooks keep their references); their ``.data`` is
    swapped, so use it for inference, not inside a training step."""
    if torch.device(device if device is not None else model_device(model)).type != "cpu":
        yield
        return
    saved: dict[nn.Parameter, torch.Tensor] = {}
    for p in model.parameters():
        if p.ndim == 4 and not p.is_contiguous(memory_format=torch.channels_last):  # parameters() names each once
            saved[p] = p.data
            p.data = p.data.contiguous(memory_format=torch.channels_last)
    try:
        yield
    finally:
        for p, data in saved.items():
            p.data = data


def batch_to(batch: Mapping[str, Any], device: torch.device) -> dict[str, Any]:
    """The batch with every tensor moved to ``device`` (strings and lists left as they are)."""
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def eval_loader(dataset: Dataset, batch_size: int = DEFAULT_BATCH["cpu"], num_workers: int = 0,
                pin_memory: bool = False) -> DataLoader:
    """An evaluation loader in item order; for a ``native``-view dataset (images of several shapes)
    the batches are grouped by aspect bucket (:class:`~aesthetics_lib.data.transforms.AspectBucketSampler`)."""
    from aesthetics_lib.data.transforms import NativeView

    tf = getattr(dataset, "transform", None)
    if isinstance(tf, NativeView) and tf.buckets is not None and hasattr(dataset, "sizes"):
        from aesthetics_lib.data.transforms import AspectBucketSampler

        sampler = AspectBucketSampler(dataset, batch_size, shuffle=False, buckets=tf.buckets)
        return DataLoader(dataset, batch_sampler=sampler, num_workers=num_workers, pin_memory=pin_memory)
    if isinstance(tf, NativeView):
        batch_size = 1  # exact aspect ratios do not stack
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers, pin_memory=pin_memory)


#: Model outputs collected by default (others on request: ``keep=("pattern_weights",)``).
OUTPUT_KEYS: tuple[str, ...] = ("dist", "mean", "prob_good", "attributes")


@dataclass
class Predictions:
    """Predictions for N images, in input order (NumPy arrays; None where the model has no such head).

    ``mean`` ``[N]`` (distribution and regression heads), ``dist`` ``[N, K]`` and ``std`` ``[N]``
    (distribution heads), ``prob_good`` ``[N]`` (binary heads), ``attributes`` ``[N, A]`` with
    ``attribute_names``; ``image_id`` ``[N]`` and the targets ``target_dist``/``target_mean`` when
    the items carry them; ``extras``: other model outputs asked for with ``keep``. ``threshold``:
    the good/bad cut of the data the model was trained on. Also readable as a mapping
    (``preds["mean"]``, ``"dist" in preds``) for code written against plain dicts.
    """

    mean: np.ndarray | None = None
    dist: np.ndarray | None = None
    std: np.ndarray | None = None
    prob_good: np.ndarray | None = None
    attributes: np.ndarray | None = None
    attribute_names: tuple[str, ...] = ()
    image_id: np.ndarray | None = None
    target_dist: np.ndarray | None = None
    target_mean: np.ndarray | None = None
    threshold: float = float("nan")
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        for v in (self.mean, self.prob_good, self.dist, self.image_id):
            if v is not None:
                return len(v)
        return 0

    @property
    def score(self) -> np.ndarray:
        """One number per image to rank by: the mean score, or P(good) for a binary head."""
        value = self.mean if self.mean is not None else self.prob_good
        if value is None:
            raise ValueError("Predictions.score: the model predicted neither a mean score nor P(good)")
        return value

    @property
    def good(self) -> np.ndarray:
        """``[N]`` bool: predicted "good" (mean >= threshold, or P(good) >= 0.5 for a binary head)."""
        if self.mean is not None:  # the metrics' own cut (a float32 2.5999999 reaches 2.6)
            from aesthetics_lib.metrics import binarize

            return binarize(self.mean, self.threshold)
        if self.prob_good is not None:
            return self.prob_good >= 0.5
        raise ValueError("Predictions.good: the model predicted neither a mean score nor P(good)")

    # ------------------------------------------------------------ mapping access
    def to_dict(self) -> dict[str, Any]:
        """The arrays that are present, by name (extras included)."""
        out = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("extras", "attribute_names", "threshold") and getattr(self, f.name) is not None
        }
        out.update(self.extras)
        return out

    def keys(self) -> list[str]:
        return list(self.to_dict())

    def items(self) -> list[tuple[str, np.ndarray]]:
        return list(self.to_dict().items())

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()

    def __getitem__(self, key: str) -> np.ndarray:
        d = self.to_dict()
        if key not in d:
            raise KeyError(f"{key!r}: this model's predictions hold {sorted(d)}")
        return d[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def subset(self, index: np.ndarray | Sequence[int]) -> "Predictions":
        """The predictions of some images (an index array or a boolean mask)."""
        idx = np.asarray(index)
        take = lambda v: None if v is None else v[idx]  # noqa: E731
        return dataclasses.replace(
            self,
            **{f.name: take(getattr(self, f.name)) for f in dataclasses.fields(self)
               if f.name not in ("extras", "attribute_names", "threshold")},
            extras={k: v[idx] for k, v in self.extras.items()},
        )


def finish(outputs: Mapping[str, np.ndarray], attribute_names: Sequence[str] = (), threshold: float = float("nan"),
           **rest: Any) -> Predictions:
    """The one post-processing step: raw model outputs (concatenated over batches) -> :class:`Predictions`.

    A distribution gives ``mean`` and ``std`` (renormalised, :func:`dist_mean`/:func:`dist_std`);
    otherwise the model's own ``mean`` (regression head) is kept; ``prob_good`` comes from a binary
    head. ``rest`` fills the other fields (``image_id``, targets, ``extras``)."""
    dist = outputs.get("dist")
    mean = outputs.get("mean")
    std = None
    if dist is not None:
        dist = np.asarray(dist, dtype=np.float32)
        mean = dist_mean(dist).astype(np.float32)
        std = dist_std(dist).astype(np.float32)
    elif mean is not None:
        mean = np.asarray(mean, dtype=np.float32).reshape(-1)
    return Predictions(
        mean=mean, dist=dist, std=std, prob_good=outputs.get("prob_good"), attributes=outputs.get("attributes"),
        attribute_names=tuple(attribute_names), threshold=float(threshold), **rest,
    )


@dataclass
class CheckpointInfo:
    """What a checkpoint says about its run: ``path``, ``config`` (the
    :class:`~aesthetics_lib.training.config.TrainConfig`), ``epoch``, ``meta`` (the training record:
    ``train_mean``, ``train_dist``, ``threshold``, versions ...), ``best`` (``{"epoch", "srcc"}``),
    ``history`` (one dict per epoch)."""

    path: Path
    config: Any
    epoch: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    best: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)


class Predictor:
    """A model ready to score images: the model (eval mode), its :class:`~aesthetics_lib.spec.ModelSpec`
    and the eval transform from the spec.

    ``Predictor(model)`` wraps a model in memory (``spec`` is needed only to score PIL images or
    files: datasets bring their own transform); :meth:`from_checkpoint` rebuilds one from a file.
    ``batch_size`` (default: :func:`default_batch_size` of the device), ``amp``
    (``none``/``bf16``/``fp16``), ``channels_last`` and ``num_workers`` tune the loop. Introduced in notebooks/05_dcnn.
    """

    def __init__(
        self,
        model: nn.Module,
        spec: ModelSpec | None = None,
        device: str | torch.device | None = None,
        batch_size: int | None = None,
        amp: str = "none",
        channels_last: bool = False,
        num_workers: int = 0,
    ) -> None:
        self.model = model
        self.spec = spec
        self.device = torch.device(device) if device is not None else model_device(model)
        self.batch_size = int(batch_size) if batch_size is not None else default_batch_size(self.device)
        self.amp = amp
        self.channels_last = bool(channels_last)
        self.num_workers = int(num_workers)
        self._transform = None
        #: Set by :meth:`from_checkpoint`: what the checkpoint says about its run.
        self.checkpoint: CheckpointInfo | None = None

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, device: str | torch.device = "auto", weights: str = "eval",
                        **kwargs: Any) -> "Predictor":
        """Rebuild the model of a checkpoint from its spec and load its weights (the EMA when the run
        kept one, ``weights="model"`` for the raw ones). ``device``: ``auto`` (CUDA when available),
        ``cpu``, ``cuda``; other keywords as for the constructor."""
        from aesthetics_lib.training.build import resolve_device
        from aesthetics_lib.training.checkpoint import load_checkpoint

        dev = resolve_device(device) if isinstance(device, str) else device
        model, config, state = load_checkpoint(path, map_location=dev, weights=weights)
        predictor = cls(model, ModelSpec.from_dict(state["spec"]), dev, **kwargs)
        predictor.checkpoint = CheckpointInfo(
            path=Path(path), config=config, epoch=int(state.get("epoch", 0)), meta=dict(state.get("meta") or {}),
            best=dict(state.get("best") or {}), history=list(state.get("history") or []),
        )
        return predictor

    # ------------------------------------------------------------ properties
    @property
    def attribute_names(self) -> tuple[str, ...]:
        return tuple(getattr(unwrap(self.model), "attribute_names", ()) or ())

    @property
    def threshold(self) -> float:
        return float(self.spec.threshold) if self.spec is not None else float("nan")

    @property
    def transform(self):
        """The eval transform (``PIL.Image -> Tensor | dict``) from the spec."""
        if self._transform is None:
            if self.spec is None:
                raise ValueError("Predictor: scoring images needs the model's spec (its input view and size); "
                                 "use Predictor.from_checkpoint or pass spec=")
            self._transform = self.spec.input.transform(train=False)
        return self._transform

    def open_split(self, split: str = "test", data: Any = None, transform: Any = "own", **kwargs: Any) -> Dataset:
        """Split ``split`` (``train``/``val``/``test``/``all``) of the data this predictor's checkpoint
        was trained on, or of ``data`` (a data spec such as ``cadb:/path``, or a resolved
        :class:`~aesthetics_lib.data.registry.DataSpec`), carved with the checkpoint's own validation
        fraction and seed, so that ``val`` and ``test`` are the run's. ``transform``: this predictor's
        eval transform (``"own"``), None for PIL images, or any callable; other keywords go to
        :func:`~aesthetics_lib.data.registry.open_dataset`."""
        from aesthetics_lib.data.registry import DataSpec, open_dataset
        from aesthetics_lib.training.build import resolve_data

        if self.checkpoint is None:
            raise ValueError("Predictor.open_split: needs the checkpoint's config; use Predictor.from_checkpoint")
        config = self.checkpoint.config
        spec = data if isinstance(data, DataSpec) else resolve_data(config.replace(data=data) if data else config)
        transform = self.transform if isinstance(transform, str) and transform == "own" else transform
        return open_dataset(spec, split, transform, val_fraction=config.val_fraction, seed=config.seed, **kwargs)

    # ------------------------------------------------------------ the loop
    @torch.no_grad()
    def run(self, batches: Iterable[Mapping[str, Any]], keep: Sequence[str] = (), progress: bool = False,
            total: int | None = None) -> dict[str, np.ndarray]:
        """The inference loop: each batch (a dict with ``image`` and the model's extra inputs) through
        the model in eval mode; returns the outputs in :data:`OUTPUT_KEYS` plus ``keep``, the
        targets (``target_dist``, ``target_mean``), ``image_id`` and any ``index`` the batches carry,
        concatenated as NumPy arrays. The model's train/eval mode is restored afterwards. On a CPU the
        loop runs the model's convolution weights channels-last (:func:`cpu_channels_last`)."""
        model = self.model
        was_training = model.training
        model.eval()
        if progress and not os.environ.get("CI"):
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="predict", leave=False, total=total)
        chunks: dict[str, list[np.ndarray]] = {}
        wanted = (*OUTPUT_KEYS, *keep)
        try:
            with cpu_channels_last(model, self.device):
                for batch in batches:
                    images, extras = model_inputs(model, batch, self.device, self.channels_last)
                    with autocast(self.device, self.amp):
                        out = model(images, **extras)
                    for key in wanted:
                        if out.get(key) is not None:
                            chunks.setdefault(key, []).append(out[key].detach().float().cpu().numpy())
                    for key, name in (("dist", "target_dist"), ("mean", "target_mean"), ("index", "index")):
                        if key in batch:
                            chunks.setdefault(name, []).append(torch.as_tensor(batch[key]).cpu().numpy())
                    if "image_id" in batch:
                        chunks.setdefault("image_id", []).append(np.asarray(list(batch["image_id"]), dtype=str))
        finally:
            model.train(was_training)
        result = {k: np.concatenate(v) for k, v in chunks.items()}
        for key in ("target_dist", "target_mean"):
            if key in result:
                result[key] = result[key].astype(np.float32)
        if "target_mean" in result:
            result["target_mean"] = result["target_mean"].reshape(-1)
        return result

    def _finish(self, raw: dict[str, np.ndarray], keep: Sequence[str]) -> Predictions:
        if "index" in raw:  # back to input order
            order = np.argsort(raw.pop("index"), kind="stable")
            raw = {k: v[order] for k, v in raw.items()}
        extras = {k: raw[k] for k in keep if k in raw and k not in OUTPUT_KEYS}
        return finish(
            raw, self.attribute_names, self.threshold, image_id=raw.get("image_id"),
            target_dist=raw.get("target_dist"), target_mean=raw.get("target_mean"), extras=extras,
        )

    # ------------------------------------------------------------ entry points
    def predict(self, data: Dataset | DataLoader | Iterable[Mapping[str, Any]], keep: Sequence[str] = (),
                progress: bool = False) -> Predictions:
        """Predictions for every item of a dataset (in item order; a ``native``-view dataset is
        batched by aspect bucket and put back in order), or for every batch of a loader or any
        iterable of batches (in their order)."""
        if isinstance(data, Dataset):
            loader = eval_loader(data, self.batch_size, self.num_workers, self.device.type == "cuda")
            order = _sampler_order(loader)
            raw = self.run(loader, keep, progress, total=len(loader))
            if order is not None:
                raw["index"] = order
            return self._finish(raw, keep)
        return self._finish(self.run(data, keep, progress), keep)

    def score(self, images: Sequence[Any], keep: Sequence[str] = ()) -> Predictions:
        """Predictions for PIL images (or ``[3, H, W]`` uint8 tensors), in input order, through the eval
        transform of the spec; batched by input shape."""
        items = [_as_inputs(self.transform(_rgb(im))) for im in images]
        if not items:
            raise ValueError("Predictor.score: expected at least one image, found none")
        return self._finish(self.run(self._shape_batches(items), keep), keep)

    def score_files(self, paths: Sequence[str | os.PathLike], keep: Sequence[str] = ()
                    ) -> tuple[list[Path], Predictions | None, list[tuple[str, str]]]:
        """Score image files: ``(scored paths, their predictions, failed (path, reason))``. A file that
        cannot be read or transformed is skipped and reported; the others are still scored."""
        from aesthetics_lib.data.io import ImageLoadError, load_image

        scored: list[Path] = []
        items: list[dict[str, torch.Tensor]] = []
        failed: list[tuple[str, str]] = []
        for p in paths:
            try:
                items.append(_as_inputs(self.transform(load_image(p))))
                scored.append(Path(p))
            except ImageLoadError as exc:
                failed.append((str(p), exc.reason))
            except Exception as exc:  # a codec or transform error on one file must not stop the rest
                failed.append((str(p), f"{type(exc).__name__}: {exc}"))
        if not items:
            return [], None, failed
        return scored, self._finish(self.run(self._shape_batches(items), keep), keep), failed

    def _shape_batches(self, items: list[dict[str, torch.Tensor]]) -> Iterator[dict[str, torch.Tensor]]:
        """Batches of at most ``batch_size`` items of one input shape, each with its items' ``index``."""
        groups: dict[tuple, list[int]] = {}
        for i, it in enumerate(items):
            groups.setdefault(tuple(sorted((k, tuple(v.shape)) for k, v in it.items())), []).append(i)
        for idx in groups.values():
            for start in range(0, len(idx), self.batch_size):
                chunk = idx[start : start + self.batch_size]
                batch = {k: torch.stack([items[i][k] for i in chunk]) for k in items[chunk[0]]}
                batch["index"] = torch.tensor(chunk)
                yield batch


def _rgb(image: Any) -> Any:
    return image.convert("RGB") if hasattr(image, "convert") else image


def _as_inputs(item: Any) -> dict[str, torch.Tensor]:
    return dict(item) if isinstance(item, Mapping) else {"image": item}


def _sampler_order(loader: DataLoader) -> np.ndarray | None:
    """The item indices in the order a loader with a batch sampler visits them (None for a plain
    sequential loader, which visits them in order)."""
    from aesthetics_lib.data.transforms import AspectBucketSampler

    sampler = getattr(loader, "batch_sampler", None)
    if isinstance(sampler, AspectBucketSampler):
        return np.asarray([i for batch in sampler for i in batch], dtype=np.int64)
    return None
