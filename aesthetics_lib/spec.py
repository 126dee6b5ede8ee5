"""What a trained model *is*, carried as data: the model spec stored in every checkpoint.

In the spirit of timm's ``pretrained_cfg``: a :class:`ModelSpec` holds everything needed to rebuild
a model and to feed it (its name and keyword arguments, score bins, attribute names, head kind,
threshold) and an :class:`InputSpec` (the view, sizes, patch count and the normalisation the eval
transform applies). It is made once, from the model the trainer built and its config, stored in the
checkpoint under ``"spec"``, and read back by :class:`~aesthetics_lib.inference.Predictor`. Anything
that needs a transform gets it from the spec (:meth:`InputSpec.transform`), never by building a model.

**Weights come from the file, the architecture from the spec.** A model trained from pretrained
weights is rebuilt with ``pretrained=False`` and the *same backbone architecture* it was trained with:
``create_model`` records the architecture its weights needed (``pretrained="package"`` builds timm's
``tf_efficientnet_lite0``, whose padding and input normalisation differ from ``efficientnet_lite0``),
so the rebuilt model computes exactly what the trained one did.

Introduced in notebooks/05_dcnn.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from aesthetics_lib.data.transforms import IMAGENET_MEAN, IMAGENET_STD, VIEWS

#: Head kinds: a score distribution (``dist``), a mean score (``mean``) or good/bad logits (``logits``).
HEADS: tuple[str, ...] = ("distribution", "regression", "binary")


@dataclass(frozen=True)
class InputSpec:
    """How an image becomes a model input.

    ``view``: ``warp`` (the whole image warped to ``size`` x ``size``), ``native`` (aspect ratio kept,
    longer side ``size``, shapes snapped to aspect buckets), ``double`` (a ``size`` warp plus a
    ``local_size`` crop at the original resolution) or ``patches`` (``patches`` square crops of side
    ``size`` from the un-warped image). ``mean``/``std``: the normalisation of the transform (the
    library's models convert it to their backbone's own inside, see
    :func:`aesthetics_lib.pretrained.input_adapter`).
    """

    view: str = "warp"
    size: int = 224
    local_size: int | None = None
    patches: int | None = None
    mean: tuple[float, ...] = tuple(IMAGENET_MEAN)
    std: tuple[float, ...] = tuple(IMAGENET_STD)

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"InputSpec: expected view in {VIEWS}, found {self.view!r}")
        if int(self.size) < 1:
            raise ValueError(f"InputSpec: expected size >= 1, found {self.size!r}")

    def transform(self, train: bool = False, **augmentation: Any) -> Callable[[Any], Any]:
        """The transform ``PIL.Image | Tensor -> Tensor | dict`` for this input (``train=True``
        adds random crops and the ``augmentation`` keywords of
        :func:`~aesthetics_lib.data.transforms.build_transform`: ``augment``, ``color_jitter``)."""
        from aesthetics_lib.data.transforms import build_transform

        kw: dict[str, Any] = dict(augmentation)
        if self.local_size is not None:
            kw["local_size"] = self.local_size
        if self.patches is not None:
            kw["num_patches"] = self.patches
        return build_transform(self.view, self.size, train=train, **kw)


@dataclass(frozen=True)
class ModelSpec:
    """A model as data: rebuild it with :meth:`build`, feed it with ``input.transform()``.

    ``name`` and ``kwargs`` go to :func:`aesthetics_lib.models.create_model` (``kwargs`` never ask for
    downloaded weights: ``pretrained`` is False and ``backbone`` names the exact architecture);
    ``num_bins`` K; ``attribute_names`` (empty without an attribute head); ``head`` one of
    :data:`HEADS`; ``threshold`` the good/bad cut of the data it was trained on; ``extra_inputs`` the
    batch keys the model reads besides ``image``; ``input`` the :class:`InputSpec`.
    """

    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    num_bins: int = 5
    attribute_names: tuple[str, ...] = ()
    head: str = "distribution"
    threshold: float = 3.0
    extra_inputs: tuple[str, ...] = ()
    input: InputSpec = field(default_factory=InputSpec)

    def __post_init__(self) -> None:
        if self.head not in HEADS:
            raise ValueError(f"ModelSpec: expected head in {HEADS}, found {self.head!r}")

    # -------------------------------------------------------------- building
    def build(self):
        """The model, with freshly initialised weights (load a state dict into it)."""
        from aesthetics_lib.models import create_model

        kwargs = dict(self.kwargs)
        kwargs.pop("name", None)
        kwargs["num_bins"] = self.num_bins
        kwargs["attribute_names"] = tuple(self.attribute_names)
        return create_model(self.name, **kwargs)

    @classmethod
    def from_model(cls, model, input: InputSpec, threshold: float) -> "ModelSpec":
        """The spec of a model made by ``create_model`` (it reads ``model.create_args``), read through
        ``input`` as given: the caller picks the view (a config's ``view``, else the model's own; see
        ``aesthetics_lib.training.build.model_view``)."""
        args = dict(getattr(model, "create_args", None) or {})
        if not args:
            raise ValueError(
                f"ModelSpec.from_model: {type(model).__name__} was not made by aesthetics_lib.models.create_model "
                "(it has no create_args), so a checkpoint could not rebuild it"
            )
        name = args.pop("name")
        num_bins = int(args.pop("num_bins", getattr(model, "num_bins", 5)))
        args.pop("attribute_names", None)
        args["pretrained"] = False  # the weights come from the checkpoint
        return cls(
            name=name,
            kwargs=args,
            num_bins=num_bins,
            attribute_names=tuple(getattr(model, "attribute_names", ()) or ()),
            head=str(getattr(model, "head_kind", "distribution")),
            threshold=float(threshold),
            extra_inputs=tuple(getattr(model, "extra_inputs", ()) or ()),
            input=input,
        )

    # -------------------------------------------------------------- storage
    def to_dict(self) -> dict[str, Any]:
        """Plain builtins (what a checkpoint stores)."""
        d = dataclasses.asdict(self)
        d["kwargs"] = _plain(dict(self.kwargs))
        d["attribute_names"] = list(self.attribute_names)
        d["extra_inputs"] = list(self.extra_inputs)
        d["input"]["mean"] = list(self.input.mean)
        d["input"]["std"] = list(self.input.std)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ModelSpec":
        """The inverse of :meth:`to_dict`; unknown keys raise ``ValueError`` naming them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"ModelSpec: unknown keys {unknown} (known: {sorted(known)})")
        values = dict(d)
        inp = dict(values.pop("input", {}) or {})
        for key in ("mean", "std"):
            if key in inp:
                inp[key] = tuple(float(v) for v in inp[key])
        return cls(
            **{k: v for k, v in values.items() if k not in ("attribute_names", "extra_inputs", "kwargs")},
            kwargs=_tuples(dict(values.get("kwargs") or {})),
            attribute_names=tuple(values.get("attribute_names") or ()),
            extra_inputs=tuple(values.get("extra_inputs") or ()),
            input=InputSpec(**inp),
        )


def _plain(value: Any) -> Any:
    """Tuples as lists, recursively (a checkpoint stores builtins)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _tuples(value: Any) -> Any:
    """Lists as tuples, recursively (model keyword arguments such as ``hidden=(128, 10)``)."""
    if isinstance(value, Mapping):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
