"""One answer per participant, as far as an app without sign-in can hold it.

- **A browser mark.** Every participant's browser keeps a random mark (a cookie); a second answer
  to the same session from a browser that already answered is refused, in any tab.
- **A pace per network address.** More than `answers_per_minute()` answers to one session from
  one address within a minute are refused until the minute has passed, so private windows or a
  second browser on one device cannot outvote k in a burst.
- **What the facilitator sees.** Refusals, answers sharing an address, and a count above the
  expected headcount are flagged on the Workshop page.

It does not stop a determined person with several devices on several networks; signed-in
sessions (one response per identity) do. Marks and addresses are stored only as keyed hashes,
keyed per session, so no two sessions can be linked and no address can be read back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alignment.workshop.sessions import Arrival, Session, WorkshopError, change_session

PACE_WINDOW = timedelta(minutes=1)
DEFAULT_ANSWERS_PER_MINUTE = 3
ANSWERS_PER_MINUTE_NAME = "ALIGNMENT_ANSWERS_PER_ADDRESS_PER_MINUTE"
ARRIVALS_MAX = 20_000


ALREADY_ANSWERED = (
    "This browser has already sent answers to this session. Each person answers once, so the "
    "group's results count people, not clicks. If someone else is using this device, they can "
    "join from their own phone."
)


class AdmissionRefused(WorkshopError):
    """This answer is not taken; the message says why and what the person can do."""


def answers_per_minute() -> int:
    """From the environment (behind a proxy every answer shares one address), else 3.

    An unusable value falls back to the default rather than lifting the limit.
    """
    configured = os.environ.get(ANSWERS_PER_MINUTE_NAME, "").strip()
    try:
        value = int(configured) if configured else DEFAULT_ANSWERS_PER_MINUTE
    except ValueError:
        return DEFAULT_ANSWERS_PER_MINUTE
    return value if value >= 1 else DEFAULT_ANSWERS_PER_MINUTE


def keyed(session: Session, value: str) -> str:
    """A mark or address as stored: a keyed hash, never the value itself."""
    key = (session.salt or session.code).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def has_answered(session: Session, device: str) -> bool:
    mark = keyed(session, device)
    return any(arrival.device == mark for arrival in session.arrivals)


def answered_response(session: Session, device: str) -> str | None:
    """The response this browser gave to the session, found by its mark; None if none."""
    mark = keyed(session, device)
    return next((a.response for a in session.arrivals if a.device == mark and a.response), None)


def refusal(session: Session, device: str, address: str, now: datetime) -> str | None:
    """Why this browser at this address may not answer the session now, or None."""
    if not session.is_open:
        return f"The session “{session.title}” is closed, so it takes no more answers."
    if has_answered(session, device):
        return ALREADY_ANSWERED
    if len(session.arrivals) >= ARRIVALS_MAX:
        return "This session has taken as many answers as it can; ask the facilitator."
    mark, since = keyed(session, address), now - PACE_WINDOW
    recent = [a for a in session.arrivals if a.address == mark and _parse(a.at) > since]
    if len(recent) >= answers_per_minute():
        wait = int((_parse(recent[0].at) + PACE_WINDOW - now).total_seconds()) + 1
        return (
            f"Several answers to this session came from your network just now. Please wait "
            f"{wait} seconds and press Submit again: your answers are kept on this page."
        )
    return None


def admit(
    path: Path,
    code: str,
    *,
    device: str,
    address: str,
    save: Callable[[], object],
    response_id: str = "",
    now: datetime | None = None,
) -> Session:
    """Take one answer: check, `save()` it and record its arrival as one step under the lock.

    A refused answer is counted (the facilitator sees it) and raises AdmissionRefused; when
    `save` fails nothing is recorded, so the person can try again.
    """
    moment = now or datetime.now(UTC)
    refused: list[str] = []

    def take(session: Session) -> Session:
        reason = refusal(session, device, address, moment)
        if reason is not None:
            refused.append(reason)
            return replace(session, refused=session.refused + 1)
        save()
        arrival = Arrival(
            _stamp(moment), keyed(session, device), keyed(session, address), response_id
        )
        return replace(session, arrivals=(*session.arrivals, arrival))

    session = change_session(path, code, take)
    if refused:
        raise AdmissionRefused(refused[0])
    return session


def flags(session: Session, count: int) -> list[str]:
    """What the facilitator should know about how the answers arrived."""
    found = []
    if session.expected is not None and count > session.expected:
        found.append(
            f"{count} responses, more than the {session.expected} people you expected: someone "
            "may have answered twice."
        )
    shared = [n for n in Counter(a.address for a in session.arrivals).values() if n > 1]
    if shared:
        found.append(
            f"{sum(shared)} answers came from {len(shared)} shared network address(es): normal "
            "behind one company network or proxy, worth a look on a room's Wi-Fi."
        )
    if session.refused:
        found.append(
            f"{session.refused} answer(s) were refused or slowed: a browser that had already "
            "answered, or a burst from one address."
        )
    return found
