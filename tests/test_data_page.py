"""The Data page (AppTest): deleting a person's answers with confirmation, and its tabs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alignment import config, importing, ui
from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.practice import save_branding, settings_from_form
from alignment.store import backup_path, delete_responses, load_responses
from tests.test_practice import opened, picture
from tests.test_workshop_pages import (
    APP,
    add_response,
    facilitator,
    new_session,
    participant,
    release,
)


def form_submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_deleting_a_persons_answers_needs_their_name_typed(isolated_data_dir):
    add_response("", "Ana")
    add_response("", "Ben", seed=1)
    add_response("", "Ben", seed=2)
    at = facilitator("views/data.py")
    at.selectbox(key="data_delete_who").select("Ben").run()
    before = config.responses_path().read_bytes()

    at.text_input(key="data_delete_confirm").input("ben")  # not exactly the name
    form_submit(at, "Delete 2 response(s)")
    assert any("Nothing was deleted" in e.value for e in at.error)
    assert config.responses_path().read_bytes() == before

    at.text_input(key="data_delete_confirm").input("Ben")
    form_submit(at, "Delete 2 response(s)")
    assert any("Deleted 2 response(s)" in s.value for s in at.success)
    assert set(load_responses(config.responses_path()).frame["respondent"]) == {"Ana"}
    assert backup_path(config.responses_path()).read_bytes() == before
    assert at.selectbox(key="data_delete_who").options == ["Ana"]


def test_the_sample_data_cannot_be_deleted():
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception
    assert any("read-only" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Delete")]


def test_a_participant_deletes_their_own_answers_and_no_one_elses():
    code = new_session("Offsite", min_group=3)
    other = add_response(code, "Sam")  # someone else who chose the same alias
    mine = add_response(code, "Sam", seed=1)
    at = participant(code)
    at.session_state["app_my_responses"] = {mine: code}  # what submitting in this tab records
    at.switch_page("views/results.py").run()
    assert not at.exception
    at.text_input(key="results_delete_confirm").input("Sam")
    form_submit(at, "Delete 1 response(s)")
    left = set(load_responses(config.responses_path()).frame["response_id"])
    assert mine not in left and other in left
    assert any("Deleted 1 response(s)" in s.value for s in at.success)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def upload_questionnaire(name: str, data: bytes) -> AppTest:
    at = facilitator("views/data.py")
    at.file_uploader(key="data_questionnaire_file").set_value((name, data, "application/x-yaml"))
    form_submit(at, "Check and save")
    return at


def test_an_invalid_questionnaire_upload_is_explained_and_never_written(
    tmp_path: Path, monkeypatch
):
    folder = tmp_path / "questionnaires"
    shutil.copytree(SHIPPED_QUESTIONNAIRES, folder)
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    before = folder_bytes(folder)
    broken = (SHIPPED_QUESTIONNAIRES / "pulse.yaml").read_text().replace("id: pulse", "id: team")
    broken = broken.replace("dimension: purpose", "dimension: purpse", 1)
    at = upload_questionnaire("team-check.yaml", broken.encode())
    assert any("was not saved" in e.value for e in at.error)
    assert any("team-check.yaml:" in c.value and "dimension" in c.value for c in at.code)
    assert folder_bytes(folder) == before


def test_a_valid_questionnaire_upload_is_saved_and_offered_on_assess(tmp_path: Path, monkeypatch):
    folder = tmp_path / "questionnaires"
    shutil.copytree(SHIPPED_QUESTIONNAIRES, folder)
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    text = (SHIPPED_QUESTIONNAIRES / "pulse.yaml").read_text()
    text = text.replace("id: pulse", "id: team").replace("title: Pulse check", "title: Team check")
    at = upload_questionnaire("team-check.yaml", text.encode())
    assert any(f"Saved as {ui.plain('team-check.yaml')}" in s.value for s in at.success)
    assert (folder / "team-check.yaml").read_text() == text
    at.switch_page("views/assess.py").run()
    assert any(
        "Team check" in option for option in at.radio(key="assess_start_questionnaire").options
    )


IMPORTS = Path(__file__).parent / "fixtures" / "import"


def test_a_google_forms_export_imports_in_a_few_clicks_and_only_once():
    at = facilitator("views/data.py")
    export_file = (IMPORTS / "google-forms-pulse.csv").read_bytes()
    at.file_uploader(key="data_import_file_0").set_value(
        ("responses.csv", export_file, "text/csv")
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    # Its columns are the pulse questions, so that questionnaire is chosen for it.
    chosen = next(s for s in at.selectbox if s.label == "Questionnaire the answers belong to")
    assert chosen.value == "pulse"
    assert {m.label: m.value for m in at.metric}["New responses"] == "6"
    next(b for b in at.button if b.label == "Import 6 response(s)").click().run()
    assert not at.exception
    assert any("Imported 6 response(s)" in s.value for s in at.success)
    assert load_responses(config.responses_path()).frame["response_id"].nunique() == 6
    before = config.responses_path().read_bytes()

    # The same file again: everything is already there, and nothing is offered to import.
    at.file_uploader(key="data_import_file_1").set_value(
        ("responses.csv", export_file, "text/csv")
    ).run()
    assert {m.label: m.value for m in at.metric}["Already imported"] == "6"
    assert not [b for b in at.button if b.label.startswith("Import ")]
    assert config.responses_path().read_bytes() == before


def test_a_file_that_is_not_a_table_is_refused_plainly():
    at = facilitator("views/data.py")
    at.file_uploader(key="data_import_file_0").set_value(
        ("photo.csv", (IMPORTS / "not-a-csv.png").read_bytes(), "text/csv")
    ).run()
    refusal = ui.plain("photo.csv cannot be imported: this is a PNG image")
    assert any(e.value.startswith(refusal) for e in at.error)
    assert not config.responses_path().exists()


# ---------------------------------------------------------------------------------------------
# Deleting leaves no copy behind, unless a facilitator keeps one on purpose


def files_holding(folder: Path, text: str) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and text.encode() in p.read_bytes()
    )


def test_a_participant_deleting_their_answers_leaves_no_copy_in_any_file(isolated_data_dir: Path):
    code = new_session("Offsite", min_group=3)
    mine = add_response(code, "Sam", seed=1)
    leaving = add_response(code, "Lee")
    # A facilitator deleted Lee earlier and kept the file as it was: Sam's answers are in it.
    delete_responses(config.responses_path(), {leaving}, keep_backup=True)
    assert files_holding(isolated_data_dir, mine) == ["responses.csv", "responses.csv.backup"]
    at = participant(code)
    at.session_state["app_my_responses"] = {mine: code}
    at.switch_page("views/results.py").run()
    assert not at.checkbox  # no backup to keep or not
    assert any(c.value.startswith("No copy is kept") for c in at.caption)

    at.text_input(key="results_delete_confirm").input("Sam")
    form_submit(at, "Delete 1 response(s)")

    assert files_holding(isolated_data_dir, mine) == []
    assert files_holding(isolated_data_dir, leaving) == ["responses.csv.backup"]
    assert any("No copy of them is kept in any file" in s.value for s in at.success)


def test_a_facilitator_may_delete_without_keeping_a_copy(isolated_data_dir: Path):
    add_response("", "Ana")
    gone = add_response("", "Ben")
    at = facilitator("views/data.py")
    at.selectbox(key="data_delete_who").select("Ben").run()
    at.checkbox(key="data_delete_backup").uncheck()
    at.text_input(key="data_delete_confirm").input("Ben")
    form_submit(at, "Delete 1 response(s)")
    assert files_holding(isolated_data_dir, gone) == []
    assert not backup_path(config.responses_path()).exists()
    assert any("No copy of them is kept in any file" in s.value for s in at.success)


# ---------------------------------------------------------------------------------------------
# Text from people and files is shown as text, never as Markdown


HOSTILE = "**bold** [link](http://x) <b>x</b>"


def test_the_delete_form_shows_a_hostile_alias_as_plain_text():
    add_response("", HOSTILE)
    at = facilitator("views/data.py")
    confirm = at.text_input(key="data_delete_confirm")
    assert confirm.label == f"Type “{ui.plain(HOSTILE)}” to confirm"
    assert any(f"**{ui.plain(HOSTILE)}**" in m.value for m in at.markdown)

    confirm.input("bold")
    form_submit(at, "Delete 1 response(s)")
    assert [e.value for e in at.error] == [
        f"Nothing was deleted: type “{ui.plain(HOSTILE)}” exactly to confirm."
    ]


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="data_import_file_0").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_import_errors_quote_the_file_as_plain_text():
    at = facilitator("views/data.py")
    name, data = f"{HOSTILE}.csv", f"{HOSTILE}\n".encode()
    with pytest.raises(importing.ImportProblem) as refusal:
        importing.read_table(data)
    upload(at, name, data)
    assert [e.value for e in at.error] == [ui.plain(f"{name} cannot be imported: {refusal.value}")]


@pytest.fixture
def hostile_titles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The shipped questionnaires, the pulse check under a title that is Markdown."""
    folder = tmp_path / "questionnaires"
    shutil.copytree(SHIPPED_QUESTIONNAIRES, folder)
    pulse = folder / "pulse.yaml"
    pulse.write_text(pulse.read_text().replace("title: Pulse check", f'title: "{HOSTILE}"'))
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    return HOSTILE


