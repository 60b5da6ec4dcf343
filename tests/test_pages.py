"""Every registered page opens without an exception, with and without data."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from alignment import ui
from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.export import with_times
from alignment.questionnaire import load_questionnaire
from alignment.response import build_response
from alignment.scoring import score_responses
from tests.conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def registered_pages() -> list[str]:
    """The page scripts app.py registers with st.navigation."""
    source = (PROJECT_ROOT / "app.py").read_text()
    return re.findall(r'st\.Page\(\s*"(views/[^"]+\.py)"', source)


def test_every_page_file_is_registered():
    on_disk = sorted(f"views/{p.name}" for p in (PROJECT_ROOT / "views").glob("*.py"))
    assert sorted(set(registered_pages())) == on_disk  # sign-in is also served at /present


def open_page(page: str, source: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = source
    at.run()
    at.switch_page(page)
    at.run()
    return at


@pytest.mark.parametrize("source", [ui.SAMPLE, ui.MINE])
@pytest.mark.parametrize("page", registered_pages())
def test_page_opens_without_exception(page: str, source: str, monkeypatch: pytest.MonkeyPatch):
    if page == "views/signin.py":  # registered only when a passcode protects the app
        monkeypatch.setenv("ALIGNMENT_FACILITATOR_PASSCODE", "open sesame")
    at = open_page(page, source)
    assert not at.exception, [e.value for e in at.exception]


def test_home_lists_the_ten_strategies():
    at = open_page("views/home.py", ui.SAMPLE)
    text = " ".join(m.value for m in at.markdown)
    for name in ["Define your why", "Celebrate milestones", "Reflect and reset"]:
        assert name in text


def test_new_user_sees_sample_data_by_default_and_can_switch():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.session_state[ui.SOURCE_KEY] == ui.SAMPLE
    at.sidebar.radio[0].set_value(ui.MINE).run()
    assert at.session_state[ui.SOURCE_KEY] == ui.MINE
    assert at.sidebar.radio[0].value == ui.MINE


def test_explore_button_switches_to_sample_data():
    at = open_page("views/home.py", ui.MINE)
    at.button[0].click().run()
    assert at.session_state[ui.SOURCE_KEY] == ui.SAMPLE
    assert any("looking at the sample data" in s.value for s in at.success)


def test_invalid_questionnaire_is_listed_and_app_keeps_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    for name in ("purpose-performance.yaml", "pulse.yaml"):
        (folder / name).write_text((PROJECT_ROOT / "questionnaires" / name).read_text())
    (folder / "broken.yaml").write_text("id: broken\nversion: one\n")
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    at = open_page("views/home.py", ui.SAMPLE)
    assert not at.exception
    expander = at.sidebar.expander[0]
    assert "1 questionnaire file(s) need fixing" in expander.label
    assert "broken.yaml:2: version" in expander.code[0].value
    assert any("Define your why" in m.value for m in at.markdown)


def test_answer_notes_are_of_the_chosen_response_only():
    pulse = load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")
    answers = {item.id: 3 for item in pulse.active_items}
    odd, plain = (build_response(pulse, alias, answers) for alias in ("Ana", "Ben"))
    stray = odd.iloc[[0]].assign(item_id="not-an-item")
    odd = pd.concat([odd, stray], ignore_index=True)
    odd, plain = with_times(odd), with_times(plain)  # as the store reads them
    both = pd.concat([odd, plain], ignore_index=True)
    odd_id, plain_id = odd["response_id"].iloc[0], plain["response_id"].iloc[0]

    scores = score_responses(both, pulse)
    [note] = ui.answer_notes(scores, both, odd_id, pulse)
    assert "not-an-item" in note
    assert ui.answer_notes(scores, both, plain_id, pulse) == []
    assert ui.answer_notes(score_responses(odd, pulse), odd, odd_id, pulse) == [note]
