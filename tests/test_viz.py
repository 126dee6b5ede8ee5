"""Plot helpers run headless, return what they drew, and save byte-identical PNGs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from aesthetics_lib import viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _rgb(h: int = 30, w: int = 40, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def test_show_images_makes_a_grid_with_titles() -> None:
    images = [_rgb(), Image.fromarray(_rgb(seed=1)), _rgb()[..., 0], torch.rand(3, 30, 40), _rgb() / 255.0]
    fig = viz.show_images(images, titles=list("abcde"), ncols=3)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 6  # 2 rows x 3 columns, the last one empty
    assert [ax.get_title() for ax in axes[:5]] == list("abcde")
    assert len(axes[5].images) == 0
    assert axes[3].images[0].get_array().shape == (30, 40, 3)  # the tensor was moved to HxWx3


def test_show_images_rejects_mismatched_titles() -> None:
    with pytest.raises(ValueError, match="2 images, 1 titles"):
        viz.show_images([_rgb(), _rgb()], titles=["only one"])


def test_plot_distribution_draws_k_bars_on_the_scale() -> None:
    ax = viz.plot_distribution([0.1, 0.2, 0.4, 0.2, 0.1], label="true")
    heights = [p.get_height() for p in ax.patches]
    centres = [p.get_x() + p.get_width() / 2 for p in ax.patches]
    assert heights == pytest.approx([0.1, 0.2, 0.4, 0.2, 0.1])
    assert centres == pytest.approx([1, 2, 3, 4, 5])
    mean_line = ax.lines[0].get_xdata()
    assert mean_line[0] == pytest.approx(3.0)
    ax2 = viz.plot_distribution(np.array([2, 0, 0, 0, 0, 0, 0, 0, 0, 2]), scale_start=1)
    assert len(ax2.patches) == 10 and ax2.patches[0].get_height() == pytest.approx(0.5)


def test_overlay_mask_shapes_and_where_it_paints() -> None:
    img = np.zeros((20, 30, 3), np.uint8)
    mask = np.zeros((20, 30), bool)
    mask[:10] = True
    out = viz.overlay_mask(img, mask, alpha=0.5, color=(200, 0, 0))
    assert out.shape == (20, 30, 3) and out.dtype == np.uint8
    assert out[:10, :, 0].min() == 100 and out[10:].max() == 0
    heat = viz.overlay_mask(Image.fromarray(_rgb(20, 30)), np.random.default_rng(0).random((5, 8)) * 7.0)
    assert heat.shape == (20, 30, 3) and heat.dtype == np.uint8


def test_draw_elements_draws_each_kind_of_geometry() -> None:
    fig, ax = plt.subplots()
    ax.imshow(_rgb(100, 150))
    limits = (ax.get_xlim(), ax.get_ylim())
    elements = {
        "rule_of_thirds": [[40, 20, 60, 40]],
        "horizontal": [[0, 60, 149, 58]],
        "triangle": [[[10, 90], [50, 10], [90, 90]]],
        "curved": [[[0, 0], [30, 20], [60, 10], [90, 40]]],
        "pattern": [],
    }
    viz.draw_elements(ax, elements)
    assert len(ax.patches) == 2  # the box and the triangle
    assert len(ax.lines) == 2  # the segment and the curve
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 4
    assert (ax.get_xlim(), ax.get_ylim()) == limits
    with pytest.raises(ValueError, match="unknown composition element class 'blob'"):
        viz.draw_elements(ax, {"blob": [[0, 0, 1, 1]]})
    with pytest.raises(ValueError, match=r"triangle\[0\]: expected 3 points"):
        viz.draw_elements(ax, {"triangle": [[0, 0, 1, 1]]})


def test_draw_thirds_adds_four_lines_at_the_thirds() -> None:
    fig, ax = plt.subplots()
    ax.imshow(_rgb(90, 120))
    viz.draw_thirds(ax, 120, 90, points=False)
    assert len(ax.lines) == 4
    xs = sorted({float(x) for line in ax.lines for x in line.get_xdata() if x not in (0, 120)})
    assert xs == pytest.approx([40.0, 80.0])


def test_save_figure_is_deterministic_and_strips_software(tmp_path) -> None:
    def make() -> Figure:
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1, 2], [1, 0, 2])
        return fig

    a = viz.save_figure(make(), "demo", folder=tmp_path)
    first = a.read_bytes()
    b = viz.save_figure(make(), "demo.png", folder=tmp_path)
    assert a == b == tmp_path / "demo.png"
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert b.read_bytes() == first
    assert b"Software" not in first and b"matplotlib" not in first.lower()
    with pytest.raises(ValueError, match="PNG"):
        viz.save_figure(make(), "demo.jpg", folder=tmp_path)


def test_figures_dir_is_next_to_the_package(monkeypatch) -> None:
    import aesthetics_lib
    from pathlib import Path

    monkeypatch.delenv("AESTHETICS_FIGURES", raising=False)
    root = Path(aesthetics_lib.__file__).resolve().parent.parent
    assert viz.figures_dir() == root / "figures"


def test_aesthetics_figures_moves_the_saved_figures_out_of_the_checkout(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AESTHETICS_FIGURES", str(tmp_path / "mine"))
    assert viz.figures_dir() == tmp_path / "mine"
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    assert viz.save_figure(fig, "05_results") == tmp_path / "mine" / "05_results.png"
    assert (tmp_path / "mine" / "05_results.png").is_file()


def test_plot_cam_grid_draws_a_row_per_photo() -> None:
    mask = np.zeros((30, 40), bool)
    mask[5:15, 10:30] = True
    heat = np.random.default_rng(0).random((4, 4)).astype(np.float32)  # a CAM on its own grid
    rows = [
        (_rgb(), "photo 1", [(mask, "subject mask"), (heat, "model\ngradcam"), (np.zeros_like(heat), "empty")]),
        (Image.fromarray(_rgb(seed=1)), "photo 2", [(mask, "subject mask")]),  # fewer panels: cells left empty
    ]
    fig = viz.plot_cam_grid(rows, cam_title_size=7)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 2 * 4
    assert [ax.get_title() for ax in axes[:4]] == ["photo 1", "subject mask", "model\ngradcam", "empty"]
    assert [ax.title.get_fontsize() for ax in axes[:4]] == [8, 8, 7, 7]  # photo and mask at title_size
    assert [len(ax.images) for ax in axes[4:]] == [1, 1, 0, 0]
    assert axes[2].images[0].get_array().shape == (30, 40, 3)  # the CAM is drawn at the photo's size
    assert not any(ax.axison for ax in axes)
    assert tuple(fig.get_size_inches()) == pytest.approx((1.6 * 4, 1.8 * 2))
    assert tuple(viz.plot_cam_grid(rows, figsize=(16, 3.6)).get_size_inches()) == pytest.approx((16, 3.6))
    with pytest.raises(ValueError, match="at least one row"):
        viz.plot_cam_grid([])


def test_plot_mass_in_mask_draws_a_panel_per_region() -> None:
    rng = np.random.default_rng(0)
    maps = ("a: gradcam", "a: eigencam", "b: gradcam")
    shares = {r: {m: np.append(rng.random(10), np.nan) for m in maps} for r in ("subject", "horizon")}
    fig = viz.plot_mass_in_mask(shares, area={"subject": 0.1, "horizon": 0.2}, p95={"subject": 0.3, "horizon": 0.4})
    axes = fig.get_axes()
    assert len(axes) == 2
    assert [ax.get_title() for ax in axes] == ["share of CAM mass on the subject", "share of CAM mass on the horizon"]
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["a\ngradcam", "a\neigencam", "b\ngradcam"]
    bars = [line.get_ydata()[0] for line in axes[1].lines if len(line.get_xdata()) == 2 and line.get_linestyle() != "-"]
    assert bars == pytest.approx([0.2, 0.4])  # the flat map's and the random maps' bars
    assert axes[0].get_legend() is not None and axes[1].get_legend() is None
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["flat map (area)", "random map, 95th percentile"]


def test_plot_sanity_check_draws_the_mean_curves() -> None:
    from aesthetics_lib.explain import CascadingRandomization

    def result(steps):
        sims = {"gradcam": [[0.9, 0.7], [0.1, -0.1], [0.0, 0.0]][: len(steps)],
                "eigencam": [[1.0, 1.0], [1.0, 0.98], [0.5, 0.7]][: len(steps)]}
        return CascadingRandomization(steps=list(steps), methods=("gradcam", "eigencam"), photos=2,
                                      left_out={"gradcam": 0, "eigencam": 0}, empty={"gradcam": 2, "eigencam": 0},
                                      similarities=sims)

    fig = viz.plot_sanity_check({"model a": result(["head", "pool", "backbone"]), "model b": result(["head", "backbone"])},
                                band=0.5)
    axes = fig.get_axes()
    assert len(axes) == 2 and [ax.get_title() for ax in axes] == ["model a", "model b"]
    assert [line.get_label() for line in axes[0].lines[:2]] == ["gradcam", "eigencam"]
    assert list(axes[0].lines[0].get_ydata()) == pytest.approx([0.8, 0.0, 0.0])
    assert list(axes[1].lines[1].get_ydata()) == pytest.approx([1.0, 0.99])
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["head", "pool", "backbone"]
    assert len(axes[0].patches) == 1  # the pass band
    assert axes[0].get_ylabel() == "Spearman similarity to trained CAM"
    assert axes[1].get_legend() is not None and axes[0].get_legend() is None
    assert tuple(fig.get_size_inches()) == pytest.approx((13, 3.2))
