"""Data: every response in the current data, exported for a spreadsheet or another tool."""

import functools

import streamlit as st

from alignment import export, ui

st.title("Data")
source = ui.current_source()
frame = ui.responses_or_stop(source, "No responses yet: exports appear once answers are saved.")
questionnaires = ui.valid_questionnaires()
used = [qid for qid in frame["questionnaire_id"].unique() if qid in questionnaires]

st.header("Export")
st.caption(
    "Every text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab "
    "or a carriage return) is prefixed with an apostrophe, so opening these files is safe."
)
people, responses = frame["respondent"].nunique(), frame["response_id"].nunique()
first, last = frame["submitted_at"].min(), frame["submitted_at"].max()
st.markdown(
    f"**{responses}** responses from **{people}** people, {first:%d %b %Y} to {last:%d %b %Y}."
)
day = last
ui.download(
    st,
    "All answers (long CSV, every questionnaire)",
    functools.partial(export.responses_csv, frame),
    f"{export.download_name('responses', day, source.kind)}.csv",
    key="data_long_csv",
    help="One row per answer, in the app's own format: it can be imported again.",
)
if not used:
    st.info("None of these responses belong to a questionnaire that is available now.")
    st.stop()
questionnaire_id = st.selectbox(
    "Questionnaire for the per-questionnaire files",
    used,
    format_func=lambda qid: questionnaires[qid].title,
    key="data_questionnaire",
)
questionnaire = questionnaires[questionnaire_id]
rows = frame[frame["questionnaire_id"] == questionnaire_id]
stem = export.download_name(questionnaire.id, day, source.kind)
wide_column, scores_column, workbook_column = st.columns(3)
ui.download(
    wide_column,
    "Wide CSV",
    functools.partial(export.wide_csv, rows, questionnaire),
    f"{stem}_wide.csv",
    key="data_wide_csv",
    help="One row per response, one column per question: for pivot tables and statistics.",
)
ui.download(
    scores_column,
    "Scores CSV",
    functools.partial(export.scores_csv, ui.scores_for(source, questionnaire)),
    f"{stem}_scores.csv",
    key="data_scores_csv",
    help="Purpose, performance, gap, alignment and quadrant per response and strategy.",
)
ui.download(
    workbook_column,
    "Excel workbook",
    functools.partial(export.workbook_bytes, rows, questionnaire),
    f"{stem}.xlsx",
    key="data_xlsx",
    help="Answers (long and wide) and scores on separate sheets.",
)
