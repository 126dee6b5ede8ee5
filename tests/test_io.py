"""aesthetics_lib.data.io: every odd file a photo collection holds becomes upright 8-bit RGB, or a clear error."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetics_lib.data.io import ImageLoadError, ImageNotFoundError, image_size, load_image


def _gradient(w: int = 24, h: int = 16) -> np.ndarray:
    x = np.linspace(0, 255, w)[None, :, None]
    y = np.linspace(0, 255, h)[:, None, None]
    return np.concatenate([np.broadcast_to(x, (h, w, 1)), np.broadcast_to(y, (h, w, 1)), np.full((h, w, 1), 90)], 2).astype(np.uint8)


def test_rgb_jpeg_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "a.jpg"
    Image.fromarray(_gradient()).save(p, quality=95)
    im = load_image(p)
    assert im.mode == "RGB" and im.size == (24, 16)
    assert np.abs(np.asarray(im, dtype=int) - _gradient().astype(int)).mean() < 6
    assert image_size(p) == (24, 16)


def test_cmyk_becomes_rgb_with_the_same_colours(tmp_path: Path) -> None:
    p = tmp_path / "cmyk.jpg"
    red = Image.new("RGB", (20, 10), (200, 30, 30))
    red.convert("CMYK").save(p, quality=95)
    assert Image.open(p).mode == "CMYK"
    im = load_image(p)
    assert im.mode == "RGB"
    r, g, b = np.asarray(im, dtype=int).reshape(-1, 3).mean(0)
    assert r > 150 and g < 80 and b < 80


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path: Path) -> None:
    p = tmp_path / "g16.png"
    ramp = np.tile(np.linspace(0, 65535, 32).astype(np.uint16), (8, 1))
    Image.fromarray(ramp).save(p)
    assert Image.open(p).mode in ("I;16", "I")
    a = np.asarray(load_image(p))
    assert a.dtype == np.uint8 and a.shape == (8, 32, 3)
    assert a[0, 0, 0] == 0 and a[0, -1, 0] == 255
    assert np.all(np.diff(a[0, :, 0].astype(int)) >= 0)  # a ramp stays a ramp (no clipping at 255)
    assert len(np.unique(a[0, :, 0])) > 20


def test_palette_and_greyscale(tmp_path: Path) -> None:
    p = tmp_path / "pal.gif"
    Image.fromarray(_gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(p)
    assert load_image(p).mode == "RGB"
    q = tmp_path / "grey.png"
    Image.fromarray(_gradient()[..., 0]).save(q)
    a = np.asarray(load_image(q))
    assert a.shape == (16, 24, 3) and np.array_equal(a[..., 0], a[..., 2])


def test_transparency_is_composited_on_white(tmp_path: Path) -> None:
    p = tmp_path / "rgba.png"
    a = np.zeros((10, 10, 4), dtype=np.uint8)
    a[..., 0] = 255  # red
    a[:, 5:, 3] = 255  # right half opaque, left half fully transparent
    Image.fromarray(a, "RGBA").save(p)
    out = np.asarray(load_image(p))
    assert out[0, 0].tolist() == [255, 255, 255]
    assert out[0, 9].tolist() == [255, 0, 0]
    q = tmp_path / "pal_transparent.png"
    Image.fromarray(a, "RGBA").convert("P").save(q)  # palette with a transparent entry
    assert np.asarray(load_image(q))[0, 9].tolist() == [255, 0, 0]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    p = tmp_path / "rot.jpg"
    stored = np.zeros((10, 30, 3), dtype=np.uint8)
    stored[:, :10] = 255  # white block at the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(stored).save(p, exif=exif, quality=95)
    im = load_image(p)
    assert im.size == (10, 30)  # width and height swapped
    assert image_size(p) == (10, 30)
    a = np.asarray(im, dtype=int)
    assert a[:5].mean() > 200 and a[-5:].mean() < 50  # the stored left edge is now on top


def test_bad_files_raise_image_load_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "page.jpg"
    text.write_text("<html>not a photo</html>")
    good = tmp_path / "good.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(good)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    for path, word in [(empty, "empty"), (text, "not an image"), (truncated, "truncated")]:
        with pytest.raises(ImageLoadError) as info:
            load_image(path)
        assert info.value.path == str(path) and word in info.value.reason
        assert str(path) in str(info.value)
    with pytest.raises(ImageLoadError):
        image_size(empty)
    with pytest.raises(FileNotFoundError) as info:
        load_image(tmp_path / "absent.jpg")
    assert isinstance(info.value, ImageNotFoundError) and isinstance(info.value, ValueError)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width x height`` pixels but holds no pixel data (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(100_000, 100_000))  # 1e10 pixels: beyond Pillow's limits
    with pytest.raises(ImageLoadError, match="decompression bomb"):
        load_image(bomb)
    with pytest.raises(ImageLoadError, match="decompression bomb"):
        image_size(bomb)
    small = tmp_path / "small.png"
    Image.new("RGB", (40, 40)).save(small)
    with pytest.raises(ImageLoadError, match="1600 pixels exceeds the limit of 1000"):
        load_image(small, max_pixels=1000)


def test_reduce_to_keeps_the_longer_side_at_least_that(tmp_path: Path) -> None:
    p = tmp_path / "big.jpg"
    Image.fromarray(np.tile(_gradient(), (20, 20, 1))).save(p)  # 480 x 320
    im = load_image(p, reduce_to=100)
    assert max(im.size) >= 100 and max(im.size) < 480
    assert abs(im.size[0] / im.size[1] - 1.5) < 0.05
