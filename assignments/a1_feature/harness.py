"""What assignment 1 provides: running a feature over many photos and the table it is measured in.

Introduced in assignments/a1_feature/starter.ipynb; the course's features are those of
notebooks/01_handcrafted_features.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from assignments.data import Budget, course_features, studio_set


class FeatureError(ValueError):
    """A feature that failed on some photos or returned something other than one finite number."""


def as_number(value: Any, where: str) -> float:
    """``value`` as a Python float: a float, an int or a NumPy scalar (or a one-element array).

    Raises :class:`FeatureError` (naming ``where``) for anything else, and for NaN or inf.
    """
    if isinstance(value, (bool, np.bool_)):
        raise FeatureError(f"{where}: expected a float, found a bool ({value!r})")
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        number = float(value)
    elif isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        number = float(value.reshape(()))
    else:
        shape = getattr(value, "shape", None)
        raise FeatureError(f"{where}: expected one float, found {type(value).__name__}"
                           + (f" of shape {tuple(shape)}" if shape is not None else ""))
    if not math.isfinite(number):
        raise FeatureError(f"{where}: expected a finite number, found {number}")
    return number


def feature_values(fn: Callable[[np.ndarray], Any], images: Sequence[np.ndarray],
                   ids: Sequence[str] | None = None) -> np.ndarray:
    """``fn`` on every photo: ``[N]`` float64. Goes on past photos where it fails, then raises one
    :class:`FeatureError` that counts them and names the first three (id and reason)."""
    ids = list(ids) if ids is not None else [str(i) for i in range(len(images))]
    values = np.full(len(images), np.nan)
    failed: list[str] = []
    for i, (key, image) in enumerate(zip(ids, images)):
        try:
            values[i] = as_number(fn(image), f"photo {key}")
        except FeatureError as exc:
            failed.append(str(exc))
        except Exception as exc:  # the student's code: report it with the photo, go on
            failed.append(f"photo {key}: {type(exc).__name__}: {exc}")
    if failed:
        more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
        raise FeatureError(f"the feature failed on {len(failed)} of {len(images)} photos: "
                           + "; ".join(failed[:3]) + more)
    return values


def measure(fn: Callable[[np.ndarray], Any], which: str = "practice", budget: str | Budget | None = None,
            name: str = "yours", limit: int | None = None) -> pd.DataFrame:
    """The course's 13 features and yours (column ``name``) on the photos of studio set ``which``,
    with the raters' mean score (column ``score``): one row per photo (the first ``limit``)."""
    s = studio_set(which, budget)
    table = course_features(which, budget).iloc[:limit].copy()
    n = len(table)
    table[name] = feature_values(fn, s.images(n), s.image_ids[:n])
    table["score"] = s.mean[:n]
    return table
