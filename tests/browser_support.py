"""What the headless-browser tests share (tests/test_demo_browser.py, tests/test_site_browser.py):
a free local port, the Chromium tools (skipping with the install command when absent), polling with
a deadline, and a headless Chromium driver."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pytest

#: Chromium flags every browser test uses: headless, no sandbox (root in containers), no background
#: traffic, a fixed window.
BASE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--no-first-run", "--window-size=1400,1100")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(tool: str, make_target: str) -> str:
    """The path of ``tool``; skips the test with the command that installs it when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed: run `bash tools/install_chromium.sh` (or `make {make_target}`)")
    return path


def wait(what: str, fn: Callable[[], Any], timeout: float, interval: float = 0.5, log: Path | None = None) -> Any:
    """Call ``fn`` until it returns something truthy (errors count as "not yet"); fails after ``timeout``
    seconds naming ``what``, the last error and the tail of ``log``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except Exception as exc:  # the page is still loading
            last = exc
        time.sleep(interval)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last!r})\n{tail}")


def chromium(profile: Path, make_target: str, flags: Sequence[str] = (), page_load_s: float = 60,
             script_s: float = 30, capabilities: dict[str, Any] | None = None) -> Iterator[Any]:
    """A headless Chromium (selenium) with :data:`BASE_FLAGS` plus ``flags``, quit when the generator
    closes: use it as ``yield from chromium(...)`` in a fixture."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = need("chromium", make_target), need("chromedriver", make_target)
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in (*BASE_FLAGS, f"--user-data-dir={profile}", *flags):
        opts.add_argument(flag)
    for key, value in (capabilities or {}).items():
        opts.set_capability(key, value)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    driver.set_page_load_timeout(page_load_s)
    driver.set_script_timeout(script_s)
    try:
        yield driver
    finally:
        driver.quit()
