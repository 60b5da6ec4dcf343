"""Entry point: page config, navigation and the shared sidebar. Nothing else lives here."""

import streamlit as st

from alignment.ui import sidebar

st.set_page_config(page_title="Purpose–Performance Alignment", page_icon="🧭", layout="wide")

sidebar()
navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ]
)
navigation.run()
