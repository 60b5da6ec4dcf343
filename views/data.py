"""Data: bring answers in, take them out, manage questionnaires, delete a person's answers."""

import streamlit as st

from alignment import ui
from alignment.ui import data

st.title("Data")
source = ui.current_source()
export_tab, delete_tab = st.tabs(["Export", "Delete"])
with export_tab:
    data.export_section(source)
with delete_tab:
    data.delete_section(source)
