"""The workshop through the app: open a session, join it, the k threshold, reveal, access."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from streamlit.testing.v1 import AppTest

from alignment import config, signin, ui
from alignment.assessment import submit
from alignment.response import build_response
from alignment.scoring import score_responses
from alignment.store import append_rows, load_responses
from alignment.ui import access
from alignment.workshop import (
    CODE_ALPHABET,
    MIN_GROUP_FLOOR,
    WorkshopError,
    create_session,
    load_workshops,
    release_results,
    sessions_path,
    set_join_base_url,
    update_session,
)
from tests.conftest import browser_address, charts_come_into_view
from tests.test_journey import APP, PULSE, complete_pulse, press

PASSCODE = "open sesame"
WORKSHOP_TITLE = "Workshop"


# ---------------------------------------------------------------------------------------------
# Helpers


def sessions_file() -> Path:
    return sessions_path(config.data_dir())


def new_session(title: str = "Leadership day", min_group: int = 5, **changes: object) -> str:
    code = create_session(sessions_file(), title, "pulse", min_group).code
    if changes:
        update_session(sessions_file(), code, **changes)
    return code


def add_response(code: str, alias: str, seed: int = 0) -> str:
    """One complete pulse response in the session; every active item answered 1..5."""
    response_id = str(uuid4())
    answers = {item.id: 1 + (n + seed) % 5 for n, item in enumerate(PULSE.active_items)}
    submit(
        config.responses_path(),
        PULSE,
        alias,
        answers,
        {},
        response_id=response_id,
        session=code,
    )
    return response_id


def release(code: str) -> None:
    """Release the session's results as the Reveal button does."""
    frame = load_responses(config.responses_path()).frame
    strategies = score_responses(frame[frame["session"] == code], PULSE).strategies
    release_results(sessions_file(), code, strategies)


def saved_session(code: str):
    return load_workshops(sessions_file()).find(code)


