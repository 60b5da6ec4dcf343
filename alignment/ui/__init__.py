"""Streamlit helpers shared by the pages: cached loading, the data source, the sidebar.

The only module of the package that imports Streamlit. The responses history is held once per
server process and grown by each save (alignment.history), so a new save is seen at once and
costs only its own rows.
"""

from __future__ import annotations

import functools
import mimetypes
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from alignment import config, images, practice, trends
from alignment.chartsets import Chart, ChartSet
from alignment.export import csv_bytes
from alignment.history import Histories
from alignment.numbers import points, signed_points
from alignment.practice import Branding, LoadedBranding
from alignment.questionnaire import LoadedQuestionnaire, Questionnaire, load_catalog
from alignment.results import INDICES, UNEVEN_FROM, UNEVEN_LABEL, Headline, Story
from alignment.scoring import Scores, score_responses
from alignment.store import LoadedResponses, StoreError, file_identity
from alignment.ui import access
from alignment.workshop import code_problem

SOURCE_KEY = "app_data_source"
_SOURCE_REQUEST_KEY = "app_data_source_request"
RESPONDENT_KEY = "app_respondent"
# "&": or "&amp;" shows as "&"; ":" and "/": or ":red[x]" is coloured and ":material/x:" an
# icon (escaped brackets do not stop either); "=": or a line of "===" makes the one above a heading.
_MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$&:/="
# Streamlit turns bare addresses into links after Markdown is parsed, so no backslash stops it:
# an invisible word joiner inside "www.", "https://" or "a@b.c" does (the patterns of GFM).
_BARE_LINK = re.compile(
    r"(?<=www)(?=\.)|(?<=https:)(?=//[-.\w]*\.)|(?<=http:)(?=//[-.\w]*\.)"
    r"|(?<=[-.\w+])(?=@[-\w]+\.)",
    re.IGNORECASE,
)
WORD_JOINER = "\u2060"
Option = TypeVar("Option", bound=Hashable)
SAMPLE, MINE = "sample", "mine"
SOURCE_LABELS = {MINE: "My responses", SAMPLE: "Sample data (read-only)"}


def plain(text: str) -> str:
    """Text from files or people, escaped so Markdown shows it literally (no links, no HTML).

    For everything Streamlit renders as Markdown: bodies, labels, `help`, radio and
    segmented-control options. Never for selectbox options, st.text or st.code, which show
    text as it is (the backslashes would show too).
    """
    unlinked = _BARE_LINK.sub(WORD_JOINER, str(text))
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in unlinked)


def plain_options(labels: Mapping[Option, str]) -> Callable[[Option], str]:
    """A `format_func` for widgets whose options are Markdown (radio, segmented control, pills).

    It holds only the escaped labels: a widget keeps its formatter for as long as the page is
    open, and a lambda would keep the page's globals (every response, every score) with it.
    """
    return {option: plain(label) for option, label in labels.items()}.__getitem__


@dataclass(frozen=True)
class DataSource:
    kind: str
    path: Path

    @property
    def is_sample(self) -> bool:
        return self.kind == SAMPLE

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.kind]


@st.cache_resource(show_spinner=False)
def _histories() -> Histories:
    """The server's one copy of each responses history, grown by each save rather than read
    again (a cached frame would also be pickled for every page run: 60 MB at a million rows)."""
    return Histories()


def load_responses_cached(path: Path) -> LoadedResponses:
    """The committed responses of `path`, as of now: a save by anyone is seen on the next run."""
    return _histories().responses(path)


def _catalog_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple(file_identity(p) for p in sorted(directory.glob("*.y*ml")))


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(directory: str, signature: tuple) -> tuple[LoadedQuestionnaire, ...]:
    """Shared, not copied: the questionnaires are frozen, and every run of every page asks for
    them (a copy per run unpickled ~140 models: a sixth of a workshop participant's Submit)."""
    del signature  # part of the cache key only
    return tuple(load_catalog(directory))


