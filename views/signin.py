"""Facilitator sign-in: the passcode opens Trends, Workshop and the data pages."""

import streamlit as st

from alignment.ui import access

st.title("Facilitator sign-in")
if access.role() == access.FACILITATOR:
    st.success("You are signed in as the facilitator. The sidebar lists every page.")
    st.button("Sign out", on_click=access.sign_out)
    st.stop()
with st.form("signin"):
    attempt = st.text_input("Passcode", type="password")
    if st.form_submit_button("Sign in", type="primary"):
        if access.unlock(attempt):
            st.rerun()
        st.error("That passcode is not right. Ask whoever started the app for it.")
