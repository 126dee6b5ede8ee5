"""Course weights: exported compactly with a training record, loaded by course_model, and never stale."""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tool_support import load_tool

from aesthetics_lib import course_weights as cw
from aesthetics_lib import zoo
from aesthetics_lib.commands.evaluate import evaluate_checkpoint
from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.inference import finish
from aesthetics_lib.train import TrainConfig


@pytest.fixture()
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrainConfig:
    """A tiny course config, with the weights folder and the run folders in tmp_path."""
    studio = generate_cadb(tmp_path / "studio", n=40, seed=0, long_side=48)
    monkeypatch.setenv("AESTHETICS_WEIGHTS", str(tmp_path / "weights"))
    monkeypatch.setattr(cw, "run_folder", lambda name, config: tmp_path / "runs" / f"{name}-{cw.config_hash(config)}")
    return TrainConfig(
        data=f"cadb:{studio}", model="nima", model_kwargs={"backbone": "shallow"}, size=32, epochs=1,
        batch_size=8, max_steps_per_epoch=2, device="cpu", progress=False, verbose=False, out=None,
    )


@pytest.mark.slow
def test_export_writes_fp16_weights_and_a_record_that_evaluation_reproduces(tiny: TrainConfig, tmp_path: Path) -> None:
    run, seconds = cw.train_weights("nima", tiny)
    assert seconds > 0 and (run / "last.pt").is_file()
    w = cw.export_weights("nima", run, n_boot=50)
    assert w.checkpoint.parent == tmp_path / "weights"
    assert w.checkpoint.stat().st_size < (run / "best.pt").stat().st_size  # fp16, no EMA copy
    assert cw.is_deflated(w.checkpoint), "export_weights stores the archive's members uncompressed"
    record = json.loads((tmp_path / "weights" / "nima.json").read_text())
    for key in ("config", "config_hash", "code_hash", "data", "seed", "epochs", "images_seen", "train_seconds",
                "machine", "history", "val", "test"):
        assert key in record, key
    assert record["epochs"] == 1 and record["images_seen"] == 16 and len(record["history"]) == 1
    assert record["test"]["srcc_ci"][0] <= record["test"]["srcc"] <= record["test"]["srcc_ci"][1]
    again = evaluate_checkpoint(str(w.checkpoint), split="test", device="cpu", n_boot=50)
    assert again["srcc"] == pytest.approx(record["test"]["srcc"], abs=1e-9)
    sample = record["test_sample"]
    assert sample["n"] == len(sample["mean"]) == len(sample["image_ids"]) == min(cw.SAMPLE_N, record["test"]["n"])
    assert cw.predict_test_sample(w.checkpoint) == sample
    assert [x.name for x in cw.list_weights()] == ["nima"]
    assert cw.staleness(w, tiny) == []


