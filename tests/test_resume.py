"""Resuming a run: exact where the trainer says it is, refused or warned about where it is not.

A run stopped after an epoch and resumed by a fresh ``Trainer`` must end with exactly the weights of
an uninterrupted run (deterministic CPU) for every input pipeline: the aspect-bucket sampler of the
``native`` view, a ``plateau`` schedule and DataLoader workers. Changing ``epochs`` under a cosine
schedule is refused (it would re-stretch the schedule); changing ``num_workers`` resumes with a
``ResumeWarning`` (the augmentation then draws from other generators).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.train import ResumeWarning, RunFolderError, Trainer, read_checkpoint
from test_train import tiny_config


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny studio in the CADB layout: 40 images of 48 px (32 train, 4 val, 4 test)."""
    root = tmp_path_factory.mktemp("studio") / "cadb"
    generate_cadb(root, n=40, seed=0, long_side=48)
    return root


def _weights(path: Path) -> dict[str, torch.Tensor]:
    state = read_checkpoint(path)
    ema = state["ema"] or {}
    return {**{f"model.{k}": v for k, v in state["model"].items()}, **{f"ema.{k}": v for k, v in ema.items()}}


def _same_weights(a: Path, b: Path) -> bool:
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    return all(torch.equal(wa[k], wb[k]) for k in wa)


def _stop_and_resume(studio: Path, out: Path, first: int, **changes) -> None:
    """Train ``first`` epochs, then resume with a fresh Trainer until the config's end."""
    Trainer(tiny_config(studio, out, **changes)).fit(epochs=first)
    Trainer(tiny_config(studio, out, **changes), resume=True).fit()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(
            dict(model="nima", model_kwargs={"backbone": "shallow", "dropout": 0.3}, view="native", epochs=2),
            id="native-view",
        ),
        pytest.param(dict(schedule="plateau", plateau_patience=0, warmup_epochs=0.5), id="plateau"),
        pytest.param(dict(num_workers=2, epochs=2), id="workers"),
    ],
)
def test_resume_is_exact(studio: Path, tmp_path: Path, changes: dict) -> None:
    full = tmp_path / "full"
    Trainer(tiny_config(studio, full, **changes)).fit()
    _stop_and_resume(studio, tmp_path / "parts", 1, **changes)
    assert _same_weights(full / "last.pt", tmp_path / "parts" / "last.pt")
    ha = read_checkpoint(full / "last.pt")["history"]
    hb = read_checkpoint(tmp_path / "parts" / "last.pt")["history"]
    for key in ("train_loss", "val_emd2", "lr_head"):
        assert [r[key] for r in ha] == [r[key] for r in hb], key


def test_native_view_resume_uses_the_aspect_bucket_sampler(studio: Path) -> None:
    """The native-view case above exercises the bucket sampler, not the DistributedSampler."""
    from aesthetics_lib.data.transforms import AspectBucketSampler

    cfg = tiny_config(studio, None, model="nima", model_kwargs={"backbone": "shallow"}, view="native")
    trainer = Trainer(cfg)
    assert trainer.sampler is None and isinstance(trainer.train_loader.batch_sampler, AspectBucketSampler)


def test_epochs_change_with_cosine_schedule_is_refused(studio: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    Trainer(tiny_config(studio, out, epochs=2)).fit(epochs=1)
    before = (out / "last.pt").read_bytes()
    with pytest.raises(RunFolderError, match=r"cosine.*epochs=2.*epochs=4 would re-stretch.*Resume with epochs=2"):
        Trainer(tiny_config(studio, out, epochs=4), resume=True)
    with pytest.raises(RunFolderError, match="different run"):  # without resume: not "the same config"
        Trainer(tiny_config(studio, out, epochs=4))
    assert (out / "last.pt").read_bytes() == before
    # with the planned epochs it resumes; with force it starts the longer plan over
    assert Trainer(tiny_config(studio, out, epochs=2), resume=True).epoch == 1
    assert Trainer(tiny_config(studio, out, epochs=4), resume=True, force=True).epoch == 0


def test_epochs_change_without_cosine_extends_the_run_exactly(studio: Path, tmp_path: Path) -> None:
    """Plateau and constant rates do not depend on ``epochs``: a 2-epoch run extended to 3 on
    resume equals a run planned for 3 epochs."""
    for schedule in ("plateau", "none"):
        planned, extended = tmp_path / f"planned-{schedule}", tmp_path / f"extended-{schedule}"
        Trainer(tiny_config(studio, planned, epochs=3, schedule=schedule)).fit()
        Trainer(tiny_config(studio, extended, epochs=2, schedule=schedule)).fit()
        trainer = Trainer(tiny_config(studio, extended, epochs=3, schedule=schedule), resume=True)
        assert trainer.epoch == 2
        assert len(trainer.fit()) == 3
        assert _same_weights(planned / "last.pt", extended / "last.pt"), schedule


def test_num_workers_change_resumes_with_a_warning(studio: Path, tmp_path: Path) -> None:
    full, parts = tmp_path / "full", tmp_path / "parts"
    Trainer(tiny_config(studio, full, epochs=2)).fit()
    Trainer(tiny_config(studio, parts, epochs=2)).fit(epochs=1)
    with pytest.warns(ResumeWarning, match=r"num_workers=1 \(the run used 0\).*not bit-exact"):
        trainer = Trainer(tiny_config(studio, parts, epochs=2, num_workers=1), resume=True)
    assert trainer.epoch == 1
    trainer.fit()
    assert read_checkpoint(parts / "last.pt")["epoch"] == 2
    # the warning is true: augmentation drawn in a worker differs from the main process's draws
    assert not _same_weights(full / "last.pt", parts / "last.pt")
    # a finished run trains nothing more, so nothing to warn about
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResumeWarning)
        Trainer(tiny_config(studio, parts, epochs=2, num_workers=0), resume=True).fit()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_run_resumes_on_a_gpu(studio: Path, tmp_path: Path) -> None:
    """The trainer loads ``last.pt`` onto its device: the saved random states then sit on the GPU,
    and restoring NumPy's from a CUDA tensor failed (session 26). Resumed there, the run reaches its
    end, and the generators continue from the saved states."""
    import numpy as np

    from aesthetics_lib.training.checkpoint import set_rng_state

    out = tmp_path / "gpu"
    Trainer(tiny_config(studio, out, device="cuda", epochs=2)).fit(epochs=1)
    saved = read_checkpoint(out / "last.pt", map_location="cuda")["rng"]
    set_rng_state(saved)
    expected = (np.random.rand(), torch.rand(1).item())
    resumed = Trainer(tiny_config(studio, out, device="cuda", epochs=2), resume=True)
    assert (np.random.rand(), torch.rand(1).item()) == expected, "the resumed trainer did not restore the saved generators"
    resumed.fit()
    assert read_checkpoint(out / "last.pt")["epoch"] == 2
