"""Results: the headline, what to focus on next and three charts, for one response."""

import functools
from datetime import date

import streamlit as st

from alignment import chartsets, export, reminder, report, ui, workbook
from alignment.results import focus_next, headline, reflections_of, story, with_names
from alignment.ui import access, data

st.title("Results")
opening = st.container()  # the story, drawn once the response is chosen below
data.deleted_notice()
source = ui.current_source()
# Participants and guests see their own responses from this browser session, no one else's.
own = None if access.can_see_everyone() else access.my_responses()
frame = ui.responses_or_stop(
    source,
    "No responses yet. Take the assessment and your results appear here."
    if own is None
    else "Your result appears here as soon as you submit your answers.",
    only=own,
)
just_saved = st.session_state.get("results_response_id")
saved_rows = frame[frame["response_id"] == just_saved]
preferred = saved_rows["respondent"].iloc[0] if not saved_rows.empty else None
respondent = ui.pick_respondent(frame, key="results_respondent", preferred=preferred)
options = ui.response_options(frame, respondent)
chosen = st.selectbox(
    "Response",
    list(options),
    index=list(options).index(just_saved) if just_saved in options else 0,
    format_func=options.get,
    key="results_response",
)

questionnaire_id = frame.loc[frame["response_id"] == chosen, "questionnaire_id"].iloc[0]
questionnaire = ui.valid_questionnaires().get(questionnaire_id)
if questionnaire is None:
    st.error(
        f"This response was given to the questionnaire '{ui.plain(questionnaire_id)}', which is "
        "not available now (its file is missing or invalid; see the sidebar)."
    )
    st.stop()

# Only responses this visitor may see count as "previous", or a shared alias would leak scores.
scores = ui.scores_of(source, frame, questionnaire)
mine = scores.overall[scores.overall["respondent"] == respondent]
top = headline(mine, chosen, len(questionnaire.strategies))
for note in ui.answer_notes(scores, frame, chosen, questionnaire):
    st.info(ui.plain(f"Note: {note}."))  # it quotes ids from the data file

strategies = with_names(scores.for_response(chosen).strategies, questionnaire)
focus = focus_next(strategies, questionnaire)
told = story(strategies)


def delete_section() -> None:
    if not access.can_see_everyone() and not source.is_sample:
        with st.expander("Delete my answers"):
            data.delete_form(source.path, frame["response_id"], respondent, key="results_delete")


# In a workshop the room looks up at the shared screen: a participant's own result is one card
# (built at once for thirty phones submitting together), the charts on request, no files.
participant = access.role() == access.PARTICIPANT
in_workshop = bool(frame.loc[frame["response_id"] == chosen, "session"].iloc[0])
if in_workshop and participant:
    with opening:
        ui.result_card(told)
        ui.headline_metrics(top)
    if not st.toggle("Show my full results", key="results_full"):
        delete_section()
        st.stop()
elif told is not None:
    with opening:
        ui.story(told)

if not (in_workshop and participant):  # the card above has them
    ui.headline_metrics(top)
ui.how_to_read(questionnaire)

# What to do next before the charts to explore: the charts are drawn as they come into view.
st.header("Focus next")
if not focus:
    st.info("No strategy has both a purpose and a performance score yet.")
for item in focus:
    with st.container(border=True):
        st.subheader(ui.plain(item.strategy.name))
        st.caption(f"{item.label}: {item.meaning}")
        st.markdown(item.reason)
        st.markdown("\n".join(f"- {ui.plain(action)}" for action in item.strategy.actions))

st.header("Your charts")
view = chartsets.response_charts(scores, chosen, questionnaire)
ui.charts_when_in_view(view, view.charts, part="all", downloads=not participant)
if not participant:
    ui.chart_pack_button(view)

written = reflections_of(frame, chosen, questionnaire)
if written:
    st.header("Your reflections")
    for prompt, text in written:
        st.markdown(f"**{ui.plain(prompt)}**")
        st.text(text)

st.header("Take it with you")
report_column, reminder_column = st.columns(2)
with report_column:
    st.subheader("Report and data")
    paper = st.segmented_control(
        "Paper size", ["A4", "Letter"], default="A4", required=True, key="results_paper"
    )
    # The files need only this person's answers and scores: a button that kept the whole history
    # would pin a copy of it for as long as the page stays open.
    own = frame[
        (frame["respondent"] == respondent) & (frame["questionnaire_id"] == questionnaire.id)
    ]
    own_scores = scores.within(own["response_id"])
    if problem := report.report_problem():
        st.caption(problem)
    else:
        ui.download(
            st,
            "Report (PDF)",
            functools.partial(
                report.response_report,
                own_scores,
                own,
                chosen,
                questionnaire,
                paper=paper.lower(),
                branding=ui.report_branding(st),
            ),
            f"{view.file_name('report')}.pdf",
            key="results_report",
            help="Your story and scores, the trend, what to focus on, your reflections and the "
            "charts, ready to print or to send.",
            icon=":material/picture_as_pdf:",
        )
    ui.download(
        st,
        "My answers and scores (Excel)",
        functools.partial(workbook.workbook_bytes, own, questionnaire, paper=paper.lower()),
        f"{view.file_name('answers')}.xlsx",
        key="results_workbook",
        help=f"Every response of {ui.plain(respondent)} to this questionnaire, answers and scores.",
        icon=":material/table_view:",
    )
with reminder_column:
    st.subheader("Reflect and reset")
    when = ui.date_field(
        "Next check-in",
        value=max(reminder.next_check_in(view.day.date()), date.today()),
        min_value=date.today(),
        key="results_check_in",
        help="About a quarter after this one is a good rhythm.",
    )
    ui.download(
        st,
        "Add to my calendar (.ics)",
        functools.partial(
            reminder.reminder_ics,
            when,
            respondent=respondent,
            app_url=ui.app_base_url(),
            questionnaire_title=questionnaire.title,
            focus=focus,
            reflections=written,
        ),
        f"{export.slug(respondent)}_{when:%Y-%m-%d}_check-in.ics",
        key="results_reminder",
        help="A calendar entry on that day, with a link back to this app.",
        icon=":material/event:",
    )

delete_section()
