"""Who is using the app in this browser session, and what they may open.

- participant: came through a join link (or typed a session code); sees Assess and their own
  result only, for the whole browser session.
- facilitator: the app has no passcode (a single user on localhost), or it was entered.
- guest: a passcode is set and was not entered; may take the assessment and see their own
  results, nothing of anyone else.
Pages a role may not open are not registered with st.navigation at all, so typing their URL
lands on the default page.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

from alignment import config
from alignment.store import StoreError
from alignment.workshop import Session, code_problem, load_workshops, normalise_code, sessions_path

PARTICIPANT, GUEST, FACILITATOR = "participant", "guest", "facilitator"
PASSCODE_NAME = "ALIGNMENT_FACILITATOR_PASSCODE"
_UNLOCKED_KEY = "app_facilitator_unlocked"
_SESSION_KEY = "app_participant_session"
_MY_RESPONSES_KEY = "app_my_responses"


def facilitator_passcode() -> str:
    """From the environment, else Streamlit secrets; empty means the app is open."""
    value = os.environ.get(PASSCODE_NAME, "")
    if not value:
        try:
            value = str(st.secrets.get(PASSCODE_NAME, ""))
        except FileNotFoundError:  # no secrets file at all
            value = ""
        except Exception:
            return "\0locked"
    return value.strip()


def unlock(attempt: str) -> bool:
    passcode = facilitator_passcode()
    ok = bool(passcode) and hmac.compare_digest(attempt.strip().encode(), passcode.encode())
    if ok:
        st.session_state[_UNLOCKED_KEY] = True
    return ok


def sign_out() -> None:
    st.session_state.pop(_UNLOCKED_KEY, None)


def join(code: str) -> None:
    """Make this browser session a participant of `code` (checked by the Assess page)."""
    st.session_state[_SESSION_KEY] = normalise_code(code)


def joined_code() -> str | None:
    """The session code this browser joined: the URL's ?session= wins and is remembered."""
    from_url = st.query_params.get("session")
    if from_url:
        join(from_url)
    return st.session_state.get(_SESSION_KEY)


def role() -> str:
    if joined_code():
        return PARTICIPANT
    if not facilitator_passcode() or st.session_state.get(_UNLOCKED_KEY):
        return FACILITATOR
    return GUEST


def can_see_everyone() -> bool:
    return role() == FACILITATOR


def remember_my_response(response_id: str, session_code: str = "") -> None:
    st.session_state.setdefault(_MY_RESPONSES_KEY, {})[response_id] = session_code


def my_responses() -> list[str]:
    return list(st.session_state.get(_MY_RESPONSES_KEY, {}))


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
