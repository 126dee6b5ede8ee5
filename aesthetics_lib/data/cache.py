"""A decoded-image cache, so that epochs after the first do not decode JPEGs again.

Decoding a 1024-pixel JPEG costs far more than resizing, flipping and normalising it; with many
epochs on a CPU the decoder dominates. :class:`CachedImages` decodes each image once, shrinks it so
its longer side is at most ``max_side`` (aspect ratio kept, never enlarged) and keeps the uint8 pixels
in one flat buffer: in memory, or in a memory-mapped file under a cache folder (``numpy.memmap``) that
later runs and DataLoader workers reuse without decoding anything.

The cache holds images *before* the transform: random augmentation still runs on every access.
Choose ``max_side`` at least as large as the largest view you need (the double-column local crop
is taken from the cached resolution).

Cache files are named by a key over ``max_side`` and every source file's path, size and
modification time, so a changed image gives a new cache; nothing is ever overwritten or deleted.

Usage: ``dataset.enable_cache(max_side=512, path="data/cache")`` (see
:meth:`aesthetics_lib.data.base.IAADataset.enable_cache`). Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from aesthetics_lib.data.io import ImageLoadError, image_size, load_image

_FORMAT_VERSION = 1


def fit_within(height: int, width: int, max_side: int) -> tuple[int, int]:
    """``(height, width)`` scaled so that the longer side is at most ``max_side`` (never enlarged)."""
    if max_side <= 0:
        raise ValueError(f"fit_within: expected max_side > 0, found {max_side}")
    longer = max(height, width)
    if longer <= max_side:
        return int(height), int(width)
    r = max_side / longer
    return max(1, int(round(height * r))), max(1, int(round(width * r)))


def _cache_key(paths: Sequence[str], max_side: int) -> str:
    h = hashlib.sha256(f"v{_FORMAT_VERSION} max_side={max_side}\n".encode())
    for p in paths:
        try:
            st = os.stat(p)
            h.update(f"{os.path.abspath(p)}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{os.path.abspath(p)}\tmissing\n".encode())
    return h.hexdigest()[:20]


class CachedImages:
    """Decoded uint8 RGB images, longer side <= ``max_side``, in one flat buffer.

    ``paths``: the image files, in item order. ``path``: a cache folder for a memory-mapped file
    (``None``: keep the pixels in memory). ``workers``: decoding threads. Images that cannot be read
    are listed in ``failed`` as ``(index, reason)`` (their slot is empty and ``get`` raises).
    ``get(i) -> PIL.Image``; ``sizes() -> [N, 2]`` (height, width) of the cached images.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike],
        max_side: int = 512,
        path: str | os.PathLike | None = None,
        workers: int | None = None,
        ids: Sequence[str] | None = None,
    ) -> None:
        self.paths = [str(p) for p in paths]
        self.ids = [str(i) for i in ids] if ids is not None else [Path(p).name for p in self.paths]
        self.max_side = int(max_side)
        self.failed: list[tuple[int, str]] = []
        self.file: Path | None = None
        self.loaded_from_disk = False
        workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        if path is not None:
            folder = Path(path)
            key = _cache_key(self.paths, self.max_side)
            self.file = folder / f"images-{key}.u8"
            index = folder / f"images-{key}.json"
            if index.exists() and self.file.exists() and self._read_index(index):
                self.loaded_from_disk = True
                return
            folder.mkdir(parents=True, exist_ok=True)
        self._plan()
        self._check_room(int(self._offsets[-1]))
        if self.file is None:
            self._buffer: np.ndarray = np.zeros(int(self._offsets[-1]), dtype=np.uint8)
            self._fill(self._buffer, workers)
        else:
            partial = self.file.with_name(self.file.name + f".partial-{os.getpid()}")
            buf = np.memmap(partial, dtype=np.uint8, mode="w+", shape=(max(1, int(self._offsets[-1])),))
            self._fill(buf, workers)
            buf.flush()
            del buf
            os.replace(partial, self.file)
            self._write_index(index)
            self._buffer = np.memmap(self.file, dtype=np.uint8, mode="r")

    # ------------------------------------------------------------------ building
    def _plan(self) -> None:
        shapes = np.zeros((len(self.paths), 2), dtype=np.int64)
        for i, p in enumerate(self.paths):
            try:
                w, h = image_size(p)
                shapes[i] = fit_within(h, w, self.max_side)
            except (ImageLoadError, OSError) as exc:
                self.failed.append((i, getattr(exc, "reason", str(exc))))
        self._shapes = shapes
        self._offsets = np.concatenate([[0], np.cumsum(shapes[:, 0] * shapes[:, 1] * 3)]).astype(np.int64)

    def _check_room(self, nbytes: int) -> None:
        """Refuse at once (not after an hour of decoding) a cache that cannot fit."""
        gib = nbytes / 2**30
        if self.file is None:
            try:
                physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            except (ValueError, OSError, AttributeError):
                return
            if nbytes > physical // 2:
                raise MemoryError(
                    f"CachedImages: {len(self.paths)} images at max_side={self.max_side} need {gib:.1f} GiB, more than "
                    f"half of this machine's memory ({physical / 2**30:.1f} GiB): pass path= to memory-map a file "
                    "on disk, or a smaller max_side"
                )
        else:
            free = shutil.disk_usage(self.file.parent).free
            if nbytes > free:
                raise OSError(
                    f"CachedImages: {len(self.paths)} images at max_side={self.max_side} need {gib:.1f} GiB in "
                    f"{self.file.parent}, which has {free / 2**30:.1f} GiB free: choose another path or a smaller max_side"
                )

    def _decode_into(self, buf: np.ndarray, i: int) -> tuple[int, str] | None:
        h, w = (int(v) for v in self._shapes[i])
        if h == 0:
            return None  # already failed at planning
        try:
            im = load_image(self.paths[i], reduce_to=self.max_side)
        except ImageLoadError as exc:
            return (i, exc.reason)
        if im.size != (w, h):
            im = im.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
        buf[self._offsets[i] : self._offsets[i + 1]] = np.asarray(im, dtype=np.uint8).reshape(-1)
        return None

    def _fill(self, buf: np.ndarray, workers: int) -> None:
        idx = range(len(self.paths))
        if workers > 1 and len(self.paths) > 8:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(lambda i: self._decode_into(buf, i), idx))
        else:
            results = [self._decode_into(buf, i) for i in idx]
        failed = dict(self.failed)
        failed.update({r[0]: r[1] for r in results if r is not None})
        self.failed = sorted(failed.items())
        for i, _ in self.failed:
            self._shapes[i] = 0  # empty slot: get() refuses it

    def _write_index(self, index: Path) -> None:
        data = {
            "format": _FORMAT_VERSION,
            "max_side": self.max_side,
            "paths": self.paths,
            "shapes": self._shapes.tolist(),
            "offsets": self._offsets.tolist(),
            "failed": [list(f) for f in self.failed],
        }
        tmp = index.with_name(index.name + f".partial-{os.getpid()}")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, index)

    def _read_index(self, index: Path) -> bool:
        try:
            data = json.loads(index.read_text())
        except (OSError, ValueError):
            return False
        if data.get("format") != _FORMAT_VERSION or data.get("paths") != self.paths:
            return False
        self._shapes = np.asarray(data["shapes"], dtype=np.int64).reshape(-1, 2)
        self._offsets = np.asarray(data["offsets"], dtype=np.int64)
        self.failed = [(int(i), str(r)) for i, r in data["failed"]]
        self._buffer = np.memmap(self.file, dtype=np.uint8, mode="r")
        return True

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._shapes)

    @property
    def nbytes(self) -> int:
        """Bytes of pixel data held."""
        return int((self._shapes[:, 0] * self._shapes[:, 1]).sum() * 3)

    def sizes(self) -> np.ndarray:
        """``[N, 2]`` (height, width) of the cached images (0 for failed ones)."""
        return self._shapes.copy()

    def array(self, i: int) -> np.ndarray:
        """The cached pixels of image ``i``: ``uint8 [H, W, 3]`` (a copy)."""
        h, w = (int(v) for v in self._shapes[i])
        if h == 0:
            reason = dict(self.failed).get(i, "not cached")
            raise ImageLoadError(self.paths[i], f"not in the cache: {reason}")
        if self._buffer is None:  # after unpickling in a worker: reopen the memory map
            self._buffer = np.memmap(self.file, dtype=np.uint8, mode="r")
        flat = self._buffer[self._offsets[i] : self._offsets[i] + h * w * 3]
        return np.array(flat, dtype=np.uint8).reshape(h, w, 3)

    def get(self, i: int) -> Image.Image:
        """Image ``i`` as an RGB ``PIL.Image`` (longer side <= ``max_side``)."""
        return Image.fromarray(self.array(i), mode="RGB")

    def subset(self, indices: Sequence[int]) -> "CachedImages":
        """A view holding only ``indices`` (shares the pixel buffer)."""
        idx = np.asarray(indices, dtype=np.int64)
        new = object.__new__(CachedImages)
        new.paths = [self.paths[i] for i in idx]
        new.ids = [self.ids[i] for i in idx]
        new.max_side = self.max_side
        new.file = self.file
        new.loaded_from_disk = self.loaded_from_disk
        new._buffer = self._buffer
        new._shapes = self._shapes[idx].copy()
        starts = self._offsets[idx]
        # offsets of a subset are not contiguous: keep per-item starts and a final sentinel
        new._offsets = np.concatenate([starts, [starts[-1] + int(np.prod(new._shapes[-1])) * 3 if len(idx) else 0]])
        position = {int(old): j for j, old in enumerate(idx)}
        new.failed = [(position[i], r) for i, r in self.failed if i in position]
        return new

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self.file is not None:
            state["_buffer"] = None  # reopened lazily: do not copy a memory map into each worker
        return state

    def __repr__(self) -> str:
        where = str(self.file) if self.file is not None else "memory"
        return f"CachedImages(n={len(self)}, max_side={self.max_side}, MB={self.nbytes / 2**20:.1f}, in={where!r})"
