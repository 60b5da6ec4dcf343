"""Workshop sessions: codes people can type, and the session records kept in `sessions.json`.

Sessions live in `sessions.json` beside the responses, rewritten atomically under a lock. Besides
its settings, a session records its releases (who each published group number was computed
from; see `disclosure`) and its arrivals (hashed marks of the browser and network address each
answer came from; see `admission`), so both rules hold across restarts and browser sessions.
"""

from __future__ import annotations

import io
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import segno

from alignment.store import StoreError, locked

# No 0/O or 1/I: a code read off a projector must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MIN_GROUP_FLOOR = 3
DEFAULT_MIN_GROUP = 5
TITLE_MAX_LENGTH = 120
EXPECTED_MAX = 10_000
SESSIONS_MAX = 1_000
SESSIONS_FILE_MAX_BYTES = 32 << 20


class WorkshopError(ValueError):
    """A session request that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class Release:
    """One publication of the group's results: whose answers each published number is made of.

    `cells` maps a cell ("why/purpose") to indices into `members`; only published cells appear.
    The numbers themselves are not stored: they are computed again from exactly these people.
    """

    number: int
    released_at: str
    members: tuple[str, ...]
    cells: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def contributors(self, cell: str) -> frozenset[str]:
        return frozenset(self.members[i] for i in self.cells.get(cell, ()))

    @classmethod
    def of(
        cls,
        number: int,
        released_at: str,
        members: frozenset[str],
        cells: Mapping[str, frozenset[str]],
    ) -> Release:
        """A release of `members`' responses publishing `cells` (cell -> its contributors)."""
        ordered = tuple(sorted(members))
        position = {member: i for i, member in enumerate(ordered)}
        indexed = {cell: tuple(sorted(position[m] for m in ids)) for cell, ids in cells.items()}
        return cls(number, released_at, ordered, indexed)

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Release:
        members = tuple(str(m) for m in entry["members"])
        cells = {str(c): tuple(int(i) for i in ids) for c, ids in entry.get("cells", {}).items()}
        if any(i < 0 or i >= len(members) for ids in cells.values() for i in ids):
            raise ValueError("a release names a member it does not list")
        return cls(int(entry["number"]), str(entry["released_at"]), members, cells)


@dataclass(frozen=True)
class Arrival:
    """One accepted answer: when, keyed hashes of the browser and the network address, and
    the response it saved (so that browser finds its own result again after a reload)."""

    at: str
    device: str
    address: str
    response: str = ""


@dataclass(frozen=True)
class Session:
    code: str
    title: str
    questionnaire_id: str
    min_group: int = DEFAULT_MIN_GROUP
    is_open: bool = True
    revealed: bool = False
    created_at: str = ""
    expected: int | None = None  # the headcount the facilitator expects; more is flagged
    salt: str = ""  # keys the hashes of arrivals, so no two sessions can be linked
    releases: tuple[Release, ...] = ()
    arrivals: tuple[Arrival, ...] = ()
    refused: int = 0  # second answers refused (same browser) or slowed (same address)

    @property
    def status(self) -> str:
        return "open" if self.is_open else "closed"

    @property
    def last_release(self) -> Release | None:
        return self.releases[-1] if self.releases else None

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Session:
        fields = dict(entry)
        fields["releases"] = tuple(Release.from_json(r) for r in fields.get("releases", ()))
        fields["arrivals"] = tuple(Arrival(**a) for a in fields.get("arrivals", ()))
        return cls(**fields)


@dataclass(frozen=True)
class Workshops:
    """Every session plus the base address join links use."""

    sessions: tuple[Session, ...] = ()
    join_base_url: str = ""

    def find(self, code: str) -> Session | None:
        wanted = normalise_code(code)
        return next((s for s in self.sessions if s.code == wanted), None)


def normalise_code(text: str) -> str:
    """What people type: any case, spaces or dashes; compared in the canonical form."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def code_problem(text: str) -> str | None:
    """Why a typed code cannot be a session code, or None if it could be."""
    code = normalise_code(text)
    if not code:
        return "Please type the session code shown on the screen."
    confusable = sorted(set(code) & set("01OI"))
    if confusable:
        return (
            f"Session codes never contain {', '.join(confusable)}; check the letters on the "
            "screen (they use only A–Z without I and O, and the digits 2–9)."
        )
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return f"A session code has {CODE_LENGTH} letters and digits, such as K7PXW3."
    return None


def new_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def sessions_path(data_dir: Path) -> Path:
    return data_dir / "sessions.json"


def load_workshops(path: Path) -> Workshops:
    """The saved sessions; a missing file is none. A damaged file raises StoreError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(SESSIONS_FILE_MAX_BYTES + 1)
    except FileNotFoundError:
        return Workshops()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the workshop sessions ({exc.strerror})") from exc
    if len(data) > SESSIONS_FILE_MAX_BYTES:
        raise StoreError(
            f"{path}: the sessions file is larger than {SESSIONS_FILE_MAX_BYTES:,} bytes"
        )
    try:
        raw = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise StoreError(f"{path}: cannot read the workshop sessions ({exc})") from exc
    try:
        sessions = tuple(Session.from_json(entry) for entry in raw.get("sessions", []))
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise StoreError(f"{path}: a session entry is damaged ({exc})") from exc
    return Workshops(sessions, str(raw.get("join_base_url", "")))


