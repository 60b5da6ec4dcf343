"""Sign-in through the app: a misconfigured passcode locks, wrong tries wait, the host list
and the network warnings. Secrets come from real files that Streamlit itself parses."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from alignment import config, signin, ui
from alignment.signin import PASSCODE_NAME
from alignment.ui import access
from alignment.workshop import create_session, sessions_path
from tests.conftest import PRESENT_URL, PROJECT_ROOT
from tests.test_journey import APP, press

GOOD = "correct horse battery"
FACILITATOR_PAGES = ("views/workshop.py", "views/trends.py", "views/present.py", "views/data.py")


@pytest.fixture(autouse=True)
def fresh_signin_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No passcode from the machine running the tests; a fresh process-wide throttle and log."""
    monkeypatch.delenv(PASSCODE_NAME, raising=False)
    access._gate.clear()
    access._once_log.clear()
    yield
    access._gate.clear()
    access._once_log.clear()


@pytest.fixture(autouse=True)
def secrets_file(tmp_path: Path) -> Iterator[Path]:
    """The only secrets file Streamlit reads in a test; nothing it loaded outlives the test."""
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    previous = streamlit_config.get_option("secrets.files")
    streamlit_config.set_option("secrets.files", [str(path)])
    st.secrets._reset()
    yield path
    st.secrets._reset()  # also drops what loading copied into os.environ
    streamlit_config.set_option("secrets.files", previous)


@pytest.fixture
def streamlit_option() -> Iterator[Callable[[str, object], None]]:
    """Set a Streamlit config option for one test."""
    saved: dict[str, object] = {}

    def set_option(name: str, value: object) -> None:
        saved.setdefault(name, streamlit_config.get_option(name))
        streamlit_config.set_option(name, value)

    yield set_option
    for name, value in saved.items():
        streamlit_config.set_option(name, value)


class Clock:
    """The throttle's clock, moved by hand: delays are checked without waiting for them."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(access, "clock", fake)
    return fake


def app(**context: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.context.update(context)
    return at.run()


def is_locked(at: AppTest) -> bool:
    """Whether none of the facilitator pages is registered (a browser would land on Home)."""
    locked = []
    for page in FACILITATOR_PAGES:
        try:
            at.switch_page(page)
        except ValueError:
            locked.append(page)
    return len(locked) == len(FACILITATOR_PAGES)


def sign_in_page(at: AppTest) -> AppTest:
    at.switch_page("views/signin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.error, *at.markdown, *at.warning, *at.success])


def try_passcode(at: AppTest, attempt: str) -> AppTest:
    at.text_input[0].set_value(attempt)
    return press(at, "Sign in")


# ---------------------------------------------------------------------------------------------
# A misconfigured passcode keeps the facilitator pages locked


UNQUOTED = f"{PASSCODE_NAME} = choose-one\n".encode()


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (UNQUOTED, "not valid TOML"),
        (f'{PASSCODE_NAME} = ""\n'.encode(), "empty"),
        (f'{PASSCODE_NAME} = "   "\n'.encode(), "empty"),
        (f'{PASSCODE_NAME} = "choose"\n'.encode(), "shorter than 8 characters"),
        (f"{PASSCODE_NAME} = 12345678\n".encode(), "not text"),
        (b'\xff\xfe ALIGNMENT_FACILITATOR_PASSCODE = "choose-one"\n', "not UTF-8"),
    ],
    ids=["unquoted", "empty", "whitespace", "too short", "a number", "not UTF-8"],
)
def test_a_bad_secrets_file_locks_and_the_sign_in_page_says_what_to_fix(
    secrets_file: Path, content: bytes, what: str
):
    secrets_file.write_bytes(content)
    at = app()
    assert is_locked(at)
    sign_in_page(at)
    text = page_text(at)
    assert "locked" in text
    assert what in text.replace("\\", "")
    assert secrets_file.name in text.replace("\\", "")
    assert "choose" not in text
    assert not at.text_input, "a form that cannot succeed invites guessing"


def test_an_unreadable_secrets_file_locks_with_no_lock_that_can_be_typed(secrets_file: Path):
    secrets_file.mkdir()  # a folder where the file should be: it cannot be read
    at = sign_in_page(app())
    if at.text_input:  # were there a form, the fixed fallback lock of old must not open it
        try_passcode(at, "\0locked")
    assert is_locked(at)
    assert "cannot be read" in page_text(at)
    assert not at.text_input


@pytest.mark.parametrize("value", ["", "   ", "short"], ids=["empty", "whitespace", "too short"])
def test_a_bad_environment_passcode_locks(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(PASSCODE_NAME, value)
    at = app()
    assert is_locked(at)
    sign_in_page(at)
    text = page_text(at).replace("\\", "")
    assert f"environment variable {PASSCODE_NAME}" in text
    assert not at.text_input


def test_a_blank_environment_value_never_opens_beside_a_good_file(
    monkeypatch: pytest.MonkeyPatch, secrets_file: Path
):
    """Streamlit copies the file's value into the environment: the file's passcode holds."""
    monkeypatch.setenv(PASSCODE_NAME, "  ")
    secrets_file.write_text(f'{PASSCODE_NAME} = "{GOOD}"\n')
    at = app()
    assert is_locked(at)
    try_passcode(sign_in_page(at), GOOD)
    assert not is_locked(at)


def test_a_blank_environment_value_beside_test_secrets_locks(monkeypatch: pytest.MonkeyPatch):
    """Secrets Streamlit does not copy into the environment (`at.secrets`): the blank locks."""
    monkeypatch.setenv(PASSCODE_NAME, "  ")
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets[PASSCODE_NAME] = GOOD
    at.run()
    assert is_locked(at)
    sign_in_page(at)
    assert not at.text_input


def test_no_passcode_anywhere_leaves_the_app_open():
    at = app()
    assert not is_locked(at)


def test_each_configuration_problem_is_logged_once_without_the_passcode(
    secrets_file: Path, caplog: pytest.LogCaptureFixture
):
    secrets_file.write_bytes(UNQUOTED)
    with caplog.at_level(logging.WARNING, logger="alignment.signin"):
        for _ in range(2):  # two browser sessions, several reruns
            sign_in_page(app())
    logged = [r.getMessage() for r in caplog.records if r.name == "alignment.signin"]
    assert len(logged) == 1
    assert str(secrets_file) in logged[0]
    assert "choose-one" not in logged[0]


def test_a_changed_passcode_signs_everyone_out(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    at = try_passcode(sign_in_page(app()), GOOD)
    assert not is_locked(at)
    monkeypatch.setenv(PASSCODE_NAME, GOOD + " but new")
    at.run()
    assert is_locked(at)


# What Streamlit does when any source file of the app changes: every module of the app is
# imported afresh, while what st.cache_resource keeps (the gate) lives on.
RELOAD_CHECK = """
import sys
from streamlit.testing.v1 import AppTest

