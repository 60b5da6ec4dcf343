"""What one response means: headline, focus areas, reflections, named strategy rows.

Every expected number is worked out by hand in the comments (scoring model of DESIGN.md):
item norm = (value - min) / (max - min) * 100, reverse -> 100 - norm; gap = Q - P;
alignment = 100 - |gap|; overall indices are means over the scored strategies.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.results import (
    Focus,
    focus_next,
    headline,
    quadrant_wording,
    reflections_of,
    story,
    with_names,
)
from alignment.scoring import score_responses
from tests.test_scoring import FIXTURE

STRATEGY_COLUMNS = ["strategy", "purpose", "performance", "gap", "alignment", "quadrant"]


def answer_rows(
    response_id: str,
    respondent: str,
    when: str,
    answers: dict[str, object],
    questionnaire_id: str = "fixture",
) -> list[dict[str, object]]:
    """The long rows of one response (numbers are scale answers, strings are reflections)."""
    rows = []
    for item_id, value in answers.items():
        is_text = isinstance(value, str)
        rows.append(
            {
                "response_id": response_id,
                "submitted_at": pd.Timestamp(when),
                "respondent": respondent,
                "session": "",
                "questionnaire_id": questionnaire_id,
                "questionnaire_version": 3,
                "item_id": item_id,
                "value": float("nan") if is_text else float(value),
                "text": value if is_text else "",
            }
        )
    return rows


@pytest.fixture
def fixture_q() -> Questionnaire:
    return Questionnaire.model_validate(FIXTURE)


@pytest.fixture
def pulse() -> Questionnaire:
    return load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")


# ---------------------------------------------------------------------------------------------
# headline

# Ana answers three times. Ids sort the other way round from time, so "previous" must follow
# submission time, not the id.
ANA_1 = (
    "zz-first",
    "2026-01-01T09:00Z",
    {
        # s1 unanswered: no scores
        "s2-p": 5,  # 100
        "s2-q": 4,  # 75   -> gap -25, alignment 75
        "s3-p": 3,  # 50
        "s3-q": 3,  # 50   -> gap 0, alignment 100
        "s4-p": 4,  # 75
        "s4-q": 2,  # 25   -> gap -50, alignment 50
        "s5-p": 1,  # 0
        "s5-q": 1,  # 0    -> gap 0, alignment 100
    },
)
# purpose (100 + 50 + 75 + 0) / 4 = 56.25; performance (75 + 50 + 25 + 0) / 4 = 37.5
# alignment (75 + 100 + 50 + 100) / 4 = 81.25; counts 4 / 4 / 4
ANA_2 = (
    "mm-second",
    "2026-02-01T09:00Z",
    {
        "s1-p1": 5,  # 100
        "s1-p2": 1,  # reverse: 100 - 0 = 100          -> purpose 100
        "s1-q1": 7,  # seven-point: 100 (weight 2)
        "s1-q2": 5,  # 100                              -> performance 100, alignment 100
        "s2-p": 4,  # 75
        "s2-q": 4,  # 75                                -> alignment 100
        "s3-p": 5,  # 100, no performance answer       -> performance missing
        "s4-p": 2,  # 25
        "s4-q": 4,  # 75                                -> gap +50, alignment 50
        # s5 unanswered
    },
)
# purpose (100 + 75 + 100 + 25) / 4 = 75; performance (100 + 75 + 75) / 3 = 83.3333
# alignment (100 + 100 + 50) / 3 = 83.3333; counts 4 / 3 / 3
ANA_3 = (
    "aa-third",
    "2026-03-01T09:00Z",
    {"s2-p": 3, "s2-q": 5},  # 50 and 100 -> gap +50, alignment 50; counts 1 / 1 / 1
)
# Ben answers before Ana's first response and between her first and second.
BEN_0 = ("ben-0", "2025-12-01T09:00Z", {"s2-p": 1, "s2-q": 1})  # 0, 0 -> alignment 100
BEN_1 = ("ben-1", "2026-01-15T09:00Z", {"s2-p": 5, "s2-q": 1})  # 100, 0 -> alignment 0


@pytest.fixture
def overall(fixture_q: Questionnaire) -> pd.DataFrame:
    rows = []
    for respondent, response in [
        ("Ana", ANA_1),
        ("Ben", BEN_0),
        ("Ana", ANA_2),
        ("Ben", BEN_1),
        ("Ana", ANA_3),
    ]:
        rows += answer_rows(response[0], respondent, response[1], response[2])
    frame = score_responses(pd.DataFrame(rows), fixture_q).overall
    # Newest first, so position in the frame cannot stand in for time.
    return frame.iloc[::-1].reset_index(drop=True)


def test_headline_of_first_response_has_no_previous(overall):
    first = headline(overall, "zz-first", strategy_total=5)
    # Ben's response of 2025-12-01 is earlier but is not Ana's.
    assert first.previous_at is None
    assert first.changes == {"purpose": None, "performance": None, "alignment": None}
    assert first.values["purpose"] == pytest.approx(56.25)
    assert first.values["performance"] == pytest.approx(37.5)
    assert first.values["alignment"] == pytest.approx(81.25)
    assert first.counts == {"purpose": 4, "performance": 4, "alignment": 4}
    assert first.strategy_total == 5
    assert first.submitted_at == pd.Timestamp("2026-01-01T09:00Z")


def test_headline_of_second_response_changes_since_the_first(overall):
    second = headline(overall, "mm-second", strategy_total=5)
    # Ben's response of 2026-01-15 lies between Ana's first and second: it must not count.
    assert second.previous_at == pd.Timestamp("2026-01-01T09:00Z")
    assert second.values["purpose"] == pytest.approx(75)
    assert second.values["performance"] == pytest.approx(83.333333, abs=1e-5)
    assert second.values["alignment"] == pytest.approx(83.333333, abs=1e-5)
    assert second.changes["purpose"] == pytest.approx(18.75)  # 75 - 56.25
    assert second.changes["performance"] == pytest.approx(45.833333, abs=1e-5)  # 83.33 - 37.5
    assert second.changes["alignment"] == pytest.approx(2.083333, abs=1e-5)  # 83.33 - 81.25
    # s3 lacks performance and s5 everything: 4 purpose scores, 3 performance and alignment.
    assert second.counts == {"purpose": 4, "performance": 3, "alignment": 3}


def test_headline_of_third_response_compares_with_the_second(overall):
    third = headline(overall, "aa-third", strategy_total=5)
    assert third.previous_at == pd.Timestamp("2026-02-01T09:00Z")
    assert third.changes["purpose"] == pytest.approx(-25)  # 50 - 75
    assert third.changes["performance"] == pytest.approx(16.666667, abs=1e-5)  # 100 - 83.33
    assert third.changes["alignment"] == pytest.approx(-33.333333, abs=1e-5)  # 50 - 83.33
    assert third.counts == {"purpose": 1, "performance": 1, "alignment": 1}


def test_headline_since_a_chosen_response_compares_with_that_one(overall):
    third = headline(overall, "aa-third", strategy_total=5, since="zz-first")
    assert third.previous_at == pd.Timestamp("2026-01-01T09:00Z")
    assert third.changes["purpose"] == pytest.approx(-6.25)  # 50 - 56.25
    assert third.changes["performance"] == pytest.approx(62.5)  # 100 - 37.5
    assert third.changes["alignment"] == pytest.approx(-31.25)  # 50 - 81.25


def test_headline_of_other_respondent_only_looks_at_their_own_history(overall):
    ben = headline(overall, "ben-1", strategy_total=5)
    assert ben.previous_at == pd.Timestamp("2025-12-01T09:00Z")
    assert ben.changes["alignment"] == pytest.approx(-100)  # 0 - 100
    assert ben.changes["purpose"] == pytest.approx(100)  # 100 - 0
    assert ben.changes["performance"] == pytest.approx(0)  # 0 - 0


def test_headline_change_is_none_when_previous_index_is_missing(fixture_q):
    rows = answer_rows("r1", "Ana", "2026-01-01T09:00Z", {"s2-p": 5})  # performance missing
    rows += answer_rows("r2", "Ana", "2026-02-01T09:00Z", {"s2-p": 4, "s2-q": 4})  # 75, 75
    overall = score_responses(pd.DataFrame(rows), fixture_q).overall
    second = headline(overall, "r2", strategy_total=5)
    assert second.changes["purpose"] == pytest.approx(-25)  # 75 - 100
    assert second.changes["performance"] is None  # nothing to compare with, not 75 - 0
    assert second.changes["alignment"] is None


# ---------------------------------------------------------------------------------------------
# focus_next


def strategy_frame(rows: list[tuple]) -> pd.DataFrame:
    """Per-strategy scores by hand: (strategy, purpose, performance, gap, alignment, quadrant)."""
    return pd.DataFrame(rows, columns=STRATEGY_COLUMNS)


NAN = float("nan")


def chosen(focus: list[Focus]) -> list[str]:
    return [f.strategy.id for f in focus]


def test_focus_ranks_intent_gap_first_then_lowest_alignment(pulse):
    scores = strategy_frame(
        [
            ("why", 70, 70, 0, 100, "aligned"),
            ("goals", 30, 90, 60, 40, "hollow"),  # no intent gap, alignment 40
            ("vision", 80, 70, -10, 90, "aligned"),  # intent gap 10
            ("example", 90, 50, -40, 60, "intent_gap"),  # intent gap 40: the largest
            ("learning", 80, NAN, NAN, NAN, pd.NA),  # not scored
        ]
    )
    assert chosen(focus_next(scores, pulse)) == ["example", "vision", "goals"]


def test_focus_intent_gap_outranks_lower_alignment_without_one(pulse):
    scores = strategy_frame(
        [
            ("why", 50, 100, 50, 50, "hollow"),
            ("goals", 60, 90, 30, 70, "aligned"),
            ("vision", 90, 85, -5, 95, "aligned"),  # small intent gap, yet first
        ]
    )
    # vision (gap -5), then by alignment: why (50), goals (70 < 80 so a third is shown).
    assert chosen(focus_next(scores, pulse)) == ["vision", "why", "goals"]


def test_focus_third_only_when_it_needs_attention(pulse):
    scores = strategy_frame(
        [
            ("why", 80, 60, -20, 80, "aligned"),
            ("goals", 70, 80, 10, 90, "aligned"),
            ("vision", 70, 85, 15, 85, "aligned"),
            ("example", 70, 70, 0, 100, "aligned"),
        ]
    )
    # why (intent gap); then lowest alignment: vision 85; goals (90) has no intent gap and
    # alignment >= 80, so no third.
    assert chosen(focus_next(scores, pulse)) == ["why", "vision"]


def test_focus_third_at_alignment_80_is_left_out_below_80_shown(pulse):
    base = [
        ("why", 80, 60, -20, 80, "aligned"),
        ("goals", 90, 80, -10, 90, "aligned"),
    ]
    at_80 = strategy_frame([*base, ("vision", 60, 80, 20, 80, "aligned")])
    assert chosen(focus_next(at_80, pulse)) == ["why", "goals"]  # 80 is not below 80
    below = strategy_frame([*base, ("vision", 60, 80.1, 20.1, 79.9, "aligned")])
    assert chosen(focus_next(below, pulse)) == ["why", "goals", "vision"]


def test_focus_third_with_small_intent_gap_is_shown(pulse):
    scores = strategy_frame(
        [
            ("why", 90, 60, -30, 70, "aligned"),
            ("goals", 90, 80, -10, 90, "aligned"),
            ("vision", 90, 88, -2, 98, "aligned"),  # alignment 98 but still an intent gap
            ("example", 60, 90, 30, 70, "aligned"),
        ]
    )
    assert chosen(focus_next(scores, pulse)) == ["why", "goals", "vision"]


def test_focus_always_names_two_when_two_are_scored(pulse):
    scores = strategy_frame(
        [
            ("why", 100, 100, 0, 100, "aligned"),
            ("goals", 90, 95, 5, 95, "aligned"),
            ("vision", 95, 95, 0, 100, "aligned"),
        ]
    )
    # Nothing needs attention, yet two are named: goals (95) then the first 100 (why).
    assert chosen(focus_next(scores, pulse)) == ["goals", "why"]


def test_focus_never_picks_a_strategy_with_a_missing_score(pulse):
    scores = strategy_frame(
        [
            ("why", NAN, 5, NAN, NAN, pd.NA),  # purpose missing
            ("goals", 100, NAN, NAN, NAN, pd.NA),  # performance missing
            ("vision", 70, 70, 0, 100, "aligned"),
            ("example", 75, 80, 5, 95, "aligned"),
        ]
    )
    assert chosen(focus_next(scores, pulse)) == ["example", "vision"]
    only_one = strategy_frame(
        [("why", NAN, 5, NAN, NAN, pd.NA), ("vision", 70, 20, -50, 50, "intent_gap")]
    )
    assert chosen(focus_next(only_one, pulse)) == ["vision"]
    none_scored = strategy_frame([("why", NAN, 5, NAN, NAN, pd.NA)])
    assert focus_next(none_scored, pulse) == []


def test_focus_respects_the_limit(pulse):
    scores = strategy_frame(
        [
            ("why", 90, 10, -80, 20, "intent_gap"),
            ("goals", 90, 20, -70, 30, "intent_gap"),
            ("vision", 90, 30, -60, 40, "intent_gap"),
            ("example", 90, 40, -50, 50, "intent_gap"),
        ]
    )
    assert chosen(focus_next(scores, pulse)) == ["why", "goals", "vision"]
    assert chosen(focus_next(scores, pulse, limit=2)) == ["why", "goals"]


def test_focus_carries_the_strategy_with_its_actions_and_scores(pulse):
    scores = strategy_frame(
        [
            ("why", 90, 50, -40, 60, "intent_gap"),
            ("goals", 30, 90, 60, 40, "hollow"),
        ]
    )
    first, second = focus_next(scores, pulse)
    assert first.strategy == pulse.strategy_by_id["why"]
    assert first.strategy.actions[0] == (
        "Write your purpose as a leader in one sentence and read it before your Monday planning."
    )
    assert len(first.strategy.actions) == 4
    assert (first.purpose, first.performance, first.gap, first.alignment) == (90, 50, -40, 60)
    assert first.quadrant == "intent_gap"
    assert second.strategy.name == "Align goals with purpose"
    assert second.quadrant == "hollow"


def test_focus_reason_mentions_both_numbers(pulse):
    scores = strategy_frame(
        [
            ("why", 90, 50, -40, 60, "intent_gap"),
            ("goals", 30, 85, 55, 45, "hollow"),
        ]
    )
    intent, hollow = focus_next(scores, pulse)
    assert "90" in intent.reason and "50" in intent.reason
    assert "40" in intent.reason  # the size of the gap
    assert "30" in hollow.reason and "85" in hollow.reason
    level = Focus(pulse.strategy_by_id["vision"], 70, 70, 0, 100, "aligned")
    assert "70" in level.reason


# ---------------------------------------------------------------------------------------------
# reflections_of and with_names


def test_reflections_of_returns_prompt_and_text_for_that_response_only(fixture_q):
    rows = answer_rows("A", "Ana", "2026-01-01T09:00Z", {"s2-p": 5, "note": "Busy quarter"})
    rows += answer_rows("B", "Ana", "2026-02-01T09:00Z", {"s2-p": 4, "note": "Calmer now"})
    rows += answer_rows("C", "Ben", "2026-01-01T09:00Z", {"s2-p": 4, "note": "Ben's note"})
    answers = pd.DataFrame(rows)
    assert reflections_of(answers, "A", fixture_q) == [("Anything else?", "Busy quarter")]
    assert reflections_of(answers, "B", fixture_q) == [("Anything else?", "Calmer now")]


def test_reflections_of_is_empty_without_written_text(fixture_q):
    answers = pd.DataFrame(answer_rows("A", "Ana", "2026-01-01T09:00Z", {"s2-p": 5, "s2-q": 3}))
    assert reflections_of(answers, "A", fixture_q) == []


def test_with_names_orders_by_questionnaire_and_adds_names(fixture_q):
    shuffled = strategy_frame(
        [
            ("s4", 50, 25, -25, 75, "drifting"),
            ("s1", 87.5, 58.3, -29.2, 70.8, "intent_gap"),
            ("s5", 75, NAN, NAN, NAN, pd.NA),
            ("s3", 25, 100, 75, 25, "hollow"),
            ("s2", 100, 75, -25, 75, "aligned"),
        ]
    )
    named = with_names(shuffled, fixture_q)
    assert list(named["strategy"]) == ["s1", "s2", "s3", "s4", "s5"]
    assert list(named["strategy_name"]) == ["S1", "S2", "S3", "S4", "S5"]
    # The scores travel with their strategy.
    assert list(named["alignment"].iloc[:4]) == [70.8, 75, 25, 75]
    assert math.isnan(named["alignment"].iloc[4])
    assert "_order" not in named.columns


# ---------------------------------------------------------------------------------------------
# The story and the quadrant's wording


def named(rows: list[tuple], questionnaire: Questionnaire) -> pd.DataFrame:
    return with_names(strategy_frame(rows), questionnaire)


def test_story_names_the_widest_gap_with_both_numbers_in_whole_points(pulse):
    strategies = named(
        [
            ("why", 87.5, 25, -62.5, 37.5, "intent_gap"),  # the widest: 62.5
            ("goals", 75, 75, 0, 100, "aligned"),
            ("vision", 50, 62.5, 12.5, 87.5, "drifting"),  # within one step: matched
            ("example", 100, 50, -50, 50, "intent_gap"),
        ],
        pulse,
    )
    told = story(strategies)
    name = pulse.strategy_by_id["why"].name
    assert told.sentence == "What you do matches why you do it on 2 of 4 strategies."
    # 87.5 rounds half up to 88 (Python's round would give 88 too, 62.5 would give 62).
    assert told.fact == f"Your widest gap: {name} — valued 88, lived 25."
    assert told.text == f"{told.sentence} {told.fact}"


def test_story_of_a_close_match_says_no_gap_is_wide(pulse):
    strategies = named(
        [("why", 75, 75, 0, 100, "aligned"), ("goals", 62.5, 75, 12.5, 87.5, "aligned")], pulse
    )
    told = story(strategies)
    assert told.sentence == "What you do matches why you do it on every strategy."
    assert told.fact == "No gap is wider than 13 points."


def test_story_counts_only_scored_strategies_and_is_none_without_any(pulse):
    strategies = named(
        [("why", 90, 40, -50, 50, "intent_gap"), ("goals", 80, NAN, NAN, NAN, pd.NA)], pulse
    )
    assert story(strategies).sentence == "What you do and why you do it differ on every strategy."
    assert story(named([("goals", 80, NAN, NAN, NAN, pd.NA)], pulse)) is None


def test_aligned_with_a_wide_gap_has_its_own_wording_never_aligned_above_a_gap(pulse):
    wide = Focus(pulse.strategy_by_id["why"], 100, 75, -25, 75, "aligned")
    assert wide.label == "High on both, not level"
    assert "value it more than you live it" in wide.meaning
    assert "gap of 25 points" in wide.reason
    ahead = Focus(pulse.strategy_by_id["why"], 62.5, 100, 37.5, 62.5, "aligned")
    assert ahead.label == "High on both, not level" and "more than it matters" in ahead.meaning
    close = Focus(pulse.strategy_by_id["why"], 87.5, 75, -12.5, 87.5, "aligned")
    assert (close.label, close.meaning) == ("Aligned", "high on both purpose and performance")
    assert quadrant_wording("intent_gap", -50)[0] == "Intent gap"
    assert quadrant_wording(None, math.nan)[0] == "Not scored"


def test_focus_reason_rounds_half_up(pulse):
    item = Focus(pulse.strategy_by_id["why"], 72.5, 57.5, -15, 85, "aligned")
    # Half up: 72.5 -> 73 and 57.5 -> 58 (half-even would give 72 and 58).
    assert item.reason == "You value this (73) more than you act on it (58): a gap of 15 points."