def test_questionnaire_titles_in_import_errors_and_captions_are_plain_text(hostile_titles: str):
    at = facilitator("views/data.py")
    assert any(ui.plain(hostile_titles) in m.value for m in at.markdown)  # Questionnaires tab
    upload(at, "colours.csv", b"Timestamp,Colour\n2026-03-01 10:00,blue\n")
    at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("data_import_q"))).select(
        "pulse"
    ).run()
    (error,) = at.error
    assert error.value.startswith(
        ui.plain(f"Nothing can be imported yet: no column matches a question of '{HOSTILE}'")
    )


# ---------------------------------------------------------------------------------------------
# An upload is read once, not on every rerun


def test_an_upload_is_read_and_planned_once_however_often_the_page_reruns(
    monkeypatch: pytest.MonkeyPatch,
):
    calls = {"read": 0, "plan": 0}
    real_read, real_plan = importing.read_table, importing.plan_import

    def counted_read(*args, **kwargs):
        calls["read"] += 1
        return real_read(*args, **kwargs)

    def counted_plan(*args, **kwargs):
        calls["plan"] += 1
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(importing, "read_table", counted_read)
    monkeypatch.setattr(importing, "plan_import", counted_plan)
    at = upload(
        facilitator("views/data.py"),
        "responses.csv",
        (IMPORTS / "google-forms-pulse.csv").read_bytes(),
    )
    assert {m.label: m.value for m in at.metric}["New responses"] == "6"
    at.run()
    at.selectbox(key="data_preview_questionnaire").select_index(1).run()  # another tab's widget
    assert calls == {"read": 1, "plan": 1}

    at.text_input(key="data_import_session").input("K7PXW3").run()  # the plan changes
    assert calls == {"read": 1, "plan": 2}
    assert not at.exception


