"""Present: one large, high-contrast chart per screen for the room, with Previous/Next."""

import streamlit as st

from alignment import ui
from alignment.store import StoreError
from alignment.ui import workshop as live
from alignment.workshop import join_url, load_workshops, qr_png

st.set_page_config(initial_sidebar_state="collapsed")
source = ui.current_source()
sessions = live.sessions_file(source.is_sample)
try:
    workshops = load_workshops(sessions)
except StoreError as exc:
    st.error(str(exc))
    st.stop()
session = workshops.find(st.session_state.get("present_code", ""))
if session is None:
    st.info("Choose a session on the Workshop page first.")
    st.page_link("views/workshop.py", label="Open the Workshop page", icon=":material/groups:")
    st.stop()
questionnaire = ui.valid_questionnaires().get(session.questionnaire_id)
if questionnaire is None:
    st.error("This session's questionnaire is missing or invalid right now.")
    st.stop()

SLIDES = ["Join", "Responses", "group-radar", "group-spread", "group-quadrants", "Top gaps"]
slide = st.session_state.setdefault("present_slide", 0) % len(SLIDES)
back, position, forward = st.columns([1, 4, 1])
back.button("◀ Previous", on_click=ui.step_slide, args=(-1, len(SLIDES)), width="stretch")
forward.button("Next ▶", on_click=ui.step_slide, args=(1, len(SLIDES)), width="stretch")
position.caption(f"{ui.plain(session.title)} · screen {slide + 1} of {len(SLIDES)}")
st.divider()

name = SLIDES[slide]
if name == "Join":
    link = join_url(workshops.join_base_url or ui.app_base_url(), session.code)
    code_column, qr_column = st.columns([3, 2])
    with code_column:
        st.markdown("## Join on your phone")
        ui.big_code(session.code)
        st.markdown(f"### {ui.literal(link)}")
    qr_column.image(qr_png(link, scale=14), width=360, alt=f"QR code for {link}")
    st.stop()

live.presented_slide(source.path, sessions, session.code, questionnaire, slide=name)
