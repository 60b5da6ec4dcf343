"""The shared screen of a workshop: which slide is on, the keys that move it, how it is drawn.

The slide lives in the address (`?slide=N`, 1-based) and the chart colours too (`?theme=`), so
a reload, or the projector window opened from the Workshop page, keeps both. Every slide is
drawn for a room: the chart fills the screen, text is at least 20 px, and the controls stay
out of sight until the presenter points at them.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from alignment import charts, theme
from alignment.chartsets import group_summary, spread_note
from alignment.questionnaire import Questionnaire
from alignment.ui import big_code, literal, plain
from alignment.ui.workshop import Live, live, show_top_gaps, waiting_message
from alignment.workshop import GroupView, Visibility, qr_png

SLIDES = ("Join", "Responses", "group-radar", "group-spread", "group-quadrants", "Top gaps")
SLIDE_PARAM = "slide"
THEME_KEY = "theme"  # also the query parameter the colour choice is bound to
THEMES = ("Light", "Dark", "Auto")
DEFAULT_THEME = "Light"  # a projector washes out dark slides; rooms are rarely dark
# Streamlit's shortcuts take one key per button: ←/→ sit on the visible buttons, and a clicker's
# PageDown/PageUp and the space bar on buttons that are never shown.
_HIDDEN_KEYS = (
    ("Next (Page Down)", "PageDown", 1),
    ("Next (Space)", "Space", 1),
    ("Previous (Page Up)", "PageUp", -1),
)
# The one stylesheet of the app, on this page only (st.html elements leave with their page), for
# what no Streamlit option does: hide the key-only buttons without taking them off the page
# (display:none also keeps them out of the tab order), show the controls only on hover or
# focus, give the chart the rest of the screen's height (its height is otherwise fixed in
# pixels), set the quadrant key in projector type without a heading's margins, and trim the
# page's padding to the header's height (the default would take a fifth of a 720 px screen).
_SLIDE_CSS = """<style>
.st-key-present_keys { display: none; }
.st-key-present_controls { opacity: 0; transition: opacity 0.2s; }
.st-key-present_controls:hover, .st-key-present_controls:focus-within { opacity: 1; }
.st-key-present_chart { flex: 0 0 auto; height: calc(100vh - 10.5rem); }
.st-key-present_key p { font-size: 1.375rem; line-height: 1.3; margin-bottom: 0.45rem; }
[data-testid="stMainBlockContainer"] { padding: 3.75rem 2rem 0.5rem; }
</style>"""


def current_slide() -> int:
    """The slide the address asks for, from 0; the first one when it asks for none or nonsense."""
    asked = st.query_params.get(SLIDE_PARAM, "")
    number = int(asked) if asked.isdigit() else 1
    return min(max(number, 1), len(SLIDES)) - 1


def step(by: int) -> None:
    """Button callback: move by `by` slides, stopping at the first and the last."""
    moved = min(max(current_slide() + by, 0), len(SLIDES) - 1)
    st.query_params[SLIDE_PARAM] = str(moved + 1)


def keep_in_address(code: str) -> None:
    """The address names the session and the slide, so a reload shows the same screen."""
    if st.query_params.get("session") != code:
        st.query_params["session"] = code
    st.query_params[SLIDE_PARAM] = str(current_slide() + 1)


def controls(title: str, slide: int) -> bool:
    """Previous/Next, where we are, and the colours; True when the charts are drawn dark."""
    st.html(_SLIDE_CSS)
    first, last = slide == 0, slide == len(SLIDES) - 1
    with st.container(key="present_controls", horizontal=True, vertical_alignment="center"):
        st.button("◀ Previous", shortcut="Left", on_click=step, args=(-1,), disabled=first)
        st.button("Next ▶", shortcut="Right", on_click=step, args=(1,), disabled=last)
        st.caption(f"{plain(title)} · screen {slide + 1} of {len(SLIDES)}")
        choice = st.segmented_control(
            "Chart colours",
            THEMES,
            default=DEFAULT_THEME,
            key=THEME_KEY,
            bind="query-params",
            required=True,
            label_visibility="collapsed",
            help="Light suits most projectors. Auto follows this app's theme (⋮ → Settings).",
        )
        with st.container(key="present_keys"):  # inside the row, so it adds no gap to the page
            for label, key, by in _HIDDEN_KEYS:
                disabled = last if by > 0 else first
                st.button(label, shortcut=key, on_click=step, args=(by,), disabled=disabled)
    if choice == "Auto":
        return st.context.theme.type == "dark"
    return choice == "Dark"


def progress_line(view: GroupView) -> str:
    """How far the room is towards k, e.g. "3 of 5 needed" or "12 of 5 needed — ready"."""
    ready = " — ready" if view.count >= view.min_group else ""
    return f"{view.count} of {view.min_group} needed{ready}"


def what_happens_next(now: Live) -> str:
    """One line for the room about what comes after the count; never who did what."""
    view = now.view
    match view.visibility:
        case Visibility.WAITING:
            more = "1 more answer" if view.missing == 1 else f"{view.missing} more answers"
            return f"{more}, and the group's results can be shown. No one's own scores are."
        case Visibility.NOT_RELEASED:
            return "Enough answers are in. The group's results appear when they are revealed."
        case Visibility.SHOWN:
            return "Next: the group's results, on the following screens."
    return waiting_message(view, now.session, for_room=True) or ""


@live
def join_progress(now: Live) -> None:
    """The live count under the join code, in type the back row can read."""
    st.markdown(f"## {progress_line(now.view)}")
    st.progress(min(now.view.count / now.view.min_group, 1.0))


def join_slide(
    responses: Path, sessions: Path, code: str, questionnaire: Questionnaire, *, link: str
) -> None:
    """The code, huge; the QR code and the link; how many have joined, live (only the count
    redraws, not the QR code)."""
    code_column, qr_column = st.columns([3, 2], vertical_alignment="center")
    with code_column:
        st.markdown("# Join on your phone")
        big_code(code)
        st.markdown(f"### {literal(link)}")
        join_progress(responses, sessions, code, questionnaire)
    qr_column.image(qr_png(link, scale=20), width="stretch", alt=f"QR code for {link}")


@live
def presented_slide(now: Live, *, slide: str, dark: bool) -> None:
    """One slide of the shared screen; the count and charts follow the room as people answer."""
    view, questionnaire = now.view, now.questionnaire
    if slide == "Responses" or waiting_message(view, now.session, for_room=True):
        st.markdown(f"# {view.count} response{'s' * (view.count != 1)}")
        st.progress(min(view.count / view.min_group, 1.0))
        st.markdown(f"## {progress_line(view)}")
        st.markdown(f"### {what_happens_next(now)}")
        return
    if slide == "Top gaps":
        st.markdown("# The group's largest gaps")
        show_top_gaps(view, questionnaire, large=True)
        return
    group = now.charts(presenting=True)
    if slide not in {chart.name for chart in group.charts}:
        st.markdown("# How alignment varies in the group")
        st.markdown(f"### {spread_note(group)}")
        return
    figure = theme.presentation_style(group.chart(slide).figure, dark=dark, height=None)
    place = st.container()
    if slide == "group-quadrants":
        place, key_column = st.columns([5, 1], vertical_alignment="center")
        key = charts.quadrant_key(group_summary(view, questionnaire))
        with key_column.container(key="present_key"):
            for number, strategy, _ in key:
                st.markdown(f"**{number}** {plain(strategy)}")
    with place.container(key="present_chart"):
        st.plotly_chart(
            figure, key=f"present_{slide}", height="stretch", config={"displaylogo": False}
        )