def questionnaire_catalog() -> tuple[LoadedQuestionnaire, ...]:
    directory = config.questionnaire_dir()
    return _catalog(str(directory), _catalog_signature(directory))


def valid_questionnaires() -> dict[str, Questionnaire]:
    """Usable questionnaires by id, the default one first."""
    found = {
        entry.questionnaire.id: entry.questionnaire
        for entry in questionnaire_catalog()
        if entry.questionnaire is not None
    }
    default = config.DEFAULT_QUESTIONNAIRE_ID
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != default, kv[0])))


def default_source() -> str:
    """The user's own data once they have any; the sample until then."""
    try:
        mine = load_responses_cached(config.responses_path())
    except StoreError:
        return MINE
    return MINE if not mine.frame.empty else SAMPLE


def current_source() -> DataSource:
    if SOURCE_KEY not in st.session_state:  # (not on every run: it reads the responses)
        st.session_state[SOURCE_KEY] = default_source()
    kind = st.session_state[SOURCE_KEY]
    path = config.SAMPLE_RESPONSES if kind == SAMPLE else config.responses_path()
    return DataSource(kind, path)


def use_source(kind: str) -> None:
    """Ask for another data source; applied before the sidebar widget draws on the next run."""
    st.session_state[_SOURCE_REQUEST_KEY] = kind


def sidebar(role: str) -> None:
    """What every page shares: which data is shown, and questionnaire files that need fixing.

    Only a facilitator chooses the data source; everyone else works on their own responses.
    """
    if role != access.FACILITATOR:
        st.session_state[SOURCE_KEY] = MINE
        if role == access.GUEST:
            st.sidebar.caption("Facilitators: sign in to open Trends and Workshop.")
        return
    with st.sidebar:
        requested = st.session_state.pop(_SOURCE_REQUEST_KEY, None)
        if requested is not None:
            st.session_state[SOURCE_KEY] = requested
        current_source()  # settles the default before the widget takes over the key
        st.radio(
            "Data shown",
            [MINE, SAMPLE],
            key=SOURCE_KEY,
            format_func=SOURCE_LABELS.get,
            help="Sample data lets you explore every page before you have answers of your own. "
            "It is kept apart from your responses and never changes.",
        )
        broken = [entry for entry in questionnaire_catalog() if not entry.is_valid]
        if broken:
            with st.expander(f"⚠️ {len(broken)} questionnaire file(s) need fixing"):
                for entry in broken:
                    st.markdown(f"**{plain(entry.path.name)}** is not used until fixed:")
                    st.code("\n".join(str(issue) for issue in entry.errors), language=None)
        if access.facilitator_passcode():
            st.button("Sign out", on_click=access.sign_out, type="tertiary")


def scores_for(source: DataSource, questionnaire: Questionnaire) -> Scores:
    """Scores of every response in the source to `questionnaire`; a save scores only itself."""
    return _histories().scores(source.path, questionnaire)


def scores_of(source: DataSource, frame: pd.DataFrame, questionnaire: Questionnaire) -> Scores:
    """Scores of the responses in `frame`, some or all of the source's.

    A visitor's own few responses are scored on their own, so their page costs the same on any
    history; the whole source's come from its scores, grown by each save.
    """
    if access.can_see_everyone():
        return scores_for(source, questionnaire).within(frame["response_id"])
    return score_responses(frame, questionnaire)


def load_source(source: DataSource, only: Sequence[str] | None = None) -> LoadedResponses | None:
    """The source's responses (only those with the ids in `only`, when given), with any problem
    shown plainly; None when it cannot be read."""
    try:
        if only is None:
            loaded = load_responses_cached(source.path)
        else:
            loaded = _histories().responses_with_ids(source.path, only)
    except StoreError as exc:
        st.error(plain(f"Your responses file cannot be read: {exc}"))
        return None
    for problem in loaded.problems:  # they quote the file, which anyone may have edited
        st.warning(plain(problem))
    return loaded