def _save(path: Path, workshops: Workshops) -> None:
    payload = {
        "join_base_url": workshops.join_base_url,
        "sessions": [asdict(s) for s in workshops.sessions],
    }
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise StoreError(f"{path}: could not save the sessions ({exc.strerror})") from exc


def _update(path: Path, change: Callable[[Workshops], Workshops]) -> Workshops:
    """Read, change and write the sessions file as one step under the store's lock."""
    with locked(path):
        updated = change(load_workshops(path))
        _save(path, updated)
    return updated


def _checked_expected(expected: int | None) -> int | None:
    if expected is None or expected == 0:
        return None
    if not 0 < int(expected) <= EXPECTED_MAX:
        raise WorkshopError(f"The expected headcount is a number from 1 to {EXPECTED_MAX:,}.")
    return int(expected)


def create_session(
    path: Path,
    title: str,
    questionnaire_id: str,
    min_group: int = DEFAULT_MIN_GROUP,
    *,
    expected: int | None = None,
) -> Session:
    title = (title or "").strip()
    if not title:
        raise WorkshopError("Please give the session a title, such as 'Leadership day, March'.")
    if len(title) > TITLE_MAX_LENGTH:
        raise WorkshopError(f"Please keep the title to {TITLE_MAX_LENGTH} characters.")
    if min_group < MIN_GROUP_FLOOR:
        raise WorkshopError(
            f"The minimum group size is at least {MIN_GROUP_FLOOR}, so no one can be singled out."
        )
    headcount = _checked_expected(expected)
    created: list[Session] = []

    def add(workshops: Workshops) -> Workshops:
        if len(workshops.sessions) >= SESSIONS_MAX:
            raise WorkshopError(
                f"This app already holds {SESSIONS_MAX:,} sessions; delete old ones first."
            )
        session = Session(
            code=new_code({s.code for s in workshops.sessions}),
            title=title,
            questionnaire_id=questionnaire_id,
            min_group=min_group,
            created_at=utc_now(),
            expected=headcount,
            salt=secrets.token_hex(16),
        )
        created.append(session)
        return replace(workshops, sessions=(*workshops.sessions, session))

    _update(path, add)
    return created[0]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def change_session(path: Path, code: str, change: Callable[[Session], Session]) -> Session:
    """Read, change and save one session as one step under the lock; the changed one back."""
    result: list[Session] = []

    def apply(workshops: Workshops) -> Workshops:
        current = workshops.find(code)
        if current is None:
            raise WorkshopError(f"There is no session with the code {normalise_code(code)}.")
        changed = change(current)
        result.append(changed)
        return replace(
            workshops,
            sessions=tuple(changed if s.code == current.code else s for s in workshops.sessions),
        )

    _update(path, apply)
    return result[0]


_SETTINGS = frozenset({"title", "is_open", "revealed", "min_group", "expected"})


def update_session(path: Path, code: str, **changes: Any) -> Session:
    """Open/close, show/hide the last release, the headcount, or k.

    k never goes below the floor, and never down once results were released: a lower k would
    let the next release differ from a shown one by fewer people than the room was promised.
    """
    unknown = set(changes) - _SETTINGS
    if unknown:
        raise WorkshopError(f"A session has no setting {', '.join(sorted(unknown))}.")
    if "min_group" in changes and int(changes["min_group"]) < MIN_GROUP_FLOOR:
        raise WorkshopError(f"The minimum group size cannot go below {MIN_GROUP_FLOOR}.")
    if "expected" in changes:
        changes["expected"] = _checked_expected(changes["expected"])

    def change(current: Session) -> Session:
        if (
            current.releases
            and int(changes.get("min_group", current.min_group)) < current.min_group
        ):
            raise WorkshopError(
                f"k stays at {current.min_group} or above once results were released, so no "
                "later release can differ from a shown one by fewer people."
            )
        return replace(current, **changes)

    return change_session(path, code, change)


def set_join_base_url(path: Path, url: str) -> Workshops:
    url = (url or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise WorkshopError("The base address starts with http:// or https://.")
    return _update(path, lambda w: replace(w, join_base_url=url))


def join_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/?{urlencode({'session': code})}"


def qr_png(url: str, scale: int = 12) -> bytes:
    """A QR code of the join link, large enough to scan from the back of a room."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def versions_in(rows: pd.DataFrame) -> list[int]:
    """Questionnaire versions among a session's answers (more than one: it changed mid-session)."""
    return sorted(int(v) for v in rows["questionnaire_version"].dropna().unique())
