"""Workshop sessions: codes people can type, persistence, and anonymised group results.

Sessions live in `sessions.json` beside the responses, rewritten atomically under a lock. A
group is only ever summarised when at least `min_group` (k) people have answered, and no
summary carries an alias or a response id.
"""

from __future__ import annotations

import io
import json
import os
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import segno

from alignment.questionnaire import Questionnaire
from alignment.store import StoreError, locked, read_since, with_text_columns

# No 0/O or 1/I: a code read off a projector must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MIN_GROUP_FLOOR = 3
DEFAULT_MIN_GROUP = 5
TITLE_MAX_LENGTH = 120


class WorkshopError(ValueError):
    """A session request that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class Session:
    code: str
    title: str
    questionnaire_id: str
    min_group: int = DEFAULT_MIN_GROUP
    is_open: bool = True
    revealed: bool = False
    created_at: str = ""

    @property
    def status(self) -> str:
        return "open" if self.is_open else "closed"


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
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Workshops()
    except (ValueError, OSError) as exc:
        raise StoreError(f"{path}: cannot read the workshop sessions ({exc})") from exc
    try:
        sessions = tuple(Session(**entry) for entry in raw.get("sessions", []))
    except TypeError as exc:
        raise StoreError(f"{path}: a session entry has unexpected fields ({exc})") from exc
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


def _update(path: Path, change) -> Workshops:
    """Read, change and write the sessions file as one step under the store's lock."""
    with locked(path):
        updated = change(load_workshops(path))
        _save(path, updated)
    return updated


def create_session(
    path: Path, title: str, questionnaire_id: str, min_group: int = DEFAULT_MIN_GROUP
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
    created: list[Session] = []

    def add(workshops: Workshops) -> Workshops:
        session = Session(
            code=new_code({s.code for s in workshops.sessions}),
            title=title,
            questionnaire_id=questionnaire_id,
            min_group=min_group,
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        )
        created.append(session)
        return replace(workshops, sessions=(*workshops.sessions, session))

    _update(path, add)
    return created[0]


def update_session(path: Path, code: str, **changes: object) -> Session:
    """Open/close, reveal/hide, or change k; k never goes below the floor."""
    if "min_group" in changes and int(changes["min_group"]) < MIN_GROUP_FLOOR:  # type: ignore[call-overload]
        raise WorkshopError(f"The minimum group size cannot go below {MIN_GROUP_FLOOR}.")
    result: list[Session] = []

    def change(workshops: Workshops) -> Workshops:
        current = workshops.find(code)
        if current is None:
            raise WorkshopError(f"There is no session with the code {normalise_code(code)}.")
        changed = replace(current, **changes)
        result.append(changed)
        return replace(
            workshops,
            sessions=tuple(changed if s.code == current.code else s for s in workshops.sessions),
        )

    _update(path, change)
    return result[0]


def set_join_base_url(path: Path, url: str) -> Workshops:
    url = (url or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise WorkshopError("The base address starts with http:// or https://.")
    return _update(path, lambda w: replace(w, join_base_url=url))


def join_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/?{urlencode({'session': code})}"


# ---------------------------------------------------------------------------------------------
# Group results


@dataclass(frozen=True)
class GroupView:
    """What a room may see: nothing at all below k, and never one person's scores."""

    count: int
    min_group: int
    summary: pd.DataFrame  # per strategy: means and the five-number spread; empty below k

    @property
    def visible(self) -> bool:
        return self.count >= self.min_group

    @property
    def missing(self) -> int:
        return max(0, self.min_group - self.count)


def group_view(strategy_scores: pd.DataFrame, session: Session) -> GroupView:
    """Mean purpose and performance per strategy, and the spread of alignment, for one session.

    `strategy_scores` are per-strategy scores (as `Scores.strategies`) of this session only.
    The spread is summarised (minimum, quartiles, median, maximum) so no chart or download
    carries an individual's score.
    """
    count = int(strategy_scores["response_id"].nunique())
    if count < session.min_group:
        return GroupView(count, session.min_group, pd.DataFrame())
    # One pass per statistic (the live panels redraw this every few seconds).
    grouped = strategy_scores.groupby("strategy", sort=False)
    summary = grouped[["purpose", "performance", "alignment"]].mean()
    summary["answered"] = grouped["alignment"].count()
    spread = grouped["alignment"].quantile([0, 0.25, 0.5, 0.75, 1]).unstack()
    spread.columns = [f"alignment_{name}" for name in ("min", "low", "median", "high", "max")]
    summary = summary.join(spread).reset_index()
    summary["gap"] = summary["performance"] - summary["purpose"]
    return GroupView(count, session.min_group, summary)


def top_gaps(summary: pd.DataFrame, questionnaire: Questionnaire, limit: int = 3) -> pd.DataFrame:
    """The group's largest intent gaps (mean performance below mean purpose), with actions."""
    gaps = summary.dropna(subset=["gap"]).sort_values("gap").head(limit).copy()
    gaps["actions"] = gaps["strategy"].map(
        lambda sid: (
            questionnaire.strategy_by_id[sid].actions if sid in questionnaire.strategy_by_id else []
        )
    )
    return gaps


def qr_png(url: str, scale: int = 12) -> bytes:
    """A QR code of the join link, large enough to scan from the back of a room."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def versions_in(rows: pd.DataFrame) -> list[int]:
    """Questionnaire versions among a session's answers (more than one: it changed mid-session)."""
    return sorted(int(v) for v in rows["questionnaire_version"].dropna().unique())


@dataclass(frozen=True)
class LiveRows:
    """One session's answer rows as a live view keeps them: each `follow` reads only the bytes
    committed since the last (the whole file again only when it was replaced)."""

    rows: pd.DataFrame | None = None
    offset: int = 0
    inode: int = -1
    restarted: bool = False

    def follow(self, path: Path, code: str) -> LiveRows:
        tail = read_since(path, self.offset, self.inode)
        # Plain text, not the history's categories: the slice stays small and concat keeps it so.
        fresh = with_text_columns(tail.frame[tail.frame["session"] == code])
        restarted = tail.restarted or self.rows is None
        rows = fresh if restarted else pd.concat([self.rows, fresh], ignore_index=True)
        return LiveRows(rows, tail.offset, tail.inode, tail.restarted)
