"""Trends: how one person's alignment changes over time, on one questionnaire."""

import streamlit as st

from alignment import chartsets, trends, ui
from alignment.results import headline

st.title("Trends")
source = ui.current_source()
frame = ui.responses_or_stop(
    source, "No responses yet. Trends appear once you have taken the assessment twice."
)
respondent = ui.pick_respondent(frame, key="trends_respondent")
questionnaires = ui.valid_questionnaires()
used = ui.questionnaires_used(frame, respondent, questionnaires)
if not used:
    st.error("None of this person's responses belong to a questionnaire that is available now.")
    st.stop()
labels = {qid: f"{questionnaires[qid].title} ({count})" for qid, count in used.items()}
questionnaire_id = st.segmented_control(
    "Questionnaire (trends compare like with like)",
    list(used),
    default=next(iter(used)),
    format_func=ui.plain_options(labels),
    required=True,
    key="trends_questionnaire",
)
questionnaire = questionnaires[questionnaire_id]
others = sum(count for qid, count in used.items() if qid != questionnaire_id)
if others:
    st.caption(f"{others} response(s) to other questionnaires are not mixed in; choose them above.")

scores = ui.scores_for(source, questionnaire)
overall = scores.overall[scores.overall["respondent"] == respondent]
first_day, last_day = overall["submitted_at"].min().date(), overall["submitted_at"].max().date()
picked = ui.date_field(
    "Dates",
    value=(first_day, last_day),
    min_value=first_day,
    max_value=last_day,
    key="trends_dates",
)
start, end = trends.date_bounds(picked)
overall = trends.within_dates(overall, start, end)

if len(overall) == 0:
    st.info("No responses in these dates. Widen the date range.")
    st.stop()
if len(overall) == 1:
    st.info(
        "Only one response in this range. A trend needs at least two: take the assessment "
        "again in a few weeks, or widen the date range. Results shows this one in full."
    )
    st.page_link("views/results.py", label="Open Results", icon=":material/insights:")
    st.stop()

# The two check-ins compared come first, in words and numbers. The charts wait behind tabs,
# drawn only when opened: Plotly's script blocks the browser for most of a second, and at a
# laptop's height the charts would start inside the first screen.
st.header("Compare two check-ins")
options = ui.response_options(overall, respondent)
ids = list(options)
earlier_column, later_column = st.columns(2)
earlier = earlier_column.selectbox(
    "Earlier", ids, index=len(ids) - 1, format_func=options.get, key="trends_earlier"
)
later = later_column.selectbox("Later", ids, index=0, format_func=options.get, key="trends_later")
view = chartsets.trend_charts(
    scores, respondent, questionnaire, start=start, end=end, earlier=earlier, later=later
)
compared = None
if earlier == later:
    st.info("Choose two different responses to compare.")
else:
    compared = trends.compare(scores.strategies, earlier, later, questionnaire)
    since = chartsets.short_date(overall, earlier)
    if told := trends.change_story(compared, since):
        ui.story(told, level=3)  # under the section's heading
    ui.headline_metrics(headline(overall, later, len(questionnaire.strategies), since=earlier))

per_strategy, compared_charts, over_time = st.tabs(
    ["Per strategy", "The two as charts", "Over time"], key="trends_tab", on_change="rerun"
)
if per_strategy.open:
    with per_strategy:
        if compared is None:
            st.caption("Choose two different responses above to compare them strategy by strategy.")
        else:
            ui.alignment_changes(compared)
        st.caption("Charts of the two, and of every check-in over time, are in the other tabs.")
for tab, items in ((compared_charts, view.charts[2:]), (over_time, view.charts[:2])):
    if tab.open:
        with tab:
            if not items:
                st.caption("Choose two different responses above to compare them.")
            for item in items:
                ui.chart(item, view)
st.divider()
ui.chart_pack_button(view)