def facilitator(page: str = "views/workshop.py", code: str | None = None) -> AppTest:
    """A facilitator (no passcode set) looking at their own data on `page`."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.MINE
    if code is not None:
        at.session_state["workshop_code"] = code
        at.session_state["present_code"] = code  # what the Workshop page hands to Present
    at.run()
    browser_address(at, page)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def participant(code: str) -> AppTest:
    """A visitor who opened the join link ?session=CODE (lands on the default page)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["session"] = code
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def everything(at: AppTest) -> str:
    """Every element of the rendered page (main and sidebar), protos as text."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def response_count() -> int:
    path = config.responses_path()
    return load_responses(path).response_count if path.exists() else 0


# ---------------------------------------------------------------------------------------------
# 1. Opening a session through the UI


def test_facilitator_opens_a_session_and_sees_its_code_and_join_link():
    at = facilitator()
    assert WORKSHOP_TITLE in titles(at)
    next(t for t in at.text_input if t.label == "Title").set_value("Leadership day, March")
    next(s for s in at.selectbox if s.label == "Questionnaire").set_value("pulse")
    press(at, "Open session")

    sessions = load_workshops(sessions_file()).sessions
    assert len(sessions) == 1
    session = sessions[0]
    assert session.title == "Leadership day, March"
    assert session.questionnaire_id == "pulse"
    assert session.is_open and not session.revealed
    assert session.min_group == 5

    code = session.code
    assert len(code) == 6
    assert set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("0O1I")
    assert code in titles(at)
    links = [c.value for c in at.code]
    assert any(f"?session={code}" in link for link in links), links


def test_a_session_needs_a_title():
    at = facilitator()
    press(at, "Open session")
    assert not sessions_file().exists() or not load_workshops(sessions_file()).sessions
    assert any("give the session a title" in e.value for e in at.error)


# ---------------------------------------------------------------------------------------------
# 2. Joining and answering as a participant


def test_participant_joins_answers_anonymously_and_sees_only_their_own_result():
    code = new_session("Team offsite")
    other_id = add_response(code, "Someone Else")

    at = participant(code)
    # Only Assess and Results are registered for a participant: AppTest refuses to switch to
    # any other page (a real browser would land on the default page instead).
    pages = ("views/workshop.py", "views/trends.py", "views/present.py", "views/data.py")
    for page in (*pages, "views/home.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert "Assessment" in titles(at)  # the default page
    assert WORKSHOP_TITLE not in titles(at)
    assert any(f"Workshop: {ui.plain('Team offsite')}" in s.value for s in at.subheader)

    # The session fixes the questionnaire: no choice offered, the alias is optional.
    assert not [r for r in at.main.radio if r.label == "Questionnaire"]
    assert at.text_input[0].label == "Your name or alias (optional)"
    at.text_input[0].set_value("")
    press(at, "Start")
    assert at.session_state["assess_started"] is True
    assert at.session_state["assess_questionnaire_id"] == "pulse"
    alias = at.session_state[ui.RESPONDENT_KEY]
    assert alias.startswith("Participant ")
    assert alias.removeprefix("Participant ").isdigit()
    assert len(alias.removeprefix("Participant ")) == 4

    complete_pulse(at)
    assert not at.exception, [e.value for e in at.exception]
    frame = load_responses(config.responses_path()).frame
    mine = frame[frame["respondent"] == alias]
    assert not mine.empty
    assert set(mine["session"]) == {code}
    assert mine["response_id"].nunique() == 1
    assert set(frame["response_id"]) == {other_id, mine["response_id"].iloc[0]}

    # Results: this participant's response only, never the other person's.
    assert "Results" in titles(at)
    assert "Your result" in [h.value for h in at.header]
    page = everything(at)
    assert alias in page
    assert "Someone Else" not in page
    assert other_id not in page
    for box in at.selectbox:
        assert "Someone Else" not in box.options
        assert other_id not in box.options
    # Still a participant after the switch to Results (the join link's code is remembered),
    # and the address still says so: a reload of the phone's browser keeps the workshop.
    assert at.query_params["session"] == code
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/workshop.py")


def test_a_participant_s_result_is_one_card_and_the_charts_come_on_request():
    """Thirty phones submit together: each gets its headline at once, no charts to build."""
    code = new_session("Team offsite")
    at = participant(code)
    press(at, "Start")
    complete_pulse(at)
    assert "Results" in titles(at)
    assert "Your result" in [h.value for h in at.header]
    said = " ".join(m.value for m in at.markdown)
    assert "Your widest gap" in said or "No gap is wider" in said
    assert "look up at the screen" in said
    assert [m.label for m in at.metric] == ["Purpose index", "Performance index", "Alignment index"]
    assert plotly_specs(at) == []
    assert "Delete my answers" in [e.label for e in at.expander]

    charts_come_into_view(at)  # they wait below the fold until the participant scrolls there
    at.toggle(key="results_full").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.label for m in at.metric] == ["Purpose index", "Performance index", "Alignment index"]
    assert len(plotly_specs(at)) == 3
    assert "Focus next" in [h.value for h in at.header]
    assert "Delete my answers" in [e.label for e in at.expander]
    # A participant's page offers no chart files: the room looks at the shared screen.
    assert at.get("popover") == []
    chart_files = [b.proto.label for b in at.get("download_button")]
    assert not any(label.startswith(("Picture", "Slide", "Vector")) for label in chart_files)
    assert "Download all charts (ZIP)" not in chart_files


def test_participant_answers_are_saved_under_a_typed_alias_too():
    code = new_session()
    at = participant(code)
    at.text_input[0].set_value("Robin")
    press(at, "Start")
    complete_pulse(at)
    frame = load_responses(config.responses_path()).frame
    assert set(frame["respondent"]) == {"Robin"}
    assert set(frame["session"]) == {code}


# ---------------------------------------------------------------------------------------------
# 3. Nothing of the group below k, nothing before the reveal, nothing identifying after


def test_group_results_respect_k_and_the_reveal():
    code = new_session("Threshold", min_group=5)
    aliases = [f"Person{n:02d}" for n in range(5)]
    at = facilitator(code=code)
    assert {m.label: m.value for m in at.metric}["Responses so far"] == "0"
    assert any("5 more needed" in i.value for i in at.info)

    ids = [add_response(code, alias, seed=n) for n, alias in enumerate(aliases[:4])]
    at.run()  # the live panel reads only what arrived since its last look
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Responses so far"] == "4"
    infos = " ".join(i.value for i in at.info)
    assert "4 of at least 5 responses" in infos
    assert "1 more needed" in infos
    assert not at.get("plotly_chart")

    ids.append(add_response(code, aliases[4], seed=4))
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Responses so far"] == "5"
    infos = " ".join(i.value for i in at.info)
    assert "Results are hidden" in infos
    assert "more needed" not in infos
    assert not at.get("plotly_chart")

    press(at, "Reveal results")
    specs = at.get("plotly_chart")
    assert len(specs) == 2  # radar and quadrants: the spread waits for ten answers
    assert any("once a strategy has 10 answers" in c.value for c in at.caption)
    assert not any("Results are hidden" in i.value for i in at.info)
    for element in specs:
        spec = element.proto.spec
        for alias in aliases:
            assert alias not in spec
        for response_id in ids:
            assert response_id not in spec
    # The whole page says nothing about who answered, either.
    page = everything(at)
    for alias in aliases:
        assert alias not in page
    for response_id in ids:
        assert response_id not in page


def test_a_refresh_after_one_new_answer_shows_nothing_new_on_any_screen():
    """Finding 3: n * after - (n - 1) * before was the newest person's scores."""
    code = new_session("Frozen", min_group=3)
    for n in range(3):
        add_response(code, f"F{n}", seed=n)
    at = facilitator(code=code)
    press(at, "Reveal results")
    present = facilitator("views/present.py", code=code)
    press(present, "Next ▶")
    press(present, "Next ▶")

    def shown(page: AppTest) -> tuple[list[str], list[str]]:
        tables = [str(frame.value.to_dict()) for frame in page.dataframe]
        return [c.proto.spec for c in page.get("plotly_chart")], tables

    before = shown(at), shown(present)
    add_response(code, "Newcomer", seed=4)
    at.run()
    present.run()
    assert {m.label: m.value for m in at.metric}["Responses so far"] == "4"
    assert (shown(at), shown(present)) == before
    assert any("1 changed since" in c.value for c in at.caption)
    release_button = next(b for b in at.button if b.label == "Release new results")
    assert release_button.disabled and "3 (k)" in release_button.help


