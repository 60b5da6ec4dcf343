"""This browser's mark and network address, for `workshop.admission` (one answer per person).

Streamlit keeps state per tab, so a mark kept only in `st.session_state` would let a new tab
answer again. The mark lives in a cookie instead: the page asks the browser to keep it, and
every later tab sends it back with its connection (`st.context.cookies`).
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

COOKIE_NAME = "ppa_device"
_MARK_KEY = "app_device_mark"
_MARK_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
_YEAR_SECONDS = 365 * 24 * 3600


def sent_mark() -> str | None:
    """The mark this browser sent with its connection, if it has a well-formed one."""
    sent = st.context.cookies.get(COOKIE_NAME)
    return sent if isinstance(sent, str) and _MARK_PATTERN.fullmatch(sent) else None


def device_mark() -> str:
    """The mark this browser sent, else a new one that the browser is asked to keep."""
    if sent := sent_mark():
        st.session_state[_MARK_KEY] = sent
        return sent
    mark = st.session_state.setdefault(_MARK_KEY, secrets.token_urlsafe(32))
    url = st.context.url
    secure = "; Secure" if isinstance(url, str) and url.startswith("https:") else ""
    # The mark is ours (URL-safe base64, checked above), never text a person typed.
    st.html(
        f"<script>document.cookie = '{COOKIE_NAME}={mark}; Path=/; Max-Age={_YEAR_SECONDS}; "
        f"SameSite=Strict{secure}';</script>",
        unsafe_allow_javascript=True,
    )
    return mark


def network_address() -> str:
    """The client's address as the server sees it ("unknown" shares one pace, failing closed)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "unknown"
