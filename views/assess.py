"""Assess: choose a questionnaire, give an alias, answer one strategy per step, submit once."""

import uuid

import streamlit as st

from alignment import config, ui
from alignment.assessment import assessment_steps, first_incomplete, submit, unanswered
from alignment.response import ResponseError, clean_alias
from alignment.store import StoreError

state = st.session_state
state.setdefault("assess_started", False)
state.setdefault("assess_answers", {})
state.setdefault("assess_reflections", {})
state.setdefault("assess_step", 1)
state.setdefault("assess_notice", None)

st.title("Assessment")
questionnaires = ui.valid_questionnaires()
if not questionnaires:
    st.error("No usable questionnaire was found; the sidebar lists what is wrong with the files.")
    st.stop()


def restart() -> None:
    for key in ("assess_started", "assess_answers", "assess_reflections", "assess_step"):
        del state[key]


if not state.assess_started:
    if ui.current_source().is_sample:
        st.info(
            "You are exploring the sample data. Your own answers are saved separately, and "
            "the app switches to *My responses* when you submit."
        )
    preset = st.query_params.get("respondent", "")
    with st.form("assess_start"):
        chosen = st.radio(
            "Questionnaire",
            list(questionnaires),
            format_func=lambda qid: ui.questionnaire_choice_label(questionnaires[qid]),
        )
        alias = st.text_input(
            "Your name or alias",
            value=state.get(ui.RESPONDENT_KEY) or preset,
            max_chars=64,
            help="Used to find your earlier results and show your trend. Use the same alias "
            "each time.",
        )
        if st.form_submit_button("Start", type="primary"):
            try:
                state[ui.RESPONDENT_KEY] = clean_alias(alias)
            except ResponseError as exc:
                st.error(str(exc))
            else:
                state.assess_questionnaire_id = chosen
                state.assess_attempt = str(uuid.uuid4())
                state.assess_started = True
                st.rerun()
    st.stop()

questionnaire = questionnaires.get(state.assess_questionnaire_id)
if questionnaire is None:
    st.error(
        f"The questionnaire '{state.assess_questionnaire_id}' cannot be used right now (its "
        "file is missing or invalid; see the sidebar). Your answers so far are kept in this tab."
    )
    st.button("Start over with another questionnaire", on_click=restart)
    st.stop()

steps = assessment_steps(questionnaire)
step = steps[min(state.assess_step, len(steps)) - 1]
answers, reflections = state.assess_answers, state.assess_reflections

st.caption(
    f"{ui.plain(questionnaire.title)} · answering as **{ui.plain(state[ui.RESPONDENT_KEY])}**"
)
st.progress(step.number / step.total, text=step.label)
if state.assess_notice:
    st.error(state.assess_notice)
    state.assess_notice = None

with st.form(f"assess_step_{step.number}"):
    if step.strategy is not None:
        st.subheader(ui.plain(step.strategy.name))
        st.caption(ui.plain(step.strategy.description))
        for item in step.items:
            ui.answer_item(item, questionnaire.scale_of(item), answers, state.assess_attempt)
    else:
        st.subheader("Reflections")
        st.caption("Optional. Only you see what you write here.")
        for prompt in questionnaire.reflections:
            reflections[prompt.id] = st.text_area(
                ui.plain(prompt.text),
                value=reflections.get(prompt.id, ""),
                max_chars=4000,
                key=f"assess_{state.assess_attempt}_{prompt.id}",
            )
    back_column, next_column = st.columns(2)
    back = back_column.form_submit_button("Back", disabled=step.number == 1, width="stretch")
    forward = next_column.form_submit_button(
        "Submit" if step.is_last else "Next", type="primary", width="stretch"
    )

if back:
    state.assess_step = step.number - 1
    st.rerun()
if forward and not step.is_last:
    missing = unanswered(step, answers)
    if missing:
        state.assess_notice = ui.missing_message(missing)
    else:
        state.assess_step = step.number + 1
    st.rerun()
if forward and step.is_last:
    incomplete = first_incomplete(steps, answers)
    if incomplete is not None:
        state.assess_step = incomplete.number
        state.assess_notice = ui.missing_message(unanswered(incomplete, answers))
        st.rerun()
    try:
        submit(
            config.responses_path(),
            questionnaire,
            state[ui.RESPONDENT_KEY],
            answers,
            reflections,
            response_id=state.assess_attempt,
        )
    except (StoreError, ResponseError) as exc:
        st.error(f"Your answers were not saved: {exc}")
        st.stop()
    ui.forget_loaded_responses()
    ui.use_source(ui.MINE)
    state.results_response_id = state.assess_attempt
    restart()
    st.switch_page("views/results.py")

st.button("Start over", on_click=restart, type="tertiary")
