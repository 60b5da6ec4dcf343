"""Streamlit sections of the Data page: export, import, questionnaires, branding, deleting."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st

from alignment import authoring, export, importing, practice, workbook
from alignment.practice import Branding, PracticeError
from alignment.questionnaire import Questionnaire
from alignment.store import StoreError, backup_path, delete_responses, responses_identity
from alignment.ui import (
    MINE,
    SAMPLE,
    DataSource,
    download,
    literal,
    load_responses_cached,
    load_source,
    loaded_branding,
    plain,
    scores_for,
    use_source,
    valid_questionnaires,
)
from alignment.workshop import sessions_path

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


def when_pressed(
    source: DataSource,
    make: Callable[..., bytes],
    questionnaire: Questionnaire | None = None,
) -> Callable[[], bytes]:
    """`make` applied to the source's answers (to `questionnaire`, when given) as they are when
    the button is pressed.

    The button keeps this recipe instead of the answers themselves: each open browser would
    otherwise hold its own copy of a long history (a million answer rows: ~130 MB) until it
    closes.
    """

    def file() -> bytes:
        frame = load_responses_cached(source.path).frame
        if questionnaire is None:
            return make(frame)
        return make(frame[frame["questionnaire_id"] == questionnaire.id], questionnaire)

    return file


def export_section(source: DataSource) -> None:
    frame = source_frame(source)
    if frame is None:
        return
    st.caption(
        "Every text cell and column name that a spreadsheet would run as a formula (starting "
        "with =, +, -, @, also in their full-width forms or after spaces, a tab or a carriage "
        "return) is prefixed with an apostrophe, so opening these files is safe."
    )
    people, responses = frame["respondent"].nunique(), frame["response_id"].nunique()
    first, last = frame["submitted_at"].min(), frame["submitted_at"].max()
    st.markdown(
        f"**{responses:,}** responses from **{people:,}** people, "
        f"{first:%d %b %Y} to {last:%d %b %Y}."
    )
    download(
        st,
        "All answers (long CSV, every questionnaire)",
        when_pressed(source, export.responses_csv),
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
            when_pressed(source, export.wide_csv, questionnaire),
            "_wide.csv",
            "One row per response, one column per question: for pivot tables and statistics.",
        ),
        (
            "Scores CSV",
            lambda: export.scores_csv(scores_for(source, questionnaire)),
            "_scores.csv",
            "Purpose, performance, gap, alignment and quadrant per strategy.",
        ),
        (
            "Excel workbook",
            when_pressed(source, workbook.workbook_bytes, questionnaire),
            ".xlsx",
            "Answers (long and wide) and scores on separate sheets.",
        ),
    ]
    too_big = workbook.workbook_problem(rows, questionnaire)
    for place, (label, make, suffix, help_text) in zip(st.columns(3), files, strict=True):
        if suffix == ".xlsx" and too_big:
            place.caption(plain(too_big))  # said before the press: a failed download cannot say why
            continue
        download(place, label, make, f"{stem}{suffix}", key=f"data_{suffix}", help=help_text)
        if suffix == ".xlsx" and (wait := workbook.workbook_wait(rows, questionnaire)):
            place.caption(wait)


def delete_form(
    path: Path, response_ids: Iterable[str], who: str, *, key: str, offer_backup: bool = False
) -> None:
    """Delete these responses after the person confirms by typing `who`.

    A person deleting their own answers leaves no copy of them in any file. A facilitator
    (`offer_backup`) may keep the file as it was, to undo a mistake by hand.
    """
    ids = sorted(set(response_ids))
    backup_name = backup_path(path).name
    with st.form(key):
        st.markdown(
            f"This deletes **{len(ids)}** response(s) of **{plain(who)}** from the data file."
        )
        if offer_backup:
            keep_backup = st.checkbox(
                f"Keep the file as it was in {plain(backup_name)}, until the next delete",
                value=True,
                key=f"{key}_backup",
                help="To undo a mistake by hand. Untick it when the person asked for their "
                "answers to be erased: then no copy of them is kept in any file.",
            )
        else:
            keep_backup = False
            st.caption(
                "No copy is kept: the answers also go from the backup of an earlier delete and "
                "from the leftovers of interrupted saves."
            )
        typed = st.text_input(f"Type “{plain(who)}” to confirm", key=f"{key}_confirm")
        if not st.form_submit_button(f"Delete {len(ids)} response(s)", type="primary"):
            return
    if typed.strip() != who:
        st.error(f"Nothing was deleted: type “{plain(who)}” exactly to confirm.")
        return
    try:
        deleted = delete_responses(path, ids, keep_backup=keep_backup)
    except StoreError as exc:
        st.error(plain(str(exc)))
        return
    kept = (
        f"The file as it was is kept as {plain(deleted.backup.name)} until the next delete."
        if deleted.backup
        else "No copy of them is kept in any file."
    )
    st.session_state[_DELETED_KEY] = (
        f"Deleted {deleted.responses} response(s) ({deleted.rows} answers). {kept}"
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
    delete_form(source.path, ids, who, key="data_delete", offer_backup=True)


_BRANDING_NOTICE_KEY = "data_branding_notice"


def branding_section(source: DataSource) -> None:
    """The coach's name, practice, note and logo: set once here, printed on page 1 of reports."""
    if notice := st.session_state.pop(_BRANDING_NOTICE_KEY, None):
        st.success(notice)
    st.caption(
        "Printed on page 1 of every PDF report (a person's and a workshop's): \"Prepared by\" "
        "your name and practice, your logo and a note. Saved in the data folder as "
        f"{literal(practice.PRACTICE_FILE)} and {literal(practice.LOGO_FILE)}."
    )
    loaded = loaded_branding()
    if loaded.problem:
        st.warning(plain(loaded.problem))
    current = loaded.branding or Branding()
    if current.logo_png:
        st.image(current.logo_png, width=200, alt="Your logo as reports show it")
    if current.prepared_by:
        st.markdown(f"**{plain(current.prepared_by)}**")
    if source.kind == SAMPLE:
        st.info("The sample data is read-only. Switch to *My responses* to set your branding.")
        return
    _branding_form(current)
    if (not current.is_empty or loaded.problem) and st.button(
        "Clear branding", key="data_branding_clear"
    ):
        try:
            practice.clear_branding()
        except StoreError as exc:
            st.error(plain(str(exc)))
        else:
            st.session_state[_BRANDING_NOTICE_KEY] = "Cleared: reports carry no branding."
            st.rerun()


