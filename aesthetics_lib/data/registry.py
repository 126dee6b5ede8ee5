"""Which datasets the course knows, where to get them, and how to open one from a short spec.

A *data spec* names a layout and a folder: ``cadb:/path/to/CADB_Dataset``, ``ava:/path/to/AVA``, or
``studio`` / ``studio-cadb`` / ``studio-ava`` for the synthetic studio the course renders offline in the
same layouts. :func:`default_data` honours the environment variable ``AESTHETICS_DATA`` (one spec, or
several separated by commas, e.g. ``cadb:/data/CADB_Dataset,ava:/data/AVA``) and otherwise builds the
studio, so every notebook runs offline and scales to the real data by changing one setting.

:data:`DATASETS` records, per dataset, the paper, the public pages to get it from, and the annotation
files with a stable URL and a SHA-256 checksum where one exists (``None`` with the reason otherwise).
:func:`download` fetches only those files, verifies them and stops at once when offline.
Introduced in notebooks/00_welcome.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aesthetics_lib.data.ava import AVA_HOW_TO_GET
from aesthetics_lib.data.cadb import CADB_HOW_TO_GET
from aesthetics_lib.data.schema import AVA_BINS, AVA_THRESHOLD, CADB_BINS, CADB_THRESHOLD
from aesthetics_lib.paths import file_lock

ENV_DATA = "AESTHETICS_DATA"
ENV_OFFLINE = ("AESTHETICS_OFFLINE", "HF_HUB_OFFLINE")
LAYOUTS: tuple[str, ...] = ("cadb", "ava", "aadb")

_CADB_COMMIT = "8b1ed136e6f0abd13348057db70744e839e55935"
_CADB_RAW = f"https://raw.githubusercontent.com/bcmi/Image-Composition-Assessment-Dataset-CADB/{_CADB_COMMIT}/annotations"
_AVA_COMMIT = "46104ff72991443c37e86a8d1b2eeb05e61f7e81"
_AVA_RAW = f"https://raw.githubusercontent.com/imfing/ava_downloader/{_AVA_COMMIT}/AVA_dataset"
_ZIP_ONLY = "only inside CADB_Dataset.zip (Dropbox / Baidu Cloud links on the repository page): no stable direct URL"

AADB_HOW_TO_GET = (
    "How to get AADB: follow the links on https://www.cs.cmu.edu/~shuk/aesthetics.html and "
    "https://github.com/aimerykong/deepImageAestheticsAnalysis (images and label lists are shared "
    "through the authors' cloud folders)."
)


class DownloadError(OSError):
    """A download that could not be done (offline, no stable URL, a network error, a bad checksum)."""


@dataclass(frozen=True)
class AnnotationFile:
    """One annotation file: its path inside the dataset folder, a stable ``url`` and ``sha256`` where
    known (``None`` otherwise, with the reason in ``note``)."""

    name: str
    url: str | None
    sha256: str | None
    note: str = ""


@dataclass(frozen=True)
class DatasetInfo:
    """What the course knows about one dataset: ``name``, ``layout`` (``cadb``/``ava``/``aadb``),
    ``num_bins``, ``threshold``, ``paper``, ``pages`` (public pages to get it from), ``files``
    (:class:`AnnotationFile`), ``how_to_get`` (the manual steps), ``size`` (a short description),
    ``studio`` (rendered offline by :mod:`aesthetics_lib.data.studio`) and ``loader`` (the dataset
    class that reads it, ``None`` when the library has none yet)."""

    name: str
    layout: str
    num_bins: int
    threshold: float
    paper: str
    pages: tuple[str, ...]
    files: tuple[AnnotationFile, ...]
    how_to_get: str
    size: str = ""
    studio: bool = False
    loader: str | None = None


DATASETS: dict[str, DatasetInfo] = {
    "AVA": DatasetInfo(
        name="AVA",
        layout="ava",
        num_bins=AVA_BINS,
        threshold=AVA_THRESHOLD,
        paper="Murray, Marchesotti and Perronnin. AVA: A large-scale database for aesthetic visual analysis. CVPR 2012.",
        pages=("https://github.com/imfing/ava_downloader", "https://doi.org/10.1109/CVPR.2012.6247954"),
        files=(
            AnnotationFile("AVA.txt", f"{_AVA_RAW}/AVA.txt", None,
                           "checksum unknown: the mirror's copy could not be read when this registry was written"),
            AnnotationFile("tags.txt", f"{_AVA_RAW}/tags.txt",
                           "da90740cef1e6b30e29033df7b85f1a3eebb61e22c5b3c4a692f7d3fa04ad6dc"),
            AnnotationFile("challenges.txt", f"{_AVA_RAW}/challenges.txt",
                           "1c0416b074e4879bb216dcec88f93ce179e40681efe3d26e23afbe3b3169fba2"),
            AnnotationFile("aesthetics_image_lists/generic_test.jpgl", f"{_AVA_RAW}/aesthetics_image_lists/generic_test.jpgl",
                           "33206a1fa74f979bf66ce69347a8cf8d39009205387df1760e4951bc9aff9828"),
            AnnotationFile("images/", None, None, "about 255,500 JPEGs (~32 GB): see the mirror's README for sources"),
        ),
        how_to_get=AVA_HOW_TO_GET,
        size="about 255,500 images, votes 1..10 (81-520 per image); official test list of 20,000 ids",
        loader="AVADataset",
    ),
    "CADB": DatasetInfo(
        name="CADB",
        layout="cadb",
        num_bins=CADB_BINS,
        threshold=CADB_THRESHOLD,
        paper="Zhang, Niu and Zhang. Image Composition Assessment with Saliency-augmented Multi-pattern Pooling. BMVC 2021.",
        pages=("https://github.com/bcmi/Image-Composition-Assessment-Dataset-CADB", "https://arxiv.org/abs/2104.03133"),
        files=(
            AnnotationFile("composition_scores.json", f"{_CADB_RAW}/composition_scores.json",
                           "9c61fbf9d0cd447066bc271bb3b82a2f5ab8166da7ef438debf4de714295f2af",
                           f"the copy in the repository at commit {_CADB_COMMIT[:7]}"),
            AnnotationFile("scene_categories.json", f"{_CADB_RAW}/scene_categories.json",
                           "c3b3b853dd40f93c13f63be35e14841a7c9a05f1d320fa8c7a268dce0365f7b0",
                           f"the copy in the repository at commit {_CADB_COMMIT[:7]}"),
            AnnotationFile("composition_elements.json", f"{_CADB_RAW}/composition_elements.json",
                           "66cd3fa284d8c0c6f28af1c95996b13ee923b9ab000732573a6bf6bc58620900",
                           f"the copy in the repository at commit {_CADB_COMMIT[:7]}"),
            AnnotationFile("composition_attributes.json", None, None, _ZIP_ONLY),
            AnnotationFile("split.json", None, None, _ZIP_ONLY),
            AnnotationFile("emdloss_weight.json", None, None, _ZIP_ONLY + " (optional)"),
            AnnotationFile("images/", None, None, "9,497 JPEGs: " + _ZIP_ONLY),
        ),
        how_to_get=CADB_HOW_TO_GET,
        size="9,497 images (8,547 train / 950 test), 5 ratings 1..5 each, 11 AADB attributes",
        loader="CADBDataset",
    ),
    "AADB": DatasetInfo(
        name="AADB",
        layout="aadb",
        num_bins=5,
        threshold=float("nan"),
        paper="Kong, Shen, Lin, Mech and Fowlkes. Photo Aesthetics Ranking Network with Attributes and Content Adaptation. ECCV 2016.",
        pages=("https://www.cs.cmu.edu/~shuk/aesthetics.html", "https://github.com/aimerykong/deepImageAestheticsAnalysis"),
        files=(AnnotationFile("(label lists)", None, None, "shared through the authors' cloud folders: no stable direct URL"),),
        how_to_get=AADB_HOW_TO_GET,
        size="10,000 images (8,500 / 500 / 1,000), score in [0, 1], the 11 attributes",
        loader=None,
    ),
    "studio-cadb": DatasetInfo(
        name="studio-cadb",
        layout="cadb",
        num_bins=CADB_BINS,
        threshold=CADB_THRESHOLD,
        paper="The course's synthetic photo studio (aesthetics_lib.data.studio), in CADB's layout.",
        pages=(),
        files=(),
        how_to_get="Rendered offline: default_data('cadb') or `python -m aesthetics_lib synth`.",
        size="as many images as asked for; 5 raters, scores 1..5, attributes, scenes, elements",
        studio=True,
        loader="CADBDataset",
    ),
    "studio-ava": DatasetInfo(
        name="studio-ava",
        layout="ava",
        num_bins=AVA_BINS,
        threshold=AVA_THRESHOLD,
        paper="The course's synthetic photo studio (aesthetics_lib.data.studio), in AVA's layout.",
        pages=(),
        files=(),
        how_to_get="Rendered offline: default_data('ava') or `python -m aesthetics_lib synth`.",
        size="as many images as asked for; ~80-500 raters, scores 1..10",
        studio=True,
        loader="AVADataset",
    ),
}


def get_info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` called ``name`` (case-insensitive; ``studio`` means ``studio-cadb``)."""
    wanted = "studio-cadb" if name.lower() == "studio" else name.lower()
    key = {k.lower(): k for k in DATASETS}.get(wanted)
    if key is None:
        raise KeyError(f"unknown dataset {name!r}: expected one of {sorted(DATASETS)}")
    return DATASETS[key]


