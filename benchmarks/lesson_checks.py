"""A candidate final model on the measures of notebooks 10 and 11, beside its test SRCC: what a
change of the final model's config would do to those lessons, checked before it replaces the course
weights (the notebooks run only the shipped weights).

For each checkpoint (course weights or a run's ``best.pt``):

- its test SRCC with its 95 % interval and share of the noise ceiling (as ``sgfm_epochs.py``);
- notebook 10, section 3: over the first 60 studio test photos, the share of the CAM's mass on the
  subject minus the subject's area share (0 for a map that knows nothing), mean with its 95 %
  interval over the photos, for Grad-CAM and Grad-CAM++ of the predicted score and for Grad-CAM of
  the negated score (what lowers it); for HiResCAM of the score (not in the notebook: Grad-CAM with
  the gradient kept per position); and, for models that pool with an attention map (the SGFM
  models), the same measure on that map: where the pooling itself puts its weight;
- notebook 10, section 5b: the deletion test on the same photos (the subject removed against the same
  shape removed elsewhere, :mod:`aesthetics_lib.deletion`), and how far Grad-CAM agrees with it photo
  by photo: the SRCC, with its 95 % interval over the photos, between Grad-CAM's share on the subject
  minus the subject's area and the score's drop without the subject; and the SRCC between that drop
  and the studio's placement term (where the subject sits);
- notebook 11, section 1b: real photos (the 12 colour and grey photos that ship with the libraries)
  against their copies spoiled by one fault at three strengths, the share of pairs where the original
  scores higher (a tie counts half), per fault and over all five, interval over the photos;
- notebook 11, section 1c: the pairwise accuracy of 40 studio bursts of 6 shots, interval over the
  bursts.

The measures are the notebooks' own library calls with their settings and seeds: on the shipped
weights the numbers are the ones the notebooks print. Run from the repository root, with the course's
CPU settings (the Makefile's ``NB_ENV``), e.g.::

    python benchmarks/lesson_checks.py weights/sgfm_lite0.pt runs/sgfm_160/seed0/best.pt \\
        --out benchmarks/results/lesson_checks_160.json

It prints and writes one entry per checkpoint (five checkpoints took under 3 minutes on one CPU thread).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sgfm_epochs import N_BOOT, noise_ceiling, write_result  # noqa: E402
from sgfm_seeds import scored_runs  # noqa: E402

from aesthetics_lib import apps, course_weights as cw, deletion, explain, metrics  # noqa: E402
from aesthetics_lib.compare import interval_side  # noqa: E402
from aesthetics_lib.data import photos, registry, studio  # noqa: E402
from aesthetics_lib.data.cadb import read_cadb_annotations  # noqa: E402
from aesthetics_lib.data.io import load_image  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402

#: notebook 10's settings: test photos of the subject check, and the CAM variants (method, sign)
N_MASK = 60
CAMS = (("gradcam", 1.0), ("gradcam++", 1.0), ("gradcam", -1.0), ("hirescam", 1.0))
#: notebook 11's settings: the faults, their strengths, the seed of the spoiled copies, the bursts
KINDS = ("blur", "noise", "underexpose", "overexpose", "jpeg")
LEVELS = (0.5, 0.75, 1.0)
DEGRADE_SEED = 11
N_BURSTS = 40


def rounded(value: Any) -> Any:
    """A float, or each float of a list, rounded as the notebooks print them (3 significant digits)."""
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return float(f"{value:.3g}") if isinstance(value, float) else value


def interval(values: Any) -> list[float]:
    """Mean with its 95 % bootstrap interval, rounded as the notebooks print them."""
    return rounded(list(metrics.mean_ci(np.asarray(values, dtype=float), n_boot=N_BOOT)))


def lift_entry(lift: np.ndarray) -> dict[str, Any]:
    """A map's share on the subject minus the subject's area, per photo: mean and interval, the
    photos counted, and where the interval lies against 0."""
    mean, low, high = interval(lift)
    return {"share_minus_area": [mean, low, high], "photos": int(len(lift)),
            "verdict": interval_side(0, low, high)}


class Lessons:
    """The inputs of the three measures, made once for every checkpoint."""

    def __init__(self) -> None:
        data = registry.default_data("cadb")
        if not data.studio:
            raise SystemExit("lesson_checks.py measures on the course studio: unset AESTHETICS_DATA")
        ann = read_cadb_annotations(data.root)
        test = ann[ann["split"] == "test"].reset_index(drop=True).iloc[:N_MASK]
        self.images = [load_image(p) for p in test["path"]]
        self.masks = [studio.subject_mask(data.root, i) for i in test["image_id"]]
        # each subject's area share: what a flat map scores (mask_share_baseline's "uniform", without
        # the random maps that function also draws)
        self.areas = np.array([float(np.asarray(m, dtype=np.float32).mean()) for m in self.masks])
        self.removed = deletion.removals(self.images, self.masks)
        self.placement = studio.quality_terms(studio.read_factors(data.root).set_index("image_id")
                                              .loc[test["image_id"]])["placement"].to_numpy()
        real = photos.list_photos().query("kind in ('colour photo', 'grey photo')")["name"]
        self.real = {name: photos.load_photo(name, max_side=320) for name in real}
        self.spoiled = {name: [(kind, level, photos.degrade(im, kind, level, seed=DEGRADE_SEED))
                               for kind in KINDS for level in LEVELS] for name, im in self.real.items()}
        self.bursts = [studio.render_studio_burst(seed) for seed in range(N_BURSTS)]

    def subject(self, predictor: Predictor) -> tuple[dict[str, Any], np.ndarray]:
        """Notebook 10, section 3: each CAM's share on the subject minus the subject's area (and the
        attention pooling map's, for a model that outputs one); and Grad-CAM's share per photo (NaN
        where its map is empty)."""
        inputs = [predictor.transform(im) for im in self.images]
        shares = {}
        for method, sign in CAMS:
            name = f"{method}{' (lowers)' if sign < 0 else ''}"
            shares[name] = self._shares(explain.compute_cams(predictor.model, inputs, method, sign=sign))
        with torch.no_grad():
            outputs = predictor.model(torch.stack(inputs))
        if "attention" in outputs:  # the pooling's own map, read the same way as a CAM
            shares["attention pooling"] = self._shares(outputs["attention"][:, 0].numpy())
        lifts = {name: lift_entry((share - self.areas)[~np.isnan(share)]) for name, share in shares.items()}
        return lifts, shares["gradcam"]

    def _shares(self, maps: Any) -> np.ndarray:
        """Each photo's map (drawn at the photo's size): its share on the subject, NaN when empty."""
        return np.array([explain.cam_mass_in_mask(explain.resize_map(c, im.size[::-1]), m)
                         for c, im, m in zip(maps, self.images, self.masks)])

    def deletion(self, predictor: Predictor, gradcam_share: np.ndarray) -> dict[str, Any]:
        """Notebook 10, section 5b: the deletion test of the subject (rounded as the notebooks print),
        and the SRCC over the photos between the score's drop without the subject and Grad-CAM's share
        on the subject minus the subject's area, and the studio's placement term."""
        table = deletion.deletion_test(predictor, self.removed)
        summary = deletion.deletion_summary(table, n_boot=N_BOOT)
        rho, low, high, photos = deletion.agreement(gradcam_share - self.areas, table, n_boot=N_BOOT)
        placement = deletion.agreement(self.placement, table, n_boot=N_BOOT)[:3]
        return {**{k: rounded(v) for k, v in summary.items()},
                "gradcam share minus area vs drop, SRCC": rounded([rho, low, high]), "gradcam photos": photos,
                "studio placement term vs drop, SRCC": rounded(list(placement))}

    def real_photos(self, scorer: apps.Scorer) -> dict[str, Any]:
        """Notebook 11, section 1b: the share of pairs where the original scores above its spoiled copy."""
        rows = []
        for name, original in self.real.items():
            s = scorer([original] + [im for _, _, im in self.spoiled[name]])
            rows += [{"photo": name, "kind": kind, "hit": 1.0 if s[0] > c else 0.5 if s[0] == c else 0.0}
                     for (kind, _, _), c in zip(self.spoiled[name], s[1:])]
        pairs = pd.DataFrame(rows)
        return {kind or "all five": interval((pairs[pairs["kind"] == kind] if kind else pairs)
                                             .groupby("photo", sort=False)["hit"].mean())
                for kind in (*KINDS, None)}

    def studio_bursts(self, scorer: apps.Scorer) -> list[float]:
        """Notebook 11, section 1c: the pairwise accuracy over the studio bursts."""
        return interval([apps.ranking_accuracy(scorer([apps.to_pil(im) for im in b.images]), b.order)
                         for b in self.bursts])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", type=Path, nargs="+", help="course weights or runs' best.pt")
    parser.add_argument("--out", type=Path, required=True, help="JSON results")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.checkpoints if not p.is_file()]
    if missing:
        parser.error(f"no such checkpoint: {', '.join(missing)}")
    ceiling = noise_ceiling(cw.weights_dir() / "sgfm_lite0.pt")
    runs, scores = scored_runs(args.checkpoints, ceiling)
    lessons = Lessons()
    for path, run, s in zip(args.checkpoints, runs, scores):
        predictor = s.predictor  # the model the test split was scored with
        scorer = apps.as_scorer(predictor)
        on_subject, gradcam_share = lessons.subject(predictor)
        run.update({"notebook 10: CAM share on the subject minus its area": on_subject,
                    "notebook 10: deletion test of the subject": lessons.deletion(predictor, gradcam_share),
                    "notebook 11: real photos above their spoiled copies": lessons.real_photos(scorer),
                    "notebook 11: studio bursts, pairwise accuracy": lessons.studio_bursts(scorer)})
        print(f"{path}: done", file=sys.stderr, flush=True)
    write_result({"noise_ceiling": round(ceiling, 4), "runs": runs}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
