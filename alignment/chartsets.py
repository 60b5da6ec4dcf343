"""The charts of each view with the data behind them: what pages show and downloads contain.

Results, Trends and Workshop draw these sets, and chart packs, reports and the CLI export the
very same ones, so a download always matches the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from alignment import charts, trends
from alignment.export import download_name
from alignment.questionnaire import Questionnaire
from alignment.results import INDICES, with_names
from alignment.scoring import QUADRANT_LABELS, Scores, classify_quadrants
from alignment.workshop import GroupView, Session
from alignment.workshop.disclosure import SPREAD_MIN


class ChartSetError(ValueError):
    """A view that cannot be drawn for this data; the message says why, for people."""


@dataclass(frozen=True)
class Chart:
    name: str  # the file-name part: "radar"
    figure: go.Figure
    data: pd.DataFrame  # the table behind the chart, as people read it


@dataclass(frozen=True)
class ChartSet:
    """The charts of one view, and whose and when they are (for file names and headings)."""

    view: str  # "results", "trends" or "workshop"
    who: str
    day: pd.Timestamp
    charts: tuple[Chart, ...]

    def chart(self, name: str) -> Chart:
        for chart in self.charts:
            if chart.name == name:
                return chart
        names = ", ".join(c.name for c in self.charts)
        raise ChartSetError(f"There is no chart '{name}' in {self.view}; choose one of: {names}.")

    def file_name(self, what: str) -> str:
        return download_name(self.who, self.day, what)


# ---------------------------------------------------------------------------------------------
# Tables people read beside the charts


def strategy_table(strategies: pd.DataFrame) -> pd.DataFrame:
    """Per-strategy scores as people read them: names, rounded numbers, quadrant in words."""
    table = strategies[["strategy_name", "purpose", "performance", "gap", "alignment"]].round(1)
    table["quadrant"] = strategies["quadrant"].map(QUADRANT_LABELS)
    return table.rename(columns={"strategy_name": "strategy"})


def index_table(overall: pd.DataFrame) -> pd.DataFrame:
    table = overall[["submitted_at", *INDICES]].copy()
    table[list(INDICES)] = table[list(INDICES)].round(1)
    return table.rename(columns={"submitted_at": "submitted (UTC)"})


def matrix_table(matrix: pd.DataFrame) -> pd.DataFrame:
    table = matrix.round(0).copy()
    table.columns = [f"{c:%Y-%m-%d}" for c in table.columns]
    return table.reset_index(names="strategy")


def change_table(comparison: pd.DataFrame) -> pd.DataFrame:
    columns = ["strategy_name", "alignment_before", "alignment_after", "alignment_change"]
    return comparison[columns].round(1).rename(columns={"strategy_name": "strategy"})


def group_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The group's published numbers per strategy, in whole points; nothing about any one person.

    A number left empty was not published (fewer than k answers); quartiles appear from
    `disclosure.SPREAD_MIN` answers, and no minimum or maximum ever does.
    """
    columns = {
        "strategy_name": "strategy",
        "purpose_n": "purpose answers",
        "purpose": "mean purpose",
        "performance_n": "performance answers",
        "performance": "mean performance",
        "gap": "mean gap",
        "alignment_n": "alignment answers",
        "alignment": "mean alignment",
        "alignment_low": "alignment lower quartile",
        "alignment_median": "alignment median",
        "alignment_high": "alignment upper quartile",
    }
    table = summary[list(columns)].rename(columns=columns)
    numbers = [c for c in table.columns if c != "strategy"]
    table[numbers] = table[numbers].astype("Float64").round(0).astype("Int64")
    table["quadrant"] = summary["quadrant"].map(QUADRANT_LABELS)
    return table


def short_date(overall: pd.DataFrame, response_id: str) -> str:
    stamp = overall.loc[overall["response_id"] == response_id, "submitted_at"].iloc[0]
    return f"{stamp:%d %b %Y}"


# ---------------------------------------------------------------------------------------------
# The views


def response_charts(scores: Scores, response_id: str, questionnaire: Questionnaire) -> ChartSet:
    """Results: radar, quadrant map and gaps of one response."""
    response = scores.for_response(response_id)
    if response.overall.empty:
        raise ChartSetError(f"There is no response '{response_id}' to {questionnaire.title}.")
    row = response.overall.iloc[0]
    strategies = with_names(response.strategies, questionnaire)
    table = strategy_table(strategies)
    return ChartSet(
        "results",
        row["respondent"],
        row["submitted_at"],
        (
            Chart("radar", charts.radar_chart(strategies), table),
            Chart("quadrants", charts.quadrant_chart(strategies, questionnaire.threshold), table),
            Chart("gaps", charts.gap_chart(strategies), table),
        ),
    )


