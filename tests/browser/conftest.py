"""Browser tests: the real app on 127.0.0.1, driven by Playwright in Debian's chromium.

Under CI=true a missing chromium fails the run; elsewhere these tests are skipped with a reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.serving import free_port, wait_until_healthy
from tests.conftest import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = PROJECT_ROOT / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make test` installs Debian's chromium package")
        pytest.skip("chromium is not installed (run `make test` to install it)")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium(chromium_path: str) -> Iterator:
    """One browser process for the whole run: starting chromium takes about a second."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser(chromium) -> Iterator:
    """The shared browser; a test's windows close after it, so a failure shows only its own."""
    yield chromium
    for context in list(chromium.contexts):
        context.close()


@contextmanager
def running_app(tmp_path: Path, **environment: str) -> Iterator[str]:
    """A fresh app on its own port and its own (empty) data folder; yields its address."""
    port = free_port()
    data = tmp_path / "app-data"
    data.mkdir()
    env = {**os.environ, "ALIGNMENT_DATA_DIR": str(data), **environment}
    log = (tmp_path / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--server.headless=true",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, (tmp_path / "streamlit.log").read_text, timeout_s=60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[str]:
    """The app as a single user runs it on localhost: no passcode."""
    with running_app(tmp_path) as url:
        yield url


FACILITATOR_PASSCODE = "room-4-passcode"


@pytest.fixture
def room_server(tmp_path: Path) -> Iterator[str]:
    """The app as it runs for a room: Workshop and Trends need the facilitator passcode."""
    with running_app(tmp_path, ALIGNMENT_FACILITATOR_PASSCODE=FACILITATOR_PASSCODE) as url:
        yield url


@pytest.fixture
def screenshot_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """On a failure, a screenshot of every open page goes to test-output/failures/."""
    report = yield
    launched = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and launched is not None:
        folder = OUTPUT / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(launched.contexts):
            for p, page in enumerate(context.pages):
                page.screenshot(path=folder / f"{item.name}-{c}-{p}.png", full_page=True)
    return report
