"""Entry point: page config, navigation and the shared sidebar. Nothing else lives here.

Page scripts live in `views/`, not `pages/`: Streamlit treats a folder named `pages/` beside the
entry point as a legacy multipage app on the first run after start, and a deep link would then
run a page without this frame (no navigation, no sidebar, no access check).

Only the pages the visitor's role may open are registered, so a participant who types the URL
of the Workshop page lands on the default page instead. Present has its own address
(`/present?session=CODE&slide=N`) for a second window on the projector; a guest who opens it
gets the sign-in page at that address, so signing in opens Present with the same query.

Every run also keeps the server's host allow-list current (DNS rebinding) and warns a visitor
from another machine when the passcode or the answers are exposed.
"""

import streamlit as st

from alignment.ui import access, current_source, sample_notice, sidebar

st.set_page_config(page_title="Purpose–Performance Alignment", page_icon="🧭", layout="wide")

home = st.Page("views/home.py", title="Home", icon=":material/home:")
assess = st.Page("views/assess.py", title="Assess", icon=":material/edit_note:")
results = st.Page("views/results.py", title="Results", icon=":material/insights:")
trends = st.Page("views/trends.py", title="Trends", icon=":material/timeline:")
workshop = st.Page("views/workshop.py", title="Workshop", icon=":material/groups:")
present = st.Page(
    "views/present.py", title="Present", icon=":material/slideshow:", url_path=access.PRESENT_PATH
)
data = st.Page("views/data.py", title="Data", icon=":material/database:")
signin = st.Page("views/signin.py", title="Facilitator sign-in", icon=":material/lock:")
# Sign-in at Present's address has Present's page hash: signing in reruns the script, and the
# rerun then runs Present at the same address, with the same ?session=.
signin_to_present = st.Page(
    "views/signin.py",
    title="Facilitator sign-in",
    icon=":material/lock:",
    url_path=access.PRESENT_PATH,
)

access.guard_the_server()
role = access.role()
# The first page listed is the default one, served at the app's root address.
if role == access.PARTICIPANT:
    access.keep_session_in_address()
    access.recall_my_response()
    pages = [assess, results]
elif role == access.GUEST:
    pages = [home, assess, results, signin_to_present if access.on_present_address() else signin]
else:
    pages = [home, assess, results, trends, workshop, present, data]
    if access.facilitator_passcode():
        pages.append(signin)
access.show_network_warning()
sidebar(role)
sample_notice(current_source())
st.navigation(pages).run()
