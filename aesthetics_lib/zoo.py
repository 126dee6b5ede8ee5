"""The course's trained models: shipped course weights, or train once and load from a cache.

``course_model("sampnet")`` loads SAMP-Net's course weights from ``weights/`` when they were
trained from exactly the current ``configs/studio_sampnet.yaml`` and code
(:mod:`aesthetics_lib.course_weights`). Otherwise (no weights, another config or data, or
``AESTHETICS_TRAIN=1``) it trains from the config on the default data (the studio, or
``AESTHETICS_DATA``) deterministically, keeps the run in a cache folder, and on every later call
loads it instead of training again. A run is keyed by a hash of its full config,
so changing a config retrains. Concurrent callers (notebooks run in parallel by the test suite)
wait for each other through a file lock instead of training the same model twice.

Introduced in notebooks/09_convnextv2_sgfm (the comparison table) and used by 10 and 11.
Scoring goes through :class:`aesthetics_lib.inference.Predictor`, rebuilt from the checkpoint's spec.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image
from torch import nn

from aesthetics_lib.course_weights import (CourseWeights, checkout_cwd, config_hash, ensure_pretraining, find_weights, list_weights,
                                           staleness)
from aesthetics_lib.data.registry import env_data
from aesthetics_lib.inference import Predictions, Predictor
from aesthetics_lib.paths import cache_root, config_dir, file_lock
from aesthetics_lib.spec import ModelSpec
from aesthetics_lib.train import TrainConfig, load_config
from aesthetics_lib.train import train as train_run

#: The models of the course, in the order of the notebooks that introduce them.
COURSE_MODELS: tuple[str, ...] = ("dcnn", "spp", "nima", "multipatch", "sampnet", "convnextv2_sgfm")
def _one_column(head: str, **more: Any) -> dict[str, Any]:
    """Notebook 05's overrides of the DCNN config: one column of the small CNN (widths 16-32-64),
    ``head``, 24 epochs (and ``more``)."""
    return {"model_kwargs.columns": 1, "model_kwargs.head": head, "model_kwargs.widths": [16, 32, 64], "epochs": 24, **more}


#: Notebook 06's warp view: the multi-patch config's small CNN on the whole photo warped to 112 x 112.
_WARP: dict[str, Any] = {"view": "warp", "size": 112, "patches": None, "patch_mode": None}

#: Notebook 06's layout variant (``models/multipatch_layout.py``, not in Wang et al.'s design): the
#: photo at its own size (long side 160), 6 patches of 64 cut by the model and max pooled, a head of
#: 256, and a layout column reading the whole photo at 48 x 48; MPEMD_ada, 12 epochs. ``patches`` is
#: None because the native view does not read it: the model's ``num_patches`` decides.
_LAYOUT: dict[str, Any] = {
    "model": "multipatch_layout", "size": 160, "patches": None, "epochs": 12, "model_kwargs.patch_size": 64,
    "model_kwargs.num_patches": 6, "model_kwargs.layout": 48, "model_kwargs.hidden": [256], "model_kwargs.pool": "max",
}

#: ... with its patch column EfficientNet-Lite0 on the offline ImageNet weights, cut after its fourth
#: feature level (stride 16, 112 channels: 0.7 M of its 3.4 M parameters, so that it fits the course
#: weights' size budget), fine-tuned at the multi-patch config's learning rate (3e-3, that of the
#: course's other fine-tuned Lite0 models) for 12 epochs, as many as the from-scratch variant (at 6, two
#: seeds of three still gained on validation at the last epoch; benchmarks/README.md).
_LAYOUT_LITE0: dict[str, Any] = {
    **_LAYOUT, "epochs": 12, "model_kwargs.backbone": "efficientnet_lite0", "model_kwargs.pretrained": "package", "model_kwargs.levels": 4,
}

#: The lessons' ablations that ship weights too: ``name -> (course model, config overrides)``. A
#: notebook that asks for ``course_model("multipatch", overrides=VARIANTS["multipatch_avg"][1])``
#: gets the shipped ``multipatch_avg`` weights (they match by config hash), so both arms of a
#: comparison are trained with the same real budget.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    # notebooks/06: the same small CNN on the whole image warped to a square of about the patches'
    # pixel count (112^2 = 12,544 vs 6 x 48^2 = 13,824), and multi-patch with plain MPEMD_avg
    "multipatch_warp": ("multipatch", _WARP),
    "multipatch_avg": ("multipatch", {"patch_mode": "avg"}),
    # ... and the warp and the two MPEMD losses again with seeds 1 and 2, so that 06 can tell the
    # view's and the loss's effects from seed luck (48 epochs each, about an hour on one thread)
    **{f"multipatch{suffix}_seed{seed}": ("multipatch", {**changes, "seed": seed})
       for suffix, changes in (("", {}), ("_avg", {"patch_mode": "avg"}), ("_warp", _WARP)) for seed in (1, 2)},
    # ... and multi-patch trained and scored with 8 patches instead of 6 (8 fill the 2 x 4 evaluation
    # grid of photos beyond about 2:1, where 6 leave two cells unscored), seeds 0-2
    **{f"multipatch_p8{f'_seed{seed}' if seed else ''}": ("multipatch", {"patches": 8, "seed": seed})
       for seed in (0, 1, 2)},
    # notebooks/05: one column, 24 epochs, the regression head and the binary head (everything else the
    # same): the target's own effect, trained from exactly these settings (7-9 minutes each on one
    # thread; 2 epochs until the 2026-12-04 retraining)
    **{f"dcnn_{head}": ("dcnn", _one_column(head)) for head in ("regression", "binary")},
    # ... and each again with seeds 1 and 2, so that 05 can tell the target's effect from seed luck
    **{f"dcnn_{head}_seed{seed}": ("dcnn", _one_column(head, seed=seed))
       for head in ("regression", "binary") for seed in (1, 2)},
    # ... and the layout variant (_LAYOUT), seeds 0-2
    **{f"multipatch_layout{f'_seed{seed}' if seed else ''}": ("multipatch", {**_LAYOUT, "seed": seed}) for seed in (0, 1, 2)},
    # ... and with the ImageNet Lite0 patch column (_LAYOUT_LITE0), seed 0 (seeds 1-2 were trained for
    # benchmarks/layout_arms.py and do not fit the size budget: 1.9 MB each)
    "multipatch_layout_lite0": ("multipatch", {**_LAYOUT_LITE0, "seed": 0}),
    # notebooks/08: SAMP-Net without saliency (everything else the same)
    "sampnet_plain": ("sampnet", {"model_kwargs.use_saliency": False}),
}
#: Every model the zoo can train and ship: the course models (``configs/studio_<name>.yaml``), the
#: final model on the offline pretrained backbone (SGFM on EfficientNet-Lite0, trained on the course
#: studio at CADB's real size) and the :data:`VARIANTS`.
ZOO_MODELS: tuple[str, ...] = (*COURSE_MODELS, "sgfm_lite0", *VARIANTS)


def cache_dir() -> Path:
    """Where trained course models are kept: ``models/`` under :func:`aesthetics_lib.paths.cache_root`."""
    return cache_root() / "models"


def course_config(name: str, data: str | None = None, overrides: Mapping[str, Any] | None = None) -> TrainConfig:
    """The offline config of course model ``name`` (``configs/studio_<name>.yaml``, or the copy
    shipped in the package; for a :data:`VARIANTS` name, its course model's config with the variant's
    overrides), with the data spec replaced by ``data`` (or by the CADB entry of ``AESTHETICS_DATA``
    when it has one: the course configs are CADB-layout configs, so an AVA entry leaves them on the
    studio) and ``overrides`` applied."""
    if name in VARIANTS:
        base, changes = VARIANTS[name]
        return course_config(base, data, {**changes, **dict(overrides or {})})
    path = config_dir() / f"studio_{name}.yaml"
    if not path.exists():
        known = ", ".join(ZOO_MODELS)
        raise FileNotFoundError(f"no config for course model {name!r}: expected {path} (known: {known})")
    cfg = load_config(path, dict(overrides or {}))
    data = data or env_data("cadb")
    if data:
        cfg = cfg.replace(data=data)
    return cfg.replace(progress=False, verbose=False)


def run_key(cfg: TrainConfig) -> str:
    """A short stable hash of everything in ``cfg`` that changes the trained weights
    (:func:`aesthetics_lib.course_weights.config_hash`)."""
    return config_hash(cfg)


#: Photos per forward pass of :meth:`CourseModel.test_predictions` (on one CPU thread with the
#: Makefile's ``CPU_ENV``, batches of 16 run fastest).
TEST_BATCH = 16


@dataclass
class CourseModel:
    """A trained course model with what it needs to score new photos.

    ``predictor`` (:class:`~aesthetics_lib.inference.Predictor`: the model in eval mode on the CPU,
    its spec and eval transform), ``config``, ``history`` (one dict per epoch), ``meta`` (the
    training record: ``train_mean``, ``train_dist``, ``threshold`` ...), ``run_dir`` (the cached run
    folder; None for shipped weights), ``weights`` (the shipped :class:`CourseWeights` and their
    training record, when loaded from them). ``model``, ``spec``, ``transform`` and :meth:`score`
    are the predictor's.
    """

    name: str
    predictor: Predictor
    config: TrainConfig
    history: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None
    weights: CourseWeights | None = None

    @property
    def model(self) -> nn.Module:
        return self.predictor.model

    @property
    def spec(self) -> ModelSpec:
        return self.predictor.spec

    @property
    def transform(self) -> Any:
        """The eval transform (PIL image -> tensor or dict of tensors), from the spec."""
        return self.predictor.transform

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Names of the attributes the model predicts (empty when it has no attribute head)."""
        return self.predictor.attribute_names

    def score(self, images: Sequence[Image.Image], keep: Sequence[str] = ()) -> Predictions:
        """Score PIL images (:meth:`Predictor.score`): ``mean`` ``[N]``, ``dist`` ``[N, K]`` (when the
        model predicts one), ``attributes`` ``[N, A]`` (when it has an attribute head), in order."""
        return self.predictor.score(images, keep=keep)

    def test_predictions(self, recorded: bool = True) -> Predictions:
        """Predictions for every photo of the test split of this model's data, in item order, with
        the targets: ``predict`` over the split in batches of :data:`TEST_BATCH`. Shipped weights
        whose record keeps a copy of them (``test_predictions``, written by
        ``tools/record_test_predictions.py`` from this same method with ``recorded=False``) give that
        copy instead, the same numbers without the forward passes; ``recorded=False`` always
        computes them. Introduced in notebooks/09_convnextv2_sgfm."""
        from aesthetics_lib.course_weights import unpack_predictions
        from aesthetics_lib.train import build_datasets, predict

        test = build_datasets(self.config, splits=("test",))[2]
        stored = self.weights.record.get("test_predictions") if recorded and self.weights is not None else None
        if stored is not None:
            return unpack_predictions(stored, test, self.attribute_names, self.meta.get("threshold", float("nan")))
        return predict(self.model, test, batch_size=TEST_BATCH)

    def recorded_means(self, dataset: Any, patches: int | None = None) -> np.ndarray | None:
        """The copy of :meth:`predicted_means` for ``dataset`` and view (``patches``) that the shipped
        weights' training record keeps (``dataset_means``, under
        :func:`~aesthetics_lib.course_weights.dataset_key`; written by
        ``tools/record_test_predictions.py --datasets`` from that method with ``recorded=False``),
        float32 ``[N]`` in item order; None when the record keeps none, or one of other photos.
        Introduced in notebooks/06_aspect_ratio."""
        from aesthetics_lib.course_weights import DATASET_MEANS, unpack_means

        _check_photo_dataset(dataset)
        if self.weights is None:
            return None
        stored = self.weights.record.get(DATASET_MEANS, {}).get(self.means_key(dataset, patches))
        return unpack_means(stored, list(dataset.image_ids)) if stored is not None else None

    def means_key(self, dataset: Any, patches: int | None = None) -> str:
        """The name of this model's copy of its means on ``dataset`` through ``patches``
        (:func:`~aesthetics_lib.course_weights.dataset_key`); the config's own patch count names the
        config's view, so both ways of asking find one copy."""
        from aesthetics_lib.course_weights import dataset_key

        return dataset_key(dataset, None if patches == self.config.patches else patches)

    def predicted_means(self, dataset: Any, patches: int | None = None, recorded: bool = True) -> np.ndarray:
        """The predicted mean score of every photo of ``dataset`` (photos with their labels, as
        :func:`~aesthetics_lib.data.registry.open_dataset` opens them), float32 ``[N]`` in item order,
        through this model's evaluation view: ``eval_transform_for`` of its config (with ``patches``
        patches per photo instead of the config's, when given), which becomes the dataset's
        transform, then ``predict`` in batches of :data:`TEST_BATCH`. With ``recorded``, the copy
        the shipped weights' record keeps for this dataset and view (:meth:`recorded_means`) is
        returned instead, the same numbers without the forward passes. Introduced in
        notebooks/06_aspect_ratio."""
        from aesthetics_lib.train import eval_transform_for, predict

        _check_photo_dataset(dataset)
        copy = self.recorded_means(dataset, patches) if recorded else None
        if copy is not None:
            return copy
        config = self.config if patches is None else self.config.replace(patches=patches)
        dataset.transform = eval_transform_for(config)
        mean = predict(self.model, dataset, batch_size=TEST_BATCH).mean
        if mean is None:
            raise ValueError(f"predicted_means: {self.name} predicts no mean score (a binary head: use test_predictions().prob_good)")
        return np.asarray(mean, dtype=np.float32)

    def held_out(self) -> dict[str, Any] | None:
        """How the model did on its data's validation split, as a training record keeps it
        (:func:`~aesthetics_lib.course_weights.metric_summary`: SRCC, MSE ... with intervals, the
        noise ceiling on the studio, the per-attribute agreement): the shipped record's, or measured
        once from the checkpoint (about half a minute on a CPU) when the record lacks it or the model
        was trained into the cache. None without a checkpoint. Introduced in notebooks/11_applications
        (the demo)."""
        if "_held_out" not in self.__dict__:
            record = self.weights.record.get("val") if self.weights is not None else None
            if record is None or (self.attribute_names and "attributes" not in record):
                path = self.weights.checkpoint if self.weights is not None else (
                    self.run_dir / "best.pt" if self.run_dir is not None else None)
                record = None
                if path is not None and Path(path).is_file():
                    from aesthetics_lib.commands.evaluate import evaluate_checkpoint
                    from aesthetics_lib.course_weights import metric_summary

                    record = metric_summary(evaluate_checkpoint(str(path), split="val", device="cpu"))
            self.__dict__["_held_out"] = record
        return self.__dict__["_held_out"]


