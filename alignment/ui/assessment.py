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
from alignment.questionnaire import Item, Questionnaire, Scale
from alignment.response import ResponseError, anonymous_alias, clean_alias
from alignment.store import StoreError
from alignment.ui import (
    MINE,
    RESPONDENT_KEY,
    access,
    device,
    plain,
    plain_options,
    use_source,
)
from alignment.workshop import Session, WorkshopError, admission, sessions_path

_SHOWN_STEP_KEY = "assess_shown_step"
_KEPT = ("assess_started", "assess_answers", "assess_reflections", "assess_step", "assess_marked")
# The scale as a row of boxes, one per point, each at least 44 px tall (a finger's tap target);
# below 640 px, where Streamlit stacks its columns too, the boxes stack so worded points are not
# squeezed. No setting of st.radio does either; the rules reach only the questions' container.
_SCALE_STYLE = """<style>
.st-key-assess_questions [data-testid="stRadioGroup"] {
  flex-wrap: nowrap; align-items: stretch; gap: 0.5rem; width: 100%;
}
.st-key-assess_questions [data-testid="stRadioGroup"] > div {
  display: flex; flex: 1 1 0; min-width: 0;
}
.st-key-assess_questions [data-testid="stRadioOption"] {
  box-sizing: border-box; display: flex; flex: 1; align-items: center; min-height: 2.75rem;
  margin: 0; padding: 0.5rem 0.75rem; overflow-wrap: anywhere;
  border: 1px solid rgba(128, 128, 128, 0.45); border-radius: 0.5rem;
}
.st-key-assess_questions [data-testid="stRadioOption"]:hover,
.st-key-assess_questions [data-testid="stRadioOption"]:has(input:checked) {
  border-color: currentColor;
}
@media (max-width: 640px) {
  .st-key-assess_questions [data-testid="stRadioGroup"] { flex-direction: column; }
}
</style>"""


def start_state() -> None:
    state = st.session_state
    state.setdefault("assess_started", False)
    state.setdefault("assess_answers", {})
    state.setdefault("assess_reflections", {})
    state.setdefault("assess_step", 1)
    state.setdefault("assess_marked", None)  # the step whose unanswered questions are marked
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
    """Back or Next; Next only once every question of the step has an answer, and until then
    the step's unanswered questions are marked."""
    state = st.session_state
    record(current, questionnaire)
    if direction > 0 and unanswered(current, state.assess_answers):
        state.assess_marked = current.number
    else:
        state.assess_marked = None
        state.assess_step = current.number + direction


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
        state.assess_step = state.assess_marked = incomplete.number
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
                response_id=state.assess_attempt,
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


def top_of_new_step(step: Step) -> None:
    """Open each new step at its top: the page keeps its scroll across reruns, so a phone
    would land on the new step's last question, below the one to answer first."""
    if st.session_state.get(_SHOWN_STEP_KEY) == step.number:
        return
    st.session_state[_SHOWN_STEP_KEY] = step.number
    # Our own script, no text from anyone; the step number makes each one new to the page.
    st.html(
        f"<script>/* step {step.number} */ for (const place of [document.querySelector("
        "'[data-testid=\"stMain\"]'), document.scrollingElement]) place?.scrollTo(0, 0);"
        "</script>",
        unsafe_allow_javascript=True,
    )


def marked_questions(step: Step) -> list[Item]:
    """The step's unanswered questions once Next or Submit was pressed on it; none before."""
    state = st.session_state
    return unanswered(step, state.assess_answers) if state.assess_marked == step.number else []


def missing_message(count: int) -> str:
    """One line above the step: the questions themselves carry the marks."""
    if count == 1:
        return "1 question on this step still needs an answer."
    return f"{count} questions on this step still need an answer."


def ask_questions(step: Step, questionnaire: Questionnaire, marked: list[Item]) -> None:
    """The step's questions, in a container that gives their scales tap-sized boxes."""
    state = st.session_state
    st.html(_SCALE_STYLE)
    with st.container(key="assess_questions", gap="medium"):
        for number, item in step.numbered():
            answer_item(
                item,
                number,
                questionnaire.scale_of(item),
                state.assess_answers.get(item.id),
                needs_answer=item in marked,
            )


def answer_item(
    item: Item, number: str, scale: Scale, current: int | None, *, needs_answer: bool
) -> None:
    """One question: its number, its text in bold, then its scale, lighter, as boxes.

    The text stays the radio's label, which is what a screen reader announces for the group; it
    is shown once, above, where it can look different from the options.
    """
    attempt = st.session_state.assess_attempt
    mark = " :orange-badge[:material/error: Needs an answer]" if needs_answer else ""
    one_line = " ".join(item.text.split())  # bold stops at a line break or before a space
    with st.container(key=f"assess_question_{item.id}", gap="small"):
        st.markdown(f":gray[{number}]{mark}  \n**{plain(one_line)}**")
        st.radio(
            plain(item.text),
            scale.points,
            index=scale.points.index(current) if current in scale.points else None,
            format_func=plain_options({point: scale.label(point) for point in scale.points}),
            key=f"assess_{attempt}_{item.id}",
            horizontal=True,
            label_visibility="collapsed",
            width="stretch",
        )