# ---------------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class DataSpec:
    """A parsed data spec: ``layout`` (``cadb``/``ava``/``aadb``), ``root`` (the dataset folder, ``None``
    for a studio not yet built) and ``studio`` (rendered by the course)."""

    layout: str
    root: Path | None = None
    studio: bool = False

    @property
    def name(self) -> str:
        """The :data:`DATASETS` key this spec refers to."""
        return f"studio-{self.layout}" if self.studio else self.layout.upper()

    def __str__(self) -> str:
        head = f"studio-{self.layout}" if self.studio else self.layout
        return f"{head}:{self.root}" if self.root is not None else head


_SPEC_FORMS = "'cadb:/path/to/CADB_Dataset', 'ava:/path/to/AVA', 'studio', 'studio-cadb', 'studio-ava' or 'studio-ava:/dir'"


def _detect_layout(root: Path) -> str | None:
    if (root / "composition_scores.json").is_file():
        return "cadb"
    if (root / "AVA.txt").is_file():
        return "ava"
    return None


def parse_data_spec(spec: str | os.PathLike | DataSpec) -> DataSpec:
    """Parse ``"cadb:/path"``, ``"ava:/path"``, ``"aadb:/path"``, ``"studio"`` (= ``studio-cadb``),
    ``"studio-ava"``, ``"studio-cadb:/dir"`` or a bare dataset folder (layout recognised from its files)."""
    if isinstance(spec, DataSpec):
        return spec
    text = os.fspath(spec).strip()
    if not text:
        raise ValueError(f"empty data spec: expected {_SPEC_FORMS}")
    head, sep, rest = text.partition(":")
    key = head.lower()
    if sep and len(head) == 1 and head.isalpha():  # a Windows drive letter: a bare path
        key, sep = "", ""
    if key in ("studio", "studio-cadb", "studio-ava"):
        layout = "ava" if key == "studio-ava" else "cadb"
        return DataSpec(layout, Path(rest).expanduser() if rest else None, studio=True)
    if sep and key in LAYOUTS:
        if not rest:
            raise ValueError(f"data spec {text!r}: expected a folder after '{key}:', e.g. {_SPEC_FORMS}")
        return DataSpec(key, Path(rest).expanduser(), studio=False)
    path = Path(text).expanduser()
    if path.is_dir():
        layout = _detect_layout(path)
        if layout is not None:
            return DataSpec(layout, path, studio=False)
        raise ValueError(
            f"data spec {text!r}: the folder holds neither composition_scores.json (CADB) nor AVA.txt (AVA); "
            f"name the layout explicitly, e.g. {_SPEC_FORMS}"
        )
    raise ValueError(f"data spec {text!r}: expected {_SPEC_FORMS}")


