"""Change over time for one respondent and one questionnaire."""

from __future__ import annotations

from datetime import date

import pandas as pd

from alignment.numbers import points, signed_points, whole_points
from alignment.questionnaire import Questionnaire
from alignment.results import INDICES, Story, with_names


def date_bounds(picked: object) -> tuple[date | None, date | None]:
    """st.date_input gives a date, or a tuple of 0–2 dates while a range is being picked."""
    if isinstance(picked, date):
        return picked, picked
    chosen = [d for d in picked or () if isinstance(d, date)]  # type: ignore[attr-defined]
    return (chosen[0] if chosen else None), (chosen[1] if len(chosen) > 1 else None)


def within_dates(frame: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """Rows submitted on or between the two calendar days (UTC), either bound optional."""
    day = frame["submitted_at"].dt.tz_convert("UTC").dt.date
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= day >= start
    if end is not None:
        keep &= day <= end
    return frame.loc[keep]


def index_series(overall: pd.DataFrame) -> pd.DataFrame:
    """Long table (submitted_at, response_id, index, value) for a line chart of the indices."""
    long = overall.melt(
        id_vars=["submitted_at", "response_id"],
        value_vars=list(INDICES),
        var_name="index",
        value_name="value",
    )
    return long.sort_values(["submitted_at", "index"], kind="stable").reset_index(drop=True)


def alignment_matrix(strategies: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Alignment per strategy (rows, questionnaire order) and response (columns, by time)."""
    named = with_names(strategies, questionnaire)
    matrix = named.pivot_table(
        index="strategy_name",
        columns="submitted_at",
        values="alignment",
        aggfunc="first",
        sort=False,
        dropna=False,
    )
    return matrix.reindex(columns=sorted(matrix.columns))


def compare(
    strategies: pd.DataFrame, earlier_id: str, later_id: str, questionnaire: Questionnaire
) -> pd.DataFrame:
    """Per strategy: both responses' scores side by side and the change in each."""
    return compare_frames(
        strategies[strategies["response_id"] == earlier_id],
        strategies[strategies["response_id"] == later_id],
        questionnaire,
    )


def compare_frames(
    before: pd.DataFrame, after: pd.DataFrame, questionnaire: Questionnaire
) -> pd.DataFrame:
    """Two per-strategy score tables (a response's, or a group's means) joined with changes."""
    columns = ["strategy", "purpose", "performance", "alignment"]
    both = before[columns].merge(after[columns], on="strategy", suffixes=("_before", "_after"))
    for name in ("purpose", "performance", "alignment"):
        both[f"{name}_change"] = both[f"{name}_after"] - both[f"{name}_before"]
    return with_names(both, questionnaire).reset_index(drop=True)


def change_story(comparison: pd.DataFrame, since: str) -> Story | None:
    """Two check-ins compared in words: how many strategies gained alignment and how many lost
    it (in whole points, as shown), then the largest decline, or the largest gain when none
    declined. None when no strategy is scored in both.

    `comparison` is `compare`'s table; `since` names the earlier check-in ("15 Aug 2025").
    """
    scored = comparison.dropna(subset=["alignment_change"])
    if scored.empty:
        return None
    change = whole_points(scored["alignment_change"])
    gained, lost = int((change > 0).sum()), int((change < 0).sum())
    total = len(scored)
    sentence = (
        f"Since {since}, alignment rose on {gained} and fell on {lost} of {total} strategies."
    )
    if lost:
        moved, word = scored.loc[scored["alignment_change"].idxmin()], "Largest decline"
    elif gained:
        moved, word = scored.loc[scored["alignment_change"].idxmax()], "Largest gain"
    else:
        return Story(sentence, "No strategy moved by a whole point.")
    fact = (
        f"{word}: {moved['strategy_name']}, alignment {points(moved['alignment_before'])} → "
        f"{points(moved['alignment_after'])}."
    )
    return Story(sentence, fact)


def alignment_changes(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: alignment at each check-in and the change, in whole points as people read
    them; from the largest decline to the largest gain, and unscored strategies last.

    `comparison` is `compare`'s table. The names are as written, not yet escaped for Markdown.
    """
    ordered = comparison.sort_values("alignment_change", kind="stable", na_position="last")
    return pd.DataFrame(
        {
            "Strategy": ordered["strategy_name"],
            "Earlier": ordered["alignment_before"].map(points),
            "Later": ordered["alignment_after"].map(points),
            "Change": ordered["alignment_change"].map(
                lambda change: "—" if pd.isna(change) else signed_points(change)
            ),
        }
    ).reset_index(drop=True)
