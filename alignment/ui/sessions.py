"""The facilitator's session set-up on the Workshop page: open one, its settings, the join
address, and two sessions compared. (The live count and group results are `ui.workshop`.)"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from alignment import chartsets, signin
from alignment.questionnaire import Questionnaire
from alignment.scoring import score_responses
from alignment.store import StoreError
from alignment.ui import DataSource, access, chart, plain, session_rows
from alignment.workshop import (
    DEFAULT_MIN_GROUP,
    EXPECTED_MAX,
    MIN_GROUP_FLOOR,
    Session,
    WorkshopError,
    Workshops,
    create_session,
    group_view,
    set_join_base_url,
    update_session,
)

NOTICE_KEY = "workshop_notice"
_SESSION_KEY = "workshop_code"


def change(sessions: Path, code: str, **changes: object) -> None:
    """Button callback: change a setting; what went wrong is shown on the next run."""
    try:
        update_session(sessions, code, **changes)
    except (WorkshopError, StoreError) as exc:
        st.session_state[NOTICE_KEY] = str(exc)


def new_session_form(
    sessions: Path, workshops: Workshops, questionnaires: dict[str, Questionnaire]
) -> None:
    with (
        st.expander("Open a new session", expanded=not workshops.sessions),
        st.form("workshop_new"),
    ):
        title = st.text_input("Title", max_chars=120, placeholder="Leadership day, March")
        questionnaire_id = st.selectbox(
            "Questionnaire", list(questionnaires), format_func=lambda q: questionnaires[q].title
        )
        k = st.number_input(
            "Show group results from this many responses (k)",
            min_value=MIN_GROUP_FLOOR,
            value=DEFAULT_MIN_GROUP,
            help="A group number is shown only when at least k people answered it, and the "
            "results change only when k more have answered, so no one can be singled out. "
            "Never below 3.",
        )
        expected = st.number_input(
            "People you expect (optional)",
            min_value=0,
            max_value=EXPECTED_MAX,
            value=0,
            help="More responses than this are flagged on your screen: someone may have answered "
            "twice. 0 means not set.",
        )
        if st.form_submit_button("Open session", type="primary"):
            try:
                created = create_session(
                    sessions, title, questionnaire_id, int(k), expected=int(expected)
                )
            except (WorkshopError, StoreError) as exc:
                st.error(plain(str(exc)))
            else:
                st.session_state[_SESSION_KEY] = created.code
                st.rerun()


def session_settings(sessions: Path, session: Session, *, read_only: bool) -> None:
    """Open or close, k (up only once released), the expected headcount, and what the
    one-answer-per-person rule does and does not stop."""
    code, controls = session.code, {"disabled": read_only}
    opening = not session.is_open
    st.button(
        "Reopen session" if opening else "Close session",
        on_click=change,
        args=(sessions, code),
        kwargs={"is_open": opening},
        **controls,
    )
    k_column, expected_column = st.columns(2)
    new_k = k_column.number_input(
        "k (minimum group)",
        min_value=MIN_GROUP_FLOOR if not session.releases else session.min_group,
        value=session.min_group,
        help="Once results were released, k can go up but not down.",
        **controls,
    )
    new_expected = expected_column.number_input(
        "People expected",
        min_value=0,
        max_value=EXPECTED_MAX,
        value=session.expected or 0,
        help="More responses than this are flagged above. 0 means not set.",
        **controls,
    )
    if not read_only and new_k != session.min_group:
        change(sessions, code, min_group=int(new_k))
        st.rerun()
    if not read_only and new_expected != (session.expected or 0):
        change(sessions, code, expected=int(new_expected))
        st.rerun()
    st.caption(
        "One answer per person: each browser may answer once (a second tab is refused), and a "
        "burst of answers from one network address is slowed and flagged above. This does not "
        "stop someone with several devices; sign-in, when set up, gives one answer per identity."
    )


def save_join_base_url(sessions: Path, url: str) -> None:
    """Save the join address of every session, let phones reach its host and show the new
    link; what is wrong with it is shown where it was given."""
    try:
        saved = set_join_base_url(sessions, url)
    except (WorkshopError, StoreError) as exc:
        st.error(plain(str(exc)))
    else:
        access.allow_join_host(saved.join_base_url)  # phones may now reach this host
        st.rerun()


def join_address_warning(
    sessions: Path, base_url: str, *, read_only: bool, key: str = "join"
) -> None:
    """A red warning when the join link and QR code point at this machine's own name for itself,
    with this machine's network addresses to choose from; saving one fixes the link for every
    session. `key` tells its widgets apart from another page's (Workshop, Present)."""
    warning = signin.loopback_join_warning(base_url, access.server_address())
    if not warning:
        return
    st.error(plain(warning), icon=":material/wifi_off:")
    if read_only:
        st.caption("The sample sessions are read-only: switch to *My responses* to choose one.")
        return
    candidates = signin.join_base_candidates(base_url, access.phone_addresses())
    if not candidates:
        st.caption(
            "No network address of this computer was found: connect it to the room's Wi-Fi, "
            "then reload this page."
        )
        return
    picked_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    picked = picked_column.selectbox(
        "This computer's addresses", candidates, key=f"{key}_address_choice"
    )
    if button_column.button("Use this address", type="primary", key=f"{key}_address_use"):
        save_join_base_url(sessions, picked)


def join_address_form(sessions: Path, workshops: Workshops, *, read_only: bool) -> None:
    with st.expander("Join address for a room network"):
        typed = st.text_input(
            "Base address",
            value=workshops.join_base_url,
            placeholder="http://192.168.1.20:8501",
            help="The address participants' phones can reach, e.g. this laptop on the room's "
            "Wi-Fi. Start the app with `make run ADDRESS=0.0.0.0`.",
        )
        if typed != workshops.join_base_url and not read_only:
            save_join_base_url(sessions, typed)


def compare_sessions(
    source: DataSource, workshops: Workshops, session: Session, questionnaire: Questionnaire
) -> None:
    """Two sessions on the same questionnaire, release against release."""
    codes = [
        s.code
        for s in reversed(workshops.sessions)
        if s.questionnaire_id == session.questionnaire_id
    ]
    if len(codes) < 2:
        st.caption("Sessions on the same questionnaire can be compared once there are two.")
        return
    titles = {c: f"{workshops.find(c).title} · {c}" for c in codes}
    before_column, after_column = st.columns(2)
    before = before_column.selectbox("Before", codes, index=len(codes) - 1, format_func=titles.get)
    after = after_column.selectbox("After", codes, index=0, format_func=titles.get)
    if before == after:
        st.info("Choose two different sessions to compare.")
        return
    sides = []
    for code in (before, after):
        found = workshops.find(code)
        strategies = score_responses(session_rows(source, code), questionnaire).strategies
        sides.append((found, group_view(strategies, found)))
    try:
        compared = chartsets.sessions_compared(sides[0], sides[1], questionnaire)
    except chartsets.ChartSetError as exc:
        st.info(plain(str(exc)))
        return
    for item in compared.charts:
        chart(item, compared)