def test_responses_of_other_sessions_do_not_count_towards_k():
    code = new_session("Counted", min_group=3, revealed=True)
    other = new_session("Elsewhere", min_group=3, revealed=True)
    add_response(code, "A")
    add_response(code, "B")
    for n in range(3):
        add_response(other, f"X{n}")
    at = facilitator(code=code)
    assert {m.label: m.value for m in at.metric}["Responses so far"] == "2"
    assert any("1 more needed" in i.value for i in at.info)
    assert not at.get("plotly_chart")


# ---------------------------------------------------------------------------------------------
# 4. Reveal and close with the buttons


def test_reveal_and_close_buttons_change_the_session_and_lock_participants_out():
    code = new_session("Buttons")
    at = facilitator(code=code)
    reveal = next(b for b in at.button if b.label == "Reveal results")
    assert reveal.disabled and "5 more needed" in reveal.help  # nothing to release below k
    for n in range(5):
        add_response(code, f"B{n}", seed=n)
    at.run()
    press(at, "Reveal results")
    assert saved_session(code).revealed is True
    assert "Hide results" in labels(at)

    press(at, "Close session")
    assert saved_session(code).is_open is False
    assert "Reopen session" in labels(at)

    visitor = participant(code)
    errors = " ".join(e.value for e in visitor.error)
    assert "closed" in errors
    assert "Buttons" in errors
    assert "Start" not in labels(visitor)
    assert not any(
        r.label == "Questionnaire" or (r.key and r.key.startswith("assess_")) for r in visitor.radio
    )
    assert response_count() == 5


