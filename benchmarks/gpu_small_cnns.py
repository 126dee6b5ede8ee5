"""One GPU call's work, as one script: how far the from-scratch small CNN course models (DCNN, SPP,
multi-patch and its two ablations) get with bigger budgets and higher input resolution, two more
seeds of the ConvNeXt V2 course model and its from-scratch control at the same budget, each trained
in a parallel process on the one GPU (session 18, ``--grid budgets``); and notebook 06's view
question with the network and the pixel count held fixed, three seeds per view (session 19, ``--grid
aspect``) and its MPEMD question, three seeds per loss (``--grid mpemd``), each measured with
``--grid NAME --evaluate-arms FILE``).

:data:`GRID`, :data:`ASPECT_GRID` and :data:`MPEMD_GRID` name the runs (label -> course model and config
overrides, all on ``device: cuda``).
The parent process records the machine, renders the studio once (all cores), then runs the grid as a
job pool: at most ``--parallel`` children at once (``--job LABEL``, ``OMP_NUM_THREADS=2``), the
from-scratch ConvNeXt and one seed first (:data:`START_FIRST`), then the grid in order. Each child trains its config with
one :class:`~aesthetics_lib.training.trainer.Trainer` (a run cannot be resumed on a GPU), one epoch at
a time while the common deadline allows another, then writes ``LABEL.json`` (epochs, per-epoch
validation SRCC, best epoch, config hash, machine) and ``LABEL.tar``: the run folder's ``best.pt``
(fp16 weights) and ``last.pt`` (no weights) slimmed by :func:`gpu_weights.pack`, ``chunks.jsonl`` and
``history.json``, also when stopped early. A failed or overrunning child loses nothing of the others:
the parent packs what its run folder holds. The parent writes ``results.json`` and prints a table.

Everything goes to ``--out`` (a work folder; run folders under ``OUT/runs``); ``--bundle DIR`` packs
its files, not the run folders, into ``DIR/part-N.tar`` of at most 15 MiB each, since a device call
brings back at most 8 files of 16 MiB. The decoded-image cache of the course configs (``cache: true``,
``cache_dir: null``) lives in each child's memory, so the children share no cache file; the studio is
their one shared file set, rendered by the parent before any starts.

On the GPU machine (carry ``runs/fcmae``: the ConvNeXt config starts from that FCMAE encoder)::

    python benchmarks/gpu_small_cnns.py --out /tmp/small_cnns --bundle $OUT

Here: ``python benchmarks/gpu_small_cnns.py --unpack FOLDER`` (FOLDER holds the ``part-N.tar`` or the
``LABEL.tar``) puts each run folder into ``runs/weights/LABEL-<config hash>-<code hash>`` (nothing is
overwritten), where :func:`~aesthetics_lib.course_weights.export_weights` or ``evaluate`` measure it
on the CPU. ``--smoke`` runs every job for one epoch on a 300-photo studio on whatever device there is
(ConvNeXt from random weights), to check the script before spending GPU time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tarfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import gpu_weights as gw  # noqa: E402

from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib.training.config import TrainConfig  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

#: The runs: label -> (course model or zoo variant name, config overrides on top of its config).
GRID: dict[str, tuple[str, dict[str, Any]]] = {
    "convnextv2_sgfm_scratch6": ("convnextv2_sgfm", {"model_kwargs.pretrained": False}),  # the shipped budget, random start
    "convnextv2_sgfm_seed1": ("convnextv2_sgfm", {"seed": 1}),
    "dcnn_e72": ("dcnn", {"epochs": 72}),
    "spp_e48": ("spp", {"epochs": 48}),
    "multipatch_e48": ("multipatch", {"epochs": 48}),
    "multipatch_warp_e48": ("multipatch_warp", {"epochs": 48}),
    "multipatch_avg_e48": ("multipatch_avg", {"epochs": 48}),
    "dcnn_128_e48": ("dcnn", {"size": 128, "local_size": 128, "epochs": 48}),
    "spp_160_e48": ("spp", {"size": 160, "epochs": 48}),
    "multipatch_96_e48": ("multipatch", {"size": 96, "epochs": 48}),
    "convnextv2_sgfm_seed2": ("convnextv2_sgfm", {"seed": 2}),
}
#: Notebook 06's view question with everything else the same (session 19): the SPP course network
#: trained 48 epochs on the photo warped to 112 x 112, or with its aspect ratio kept at about the same
#: pixel count (:func:`area_view`: 112 x 112 for a square photo, 64 x 192 at 3:1), three seeds each.
ASPECT_GRID: dict[str, tuple[str, dict[str, Any]]] = {
    f"spp_{view}112_s{seed}": ("spp", {"epochs": 48, "size": 112, "seed": seed, **({"view": "warp"} if view == "warp" else {})})
    for seed in (0, 1, 2) for view in ("warp", "area")
}
#: The jobs trained and measured through :func:`area_view`.
AREA_JOBS: frozenset[str] = frozenset(label for label in ASPECT_GRID if "_area" in label)
#: Notebook 06's MPEMD question with three seeds per loss (session 19): the multi-patch course model
#: and its MPEMD_avg variant, 48 epochs each.
MPEMD_GRID: dict[str, tuple[str, dict[str, Any]]] = {
    f"multipatch_{mode}48_s{seed}": ("multipatch" if mode == "ada" else "multipatch_avg", {"epochs": 48, "seed": seed})
    for seed in (0, 1, 2) for mode in ("avg", "ada")
}
#: ``--grid``'s choices; a child finds its label in :data:`JOBS`.
GRIDS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {"budgets": GRID, "aspect": ASPECT_GRID, "mpemd": MPEMD_GRID}
JOBS: dict[str, tuple[str, dict[str, Any]]] = {**GRID, **ASPECT_GRID, **MPEMD_GRID}
#: ``--evaluate-arms``'s two arms of each seeded grid, ``(A, B)``: the studio was built for B to win;
#: run ``{arm}_s{seed}``.
ARMS: dict[str, tuple[str, str]] = {"aspect": ("spp_warp112", "spp_area112"), "mpemd": ("multipatch_avg48", "multipatch_ada48")}
SEEDS: tuple[int, ...] = (0, 1, 2)
#: Started before the rest of :data:`GRID`: a ConvNeXt run is worth something only as a finished
#: 6-epoch cosine run (comparable with the shipped seed 0), and they free their slots after a few minutes.
START_FIRST: tuple[str, ...] = ("convnextv2_sgfm_scratch6", "convnextv2_sgfm_seed1")
#: ``--smoke``'s overrides of every job (the ConvNeXt jobs also start from random weights).
SMOKE: dict[str, Any] = {"studio_n": 300, "epochs": 1}
#: Notebook 06's comparisons, measured by ``--evaluate`` among the new runs (first minus second).
VIEW_PAIRS: tuple[tuple[str, str], ...] = (("multipatch_e48", "multipatch_warp_e48"), ("multipatch_e48", "multipatch_avg_e48"))
MIN_START_S = 60.0  # a job is not started with less time than this before the deadline
PACK_S = 5.0  # what a child keeps after its last epoch to write its record and tar
GRACE_S = 12.0  # how long after the deadline the parent waits for children before killing them
BUNDLE_BYTES = 15 * 2**20  # the size of one --bundle part


@contextmanager
def area_view(enabled: bool = True) -> Iterator[None]:
    """While active (and ``enabled``), the library's ``native`` view keeps each photo's aspect bucket at
    about ``size``\u00b2 pixels instead of a longer side of ``size``: ``(size / sqrt(r), size * sqrt(r))``
    for a bucket of ratio ``r`` (width / height), each side rounded to a multiple of 16. The equal-pixel
    counterpart of the warp (notebook 06's exercise 5), for this benchmark only: the library's view is
    unchanged (changing it would change every course model's code hash)."""
    from aesthetics_lib.data import transforms

    original = transforms.NativeView.shape_for

    def shape_for(self: Any, height: int, width: int) -> tuple[int, int]:
        ratio = width / height if self.buckets is None else self.buckets[transforms.aspect_bucket(height, width, self.buckets)]
        side = lambda v: max(self.multiple, int(round(v / self.multiple)) * self.multiple)  # noqa: E731
        return side(self.size / math.sqrt(ratio)), side(self.size * math.sqrt(ratio))

    if enabled:
        transforms.NativeView.shape_for = shape_for
    try:
        yield
    finally:
        transforms.NativeView.shape_for = original


def machine() -> dict[str, Any]:
    """CPU, cores, torch, Python, the GPU (None without one) and its TF32 settings."""
    return {"cpu": cw.cpu_model(), "cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "tf32_matmul": torch.backends.cuda.matmul.allow_tf32, "tf32_cudnn": torch.backends.cudnn.allow_tf32}


def make_log(out: Path, prefix: str = "") -> Callable[[str], None]:
    """A logger that prints ``line`` with the clock time and appends it to ``out/log.txt`` (one write
    per line, so the processes' lines do not mix)."""
    def log(line: str) -> None:
        text = f"[{time.strftime('%H:%M:%S')}] {prefix}{line}"
        print(text, flush=True)
        with open(out / "log.txt", "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return log


def job_config(label: str, smoke: bool) -> tuple[str, dict[str, Any], TrainConfig]:
    """``(course model name, overrides applied, config)`` of grid job ``label``: the grid's overrides on
    ``device: cuda`` (with ``--smoke``: :data:`SMOKE`, on the CPU where there is no GPU)."""
    name, grid = JOBS[label]
    overrides = {**grid, "device": "cuda" if torch.cuda.is_available() or not smoke else "cpu"}
    if smoke:
        overrides.update(SMOKE)
        if course_config(name).model == "convnextv2_sgfm":
            overrides["model_kwargs.pretrained"] = False  # no FCMAE encoder in a smoke test
    return name, overrides, course_config(name, overrides=overrides)


def run_dir_of(label: str, cfg: TrainConfig, out: Path) -> Path:
    """The job's run folder: ``OUT/runs/LABEL-<config hash>-<code hash>`` (named as ``zoo --train``'s)."""
    return out / "runs" / cw.run_folder(label, cfg).name


# ------------------------------------------------------------------------------------------ child


def train_until(cfg: TrainConfig, run_dir: Path, deadline: float, log: Callable[[str], None]) -> None:
    """Train ``cfg`` in ``run_dir`` through :func:`gpu_weights.fit_until` (one Trainer, one epoch at a
    time while the deadline, less :data:`PACK_S`, allows another), failing at once when its FCMAE
    encoder is missing rather than pre-training for minutes."""
    encoder = cw.fcmae_encoder(cfg)
    if encoder is not None and not encoder.is_file():
        raise FileNotFoundError(f"{encoder}: no FCMAE encoder; carry runs/fcmae to the device machine")
    gw.fit_until(cfg, run_dir, deadline, log, margin=PACK_S)


def finish_job(label: str, out: Path, smoke: bool, seconds: float, error: str | None) -> dict[str, Any]:
    """Write ``OUT/LABEL.json`` from the job's run folder (what its ``history.json`` holds, however far
    it got) and pack the folder into ``OUT/LABEL.tar`` when an epoch has ended; returns the record."""
    name, overrides, cfg = job_config(label, smoke)
    run_dir = run_dir_of(label, cfg, out)
    hist_path = run_dir / "history.json"
    history = json.loads(hist_path.read_text(encoding="utf-8")) if hist_path.is_file() else []
    best = [row for row in history if row.get("best")]
    packed = all((run_dir / f).is_file() for f in ("best.pt", "last.pt", cw.CHUNKS_FILE, "history.json"))
    if packed:
        gw.pack(run_dir, out / f"{label}.tar")
        with tarfile.open(out / f"{label}.tar", "a") as tar:
            tar.add(hist_path, arcname=f"{run_dir.name}/history.json")
    record = {
        "label": label, "model": name, "arch": cfg.model, "overrides": JOBS[label][1], "applied": overrides,
        "area_view": label in AREA_JOBS,
        "config_hash": cw.config_hash(cfg), "code_hash": cw.code_hash(cfg.model), "run": run_dir.name,
        "epochs_done": len(history), "epochs": cfg.epochs, "finished": len(history) >= cfg.epochs,
        "seconds": round(seconds, 1), "train_seconds": [round(r.get("seconds") or 0.0, 2) for r in history],
        "val_srcc": [None if r.get("val_srcc") is None else round(r["val_srcc"], 4) for r in history],
        "best_epoch": best[-1]["epoch"] if best else None,
        "best_val_srcc": None if not best or best[-1].get("val_srcc") is None else round(best[-1]["val_srcc"], 4),
        "packed": packed, "error": error, "machine": machine(),
    }
    (out / f"{label}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def run_job(label: str, out: Path, deadline: float, workers: int, smoke: bool) -> int:
    """The child (``--job LABEL``): train, then record and pack, whatever happened in training."""
    log = make_log(out, f"{label}: ")
    _, _, cfg = job_config(label, smoke)
    t0 = time.time()
    error = None
    try:
        with area_view(label in AREA_JOBS):
            train_until(cfg.replace(num_workers=workers), run_dir_of(label, cfg, out), deadline, log)
    except Exception:  # record and pack what the run folder holds
        error = traceback.format_exc()
        log(f"failed:\n{error}")
    record = finish_job(label, out, smoke, time.time() - t0, error)
    log(f"done: {record['epochs_done']}/{record['epochs']} epochs, best val SRCC {record['best_val_srcc']} "
        f"(epoch {record['best_epoch']}), {record['seconds']} s, packed {record['packed']}")
    return 0 if error is None else 1


# ----------------------------------------------------------------------------------------- parent


def prepare_data(labels: list[str], smoke: bool, log: Callable[[str], None]) -> None:
    """Render each studio the jobs read (all cores) before any child starts, and warn about a missing
    FCMAE encoder. The decoded-image caches need nothing here: they are in each child's memory."""
    from aesthetics_lib.data import studio

    studios = set()
    for label in labels:
        _, _, cfg = job_config(label, smoke)
        if cfg.data.startswith("studio"):
            studios.add((cfg.studio_n, cfg.studio_seed, cfg.studio_long_side))
        encoder = cw.fcmae_encoder(cfg)
        if encoder is not None and not encoder.is_file():
            log(f"{label}: {encoder} is missing (carry runs/fcmae): the job will fail")
    for n, seed, side in sorted(studios):
        t0 = time.time()
        root = studio.ensure_studio("cadb", n=n, seed=seed, long_side=side, workers=os.cpu_count())
        log(f"studio {root.name}: {time.time() - t0:.1f} s")


def launch(label: str, args: argparse.Namespace, deadline: float) -> subprocess.Popen:
    """Start the child of job ``label`` (its stderr into ``OUT/stderr/LABEL.txt``)."""
    cmd = [sys.executable, __file__, "--job", label, "--deadline", str(deadline), "--workers", str(args.workers),
           "--out", str(args.out)] + (["--smoke"] if args.smoke else [])
    env = {**os.environ, "OMP_NUM_THREADS": "2", "CUBLAS_WORKSPACE_CONFIG": ":4096:8", "PYTHONUNBUFFERED": "1"}
    (args.out / "stderr").mkdir(exist_ok=True)
    (args.out / f"{label}.json").unlink(missing_ok=True)  # a record left by an earlier call is not this one's
    with open(args.out / "stderr" / f"{label}.txt", "w", encoding="utf-8") as err:
        return subprocess.Popen(cmd, env=env, stderr=err, cwd=ROOT, process_group=0)  # its loader workers too


def collect(label: str, code: int | None, seconds: float, args: argparse.Namespace,
            log: Callable[[str], None]) -> dict[str, Any]:
    """The record of a child that has ended (``code``: its exit status; None: killed at the deadline):
    its ``LABEL.json``, else one made here from its run folder."""
    path = args.out / f"{label}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    why = "killed at the deadline" if code is None else f"exit status {code}, no record (see stderr/{label}.txt)"
    log(f"{label}: {why}; packing its run folder here")
    try:
        return finish_job(label, args.out, args.smoke, seconds, why)
    except Exception:
        log(f"{label}: could not pack:\n{traceback.format_exc()}")
        return {"label": label, "error": why}


def run_pool(labels: list[str], args: argparse.Namespace, deadline: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Run the jobs in order, at most ``--parallel`` at once; stragglers are killed :data:`GRACE_S`
    after the deadline. Returns each job's record."""
    pending, running, results = list(labels), {}, {}
    while pending or running:
        for label, (proc, t0) in list(running.items()):
            if proc.poll() is not None:
                del running[label]
                results[label] = collect(label, proc.returncode, time.time() - t0, args, log)
        while pending and len(running) < args.parallel:
            label = pending.pop(0)
            if deadline - time.time() < MIN_START_S:
                log(f"{label}: not started ({deadline - time.time():.0f} s left)")
                results[label] = {"label": label, "error": "not started: too little time left"}
                continue
            running[label] = (launch(label, args, deadline), time.time())
            log(f"{label}: started")
        if running and time.time() > deadline + GRACE_S:
            for label, (proc, t0) in running.items():
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                results[label] = collect(label, None, time.time() - t0, args, log)
            running = {}
        time.sleep(0.5)
    return {label: results[label] for label in labels}


def summary(results: dict[str, Any]) -> str:
    """A table: label, epochs done/planned, best validation SRCC (epoch), last, seconds, status."""
    lines = [f"{'label':24} {'epochs':>8} {'best val SRCC':>16} {'last':>6} {'seconds':>8}  status"]
    for label, r in results.items():
        srcc = r.get("val_srcc") or [None]
        best = "-" if r.get("best_val_srcc") is None else f"{r['best_val_srcc']:.3f} ({r['best_epoch']})"
        last = "-" if srcc[-1] is None else f"{srcc[-1]:.3f}"
        status = "finished" if r.get("finished") else "stopped"
        status += f"; {r['error'].splitlines()[-1][:60]}" if r.get("error") else ""
        lines.append(f"{label:24} {r.get('epochs_done', 0):>3}/{r.get('epochs', '-'):<4} {best:>16} {last:>6} "
                     f"{r.get('seconds', '-'):>8}  {status}")
    return "\n".join(lines)


def bundle(out: Path, dest: Path, limit: int = BUNDLE_BYTES) -> list[Path]:
    """Pack ``out``'s files (not its run folders) into ``dest/part-N.tar`` of at most ``limit`` bytes
    each, largest files first into the first part with room; returns the parts."""
    files = sorted((p for p in out.rglob("*") if p.is_file() and p.relative_to(out).parts[0] != "runs"),
                   key=lambda p: -p.stat().st_size)
    parts: list[list[Path]] = []
    sizes: list[int] = []
    for path in files:
        size = path.stat().st_size + 2048  # header and padding
        k = next((i for i, s in enumerate(sizes) if s + size <= limit), len(parts))
        if k == len(parts):
            parts.append([])
            sizes.append(10240)  # the end-of-archive blocks
        parts[k].append(path)
        sizes[k] += size
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, members in enumerate(parts, start=1):
        paths.append(dest / f"part-{k}.tar")
        with tarfile.open(paths[-1], "w") as tar:
            for path in members:
                tar.add(path, arcname=str(path.relative_to(out)))
    return paths


def unpack(folder: Path) -> None:
    """Put a call's runs into ``runs/weights/`` (:func:`gpu_weights.unpack`: nothing is overwritten).
    ``--bundle`` parts are first extracted into ``runs/gpu_small/<folder name>`` (kept: the records)."""
    parts = sorted(folder.glob("part-*.tar"))
    if parts:
        target = ROOT / "runs" / "gpu_small" / folder.resolve().name
        if target.exists():
            print(f"{target} exists: unpacking from it as it is")
        else:
            for part in parts:
                with tarfile.open(part) as tar:
                    tar.extractall(target, filter="data")
            print(f"{len(parts)} parts -> {target}")
        folder = target
    gw.unpack(folder)


# ------------------------------------------------------------------------------------ evaluation


#: Notebook 06's aspect-ratio buckets (long side / short side) and its fresh evaluation draw.
BUCKETS: tuple[tuple[str, float, float], ...] = (("near square (<1.4)", 1.0, 1.4), ("moderate (1.4-1.9)", 1.4, 1.9),
                                                 ("extreme (>=1.9)", 1.9, math.inf))
EVAL_DRAW: tuple[int, int] = (3000, 1)  # photos, seed


def unpacked_run(label: str) -> Path | None:
    """The ``best.pt`` of grid run ``label`` unpacked into ``runs/weights/`` (the newest folder when
    there are several), or None (and a line saying so)."""
    found = sorted((ROOT / "runs" / "weights").glob(f"{label}-*/best.pt"))
    if not found:
        print(f"{label}: no unpacked run in runs/weights; skipped")
    return found[-1] if found else None


def elongation(dataset: Any) -> Any:
    """Each photo's long side over its short side, in ``dataset``'s item order (its decoded sizes, as
    notebook 06 reads them)."""
    hw = dataset.sizes().astype(float)
    return hw.max(axis=1) / hw.min(axis=1)


def test_predictions(checkpoint: Path) -> tuple[Any, Any]:
    """``(predictions, test dataset)`` of a checkpoint on its config's studio test split
    (:func:`scoring.score_test`: the path of ``evaluate --checkpoint``)."""
    from scoring import score_test

    scores = score_test(checkpoint)
    return scores.predictions, scores.dataset


def evaluate_runs(out: Path) -> dict[str, Any]:
    """Each unpacked grid run's ``best.pt`` on the 950 test photos: SRCC with a 95 % interval (1,000
    resamples), and paired against the shipped course weights it grows from (SRCC difference, new
    minus shipped), on all test photos and on the elongated ones (long side / short side >= 1.9, the
    extreme bucket of notebook 06); then notebook 06's two view comparisons among the new runs
    (:data:`VIEW_PAIRS`). Written to ``out`` (JSON) and printed."""
    from aesthetics_lib import metrics
    from aesthetics_lib.compare import paired_bootstrap

    rows: dict[str, Any] = {}
    cache: dict[str, Any] = {}
    new_preds: dict[str, Any] = {}
    order = truth = elong = None  # the test photos' order, scores and elongation: the same for every model
    for label, (name, _) in GRID.items():
        run = unpacked_run(label)
        if run is None:
            continue
        shipped = ROOT / "weights" / f"{name}.pt"
        if name not in cache:
            cache[name] = test_predictions(shipped)
        (old, dataset), (new, _) = cache[name], test_predictions(run)
        new_preds[label] = new
        if order is None:
            order = list(old.image_id)
            truth = dataset.means()
            elong = elongation(dataset) >= BUCKETS[2][1]
        if not list(old.image_id) == list(new.image_id) == order:
            raise ValueError(f"{label}: its test photos differ from the first model's")
        srcc = metrics.srcc(new.mean, truth)
        low, high = metrics.bootstrap_ci(metrics.srcc, new.mean, truth, n_boot=1000)
        rows[label] = {
            "run": run.parent.name, "test_srcc": round(float(srcc), 4),
            "test_srcc_ci": [round(float(low), 4), round(float(high), 4)],
            "shipped": shipped.name, "shipped_srcc": round(float(metrics.srcc(old.mean, truth)), 4),
            "vs_shipped": str(paired_bootstrap(metrics.srcc, old.mean, new.mean, truth, n_boot=1000)),
            "elongated_photos": int(elong.sum()),
            "vs_shipped_elongated": str(paired_bootstrap(metrics.srcc, old.mean[elong], new.mean[elong], truth[elong],
                                                         n_boot=1000)),
        }
        print(f"{label}: test SRCC {srcc:.3f} [{low:.3f}, {high:.3f}] · minus {shipped.name}: {rows[label]['vs_shipped']} "
              f"· on the {int(elong.sum())} elongated photos: {rows[label]['vs_shipped_elongated']}", flush=True)
    for a, b in VIEW_PAIRS:
        if a in new_preds and b in new_preds:
            pa, pb = new_preds[a].mean, new_preds[b].mean
            row = rows[f"{a} minus {b}"] = {
                "all": str(paired_bootstrap(metrics.srcc, pb, pa, truth, n_boot=1000)),
                "elongated": str(paired_bootstrap(metrics.srcc, pb[elong], pa[elong], truth[elong], n_boot=1000))}
            print(f"{a} minus {b}: {row['all']} · elongated: {row['elongated']}", flush=True)
    out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return rows


def evaluate_arms(grid: str, out: Path, n_boot: int = 1000) -> dict[str, Any]:
    """The unpacked runs of seeded grid ``grid`` (its two :data:`ARMS` A and B, :data:`SEEDS`) on notebook
    06's fresh studio draw (:data:`EVAL_DRAW`, never seen in training), on the CPU, each through its own
    evaluation view (the area jobs through :func:`area_view`): SRCC and MSE of the mean score per aspect
    bucket (:data:`BUCKETS`) and over all photos; paired differences B minus A for each seed and for the
    two arms' three-seed averages (MSE: A's minus B's, SRCC: B's minus A's, so > 0 means B is better);
    and, on the extreme photos with a fence, each run's SRCC with the true ``rhythm`` (the cue a warp
    squeezes). Written to ``out`` (JSON) and printed."""
    import numpy as np

    from aesthetics_lib import metrics
    from aesthetics_lib.compare import paired_bootstrap
    from aesthetics_lib.data import studio
    from aesthetics_lib.inference import Predictor

    root = studio.ensure_studio("cadb", n=EVAL_DRAW[0], seed=EVAL_DRAW[1])
    preds: dict[str, np.ndarray] = {}
    runs: dict[str, str] = {}
    ids = truth = None
    arm_a, arm_b = ARMS[grid]
    for label in [f"{arm}_s{seed}" for seed in SEEDS for arm in (arm_a, arm_b)]:
        run = unpacked_run(label)
        if run is None:
            continue
        predictor = Predictor.from_checkpoint(run, device="cpu")
        with area_view(label in AREA_JOBS):
            dataset = predictor.open_split("all", f"cadb:{root}")
            p = predictor.predict(dataset)
        if ids is None:
            ids, truth = list(p.image_id), dataset.means()
        elif list(p.image_id) != ids:
            raise ValueError(f"{label}: its photos are not in the first model's order")
        preds[label], runs[label] = np.asarray(p.mean, dtype=float), run.parent.name
        print(f"{label}: SRCC {metrics.srcc(preds[label], truth):.3f} on the {len(ids)} photos", flush=True)
    if ids is None:
        raise FileNotFoundError(f"no run of --grid {grid} in runs/weights: unpack a call's bundle first (--unpack)")
    factors = studio.read_factors(root).set_index("image_id").loc[ids]
    elong = elongation(dataset)
    masks = {name: (elong >= lo) & (elong < hi) for name, lo, hi in BUCKETS} | {"all": np.ones(len(ids), bool)}
    for arm in (arm_a, arm_b):  # the three-seed average of each arm, where all three seeds are here
        members = [f"{arm}_s{seed}" for seed in SEEDS]
        if all(m in preds for m in members):
            preds[f"{arm}_mean3"] = np.mean([preds[m] for m in members], axis=0)
    rows: dict[str, Any] = {"draw": {"photos": len(ids), "seed": EVAL_DRAW[1], "root": root.name,
                                     "photos_per_bucket": {b: int(m.sum()) for b, m in masks.items()}},
                            "a": arm_a, "b": arm_b, "runs": runs, "models": {}, "b_minus_a": {}}
    for label, pred in preds.items():
        rows["models"][label] = {b: {"srcc": round(float(metrics.srcc(pred[m], truth[m])), 4),
                                     "mse": round(float(metrics.mse(pred[m], truth[m])), 4)} for b, m in masks.items()}
    for suffix in [f"s{seed}" for seed in SEEDS] + ["mean3"]:
        a, b = f"{arm_a}_{suffix}", f"{arm_b}_{suffix}"
        if a not in preds or b not in preds:
            continue
        gap = rows["b_minus_a"][suffix] = {}
        for bucket, m in masks.items():
            d_srcc = paired_bootstrap(metrics.srcc, preds[a][m], preds[b][m], truth[m], n_boot=n_boot)
            d_mse = paired_bootstrap(metrics.mse, preds[b][m], preds[a][m], truth[m], n_boot=n_boot)
            gap[bucket] = {"srcc": str(d_srcc), "mse": str(d_mse)}
            print(f"{arm_b} minus {arm_a}, {suffix}, {bucket}: SRCC {d_srcc} · MSE ({arm_a}'s minus {arm_b}'s) {d_mse}",
                  flush=True)
    on = masks[BUCKETS[2][0]] & factors["band"].to_numpy(bool)
    rhythm = factors["rhythm"].to_numpy()[on]
    follows = {label: round(float(metrics.srcc(pred[on], rhythm)), 4) for label, pred in preds.items()}
    rows["rhythm_srcc_extreme_with_fence"] = {"photos": int(on.sum()),
                                              "raters_mean": round(float(metrics.srcc(truth[on], rhythm)), 4), **follows}
    if f"{arm_a}_mean3" in preds and f"{arm_b}_mean3" in preds:
        d = paired_bootstrap(metrics.srcc, preds[f"{arm_a}_mean3"][on], preds[f"{arm_b}_mean3"][on], rhythm, n_boot=n_boot)
        rows["rhythm_srcc_extreme_with_fence"]["b_minus_a_mean3"] = str(d)
    print("SRCC with the true rhythm, extreme photos with a fence:", rows["rhythm_srcc_extreme_with_fence"], flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "gpu_small" / "work", help="work folder")
    parser.add_argument("--budget", type=float, default=540.0, help="seconds from the start to the children's deadline")
    parser.add_argument("--parallel", type=int, help="children at once (default 6; --smoke: 2)")
    parser.add_argument("--workers", type=int, help="data-loading processes per child (default: cores / parallel)")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="budgets",
                        help="the jobs: GRID (budgets, session 18), ASPECT_GRID (aspect) or MPEMD_GRID (mpemd, session 19)")
    parser.add_argument("--jobs", help="comma-separated labels to run (default: all of --grid)")
    parser.add_argument("--smoke", action="store_true", help="300 photos, one epoch each, any device: check the script")
    parser.add_argument("--bundle", type=Path, help="pack the outputs into DIR/part-N.tar at the end")
    parser.add_argument("--unpack", type=Path, help="put a call's runs from this folder into runs/weights")
    parser.add_argument("--evaluate", type=Path, help="measure the unpacked runs on the test photos (CPU); JSON to this file")
    parser.add_argument("--evaluate-arms", type=Path,
                        help="measure --grid's two arms (aspect or mpemd) per aspect bucket on notebook 06's fresh draw (CPU)")
    parser.add_argument("--job", help="(child) train this grid label")
    parser.add_argument("--deadline", type=float, help="(child) stop starting epochs at this time (seconds since the epoch)")
    args = parser.parse_args(argv)
    if args.unpack:
        unpack(args.unpack)
        return 0
    if args.evaluate:
        evaluate_runs(args.evaluate)
        return 0
    if args.evaluate_arms:
        if args.grid not in ARMS:
            parser.error(f"--evaluate-arms: --grid must be one of {sorted(ARMS)}")
        evaluate_arms(args.grid, args.evaluate_arms)
        return 0
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    args.parallel = args.parallel or (2 if args.smoke else 6)
    args.workers = args.workers if args.workers is not None else max(1, (os.cpu_count() or 1) // args.parallel)
    if args.job:
        return run_job(args.job, args.out, args.deadline, args.workers, args.smoke)
    start = time.time()
    deadline = start + args.budget
    log = make_log(args.out)
    if not args.smoke and not torch.cuda.is_available():
        log("no GPU: run with --smoke to check the script on a CPU")
        return 2
    labels = args.jobs.split(",") if args.jobs else list(GRIDS[args.grid])
    unknown = [label for label in labels if label not in JOBS]
    if unknown:
        log(f"--jobs: unknown labels {unknown} (known: {', '.join(JOBS)})")
        return 2
    labels = [label for label in START_FIRST if label in labels] + [label for label in labels if label not in START_FIRST]
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), "smoke": args.smoke,
                              "budget": args.budget, "parallel": args.parallel, "workers": args.workers, "order": labels}
    log(f"machine: {result['machine']}; {len(labels)} jobs, {args.parallel} at once, {args.workers} loader workers each")
    prepare_data(labels, args.smoke, log)
    result["jobs"] = run_pool(labels, args, deadline, log)
    result["seconds"] = round(time.time() - start, 1)
    (args.out / "results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    table = summary(result["jobs"])
    log(f"done in {result['seconds']} s\n{table}")
    if args.bundle:
        parts = bundle(args.out, args.bundle)
        print(f"bundled into {len(parts)} parts: {', '.join(f'{p.name} ({p.stat().st_size / 2**20:.1f} MiB)' for p in parts)}"
              + ("; more than 8: some will not come back from the device" if len(parts) > 8 else ""), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
