"""Who may reach the facilitator pages: the passcode's rules, the wrong-try throttle and the
host names the server answers to. No Streamlit here, so every rule is tested on its own.

Every rule fails closed. A passcode that is set but unusable, or a secrets file that cannot be
read, locks the facilitator pages with a lock nobody can type and says what to fix and where,
never what the passcode is. Only a passcode set nowhere at all leaves the app open, for one
person on localhost.

`python -m alignment.signin ADDRESS` prints the host names a server listening on ADDRESS
answers to; `make run` hands them to Streamlit as `server.allowedHosts` at start-up, before any
phone connects.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import logging
import math
import socket
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from secrets import token_bytes
from urllib.parse import urlsplit

PASSCODE_NAME = "ALIGNMENT_FACILITATOR_PASSCODE"
MIN_PASSCODE_LENGTH = 8
EXAMPLE_LINE = f'{PASSCODE_NAME} = "at-least-{MIN_PASSCODE_LENGTH}-characters"'
# A misconfigured app compares against this: random, so it cannot be typed in.
UNKNOWABLE_LOCK = token_bytes(32).hex()

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_ALL_INTERFACES = {"", "0.0.0.0", "::"}  # noqa: S104 - names for "every interface", compared
# Addresses reserved for documentation: connecting a UDP socket to them sends nothing but
# tells which local address the default route would use.
_ROUTE_PROBES = ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1"))

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# The passcode


@dataclass(frozen=True)
class SecretsRead:
    """What the secrets files gave: their values, or why they cannot be used (`problem`)."""

    where: str
    values: Mapping[str, object] = field(default_factory=dict)
    problem: str = ""


@dataclass(frozen=True)
class PasscodeSetting:
    """The passcode in force, or the problems that keep the facilitator pages locked."""

    passcode: str = ""
    problems: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        """No passcode set anywhere: one person on localhost, every page open."""
        return not self.passcode


def read_passcode(environ: Mapping[str, str], secrets: SecretsRead) -> PasscodeSetting:
    """The passcode from the environment or the secrets files; any unusable source locks.

    Streamlit copies string secrets into the environment when it loads them, so the file's
    value wins, and an environment value equal to it is that copy, not a second source.
    """
    problems: list[str] = []
    if secrets.problem:
        problems.append(
            f"The secrets file {secrets.where} cannot be used: {secrets.problem}. Correct it (a "
            f"passcode line reads {EXAMPLE_LINE}, with the quotes) or remove it, then restart "
            "the app."
        )
    sources: list[tuple[str, object]] = []
    from_file = secrets.values.get(PASSCODE_NAME)
    if PASSCODE_NAME in secrets.values:
        sources.append((f"{PASSCODE_NAME} in {secrets.where}", from_file))
    from_environment = environ.get(PASSCODE_NAME)
    if from_environment is not None and not _copied_from_secrets(from_environment, from_file):
        sources.append((f"The environment variable {PASSCODE_NAME}", from_environment))
    for where, value in sources:
        problem = passcode_problem(value)
        if problem:
            problems.append(f"{where} {problem} Then restart the app.")
    if problems:
        return PasscodeSetting(UNKNOWABLE_LOCK, tuple(problems))
    return PasscodeSetting(str(sources[0][1]).strip() if sources else "")


def _copied_from_secrets(from_environment: str, from_file: object) -> bool:
    return type(from_file) in {str, int, float} and from_environment == str(from_file)


def passcode_problem(value: object) -> str:
    """Why a configured passcode cannot be used ("" when it can); never quotes the value."""
    if not isinstance(value, str):
        return f"is not text: write it in quotes, as in {EXAMPLE_LINE}."
    if not value.strip():
        return (
            f"is set but empty. Give it a passcode of at least {MIN_PASSCODE_LENGTH} characters, "
            "or remove it to run without one (only for one person on localhost)."
        )
    if len(value.strip()) < MIN_PASSCODE_LENGTH:
        return (
            f"is shorter than {MIN_PASSCODE_LENGTH} characters, which is too easy to guess. "
            "Choose a longer passcode."
        )
    return ""


def passcode_matches(attempt: str, passcode: str) -> bool:
    """Constant time, on equal-length digests, so timing tells neither content nor length."""
    return hmac.compare_digest(_digest(attempt), _digest(passcode))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.strip().encode()).digest()


# ---------------------------------------------------------------------------------------------
# Wrong tries


@dataclass(frozen=True)
class BackoffPolicy:
    """How long wrong tries wait: `free_tries` at once, then doubling up to `max_delay`."""

    free_tries: int
    first_delay: float = 0.25
    max_delay: float = 30.0
    forget_after: float = 15 * 60.0

    def delay(self, failures: int) -> float:
        """Seconds before the next try after `failures` wrong tries in a row."""
        if failures < self.free_tries:
            return 0.0
        return min(self.first_delay * 2.0 ** (failures - self.free_tries), self.max_delay)


# One browser session: a typo or two is free. The whole app: many tabs or private windows must
# not multiply the guessing rate, but a room of facilitators mistyping is not an attack.
SESSION_POLICY = BackoffPolicy(free_tries=3)
APP_POLICY = BackoffPolicy(free_tries=10)


@dataclass(frozen=True)
class Backoff:
    """Wrong tries in a row and when the last one was (on a monotonic clock)."""

    failures: int = 0
    last_failure: float = -math.inf

    def _failures_at(self, now: float, policy: BackoffPolicy) -> int:
        return 0 if now - self.last_failure > policy.forget_after else self.failures

    def wait_left(self, now: float, policy: BackoffPolicy) -> float:
        """Seconds until the next try may be checked."""
        pending = self.last_failure + policy.delay(self._failures_at(now, policy)) - now
        return max(pending, 0.0)

    def after_failure(self, now: float, policy: BackoffPolicy) -> Backoff:
        return Backoff(self._failures_at(now, policy) + 1, now)


class Verdict(StrEnum):
    """Compared with ==, not `is`: a gate kept across reruns (st.cache_resource) outlives a
    reload of this module when a source file changes, and its members with it."""

    SIGNED_IN = "signed in"
    WRONG = "wrong"
    WAIT = "wait"  # refused unchecked: a delay from earlier wrong tries is still pending
    LOCKED = "locked"  # the passcode is misconfigured: no try can succeed


@dataclass(frozen=True)
class SignInResult:
    verdict: Verdict
    session: Backoff  # the browser session's wrong tries after this one, to keep
    wait_seconds: float = 0.0

    @property
    def whole_seconds_to_wait(self) -> int:
        return math.ceil(self.wait_seconds)


class SignInGate:
    """Decides sign-in tries for the whole process; one lock makes the app-wide count exact
    even when many browser sessions try at once."""

    def __init__(
        self, session_policy: BackoffPolicy = SESSION_POLICY, app_policy: BackoffPolicy = APP_POLICY
    ) -> None:
        self._session_policy = session_policy
        self._app_policy = app_policy
        self._app = Backoff()
        self._lock = threading.Lock()
        self._mark_key = token_bytes(32)

    def mark(self, setting: PasscodeSetting) -> str:
        """What a signed-in browser session keeps: it matches only while the same passcode is
        in force (a changed one signs everyone out), and tells nothing about the passcode."""
        return hmac.new(self._mark_key, setting.passcode.encode(), hashlib.sha256).hexdigest()

    def attempt(
        self, attempt: str, setting: PasscodeSetting, session: Backoff, now: float
    ) -> SignInResult:
        if setting.problems:
            return SignInResult(Verdict.LOCKED, session)
        with self._lock:
            wait = max(
                session.wait_left(now, self._session_policy),
                self._app.wait_left(now, self._app_policy),
            )
            if wait > 0:
                return SignInResult(Verdict.WAIT, session, wait)
            if passcode_matches(attempt, setting.passcode):
                # The app-wide count stays: a success proves this person, not the others.
                return SignInResult(Verdict.SIGNED_IN, Backoff())
            self._app = self._app.after_failure(now, self._app_policy)
            return SignInResult(Verdict.WRONG, session.after_failure(now, self._session_policy))


class OnceLog:
    """Logs each distinct message once per process: every rerun re-checks the configuration,
    and the log should say a problem once, not at every click."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self._logger = logger
        self._said: set[str] = set()
        self._lock = threading.Lock()

    def say(self, level: int, message: str) -> None:
        with self._lock:
            if message in self._said:
                return
            self._said.add(message)
        self._logger.log(level, message)


