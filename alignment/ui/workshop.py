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
from alignment.ui import chart_pack_button, download, plain, report_branding
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
_RESULTS_DRAWN_KEY = "workshop_results_drawn"


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
    heading, body = ("## ", "### ") if large else ("### ", "")  # under the slide's h1
    for place, (_, row) in zip(places, shown.iterrows(), strict=True):
        name = questionnaire.strategy_by_id[row["strategy"]].name
        with place.container(border=True):
            st.markdown(heading + plain(name))
            st.markdown(
                f"{body}Valued at **{row['purpose']:.0f}**, lived at "
                f"**{row['performance']:.0f}**: a gap of {abs(row['gap']):.0f} points."
            )
            if large:  # one action each, so three cards fit a 1280x720 screen
                st.markdown("\n".join(f"{body}→ {plain(a)}" for a in row["actions"][:1]))
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


def read_live(
    responses: Path, sessions: Path, code: str, questionnaire: Questionnaire
) -> Live | None:
    """The session as it is now and its rows so far (only rows committed since the last look are
    read); None, with an error shown, when the session no longer exists."""
    session = load_workshops(sessions).find(code)
    if session is None:
        st.error(f"The session {code} no longer exists.")
        return None
    followed = live_rows(responses, code, questionnaire)
    rows, strategies = followed.rows, followed.strategies
    view = group_view(strategies, session)
    return Live(responses, sessions, session, rows, strategies, view, questionnaire)


def live(draw: Callable[..., None]) -> Callable[..., None]:
    """Make `draw(live, **options)` a panel that re-reads the session every few seconds.

    The panel is called as `panel(responses, sessions, code, questionnaire, **options)`.
    Never put a download button in one: each redraw gives the button a new file and drops the
    old one, so a press that meets a redraw fetches nothing.
    """

    @st.fragment(run_every=LIVE_REFRESH_SECONDS)
    @functools.wraps(draw)
    def panel(
        responses: Path, sessions: Path, code: str, questionnaire: Questionnaire, **options: object
    ) -> None:
        now = read_live(responses, sessions, code, questionnaire)
        if now is not None:
            draw(now, **options)

    return panel


def results_on_show(now: Live) -> tuple[str, Visibility, int | None]:
    """What the group results drawn on the page depend on: a release and whether it is on
    show, never a new answer (answers after a release change nothing of it)."""
    release = now.view.release
    return now.session.code, now.view.visibility, None if release is None else release.number


def follow_results(now: Live) -> None:
    """Rerun the whole page once the group results it shows are out of date (a release, a hide
    or a withdrawal); called by the live count, so no second fragment redraws alongside it."""
    on_show = results_on_show(now)
    drawn = st.session_state.get(_RESULTS_DRAWN_KEY, on_show)
    # Drawn for another session: this is a run of the whole page, which draws them anew below.
    if drawn[0] == on_show[0] and drawn != on_show:
        st.session_state[_RESULTS_DRAWN_KEY] = on_show  # so the rerun does not ask again
        st.rerun()


@live
def live_count(now: Live, *, read_only: bool) -> None:
    """The count at the top of the facilitator's screen, what arrived oddly, and the release;
    it also reruns the page when the group results below it change (see `group_results`).

    The only live fragment of the Workshop page: at the end of every run, of any fragment,
    Streamlit drops generated download files that no page refers to any more, and a file made
    for a press is kept only until the second such sweep. Two fragments redraw at the same
    moment, so their two sweeps could drop a file before the browser fetched it.
    """
    follow_results(now)
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


def group_results(responses: Path, sessions: Path, code: str, questionnaire: Questionnaire) -> None:
    """The group's charts, files and largest gaps, drawn with the page rather than every few
    seconds, so their download buttons keep their files; `live_count` reruns the page when a
    release, a hide or a withdrawal changes them."""
    now = read_live(responses, sessions, code, questionnaire)
    if now is None:
        return
    st.session_state[_RESULTS_DRAWN_KEY] = results_on_show(now)
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
                    branding=report_branding(place),
                ),
                f"{group.file_name('group-report')}_{paper.lower()}.pdf",
                key=f"workshop_report_{paper}",
                help="The group charts and top gaps for the follow-up email; no one is named.",
                icon=":material/picture_as_pdf:",
            )
    st.subheader("The group's largest gaps")
    show_top_gaps(now.view, now.questionnaire)