def _branding_form(current: Branding) -> None:
    """The branding's fields; nothing is written unless every one of them can be used."""
    with st.form("data_branding"):
        coach = st.text_input(
            "Coach name",
            current.coach_name,
            max_chars=practice.NAME_MAX_CHARS,
            key="data_branding_coach",
        )
        practice_name = st.text_input(
            "Practice name",
            current.practice_name,
            max_chars=practice.NAME_MAX_CHARS,
            key="data_branding_practice",
        )
        note = st.text_area(
            "A note for page 1",
            current.note,
            max_chars=practice.NOTE_MAX_CHARS,
            key="data_branding_note",
            help='Shown as you type it, line breaks included, under "A note from" your name.',
        )
        logo = st.file_uploader(
            "Logo (PNG or JPEG, at most 1 MB)",
            type=["png", "jpg", "jpeg"],
            key="data_branding_logo",
            max_upload_size=1,  # megabytes: the browser refuses a larger file before sending it
            help="Fitted within 800 by 400 pixels and saved again as PNG.",
        )
        remove_logo = current.logo_png is not None and st.checkbox(
            "Remove the saved logo", key="data_branding_remove_logo"
        )
        if not st.form_submit_button("Save branding", type="primary"):
            return
    try:
        settings = practice.settings_from_form(coach, practice_name, note)
        upload = logo.getvalue() if logo is not None else None
        practice.save_branding(settings, upload, keep_logo=not remove_logo)
    except (PracticeError, StoreError) as exc:
        st.error(f"Nothing was saved: {plain(str(exc))}")
    else:
        st.session_state[_BRANDING_NOTICE_KEY] = "Saved: reports now carry your branding."
        st.rerun()


_STATE_BADGES = {
    "valid": ":green-badge[:material/check: valid]",
    "warnings": ":orange-badge[:material/warning: warnings]",
    "invalid": ":red-badge[:material/error: invalid]",
}


