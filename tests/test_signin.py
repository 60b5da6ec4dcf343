"""The sign-in rules on their own: where the passcode comes from, when it locks, how wrong
tries slow down, and which hosts and visitors count as this machine."""

from __future__ import annotations

import itertools
import logging
import socket
import subprocess
import sys
import tomllib

import pytest

from alignment import signin
from alignment.signin import (
    APP_POLICY,
    PASSCODE_NAME,
    SESSION_POLICY,
    Backoff,
    BackoffPolicy,
    PasscodeSetting,
    SecretsRead,
    SignInGate,
    Verdict,
)
from tests.conftest import PROJECT_ROOT

GOOD = "correct horse battery"
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - an address to reason about, not to bind
SECRETS_FILE = "/srv/app/.streamlit/secrets.toml"
NO_SECRETS = SecretsRead(SECRETS_FILE)


def in_file(value: object) -> SecretsRead:
    return SecretsRead(SECRETS_FILE, {PASSCODE_NAME: value})


# ---------------------------------------------------------------------------------------------
# Where the passcode comes from, and when it locks


def test_nothing_set_anywhere_leaves_the_app_open():
    setting = signin.read_passcode({}, NO_SECRETS)
    assert setting.is_open
    assert not setting.problems


@pytest.mark.parametrize(
    ("environ", "secrets"),
    [({PASSCODE_NAME: f"  {GOOD} "}, NO_SECRETS), ({}, in_file(GOOD))],
    ids=["environment", "secrets file"],
)
def test_a_good_passcode_is_used_trimmed(environ: dict[str, str], secrets: SecretsRead):
    setting = signin.read_passcode(environ, secrets)
    assert setting == PasscodeSetting(GOOD)


@pytest.mark.parametrize(
    ("environ", "secrets", "where", "what"),
    [
        ({PASSCODE_NAME: ""}, NO_SECRETS, f"environment variable {PASSCODE_NAME}", "empty"),
        ({PASSCODE_NAME: " \t "}, NO_SECRETS, f"environment variable {PASSCODE_NAME}", "empty"),
        ({}, in_file(""), SECRETS_FILE, "empty"),
        ({}, in_file("   "), SECRETS_FILE, "empty"),
        ({PASSCODE_NAME: "Tiny-7!"}, NO_SECRETS, PASSCODE_NAME, "shorter than 8 characters"),
        ({}, in_file("Tiny-7!"), SECRETS_FILE, "shorter than 8 characters"),
        ({}, in_file(12345678), SECRETS_FILE, "not text: write it in quotes"),
        ({}, in_file({"nested": GOOD}), SECRETS_FILE, "not text"),
        # A blank environment value beside a good file is a mistake to point out, not a way in.
        ({PASSCODE_NAME: "  "}, in_file(GOOD), "environment variable", "empty"),
        (
            {PASSCODE_NAME: GOOD},
            SecretsRead(SECRETS_FILE, problem="it is not valid TOML (Invalid value (at line 1))"),
            SECRETS_FILE,
            "not valid TOML",
        ),
    ],
)
def test_a_set_but_unusable_passcode_locks_and_says_where(
    environ: dict[str, str], secrets: SecretsRead, where: str, what: str
):
    setting = signin.read_passcode(environ, secrets)
    assert not setting.is_open
    assert setting.passcode == signin.UNKNOWABLE_LOCK
    message = " ".join(setting.problems)
    assert where in message
    assert what in message
    assert "restart the app" in message
    for value in [*environ.values(), *map(str, secrets.values.values())]:
        if value.strip():
            assert value.strip() not in message  # never echoes a passcode


def test_the_environment_copy_streamlit_makes_of_the_file_is_not_a_second_source():
    """Streamlit copies secrets into os.environ when it loads them: one passcode, one message."""
    assert signin.read_passcode({PASSCODE_NAME: GOOD}, in_file(GOOD)) == PasscodeSetting(GOOD)
    copied_blank = signin.read_passcode({PASSCODE_NAME: ""}, in_file(""))
    assert len(copied_blank.problems) == 1