def test_hide_and_reopen_buttons_undo():
    code = new_session("Undo", min_group=3)
    for n in range(3):
        add_response(code, f"U{n}", seed=n)
    release(code)
    update_session(sessions_file(), code, is_open=False)
    at = facilitator(code=code)
    press(at, "Hide results")
    assert saved_session(code).revealed is False
    assert not at.get("plotly_chart")
    press(at, "Show results again")
    assert saved_session(code).revealed is True
    assert len(at.get("plotly_chart")) == 2
    assert saved_session(code).last_release.number == 1
    press(at, "Reopen session")
    assert saved_session(code).is_open is True
    visitor = participant(code)
    assert not visitor.error
    assert "Start" in labels(visitor)


# ---------------------------------------------------------------------------------------------
# 5. Codes that are not sessions


def test_unknown_code_is_explained():
    new_session()  # some other session exists
    at = participant("ZZZZZZ")
    errors = " ".join(e.value for e in at.error)
    assert "no workshop session with the code ZZZZZZ" in errors
    assert "Start" not in labels(at)
    assert "Join" in labels(at)  # a form to type the code again


@pytest.mark.parametrize(("typed", "named"), [("K0PXW3", ["0"]), ("KOPXW3", ["O"])])
def test_code_with_confusable_characters_names_them(typed: str, named: list[str]):
    at = participant(typed)
    errors = " ".join(e.value for e in at.error)
    assert "never contain" in errors
    for character in named:
        assert f"contain {character}" in errors
    assert "Start" not in labels(at)


def test_code_with_both_o_and_zero_names_both():
    at = participant("k0-pxo3")
    errors = " ".join(e.value for e in at.error)
    assert "never contain 0, O" in errors


def test_lowercase_code_with_spaces_joins_the_session():
    code = new_session("Typed loosely")
    at = participant(f" {code[:3].lower()} {code[3:].lower()} ")
    assert not at.error
    assert "Start" in labels(at)
    assert any("Typed loosely" in s.value for s in at.subheader)


# ---------------------------------------------------------------------------------------------
# 6. The passcode gate


