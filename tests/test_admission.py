"""One answer per participant: the browser mark, the pace per address, and the facilitator's flags.

Finding 2 of issue 12: "once per session" held only inside one browser session, so two fresh
tabs with known answers outvoted k = 3 and read the third person's scores off the means.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alignment.workshop import admission, create_session, load_workshops, update_session
from alignment.workshop.admission import AdmissionRefused, admit, flags, refusal

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    return tmp_path / "sessions.json"


def saved(sessions: Path, code: str):
    return load_workshops(sessions).find(code)


def test_a_second_answer_from_the_same_browser_is_refused_and_counted(sessions: Path):
    code = create_session(sessions, "Room", "pulse", 3).code
    saves: list[str] = []
    admit(sessions, code, device="tab-mark", address="10.0.0.5", save=lambda: saves.append("1"))
    with pytest.raises(AdmissionRefused, match="already sent answers"):
        # A new tab of the same browser sends the same cookie.
        admit(sessions, code, device="tab-mark", address="10.0.0.5", save=lambda: saves.append("2"))
    assert saves == ["1"]
    session = saved(sessions, code)
    assert len(session.arrivals) == 1 and session.refused == 1
    assert any("refused or slowed" in flag for flag in flags(session, 1))


def test_marks_and_addresses_are_stored_only_as_keyed_hashes(sessions: Path):
    first = create_session(sessions, "One", "pulse", 3).code
    second = create_session(sessions, "Two", "pulse", 3).code
    for code in (first, second):
        admit(sessions, code, device="the-mark", address="192.168.1.23", save=lambda: None)
    text = sessions.read_text()
    assert "the-mark" not in text and "192.168.1.23" not in text
    one, two = saved(sessions, first).arrivals[0], saved(sessions, second).arrivals[0]
    assert one.device != two.device and one.address != two.address  # sessions cannot be linked


def test_a_burst_from_one_address_is_slowed_then_let_through(sessions: Path):
    code = create_session(sessions, "Room", "pulse", 3).code
    limit = admission.answers_per_minute()

    def answer(device: str, address: str, when: datetime) -> None:
        admit(sessions, code, device=device, address=address, save=lambda: None, now=when)

    for n in range(limit):  # private windows: a new mark each, one address
        answer(f"private-{n}", "10.0.0.9", NOW + timedelta(seconds=n))
    later = NOW + timedelta(seconds=limit + 1)
    with pytest.raises(AdmissionRefused, match=r"wait 5[0-9] seconds"):
        answer("private-x", "10.0.0.9", later)
    # Another address is not slowed, and after the minute the same one is let through again.
    answer("phone", "10.0.0.10", NOW)
    answer("private-x", "10.0.0.9", NOW + timedelta(minutes=1, seconds=limit + 1))
    session = saved(sessions, code)
    assert session.refused == 1
    shared = [f for f in flags(session, len(session.arrivals)) if "shared network" in f]
    assert shared and f"{limit + 1} answers came from 1 shared" in shared[0]


def test_the_pace_comes_from_the_environment_and_a_bad_value_keeps_the_default(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv(admission.ANSWERS_PER_MINUTE_NAME, "40")
    assert admission.answers_per_minute() == 40
    for bad in ("0", "-3", "lots", " "):
        monkeypatch.setenv(admission.ANSWERS_PER_MINUTE_NAME, bad)
        assert admission.answers_per_minute() == admission.DEFAULT_ANSWERS_PER_MINUTE


def test_a_failed_save_records_nothing_so_the_person_can_try_again(sessions: Path):
    code = create_session(sessions, "Room", "pulse", 3).code

    def disk_full() -> None:
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space"):
        admit(sessions, code, device="mark", address="10.0.0.5", save=disk_full)
    assert saved(sessions, code).arrivals == ()
    admit(sessions, code, device="mark", address="10.0.0.5", save=lambda: None)
    assert len(saved(sessions, code).arrivals) == 1


def test_a_closed_session_takes_nothing(sessions: Path):
    code = create_session(sessions, "Room", "pulse", 3).code
    update_session(sessions, code, is_open=False)
    assert "closed" in (refusal(saved(sessions, code), "mark", "addr", NOW) or "")
    with pytest.raises(AdmissionRefused, match="closed"):
        admit(sessions, code, device="mark", address="addr", save=lambda: None)


def test_more_responses_than_expected_are_flagged(sessions: Path):
    code = create_session(sessions, "Room", "pulse", 3, expected=2).code
    for n in range(3):
        admit(sessions, code, device=f"d{n}", address=f"10.0.0.{n}", save=lambda: None)
    session = saved(sessions, code)
    assert flags(session, 2) == []
    assert "more than the 2 people you expected" in flags(session, 3)[0]


def _two_tabs_at_once(sessions: str, code: str, start, results) -> None:
    start.wait()
    try:
        admit(Path(sessions), code, device="same-browser", address="10.0.0.5", save=lambda: None)
        results.put("taken")
    except AdmissionRefused:
        results.put("refused")


def test_two_tabs_submitting_at_the_same_moment_give_one_answer(sessions: Path):
    code = create_session(sessions, "Room", "pulse", 3).code
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    tabs = [
        context.Process(target=_two_tabs_at_once, args=(str(sessions), code, start, results))
        for _ in range(2)
    ]
    for tab in tabs:
        tab.start()
    start.set()
    for tab in tabs:
        tab.join(60)
    assert sorted(results.get(timeout=5) for _ in tabs) == ["refused", "taken"]
    assert len(saved(sessions, code).arrivals) == 1


def test_a_browser_finds_its_own_response_again_by_its_mark_and_no_other(sessions: Path):
    """After a reload the phone's result card comes back: the mark finds its own response."""
    code = create_session(sessions, "Room", "pulse", 3).code
    admit(sessions, code, device="mark-a", address="10.0.0.5", save=lambda: None, response_id="r1")
    admit(sessions, code, device="mark-b", address="10.0.0.6", save=lambda: None, response_id="r2")
    session = saved(sessions, code)
    assert admission.answered_response(session, "mark-a") == "r1"
    assert admission.answered_response(session, "mark-b") == "r2"
    assert admission.answered_response(session, "mark-c") is None
    other = create_session(sessions, "Other room", "pulse", 3).code
    assert admission.answered_response(saved(sessions, other), "mark-a") is None