def _check_photo_dataset(dataset: Any) -> None:
    """``TypeError`` unless ``dataset`` is a dataset of photos as ``open_dataset`` opens them (with
    ``root``, ``image_ids`` and a ``transform`` of its own): a ``Subset`` would neither name a copy
    nor take the view's transform."""
    missing = [a for a in ("root", "image_ids", "transform") if not hasattr(dataset, a)]
    if missing:
        raise TypeError(f"expected a dataset of photos as open_dataset opens them, found {type(dataset).__name__} "
                        f"without {', '.join(missing)} (for some of its photos, score them all and index the means)")


def shipped_weights(name: str, config: TrainConfig) -> CourseWeights | None:
    """The shipped weights trained from exactly ``config`` with the current code: ``name``'s own, or
    any other shipped weights with the same config hash (a :data:`VARIANTS` entry asked for as
    ``name`` + overrides); None when there are none."""
    own = find_weights(name)
    candidates = [own] if own is not None else []
    candidates += [w for w in list_weights() if w.name != name]
    want = config_hash(config)
    for w in candidates:
        if w.record.get("config_hash") == want and not staleness(w, config):
            return w
    return None


def _warn_if_stale(name: str, config: TrainConfig) -> None:
    """Warn when ``name``'s own shipped weights exist for ``config`` but are stale, before the
    caller trains in their place (which can take many minutes). Under CI (the variable ``CI`` set,
    as ``make test`` and ``make notebooks`` do) raise instead: CI never trains a course model, and a
    notebook would otherwise spend its cell time-out training one."""
    own = find_weights(name)
    if own is None or own.record.get("config_hash") != config_hash(config):
        return
    reasons = staleness(own, config)
    if not reasons:
        return
    stale = f"course_model({name!r}): the shipped weights {own.checkpoint} are stale ({'; '.join(reasons)})"
    if os.environ.get("CI"):
        raise RuntimeError(f"{stale}. CI does not train course models: retrain them with `make weights MODEL={name}`, "
                           "or, after a change of code that changes no weight, re-stamp the records with "
                           "tools/restamp_code_hash.py")
    warnings.warn(f"{stale}; training {name} from its config instead. To refresh the shipped weights: "
                  f"make weights MODEL={name}", stacklevel=3)


