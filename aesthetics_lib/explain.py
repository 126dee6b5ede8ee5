"""Explaining an aesthetics model: class activation maps, their sanity checks, and feedback.

* :func:`compute_cam` (one image) and :func:`compute_cams` (many) run Grad-CAM (Selvaraju et al.
  2017), Grad-CAM++ (Chattopadhay et al. 2018), EigenCAM (Muhammad & Yeasin 2020) or HiResCAM
  (Draelos & Carin 2020) from the ``grad-cam`` package (``pytorch_grad_cam``) on a course model.
  :class:`MeanScoreModel` turns the model's output dict into one number per image, the predicted
  mean score, so "explain the mean score" is an ordinary single-output target. The target layers come from the model's
  ``cam_target_layers()``.
* :func:`cam_mass_in_mask` measures whether a CAM points at the subject (the share of its mass
  inside a subject mask); :func:`mask_share_baseline` is what maps that know nothing about the
  image score on the same mask (a uniform map and random smooth maps).
* :func:`randomize_model` and :func:`cam_similarity` are the model-randomisation sanity check of
  Adebayo et al. (2018): a CAM that survives the randomisation of the weights it claims to explain
  explains nothing. :func:`cascading_randomization` runs the whole cascade (from the output back to
  the input) for several methods and returns a :class:`CascadingRandomization`.
* :func:`attribute_feedback` turns predicted AADB attributes into short sentences.

The deletion test, which asks the model instead of its gradients (remove a region, score again), is
:mod:`aesthetics_lib.deletion`.

Introduced in notebooks/10_explainability.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass
from typing import Any, Collection, Mapping, Sequence

import numpy as np
import torch
from PIL import Image
from scipy import stats
from torch import nn

from aesthetics_lib.inference import cpu_channels_last

#: The CAM methods :func:`compute_cam` accepts, with the ``pytorch_grad_cam`` class of each.
CAM_METHODS: dict[str, str] = {
    "gradcam": "GradCAM",
    "gradcam++": "GradCAMPlusPlus",
    "eigencam": "EigenCAM",
    "hirescam": "HiResCAM",
}


class MeanScoreModel(nn.Module):
    """A course model seen as ``images [B, 3, H, W] -> Tensor[B, 1]``: its predicted ``output``
    (default the mean score) as a one-column "logit", so ``ClassifierOutputTarget(0)`` of
    ``pytorch_grad_cam`` targets it. ``index`` picks one column of a ``[B, A]`` output (e.g. one
    attribute); ``sign=-1`` negates it (a CAM of what *lowers* the score). ``extras`` (fixed tensors
    for the model's extra inputs, e.g. DCNN's ``local`` column) are passed to every forward call.
    Introduced in notebooks/10_explainability.
    """

    def __init__(self, model: nn.Module, extras: Mapping[str, torch.Tensor] | None = None, output: str = "mean",
                 index: int | None = None, sign: float = 1.0) -> None:
        super().__init__()
        self.model = model
        self.extras = dict(extras or {})
        self.output = output
        self.index = index
        self.sign = float(sign)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        out = self.model(images, **self.extras)
        if not isinstance(out, Mapping) or self.output not in out:
            found = sorted(out) if isinstance(out, Mapping) else type(out).__name__
            raise KeyError(
                f"MeanScoreModel: expected the model's output dict to hold {self.output!r}, found {found} "
                "(a binary head has 'prob_good': pass output='prob_good')"
            )
        y = out[self.output]
        if self.index is not None:
            y = y[:, self.index]
        return self.sign * y.reshape(images.shape[0], 1)


#: Inputs per forward and backward pass in :func:`compute_cams`: from 16 inputs on, PyTorch runs a
#: model's 1 x 1 convolutions on a CPU through oneDNN (see ``inference.DEFAULT_BATCH``).
CAM_BATCH = 16


def _as_batch(image_tensor: torch.Tensor) -> torch.Tensor:
    if not isinstance(image_tensor, torch.Tensor):
        raise TypeError(
            f"compute_cam: expected the model's input as a tensor [3, H, W] or [1, 3, H, W] (apply the "
            f"model's eval transform to the image first), found {type(image_tensor).__name__}"
        )
    x = image_tensor.unsqueeze(0) if image_tensor.ndim == 3 else image_tensor
    if x.ndim != 4 or x.shape[0] != 1 or x.shape[1] != 3:
        raise ValueError(
            f"compute_cam: expected one image [3, H, W] or [1, 3, H, W], found {tuple(image_tensor.shape)} "
            "(multi-patch inputs [P, 3, S, S] are not supported: explain one patch at a time; "
            "compute_cams takes many images)"
        )
    return x


def _stacked(images: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
    """``images`` (``[N, 3, H, W]`` or a sequence of ``[3, H, W]`` tensors of one shape) as one tensor."""
    if isinstance(images, torch.Tensor):
        x = images
    else:
        items = list(images)
        for i, t in enumerate(items):
            if not isinstance(t, torch.Tensor) or t.ndim != 3:
                shape = tuple(t.shape) if isinstance(t, torch.Tensor) else ""
                raise TypeError(f"compute_cams: input {i} is not a tensor [3, H, W] (apply the model's eval "
                                f"transform first), found {type(t).__name__}{shape}")
            if t.shape != items[0].shape:
                raise ValueError(f"compute_cams: input {i} has shape {tuple(t.shape)}, input 0 "
                                 f"{tuple(items[0].shape)}; inputs of different sizes need separate calls")
        x = torch.stack(items) if items else torch.zeros(0, 3, 1, 1)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"compute_cams: expected images [N, 3, H, W], found {tuple(x.shape)}")
    return x


def compute_cam(
    model: nn.Module,
    image_tensor: torch.Tensor,
    method: str = "gradcam",
    extras: Mapping[str, torch.Tensor] | None = None,
    target_layers: Sequence[nn.Module] | None = None,
    output: str = "mean",
    index: int | None = None,
    sign: float = 1.0,
) -> np.ndarray:
    """A class activation map of ``model`` for one image, targeting its predicted mean score.

    ``image_tensor``: the model's input, ``[3, H, W]`` or ``[1, 3, H, W]`` (what its eval transform
    gives); ``method``: ``"gradcam"``, ``"gradcam++"``, ``"eigencam"`` or ``"hirescam"`` (Draelos &
    Carin 2020: Grad-CAM with the gradient kept per position instead of averaged per channel), all
    from ``pytorch_grad_cam`` (:data:`CAM_METHODS`); ``extras``: the model's extra inputs for this
    image, each with batch size 1 (e.g. ``{"local": ...}``; SAMP-Net and SGFM compute their saliency
    themselves); ``target_layers`` default to ``model.cam_target_layers()``; ``output``/``index``/``sign``
    choose the explained number (:class:`MeanScoreModel`: ``sign=-1`` shows what lowers the score;
    ``output="attributes", index=j`` explains attribute ``j``). Returns ``float32 [H, W]`` in [0, 1]
    (min-max scaled by the package; all zeros when no region raises the target: Grad-CAM keeps only
    the positive part). :func:`compute_cams` does the work (and takes many images at once).
    Introduced in notebooks/10_explainability.
    """
    return compute_cams(model, _as_batch(image_tensor), method, extras, target_layers, output, index, sign)[0]


def compute_cams(
    model: nn.Module,
    images: torch.Tensor | Sequence[torch.Tensor],
    method: str = "gradcam",
    extras: Mapping[str, torch.Tensor] | None = None,
    target_layers: Sequence[nn.Module] | None = None,
    output: str = "mean",
    index: int | None = None,
    sign: float = 1.0,
    batch_size: int = CAM_BATCH,
) -> list[np.ndarray]:
    """:func:`compute_cam` of many images: ``images`` ``[N, 3, H, W]`` or a sequence of ``[3, H, W]``
    tensors of one shape, ``extras`` each with batch size N; ``batch_size`` images per forward and
    backward pass. Returns one ``float32 [H, W]`` map per image, in order. Each image's map is its own
    (the model runs in eval mode, where no layer mixes the images of a batch), so the maps equal
    those of one image at a time up to floating-point rounding. Gradients flow even through a frozen
    backbone (the input requires grad); the parameters' own gradients are never computed (no CAM
    uses them; skipping them took a fifth off notebook 10's CAM cells). The model's train/eval mode,
    its parameters' ``requires_grad`` flags and their gradients are left as they were. On a CPU the
    passes run the weights channels-last (:func:`~aesthetics_lib.inference.cpu_channels_last`).
    Introduced in notebooks/10_explainability.
    """
    import pytorch_grad_cam
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    key = method.lower().replace("_", "").replace("-", "").replace(" ", "")
    key = {"gradcampp": "gradcam++", "gradcamplusplus": "gradcam++"}.get(key, key)
    if key not in CAM_METHODS:
        raise ValueError(f"compute_cam: expected method in {sorted(CAM_METHODS)}, found {method!r}")
    layers = list(target_layers) if target_layers is not None else list(model.cam_target_layers())
    if not layers:
        raise ValueError(f"compute_cam: {type(model).__name__} names no target layers")
    x_all = _stacked(images).detach().float()
    n = x_all.shape[0]
    ext_all = dict(extras or {})
    for k, v in ext_all.items():
        if v.shape[0] != n:
            raise ValueError(f"compute_cams: extra input {k!r} has batch size {v.shape[0]}, the images {n}")
    device = next(model.parameters()).device
    was_training = model.training
    params = list(model.parameters())
    old_state = [(p.requires_grad, p.grad) for p in params]
    cam_cls = _thin_eigencam() if key == "eigencam" else getattr(pytorch_grad_cam, CAM_METHODS[key])
    step = max(int(batch_size), 1)
    out: list[np.ndarray] = []
    try:
        for p in params:
            p.requires_grad_(False)  # only the activations' gradients enter a CAM
        with cpu_channels_last(model):  # on a CPU, faster forward and backward passes
            for i in range(0, n, step):
                x = x_all[i : i + step].clone().to(device).requires_grad_(True)
                ext = {k: v[i : i + step].to(device) for k, v in ext_all.items()}
                cam = cam_cls(model=MeanScoreModel(model, ext, output, index, sign), target_layers=layers)
                try:  # (the package's context manager would swallow IndexError)
                    with torch.enable_grad():
                        maps = cam(input_tensor=x, targets=[ClassifierOutputTarget(0)] * x.shape[0])
                finally:
                    cam.activations_and_grads.release()  # remove the hooks from the model's layers
                out += [np.clip(np.nan_to_num(np.asarray(m, dtype=np.float32)), 0.0, 1.0) for m in maps]
    finally:
        model.train(was_training)
        for p, (flag, grad) in zip(params, old_state):
            p.requires_grad_(flag)
            p.grad = grad
    return out


def first_component_projection(activations: np.ndarray) -> np.ndarray:
    """EigenCAM's map: each image's activations ``[B, C, h, w]`` (positions as rows, centred per
    channel) projected onto their first right singular vector, ``float32 [B, h, w]``. The same
    projection as ``pytorch_grad_cam``'s ``get_2d_projection`` (to float rounding, about 1e-6 on a
    min-max scaled map), from the thin SVD: the full one also builds a C x C basis that the
    projection never reads, which took 11 s of notebook 10's run on one CPU thread (cProfile, the
    maps of SAMP-Net's 1,280 channels). NaNs count as 0, as in the package."""
    a = np.array(activations, copy=True)
    a[np.isnan(a)] = 0
    out = []
    for act in a:
        rows = act.reshape(act.shape[0], -1).T
        rows = rows - rows.mean(axis=0)
        vt = np.linalg.svd(rows, full_matrices=False)[2]
        out.append((rows @ vt[0]).reshape(act.shape[1:]))
    return np.float32(out)