app, passcode = sys.argv[1:]


def signed_in_session():
    at = AppTest.from_file(app, default_timeout=30).run()
    at.switch_page("views/signin.py").run()
    at.text_input[0].set_value(passcode)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


before = signed_in_session()
for name in [n for n in sys.modules if n == "alignment" or n.startswith("alignment.")]:
    del sys.modules[name]
for at in (before.run(), signed_in_session()):
    at.switch_page("views/workshop.py").run()
    assert not at.exception, [e.value for e in at.exception]
"""


def test_signing_in_survives_a_reload_of_the_apps_modules(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    subprocess.run(
        [sys.executable, "-c", RELOAD_CHECK, APP, GOOD], cwd=PROJECT_ROOT, check=True, timeout=120
    )


# ---------------------------------------------------------------------------------------------
# Wrong tries wait


def test_a_pending_delay_refuses_tries_then_the_right_passcode_works(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    at = sign_in_page(app())
    for n in range(signin.SESSION_POLICY.free_tries):
        try_passcode(at, f"guess {n}")
        assert any("not right" in e.value for e in at.error)
    try_passcode(at, GOOD)
    assert any("Wait 1 second before the next try" in e.value for e in at.error)
    assert is_locked(at)
    clock.now += 1
    try_passcode(sign_in_page(at), GOOD)
    assert not at.error
    assert not is_locked(at)


def test_wrong_tries_from_many_browser_sessions_slow_them_all(
    monkeypatch: pytest.MonkeyPatch, clock: Clock
):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    guesser = sign_in_page(app())
    for n in range(signin.APP_POLICY.free_tries):
        clock.now += signin.SESSION_POLICY.max_delay  # this session's own delay has passed
        try_passcode(guesser, f"guess {n}")
        assert any("not right" in e.value for e in guesser.error)
    other_window = try_passcode(sign_in_page(app()), GOOD)
    assert any("Wait 1 second" in e.value for e in other_window.error)
    assert is_locked(other_window)


# ---------------------------------------------------------------------------------------------
# Network: warnings for visitors from another machine, and the host allow-list


def warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


def test_plain_http_from_another_machine_warns_that_the_passcode_travels_unencrypted(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    text = warnings(app(url="http://192.168.1.20:8501/"))
    assert "unencrypted" in text
    assert "passcode" in text
    assert warnings(app(url="https://room.example/")) == ""
    assert warnings(app(url="http://localhost:8501/")) == ""


def test_no_passcode_from_another_machine_warns_that_anyone_can_open_every_page():
    assert "anyone on this network can open every page" in warnings(
        app(url="http://192.168.1.20:8501/")
    )
    assert warnings(app(url="http://127.0.0.1:8501/")) == ""


def test_listening_beyond_loopback_without_a_passcode_is_logged(
    streamlit_option: Callable[[str, object], None], caplog: pytest.LogCaptureFixture
):
    streamlit_option("server.address", "0.0.0.0")  # noqa: S104 - never bound here
    streamlit_option("server.allowedHosts", list(signin.LOOPBACK_HOSTS))
    with caplog.at_level(logging.WARNING, logger="alignment.signin"):
        app()
        app()
    logged = [r.getMessage() for r in caplog.records if r.name == "alignment.signin"]
    assert sum("without a facilitator passcode" in message for message in logged) == 1


def test_the_shipped_host_list_is_loopback_only():
    shipped = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert tuple(shipped["server"]["allowedHosts"]) == signin.LOOPBACK_HOSTS


def test_allow_join_host_adds_the_host_once_and_never_narrows_an_open_list(
    streamlit_option: Callable[[str, object], None],
):
    streamlit_option("server.allowedHosts", list(signin.LOOPBACK_HOSTS))
    access.allow_join_host("http://Room-Laptop.example:8501/assess?session=ABC")
    access.allow_join_host("http://room-laptop.example:8501/")
    access.allow_join_host("not a url")
    hosts = streamlit_config.get_option("server.allowedHosts")
    assert hosts == [*signin.LOOPBACK_HOSTS, "room-laptop.example"]
    for accept_any in ([], ["*"]):
        streamlit_option("server.allowedHosts", accept_any)
        access.allow_join_host("http://room-laptop.example:8501/")
        assert streamlit_config.get_option("server.allowedHosts") == accept_any


def test_each_run_allows_the_saved_join_address(streamlit_option: Callable[[str, object], None]):
    streamlit_option("server.allowedHosts", list(signin.LOOPBACK_HOSTS))
    sessions = {"join_base_url": "http://10.0.0.7:8501", "sessions": []}
    (config.data_dir() / "sessions.json").write_text(json.dumps(sessions))
    app()
    assert "10.0.0.7" in streamlit_config.get_option("server.allowedHosts")


def test_the_secrets_file_is_ignored_by_git():
    subprocess.run(
        ["git", "check-ignore", "--quiet", ".streamlit/secrets.toml"], cwd=PROJECT_ROOT, check=True
    )


# ---------------------------------------------------------------------------------------------
# The present address: /present?session=CODE names the session shown, and never joins it


def at_present_address(code: str, **environment: str) -> AppTest:
    """A fresh browser that opens /present?session=CODE (AppTest lands on the default page;
    a browser would open the page registered at that address, reached here by switch_page)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    at.context["url"] = PRESENT_URL
    at.query_params["session"] = code
    return at.run()


