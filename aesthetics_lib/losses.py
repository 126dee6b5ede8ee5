"""Differentiable training losses for aesthetics models (torch).

- :func:`emd_loss`: EMD over cumulative score distributions (NIMA, Talebi & Milanfar 2018), with the
  per-sample weights of SAMP-Net's weighted EMD (Zhang et al. 2021);
- :func:`rank_hinge_loss`: a pairwise margin loss on predicted means over in-batch pairs;
- :func:`mpemd_loss`: the multi-patch EMD losses MPEMD_avg and MPEMD_ada (Wang et al. 2019);
- :func:`masked_attribute_mse`: attribute regression that ignores zero (unlabelled) targets;
- :func:`regression_loss`: MSE on the mean score, for models that predict only a mean;
- :func:`binary_loss`: cross-entropy of good/bad logits at a threshold, for binary heads;
- :class:`AestheticLoss`: the weighted sum the trainer optimises, with its parts for logging.

Half-precision inputs are computed in float32; targets are moved to the prediction's device and
dtype. Introduced in notebooks/04_metrics_and_losses (EMD, rank), 06_aspect_ratio (MPEMD),
08_sampnet (weighted EMD, attribute MSE) and 09_convnextv2_sgfm (the combined loss).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import torch
from torch import Tensor, nn

from .data import schema

REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")
PATCH_MODES: tuple[str, ...] = ("avg", "ada")

#: Target means closer than this count as tied in :func:`rank_hinge_loss` (CADB means lie on a
#: 0.2 grid and float rounding must not turn a tie into a "pair").
TIE_TOL = 1e-6
#: Attribute targets with ``|t| <= ZERO_TOL`` count as unlabelled in :func:`masked_attribute_mse`.
ZERO_TOL = 1e-6


def _promote(x: Tensor) -> Tensor:
    """Half and bfloat16 tensors are computed in float32 (cumulative sums and logs need it)."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def _like(target: Tensor | Any, pred: Tensor) -> Tensor:
    return torch.as_tensor(target).to(device=pred.device, dtype=pred.dtype)


