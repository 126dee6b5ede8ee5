"""Tests of the applications' ground truth in the studio (aesthetics_lib.data.studio.apps_truth):
crop canvases with a known best crop and bursts with a known quality order."""

from __future__ import annotations

import numpy as np

from aesthetics_lib.data import studio as S


def test_best_crop_puts_the_subject_on_a_third_and_beats_other_crops():
    ex = S.render_canvas(11, aspect=4 / 3, long_side=160)
    h, w = ex.image.shape[:2]
    x1, y1, x2, y2 = ex.box
    assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
    assert abs((x2 - x1) / (y2 - y1) - 4 / 3) < 0.03
    assert (x2 - x1) < w or (y2 - y1) < h  # a real crop of a larger canvas
    cx, cy = ex.factors["subject_x"] * w, ex.factors["subject_y"] * h
    fx, fy = (cx - x1) / (x2 - x1), (cy - y1) / (y2 - y1)
    assert min(abs(fx - 1 / 3), abs(fx - 2 / 3)) < 0.02 and min(abs(fy - 1 / 3), abs(fy - 2 / 3)) < 0.02
    rng = np.random.default_rng(0)
    ch = rng.uniform(0.4, 1.0, 100) * min(h, w * 3 / 4)
    x0, y0 = rng.uniform(0, 1, 100) * (w - ch * 4 / 3), rng.uniform(0, 1, 100) * (h - ch)
    others = S.crop_quality(ex.factors, np.stack([x0, y0, x0 + ch * 4 / 3, y0 + ch], 1), long_side=160)
    assert S.crop_quality(ex.factors, [ex.box], long_side=160)[0] > others.max()
    assert len(S.generate_crop_set(2, seed=1, long_side=64)) == 2


def test_burst_shots_share_a_scene_and_come_with_their_quality_order():
    burst = S.render_studio_burst(5, n_shots=5, long_side=64)
    assert len(burst.images) == 5 and len({im.shape for im in burst.images}) == 1
    assert sorted(burst.order.tolist()) == list(range(5))
    assert np.all(np.diff(burst.quality[burst.order]) <= 0)
    assert burst.order[0] == 0  # the shot without faults is the best
    assert burst.factors["render_seed"].nunique() == 1 and burst.factors["scene"].nunique() == 1
