"""Change over time: date filters, the long index table, the alignment matrix, comparisons.

Expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.scoring import score_responses
from alignment.store import load_responses
from alignment.trends import (
    alignment_changes,
    alignment_matrix,
    change_story,
    compare,
    date_bounds,
    index_series,
    within_dates,
)
from tests.test_scoring import FIXTURE

# ---------------------------------------------------------------------------------------------
# date_bounds


def test_date_bounds_single_date_is_that_day_on_both_ends():
    day = date(2026, 3, 4)
    assert date_bounds(day) == (day, day)


def test_date_bounds_full_range():
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    assert date_bounds((start, end)) == (start, end)


def test_date_bounds_range_being_picked_has_no_end_yet():
    start = date(2026, 1, 1)
    assert date_bounds((start,)) == (start, None)


def test_date_bounds_empty_pick_has_no_bounds():
    assert date_bounds(()) == (None, None)
    assert date_bounds(None) == (None, None)


# ---------------------------------------------------------------------------------------------
# within_dates


@pytest.fixture
def timed() -> pd.DataFrame:
    stamps = [
        "2026-02-28T23:59:59Z",  # a second before the start day: out
        "2026-03-01T00:00:00Z",  # first moment of the start day: in
        "2026-03-05T12:00:00Z",  # in
        "2026-03-10T23:59:59Z",  # last second of the end day: in
        "2026-03-11T00:00:00Z",  # the day after: out
    ]
    return pd.DataFrame(
        {"response_id": list("abcde"), "submitted_at": pd.to_datetime(stamps, utc=True)}
    )


def test_within_dates_is_inclusive_on_both_ends(timed):
    kept = within_dates(timed, date(2026, 3, 1), date(2026, 3, 10))
    assert list(kept["response_id"]) == ["b", "c", "d"]


def test_within_dates_either_bound_is_optional(timed):
    assert list(within_dates(timed, date(2026, 3, 5), None)["response_id"]) == ["c", "d", "e"]
    assert list(within_dates(timed, None, date(2026, 3, 1))["response_id"]) == ["a", "b"]
    assert list(within_dates(timed, None, None)["response_id"]) == list("abcde")


def test_within_dates_single_day(timed):
    assert list(within_dates(timed, date(2026, 3, 10), date(2026, 3, 10))["response_id"]) == ["d"]


def test_within_dates_uses_the_utc_calendar_day():
    # 23:30 in New York on 1 March is 04:30 UTC on 2 March; 22:00 on 10 March is 02:00 UTC
    # on 11 March (daylight saving starts 8 March 2026, so New York is UTC-4 then).
    stamps = pd.to_datetime(["2026-03-01T23:30:00", "2026-03-10T22:00:00"]).tz_localize(
        "America/New_York"
    )
    frame = pd.DataFrame({"response_id": ["x", "y"], "submitted_at": stamps})
    assert list(within_dates(frame, date(2026, 3, 2), date(2026, 3, 10))["response_id"]) == ["x"]
    assert list(within_dates(frame, date(2026, 3, 11), None)["response_id"]) == ["y"]
    assert within_dates(frame, date(2026, 3, 1), date(2026, 3, 1)).empty


# ---------------------------------------------------------------------------------------------
# Scored fixtures for the matrix and comparisons


@pytest.fixture
def fixture_q() -> Questionnaire:
    return Questionnaire.model_validate(FIXTURE)


def answer_rows(response_id: str, when: str, answers: dict[str, float]) -> list[dict]:
    return [
        {
            "response_id": response_id,
            "submitted_at": pd.Timestamp(when),
            "respondent": "Ana",
            "session": "",
            "questionnaire_id": "fixture",
            "questionnaire_version": 3,
            "item_id": item_id,
            "value": float(value),
            "text": "",
        }
        for item_id, value in answers.items()
    ]


EARLY = {
    "s2-p": 5,  # 100
    "s2-q": 4,  # 75  -> alignment 75
    "s3-p": 3,  # 50
    "s3-q": 3,  # 50  -> alignment 100
    "s4-p": 4,  # 75, performance unanswered -> alignment missing
}
MIDDLE = {
    "s1-p1": 5,  # 100
    "s1-p2": 1,  # reverse: 100                     -> purpose 100
    "s1-q1": 4,  # seven-point: (4-1)/6 = 50, weight 2
    "s1-q2": 4,  # 75                               -> performance (100 + 75) / 3 = 58.333
    #                                                  alignment 100 - 41.667 = 58.333
}
LATE = {
    "s2-p": 4,  # 75
    "s2-q": 4,  # 75  -> alignment 100
    "s3-p": 2,  # 25
    "s3-q": 5,  # 100 -> gap +75, alignment 25
    "s4-p": 4,  # 75
    "s4-q": 4,  # 75  -> alignment 100
}


@pytest.fixture
def scores(fixture_q):
    rows = answer_rows("late", "2026-03-01T09:00Z", LATE)
    rows += answer_rows("early", "2026-01-01T09:00Z", EARLY)
    rows += answer_rows("middle", "2026-02-01T09:00Z", MIDDLE)
    return score_responses(pd.DataFrame(rows), fixture_q)


def test_index_series_is_long_with_three_rows_per_response(scores):
    series = index_series(scores.overall)
    assert list(series.columns) == ["submitted_at", "response_id", "index", "value"]
    assert len(series) == 9  # 3 responses x 3 indices
    assert series["response_id"].value_counts().to_dict() == {"early": 3, "middle": 3, "late": 3}
    # Sorted by time: early, middle, late.
    assert list(series["response_id"]) == ["early"] * 3 + ["middle"] * 3 + ["late"] * 3
    early = series[series["response_id"] == "early"].set_index("index")["value"]
    assert sorted(early.index) == ["alignment", "performance", "purpose"]
    assert early["purpose"] == pytest.approx(75)  # (100 + 50 + 75) / 3
    assert early["performance"] == pytest.approx(62.5)  # (75 + 50) / 2
    assert early["alignment"] == pytest.approx(87.5)  # (75 + 100) / 2
    late = series[series["response_id"] == "late"].set_index("index")["value"]
    assert late["alignment"] == pytest.approx(75)  # (100 + 25 + 100) / 3


def test_alignment_matrix_rows_in_questionnaire_order_columns_by_time(scores, fixture_q):
    # Rows shuffled: newest first and strategies reversed.
    shuffled = scores.strategies.iloc[::-1].reset_index(drop=True)
    matrix = alignment_matrix(shuffled, fixture_q)
    assert list(matrix.index) == ["S1", "S2", "S3", "S4", "S5"]
    assert list(matrix.columns) == [
        pd.Timestamp("2026-01-01T09:00Z"),
        pd.Timestamp("2026-02-01T09:00Z"),
        pd.Timestamp("2026-03-01T09:00Z"),
    ]
    expected = {
        "S1": [None, 58.333333, None],
        "S2": [75, None, 100],
        "S3": [100, None, 25],
        "S4": [None, None, 100],  # early: performance unanswered, so no alignment
        "S5": [None, None, None],  # never answered, still a row
    }
    for name, row in expected.items():
        for got, want in zip(matrix.loc[name], row, strict=True):
            if want is None:
                assert math.isnan(got), name
            else:
                assert got == pytest.approx(want, abs=1e-5), name


def test_compare_puts_scores_side_by_side_with_change(scores, fixture_q):
    table = compare(scores.strategies, "early", "late", fixture_q)
    assert list(table["strategy"]) == ["s1", "s2", "s3", "s4", "s5"]
    assert list(table["strategy_name"]) == ["S1", "S2", "S3", "S4", "S5"]
    s2 = table.set_index("strategy").loc["s2"]
    assert (s2["purpose_before"], s2["purpose_after"], s2["purpose_change"]) == (100, 75, -25)
    assert (s2["performance_before"], s2["performance_after"], s2["performance_change"]) == (
        75,
        75,
        0,
    )
    assert (s2["alignment_before"], s2["alignment_after"], s2["alignment_change"]) == (
        75,
        100,
        25,
    )
    s3 = table.set_index("strategy").loc["s3"]
    assert s3["purpose_change"] == -25  # 25 - 50
    assert s3["performance_change"] == 50  # 100 - 50
    assert s3["alignment_change"] == -75  # 25 - 100
    s4 = table.set_index("strategy").loc["s4"]
    assert s4["purpose_change"] == 0  # 75 - 75
    assert s4["performance_after"] == 75
    assert math.isnan(s4["performance_change"])  # nothing to compare with, not 75 - 0
    assert math.isnan(s4["alignment_change"])


def test_compare_direction_follows_the_arguments(scores, fixture_q):
    backwards = compare(scores.strategies, "late", "early", fixture_q).set_index("strategy")
    assert backwards.loc["s3", "alignment_change"] == 75  # 100 - 25
    assert backwards.loc["s3", "alignment_before"] == 25


def test_change_story_counts_gains_and_declines_and_names_the_largest_decline(scores, fixture_q):
    # s2 75 -> 100 (+25), s3 100 -> 25 (-75); s1, s4, s5 lack a score in one or both.
    told = change_story(compare(scores.strategies, "early", "late", fixture_q), "1 Jan 2026")
    assert told.sentence == "Since 1 Jan 2026, alignment rose on 1 and fell on 1 of 2 strategies."
    assert told.fact == "Largest decline: S3, alignment 100 → 25."


def comparison(changes: dict[str, float], before: float = 60.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "strategy_name": list(changes),
            "alignment_before": before,
            "alignment_after": [before + change for change in changes.values()],
            "alignment_change": list(changes.values()),
        }
    )


def test_change_story_without_a_decline_names_the_largest_gain():
    told = change_story(comparison({"A": 12.5, "B": 25.0, "C": 0.0}), "1 Jan 2026")
    assert told.sentence == "Since 1 Jan 2026, alignment rose on 2 and fell on 0 of 3 strategies."
    assert told.fact == "Largest gain: B, alignment 60 → 85."


def test_change_story_counts_in_whole_points_as_shown():
    # -0.4 shows as ±0: neither a decline nor a gain, so nothing moved by a whole point.
    told = change_story(comparison({"A": -0.4, "B": 0.3}), "1 Jan 2026")
    assert told.sentence == "Since 1 Jan 2026, alignment rose on 0 and fell on 0 of 2 strategies."
    assert told.fact == "No strategy moved by a whole point."


def test_change_story_is_none_when_no_strategy_is_scored_in_both():
    assert change_story(comparison({"A": math.nan}), "1 Jan 2026") is None


def test_alignment_changes_in_whole_points_from_largest_decline_unscored_last():
    # before is 60 for each: 60 + 12.5 = 72.5 shows as 73 (half up), the change as +13.
    shown = alignment_changes(comparison({"A": 12.5, "B": math.nan, "C": -25.0, "D": 0.4}))
    assert shown.to_dict("list") == {
        "Strategy": ["C", "D", "A", "B"],
        "Earlier": ["60", "60", "60", "60"],
        "Later": ["35", "60", "73", "—"],
        "Change": ["-25", "±0", "+13", "—"],
    }


# ---------------------------------------------------------------------------------------------
# On the shipped sample data


def test_sample_pulse_history_matrix_and_series_agree():
    pulse = load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")
    answers = load_responses(SAMPLE_RESPONSES).frame
    alex = answers[answers["respondent"] == "Alex Rivera"]
    scores = score_responses(alex, pulse)
    # 100 pulse rows for Alex at 20 active items (no reflections written) -> 5 responses.
    assert len(scores.overall) == 5
    matrix = alignment_matrix(scores.strategies, pulse)
    assert list(matrix.index) == [s.name for s in pulse.strategies]
    assert list(matrix.columns) == sorted(scores.overall["submitted_at"])
    # Each column's mean over strategies is that response's alignment index.
    for when, value in scores.overall.set_index("submitted_at")["alignment"].items():
        assert matrix[when].mean() == pytest.approx(value)
    series = index_series(scores.overall)
    assert len(series) == 15
