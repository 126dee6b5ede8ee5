"""aesthetics_lib: the library behind the Aesthetics Lab course on image aesthetics assessment.

Modules (one idea each): ``data`` (AVA, CADB, the synthetic studio, sample photos, transforms,
registry), ``features`` (hand-crafted features), ``saliency`` (spectral residual), ``metrics``,
``compare`` (paired bootstrap, noise ceiling), ``losses``, ``models`` (DCNN, SPP, NIMA,
multi-patch, SAMP-Net, ConvNeXt V2 + SGFM), ``train`` / ``training`` (the trainer), ``ablation``
(frozen-backbone ablations over seeds), ``inference`` (the one prediction path), ``zoo`` /
``course_weights`` (the shipped course weights), ``explain`` (Grad-CAM, sanity checks), ``apps``
(burst ranking, cropping), ``demo``, ``rater`` (the be-a-rater widget), ``viz``, ``notebook``.
"""

__version__ = "0.1.0"
