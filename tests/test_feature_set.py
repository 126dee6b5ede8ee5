"""FeatureSet: precomputed features that the trainer reads like images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aesthetics_lib.data import FeatureSet
from aesthetics_lib.train import TrainConfig, Trainer, predict


class Labels:
    """The part of a dataset FeatureSet reads."""

    num_bins, threshold = 5, 2.6

    def __init__(self, n: int) -> None:
        rng = np.random.default_rng(0)
        self.dist = rng.dirichlet(np.ones(5), size=n).astype(np.float32)
        self.image_ids = [f"{i}.jpg" for i in range(n)]

    def targets(self) -> np.ndarray:
        return self.dist

    def means(self) -> np.ndarray:
        return (self.dist @ np.arange(1, 6)).astype(np.float32)


def test_items_pair_features_with_labels() -> None:
    labels = Labels(6)
    fs = FeatureSet(torch.arange(18.0).reshape(6, 3), labels)
    item = fs[4]
    assert torch.equal(item["image"], torch.tensor([12.0, 13.0, 14.0]))
    assert np.allclose(item["dist"].numpy(), labels.dist[4]) and item["mean"].shape == ()
    assert len(fs) == 6 and fs.num_bins == 5 and fs.image_ids[4] == "4.jpg"
    assert np.allclose(fs.means(), labels.means())


def test_wrong_number_of_rows_is_refused() -> None:
    with pytest.raises(ValueError, match=r"one feature row per image \(\[6, F\]\), got \(5, 3\)"):
        FeatureSet(torch.zeros(5, 3), Labels(6))


def test_trainer_fits_a_head_on_features() -> None:
    """A linear head learns the mean score when it is written in the features."""
    labels = Labels(64)
    feats = torch.as_tensor(labels.means())[:, None].repeat(1, 4) + 0.01 * torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
    sets = FeatureSet(feats, labels)

    class Head(torch.nn.Module):
        num_bins = 5

        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(4, 1)

        def forward(self, image: torch.Tensor, **_) -> dict[str, torch.Tensor]:
            return {"mean": self.fc(image)[:, 0]}

    cfg = TrainConfig(data="none", model="custom", epochs=30, batch_size=16, lr_head=0.05, lr_backbone=0.05,
                      warmup_epochs=0, device="cpu", out=None, progress=False, verbose=False)
    trainer = Trainer(cfg, model=Head(), datasets=(sets, sets))
    trainer.fit()
    pred = predict(trainer.best_model(), sets)
    assert np.corrcoef(pred["mean"], labels.means())[0, 1] > 0.9
