"""The interactive scoring demo: pick a sample photo or upload one, see what the model thinks.

:func:`build_demo` returns an ``ipywidgets`` app (:class:`AestheticsDemo`) that shows, for one photo,
the predicted mean score with a line on how far to trust it (:func:`reliability_text`, from the
model's held-out validation record), the predicted score distribution (a bar chart), feedback
sentences from the attributes whose predictions follow their held-out labels
(:func:`aesthetics_lib.explain.attribute_feedback`, :func:`~aesthetics_lib.explain.trusted_attributes`;
each shown with its interval), a Grad-CAM overlay
(:func:`aesthetics_lib.explain.compute_cam`) and the best crop to a chosen aspect ratio
(:func:`aesthetics_lib.apps.best_crops`). A broken upload (empty, truncated, not an image) is read
with :func:`aesthetics_lib.data.io.load_image` and its :class:`~aesthetics_lib.data.io.ImageLoadError`
is shown as a short message in the app, never as a traceback.

``notebooks/demo.ipynb`` builds it; ``make demo`` serves that page with Voila.
Introduced in notebooks/11_applications.
"""

from __future__ import annotations

import html
import io
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image

from aesthetics_lib import apps, explain

#: Sample photos offered in the picker (colour photos bundled with installed packages).
DEMO_PHOTOS: tuple[str, ...] = ("chelsea", "coffee", "astronaut", "rocket", "china", "flower", "motorcycle")
#: Aspect ratios offered for the best crop.
DEMO_ASPECTS: tuple[str, ...] = ("1:1", "4:5", "16:9")
#: Longer side a photo is reduced to before it is analysed (keeps the demo responsive on a CPU).
MAX_SIDE = 384
#: CSS classes on the widgets that show results (used by the browser test and for styling).
CSS = {
    "app": "aesthetics-demo",
    "picker": "aesthetics-demo-picker",
    "upload": "aesthetics-demo-upload",
    "status": "aesthetics-demo-status",
    "score": "aesthetics-demo-score",
    "error": "aesthetics-demo-error",
    "feedback": "aesthetics-demo-feedback",
}
_UPLOAD_PROMPT = "(your upload)"
_CAM_UP = "What raises the score (Grad-CAM)"
_UNCHECKED = "No held-out measurement of this model is available: treat its score as unchecked."
_CAM_DOWN = "Nothing raises the score; what lowers it (Grad-CAM)"


def _png(image: Image.Image | np.ndarray) -> bytes:
    img = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def distribution_png(dist: Sequence[float], mean: float, width: float = 3.6, height: float = 2.4) -> bytes:
    """A bar chart of a predicted score distribution over 1..K as PNG bytes (no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    d = np.asarray(dist, dtype=float).ravel()
    fig = Figure(figsize=(width, height), dpi=90)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    bins = np.arange(1, len(d) + 1)
    ax.bar(bins, d, color="#4C72B0")
    ax.axvline(float(mean), color="#C44E52", lw=2, label=f"mean {mean:.2f}")
    ax.set_xticks(bins)
    ax.set_xlabel("score")
    ax.set_ylabel("predicted share of votes")
    ax.set_ylim(0, max(0.5, float(d.max()) * 1.15 if d.size else 0.5))
    ax.legend(frameon=False, loc="upper left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _model_input(transform: Any, image: Image.Image) -> tuple[Any, dict]:
    x = transform(image)
    if isinstance(x, Mapping):
        extras = {k: v.unsqueeze(0) for k, v in x.items() if k != "image" and hasattr(v, "unsqueeze")}
        return x["image"], extras
    return x, {}


def upload_entries(value: Any) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of each file in a ``FileUpload`` value (ipywidgets 8: a tuple of dicts
    with ``name`` and ``content``; ipywidgets 7: a dict ``{name: {"content": ...}}``)."""
    if not value:
        return []
    items = value.values() if isinstance(value, Mapping) else value
    out = []
    for item in items:
        meta = item.get("metadata", item) if isinstance(item, Mapping) else {}
        name = str(meta.get("name", item.get("name", "upload")) if isinstance(item, Mapping) else "upload")
        content = item.get("content", b"") if isinstance(item, Mapping) else b""
        out.append((name, bytes(content) if content is not None else b""))
    return out


