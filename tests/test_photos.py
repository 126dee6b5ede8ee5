"""Bundled photos load offline, and every degradation is identity at 0 and grows with its level."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio

from aesthetics_lib.data import photos as P
from aesthetics_lib.features import horizon_tilt


@pytest.fixture(scope="module")
def small() -> Image.Image:
    return P.load_photo("chelsea", max_side=160)


def _psnr(a: Image.Image, b: Image.Image) -> float:
    return float(peak_signal_noise_ratio(np.asarray(a), np.asarray(b), data_range=255))


def _centre_blob(h: int = 120, w: int = 160) -> Image.Image:
    arr = np.full((h, w, 3), 40, np.uint8)
    yy, xx = np.mgrid[:h, :w]
    arr[(yy - h / 2) ** 2 + (xx - w / 2) ** 2 < 15**2] = 230
    return Image.fromarray(arr)


def test_every_listed_photo_loads_offline_as_rgb(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args, **kwargs):
        raise OSError("network access attempted while loading a bundled photo")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    table = P.list_photos()
    assert list(table["name"]) == list(P.PHOTOS)
    for name in table["name"]:
        img = P.load_photo(name)
        assert isinstance(img, Image.Image) and img.mode == "RGB"
        assert min(img.size) >= 100


def test_catalogue_records_credit_and_licence_for_every_photo() -> None:
    table = P.list_photos()
    for col in ("source", "credit", "licence", "licence_source"):
        assert (table[col].str.len() > 0).all(), col
    unknown = table[table["licence"].str.startswith("unknown")]
    assert unknown["licence"].str.contains("see").all()  # an unknown licence says where to look
    assert table["kind"].iloc[0] == "colour photo"  # colour photos come first


def test_load_photo_max_side_and_unknown_name() -> None:
    img = P.load_photo("coffee", max_side=100)
    assert max(img.size) == 100
    with pytest.raises(KeyError, match="unknown photo 'nope'"):
        P.load_photo("nope")


@pytest.mark.parametrize("kind", P.DEGRADATIONS)
def test_level_zero_is_identity(small: Image.Image, kind: str) -> None:
    out = P.degrade(small, kind, 0.0)
    assert out.size == small.size and out.mode == "RGB"
    assert np.array_equal(np.asarray(out), np.asarray(small))


@pytest.mark.parametrize("kind", P.DEGRADATIONS)
def test_degradation_changes_the_image_and_keeps_its_size(small: Image.Image, kind: str) -> None:
    out = P.degrade(small, kind, 0.5)
    assert out.size == small.size and out.mode == "RGB"
    assert not np.array_equal(np.asarray(out), np.asarray(small))


@pytest.mark.parametrize("kind", ["blur", "noise", "underexpose", "overexpose", "desaturate", "jpeg"])
def test_more_level_moves_further_from_the_original(small: Image.Image, kind: str) -> None:
    psnrs = [_psnr(small, P.degrade(small, kind, level)) for level in (0.25, 0.5, 1.0)]
    assert psnrs[0] > psnrs[1] > psnrs[2]


def test_tilt_rotates_a_level_horizon_by_the_documented_angle() -> None:
    arr = np.zeros((120, 160, 3), np.uint8)
    arr[:60] = (140, 180, 240)
    arr[60:] = (60, 110, 50)
    for level in (0.5, 1.0):
        tilted = P.degrade(arr, "tilt", level)
        assert horizon_tilt(tilted) == pytest.approx(level * P.TILT_MAX_DEG, abs=1.0)


def test_offcentre_moves_a_centred_subject_towards_the_edge() -> None:
    img = _centre_blob()

    def offset(im: Image.Image) -> float:
        mask = np.asarray(im)[..., 0] > 135
        ys, xs = np.nonzero(mask)
        return float(np.hypot(xs.mean() / im.width - 0.5, ys.mean() / im.height - 0.5))

    offsets = [offset(P.degrade(img, "offcentre", lv)) for lv in (0.0, 0.3, 0.6, 1.0)]
    assert offsets[0] < 0.01
    assert offsets[0] < offsets[1] < offsets[2] < offsets[3]


def test_noise_is_deterministic_from_the_seed(small: Image.Image) -> None:
    a = np.asarray(P.degrade(small, "noise", 0.5, seed=1))
    b = np.asarray(P.degrade(small, "noise", 0.5, seed=1))
    c = np.asarray(P.degrade(small, "noise", 0.5, seed=2))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_bad_kind_and_level_are_rejected(small: Image.Image) -> None:
    with pytest.raises(ValueError, match="unknown degradation 'smudge'"):
        P.degrade(small, "smudge", 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\], found 1.5"):
        P.degrade(small, "blur", 1.5)


def test_burst_has_a_known_order_and_worse_shots_are_further_from_the_original() -> None:
    shots = P.burst("coffee", kinds=("blur", "noise"), levels=(0.6, 0.0, 0.3, 0.9), max_side=96)
    labels, images, ranks = zip(*shots)
    assert list(ranks) == [1, 2, 3, 4]
    assert labels[0] == "original"
    original = P.load_photo("coffee", max_side=96)
    assert np.array_equal(np.asarray(images[0]), np.asarray(original))
    psnrs = [_psnr(original, im) for im in images[1:]]
    assert psnrs[0] > psnrs[1] > psnrs[2]
    again = P.burst("coffee", kinds=("blur", "noise"), levels=(0.6, 0.0, 0.3, 0.9), max_side=96)
    assert all(np.array_equal(np.asarray(a[1]), np.asarray(b[1])) for a, b in zip(shots, again))


def test_tilt_leaves_no_empty_corners() -> None:
    white = Image.new("RGB", (160, 90), (255, 255, 255))
    for level in (0.3, 1.0):
        assert np.asarray(P.degrade(white, "tilt", level)).min() == 255
