"""``score`` goes on past broken files, reads awkward-but-valid images, and never overwrites a CSV."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aesthetics_lib.cli import main
from aesthetics_lib.commands.score import find_images, score_images
from aesthetics_lib.data.studio import generate_cadb
from aesthetics_lib.train import TrainConfig, Trainer


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """best.pt of a one-epoch run of a tiny model on a tiny studio."""
    base = tmp_path_factory.mktemp("score")
    generate_cadb(base / "studio", n=24, seed=0, long_side=40)
    cfg = TrainConfig(
        data=f"cadb:{base / 'studio'}", model="dcnn", model_kwargs={"backbone": "shallow"}, size=32,
        epochs=1, batch_size=8, device="cpu", out=str(base / "run"), progress=False, verbose=False,
    )
    Trainer(cfg).fit()
    return base / "run" / "best.pt"


def _photo(h: int = 40, w: int = 60) -> Image.Image:
    """A small picture with structure (a gradient and a bright square), so orientation matters."""
    y, x = np.mgrid[:h, :w]
    rgb = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], -1).astype(np.uint8)
    rgb[5:15, 8:20] = (250, 240, 30)
    return Image.fromarray(rgb, "RGB")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Valid images in awkward formats and broken files, in nested folders."""
    d = tmp_path_factory.mktemp("photos")
    (d / "sub" / "deeper").mkdir(parents=True)
    photo = _photo()
    files: dict[str, Path] = {}

    def keep(name: str, path: Path) -> None:
        files[name] = path

    photo.save(d / "plain.png")
    keep("plain", d / "plain.png")
    photo.convert("CMYK").save(d / "cmyk.jpg", quality=95)
    keep("cmyk", d / "cmyk.jpg")
    grey16 = (np.asarray(photo.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    Image.fromarray(grey16).save(d / "sub" / "grey16.png")  # mode I;16
    keep("grey16", d / "sub" / "grey16.png")
    photo.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(d / "sub" / "palette.gif")
    keep("palette", d / "sub" / "palette.gif")
    rgba = photo.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 60, dtype=np.uint8), (40, 1))))
    rgba.save(d / "sub" / "deeper" / "alpha.png")
    keep("alpha", d / "sub" / "deeper" / "alpha.png")
    # stored sideways with EXIF orientation 6 ("rotate 90 clockwise to view"): shows as `photo`
    exif = Image.Exif()
    exif[0x0112] = 6
    photo.transpose(Image.Transpose.ROTATE_90).save(d / "exif_rotated.png", exif=exif)
    keep("exif", d / "exif_rotated.png")
    # broken files
    (d / "empty.jpg").write_bytes(b"")
    keep("empty", d / "empty.jpg")
    buf = io.BytesIO()
    _photo(120, 160).save(buf, "JPEG", quality=90)
    (d / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    keep("truncated", d / "truncated.jpg")
    (d / "sub" / "notes.jpg").write_text("this is a text file, not a JPEG\n")
    keep("text", d / "sub" / "notes.jpg")
    Image.new("RGB", (200, 200), (10, 20, 30)).save(d / "huge.png")  # a "bomb" under the limit set below
    keep("bomb", d / "huge.png")
    (d / "readme.txt").write_text("not searched: not an image extension")
    (d / ".hidden.jpg").write_bytes(b"")  # hidden files are not searched either
    return {"dir": d, **files}


BROKEN = ("empty", "truncated", "text", "bomb")
GOOD = ("plain", "cmyk", "grey16", "palette", "alpha", "exif")


def test_folder_search_is_recursive_and_filtered(folder: dict[str, Path]) -> None:
    found, missing = find_images([folder["dir"], folder["dir"] / "nope.jpg"])
    names = {p.name for p in found}
    assert names == {folder[k].name for k in GOOD + BROKEN}
    assert missing == [(str(folder["dir"] / "nope.jpg"), "no such file or folder")]


def test_score_survives_broken_files(
    folder: dict[str, Path], checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pillow refuses images beyond 2 x MAX_IMAGE_PIXELS as decompression bombs; make the 200x200 one such
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    out_csv = tmp_path / "out.csv"
    code = main(["score", str(folder["dir"]), "--checkpoint", str(checkpoint), "--csv", str(out_csv)])
    assert code == 0
    text = capsys.readouterr().out
    assert "scored 6 image(s), 4 unreadable" in text
    listed = text.split("could not be scored:")[1]
    for key in BROKEN:
        assert str(folder[key]) in listed, key
    for key in GOOD:
        assert str(folder[key]) not in listed, key
    reasons = {line.split(": ", 1)[0].strip(): line.split(": ", 1)[1] for line in listed.strip().splitlines()[:4]}
    assert "empty" in reasons[str(folder["empty"])]
    assert "bomb" in reasons[str(folder["bomb"])]
    import pandas as pd

    table = pd.read_csv(out_csv)
    assert table["error"].notna().sum() == 4 and table["mean"].notna().sum() == 6


def test_exif_orientation_is_applied(folder: dict[str, Path], checkpoint: Path) -> None:
    rows, failed, _ = score_images([folder["plain"], folder["exif"]], checkpoint, device="cpu")
    assert not failed
    by_name = {Path(r["path"]).name: r for r in rows}
    # the sideways-stored file, turned upright by its EXIF tag, is the same picture: the same score
    assert by_name["exif_rotated.png"]["mean"] == pytest.approx(by_name["plain.png"]["mean"], abs=1e-5)
    assert by_name["exif_rotated.png"]["dist"] == pytest.approx(by_name["plain.png"]["dist"], abs=1e-5)


def test_exit_code_is_1_when_nothing_can_be_scored(folder: dict[str, Path], checkpoint: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["score", str(folder["empty"]), str(folder["text"]), "--checkpoint", str(checkpoint)])
    assert code == 1
    captured = capsys.readouterr()
    assert "no image could be scored" in captured.err and str(folder["empty"]) in captured.out


def test_existing_csv_is_not_overwritten(folder: dict[str, Path], checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "mine.csv"
    target.write_text("my own results\n")
    assert main(["score", str(folder["plain"]), "--checkpoint", str(checkpoint), "--csv", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_text() == "my own results\n"
    assert main(["score", str(folder["plain"]), "--checkpoint", str(checkpoint), "--csv", str(target), "--force"]) == 0
    assert target.read_text().startswith("rank,path,mean")
