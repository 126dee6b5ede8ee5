"""The course-model cache: trained once, loaded afterwards, scoring any photo shape."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from aesthetics_lib import course_weights as cw
from aesthetics_lib.course_weights import CourseWeights, pack_predictions
from aesthetics_lib.train import build_datasets
from aesthetics_lib.zoo import VARIANTS, ZOO_MODELS, config_dir, course_config, course_model, run_key

TINY = {"epochs": 1, "studio_n": 80, "max_steps_per_epoch": 2, "batch_size": 8, "size": 32}


def test_every_course_model_has_a_config() -> None:
    for name in ZOO_MODELS:
        base = VARIANTS[name][0] if name in VARIANTS else name
        assert (config_dir() / f"studio_{base}.yaml").exists(), name


def test_a_variant_is_its_course_model_with_overrides() -> None:
    for name, (base, changes) in VARIANTS.items():
        assert course_config(name) == course_config(base, overrides=changes), name
        assert run_key(course_config(name)) != run_key(course_config(base)), name
    with pytest.raises(FileNotFoundError, match="no config for course model"):
        course_config("no_such_model")


def test_run_key_tracks_the_config() -> None:
    a = course_config("spp", overrides=TINY)
    assert run_key(a) == run_key(course_config("spp", overrides=TINY))
    assert run_key(a) != run_key(course_config("spp", overrides={**TINY, "seed": 1}))


@pytest.mark.slow
def test_train_once_then_load(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AESTHETICS_CACHE", str(tmp_path / "cache"))
    first = course_model("spp", overrides=TINY, root=tmp_path / "models")
    mtime = (first.run_dir / "best.pt").stat().st_mtime_ns
    again = course_model("spp", overrides=TINY, root=tmp_path / "models")
    assert (again.run_dir / "best.pt").stat().st_mtime_ns == mtime  # loaded, not retrained
    assert again.history == first.history
    wide = Image.new("RGB", (120, 40), (200, 120, 40))
    tall = Image.new("RGB", (40, 120), (20, 120, 240))
    scores = again.score([wide, tall, wide])  # different input shapes in one call
    assert scores["mean"].shape == (3,) and scores["dist"].shape == (3, 5)
    assert np.allclose(scores["dist"].sum(1), 1, atol=1e-5)
    assert scores["mean"][0] == pytest.approx(scores["mean"][2], abs=1e-6)
    assert np.all((scores["mean"] >= 1) & (scores["mean"] <= 5))

    # its test predictions: computed without a record, read back from a record's copy otherwise
    computed = again.test_predictions()
    assert len(computed) == len(computed.target_mean) > 0 and computed.dist.shape[1] == 5
    again.weights = CourseWeights("spp", again.run_dir / "best.pt", {"test_predictions": pack_predictions(computed)})
    again.predictor.model = None  # the copy is read without running the model
    copied = again.test_predictions()
    assert copied.keys() == computed.keys()
    assert all(np.array_equal(copied[k], computed[k]) and copied[k].dtype == computed[k].dtype for k in computed.keys())

    # its predicted means on a whole dataset: computed through its view, read from a record's copy
    # for the same photos and view, computed again when the copy is of other photos
    again.predictor.model = first.model
    test = build_datasets(again.config, splits=("test",))[2]
    means = again.predicted_means(test)
    assert means.dtype == np.float32 and np.array_equal(means, computed.mean)  # the same loop as test_predictions
    assert again.recorded_means(test) is None
    copies = {cw.dataset_key(test): cw.pack_means(test.image_ids, means + 1)}  # marked, to see which was read
    again.weights = CourseWeights("spp", again.run_dir / "best.pt", {cw.DATASET_MEANS: copies})
    assert np.array_equal(again.predicted_means(test), means + 1) and np.array_equal(again.recorded_means(test), means + 1)
    assert np.array_equal(again.predicted_means(test, recorded=False), means)
    assert again.recorded_means(test, patches=8) is None  # another view has no copy
    copies[cw.dataset_key(test)] = cw.pack_means(test.image_ids[::-1], means + 1)
    assert again.recorded_means(test) is None and np.array_equal(again.predicted_means(test), means)
    with pytest.raises(TypeError, match="found Subset without root, image_ids, transform"):
        again.predicted_means(torch.utils.data.Subset(test, [0, 1]))


def test_course_configs_take_only_the_cadb_entry_of_the_data_variable(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    cadb, ava = tmp_path / "CADB_Dataset", tmp_path / "AVA"
    monkeypatch.setenv("AESTHETICS_DATA", f"cadb:{cadb},ava:{ava}")
    assert course_config("dcnn").data == f"cadb:{cadb}"
    monkeypatch.setenv("AESTHETICS_DATA", f"ava:{ava}")  # no CADB entry: the CADB-layout configs stay on the studio
    assert course_config("dcnn").data == "studio"
