"""Streamlit pieces of the facilitator's screen: the live count and the group results."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from alignment import config, report
from alignment.chartsets import ChartSet, session_charts, spread_note
from alignment.questionnaire import Questionnaire
from alignment.store import StoreError
from alignment.ui import chart as ui_chart
from alignment.ui import chart_pack_button, download, plain
from alignment.ui.sessions import NOTICE_KEY, change
from alignment.workshop import (
    GroupView,
    LiveRows,
    Session,
    Visibility,
    WorkshopError,
    admission,
    group_view,
    load_workshops,
    plan_release,
    release_results,
    sessions_path,
    top_gaps,
    versions_in,
)

LIVE_REFRESH_SECONDS = 3
_LIVE_KEY = "workshop_live"


def sessions_file(is_sample: bool) -> Path:
    return sessions_path(config.SAMPLE_DIR if is_sample else config.data_dir())


def live_rows(responses: Path, code: str, questionnaire: Questionnaire) -> LiveRows:
    """This session's answer rows and their scores, reading and scoring only what was committed
    since the last call."""
    state = st.session_state.get(_LIVE_KEY)
    if state is None or state["path"] != str(responses) or state["code"] != code:
        state = {"path": str(responses), "code": code, "live": LiveRows()}
    live = state["live"].follow(responses, code).scored_by(questionnaire)
    st.session_state[_LIVE_KEY] = {**state, "live": live}
    return live


def show_top_gaps(view: GroupView, questionnaire: Questionnaire, *, large: bool = False) -> None:
    gaps = top_gaps(view.summary, questionnaire)
    if gaps.empty or (gaps["gap"] >= 0).all():
        st.info("No strategy has a group intent gap: on average, what people do keeps up.")
        return
    shown = gaps[gaps["gap"] < 0]
    # On the shared screen the gaps stand side by side in heading-size type (Markdown, not CSS).
    places = st.columns(len(shown)) if large else [st.container() for _ in range(len(shown))]
    heading, body = ("### ", "#### ") if large else ("### ", "")
    for place, (_, row) in zip(places, shown.iterrows(), strict=True):
        name = questionnaire.strategy_by_id[row["strategy"]].name
        with place.container(border=True):
            st.markdown(heading + plain(name))
            st.markdown(
                f"{body}Valued at **{row['purpose']:.0f}**, lived at "
                f"**{row['performance']:.0f}**: a gap of {abs(row['gap']):.0f} points."
            )
            if large:
                st.markdown("\n".join(f"{body}→ {plain(a)}" for a in row["actions"][:2]))
            else:
                st.markdown("\n".join(f"- {plain(a)}" for a in row["actions"]))


def waiting_message(view: GroupView, session: Session, *, for_room: bool = False) -> str | None:
    """Why nothing of the group is shown, or None when the release is on show.

    `for_room`: the wording for the shared screen, which never says what someone did.
    """
    k = session.min_group
    match view.visibility:
        case Visibility.SHOWN:
            return None
        case Visibility.WAITING:
            return (
                f"{view.count} of at least {k} responses so far: {view.missing} more needed "
                "before anything of the group is shown."
            )
        case Visibility.NOT_RELEASED:
            return "Results are hidden so no one is anchored. Reveal them when the room is ready."
        case Visibility.HIDDEN:
            return "Results are hidden for now."
    if for_room:
        return "The group's results are being updated."
    return (
        "Someone in the last release has deleted their answers, so those results are withdrawn "
        f"(showing them without that person would reveal their scores). Release again once {k} "
        "(k) responses have changed since."
    )


def release_now(responses: Path, sessions: Path, code: str, questionnaire: Questionnaire) -> None:
    """Button callback: release the session's results as they stand at this moment."""
    strategies = live_rows(responses, code, questionnaire).strategies
    try:
        release_results(sessions, code, strategies)
    except (WorkshopError, StoreError) as exc:
        st.session_state[NOTICE_KEY] = str(exc)


