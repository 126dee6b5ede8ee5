"""How closely the studio's CADB layout matches CADB's published labels: print the fidelity table.

Usage: ``python tools/studio_fidelity.py [--studio DIR] [--json]``. The real side is
``aesthetics_lib.data.cadb_labels.read_cadb_labels()`` (the shipped files, checksums verified); the
studio side is the default studio, ``ensure_studio("cadb")`` (9,497 images; reused from the cache,
rendered once otherwise), or ``--studio DIR``, read by the same reader. Both sides are
measured by the same functions. Each section ends with one distance and a verdict against a stated
tolerance; docs/STUDIO_FIDELITY.md holds the table this prints and what it means.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from aesthetics_lib.data.cadb_labels import read_cadb_elements, read_cadb_labels
from aesthetics_lib.data.schema import CADB_BINS, ELEMENT_CLASSES, SCENES
from aesthetics_lib.data.studio import REPORT_FILE, ensure_studio, two_peaked

#: Verdict rule: a section is "reproduced" when its distance is at most this.
TOLERANCE = {"vote_mean": 0.05, "vote_sd": 0.05, "reliability": 0.03, "raters": 0.10, "scenes": 0.05,
             "content_bias": 0.10, "elements": 0.05}
SPLITS = 200  #: random 2-vs-3 splits of each image's votes averaged by :func:`split_half`


def tv(p: np.ndarray, q: np.ndarray) -> float:
    """Total-variation distance between two histograms over the same bins (each renormalised)."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    return 0.5 * float(np.abs(p / p.sum() - q / q.sum()).sum())