def _studio_root(layout: str, root: Path | None, n: int | None, seed: int | None, long_side: int | None) -> Path:
    """Build (or reuse) the studio dataset of ``layout`` and return its folder."""
    studio = importlib.import_module("aesthetics_lib.data.studio")  # imported only when a studio is asked for

    if root is not None and _detect_layout(root) == layout:
        return root
    kwargs = {k: v for k, v in {"n": n, "seed": seed, "long_side": long_side}.items() if v is not None}
    if root is not None:
        generate = studio.generate_cadb if layout == "cadb" else studio.generate_ava
        generate(root, **kwargs)
        return root
    # processes that ask at once (notebooks run in parallel) render it once: the others wait, then reuse it
    with file_lock(studio.studio_cache_dir() / f".ensure-{layout}.lock"):
        return Path(studio.ensure_studio(layout, **kwargs))


def _is_offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on") for v in ENV_OFFLINE)


def _env_specs() -> list[DataSpec]:
    value = os.environ.get(ENV_DATA, "").strip()
    if not value:
        return []
    try:
        return [parse_data_spec(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"{ENV_DATA}={value!r}: {exc}") from None


def env_data(layout: str) -> str | None:
    """The entry of ``AESTHETICS_DATA`` with ``layout`` (``"cadb"``, ``"ava"`` ...) as a data spec
    string (``"cadb:/path"``), or None when the variable is unset or has no entry of that layout.
    ``AESTHETICS_DATA=cadb:/x,ava:/y`` gives ``"cadb:/x"`` for ``"cadb"``."""
    for spec in _env_specs():
        if spec.layout == layout:
            return str(spec)
    return None


def default_data(
    layout: str | None = "cadb",
    n: int | None = None,
    seed: int | None = None,
    long_side: int | None = None,
) -> DataSpec:
    """The data a notebook should use for ``layout``: the entry of ``AESTHETICS_DATA`` with that layout
    (``layout=None``: its first entry), else the studio in that layout (built on first use with ``n``
    images, ``seed`` and ``long_side``; ``None`` keeps the studio's defaults).

    Returns a :class:`DataSpec` whose ``root`` is an existing folder. Raises ``FileNotFoundError`` when
    ``AESTHETICS_DATA`` names a folder that does not exist.
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"default_data: expected layout in {LAYOUTS} or None, found {layout!r}")
    for spec in _env_specs():
        if layout is None or spec.layout == layout:
            if spec.studio:
                return DataSpec(spec.layout, _studio_root(spec.layout, spec.root, n, seed, long_side), studio=True)
            if not spec.root.is_dir():
                info = get_info(spec.name)
                raise FileNotFoundError(
                    f"{ENV_DATA} names {spec}, but the folder {spec.root} does not exist.\n{info.how_to_get}\n"
                    "See data/README.md; unset the variable to use the offline studio."
                )
            return spec
    layout = layout or "cadb"
    if layout == "aadb":
        raise ValueError(f"default_data('aadb'): the studio has no AADB layout; set {ENV_DATA}=aadb:/path")
    return DataSpec(layout, _studio_root(layout, None, n, seed, long_side), studio=True)


def resolve(spec: str | os.PathLike | DataSpec, n: int | None = None, seed: int | None = None,
            long_side: int | None = None) -> DataSpec:
    """``spec`` parsed, with a studio built if needed so that ``root`` is a dataset folder."""
    ds = parse_data_spec(spec)
    if ds.studio and (ds.root is None or _detect_layout(ds.root) != ds.layout):
        return DataSpec(ds.layout, _studio_root(ds.layout, ds.root, n, seed, long_side), studio=True)
    return ds


def open_dataset(
    spec: str | os.PathLike | DataSpec,
    split: str = "train",
    transform: Any = None,
    *,
    n: int | None = None,
    studio_seed: int | None = None,
    long_side: int | None = None,
    **kwargs: Any,
):
    """Open the dataset named by ``spec`` (see :func:`parse_data_spec`) as a
    :class:`~aesthetics_lib.data.cadb.CADBDataset` or :class:`~aesthetics_lib.data.ava.AVADataset`.

    ``n``/``studio_seed``/``long_side`` shape a studio built on first use; other keyword arguments
    (``val_fraction``, ``seed``, ``verify_images`` ...) go to the dataset class.
    """
    ds = resolve(spec, n=n, seed=studio_seed, long_side=long_side)
    if ds.layout == "cadb":
        from aesthetics_lib.data.cadb import CADBDataset

        return CADBDataset(ds.root, split=split, transform=transform, **kwargs)
    if ds.layout == "ava":
        from aesthetics_lib.data.ava import AVADataset

        return AVADataset(ds.root, split=split, transform=transform, **kwargs)
    raise NotImplementedError(
        f"open_dataset({str(ds)!r}): the library has no AADB loader yet (layouts with loaders: cadb, ava). "
        "CADB carries AADB's 11 attributes for its images."
    )


# ---------------------------------------------------------------------------------------- downloads
def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _manual_steps(info: DatasetInfo, root: Path) -> str:
    lines = [f"Manual steps for {info.name} (put everything under {root}):", info.how_to_get]
    for f in info.files:
        where = f.url or f.note
        lines.append(f"  - {f.name}: {where}")
    lines.append("See data/README.md.")
    return "\n".join(lines)


def _fetch(url: str, dest: Path, sha256: str | None, timeout: float) -> None:
    """Download ``url`` to ``dest`` through a temporary file; verify ``sha256`` when given."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".partial", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                h.update(block)
                out.write(block)
        if sha256 is not None and h.hexdigest() != sha256:
            raise DownloadError(f"{url}: expected SHA-256 {sha256}, found {h.hexdigest()} (file discarded)")
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()  # our own partial file, never a user's


def download(name: str, root: str | os.PathLike, timeout: float = 10.0) -> dict[str, str]:
    """Fetch the annotation files of dataset ``name`` that have a stable URL into ``root`` and verify
    their SHA-256 where known. Files already there are checked, never overwritten.

    Returns ``{file: status}`` (``downloaded``, ``present (checksum ok)``, ``present (checksum differs;
    kept)``, ``present (not verified)``, ``downloaded (not verified)`` or ``manual: <how>`` for files
    without a URL, such as the images). Raises :class:`DownloadError` at once, with the manual steps,
    when offline (``AESTHETICS_OFFLINE=1`` or ``HF_HUB_OFFLINE=1``), when the dataset has no
    downloadable file, on a network error (no retries) or on a checksum mismatch.
    """
    info = get_info(name)
    root = Path(root).expanduser()
    if info.studio:
        raise ValueError(f"{info.name} is rendered offline, not downloaded: use default_data('{info.layout}')")
    steps = _manual_steps(info, root)
    if _is_offline():
        raise DownloadError(f"offline ({' or '.join(v + '=1' for v in ENV_OFFLINE)}): nothing downloaded.\n{steps}")
    if not any(f.url for f in info.files):
        raise DownloadError(f"{info.name} has no file with a stable direct URL.\n{steps}")
    status: dict[str, str] = {}
    for f in info.files:
        dest = root / f.name
        if f.url is None:
            status[f.name] = f"manual: {f.note}"
        elif dest.is_file():
            if f.sha256 is None:
                status[f.name] = "present (not verified)"
            elif sha256_file(dest) == f.sha256:
                status[f.name] = "present (checksum ok)"
            else:
                status[f.name] = "present (checksum differs; kept)"
        else:
            try:
                _fetch(f.url, dest, f.sha256, timeout)
            except DownloadError as exc:
                raise DownloadError(f"{exc}\n{steps}") from None
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                raise DownloadError(f"could not download {f.url}: {exc}\n{steps}") from None
            status[f.name] = "downloaded" if f.sha256 else "downloaded (not verified)"
    return status


def verify_annotations(name: str, root: str | os.PathLike) -> dict[str, str]:
    """Compare the annotation files under ``root`` with the registry's checksums:
    ``{file: "ok" | "differs" | "missing" | "no checksum"}`` (information, not an error: a re-packed
    copy can differ in bytes and still hold the same labels)."""
    info = get_info(name)
    root = Path(root).expanduser()
    out: dict[str, str] = {}
    for f in info.files:
        if f.name.endswith("/") or f.name.startswith("("):
            continue
        p = root / f.name
        if not p.is_file():
            out[f.name] = "missing"
        elif f.sha256 is None:
            out[f.name] = "no checksum"
        else:
            out[f.name] = "ok" if sha256_file(p) == f.sha256 else "differs"
    return out
