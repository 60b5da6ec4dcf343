"""Streamlit pieces of the facilitator's screen: the live count and the group results."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from alignment import charts, config, report, theme
from alignment.chartsets import ChartSet, group_summary, session_charts
from alignment.questionnaire import Questionnaire
from alignment.scoring import score_responses
from alignment.ui import chart as ui_chart
from alignment.ui import chart_pack_button, download, plain
from alignment.workshop import (
    GroupView,
    LiveRows,
    Session,
    group_view,
    load_workshops,
    sessions_path,
    top_gaps,
    versions_in,
)

LIVE_REFRESH_SECONDS = 3
_LIVE_KEY = "workshop_live"


def sessions_file(is_sample: bool) -> Path:
    return sessions_path(config.SAMPLE_DIR if is_sample else config.data_dir())


def live_rows(responses: Path, code: str) -> pd.DataFrame:
    """This session's answer rows, reading only what was committed since the last call."""
    state = st.session_state.get(_LIVE_KEY)
    if state is None or state["path"] != str(responses) or state["code"] != code:
        state = {"path": str(responses), "code": code, "live": LiveRows()}
    live = state["live"].follow(responses, code)
    st.session_state[_LIVE_KEY] = {**state, "live": live}
    return live.rows


def group_of(rows: pd.DataFrame, session: Session, questionnaire: Questionnaire) -> GroupView:
    return group_view(score_responses(rows, questionnaire).strategies, session)


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


def waiting_message(view: GroupView, session: Session) -> str | None:
    """Why nothing of the group is shown yet, or None when it may be."""
    if not view.visible:
        return (
            f"{view.count} of at least {session.min_group} responses so far: "
            f"{view.missing} more needed before anything of the group is shown."
        )
    if not session.revealed:
        return "Results are hidden so no one is anchored. Reveal them when the room is ready."
    return None


@dataclass(frozen=True)
class Live:
    """What a self-refreshing panel draws from: the session as it is now and its rows so far."""

    session: Session
    rows: pd.DataFrame
    strategies: pd.DataFrame  # per-strategy scores of the session's responses
    view: GroupView
    questionnaire: Questionnaire

    def charts(self, *, presenting: bool = False) -> ChartSet:
        """The group charts; only call when `waiting_message` is None (at or above k)."""
        return session_charts(
            self.strategies, self.session, self.questionnaire, presenting=presenting
        )


def live(draw: Callable[..., None]) -> Callable[..., None]:
    """Make `draw(live, **options)` a panel that re-reads the session every few seconds.

    The panel is called as `panel(responses, sessions, code, questionnaire, **options)`; only
    rows committed since its last look are read.
    """

    @st.fragment(run_every=LIVE_REFRESH_SECONDS)
    @functools.wraps(draw)
    def panel(
        responses: Path, sessions: Path, code: str, questionnaire: Questionnaire, **options: str
    ) -> None:
        session = load_workshops(sessions).find(code)
        if session is None:
            st.error(f"The session {code} no longer exists.")
            return
        rows = live_rows(responses, code)
        strategies = score_responses(rows, questionnaire).strategies
        view = group_view(strategies, session)
        draw(Live(session, rows, strategies, view, questionnaire), **options)

    return panel


@live
def live_count(now: Live) -> None:
    """The count at the top of the facilitator's screen."""
    st.metric("Responses so far", now.view.count, border=True)
    if message := waiting_message(now.view, now.session):
        st.info(message)
    versions = versions_in(now.rows)
    if len(versions) > 1:
        st.caption(
            f"Answers span versions {', '.join(map(str, versions))} of the questionnaire; "
            "all are scored with the current version."
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
    chart_pack_button(group)
    if report.report_problem() is None:
        for place, paper in zip(st.columns(2, width=460), ("A4", "Letter"), strict=True):
            download(
                place,
                f"Group report (PDF, {paper})",
                functools.partial(
                    report.session_report,
                    now.strategies,
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


@live
def presented_slide(now: Live, *, slide: str) -> None:
    """One slide of the shared screen; the count and charts follow the room as people answer."""
    view, questionnaire = now.view, now.questionnaire
    message = waiting_message(view, now.session)
    if slide == "Responses" or message:
        st.markdown(f"# {view.count} responses")
        if message:
            st.markdown(f"### {message}")
        return
    if slide == "Top gaps":
        st.markdown("# The group's largest gaps")
        show_top_gaps(view, questionnaire, large=True)
        return
    group = now.charts(presenting=True)
    figure = theme.presentation_style(
        group.chart(slide).figure, dark=st.context.theme.type == "dark"
    )
    if slide != "group-quadrants":
        st.plotly_chart(figure, key=f"present_{slide}", config={"displaylogo": False})
        return
    chart_column, key_column = st.columns([3, 1])
    chart_column.plotly_chart(figure, key=f"present_{slide}", config={"displaylogo": False})
    for number, strategy, _ in charts.quadrant_key(group_summary(view, questionnaire)):
        key_column.markdown(f"##### {number}  {plain(strategy)}")
