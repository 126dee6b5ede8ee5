"""The library works outside the checkout: the wheel ships every module and every YAML config, and
a copy installed from it trains, scores and loads a course model from any folder.

The wheel is built offline from a copy of the sources (so the checkout gets no ``build/`` folder and
a stale one never leaks into the wheel), installed with ``pip --target`` into a temporary folder
(never into the environment), and run in subprocesses whose working directory is outside the
checkout and whose ``PYTHONPATH`` is only that folder; the other dependencies come from the
environment's site-packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

#: A tiny studio_dcnn run: 60 small images, two steps of one epoch, 32 px columns (a few seconds).
TINY = {
    "epochs": 1,
    "studio_n": 60,
    "studio_long_side": 64,
    "cache_max_side": 64,
    "max_steps_per_epoch": 2,
    "batch_size": 8,
    "size": 32,
    "local_size": 32,
    "device": "cpu",
}


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``args``; on a non-zero exit code fail with the command and its output."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(
            f"exit code {proc.returncode} from {' '.join(args)} (cwd {cwd})\n"
            f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
        )
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built offline (no build isolation, no index) from a copy of the sources."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("aesthetics_lib", "configs", "weights", "data/cadb_labels"):  # the package-dir folders
        shutil.copytree(REPO / name, src / name, ignore=skip)
    dist = tmp / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "-q", "-w", str(dist), str(src)],
        cwd=tmp, env=dict(os.environ),
    )
    wheels = sorted(dist.glob("aesthetics_lib-*.whl"))
    assert len(wheels) == 1, f"expected one aesthetics_lib wheel in {dist}, found {[w.name for w in wheels]}"
    return wheels[0]


@pytest.fixture(scope="module")
def site(wheel: Path) -> Path:
    """A folder holding only the installed wheel (``pip install --no-deps --target``)."""
    target = wheel.parent.parent / "site"
    _run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check",
         "-q", "--target", str(target), str(wheel)],
        cwd=wheel.parent, env=dict(os.environ),
    )
    return target


@pytest.fixture()
def outside(site: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """``(cwd, env)`` for a subprocess that sees the installed wheel and not the checkout."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AESTHETICS_")}
    env.update(
        PYTHONPATH=str(site),
        AESTHETICS_CACHE=str(tmp_path / "cache"),
        PYTHONNOUSERSITE="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        HF_HUB_OFFLINE="1",
        MPLBACKEND="Agg",
        CI="true",
    )
    return cwd, env


def test_wheel_ships_every_module_and_config(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "aesthetics_lib").rglob("*.py") if "__pycache__" not in p.parts}
    configs = {f"aesthetics_lib/configs/{p.name}" for p in (REPO / "configs").glob("*.yaml")}
    configs |= {f"aesthetics_lib/weights/{p.name}" for p in (REPO / "weights").iterdir() if p.suffix in (".pt", ".json", ".md")}
    configs |= {f"aesthetics_lib/cadb_labels/{p.name}" for p in (REPO / "data" / "cadb_labels").iterdir() if p.is_file()}
    assert configs, f"no YAML config found in {REPO / 'configs'}"
    missing = sorted((modules | configs) - names)
    assert not missing, (
        f"{wheel.name} lacks {missing}: add the package to [tool.setuptools] packages in pyproject.toml"
    )


def test_installed_wheel_trains_scores_and_loads_a_course_model(site: Path, outside: tuple[Path, dict[str, str]]) -> None:
    cwd, env = outside
    py = sys.executable

    # the installed copy is the one imported, and its configs come from inside the package
    probe = _run(
        [py, "-c", "import aesthetics_lib, aesthetics_lib.paths as p; "
         "print(aesthetics_lib.__file__); print(p.checkout_root()); print(p.config_file('studio_dcnn'))"],
        cwd=cwd, env=env,
    )
    module_file, checkout, config = probe.stdout.strip().splitlines()[-3:]
    assert Path(module_file).resolve().is_relative_to(site.resolve()), f"imported {module_file}, not the wheel in {site}"
    assert checkout == "None", f"the installed package believes it runs from a checkout: {checkout}"
    assert Path(config).resolve().is_relative_to(site / "aesthetics_lib" / "configs"), config
    assert "model: dcnn" in Path(config).read_text(encoding="utf-8")

    # train a tiny run through the CLI, the config given by name
    out = cwd / "run"
    sets = [arg for k, v in TINY.items() for arg in ("--set", f"{k}={v}")]
    _run([py, "-m", "aesthetics_lib", "train", "--config", "studio_dcnn", *sets, "--out", str(out)], cwd=cwd, env=env)
    assert (out / "best.pt").is_file(), f"train wrote no best.pt in {out}: {sorted(p.name for p in out.iterdir())}"
    assert (Path(env["AESTHETICS_CACHE"]) / "studio").is_dir(), "the studio was not rendered under AESTHETICS_CACHE"

    # score a photo with the checkpoint it wrote
    from PIL import Image

    photo = cwd / "photo.png"
    Image.linear_gradient("L").resize((96, 64)).convert("RGB").save(photo)
    scored = _run([py, "-m", "aesthetics_lib", "score", str(photo), "--checkpoint", str(out / "best.pt")], cwd=cwd, env=env)
    row = next((line.split() for line in scored.stdout.splitlines() if line.rstrip().endswith("photo.png")), None)
    assert row is not None, f"no row for photo.png in the output of score:\n{scored.stdout}"
    assert 1.0 <= float(row[1]) <= 5.0, f"mean score {row[1]} outside the 1..5 scale:\n{scored.stdout}"

    # load a course model (trained into the cache on first use) and score a PIL image
    code = (
        "from PIL import Image\n"
        "from aesthetics_lib.zoo import course_model\n"
        f"m = course_model('dcnn', overrides={TINY!r})\n"
        "s = m.score([Image.new('RGB', (96, 64), (120, 90, 60))])\n"
        "print(m.run_dir)\n"
        "print(float(s['mean'][0]))\n"
    )
    loaded = _run([py, "-c", code], cwd=cwd, env=env)
    run_dir, mean = loaded.stdout.strip().splitlines()[-2:]
    assert Path(run_dir).resolve().is_relative_to(Path(env["AESTHETICS_CACHE"]).resolve()), (
        f"the course model was cached in {run_dir}, not under AESTHETICS_CACHE"
    )
    assert 1.0 <= float(mean) <= 5.0, f"course model mean score {mean} outside the 1..5 scale"


def test_installed_wheel_reads_the_shipped_cadb_labels(site: Path, outside: tuple[Path, dict[str, str]]) -> None:
    cwd, env = outside
    code = (
        "from aesthetics_lib.data.cadb_labels import cadb_labels_dir, read_cadb_labels\n"
        "print(cadb_labels_dir())\n"
        "print(len(read_cadb_labels()))\n"
    )
    folder, n = _run([sys.executable, "-c", code], cwd=cwd, env=env).stdout.strip().splitlines()[-2:]
    assert Path(folder).resolve().is_relative_to(site / "aesthetics_lib" / "cadb_labels"), folder
    assert int(n) == 9497, f"the installed labels hold {n} images, expected 9,497"
