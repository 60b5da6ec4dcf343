"""The individual journey through the app: assess → submit → results, and what can go wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import ui
from alignment.config import responses_path
from alignment.numbers import points
from alignment.questionnaire import load_questionnaire
from alignment.results import with_names
from alignment.scoring import score_responses
from alignment.store import load_responses
from tests.conftest import PROJECT_ROOT, charts_come_into_view

APP = str(PROJECT_ROOT / "app.py")
PULSE = load_questionnaire(PROJECT_ROOT / "questionnaires" / "pulse.yaml")


def start(alias: str = "Kim", questionnaire_id: str = "pulse", **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.run()
    at.switch_page("views/assess.py").run()
    form_radio = next(r for r in at.main.radio if r.label == "Questionnaire")
    form_radio.set_value(questionnaire_id)
    at.text_input[0].set_value(alias)
    next(b for b in at.button if b.label == "Start").click().run()
    return at


def answer_step(at: AppTest, values: dict[str, int]) -> None:
    attempt = at.session_state["assess_attempt"]
    for item_id, value in values.items():
        at.radio(key=f"assess_{attempt}_{item_id}").set_value(value)


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pulse_answers() -> dict[str, int]:
    """A varied answer per item: 1..5 in questionnaire order."""
    return {item.id: 1 + n % 5 for n, item in enumerate(PULSE.active_items)}


def complete_pulse(at: AppTest, reflection: str = "") -> AppTest:
    answers = pulse_answers()
    for strategy in PULSE.strategies:
        answer_step(at, {i.id: answers[i.id] for i in PULSE.items_for(strategy.id)})
        press(at, "Next")
    if reflection:
        at.text_area[0].set_value(reflection)
    return press(at, "Submit")


def saved_responses() -> int:
    return load_responses(responses_path()).response_count


def test_answer_submit_and_see_the_engine_s_numbers():
    at = complete_pulse(start("Kim"), reflection="Protect Friday mornings.")
    assert saved_responses() == 1
    frame = load_responses(responses_path()).frame
    scores = score_responses(frame, PULSE)
    overall = scores.overall.iloc[0]

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Purpose index"] == points(overall["purpose"])
    assert metrics["Performance index"] == points(overall["performance"])
    assert metrics["Alignment index"] == points(overall["alignment"])

    charts_come_into_view(at)
    at.switch_page("views/results.py").run()  # Submit switched there inside its own run
    charts = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        charts[spec["layout"]["title"]["text"].replace("<br>", " ")] = spec  # wrapped for phones
    radar = charts["Purpose and performance per strategy"]
    expected = with_names(scores.strategies, PULSE)
    purpose_trace = next(t for t in radar["data"] if t["name"].startswith("Purpose"))
    assert purpose_trace["r"][:-1] == [round(v, 1) for v in expected["purpose"]]
    # Long names wrap on the radar (plotly line breaks) to fit beside it on a phone.
    shown = [name.replace("<br>", " ") for name in purpose_trace["theta"][:-1]]
    assert shown == list(expected["strategy_name"])
    gaps = charts["Gap per strategy: what I do minus what I value"]["data"][0]
    assert sorted(gaps["x"]) == sorted(round(v, 1) for v in expected["gap"])
    quadrants = charts["Where each strategy stands"]
    plotted = sum(len(t["x"]) for t in quadrants["data"] if t["mode"] == "markers+text")
    assert 1 <= plotted <= len(PULSE.strategies)  # identical positions share one marker

    assert any("Protect Friday mornings." in t.value for t in at.text)

    # Each chart's Download menu has its picture and slide; Plotly's own toolbar is hidden.
    keys = [b.proto.id for b in at.get("download_button")]
    for chart in ("radar", "quadrants", "gaps"):
        for made in ("png", "slide", "csv"):
            assert any(key.endswith(f"download_results_{chart}_{made}") for key in keys)
    assert all(not json.loads(e.proto.config)["displayModeBar"] for e in at.get("plotly_chart"))
    assert at.session_state[ui.SOURCE_KEY] == ui.MINE


def marks(at: AppTest, item_id: str) -> list[str]:
    """The text above a question: its number and, once it is skipped, its mark."""
    return [m.value for m in at.main.get_by_key(f"assess_question_{item_id}").markdown]


def test_unanswered_questions_are_marked_where_they_are_and_block_the_step():
    at = start("Kim")
    answered, skipped = PULSE.items_for("why")
    assert not any("Needs an answer" in m for m in marks(at, skipped.id))  # not before Next
    press(at, "Next")
    assert [w.value for w in at.warning] == ["2 questions on this step still need an answer."]
    assert all(any("Needs an answer" in m for m in marks(at, i.id)) for i in (answered, skipped))
    answer_step(at, {answered.id: 4})
    press(at, "Next")
    assert at.session_state["assess_step"] == 1
    assert [w.value for w in at.warning] == ["1 question on this step still needs an answer."]
    assert not at.error
    assert any("Needs an answer" in m for m in marks(at, skipped.id))
    assert not any("Needs an answer" in m for m in marks(at, answered.id))
    attempt = at.session_state["assess_attempt"]
    assert at.radio(key=f"assess_{attempt}_{answered.id}").value == 4  # the answer is kept
    answer_step(at, {skipped.id: 2})
    press(at, "Next")
    assert at.session_state["assess_step"] == 2
    assert not at.warning


def test_submit_goes_back_to_a_step_with_a_gap_and_marks_it():
    """A questionnaire can change between steps; Submit then returns to the gap, marked."""
    at = start("Kim")
    answers = pulse_answers()
    for strategy in PULSE.strategies:
        answer_step(at, {i.id: answers[i.id] for i in PULSE.items_for(strategy.id)})
        press(at, "Next")
    gap = PULSE.items_for("goals")[1]
    at.session_state["assess_answers"][gap.id] = None
    press(at, "Submit")
    assert saved_responses() == 0
    assert at.session_state["assess_step"] == 2
    assert [w.value for w in at.warning] == ["1 question on this step still needs an answer."]
    assert any("Needs an answer" in m for m in marks(at, gap.id))


def test_each_question_shows_its_number_among_all():
    at = start("Kim")
    first, second = PULSE.items_for("why")
    assert "Question 1 of 20" in marks(at, first.id)[0]
    assert "Question 2 of 20" in marks(at, second.id)[0]
    assert at.get("progress")[0].proto.value == 0
    answer_step(at, {first.id: 4, second.id: 4})
    press(at, "Next")
    third = PULSE.items_for("goals")[0]
    assert "Question 3 of 20" in marks(at, third.id)[0]
    assert at.get("progress")[0].proto.value == 10  # percent: 2 of 20 questions behind


def test_a_question_over_two_lines_is_shown_bold_on_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", folder)
    pulse = folder / "pulse.yaml"
    old = 'text: "I am clear about what I stand for as a leader."'
    pulse.write_text(pulse.read_text().replace(old, 'text: "  I am clear\\nabout *this* "'))
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    at = start("Kim")
    shown = marks(at, "why-pulse-p")[0]
    # Markdown ends bold at a line break and ignores "**" before a space: both would show "**".
    assert shown.endswith(f"**{ui.plain('I am clear about *this*')}**")
    written = "  I am clear\nabout *this* "
    label = at.radio(key=f"assess_{at.session_state['assess_attempt']}_why-pulse-p").label
    assert label == ui.plain(written)  # what a screen reader announces is the text as written


def test_answers_are_kept_when_moving_back_and_forth():
    at = start("Kim")
    why = PULSE.items_for("why")
    answer_step(at, {why[0].id: 2, why[1].id: 5})
    press(at, "Next")
    press(at, "Back")
    attempt = at.session_state["assess_attempt"]
    assert at.radio(key=f"assess_{attempt}_{why[0].id}").value == 2
    assert at.radio(key=f"assess_{attempt}_{why[1].id}").value == 5
    assert "Strategy 1 of 10" in at.get("progress")[0].proto.text


def test_double_submit_saves_once():
    at = start("Kim")
    answers = pulse_answers()
    for strategy in PULSE.strategies:
        answer_step(at, {i.id: answers[i.id] for i in PULSE.items_for(strategy.id)})
        press(at, "Next")
    before_submit = {
        key: at.session_state[key]
        for key in ("assess_attempt", "assess_questionnaire_id", "assess_answers")
    }
    press(at, "Submit")
    assert saved_responses() == 1
    # The second click of a double click arrives with the same attempt.
    at.session_state["assess_started"] = True
    at.session_state["assess_step"] = len(PULSE.strategies) + 1
    at.session_state["assess_reflections"] = {}
    for key, value in before_submit.items():
        at.session_state[key] = value
    at.switch_page("views/assess.py").run()
    press(at, "Submit")
    assert saved_responses() == 1


def test_alias_from_the_url_is_preset():
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["respondent"] = "Robin"
    at.run()
    at.switch_page("views/assess.py").run()
    assert at.text_input[0].value == "Robin"


@pytest.mark.parametrize(
    ("alias", "message"),
    [("   ", "enter a name"), ("", "enter a name"), ("Kim\x07", "control characters")],
)
def test_bad_aliases_get_a_clear_message(alias: str, message: str):
    at = start(alias)
    assert not at.exception
    assert at.session_state["assess_started"] is False
    assert message in at.error[0].value


def test_over_long_alias_is_cut_to_64_characters():
    at = start("x" * 70)
    assert at.session_state["assess_started"] is True
    assert at.session_state[ui.RESPONDENT_KEY] == "x" * 64


def test_questionnaire_broken_mid_assessment_keeps_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", folder)
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    at = start("Kim")
    why = PULSE.items_for("why")
    answer_step(at, {why[0].id: 2, why[1].id: 5})
    press(at, "Next")
    (folder / "pulse.yaml").write_text("id: pulse\nversion: [\n")
    at.run()
    assert not at.exception
    assert "cannot be used right now" in at.error[0].value
    assert at.session_state["assess_answers"][why[0].id] == 2


@pytest.mark.parametrize("page", ["views/results.py", "views/trends.py"])
@pytest.mark.parametrize("content", [None, b"", b"name,score\nAna,3\n"])
def test_missing_empty_or_foreign_data_file_is_explained(page: str, content: bytes | None):
    if content is not None:
        responses_path().write_bytes(content)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    shown = [e.value for e in at.info] + [e.value for e in at.error]
    if content and content.startswith(b"name"):
        assert any("cannot be read" in s and "expected the columns" in s for s in shown)
    else:
        assert any("No responses yet" in s for s in shown)


def test_response_to_retired_and_removed_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A later questionnaire version retires one item and drops another entirely."""
    at = complete_pulse(start("Kim"))
    assert not at.exception
    folder = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", folder)
    text = (folder / "pulse.yaml").read_text()
    retired_id, removed_id = "why-pulse-p", "goals-pulse-q"
    text = text.replace(f"{{id: {retired_id},", f"{{id: {retired_id}, retired: true,")
    lines = [line for line in text.splitlines() if f"id: {removed_id}," not in line]
    text = "\n".join(lines).replace("version: 1", "version: 2", 1)
    # The strategies keep one active item per dimension so the file stays valid.
    text = text.replace(
        "reflections:\n",
        "  - {id: why-pulse-p2, strategy: why, dimension: purpose, scale: agreement, "
        "text: New why item}\n"
        "  - {id: goals-pulse-q2, strategy: goals, dimension: performance, scale: frequency, "
        "text: New goals item}\n"
        "reflections:\n",
    )
    (folder / "pulse.yaml").write_text(text)
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    at.run()
    at.switch_page("views/results.py").run()
    assert not at.exception, [e.value for e in at.exception]
    notes = " ".join(i.value for i in at.info)
    assert ui.plain(removed_id) in notes  # the dropped item is named, not silently lost
    assert retired_id not in notes  # retired items still score
