"""The Voila demo in a real browser: serve notebooks/demo.ipynb on 127.0.0.1, drive it in headless
Chromium, check that a sample photo gets a score and that a non-image upload shows the error message.

Run with ``make test-demo`` (it installs Debian's chromium + chromedriver and selenium first);
``make test`` leaves it out (marker ``browser``). Every wait is bounded; the server is stopped at
the end whatever happens.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from browser_support import chromium, free_port, wait

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "notebooks" / "demo.ipynb"
MODEL = os.environ.get("AESTHETICS_DEMO_MODEL", "sgfm_lite0")
SERVER_START_S = 60  # Voila answering HTTP
APP_READY_S = 240  # kernel start, imports, model load, first render
SCORE_S = 180  # one photo analysed (score, CAM, crop search) on a busy CPU
ERROR_S = 60


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    pytest.importorskip("voila")
    # Load (or train once) the model before the server starts, so the page only has to read the cache.
    from aesthetics_lib.zoo import course_model

    course_model(MODEL)
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "voila", str(DEMO), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           "--Voila.port_retries=0", "--show_tracebacks=True"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        def up() -> bool:  # the port accepts connections (a GET of the page would start a kernel)
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited with code {proc.returncode}")
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True

        try:
            wait("the Voila server", up, SERVER_START_S, log=log)
        except AssertionError:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            raise
        yield url, log
    finally:
        # stop the server and the kernel it started (its own process group), politely first
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium(tmp_path_factory.mktemp("chromium-profile"), "test-demo", page_load_s=APP_READY_S, script_s=30)


def _text(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    els = driver.find_elements(By.CSS_SELECTOR, css)
    return " ".join(e.text for e in els)


# ipywidgets 8's upload button opens a detached <input type=file> (never in the page), so a test
# cannot type a path into it. Catch that input when the button clicks it and put it in the page.
_CATCH_FILE_INPUT = """
const original = HTMLInputElement.prototype.click;
HTMLInputElement.prototype.click = function () {
  if (this.type === "file" && !this.isConnected) {
    this.id = "aesthetics-upload-input";
    document.body.appendChild(this);
    return;
  }
  return original.call(this);
};
"""


def _choose_file(driver, path: Path, log: Path) -> None:
    """Choose ``path`` in the demo's upload widget as a user would: click the button, pick the file."""
    from selenium.webdriver.common.by import By

    inputs = driver.find_elements(By.CSS_SELECTOR, ".aesthetics-demo-upload input[type=file]")
    if not inputs:  # ipywidgets 8
        driver.execute_script(_CATCH_FILE_INPUT)
        driver.find_element(By.CSS_SELECTOR, ".aesthetics-demo-upload").click()
        inputs = [wait("the upload's file input", lambda: driver.find_element(By.ID, "aesthetics-upload-input"), 30, log=log)]
    inputs[0].send_keys(str(path))


def test_sample_photo_gets_a_score_and_a_bad_upload_an_error(voila_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, log = voila_url
    browser.get(url)
    select = wait("the photo picker", lambda: browser.find_element(By.CSS_SELECTOR, ".aesthetics-demo-picker select"),
                   APP_READY_S, log=log)
    Select(select).select_by_visible_text("chelsea")
    score = wait("a score for the sample photo",
                  lambda: (t := _text(browser, ".aesthetics-demo-score")) and "Score" in t and t, SCORE_S, log=log)
    assert "1–5" in score
    value = float(score.split("Score", 1)[1].split()[0])
    assert 1.0 <= value <= 5.0
    assert _text(browser, ".aesthetics-demo-error").strip() == ""

    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "not-a-photo.jpg"
        bad.write_text("this is a text file pretending to be a JPEG\n")
        _choose_file(browser, bad, log)
        message = wait("the error message for the bad upload",
                        lambda: (t := _text(browser, ".aesthetics-demo-error")) and "Could not read" in t and t,
                        ERROR_S, log=log)
    assert "not-a-photo.jpg" in message
    assert "Traceback" not in browser.page_source
    assert _text(browser, ".aesthetics-demo-score").strip() == ""  # the old score is cleared
