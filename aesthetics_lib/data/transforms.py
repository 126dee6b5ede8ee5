"""Input views for aesthetics models, built from ``torchvision.transforms.v2``.

Every aesthetics model needs a fixed-size tensor, and every way of getting one changes what the model
can see. :func:`build_transform` makes the four views the course's models use:

``warp``     resize to ``size x size`` ignoring the aspect ratio: the classic squeeze (NIMA, SAMP-Net).
``native``   keep the aspect ratio, longer side ``size`` (for spatial pyramid pooling, He et al. 2015).
             Images are snapped to a few aspect *buckets* (one shape per bucket) and
             :class:`AspectBucketSampler` batches images of one bucket together, so batches stack.
``double``   RAPID's two columns (Lu et al. 2014): ``{"image": the whole image warped to size x size,
             "local": a local_size crop at the original resolution}`` (random crop in training, centre
             crop at evaluation).
``patches``  Wang et al. (2019) multi-patch, aspect-ratio preserving: ``Tensor[P, 3, S, S]`` of P square
             patches from the un-warped image (random positions in training, a fixed grid at evaluation).

Training adds a horizontal flip and a light colour jitter (``flip=False``, ``color_jitter=0`` or
``augment=False`` turn them off); within one sample every view and patch gets the same flip and
jitter. Images stay in [0, 1] until the ImageNet normalisation (``normalize=False`` skips it). All
randomness draws from torch's global RNG, so ``torch.manual_seed`` makes it reproducible.
Introduced in notebooks/05_dcnn (double) and 06_aspect_ratio (warp, native, patches).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Sampler
from torchvision import tv_tensors
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)
VIEWS: tuple[str, ...] = ("warp", "native", "double", "patches")
#: aspect ratios (width / height) the ``native`` view snaps to: tall 1:3 ... wide 3:1
ASPECT_BUCKETS: tuple[float, ...] = (1 / 3, 1 / 2, 2 / 3, 3 / 4, 1.0, 4 / 3, 3 / 2, 2.0, 3.0)


def denormalize(x: torch.Tensor, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD) -> torch.Tensor:
    """Undo the ImageNet normalisation: ``[..., 3, H, W]`` normalised -> ``[..., 3, H, W]`` in [0, 1]."""
    m = torch.as_tensor(mean, dtype=x.dtype, device=x.device).view(3, 1, 1)
    s = torch.as_tensor(std, dtype=x.dtype, device=x.device).view(3, 1, 1)
    return (x * s + m).clamp(0.0, 1.0)


def aspect_bucket(height: int, width: int, buckets: Sequence[float] = ASPECT_BUCKETS) -> int:
    """Index of the bucket whose aspect ratio (width / height) is nearest in log scale."""
    r = math.log(width / height)
    return int(np.argmin([abs(r - math.log(b)) for b in buckets]))


def bucket_shape(ratio: float, size: int, multiple: int = 16) -> tuple[int, int]:
    """``(height, width)`` with aspect ``ratio`` (width / height), longer side ``size``, the shorter side
    rounded to a multiple of ``multiple`` (at least ``multiple``)."""
    short = size / ratio if ratio >= 1 else size * ratio
    short = max(multiple, int(round(short / multiple)) * multiple)
    short = min(short, size)
    return (short, size) if ratio >= 1 else (size, short)


def native_shape(height: int, width: int, size: int) -> tuple[int, int]:
    """``(height, width)`` with the aspect ratio kept and the longer side ``size``."""
    if height >= width:
        return size, max(1, int(round(width * size / height)))
    return max(1, int(round(height * size / width))), size


def patch_grid(height: int, width: int, patch: int, n: int) -> list[tuple[int, int]]:
    """``n`` deterministic ``(top, left)`` positions of ``patch x patch`` crops spread over an image: a
    rows x cols grid shaped like the image (cols ~ sqrt(n * width / height)), from which ``n`` cells
    are taken evenly in raster order (corners included)."""
    cols = min(n, max(1, int(round(math.sqrt(n * width / height)))))
    rows = math.ceil(n / cols)
    tops = np.linspace(0, height - patch, rows).round().astype(int) if rows > 1 else [(height - patch) // 2]
    lefts = np.linspace(0, width - patch, cols).round().astype(int) if cols > 1 else [(width - patch) // 2]
    cells = [(int(t), int(l)) for t in tops for l in lefts]
    pick = np.linspace(0, len(cells) - 1, n).round().astype(int)
    return [cells[i] for i in pick]


def short_side_size(height: int, width: int, short_side: int) -> tuple[int, int]:
    """``(height, width)`` of an image resized so that its shorter side is ``short_side`` with its aspect
    ratio kept: the size ``torchvision``'s ``resize(img, short_side)`` gives (the longer side truncated)."""
    if height <= width:
        return short_side, int(short_side * width / height)
    return int(short_side * height / width), short_side


