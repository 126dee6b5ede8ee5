"""Assignment 1: a hand-crafted aesthetic feature of your own design.

Fill in everything marked ``TODO``; starter.ipynb walks you through it. Check your work with
``python -m pytest assignments/a1_feature`` (the public tests). The grader also runs hidden tests on
photos you have not seen.

What your feature must do (the contract the tests check):

- ``feature(image)`` takes one photo, a ``uint8`` array ``[H, W, 3]`` (any size from 16 x 16 up) and
  returns one finite Python float, always the same for the same photo, inside ``RANGE``, without
  changing the array, in at most 50 ms of CPU time for a 96-pixel photo;
- it carries signal: on fresh studio photos, the rank correlation (SRCC) of ``DIRECTION * feature``
  with the raters' mean score has a 95 % bootstrap interval above 0;
- it is your own: its SRCC with each of the course's 13 features (``aesthetics_lib.features``) is
  below 0.95 in absolute value (a combination of several cues, or a new cue, is fine).

``srcc_table`` is the measurement you report in the notebook: each feature's SRCC with the scores,
with its interval from the library's bootstrap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: TODO: a short name for your feature, e.g. "subject_contrast".
NAME: str | None = None
#: TODO: your prediction, +1 if a higher value should mean a better photo, -1 if a lower one.
DIRECTION: int | None = None
#: TODO: the bounds (low, high) that every value of your feature lies within (finite numbers).
RANGE: tuple[float, float] | None = None


def feature(image: np.ndarray) -> float:
    """Your feature: ``uint8 [H, W, 3] -> float``.

    Explain here, in a sentence or two, what it measures and why it should track the score.
    Helpers you may use: ``aesthetics_lib.features`` (``luminance``, ``hsv``, ``as_float_rgb`` ...),
    ``aesthetics_lib.saliency.spectral_residual``, NumPy, SciPy, scikit-image.
    """
    raise NotImplementedError("feature: write your feature here")


def srcc_table(features: pd.DataFrame, scores: np.ndarray, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """The SRCC of every column of ``features`` (one row per photo) with ``scores`` ``[N]``.

    Returns a frame indexed by the column names with columns ``srcc``, ``low`` and ``high`` (the
    95 % interval of ``aesthetics_lib.metrics.bootstrap_ci`` of ``metrics.srcc`` with ``n_boot`` and
    ``seed``), sorted by ``|srcc|``, largest first; a column whose SRCC is undefined (NaN, e.g. a
    constant one) comes last.
    """
    raise NotImplementedError("srcc_table: write the table here")
