"""The trainer: exact resume, safe checkpoints, selection on validation, config errors, and learning."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.metrics import evaluate_predictions, naive_baseline
from aesthetics_lib.train import (
    CHECKPOINT_FORMAT,
    CheckpointError,
    ConfigError,
    RunFolderError,
    TrainConfig,
    Trainer,
    build_datasets,
    is_backbone,
    load_checkpoint,
    load_config,
    param_groups,
    predict,
    read_checkpoint,
)
from aesthetics_lib.training.checkpoint import write_atomic


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny studio in the CADB layout: 40 images of 48 px (36 train -> 32 train + 4 val, 4 test)."""
    root = tmp_path_factory.mktemp("studio") / "cadb"
    generate_cadb(root, n=40, seed=0, long_side=48)
    return root


def tiny_config(studio: Path, out: Path | None, **changes) -> TrainConfig:
    """A small two-column DCNN (shallow CNN, BatchNorm, dropout) at 32 px: fast, and it uses every
    source of randomness (shuffling, augmentation, dropout, the local crop)."""
    base = dict(
        data=f"cadb:{studio}",
        model="dcnn",
        model_kwargs={"backbone": "shallow", "columns": 2, "dropout": 0.3},
        size=32,
        local_size=24,
        epochs=3,
        batch_size=8,
        lr_backbone=1e-3,
        lr_head=3e-3,
        schedule="cosine",
        warmup_epochs=0.5,
        grad_clip=1.0,
        ema=0.9,
        loss_rank=0.2,
        device="cpu",
        seed=3,
        deterministic=True,
        out=str(out) if out is not None else None,
        progress=False,
        verbose=False,
    )
    base.update(changes)
    return TrainConfig(**base)


def _weights(path: Path) -> dict[str, torch.Tensor]:
    state = read_checkpoint(path)
    return {**{f"model.{k}": v for k, v in state["model"].items()}, **{f"ema.{k}": v for k, v in state["ema"].items()}}


def test_resume_equals_uninterrupted(studio: Path, tmp_path: Path) -> None:
    full = Trainer(tiny_config(studio, tmp_path / "full"))
    full.fit()
    # the same run, stopped after each epoch and resumed by a fresh Trainer
    Trainer(tiny_config(studio, tmp_path / "parts")).fit(epochs=1)
    for _ in range(2):
        Trainer(tiny_config(studio, tmp_path / "parts"), resume=True).fit(epochs=1)
    a, b = _weights(tmp_path / "full" / "last.pt"), _weights(tmp_path / "parts" / "last.pt")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    ha = read_checkpoint(tmp_path / "full" / "last.pt")["history"]
    hb = read_checkpoint(tmp_path / "parts" / "last.pt")["history"]
    assert [r["train_loss"] for r in ha] == [r["train_loss"] for r in hb]
    assert [r["val_emd2"] for r in ha] == [r["val_emd2"] for r in hb]
    # a different seed gives different weights: the comparison above is able to fail
    c = _weights_of(Trainer(tiny_config(studio, None, seed=4, epochs=1)))
    d = _weights_of(Trainer(tiny_config(studio, None, seed=3, epochs=1)))
    assert any(not torch.equal(c[k], d[k]) for k in c)


def _weights_of(trainer: Trainer) -> dict[str, torch.Tensor]:
    trainer.fit()
    return {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}


def test_checkpoint_is_weights_only_and_complete(studio: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    Trainer(tiny_config(studio, out, epochs=1)).fit()
    state = torch.load(out / "last.pt", map_location="cpu", weights_only=True)
    assert state["format"] == CHECKPOINT_FORMAT
    for key in ("model", "ema", "optimizer", "scheduler", "scaler", "rng", "epoch", "config", "history", "meta"):
        assert key in state, key
    assert state["epoch"] == 1 and isinstance(state["config"], dict) and state["config"]["model"] == "dcnn"
    assert set(state["rng"]) >= {"python", "numpy", "torch", "cuda"}
    assert {"history.csv", "history.json", "best.pt", "config.yaml"} <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if ".tmp" in p.name]  # no temporary file left behind


def test_checkpoint_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "last.pt"
    write_atomic({"format": CHECKPOINT_FORMAT, "value": torch.tensor([1.0])}, path)
    before = path.read_bytes()

    def crash(obj, f, *a, **k):  # a save that dies half-way through writing
        f.write(b"partial garbage")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        write_atomic({"format": CHECKPOINT_FORMAT, "value": torch.tensor([2.0])}, path)
    assert path.read_bytes() == before  # the old checkpoint is intact
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]


