"""Reading image files robustly: one RGB ``PIL.Image`` out of whatever a photo collection holds.

Real collections contain CMYK JPEGs, 16-bit greyscale PNGs and TIFFs, palette GIFs, PNGs with
transparency, phone photos whose pixels are stored sideways with an EXIF orientation tag, empty
files, truncated downloads and the odd HTML page saved as ``.jpg``. :func:`load_image` turns the
good ones into plain 8-bit RGB as a viewer would show them and refuses the bad ones with an
:class:`ImageLoadError` that says which file and why. :func:`image_size` reads the header only.

Introduced in notebooks/02_ava_exploration.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

PathLike = str | os.PathLike

#: EXIF orientations (tag 0x0112) that swap width and height (transpose, rotate 90/270, transverse).
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION_TAG = 0x0112
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


class ImageLoadError(ValueError):
    """An image file that cannot be read: ``path`` (str) and ``reason`` (str) say which and why."""

    def __init__(self, path: PathLike, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read image {self.path}: {reason}")

    def __reduce__(self):  # keep (path, reason) through pickling (DataLoader workers)
        return (type(self), (self.path, self.reason))

    def __str__(self) -> str:
        return f"cannot read image {self.path}: {self.reason}"


class ImageNotFoundError(ImageLoadError, FileNotFoundError):
    """The image file does not exist (both an :class:`ImageLoadError` and a ``FileNotFoundError``)."""


def _max_pixels(max_pixels: int | None) -> int | None:
    return Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels


def _open(path: PathLike, max_pixels: int | None) -> Image.Image:
    """Open the header of ``path`` or raise :class:`ImageLoadError` (empty, not an image, a bomb)."""
    p = Path(path)
    if not p.exists():
        raise ImageNotFoundError(p, "the file does not exist")
    if p.is_dir():
        raise ImageLoadError(p, "expected an image file, found a directory")
    if p.stat().st_size == 0:
        raise ImageLoadError(p, "the file is empty (0 bytes)")
    limit = _max_pixels(max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(p)
    except UnidentifiedImageError:
        raise ImageLoadError(p, "not an image file Pillow can identify (wrong format or corrupt header)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(p, f"decompression bomb refused: {exc}") from None
    except OSError as exc:
        raise ImageLoadError(p, f"unreadable header: {exc}") from None
    w, h = im.size
    if w <= 0 or h <= 0:
        im.close()
        raise ImageLoadError(p, f"expected a positive size, found {w}x{h}")
    if limit is not None and w * h > limit:
        im.close()
        raise ImageLoadError(
            p, f"decompression bomb refused: {w}x{h} = {w * h} pixels exceeds the limit of {limit} pixels"
        )
    return im


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(_EXIF_ORIENTATION_TAG, 1) or 1)
    except Exception:  # broken EXIF blocks are common; treat as upright
        return 1


def image_size(path: PathLike, max_pixels: int | None = None) -> tuple[int, int]:
    """``(width, height)`` of the image as :func:`load_image` would return it, from the header only.

    EXIF orientations that rotate by 90 degrees swap the two. Raises :class:`ImageLoadError` for
    missing, empty, unidentifiable or oversized files (truncated pixel data is not detected here).
    """
    im = _open(path, max_pixels)
    try:
        w, h = im.size
        if _orientation(im) in _SWAPPING_ORIENTATIONS:
            w, h = h, w
        return int(w), int(h)
    finally:
        im.close()


def _to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB; transparency is composited on white."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale (PNG/TIFF): scale 0..65535 to 0..255 (mode "I" from such files holds the
        # same range); values outside it are clipped.
        a = np.asarray(im, dtype=np.float64)
        a = np.clip(np.rint(a / 257.0), 0, 255).astype(np.uint8)
        return Image.fromarray(a, mode="L").convert("RGB")
    if mode == "F":
        a = np.asarray(im, dtype=np.float64)
        finite = a[np.isfinite(a)]
        scale = 255.0 if finite.size and finite.max() <= 1.0 else 1.0  # [0, 1] floats or [0, 255]
        a = np.clip(np.nan_to_num(a * scale), 0, 255).astype(np.uint8)
        return Image.fromarray(a, mode="L").convert("RGB")
    if mode == "P" or mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        if rgba.getextrema()[3][0] == 255:  # fully opaque: no compositing needed
            return rgba.convert("RGB")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode == "CMYK":
        return im.convert("RGB")  # Pillow undoes Adobe's inverted CMYK when decoding
    return im.convert("RGB")  # "1", "L", "YCbCr", "RGBX", ...


def load_image(path: PathLike, max_pixels: int | None = None, reduce_to: int | None = None) -> Image.Image:
    """Read ``path`` as an 8-bit RGB ``PIL.Image``, upright as a viewer shows it.

    Handles EXIF orientation (``ImageOps.exif_transpose``), CMYK, greyscale (``L``, 16-bit ``I;16`` and
    ``I`` scaled 0..65535 -> 0..255), palette images and transparency (composited on white).
    ``max_pixels`` (default Pillow's ``Image.MAX_IMAGE_PIXELS``) refuses decompression bombs before
    decoding. ``reduce_to`` lets JPEG decoding skip detail (DCT scaling, ``Image.draft``) while keeping
    the longer side at least ``reduce_to`` pixels: a fast path for caches and thumbnails.

    Raises :class:`ImageNotFoundError` for a missing file and :class:`ImageLoadError` (a ``ValueError``)
    for an empty, truncated, unidentifiable or oversized one; the message names the file and the reason.
    Introduced in notebooks/02_ava_exploration.
    """
    im = _open(path, max_pixels)
    try:
        if reduce_to is not None and im.format == "JPEG":
            w, h = im.size
            r = reduce_to / max(w, h)
            if r < 1:
                im.draft("RGB", (math.ceil(w * r), math.ceil(h * r)))
        try:
            im.load()
        except Image.DecompressionBombError as exc:
            raise ImageLoadError(path, f"decompression bomb refused: {exc}") from None
        except Exception as exc:  # OSError, SyntaxError, zlib/struct errors from broken files
            raise ImageLoadError(path, f"pixel data cannot be decoded (truncated or corrupt file): {exc}") from None
        upright = im
        if _orientation(im) != 1:
            try:
                upright = ImageOps.exif_transpose(im)
            except Exception:  # a broken EXIF block must not lose the picture: keep it as stored
                upright = im
        try:
            out = _to_rgb(upright)
        except (OSError, ValueError) as exc:
            raise ImageLoadError(path, f"cannot convert mode {upright.mode!r} to RGB: {exc}") from None
        if out is im:
            out = im.copy()  # detach from the file handle closed below
        return out
    finally:
        im.close()
