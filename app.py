"""Entry point: page config, navigation and the shared sidebar. Nothing else lives here.

Page scripts live in `views/`, not `pages/`: Streamlit treats a folder named `pages/` beside the
entry point as a legacy multipage app on the first run after start, and a deep link would then
run a page without this frame (no navigation, no sidebar, no access check).
"""

import streamlit as st

from alignment.ui import sidebar

st.set_page_config(page_title="Purpose–Performance Alignment", page_icon="🧭", layout="wide")

sidebar()
navigation = st.navigation(
    [
        st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("views/assess.py", title="Assess", icon=":material/edit_note:"),
        st.Page("views/results.py", title="Results", icon=":material/insights:"),
        st.Page("views/trends.py", title="Trends", icon=":material/timeline:"),
    ]
)
navigation.run()
