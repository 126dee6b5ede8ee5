"""Explainability: CAMs from pytorch_grad_cam on course models, mass in a mask, the randomisation
sanity check, and feedback sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aesthetics_lib import explain
from aesthetics_lib.models import create_model


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return create_model("convnextv2_sgfm").eval()


@pytest.fixture(scope="module")
def image():
    g = torch.Generator().manual_seed(1)
    x = torch.zeros(3, 64, 64)
    x[:, 16:40, 20:44] = 2.0  # a bright square "subject" on a dark, slightly noisy background
    return x + 0.3 * torch.randn(3, 64, 64, generator=g)


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "eigencam", "hirescam"])
def test_cam_has_the_input_size_and_lies_in_unit_range(model, image, method):
    cam = explain.compute_cam(model, image, method)
    assert cam.shape == (64, 64) and cam.dtype == np.float32
    assert cam.min() >= 0.0 and cam.max() <= 1.0
    assert cam.max() > 0.5  # min-max scaled: a non-empty map reaches (about) 1


def test_cam_is_deterministic_and_leaves_the_model_as_it_was(model, image):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    a = explain.compute_cam(model, image)
    b = explain.compute_cam(model, image.unsqueeze(0))
    assert np.array_equal(a, b)
    assert not model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    assert all(not layer._forward_hooks for layer in model.cam_target_layers())  # the hooks are removed


def test_mean_score_model_returns_the_predicted_mean(model, image):
    with torch.no_grad():
        want = model(image.unsqueeze(0))["mean"]
        got = explain.MeanScoreModel(model)(image.unsqueeze(0))
    assert got.shape == (1, 1)
    assert torch.allclose(got[:, 0], want)


def test_cam_skips_the_parameters_gradients_and_restores_their_flags(model, image):
    params = list(model.parameters())
    params[0].requires_grad_(False)  # a mix of frozen and trainable parameters
    sentinel = torch.full_like(params[1], 7.0)
    params[1].grad = sentinel
    seen = []
    hook = params[2].register_hook(lambda g: seen.append(g))  # would fire if its gradient were computed
    try:
        cam = explain.compute_cam(model, image, "gradcam")
    finally:
        hook.remove()
        params[0].requires_grad_(True)
    assert not seen
    assert params[1].grad is sentinel and all(p.requires_grad for p in params[1:])
    assert np.isfinite(cam).all() and cam.max() > 0


def test_cam_of_a_frozen_model_still_has_gradients(image):
    torch.manual_seed(0)
    m = create_model("convnextv2_sgfm").eval()
    for p in m.parameters():
        p.requires_grad_(False)
    cam = explain.compute_cam(m, image, "gradcam")
    assert cam.shape == (64, 64) and np.isfinite(cam).all()


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "eigencam", "hirescam"])
def test_cams_of_a_batch_are_each_image_s_own(model, image, method):
    images = [image, image.flip(-1), image.flip(-2)]  # three different photos
    grads = [p.grad for p in model.parameters()]
    one_by_one = [explain.compute_cam(model, x, method) for x in images]
    for batch_size in (2, 16):  # a partial last batch, and all in one pass
        batched = explain.compute_cams(model, images, method, batch_size=batch_size)
        assert len(batched) == 3
        for a, b in zip(one_by_one, batched):
            assert b.shape == a.shape and np.allclose(a, b, atol=1e-4)
    assert not np.allclose(one_by_one[0], one_by_one[1], atol=1e-3)  # the maps differ between images
    assert all(p.grad is g for p, g in zip(model.parameters(), grads)) and not model.training


def test_cams_refuse_inputs_of_different_sizes(model, image):
    with pytest.raises(ValueError, match="input 1 has shape"):
        explain.compute_cams(model, [image, torch.zeros(3, 32, 32)])
    with pytest.raises(ValueError, match="extra input 'local' has batch size 1"):
        explain.compute_cams(model, [image, image], extras={"local": torch.zeros(1, 3, 64, 64)})


def test_bad_inputs_give_clear_errors(model, image):
    with pytest.raises(ValueError, match="method"):
        explain.compute_cam(model, image, "scorecam-please")
    with pytest.raises(ValueError, match="one image"):
        explain.compute_cam(model, torch.zeros(2, 3, 64, 64))
    with pytest.raises(TypeError, match="tensor"):
        explain.compute_cam(model, np.zeros((3, 64, 64)))


def test_randomised_model_gives_a_different_cam(model, image):
    cam = explain.compute_cam(model, image, "gradcam")
    rnd = explain.randomize_model(model, seed=3)
    cam_rnd = explain.compute_cam(rnd, image, "gradcam")
    assert not np.allclose(cam, cam_rnd, atol=1e-3)
    # the original is untouched, and randomisation is reproducible from the seed
    assert np.array_equal(cam, explain.compute_cam(model, image, "gradcam"))
    again = explain.randomize_model(model, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(rnd.state_dict().values(), again.state_dict().values()))


def test_cascading_randomisation_changes_only_the_named_modules(model):
    order = explain.cascade_order(model)
    assert order[-1] == "backbone"  # the input end comes last
    rnd = explain.randomize_model(model, seed=0, modules=[order[0]])
    changed = {name for name, p in rnd.named_parameters() if not torch.equal(p, dict(model.named_parameters())[name])}
    assert changed and all(name.startswith(order[0] + ".") for name in changed)
    with pytest.raises(KeyError, match="unknown modules"):
        explain.randomize_model(model, modules=["no_such_layer"])


def test_similarity_of_a_map_with_itself_is_one_and_with_its_negation_minus_one():
    rng = np.random.default_rng(0)
    a = rng.random((20, 30)).astype(np.float32)
    assert explain.cam_similarity(a, a) == pytest.approx(1.0)
    assert explain.cam_similarity(a, 1 - a) == pytest.approx(-1.0)
    assert explain.cam_similarity(a, a, "ssim") == pytest.approx(1.0)
    assert math.isnan(explain.cam_similarity(a, np.zeros_like(a)))


def test_mass_in_mask_of_a_map_equal_to_the_mask_is_one():
    mask = np.zeros((40, 60), np.float32)
    mask[10:20, 30:50] = 1.0
    assert explain.cam_mass_in_mask(mask, mask) == pytest.approx(1.0)
    assert explain.cam_mass_in_mask(1.0 - mask, mask) == pytest.approx(0.0)
    # a flat map scores the mask's area share, which is also the uniform baseline
    flat = np.ones((8, 8), np.float32)  # any size: the CAM is resized to the mask
    assert explain.cam_mass_in_mask(flat, mask) == pytest.approx(mask.mean(), abs=1e-6)
    assert math.isnan(explain.cam_mass_in_mask(np.zeros_like(mask), mask))
    assert explain.cam_peak_in_mask(mask, mask)


def test_random_map_baseline_is_near_the_area_share():
    mask = np.zeros((48, 64), np.float32)
    mask[12:36, 20:44] = 1.0
    base = explain.mask_share_baseline(mask, n=60, seed=0)
    assert base["uniform"] == pytest.approx(mask.mean())
    assert abs(base["random_mean"] - mask.mean()) < 0.08
    assert base["random_p95"] > base["random_mean"]
    assert base == explain.mask_share_baseline(mask, n=60, seed=0)


def test_feedback_sentences_follow_the_strongest_attributes():
    attrs = {"Symmetry": -0.8, "RuleOfThirds": 0.6, "DoF": 0.45, "Light": 0.1, "VividColor": -0.35}
    out = explain.attribute_feedback(attrs, top=3)
    assert len(out) == 3
    assert out[0].startswith("- ") and "symmetry" in out[0]
    assert out[1].startswith("+ ") and "subject on a third" in out[1]
    assert "shallow depth of field" in out[2]
    assert not any("light" in s.lower() for s in explain.attribute_feedback(attrs, top=10))  # |0.1| < threshold
    assert explain.attribute_feedback({"Light": 0.0, "DoF": -0.2}) == []
    assert set(explain.FEEDBACK) == set(__import__("aesthetics_lib.data.schema", fromlist=["x"]).ATTRIBUTES)


def test_sign_and_index_choose_the_explained_number(model, image):
    x = image.unsqueeze(0)
    with torch.no_grad():
        out = model(x)
        neg = explain.MeanScoreModel(model, sign=-1.0)(x)
        att = explain.MeanScoreModel(model, output="attributes", index=2)(x)
    assert torch.allclose(neg[:, 0], -out["mean"])
    assert torch.allclose(att[:, 0], out["attributes"][:, 2])
    up = explain.compute_cam(model, image, "gradcam", sign=1.0)
    down = explain.compute_cam(model, image, "gradcam", sign=-1.0)
    assert not np.array_equal(up, down)  # what raises the score is not what lowers it
    # EigenCAM ignores the target, so its sign does not matter
    assert np.array_equal(explain.compute_cam(model, image, "eigencam", sign=-1.0),
                          explain.compute_cam(model, image, "eigencam"))


def test_eigencam_is_the_packages_projection_from_the_thin_svd(model, image):
    from pytorch_grad_cam import EigenCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection

    rng = np.random.default_rng(0)
    for shape in [(2, 1280, 4, 4), (1, 64, 8, 8), (3, 16, 5, 7)]:  # more channels than positions, and fewer
        acts = np.maximum(rng.standard_normal(shape), 0).astype(np.float32)
        acts[0, 0, 0, 0] = np.nan  # NaNs count as 0, as in the package
        assert np.allclose(explain.first_component_projection(acts), get_2d_projection(acts), atol=1e-5)
    package = EigenCAM(model=explain.MeanScoreModel(model), target_layers=model.cam_target_layers())
    try:
        want = package(input_tensor=image.unsqueeze(0), targets=[ClassifierOutputTarget(0)])[0]
    finally:
        package.activations_and_grads.release()
    assert np.allclose(explain.compute_cam(model, image, "eigencam"), want, atol=1e-5)


def test_target_map_size_is_the_cam_grid(model, image):
    assert explain.target_map_size(model, image) == (4, 4)  # ConvNeXt stage 3: stride 16 at 64 px


def test_feedback_can_be_restricted_to_checked_attributes():
    attrs = {"Symmetry": -0.8, "RuleOfThirds": 0.6, "VividColor": 0.5}
    out = explain.attribute_feedback(attrs, only=["VividColor"])
    assert out == ["+ vivid colours (+0.50)"]


class _TinyScorer(torch.nn.Module):
    """A two-block score model (and an attribute head) small enough to run the whole cascade fast."""

    def __init__(self, head_sign: float = 1.0):
        super().__init__()
        torch.manual_seed(0)
        self.features = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU())
        self.attribute_head = torch.nn.Linear(4, 2)
        self.head = torch.nn.Linear(4, 1)
        with torch.no_grad():  # every channel raises (sign 1) or lowers (sign -1) the score
            self.head.weight.copy_(head_sign * (self.head.weight.abs() + 0.1))
        self.eval()

    def cam_target_layers(self):
        return [self.features]

    def forward(self, x):
        pooled = self.features(x).mean((2, 3))
        return {"mean": self.head(pooled)[:, 0], "attributes": torch.tanh(self.attribute_head(pooled))}


def _tiny_inputs(n: int = 2) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(2)
    return [torch.rand(3, 16, 16, generator=g) for _ in range(n)]


def test_cascading_randomization_steps_similarities_and_determinism():
    model, inputs = _TinyScorer(), _tiny_inputs()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    res = explain.cascading_randomization(model, inputs, ("gradcam", "eigencam"), skip={"attribute_head", "not_a_block"})
    assert explain.cascade_order(model) == ["head", "attribute_head", "features"]
    assert res.steps == ["head", "features"]  # the cascade minus the skipped block
    assert res.methods == ("gradcam", "eigencam") and res.photos == 2
    assert res.left_out == {"gradcam": 0, "eigencam": 0}  # every trained map here has a positive part
    for m in res.methods:
        assert len(res.similarities[m]) == len(res.steps)
        assert all(len(step) == res.kept(m) == 2 for step in res.similarities[m])
        assert all(-1.0 <= s <= 1.0 for step in res.similarities[m] for s in step)
        assert res.mean_similarity(m) == pytest.approx([np.mean(step) for step in res.similarities[m]])
    # EigenCAM never looks at the score: a random head leaves its maps as they were
    assert res.similarities["eigencam"][0] == pytest.approx([1.0, 1.0])
    # step 1 is randomize_model on the first block, compared as cam_similarity does (empty -> 0)
    rnd = explain.randomize_model(model, seed=0, modules=["head"])
    want = []
    for x in inputs:
        r = explain.compute_cam(rnd, x, "gradcam")
        want.append(explain.cam_similarity(explain.compute_cam(model, x, "gradcam"), r) if r.max() > 0 else 0.0)
    assert res.similarities["gradcam"][0] == pytest.approx(want)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the model is untouched
    again = explain.cascading_randomization(model, inputs, ("gradcam", "eigencam"), skip={"attribute_head"})
    assert again == res


def test_cascading_randomization_leaves_out_empty_trained_maps():
    # every channel lowers the score and the features are non-negative (ReLU): Grad-CAM has no
    # positive part on any photo, so there is nothing to compare; EigenCAM ignores the score
    res = explain.cascading_randomization(_TinyScorer(head_sign=-1.0), _tiny_inputs(), ("gradcam", "eigencam"))
    assert res.steps == ["head", "attribute_head", "features"]  # nothing skipped
    assert res.left_out == {"gradcam": 2, "eigencam": 0} and res.kept("gradcam") == 0
    assert res.similarities["gradcam"] == [[], [], []] and res.empty["gradcam"] == 0
    assert all(math.isnan(v) for v in res.mean_similarity("gradcam"))
    assert len(res.similarities["eigencam"][0]) == 2


def test_trusted_attributes_need_the_whole_interval_above_the_bar_and_enough_photos():
    from aesthetics_lib.explain import MIN_LABELLED, TRUSTED_SRCC, trusted_attributes

    rows = [{"attribute": "Content", "labelled": 100, "srcc": 0.8, "low": 0.75, "high": 0.85},
            {"attribute": "Light", "labelled": 100, "srcc": 0.4, "low": TRUSTED_SRCC - 0.01, "high": 0.5},
            {"attribute": "DoF", "labelled": MIN_LABELLED - 1, "srcc": 0.9, "low": 0.8, "high": 0.95},
            {"attribute": "Symmetry", "labelled": 3, "srcc": float("nan"), "low": float("nan"), "high": float("nan")},
            {"attribute": "Object", "labelled": MIN_LABELLED, "srcc": 0.5, "low": TRUSTED_SRCC, "high": 0.6}]
    assert trusted_attributes(rows) == ["Content", "Object"]
    assert trusted_attributes(rows, min_low=0.0, min_labelled=0) == ["Content", "Light", "DoF", "Object"]
