"""Who is using the app in this browser session, and what they may open.

- participant: came through a join link (or typed a session code); sees Assess and their own
  result only, for the whole browser session.
- facilitator: the app has no passcode (a single user on localhost), or it was entered.
- guest: a passcode is set and was not entered; may take the assessment and see their own
  results, nothing of anyone else.
Pages a role may not open are not registered with st.navigation at all, so typing their URL
lands on the default page.

The present address (`/present?session=CODE`) is the one place where ?session= does not join: it
names the session a facilitator shows on the shared screen, so opening it never makes anyone a
participant, and a guest who opens it is asked to sign in there.

The rules for the passcode, wrong tries and host names are in `alignment.signin`; this module
reads the configuration through Streamlit and keeps their state: wrong tries per browser
session in session_state, and per process (with the sign-in gate) in st.cache_resource.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit import config as streamlit_config
from streamlit.errors import StreamlitSecretNotFoundError

from alignment import config, signin
from alignment.store import StoreError, file_identity
from alignment.ui import device
from alignment.workshop import (
    Session,
    admission,
    code_problem,
    load_workshops,
    normalise_code,
    sessions_path,
)

PARTICIPANT, GUEST, FACILITATOR = "participant", "guest", "facilitator"
PRESENT_PATH = "present"  # the Present page's url_path
_UNLOCKED_KEY = "app_facilitator_unlocked"
_BACKOFF_KEY = "app_signin_backoff"
_SESSION_KEY = "app_participant_session"
_MY_RESPONSES_KEY = "app_my_responses"
_RECALLED_KEY = "app_my_response_recalled"
_ALLOWED_HOSTS = "server.allowedHosts"
_hosts_lock = threading.Lock()
# The throttle's clock; tests replace it to follow delays without waiting for them.
clock: Callable[[], float] = time.monotonic


# ---------------------------------------------------------------------------------------------
# The passcode and signing in


def passcode_setting() -> signin.PasscodeSetting:
    """The passcode in force, read on every call so a changed file counts at once; each
    problem is logged once per process."""
    secrets = _read_secrets()  # first: loading secrets copies them into the environment
    setting = signin.read_passcode(os.environ, secrets)
    for problem in setting.problems:
        _once_log().say(logging.ERROR, problem)
    return setting


def facilitator_passcode() -> str:
    """The passcode; "" when the app is open, an unknowable lock when it is misconfigured."""
    return passcode_setting().passcode


def _read_secrets() -> signin.SecretsRead:
    """Through Streamlit, so every source it reads counts (`at.secrets` in tests, secret
    folders), with its failures told apart: no file is fine, a file it cannot use is not."""
    files = [path for path in streamlit_config.get_option("secrets.files") if os.path.exists(path)]
    where = ", ".join(files) or "Streamlit's secrets"
    try:
        return signin.SecretsRead(where, st.secrets.to_dict())
    except StreamlitSecretNotFoundError as exc:  # a FileNotFoundError, also when a file is bad
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return signin.SecretsRead(where)
        cause = exc.__cause__
        if isinstance(cause, tomllib.TOMLDecodeError):
            return signin.SecretsRead(where, problem=f"it is not valid TOML ({cause})")
        return signin.SecretsRead(where, problem=str(exc))
    except UnicodeDecodeError:
        return signin.SecretsRead(where, problem="it is not UTF-8 text")
    except OSError as exc:  # a folder where a file should be, no permission to read, ...
        return signin.SecretsRead(where, problem=f"it cannot be read ({exc.strerror or exc})")


@st.cache_resource(show_spinner=False)
def _gate() -> signin.SignInGate:
    """One for the process, so wrong tries from every browser session count together."""
    return signin.SignInGate()


@st.cache_resource(show_spinner=False)
def _once_log() -> signin.OnceLog:
    return signin.OnceLog()


def unlock(attempt: str) -> signin.SignInResult:
    """Check a passcode try against the throttle and the passcode; signs this session in."""
    setting = passcode_setting()
    earlier = st.session_state.get(_BACKOFF_KEY, signin.Backoff())
    result = _gate().attempt(attempt, setting, earlier, clock())
    st.session_state[_BACKOFF_KEY] = result.session
    if result.verdict == signin.Verdict.SIGNED_IN:
        st.session_state[_UNLOCKED_KEY] = _gate().mark(setting)
    return result


def sign_out() -> None:
    st.session_state.pop(_UNLOCKED_KEY, None)


def join(code: str) -> None:
    """Make this browser session a participant of `code` (checked by the Assess page)."""
    st.session_state[_SESSION_KEY] = normalise_code(code)


def joined_code() -> str | None:
    """The session code this browser joined: the URL's ?session= wins and is remembered,
    except on the present address, where it names the session shown."""
    from_url = st.query_params.get("session")
    if from_url and not on_present_address():
        join(from_url)
    return st.session_state.get(_SESSION_KEY)


def on_present_address() -> bool:
    """Whether the browser is at /present: read from the address itself, before st.navigation
    has picked a page, because the role (and so the pages registered) depends on it."""
    path = urlsplit(st.context.url or "").path.rstrip("/")
    return path.rsplit("/", 1)[-1] == PRESENT_PATH


def present_address(code: str) -> str:
    """Present's address for `code`, relative to the page that links to it: it keeps the host
    and any base path the app is served under."""
    return f"{PRESENT_PATH}?{urlencode({'session': normalise_code(code)})}"


@dataclass(frozen=True)
class PresentRequest:
    """The session the present address asks for, and why it cannot be shown (if it cannot)."""

    code: str
    problem: str | None


def present_request(remembered: str = "") -> PresentRequest:
    """The session to present: the address's ?session= on the present address, else the one
    `remembered` from the Workshop page (a page switch within the app drops the query)."""
    asked = st.query_params.get("session", "") if on_present_address() else ""
    code = normalise_code(asked or remembered)
    if not code:
        return PresentRequest("", "Choose a session on the Workshop page first.")
    return PresentRequest(code, code_problem(code))


def keep_session_in_address() -> None:
    """A participant's address always carries ?session=CODE. Page switches drop the query, and
    a reload of the phone's browser would then forget the workshop (on an open app, making the
    participant a facilitator)."""
    code = joined_code()
    if code and st.query_params.get("session") != code:
        st.query_params["session"] = code


def role() -> str:
    if joined_code():
        return PARTICIPANT
    setting = passcode_setting()
    if setting.is_open:
        return FACILITATOR
    # A mark of the passcode in force: a changed or broken passcode signs everyone out.
    if not setting.problems and st.session_state.get(_UNLOCKED_KEY) == _gate().mark(setting):
        return FACILITATOR
    return GUEST


def can_see_everyone() -> bool:
    return role() == FACILITATOR


def remember_my_response(response_id: str, session_code: str = "") -> None:
    st.session_state.setdefault(_MY_RESPONSES_KEY, {})[response_id] = session_code


def my_responses() -> list[str]:
    return list(st.session_state.get(_MY_RESPONSES_KEY, {}))


def recall_my_response() -> None:
    """After a reload of a participant's browser, find the answer it gave to the workshop again
    by the browser's mark, so their result card and the delete form come back.

    Once per browser session, and only the response of this mark in this session: the mark is
    the browser's own cookie, never something typed, so no one can call up another's result.
    """
    if _RECALLED_KEY in st.session_state:
        return
    st.session_state[_RECALLED_KEY] = True
    session, _ = joined_session()
    mark = device.sent_mark()
    if session is None or mark is None:
        return
    response = admission.answered_response(session, mark)
    if response and response not in my_responses():
        remember_my_response(response, session.code)


def answered_session(code: str) -> bool:
    """One response per person and workshop, so k counts people rather than submissions."""
    return code in st.session_state.get(_MY_RESPONSES_KEY, {}).values()


def joined_session() -> tuple[Session | None, str | None]:
    """The joined session, or a message saying why it cannot be used."""
    code = joined_code()
    if code is None:
        return None, None
    problem = code_problem(code)
    if problem:
        return None, problem
    try:
        session = load_workshops(sessions_path(config.data_dir())).find(code)
    except StoreError as exc:
        return None, f"The workshop sessions cannot be read right now: {exc}"
    if session is None:
        return None, (
            f"There is no workshop session with the code {code}. Check the code on the "
            "facilitator's screen and type it again."
        )
    if not session.is_open:
        return session, (
            f"The session “{session.title}” is closed, so it takes no more answers. Ask the "
            "facilitator to reopen it if you still want to take part."
        )
    return session, None


# ---------------------------------------------------------------------------------------------
# The network


def guard_the_server() -> None:
    """On every run, and cheap: the host names this server answers to, its saved join address,
    and the warnings about how it is exposed (logged once)."""
    address = server_address()
    _allow_hosts(_hosts_for(address))
    allow_join_host(_saved_join_url())
    protected = not passcode_setting().is_open
    tls = bool(streamlit_config.get_option("server.sslCertFile"))
    for warning in signin.exposure_warnings(address, protected=protected, tls=tls):
        _once_log().say(logging.WARNING, warning)


def server_address() -> str:
    """The address the server listens on (Streamlit's `server.address`; "" is every one)."""
    return str(streamlit_config.get_option("server.address") or "")


@st.cache_resource(show_spinner=False, ttl=600)
def phone_addresses() -> list[str]:
    """This machine's addresses a phone on its network may open; looked up every ten minutes at
    most, like the host names (the lookup can take a moment)."""
    return signin.phone_addresses(signin.machine_hosts())


def allow_join_host(url: str) -> None:
    """Let phones reach the app at a join address (called whenever one is saved)."""
    host = signin.host_of(url)
    if host:
        _allow_hosts([host])


@st.cache_resource(show_spinner=False, ttl=600)
def _hosts_for(address: str) -> list[str]:
    """Looked up every ten minutes at most: this machine's names change rarely, and finding
    them can take a moment."""
    return signin.allowed_hosts(address)


def _saved_join_url() -> str:
    """Read again only when `sessions.json` changed: it also holds every session's releases and
    arrivals, and this runs on every page view of every visitor."""
    path = sessions_path(config.data_dir())
    return _join_url_of(str(path), file_identity(path))


@st.cache_data(show_spinner=False, max_entries=4)
def _join_url_of(path: str, identity: tuple[str, int, int]) -> str:
    del identity  # part of the cache key only
    try:
        return load_workshops(Path(path)).join_base_url
    except StoreError:
        return ""  # the Workshop page says what is wrong with the file


def _allow_hosts(hosts: Iterable[str]) -> None:
    """Add to `server.allowedHosts`, which Streamlit reads at every websocket connection. An
    empty list or "*" already accepts every host: adding a name would narrow it instead."""
    with _hosts_lock:
        current = list(streamlit_config.get_option(_ALLOWED_HOSTS))
        known = {pattern.strip().lower().rstrip(".") for pattern in current}
        if not known or "*" in known:
            return
        missing = [host for host in dict.fromkeys(hosts) if host.lower().rstrip(".") not in known]
        if missing:
            streamlit_config.set_option(_ALLOWED_HOSTS, current + missing, __name__)


def show_network_warning() -> None:
    """A banner for a visitor from another machine while the passcode or the answers are
    exposed: no passcode at all, or plain HTTP."""
    url = st.context.url or ""
    host = signin.host_of(url)
    # The address the browser used decides; the peer's address only when the URL is unknown
    # (Streamlit gives None for a peer on this machine).
    remote = not signin.is_loopback(host) if host else isinstance(st.context.ip_address, str)
    warning = signin.network_warning(
        remote=remote,
        plain_http=urlsplit(url).scheme != "https",
        protected=not passcode_setting().is_open,
    )
    if warning:
        st.warning(warning, icon=":material/warning:")