def responses_or_stop(
    source: DataSource, empty_message: str, only: Sequence[str] | None = None
) -> pd.DataFrame:
    """The source's responses (see `load_source`); otherwise say why there is nothing to show
    and stop the page."""
    loaded = load_source(source, only)
    if loaded is None:
        st.stop()
    if loaded.frame.empty:
        st.info(empty_message)
        st.page_link("views/assess.py", label="Take the assessment", icon=":material/edit_note:")
        st.stop()
    return loaded.frame


def pick_respondent(frame: pd.DataFrame, *, key: str, preferred: str | None = None) -> str:
    """Choose whose responses to show; the alias of this browser session comes first."""
    latest = frame.groupby("respondent")["submitted_at"].max().sort_values(ascending=False)
    people = list(latest.index)
    wanted = preferred or st.session_state.get(RESPONDENT_KEY)
    index = people.index(wanted) if wanted in people else 0
    if len(people) == 1:
        st.caption(f"Responses of **{plain(people[0])}**")
        return people[0]
    return st.selectbox("Whose responses", people, index=index, key=key)  # shown as they are


def when(timestamp: pd.Timestamp) -> str:
    return f"{timestamp:%d %b %Y, %H:%M} UTC"


def chart(item: Chart, group: ChartSet, *, downloads: bool = True) -> None:
    """A chart, without Plotly's toolbar (its buttons crowd a phone), and its Download menu.

    `downloads=False` draws the chart alone: a live panel redraws every few seconds and would
    drop a file being fetched, so it draws the menus outside the redrawn part.
    """
    st.plotly_chart(
        item.figure,
        config={"displaylogo": False, "displayModeBar": False},
        key=f"chart_{group.view}_{item.name}",
    )
    if downloads:
        chart_downloads(item, group)


# The browser tells when a place on the page has come into view (trusted code, no user text).
_IN_VIEW_JS = """
export default function (component) {
  const { parentElement, setStateValue } = component;
  const mark = parentElement.querySelector("div");
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      setStateValue("seen", true);
    }
  });
  observer.observe(mark);
  return () => observer.disconnect();
}
"""
_in_view = st.components.v2.component(
    "alignment_in_view", html='<div style="height:1px"></div>', js=_IN_VIEW_JS
)


def _draw_now() -> None:
    """Nothing to do here: the rerun that follows coming into view draws the charts."""


def charts_seen_key(view: str, part: str) -> str:
    """The session-state flag set once a part of a view's charts has come into view."""
    return f"charts_seen_{view}_{part}"


@st.fragment
def charts_when_in_view(
    group: ChartSet, items: Sequence[Chart], *, part: str, downloads: bool = True
) -> None:
    """Charts drawn once their place on the page comes into view, then on every run after.

    Plotly's script alone blocks a browser for most of a second (four times that on a phone),
    so a page that opens on its story and numbers stays responsive until the charts are wanted.
    A fragment: coming into view reruns the charts only, not the page.
    """
    seen_key = charts_seen_key(group.view, part)
    if not items:
        return
    if not st.session_state.get(seen_key):
        seen = _in_view(
            key=f"in_view_{group.view}_{part}", default={"seen": False}, on_seen_change=_draw_now
        )
        if not seen.seen:
            st.caption("The charts are drawn here as you scroll to them.")
            return
        st.session_state[seen_key] = True
    for item in items:
        chart(item, group, downloads=downloads)