def test_the_lock_is_random_per_process_never_a_constant():
    locks = {
        subprocess.run(
            [sys.executable, "-c", "from alignment import signin; print(signin.UNKNOWABLE_LOCK)"],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_ROOT,
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(locks) == 2
    assert all(len(lock) >= 64 for lock in locks)
    assert "\0locked" not in locks


def test_a_mark_holds_only_for_its_own_passcode_and_gate():
    gate = SignInGate()
    assert gate.mark(PasscodeSetting(GOOD)) == gate.mark(PasscodeSetting(GOOD))
    assert gate.mark(PasscodeSetting(GOOD)) != gate.mark(PasscodeSetting(GOOD + "!"))
    assert gate.mark(PasscodeSetting(GOOD)) != SignInGate().mark(PasscodeSetting(GOOD))
    assert GOOD not in gate.mark(PasscodeSetting(GOOD))


def test_passcode_matching_is_exact_apart_from_surrounding_space():
    assert signin.passcode_matches(f" {GOOD}\n", GOOD)
    assert not signin.passcode_matches(GOOD.upper(), GOOD)
    assert not signin.passcode_matches(GOOD[:-1], GOOD)
    assert not signin.passcode_matches("", GOOD)


def test_the_example_line_is_valid_toml_with_a_usable_passcode():
    value = tomllib.loads(signin.EXAMPLE_LINE)[PASSCODE_NAME]
    assert signin.passcode_problem(value) == ""


# ---------------------------------------------------------------------------------------------
# Wrong tries


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_delay_grows_after_the_third_wrong_try_up_to_a_cap():
    delays = [SESSION_POLICY.delay(failures) for failures in range(1, 21)]
    assert delays[:2] == [0.0, 0.0]
    assert delays[2:5] == [0.25, 0.5, 1.0]
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    assert max(delays) == SESSION_POLICY.max_delay == 30.0


def guess_as_fast_as_allowed(gate: SignInGate, clock: Clock, tries: int) -> list[float]:
    """A guesser who retries the moment the gate allows: the waits the gate imposed."""
    setting = PasscodeSetting(GOOD)
    session = Backoff()
    waits = []
    for n in range(tries):
        waited = 0.0
        while True:
            result = gate.attempt(f"guess {n}", setting, session, clock())
            if result.verdict != Verdict.WAIT:
                break
            assert result.session == session  # a refused try is not counted, nor checked
            waited += result.wait_seconds
            clock.now += result.wait_seconds
        assert result.verdict == Verdict.WRONG
        session = result.session
        waits.append(waited)
    return waits


def test_twenty_wrong_tries_take_far_longer_than_the_first():
    clock = Clock()
    gate = SignInGate()
    start = clock.now
    waits = guess_as_fast_as_allowed(gate, clock, 20)
    assert waits[0] == 0.0
    assert waits[19] > waits[0]
    assert waits[19] == SESSION_POLICY.max_delay
    # At ~47 tries a second, 20 tries took under half a second; now they take minutes.
    assert clock.now - start > 5 * 60


def test_a_pending_delay_refuses_even_the_right_passcode_until_it_has_passed():
    clock = Clock()
    gate = SignInGate()
    guess_as_fast_as_allowed(gate, clock, 5)  # the fifth wrong try asks for 1 s
    setting = PasscodeSetting(GOOD)
    session = Backoff(5, clock.now)
    refused = gate.attempt(GOOD, setting, session, clock())
    assert refused.verdict == Verdict.WAIT
    assert refused.whole_seconds_to_wait == 1
    clock.now += refused.wait_seconds
    result = gate.attempt(GOOD, setting, session, clock())
    assert result.verdict == Verdict.SIGNED_IN
    assert result.session == Backoff()  # this session starts afresh


def test_fresh_browser_sessions_do_not_get_around_the_app_wide_count():
    """Every try from a new private window: the session count never grows, the app's does."""
    clock = Clock()
    gate = SignInGate()
    setting = PasscodeSetting(GOOD)
    for n in range(APP_POLICY.free_tries):
        assert gate.attempt(f"guess {n}", setting, Backoff(), clock()).verdict == Verdict.WRONG
    next_window = gate.attempt(GOOD, setting, Backoff(), clock())
    assert next_window.verdict == Verdict.WAIT
    assert next_window.wait_seconds == APP_POLICY.first_delay
    clock.now += next_window.wait_seconds
    assert gate.attempt(GOOD, setting, Backoff(), clock()).verdict == Verdict.SIGNED_IN


def test_wrong_tries_are_forgotten_after_a_quiet_while():
    policy = BackoffPolicy(free_tries=3)
    backoff = Backoff()
    for _ in range(8):
        backoff = backoff.after_failure(0.0, policy)
    assert backoff.wait_left(1.0, policy) > 0
    later = policy.forget_after + 1
    assert backoff.wait_left(later, policy) == 0
    assert backoff.after_failure(later, policy).failures == 1


def test_a_misconfigured_passcode_refuses_every_try_even_the_lock_itself():
    gate = SignInGate()
    locked = signin.read_passcode({PASSCODE_NAME: " "}, NO_SECRETS)
    for attempt in ("", " ", "\0locked", signin.UNKNOWABLE_LOCK):
        assert gate.attempt(attempt, locked, Backoff(), 0.0).verdict == Verdict.LOCKED


def test_each_problem_is_logged_once(caplog: pytest.LogCaptureFixture):
    once = signin.OnceLog()
    with caplog.at_level(logging.WARNING, logger="alignment.signin"):
        for _ in range(3):
            once.say(logging.ERROR, "first problem")
        once.say(logging.WARNING, "second problem")
    assert [r.getMessage() for r in caplog.records] == ["first problem", "second problem"]


# ---------------------------------------------------------------------------------------------
# Hosts and visitors


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        (EVERY_INTERFACE, False),
        ("192.168.1.20", False),
        ("evil.example", False),
        ("localhost.evil.example", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool):
    assert signin.is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("address", "beyond"),
    [
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
        (EVERY_INTERFACE, True),
        ("::", True),
        ("", True),
        ("192.168.1.20", True),
    ],
)
def test_listening_beyond_loopback(address: str, beyond: bool):
    assert signin.listens_beyond_loopback(address) is beyond


def test_a_local_server_answers_only_to_loopback_names():
    assert signin.allowed_hosts("127.0.0.1") == list(signin.LOOPBACK_HOSTS)


def test_a_room_server_answers_to_this_machine_and_its_join_address():
    hosts = signin.allowed_hosts(EVERY_INTERFACE, "http://Room-Laptop.example:8501/assess")
    assert hosts[:3] == list(signin.LOOPBACK_HOSTS)
    assert socket.gethostname().lower() in hosts
    assert "room-laptop.example" in hosts
    assert len(hosts) == len(set(hosts))
    assert "192.168.1.20" in signin.allowed_hosts("192.168.1.20")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://Room.Example:8501/x", "room.example"),
        ("https://[fd00::2]:8501", "fd00::2"),
        ("", None),
        ("not a url", None),
        ("http://[broken", None),
    ],
)
def test_host_of(url: str, host: str | None):
    assert signin.host_of(url) == host


