"""The check-in reminder: one all-day calendar entry with the app's link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from alignment.reminder import ICS_PRODID, next_check_in, reminder_ics
from alignment.results import Focus

MAIN = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")


def parse_event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_reminder_is_one_all_day_event_with_the_app_link():
    url = "https://align.example.org/?page=check-in&q=purpose-performance"
    now = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    calendar, event = parse_event(
        reminder_ics(
            date(2026, 4, 15),
            respondent="Ana",
            app_url=url,
            questionnaire_title=MAIN.title,
            now=now,
        )
    )
    assert str(calendar["PRODID"]) == ICS_PRODID
    assert str(calendar["VERSION"]) == "2.0"
    start = event["DTSTART"].dt
    assert type(start) is date
    assert start == date(2026, 4, 15)
    assert event["DTEND"].dt == date(2026, 4, 16)
    assert event["DTSTAMP"].dt == now
    assert str(event["URL"]) == url
    assert "check-in" in str(event["SUMMARY"])
    assert url in str(event["DESCRIPTION"])
    assert MAIN.title in str(event["DESCRIPTION"])
    assert str(event["UID"]).endswith("@purpose-performance")
    alarms = event.walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0]["TRIGGER"].dt == timedelta(hours=9)  # 09:00 on the day


def test_alias_with_separators_survives_escaping_and_stays_in_the_description():
    alias = "Doe, Jane; team\nlead \\ ops"
    data = reminder_ics(
        date(2026, 4, 15),
        respondent=alias,
        app_url="https://align.example.org/",
        questionnaire_title="Pulse",
    )
    _, event = parse_event(data)
    assert alias in str(event["DESCRIPTION"])
    for field in ("SUMMARY", "UID", "URL"):
        assert "Jane" not in str(event[field])
    assert b"Doe\\, Jane\\; team\\nlead" in data.replace(b"\r\n ", b"")


def test_reminders_get_distinct_uids():
    make = lambda: reminder_ics(  # noqa: E731
        date(2026, 4, 15), respondent="Ana", app_url="https://a.example/", questionnaire_title="Q"
    )
    assert str(parse_event(make())[1]["UID"]) != str(parse_event(make())[1]["UID"])


def test_next_check_in_is_a_quarter_later_by_default():
    assert next_check_in(date(2026, 1, 15)) == date(2026, 4, 15)
    assert next_check_in(date(2025, 12, 1), days=30) == date(2025, 12, 31)
    assert next_check_in(datetime(2026, 1, 15, 23, 59, tzinfo=UTC)) == date(2026, 4, 15)
    with pytest.raises(ValueError, match="at least 1"):
        next_check_in(date(2026, 1, 15), days=0)


def test_the_reminder_carries_the_focus_and_what_the_person_wrote():
    why, goals = MAIN.strategy_by_id["why"], MAIN.strategy_by_id["goals"]
    focus = [
        Focus(
            why, purpose=87.5, performance=25.0, gap=-62.5, alignment=37.5, quadrant="intent_gap"
        ),
        Focus(goals, purpose=50.0, performance=75.0, gap=25.0, alignment=75.0, quadrant="hollow"),
    ]
    commit = next(r for r in MAIN.reflections if r.id == "reflect-commit")
    written = [(commit.text, "Block Friday 4pm, every week; tell Sam, my manager.\n")]
    _, event = parse_event(
        reminder_ics(
            date(2026, 4, 15),
            respondent="Ana",
            app_url="https://a.example/",
            questionnaire_title=MAIN.title,
            focus=focus,
            reflections=written,
        )
    )
    description = str(event["DESCRIPTION"])
    assert f"- {why.name} (valued 88, lived 25)" in description
    assert f"- {goals.name} (valued 50, lived 75)" in description
    assert f"{commit.text}\nBlock Friday 4pm, every week; tell Sam, my manager.\n" in description
    assert description.index(why.name) < description.index(commit.text)
    assert description.endswith("Open the app: https://a.example/")
    for field in ("SUMMARY", "UID", "URL"):
        assert "Friday" not in str(event[field])


def test_without_focus_or_reflections_the_reminder_says_neither():
    _, event = parse_event(
        reminder_ics(
            date(2026, 4, 15),
            respondent="Ana",
            app_url="https://a.example/",
            questionnaire_title="Q",
        )
    )
    assert "focus" not in str(event["DESCRIPTION"]) and "wrote" not in str(event["DESCRIPTION"])