def chart_downloads(item: Chart, group: ChartSet) -> None:
    """One compact "Download" menu for a chart: PNG · SVG · PDF · slide · HTML · CSV.

    Files are made only when a button is pressed (deferred data), so drawing the page costs
    nothing extra; image formats are offered only where Chromium is available.
    """
    name = group.file_name(item.name)
    with st.popover("Download", icon=":material/download:", key=f"menu_{group.view}_{item.name}"):
        if problem := images.static_export_problem():
            st.caption(problem)
            formats = []
        else:
            formats = [(fmt, False) for fmt in images.STATIC_FORMATS] + [("png", True)]
        for file_format, slide in [*formats, ("html", False)]:
            what = "slide" if slide else file_format
            download(
                st,
                _FORMAT_LABELS[what],
                functools.partial(images.chart_file, item, group, file_format, slide=slide),
                f"{name}{'-slide' if slide else ''}.{file_format}",
                key=f"download_{group.view}_{item.name}_{what}",
                help=_FORMAT_HELP[what],
                width="stretch",
            )
        download(
            st,
            _FORMAT_LABELS["csv"],
            functools.partial(csv_bytes, item.data),
            f"{name}.csv",
            key=f"download_{group.view}_{item.name}_csv",
            help=_FORMAT_HELP["csv"],
            width="stretch",
        )


_FORMAT_LABELS = {
    "png": "Picture (PNG)",
    "svg": "Vector picture (SVG)",
    "pdf": "One-page PDF",
    "slide": "Slide, 16:9 (PNG)",
    "html": "Interactive page (HTML)",
    "csv": "The data (CSV)",
}
_FORMAT_HELP = {
    "png": "A picture at twice screen size, for documents.",
    "svg": "A vector picture that stays sharp at any size.",
    "pdf": "A one-page PDF of this chart.",
    "slide": "1920 by 1080, with text large enough for a projector.",
    "html": "An interactive page that works offline in any browser.",
    "csv": "The numbers behind this chart, for a spreadsheet.",
}


def download(
    place: DeltaGenerator,
    label: str,
    make: Callable[[], bytes],
    file_name: str,
    *,
    key: str,
    help: str,
    icon: str = ":material/download:",
    width: str = "content",
) -> None:
    """A download whose file is made only when pressed, without rerunning the page."""
    place.download_button(
        label,
        data=make,
        file_name=file_name,
        mime=mimetypes.guess_type(file_name)[0] or "application/octet-stream",
        on_click="ignore",
        icon=icon,
        key=key,
        help=help,
        width=width,
    )


def chart_pack_button(group: ChartSet) -> None:
    """Every chart of the view in one ZIP (PNG, SVG and the data as CSV)."""
    problem = images.static_export_problem()
    if problem:
        st.caption(problem)
        return
    download(
        st,
        "Download all charts (ZIP)",
        functools.partial(images.chart_pack, group),
        f"{group.file_name(group.view + '-charts')}.zip",
        key=f"download_{group.view}_pack",
        help="Every chart of this page as PNG and SVG, with the data behind each as CSV.",
        icon=":material/folder_zip:",
    )


# The day, month and year of Streamlit's date field are each a tap target, 18 px wide by
# default; a finger (and WCAG 2.2's target size) needs 24 px.
DATE_FIELD_STYLE = """<style>
[data-testid="stDateInput"] [role="spinbutton"] {
  display: inline-flex; align-items: center; justify-content: center;
  min-width: 24px; min-height: 24px;
}
</style>"""


def date_field(label: str, **options: object) -> object:
    """`st.date_input` whose day, month and year are each large enough to tap."""
    st.html(DATE_FIELD_STYLE)
    return st.date_input(label, **options)


def minutes_to_answer(questionnaire: Questionnaire) -> int:
    """About 15 seconds a question, as timed on a phone."""
    return max(2, round(len(questionnaire.active_items) * 0.25))


def questionnaire_choice_label(questionnaire: Questionnaire) -> str:
    """The title with its length, escaped: it is a radio option, which Streamlit renders."""
    count, minutes = len(questionnaire.active_items), minutes_to_answer(questionnaire)
    return f"{plain(questionnaire.title)} — {count} questions, about {minutes} minutes"


