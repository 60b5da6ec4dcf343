"""The shipped sample data: reproducible, realistic, and scored as worked out by hand."""

from __future__ import annotations

import pandas as pd

from alignment.config import SAMPLE_DIR, SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from alignment.sample_data import SAMPLE_RESPONDENT, sample_csv_bytes, sample_sessions_json
from alignment.scoring import score_responses
from alignment.store import load_responses


def test_tracked_files_are_what_the_generator_makes():
    assert SAMPLE_RESPONSES.read_bytes() == sample_csv_bytes()
    assert (SAMPLE_DIR / "sessions.json").read_text() == sample_sessions_json()


def test_sample_has_a_year_of_check_ins_and_a_workshop_room():
    loaded = load_responses(SAMPLE_RESPONSES)
    assert loaded.problems == []
    frame = loaded.frame
    alex = frame[frame["respondent"] == SAMPLE_RESPONDENT]
    full = alex[alex["questionnaire_id"] == "purpose-performance"]
    times = full.groupby("response_id")["submitted_at"].first()
    assert len(times) >= 6
    assert times.max() - times.min() >= pd.Timedelta(days=365)
    per_session = frame[frame["session"] != ""].groupby("session")["response_id"].nunique()
    assert (per_session >= 12).all()
    assert len(per_session) >= 1


def test_sample_shows_real_change_over_time():
    frame = load_responses(SAMPLE_RESPONSES).frame
    q = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    overall = score_responses(frame[frame["respondent"] == SAMPLE_RESPONDENT], q).overall
    assert overall["alignment"].iloc[-1] - overall["alignment"].iloc[0] >= 8


def test_first_sample_response_matches_the_hand_check():
    frame = load_responses(SAMPLE_RESPONSES).frame
    q = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    first = frame[frame["response_id"] == "de1bfa7c-2357-4c32-a7ba-b551775b1637"]
    values = first.set_index("item_id")["value"]
    # The raw answers, read off the file by eye.
    assert values[["why-p1", "why-p2", "why-q1", "why-q2"]].tolist() == [4, 2, 3, 3]
    assert values[["goals-p1", "goals-p2", "goals-q1", "goals-q2"]].tolist() == [4, 3, 3, 4]
    scores = score_responses(first, q).strategies.set_index("strategy")
    # why: P = (75 + (100-25)) / 2 = 75; Q = (50 + 50) / 2 = 50; gap -25; alignment 75.
    assert scores.loc["why", ["purpose", "performance", "gap", "alignment"]].tolist() == [
        75,
        50,
        -25,
        75,
    ]
    assert scores.loc["why", "quadrant"] == "intent_gap"
    # goals: P = (75 + 50) / 2 = 62.5; Q = (50 + (100-75)) / 2 = 37.5 (goals-q2 is reversed).
    assert scores.loc["goals", ["purpose", "performance"]].tolist() == [62.5, 37.5]
