"""aesthetics_lib: the library behind the Aesthetics Lab course on image aesthetics assessment.

Modules (one idea each): ``data`` (AVA, CADB, the synthetic studio, sample photos, transforms,
registry), ``features`` (hand-crafted features), ``saliency`` (spectral residual), ``metrics``,
``losses``, ``models`` (DCNN, SPP, NIMA, multi-patch, SAMP-Net, ConvNeXt V2 + SGFM), ``train``
(the trainer), ``explain`` (Grad-CAM), ``apps`` (burst ranking, cropping), ``notebook``.
"""

__version__ = "0.1.0"
