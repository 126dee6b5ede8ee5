# %% [markdown]
# # Aesthetics Lab · score a photo
#
# Pick a sample photo or upload one of your own (JPEG or PNG). The course's final model, `sgfm_lite0` (the SGFM design of notebook 09 on an ImageNet-pretrained EfficientNet-Lite0, fine-tuned on the synthetic photo studio), predicts its score and the distribution of votes, turns its attribute predictions into feedback, shows where it looks (Grad-CAM, notebook 10) and proposes the best crop to the ratio you choose (notebook 11).
#
# Under the score, a line says how far to trust it: how well the model ranked its validation photos (SRCC, with its 95 % interval), and that its agreement with people on real photos is not measured: it learnt from studio photos, and notebook 11 checks only that it prefers real photos to spoiled copies of them. Only the attributes whose predictions followed their labels on those photos give feedback (the lower end of their SRCC's interval at least 0.3, on at least 20 labelled photos: the bar of notebook 10); the page lists them with their SRCC and interval.
#
# Serve this page with `make demo` (Voila). The model's trained weights ship with the course (`weights/sgfm_lite0.pt`), so the page loads them instead of training; set `AESTHETICS_DEMO_MODEL` to another course model's name (e.g. `sampnet`, whose weights ship too) to try it.

# %%
import os

from aesthetics_lib.notebook import setup_notebook

setup_notebook()

from aesthetics_lib.demo import build_demo

MODEL = os.environ.get("AESTHETICS_DEMO_MODEL", "sgfm_lite0")
app = build_demo(MODEL)
demo = app.demo
cfg = demo.course_model.config
print(f"Model: {MODEL} ({cfg.model_kwargs.get('backbone')}, {cfg.size} px, {cfg.epochs} epochs on {cfg.data})",
      f"· {len(demo.picker.options)} sample photos · crops: {', '.join(demo.aspect.options)}")

# %% tags=["nbval-ignore-output"]
# the app (a widget: nbval runs this cell but does not compare its output)
app
