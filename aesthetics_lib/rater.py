"""Be a rater: score a handful of photos yourself, then see how well you agree with a panel.

A label in CADB is the mean of five raters' 1-5 scores. Scoring twenty photos yourself and comparing
your scores with the panel's shows what that mean is: a consensus that no single rater matches, and
that each rater (you included) reaches only up to a point.

- :func:`pick_photos` chooses photos that span the panel's range of scores (ranking twenty photos of
  the same quality would measure nothing);
- :func:`rater_report` compares your scores with the panel on an equal footing: you against the
  mean of four of the five raters (averaged over which one is left out), and each panel rater
  against the mean of the other four;
- :class:`RaterApp` is the widget: one photo at a time, buttons 1 to 5, then the report.

Introduced in notebooks/00_welcome.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from aesthetics_lib import metrics

#: The scale of a CADB score.
SCALE = (1, 2, 3, 4, 5)


def pick_photos(panel_scores: Any, n: int = 20, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` photos spread over the panel's mean scores: one drawn at random from each
    of ``n`` equal-count bins of the sorted means, returned in a shuffled order (so that the
    order shown does not give the ranking away). ``panel_scores`` is ``[N, raters]``."""
    scores = np.asarray(panel_scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(f"pick_photos: expected panel scores [N, raters>=2], found shape {scores.shape}")
    if not 2 <= n <= len(scores):
        raise ValueError(f"pick_photos: expected 2 <= n <= {len(scores)} photos, found n={n}")
    rng = np.random.default_rng(seed)
    order = np.argsort(scores.mean(1), kind="stable")
    picks = np.array([rng.choice(b) for b in np.array_split(order, n)])
    return picks[rng.permutation(n)]


@dataclass(frozen=True)
class RaterReport:
    """How one rater's scores agree with a panel's (see :func:`rater_report`)."""

    n: int  #: photos scored
    srcc: float  #: SRCC of your scores with the mean of 4 panel raters (averaged over which one is left out)
    interval: tuple[float, float]  #: 95 % bootstrap interval of ``srcc`` over the photos
    panel_srcc: tuple[float, ...]  #: each panel rater's SRCC with the mean of the other raters
    offset: float  #: your mean score minus the panel's mean score (a lenient rater is positive)

    @property
    def place(self) -> int:
        """How many panel raters agree with the others less than you agree with the panel."""
        return int(sum(s < self.srcc for s in self.panel_srcc))

    def summary(self) -> str:
        """The report in a few plain sentences."""
        k = len(self.panel_srcc)
        lines = [
            f"You scored {self.n} photos. Your SRCC with the panel: {self.srcc:.2f} "
            f"[{self.interval[0]:.2f}, {self.interval[1]:.2f}] (95 % bootstrap interval over the photos).",
            "Each panel rater against the other raters: " + ", ".join(f"{s:.2f}" for s in self.panel_srcc) + ".",
            f"You agree with the panel better than {self.place} of its {k} raters.",
            f"Your scores are {abs(self.offset):.2f} points {'above' if self.offset >= 0 else 'below'} the panel's "
            "on average: SRCC ignores such an offset, MSE does not.",
        ]
        if self.interval[1] - self.interval[0] > 0.3:
            lines.append(f"With {self.n} photos the interval is wide: rank more photos to place yourself "
                         "among the raters with confidence.")
        return "\n".join(lines)


def rater_report(mine: Any, panel_scores: Any, n_boot: int = 1000, seed: int = 0) -> RaterReport:
    """Compare ``mine`` (one score per photo) with ``panel_scores`` (``[photos, raters]``).

    Fair to both sides: a panel rater is compared with the mean of the *other* raters (one fewer
    than the panel), so you are compared with the mean of the same number of raters, averaged over
    which panel rater is left out. The interval resamples photos (percentile bootstrap).
    """
    you = np.asarray(mine, dtype=np.float64)
    panel = np.asarray(panel_scores, dtype=np.float64)
    if panel.ndim != 2 or panel.shape[1] < 2:
        raise ValueError(f"rater_report: expected panel scores [photos, raters>=2], found shape {panel.shape}")
    if you.shape != (len(panel),):
        raise ValueError(f"rater_report: expected {len(panel)} scores (one per photo), found shape {you.shape}")
    if not np.isfinite(you).all():
        raise ValueError("rater_report: every photo needs a score (found a missing one)")
    k = panel.shape[1]
    others = [np.delete(panel, j, axis=1).mean(1) for j in range(k)]  # the mean of k-1 raters, k ways
    panel_srcc = tuple(float(metrics.srcc(panel[:, j], others[j])) for j in range(k))

    def agreement(p: np.ndarray, t: np.ndarray) -> float:  # p: your scores, t: the k leave-one-out means
        return float(np.nanmean([metrics.srcc(p, t[:, j]) for j in range(t.shape[1])]))

    loo = np.stack(others, 1)
    srcc = agreement(you, loo)
    low, high = metrics.bootstrap_ci(agreement, you, loo, n_boot=n_boot, seed=seed)
    return RaterReport(n=len(you), srcc=srcc, interval=(float(low), float(high)), panel_srcc=panel_srcc,
                       offset=float(you.mean() - panel.mean()))


def _png(image: Any) -> bytes:
    from PIL import Image

    img = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()


class RaterApp:
    """Score photos one at a time with buttons 1-5; after the last one, show the report.

    ``load(i)`` returns the i-th photo (PIL image or array) of ``panel_scores``' rows. Public parts
    (so a test or a notebook can drive it): ``buttons`` (one per score), ``back``, ``view``,
    ``progress``, ``result``, ``scores`` (yours so far, NaN where not scored), ``report`` (the
    :class:`RaterReport` once every photo is scored, else None); ``.widget`` is the box to display.
    """

    def __init__(self, load: Callable[[int], Any], panel_scores: Any, n_boot: int = 1000) -> None:
        import ipywidgets as w

        self.load = load
        self.panel = np.asarray(panel_scores, dtype=np.float64)
        self.n_boot = n_boot
        self.scores = np.full(len(self.panel), np.nan)
        self.report: RaterReport | None = None
        self.position = 0
        self.view = w.Image(format="png", layout=w.Layout(max_width="360px"))
        self.progress = w.HTML("")
        self.result = w.HTML("")
        self.buttons = [w.Button(description=str(s), layout=w.Layout(width="48px")) for s in SCALE]
        for s, b in zip(SCALE, self.buttons):
            b.on_click(lambda _b, s=s: self.rate(s))
        self.back = w.Button(description="back", layout=w.Layout(width="64px"))
        self.back.on_click(lambda _b: self.go_back())
        prompt = w.HTML("How good is this photo's <b>composition</b>? 1 = bad, 5 = excellent.")
        self.widget = w.VBox([prompt, self.view, w.HBox([*self.buttons, self.back]), self.progress, self.result])
        self._show()

    def rate(self, score: int) -> None:
        """Record ``score`` for the current photo and move on (the report comes after the last)."""
        if self.position >= len(self.panel):
            return
        self.scores[self.position] = score
        self.position += 1
        if self.position == len(self.panel):
            self.report = rater_report(self.scores, self.panel, n_boot=self.n_boot)
            self.result.value = "<pre>" + html.escape(self.report.summary()) + "</pre>"
        self._show()

    def go_back(self) -> None:
        """Return to the previous photo (its score can be given again)."""
        if self.position > 0:
            self.position -= 1
            self.report, self.result.value = None, ""
            self._show()

    def _show(self) -> None:
        n = len(self.panel)
        if self.position < n:
            self.view.value = _png(self.load(self.position))
            self.progress.value = f"photo {self.position + 1} of {n}"
        else:
            self.progress.value = f"all {n} photos scored"


def build_rater(load: Callable[[int], Any], panel_scores: Sequence[Sequence[float]] | np.ndarray,
                n_boot: int = 1000) -> RaterApp:
    """The "be a rater" widget for photos ``load(0..N-1)`` scored by a panel ``[N, raters]``."""
    return RaterApp(load, panel_scores, n_boot=n_boot)
