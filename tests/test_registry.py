"""aesthetics_lib.data.registry: data specs, AESTHETICS_DATA, the studio fallback, and downloads that
verify checksums, never overwrite, and fail at once offline."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from aesthetics_lib.data import registry
from aesthetics_lib.data.registry import (
    DATASETS,
    DataSpec,
    DownloadError,
    default_data,
    download,
    open_dataset,
    parse_data_spec,
    verify_annotations,
)
from aesthetics_lib.data.schema import ATTRIBUTES


def write_tiny_cadb(root: Path, n: int = 6) -> Path:
    """Annotation files only (no images): enough for the readers."""
    root.mkdir(parents=True, exist_ok=True)
    names = [f"{i}.jpg" for i in range(n)]
    scores = {k: {"scores": [1.0, 2.0, 3.0, 3.0, 4.0]} for k in names}
    attrs = {k: {a: 0.2 for a in ATTRIBUTES} for k in names}
    (root / "composition_scores.json").write_text(json.dumps(scores))
    (root / "composition_attributes.json").write_text(json.dumps(attrs))
    (root / "scene_categories.json").write_text(json.dumps({k: "human" for k in names}))
    (root / "split.json").write_text(json.dumps({"train": names[:4], "test": names[4:]}))
    return root


def test_parse_data_spec_forms(tmp_path: Path) -> None:
    assert parse_data_spec(f"cadb:{tmp_path}") == DataSpec("cadb", tmp_path, studio=False)
    assert parse_data_spec(f"AVA:{tmp_path}").layout == "ava"
    assert parse_data_spec("studio") == DataSpec("cadb", None, studio=True)
    assert parse_data_spec("studio-ava") == DataSpec("ava", None, studio=True)
    assert parse_data_spec(f"studio-cadb:{tmp_path}").root == tmp_path
    write_tiny_cadb(tmp_path / "c")
    assert parse_data_spec(tmp_path / "c").layout == "cadb"  # a bare folder: layout from its files
    assert str(parse_data_spec(f"cadb:{tmp_path}")) == f"cadb:{tmp_path}"
    for bad in ["", "cadb:", "flickr:/x", str(tmp_path)]:
        with pytest.raises(ValueError, match="expected|neither"):
            parse_data_spec(bad)


def test_registry_entries_say_where_to_get_each_dataset() -> None:
    assert set(DATASETS) == {"AVA", "CADB", "AADB", "studio-cadb", "studio-ava"}
    for info in DATASETS.values():
        assert info.layout in ("ava", "cadb", "aadb") and info.num_bins in (5, 10) and info.paper
        assert info.studio or (info.pages and all(p.startswith("https://") for p in info.pages))
        for f in info.files:
            assert f.sha256 is None or (len(f.sha256) == 64 and int(f.sha256, 16) >= 0)
            assert f.sha256 is not None or f.note, f"{info.name}/{f.name}: a missing checksum needs its reason"
            assert f.url is None or f.url.startswith("https://")
    assert "bcmi/Image-Composition-Assessment-Dataset-CADB" in DATASETS["CADB"].pages[0]


def test_aesthetics_data_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cadb = write_tiny_cadb(tmp_path / "CADB_Dataset")
    monkeypatch.setenv("AESTHETICS_DATA", f"ava:{tmp_path / 'AVA'},cadb:{cadb}")
    assert default_data("cadb") == DataSpec("cadb", cadb, studio=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        default_data("ava")  # named, but the folder is not there: say so, do not fall back silently
    ds = open_dataset(default_data("cadb"), split="test", verify_images=False)
    assert len(ds.annotations) + len(ds.skipped) == 2 and ds.num_bins == 5


def test_studio_is_the_offline_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def ensure_studio(layout, **kw):
        calls.append((layout, kw))
        return write_tiny_cadb(tmp_path / f"studio-{layout}")

    monkeypatch.delenv("AESTHETICS_DATA", raising=False)
    monkeypatch.setitem(sys.modules, "aesthetics_lib.data.studio",
                        types.SimpleNamespace(ensure_studio=ensure_studio, studio_cache_dir=lambda: tmp_path / "cache"))
    spec = default_data("cadb", n=6, seed=3)
    assert spec.studio and spec.root == tmp_path / "studio-cadb"
    assert calls == [("cadb", {"n": 6, "seed": 3})]
    ds = open_dataset("studio", split="all", verify_images=False)
    assert len(ds.skipped) == 6 and calls[-1][0] == "cadb"


def test_parallel_requests_build_the_studio_once_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    active, overlap = [0], [0]

    def ensure_studio(layout, **kw):
        active[0] += 1
        overlap[0] = max(overlap[0], active[0])
        time.sleep(0.3)
        active[0] -= 1
        return write_tiny_cadb(tmp_path / f"studio-{layout}")

    monkeypatch.delenv("AESTHETICS_DATA", raising=False)
    monkeypatch.setitem(sys.modules, "aesthetics_lib.data.studio",
                        types.SimpleNamespace(ensure_studio=ensure_studio, studio_cache_dir=lambda: tmp_path / "cache"))
    threads = [threading.Thread(target=default_data, args=("cadb",)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap[0] == 1  # one request at a time: the others waited for the first one's dataset


def test_download_fails_at_once_offline_with_manual_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AESTHETICS_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        download("CADB", tmp_path)
    assert time.perf_counter() - start < 1.0
    msg = str(info.value)
    assert "offline" in msg and "CADB_Dataset.zip" in msg and "split.json" in msg
    assert not any(tmp_path.iterdir())


def test_download_never_overwrites_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AESTHETICS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(DownloadError, match="no file with a stable direct URL"):
        download("AADB", tmp_path)
    for f in DATASETS["CADB"].files:  # every downloadable file is already there (a user's own copy)
        if f.url:
            (tmp_path / f.name).write_text("mine")
    status = download("CADB", tmp_path)
    assert status["composition_scores.json"] == "present (checksum differs; kept)"
    assert (tmp_path / "composition_scores.json").read_text() == "mine"
    assert status["split.json"].startswith("manual:")
    assert verify_annotations("CADB", tmp_path)["composition_scores.json"] == "differs"


def test_fetch_verifies_the_checksum(tmp_path: Path) -> None:
    src = tmp_path / "src.json"
    src.write_text('{"a": 1}')
    good = hashlib.sha256(src.read_bytes()).hexdigest()
    registry._fetch(src.as_uri(), tmp_path / "out" / "a.json", good, timeout=2)
    assert (tmp_path / "out" / "a.json").read_text() == '{"a": 1}'
    with pytest.raises(DownloadError, match="expected SHA-256"):
        registry._fetch(src.as_uri(), tmp_path / "out" / "b.json", "0" * 64, timeout=2)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.json"]  # nothing half-written left


def test_open_dataset_refuses_aadb_plainly(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="no AADB loader"):
        open_dataset(f"aadb:{tmp_path}")


def test_package_exports_resolve_lazily() -> None:
    import importlib

    import aesthetics_lib.data as data

    for name, module in data._EXPORTS.items():
        assert getattr(data, name) is getattr(importlib.import_module(f"aesthetics_lib.data.{module}"), name), name
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        data.no_such_name
