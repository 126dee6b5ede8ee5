"""The same photo with its subject on a third or at the centre: which does each model score higher?

A diagnostic of the multi-patch network's placement gap (``benchmarks/README.md``). Every test
photo of the course studio whose placement is not ``symmetric`` is rendered twice from its own
factor row (``aesthetics_lib.data.studio.rendering.render``, same render seed, at the long side of
the first checkpoint's studio, saved as the studio saves its photos: JPEG at
``StudioConfig.jpeg_quality``): once with the subject's centre moved to the nearest thirds
intersection and once to the centre of the frame; everything else in the photo stays. The script
reports how the studio's placement term (``quality_terms``) rates the two versions and, for each
checkpoint, the mean over the pairs of (score on thirds - score at the centre) in units of the
model's own SD of scores on the pairs, with a 95 % bootstrap interval, and the share of pairs that
the model orders as the placement term does. A model blind to placement
gives about 0 and 0.5.

    OMP_NUM_THREADS=1 python benchmarks/placement_swap.py multipatch nima LABEL=CHECKPOINT ... --out FILE
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from quality_terms import checkpoint_of, save  # noqa: E402

from aesthetics_lib.data.studio import StudioConfig, quality_terms, read_factors  # noqa: E402
from aesthetics_lib.data.studio.rendering import render  # noqa: E402
from aesthetics_lib.inference import Predictor  # noqa: E402

N_BOOT = 2000
THIRDS = np.array([[1 / 3, 1 / 3], [1 / 3, 2 / 3], [2 / 3, 1 / 3], [2 / 3, 2 / 3]])


def _as_saved(image: np.ndarray) -> Image.Image:
    """The rendered array as the studio stores it (JPEG at ``StudioConfig.jpeg_quality``, no chroma
    subsampling), decoded."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=StudioConfig.jpeg_quality, subsampling=0)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def photo_pairs(root: Path, long_side: int
                ) -> tuple[list[str], list[Image.Image], list[Image.Image], pd.DataFrame, pd.DataFrame]:
    """(ids, thirds versions, centre versions, their factor rows) of the test photos whose placement
    is not symmetric, rendered at the studio's ``long_side``."""
    f = read_factors(root)
    f = f[(f["split"] == "test") & (f["placement"] != "symmetric")].sort_values("image_id")
    ids, thirds, centre, rows = [], [], [], ([], [])
    for _, row in f.iterrows():
        xy = np.array([row["subject_x"], row["subject_y"]], dtype=float)
        nearest = THIRDS[np.argmin(np.hypot(*(THIRDS - xy).T))]
        for (x, y), out, kept in ((nearest, thirds, rows[0]), ((0.5, 0.5), centre, rows[1])):
            moved = row.copy()
            moved["subject_x"], moved["subject_y"] = float(x), float(y)
            out.append(_as_saved(render(moved, long_side)[0]))
            kept.append(moved)
        ids.append(str(row["image_id"]))
    return ids, thirds, centre, pd.DataFrame(rows[0]), pd.DataFrame(rows[1])


def measure(specs: list[str]) -> dict[str, Any]:
    """Per model: mean standardised (thirds - centre) with its interval, and the share ordered as the
    truth, on the test photos of the first model's studio."""
    located = [checkpoint_of(spec) for spec in specs]  # a wrong name fails before any rendering
    predictors = [Predictor.from_checkpoint(checkpoint, device="cpu") for _, checkpoint in located]
    config = predictors[0].checkpoint.config
    ids, thirds, centre, rows_thirds, rows_centre = photo_pairs(Path(predictors[0].open_split("test").root),
                                                                int(config.studio_long_side))
    rng = np.random.default_rng(0)
    boot = rng.integers(0, len(ids), size=(N_BOOT, len(ids)))
    term = quality_terms(rows_thirds)["placement"].to_numpy() - quality_terms(rows_centre)["placement"].to_numpy()
    result: dict[str, Any] = {"pairs": len(ids), "placement_term_thirds_minus_centre": {
        "mean": round(float(term.mean()), 4), "min": round(float(term.min()), 4),
        "share_thirds_higher": round(float((term > 0).mean()), 4)}, "models": {}}
    t = result["placement_term_thirds_minus_centre"]
    print(f"{len(ids)} pairs; the placement term, thirds minus centre: mean {t['mean']:+.3f}, min {t['min']:+.3f}, "
          f"thirds higher in {t['share_thirds_higher']:.3f}")
    for (label, checkpoint), predictor in zip(located, predictors):
        a = np.asarray(predictor.score(thirds).mean, dtype=np.float64)
        b = np.asarray(predictor.score(centre).mean, dtype=np.float64)
        sd = float(np.concatenate([a, b]).std())
        d = (a - b) / sd
        low, high = np.quantile(d[boot].mean(1), [0.025, 0.975])
        result["models"][label] = {"checkpoint": str(checkpoint.relative_to(ROOT) if checkpoint.is_relative_to(ROOT)
                                                      else checkpoint), "thirds_minus_centre_sd": round(float(d.mean()), 4),
                                   "ci": [round(float(low), 4), round(float(high), 4)],
                                   "share_thirds_higher": round(float((a > b).mean()), 4)}
        r = result["models"][label]
        print(f"{label:22s} thirds - centre {r['thirds_minus_centre_sd']:+.3f} SD [{r['ci'][0]:+.3f}, {r['ci'][1]:+.3f}]"
              f"   thirds scored higher in {r['share_thirds_higher']:.3f} of {len(ids)} pairs", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="shipped course model names or LABEL=CHECKPOINT")
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    result = measure(args.models)
    if args.out:
        save(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
