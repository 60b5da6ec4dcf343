"""Facilitator sign-in: the passcode opens Trends, Workshop and the data pages.

Wrong tries slow down (alignment.signin), and a misconfigured passcode locks the pages: this
page then says what to fix instead of offering a form that cannot succeed.
"""

import streamlit as st

from alignment import signin
from alignment.ui import access, plain

st.title("Facilitator sign-in")
if access.role() == access.FACILITATOR:
    st.success("You are signed in as the facilitator. The sidebar lists every page.")
    st.button("Sign out", on_click=access.sign_out)
    st.stop()
problems = access.passcode_setting().problems
if problems:
    st.error(
        "The facilitator pages are locked: the passcode is not set up correctly, so no passcode "
        "can open them. Whoever started the app can fix it:"
    )
    for problem in problems:
        st.markdown(f"- {plain(problem)}")
    st.stop()
with st.form("signin"):
    attempt = st.text_input("Passcode", type="password")
    if st.form_submit_button("Sign in", type="primary"):
        result = access.unlock(attempt)
        if result.verdict == signin.Verdict.SIGNED_IN:
            st.rerun()
        if result.verdict == signin.Verdict.WAIT:
            seconds = result.whole_seconds_to_wait
            st.error(
                f"Too many wrong passcodes. Wait {seconds} second{'s' * (seconds != 1)} before "
                "the next try."
            )
        else:
            st.error("That passcode is not right. Ask whoever started the app for it.")
