"""Turning one person's answers into the rows of a response, checked before anything is saved."""

from __future__ import annotations

import math
import secrets
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

import pandas as pd

from alignment.questionnaire import Questionnaire
from alignment.store import RESPONSE_COLUMNS

ALIAS_MAX_LENGTH = 64
REFLECTION_MAX_LENGTH = 4000


class ResponseError(ValueError):
    """An answer set that must not be saved; the message tells the person what to fix."""


def clean_alias(alias: str) -> str:
    """The alias as stored: trimmed, 1–64 characters, no control characters."""
    alias = (alias or "").strip()
    if not alias:
        raise ResponseError("Please enter a name or alias (1–64 characters).")
    if len(alias) > ALIAS_MAX_LENGTH:
        raise ResponseError(
            f"The alias is {len(alias)} characters long; please keep it to {ALIAS_MAX_LENGTH}."
        )
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in alias):
        raise ResponseError(
            "The alias contains invisible control characters (such as a tab or line break); "
            "please type it again."
        )
    return alias


def anonymous_alias() -> str:
    """For participants who prefer not to give a name; unlikely to repeat in one room."""
    return f"Participant {secrets.randbelow(9000) + 1000}"


def clean_reflection(text: str) -> str:
    """Free text as stored: trimmed, line breaks kept, other control characters removed."""
    text = "".join(
        ch for ch in (text or "") if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cf"}
    ).strip()
    if len(text) > REFLECTION_MAX_LENGTH:
        raise ResponseError(
            f"A reflection is {len(text)} characters long; please keep it to "
            f"{REFLECTION_MAX_LENGTH}."
        )
    return text


def missing_items(questionnaire: Questionnaire, answers: Mapping[str, float | None]) -> list[str]:
    """Active items without an answer, in questionnaire order."""
    return [i.id for i in questionnaire.active_items if answers.get(i.id) is None]


def build_response(
    questionnaire: Questionnaire,
    respondent: str,
    answers: Mapping[str, float | None],
    reflections: Mapping[str, str] | None = None,
    *,
    session: str = "",
    submitted_at: datetime | None = None,
    response_id: str | None = None,
) -> pd.DataFrame:
    """The rows of one complete response, ready for `store.append_rows`.

    Every active item must be answered with a point of its scale; reflections are optional.
    """
    alias = clean_alias(respondent)
    unknown = sorted(set(answers) - {i.id for i in questionnaire.active_items})
    if unknown:
        raise ResponseError(f"These items are not asked in '{questionnaire.title}': {unknown}")
    missing = missing_items(questionnaire, answers)
    if missing:
        raise ResponseError(f"{len(missing)} question(s) still need an answer: {missing}")
    for item in questionnaire.active_items:
        value = answers[item.id]
        scale = questionnaire.scale_of(item)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or math.isnan(value)
            or not scale.min <= value <= scale.max
        ):
            raise ResponseError(
                f"The answer to '{item.id}' must lie between {scale.min} and {scale.max}."
            )
    reflection_ids = {r.id for r in questionnaire.reflections}
    texts = {key: clean_reflection(text) for key, text in (reflections or {}).items()}
    stray = sorted(set(texts) - reflection_ids)
    if stray:
        raise ResponseError(f"Unknown reflection prompts: {stray}")

    when = (submitted_at or datetime.now(UTC)).astimezone(UTC)
    stamp = when.isoformat(timespec="seconds").replace("+00:00", "Z")
    common = {
        "response_id": response_id or str(uuid.uuid4()),
        "submitted_at": stamp,
        "respondent": alias,
        "session": session,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
    }
    rows = [
        {**common, "item_id": item.id, "value": answers[item.id], "text": ""}
        for item in questionnaire.active_items
    ]
    rows += [
        {**common, "item_id": r.id, "value": None, "text": texts[r.id]}
        for r in questionnaire.reflections
        if texts.get(r.id)
    ]
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
