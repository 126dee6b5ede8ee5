"""Numbers that a notebook quotes from a benchmark's stored result (rather than computing them) match
that result: a re-run of the benchmark that changes them fails here until the prose follows."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _prose(notebook: str) -> str:
    """The source of ``notebooks/py/NOTEBOOK.py`` with its comment marks and line breaks folded into
    single spaces, so that a quote wrapped over two lines of markdown is found."""
    return " ".join((ROOT / "notebooks" / "py" / f"{notebook}.py").read_text().replace("\n#", " ").split())


def _g(x: float) -> str:
    """A number as the benchmarks print it: 3 significant digits."""
    return f"{x:.3g}"


def test_notebook_08_quotes_the_three_seed_saliency_comparison() -> None:
    result = json.loads((ROOT / "benchmarks" / "results" / "sampnet_seeds.json").read_text())
    text = _prose("08_sampnet")
    rows = {r["metric"]: r for r in result["comparison"]}
    for metric in ("srcc", "emd2"):
        r = rows[metric]
        assert r["verdict"] == "no clear difference"
        quote = f"{_g(r['difference'])} [{_g(r['ci'][0])}, {_g(r['ci'][1])}]"
        assert quote in text, f"notebook 08 should quote {metric} {quote}"
    assert f"seed noise {_g(rows['srcc']['seed_noise'])}" in text
    for arm, low_high in (("sampnet_plain", "0.601 to 0.639"), ("sampnet", "0.600 to 0.630")):
        srcc = result["per_seed"][arm]["srcc"]
        assert f"{min(srcc):.3f} to {max(srcc):.3f}" == low_high and low_high in text
    swaps = result["swap_test"]
    for name, quoted in (("another photo's map", "0.003-0.004"), ("empty map", "0.010-0.014")):
        changes = [s[name]["mean_abs_change"] for s in swaps]
        assert f"{min(changes):.3f}-{max(changes):.3f}" == quoted and quoted in text
        assert all(s[name]["srcc_change"]["verdict"] == "no clear difference" for s in swaps)


def test_notebook_09_quotes_the_final_models_seeds() -> None:
    result = json.loads((ROOT / "benchmarks" / "results" / "sgfm_seeds.json").read_text())
    text = _prose("09_convnextv2_sgfm")
    seeds = {r["seed"]: r for r in result["runs"]}
    assert f"test SRCC {seeds[1]['test_srcc']:.3f} and {seeds[2]['test_srcc']:.3f}" in text
    assert f"SD {result['seed_sd_test_srcc']:.2g} over the three runs" in text
    mean = result["mean_test_srcc"]
    share, low, high = mean["share_of_ceiling"]
    assert mean["seeds"] == 3 and mean["against_goal"] == "not distinguishable"
    assert text.count(f"{share:.3f} [{low:.3f}, {high:.3f}]") == 2, "the goal bullet and the summary quote the three-seed share"
    others = result["seeds_minus_other_models"]
    for name in ("multipatch_layout_lite0", "convnextv2_sgfm", "sampnet"):
        rows = others[name]["seed_minus_it"]
        assert [r["seed"] for r in rows] == [0, 1, 2] and all(r["verdict"] == "higher" for r in rows)
        low, high = min(r["difference"] for r in rows), max(r["difference"] for r in rows)
        assert f"{low:.3f} to {high:.3f}" in text, f"notebook 09 should quote every seed's lead over {name}"


def _arms_srcc(result: dict) -> tuple[str, str]:
    """An ``sgfm_arms.py`` result's SRCC verdict (160 px against 128 px) and its quote as the notebook
    words it."""
    srcc = next(r for r in result["160 px vs 128 px"] if r["metric"] == "srcc")
    low, high = srcc["95 % CI"]
    return srcc["verdict"], f"+{_g(srcc['new better by'])} [{_g(low)}, {_g(high)}], seed noise {_g(srcc['seed noise'])}"


def test_notebook_09_quotes_the_final_model_at_160_px() -> None:
    result = json.loads((ROOT / "benchmarks" / "results" / "sgfm_160.json").read_text())
    text = _prose("09_convnextv2_sgfm")
    verdict, quote = _arms_srcc(result)
    assert verdict == "better" and quote in text
    shares = [r["share_of_ceiling"] for r in result["arms"]["160 px"]]
    assert f"{shares[0][0]:.3f} and {shares[1][0]:.3f} of the ceiling" in text
    assert all(low < 0.8 for _, low, _ in shares), "the text says both intervals reach below 0.8"
    other = json.loads((ROOT / "benchmarks" / "results" / "sgfm_160_seeds02.json").read_text())
    verdict, quote = _arms_srcc(other)
    assert verdict == "no clear difference" and [r["seed"] for r in other["arms"]["160 px"]] == [0, 2]
    assert quote in text


def test_notebook_10_quotes_grad_cam_of_other_training_runs() -> None:
    result = json.loads((ROOT / "benchmarks" / "results" / "lesson_checks_160.json").read_text())
    text = _prose("10_explainability")
    runs = {(r["size"], r["seed"]): r["notebook 10: CAM share on the subject minus its area"]["gradcam"] for r in result["runs"]}
    assert runs[(128, 0)]["verdict"] == "above", "the shipped weights' Grad-CAM is on the subject"
    for key, verdict in (((128, 1), "not distinguishable"), ((128, 2), "not distinguishable"),
                         ((160, 0), "below"), ((160, 2), "below")):
        mean, low, high = runs[key]["share_minus_area"]
        assert runs[key]["verdict"] == verdict
        assert f"{mean:+.3g} [{low:.3g}, {high:.3g}]" in text, f"notebook 10 should quote the {key} run's Grad-CAM"


def test_notebook_10_quotes_the_deletion_test_of_other_training_runs() -> None:
    result = json.loads((ROOT / "benchmarks" / "results" / "lesson_checks_160.json").read_text())
    text = _prose("10_explainability")
    runs = {(r["size"], r["seed"]): r["notebook 10: deletion test of the subject"] for r in result["runs"]}
    assert len(runs) == 5 and all(r["verdict"] == "above" for r in runs.values()), "every run depends on the subject"
    lifts = [r["lift"][0] for r in runs.values()]
    assert f"lifts from +{_g(min(lifts))} to +{_g(max(lifts))}, every interval above 0" in text
    lowered = [r["lowered"] for r in runs.values()]
    assert f"on {_g(min(lowered))} to {_g(max(lowered))} of the photos" in text
    shipped = runs[(128, 0)]
    assert f"+{_g(shipped['lift'][0])} [{_g(shipped['lift'][1])}, {_g(shipped['lift'][2])}]" in text, \
        "the notebook's own lift for the shipped weights is the benchmark's"
    agree = {key: r["gradcam share minus area vs drop, SRCC"] for key, r in runs.items()}
    agreeing = sorted(key for key, (_, low, _) in agree.items() if low > 0)
    assert agreeing == [(128, 0), (128, 2)] and "agrees with it in two of the five runs" in text
    assert all(low <= 0 <= high for key, (_, low, high) in agree.items() if key not in agreeing)
    mean, low, high = agree[(128, 2)]
    assert f"seed 2 with {_g(mean)} [{_g(low)}, {_g(high)}]" in text
    others = [agree[key][0] for key in agree if key not in agreeing]
    assert f"({min(others):+.3g} to {max(others):+.3g})" in text
    placement = [r["studio placement term vs drop, SRCC"] for r in runs.values()]
    assert all(low > 0 for _, low, _ in placement), "the drop follows the placement term in every run"
    assert f"SRCC from {_g(min(p[0] for p in placement))} to {_g(max(p[0] for p in placement))}, every interval above 0" in text
    shipped_agreement = agree[(128, 0)]
    assert f"{_g(shipped_agreement[0])} [{_g(shipped_agreement[1])}, {_g(shipped_agreement[2])}]" in text


def test_notebook_10_says_where_hirescam_lies_in_the_five_runs() -> None:
    result = json.loads((ROOT / "benchmarks" / "results" / "lesson_checks_160.json").read_text())
    text = _prose("10_explainability")
    verdicts = {(r["size"], r["seed"]): r["notebook 10: CAM share on the subject minus its area"]["hirescam"]["verdict"]
                for r in result["runs"]}
    assert sorted(k for k, v in verdicts.items() if v == "above") == [(128, 0), (160, 0), (160, 2)]
    assert verdicts[(128, 1)] == verdicts[(128, 2)] == "not distinguishable"
    assert ("lies above the subject's area in three (the shipped weights and both runs at 160 px) and is not "
            "distinguishable from it in seeds 1 and 2") in text


def test_notebook_06_quotes_the_fence_patch_pilot() -> None:
    text = _prose("06_aspect_ratio")
    for seed, name in ((0, "fence_patches.json"), (1, "fence_patches_seed1.json")):
        result = json.loads((ROOT / "benchmarks" / "results" / name).read_text())
        if seed == 0:
            assert f"random patches hold part of the fence {result['training_share_on_fence']['mean']:.2f} of the time" in text
        gain = result["paired"][f"fence patches: fence patches in training minus shipped seed {seed}"]
        assert gain[2] == "no clear difference", f"seed {seed}: the pilot's fence patches now differ"
        assert f"+{_g(gain[0])} [{_g(gain[1][0])}, {_g(gain[1][1])}]" in text, f"notebook 06 should quote seed {seed}'s gain"


def test_notebook_06_quotes_the_spp_seeds_it_names() -> None:
    """06's three-seed SPP-against-warp verdicts come from the SPP seeds that exist now (retrained in
    session 38; session 23's exports were lost), the result file the notebook names."""
    text = _prose("06_aspect_ratio")
    assert "spp_seeds_160_s38.json" in text
    rows = {(r["bucket"], r["metric"]): r for r in json.loads(
        (ROOT / "benchmarks" / "results" / "spp_seeds_160_s38.json").read_text())["rows"]}
    assert all(r["B_is"] == "better" for r in rows.values()), "SPP is no longer better in every bucket"
    for bucket, metric in (("all", "srcc"), ("near square (<1.4)", "srcc"), ("moderate (1.4-1.9)", "srcc"),
                           ("extreme (>=1.9)", "srcc"), ("extreme (>=1.9)", "mse")):
        r = rows[(bucket, metric)]
        quote = f"{_g(r['B_better_by'])} [{_g(r['ci'][0])}, {_g(r['ci'][1])}]"
        assert quote in text, f"notebook 06 should quote {bucket} {metric} {quote}"
    for bucket in ("all", "extreme (>=1.9)"):
        assert f"seed noise {_g(rows[(bucket, 'srcc')]['seed_noise'])}" in text