def response_options(frame: pd.DataFrame, respondent: str) -> dict[str, str]:
    """The respondent's responses, newest first: id -> "13 Nov 2026, 09:42 UTC · Title".

    Unescaped, for a selectbox: its options are shown as they are, never as Markdown.
    """
    titles = {q.id: q.title for q in valid_questionnaires().values()}
    mine = (
        frame.loc[
            frame["respondent"] == respondent, ["response_id", "submitted_at", "questionnaire_id"]
        ]
        .drop_duplicates("response_id")
        .sort_values("submitted_at", ascending=False, kind="stable")
    )
    return {
        str(rid): f"{when(at)} · {titles.get(qid, qid)}"
        for rid, at, qid in zip(
            mine["response_id"], mine["submitted_at"], mine["questionnaire_id"], strict=True
        )
    }


def story(told: Story, *, level: int = 2) -> None:
    """The opening of Results (and of two check-ins compared): one plain sentence, a heading one
    level below the one above it so no level is skipped, then the most useful fact."""
    st.markdown(f"{'#' * level} {plain(told.sentence)}")
    st.markdown(f"**{plain(told.fact)}**")


def result_card(told: Story | None) -> None:
    """A workshop participant's result on their phone: one card, then eyes on the screen."""
    with st.container(border=True):
        st.header("Your result")  # h2: a heading under the page title skips no level
        if told is not None:
            st.markdown(plain(told.sentence))
            st.markdown(f"**{plain(told.fact)}**")
        st.markdown("**Now look up at the screen:** the group's results appear there.")


def alignment_changes(comparison: pd.DataFrame) -> None:
    """Two check-ins compared strategy by strategy, in words and numbers: what the charts show,
    without the second of script they cost. A Markdown table, not st.table, whose Arrow
    formatting is another 740 kB of script; names are escaped, "|" included."""
    rows = trends.alignment_changes(comparison)
    lines = ["| Strategy | Earlier | Later | Change |", "| :-- | --: | --: | --: |"]
    lines += [
        f"| {plain(name)} | {earlier} | {later} | {change} |"
        for name, earlier, later, change in rows.itertuples(index=False)
    ]
    st.caption("Alignment per strategy, in points: from the largest decline to the largest gain.")
    st.markdown("\n".join(lines))


def headline_metrics(top: Headline) -> None:
    """The three indices in whole points, each with its change since the previous response."""
    since = f" since {top.previous_at:%d %b %Y}" if top.previous_at is not None else ""
    help_texts = {
        "purpose": "How clear and important the strategies are to you (mean over strategies).",
        "performance": "How consistently you act on them (mean over strategies).",
        "alignment": "100 minus the gap between the two, averaged: 100 means fully matched.",
    }
    for column, name in zip(st.columns(3), INDICES, strict=True):
        value, change = top.values[name], top.changes[name]
        level = change is not None and points(abs(change)) == "0"
        # Streamlit colours a delta by its leading "-", so a decline never shows as a gain.
        delta = None if change is None else signed_points(change) + since
        column.metric(
            f"{name.capitalize()} index",
            points(value),
            delta=delta,
            delta_color="off" if level else "normal",
            delta_arrow="off" if level else "auto",
            help=help_texts[name],
            border=True,
        )
    counts = top.counts
    if min(counts.values()) < top.strategy_total:
        st.warning(
            f"Based on {counts['alignment']} of {top.strategy_total} strategies: the others have "
            "no answers on one or both dimensions, so their scores are missing (not zero)."
        )
    else:
        st.caption(f"Based on all {top.strategy_total} strategies · {when(top.submitted_at)}")


def how_to_read(questionnaire: Questionnaire) -> None:
    """The model in a few lines, for the first-time reader and the client of a coach."""
    threshold = points(questionnaire.threshold)
    with st.expander("How to read this", icon=":material/help:"):
        st.markdown(
            "- **Purpose**: how much a strategy matters to you. **Performance**: how "
            "consistently you act on it. Both run from 0 to 100.\n"
            "- **Gap** = performance minus purpose: below zero, you value it more than you live "
            "it. **Alignment** = 100 minus the size of the gap.\n"
            f"- The four quadrants split at {threshold}: **Aligned** (high on both), **Intent "
            "gap** (valued, not yet lived), **Doing without conviction** (lived, not valued), "
            f"**Drifting** (neither). High on both but {UNEVEN_FROM} points or more apart "
            f"reads **{UNEVEN_LABEL}**.\n"
            "- Scores are whole points: with two five-point questions per side, a strategy "
            "moves in steps of 12.5, so a decimal would claim a precision the questionnaire "
            "does not have."
        )


