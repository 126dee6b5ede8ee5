"""``python -m aesthetics_lib train / evaluate / score`` end to end on a tiny studio dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aesthetics_lib.cli import main
from aesthetics_lib.data.studio import generate_cadb

REQUIRED_KEYS = {"srcc", "lcc", "mse", "emd1", "emd2", "accuracy", "naive_srcc", "naive_mse"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny studio, a config file for it, and one finished training run (via the CLI)."""
    base = tmp_path_factory.mktemp("cli")
    studio = base / "studio"
    generate_cadb(studio, n=40, seed=0, long_side=48)
    config = base / "tiny.yaml"
    config.write_text(
        "# a tiny run for the tests\n"
        + yaml.safe_dump(
            {
                "data": f"cadb:{base / 'elsewhere'}",  # replaced by --data-root below
                "model": "dcnn",
                "model_kwargs": {"backbone": "shallow"},
                "size": 32,
                "epochs": 2,
                "batch_size": 8,
                "lr_backbone": 1e-3,
                "lr_head": 3e-3,
                "device": "cpu",
                "progress": False,
                "verbose": False,
                "out": str(base / "default_out"),
            }
        )
    )
    out = base / "run"
    code = main(["train", "--config", str(config), "--data-root", str(studio), "--out", str(out), "--set", "seed=1"])
    assert code == 0
    return {"base": base, "studio": studio, "config": config, "out": out}


def test_train_writes_the_run_files(run: dict[str, Path]) -> None:
    names = {p.name for p in run["out"].iterdir()}
    assert {"last.pt", "best.pt", "history.csv", "history.json", "config.yaml"} <= names
    history = json.loads((run["out"] / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2]
    saved = yaml.safe_load((run["out"] / "config.yaml").read_text())
    assert saved["seed"] == 1 and saved["data"] == f"cadb:{run['studio']}"  # --set and --data-root applied
    assert not (run["base"] / "default_out").exists()  # --out replaced the config's out
    chunks = [json.loads(line) for line in (run["out"] / "chunks.jsonl").read_text().splitlines()]
    assert [(c["from_epoch"], c["device"]) for c in chunks] == [(0, "cpu")]  # the training call, for the record


def test_train_refuses_to_overwrite_a_run(run: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    before = (run["out"] / "last.pt").read_bytes()
    args = ["train", "--config", str(run["config"]), "--data-root", str(run["studio"]), "--out", str(run["out"]), "--set", "seed=1"]
    assert main(args) == 2
    assert "--resume" in capsys.readouterr().err
    assert (run["out"] / "last.pt").read_bytes() == before
    # --resume on a finished run trains nothing more and keeps the files
    assert main(args + ["--resume"]) == 0
    assert (run["out"] / "last.pt").read_bytes() == before
    assert len((run["out"] / "chunks.jsonl").read_text().splitlines()) == 1  # a call that trains nothing logs nothing


def test_unknown_key_in_config_is_reported(run: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(run["config"].read_text() + "lerning_rate: 0.1\n")
    assert main(["train", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "'lerning_rate'" in err and str(bad) in err
    assert main(["train", "--config", str(run["config"]), "--out", str(tmp_path / "o"), "--set", "epoch=3"]) == 2
    assert "'epoch'" in capsys.readouterr().err


def test_evaluate_json_has_metrics_intervals_and_baseline(run: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    code = main(["evaluate", "--checkpoint", str(run["out"] / "best.pt"), "--json", "--n-boot", "200"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert REQUIRED_KEYS <= set(result)
    for key in ("srcc", "lcc", "mse", "emd1", "emd2", "accuracy"):
        assert f"{key}_ci" in result and f"naive_{key}" in result
    lo, hi = result["mse_ci"]
    assert lo <= result["mse"] <= hi
    assert result["split"] == "test" and result["n"] == 4  # the 4 test images of the 40-image studio
    assert result["naive_srcc"] is None  # a constant prediction has no ranking (NaN -> null)
    assert 0.0 <= result["accuracy"] <= 1.0 and result["emd1"] > 0
    # studio data knows the true quality: the raters' own agreement with it is reported as the ceiling
    assert -1.0 <= result["true_srcc"] <= 1.0 and -1.0 <= result["noise_ceiling_srcc"] <= 1.0


def test_evaluate_table_shows_baseline(run: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert main(["evaluate", "--checkpoint", str(run["out"] / "best.pt"), "--data", f"cadb:{run['studio']}", "--split", "val", "--n-boot", "100"]) == 0
    text = capsys.readouterr().out
    for label in ("SRCC", "LCC", "MSE", "EMD r=1", "EMD r=2", "accuracy", "naive"):
        assert label in text
    assert "split val" in text


def test_score_ranks_images(run: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    images = run["studio"] / "images"
    out_csv = tmp_path / "scores.csv"
    code = main(["score", str(images), "--checkpoint", str(run["out"] / "best.pt"), "--csv", str(out_csv)])
    assert code == 0
    text = capsys.readouterr().out
    assert "scored 40 image(s)" in text
    import pandas as pd

    table = pd.read_csv(out_csv)
    assert len(table) == 40 and table["rank"].tolist() == list(range(1, 41))
    assert table["mean"].is_monotonic_decreasing
    probs = table[[f"p{i}" for i in range(1, 6)]].to_numpy()
    assert abs(probs.sum(1) - 1).max() < 1e-3
