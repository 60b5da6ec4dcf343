"""Scoring fixtures worked out by hand (the arithmetic is in the comments, not in code)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from alignment.questionnaire import Questionnaire
from alignment.scoring import Scores, score_responses, scores_table

# Five strategies, one per outcome: intent gap, aligned, hollow, drifting, and a missing score.
FIXTURE = {
    "id": "fixture",
    "version": 3,
    "title": "Fixture",
    "scales": {"five": {"min": 1, "max": 5}, "seven": {"min": 1, "max": 7}},
    "scoring": {"threshold": 60},
    "strategies": [{"id": s, "name": s.upper()} for s in ["s1", "s2", "s3", "s4", "s5"]],
    "items": [
        {"id": "s1-p1", "strategy": "s1", "dimension": "purpose", "scale": "five", "text": "a"},
        {
            "id": "s1-p2",
            "strategy": "s1",
            "dimension": "purpose",
            "scale": "five",
            "text": "b",
            "reverse": True,
        },
        {
            "id": "s1-q1",
            "strategy": "s1",
            "dimension": "performance",
            "scale": "seven",
            "text": "c",
            "weight": 2,
        },
        {"id": "s1-q2", "strategy": "s1", "dimension": "performance", "scale": "five", "text": "d"},
        {"id": "s2-p", "strategy": "s2", "dimension": "purpose", "scale": "five", "text": "e"},
        {"id": "s2-q", "strategy": "s2", "dimension": "performance", "scale": "five", "text": "f"},
        {"id": "s3-p", "strategy": "s3", "dimension": "purpose", "scale": "five", "text": "g"},
        {"id": "s3-q", "strategy": "s3", "dimension": "performance", "scale": "five", "text": "h"},
        {"id": "s4-p", "strategy": "s4", "dimension": "purpose", "scale": "five", "text": "i"},
        {"id": "s4-q", "strategy": "s4", "dimension": "performance", "scale": "five", "text": "j"},
        {
            "id": "s4-q-old",
            "strategy": "s4",
            "dimension": "performance",
            "scale": "five",
            "text": "k",
            "retired": True,
        },
        {"id": "s5-p", "strategy": "s5", "dimension": "purpose", "scale": "five", "text": "l"},
        {"id": "s5-q", "strategy": "s5", "dimension": "performance", "scale": "five", "text": "m"},
    ],
    "reflections": [{"id": "note", "text": "Anything else?"}],
}


def answers_frame(responses: dict[str, dict[str, object]], questionnaire_id: str = "fixture"):
    rows = []
    for n, (response_id, answers) in enumerate(responses.items()):
        for item_id, value in answers.items():
            is_text = isinstance(value, str)
            rows.append(
                {
                    "response_id": response_id,
                    "submitted_at": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=n),
                    "respondent": "Ana",
                    "session": "",
                    "questionnaire_id": questionnaire_id,
                    "questionnaire_version": 3,
                    "item_id": item_id,
                    "value": float("nan") if is_text else float(value),
                    "text": value if is_text else "",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def questionnaire() -> Questionnaire:
    return Questionnaire.model_validate(FIXTURE)


@pytest.fixture
def response_a() -> dict[str, object]:
    return {
        "s1-p1": 5,  # (5-1)/4*100 = 100
        "s1-p2": 2,  # reverse: 100 - (2-1)/4*100 = 100 - 25 = 75
        "s1-q1": 4,  # seven-point: (4-1)/6*100 = 50, weight 2
        "s1-q2": 4,  # (4-1)/4*100 = 75, weight 1
        "s2-p": 5,  # 100
        "s2-q": 4,  # 75
        "s3-p": 2,  # 25
        "s3-q": 5,  # 100
        "s4-p": 3,  # 50
        "s4-q-old": 2,  # retired item, still scores: 25 (s4-q unanswered)
        "s5-p": 4,  # 75 (s5-q unanswered: performance missing)
        "note": "Busy quarter",
    }


def row(scores, strategy: str) -> pd.Series:
    table = scores.strategies
    return table[table["strategy"] == strategy].iloc[0]


def test_hand_computed_strategy_scores(questionnaire, response_a):
    scores = score_responses(answers_frame({"A": response_a}), questionnaire)
    s1 = row(scores, "s1")
    assert s1["purpose"] == pytest.approx(87.5)  # (100 + 75) / 2
    assert s1["performance"] == pytest.approx(58.333333, abs=1e-5)  # (2*50 + 1*75) / 3 = 175/3
    assert s1["gap"] == pytest.approx(-29.166667, abs=1e-5)  # 58.3333 - 87.5
    assert s1["alignment"] == pytest.approx(70.833333, abs=1e-5)  # 100 - 29.1667
    assert s1["quadrant"] == "intent_gap"  # P >= 60, Q < 60

    s2 = row(scores, "s2")
    assert (s2["purpose"], s2["performance"], s2["gap"], s2["alignment"]) == (100, 75, -25, 75)
    assert s2["quadrant"] == "aligned"

    s3 = row(scores, "s3")
    assert (s3["purpose"], s3["performance"], s3["gap"], s3["alignment"]) == (25, 100, 75, 25)
    assert s3["quadrant"] == "hollow"

    s4 = row(scores, "s4")
    assert (s4["purpose"], s4["performance"], s4["gap"], s4["alignment"]) == (50, 25, -25, 75)
    assert s4["quadrant"] == "drifting"

    s5 = row(scores, "s5")
    assert s5["purpose"] == 75
    assert math.isnan(s5["performance"])  # missing, never 0
    assert math.isnan(s5["gap"]) and math.isnan(s5["alignment"])
    assert pd.isna(s5["quadrant"])


def test_hand_computed_headline(questionnaire, response_a):
    overall = score_responses(answers_frame({"A": response_a}), questionnaire).overall.iloc[0]
    # purpose: (87.5 + 100 + 25 + 50 + 75) / 5 = 67.5
    assert overall["purpose"] == pytest.approx(67.5)
    # performance: (58.3333 + 75 + 100 + 25) / 4 = 64.5833 (s5 has none)
    assert overall["performance"] == pytest.approx(64.583333, abs=1e-5)
    # alignment: (70.8333 + 75 + 25 + 75) / 4 = 61.4583
    assert overall["alignment"] == pytest.approx(61.458333, abs=1e-5)
    assert overall["gap"] == pytest.approx(-2.916667, abs=1e-5)
    assert overall["quadrant"] == "aligned"
    assert (overall["purpose_count"], overall["performance_count"]) == (5, 4)
    assert overall["alignment_count"] == 4


def test_response_without_answers_has_missing_scores_not_zero(questionnaire):
    scores = score_responses(answers_frame({"B": {"note": "only a thought"}}), questionnaire)
    assert len(scores.strategies) == 5
    assert scores.strategies[["purpose", "performance", "alignment"]].isna().all().all()
    overall = scores.overall.iloc[0]
    assert math.isnan(overall["purpose"]) and overall["alignment_count"] == 0


def test_threshold_is_inclusive():
    data = {**FIXTURE, "scoring": {"threshold": 50}}
    questionnaire = Questionnaire.model_validate(data)
    # 3 on 1–5 is exactly 50 on both dimensions: at the threshold counts as high.
    answers = {"s2-p": 3, "s2-q": 3}
    scores = score_responses(answers_frame({"A": answers}), questionnaire)
    assert row(scores, "s2")["quadrant"] == "aligned"


def test_unknown_items_and_out_of_range_values_are_reported_not_scored(questionnaire):
    answers = {"s2-p": 5, "s2-q": 9, "ghost": 3}  # 9 is off the 1–5 scale
    scores = score_responses(answers_frame({"A": answers}), questionnaire)
    s2 = row(scores, "s2")
    assert s2["purpose"] == 100 and math.isnan(s2["performance"])
    assert scores.report.out_of_range_answers == 1
    assert scores.report.unknown_item_answers == 1
    assert scores.report.unknown_item_ids == ("ghost",)
    assert any("ghost" in m for m in scores.report.messages())


def test_other_questionnaires_are_left_out_and_counted(questionnaire, response_a):
    frame = pd.concat(
        [
            answers_frame({"A": response_a}),
            answers_frame({"X": {"s2-p": 1}}, questionnaire_id="other"),
        ]
    )
    scores = score_responses(frame, questionnaire)
    assert list(scores.overall["response_id"]) == ["A"]
    assert scores.report.other_questionnaire_responses == 1


def test_scores_table_follows_the_contract(questionnaire, response_a):
    frame = answers_frame({"A": response_a, "B": {"s2-p": 1, "s2-q": 1}})
    table = scores_table(score_responses(frame, questionnaire))
    assert list(table.columns) == [
        "response_id",
        "submitted_at",
        "respondent",
        "session",
        "questionnaire_id",
        "questionnaire_version",
        "strategy",
        "purpose",
        "performance",
        "gap",
        "alignment",
        "quadrant",
    ]
    assert list(table["strategy"]) == ["s1", "s2", "s3", "s4", "s5", "overall"] * 2
    assert list(table["response_id"]) == ["A"] * 6 + ["B"] * 6
    # B: s2 purpose 0, performance 0: drifting; the only scored strategy drives the indices.
    b_overall = table.iloc[-1]
    assert (b_overall["purpose"], b_overall["performance"], b_overall["alignment"]) == (0, 0, 100)
    assert b_overall["quadrant"] == "drifting"


def test_scores_table_interleaves_strategy_rows_in_any_order(questionnaire, response_a):
    """Scores put together elsewhere (strategy rows not in blocks per response) give the same
    table as those straight from scoring."""
    frame = answers_frame({"A": response_a, "B": {"s2-p": 1, "s2-q": 1}, "C": {"s3-p": 4}})
    scores = score_responses(frame, questionnaire)
    shuffled = Scores(
        scores.strategies.sample(frac=1, random_state=3).reset_index(drop=True),
        scores.overall,
        scores.report,
    )
    table = scores_table(shuffled)
    assert list(table["response_id"]) == ["A"] * 6 + ["B"] * 6 + ["C"] * 6
    assert table["strategy"].iloc[5::6].tolist() == ["overall"] * 3
    in_blocks = scores_table(scores)
    pd.testing.assert_frame_equal(
        table.sort_values(["response_id", "strategy"]).reset_index(drop=True),
        in_blocks.sort_values(["response_id", "strategy"]).reset_index(drop=True),
    )