def overlaps_box(tops: Any, lefts: Any, patch: int, box: tuple[float, float, float, float]) -> np.ndarray:
    """Whether ``patch x patch`` crops at ``(tops, lefts)`` (arrays broadcast) hold part of ``box``
    ``(top, left, bottom, right)``, bottom and right excluded, in the same pixel frame."""
    top, left, bottom, right = box
    tops, lefts = np.asarray(tops), np.asarray(lefts)
    return (tops < bottom) & (tops + patch > top) & (lefts < right) & (lefts + patch > left)


def _augmentation(train: bool, flip: bool, color_jitter: float) -> v2.Transform:
    steps: list[v2.Transform] = []
    if train and flip:
        steps.append(v2.RandomHorizontalFlip(0.5))
    if train and color_jitter:
        steps.append(v2.ColorJitter(brightness=color_jitter, contrast=color_jitter, saturation=color_jitter))
    return v2.Compose(steps) if steps else v2.Identity()


def _finish(normalize: bool) -> v2.Transform:
    steps: list[v2.Transform] = [v2.ToDtype(torch.float32, scale=True)]
    if normalize:
        steps.append(v2.Normalize(IMAGENET_MEAN, IMAGENET_STD))
    steps.append(v2.ToPureTensor())
    return v2.Compose(steps)


def _as_image(img: Image.Image | torch.Tensor) -> tv_tensors.Image:
    out = F.to_image(img)
    if out.dtype != torch.uint8:  # float tensors in [0, 1] -> uint8 so every view resizes alike
        out = tv_tensors.Image(F.to_dtype(out, torch.uint8, scale=True))
    return out


class WarpView:
    """``PIL | Tensor -> Tensor[3, size, size]``: resize ignoring the aspect ratio."""

    def __init__(self, size: int, train: bool, flip: bool, color_jitter: float, normalize: bool) -> None:
        self.size = size
        self.augment = _augmentation(train, flip, color_jitter)
        self.finish = _finish(normalize)

    def __call__(self, img: Image.Image | torch.Tensor) -> torch.Tensor:
        x = F.resize(_as_image(img), [self.size, self.size], antialias=True)
        return self.finish(self.augment(x))

    def __repr__(self) -> str:
        return f"WarpView(size={self.size})"


class NativeView:
    """``PIL | Tensor -> Tensor[3, H, W]`` with the aspect ratio kept and the longer side ``size``.

    With ``buckets`` (default :data:`ASPECT_BUCKETS`) the shape is that of the nearest aspect bucket
    (:func:`bucket_shape`), so the images of one bucket stack into a batch; ``buckets=None`` keeps the
    exact ratio (batch size 1, or your own collate).
    """

    def __init__(self, size: int, train: bool, flip: bool, color_jitter: float, normalize: bool,
                 buckets: Sequence[float] | None = ASPECT_BUCKETS, multiple: int = 16) -> None:
        self.size = size
        self.buckets = tuple(buckets) if buckets else None
        self.multiple = multiple
        self.augment = _augmentation(train, flip, color_jitter)
        self.finish = _finish(normalize)

    def shape_for(self, height: int, width: int) -> tuple[int, int]:
        """The output ``(height, width)`` for an input of that size."""
        if self.buckets is None:
            return native_shape(height, width, self.size)
        return bucket_shape(self.buckets[aspect_bucket(height, width, self.buckets)], self.size, self.multiple)

    def __call__(self, img: Image.Image | torch.Tensor) -> torch.Tensor:
        x = _as_image(img)
        x = F.resize(x, list(self.shape_for(*x.shape[-2:])), antialias=True)
        return self.finish(self.augment(x))

    def __repr__(self) -> str:
        return f"NativeView(size={self.size}, buckets={self.buckets is not None})"


def _crop_position(height: int, width: int, crop: int, train: bool) -> tuple[int, int]:
    if train:
        top = int(torch.randint(0, height - crop + 1, ()).item())
        left = int(torch.randint(0, width - crop + 1, ()).item())
        return top, left
    return (height - crop) // 2, (width - crop) // 2


