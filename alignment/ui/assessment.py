"""The Assess page's steps as callbacks: start, move between steps, and submit once.

Answers live in `st.session_state` under `assess_*` keys until Submit; a workshop answer goes
through `workshop.admission`, so a browser that already answered is refused in any tab.
"""

from __future__ import annotations

import functools
import uuid

import streamlit as st

from alignment import config
from alignment.assessment import Step, first_incomplete, submit, unanswered
from alignment.questionnaire import Questionnaire
from alignment.response import ResponseError, anonymous_alias, clean_alias
from alignment.store import StoreError
from alignment.ui import (
    MINE,
    RESPONDENT_KEY,
    access,
    device,
    missing_message,
    plain,
    use_source,
)
from alignment.workshop import Session, WorkshopError, admission, sessions_path

_KEPT = ("assess_started", "assess_answers", "assess_reflections", "assess_step")


def start_state() -> None:
    state = st.session_state
    state.setdefault("assess_started", False)
    state.setdefault("assess_answers", {})
    state.setdefault("assess_reflections", {})
    state.setdefault("assess_step", 1)
    state.setdefault("assess_notice", None)


def restart() -> None:
    for key in _KEPT:
        del st.session_state[key]


def begin(fixed_questionnaire: str | None) -> None:
    """Start button: one run, no st.rerun, so nothing typed meanwhile is lost."""
    state = st.session_state
    alias = state.get("assess_start_alias") or ""
    try:
        typed = alias if alias.strip() or fixed_questionnaire is None else anonymous_alias()
        state[RESPONDENT_KEY] = clean_alias(typed)
    except ResponseError as exc:
        state.assess_notice = str(exc)
        return
    state.assess_questionnaire_id = fixed_questionnaire or state.get("assess_start_questionnaire")
    state.assess_attempt = str(uuid.uuid4())
    state.assess_started = True


def record(current: Step, questionnaire: Questionnaire) -> None:
    """Copy the submitted values of a step's widgets into the answers kept across steps."""
    state = st.session_state
    for item in current.items:
        state.assess_answers[item.id] = state.get(f"assess_{state.assess_attempt}_{item.id}")
    if current.strategy is None:
        for prompt in questionnaire.reflections:
            key = f"assess_{state.assess_attempt}_{prompt.id}"
            state.assess_reflections[prompt.id] = state.get(key, "")


def move(current: Step, direction: int, questionnaire: Questionnaire) -> None:
    """Back or Next; Next only once every question of the step has an answer."""
    record(current, questionnaire)
    missing = unanswered(current, st.session_state.assess_answers) if direction > 0 else []
    if missing:
        st.session_state.assess_notice = missing_message(missing)
    else:
        st.session_state.assess_step = current.number + direction


def finish(
    steps: list[Step], questionnaire: Questionnaire, workshop: Session | None, mark: str
) -> None:
    """After Submit: back to a step with unanswered questions, or save once and show Results.

    A workshop answer is admitted (browser mark, pace per address) as one step with the save;
    a refused or failed save says why and keeps every answer on the page.
    """
    state = st.session_state
    answers = state.assess_answers
    incomplete = first_incomplete(steps, answers)
    if incomplete is not None:
        state.assess_step = incomplete.number
        state.assess_notice = missing_message(unanswered(incomplete, answers))
        st.rerun()
    code = workshop.code if workshop else ""
    save = functools.partial(
        submit,
        config.responses_path(),
        questionnaire,
        state[RESPONDENT_KEY],
        answers,
        state.assess_reflections,
        response_id=state.assess_attempt,
        session=code,
    )
    try:
        if workshop is None:
            save()
        else:
            admission.admit(
                sessions_path(config.data_dir()),
                code,
                device=mark,
                address=device.network_address(),
                save=save,
            )
    except admission.AdmissionRefused as exc:
        st.warning(plain(str(exc)))
        st.stop()
    except (StoreError, ResponseError, WorkshopError) as exc:
        st.error(plain(f"Your answers were not saved: {exc}"))
        st.stop()
    access.remember_my_response(state.assess_attempt, code)
    use_source(MINE)
    state.results_response_id = state.assess_attempt
    restart()
    st.switch_page("views/results.py")
