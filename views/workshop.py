"""Workshop: open a session, show the join link, watch answers arrive, reveal the group."""

import streamlit as st

from alignment import ui
from alignment.store import StoreError
from alignment.ui import access
from alignment.ui import sessions as sessions_ui
from alignment.ui import workshop as live
from alignment.workshop import (
    join_url,
    load_workshops,
    qr_png,
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


if source.is_sample:
    st.info("These are the sample sessions (read-only). Switch to *My responses* to run your own.")
else:
    sessions_ui.new_session_form(sessions, workshops, questionnaires)

if not workshops.sessions:
    st.info("No sessions yet. Open one above; participants join with its link or code.")
    st.stop()
if notice := st.session_state.pop(sessions_ui.NOTICE_KEY, None):
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
sessions_ui.join_address_warning(sessions, base, read_only=source.is_sample)
link = join_url(base, session.code)
join_column, control_column = st.columns([1, 1])
with join_column:
    st.caption("Participants scan the QR code, open the link, or type this code:")
    st.title(session.code)
    st.image(qr_png(link), width=220, alt=f"QR code for {link}")
    st.code(link, language=None)
with control_column:
    st.header(ui.plain(session.title))  # h2 under the page title
    st.caption(f"{ui.plain(questionnaire.title)} · k = {session.min_group} · {session.status}")
    live.live_count(source.path, sessions, code, questionnaire, read_only=source.is_sample)
    sessions_ui.session_settings(sessions, session, read_only=source.is_sample)
    sessions_ui.join_address_form(sessions, workshops, read_only=source.is_sample)
    st.page_link(
        "views/present.py", label="Present on the shared screen", icon=":material/slideshow:"
    )
    st.link_button(
        "Open Present in a new window",
        access.present_address(session.code),
        icon=":material/open_in_new:",
        help="Drag that window to the projector and keep this page on your laptop. ←/→, "
        "PageUp/PageDown (a clicker) and Space move the slides. With a passcode, sign in "
        "once in that window.",
    )

st.header("Group results")
live.group_results(source.path, sessions, code, questionnaire)

st.header("Compare two sessions")
sessions_ui.compare_sessions(source, workshops, session, questionnaire)