def test_passcode_gates_the_facilitator_pages(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ALIGNMENT_FACILITATOR_PASSCODE", PASSCODE)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    # A guest's navigation does not register Trends, Workshop, Present or Data: AppTest refuses
    # the switch (in a browser the URL would fall back to the default page).
    for page in ("views/workshop.py", "views/trends.py", "views/present.py", "views/data.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert WORKSHOP_TITLE not in titles(at)
    assert any("sign in" in c.value.lower() for c in at.sidebar.caption)

    at.switch_page("views/signin.py").run()
    assert "Facilitator sign-in" in titles(at)
    at.text_input[0].set_value("open sesame?")
    press(at, "Sign in")
    assert any("not right" in e.value for e in at.error)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/workshop.py")

    at.text_input[0].set_value(PASSCODE)
    press(at, "Sign in")
    assert not at.error
    at.switch_page("views/workshop.py").run()
    assert not at.exception
    assert WORKSHOP_TITLE in titles(at)
    at.switch_page("views/trends.py").run()
    assert not at.exception
    at.switch_page("views/data.py").run()
    assert not at.exception

    # Signing out locks the pages again.
    press(at, "Sign out")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/workshop.py")


def test_participant_never_gets_the_workshop_page(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ALIGNMENT_FACILITATOR_PASSCODE", PASSCODE)
    code = new_session()
    at = participant(code)
    for page in ("views/workshop.py", "views/trends.py", "views/data.py", "views/signin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert WORKSHOP_TITLE not in titles(at)
    # Even with the unlock flag in the browser session, a joined session keeps the participant
    # role.
    at.session_state["app_facilitator_unlocked"] = True
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/workshop.py")


# ---------------------------------------------------------------------------------------------
# 7. k never goes below the floor


def test_k_floor_in_the_store_and_on_the_page():
    code = new_session(min_group=5)
    with pytest.raises(WorkshopError):
        update_session(sessions_file(), code, min_group=2)
    assert saved_session(code).min_group == 5
    with pytest.raises(WorkshopError):
        create_session(sessions_file(), "Too small", "pulse", 2)

    at = facilitator(code=code)
    k_input = next(n for n in at.number_input if n.label == "k (minimum group)")
    assert k_input.min == MIN_GROUP_FLOOR == 3
    assert k_input.value == 5
    form_k = next(n for n in at.number_input if n.label.startswith("Show group results"))
    assert form_k.min == MIN_GROUP_FLOOR

    k_input.set_value(3).run()
    assert not at.exception
    assert saved_session(code).min_group == 3


def test_k_below_the_floor_from_the_page_is_refused():
    """A crafted widget value (the browser keeps to min_value) must still not lower k.

    Streamlit itself resets an out-of-range number_input value to the widget's default, so the
    page never even sees 2; whatever the route, the saved k must stay at or above the floor.
    """
    code = new_session(min_group=5)
    at = facilitator(code=code)
    next(n for n in at.number_input if n.label == "k (minimum group)").set_value(2).run()
    assert not at.exception
    assert saved_session(code).min_group == 5
    assert next(n for n in at.number_input if n.label == "k (minimum group)").value == 5


def test_k_below_the_floor_in_the_new_session_form_is_refused():
    at = facilitator()
    next(t for t in at.text_input if t.label == "Title").set_value("Tiny group")
    next(n for n in at.number_input if n.label.startswith("Show group results")).set_value(2)
    press(at, "Open session")
    sessions = load_workshops(sessions_file()).sessions if sessions_file().exists() else ()
    assert all(s.min_group >= MIN_GROUP_FLOOR for s in sessions)
    assert all(s.min_group != 2 for s in sessions)


# ---------------------------------------------------------------------------------------------
# 8. Presentation mode


def test_presentation_radar_uses_projector_type():
    code = new_session("On screen", min_group=3)
    for n in range(3):
        add_response(code, f"Presenter{n}", seed=n)
    release(code)
    at = facilitator("views/present.py", code=code)
    assert "screen 1 of 6" in at.caption[0].value
    assert any(code in m.value for m in at.markdown)
    assert not at.get("plotly_chart")

    press(at, "Next ▶")
    assert any("3 responses" in m.value for m in at.markdown)
    assert not at.get("plotly_chart")

    press(at, "Next ▶")
    assert "screen 3 of 6" in at.caption[0].value
    specs = plotly_specs(at)
    assert len(specs) == 1
    radar = specs[0]
    assert any(trace["type"] == "scatterpolar" for trace in radar["data"])
    assert radar["layout"]["font"]["size"] >= 20
    for n in range(3):
        assert f"Presenter{n}" not in at.get("plotly_chart")[0].proto.spec


def test_presentation_shows_no_chart_below_k_or_before_the_reveal():
    code = new_session("Too few", min_group=3, revealed=True)
    add_response(code, "Only one")
    at = facilitator("views/present.py", code=code)
    for _ in range(5):
        press(at, "Next ▶")
        assert not at.get("plotly_chart")
    hidden = new_session("Hidden", min_group=3)
    for n in range(3):
        add_response(hidden, f"H{n}")
    at = facilitator("views/present.py", code=hidden)
    for _ in range(5):
        press(at, "Next ▶")
        assert not at.get("plotly_chart")


# ---------------------------------------------------------------------------------------------
# 9. The join address phones use

LAN_ADDRESS = "192.168.1.20"


@pytest.fixture
def machine_on_a_lan(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine as a laptop on a room's Wi-Fi: a name, loopback and one LAN address."""
    hosts = {"laptop", "laptop.local", "127.0.0.1", "::1", LAN_ADDRESS}
    monkeypatch.setattr(signin, "machine_hosts", lambda: hosts)
    access.phone_addresses.clear()
    yield
    access.phone_addresses.clear()


def join_warnings(at: AppTest) -> list[str]:
    return [e.value for e in at.error if "no participant can join" in e.value]


def test_a_localhost_join_link_is_a_red_warning_with_this_machine_s_addresses(machine_on_a_lan):
    new_session()
    at = facilitator()
    # AppTest has no browser address, so the page falls back to http://localhost:8501.
    (warning,) = join_warnings(at)
    assert "localhost" in warning
    choice = next(s for s in at.selectbox if s.label == "This computer's addresses")
    assert choice.options == [f"http://{LAN_ADDRESS}:8501"]
    press(at, "Use this address")
    assert load_workshops(sessions_file()).join_base_url == f"http://{LAN_ADDRESS}:8501"
    assert join_warnings(at) == []
    assert any(f"http://{LAN_ADDRESS}:8501/?session=" in c.value for c in at.code)


def test_no_join_warning_once_a_lan_address_is_saved(machine_on_a_lan):
    new_session()
    set_join_base_url(sessions_file(), f"http://{LAN_ADDRESS}:8501")
    at = facilitator()
    assert join_warnings(at) == []
    assert not [s for s in at.selectbox if s.label == "This computer's addresses"]


def test_present_s_join_slide_warns_and_offers_the_addresses_too(machine_on_a_lan):
    code = new_session()
    at = facilitator("views/present.py", code)
    (warning,) = join_warnings(at)
    assert "localhost" in warning
    choice = next(s for s in at.selectbox if s.label == "This computer's addresses")
    assert choice.options == [f"http://{LAN_ADDRESS}:8501"]


def test_read_only_sample_sessions_warn_without_an_address_to_save(machine_on_a_lan):
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    at.run()
    at.switch_page("views/workshop.py").run()
    assert len(join_warnings(at)) == 1
    assert not [s for s in at.selectbox if s.label == "This computer's addresses"]
    assert any("read-only" in c.value for c in at.caption)


# ---------------------------------------------------------------------------------------------
# Bugs found while writing these tests (app code left as is; see the reasons)


def test_participant_headline_never_compares_with_someone_else_s_response():
    code = new_session("Same alias")
    colleague = build_response(
        PULSE,
        "Kim",
        {item.id: 5 for item in PULSE.active_items},
        session="",
        submitted_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        response_id="colleague-response",
    )
    append_rows(config.responses_path(), colleague)

    at = participant(code)
    at.text_input[0].set_value("Kim")
    press(at, "Start")
    complete_pulse(at)
    at.toggle(key="results_full").set_value(True).run()
    assert [m.label for m in at.metric] == ["Purpose index", "Performance index", "Alignment index"]
    # This browser session has submitted one response: there is nothing of its own to compare.
    assert [m.delta for m in at.metric] == ["", "", ""]
    assert "10 Mar 2026" not in everything(at)


@pytest.fixture
def sample_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped sample data, copied so a test can never change the real files."""
    folder = tmp_path / "sample"
    shutil.copytree(config.SAMPLE_DIR, folder)
    monkeypatch.setattr(config, "SAMPLE_DIR", folder)
    monkeypatch.setattr(config, "SAMPLE_RESPONSES", folder / "responses.csv")
    return folder


def test_sample_sessions_stay_read_only(sample_copy: Path):
    shipped = (sample_copy / "sessions.json").read_text()
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    at.run()
    at.switch_page("views/workshop.py").run()
    assert any("read-only" in i.value for i in at.info)
    for label in ("Reopen session", "Close session", "Hide results", "Reveal results"):
        button = next((b for b in at.button if b.label == label), None)
        if button is not None and not button.disabled:
            button.click().run()
            assert not at.exception
    assert (sample_copy / "sessions.json").read_text() == shipped


def test_present_remembers_the_session_chosen_on_the_workshop_page():
    """The chosen session survives leaving the Workshop page (its selectbox state does not)."""
    first = create_session(sessions_file(), "Morning", "pulse", 3).code
    second = create_session(sessions_file(), "Afternoon", "pulse", 3).code
    at = facilitator("views/workshop.py")
    at.selectbox(key="workshop_code").set_value(first).run()
    browser_address(at, "views/present.py")
    at.switch_page("views/present.py").run()
    for _ in range(4):
        next(b for b in at.button if b.label.startswith("Next")).click().run()
        assert not at.exception
        assert any("Morning" in c.value for c in at.caption), second


def test_a_participant_answers_once_per_session():
    code = create_session(sessions_file(), "Once", "pulse", 3).code
    at = participant(code)
    press(at, "Start")
    complete_pulse(at)
    at.switch_page("views/assess.py").run()
    assert not at.exception
    assert any("answers once per session" in s.value for s in at.success)
    assert not [b for b in at.button if b.label == "Start"]
    assert load_responses(config.responses_path()).response_count == 1