def trend_charts(
    scores: Scores,
    respondent: str,
    questionnaire: Questionnaire,
    *,
    start: date | None = None,
    end: date | None = None,
    earlier: str | None = None,
    later: str | None = None,
) -> ChartSet:
    """Trends: the indices over time, the heatmap, and two check-ins compared.

    Without `earlier` and `later` the first and the last response in the dates are compared.
    """
    overall = trends.within_dates(
        scores.overall[scores.overall["respondent"] == respondent], start, end
    )
    if len(overall) < 2:
        raise ChartSetError(
            f"{respondent} has {len(overall)} response(s) to {questionnaire.title} in these "
            "dates; a trend needs at least two."
        )
    ids = list(overall["response_id"])
    earlier, later = earlier or ids[0], later or ids[-1]
    for chosen in (earlier, later):
        if chosen not in ids:
            raise ChartSetError(f"The response '{chosen}' is not one of {respondent}'s here.")
    strategies = scores.strategies[scores.strategies["response_id"].isin(ids)]
    matrix = trends.alignment_matrix(strategies, questionnaire)
    found = [
        Chart(
            "indices-over-time",
            charts.index_trend_chart(trends.index_series(overall)),
            index_table(overall),
        ),
        Chart("alignment-heatmap", charts.alignment_heatmap(matrix), matrix_table(matrix)),
    ]
    if earlier != later:
        comparison = trends.compare(strategies, earlier, later, questionnaire)
        labels = short_date(overall, earlier), short_date(overall, later)
        found += [
            Chart(
                "check-ins-compared",
                charts.change_slopes(comparison, *labels),
                with_names(comparison, questionnaire),
            ),
            Chart(
                "alignment-change",
                charts.change_dumbbell(comparison, *labels),
                change_table(comparison),
            ),
        ]
    return ChartSet("trends", respondent, overall["submitted_at"].max(), tuple(found))


def group_summary(view: GroupView, questionnaire: Questionnaire) -> pd.DataFrame:
    summary = with_names(view.summary, questionnaire)
    summary["quadrant"] = classify_quadrants(
        summary["purpose"], summary["performance"], questionnaire.threshold
    )
    return summary


def session_charts(
    view: GroupView,
    session: Session,
    questionnaire: Questionnaire,
    *,
    presenting: bool = False,
) -> ChartSet:
    """Workshop: the group's radar, spread and quadrant map of the release on show, if any.

    `view` is `workshop.group_view` of the session: nothing is drawn unless a release stands.
    The spread is left out until a strategy has `disclosure.SPREAD_MIN` answers (see
    `spread_note`).
    """
    if not view.visible or view.release is None:
        raise ChartSetError(
            f"The session {session.code} has no group results on show: they are shown from "
            f"{session.min_group} (k) responses once released, so nothing of it can be exported."
        )
    summary = group_summary(view, questionnaire)
    table = group_table(summary)
    radar = charts.radar_chart(
        summary, title="The group: purpose and performance per strategy (means)"
    )
    quadrants = charts.quadrant_chart(
        summary, questionnaire.threshold, title="Where the group stands (means)", key=not presenting
    )
    found = [Chart("group-radar", radar, table)]
    if summary["alignment_median"].notna().any():  # quartiles need SPREAD_MIN answers
        found.append(Chart("group-spread", charts.spread_chart(summary), table))
    found.append(Chart("group-quadrants", quadrants, table))
    return ChartSet(
        "workshop",
        f"{session.title} {session.code}",
        pd.Timestamp(view.release.released_at),
        tuple(found),
    )


def spread_note(group: ChartSet) -> str | None:
    """Why a group's chart set has no spread, or None when it has one."""
    if any(chart.name == "group-spread" for chart in group.charts):
        return None
    return (
        f"The spread appears once a strategy has {SPREAD_MIN} answers: quartiles of fewer "
        "people come too close to someone's own score."
    )


def sessions_compared(
    before: tuple[Session, GroupView],
    after: tuple[Session, GroupView],
    questionnaire: Questionnaire,
) -> ChartSet:
    """Two sessions (before and after a programme), each only at or above its k."""
    for session, view in (before, after):
        if not view.visible:
            raise ChartSetError(
                f"{session.code} has no group results on show (they need {session.min_group} (k) "
                "responses and a release), so it cannot be compared."
            )
    (first, first_view), (second, second_view) = before, after
    comparison = trends.compare_frames(first_view.summary, second_view.summary, questionnaire)
    return ChartSet(
        "workshop-comparison",
        f"{first.code} to {second.code}",
        pd.Timestamp.now(tz="UTC"),
        (
            Chart(
                "sessions-compared",
                charts.change_slopes(comparison, first.code, second.code, "Two sessions compared"),
                with_names(comparison, questionnaire),
            ),
            Chart(
                "group-alignment-change",
                charts.change_dumbbell(
                    comparison, first.code, second.code, "Group alignment: what changed"
                ),
                change_table(comparison),
            ),
        ),
    )