def test_the_network_warnings():
    common = {"remote": True, "plain_http": True}
    assert signin.network_warning(remote=False, plain_http=True, protected=False) == ""
    open_app = signin.network_warning(**common, protected=False)
    assert "anyone on this network can open every page" in open_app
    plain = signin.network_warning(**common, protected=True)
    assert "passcode" in plain
    assert "unencrypted" in plain
    assert signin.network_warning(remote=True, plain_http=False, protected=True) == ""


def test_the_exposure_warnings_for_the_log():
    assert signin.exposure_warnings("127.0.0.1", protected=False, tls=False) == []
    exposed = " ".join(signin.exposure_warnings(EVERY_INTERFACE, protected=False, tls=False))
    assert "without a facilitator passcode" in exposed
    assert "plain HTTP" in exposed
    assert signin.exposure_warnings(EVERY_INTERFACE, protected=True, tls=True) == []


def test_the_rules_import_without_streamlit():
    probe = "import sys, alignment.signin; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=PROJECT_ROOT)


# ---------------------------------------------------------------------------------------------
# The join address phones use


def test_phones_are_offered_only_addresses_they_can_open_ipv4_first():
    hosts = [
        "laptop",
        "laptop.local",
        "127.0.0.1",
        "::1",
        "fe80::1c2b:3aff:fe4d:5e6f",
        "169.254.10.20",
        EVERY_INTERFACE,
        "2001:db8::7",
        "192.168.1.20",
        "10.0.0.5",
        "192.168.1.20",
    ]
    assert signin.phone_addresses(hosts) == ["10.0.0.5", "192.168.1.20", "2001:db8::7"]


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://localhost:8501", ["http://192.168.1.20:8501", "http://[2001:db8::7]:8501"]),
        ("https://127.0.0.1", ["https://192.168.1.20", "https://[2001:db8::7]"]),
        ("http://[::1]:9000/workshop", ["http://192.168.1.20:9000", "http://[2001:db8::7]:9000"]),
    ],
)
def test_join_candidates_keep_the_scheme_and_port_the_app_was_reached_with(
    base: str, expected: list[str]
):
    assert signin.join_base_candidates(base, ["192.168.1.20", "2001:db8::7"]) == expected


@pytest.mark.parametrize("base", ["http://localhost:8501", "http://127.0.0.1:8501", "http://[::1]"])
def test_a_loopback_join_address_is_a_warning_that_says_what_to_do(base: str):
    warning = signin.loopback_join_warning(base, EVERY_INTERFACE)
    assert signin.host_of(base) in warning
    assert "no participant can join" in warning
    assert "Choose this computer's address" in warning
    assert "make run ADDRESS=0.0.0.0" not in warning  # it already listens on the network
    on_loopback_only = signin.loopback_join_warning(base, "127.0.0.1")
    assert on_loopback_only.startswith(warning)
    assert "make run ADDRESS=0.0.0.0" in on_loopback_only


@pytest.mark.parametrize("base", ["http://192.168.1.20:8501", "https://workshop.example.org", ""])
def test_a_join_address_phones_can_reach_or_none_is_no_warning(base: str):
    assert signin.loopback_join_warning(base, "0.0.0.0") == ""  # noqa: S104