def _check_reduction(reduction: str, where: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: expected reduction in {REDUCTIONS}, found {reduction!r}")


def _reduce(per_sample: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    return per_sample


def _apply_weight(per_sample: Tensor, weight: Tensor | None, where: str) -> Tensor:
    if weight is None:
        return per_sample
    w = _like(weight, per_sample)
    if w.ndim > 0:
        w = w.reshape(-1)
        if w.numel() != per_sample.shape[0]:
            raise ValueError(
                f"{where}: expected one weight per sample ({per_sample.shape[0]}), found {w.numel()}"
            )
        w = w.view(-1, *([1] * (per_sample.ndim - 1)))
    return per_sample * w


def emd_per_sample(pred: Tensor, target: Tensor, r: float = 2) -> Tensor:
    """EMD_r over the last dimension. ``[..., K], [..., K] -> [...]`` (broadcasting).

    ``(1/K * sum_k |CDF_pred(k) - CDF_target(k)|^r)^(1/r)``. The root is taken only where the
    inner mean is positive, so identical distributions give 0 with a zero (not NaN) gradient.
    Inputs are used as given (no normalisation). Introduced in notebooks/04_metrics_and_losses.
    """
    if not r >= 1:
        raise ValueError(f"emd: expected r >= 1, found r={r}")
    d = (torch.cumsum(pred, -1) - torch.cumsum(target, -1)).abs()
    if r == 1:
        return d.mean(-1)
    m = d.pow(r).mean(-1)
    positive = m > 0
    safe = torch.where(positive, m, torch.ones_like(m))
    return torch.where(positive, safe.pow(1.0 / r), torch.zeros_like(m))


def emd_loss(
    pred: Tensor,
    target: Tensor,
    r: float = 2,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Earth mover's distance loss between score distributions. ``[B, K], [B, K] -> []`` (or ``[B]``).

    ``EMD_r = (1/K * sum_k |CDF_pred(k) - CDF_target(k)|^r)^(1/r)`` per sample (NIMA uses r=2 for
    training); ``weight`` ``[B]`` multiplies each sample's EMD before the reduction, as SAMP-Net's
    weighted EMD does with CADB's ``emdloss_weight`` (the mean is over B, not over the weights'
    sum). ``pred`` and ``target`` should be probabilities (softmax outputs, normalised votes); they
    are not renormalised. Equals :func:`aesthetics_lib.metrics.emd` on the same inputs.
    Introduced in notebooks/04_metrics_and_losses.
    """
    _check_reduction(reduction, "emd_loss")
    pred = _promote(pred)
    target = _like(target, pred)
    if pred.ndim != 2 or pred.shape != target.shape:
        raise ValueError(
            f"emd_loss: expected pred and target of the same shape [B, K], found "
            f"{tuple(pred.shape)} and {tuple(target.shape)}"
        )
    per = _apply_weight(emd_per_sample(pred, target, r), weight, "emd_loss")
    return _reduce(per, reduction)


def rank_hinge_loss(
    pred_mean: Tensor, target_mean: Tensor, margin: float = 0.05, reduction: str = "mean"
) -> Tensor:
    """Pairwise margin ranking loss over all in-batch pairs. ``[B], [B] -> []``.

    For every pair (i, j) whose target means differ (by more than :data:`TIE_TOL`), with i the
    better image, the loss is ``max(0, margin - (pred_i - pred_j))``: zero once the prediction
    orders the pair correctly by at least ``margin``. ``reduction="mean"`` averages over those
    pairs, ``"sum"`` adds them, ``"none"`` returns the ``[B, B]`` matrix (zero off the pairs).
    A batch without such a pair gives 0, still attached to the graph. Ranking only asks which of
    two photos the raters preferred, which is more stable than their absolute scores.
    Introduced in notebooks/04_metrics_and_losses.
    """
    _check_reduction(reduction, "rank_hinge_loss")
    p = _promote(pred_mean).reshape(-1)
    t = _like(target_mean, p).reshape(-1)
    if p.shape != t.shape:
        raise ValueError(
            f"rank_hinge_loss: expected pred_mean and target_mean of the same length [B], found "
            f"{tuple(pred_mean.shape)} and {tuple(torch.as_tensor(target_mean).shape)}"
        )
    dp = p[:, None] - p[None, :]
    pairs = (t[:, None] - t[None, :]) > TIE_TOL  # i strictly better than j
    hinge = torch.relu(margin - dp) * pairs
    if reduction == "none":
        return hinge
    if reduction == "sum":
        return hinge.sum()
    return hinge.sum() / pairs.sum().clamp(min=1)


def mpemd_weight(emd_c: Tensor, beta: float = 1.0) -> Tensor:
    """MPEMD_ada's patch weight ``1 - EMDc^beta``: 0 for a perfect patch, near 1 for a bad one.

    ``[...] -> [...]``. Introduced in notebooks/06_aspect_ratio.
    """
    return 1.0 - emd_c.pow(beta)


def mpemd_loss(
    patch_pred: Tensor,
    target: Tensor,
    mode: str = "avg",
    k: float = 1.0,
    beta: float = 1.0,
    eps: float = 1e-6,
    *,
    r: float = 2,
    weight: Tensor | None = None,
    detach_weight: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """Multi-patch EMD loss (Wang et al. 2019). ``[B, P, K], [B, K] -> []``.

    Each of the P patches of an image predicts a distribution; with ``EMD`` the patch's EMD_r
    against the image's target and ``EMDc = clip(1 - k * EMD, eps, 1)`` (a similarity):

    - ``mode="avg"``: ``MPEMD_avg = -(1/P) sum_p log EMDc``;
    - ``mode="ada"``: ``MPEMD_ada = -(1/P) sum_p (1 - EMDc^beta) log EMDc``; the weight
      ``1 - EMDc^beta`` (:func:`mpemd_weight`) grows for badly predicted patches, like the focal
      loss's modulating factor. ``MPEMD_ada <= MPEMD_avg`` for ``beta > 0``.

    The weight is not detached by default: the loss is then exactly the formula above and its
    gradient ``-(1-c^b)/c + b c^(b-1) log c`` (with ``c = EMDc``) still always pushes c up, since
    both terms are negative on (0, 1), as in the focal loss. ``detach_weight=True`` treats the
    weight as a constant per step, a pure re-weighting of MPEMD_avg's patch gradients.

    With r=2 the EMD is at most 1, so with ``k=1`` the clip only guards ``log(0)``; with ``k > 1``
    patches whose EMD exceeds ``1/k`` hit ``eps`` and get no gradient (tune k and beta together).
    ``weight`` ``[B]`` scales each image's loss. ``reduction="none"`` returns the ``[B, P]`` patch
    terms. Introduced in notebooks/06_aspect_ratio.
    """
    _check_reduction(reduction, "mpemd_loss")
    if mode not in PATCH_MODES:
        raise ValueError(f"mpemd_loss: expected mode in {PATCH_MODES}, found {mode!r}")
    if not k > 0:
        raise ValueError(f"mpemd_loss: expected k > 0, found k={k}")
    if mode == "ada" and not beta > 0:
        raise ValueError(f"mpemd_loss: expected beta > 0 for mode='ada', found beta={beta}")
    if not 0 < eps < 1:
        raise ValueError(f"mpemd_loss: expected 0 < eps < 1, found eps={eps}")
    patch_pred = _promote(patch_pred)
    target = _like(target, patch_pred)
    if patch_pred.ndim != 3 or target.ndim != 2 or patch_pred.shape[::2] != target.shape:
        raise ValueError(
            f"mpemd_loss: expected patch_pred [B, P, K] and target [B, K], found "
            f"{tuple(patch_pred.shape)} and {tuple(target.shape)}"
        )
    dist = emd_per_sample(patch_pred, target[:, None, :], r)  # [B, P]
    emd_c = (1.0 - k * dist).clamp(eps, 1.0)
    nll = -torch.log(emd_c)
    if mode == "ada":
        w = mpemd_weight(emd_c, beta)
        nll = (w.detach() if detach_weight else w) * nll
    nll = _apply_weight(nll, weight, "mpemd_loss")
    if reduction == "none":
        return nll
    return _reduce(nll.mean(1), reduction)


def masked_attribute_mse(pred: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
    """MSE over the labelled attribute entries only. ``[B, A], [B, A], [B, A] bool -> []``.

    Entries whose target is 0 are ignored (SAMP-Net: in AADB/CADB a 0 attribute means "not
    labelled / neutral" and would otherwise pull every prediction towards 0), as are entries where
    ``mask`` is False. The mean is over the entries left; 0 (attached to the graph) when none is.
    Introduced in notebooks/08_sampnet.
    """
    pred = _promote(pred)
    target = _like(target, pred)
    if pred.shape != target.shape or pred.ndim != 2:
        raise ValueError(
            f"masked_attribute_mse: expected pred and target of the same shape [B, A], found "
            f"{tuple(pred.shape)} and {tuple(target.shape)}"
        )
    keep = target.abs() > ZERO_TOL
    if mask is not None:
        m = torch.as_tensor(mask, device=pred.device)
        if m.shape != pred.shape:
            raise ValueError(
                f"masked_attribute_mse: expected mask of shape {tuple(pred.shape)}, found {tuple(m.shape)}"
            )
        keep = keep & m.bool()
    se = (pred - target).pow(2) * keep
    return se.sum() / keep.sum().clamp(min=1)


def regression_loss(
    pred_mean: Tensor, target_mean: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """Squared error of the predicted mean score. ``[B], [B] -> []``.

    For models that output only a mean (a DCNN regression head, notebooks/05_dcnn); ``weight``
    ``[B]`` scales each sample. :class:`AestheticLoss` uses it when the output has no ``dist``.
    """
    _check_reduction(reduction, "regression_loss")
    p = _promote(pred_mean).reshape(-1)
    t = _like(target_mean, p).reshape(-1)
    if p.shape != t.shape:
        raise ValueError(
            f"regression_loss: expected pred_mean and target_mean of the same length, found "
            f"{p.numel()} and {t.numel()}"
        )
    return _reduce(_apply_weight((p - t).pow(2), weight, "regression_loss"), reduction)


def binary_loss(
    logits: Tensor, target_mean: Tensor, threshold: float, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """Cross-entropy of good/bad logits against the label "mean score >= threshold". ``[B, 2], [B] -> []``.

    For a binary head (CMU's and RAPID's task, notebooks/05_dcnn): class 1 is "good", labelled by
    :func:`aesthetics_lib.metrics.binarize` (the one good/bad cut, a mean equal to the threshold up
    to float rounding counting as good). ``weight`` ``[B]`` scales each sample."""
    from aesthetics_lib.metrics import binarize

    _check_reduction(reduction, "binary_loss")
    z = _promote(logits)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"binary_loss: expected logits [B, 2] (bad, good), found {tuple(z.shape)}")
    t = torch.as_tensor(target_mean, device=z.device).reshape(-1)
    label = torch.as_tensor(binarize(t.detach().double().cpu().numpy(), threshold), device=z.device).long()
    per_sample = nn.functional.cross_entropy(z, label, reduction="none")
    return _reduce(_apply_weight(per_sample, weight, "binary_loss"), reduction)


class AestheticLoss(nn.Module):
    """The training loss: ``emd * main + rank * rank_hinge + attributes * attribute_mse``.

    ``forward(output, batch) -> (loss, parts)``. ``output`` is a model's dict; ``batch`` a collated
    sample dict (see ``aesthetics_lib.data.schema``). The main term is chosen from the output
    (:meth:`main_term`):

    - ``"emd"``: :func:`emd_loss` of ``output["dist"]`` ``[B, K]`` against ``batch["dist"]``,
      weighted by ``batch["weight"]`` when present (SAMP-Net's weighted EMD);
    - ``"mpemd"``: with ``patch_mode`` "avg"/"ada" and ``output["patch_dist"]`` ``[B, P, K]``,
      :func:`mpemd_loss` (with ``k``, ``beta``) replaces the plain EMD; an output without
      ``patch_dist`` (e.g. a single-view evaluation pass) falls back to "emd";
    - ``"mse"``: a model without ``dist`` (a regression head) gets :func:`regression_loss` on
      ``output["mean"]``; the weight ``emd`` then scales this term;
    - ``"ce"``: a binary head (``output["logits"]`` ``[B, 2]``) gets :func:`binary_loss` against
      "mean >= ``threshold``" (pass the dataset's threshold); the weight ``emd`` scales it.

    The rank term uses ``output["mean"]`` (or the mean of ``output["dist"]``, or P(good)) against
    ``batch["mean"]``. The attribute term compares ``output["attributes"]`` ``[B, A]``, with
    A = ``len(attribute_names)``, with those columns of ``batch["attributes"]`` ``[B, 11]``
    (``schema.ATTRIBUTES`` order), masked by ``batch["attr_mask"]`` and zero targets; a positive
    ``attributes`` weight with no ``output["attributes"]`` is an error.

    ``parts`` holds detached 0-d float tensors on the loss's device (no host synchronisation: call
    ``float()`` on a part, or ``fmt`` it, when you want a number): ``"emd"``, ``"rank"``, ``"attr"``,
    ``"total"``, plus ``"mpemd"`` or ``"mse"`` when that is the main term. Terms with weight 0 are
    still reported (computed without gradient) when the output allows; a term that cannot be computed
    is NaN (``"emd"`` for a mean-only model, ``"attr"`` without an attribute head). ``"total"`` equals
    ``emd * parts[main] + rank * parts["rank"] + attributes * parts["attr"]`` over the weighted
    terms. The course's ConvNeXt V2 + SGFM uses ``AestheticLoss(emd=1, rank=0.2, attributes=0.1)``;
    SAMP-Net ``AestheticLoss(attributes=0.1, attribute_names=schema.SAMPNET_ATTRIBUTES)``.
    Introduced in notebooks/09_convnextv2_sgfm.
    """

    def __init__(
        self,
        emd: float = 1.0,
        rank: float = 0.0,
        attributes: float = 0.0,
        r: float = 2,
        margin: float = 0.05,
        attribute_names: Sequence[str] = schema.ATTRIBUTES,
        patch_mode: str | None = None,
        k: float = 1.0,
        beta: float = 1.0,
        threshold: float | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("emd", emd), ("rank", rank), ("attributes", attributes)):
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"AestheticLoss: expected weight {name} >= 0, found {value}")
        if patch_mode not in (None, *PATCH_MODES):
            raise ValueError(f"AestheticLoss: expected patch_mode None, 'avg' or 'ada', found {patch_mode!r}")
        unknown = [a for a in attribute_names if a not in schema.ATTRIBUTES]
        if unknown:
            raise ValueError(
                f"AestheticLoss: unknown attribute names {unknown}; expected names from "
                f"schema.ATTRIBUTES {schema.ATTRIBUTES}"
            )
        self.weights = {"emd": float(emd), "rank": float(rank), "attr": float(attributes)}
        self.r = r
        self.margin = margin
        self.attribute_names = tuple(attribute_names)
        self.attribute_index = [schema.ATTRIBUTES.index(a) for a in self.attribute_names]
        self.patch_mode = patch_mode
        self.k = k
        self.beta = beta
        self.threshold = None if threshold is None else float(threshold)

    def extra_repr(self) -> str:
        w = self.weights
        text = f"emd={w['emd']}, rank={w['rank']}, attributes={w['attr']}, r={self.r}, margin={self.margin}"
        if self.patch_mode:
            text += f", patch_mode={self.patch_mode!r}, k={self.k}, beta={self.beta}"
        return text + f", attribute_names={self.attribute_names}"

    def main_term(self, output: Mapping[str, Tensor]) -> str:
        """Which main term ``output`` gets: ``"emd"``, ``"mpemd"``, ``"mse"`` or ``"ce"``."""
        if self.patch_mode is not None and "patch_dist" in output:
            return "mpemd"
        if "dist" in output:
            return "emd"
        if "mean" in output:
            return "mse"
        if "logits" in output:
            if self.threshold is None:
                raise ValueError(
                    "AestheticLoss: a binary head (output['logits']) needs the good/bad threshold: "
                    "AestheticLoss(threshold=...) (the trainer passes the dataset's)"
                )
            return "ce"
        raise ValueError(
            f"AestheticLoss: expected the model output to have 'dist', 'mean' or 'logits', found keys {sorted(output)}"
        )

    @staticmethod
    def _need(batch: Mapping[str, Any], key: str) -> Any:
        if key not in batch:
            raise KeyError(f"AestheticLoss: expected batch[{key!r}], found keys {sorted(batch)}")
        return batch[key]

    def _target_mean(self, batch: Mapping[str, Any], like: Tensor) -> Tensor:
        if "mean" in batch:
            return _like(batch["mean"], like).reshape(-1)
        return schema.dist_mean(_like(self._need(batch, "dist"), like))

    def _attr_term(self, output: Mapping[str, Tensor], batch: Mapping[str, Any]) -> Tensor | None:
        want = self.weights["attr"] > 0
        if "attributes" not in output:
            if want:
                raise ValueError(
                    f"AestheticLoss(attributes={self.weights['attr']}) expects output['attributes'] "
                    f"[B, {len(self.attribute_names)}], but the model returned keys {sorted(output)}; "
                    "set attributes=0 or use a model with an attribute head"
                )
            return None
        pred = output["attributes"]
        if "attributes" not in batch:
            if want:
                self._need(batch, "attributes")
            return None
        target = _like(batch["attributes"], pred)
        if target.ndim != 2 or target.shape[1] != len(schema.ATTRIBUTES):
            raise ValueError(
                f"AestheticLoss: expected batch['attributes'] of shape [B, {len(schema.ATTRIBUTES)}] "
                f"(schema.ATTRIBUTES order), found {tuple(target.shape)}"
            )
        if pred.ndim != 2 or pred.shape[1] != len(self.attribute_names):
            if want:
                raise ValueError(
                    f"AestheticLoss: output['attributes'] has shape {tuple(pred.shape)} but "
                    f"attribute_names has {len(self.attribute_names)} names {self.attribute_names}; "
                    "pass attribute_names=model.attribute_names"
                )
            return None
        cols = self.attribute_index
        mask = batch.get("attr_mask")
        if mask is not None:
            mask = torch.as_tensor(mask, device=pred.device)[:, cols]
        return masked_attribute_mse(pred, target[:, cols], mask)

    def forward(
        self, output: Mapping[str, Tensor], batch: Mapping[str, Any]
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``(loss, parts)``: the scalar loss to back-propagate and its detached parts (0-d tensors;
        nothing here waits for the device)."""
        main = self.main_term(output)
        weight = batch.get("weight")
        parts: dict[str, Tensor] = {}
        terms: dict[str, Tensor] = {}

        if main == "mse":
            terms["main"] = regression_loss(output["mean"], self._need(batch, "mean"), weight)
        elif main == "ce":
            terms["main"] = binary_loss(output["logits"], self._target_mean(batch, output["logits"][:, 0]),
                                        self.threshold, weight)
        elif main == "mpemd":
            terms["main"] = mpemd_loss(
                output["patch_dist"], self._need(batch, "dist"), self.patch_mode, self.k, self.beta,
                r=self.r, weight=weight,
            )
            if "dist" in output:
                with torch.no_grad():
                    parts["emd"] = emd_loss(output["dist"], batch["dist"], self.r, weight).detach()
        else:
            terms["main"] = emd_loss(output["dist"], self._need(batch, "dist"), self.r, weight)

        if "mean" in output:
            pred_mean = output["mean"]
        elif "dist" in output:
            pred_mean = schema.dist_mean(_promote(output["dist"]))
        else:  # a binary head ranks by P(good)
            pred_mean = output["prob_good"] if "prob_good" in output else _promote(output["logits"]).softmax(-1)[:, 1]
        pred_mean = _promote(pred_mean).reshape(-1)
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.weights["rank"] > 0):
            terms["rank"] = rank_hinge_loss(pred_mean, self._target_mean(batch, pred_mean), self.margin)
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.weights["attr"] > 0):
            attr = self._attr_term(output, batch)
        if attr is not None:
            terms["attr"] = attr

        total = terms["main"] * self.weights["emd"]
        for name in ("rank", "attr"):
            if name in terms and self.weights[name] > 0:
                total = total + self.weights[name] * terms[name]

        nan = terms["main"].detach().new_full((), math.nan)  # a part that cannot be computed
        parts[main] = terms["main"].detach()
        parts.setdefault("emd", nan)
        parts["rank"] = terms["rank"].detach()
        parts["attr"] = terms["attr"].detach() if "attr" in terms else nan
        parts["total"] = total.detach()
        return total, {k: parts[k] for k in ("emd", "mpemd", "mse", "ce", "rank", "attr", "total") if k in parts}