@functools.cache
def _thin_eigencam() -> type:
    import pytorch_grad_cam

    class ThinEigenCAM(pytorch_grad_cam.EigenCAM):
        """``pytorch_grad_cam.EigenCAM`` with :func:`first_component_projection` for its map."""

        def get_cam_image(self, input_tensor, target_layer, target_category, activations, grads, eigen_smooth):
            return first_component_projection(activations)

    return ThinEigenCAM


def target_map_size(model: nn.Module, image_tensor: torch.Tensor, extras: Mapping[str, torch.Tensor] | None = None,
                    target_layers: Sequence[nn.Module] | None = None) -> tuple[int, int]:
    """``(h, w)`` of the feature map a CAM is computed on (the first target layer's output) for this
    input: the CAM's true resolution, however large it is drawn. Introduced in notebooks/10_explainability."""
    layers = list(target_layers) if target_layers is not None else list(model.cam_target_layers())
    seen: list[tuple[int, int]] = []
    handle = layers[0].register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape[-2:])))
    try:
        with torch.no_grad():
            model(_as_batch(image_tensor), **dict(extras or {}))
    finally:
        handle.remove()
    return seen[0]


def resize_map(cam: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a 2-D map to ``shape = (H, W)`` (bilinear; the inverse of a warp to a square input)."""
    m = np.asarray(cam, dtype=np.float32)
    if m.ndim != 2:
        raise ValueError(f"resize_map: expected a 2-D map [H, W], found shape {m.shape}")
    if m.shape == tuple(shape):
        return m
    return np.asarray(Image.fromarray(m, mode="F").resize((int(shape[1]), int(shape[0])), Image.BILINEAR))


def _mask(mask: Any) -> np.ndarray:
    m = np.asarray(mask, dtype=np.float32)
    if m.ndim != 2:
        raise ValueError(f"expected a subject mask [H, W] with values in [0, 1], found shape {m.shape}")
    if m.size and (m.min() < 0 or m.max() > 1):
        raise ValueError(f"expected a subject mask with values in [0, 1], found [{m.min():.3g}, {m.max():.3g}]")
    return m


def cam_mass_in_mask(cam: np.ndarray, mask: np.ndarray) -> float:
    """The share of a CAM's mass inside a subject mask: ``sum(cam * mask) / sum(cam)``, in [0, 1].

    ``mask``: ``[H, W]`` in [0, 1] (soft masks weigh each pixel by its coverage); the CAM is resized
    to the mask first (:func:`resize_map`). 1 means all of the map lies on the subject; a map that
    knows nothing about the image scores about the mask's area (:func:`mask_share_baseline`).
    NaN for an all-zero CAM (it points nowhere). Introduced in notebooks/10_explainability.
    """
    m = _mask(mask)
    c = np.clip(resize_map(cam, m.shape), 0.0, None).astype(np.float64)
    total = float(c.sum())
    if total <= 0.0:
        return float("nan")
    return float(np.clip((c * m).sum() / total, 0.0, 1.0))


def cam_peak_in_mask(cam: np.ndarray, mask: np.ndarray, threshold: float = 0.5) -> bool:
    """The pointing game (Zhang et al. 2016): does the CAM's maximum fall on the subject
    (mask value at the peak >= ``threshold``)? Introduced in notebooks/10_explainability."""
    m = _mask(mask)
    c = resize_map(cam, m.shape)
    i = int(np.argmax(c))
    return bool(m.flat[i] >= threshold)


def random_smooth_maps(shape: tuple[int, int], n: int = 100, seed: int = 0, cells: int = 5) -> np.ndarray:
    """``n`` random non-negative maps ``[n, H, W]`` in [0, 1] with blobs as large as a CAM's: white
    noise on a grid of ``cells`` cells along the shorter side, drawn at full size (bilinear, like a
    CAM), rectified and scaled to a maximum of 1 (an all-negative draw gives a flat map)."""
    h, w = int(shape[0]), int(shape[1])
    rng = np.random.default_rng(seed)
    gh = max(2, round(cells * h / min(h, w)))
    gw = max(2, round(cells * w / min(h, w)))
    out = np.empty((n, h, w), dtype=np.float32)
    for i in range(n):
        z = np.clip(resize_map(rng.standard_normal((gh, gw)).astype(np.float32), (h, w)), 0.0, None)
        out[i] = z / z.max() if z.max() > 0 else 1.0
    return out


def mask_share_baseline(mask: np.ndarray, n: int = 100, seed: int = 0) -> dict[str, float]:
    """What :func:`cam_mass_in_mask` gives on ``mask`` for maps that ignore the image.

    ``uniform``: a flat map (= the mask's mean, its area share); ``random_mean`` and ``random_p95``:
    the mean and 95th percentile over ``n`` random smooth maps (:func:`random_smooth_maps`, seeded).
    A CAM finds the subject when it beats ``random_p95``. Introduced in notebooks/10_explainability.
    """
    m = _mask(mask)
    shares = np.array([cam_mass_in_mask(r, m) for r in random_smooth_maps(m.shape, n, seed)])
    return {
        "uniform": float(m.mean()),
        "random_mean": float(np.nanmean(shares)),
        "random_p95": float(np.nanpercentile(shares, 95)),
    }


# ---------------------------------------------------------------------------- sanity checks
def cascade_order(model: nn.Module) -> list[str]:
    """Names of the model's top-level children that hold parameters, from the output end back to
    the input (registration order reversed): the steps of a cascading randomisation."""
    names = [n for n, child in model.named_children() if any(True for _ in child.parameters())]
    return names[::-1]


def _reinit(module: nn.Module, gen: torch.Generator) -> None:
    """Re-draw a module's own parameters: its ``reset_parameters`` where it has one, else N(0, 0.02)."""
    own = list(module.parameters(recurse=False))
    if not own:
        return
    if hasattr(module, "reset_parameters"):
        module.reset_parameters()
        if hasattr(module, "reset_running_stats"):
            module.reset_running_stats()
        return
    with torch.no_grad():
        for p in own:
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float32).to(p.dtype) * 0.02)


