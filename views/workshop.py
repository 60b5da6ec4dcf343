"""Workshop: open a session, show the join link, watch answers arrive, reveal the group."""

import streamlit as st

from alignment import chartsets, ui
from alignment.store import StoreError
from alignment.ui import access
from alignment.ui import workshop as live
from alignment.workshop import (
    DEFAULT_MIN_GROUP,
    EXPECTED_MAX,
    MIN_GROUP_FLOOR,
    WorkshopError,
    create_session,
    join_url,
    load_workshops,
    qr_png,
    set_join_base_url,
    update_session,
)

st.title("Workshop")
source = ui.current_source()
sessions = live.sessions_file(source.is_sample)
questionnaires = ui.valid_questionnaires()
try:
    workshops = load_workshops(sessions)
except StoreError as exc:
    st.error(str(exc))
    st.stop()


def change(code: str, **changes: object) -> None:
    try:
        update_session(sessions, code, **changes)
    except (WorkshopError, StoreError) as exc:
        st.session_state[live.NOTICE_KEY] = str(exc)


if source.is_sample:
    st.info("These are the sample sessions (read-only). Switch to *My responses* to run your own.")
else:
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
                st.error(str(exc))
            else:
                st.session_state.workshop_code = created.code
                st.rerun()

if not workshops.sessions:
    st.info("No sessions yet. Open one above; participants join with its link or code.")
    st.stop()
if notice := st.session_state.pop(live.NOTICE_KEY, None):
    st.error(ui.plain(notice))

codes = [s.code for s in reversed(workshops.sessions)]
if st.session_state.get("workshop_code") not in codes:
    st.session_state.workshop_code = codes[0]
code = st.selectbox(
    "Session",
    codes,
    key="workshop_code",
    format_func=lambda c: f"{workshops.find(c).title} · {c} · {workshops.find(c).status}",
)
session = workshops.find(code)
st.session_state.present_code = code  # widget keys vanish off-page; Present reads this one
questionnaire = questionnaires.get(session.questionnaire_id)
if questionnaire is None:
    st.error(
        f"This session uses the questionnaire '{session.questionnaire_id}', which is missing or "
        "invalid right now (see the sidebar). Its answers are safe; fix the file to see them."
    )
    st.stop()

base = workshops.join_base_url or ui.app_base_url()
link = join_url(base, session.code)
join_column, control_column = st.columns([1, 1])
with join_column:
    st.caption("Participants scan the QR code, open the link, or type this code:")
    st.title(session.code)
    st.image(qr_png(link), width=220, alt=f"QR code for {link}")
    st.code(link, language=None)
with control_column:
    st.subheader(ui.plain(session.title))
    st.caption(f"{ui.plain(questionnaire.title)} · k = {session.min_group} · {session.status}")
    live.live_count(source.path, sessions, code, questionnaire, read_only=source.is_sample)
    controls = {"disabled": source.is_sample}  # the sample sessions are read-only
    if session.is_open:
        st.button(
            "Close session", on_click=change, args=(code,), kwargs={"is_open": False}, **controls
        )
    else:
        st.button(
            "Reopen session", on_click=change, args=(code,), kwargs={"is_open": True}, **controls
        )
    k_column, expected_column = st.columns(2)
    new_k = k_column.number_input(
        "k (minimum group)",
        min_value=MIN_GROUP_FLOOR if not session.releases else session.min_group,
        value=session.min_group,
        help="Once results were released, k can go up but not down.",
        **controls,
    )
    if new_k != session.min_group and not source.is_sample:
        change(code, min_group=int(new_k))
        st.rerun()
    new_expected = expected_column.number_input(
        "People expected",
        min_value=0,
        max_value=EXPECTED_MAX,
        value=session.expected or 0,
        help="More responses than this are flagged above. 0 means not set.",
        **controls,
    )
    if new_expected != (session.expected or 0) and not source.is_sample:
        change(code, expected=int(new_expected))
        st.rerun()
    st.caption(
        "One answer per person: each browser may answer once (a second tab is refused), and a "
        "burst of answers from one network address is slowed and flagged above. This does not "
        "stop someone with several devices; sign-in, when set up, gives one answer per identity."
    )
    with st.expander("Join address for a room network"):
        typed = st.text_input(
            "Base address",
            value=workshops.join_base_url,
            placeholder="http://192.168.1.20:8501",
            help="The address participants' phones can reach, e.g. this laptop on the room's "
            "Wi-Fi. Start the app with `make run ADDRESS=0.0.0.0`.",
        )
        if typed != workshops.join_base_url and not source.is_sample:
            try:
                saved = set_join_base_url(sessions, typed)
            except (WorkshopError, StoreError) as exc:
                st.error(ui.plain(str(exc)))
            else:
                access.allow_join_host(saved.join_base_url)  # phones may now reach this host
                st.rerun()
    st.page_link(
        "views/present.py", label="Present on the shared screen", icon=":material/slideshow:"
    )

st.header("Group results")
live.live_panel(source.path, sessions, code, questionnaire)

st.header("Compare two sessions")
others = [c for c in codes if workshops.find(c).questionnaire_id == session.questionnaire_id]
if len(others) < 2:
    st.caption("Sessions on the same questionnaire can be compared once there are two.")
    st.stop()
before_column, after_column = st.columns(2)


def label(code: str) -> str:
    return f"{workshops.find(code).title} · {code}"


before = before_column.selectbox("Before", others, index=len(others) - 1, format_func=label)
after = after_column.selectbox("After", others, index=0, format_func=label)
views = {
    c: live.group_of(ui.session_rows(source, c), workshops.find(c), questionnaire)
    for c in {before, after}
}
if before == after:
    st.info("Choose two different sessions to compare.")
    st.stop()
try:
    compared = chartsets.sessions_compared(
        (workshops.find(before), views[before]),
        (workshops.find(after), views[after]),
        questionnaire,
    )
except chartsets.ChartSetError as exc:
    st.info(str(exc))
    st.stop()
for item in compared.charts:
    ui.chart(item, compared)
