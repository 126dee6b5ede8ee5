"""AVA, the Aesthetic Visual Analysis database (Murray, Marchesotti and Perronnin, CVPR 2012), in its
real layout.

::

    AVA/
        AVA.txt          one image per line, 15 space-separated integers:
                         index image_id c1 c2 ... c10 tag1 tag2 challenge_id
                         (c_k = votes for score k; tags 1..66, 0 = none)
        tags.txt         "id name" per line (names may contain spaces)
        challenges.txt   "id Name" per line
        aesthetics_image_lists/generic_test.jpgl   the official test ids, one per line
        images/<image_id>.jpg

The ten vote columns are ``columns[2:12]``. Slicing them as ``[2:11]`` is a classic bug: it silently
drops every vote for 10 and shifts all means down. :func:`read_ava_annotations` validates every line
and returns one row per image; :class:`AVADataset` serves them as samples.
Introduced in notebooks/02_ava_exploration.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from aesthetics_lib.data.base import IAADataset, Transform, header_sizes, missing_file_error, split_ids
from aesthetics_lib.data.schema import AVA_BINS, AVA_THRESHOLD, dist_mean, dist_std

AVA_FILE = "AVA.txt"
TAGS_FILE = "tags.txt"
CHALLENGES_FILE = "challenges.txt"
TEST_LIST = "aesthetics_image_lists/generic_test.jpgl"
N_COLUMNS = 15
VOTE_COLUMNS = slice(2, 2 + AVA_BINS)  #: columns 3..12 (1-based): votes for 1..10. Not [2:11]!

AVA_HOW_TO_GET = (
    "How to get AVA: the annotation files (AVA.txt, tags.txt, challenges.txt and "
    "aesthetics_image_lists/) and pointers to the ~32 GB of images (Kaggle, Hugging Face, MEGA, Academic "
    "Torrents) are collected at https://github.com/imfing/ava_downloader. Put the annotation files in one "
    "folder with the images as images/<image_id>.jpg and point the course at it, e.g. "
    "AESTHETICS_DATA=ava:/path/to/AVA."
)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        text = path.read_bytes()[: exc.start]
        line = text.count(b"\n") + 1
        raise ValueError(f"{path}, line {line}: expected ASCII text, found undecodable bytes") from None


def _parse_ava_txt(path: Path) -> tuple[np.ndarray, list[str], list[int]]:
    """Integers ``[N, 15]``, the image-id tokens and the 1-based line numbers of ``AVA.txt``."""
    lines = _read_lines(path)
    tokens: list[list[str]] = []
    linenos: list[int] = []
    for n, line in enumerate(lines, start=1):
        t = line.split()
        if not t:
            continue  # blank lines are harmless
        if len(t) != N_COLUMNS:
            raise ValueError(
                f"{path}, line {n}: expected {N_COLUMNS} space-separated integers "
                f"(index image_id c1..c10 tag1 tag2 challenge_id), found {len(t)} columns: {line.strip()[:80]!r}"
            )
        tokens.append(t)
        linenos.append(n)
    if not tokens:
        raise ValueError(f"{path}: expected one line per image, found no data lines")
    arr = np.array(tokens)
    try:
        values = arr.astype(np.int64)
    except ValueError:
        for row, t in enumerate(tokens):
            for col, tok in enumerate(t):
                try:
                    int(tok)
                except ValueError:
                    raise ValueError(
                        f"{path}, line {linenos[row]}, column {col + 1}: expected an integer, found {tok!r}"
                    ) from None
        raise
    votes = values[:, VOTE_COLUMNS]
    bad = np.flatnonzero((votes < 0).any(1))
    if bad.size:
        raise ValueError(f"{path}, line {linenos[bad[0]]}: expected vote counts >= 0, found {votes[bad[0]].tolist()}")
    bad = np.flatnonzero(votes.sum(1) == 0)
    if bad.size:
        raise ValueError(f"{path}, line {linenos[bad[0]]}: expected at least one vote in columns 3-12, found all zeros")
    bad = np.flatnonzero((values[:, 12:15] < 0).any(1))
    if bad.size:
        raise ValueError(f"{path}, line {linenos[bad[0]]}: expected tag and challenge ids >= 0, found {values[bad[0], 12:15].tolist()}")
    ids = [t[1] for t in tokens]
    seen: dict[str, int] = {}
    for i, n in zip(ids, linenos):
        if i in seen:
            raise ValueError(f"{path}, line {n}: image id {i} already appeared on line {seen[i]}")
        seen[i] = n
    return values, ids, linenos


def _fast_parse_ava_txt(path: Path) -> tuple[np.ndarray, list[str]] | None:
    """The C parser of pandas for a well-formed AVA.txt; ``None`` when anything looks off, so that
    :func:`_parse_ava_txt` re-reads the file line by line and names the bad line."""
    try:
        table = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, engine="c", na_filter=False)
    except Exception:
        return None
    if table.shape[1] != N_COLUMNS or len(table) == 0:
        return None
    try:
        values = table.to_numpy().astype(np.int64)
    except ValueError:
        return None
    votes = values[:, VOTE_COLUMNS]
    if (votes < 0).any() or (votes.sum(1) == 0).any() or (values[:, 12:15] < 0).any():
        return None
    ids = table[1].tolist()
    if len(set(ids)) != len(ids):
        return None
    return values, ids


def _read_names(path: Path) -> dict[int, str]:
    """``{id: name}`` from a tags.txt / challenges.txt style file (empty if the file is absent)."""
    if not path.is_file():
        return {}
    names: dict[int, str] = {}
    for n, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(maxsplit=1)
        try:
            key = int(parts[0])
        except ValueError:
            raise ValueError(f"{path}, line {n}: expected 'id name' with an integer id, found {line.strip()[:80]!r}") from None
        names[key] = parts[1].strip() if len(parts) > 1 else ""
    return names


def _read_id_list(path: Path) -> list[str]:
    ids = []
    for n, line in enumerate(_read_lines(path), start=1):
        s = line.strip()
        if not s:
            continue
        s = s[:-4] if s.lower().endswith(".jpg") else s
        if not s.isdigit():
            raise ValueError(f"{path}, line {n}: expected an integer image id, found {line.strip()[:80]!r}")
        ids.append(s)
    return ids


def read_ava_annotations(
    root: str | os.PathLike,
    images_dir: str = "images",
    test_list: str | None = TEST_LIST,
    test_fraction: float = 0.1,
    test_seed: int = 0,
    read_sizes: bool = False,
) -> pd.DataFrame:
    """Read and validate AVA's annotation files under ``root``; one row per line of ``AVA.txt``.

    Columns: ``image_id`` (str, as in AVA.txt), ``path`` (absolute, ``images/<id>.jpg``), ``index``,
    ``counts`` (the 10 vote counts for scores 1..10), ``dist``, ``mean``, ``std``, ``n_votes``, ``split``,
    ``tag1``, ``tag2``, ``challenge`` (integer ids; 0 = no tag), ``tag1_name``, ``tag2_name``,
    ``challenge_name`` (from tags.txt / challenges.txt, missing when unknown) and, with ``read_sizes``,
    ``width`` and ``height`` from the image headers (-1 for missing files).

    ``split`` is ``test`` for the ids of the official list ``test_list`` (relative to ``root``) and
    ``train`` otherwise; when that file is absent (or ``test_list=None``) a deterministic random
    ``test_fraction`` of the ids (seed ``test_seed``) is the test split. ``frame.attrs["test_split"]``
    says which was used: results on the two are not comparable.

    Raises ``FileNotFoundError`` naming the missing file and how to get AVA, and ``ValueError`` naming
    the file, the 1-based line number and what was expected for a malformed line.
    """
    root = Path(root).expanduser().resolve()
    ava_path = root / AVA_FILE
    if not ava_path.is_file():
        raise missing_file_error(root, AVA_FILE, "AVA", AVA_HOW_TO_GET)
    fast = _fast_parse_ava_txt(ava_path)
    values, ids = fast if fast is not None else _parse_ava_txt(ava_path)[:2]
    counts = values[:, VOTE_COLUMNS]
    n_votes = counts.sum(1)
    dist = counts / n_votes[:, None]
    mean = dist_mean(dist)
    std = dist_std(dist)

    list_path = root / test_list if test_list is not None else None
    if list_path is not None and list_path.is_file():
        listed = _read_id_list(list_path)
        test_ids = set(listed)
        found = sum(i in test_ids for i in ids)
        source = f"official list {test_list} ({len(test_ids)} ids, {found} in {AVA_FILE})"
    else:
        _, carved = split_ids(ids, test_fraction, test_seed)
        test_ids = set(carved)
        source = f"random {test_fraction:.0%} of the ids (seed {test_seed}; {test_list or 'no list'} not found)"
    split = np.where([i in test_ids for i in ids], "test", "train")

    tags = _read_names(root / TAGS_FILE)
    challenges = _read_names(root / CHALLENGES_FILE)
    prefix = str(root / images_dir)
    frame = pd.DataFrame(
        {
            "image_id": ids,
            "path": [os.path.join(prefix, f"{i}.jpg") for i in ids],
            "index": values[:, 0],
            "counts": counts.tolist(),
            "dist": dist.tolist(),
            "mean": mean,
            "std": std,
            "n_votes": n_votes,
            "split": split,
            "tag1": values[:, 12],
            "tag2": values[:, 13],
            "challenge": values[:, 14],
            "tag1_name": [tags.get(int(t)) if t else None for t in values[:, 12]],
            "tag2_name": [tags.get(int(t)) if t else None for t in values[:, 13]],
            "challenge_name": [challenges.get(int(c)) for c in values[:, 14]],
        }
    )
    if read_sizes:
        frame["width"], frame["height"] = header_sizes(frame["path"])
    frame.attrs.update({"dataset": "AVA", "root": str(root), "num_bins": AVA_BINS, "test_split": source})
    return frame


class AVADataset(IAADataset):
    """AVA as samples: 10 score bins (1..10), threshold 5.0; AVA has no attribute labels, so
    ``attributes`` is all zeros and ``attr_mask`` all False; ``weight`` is 1.

    ``AVADataset(root, split="train", transform=None, val_fraction=0.1, seed=0, verify_images=True)``;
    ``test_fraction``/``test_seed`` define the test split only when the official list is absent.
    Introduced in notebooks/02_ava_exploration.
    """

    name = "AVA"
    num_bins = AVA_BINS
    threshold = AVA_THRESHOLD

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        transform: Transform | None = None,
        val_fraction: float = 0.1,
        seed: int = 0,
        verify_images: bool | str = True,
        images_dir: str = "images",
        test_fraction: float = 0.1,
        test_seed: int = 0,
        workers: int | None = None,
    ) -> None:
        frame = read_ava_annotations(root, images_dir=images_dir, test_fraction=test_fraction, test_seed=test_seed)
        super().__init__(
            frame,
            root=Path(root).expanduser().resolve(),
            split=split,
            transform=transform,
            val_fraction=val_fraction,
            seed=seed,
            verify_images=verify_images,
            workers=workers,
        )
