"""The next check-in as a calendar entry (.ics), so a leader's quarterly rhythm lives where
their meetings do."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from alignment.export import as_utc
from alignment.results import Focus

CHECK_IN_DAYS = 90
ICS_PRODID = "-//Purpose-Performance Alignment//EN"
REMINDER_SUMMARY = "Reflect and reset: purpose–performance check-in"


def next_check_in(last: date, days: int = CHECK_IN_DAYS) -> date:
    """When to check in again: a quarter after the last check-in unless told otherwise."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    day = last.date() if isinstance(last, datetime) else last
    return day + timedelta(days=days)


def reminder_ics(
    when: date,
    *,
    respondent: str,
    app_url: str,
    questionnaire_title: str,
    focus: Sequence[Focus] = (),
    reflections: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
) -> bytes:
    """An all-day calendar entry for the next check-in, with a 09:00 pop-up that morning.

    All-day (a date, not a time) so it lands on the right day in any time zone; the alarm fires
    nine hours after the day starts, in the calendar's own local time. The description carries
    what to come back to: the strategies to focus on and what the person wrote, (prompt, text),
    in their own words. The alias and those texts only appear in the description, which the
    calendar library escapes.
    """
    day = when.date() if isinstance(when, datetime) else when
    stamp = as_utc(now or datetime.now(UTC)).to_pydatetime()

    event = Event()
    event.add("uid", f"{uuid.uuid4()}@purpose-performance")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", REMINDER_SUMMARY)
    event.add(
        "description",
        _description(respondent, app_url, questionnaire_title, focus, reflections),
    )
    event.add("url", app_url)
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", REMINDER_SUMMARY)
    alarm.add("trigger", timedelta(hours=9))
    event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def _description(
    respondent: str,
    app_url: str,
    questionnaire_title: str,
    focus: Sequence[Focus],
    reflections: Sequence[tuple[str, str]],
) -> str:
    lines = [
        f"Time for your check-in, {respondent}.",
        f"Answer '{questionnaire_title}' again (about 10 minutes), then compare your scores "
        "with last time and pick one thing to change before the next check-in.",
    ]
    if focus:
        lines += ["", "Your focus from this check-in:"]
        lines += [
            f"- {item.strategy.name} (valued {item.purpose:.0f}, lived {item.performance:.0f})"
            for item in focus
        ]
    if reflections:
        lines += ["", "What you wrote:"]
        for prompt, text in reflections:
            lines += [prompt, text.strip(), ""]
        lines.pop()
    lines += ["", f"Open the app: {app_url}"]
    return "\n".join(lines)
