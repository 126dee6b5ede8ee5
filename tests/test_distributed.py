"""Training on several processes: ``torchrun`` runs the same trainer with DistributedDataParallel.

The slow test launches ``torchrun --standalone --nproc_per_node=2`` (Gloo, CPU; started as
``python -m torch.distributed.run``, torchrun's module, so that it uses the test's interpreter) of
``python -m aesthetics_lib train`` and checks that it trains, that rank 0 alone writes the run
folder, and that two processes of batch B follow one process of batch 2 B: the
``DistributedSampler`` gives each process every other item of the same shuffle, so the two halves
of each step make the one-process batch, and DDP's mean of the two gradients is that batch's
gradient. That holds up to float rounding for a model without BatchNorm (statistics are per
process), without rank loss (its pairs stay within a process's batch), dropout or augmentation
(drawn per process): a ConvNeXt test backbone (LayerNorm), ``loss_rank: 0``, ``dropout: 0``,
``augment: false``. Measured on a CPU over two seeds: the validation SRCC identical, MSE, EMD2 and
the training loss within 1e-7 relative, LCC within 4e-6, weights within 5e-7. The test allows 1e-5
relative, 1e-6 absolute for SRCC (the two closest predicted means are 2e-2 apart, far beyond
rounding, so no rank can swap) and 1e-5 absolute for LCC and the weights. (With the BatchNorm
"shallow" backbone the two runs differ from the first step on: SRCC by up to 0.16.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from aesthetics_lib.course_weights import CHUNKS_FILE
from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.train import TrainConfig, Trainer, read_checkpoint
from aesthetics_lib.training import trainer as trainer_module
from aesthetics_lib.training.distributed import DistInfo
from aesthetics_lib.training.run_folder import RUN_FILES

REPO = Path(__file__).resolve().parents[1]
#: Relative tolerance of the two-process run's metrics against the one-process run (see above).
RTOL = 1e-5


def _config(root: Path) -> dict:
    return {
        "data": f"cadb:{root}",
        "model": "dcnn",
        "model_kwargs": {"backbone": "test_convnext", "columns": 1, "dropout": 0.0},
        "size": 32,
        "augment": False,
        "epochs": 2,
        "batch_size": 4,  # per process
        "lr_backbone": 1e-3,
        "lr_head": 3e-3,
        "schedule": "cosine",
        "warmup_epochs": 0.5,
        "grad_clip": 1.0,
        "ema": 0.9,
        "loss_rank": 0.0,
        "device": "cpu",
        "seed": 3,
        "deterministic": True,
        "progress": False,
        "verbose": True,
    }


def _run(args: list[str], env: dict, timeout: int = 240) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_two_processes_train_like_one_process_of_the_global_batch(tmp_path: Path) -> None:
    root = tmp_path / "studio" / "cadb"
    generate_cadb(root, n=100, seed=0, long_side=48)  # rendered once, read by both ranks (81 train, 9 val)
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(_config(root)), encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "AESTHETICS_CACHE": str(tmp_path / "cache"), "CI": "true"}
    env.pop("WORLD_SIZE", None)
    train = ["-m", "aesthetics_lib", "train", "--config", str(config)]

    two = _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                *train, "--out", str(tmp_path / "two")], env)
    _run([sys.executable, *train, "--out", str(tmp_path / "one"), "--set", "batch_size=8"], env)

    # rank 0 alone reports and writes: one set of run files, no temporary file left
    assert two.stdout.count("training dcnn") == 1 and two.stdout.count("epoch 2/2") == 1, two.stdout
    # (and the train command's log of its training call, written once, by rank 0)
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted([*RUN_FILES, CHUNKS_FILE])
    assert len((tmp_path / "two" / CHUNKS_FILE).read_text().splitlines()) == 1
    state = read_checkpoint(tmp_path / "two" / "last.pt")
    assert state["meta"]["world_size"] == 2 and state["epoch"] == 2
    assert state["config"]["batch_size"] == 4

    hist2 = json.loads((tmp_path / "two" / "history.json").read_text())
    hist1 = json.loads((tmp_path / "one" / "history.json").read_text())
    assert len(hist2) == len(hist1) == 2
    assert hist2[1]["train_loss"] < hist2[0]["train_loss"]  # it trains
    for r1, r2 in zip(hist1, hist2):
        assert r2["val_srcc"] == pytest.approx(r1["val_srcc"], abs=1e-6)
        assert r2["val_lcc"] == pytest.approx(r1["val_lcc"], abs=1e-5)
        for key in ("val_mse", "val_emd2", "train_loss", "train_emd", "lr_head"):
            assert r2[key] == pytest.approx(r1[key], rel=RTOL, abs=1e-12), key
        assert r2["best"] == r1["best"]
    one = read_checkpoint(tmp_path / "one" / "last.pt")
    for key, value in one["model"].items():
        assert torch.allclose(state["model"][key], value, rtol=RTOL, atol=1e-5), key


@pytest.mark.parametrize("view", ["warp", "native"])
def test_processes_share_out_each_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, view: str) -> None:
    """The two ranks' training batches of an epoch are disjoint and cover the epoch's shuffle, for
    the ``DistributedSampler`` and for the native view's aspect-bucket batches (whose shuffle must
    therefore not depend on the rank). Ranks are simulated in one process (no process group)."""
    root = tmp_path / "cadb"
    generate_cadb(root, n=40, seed=0, long_side=48)  # 32 train images
    cfg = TrainConfig(
        data=f"cadb:{root}", model="nima", model_kwargs={"backbone": "shallow"}, view=view, size=32,
        batch_size=4, device="cpu", seed=3, out=None, progress=False, verbose=False,
    )
    monkeypatch.setattr(Trainer, "_setup_wrappers", lambda self: setattr(self, "net", self.model))
    for epoch in (0, 1):
        shares = []
        for rank in (0, 1):
            monkeypatch.setattr(trainer_module, "init_distributed", lambda r=rank: DistInfo(world_size=2, rank=r))
            trainer = Trainer(cfg)
            trainer._seed_epoch(epoch)
            shares.append([list(b) for b in trainer.train_loader.batch_sampler])
        assert len(shares[0]) == len(shares[1]) == trainer.steps_per_epoch > 0
        items = [i for share in shares for batch in share for i in batch]
        assert len(set(items)) == len(items), f"epoch {epoch}: an item is in both ranks' batches"
        if view == "warp":
            assert sorted(items) == list(range(len(trainer.train_set)))
        else:
            whole = len(trainer.train_loader.batch_sampler.batches)  # one process's batch count
            assert len(items) == 2 * 4 * (whole // 2)