# ---------------------------------------------------------------------------------------------
# Network


def host_of(url: str) -> str | None:
    """The host name of a URL, lower case; None when there is none or the URL is malformed."""
    try:
        return urlsplit(url.strip()).hostname or None
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Whether a host name or address can only mean this machine."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def listens_beyond_loopback(address: str) -> bool:
    """Whether a server bound to `address` (Streamlit's `server.address`) is reachable from
    other machines; an empty address means every interface."""
    return address.strip() in _ALL_INTERFACES or not is_loopback(address)


def machine_hosts() -> set[str]:
    """Names and addresses other machines may use for this one: its host name (also as .local),
    what that resolves to, and the addresses of its default routes. Best effort: an address
    found nowhere here is added when the facilitator saves it as the join address."""
    name = socket.gethostname()
    hosts = {name, f"{name}.local"}
    with contextlib.suppress(OSError):
        hosts.update(str(found[4][0]) for found in socket.getaddrinfo(name, None))
    for family, probe in _ROUTE_PROBES:
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.connect((probe, 9))
            hosts.add(str(udp.getsockname()[0]))
    return {host.lower() for host in hosts if host and "%" not in host}


def allowed_hosts(address: str, join_url: str = "") -> list[str]:
    """The Host names a server on `address` accepts: loopback always; this machine's names and
    the listening address when it listens beyond loopback; the join address's host."""
    hosts = list(LOOPBACK_HOSTS)
    if listens_beyond_loopback(address):
        hosts += sorted(machine_hosts())
        if address.strip() not in _ALL_INTERFACES:
            hosts.append(address.strip().strip("[]").lower())
    join_host = host_of(join_url)
    if join_host:
        hosts.append(join_host)
    return list(dict.fromkeys(hosts))


