"""Home: what this is, the ten strategies, where to start."""

import streamlit as st

from alignment import ui
from alignment.config import DEFAULT_QUESTIONNAIRE_ID

st.title("Purpose–Performance Alignment")
st.markdown(
    "Do your days match your *why*? This self-assessment looks at ten leadership strategies "
    "from two sides: **purpose** — how clear and important the intent is to you — and "
    "**performance** — how consistently you actually act on it. Where the two drift apart is "
    "where your next step as a leader is."
)

questionnaires = ui.valid_questionnaires()
main = questionnaires.get(DEFAULT_QUESTIONNAIRE_ID) or next(iter(questionnaires.values()), None)
if main is None:
    st.error(
        "No usable questionnaire was found in the questionnaires folder. "
        "The sidebar lists the files and what is wrong with them."
    )
    st.stop()

st.header("Where to start")
source = ui.current_source()
start, explore = st.columns(2)
with start:
    quick = questionnaires.get("pulse")
    quick_note = f", or {ui.minutes_to_answer(quick)} for the pulse check" if quick else ""
    st.markdown(
        f"**Take the assessment.** About {ui.minutes_to_answer(main)} minutes for the full "
        f"*{ui.plain(main.title)}* questionnaire{quick_note}. Your answers are saved on the "
        "computer that runs this app, never sent anywhere else."
    )
    st.page_link("views/assess.py", label="Start the assessment", icon=":material/edit_note:")
with explore:
    st.markdown(
        "**Explore first.** Sample data shows what results, trends and a workshop look like "
        "after a year of check-ins."
    )
    if source.is_sample:
        st.success("You are looking at the sample data. Switch back in the sidebar at any time.")
    else:
        st.button(
            "Explore with sample data",
            icon=":material/travel_explore:",
            on_click=ui.use_source,
            args=(ui.SAMPLE,),
        )

st.header("The ten strategies")
columns = st.columns(2)
for index, strategy in enumerate(main.strategies):
    with columns[index % 2].container(border=True):
        st.markdown(f"**{ui.plain(strategy.name)}**")
        st.caption(ui.plain(strategy.description))

st.header("How scoring works")
st.markdown(
    f"Each strategy gets a purpose score and a performance score from 0 to 100. "
    f"Their difference is the **gap**; **alignment** is 100 minus the size of the gap. "
    f"Scores of {main.threshold:g} or more count as high, which places every strategy in one "
    "of four quadrants: *aligned* (high on both), *intent gap* (valued but not yet lived), "
    "*doing without conviction* (lived but not valued) and *drifting* (low on both)."
)