class DoubleView:
    """RAPID's double column: ``PIL | Tensor -> {"image": Tensor[3, size, size] (global warp),
    "local": Tensor[3, local_size, local_size] (a crop at the original resolution)}``.

    The crop is random in training and central at evaluation; an image smaller than ``local_size`` is
    first enlarged (aspect kept) until its shorter side is ``local_size``.
    """

    def __init__(self, size: int, local_size: int, train: bool, flip: bool, color_jitter: float, normalize: bool) -> None:
        self.size = size
        self.local_size = local_size
        self.train = train
        self.augment = _augmentation(train, flip, color_jitter)
        self.finish = _finish(normalize)

    def __call__(self, img: Image.Image | torch.Tensor) -> dict[str, torch.Tensor]:
        x = _as_image(img)
        g = F.resize(x, [self.size, self.size], antialias=True)
        h, w = x.shape[-2:]
        if min(h, w) < self.local_size:
            x = F.resize(x, self.local_size, antialias=True)  # shorter side -> local_size
            h, w = x.shape[-2:]
        top, left = _crop_position(h, w, self.local_size, self.train)
        local = F.crop(x, top, left, self.local_size, self.local_size)
        g, local = self.augment(g, local)  # one flip / jitter for both columns
        return {"image": self.finish(g), "local": self.finish(local)}

    def __repr__(self) -> str:
        return f"DoubleView(size={self.size}, local_size={self.local_size})"


class PatchesView:
    """Multi-patch view (Wang et al. 2019): ``PIL | Tensor -> Tensor[P, 3, S, S]``.

    The image is resized with its aspect ratio kept so that its shorter side is ``short_side``
    (default ``round(1.5 * S)``, at least ``S``); then ``P`` square patches of side ``S`` are cut at
    random positions (training) or at the fixed grid of :func:`patch_grid` (evaluation).
    """

    def __init__(self, patch_size: int, num_patches: int, short_side: int | None, train: bool,
                 flip: bool, color_jitter: float, normalize: bool) -> None:
        if num_patches < 1:
            raise ValueError(f"patches view: expected num_patches >= 1, found {num_patches}")
        self.patch_size = patch_size
        self.num_patches = num_patches
        self.short_side = max(patch_size, short_side if short_side is not None else int(round(1.5 * patch_size)))
        self.train = train
        self.augment = _augmentation(train, flip, color_jitter)
        self.finish = _finish(normalize)

    def positions(self, height: int, width: int) -> list[tuple[int, int]]:
        """The ``(top, left)`` of each patch in a resized image of ``height x width``: random in
        training, :func:`patch_grid` at evaluation. Subclasses that choose patches otherwise override it."""
        if self.train:
            return [_crop_position(height, width, self.patch_size, True) for _ in range(self.num_patches)]
        return patch_grid(height, width, self.patch_size, self.num_patches)

    def grid_patches_on(self, height: int, width: int, box: tuple[float, float, float, float]) -> np.ndarray:
        """Which evaluation patches (:func:`patch_grid`) of an image of ``height x width`` hold part of
        ``box`` ``(top, left, bottom, right)``, given in that image's pixels (for example
        :func:`aesthetics_lib.data.studio.band_box`): ``bool [num_patches]``."""
        h, w = short_side_size(height, width, self.short_side)
        sy, sx = h / height, w / width
        grid = np.array(patch_grid(h, w, self.patch_size, self.num_patches))
        return overlaps_box(grid[:, 0], grid[:, 1], self.patch_size, (box[0] * sy, box[1] * sx, box[2] * sy, box[3] * sx))

    def __call__(self, img: Image.Image | torch.Tensor) -> torch.Tensor:
        x = F.resize(_as_image(img), self.short_side, antialias=True)  # shorter side -> short_side
        s = self.patch_size
        patches = tv_tensors.Image(torch.stack([x[..., t : t + s, l : l + s] for t, l in self.positions(*x.shape[-2:])]))
        return self.finish(self.augment(patches))  # one flip / jitter for all patches

    def __repr__(self) -> str:
        return f"PatchesView(patch_size={self.patch_size}, num_patches={self.num_patches}, short_side={self.short_side})"


