"""The assessment walk-through: steps, what is still unanswered, and saving once."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.assessment import assessment_steps, first_incomplete, submit, unanswered
from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.response import ResponseError
from alignment.store import load_responses

# Performance items are listed before purpose items, and one purpose item is retired.
SMALL = {
    "id": "small",
    "version": 2,
    "title": "Small",
    "scales": {"five": {"min": 1, "max": 5}},
    "strategies": [
        {"id": "x", "name": "Ex", "actions": ["Do x"]},
        {"id": "y", "name": "Why"},
    ],
    "items": [
        {"id": "x-q", "strategy": "x", "dimension": "performance", "scale": "five", "text": "1"},
        {
            "id": "x-p-old",
            "strategy": "x",
            "dimension": "purpose",
            "scale": "five",
            "text": "2",
            "retired": True,
        },
        {"id": "x-p", "strategy": "x", "dimension": "purpose", "scale": "five", "text": "3"},
        {"id": "y-q1", "strategy": "y", "dimension": "performance", "scale": "five", "text": "4"},
        {"id": "y-p", "strategy": "y", "dimension": "purpose", "scale": "five", "text": "5"},
        {"id": "y-q2", "strategy": "y", "dimension": "performance", "scale": "five", "text": "6"},
    ],
    "reflections": [{"id": "note", "text": "Anything else?"}],
}


@pytest.fixture
def small() -> Questionnaire:
    return Questionnaire.model_validate(SMALL)


@pytest.fixture
def pulse() -> Questionnaire:
    return load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")


@pytest.fixture
def main_questionnaire() -> Questionnaire:
    return load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")


def all_answered(questionnaire: Questionnaire, value: int = 4) -> dict[str, int]:
    return {item.id: value for item in questionnaire.active_items}


def ids(items) -> list[str]:
    return [item.id for item in items]


# ---------------------------------------------------------------------------------------------
# Steps


def test_pulse_has_a_step_per_strategy_and_a_closing_step(pulse):
    steps = assessment_steps(pulse)
    assert len(steps) == 11
    assert [s.number for s in steps] == list(range(1, 12))
    assert all(s.total == 11 for s in steps)
    assert steps[0].label == "Strategy 1 of 10 · Define your why"
    assert steps[1].label == "Strategy 2 of 10 · Align goals with purpose"
    assert steps[9].label.startswith("Strategy 10 of 10 · ")
    assert steps[-1].label == "Last step: your reflections (optional)"
    assert steps[-1].strategy is None and steps[-1].items == ()
    assert [s.is_last for s in steps] == [False] * 10 + [True]
    assert [s.strategy.id for s in steps[:-1]] == [s.id for s in pulse.strategies]


def test_pulse_steps_ask_purpose_then_performance(pulse):
    steps = assessment_steps(pulse)
    assert ids(steps[0].items) == ["why-pulse-p", "why-pulse-q"]
    for step in steps[:-1]:
        assert [i.dimension for i in step.items] == ["purpose", "performance"]
        assert all(i.strategy == step.strategy.id for i in step.items)
    # Every active item is asked exactly once.
    asked = [i.id for s in steps for i in s.items]
    assert sorted(asked) == sorted(i.id for i in pulse.active_items)


def test_steps_put_purpose_first_and_leave_retired_items_out(small):
    steps = assessment_steps(small)
    assert len(steps) == 3
    # x: performance is listed first in the file, retired purpose item dropped.
    assert ids(steps[0].items) == ["x-p", "x-q"]
    # y: purpose first; the two performance items keep their file order.
    assert ids(steps[1].items) == ["y-p", "y-q1", "y-q2"]
    assert steps[0].label == "Strategy 1 of 2 · Ex"
    assert steps[1].label == "Strategy 2 of 2 · Why"
    assert steps[0].strategy.actions == ["Do x"]


def test_questions_are_numbered_across_the_steps(small):
    x_step, y_step, last = assessment_steps(small)
    assert [(label, item.id) for label, item in x_step.numbered()] == [
        ("Question 1 of 5", "x-p"),  # the retired item is neither asked nor counted
        ("Question 2 of 5", "x-q"),
    ]
    assert [label for label, _ in y_step.numbered()] == [
        "Question 3 of 5",
        "Question 4 of 5",
        "Question 5 of 5",
    ]
    assert last.numbered() == []
    assert [s.progress for s in (x_step, y_step, last)] == [0, 2 / 5, 1]


def test_main_questionnaire_steps_have_two_purpose_then_two_performance(main_questionnaire):
    steps = assessment_steps(main_questionnaire)
    assert len(steps) == 11
    for step in steps[:-1]:
        assert [i.dimension for i in step.items] == ["purpose"] * 2 + ["performance"] * 2
    assert steps[6].numbered()[0][0] == "Question 25 of 40"


# ---------------------------------------------------------------------------------------------
# unanswered / first_incomplete


def test_unanswered_lists_items_without_an_answer_in_step_order(small):
    x_step, y_step, last = assessment_steps(small)
    assert ids(unanswered(x_step, {})) == ["x-p", "x-q"]
    assert ids(unanswered(x_step, {"x-p": 3})) == ["x-q"]
    assert ids(unanswered(x_step, {"x-p": 3, "x-q": None})) == ["x-q"]  # cleared answer
    assert unanswered(x_step, {"x-p": 3, "x-q": 1}) == []
    assert ids(unanswered(y_step, {"y-q1": 2})) == ["y-p", "y-q2"]
    assert unanswered(last, {}) == []  # reflections are optional


def test_first_incomplete_finds_the_earliest_step_with_a_gap(small):
    steps = assessment_steps(small)
    assert first_incomplete(steps, {}) is steps[0]
    assert first_incomplete(steps, {"x-p": 1, "x-q": 1, "y-p": 1}) is steps[1]
    # A gap in a later step does not hide one in an earlier step.
    assert first_incomplete(steps, {"x-p": 1, "y-p": 1, "y-q1": 1, "y-q2": 1}) is steps[0]
    # The retired item is never asked, so it never holds anything up.
    assert first_incomplete(steps, all_answered(small)) is None


# ---------------------------------------------------------------------------------------------
# submit


def test_submit_saves_one_response(tmp_path: Path, pulse):
    path = tmp_path / "responses.csv"
    answers = all_answered(pulse)
    saved = submit(
        path,
        pulse,
        "Ana",
        answers,
        {"reflect-pulse": "  Take a walk  "},
        response_id="r-1",
        session="s",
    )
    assert saved is True
    frame = load_responses(path).frame
    assert set(frame["response_id"]) == {"r-1"}
    assert len(frame) == 21  # 20 active items + 1 reflection
    assert set(frame["respondent"]) == {"Ana"}
    assert set(frame["questionnaire_id"]) == {"pulse"}
    assert set(frame["session"]) == {"s"}
    reflection = frame[frame["item_id"] == "reflect-pulse"]
    assert list(reflection["text"]) == ["Take a walk"]
    items = frame[frame["item_id"] != "reflect-pulse"]
    assert (items["value"] == 4).all()


def test_submit_twice_with_the_same_id_writes_once(tmp_path: Path, pulse):
    path = tmp_path / "responses.csv"
    first = submit(path, pulse, "Ana", all_answered(pulse, 4), {}, response_id="r-1")
    size = path.stat().st_size
    # A double click, even with different answers, must not save a second copy.
    second = submit(path, pulse, "Ana", all_answered(pulse, 2), {}, response_id="r-1")
    assert (first, second) == (True, False)
    assert path.stat().st_size == size
    frame = load_responses(path).frame
    assert frame["response_id"].nunique() == 1
    assert len(frame) == 20
    assert (frame["value"] == 4).all()  # the first answers are kept


def test_submit_with_a_new_id_adds_a_second_response(tmp_path: Path, pulse):
    path = tmp_path / "responses.csv"
    assert submit(path, pulse, "Ana", all_answered(pulse), {}, response_id="r-1")
    assert submit(path, pulse, "Ana", all_answered(pulse), {}, response_id="r-2")
    frame = load_responses(path).frame
    assert sorted(frame["response_id"].unique()) == ["r-1", "r-2"]
    assert len(frame) == 40


def test_submit_with_a_missing_answer_raises_and_writes_nothing(tmp_path: Path, pulse):
    path = tmp_path / "responses.csv"
    answers = all_answered(pulse)
    del answers["goals-pulse-q"]
    with pytest.raises(ResponseError, match="goals-pulse-q"):
        submit(path, pulse, "Ana", answers, {"reflect-pulse": "hi"}, response_id="r-1")
    assert load_responses(path).frame.empty
    answers["goals-pulse-q"] = None  # cleared radio button
    with pytest.raises(ResponseError, match="goals-pulse-q"):
        submit(path, pulse, "Ana", answers, {}, response_id="r-1")
    assert load_responses(path).frame.empty


def test_failed_submit_leaves_earlier_responses_untouched(tmp_path: Path, pulse):
    path = tmp_path / "responses.csv"
    assert submit(path, pulse, "Ana", all_answered(pulse), {}, response_id="r-1")
    before = path.read_bytes()
    incomplete = all_answered(pulse)
    del incomplete["why-pulse-p"]
    with pytest.raises(ResponseError):
        submit(path, pulse, "Ana", incomplete, {}, response_id="r-2")
    assert path.read_bytes() == before
    # The failed id was not recorded: once complete, it saves.
    assert submit(path, pulse, "Ana", all_answered(pulse), {}, response_id="r-2")


def test_submit_refuses_an_answer_to_a_retired_item(tmp_path: Path, small):
    path = tmp_path / "responses.csv"
    answers = {**all_answered(small), "x-p-old": 3}
    with pytest.raises(ResponseError, match="x-p-old"):
        submit(path, small, "Ana", answers, {}, response_id="r-1")
    assert load_responses(path).frame.empty


@pytest.mark.parametrize("blank", ["", "   ", "\n\t  \n"])
def test_blank_reflections_are_not_saved(tmp_path: Path, pulse, blank):
    path = tmp_path / "responses.csv"
    assert submit(
        path, pulse, "Ana", all_answered(pulse), {"reflect-pulse": blank}, response_id="r"
    )
    frame = load_responses(path).frame
    assert len(frame) == 20
    assert "reflect-pulse" not in set(frame["item_id"])


def test_only_written_reflections_are_saved(tmp_path: Path, main_questionnaire):
    path = tmp_path / "responses.csv"
    reflections = {"reflect-proud": "The offsite", "reflect-tension": "  ", "reflect-commit": ""}
    answers = all_answered(main_questionnaire, 3)
    assert submit(path, main_questionnaire, "Ana", answers, reflections, response_id="r")
    frame = load_responses(path).frame
    assert len(frame) == 41  # 40 active items + 1 written reflection
    written = frame[frame["text"] != ""]
    assert list(zip(written["item_id"], written["text"], strict=True)) == [
        ("reflect-proud", "The offsite")
    ]