@pytest.mark.slow
def test_stale_weights_say_why(tiny: TrainConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = cw.train_weights("nima", tiny)
    w = cw.export_weights("nima", run, n_boot=20)
    assert any("config changed" in r for r in cw.staleness(w, tiny.replace(epochs=2)))
    monkeypatch.setattr(cw, "code_hash", lambda model=None, root=None: "000000000000")
    assert any("code changed" in r for r in cw.staleness(w, tiny))
    # course_model says so before it trains in their place
    monkeypatch.setattr(zoo, "course_config", lambda name, data=None, overrides=None: tiny)
    monkeypatch.setenv("CI", "true")  # under CI it refuses to train, naming both ways to bring the weights up to date
    with pytest.raises(RuntimeError, match=r"stale \(the model/data code changed.*make weights MODEL=nima.*restamp_code_hash"):
        zoo.course_model("nima", root=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("CI")
    with pytest.warns(UserWarning, match=r"stale \(the model/data code changed.*make weights MODEL=nima"):
        cm = zoo.course_model("nima", root=tmp_path / "cache")
    assert cm.weights is None and cm.run_dir is not None


def test_export_refuses_an_unfinished_run(tiny: TrainConfig) -> None:
    run, _ = cw.train_weights("nima", tiny.replace(epochs=2), epochs=1)
    with pytest.raises(ValueError, match="1 of 2 epochs"):
        cw.export_weights("nima", run)


@pytest.mark.slow
def test_the_record_lists_each_training_call_with_its_cpu_and_threads(tiny: TrainConfig) -> None:
    config = tiny.replace(epochs=2)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        run, _ = cw.train_weights("nima", config, epochs=1)
        torch.set_num_threads(2)
        cw.train_weights("nima", config)  # resumes at epoch 1
        cw.train_weights("nima", config)  # finished: nothing to train, nothing logged
    finally:
        torch.set_num_threads(threads)
    record = cw.export_weights("nima", run, n_boot=20).record
    chunks = record["training_chunks"]
    assert [(c["from_epoch"], c["threads"]) for c in chunks] == [(0, 1), (1, 2)]
    assert all(c["cpu"] == cw.cpu_model() and c["device"] == "cpu" for c in chunks)


def test_a_training_call_logs_the_cpu_code_path_variables_that_are_set(
    tiny: TrainConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in cw.CPU_ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    assert cw.log_chunk(tmp_path, 0, tiny)["cpu_env"] == {}
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # not a code-path variable: the thread count is logged apart
    cw.log_chunk(tmp_path, 3, tiny)
    assert [(c["from_epoch"], c["cpu_env"]) for c in cw.read_chunks(tmp_path)] == [(0, {}), (3, {"MKL_CBWR": "COMPATIBLE"})]


def test_reproduction_gaps_name_what_differs_from_the_recorded_call() -> None:
    record = {"training_chunks": [
        {"from_epoch": 0, "cpu": "AMD EPYC", "threads": 1, "device": "cpu"},
        {"from_epoch": 5, "cpu": "AMD EPYC", "threads": 2, "cpu_env": {"MKL_CBWR": "COMPATIBLE"}, "device": "cpu"},
    ]}
    now = {"from_epoch": 3, "cpu": "AMD EPYC", "threads": 1, "cpu_env": {}, "device": "cpu"}
    assert cw.reproduction_gaps(record, now) == []  # epochs 0-4: no cpu_env recorded, so not compared
    later = {**now, "from_epoch": 6, "cpu": "Intel Xeon"}
    assert cw.reproduction_gaps(record, later) == [
        "cpu: recorded 'AMD EPYC', now 'Intel Xeon'", "threads: recorded 2, now 1",
        "cpu_env: recorded {'MKL_CBWR': 'COMPATIBLE'}, now {}"]
    assert cw.reproduction_gaps({"training_chunks": None}, later) == []


@pytest.mark.slow
def test_retraining_shipped_weights_in_another_setting_warns(tiny: TrainConfig, tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        run, _ = cw.train_weights("nima", tiny)
        cw.export_weights("nima", run, n_boot=20)
        import shutil

        shutil.rmtree(run)  # retrain from scratch, with the record shipped
        torch.set_num_threads(2)
        with pytest.warns(UserWarning, match=r"nima: from epoch 0 this run will not reproduce nima\.pt .*threads: recorded 1, now 2"):
            cw.train_weights("nima", tiny)
        shutil.rmtree(run)
        torch.set_num_threads(1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the recorded setting: nothing to say
            cw.train_weights("nima", tiny)
    finally:
        torch.set_num_threads(threads)


def test_a_run_folder_without_a_chunk_log_records_none_and_a_bad_line_is_named(tmp_path: Path) -> None:
    assert cw.read_chunks(tmp_path) is None
    (tmp_path / cw.CHUNKS_FILE).write_text('{"from_epoch": 0, "threads": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"chunks\.jsonl, line 2: not a JSON object"):
        cw.read_chunks(tmp_path)


@pytest.mark.slow
def test_course_model_loads_shipped_weights_unless_asked_to_train(
    tiny: TrainConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, _ = cw.train_weights("nima", tiny)
    cw.export_weights("nima", run, n_boot=20)
    monkeypatch.setattr(zoo, "course_config", lambda name, data=None, overrides=None: tiny)
    cm = zoo.course_model("nima", root=tmp_path / "cache")
    assert cm.weights is not None and cm.run_dir is None and len(cm.history) == 1
    img = Image.fromarray(np.full((30, 40, 3), 128, np.uint8))
    assert 1.0 <= float(cm.score([img]).mean[0]) <= 5.0
    monkeypatch.setenv("AESTHETICS_TRAIN", "1")
    trained = zoo.course_model("nima", root=tmp_path / "cache")
    assert trained.weights is None and trained.run_dir is not None


def test_code_hash_follows_the_code_each_model_depends_on(tmp_path: Path) -> None:
    base = tmp_path / "lib"
    for dep in (*cw.CODE_DEPENDENCIES, "models/nima.py", "models/sampnet.py"):
        target = base / dep
        target = target / "x.py" if not dep.endswith(".py") else target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("a = 1\n")
    before = cw.code_hash("nima", base)
    (base / "losses.py").write_text("a = 2\n")
    assert cw.code_hash("nima", base) != before
    (base / "losses.py").write_text("a = 1\r\n")  # line endings do not count
    assert cw.code_hash("nima", base) == before
    (base / "models" / "sampnet.py").write_text("b = 2\n")  # another model's code: nima's weights stay
    assert cw.code_hash("nima", base) == before
    (base / "models" / "nima.py").write_text("b = 2\n")
    assert cw.code_hash("nima", base) != before
    assert "models/sampnet.py" in cw.code_files("sampnet", base) and "models/sampnet.py" not in cw.code_files("nima", base)
    now = cw.code_hash("nima", base)
    (base / "models" / "__init__.py").write_text("from x import NewModel\n")  # registering another model
    assert cw.code_hash("nima", base) == now


def test_restamp_rewrites_only_records_whose_files_are_unchanged(tmp_path: Path) -> None:
    record = json.loads((Path(__file__).resolve().parents[1] / "weights" / "nima.json").read_text(encoding="utf-8"))
    legacy = cw.hash_files([*cw.code_files("nima"), "models/__init__.py"])
    good, bad = tmp_path / "nima.json", tmp_path / "nima_old.json"
    good.write_text(json.dumps({**record, "code_hash": legacy}, indent=1) + "\n", encoding="utf-8")
    bad.write_text(json.dumps({**record, "code_hash": "0123456789ab"}, indent=1) + "\n", encoding="utf-8")
    tool = load_tool("restamp_code_hash")
    assert tool.restamp(tmp_path, ["models/__init__.py"], write=True) == 1  # one record was trained with other code
    assert json.loads(good.read_text(encoding="utf-8"))["code_hash"] == legacy, "nothing is written when a record is refused"
    bad.unlink()
    assert tool.restamp(tmp_path, ["models/__init__.py"], write=True) == 0
    restamped = json.loads(good.read_text(encoding="utf-8"))
    assert restamped["code_hash"] == cw.code_hash("nima") and restamped["code_files"] == cw.code_files("nima")
    assert {k: v for k, v in restamped.items() if k not in ("code_hash", "code_files")} == \
        {k: v for k, v in record.items() if k not in ("code_hash", "code_files")}


def test_restamp_after_a_change_needs_the_record_to_match_the_files_as_they_were(tmp_path: Path) -> None:
    """``--changed``: a record is re-stamped only when the changed file, as it was, is the one
    difference from the code it was trained with; the record keeps why, with both hashes."""
    record = json.loads((Path(__file__).resolve().parents[1] / "weights" / "nima.json").read_text(encoding="utf-8"))
    name = "training/checkpoint.py"
    old = {name: (Path(cw.__file__).parent / name).read_bytes() + b"\n# an older version\n"}
    trained = cw.hash_files(cw.code_files("nima"), contents=old)
    assert trained != cw.code_hash("nima")
    good, bad = tmp_path / "nima.json", tmp_path / "nima_old.json"
    good.write_text(json.dumps({**record, "code_hash": trained}, indent=1) + "\n", encoding="utf-8")
    bad.write_text(json.dumps({**record, "code_hash": cw.hash_files(cw.code_files("nima"), contents={name: b"other"})}), encoding="utf-8")
    tool = load_tool("restamp_code_hash")
    note = {"since": "abc1234", "why": "checked"}
    assert tool.restamp(tmp_path, changed=old, note=note) == 1  # the other was trained with another version of it
    assert json.loads(good.read_text(encoding="utf-8"))["code_hash"] == trained, "nothing is written when a record is refused"
    bad.unlink()
    assert tool.restamp(tmp_path, changed=old, note=note) == 0
    restamped = json.loads(good.read_text(encoding="utf-8"))
    assert restamped["code_hash"] == cw.code_hash("nima") and restamped["code_files"] == cw.code_files("nima")
    assert restamped["code_restamps"][-1] == {"from": trained, "to": cw.code_hash("nima"), "dropped": [], "changed": [name], **note}
    assert tool.restamp(tmp_path, changed=old, note=note) == 0  # already current: left as it is
    assert json.loads(good.read_text(encoding="utf-8")) == restamped


def test_a_run_folder_is_named_by_config_and_code(tiny: TrainConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run finished with older code must not be resumed, nor exported as current."""
    monkeypatch.undo()  # the real run_folder, not the fixture's
    before = cw.run_folder("nima", tiny)
    assert before.name == f"nima-{cw.config_hash(tiny)}-{cw.code_hash('nima')}"
    monkeypatch.setattr(cw, "code_hash", lambda model=None, root=None: "000000000000")
    assert cw.run_folder("nima", tiny) != before


WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
#: Every training record in weights/ (a record whose checkpoint is missing must fail, not be skipped).
SHIPPED = sorted(p.stem for p in WEIGHTS.glob("*.json"))


def test_every_record_has_its_checkpoint_and_git_keeps_them() -> None:
    for name in SHIPPED:
        assert (WEIGHTS / f"{name}.pt").is_file(), f"weights/{name}.json has no weights/{name}.pt"
    if (WEIGHTS.parent / ".git").exists():
        import subprocess

        ignored = subprocess.run(["git", "check-ignore", "-q", "weights/x.pt"], cwd=WEIGHTS.parent).returncode == 0
        assert not ignored, ".gitignore ignores weights/*.pt: the course weights would never be committed"


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_weights_are_current_and_reproduce_their_record(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AESTHETICS_WEIGHTS", raising=False)
    w = cw.find_weights(name)
    assert w is not None, f"weights/{name}.json has no checkpoint weights/{name}.pt"
    reasons = cw.staleness(w, zoo.course_config(name))
    assert not reasons, f"weights/{name}.pt is stale: {'; '.join(reasons)}. Retrain: make weights MODEL={name}"
    assert w.record["size_bytes"] == w.checkpoint.stat().st_size
    # The predictions the record keeps for the first test photos, recomputed: the weights, the code
    # and the studio together still give what was measured. (The whole test split's metrics are
    # reproduced by the notebooks that print them: 07, 08 and 09, checked by nbval.)
    recorded, again = w.record["test_sample"], cw.predict_test_sample(w.checkpoint)
    assert again["image_ids"] == recorded["image_ids"], "the studio's test split changed"
    key = "mean" if "mean" in recorded else "prob_good"  # a binary head records P(good)
    np.testing.assert_allclose(again[key], recorded[key], atol=2e-3,
                               err_msg=f"weights/{name}.pt no longer reproduces its record's test predictions")


RECORD_TOOL = load_tool("record_test_predictions")  # writes the records' copies of test predictions
#: The models notebook 09 compares with the final model, reading their records' copies of their test
#: predictions instead of running them.
WITH_COPY = RECORD_TOOL.COMPARED


def test_make_weights_records_only_the_copies_that_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # make weights runs the tool with --missing after exporting: a model outside the comparison, or
    # whose record keeps its copy, is skipped with the reason; one that needs a copy is not.
    assert "no copy" in RECORD_TOOL.needs_copy("dcnn_binary")
    assert "not a course model" in RECORD_TOOL.needs_copy("no_such_model")
    assert all("already keeps a copy" in RECORD_TOOL.needs_copy(name) for name in WITH_COPY)
    record = dict(cw.find_weights("nima").record)
    del record["test_predictions"]
    monkeypatch.setattr(RECORD_TOOL, "shipped_weights", lambda name, config: cw.CourseWeights(name, WEIGHTS / f"{name}.pt", record))
    assert RECORD_TOOL.needs_copy("nima") is None
    monkeypatch.setattr(RECORD_TOOL, "shipped_weights", lambda name, config: None)
    assert "no current weights" in RECORD_TOOL.needs_copy("nima")


@pytest.mark.parametrize("name", WITH_COPY)
def test_a_records_copy_of_test_predictions_is_of_its_verified_sample(name: str) -> None:
    # The copy is read instead of running the model; the sample the test above reproduces from the
    # weights must be its first photos, with the same predicted means.
    record = cw.find_weights(name).record
    stored = record.get("test_predictions")
    assert stored is not None, f"weights/{name}.json keeps no copy of its test predictions: run make record-predictions MODELS={name}"
    sample = record["test_sample"]
    assert stored["n"] == len(stored["image_ids"]) == record["test"]["n"], "the copy covers the whole test split"
    assert stored["image_ids"][: sample["n"]] == sample["image_ids"], "the copy is of another test split"

    class Split:  # the labels are not needed for the means
        image_ids = stored["image_ids"]
        targets = staticmethod(lambda: np.zeros((stored["n"], 5), np.float32))
        means = staticmethod(lambda: np.zeros(stored["n"], np.float32))

    pred = cw.unpack_predictions(stored, Split())
    key = "mean" if "mean" in sample else "prob_good"
    np.testing.assert_allclose(getattr(pred, key)[: sample["n"]], sample[key], atol=2e-3,
                               err_msg=f"weights/{name}.json: the copy's predictions are not the weights'")


def test_packed_predictions_come_back_bit_for_bit_and_refuse_another_split() -> None:
    rng = np.random.default_rng(0)
    dist = rng.dirichlet(np.ones(5), 7).astype(np.float32)
    pred = finish({"dist": dist, "attributes": rng.standard_normal((7, 3)).astype(np.float32)}, ("a", "b", "c"), 3.0,
                  image_id=np.array([f"{i}.jpg" for i in range(7)]))

    class Split:
        image_ids = [f"{i}.jpg" for i in range(7)]
        targets = staticmethod(lambda: dist[::-1].copy())
        means = staticmethod(lambda: np.arange(7, dtype=np.float32))

    again = cw.unpack_predictions(json.loads(json.dumps(cw.pack_predictions(pred))), Split(), ("a", "b", "c"), 3.0)
    for key in ("dist", "mean", "std", "attributes"):
        assert np.array_equal(getattr(again, key), getattr(pred, key)) and getattr(again, key).dtype == np.float32, key
    assert np.array_equal(again.target_dist, dist[::-1]) and list(again.image_id) == Split.image_ids
    Split.image_ids = Split.image_ids[::-1]
    with pytest.raises(ValueError, match="another test split: 7 photos against 7 here, first difference at position 0"):
        cw.unpack_predictions(cw.pack_predictions(pred), Split())


def test_packed_means_come_back_bit_for_bit_and_only_for_the_same_photos() -> None:
    ids = [f"{i}.jpg" for i in range(9)]
    means = np.random.default_rng(0).uniform(1, 5, 9).astype(np.float32)
    stored = json.loads(json.dumps(cw.pack_means(ids, means)))
    again = cw.unpack_means(stored, ids)
    assert again.dtype == np.float32 and np.array_equal(again, means)
    assert cw.unpack_means(stored, ids[::-1]) is None and cw.unpack_means(stored, ids[:8]) is None  # other order, other photos
    with pytest.raises(ValueError, match="8 means for 9 photos"):
        cw.pack_means(ids, means[:8])


def test_a_copy_is_named_by_the_dataset_folder_split_and_patch_count(tmp_path: Path) -> None:
    class Draw:
        root, split = tmp_path / "cadb-n3000-seed1-px160-v1-dfff10cd", "all"

    assert cw.dataset_key(Draw()) == "cadb-n3000-seed1-px160-v1-dfff10cd/all"
    assert cw.dataset_key(Draw(), patches=8) == "cadb-n3000-seed1-px160-v1-dfff10cd/all/patches=8"
    with pytest.raises(ValueError, match="no root folder"):
        cw.dataset_key(object())


#: The runs notebook 06 scores on its evaluation draw, reading their records' copies of the means.
DRAWN = RECORD_TOOL.DRAWN


def test_the_tools_draw_is_notebook_06s() -> None:
    source = (Path(__file__).resolve().parents[1] / "notebooks" / "py" / "06_aspect_ratio.py").read_text(encoding="utf-8")
    assert f"EVAL_N, EVAL_SEED = {RECORD_TOOL.DRAW_N}, {RECORD_TOOL.DRAW_SEED}" in source, "notebook 06's evaluation draw changed"


@pytest.mark.parametrize("name", DRAWN)
def test_a_record_keeps_the_means_notebook_06_reads(name: str) -> None:
    # Notebook 06 reads these instead of running the sixteen runs over 3,000 photos, and checks each
    # copy of its four seed-0 runs against the weights on 32 photos (printed and checked by nbval).
    from aesthetics_lib.data.studio.generate import _cache_folder

    record = cw.find_weights(name).record
    folder = _cache_folder("cadb", RECORD_TOOL.DRAW_N, RECORD_TOOL.DRAW_SEED, 160).name
    copies = record.get(cw.DATASET_MEANS, {})
    want = [f"{folder}/all"] + [f"{folder}/all/patches={p}" for p in DRAWN[name]]
    assert sorted(copies) == sorted(want), (f"weights/{name}.json keeps means for {sorted(copies)}, not {want}: "
                                            "run make record-predictions DATASETS=1 MODELS=" + name)
    for key in want:
        means = np.frombuffer(base64.b64decode(copies[key]["float32_base64"]), dtype=np.float32)
        assert copies[key]["n"] == len(means) == RECORD_TOOL.DRAW_N and np.all((means >= 1) & (means <= 5)), key


def test_make_weights_records_the_missing_means_on_the_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "does not score it" in RECORD_TOOL.needs_draw("nima")
    assert all("already keeps its means" in RECORD_TOOL.needs_draw(name) for name in DRAWN)
    record = dict(cw.find_weights("multipatch_avg").record)
    del record[cw.DATASET_MEANS]
    monkeypatch.setattr(RECORD_TOOL, "shipped_weights", lambda name, config: cw.CourseWeights(name, WEIGHTS / f"{name}.pt", record))
    assert RECORD_TOOL.needs_draw("multipatch_avg") is None
    monkeypatch.setattr(RECORD_TOOL, "shipped_weights", lambda name, config: None)
    assert "no current weights" in RECORD_TOOL.needs_draw("multipatch_avg")


def test_deflating_a_checkpoint_keeps_every_tensor_and_shrinks_it(tmp_path: Path) -> None:
    torch.manual_seed(0)
    state = {"model": {"w": torch.randn(64, 64).half(), "b": torch.zeros(64).half()}, "epoch": 3, "config": {"lr": 1e-3}}
    path = tmp_path / "m.pt"
    torch.save(state, path)
    before = path.stat().st_size
    assert cw.deflate_checkpoint(path) == path and cw.is_deflated(path)
    assert path.stat().st_size < before
    again = torch.load(path, map_location="cpu", weights_only=True)
    assert again["epoch"] == 3 and again["config"] == {"lr": 1e-3}
    assert all(torch.equal(again["model"][k], state["model"][k]) and again["model"][k].dtype == torch.float16 for k in state["model"])
    size = path.stat().st_size
    cw.deflate_checkpoint(path)  # a second pass changes nothing
    assert path.stat().st_size == size and [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_shipped_weights_are_deflated() -> None:
    folder = Path(__file__).resolve().parents[1] / "weights"
    stored = [p.name for p in sorted(folder.glob("*.pt")) if not cw.is_deflated(p)]
    assert not stored, f"{stored}: members stored uncompressed; run python tools/deflate_weights.py"


def test_shipped_weights_fit_the_budget() -> None:
    folder = Path(__file__).resolve().parents[1] / "weights"
    total = sum(p.stat().st_size for p in folder.glob("*.pt"))
    assert total <= 40 * 10**6, f"course weights take {total / 10**6:.2f} MB; the budget is 40 MB"