def build_transform(
    view: str = "warp",
    size: int = 224,
    train: bool = False,
    *,
    flip: bool = True,
    color_jitter: float = 0.1,
    augment: bool = True,
    normalize: bool = True,
    local_size: int | None = None,
    num_patches: int = 5,
    patch_size: int | None = None,
    short_side: int | None = None,
    buckets: Sequence[float] | None = ASPECT_BUCKETS,
    multiple: int = 16,
) -> Callable[[Any], torch.Tensor | dict[str, torch.Tensor]]:
    """The input transform for a model's ``view`` (``warp``, ``native``, ``double``, ``patches``).

    ``size``: output side (``warp``, ``double``'s global column), longer side (``native``) or default
    patch side (``patches``). ``train``: random crops and augmentation (flip, colour jitter of strength
    ``color_jitter``; ``augment=False`` turns both off). ``local_size`` (``double``, default ``size``),
    ``num_patches``/``patch_size``/``short_side`` (``patches``), ``buckets``/``multiple`` (``native``).
    Returns a callable ``PIL.Image | Tensor -> Tensor | dict``. Introduced in notebooks/05_dcnn.
    """
    if not augment:
        flip, color_jitter = False, 0.0
    if view == "warp":
        return WarpView(size, train, flip, color_jitter, normalize)
    if view == "native":
        return NativeView(size, train, flip, color_jitter, normalize, buckets=buckets, multiple=multiple)
    if view == "double":
        return DoubleView(size, local_size or size, train, flip, color_jitter, normalize)
    if view == "patches":
        return PatchesView(patch_size or size, num_patches, short_side, train, flip, color_jitter, normalize)
    raise ValueError(f"build_transform: expected view in {VIEWS}, found {view!r}")


class AspectBucketSampler(Sampler[list[int]]):
    """A batch sampler for the ``native`` view: each batch holds images of one aspect bucket, which
    that view resizes to one shape, so the batch stacks.

    ``dataset_or_sizes``: a dataset with ``sizes() -> [N, 2]`` (height, width; an
    :class:`~aesthetics_lib.data.base.IAADataset`: build the sampler after ``enable_cache``) or the
    ``[N, 2]`` sizes themselves. Use as ``DataLoader(ds, batch_sampler=AspectBucketSampler(ds, 16))``.
    With ``shuffle`` the items within buckets and the order of the batches are permuted each epoch,
    from ``generator`` or else torch's global RNG.
    """

    def __init__(
        self,
        dataset_or_sizes: Any,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = False,
        buckets: Sequence[float] = ASPECT_BUCKETS,
        generator: torch.Generator | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"AspectBucketSampler: expected batch_size >= 1, found {batch_size}")
        sizes = dataset_or_sizes.sizes() if hasattr(dataset_or_sizes, "sizes") else dataset_or_sizes
        sizes = np.asarray(sizes, dtype=np.int64).reshape(-1, 2)
        if (sizes <= 0).any():
            bad = int(np.flatnonzero((sizes <= 0).any(1))[0])
            raise ValueError(f"AspectBucketSampler: expected positive (height, width), found {sizes[bad].tolist()} at item {bad}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.buckets = tuple(buckets)
        self.generator = generator
        self.bucket_of = np.array([aspect_bucket(h, w, self.buckets) for h, w in sizes], dtype=np.int64)

    def groups(self) -> dict[int, list[int]]:
        """``{bucket index: item indices}`` for the non-empty buckets."""
        return {int(b): np.flatnonzero(self.bucket_of == b).tolist() for b in np.unique(self.bucket_of)}

    def __iter__(self) -> Iterator[list[int]]:
        gen = self.generator
        if self.shuffle and gen is None:
            gen = torch.Generator()
            gen.manual_seed(int(torch.empty((), dtype=torch.int64).random_().item()))
        batches: list[list[int]] = []
        for _, idx in sorted(self.groups().items()):
            if self.shuffle:
                idx = [idx[j] for j in torch.randperm(len(idx), generator=gen).tolist()]
            for start in range(0, len(idx), self.batch_size):
                batch = idx[start : start + self.batch_size]
                if len(batch) == self.batch_size or not self.drop_last:
                    batches.append(batch)
        if self.shuffle:
            batches = [batches[j] for j in torch.randperm(len(batches), generator=gen).tolist()]
        return iter(batches)

    def __len__(self) -> int:
        counts = np.bincount(self.bucket_of, minlength=len(self.buckets))
        if self.drop_last:
            return int((counts // self.batch_size).sum())
        return int(np.ceil(counts / self.batch_size).sum())
