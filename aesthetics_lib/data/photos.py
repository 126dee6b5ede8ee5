"""Real sample photos that ship inside installed packages, and graded ways to spoil them.

Nothing is downloaded: the photos are the ones bundled in the scikit-image wheel
(``skimage.data``), scikit-learn's two sample images (``sklearn.datasets.load_sample_image``) and
matplotlib's sample data (``matplotlib.cbook.get_sample_data``). Each :class:`PhotoInfo` records
the credit and the licence exactly as the package states them, and where that statement was read
(``licence_source``); where a package states no licence, the licence reads ``unknown — see ...``.

:func:`degrade` spoils a photo in one of the :data:`DEGRADATIONS` ways by a ``level`` in [0, 1]
(0 returns the photo unchanged, 1 is the strongest); :func:`burst` makes a graded series of one
photo with a known quality order, for the burst-ranking demo.

Introduced in notebooks/01_handcrafted_features (features of real photos) and used again in
notebooks/10_explainability and 11_applications.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from PIL import Image, ImageEnhance, ImageFilter

# --------------------------------------------------------------------------------------------
# the catalogue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoInfo:
    """One bundled photo: where it comes from, who made it, its licence, and how to load it.

    ``loader()`` returns the pixels as a ``uint8`` array (``HxW`` or ``HxWx3``); ``kind`` is
    ``colour photo``, ``scientific`` (colour), ``grey photo`` or ``texture``; ``licence_source``
    says where the credit and licence were read.
    """

    name: str
    source: str
    credit: str
    licence: str
    loader: Callable[[], np.ndarray]
    kind: str = "colour photo"
    licence_source: str = ""


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()

    load.__name__ = f"skimage_data_{name}"
    return load


def _motorcycle_left() -> np.ndarray:
    import skimage.data

    return skimage.data.stereo_motorcycle()[0]


def _sklearn(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    load.__name__ = f"sklearn_{filename.replace('.', '_')}"
    return load


def _grace_hopper() -> np.ndarray:
    from matplotlib.cbook import get_sample_data

    with get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(io.BytesIO(f.read())).convert("RGB"))


_SK_DOC = "docstring of skimage.data.{}()"
_SKLEARN_README = "sklearn/datasets/images/README.txt"
_CC_BY_2 = (
    'CC BY 2.0 ("Released under a creative commons license", '
    "https://creativecommons.org/licenses/by/2.0/)"
)

_CATALOGUE: tuple[PhotoInfo, ...] = (
    # ---- colour photos ----
    PhotoInfo(
        "astronaut",
        "scikit-image: skimage.data.astronaut()",
        "NASA (photograph of astronaut Eileen Collins, from the NASA Great Images database, "
        "https://flic.kr/p/r9qvLn)",
        "public domain (\"No known copyright restrictions, released into the public domain.\")",
        _skimage("astronaut"),
        "colour photo",
        _SK_DOC.format("astronaut"),
    ),
    PhotoInfo(
        "chelsea",
        "scikit-image: skimage.data.chelsea()",
        "Stefan van der Walt (Chelsea the cat)",
        "CC0 (\"No copyright restrictions. CC0 by the photographer (Stefan van der Walt).\")",
        _skimage("chelsea"),
        "colour photo",
        _SK_DOC.format("chelsea"),
    ),
    PhotoInfo(
        "coffee",
        "scikit-image: skimage.data.coffee()",
        "Rachel Michetti, courtesy of Pikolo Espresso Bar",
        "CC0 (\"No copyright restrictions. CC0 by the photographer (Rachel Michetti).\")",
        _skimage("coffee"),
        "colour photo",
        _SK_DOC.format("coffee"),
    ),
    PhotoInfo(
        "rocket",
        "scikit-image: skimage.data.rocket()",
        "SpaceX (launch of DSCOVR on Falcon 9; SpaceX Photos on Flickr)",
        "public domain (\"captured by SpaceX and released in the public domain\")",
        _skimage("rocket"),
        "colour photo",
        _SK_DOC.format("rocket"),
    ),
    PhotoInfo(
        "china",
        "scikit-learn: sklearn.datasets.load_sample_image('china.jpg')",
        "\"Some rights reserved by danielbuechele\" (https://www.flickr.com/photos/danielbuechele/"
        "6061409035/); retrieved 21 August 2011 by Robert Layton",
        _CC_BY_2,
        _sklearn("china.jpg"),
        "colour photo",
        _SKLEARN_README,
    ),
    PhotoInfo(
        "flower",
        "scikit-learn: sklearn.datasets.load_sample_image('flower.jpg')",
        "the README says \"Some rights reserved by danielbuechele\" but links the photo to "
        "Flickr user vultilion (https://www.flickr.com/photos/vultilion/6056698931/); "
        "retrieved 21 August 2011 by Robert Layton",
        _CC_BY_2,
        _sklearn("flower.jpg"),
        "colour photo",
        _SKLEARN_README,
    ),
    PhotoInfo(
        "grace_hopper",
        "matplotlib: matplotlib.cbook.get_sample_data('grace_hopper.jpg')",
        "portrait of Grace Hopper; the JPEG's comment gives its source as "
        "http://commons.wikimedia.org/wiki/File:Grace_Hopper.jpg",
        "unknown — see matplotlib/mpl-data/sample_data/README.txt (no licence stated) and the "
        "JPEG comment of grace_hopper.jpg",
        _grace_hopper,
        "colour photo",
        "matplotlib/mpl-data/sample_data/README.txt; JPEG comment",
    ),
    PhotoInfo(
        "motorcycle",
        "scikit-image: skimage.data.stereo_motorcycle()[0] (left view)",
        "Middlebury 2014 stereo benchmark (N. Nesic, P. Westling, X. Wang, Y. Kitajima, "
        "G. Krathwohl, D. Scharstein), downsampled by 4",
        "unknown — see the docstring of skimage.data.stereo_motorcycle() (no licence stated)",
        _motorcycle_left,
        "colour photo",
        _SK_DOC.format("stereo_motorcycle"),
    ),
    # ---- scientific colour images ----
    PhotoInfo(
        "hubble_deep_field",
        "scikit-image: skimage.data.hubble_deep_field()",
        "NASA (Hubble eXtreme Deep Field, HubbleSite)",
        "public domain (\"may be freely used in the public domain\")",
        _skimage("hubble_deep_field"),
        "scientific",
        _SK_DOC.format("hubble_deep_field"),
    ),
    PhotoInfo(
        "immunohistochemistry",
        "scikit-image: skimage.data.immunohistochemistry()",
        "Center for Microscopy And Molecular Imaging (CMMI)",
        "\"No known copyright restrictions.\"",
        _skimage("immunohistochemistry"),
        "scientific",
        _SK_DOC.format("immunohistochemistry"),
    ),
    PhotoInfo(
        "retina",
        "scikit-image: skimage.data.retina()",
        "Mikael Häggström (fundus photograph, Wikimedia Commons)",
        "CC0 (\"Creative Commons CC0 1.0 Universal Public Domain Dedication\")",
        _skimage("retina"),
        "scientific",
        _SK_DOC.format("retina"),
    ),
    # ---- grey photos ----
    PhotoInfo(
        "camera",
        "scikit-image: skimage.data.camera()",
        "Lav Varshney",
        "CC0 (\"No copyright restrictions. CC0 by the photographer (Lav Varshney).\")",
        _skimage("camera"),
        "grey photo",
        _SK_DOC.format("camera"),
    ),
    PhotoInfo(
        "coins",
        "scikit-image: skimage.data.coins()",
        "Brooklyn Museum Collection (Greek coins from Pompeii)",
        "\"No known copyright restrictions.\"",
        _skimage("coins"),
        "grey photo",
        _SK_DOC.format("coins"),
    ),
    PhotoInfo(
        "clock",
        "scikit-image: skimage.data.clock()",
        "Stefan van der Walt (motion-blurred wall clock)",
        "public domain (\"Released into the public domain by the photographer\")",
        _skimage("clock"),
        "grey photo",
        _SK_DOC.format("clock"),
    ),
    PhotoInfo(
        "moon",
        "scikit-image: skimage.data.moon()",
        "not stated",
        "unknown — see the docstring of skimage.data.moon() (no licence stated)",
        _skimage("moon"),
        "grey photo",
        _SK_DOC.format("moon"),
    ),
    # ---- textures ----
    PhotoInfo(
        "brick",
        "scikit-image: skimage.data.brick()",
        "CC0Textures (Bricks25), perspective-corrected, rotated and cropped by scikit-image",
        "CC0 (\"licensed under the Creative Commons CC0 License\")",
        _skimage("brick"),
        "texture",
        _SK_DOC.format("brick"),
    ),
    PhotoInfo(
        "grass",
        "scikit-image: skimage.data.grass()",
        "linolafett on DeviantArt (Grass-01), cropped and made grey by scikit-image",
        "CC0 (\"licensed under the Creative Commons CC0 License\")",
        _skimage("grass"),
        "texture",
        _SK_DOC.format("grass"),
    ),
    PhotoInfo(
        "gravel",
        "scikit-image: skimage.data.gravel()",
        "CC0Textures (Gravel04), rescaled, cropped and made grey by scikit-image",
        "CC0 (\"licensed under the Creative Commons CC0 License\")",
        _skimage("gravel"),
        "texture",
        _SK_DOC.format("gravel"),
    ),
)

#: Every bundled photo by name, colour photos first.
PHOTOS: dict[str, PhotoInfo] = {p.name: p for p in _CATALOGUE}


def list_photos() -> pd.DataFrame:
    """The catalogue as a table: one row per photo with ``name``, ``kind``, ``source``,
    ``credit``, ``licence`` and ``licence_source`` (colour photos first)."""
    cols = ["name", "kind", "source", "credit", "licence", "licence_source"]
    return pd.DataFrame([{c: getattr(p, c) for c in cols} for p in PHOTOS.values()], columns=cols)


def load_photo(name: str, max_side: int | None = None) -> Image.Image:
    """Load a bundled photo by name as an RGB ``PIL.Image`` (grey photos are repeated to RGB).

    ``max_side`` downsizes it (Lanczos) so the longer side is at most that many pixels.
    """
    if name not in PHOTOS:
        raise KeyError(f"unknown photo {name!r}: expected one of {sorted(PHOTOS)}")
    arr = np.asarray(PHOTOS[name].loader())
    if arr.dtype != np.uint8:
        raise ValueError(
            f"photo {name!r}: expected uint8 pixels from its loader, found {arr.dtype}"
        )
    img = Image.fromarray(arr).convert("RGB")
    if max_side is not None and max(img.size) > max_side:
        s = max_side / max(img.size)
        size = (max(1, round(img.width * s)), max(1, round(img.height * s)))
        img = img.resize(size, Image.LANCZOS)
    return img


# --------------------------------------------------------------------------------------------
# degradations
# --------------------------------------------------------------------------------------------

#: The ways :func:`degrade` can spoil a photo.
DEGRADATIONS: tuple[str, ...] = (
    "blur",
    "noise",
    "underexpose",
    "overexpose",
    "desaturate",
    "tilt",
    "offcentre",
    "jpeg",
)

BLUR_MAX = 0.02  #: Gaussian sigma at level 1, as a fraction of the shorter side
NOISE_MAX = 0.15  #: Gaussian noise SD at level 1, on the [0, 1] pixel scale
EXPOSURE_STOPS = 3.0  #: stops of under- or over-exposure at level 1
TILT_MAX_DEG = 12.0  #: rotation at level 1, in degrees (counter-clockwise)
OFFCENTRE_MAX = 0.5  #: at level 1 the crop keeps this fraction of each side, anchored top left
JPEG_QUALITY = (90, 5)  #: JPEG quality at a level just above 0 and at level 1
_GAMMA = 2.2  #: display gamma used to move to linear light for exposure changes


def _to_pil(image: Image.Image | np.ndarray) -> Image.Image:
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    arr = np.asarray(image)
    if np.issubdtype(arr.dtype, np.floating):
        arr = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3):
        raise ValueError(
            f"expected a PIL image or an HxW[x3] uint8/float array, found {arr.dtype} {arr.shape}"
        )
    return Image.fromarray(arr).convert("RGB")


def _float(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float32) / 255.0


def _from_float(arr: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))


def _exposure(img: Image.Image, stops: float) -> Image.Image:
    linear = _float(img) ** _GAMMA
    return _from_float((linear * 2.0**stops) ** (1.0 / _GAMMA))


def _tilt(img: Image.Image, degrees: float) -> Image.Image:
    """Rotate, then crop the largest centred same-aspect box with no empty corners, resize back."""
    w, h = img.size
    a = math.radians(abs(degrees))
    scale = min(w / (w * math.cos(a) + h * math.sin(a)), h / (w * math.sin(a) + h * math.cos(a)))
    rotated = img.rotate(degrees, resample=Image.BICUBIC, expand=False)
    cw, ch = w * scale - 2.0, h * scale - 2.0  # a pixel's margin for the resampled border
    box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
    return rotated.resize((w, h), Image.BICUBIC, box=box)


def _offcentre(img: Image.Image, keep: float) -> Image.Image:
    w, h = img.size
    return img.resize((w, h), Image.BICUBIC, box=(0.0, 0.0, w * keep, h * keep))


def _jpeg(img: Image.Image, level: float) -> Image.Image:
    hi, lo = JPEG_QUALITY
    quality = int(round(hi + (lo - hi) * level))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def degrade(
    image: Image.Image | np.ndarray, kind: str, level: float, seed: int = 0
) -> Image.Image:
    """Spoil a photo by ``level`` in [0, 1] (0 = unchanged, 1 = strongest); same size out, RGB.

    Kinds (:data:`DEGRADATIONS`): ``blur`` (Gaussian, sigma up to ``BLUR_MAX`` x shorter side),
    ``noise`` (Gaussian, SD up to ``NOISE_MAX``, seeded by ``seed``), ``underexpose`` /
    ``overexpose`` (up to ``EXPOSURE_STOPS`` stops, in linear light, highlights clip),
    ``desaturate`` (towards grey; 1 = black and white), ``tilt`` (rotated counter-clockwise by up
    to ``TILT_MAX_DEG``, cropped to hide the corners, so a level horizon then reads about
    ``+level * TILT_MAX_DEG`` in ``features.horizon_tilt``), ``offcentre`` (a crop anchored at
    the top left keeping down to ``OFFCENTRE_MAX`` of each side: a centred subject moves towards
    the bottom-right edge and is cut), ``jpeg`` (re-encoded at quality 90 down to 5).
    Deterministic. ``tilt`` and ``offcentre`` resize the crop back to the original size.
    """
    if kind not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {kind!r}: expected one of {list(DEGRADATIONS)}")
    if not 0.0 <= float(level) <= 1.0:
        raise ValueError(f"degradation level must be in [0, 1], found {level} (kind {kind!r})")
    img = _to_pil(image)
    if level == 0:
        return img.copy()
    if kind == "blur":
        return img.filter(ImageFilter.GaussianBlur(radius=level * BLUR_MAX * min(img.size)))
    if kind == "noise":
        rng = np.random.default_rng(seed)
        arr = _float(img)
        return _from_float(arr + rng.normal(0.0, level * NOISE_MAX, arr.shape).astype(np.float32))
    if kind == "underexpose":
        return _exposure(img, -level * EXPOSURE_STOPS)
    if kind == "overexpose":
        return _exposure(img, level * EXPOSURE_STOPS)
    if kind == "desaturate":
        return ImageEnhance.Color(img).enhance(1.0 - level)
    if kind == "tilt":
        return _tilt(img, level * TILT_MAX_DEG)
    if kind == "offcentre":
        return _offcentre(img, 1.0 - level * (1.0 - OFFCENTRE_MAX))
    return _jpeg(img, level)


def burst(
    name: str,
    kinds: str | Sequence[str] = ("blur", "noise", "underexpose"),
    levels: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8),
    max_side: int | None = 320,
    seed: int = 0,
) -> list[tuple[str, Image.Image, int]]:
    """A burst of near-duplicate shots of one photo with a known quality order.

    Shot ``i`` applies every degradation in ``kinds`` (in that order) at ``levels[i]``, so a
    higher level is worse on every count. Returns ``(label, image, expected_rank)`` sorted by
    level, where ``expected_rank`` 1 is the best shot (the lowest level; level 0 is the original)
    and equal levels share a rank. Noise is seeded per shot from ``seed``. Used for the
    burst-ranking demo in notebooks/11_applications.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    for k in kinds:
        if k not in DEGRADATIONS:
            raise ValueError(
                f"unknown degradation {k!r} in kinds: expected some of {list(DEGRADATIONS)}"
            )
    if not levels:
        raise ValueError("expected at least one level, found none")
    base = load_photo(name, max_side=max_side)
    ordered = sorted(float(lv) for lv in levels)
    distinct = sorted(set(ordered))
    shots: list[tuple[str, Image.Image, int]] = []
    for i, level in enumerate(ordered):
        img = base
        for j, k in enumerate(kinds):
            img = degrade(img, k, level, seed=seed + 1000 * i + j)
        label = "original" if level == 0 else f"{'+'.join(kinds)} {level:.2f}"
        shots.append((label, img, distinct.index(level) + 1))
    return shots