def phone_addresses(hosts: Iterable[str]) -> list[str]:
    """The addresses among `hosts` that a phone on the same network can open: IP addresses only
    (a phone may not resolve this machine's name), never loopback, link-local or unspecified;
    IPv4 first, as most room networks hand those out."""
    found = []
    for host in hosts:
        try:
            address = ipaddress.ip_address(host.strip().strip("[]"))
        except ValueError:
            continue
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            found.append(address)
    return [str(a) for a in sorted(set(found), key=lambda a: (a.version, a))]


def join_base_candidates(base_url: str, addresses: Iterable[str]) -> list[str]:
    """A join base address on each of `addresses`, with the scheme and port of `base_url`."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme or "http"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return [f"{scheme}://{f'[{a}]' if ':' in a else a}{port}" for a in addresses]


def loopback_join_warning(base_url: str, server_address: str) -> str:
    """What is wrong when the join link points at this machine's own name for itself ("" when
    it does not), and what to do about it."""
    host = host_of(base_url)
    if host is None or not is_loopback(host):
        return ""
    warning = (
        f"The join link and QR code point at {host}, which on a phone means the phone itself: "
        "no participant can join with them. Choose this computer's address on the room's "
        "network below (phones must be on the same Wi-Fi), or type it under “Join address for "
        "a room network”."
    )
    if not listens_beyond_loopback(server_address):
        warning += (
            " The app now listens on this computer only: stop it and start it again with "
            "“make run ADDRESS=0.0.0.0” first."
        )
    return warning


PLAIN_HTTP_WARNING = (
    "This app is reached over plain HTTP from another machine: the facilitator passcode and "
    "every answer travel unencrypted on this network, where others can read them. Serve it "
    "over HTTPS (README, “Privacy and security”)."
)
OPEN_TO_NETWORK_WARNING = (
    "No facilitator passcode is set and this app is reached from another machine: anyone on "
    "this network can open every page, everyone's answers included. Stop the app and start it "
    f"again with {PASSCODE_NAME} set."
)


def network_warning(*, remote: bool, plain_http: bool, protected: bool) -> str:
    """The banner for a visitor from another machine ("" for none)."""
    if not remote:
        return ""
    if not protected:
        return OPEN_TO_NETWORK_WARNING
    return PLAIN_HTTP_WARNING if plain_http else ""


def exposure_warnings(address: str, protected: bool, tls: bool) -> list[str]:
    """What the log says once when the server listens beyond loopback without protection."""
    if not listens_beyond_loopback(address):
        return []
    warnings = []
    if not protected:
        warnings.append(
            f"The app listens on {address or 'every interface'} beyond this machine without a "
            f"facilitator passcode: anyone who can reach it can open every page. Set "
            f"{PASSCODE_NAME} (at least {MIN_PASSCODE_LENGTH} characters) and restart."
        )
    if not tls:
        warnings.append(
            "The app is served over plain HTTP beyond this machine: the passcode and every "
            "answer travel unencrypted. Set server.sslCertFile and server.sslKeyFile, or serve "
            "it behind an HTTPS reverse proxy."
        )
    return warnings


def _print_allowed_hosts(argv: list[str]) -> int:
    """For `make run`: the start-up host list, with the join address saved in sessions.json."""
    from alignment import config
    from alignment.store import StoreError
    from alignment.workshop import load_workshops, sessions_path

    if len(argv) != 1:
        print("usage: python -m alignment.signin SERVER_ADDRESS", file=sys.stderr)
        return 2
    try:
        join_url = load_workshops(sessions_path(config.data_dir())).join_base_url
    except StoreError:
        join_url = ""  # the app itself says what is wrong with the file
    print(" ".join(allowed_hosts(argv[0], join_url)))
    return 0


if __name__ == "__main__":
    sys.exit(_print_allowed_hosts(sys.argv[1:]))
