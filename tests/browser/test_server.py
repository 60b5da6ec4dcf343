"""The live server's own guards: foreign Hosts refused, a broken secrets file locking.

DNS rebinding: a page on evil.example whose name the attacker re-points to 127.0.0.1 reaches
the app with `Host: evil.example:PORT` and a matching Origin, which the browser calls
same-origin. Only the Host check (`server.allowedHosts`) tells it apart from the facilitator's
own browser. These checks speak HTTP and the websocket protocol directly: no browser needed.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from alignment import signin
from bench.serving import free_port
from tests.browser.conftest import running_app
from tests.conftest import PROJECT_ROOT

SWITCHING_PROTOCOLS = 101


def upgrade_status(app_url: str, host: str) -> int:
    """The HTTP status of a websocket upgrade to the app's stream with this Host and Origin."""
    port = urlsplit(app_url).port
    host = f"[{host}]" if ":" in host else host  # an IPv6 address, as a browser writes it
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Origin: http://{host}:{port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        reply = connection.recv(4096).decode("latin-1")
    return int(reply.split(" ", 2)[1])


def run_the_app_once(app_url: str, page: str = "") -> list[ForwardMsg]:
    """One script run, as a browser on this machine starts it: what the server sent back."""
    stream = f"ws://127.0.0.1:{urlsplit(app_url).port}/_stcore/stream"
    request = BackMsg()
    request.rerun_script.query_string = ""
    request.rerun_script.page_name = page
    messages = []
    with connect(stream, subprotocols=["streamlit"], open_timeout=10) as websocket:
        websocket.send(request.SerializeToString())
        while not messages or messages[-1].WhichOneof("type") != "script_finished":
            messages.append(ForwardMsg.FromString(websocket.recv(timeout=30)))
    return messages


def page_names(messages: list[ForwardMsg]) -> list[str]:
    """The pages the run registered with st.navigation: all a browser could open."""
    navigation = next(m.navigation for m in messages if m.WhichOneof("type") == "navigation")
    return [page.page_name for page in navigation.app_pages]


def texts(messages: list[ForwardMsg]) -> str:
    """The text of every alert and Markdown element the run drew."""
    found = []
    for message in messages:
        element = message.delta.new_element
        kind = element.WhichOneof("type")
        if kind in {"alert", "markdown"}:
            found.append(getattr(element, kind).body)
    return " ".join(found).replace("\\", "")


def test_a_rebinding_host_is_refused_and_localhost_accepted(tmp_path: Path):
    with running_app(tmp_path) as url:
        assert upgrade_status(url, "evil.example") != SWITCHING_PROTOCOLS
        assert upgrade_status(url, "localhost") == SWITCHING_PROTOCOLS
        assert upgrade_status(url, "127.0.0.1") == SWITCHING_PROTOCOLS
        assert upgrade_status(url, "::1") == SWITCHING_PROTOCOLS


def test_the_saved_join_address_is_allowed_once_the_app_has_run(tmp_path: Path):
    """The join address saved in sessions.json is added at run time; other names stay out."""
    with running_app(tmp_path) as url:
        saved = {"join_base_url": f"http://Room-Laptop.example:{urlsplit(url).port}/"}
        (tmp_path / "app-data" / "sessions.json").write_text(json.dumps({**saved, "sessions": []}))
        assert upgrade_status(url, "room-laptop.example") != SWITCHING_PROTOCOLS
        run_the_app_once(url)
        assert upgrade_status(url, "room-laptop.example") == SWITCHING_PROTOCOLS
        assert upgrade_status(url, "evil.example") != SWITCHING_PROTOCOLS


@contextmanager
def make_run(tmp_path: Path, address: str) -> Iterator[str]:
    """`make run ADDRESS=…` as the README says, on a free port; the venv counts as installed."""
    port = free_port()
    log = tmp_path / "make-run.log"
    data = tmp_path / "make-data"
    data.mkdir()
    env = {**os.environ, "ALIGNMENT_DATA_DIR": str(data)}
    command = ["make", "-o", ".venv/.run-installed", "run", f"ADDRESS={address}", f"PORT={port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"make run did not start: {log.read_text()}") from None
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_make_run_for_a_room_allows_this_machine_from_the_first_connection(tmp_path: Path):
    """Started for a room, the laptop's own name and addresses work before anything has run."""
    with make_run(tmp_path, "0.0.0.0") as url:  # noqa: S104 - a room server listens on all
        assert upgrade_status(url, socket.gethostname()) == SWITCHING_PROTOCOLS
        for address in signin.machine_hosts():
            assert upgrade_status(url, address) == SWITCHING_PROTOCOLS, address
        assert upgrade_status(url, "evil.example") != SWITCHING_PROTOCOLS


def test_a_broken_secrets_file_locks_a_live_server_and_is_logged_once(tmp_path: Path):
    """Streamlit parses the file at start-up itself and logs its own error; the app must lock."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f"{signin.PASSCODE_NAME} = choose-one\n")
    with running_app(tmp_path, STREAMLIT_SECRETS_FILES=str(secrets)) as url:
        home = run_the_app_once(url)
        assert "Workshop" not in page_names(home)
        assert "Facilitator sign-in" in page_names(home)
        sign_in = texts(run_the_app_once(url, page="signin"))
        assert "locked" in sign_in
        assert str(secrets) in sign_in
        assert "choose-one" not in sign_in
        log = (tmp_path / "streamlit.log").read_text()
    ours = [line for line in log.splitlines() if "cannot be used" in line]
    assert len(ours) == 1, log  # two browser sessions, one message
    assert str(secrets) in ours[0]
    assert "choose-one" not in log
