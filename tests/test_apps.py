"""Applications: burst ranking, composition-aware cropping, and the demo app (driven from Python)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from aesthetics_lib import apps


# ---------------------------------------------------------------------------- ranking
def test_ranking_accuracy_of_the_true_order_is_one_and_of_its_reverse_zero():
    order = [2, 0, 3, 1]  # item 2 is best, then 0, 3, 1
    scores = np.empty(4)
    scores[order] = [4.0, 3.0, 2.0, 1.0]
    assert apps.ranking_accuracy(scores, order) == 1.0
    assert apps.ranking_accuracy(-scores, order) == 0.0
    assert apps.ranking_accuracy(np.ones(4), order) == 0.5  # all tied: half credit
    rep = apps.ranking_report(scores, order)
    assert rep == {"pairwise_accuracy": 1.0, "kendall_tau": pytest.approx(1.0), "top1": 1.0}
    assert apps.ranking_report(-scores, order)["kendall_tau"] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="once"):
        apps.ranking_accuracy(scores, [0, 0, 1, 2])


def test_rank_burst_ranks_by_score():
    imgs = [Image.new("RGB", (8, 8), (v, v, v)) for v in (40, 200, 120)]
    brightness = lambda ims: np.array([np.asarray(i).mean() for i in ims])  # noqa: E731
    df = apps.rank_burst(brightness, imgs, labels=["dark", "bright", "mid"])
    assert list(df.columns) == ["label", "score", "rank"]
    assert df.set_index("label")["rank"].to_dict() == {"dark": 3, "bright": 1, "mid": 2}


# ---------------------------------------------------------------------------- crops
@pytest.mark.parametrize("aspect", [1.0, 4 / 5, 16 / 9, "3:2"])
@pytest.mark.parametrize("size", [(192, 144), (120, 200), (97, 61)])
def test_candidate_crops_have_the_aspect_and_lie_inside(aspect, size):
    w, h = size
    boxes = apps.candidate_crops(w, h, aspect)
    a = apps.parse_aspect(aspect)
    assert boxes and len(set(boxes)) == len(boxes)
    for x1, y1, x2, y2 in boxes:
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
        # whole pixels: the ratio is exact up to one pixel of rounding
        cw, ch = x2 - x1, y2 - y1
        assert abs(cw - a * ch) <= max(1.0, a) + 1e-9
    largest = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    assert largest[2] - largest[0] == w or largest[3] - largest[1] == h  # scale 1 touches two sides


def test_crop_iou():
    assert apps.crop_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert apps.crop_iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    assert apps.crop_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert apps.centre_crop(200, 100, "1:1") == (50, 0, 150, 100)


def test_score_images_reads_any_iterable_one_batch_at_a_time():
    made, seen = [], []

    def photos():
        for i in range(5):
            made.append(i)
            yield np.full((8, 8, 3), 40 * i, dtype=np.uint8)

    def scorer(batch):
        seen.append((len(batch), len(made)))  # the generator has made no more than this batch needs
        return [float(np.asarray(im).mean()) for im in batch]

    assert apps.score_images(scorer, photos(), batch_size=2).tolist() == [0.0, 40.0, 80.0, 120.0, 160.0]
    assert seen == [(2, 2), (2, 4), (1, 5)]
    with pytest.raises(ValueError, match="returned 1 scores for 3 images"):
        apps.score_crops(lambda batch: [0.0], Image.new("RGB", (32, 32)), [(0, 0, 8, 8)] * 3)


def test_best_crops_finds_the_region_the_scorer_prefers():
    # a dark image with one bright block; the scorer likes crops whose centre is bright
    arr = np.zeros((150, 200, 3), np.uint8)
    arr[20:80, 120:180] = 255
    img = Image.fromarray(arr)
    calls = []

    def scorer(crops):
        calls.append(len(crops))
        return np.array([np.asarray(c, float)[c.height // 3 : 2 * c.height // 3, c.width // 3 : 2 * c.width // 3].mean()
                         - 0.01 * c.width for c in crops])  # bright centre, then smaller is better

    best = apps.best_crops(scorer, img, "1:1", top=3, batch_size=16)
    assert len(best) == 3 and best[0][1] >= best[1][1] >= best[2][1]
    (x1, y1, x2, y2), _ = best[0]
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    assert 120 <= cx <= 180 and 20 <= cy <= 80
    assert max(calls) <= 16 and sum(calls) == len(apps.candidate_crops(200, 150, "1:1"))  # batched, all scored
    assert all(apps.crop_iou(a, b) <= 0.7 for (a, _), (b, _) in [(best[0], best[1]), (best[0], best[2]), (best[1], best[2])])


def test_best_crop_recovers_the_studios_known_best_crop_with_the_true_quality():
    from aesthetics_lib.data.studio import apps_truth

    ex = apps_truth.render_canvas(seed=5, aspect=4 / 3)
    boxes = apps.candidate_crops(ex.image.shape[1], ex.image.shape[0], ex.aspect, scales=(1.0, 0.85, 0.7, 0.55))
    truth = apps_truth.crop_quality(ex.factors, boxes)
    best = boxes[int(np.argmax(truth))]
    assert apps.crop_iou(best, ex.box) > 0.7  # the grid holds a crop close to the known best one


# ---------------------------------------------------------------------------- the demo app
def tiny_course_model():
    """A stand-in for zoo.course_model(...): an untrained model in a Predictor (model, spec, eval
    transform, .score), which is all the demo needs."""
    from aesthetics_lib.inference import Predictor
    from aesthetics_lib.models import create_model
    from aesthetics_lib.spec import InputSpec, ModelSpec

    torch.manual_seed(0)
    model = create_model("convnextv2_sgfm").eval()
    return Predictor(model, ModelSpec.from_model(model, InputSpec("warp", 64), threshold=2.6))


@pytest.fixture(scope="module")
def app():
    from aesthetics_lib.demo import build_demo

    return build_demo(tiny_course_model(), photos=("chelsea", "coffee"), max_side=160, crop_scales=(1.0, 0.7),
                      crop_stride=0.25).demo


def _upload(name: str, content: bytes) -> tuple[dict, ...]:
    import datetime

    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    return ({"name": name, "type": "", "size": len(content), "content": memoryview(content), "last_modified": when},)


def test_demo_builds_and_scores_a_sample_photo(app):
    import ipywidgets

    assert isinstance(app.widget, ipywidgets.Widget)
    app.picker.value = "chelsea"
    assert app.error.value == ""
    assert "Score" in app.score.value and app.last is not None
    assert 1.0 <= app.last["mean"] <= 5.0 and len(app.last["dist"]) == 5
    assert app.cam_view.value[:8] == b"\x89PNG\r\n\x1a\n" and app.crop_view.value and app.dist_view.value
    assert app.last["crop"]["aspect"] == "1:1"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("notes.txt", b"this is not an image at all\n", "not an image"),
        ("empty.jpg", b"", "empty"),
        ("cut.png", None, "truncated"),
    ],
)
def test_demo_shows_an_error_for_a_broken_upload(app, name, content, reason):
    import io

    if content is None:  # a real PNG cut in half
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
        content = buf.getvalue()[: len(buf.getvalue()) // 2]
    app.upload.value = _upload(name, content)
    assert "Could not read" in app.error.value and name in app.error.value
    assert reason in app.error.value.lower()
    assert "Traceback" not in app.error.value and "/tmp" not in app.error.value
    assert app.score.value == "" and app.last is None


def test_demo_scores_a_good_upload(app):
    import io

    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(buf, "JPEG")
    app.upload.value = _upload("sky.jpg", buf.getvalue())
    assert app.error.value == "" and "Score" in app.score.value


class _CheckedModel:
    """The tiny model with a validation record, as ``CourseModel.held_out()`` returns one."""

    def __init__(self, predictor) -> None:
        self.predictor = predictor
        self.model, self.spec, self.transform, self.score = predictor.model, predictor.spec, predictor.transform, predictor.score
        rows = [{"attribute": a, "labelled": 100, "srcc": 0.1, "low": -0.1, "high": 0.3} for a in predictor.attribute_names]
        rows[predictor.attribute_names.index("Content")].update(srcc=0.85, low=0.8, high=0.9)
        rows[predictor.attribute_names.index("Light")].update(srcc=0.5, low=0.35, high=0.6, labelled=12)  # too few photos
        self.record = {"n": 855, "srcc": 0.6, "srcc_ci": [0.55, 0.65], "mse": 0.25, "noise_ceiling_srcc": 0.87, "attributes": rows}

    def held_out(self):
        return self.record


def test_demo_speaks_only_from_checked_attributes_and_says_how_reliable_the_score_is():
    from aesthetics_lib import explain
    from aesthetics_lib.demo import build_demo

    checked = _CheckedModel(tiny_course_model())
    app = build_demo(checked, photos=("chelsea",), max_side=160, crop_scales=(1.0,), crop_stride=0.5).demo
    assert app.trusted == ["Content"], "Light has too few labelled photos, the others too low an interval"
    assert "Content 0.85 [0.80, 0.90]" in app.feedback_note.value and "Light" not in app.feedback_note.value
    assert "855 held-out photos" in app.reliability_line.value and "SRCC 0.60 [0.55, 0.65]" in app.reliability_line.value
    assert "0.87" in app.reliability_line.value and "off by 0.50" in app.reliability_line.value
    app.picker.value = "chelsea"
    assert app.last["feedback"] == explain.attribute_feedback(app.last["attributes"], only=["Content"])
    assert "Score" in app.score.value


def test_demo_without_a_record_says_the_score_is_unchecked(app):
    assert app.trusted is None and "unchecked" in app.reliability_line.value
    assert "none was checked" in app.feedback_note.value
