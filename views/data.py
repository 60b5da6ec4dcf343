"""Data: bring answers in, take them out, manage questionnaires and branding, delete answers."""

import streamlit as st

from alignment import config, ui
from alignment.ui import data

st.title("Data")
source = ui.current_source()
import_tab, export_tab, questionnaires_tab, branding_tab, delete_tab = st.tabs(
    ["Import", "Export", "Questionnaires", "Report branding", "Delete"]
)
with import_tab:
    data.import_section(config.responses_path())
with export_tab:
    data.export_section(source)
with questionnaires_tab:
    data.questionnaires_section(config.questionnaire_dir())
with branding_tab:
    data.branding_section(source)
with delete_tab:
    data.delete_section(source)