def slide_position(at: AppTest) -> list[str]:
    """Present's "screen N of 6" line, if the page shows it."""
    return [c.value for c in at.caption if "screen" in c.value]


def new_session_code(title: str = "Room 4") -> str:
    return create_session(sessions_path(config.data_dir()), title, "pulse", 3).code


def test_a_guest_at_the_present_address_signs_in_there_and_then_sees_present(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    code = new_session_code()
    at = at_present_address(code)
    assert is_locked(at), "a guest must not reach Present"
    sign_in_page(at)
    assert not at.get("plotly_chart") and not slide_position(at)
    assert code not in page_text(at), "nothing of the session before signing in"
    assert at.query_params["session"] == code, "the address is kept for after signing in"

    try_passcode(at, GOOD)
    assert not at.exception, [e.value for e in at.exception]
    assert "screen 1 of 6" in at.caption[0].value  # the rerun at that address is Present
    assert any(code in m.value for m in at.markdown)
    assert "app_participant_session" not in at.session_state
    assert at.query_params["session"] == code and at.query_params["slide"] == "1"


def test_a_guest_who_opens_the_present_address_never_becomes_its_participant(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv(PASSCODE_NAME, GOOD)
    at = at_present_address(new_session_code())
    sign_in_page(at)
    try_passcode(at, "not the passcode")  # every run at that address, not only the first
    assert "That passcode is not right" in page_text(at)
    assert "app_participant_session" not in at.session_state
    assert is_locked(at)


def test_a_participant_who_types_the_present_address_stays_a_participant_of_their_session():
    joined, other = new_session_code("Joined"), new_session_code("Someone else's")
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["session"] = joined
    at.run()
    at.context["url"] = PRESENT_URL
    at.query_params["session"] = other
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["app_participant_session"] == joined
    assert at.query_params["session"] == joined  # the address names their own session again
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/present.py")
    assert is_locked(at)


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("ZZZZZZ", "There is no session ZZZZZZ"),
        ("<b>K7</b>", "A session code has 6 letters and digits"),
        ("O0O0O0", "Session codes never contain 0, O"),
        ("", "Choose a session on the Workshop page first"),
    ],
    ids=["unknown", "malformed", "confusable", "none"],
)
def test_present_with_a_wrong_code_says_so_plainly(asked: str, message: str):
    new_session_code()
    at = at_present_address(asked)
    at.switch_page("views/present.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(i.value for i in at.info).replace("\\", "")
    assert message in shown, shown
    assert "<" not in shown
    assert not at.get("plotly_chart") and not slide_position(at)


def test_a_misconfigured_passcode_locks_the_present_address(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(PASSCODE_NAME, "short")
    at = at_present_address(new_session_code())
    assert is_locked(at)
    sign_in_page(at)
    assert "locked" in page_text(at)
    assert not at.text_input and not slide_position(at)
    assert "app_participant_session" not in at.session_state