def course_model(
    name: str,
    data: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    root: str | os.PathLike | None = None,
    train: bool | None = None,
) -> CourseModel:
    """Course model ``name``: its shipped course weights when they exist for exactly this config,
    else trained once (deterministically) into the cache and loaded from it afterwards.

    ``data``: a data spec (default: ``AESTHETICS_DATA`` or the studio); ``overrides``: config keys
    to change (``{"epochs": 2}``; a changed config trains its own run); ``root``: the cache folder
    (default :func:`cache_dir`); ``train=True`` (or the variable ``AESTHETICS_TRAIN=1``) ignores the
    shipped weights and trains. Shipped weights that are stale (their config or the model code
    changed since they were trained) are not used: a warning, then training (under CI an error).
    """
    cfg = course_config(name, data, overrides)
    if train is None:
        train = os.environ.get("AESTHETICS_TRAIN", "").strip().lower() in ("1", "true", "yes", "on")
    shipped = None if train else shipped_weights(name, cfg)
    if shipped is None and not train:
        _warn_if_stale(name, cfg)
    if shipped is not None:
        predictor = Predictor.from_checkpoint(shipped.checkpoint, device="cpu")
        info = predictor.checkpoint
        return CourseModel(name=name, predictor=predictor, config=info.config, history=list(info.history),
                           meta=dict(info.meta), run_dir=None, weights=shipped)
    base = Path(root) if root is not None else cache_dir()
    run_dir = base / f"{name}-{run_key(cfg)}"
    cfg = cfg.replace(out=str(run_dir))
    with file_lock(base / f".{run_dir.name}.lock"), checkout_cwd(cfg):
        ensure_pretraining(cfg)  # a config that starts from an FCMAE encoder pre-trains it first (hours on a CPU)
        history = train_run(cfg, resume=True)
    predictor = Predictor.from_checkpoint(run_dir / "best.pt", device="cpu")
    return CourseModel(
        name=name,
        predictor=predictor,
        config=predictor.checkpoint.config,
        history=list(history),
        meta=dict(predictor.checkpoint.meta),
        run_dir=run_dir,
    )
