"""The course's aesthetics models, created by name.

``create_model(name, num_bins=5, attribute_names=None, backbone=None, pretrained=False, **kw)``;
``list_models()``. Names: ``dcnn`` (RAPID / CMU), ``spp`` (spatial pyramid pooling), ``nima``,
``multipatch`` (Wang et al. 2019), ``multipatch_layout`` (the same with a layout column), ``sampnet`` (SAMP-Net), ``convnextv2_sgfm`` (ConvNeXt V2 +
SGFM + GRN pooling). Every model maps ``forward(images, **extras)`` to a dict with ``dist``
``[B, K]`` and ``mean`` ``[B]`` (see docs/ARCHITECTURE.md and :mod:`.heads`), and names its Grad-CAM
layers in ``cam_target_layers()``. Introduced in notebooks/05_dcnn.
"""

from aesthetics_lib.models.convnext_sgfm import GRN, SGFM, ConvNeXtSGFM, GRNAttentionPool
from aesthetics_lib.models.dcnn import DCNN
from aesthetics_lib.models.heads import (
    AestheticModel,
    AttributeHead,
    BinaryHead,
    DistributionHead,
    RegressionHead,
    mean_from_dist,
    std_from_dist,
)
from aesthetics_lib.models.multipatch import MultiPatchNet
from aesthetics_lib.models.multipatch_layout import LayoutPatchNet
from aesthetics_lib.models.nima import NIMA
from aesthetics_lib.models.registry import create_model, list_models, model_class, register_model
from aesthetics_lib.models.sampnet import PATTERN_NAMES, SAMPNet, pattern_masks
from aesthetics_lib.models.spp import SPPNet, SpatialPyramidPool

__all__ = [
    "AestheticModel",
    "AttributeHead",
    "BinaryHead",
    "ConvNeXtSGFM",
    "DCNN",
    "DistributionHead",
    "GRN",
    "GRNAttentionPool",
    "LayoutPatchNet",
    "MultiPatchNet",
    "NIMA",
    "PATTERN_NAMES",
    "RegressionHead",
    "SAMPNet",
    "SGFM",
    "SPPNet",
    "SpatialPyramidPool",
    "create_model",
    "list_models",
    "mean_from_dist",
    "model_class",
    "pattern_masks",
    "register_model",
    "std_from_dist",
]