def read_upload(name: str, content: bytes) -> Image.Image:
    """Read uploaded bytes as an RGB image with :func:`~aesthetics_lib.data.io.load_image`.

    Raises :class:`~aesthetics_lib.data.io.ImageLoadError` whose ``path`` is the upload's file name
    (not the temporary file) and whose ``reason`` says what is wrong (empty, truncated, not an image).
    """
    from aesthetics_lib.data.io import ImageLoadError, load_image

    suffix = Path(name).suffix[:10] if Path(name).suffix.isascii() else ""
    with tempfile.TemporaryDirectory(prefix="aesthetics-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            return load_image(path)
        except ImageLoadError as exc:
            raise ImageLoadError(name, exc.reason) from None


def reliability_text(held_out: Mapping[str, Any] | None, studio: bool = True) -> str:
    """One line on how far to trust a model's scores, from its validation record (``CourseModel.
    held_out()``: ``n``, ``srcc`` and ``srcc_ci``, ``mse``, ``noise_ceiling_srcc`` on the studio).
    ``studio``: the model was trained on the synthetic studio (adds that real photos fare worse)."""
    if not held_out or held_out.get("srcc") is None:
        return _UNCHECKED
    low, high = held_out.get("srcc_ci") or (None, None)
    interval = f" [{low:.2f}, {high:.2f}]" if low is not None and high is not None else ""
    text = (f"How far to trust it: on {held_out['n']} held-out photos it ranked photos by their mean vote with "
            f"SRCC {held_out['srcc']:.2f}{interval} (1 = perfectly")
    ceiling = held_out.get("noise_ceiling_srcc")
    text += f"; the raters' own mean votes reach {ceiling:.2f} against the truth)" if ceiling else ")"
    if held_out.get("mse") is not None:
        text += f", and its scores were off by {float(held_out['mse']) ** 0.5:.2f} on average (root mean square)"
    text += "."
    if studio:
        text += (" It learnt from synthetic studio photos: its agreement with people on real photos is not"
                 " measured (notebook 11 checks only that it prefers real photos to spoiled copies).")
    return text


def _mark(sentence: str) -> str:
    """HTML for one feedback sentence: a green tick for ``+ ...``, a red cross for ``- ...``."""
    if sentence.startswith("+ "):
        return f"<span style='color:#1b7f3b'>✔</span> {html.escape(sentence[2:])}"
    if sentence.startswith("- "):
        return f"<span style='color:#b00020'>✘</span> {html.escape(sentence[2:])}"
    return html.escape(sentence)


def _shrink(img: Image.Image, max_side: int = MAX_SIDE) -> Image.Image:
    if max(img.size) <= max_side:
        return img
    s = max_side / max(img.size)
    return img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.LANCZOS)


def _get_widgets():
    try:
        import ipywidgets as widgets
    except ImportError as exc:  # pragma: no cover - ipywidgets is a requirement
        raise ImportError("the demo needs ipywidgets: pip install 'ipywidgets>=8'") from exc
    return widgets


