"""Course weights: trained once with a real budget, shipped in the repository, loaded in class.

Each course model ``NAME`` may ship two files in ``weights/`` (the checkout's folder, or the copy
inside the installed package):

- ``NAME.pt``: a checkpoint in the library's format (its :class:`~aesthetics_lib.spec.ModelSpec`, the
  config, the history) with the evaluation weights in fp16 and nothing needed only to resume, its
  archive members deflated (:func:`deflate_checkpoint`), so ``evaluate --checkpoint`` and ``score
  --checkpoint`` take it and it stays small;
- ``NAME.json``: its training record: the config and its hash (:func:`config_hash`), the hash of the
  code the weights depend on (:func:`code_hash`), the data and studio spec, seed, epochs, images seen,
  wall time, machine, the CPU, thread count and :data:`CPU_ENV_KEYS` variables of each training call
  (``training_chunks``: the trainer reproduces its weights bit for bit only on the same kind of CPU
  with the same number of threads and the same code-path variables), per-epoch history, validation
  and test metrics with 95 % intervals, measured on the exported fp16 weights, and the predicted
  means of the first :data:`SAMPLE_N` test photos (``test_sample``, :func:`predict_test_sample`: what
  a quick check recomputes to the third decimal).

:func:`train_weights` trains one model from its config in a resumable run folder (stopped runs
continue from ``last.pt``) and :func:`export_weights` writes the two files; ``python -m
aesthetics_lib zoo --train NAME`` (``make weights``) does both. :func:`staleness` says why shipped
weights no longer match the config or the code (the test suite fails on it, naming the command to run).

Introduced in notebooks/05_dcnn (train once, load in class).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import platform
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch

from aesthetics_lib.numeric_env import CPU_ENV
from aesthetics_lib.paths import checkout_root
from aesthetics_lib.training.config import TrainConfig

#: Value of the record's ``format`` key.
RECORD_FORMAT = "aesthetics_lib.course_weights/1"
#: The library files (relative to ``aesthetics_lib/``) whose code decides what every course model
#: computes and learns: a change to any of them makes all shipped weights stale. Each model's own
#: module under ``models/`` is added by :func:`code_files`, so changing one model's code makes only
#: that model's weights stale. ``models/__init__.py`` is not one of them: it only imports the model
#: modules (which registers them), so adding a model leaves the other models' weights current.
CODE_DEPENDENCIES: tuple[str, ...] = (
    "models/heads.py", "models/registry.py", "pretrained.py", "saliency.py", "spec.py",
    "losses.py", "training", "data/studio", "data/transforms.py", "data/cadb.py", "data/base.py", "data/io.py",
    "data/schema.py",
)
#: The run folder's log of :func:`train_weights` calls, one JSON object per line (``from_epoch``,
#: ``cpu``, ``threads``, ``cpu_env``, ``device``, ``started``); the record copies it as ``training_chunks``.
CHUNKS_FILE = "chunks.jsonl"
#: The variables that choose the CPU code paths of PyTorch, oneDNN, MKL, OpenBLAS and NumPy (the
#: Makefile's ``CPU_ENV``, :data:`aesthetics_lib.numeric_env.CPU_ENV`). A training call logs those
#: that are set: a run trained with them matches its record bit for bit only when retrained with them.
CPU_ENV_KEYS: tuple[str, ...] = tuple(CPU_ENV)
#: Test photos whose predictions the record keeps (``test_sample``), for a quick reproduction check.
SAMPLE_N = 48
#: Config keys that do not change the trained weights (left out of :func:`config_hash`).
NON_WEIGHT_KEYS: tuple[str, ...] = ("out", "progress", "verbose", "num_workers", "cache_dir")


def weights_dir() -> Path:
    """The folder of the course weights: ``$AESTHETICS_WEIGHTS``, else the checkout's ``weights/``,
    else the copy shipped in the installed package (``aesthetics_lib/weights``)."""
    env = os.environ.get("AESTHETICS_WEIGHTS")
    if env:
        return Path(env).expanduser()
    repo = checkout_root()
    if repo is not None:
        return repo / "weights"
    from importlib.resources import files

    return Path(str(files("aesthetics_lib") / "weights"))


def config_hash(config: TrainConfig) -> str:
    """A short stable hash of everything in ``config`` that changes the trained weights."""
    values = config.to_dict()
    for key in NON_WEIGHT_KEYS:
        values.pop(key, None)
    blob = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def model_module(model: str) -> str:
    """The file (relative to ``aesthetics_lib/``) that defines the registered model ``model``
    (``"sampnet"`` -> ``"models/sampnet.py"``)."""
    from aesthetics_lib.models.registry import model_class

    module = model_class(model).__module__
    prefix = "aesthetics_lib."
    if not module.startswith(prefix):
        raise ValueError(f"model {model!r} is defined outside the library ({module}); its code cannot be hashed")
    return module[len(prefix):].replace(".", "/") + ".py"


def code_files(model: str | None = None, root: str | os.PathLike | None = None) -> list[str]:
    """The files (relative to ``root``, default this library's folder) that :func:`code_hash` reads:
    those of :data:`CODE_DEPENDENCIES` and, for ``model``, the module that defines it (for
    ``model=None``: every module under ``models/``)."""
    base = Path(root) if root is not None else Path(__file__).resolve().parent
    deps = list(CODE_DEPENDENCIES)
    deps += [model_module(model)] if model is not None else ["models"]
    files: set[str] = set()
    for dep in deps:
        path = base / dep
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files.update(f.relative_to(base).as_posix() for f in found)
    return sorted(files)


def hash_files(
    files: Sequence[str], root: str | os.PathLike | None = None, contents: Mapping[str, bytes] | None = None
) -> str:
    """A short hash of library files (paths relative to ``root``, default this library's folder):
    their names and contents, line endings normalised, in sorted order. ``contents`` gives the
    bytes of some of them instead of reading the file (e.g. an older version from git)."""
    base = Path(root) if root is not None else Path(__file__).resolve().parent
    given = dict(contents or {})
    digest = hashlib.sha256()
    for name in sorted(files):
        data = given[name] if name in given else (base / name).read_bytes()
        digest.update(name.encode() + b"\0")
        digest.update(data.replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()[:12]


def code_hash(model: str | None = None, root: str | os.PathLike | None = None) -> str:
    """A short hash of the source of :func:`code_files` (:func:`hash_files`): what model
    ``model``'s weights depend on (None: every model)."""
    return hash_files(code_files(model, root), root)


@dataclass(frozen=True)
class CourseWeights:
    """One model's shipped weights: ``name``, ``checkpoint`` (the ``.pt`` file) and ``record`` (its
    training record, the ``.json`` file, as a dict)."""

    name: str
    checkpoint: Path
    record: dict

    @property
    def test_metrics(self) -> dict[str, Any]:
        return dict(self.record.get("test", {}))


def find_weights(name: str, folder: str | os.PathLike | None = None) -> CourseWeights | None:
    """The shipped weights of course model ``name``, or None when there are none."""
    base = Path(folder) if folder is not None else weights_dir()
    ckpt, rec = base / f"{name}.pt", base / f"{name}.json"
    if not (ckpt.is_file() and rec.is_file()):
        return None
    try:
        record = json.loads(rec.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{rec}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if record.get("format") != RECORD_FORMAT:
        raise ValueError(f"{rec}: expected a record with format={RECORD_FORMAT!r}, found {record.get('format')!r}")
    return CourseWeights(name, ckpt, record)


def list_weights(folder: str | os.PathLike | None = None) -> list[CourseWeights]:
    """Every model with shipped weights in ``folder`` (default :func:`weights_dir`), sorted by name."""
    base = Path(folder) if folder is not None else weights_dir()
    names = sorted(p.stem for p in base.glob("*.json")) if base.is_dir() else []
    return [w for w in (find_weights(n, base) for n in names) if w is not None]


def staleness(weights: CourseWeights, config: TrainConfig) -> list[str]:
    """Why ``weights`` do not match ``config`` (the model's current config) or the current code;
    empty when they match."""
    reasons = []
    want = config_hash(config)
    if weights.record.get("config_hash") != want:
        reasons.append(f"the config changed (trained with {weights.record.get('config_hash')}, now {want})")
    code = code_hash(config.model)
    if weights.record.get("code_hash") != code:
        reasons.append(f"the model/data code changed (trained with {weights.record.get('code_hash')}, now {code})")
    return reasons


# ---------------------------------------------------------------------------------------- training


def run_folder(name: str, config: TrainConfig) -> Path:
    """Where :func:`train_weights` trains ``name``: ``runs/weights/<name>-<config hash>-<code hash>``
    of the checkout (else of the cache root); outside git, resumable. The code hash is part of the
    name so that a run finished with older code is never resumed or exported as current."""
    from aesthetics_lib.paths import cache_root

    repo = checkout_root()
    base = repo / "runs" / "weights" if repo is not None else cache_root() / "weights-runs"
    return base / f"{name}-{config_hash(config)}-{code_hash(config.model)}"


def train_weights(name: str, config: TrainConfig, epochs: int | None = None) -> tuple[Path, float]:
    """Train (or continue training) course model ``name`` with ``config`` in :func:`run_folder`:
    ``epochs`` more epochs at most in this call (None: to the end). Returns ``(run folder, seconds
    this call trained)``."""
    from aesthetics_lib.training.trainer import Trainer

    out = run_folder(name, config)
    t0 = time.perf_counter()
    with checkout_cwd(config):
        if not ensure_pretraining(config, epochs):
            return out, time.perf_counter() - t0  # this call's epochs went into the pre-training
        trainer = Trainer(config.replace(out=str(out)), resume=True)
        if trainer.epoch < config.epochs:
            entry = log_chunk(out, trainer.epoch, config)
            shipped = find_weights(name)
            if shipped is not None and shipped.record.get("config_hash") == config_hash(config):
                gaps = reproduction_gaps(shipped.record, entry)
                if gaps:
                    warnings.warn(f"{name}: from epoch {trainer.epoch} this run will not reproduce "
                                  f"{shipped.checkpoint.name} bit for bit (a valid retraining, with other "
                                  f"roundings): {'; '.join(gaps)}", UserWarning, stacklevel=2)
        trainer.fit(epochs)
    return out, time.perf_counter() - t0


def reproduction_gaps(record: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """How a training call (``entry``, as :func:`log_chunk` writes it) differs from the recorded
    call that trained the same epoch of ``record`` (its ``training_chunks``): the CPU model, the
    thread count, the device (and GPU) and the :data:`CPU_ENV_KEYS` variables, each as "recorded X,
    now Y". Empty when they match, or when the record has no chunk log (runs trained before it
    existed) or logged no ``cpu_env`` (then the variables are not compared: whether they were set
    is not known)."""
    chunks = [c for c in record.get("training_chunks") or [] if c.get("from_epoch", 0) <= entry["from_epoch"]]
    if not chunks:
        return []
    then = chunks[-1]
    keys = ["cpu", "threads", "device", "gpu"] + (["cpu_env"] if "cpu_env" in then else [])
    return [f"{key}: recorded {then.get(key)!r}, now {entry.get(key)!r}" for key in keys if then.get(key) != entry.get(key)]


def fcmae_encoder(config: TrainConfig) -> Path | None:
    """The FCMAE encoder ``config`` starts from (``model_kwargs.pretrained: runs/fcmae/...``,
    :mod:`aesthetics_lib.fcmae`) as an absolute path in the checkout; None for any other start."""
    from aesthetics_lib import fcmae

    start = config.model_kwargs.get("pretrained")
    if not isinstance(start, str) or fcmae.config_for(start) is None:
        return None
    root = checkout_root()
    if root is None:
        raise FileNotFoundError(f"{start}: an FCMAE encoder is pre-trained into the course checkout's runs/ folder; "
                                "train from a checkout of the course")
    return root / start


def ensure_pretraining(config: TrainConfig, epochs: int | None = None) -> bool:
    """Pre-train the FCMAE encoder ``config`` starts from when it is missing (at most ``epochs``
    epochs in this call; resumable). True when the start is ready (or needs no pre-training)."""
    from aesthetics_lib import fcmae

    encoder = fcmae_encoder(config)
    if encoder is None or encoder.is_file():
        return True
    source = fcmae.config_for(config.model_kwargs["pretrained"])
    print(f"pre-training {config.model_kwargs['pretrained']} first (FCMAE, {source})", flush=True)
    fcmae.pretrain(source, epochs=epochs, workers=config.num_workers)
    return encoder.is_file()


@contextlib.contextmanager
def checkout_cwd(config: TrainConfig) -> Iterator[None]:
    """Run in the checkout's root while ``config`` names an FCMAE encoder by its path relative to it."""
    if fcmae_encoder(config) is None:
        yield
        return
    with contextlib.chdir(checkout_root()):
        yield


def log_chunk(run_dir: str | os.PathLike, from_epoch: int, config: TrainConfig) -> dict[str, Any]:
    """Append to the run folder's :data:`CHUNKS_FILE` where a training call starts (``from_epoch``),
    on which CPU, with how many torch threads, with which :data:`CPU_ENV_KEYS` set (``cpu_env``, empty
    when none is) and on which device (and GPU); returns the entry. Floating-point sums split over
    another number of threads, or run with another CPU's instructions, round differently, so a
    retrained model matches its record bit for bit only where these match. Logs written before
    ``cpu_env`` existed lack the key: whether those runs had the variables set is not known."""
    entry = {"from_epoch": int(from_epoch), "cpu": cpu_model(), "threads": torch.get_num_threads(),
             "cpu_env": cpu_env(),
             "device": _device(config), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if entry["device"] == "cuda":
        entry["gpu"] = torch.cuda.get_device_name(0)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / CHUNKS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return entry


def read_chunks(run_dir: str | os.PathLike) -> list[dict[str, Any]] | None:
    """The run folder's training calls (:func:`log_chunk`), oldest first; None where the folder has
    no log (runs trained before the log existed). A line that is not JSON raises ``ValueError``
    naming the file and line."""
    path = Path(run_dir) / CHUNKS_FILE
    if not path.is_file():
        return None
    chunks = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            chunks.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {number}: not a JSON object ({exc.msg})") from None
    return chunks


def export_weights(name: str, run_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None,
                   n_boot: int = 1000) -> CourseWeights:
    """Write ``NAME.pt`` (fp16 evaluation weights, spec, config, history) and ``NAME.json`` (the
    training record, with test and validation metrics measured on the fp16 weights) from a finished
    run folder. Returns the :class:`CourseWeights`."""
    from aesthetics_lib.commands.evaluate import evaluate_checkpoint, json_safe
    from aesthetics_lib.training.checkpoint import config_of, read_checkpoint, strip_ema, write_atomic

    run_dir = Path(run_dir)
    state = read_checkpoint(run_dir / "best.pt")
    last = read_checkpoint(run_dir / "last.pt")
    config = config_of(state).replace(out=None)
    if int(last["epoch"]) < int(config.epochs):
        raise ValueError(f"{run_dir}: the run has trained {last['epoch']} of {config.epochs} epochs; finish it first")
    weights = strip_ema(state["ema"] if state.get("ema") is not None else state["model"])
    half = half_weights(weights)
    out = Path(out_dir) if out_dir is not None else weights_dir()
    out.mkdir(parents=True, exist_ok=True)
    ckpt = {
        "format": state["format"], "spec": state["spec"], "model": half, "ema": None,
        "config": config.to_dict(), "epoch": state["epoch"], "global_step": state.get("global_step", 0),
        "history": last["history"], "best": state["best"], "meta": state["meta"],
        **{k: None for k in ("optimizer", "scheduler", "plateau", "scaler", "rng")},
    }
    path = deflate_checkpoint(write_atomic(ckpt, out / f"{name}.pt"))
    metrics = {split: evaluate_checkpoint(str(path), split=split, device="cpu", n_boot=n_boot)
               for split in ("val", "test")}
    history = last["history"]
    record = {
        "format": RECORD_FORMAT,
        "name": name,
        "checkpoint": path.name,
        "config": config.to_dict(),
        "config_hash": config_hash(config),
        "code_hash": code_hash(config.model),
        "code_files": code_files(config.model),
        "data": config.data,
        "studio": {k: getattr(config, k) for k in ("studio_n", "studio_seed", "studio_long_side")}
        if config.data.startswith("studio") else None,
        "seed": config.seed,
        "epochs": int(last["epoch"]),
        "best_epoch": state["best"].get("epoch"),
        "images_seen": int(sum(_images(row) for row in history)),
        "train_seconds": float(sum(row.get("seconds", 0.0) for row in history)),
        "machine": _machine(config),
        "training_chunks": read_chunks(run_dir),
        "pretraining": _pretraining_record(config),
        "history": history,
        "val": metric_summary(metrics["val"]),
        "test": metric_summary(metrics["test"]),
        "test_sample": predict_test_sample(path),
        "size_bytes": path.stat().st_size,
    }
    record = json_safe(record)
    write_record(out / f"{name}.json", record)
    return CourseWeights(name, path, record)


#: The model outputs a record's ``test_predictions`` keeps (those the model has), as float32.
STORED_OUTPUTS: tuple[str, ...] = ("dist", "mean", "prob_good", "attributes")


def pack_predictions(pred: Any) -> dict[str, Any]:
    """A training record's copy of a model's predictions for its whole test split (``pred``: a
    :class:`~aesthetics_lib.inference.Predictions` in the split's item order): the ``image_ids`` and
    the model's own outputs (:data:`STORED_OUTPUTS`), each float32 array as base64 with its shape,
    so that :func:`unpack_predictions` gives back the very same numbers. The targets are left out:
    the split's labels hold them."""
    arrays = {}
    for key in STORED_OUTPUTS:
        value = getattr(pred, key)
        if value is not None and not (key == "mean" and pred.dist is not None):  # a distribution gives its mean
            a = np.ascontiguousarray(value, dtype=np.float32)
            arrays[key] = {"shape": list(a.shape), "float32_base64": base64.b64encode(a.tobytes()).decode("ascii")}
    return {"n": len(pred), "image_ids": [str(i) for i in pred.image_id], "arrays": arrays}


def unpack_predictions(stored: Mapping[str, Any], dataset: Any, attribute_names: Sequence[str] = (),
                       threshold: float = float("nan")) -> Any:
    """The :class:`~aesthetics_lib.inference.Predictions` that :func:`pack_predictions` stored, with
    the targets of ``dataset`` (the same test split, in the same order; ``ValueError`` naming the
    first photo that differs when it is not)."""
    from aesthetics_lib.inference import finish

    ids = [str(i) for i in dataset.image_ids]
    if ids != list(stored["image_ids"]):
        first = next((i for i, (a, b) in enumerate(zip(ids, stored["image_ids"])) if a != b), min(len(ids), len(stored["image_ids"])))
        raise ValueError(f"the stored test predictions are for another test split: {len(stored['image_ids'])} photos "
                         f"against {len(ids)} here, first difference at position {first}")
    raw = {k: np.frombuffer(base64.b64decode(v["float32_base64"]), dtype=np.float32).reshape(v["shape"]).copy()
           for k, v in stored["arrays"].items()}
    return finish(raw, attribute_names, threshold, image_id=np.asarray(ids, dtype=str),
                  target_dist=np.asarray(dataset.targets(), dtype=np.float32),
                  target_mean=np.asarray(dataset.means(), dtype=np.float32).reshape(-1))


#: The training record's field that keeps copies of the model's predicted means on whole datasets
#: (``{dataset_key: pack_means(...)}``), read by :meth:`aesthetics_lib.zoo.CourseModel.predicted_means`.
DATASET_MEANS = "dataset_means"


def dataset_key(dataset: Any, patches: int | None = None) -> str:
    """The name under which a record keeps a model's predicted means on ``dataset``: its folder's
    name and split (``cadb-n3000-seed1-px160-v1-dfff10cd/all``; a studio's folder name holds its
    parameters and a hash of its generator), with ``/patches=P`` when the photos are scored with
    ``P`` patches instead of the model config's."""
    root = getattr(dataset, "root", None)
    if root is None:
        raise ValueError(f"dataset_key: {type(dataset).__name__} has no root folder to name its copy by")
    key = f"{Path(root).name}/{getattr(dataset, 'split', 'all')}"
    return key if patches is None else f"{key}/patches={int(patches)}"


def _ids_hash(image_ids: Sequence[Any]) -> str:
    return hashlib.sha256("\n".join(str(i) for i in image_ids).encode("utf-8")).hexdigest()


def pack_means(image_ids: Sequence[Any], means: Any) -> dict[str, Any]:
    """A record's copy of a model's predicted means for every photo of a dataset, in item order: the
    count, a SHA-256 of the photos' ids in that order, and the means as float32 base64, so that
    :func:`unpack_means` gives back the very same numbers for the same photos."""
    a = np.ascontiguousarray(means, dtype=np.float32).reshape(-1)
    if len(a) != len(image_ids):
        raise ValueError(f"pack_means: {len(a)} means for {len(image_ids)} photos")
    return {"n": len(a), "image_ids_sha256": _ids_hash(image_ids), "float32_base64": base64.b64encode(a.tobytes()).decode("ascii")}


def unpack_means(stored: Mapping[str, Any], image_ids: Sequence[Any]) -> np.ndarray | None:
    """The means :func:`pack_means` stored, as float32 ``[N]``; None when they are of other photos
    (another count, order or ids)."""
    if stored.get("n") != len(image_ids) or stored.get("image_ids_sha256") != _ids_hash(image_ids):
        return None
    return np.frombuffer(base64.b64decode(stored["float32_base64"]), dtype=np.float32).copy()


def write_record(path: str | os.PathLike, record: Mapping[str, Any]) -> Path:
    """Write a training record (JSON, one-space indent, as every ``weights/NAME.json``) atomically:
    a temporary file in the same folder, then ``os.replace``. Returns the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def is_deflated(path: str | os.PathLike) -> bool:
    """Whether every member of checkpoint ``path`` is deflated (:func:`deflate_checkpoint`)."""
    with zipfile.ZipFile(path) as archive:
        return all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())


def deflate_checkpoint(path: str | os.PathLike) -> Path:
    """Rewrite the checkpoint ``path`` (``torch.save``'s zip archive) with every member deflated
    (zlib, level 9), in place and atomically; returns the path. ``torch.load`` reads it as before,
    only not with ``mmap=True``, which needs stored members (nothing here maps course weights); its
    tensors are the same bit for bit. fp16 weights shrink by about 8 % (an EfficientNet-Lite0 model,
    7.6 to 7.0 MB), the small CNNs by 9-28 %; loading a Lite0 model takes about 20 ms more CPU
    time. Deflating a deflated file again gives a file of the same size."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.deflate-{os.getpid()}")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                dst.writestr(member, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def half_weights(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state`` with its floating-point tensors in fp16 (how course weights are stored)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def _pretraining_record(config: TrainConfig) -> dict[str, Any] | None:
    """The record of the FCMAE pre-training ``config`` starts from (``pretrain.json``), else None."""
    from aesthetics_lib import fcmae

    encoder = fcmae_encoder(config)
    return fcmae.read_record(encoder) if encoder is not None else None


def predict_test_sample(checkpoint: str | os.PathLike, n: int = SAMPLE_N) -> dict[str, Any]:
    """The predicted mean scores (a binary head: P(good)) of the first ``n`` photos of the test split
    of the checkpoint's own data (``{"n", "image_ids", "mean" | "prob_good"}``): the record keeps
    them so that a check can recompute them in seconds, where the test metrics need the whole split."""
    from aesthetics_lib.inference import Predictor

    predictor = Predictor.from_checkpoint(checkpoint, device="cpu")
    test = predictor.open_split("test", transform=None)
    n = min(n, len(test))
    pred = predictor.score([test.load_image(i) for i in range(n)])  # batched by input shape
    key, values = ("mean", pred.mean) if pred.mean is not None else ("prob_good", pred.prob_good)  # a binary head: P(good)
    return {"n": n, "image_ids": [str(i) for i in list(test.image_ids)[:n]],
            key: [round(float(v), 5) for v in values]}


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo``; where there is none, ``platform``'s processor or
    machine name."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        return cpu


def cpu_env() -> dict[str, str]:
    """The :data:`CPU_ENV_KEYS` variables set in this process, with their values."""
    return {k: os.environ[k] for k in CPU_ENV_KEYS if k in os.environ}


def _device(config: TrainConfig) -> str:
    """The device ``config`` trains on: its ``device``, with ``auto`` resolved to cuda or cpu."""
    if config.device in ("cuda", "auto") and torch.cuda.is_available():
        return "cuda"
    return "cpu" if config.device == "auto" else config.device


def _machine(config: TrainConfig) -> dict[str, Any]:
    """The machine that exports the record: OS, CPU model, cores, torch, the device (and GPU name).
    Where each training call ran, and with how many threads, is the record's ``training_chunks``."""
    info = {"platform": platform.platform(), "cpu": cpu_model(), "cpus": os.cpu_count(), "torch": torch.__version__,
            "device": _device(config)}
    if info["device"] == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _images(row: dict) -> float:
    """Images trained on in one epoch's history row (its rate times its seconds)."""
    rate, seconds = row.get("images_per_s"), row.get("seconds")
    if isinstance(rate, (int, float)) and isinstance(seconds, (int, float)):
        return round(rate * seconds)
    return 0.0


def metric_summary(result: dict[str, Any]) -> dict[str, Any]:
    """What a training record keeps of :func:`~aesthetics_lib.commands.evaluate.evaluate_checkpoint`'s
    result: ``n``, each metric with its interval and the naive baseline's value, the studio's
    ``true_srcc`` and ``noise_ceiling_srcc``, and the per-attribute ``attributes`` agreement (when
    measured)."""
    keys = ("srcc", "lcc", "mse", "emd1", "emd2", "accuracy", "balanced_accuracy")
    out: dict[str, Any] = {"n": result["n"]}
    for k in keys:
        out[k] = result.get(k)
        out[f"{k}_ci"] = list(result.get(f"{k}_ci", (None, None)))
        out[f"naive_{k}"] = result.get(f"naive_{k}")
    for k in ("true_srcc", "noise_ceiling_srcc", "attributes"):
        if k in result:
            out[k] = result[k]
    return out
