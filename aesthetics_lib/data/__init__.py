"""Datasets for image aesthetics assessment: real AVA and CADB in their own layouts, the synthetic
studio that writes the same layouts offline, sample photos, transforms and the dataset registry.

Everything is imported lazily: ``from aesthetics_lib.data import CADBDataset`` loads only what that
name needs, and ``import aesthetics_lib.data`` stays fast. See docs/ARCHITECTURE.md for the sample
format and :mod:`aesthetics_lib.data.schema` for its keys.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> the submodule that defines it
_EXPORTS: dict[str, str] = {
    # schema
    "ATTRIBUTES": "schema",
    "SAMPNET_ATTRIBUTES": "schema",
    "SCENES": "schema",
    "ELEMENT_CLASSES": "schema",
    "CADB_BINS": "schema",
    "AVA_BINS": "schema",
    "CADB_THRESHOLD": "schema",
    "AVA_THRESHOLD": "schema",
    "SAMPLE_KEYS": "schema",
    "dist_mean": "schema",
    "dist_std": "schema",
    "votes_to_dist": "schema",
    # io
    "load_image": "io",
    "image_size": "io",
    "ImageLoadError": "io",
    "ImageNotFoundError": "io",
    # datasets
    "IAADataset": "base",
    "split_ids": "base",
    "SPLITS": "base",
    "read_cadb_annotations": "cadb",
    "CADBDataset": "cadb",
    "read_ava_annotations": "ava",
    "AVADataset": "ava",
    "read_cadb_labels": "cadb_labels",
    "read_cadb_elements": "cadb_labels",
    "verify_cadb_labels": "cadb_labels",
    "cadb_labels_dir": "cadb_labels",
    "CachedImages": "cache",
    "FeatureSet": "feature_set",
    # transforms
    "build_transform": "transforms",
    "IMAGENET_MEAN": "transforms",
    "IMAGENET_STD": "transforms",
    "denormalize": "transforms",
    "AspectBucketSampler": "transforms",
    "VIEWS": "transforms",
    # registry
    "DATASETS": "registry",
    "DatasetInfo": "registry",
    "DataSpec": "registry",
    "parse_data_spec": "registry",
    "open_dataset": "registry",
    "default_data": "registry",
    "download": "registry",
    # the studio and sample photos (written alongside; imported only when asked for)
    "StudioConfig": "studio",
    "sample_factors": "studio",
    "render": "studio",
    "generate_cadb": "studio",
    "generate_ava": "studio",
    "ensure_studio": "studio",
    "read_factors": "studio",
    "subject_mask": "studio",
    "list_photos": "photos",
    "load_photo": "photos",
    "degrade": "photos",
    "burst": "photos",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aesthetics_lib.data' has no attribute {name!r}")
    try:
        mod = importlib.import_module(f"aesthetics_lib.data.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"aesthetics_lib.data.{module}":
            raise AttributeError(
                f"aesthetics_lib.data.{name} lives in aesthetics_lib/data/{module}.py, which is not installed yet"
            ) from exc
        raise
    value = getattr(mod, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