# ---------------------------------------------------------------------------------------------
# Report branding


def branding_page() -> AppTest:
    at = facilitator("views/data.py")
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_facilitator_sets_the_branding_once_and_clears_it(isolated_data_dir: Path):
    at = branding_page()
    at.text_input(key="data_branding_coach").input("Dana Cole")
    at.text_input(key="data_branding_practice").input("North Star Coaching")
    at.text_area(key="data_branding_note").input("Thank you.\nSee you in March.")
    at.file_uploader(key="data_branding_logo").set_value(
        ("logo.jpg", picture(2000, 500, "JPEG"), "image/jpeg")
    )
    form_submit(at, "Save branding")
    assert any("Saved" in s.value for s in at.success)
    stored = json.loads((isolated_data_dir / "practice.json").read_text(encoding="utf-8"))
    assert stored == {
        "coach_name": "Dana Cole",
        "practice_name": "North Star Coaching",
        "note": "Thank you.\nSee you in March.",
    }
    assert opened((isolated_data_dir / "practice-logo.png").read_bytes()).size == (800, 200)
    assert any("Prepared by Dana Cole, North Star Coaching" in m.value for m in at.markdown)

    form_submit(at, "Clear branding")
    assert any("Cleared" in s.value for s in at.success)
    assert not (isolated_data_dir / "practice.json").exists()
    assert not (isolated_data_dir / "practice-logo.png").exists()