class AestheticsDemo:
    """The demo's state and widgets; ``.widget`` is the ``ipywidgets.VBox`` to display.

    Public widgets (so a test or a notebook can drive the app): ``picker`` (sample photos),
    ``upload`` (``FileUpload``), ``aspect`` (crop ratio), ``status``, ``score``, ``error``,
    ``feedback`` (HTML), ``reliability_line`` and ``feedback_note`` (HTML), ``image_view``,
    ``cam_view``, ``dist_view``, ``crop_view`` (images). ``last`` holds the numbers of the last
    analysis (``mean``, ``dist``, ``attributes``, ``feedback``, ``crop``) or None; ``trusted`` the
    attributes that may speak (None when the model has no held-out agreement: then all do) and
    ``reliability`` the line on how far to trust the score. A course model with a ``held_out()``
    record (:meth:`aesthetics_lib.zoo.CourseModel.held_out`) gives both.
    """

    def __init__(self, course_model: Any, photos: Sequence[str] = DEMO_PHOTOS, aspects: Sequence[str] = DEMO_ASPECTS,
                 cam_method: str = "gradcam", max_side: int = MAX_SIDE, title: str | None = None,
                 crop_scales: Sequence[float] = (1.0, 0.8, 0.6), crop_stride: float = 0.1) -> None:
        w = _get_widgets()
        for attr in ("model", "spec", "transform", "score"):
            if not hasattr(course_model, attr):
                raise TypeError(
                    f"build_demo: expected a course model with .model, .spec, .transform and .score(images) "
                    f"(aesthetics_lib.zoo.course_model(...)), found {type(course_model).__name__} without .{attr}"
                )
        self.course_model = course_model
        self.cam_method = cam_method
        self.max_side = int(max_side)
        self.crop_scales, self.crop_stride = tuple(crop_scales), float(crop_stride)
        self.last: dict[str, Any] | None = None
        held = course_model.held_out() if callable(getattr(course_model, "held_out", None)) else None
        agreement = (held or {}).get("attributes") or []
        #: the attributes whose held-out agreement clears the bar (None: not measured, all are shown)
        self.trusted: list[str] | None = explain.trusted_attributes(agreement) if agreement else None
        config = getattr(course_model, "config", None)
        self.reliability = reliability_text(held, studio=str(getattr(config, "data", "studio")).startswith("studio"))
        if self.trusted is None:
            note = "Every attribute the model predicts; none was checked against held-out labels."
        else:
            rows = {r["attribute"]: r for r in agreement}
            shown_ = ", ".join(f"{a} {rows[a]['srcc']:.2f} [{rows[a]['low']:.2f}, {rows[a]['high']:.2f}]" for a in self.trusted)
            note = (f"Only the attributes whose predictions follow their labels on held-out photos (SRCC, 95 % "
                    f"interval, lower end at least {explain.TRUSTED_SRCC}): {shown_ or 'none'}.")
        self._current: Image.Image | None = None
        self._current_name = ""

        wide = {"description_width": "initial"}
        self.picker = w.Dropdown(options=list(photos), value=None, description="Sample photo", style=wide)
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Upload a photo")
        self.aspect = w.ToggleButtons(options=list(aspects), value=aspects[0], description="Crop to", style=wide)
        self.status = w.HTML("Pick a sample photo or upload one of your own.")
        self.score = w.HTML("")
        self.error = w.HTML("")
        self.feedback = w.HTML("")
        self.reliability_line = w.HTML(f"<i>{html.escape(self.reliability)}</i>")
        self.feedback_note = w.HTML(f"<i>{html.escape(note)}</i>")
        layout = w.Layout(max_width="100%")
        self.image_view = w.Image(format="png", layout=layout)
        self.cam_view = w.Image(format="png", layout=layout)
        self.dist_view = w.Image(format="png", layout=layout)
        self.crop_view = w.Image(format="png", layout=layout)
        for name in ("picker", "upload", "status", "score", "error", "feedback"):
            getattr(self, name).add_class(CSS[name])

        self.cam_caption = w.HTML(f"<b>{_CAM_UP}</b>")

        def panel(label: Any, view) -> Any:
            head = label if isinstance(label, w.Widget) else w.HTML(f"<b>{html.escape(label)}</b>")
            return w.VBox([head, view], layout=w.Layout(width="32%", min_width="220px"))

        header = w.HTML(f"<h3>{html.escape(title or 'Aesthetics Lab: score a photo')}</h3>")
        controls = w.HBox([self.picker, self.upload])
        row1 = w.HBox([panel("Photo", self.image_view), panel("Predicted distribution", self.dist_view),
                       panel(self.cam_caption, self.cam_view)], layout=w.Layout(flex_flow="row wrap"))
        row2 = w.HBox([panel("Best crop", self.crop_view),
                       w.VBox([w.HTML("<b>Feedback from the attributes</b>"), self.feedback, self.feedback_note],
                              layout=w.Layout(width="60%"))],
                      layout=w.Layout(flex_flow="row wrap"))
        self.results = w.VBox([self.score, self.reliability_line, row1, row2], layout=w.Layout(display="none"))
        self.widget = w.VBox([header, controls, self.aspect, self.status, self.error, self.results])
        self.widget.add_class(CSS["app"])
        self.widget.demo = self  # reach the app from the displayed widget

        self.picker.observe(self._on_pick, names="value")
        self.upload.observe(self._on_upload, names="value")
        self.aspect.observe(self._on_aspect, names="value")

    # ------------------------------------------------------------------ events
    def _on_pick(self, change: Mapping[str, Any]) -> None:
        name = change.get("new")
        if not name or name == _UPLOAD_PROMPT:
            return
        from aesthetics_lib.data.photos import load_photo

        try:
            img = load_photo(str(name))
        except Exception as exc:  # never a traceback in the app
            self.show_error(f"Could not load the sample photo {name!r}: {exc}")
            return
        self.analyse(img, str(name))

    def _on_upload(self, change: Mapping[str, Any]) -> None:
        entries = upload_entries(change.get("new"))
        if not entries:
            return
        self.handle_upload(*entries[0])
        self.picker.value = None  # so picking the previous sample photo again is a change
        try:
            self.upload.value = ()  # so uploading the same file again is a change
        except Exception:  # an older ipywidgets without a settable value: harmless
            pass

    def _on_aspect(self, change: Mapping[str, Any]) -> None:
        if self._current is not None:
            self.analyse(self._current, self._current_name)

    # ------------------------------------------------------------------ actions
    def handle_upload(self, name: str, content: bytes) -> bool:
        """Read an uploaded file and analyse it; a file that is not a readable image shows an error.
        Returns whether the upload was analysed."""
        from aesthetics_lib.data.io import ImageLoadError

        try:
            img = read_upload(name, content)
        except ImageLoadError as exc:
            self.show_error(f"Could not read “{exc.path}”: {exc.reason}. Please upload a JPEG or PNG photo.")
            return False
        except Exception as exc:  # anything else: still a message, not a traceback
            self.show_error(f"Could not read “{name}”: {type(exc).__name__}: {exc}")
            return False
        return self.analyse(img, name)

    def show_error(self, message: str) -> None:
        """Show ``message`` in the error box and clear the previous result."""
        self.last = None
        self._current = None
        self.error.value = f"<div style='color:#b00020;font-weight:bold'>⚠ {html.escape(message)}</div>"
        self.status.value = "Nothing scored: see the message below."
        self.score.value = ""
        self.feedback.value = ""
        self.results.layout.display = "none"
        for view in (self.image_view, self.cam_view, self.dist_view, self.crop_view):
            view.value = b""

    def analyse(self, image: Image.Image, name: str = "photo") -> bool:
        """Score ``image`` and fill every panel; an unexpected failure becomes a message."""
        self.error.value = ""
        self.status.value = f"Scoring {html.escape(name)} …"
        try:
            result = self._analyse(_shrink(image.convert("RGB"), self.max_side))
        except Exception as exc:  # the app shows a message, never a traceback
            self.show_error(f"Scoring “{name}” failed: {type(exc).__name__}: {exc}")
            return False
        self._current, self._current_name = image, name
        self.last = result
        k = self.course_model.spec.num_bins
        self.status.value = f"Scored: {html.escape(name)}"
        self.score.value = (f"<span style='font-size:1.6em'>Score <b>{result['mean']:.2f}</b></span> "
                            f"on a 1–{k} scale")
        quiet = "(no attribute stands out)" if self.trusted is None else "(no checked attribute stands out)"
        items = result["feedback"] or [quiet if result["attributes"] else "(this model predicts no attributes)"]
        self.feedback.value = "<ul style='list-style:none;padding-left:0.5em'>" + "".join(
            f"<li>{_mark(s)}</li>" for s in items) + "</ul>"
        self.results.layout.display = "flex"
        return True

    def _analyse(self, img: Image.Image) -> dict[str, Any]:
        cm = self.course_model
        out = cm.score([img])
        mean = float(out.score[0])
        dist = out.dist[0].astype(float) if out.dist is not None else None
        names = out.attribute_names
        attrs: dict[str, float] = {}
        if names and out.attributes is not None:
            attrs = explain.attributes_dict(names, out.attributes[0])
        feedback = explain.attribute_feedback(attrs, only=self.trusted) if attrs else []
        x, extras = _model_input(cm.transform, img)
        cam = explain.compute_cam(cm.model, x, self.cam_method, extras=extras)
        caption = _CAM_UP
        if float(cam.max()) <= 0.0:  # no region raises the score: show what lowers it instead
            cam = explain.compute_cam(cm.model, x, self.cam_method, extras=extras, sign=-1.0)
            caption = _CAM_DOWN
        self.cam_caption.value = f"<b>{caption}</b>"
        from aesthetics_lib.viz import overlay_mask

        overlay = overlay_mask(np.asarray(img), explain.resize_map(cam, (img.height, img.width)), alpha=0.45)
        aspect = str(self.aspect.value)
        crops = apps.best_crops(cm, img, aspect, top=1, scales=self.crop_scales, stride=self.crop_stride)
        box, crop_score = crops[0]
        self.image_view.value = _png(img)
        self.cam_view.value = _png(overlay)
        self.dist_view.value = distribution_png(dist, mean) if dist is not None else b""
        self.crop_view.value = _png(apps.draw_boxes(img, [box], width=3))
        return {"mean": mean, "dist": dist.tolist() if dist is not None else None, "attributes": attrs, "feedback": feedback,
                "crop": {"aspect": aspect, "box": box, "score": crop_score}}