def questionnaires_section(directory: Path) -> None:
    """Every questionnaire file with its status, a participant's preview, and validated uploads."""
    statuses = authoring.catalog_status(directory)
    st.caption(f"Questionnaire files in {literal(str(directory))} (the guide is in the README).")
    for status in statuses:
        about = (
            f"{plain(status.questionnaire.title)} · version {status.questionnaire.version} · "
            f"{len(status.questionnaire.active_items)} questions"
            if status.questionnaire
            else "cannot be used until fixed"
        )
        st.markdown(f"{_STATE_BADGES[status.state]} **{plain(status.name)}** — {about}")
        if status.issues:
            with st.expander(f"{len(status.issues)} message(s) for {plain(status.name)}"):
                st.code("\n".join(map(str, status.issues)), language=None, wrap_lines=True)
    usable = {s.questionnaire.id: s.questionnaire for s in statuses if s.questionnaire}
    if usable:
        st.subheader("Preview")
        chosen = st.selectbox(
            "Questionnaire",
            list(usable),
            format_func=lambda qid: usable[qid].title,
            key="data_preview_questionnaire",
        )
        with st.container(border=True, height=420):
            for heading, questions in authoring.preview_items(usable[chosen]):
                st.markdown(f"**{plain(heading)}**")
                for text, labels in questions:
                    st.markdown(plain(text))
                    st.caption(" · ".join(map(plain, labels)) if labels else "Free text, optional")
    st.subheader("Add or replace a questionnaire")
    with st.form("data_questionnaire_upload", clear_on_submit=False):
        upload = st.file_uploader(
            "Questionnaire file (.yaml)", type=["yaml", "yml"], key="data_questionnaire_file"
        )
        replace = st.checkbox(
            "Replace the file of the same name",
            help="Raise its version when wording changes; retire items rather than delete them.",
        )
        if not st.form_submit_button("Check and save", type="primary"):
            return
    if upload is None:
        st.error("Choose a .yaml file first.")
        return
    outcome = authoring.save_uploaded_questionnaire(
        directory, upload.name, upload.getvalue(), replace=replace
    )
    if not outcome.saved:
        st.error(f"{plain(upload.name)} was not saved; nothing in the folder changed. Please fix:")
        st.code("\n".join(map(str, outcome.errors)), language=None, wrap_lines=True)
        return
    st.success(f"Saved as {plain(outcome.path.name)}. It is available on Assess now.")
    notes = [str(issue) for issue in outcome.issues] + outcome.warnings
    if notes:
        st.warning("Worth a look:\n\n" + "\n".join(f"- {plain(note)}" for note in notes))


_IMPORTED_KEY = "data_imported_notice"
_IMPORT_ROUND_KEY = "data_import_round"
_READ_KEY = "data_import_read"
_PLAN_KEY = "data_import_plan"
Kept = TypeVar("Kept")


def _remembered(slot: str, signature: Hashable, make: Callable[[], Kept]) -> Kept:
    """`make()` once per `signature`, kept in the session: a rerun for any other widget of the
    page reuses it instead of reading or checking the whole upload again. Only the last one is
    kept, so a session holds one file."""
    kept = st.session_state.get(slot)
    if kept is None or kept[0] != signature:
        kept = st.session_state[slot] = (signature, make())
    return kept[1]


def _read_upload(
    data: bytes, questionnaires: dict[str, Questionnaire]
) -> tuple[importing.Table, str] | importing.ImportProblem:
    """The file as a table with the questionnaire it most likely answers, or why it cannot be
    read."""
    try:
        table = importing.read_table(data)
    except importing.ImportProblem as exc:
        return exc
    return table, importing.likely_questionnaire(table, questionnaires)


def _plan(
    table: importing.Table,
    mapping: list[importing.ColumnMatch],
    questionnaire: Questionnaire,
    responses: Path,
    session: str,
) -> importing.ImportPlan | importing.ImportProblem | StoreError:
    """The import plan against the responses saved now, or why there can be none."""
    try:
        return importing.plan_import(
            table,
            mapping,
            questionnaire,
            existing_ids=importing.existing_response_ids(responses),
            session=session,
        )
    except (importing.ImportProblem, StoreError) as exc:
        return exc