def histogram(values: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Fraction of ``values`` at each point of ``support`` (values rounded to 6 decimals first)."""
    v = np.round(np.asarray(values, float), 6)
    return np.array([(v == s).mean() for s in np.round(support, 6)])


def icc1(scores: np.ndarray) -> tuple[float, float]:
    """One-way random-effects ICC of ratings ``[N images, k raters]``: ``(ICC(1), ICC(1,k))``, the
    reliability of one rating and of the mean of k (Shrout and Fleiss 1979)."""
    n, k = scores.shape
    m = scores.mean(1)
    msb = k * ((m - scores.mean()) ** 2).sum() / (n - 1)
    msw = ((scores - m[:, None]) ** 2).sum() / (n * (k - 1))
    return float((msb - msw) / (msb + (k - 1) * msw)), float((msb - msw) / msb)


def split_half(scores: np.ndarray, splits: int = SPLITS, seed: int = 0) -> float:
    """Pearson r between the mean of 2 random votes and the mean of the other 3, averaged over splits."""
    rng = np.random.default_rng(seed)
    rs = []
    for _ in range(splits):
        shuffled = np.take_along_axis(scores, np.argsort(rng.random(scores.shape), axis=1), axis=1)
        rs.append(np.corrcoef(shuffled[:, :2].mean(1), shuffled[:, 2:].mean(1))[0, 1])
    return float(np.mean(rs))


def measure(labels: pd.DataFrame, elements: pd.DataFrame) -> dict:
    """Everything the table compares, for one side (a :func:`read_cadb_labels` frame and its
    :func:`read_cadb_elements` frame)."""
    scores = np.array(labels["scores"].tolist())
    means, sds = scores.mean(1), labels["std"].to_numpy()
    counts = np.array(labels["counts"].tolist())
    spread = scores.max(1) - scores.min(1)
    pairs = np.corrcoef(scores.T)[np.triu_indices(CADB_BINS, 1)]
    shares = elements.groupby("element")["image_id"].nunique() / len(labels)
    scene_mean = labels.groupby("scene")["mean"].mean()
    # every SD five ratings 1..5 can have: the support of the SD histogram
    grid = np.array(np.meshgrid(*[np.arange(1, 6)] * 5)).reshape(5, -1).T
    sd_support = np.unique(np.round(grid.std(1), 6))
    i1, ik = icc1(scores.astype(float))
    return {
        "n_images": len(labels),
        "mean_of_means": means.mean(), "sd_of_means": means.std(), "median_of_means": np.median(means),
        "p5_p95_of_means": np.percentile(means, [5, 95]).tolist(), "fraction_above_2.6": (means > 2.6).mean(),
        "vote_histogram": (np.bincount(scores.ravel() - 1, minlength=CADB_BINS) / scores.size).tolist(),
        "mean_histogram": histogram(means, np.arange(5, 26) / 5).tolist(),
        "means": means,
        "mean_sd": sds.mean(), "fraction_unanimous": (spread == 0).mean(),
        "range_histogram": (np.bincount(spread, minlength=CADB_BINS) / len(spread)).tolist(),
        "sd_histogram": histogram(sds, sd_support).tolist(),
        "fraction_two_peaked": two_peaked(counts).mean(), "srcc_sd_mean": stats.spearmanr(sds, means)[0],
        "split_half_r": split_half(scores), "icc1": i1, "icc1k": ik, "sqrt_icc1k": np.sqrt(ik),
        "rater_column_means": scores.mean(0).tolist(), "rater_pair_r": sorted(pairs.tolist()),
        "scene_shares": [float((labels["scene"] == s).mean()) for s in SCENES],
        "scene_means": [float(scene_mean.get(s, np.nan)) for s in SCENES],
        "element_shares": [float(shares.get(c, 0.0)) for c in ELEMENT_CLASSES],
        "classes_per_image": len(elements) / len(labels),
    }


def compare(real: dict, studio: dict) -> dict[str, float]:
    """One distance per section (what the verdicts use)."""
    return {
        "vote_mean": float(stats.ks_2samp(real["means"], studio["means"]).statistic),
        "vote_sd": tv(real["sd_histogram"], studio["sd_histogram"]),
        "reliability": abs(real["icc1k"] - studio["icc1k"]),
        "raters": float(np.max(np.abs(np.subtract(real["rater_pair_r"], studio["rater_pair_r"])))),
        "scenes": tv(real["scene_shares"], studio["scene_shares"]),
        "content_bias": 1.0 - float(stats.spearmanr(real["scene_means"], studio["scene_means"])[0]),
        "elements": tv(real["element_shares"], studio["element_shares"]),
    }


def _f(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def table(real: dict, studio: dict, dist: dict[str, float]) -> str:
    """The fidelity table in Markdown: one row per quantity, one verdict row per section."""
    rows: list[tuple[str, str, str]] = []

    def verdict(section: str, what: str) -> None:
        ok = dist[section] <= TOLERANCE[section]
        rows.append((f"**{what} = {_f(dist[section])}** (tolerance {TOLERANCE[section]})",
                     "**reproduced**" if ok else "**not reproduced**", ""))

    both = lambda name, fmt, key: rows.append((name, fmt(real[key]), fmt(studio[key])))  # noqa: E731
    hist = lambda h: " / ".join(f"{100 * v:.1f}" for v in h)  # noqa: E731
    rows.append(("*Vote-mean marginal*", "", ""))
    both("mean of image means", _f, "mean_of_means")
    both("SD of image means", _f, "sd_of_means")
    both("median of image means", lambda v: _f(v, 1), "median_of_means")
    both("5th / 95th percentile of means", lambda v: f"{v[0]:.1f} / {v[1]:.1f}", "p5_p95_of_means")
    both("images with mean > 2.6", _pct, "fraction_above_2.6")
    both("pooled votes 1 / 2 / 3 / 4 / 5 (%)", hist, "vote_histogram")
    verdict("vote_mean", "KS distance of the image means")
    rows.append(("*Vote-SD shape*", "", ""))
    both("mean per-image vote SD", _f, "mean_sd")
    both("unanimous images (range 0)", _pct, "fraction_unanimous")
    both("vote range 0 / 1 / 2 / 3 / 4 (%)", hist, "range_histogram")
    both("two-peaked histograms (`studio.two_peaked`)", _pct, "fraction_two_peaked")
    both("SRCC(vote SD, vote mean)", _f, "srcc_sd_mean")
    verdict("vote_sd", "TV distance of the per-image SD histograms")
    rows.append(("*Reliability*", "", ""))
    both("split-half r (2 vs 3 votes, 200 splits)", _f, "split_half_r")
    both("ICC(1): one rating", _f, "icc1")
    both("ICC(1,5): the 5-vote mean", _f, "icc1k")
    both("sqrt ICC(1,5): implied r(5-vote mean, many-rater mean)", _f, "sqrt_icc1k")
    verdict("reliability", "abs. difference of ICC(1,5)")
    rows.append(("*Rater columns*", "", ""))
    both("mean of each score column", lambda v: " / ".join(f"{x:.2f}" for x in v), "rater_column_means")
    both("r between score columns, min / median / max", lambda v: f"{v[0]:.2f} / {np.median(v):.2f} / {v[-1]:.2f}",
         "rater_pair_r")
    verdict("raters", "max abs. difference of the sorted column-pair r")
    rows.append(("*Scene mix*", "", ""))
    for s, r_share, s_share in zip(SCENES, real["scene_shares"], studio["scene_shares"]):
        rows.append((f"{s}", _pct(r_share), _pct(s_share)))
    verdict("scenes", "TV distance of the scene shares")
    rows.append(("*Content bias (mean vote by scene)*", "", ""))
    rng_ = lambda v: f"{np.nanmin(v):.2f} .. {np.nanmax(v):.2f}"  # noqa: E731
    both("lowest .. highest scene mean", rng_, "scene_means")
    for s, a, b in zip(SCENES, real["scene_means"], studio["scene_means"]):
        rows.append((f"{s}", _f(a, 2), _f(b, 2)))
    verdict("content_bias", "1 - SRCC of the scene means")
    rows.append(("*Element mix (share of images with the class)*", "", ""))
    order = np.argsort(real["element_shares"])[::-1]
    for i in order:
        rows.append((ELEMENT_CLASSES[i], _pct(real["element_shares"][i]), _pct(studio["element_shares"][i])))
    both("classes per image", lambda v: _f(v, 2), "classes_per_image")
    verdict("elements", "TV distance of the class shares")
    lines = ["| quantity | real CADB | studio |", "|---|---:|---:|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studio", type=Path, default=None, help="a studio folder in CADB's layout "
                        "(default: ensure_studio('cadb'), the course's default studio)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON instead")
    args = parser.parse_args(argv)
    root = args.studio if args.studio is not None else ensure_studio("cadb")
    real = measure(read_cadb_labels(), read_cadb_elements())
    studio = measure(read_cadb_labels(root, verify=False), read_cadb_elements(root, verify=False))
    dist = compare(real, studio)
    if args.json:
        drop = lambda d: {k: v for k, v in d.items() if k != "means"}  # noqa: E731
        print(json.dumps({"real": drop(real), "studio": drop(studio), "distance": dist, "tolerance": TOLERANCE},
                         indent=1, default=float))
        return 0
    report = json.loads((Path(root) / REPORT_FILE).read_text(encoding="utf-8"))
    calib = report["calibration"]
    print(f"studio: {report['n_images']} images, studio version {report['studio_version']}, "
          f"params {report['params']}")
    print(f"studio_report.json calibration targets ('real'): {calib['real']}; measured on the published "
          f"labels: mean_of_means {real['mean_of_means']:.3f}, sd_of_means {real['sd_of_means']:.3f}, "
          f"median_of_means {real['median_of_means']:.1f}")
    print(f"studio_report.json noise ceiling: SRCC(vote mean, true quality) "
          f"{report['noise_ceiling']['srcc_vote_mean_vs_true_quality']}, PLCC(vote mean, true mean) "
          f"{report['noise_ceiling']['plcc_vote_mean_vs_true_mean']}")
    print()
    print(table(real, studio, dist))
    print()
    for section, d in dist.items():
        print(f"{section}: {'reproduced' if d <= TOLERANCE[section] else 'NOT reproduced'} "
              f"(distance {d:.3f}, tolerance {TOLERANCE[section]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