def test_a_refused_logo_saves_nothing_and_says_why(isolated_data_dir: Path):
    at = branding_page()
    at.text_input(key="data_branding_coach").input("Dana Cole")
    at.file_uploader(key="data_branding_logo").set_value(
        ("logo.png", b"GIF89a pretending", "image/png")
    )
    form_submit(at, "Save branding")
    assert any(
        "Nothing was saved: The logo must be a PNG or JPEG picture" in e.value for e in at.error
    )
    assert not (isolated_data_dir / "practice.json").exists()
    assert not (isolated_data_dir / "practice-logo.png").exists()


def test_hostile_branding_is_shown_as_plain_text(isolated_data_dir: Path):
    hostile = "<script>alert(1)</script> [click](javascript:alert(1)) =cmd|"
    save_branding(settings_from_form(hostile, "", ""), None, keep_logo=False)
    at = branding_page()
    shown = [m.value for m in at.markdown if "Prepared by" in m.value]
    assert shown == [f"**{ui.plain('Prepared by ' + hostile)}**"]
    assert at.text_input(key="data_branding_coach").value == hostile


def test_a_broken_practice_json_is_explained_and_can_be_cleared(isolated_data_dir: Path):
    (isolated_data_dir / "practice.json").write_text('{"coach_name": ', encoding="utf-8")
    at = branding_page()
    assert any(ui.plain("practice.json is not valid JSON") in w.value for w in at.warning)
    form_submit(at, "Clear branding")
    assert not (isolated_data_dir / "practice.json").exists()


def test_the_sample_data_cannot_save_branding(isolated_data_dir: Path):
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception
    assert any("read-only" in i.value and "branding" in i.value for i in at.info)
    labels = [b.label for b in at.button]
    assert "Save branding" not in labels and "Clear branding" not in labels
    assert not (isolated_data_dir / "practice.json").exists()


def test_results_still_offers_the_report_when_practice_json_is_broken(
    isolated_data_dir: Path, chart_renderer: None
):
    (isolated_data_dir / "practice.json").write_text('{"note": 5}', encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    at.run()
    at.switch_page("views/results.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("note must be text" in c and "without branding" in c for c in captions), captions
    assert "Report (PDF)" in [b.proto.label for b in at.get("download_button")]


def test_the_workshop_still_offers_group_reports_when_practice_json_is_broken(
    isolated_data_dir: Path, chart_renderer: None
):
    code = new_session("Offsite", min_group=3)
    for n in range(3):
        add_response(code, f"Person{n}", seed=n)
    release(code)
    (isolated_data_dir / "practice.json").write_text('{"coach_name": 5}', encoding="utf-8")
    at = facilitator(code=code)
    assert not at.exception, [e.value for e in at.exception]
    problem = ui.plain("practice.json: coach_name must be text.")
    problems = [c.value for c in at.caption if problem in c.value]
    assert len(problems) == 2, "one beside each paper's button"
    assert all("without branding" in c for c in problems)
    offered = [b.proto.label for b in at.get("download_button")]
    assert {"Group report (PDF, A4)", "Group report (PDF, Letter)"} <= set(offered)