def build_demo(course_model: Any = None, photos: Sequence[str] = DEMO_PHOTOS, aspects: Sequence[str] = DEMO_ASPECTS,
               cam_method: str = "gradcam", first_photo: str | None = None, **options: Any):
    """The demo app as an ``ipywidgets.VBox`` (display it, or serve its notebook with Voila).

    ``course_model``: a trained course model (``.model``, ``.transform``, ``.score(images)``, as
    :func:`aesthetics_lib.zoo.course_model` returns), a model name for ``zoo.course_model``, or
    None for ``course_model("sgfm_lite0")`` (the course's final model). ``photos``: names for the picker
    (:mod:`aesthetics_lib.data.photos`); ``first_photo`` is analysed at once. The app object is
    ``widget.demo`` (:class:`AestheticsDemo`); ``options`` go to it (``max_side``, ``title``,
    ``crop_scales``, ``crop_stride``). Introduced in notebooks/11_applications.
    """
    if course_model is None or isinstance(course_model, str):
        from aesthetics_lib.zoo import course_model as load

        course_model = load(course_model or "sgfm_lite0")
    app = AestheticsDemo(course_model, photos=photos, aspects=aspects, cam_method=cam_method, **options)
    if first_photo is not None:
        app.picker.value = first_photo
    return app.widget
