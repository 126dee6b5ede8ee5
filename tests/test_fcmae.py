"""FCMAE pre-training: the masking hides what it should, runs resume exactly, and the course config
names the encoder of the current pre-training config and code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml

from aesthetics_lib import course_weights as cw
from aesthetics_lib import fcmae
from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.paths import config_dir
from aesthetics_lib.zoo import course_config

COURSE_FCMAE = config_dir() / "studio_convnextv2_fcmae.yaml"


def test_the_course_config_names_the_current_encoder_and_shares_its_photos() -> None:
    cfg = course_config("convnextv2_sgfm")
    start = cfg.model_kwargs["pretrained"]
    assert fcmae.config_for(start) == COURSE_FCMAE, (
        f"configs/studio_convnextv2_sgfm.yaml must name {fcmae.encoder_relpath(COURSE_FCMAE).as_posix()}")
    pre = fcmae.FCMAEConfig.from_yaml(COURSE_FCMAE)
    assert pre.data_keys() == {k: getattr(cfg, k) for k in pre.data_keys()}  # never its val or test photos
    assert pre.backbone == cfg.model_kwargs["backbone"]


def test_a_changed_config_or_code_names_the_path_to_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = fcmae.encoder_relpath(COURSE_FCMAE).as_posix()
    monkeypatch.setattr(fcmae, "code_hash", lambda: "0" * 12)
    with pytest.raises(ValueError, match="must now name runs/fcmae/studio_convnextv2_fcmae-[0-9a-f]{12}-000000000000"):
        fcmae.config_for(start)
    assert fcmae.config_for("weights/some_encoder.pth") is None  # any other start is not FCMAE's
    with pytest.raises(FileNotFoundError, match="nowhere.yaml"):
        fcmae.config_for(f"runs/fcmae/nowhere-{'a' * 12}-{'b' * 12}/encoder.pth")


def test_bad_settings_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 10\nmask: 0.6\n")
    with pytest.raises(ValueError, match=r"bad.yaml: unknown FCMAE setting\(s\) \['mask'\]"):
        fcmae.FCMAEConfig.from_yaml(bad)
    bad.write_text("epochs: ten\n")
    with pytest.raises(ValueError, match="bad.yaml: epochs: expected int, found 'ten'"):
        fcmae.FCMAEConfig.from_yaml(bad)
    with pytest.raises(ValueError, match="multiple of patch"):
        fcmae.FCMAEConfig(size=100)
    assert fcmae.FCMAEConfig(lr=1e-3).hash() != fcmae.FCMAEConfig().hash()
    assert fcmae.FCMAEConfig(device="cpu").hash() == fcmae.FCMAEConfig().hash()  # the device is not a setting of the weights


def test_masks_hide_the_asked_share() -> None:
    visible = fcmae.random_visible(5, 4, 0.6, torch.Generator().manual_seed(0))
    assert visible.shape == (5, 1, 4, 4)
    assert (visible.flatten(1).sum(1) == 16 - round(0.6 * 16)).all()


def test_hidden_pixels_never_reach_the_encoder() -> None:
    torch.manual_seed(0)
    model = fcmae.FCMAE("convnextv2_atto", decoder_dim=16).eval()
    images = torch.randn(2, 3, 64, 64)
    visible = torch.ones(2, 1, 2, 2)
    visible[:, :, 0, 1] = 0  # the top-right 32-px cell is hidden
    changed = images.clone()
    changed[:, :, :32, 32:] = torch.randn(2, 3, 32, 32)

    def features(x: torch.Tensor) -> torch.Tensor:
        model._mask = visible
        try:
            return model.encoder.forward_features(x * torch.nn.functional.interpolate(visible, size=x.shape[-2:]))
        finally:
            model._mask = None

    with torch.no_grad():
        assert torch.equal(features(images), features(changed))
        seen = changed.clone()
        seen[:, :, 32:, :32] += 1.0  # a visible cell does change them
        assert not torch.equal(features(images), features(seen))
        loss = model(images, visible)
    assert loss.ndim == 0 and torch.isfinite(loss)


@pytest.fixture()
def tiny_config(tmp_path: Path) -> Path:
    studio = generate_cadb(tmp_path / "studio", n=40, seed=0, long_side=48)
    path = tmp_path / "tiny_fcmae.yaml"
    path.write_text(yaml.safe_dump({"data": f"cadb:{studio}", "size": 32, "decoder_dim": 16, "epochs": 2,
                                    "batch_size": 8, "warmup_epochs": 0.5, "device": "cpu"}))
    return path


@pytest.mark.slow
def test_pretraining_resumes_exactly_and_writes_its_record(tiny_config: Path, tmp_path: Path) -> None:
    full = fcmae.pretrain(tiny_config, out=tmp_path / "full", log=lambda line: None)
    assert not (tmp_path / "parts" / "encoder.pth").exists()
    part = fcmae.pretrain(tiny_config, epochs=1, out=tmp_path / "parts", log=lambda line: None)
    assert not part.exists()  # one epoch of two: no encoder yet
    part = fcmae.pretrain(tiny_config, out=tmp_path / "parts", log=lambda line: None)
    a, b = torch.load(full, weights_only=True), torch.load(part, weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    record = json.loads((tmp_path / "parts" / "pretrain.json").read_text())
    assert record == fcmae.read_record(part)
    assert record["epochs"] == 2 and len(record["history"]) == 2 and record["images_seen"] == 2 * 32  # 4 full batches of 8 of its 33 training photos
    assert [c["from_epoch"] for c in record["training_chunks"]] == [0, 1]
    assert record["config_hash"] == fcmae.FCMAEConfig.from_yaml(tiny_config).hash()
    # what a course config's `pretrained` gets: the encoder loads into timm's ConvNeXt V2 under its own names
    from aesthetics_lib.pretrained import create_backbone

    net = create_backbone("convnextv2_atto", pretrained=str(part), num_classes=0)
    assert all(torch.equal(net.state_dict()[k], v) for k, v in b.items())


def test_training_a_config_that_names_a_missing_encoder_pre_trains_first(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = course_config("convnextv2_sgfm")
    assert cw.ensure_pretraining(cfg.replace(model_kwargs={"backbone": "convnextv2_atto", "pretrained": False})) is True
    calls = []
    monkeypatch.setattr(cw, "fcmae_encoder", lambda config: Path("/nonexistent/encoder.pth"))
    monkeypatch.setattr(fcmae, "pretrain", lambda path, epochs=None, workers=0: calls.append((Path(path), epochs)))
    assert cw.ensure_pretraining(cfg, epochs=3) is False  # still missing after this call's 3 epochs
    assert calls == [(COURSE_FCMAE, 3)]


def test_course_model_pre_trains_before_it_trains_the_convnext(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from aesthetics_lib import zoo

    class Stop(Exception):
        pass

    seen = []

    def fake(config, epochs=None):
        seen.append(config.model_kwargs["pretrained"])
        raise Stop

    monkeypatch.setattr(zoo, "ensure_pretraining", fake)
    with pytest.raises(Stop):
        zoo.course_model("convnextv2_sgfm", train=True, root=tmp_path)
    assert seen == [course_config("convnextv2_sgfm").model_kwargs["pretrained"]]
