"""The "be a rater" helpers: photo picking, the fair comparison with the panel, the widget."""

from __future__ import annotations

import numpy as np
import pytest

from aesthetics_lib import metrics
from aesthetics_lib.rater import RaterApp, pick_photos, rater_report


def _panel(n: int = 40, raters: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.uniform(1, 5, n)
    panel = np.clip(np.round(truth[:, None] + rng.normal(0, 0.7, (n, raters))), 1, 5)
    return truth, panel


def test_pick_photos_spans_the_range_in_a_shuffled_order() -> None:
    _, panel = _panel(200)
    idx = pick_photos(panel, n=20, seed=1)
    assert len(set(idx.tolist())) == 20
    means = panel.mean(1)[idx]
    assert means.min() <= np.quantile(panel.mean(1), 0.05) and means.max() >= np.quantile(panel.mean(1), 0.95)
    assert not np.all(np.diff(means) >= 0)  # not shown in order of quality
    assert np.array_equal(idx, pick_photos(panel, n=20, seed=1))
    with pytest.raises(ValueError, match="n <= 200"):
        pick_photos(panel, n=500)


def test_report_compares_like_with_like() -> None:
    truth, panel = _panel()
    # a sixth rater of the same kind lands among the panel; a random one below all of them
    good = rater_report(np.clip(np.round(truth + np.random.default_rng(5).normal(0, 0.7, len(truth))), 1, 5), panel, n_boot=200)
    bad = rater_report(np.random.default_rng(6).integers(1, 6, len(truth)), panel, n_boot=200)
    assert min(good.panel_srcc) - 0.15 < good.srcc < max(good.panel_srcc) + 0.15
    assert bad.place == 0 and abs(bad.srcc) < 0.4
    # each panel rater against the mean of the other four, by hand
    j = 2
    assert bad.panel_srcc[j] == pytest.approx(metrics.srcc(panel[:, j], np.delete(panel, j, 1).mean(1)))
    assert good.interval[0] <= good.srcc <= good.interval[1]
    lenient = rater_report(panel[:, 0] + 1, panel, n_boot=200)  # an offset moves only the offset
    assert lenient.offset == pytest.approx(1 + panel[:, 0].mean() - panel.mean())
    assert "above" in lenient.summary() and f"{lenient.place} of its 5 raters" in lenient.summary()


def test_report_rejects_bad_input() -> None:
    _, panel = _panel(10)
    with pytest.raises(ValueError, match="expected 10 scores"):
        rater_report([3, 4], panel)
    with pytest.raises(ValueError, match="missing"):
        rater_report([np.nan] + [3] * 9, panel)
    with pytest.raises(ValueError, match="raters>=2"):
        rater_report([3] * 10, panel[:, :1])


def test_widget_walks_through_the_photos_and_reports() -> None:
    _, panel = _panel(6)
    shown = []

    def load(i: int) -> np.ndarray:
        shown.append(i)
        return np.full((8, 8, 3), 40 * i, np.uint8)

    app = RaterApp(load, panel, n_boot=50)
    assert app.progress.value == "photo 1 of 6" and bytes(app.view.value).startswith(b"\x89PNG")
    for s in (1, 2, 5):
        app.buttons[s - 1].click()
    app.back.click()  # change the third score
    app.buttons[3].click()
    for s in (2, 3, 5):
        app.buttons[s - 1].click()
    assert app.scores.tolist() == [1, 2, 4, 2, 3, 5]
    assert app.report is not None and app.progress.value == "all 6 photos scored"
    assert "Your SRCC with the panel" in app.result.value
    assert shown == [0, 1, 2, 3, 2, 3, 4, 5]
