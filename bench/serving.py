"""A Streamlit server started for a measurement or a test: a free port, the wait until the
server answers its health check, and a real `streamlit run` server of a script in a child
process for as long as a measurement needs it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from alignment.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"
START_TIMEOUT_S = 120.0


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    url: str, process: subprocess.Popen, log_tail: Callable[[], str], timeout_s: float
) -> None:
    """Return once the server at `url` answers `/_stcore/health`; raise with the end of its
    log when it exits first or does not answer within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:  # noqa: S310
                if reply.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start:\n{log_tail()}") from None
            time.sleep(0.2)


def streamlit_arguments(script: Path, port: int, options: Sequence[str] = ()) -> list[str]:
    """The `streamlit run` arguments of a measured server; `options` are more Streamlit
    settings ("runner.postScriptGC=false"), for experiments."""
    return [
        "run",
        str(script),
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--server.headless=true",
        # No reloading when a source file changes: a deployed app's files do not change, and
        # here other work in the same tree would unload modules mid-run (Streamlit drops a
        # changed module from sys.modules while other sessions' threads are importing it).
        "--server.fileWatcherType=none",
        *(f"--{option}" for option in options),
    ]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-characters:]
        except OSError:
            return ""


@contextlib.contextmanager
def running_server(
    data: Path,
    script: Path = APP,
    *,
    options: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
    launcher: Sequence[str] = ("-m", "streamlit"),
) -> Iterator[Server]:
    """`script` served on a free port of 127.0.0.1 over the data folder `data`, until the block
    ends; its log is kept beside `data`.

    The app is open (no facilitator passcode), as on localhost: no sign-in. `cwd` is where
    .streamlit/config.toml is read; `launcher` runs the server instead of `python -m
    streamlit`, given the `streamlit run` arguments (the burst adds a profiler that way).
    """
    port = free_port()
    env = {**os.environ, "ALIGNMENT_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    env.pop("ALIGNMENT_FACILITATOR_PASSCODE", None)
    env.update(environment or {})
    log = data.parent / f"{script.stem}-server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, *launcher, *streamlit_arguments(script, port, options)],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_healthy(server.url, process, server.log_tail, timeout_s=START_TIMEOUT_S)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