class Payload:
    """An arbitrary class: pickling it into a checkpoint makes the file unsafe to load."""

    def __reduce__(self):
        return (print, ("this would run on load",))


def test_checkpoint_with_pickled_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"format": CHECKPOINT_FORMAT, "config": {}, "model": {}, "extra": Payload()}, path)
    with pytest.raises(CheckpointError, match="pickled"):
        read_checkpoint(path)
    with pytest.raises(CheckpointError, match=str(path.name)):
        load_checkpoint(path)
    # a plain tensors-and-builtins file that is not a checkpoint of this library is refused too
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(CheckpointError, match="expected an aesthetics_lib checkpoint"):
        read_checkpoint(other)


def test_best_checkpoint_is_chosen_on_validation(studio: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import aesthetics_lib.data.registry as registry

    opened: list[str] = []
    real_open = registry.open_dataset

    def spy(spec, split="train", *a, **k):
        opened.append(split)
        return real_open(spec, split, *a, **k)

    monkeypatch.setattr(registry, "open_dataset", spy)
    out = tmp_path / "run"
    trainer = Trainer(tiny_config(studio, out, epochs=4, lr_head=2e-2, lr_backbone=2e-2, ema=0.0))
    history = trainer.fit()
    assert "test" not in opened and {"train", "val"} <= set(opened)  # fit never opens the test split
    scores = [r["val_srcc"] if math.isfinite(r["val_srcc"]) else -math.inf for r in history]
    best_epoch = int(np.argmax(scores)) + 1  # first epoch with the highest validation SRCC
    best = read_checkpoint(out / "best.pt")
    assert best["epoch"] == best_epoch == trainer.best["epoch"]
    assert read_checkpoint(out / "last.pt")["epoch"] == 4
    # the weights in best.pt reproduce that epoch's validation result
    model, config, _ = load_checkpoint(out / "best.pt")
    _, val, _ = build_datasets(config, splits=("val",))
    pred = predict(model, val)
    again = evaluate_predictions(pred["dist"], pred["target_dist"], val.threshold)
    assert again["emd2"] == pytest.approx(history[best_epoch - 1]["val_emd2"], rel=1e-5, abs=1e-7)


def test_existing_run_folder_is_never_overwritten(studio: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    Trainer(tiny_config(studio, out, epochs=1)).fit()
    before = (out / "last.pt").read_bytes()
    with pytest.raises(RunFolderError, match="--resume"):
        Trainer(tiny_config(studio, out, epochs=1))
    with pytest.raises(RunFolderError, match="lr_head"):  # resuming a different config names the key
        Trainer(tiny_config(studio, out, epochs=1, lr_head=0.5), resume=True)
    assert (out / "last.pt").read_bytes() == before
    user_dir = tmp_path / "notes"
    user_dir.mkdir()
    (user_dir / "mine.txt").write_text("keep me")
    with pytest.raises(RunFolderError, match="not empty"):
        Trainer(tiny_config(studio, user_dir, epochs=1))
    assert (user_dir / "mine.txt").read_text() == "keep me"


def test_unknown_config_key_names_key_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("model: nima\nlearning_rate: 0.1\nepochs: 2\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert "'learning_rate'" in msg and str(path) in msg and "line 2" in msg
    with pytest.raises(ConfigError, match="'epoch'"):
        load_config(None, {"epoch": 3})


def test_config_values_are_checked_and_read(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("lr_head: 1e-4\nepochs: 2\nmodel_kwargs:\n  dropout: 0.5\n")
    cfg = load_config(path, {"epochs": 5, "model_kwargs.backbone": "shallow"})
    assert cfg.lr_head == pytest.approx(1e-4) and isinstance(cfg.lr_head, float)  # YAML reads 1e-4 as text
    assert cfg.epochs == 5 and cfg.model_kwargs == {"dropout": 0.5, "backbone": "shallow"}
    path.write_text("epochs: three\n")
    with pytest.raises(ConfigError, match="line 1.*'epochs'"):
        load_config(path)
    path.write_text("schedule: linear\n")
    with pytest.raises(ConfigError, match="'schedule'"):
        load_config(path)


def test_backbone_rule_splits_parameters(studio: Path) -> None:
    from aesthetics_lib.models import create_model

    model = create_model("dcnn", backbone="shallow", columns=2)
    cfg = tiny_config(studio, None, lr_backbone=1e-5, lr_head=1e-3)
    groups = {g["name"]: g for g in param_groups(model, cfg)}
    backbone_ids = {id(p) for n, p in model.named_parameters() if n.startswith(("backbone.", "backbone_local."))}
    for name, group in groups.items():
        ids = {id(p) for p in group["params"]}
        assert (ids <= backbone_ids) == name.startswith("backbone")
        assert group["lr"] == (1e-5 if name.startswith("backbone") else 1e-3)
        assert (group["weight_decay"] == 0) == name.endswith("no_decay")
    assert sum(len(g["params"]) for g in groups.values()) == len(list(model.parameters()))
    assert is_backbone("backbone_local.model.blocks.0.0.weight") and not is_backbone("head.0.weight")


@pytest.mark.slow
def test_small_model_beats_naive_baseline(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A small CNN trained for a few epochs ranks held-out studio images better than chance (the
    naive baseline has no ranking at all) and has a lower MSE than predicting the training mean."""
    root = tmp_path_factory.mktemp("studio_big") / "cadb"
    generate_cadb(root, n=800, seed=1, long_side=64)
    cfg = TrainConfig(
        data=f"cadb:{root}", model="dcnn", model_kwargs={"backbone": "shallow"}, size=48,
        epochs=4, batch_size=16, lr_backbone=3e-3, lr_head=3e-3, warmup_epochs=0.3,
        device="cpu", out=None, progress=False, verbose=False, cache=True,
    )
    trainer = Trainer(cfg)
    trainer.fit()
    _, _, test = build_datasets(cfg, splits=("test",))
    pred = predict(trainer.best_model(), test)
    result = evaluate_predictions(pred["dist"], pred["target_dist"], test.threshold, ci=True, n_boot=500)
    naive = naive_baseline(trainer.train_stats["mean"], pred["target_dist"], test.threshold)
    assert len(test) == 80
    assert result["srcc"] > 0.2 and result["srcc_ci"][0] > 0.0, result
    assert result["mse"] < naive["mse"]


def test_best_checkpoint_holds_weights_not_training_state(tmp_path: Path, studio: Path) -> None:
    """best.pt is for evaluation and scoring: it keeps the weights and drops the optimiser state."""
    out = tmp_path / "run"
    Trainer(tiny_config(studio, out)).fit()
    best, last = read_checkpoint(out / "best.pt"), read_checkpoint(out / "last.pt")
    assert best["optimizer"] is None and best["rng"] is None
    assert last["optimizer"] is not None
    assert (out / "best.pt").stat().st_size < (out / "last.pt").stat().st_size
    model, _, _ = load_checkpoint(out / "best.pt")
    assert set(model.state_dict()) == set(best["model"])


def test_training_steps_never_wait_for_the_device(studio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trainer and the loss turn tensors into Python numbers (a host sync on a GPU) a fixed
    number of times per epoch, not once per step: twice the steps, the same count."""
    import sys

    import aesthetics_lib.losses
    import aesthetics_lib.training.epoch
    import aesthetics_lib.training.trainer

    ours = {
        aesthetics_lib.training.trainer.__file__, aesthetics_lib.training.epoch.__file__, aesthetics_lib.losses.__file__
    }
    calls: list[str] = []
    for name in ("item", "tolist", "numpy", "__float__", "__int__", "__bool__"):
        real = getattr(torch.Tensor, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            frame = sys._getframe(1)
            if frame.f_code.co_filename in ours:
                calls.append(f"{_name} in {frame.f_code.co_name}")
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, spy)

    counts = []
    for steps in (2, 4):
        calls.clear()
        trainer = Trainer(tiny_config(studio, None, epochs=1, max_steps_per_epoch=steps, batch_size=4))
        trainer.fit()
        assert trainer.global_step == steps
        counts.append(sorted(calls))
    assert counts[0] == counts[1], counts


def test_diverged_run_raises_naming_epoch_and_step(studio: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    trainer = Trainer(tiny_config(studio, out))
    trainer.fit(epochs=1)
    real_loss, calls = trainer.loss_fn, [0]

    def nan_at_third_step(output, targets):
        loss, parts = real_loss(output, targets)
        calls[0] += 1
        return (loss * math.nan, parts) if calls[0] == 3 else (loss, parts)

    trainer.loss_fn = nan_at_third_step
    with pytest.raises(FloatingPointError, match=r"training diverged: the loss is nan at epoch 2, step 3 \(lr_head="):
        trainer.fit()
    assert read_checkpoint(out / "last.pt")["epoch"] == 1  # the files keep the last finished epoch
