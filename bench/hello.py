"""The yardstick page of `bench.lighthouse`: Streamlit's own cost in the browser, with no app."""

import streamlit as st

st.title("Hello")
st.write("Hello, world.")
