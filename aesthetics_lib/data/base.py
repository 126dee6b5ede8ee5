"""The dataset every IAA layout shares: an annotation table in, sample dicts out.

:class:`IAADataset` wraps one annotation ``DataFrame`` (from :func:`~aesthetics_lib.data.cadb.
read_cadb_annotations` or :func:`~aesthetics_lib.data.ava.read_ava_annotations`), selects a split,
checks the listed images (missing or unreadable ones are skipped and counted, never fatal) and
returns the sample dicts of :mod:`aesthetics_lib.data.schema`. The validation split is carved out of
the training split by :func:`split_ids`, deterministically from a seed, and never out of the test
split: choosing a checkpoint on the test split is one of the mistakes the course teaches to avoid.

Introduced in notebooks/02_ava_exploration and 03_cadb_exploration.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch.utils.data import Dataset

from aesthetics_lib.data.io import ImageLoadError, image_size, load_image
from aesthetics_lib.data.schema import ATTRIBUTES

SPLITS: tuple[str, ...] = ("train", "val", "test", "all")

Transform = Callable[[Image.Image], Any]


def split_ids(ids: Iterable[str], fraction: float = 0.1, seed: int = 0) -> tuple[list[str], list[str]]:
    """Split ``ids`` into ``(kept, carved)`` with ``round(fraction * n)`` ids carved out (at least one
    when ``fraction > 0`` and there are two or more ids).

    Deterministic: the ids are sorted first, then permuted with ``numpy.random.default_rng(seed)``,
    so the result depends only on the set of ids, the fraction and the seed (not on file order).
    Both lists come back sorted. Used to carve ``val`` out of ``train``.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"split_ids: expected 0 <= fraction < 1, found {fraction}")
    unique = sorted(set(str(i) for i in ids))
    n = len(unique)
    k = int(round(fraction * n))
    if fraction > 0 and n >= 2:
        k = min(max(k, 1), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    carved = sorted(unique[i] for i in order[:k])
    carved_set = set(carved)
    kept = [i for i in unique if i not in carved_set]
    return kept, carved


def missing_file_error(root: str | os.PathLike, filename: str, dataset: str, how_to_get: str) -> FileNotFoundError:
    """A ``FileNotFoundError`` that says which annotation file is missing where, and how to get it."""
    root = Path(root)
    msg = f"{dataset}: expected the annotation file {filename} in {root}, but it is not there."
    if not root.exists():
        msg = f"{dataset}: the dataset folder {root} does not exist (looked for {filename} in it)."
    else:
        hits = sorted(p.parent for p in root.glob(f"*/{filename}"))
        if hits:
            msg += f" Found it in {hits[0]}: pass that folder instead."
    return FileNotFoundError(f"{msg}\n{how_to_get}\nSee data/README.md for the full layout.")


def header_sizes(paths: Iterable[str]) -> tuple[list[int], list[int]]:
    """``(widths, heights)`` of image files from their headers; -1 where a file is missing or unreadable."""
    widths, heights = [], []
    for p in paths:
        try:
            w, h = image_size(p)
        except (ImageLoadError, OSError):
            w, h = -1, -1
        widths.append(w)
        heights.append(h)
    return widths, heights


def _check_image(path: str, full: bool) -> tuple[int, int] | str:
    """``(height, width)`` of a readable image, else the reason it is skipped."""
    try:
        if full:
            w, h = load_image(path).size
        else:
            w, h = image_size(path)
        return int(h), int(w)
    except ImageLoadError as exc:
        return exc.reason
    except OSError as exc:
        return f"unreadable: {exc}"


class IAADataset(Dataset):
    """An image aesthetics dataset: one annotation table, one split, sample dicts out.

    ``annotations``: the table of a reader (columns ``image_id``, ``path``, ``dist``, ``split`` ...).
    ``split``: ``train`` (the dataset's training list minus the validation carve-out), ``val``
    (``val_fraction`` of the training list, chosen by :func:`split_ids` with ``seed``), ``test`` (the
    dataset's own test list) or ``all`` (every labelled row).
    ``transform``: ``PIL.Image -> Tensor | dict``; a dict is merged into the sample (``image``,
    ``local`` ...); ``None`` returns the ``PIL.Image`` itself.
    ``verify_images``: ``True`` reads every image header (about 0.2-0.4 ms an image), ``"full"``
    decodes every image (slow; also finds truncated files), ``False`` only checks that the files exist.
    ``workers``: threads for that check (default ``min(8, 2 * cpu_count)``).
    Skipped rows are listed in ``skipped`` as ``(image_id, reason)``.

    Items are dicts as in :mod:`aesthetics_lib.data.schema`: ``image``, ``dist`` ``[K]``, ``mean`` ``[]``,
    ``attributes`` ``[11]``, ``attr_mask`` ``[11]``, ``weight`` ``[]``, ``image_id``, ``orig_size``
    ``[2]`` (height, width). Introduced in notebooks/02_ava_exploration.
    """

    name: str = "IAA"
    num_bins: int = 0
    threshold: float = float("nan")

    def __init__(
        self,
        annotations: pd.DataFrame,
        root: str | os.PathLike | None = None,
        split: str = "train",
        transform: Transform | None = None,
        val_fraction: float = 0.1,
        seed: int = 0,
        verify_images: bool | str = True,
        num_bins: int | None = None,
        threshold: float | None = None,
        workers: int | None = None,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"{type(self).__name__}: expected split in {SPLITS}, found {split!r}")
        if verify_images not in (True, False, "full"):
            raise ValueError(f"verify_images: expected True, False or 'full', found {verify_images!r}")
        self.root = Path(root) if root is not None else None
        self.split = split
        self.transform = transform
        self.val_fraction = float(val_fraction)
        self.seed = int(seed)
        if num_bins is not None:
            self.num_bins = int(num_bins)
        if threshold is not None:
            self.threshold = float(threshold)
        self.skipped: list[tuple[str, str]] = []
        self.cache = None

        frame = annotations
        if split != "all":
            train_ids = frame.loc[frame["split"] == "train", "image_id"].astype(str)
            kept, carved = split_ids(train_ids, self.val_fraction, self.seed)
            wanted = {"train": set(kept), "val": set(carved)}.get(split)
            if wanted is None:  # test
                frame = frame[frame["split"] == "test"]
            else:
                frame = frame[frame["image_id"].astype(str).isin(wanted)]
        frame = frame.reset_index(drop=True)
        self._select(frame, verify_images, workers)

    # ------------------------------------------------------------------ construction
    def _select(self, frame: pd.DataFrame, verify_images: bool | str, workers: int | None) -> None:
        paths = frame["path"].astype(str).tolist()
        if verify_images is False:
            results: list[tuple[int, int] | str] = []
            for p in paths:
                results.append((-1, -1) if os.path.isfile(p) else "the file does not exist")
        else:
            full = verify_images == "full"
            n_workers = workers if workers is not None else min(8, (os.cpu_count() or 1) * 2)
            if n_workers > 1 and len(paths) > 64:
                with ThreadPoolExecutor(n_workers) as pool:
                    results = list(pool.map(lambda p: _check_image(p, full), paths, chunksize=64))
            else:
                results = [_check_image(p, full) for p in paths]
        keep = np.ones(len(frame), dtype=bool)
        heights = np.full(len(frame), -1, dtype=np.int64)
        widths = np.full(len(frame), -1, dtype=np.int64)
        for i, r in enumerate(results):
            if isinstance(r, str):
                keep[i] = False
                self.skipped.append((str(frame.at[i, "image_id"]), r))
            else:
                heights[i], widths[i] = r
        frame = frame.copy()
        if verify_images is not False:
            frame["height"] = heights
            frame["width"] = widths
        self._set_frame(frame[keep].reset_index(drop=True))

    def _set_frame(self, frame: pd.DataFrame) -> None:
        """Store the kept rows and their targets as arrays (fast ``__getitem__``)."""
        self.annotations = frame
        n = len(frame)
        k = self.num_bins
        self._ids = frame["image_id"].astype(str).tolist()
        self._paths = frame["path"].astype(str).tolist()
        self._dist = np.asarray(np.stack(frame["dist"].to_numpy()) if n else np.zeros((0, k)), dtype=np.float32)
        if n and self._dist.shape[1] != k:
            raise ValueError(f"{type(self).__name__}: expected {k} score bins, found {self._dist.shape[1]}")
        self._mean = frame["mean"].to_numpy(dtype=np.float32) if n else np.zeros(0, np.float32)
        attrs = np.full((n, len(ATTRIBUTES)), np.nan, dtype=np.float32)
        for j, a in enumerate(ATTRIBUTES):
            if a in frame.columns:
                attrs[:, j] = frame[a].to_numpy(dtype=np.float32)
        self._attr_mask = ~np.isnan(attrs)
        self._attrs = np.nan_to_num(attrs, nan=0.0)
        self._weight = frame["weight"].to_numpy(dtype=np.float32) if "weight" in frame.columns else np.ones(n, np.float32)
        if "height" in frame.columns and "width" in frame.columns:
            self._size = np.stack([frame["height"].to_numpy(np.int64), frame["width"].to_numpy(np.int64)], 1) if n else np.zeros((0, 2), np.int64)
        else:
            self._size = np.full((n, 2), -1, dtype=np.int64)

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._ids)

    @property
    def image_ids(self) -> list[str]:
        """The ids of the kept rows, in item order."""
        return list(self._ids)

    def targets(self) -> np.ndarray:
        """The score distributions of the kept rows, ``[N, K]`` float32."""
        return self._dist.copy()

    def means(self) -> np.ndarray:
        """The mean scores of the kept rows, ``[N]`` float32 on the scale 1..K."""
        return self._mean.copy()

    def sizes(self) -> np.ndarray:
        """``[N, 2]`` (height, width) of the images the transform will receive: the cached size when a
        cache is enabled, else the original size (read from the headers; ``-1`` when not verified)."""
        if self.cache is not None:
            return self.cache.sizes()
        if (self._size < 0).any():
            for i in np.flatnonzero((self._size < 0).any(1)):
                w, h = image_size(self._paths[i])
                self._size[i] = (h, w)
        return self._size.copy()

    def load_image(self, i: int) -> Image.Image:
        """The RGB ``PIL.Image`` of item ``i`` (from the cache when enabled), before any transform."""
        if self.cache is not None:
            return self.cache.get(i)
        return load_image(self._paths[i])

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"{type(self).__name__}: index {i} out of range for {len(self)} items")
        i = i % len(self)
        img = self.load_image(i)
        h, w = self._size[i]
        if h < 0:
            if self.cache is None:
                w, h = img.size
            else:
                w, h = image_size(self._paths[i])
        sample: dict[str, Any] = {
            "image": img,
            "dist": torch.from_numpy(self._dist[i].copy()),
            "mean": torch.tensor(self._mean[i], dtype=torch.float32),
            "attributes": torch.from_numpy(self._attrs[i].copy()),
            "attr_mask": torch.from_numpy(self._attr_mask[i].copy()),
            "weight": torch.tensor(self._weight[i], dtype=torch.float32),
            "image_id": self._ids[i],
            "orig_size": torch.tensor([int(h), int(w)], dtype=torch.int64),
        }
        if self.transform is not None:
            out = self.transform(img)
            if isinstance(out, dict):
                sample.update(out)
            else:
                sample["image"] = out
        return sample

    # ------------------------------------------------------------------ cache
    def enable_cache(
        self,
        max_side: int = 512,
        path: str | os.PathLike | None = None,
        workers: int | None = None,
    ) -> "IAADataset":
        """Decode every image once into a :class:`~aesthetics_lib.data.cache.CachedImages` (uint8, longer
        side <= ``max_side``, in memory or memory-mapped under ``path``) and read items from it.

        The transform still runs on each cached image, so random augmentation stays random. Images
        that fail to decode are moved to ``skipped`` (item indices change; call this before training).
        Returns ``self``. Introduced in notebooks/05_dcnn.
        """
        from aesthetics_lib.data.cache import CachedImages

        cache = CachedImages(self._paths, max_side=max_side, path=path, workers=workers, ids=self._ids)
        if cache.failed:
            bad = {i for i, _ in cache.failed}
            self.skipped.extend((self._ids[i], reason) for i, reason in cache.failed)
            keep = np.array([i not in bad for i in range(len(self))], dtype=bool)
            frame = self.annotations.copy()
            frame["height"], frame["width"] = self._size[:, 0], self._size[:, 1]
            self._set_frame(frame[keep].reset_index(drop=True))
            cache = cache.subset(np.flatnonzero(keep))
        self.cache = cache
        return self

    def disable_cache(self) -> None:
        """Read images from their files again."""
        self.cache = None

    def __repr__(self) -> str:
        root = f", root={str(self.root)!r}" if self.root is not None else ""
        return (
            f"{type(self).__name__}(split={self.split!r}, n={len(self)}, skipped={len(self.skipped)}, "
            f"num_bins={self.num_bins}{root})"
        )