@dataclass(frozen=True)
class Live:
    """What a self-refreshing panel draws from: the session as it is now and its rows so far."""

    responses: Path
    sessions: Path
    session: Session
    rows: pd.DataFrame
    strategies: pd.DataFrame  # per-strategy scores of the session's responses
    view: GroupView
    questionnaire: Questionnaire

    def charts(self, *, presenting: bool = False) -> ChartSet:
        """The group charts; only call when `waiting_message` is None (a release on show)."""
        return session_charts(self.view, self.session, self.questionnaire, presenting=presenting)


def live(draw: Callable[..., None]) -> Callable[..., None]:
    """Make `draw(live, **options)` a panel that re-reads the session every few seconds.

    The panel is called as `panel(responses, sessions, code, questionnaire, **options)`; only
    rows committed since its last look are read.
    """

    @st.fragment(run_every=LIVE_REFRESH_SECONDS)
    @functools.wraps(draw)
    def panel(
        responses: Path, sessions: Path, code: str, questionnaire: Questionnaire, **options: object
    ) -> None:
        session = load_workshops(sessions).find(code)
        if session is None:
            st.error(f"The session {code} no longer exists.")
            return
        followed = live_rows(responses, code, questionnaire)
        rows, strategies = followed.rows, followed.strategies
        view = group_view(strategies, session)
        draw(Live(responses, sessions, session, rows, strategies, view, questionnaire), **options)

    return panel


@live
def live_count(now: Live, *, read_only: bool) -> None:
    """The count at the top of the facilitator's screen, what arrived oddly, and the release."""
    view, session, sessions = now.view, now.session, now.sessions
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.error(plain(notice))
    st.metric("Responses so far", view.count, border=True)
    for flag in admission.flags(session, view.count):
        st.warning(flag)
    if message := waiting_message(view, session):
        st.info(message)
    versions = versions_in(now.rows)
    if len(versions) > 1:
        st.caption(
            f"Answers span versions {', '.join(map(str, versions))} of the questionnaire; "
            "all are scored with the current version."
        )
    plan = plan_release(now.strategies, session.min_group, session.releases)
    release = view.release
    first_release = release is None
    release_column, show_column = st.columns(2)
    release_column.button(
        "Reveal results" if first_release else "Release new results",
        type="primary" if first_release or view.visible else "secondary",
        on_click=release_now,
        args=(now.responses, sessions, session.code, now.questionnaire),
        disabled=read_only or not plan.possible,
        help=plan.reason
        or "Publish the group's results as they stand now; they stay fixed "
        "until you release again.",
        key="workshop_release",
    )
    if view.visibility in (Visibility.SHOWN, Visibility.HIDDEN):
        shown = view.visibility is Visibility.SHOWN
        show_column.button(
            "Hide results" if shown else "Show results again",
            on_click=change,
            args=(sessions, session.code),
            kwargs={"revealed": not shown},
            disabled=read_only,
            key="workshop_show",
        )
    if release is not None:
        st.caption(
            f"On show: release {release.number} of {len(release.members)} responses, fixed at "
            f"{release.released_at.replace('T', ' ').rstrip('Z')} UTC; {view.pending} changed "
            f"since. A new release needs {session.min_group} (k) changes, so no two releases "
            "differ by fewer people."
        )


@live
def live_panel(now: Live) -> None:
    """The group results, drawn once there are k responses and they are revealed."""
    if waiting_message(now.view, now.session):
        st.info(
            "The group's results appear here once there are enough responses and you reveal them."
        )
        return
    group = now.charts()
    for chart in group.charts:
        ui_chart(chart, group)
    if note := spread_note(group):
        st.caption(note)
    chart_pack_button(group)
    if report.report_problem() is None:
        for place, paper in zip(st.columns(2, width=460), ("A4", "Letter"), strict=True):
            download(
                place,
                f"Group report (PDF, {paper})",
                functools.partial(
                    report.session_report,
                    now.view,
                    now.session,
                    now.questionnaire,
                    paper=paper.lower(),
                ),
                f"{group.file_name('group-report')}_{paper.lower()}.pdf",
                key=f"workshop_report_{paper}",
                help="The group charts and top gaps for the follow-up email; no one is named.",
                icon=":material/picture_as_pdf:",
            )
    st.subheader("The group's largest gaps")
    show_top_gaps(now.view, now.questionnaire)
