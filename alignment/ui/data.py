"""Streamlit sections of the Data page: export, import, questionnaires, deleting responses."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import streamlit as st

from alignment import export
from alignment.store import StoreError, delete_responses
from alignment.ui import (
    SAMPLE,
    DataSource,
    download,
    forget_loaded_responses,
    load_source,
    plain,
    scores_for,
    valid_questionnaires,
)

_DELETED_KEY = "data_deleted_notice"


def source_frame(source: DataSource) -> pd.DataFrame | None:
    """The source's responses, or None (with the reason shown) when there are none."""
    loaded = load_source(source)
    if loaded is None:
        return None
    if loaded.frame.empty:
        st.info("No responses yet: answers appear here once they are saved or imported.")
        return None
    return loaded.frame


def export_section(source: DataSource) -> None:
    frame = source_frame(source)
    if frame is None:
        return
    st.caption(
        "Every text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a "
        "tab or a carriage return) is prefixed with an apostrophe, so opening these files is safe."
    )
    people, responses = frame["respondent"].nunique(), frame["response_id"].nunique()
    first, last = frame["submitted_at"].min(), frame["submitted_at"].max()
    st.markdown(
        f"**{responses}** responses from **{people}** people, {first:%d %b %Y} to {last:%d %b %Y}."
    )
    download(
        st,
        "All answers (long CSV, every questionnaire)",
        functools.partial(export.responses_csv, frame),
        f"{export.download_name('responses', last, source.kind)}.csv",
        key="data_long_csv",
        help="One row per answer, in the app's own format: it can be imported again.",
    )
    questionnaires = valid_questionnaires()
    used = [qid for qid in frame["questionnaire_id"].unique() if qid in questionnaires]
    if not used:
        st.info("None of these responses belong to a questionnaire that is available now.")
        return
    questionnaire = questionnaires[
        st.selectbox(
            "Questionnaire for the per-questionnaire files",
            used,
            format_func=lambda qid: questionnaires[qid].title,
            key="data_questionnaire",
        )
    ]
    rows = frame[frame["questionnaire_id"] == questionnaire.id]
    stem = export.download_name(questionnaire.id, last, source.kind)
    files = [
        (
            "Wide CSV",
            functools.partial(export.wide_csv, rows, questionnaire),
            "_wide.csv",
            "One row per response, one column per question: for pivot tables and statistics.",
        ),
        (
            "Scores CSV",
            functools.partial(export.scores_csv, scores_for(source, questionnaire)),
            "_scores.csv",
            "Purpose, performance, gap, alignment and quadrant per strategy.",
        ),
        (
            "Excel workbook",
            functools.partial(export.workbook_bytes, rows, questionnaire),
            ".xlsx",
            "Answers (long and wide) and scores on separate sheets.",
        ),
    ]
    for place, (label, make, suffix, help_text) in zip(st.columns(3), files, strict=True):
        download(place, label, make, f"{stem}{suffix}", key=f"data_{suffix}", help=help_text)


def delete_form(path: Path, response_ids: Iterable[str], who: str, *, key: str) -> None:
    """Delete these responses after the person confirms by typing `who` (one backup is kept)."""
    ids = sorted(set(response_ids))
    with st.form(key):
        st.markdown(
            f"This deletes **{len(ids)}** response(s) of **{plain(who)}** from the data file. "
            "The file as it was is kept once as a backup beside it, until the next delete."
        )
        typed = st.text_input(f"Type “{who}” to confirm", key=f"{key}_confirm")
        if not st.form_submit_button(f"Delete {len(ids)} response(s)", type="primary"):
            return
    if typed.strip() != who:
        st.error(f"Nothing was deleted: type “{who}” exactly to confirm.")
        return
    try:
        deleted = delete_responses(path, ids)
    except StoreError as exc:
        st.error(f"Nothing was deleted: {exc}")
        return
    forget_loaded_responses()
    st.session_state[_DELETED_KEY] = (
        f"Deleted {deleted.responses} response(s) ({deleted.rows} answers). The previous file is "
        f"kept as {deleted.backup.name if deleted.backup else 'no backup'} until the next delete."
    )
    st.rerun()  # redraw everything without the deleted responses


def deleted_notice() -> None:
    """What the last delete did, shown once after the page is redrawn."""
    if notice := st.session_state.pop(_DELETED_KEY, None):
        st.success(notice)


def delete_section(source: DataSource) -> None:
    deleted_notice()
    if source.kind == SAMPLE:
        st.info("The sample data is read-only. Switch to *My responses* to delete your own data.")
        return
    frame = source_frame(source)
    if frame is None:
        return
    people = sorted(frame["respondent"].unique(), key=str.casefold)
    who = st.selectbox("Whose responses", people, key="data_delete_who")
    ids = frame.loc[frame["respondent"] == who, "response_id"]
    delete_form(source.path, ids, who, key="data_delete")
