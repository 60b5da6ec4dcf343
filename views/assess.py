"""Assess: choose a questionnaire, give an alias, answer one strategy per step, submit once."""

import streamlit as st

from alignment import ui
from alignment.assessment import assessment_steps
from alignment.ui import access, device
from alignment.ui.assessment import (
    ask_questions,
    begin,
    finish,
    marked_questions,
    missing_message,
    move,
    record,
    restart,
    start_state,
    top_of_new_step,
)
from alignment.workshop import admission

state = st.session_state
start_state()

st.title("Assessment")
questionnaires = ui.valid_questionnaires()
if not questionnaires:
    st.error("No usable questionnaire was found; the sidebar lists what is wrong with the files.")
    st.stop()


workshop, workshop_problem = access.joined_session()
if workshop_problem:
    st.error(ui.plain(workshop_problem))
    ui.join_form()
    st.stop()


if workshop is not None and access.answered_session(workshop.code) and not state.assess_started:
    st.success(
        f"Thank you: your answers for “{ui.plain(workshop.title)}” are saved. Each person answers "
        "once per session, so the group summary counts people, not clicks."
    )
    st.page_link("views/results.py", label="See your result", icon=":material/insights:")
    st.stop()
browser_mark = device.device_mark() if workshop is not None else ""
if workshop is not None and admission.has_answered(workshop, browser_mark):
    st.info(admission.ALREADY_ANSWERED)
    st.stop()

if not state.assess_started:
    if workshop is not None:
        st.subheader(f"Workshop: {ui.plain(workshop.title)}")
        st.caption(
            "Only you see your answers and your result. The facilitator shows the room an "
            "anonymous summary once enough people have answered."
        )
    elif ui.current_source().is_sample:
        st.info(
            "You are exploring the sample data. Your own answers are saved separately, and "
            "the app switches to *My responses* when you submit."
        )
    preset = st.query_params.get("respondent", "")
    if state.assess_notice:
        st.error(state.assess_notice)
        state.assess_notice = None
    with st.form("assess_start"):
        if workshop is None:
            st.radio(
                "Questionnaire",
                list(questionnaires),
                format_func=lambda qid: ui.questionnaire_choice_label(questionnaires[qid]),
                key="assess_start_questionnaire",
            )
        st.text_input(
            "Your name or alias" + (" (optional)" if workshop else ""),
            value=state.get(ui.RESPONDENT_KEY) or preset,
            max_chars=64,
            placeholder="Leave empty to stay anonymous" if workshop else "",
            help="Used to find your earlier results and show your trend. Use the same alias "
            "each time.",
            key="assess_start_alias",
        )
        st.form_submit_button(
            "Start",
            type="primary",
            on_click=begin,
            args=(workshop.questionnaire_id if workshop else None,),
        )
    if workshop is None:
        with st.expander("Joining a workshop? Enter the session code"):
            ui.join_form()
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
reflections = state.assess_reflections
marked = marked_questions(step)
top_of_new_step(step)

st.caption(
    f"{ui.plain(questionnaire.title)} · answering as **{ui.plain(state[ui.RESPONDENT_KEY])}**"
)
st.progress(step.progress, text=ui.plain(step.label))
if marked:
    st.warning(missing_message(len(marked)), icon=":material/error:")


with st.form(f"assess_step_{step.number}"):
    if step.strategy is not None:
        st.subheader(ui.plain(step.strategy.name))
        st.caption(ui.plain(step.strategy.description))
        ask_questions(step, questionnaire, marked)
    else:
        st.subheader("Reflections")
        st.caption("Optional. Only you see what you write here.")
        for prompt in questionnaire.reflections:
            st.text_area(
                ui.plain(prompt.text),
                value=reflections.get(prompt.id, ""),
                max_chars=4000,
                key=f"assess_{state.assess_attempt}_{prompt.id}",
            )
    back_column, next_column = st.columns(2)
    back_column.form_submit_button(
        "Back",
        disabled=step.number == 1,
        width="stretch",
        on_click=move,
        args=(step, -1, questionnaire),
    )
    forward = next_column.form_submit_button(
        "Submit" if step.is_last else "Next",
        type="primary",
        width="stretch",
        on_click=record if step.is_last else move,
        args=(step, questionnaire) if step.is_last else (step, 1, questionnaire),
    )

if forward and marked:  # the line above is out of sight of a phone's Next button
    st.toast(missing_message(len(marked)), icon=":material/error:")
if forward and step.is_last:
    finish(steps, questionnaire, workshop, browser_mark)

st.button("Start over", on_click=restart, type="tertiary")
