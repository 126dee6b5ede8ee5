"""One GPU session's work, as one script: the ConvNeXt V2 course weights (FCMAE pre-training, then
fine-tuning), their from-scratch control, and the full ``cadb_*`` configs' training speed in fp32
against bf16 + channels-last.

The GPU lent to a session is short (minutes, all tries together) and its machine starts bare, so
everything runs in one call, in order of need, each stage against a deadline, and what comes back is
packed into a few files under ``--out``:

1. ``cuda``: training images/s and peak memory of ``cadb_convnextv2_sgfm`` (ConvNeXt V2 nano + SGFM)
   and ``cadb_sampnet`` (ResNet-18) at 224 px (the task's size) and 384 px (the SGFM config's own) on
   random inputs, fp32 against bf16 + channels-last (``bench_train.bench_train_step``);
2. ``fcmae``: :func:`aesthetics_lib.fcmae.pretrain` of ``configs/studio_convnextv2_fcmae.yaml``;
3. ``convnextv2_sgfm``: the course config, in the run folder ``zoo --train`` uses, through
   :func:`fit_until` (the steps of :func:`aesthetics_lib.course_weights.train_weights` with one
   ``Trainer`` for all epochs: a run cannot be resumed on a GPU yet), starting from that encoder,
   stopped between epochs at the deadline;
4. ``convnextv2_sgfm_scratch``: the same config from random weights (``model_kwargs.pretrained:
   false``), the control, in a second process started before the pre-training (``--control``).

Outputs: ``log.txt``, ``results.json`` (machine, speeds, histories, stage times), ``encoder.pth`` and
``pretrain.json`` (the pre-training run), and per trained model ``NAME.tar``: its run folder's
``best.pt`` and ``last.pt`` slimmed to what :func:`~aesthetics_lib.course_weights.export_weights`
reads (fp16 weights, no optimiser state) and ``chunks.jsonl``. :func:`unpack` puts them back into run
folders of a checkout, where ``export_weights`` measures them on the CPU.

``--smoke`` runs every stage on a tiny studio (300 photos, one epoch each) on whatever device there is,
to check the script before spending GPU time. Run there: ``python benchmarks/gpu_weights.py --out $OUT``;
here: ``python benchmarks/gpu_weights.py --unpack FOLDER``. Introduced in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tarfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from aesthetics_lib import fcmae  # noqa: E402
from aesthetics_lib import course_weights as cw  # noqa: E402
from aesthetics_lib.course_weights import run_folder  # noqa: E402
from aesthetics_lib.training.checkpoint import read_checkpoint  # noqa: E402
from aesthetics_lib.zoo import course_config  # noqa: E402

FCMAE_CONFIG = ROOT / "configs" / "studio_convnextv2_fcmae.yaml"
SCRATCH = {"model_kwargs.pretrained": False}


def slim(path: Path, keep_model: bool) -> bytes:
    """A run-folder checkpoint with what ``export_weights`` reads: fp16 weights (or none) and no
    optimiser, scheduler or RNG state."""
    state = read_checkpoint(path)
    for key in ("optimizer", "scheduler", "plateau", "scaler", "rng"):
        state[key] = None
    for key in ("model", "ema"):
        if state.get(key) is not None:
            state[key] = cw.half_weights(state[key]) if keep_model else {}
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def pack(run: Path, target: Path) -> None:
    """``target`` (a tar) with ``run``'s slimmed ``best.pt`` and ``last.pt`` and its ``chunks.jsonl``."""
    with tarfile.open(target, "w") as tar:
        for name, data in (("best.pt", slim(run / "best.pt", True)), ("last.pt", slim(run / "last.pt", False)),
                           ("chunks.jsonl", (run / "chunks.jsonl").read_bytes())):
            info = tarfile.TarInfo(f"{run.name}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def unpack(folder: Path) -> None:
    """Put a GPU session's outputs back into this checkout: each ``NAME.tar`` into ``runs/weights/``
    and ``encoder.pth`` + ``pretrain.json`` into the pre-training's run folder. Nothing is overwritten."""
    dest = ROOT / "runs" / "weights"
    for tar_path in sorted(folder.glob("*.tar")):
        with tarfile.open(tar_path) as tar:
            names = tar.getnames()
            if any((dest / n).exists() for n in names):
                print(f"{tar_path.name}: {dest} already holds {names[0].split('/')[0]}; left as it is")
                continue
            tar.extractall(dest, filter="data")
            print(f"{tar_path.name} -> {dest / names[0].split('/')[0]}")
    enc = folder / "encoder.pth"
    if enc.is_file():
        run = fcmae.run_folder(FCMAE_CONFIG)
        record = json.loads((folder / "pretrain.json").read_text(encoding="utf-8"))
        if record["config_hash"] != fcmae.FCMAEConfig.from_yaml(FCMAE_CONFIG).hash() or record["code_hash"] != fcmae.code_hash():
            print(f"{enc}: pre-trained with another FCMAE config or code than this checkout's; not unpacked")
            return
        run.mkdir(parents=True, exist_ok=True)
        for name in ("encoder.pth", "pretrain.json"):
            if (run / name).exists():
                print(f"{run / name} exists; left as it is")
            else:
                (run / name).write_bytes((folder / name).read_bytes())
        print(f"encoder -> {run}")


def cuda_speeds(log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Training images/s of the full cadb configs' models, fp32 against bf16 + channels-last."""
    from bench_train import bench_train_step

    gpu = torch.device("cuda")
    rows = []
    for model, kw, batch in (("convnextv2_sgfm", {"backbone": "convnextv2_nano"}, 16),
                             ("sampnet", {"backbone": "resnet18"}, 16)):
        for size in (224, 384) if model == "convnextv2_sgfm" else (224,):
            for amp, cl in (("none", False), ("bf16", True)):
                row = bench_train_step(model, kw, size, batch, 30, gpu, amp=amp, channels_last=cl)
                rows.append(row)
                log(f"speed {model} {kw['backbone']} {size}px batch {batch} amp={amp} channels_last={cl}: "
                    f"{row['img_per_s']} images/s, {row.get('peak_mem_GiB')} GiB")
    return rows


def fit_until(cfg: Any, run_dir: Path, deadline: float, log: Callable[[str], None], margin: float = 0.0) -> Any:
    """Train ``cfg`` in ``run_dir`` by the steps of :func:`~aesthetics_lib.course_weights.train_weights`
    (the checkout as working folder, a line in ``chunks.jsonl``) but with one
    :class:`~aesthetics_lib.training.trainer.Trainer` for all epochs (a run resumed on a GPU fails to
    restore its RNG state), one epoch at a time while the slowest of the last three epochs, plus
    ``margin`` seconds, would still end before ``deadline``. Returns the trainer. The one training
    loop of the GPU scripts (``gpu_small_cnns.py`` runs its jobs through it too)."""
    from aesthetics_lib.training.trainer import Trainer

    if cfg.device == "cuda" and (run_dir / "last.pt").exists():
        raise RuntimeError(f"{run_dir} holds a run: a run cannot be resumed on a GPU; use a fresh --out")
    with cw.checkout_cwd(cfg):
        trainer = Trainer(cfg.replace(out=str(run_dir)), resume=True)
        cw.log_chunk(run_dir, trainer.epoch, cfg)
        times: list[float] = []
        while trainer.epoch < cfg.epochs:
            if times and time.time() + max(times[-3:]) + margin > deadline:
                log(f"stopped after {trainer.epoch} of {cfg.epochs} epochs (deadline)")
                break
            e0 = time.perf_counter()
            trainer.fit(1)
            times.append(time.perf_counter() - e0)
            val = trainer.history[-1].get("val_srcc")
            log(f"epoch {trainer.epoch}/{cfg.epochs}: val SRCC {'-' if val is None else f'{val:.3f}'} ({times[-1]:.1f} s)")
    return trainer


def train_until(name: str, overrides: dict[str, Any], deadline: float, log: Callable[[str], None],
                workers: int) -> dict[str, Any]:
    """Train course model ``name`` (the ConvNeXt config with ``overrides``, in the run folder ``zoo
    --train`` uses) through :func:`fit_until`, after its FCMAE pre-training when it starts from one."""
    cfg = course_config("convnextv2_sgfm", overrides=overrides).replace(num_workers=workers)
    out = run_folder(name, cfg)
    t0 = time.perf_counter()
    with cw.checkout_cwd(cfg):
        assert cw.ensure_pretraining(cfg)
    trainer = fit_until(cfg, out, deadline, lambda line: log(f"{name} {line}"))
    done, history = trainer.epoch, trainer.history
    return {"run": out.name, "epochs_done": done, "epochs": cfg.epochs, "seconds": time.perf_counter() - t0,
            "val_srcc": [round(r["val_srcc"], 4) for r in history], "finished": done >= cfg.epochs, "_out": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "gpu")
    parser.add_argument("--budget", type=float, default=560.0, help="seconds from the start to stop starting work")
    parser.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1), help="data-loading processes")
    parser.add_argument("--smoke", action="store_true", help="a tiny studio, one epoch each: check the script")
    parser.add_argument("--unpack", type=Path, help="put a session's outputs from this folder into runs/")
    parser.add_argument("--control", action="store_true", help="train only the from-scratch control (started by the main run)")
    parser.add_argument("--skip-speeds", action="store_true", help="skip the cadb configs' speeds")
    parser.add_argument("--no-control", action="store_true", help="do not train the control")
    parser.add_argument("--deadline", type=float, help="stop starting work at this time (seconds since the epoch)")
    args = parser.parse_args(argv)
    if args.unpack:
        unpack(args.unpack)
        return 0
    start = time.time()
    deadline = args.deadline or start + args.budget
    args.out.mkdir(parents=True, exist_ok=True)
    log_file = open(args.out / "log.txt", "a", encoding="utf-8")
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "stages": {}}

    def log(line: str) -> None:
        line = f"[{time.time() - start:6.1f} s] {line}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    def save() -> None:
        clean = {k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_")} if isinstance(v, dict) else v)
                 for k, v in result.items()}
        (args.out / "results.json").write_text(json.dumps(clean, indent=1, default=str), encoding="utf-8")

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.time()
        try:
            value = fn()
            result["stages"][name] = {"seconds": round(time.time() - t0, 1), "ok": True}
            return value
        except Exception:  # a failed stage must not lose the others' results
            log(f"stage {name} failed:\n{traceback.format_exc()}")
            result["stages"][name] = {"seconds": round(time.time() - t0, 1), "ok": False}
            return None
        finally:
            save()

    import platform

    from aesthetics_lib.course_weights import cpu_model

    if args.control:
        result["convnextv2_sgfm_scratch"] = stage("convnextv2_sgfm_scratch", lambda: run_control(args, deadline, log))
        save()
        return 0
    result["machine"] = {"cpu": cpu_model(), "cpus": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(),
                         "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                         "tf32_matmul": torch.backends.cuda.matmul.allow_tf32, "tf32_cudnn": torch.backends.cudnn.allow_tf32}
    log(f"machine: {result['machine']}")
    fcmae_config, overrides = FCMAE_CONFIG, {}
    if args.smoke:  # a tiny studio and one epoch, in a config of its own beside the real one
        import yaml

        values = yaml.safe_load(FCMAE_CONFIG.read_text(encoding="utf-8"))
        values.update(studio_n=300, epochs=1, batch_size=32, warmup_epochs=0.5)
        fcmae_config = args.out / "smoke_fcmae.yaml"
        fcmae_config.write_text(yaml.safe_dump(values), encoding="utf-8")
    import aesthetics_lib.data.studio as studio

    cfg0 = course_config("convnextv2_sgfm")
    stage("studio", lambda: studio.ensure_studio("cadb", n=300 if args.smoke else cfg0.studio_n, seed=cfg0.studio_seed,
                                                 long_side=cfg0.studio_long_side, workers=args.workers))
    if torch.cuda.is_available() and not args.skip_speeds:
        result["cuda"] = stage("cuda", lambda: cuda_speeds(log))

    def pre() -> dict[str, Any]:
        out = fcmae.run_folder(fcmae_config) if not args.smoke else args.out / "smoke_fcmae"
        encoder = out / "encoder.pth"
        if not (encoder.is_file() and (out / "pretrain.json").is_file()):  # pre-trained by an earlier call
            encoder = fcmae.pretrain(fcmae_config, out=out, workers=args.workers, log=log)
        record = fcmae.read_record(encoder)
        (args.out / "encoder.pth").write_bytes(encoder.read_bytes())
        (args.out / "pretrain.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        return {"run": out.name, "loss": [round(r["loss"], 4) for r in record["history"]], "seconds": record["train_seconds"],
                "_encoder": encoder}

    control = None
    if not args.no_control:  # the control needs no encoder: it trains beside the pre-training, in its own process
        import subprocess

        cmd = [sys.executable, __file__, "--control", "--deadline", str(deadline), "--workers", str(args.workers),
               "--out", str(args.out / "control")] + (["--smoke"] if args.smoke else [])
        control = subprocess.Popen(cmd, env={**os.environ, "OMP_NUM_THREADS": "4"})
        log(f"control started: {' '.join(cmd)}")
    result["fcmae"] = stage("fcmae", pre)
    if args.smoke:  # the tiny studio, one epoch, from the smoke encoder (by absolute path: no hash check)
        enc = result["fcmae"]["_encoder"] if result["fcmae"] else False
        overrides = {"studio_n": 300, "epochs": 1, "model_kwargs.pretrained": str(enc) if enc else False}
    name = "convnextv2_sgfm"
    if result.get("fcmae"):
        result[name] = stage(name, lambda: train_until(name, overrides, deadline, log, args.workers))
        if result[name] and result[name]["finished"]:
            stage(f"pack {name}", lambda: pack(result[name]["_out"], args.out / f"{name}.tar"))
    else:
        log("no encoder: the pre-trained fine-tuning is skipped")
    if control is not None:
        stage("wait for the control", lambda: control.wait(timeout=max(1.0, deadline + 25 - time.time())))
        scratch = args.out / "control" / "results.json"
        if scratch.is_file():
            result["convnextv2_sgfm_scratch"] = json.loads(scratch.read_text(encoding="utf-8")).get("convnextv2_sgfm_scratch")
    log(f"done: {json.dumps(result['stages'])}")
    save()
    return 0


def run_control(args: argparse.Namespace, deadline: float, log: Callable[[str], None]) -> dict[str, Any] | None:
    """The from-scratch control alone (``--control``), packed into ``--out``'s parent."""
    overrides = {"studio_n": 300, "epochs": 1} if args.smoke else {}
    name = "convnextv2_sgfm_scratch"
    result = train_until(name, {**overrides, **SCRATCH}, deadline, log, args.workers)
    if result["finished"]:
        pack(result["_out"], args.out.parent / f"{name}.tar")
    return result


if __name__ == "__main__":
    raise SystemExit(main())