def import_section(responses: Path) -> None:
    """Upload, check the column mapping, read the row report, then import: nothing is saved
    before the last step, and a failed import leaves the data file exactly as it was."""
    if notice := st.session_state.pop(_IMPORTED_KEY, None):
        st.success(notice)
    questionnaires = valid_questionnaires()
    if not questionnaires:
        st.error("No usable questionnaire: fix the files listed under Questionnaires first.")
        return
    st.caption(
        "Our own long CSV, or a Google Forms or Microsoft Forms export (a time column, an "
        "optional name or email column, one column per question; numbers or the scale's words "
        "such as “Agree”). Answers go into *My responses*."
    )
    rounds = st.session_state.setdefault(_IMPORT_ROUND_KEY, 0)  # a new key empties the uploader
    upload = st.file_uploader(
        "File to import", type=["csv", "tsv", "txt"], key=f"data_import_file_{rounds}"
    )
    if upload is None:
        for slot in (_READ_KEY, _PLAN_KEY):
            st.session_state.pop(slot, None)  # let the last file's table go
        read = None
    else:
        read = _remembered(
            _READ_KEY,
            (upload.file_id, tuple(questionnaires)),
            lambda: _read_upload(upload.getvalue(), questionnaires),
        )
    table, guess = read if isinstance(read, tuple) else (None, next(iter(questionnaires)))
    ids = list(questionnaires)
    questionnaire = questionnaires[
        st.selectbox(
            "Questionnaire the answers belong to",
            ids,
            index=ids.index(guess),
            format_func=lambda qid: questionnaires[qid].title,  # selectbox options are plain
            # One choice per file: a new file starts from its own best guess.
            key=f"data_import_questionnaire_{upload.file_id if upload else ''}",
        )
    ]
    session = st.text_input(
        "Workshop session code (optional)",
        max_chars=12,
        key="data_import_session",
        help="Give every imported response this session's code, so Workshop counts them.",
    )
    if note := importing.session_note(sessions_path(responses.parent), session, questionnaire):
        st.warning(plain(f"Note: {note}."))
    if upload is None:
        return
    if isinstance(read, importing.ImportProblem):
        st.error(plain(f"{upload.name} cannot be imported: {read}"))
        return
    st.markdown(f"**{plain(upload.name)}**: {plain(table.describe())}")
    mapping = importing.auto_mapping(table, questionnaire)
    if table.format != "long":
        mapping = _fixed_mapping(mapping, questionnaire, upload.name)
    plan = _remembered(
        _PLAN_KEY,
        (
            upload.file_id,
            questionnaire.model_dump_json(),
            tuple(mapping),
            session.strip(),
            responses_identity(responses),
        ),
        lambda: _plan(table, mapping, questionnaire, responses, session.strip()),
    )
    if isinstance(plan, importing.ImportProblem):
        st.error(plain(f"Nothing can be imported yet: {plan}"))
        return
    if isinstance(plan, StoreError):
        st.error(plain(f"Your responses file cannot be read: {plan}"))
        return
    good, bad, again = st.columns(3)
    good.metric("New responses", plan.response_count, border=True)
    bad.metric("Rows with problems", plan.bad_rows, border=True)
    again.metric("Already imported", plan.already_imported, border=True)
    st.code(plan.report(), language=None, wrap_lines=True)
    if plan.bad_rows:
        download(
            st,
            "Rows with problems (CSV)",
            plan.bad_rows_csv,
            f"{Path(upload.name).stem}_problems.csv",
            key="data_import_bad_rows",
            help="The rows left out, each with its line number and what is wrong, to fix and "
            "import again.",
        )
    if plan.response_count and st.button(
        f"Import {plan.response_count} response(s)", type="primary", key="data_import_go"
    ):
        try:
            added = importing.import_responses(responses, plan)
        except StoreError as exc:
            st.error(plain(f"Nothing was imported: {exc}"))
            return
        use_source(MINE)
        st.session_state[_IMPORTED_KEY] = (
            f"Imported {added} response(s) from {plain(upload.name)}. They show on Results, "
            "Trends and (with a session code) Workshop."
        )
        st.session_state[_IMPORT_ROUND_KEY] = rounds + 1  # ready for the next file
        st.rerun()


def _fixed_mapping(
    mapping: list[importing.ColumnMatch], questionnaire: Questionnaire, file_name: str
) -> list[importing.ColumnMatch]:
    """The automatic mapping, shown as a table a person can fix before anything is saved."""
    st.markdown("**Columns**: check what each column is used as; fix or skip any that are wrong.")
    choices = list(importing.mapping_choices(questionnaire))
    table = pd.DataFrame(
        {
            "column": [m.column for m in mapping],
            "use as": importing.choices_of(mapping, questionnaire),
            "matched by": [m.how for m in mapping],
        }
    )
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=["column", "matched by"],
        column_config={
            "use as": st.column_config.SelectboxColumn(options=choices, required=True),
        },
        key=f"data_import_mapping_{file_name}_{questionnaire.id}",
    )
    return importing.with_choices(
        mapping, dict(zip(edited["column"], edited["use as"], strict=True)), questionnaire
    )
