"""A checkpoint's predictions on its own config's test split: the one scoring path the benchmark
scripts share (``quality_terms``, ``multilevel`` and the scripts that import its ``test_scores``,
``dcnn_width``, ``gpu_small_cnns``).

It is the path of ``evaluate --checkpoint``: :class:`~aesthetics_lib.inference.Predictor` on the
CPU, the checkpoint's own evaluation transform, the split carved with the checkpoint's validation
fraction and seed (in the checkout's root when the config names an FCMAE encoder by a relative
path).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402


@dataclass(frozen=True)
class TestScores:
    """One checkpoint on the test split: ``ids`` (image ids), ``pred`` (predicted means), ``truth``
    (the raters' mean votes), in the order of ``ids``; ``predictions`` (the
    :class:`~aesthetics_lib.inference.Predictions`, in the dataset's order), ``dataset`` and
    ``predictor``."""

    ids: list[str]
    pred: np.ndarray
    truth: np.ndarray
    predictions: Any
    dataset: Any
    predictor: Predictor

    @property
    def root(self) -> Path:
        """The folder of the data the split was carved from."""
        return Path(self.dataset.root)

    def by_id(self) -> TestScores:
        """The same scores with ``ids``, ``pred`` and ``truth`` sorted by image id."""
        order = np.argsort(np.asarray(self.ids))
        return replace(self, ids=[self.ids[i] for i in order], pred=self.pred[order], truth=self.truth[order])


def score_test(checkpoint: str | Path) -> TestScores:
    """Score ``checkpoint`` on its config's test split, in the dataset's order."""
    predictor = Predictor.from_checkpoint(checkpoint, device="cpu")
    with cw.checkout_cwd(predictor.checkpoint.config):
        dataset = predictor.open_split("test")
        predictions = predictor.predict(dataset)
    ids = [str(i) for i in predictions.image_id]
    if ids != [str(i) for i in dataset.image_ids]:
        raise ValueError(f"{checkpoint}: the predictions are not in the test split's order")
    truth = np.asarray(dataset.means(), dtype=np.float64)
    return TestScores(ids, np.asarray(predictions.mean, dtype=np.float64), truth, predictions, dataset, predictor)