def sample_notice(source: DataSource) -> None:
    """On every page that shows data: sample data is invented, never anyone's answers."""
    if source.is_sample:
        st.caption(
            ":material/science: **Sample data**: invented people, for exploring. Choose "
            "*My responses* in the sidebar for your own."
        )


def questionnaires_used(
    frame: pd.DataFrame, respondent: str, available: dict[str, Questionnaire]
) -> dict[str, int]:
    """Available questionnaires the respondent answered, with response counts, most used first."""
    counts = (
        frame[frame["respondent"] == respondent]
        .groupby("questionnaire_id")["response_id"]
        .nunique()
        .sort_values(ascending=False)
    )
    return {qid: int(n) for qid, n in counts.items() if qid in available}


def answer_notes(
    scores: Scores, frame: pd.DataFrame, response_id: str, questionnaire: Questionnaire
) -> list[str]:
    """Notes about one response's answers that could not be scored.

    `scores` are those of `frame`: when it holds this response alone (a participant's one
    answer), their report is this response's and it is not scored a second time.
    """
    rows = frame[frame["response_id"] == response_id]
    if len(rows) == len(frame):
        report = scores.report
    else:
        report = score_responses(rows, questionnaire).report
    return [m for m in report.messages() if "other questionnaires" not in m]


def join_form() -> None:
    """Type a session code shown on the facilitator's screen."""
    with st.form("join_code"):
        code = st.text_input("Session code", max_chars=12, placeholder="e.g. K7PXW3")
        if st.form_submit_button("Join"):
            access.join(code)
            st.query_params["session"] = access.joined_code() or ""
            st.rerun()


def app_base_url() -> str:
    """Where this browser reached the app, e.g. http://localhost:8501 (path and query dropped)."""
    url = st.context.url or ""
    parts = urlsplit(url)
    return (
        f"{parts.scheme}://{parts.netloc}"
        if parts.scheme and parts.netloc
        else ("http://localhost:8501")
    )


def session_rows(source: DataSource, code: str) -> pd.DataFrame:
    frame = load_responses_cached(source.path).frame
    return frame[frame["session"] == code]


def big_code(code: str) -> None:
    """A session code in projector-size type: as large as the screen allows (a quarter of
    its height, and six characters in three fifths of its width).

    The only styled HTML in the app: no theme setting enlarges one element, and the code is our
    own, checked against the code alphabet, never text a person typed.
    """
    if code_problem(code) is not None:
        raise ValueError(f"not a session code: {code!r}")
    st.html(
        f'<div role="heading" aria-level="2" style="font-size:min(12vw,25vh);font-weight:800;'
        f'letter-spacing:0.08em;line-height:1">{code}</div>'
    )


@st.cache_data(show_spinner=False, max_entries=4)
def _branding(signature: tuple) -> LoadedBranding:
    del signature  # part of the cache key only
    return practice.load_branding()


def loaded_branding() -> LoadedBranding:
    """The saved branding, read and checked once per change of its files (checking decodes the
    logo again, which is too slow for every run of a page)."""
    return _branding((file_identity(practice.practice_path()), file_identity(practice.logo_path())))


def report_branding(place: DeltaGenerator) -> Branding | None:
    """The coach's branding for a report; with a broken file, a caption says so in `place`
    and the report is made without it."""
    loaded = loaded_branding()
    if loaded.problem:
        place.caption(f":material/warning: {plain(loaded.problem)}")
    return loaded.branding


def literal(text: str) -> str:
    """Text shown verbatim as inline code (links and addresses), never parsed as Markdown."""
    return "`" + text.replace("`", "") + "`"
