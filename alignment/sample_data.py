"""Sample responses a newcomer can explore at once, generated reproducibly.

Regenerate the tracked file with `python -m alignment.sample_data`; a test checks that the file
in the repository is exactly what this module produces.

The story: Alex, a team lead, checks in quarterly with the full assessment (and monthly with the
pulse in between) from August 2025 to November 2026. Intent gaps in learning, self-care and
reflection close over time; feedback slips. Two workshop sessions, before and after a
leadership programme, hold a room of participants each.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from alignment.config import SAMPLE_DIR, SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.response import build_response
from alignment.scoring import score_responses
from alignment.store import RESPONSE_COLUMNS, load_responses, rows_to_csv_bytes
from alignment.workshop import Release, Session, plan_release, sessions_path

SEED = 20261124
SAMPLE_RESPONDENT = "Alex Rivera"
SAMPLE_SESSIONS = {"START7": "2026-03-10T09:30:00", "RECAP8": "2026-09-15T09:30:00"}
SAMPLE_SESSION_TITLES = {
    "START7": "Leadership programme: kick-off",
    "RECAP8": "Leadership programme: six months on",
}

# (purpose, performance) on 0–100 at the first and last check-in; values in between glide.
ALEX_ARC: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "why": ((72, 45), (86, 76)),
    "goals": ((66, 58), (76, 70)),
    "vision": ((82, 50), (84, 56)),
    "example": ((86, 80), (88, 82)),
    "learning": ((76, 38), (80, 72)),
    "empower": ((52, 72), (72, 76)),
    "wins": ((44, 34), (68, 64)),
    "selfcare": ((62, 28), (82, 58)),
    "feedback": ((76, 68), (74, 48)),
    "reflect": ((70, 36), (82, 72)),
}
ALEX_REFLECTIONS = [
    {
        "reflect-proud": "Shipped the migration without a single weekend of overtime.",
        "reflect-tension": "I say learning matters but I cancel my own study time first.",
        "reflect-commit": "Protect Friday afternoon for reading.",
    },
    {"reflect-tension": "Self-care: I keep answering messages at 11pm."},
    {
        "reflect-proud": "Team ran the quarterly review without me.",
        "reflect-commit": "Stop checking mail after 8pm.",
    },
    {"reflect-tension": "Less time for 1:1s, so I hear less from the team."},
    {
        "reflect-proud": "Celebrated the halfway point of the project for the first time.",
        "reflect-commit": "Bring back monthly feedback questions in 1:1s.",
    },
    {"reflect-commit": "Ask two people a week what I should do differently."},
]

# Group profile of a workshop room before and after the programme.
ROOM_BEFORE = {
    "why": (70, 52),
    "goals": (64, 55),
    "vision": (74, 48),
    "example": (80, 72),
    "learning": (72, 45),
    "empower": (58, 62),
    "wins": (50, 40),
    "selfcare": (66, 35),
    "feedback": (72, 50),
    "reflect": (64, 38),
}
ROOM_AFTER = {k: (min(p + 6, 92), min(q + 14, 88)) for k, (p, q) in ROOM_BEFORE.items()}


@dataclass(frozen=True)
class _Plan:
    respondent: str
    questionnaire: Questionnaire
    when: datetime
    latent: dict[str, tuple[float, float]]
    session: str = ""
    reflections: dict[str, str] | None = None
    spread: float = 0.45


def _value(latent: float, reverse: bool, rng: random.Random, spread: float) -> int:
    """A 1–5 answer whose score sits near `latent` (0–100), mirrored for reverse items."""
    value = max(1, min(5, round(1 + latent / 25 + rng.gauss(0, spread))))
    return 6 - value if reverse else value


def _answers(plan: _Plan, rng: random.Random) -> dict[str, float | None]:
    answers: dict[str, float | None] = {}
    for item in plan.questionnaire.active_items:
        purpose, performance = plan.latent[item.strategy]
        latent = purpose if item.dimension == "purpose" else performance
        answers[item.id] = _value(latent, item.reverse, rng, plan.spread)
    return answers


def _glide(arc: dict, fraction: float) -> dict[str, tuple[float, float]]:
    return {
        sid: (p0 + (p1 - p0) * fraction, q0 + (q1 - q0) * fraction)
        for sid, ((p0, q0), (p1, q1)) in arc.items()
    }


def _plans(full: Questionnaire, pulse: Questionnaire, rng: random.Random) -> list[_Plan]:
    plans: list[_Plan] = []
    start = datetime(2025, 8, 15, 8, 40, tzinfo=UTC)
    checkins = 6
    for n in range(checkins):
        when = start + timedelta(days=91 * n, minutes=rng.randint(0, 90))
        plans.append(
            _Plan(
                SAMPLE_RESPONDENT,
                full,
                when,
                _glide(ALEX_ARC, n / (checkins - 1)),
                reflections=ALEX_REFLECTIONS[n],
            )
        )
        if n < checkins - 1:
            mid = when + timedelta(days=45, hours=rng.randint(-30, 30))
            plans.append(
                _Plan(SAMPLE_RESPONDENT, pulse, mid, _glide(ALEX_ARC, (n + 0.5) / (checkins - 1)))
            )

    second = datetime(2026, 4, 2, 17, 5, tzinfo=UTC)
    for n, fraction in enumerate([0.0, 0.5, 1.0]):
        plans.append(
            _Plan(
                "Jordan Lee",
                full,
                second + timedelta(days=95 * n),
                {k: (p - 8 + 10 * fraction, q + 6 * fraction) for k, (p, q) in ROOM_BEFORE.items()},
            )
        )

    for (code, opened), room in zip(
        SAMPLE_SESSIONS.items(), [ROOM_BEFORE, ROOM_AFTER], strict=True
    ):
        opened_at = datetime.fromisoformat(opened).replace(tzinfo=UTC)
        for n in range(14 if code == "START7" else 13):
            personal = {
                sid: (p + rng.gauss(0, 9), q + rng.gauss(0, 11)) for sid, (p, q) in room.items()
            }
            plans.append(
                _Plan(
                    f"Participant {rng.randint(100, 999)}",
                    full,
                    opened_at + timedelta(minutes=6 + n, seconds=rng.randint(0, 59)),
                    personal,
                    session=code,
                    spread=0.55,
                )
            )
    return plans


def generate_sample_responses(questionnaire_dir: Path = SHIPPED_QUESTIONNAIRES) -> pd.DataFrame:
    """Every sample response as rows of the responses CSV, in submission order."""
    rng = random.Random(SEED)
    full = load_questionnaire(questionnaire_dir / "purpose-performance.yaml")
    pulse = load_questionnaire(questionnaire_dir / "pulse.yaml")
    frames = [
        build_response(
            plan.questionnaire,
            plan.respondent,
            _answers(plan, rng),
            plan.reflections,
            session=plan.session,
            submitted_at=plan.when,
            response_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )
        for plan in sorted(_plans(full, pulse, rng), key=lambda p: p.when)
    ]
    return pd.concat(frames, ignore_index=True)[RESPONSE_COLUMNS]


def sample_csv_bytes() -> bytes:
    header = (",".join(RESPONSE_COLUMNS) + "\n").encode()
    return header + rows_to_csv_bytes(generate_sample_responses())


def sample_sessions_json(responses: Path = SAMPLE_RESPONSES) -> str:
    """The two sample workshop sessions, closed, their results released, as `sessions.json`.

    The releases name the sample's own responses, so they are read from the written file.
    """
    full = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    strategies = score_responses(load_responses(responses).frame, full).strategies
    sessions = []
    for code, opened in SAMPLE_SESSIONS.items():
        plan = plan_release(strategies[strategies["session"] == code], min_group=5)
        released_at = datetime.fromisoformat(opened) + timedelta(minutes=30)
        release = Release.of(1, f"{released_at:%Y-%m-%dT%H:%M:%S}Z", plan.members, plan.cells)
        session = Session(
            code=code,
            title=SAMPLE_SESSION_TITLES[code],
            questionnaire_id="purpose-performance",
            min_group=5,
            is_open=False,
            revealed=True,
            created_at=opened + "Z",
            releases=(release,),
        )
        sessions.append(asdict(session))
    return json.dumps({"join_base_url": "", "sessions": sessions}, indent=2) + "\n"


if __name__ == "__main__":
    SAMPLE_RESPONSES.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE_RESPONSES.write_bytes(sample_csv_bytes())
    sessions_path(SAMPLE_DIR).write_text(sample_sessions_json(), encoding="utf-8")
    print(f"wrote {SAMPLE_RESPONSES} and {sessions_path(SAMPLE_DIR)}")
