"""Present: the shared screen at its own address, /present?session=CODE&slide=N.

One large, high-contrast slide at a time for the room: the join code, the count towards k,
then the group charts and gaps. ←/→, PageUp/PageDown (clickers) and Space move the slides.
"""

import streamlit as st

from alignment import ui
from alignment.store import StoreError
from alignment.ui import access, present
from alignment.ui import sessions as sessions_ui
from alignment.ui import workshop as live
from alignment.workshop import join_url, load_workshops

st.set_page_config(initial_sidebar_state="collapsed")
source = ui.current_source()
sessions = live.sessions_file(source.is_sample)
request = access.present_request(remembered=st.session_state.get("present_code", ""))
if request.problem:
    st.info(ui.plain(request.problem))
    st.page_link("views/workshop.py", label="Open the Workshop page", icon=":material/groups:")
    st.stop()
try:
    workshops = load_workshops(sessions)
except StoreError as exc:
    st.error(ui.plain(str(exc)))
    st.stop()
session = workshops.find(request.code)
if session is None:
    st.info(
        f"There is no session {request.code} in {ui.plain(source.label)}. Check the code, "
        "or choose the session on the Workshop page."
    )
    st.page_link("views/workshop.py", label="Open the Workshop page", icon=":material/groups:")
    st.stop()
questionnaire = ui.valid_questionnaires().get(session.questionnaire_id)
if questionnaire is None:
    st.error("This session's questionnaire is missing or invalid right now.")
    st.stop()

present.keep_in_address(session.code)
slide = present.current_slide()
dark = present.controls(session.title, slide)
name = present.SLIDES[slide]
if name == "Join":
    base = workshops.join_base_url or ui.app_base_url()
    # Before the room scans a QR code that points at this computer's own loopback address.
    sessions_ui.join_address_warning(sessions, base, read_only=source.is_sample, key="present")
    link = join_url(base, session.code)
    present.join_slide(source.path, sessions, session.code, questionnaire, link=link)
else:
    present.presented_slide(
        source.path, sessions, session.code, questionnaire, slide=name, dark=dark
    )