def randomize_model(model: nn.Module, seed: int = 0, modules: Sequence[str] | None = None) -> nn.Module:
    """A copy of ``model`` whose weights are re-drawn at random (Adebayo et al. 2018, "Sanity checks
    for saliency maps").

    ``modules=None`` randomises every parameter (full randomisation); a list of top-level child
    names (e.g. the first k of :func:`cascade_order`) randomises only those: cascading
    randomisation from the output back to the input. Each module is re-drawn by its own
    ``reset_parameters`` (its initialisation distribution); others get N(0, 0.02). Deterministic
    from ``seed``; the original model is untouched, the copy is in eval mode.
    Introduced in notebooks/10_explainability.
    """
    rnd = copy.deepcopy(model)
    children = dict(rnd.named_children())
    if modules is None:
        targets = [rnd]
    else:
        unknown = [m for m in modules if m not in children]
        if unknown:
            raise KeyError(f"randomize_model: unknown modules {unknown}: expected names from {list(children)}")
        targets = [children[m] for m in modules]
    gen = torch.Generator().manual_seed(int(seed))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        for target in targets:
            for sub in target.modules():
                _reinit(sub, gen)
    return rnd.eval()


def cam_similarity(a: np.ndarray, b: np.ndarray, method: str = "spearman") -> float:
    """How alike two maps are: Spearman's rank correlation (``"spearman"``, as Adebayo et al. 2018),
    Pearson's (``"pearson"``) or SSIM (``"ssim"``, scikit-image, data range 1). ``b`` is resized to
    ``a``'s shape. NaN when a map is constant (a correlation is undefined there).
    Introduced in notebooks/10_explainability."""
    x = np.asarray(a, dtype=np.float32)
    y = resize_map(b, x.shape)
    if method == "ssim":
        from skimage.metrics import structural_similarity

        return float(structural_similarity(x, y, data_range=1.0))
    if method not in ("spearman", "pearson"):
        raise ValueError(f"cam_similarity: expected method 'spearman', 'pearson' or 'ssim', found {method!r}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    fn = stats.spearmanr if method == "spearman" else stats.pearsonr
    return float(fn(x.ravel(), y.ravel())[0])


@dataclass(frozen=True)
class CascadingRandomization:
    """The result of :func:`cascading_randomization`.

    ``steps``: the blocks randomised, from the output back to the input (step ``k`` has the first
    ``k + 1`` of them random); ``methods``: the CAM methods, in the order given; ``photos``: the number
    of inputs; ``left_out[m]``: inputs whose trained map of method ``m`` is empty (all zeros: nothing
    to compare), left out at every step; ``empty[m]``: randomised maps of ``m`` that came out empty,
    summed over all steps (each counts as similarity 0); ``similarities[m][k]``: for step ``k``, the
    similarity (:func:`cam_similarity`, Spearman) of each kept input's randomised map to its trained
    map, in input order. Introduced in notebooks/10_explainability.
    """

    steps: list[str]
    methods: tuple[str, ...]
    photos: int
    left_out: dict[str, int]
    empty: dict[str, int]
    similarities: dict[str, list[list[float]]]

    def kept(self, method: str) -> int:
        """How many inputs are compared for ``method`` (those whose trained map is not empty)."""
        return self.photos - self.left_out[method]

    def mean_similarity(self, method: str) -> list[float]:
        """Per step, the mean similarity of ``method`` over the kept inputs (NaN when none is kept)."""
        return [float(np.asarray(s, dtype=np.float64).mean()) if len(s) else math.nan
                for s in self.similarities[method]]


def cascading_randomization(
    model: nn.Module,
    inputs: Sequence[torch.Tensor],
    methods: Sequence[str] = tuple(CAM_METHODS),
    skip: Collection[str] = (),
    seed: int = 0,
) -> CascadingRandomization:
    """The cascading model-randomisation test of Adebayo et al. (2018), "Sanity checks for saliency
    maps", for several CAM methods at once.

    ``inputs``: the model's inputs, one ``[3, H, W]`` tensor per photo, all of one shape (its eval
    transform applied; :func:`compute_cams` runs them in batches);
    ``methods``: names :func:`compute_cam` accepts; ``skip``: top-level blocks left out of the cascade
    (e.g. heads that feed only the attributes, whose randomisation cannot change the explained score;
    names the model does not have are ignored). The steps are :func:`cascade_order` without ``skip``;
    at step ``k`` the first ``k`` blocks are re-drawn (:func:`randomize_model`, ``seed``) and every
    method's map of every kept input is compared with the trained model's (:func:`cam_similarity`).
    An input whose trained map is empty is left out for that method (counted in ``left_out``); an
    empty randomised map has lost the trained map entirely and counts as similarity 0 (counted in
    ``empty``). A method that explains the model loses its similarity as soon as the blocks it
    claims to explain are random. Deterministic; ``model`` is left as it was.
    Introduced in notebooks/10_explainability.
    """
    methods = tuple(methods)
    inputs = list(inputs)
    skipped = set(skip)
    steps = [b for b in cascade_order(model) if b not in skipped]
    trained = {m: compute_cams(model, inputs, m) if inputs else [] for m in methods}
    kept = {m: [(a, xi) for a, xi in zip(trained[m], inputs) if a.max() > 0] for m in methods}
    sims: dict[str, list[list[float]]] = {m: [] for m in methods}
    empty = {m: 0 for m in methods}
    for k in range(1, len(steps) + 1):
        rnd = randomize_model(model, seed=seed, modules=steps[:k])
        for m in methods:
            rnd_maps = compute_cams(rnd, [xi for _, xi in kept[m]], m) if kept[m] else []
            empty[m] += sum(int(r.max() <= 0) for r in rnd_maps)
            sims[m].append([cam_similarity(a, r) if r.max() > 0 else 0.0  # an empty map resembles nothing
                            for (a, _), r in zip(kept[m], rnd_maps)])
    return CascadingRandomization(
        steps=steps,
        methods=methods,
        photos=len(inputs),
        left_out={m: len(inputs) - len(kept[m]) for m in methods},
        empty=empty,
        similarities=sims,
    )


# ---------------------------------------------------------------------------- feedback
#: What a predicted attribute says, when it is clearly positive and clearly negative
#: (AADB's attributes in [-1, 1]; the studio derives them in the same sense).
FEEDBACK: dict[str, tuple[str, str]] = {
    "BalacingElements": ("well-balanced elements", "unbalanced composition: one side feels heavy"),
    "ColorHarmony": ("harmonious colours", "clashing colours"),
    "Content": ("interesting content", "uninteresting content"),
    "DoF": ("shallow depth of field isolates the subject", "depth of field works against the subject (soft or busy)"),
    "Light": ("good light and exposure", "poor light: under- or over-exposed, or flat"),
    "MotionBlur": ("motion blur used well", "unwanted motion blur"),
    "Object": ("a clear main subject", "no clear main subject (clutter or a tiny subject)"),
    "Repetition": ("a pleasing repeated pattern", "an irregular, distracting repetition"),
    "RuleOfThirds": ("subject on a third", "subject placed awkwardly (off the thirds, or at the edge)"),
    "Symmetry": ("strong symmetry", "low symmetry where symmetry was attempted"),
    "VividColor": ("vivid colours", "dull, washed-out colours"),
}
#: An attribute speaks when ``|value| >= FEEDBACK_THRESHOLD`` (0.3: more than one AADB rating step
#: of 0.2 away from "does not apply", 0).
FEEDBACK_THRESHOLD = 0.3


def attribute_feedback(
    attributes: Mapping[str, float],
    top: int = 3,
    threshold: float = FEEDBACK_THRESHOLD,
    only: Sequence[str] | None = None,
) -> list[str]:
    """Short feedback sentences from predicted attributes ``{name: value in [-1, 1]}``.

    Attributes with ``|value| < threshold`` (default :data:`FEEDBACK_THRESHOLD`) say nothing (in AADB
    0 means "does not apply"); the others are sorted by ``|value|`` (ties by name) and the ``top``
    strongest become ``"+ <positive sentence> (0.62)"`` or ``"- <negative sentence> (-0.48)"``
    from :data:`FEEDBACK`. Unknown names are reported with their name. ``only`` restricts the
    feedback to those attributes (e.g. the ones whose predictions were checked against labels).
    Empty when nothing is clear. Introduced in notebooks/10_explainability.
    """
    items = []
    for name, value in attributes.items():
        if only is not None and name not in only:
            continue
        v = float(value)
        if not math.isfinite(v) or abs(v) < threshold:
            continue
        items.append((-abs(v), str(name), v))
    items.sort()
    out = []
    for _, name, v in items[: max(int(top), 0)]:
        good, bad = FEEDBACK.get(name, (f"good {name}", f"poor {name}"))
        out.append(f"{'+' if v > 0 else '-'} {good if v > 0 else bad} ({v:+.2f})")
    return out


#: An attribute's predictions are trusted for feedback when the lower end of their SRCC interval with
#: held-out labels is at least ``TRUSTED_SRCC``, over at least ``MIN_LABELLED`` labelled photos (a
#: correlation over a handful of photos is noise, and its interval says so).
TRUSTED_SRCC = 0.3
MIN_LABELLED = 20


def trusted_attributes(agreement: Sequence[Mapping[str, Any]], min_low: float = TRUSTED_SRCC,
                       min_labelled: int = MIN_LABELLED) -> list[str]:
    """The attributes of ``agreement`` (rows of :func:`aesthetics_lib.metrics.attribute_agreement`)
    whose SRCC interval's lower end is at least ``min_low``, over at least ``min_labelled`` photos,
    in their order. Introduced in notebooks/10_explainability."""
    return [str(r["attribute"]) for r in agreement
            if r.get("low") is not None and math.isfinite(float(r["low"])) and float(r["low"]) >= min_low
            and int(r["labelled"]) >= min_labelled]


def attributes_dict(names: Sequence[str], values: Any) -> dict[str, float]:
    """``{name: value}`` from a model's ``attribute_names`` and one row of its ``attributes`` output."""
    vals = np.asarray(values, dtype=np.float64).ravel()
    if len(vals) != len(names):
        raise ValueError(f"attributes_dict: {len(names)} names but {len(vals)} values")
    return {str(n): float(v) for n, v in zip(names, vals)}
