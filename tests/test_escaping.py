"""Text from people and files is never rendered as Markdown or HTML, on any page (issue 12, 9).

A questionnaire and a responses file full of hostile text (titles, strategy names, scale
labels, questions, actions, aliases, reflections, ids) are opened on every registered page, as
a facilitator and as a participant. A walk of each page's whole element tree then looks at
every string of every element and sorts it by what Streamlit does with it (checked in
Chromium, see the browser test at the end):

- rendered as Markdown: bodies, titles, captions, alerts, widget labels, `help`, metric
  values, radio / segmented-control / select-slider options, expander and tab labels… (any
  field not listed below counts as Markdown, so a new element is checked until it is sorted);
- shown as it is: selectbox and multiselect options, st.text, st.code, typed values;
- charts: plotly specs, checked apart (plotly renders a subset of HTML, not Markdown).

Hostile text in a Markdown string must be escaped (`ui.plain`); in a verbatim string it must
not be (the backslashes would show).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from google.protobuf.message import Message
from playwright.sync_api import Page
from streamlit.testing.v1 import AppTest

from alignment import config, ui
from alignment.assessment import assessment_steps
from alignment.questionnaire import Questionnaire, load_questionnaire
from alignment.response import build_response
from alignment.scoring import score_responses
from alignment.store import append_rows, load_responses
from alignment.workshop import create_session, release_results, sessions_path, update_session
from tests.browser.helpers import wait_for_app
from tests.test_cli_import import open_page as opened
from tests.test_journey import APP, answer_step, press
from tests.test_pages import registered_pages

# Markdown syntax that a backslash switches off, and bare addresses that only the word joiner
# of `ui.plain` stops (Streamlit links them after parsing, escaped or not).
SYNTAX = ("**b**", "[x](", "<img", "<b>", "$x$", ":red[", ":material/skull:")
LINKS = ("http://e.xample", "a@e.xample")
# Short enough for an alias (64) and a scale label (60); the long one fits titles (120).
SHORT = "**b** [x](http://e.xample) <b>B</b> $x$ :red[x] a@e.xample"
HOSTILE = f"{SHORT} <img src=x onerror=alert(1)> :material/skull:"  # no backslash in either
ALIAS = SHORT
OTHER_ALIAS = "Ben"
WORD_JOINER = "\u2060"  # what ui.plain puts inside a bare address


def tagged(where: str) -> str:
    """The hostile text, led by where it was put, so a failure says which text leaked."""
    return f"{where} {HOSTILE}"


# ---------------------------------------------------------------------------------------------
# What Streamlit does with each string of an element (AppTest `type`, field path)

VERBATIM = {
    ("selectbox", "options"),
    ("selectbox", "raw_value"),
    ("multiselect", "options"),
    ("multiselect", "raw_values"),
    ("text", "body"),
    ("code", "code_text"),
    ("text_input", "default"),
    ("text_area", "default"),
    ("image", "imgs.alt"),
}
# JSON settings of a table's columns (the cells are Arrow bytes): a column's `help` is Markdown,
# its other texts (label, selectbox choices) are not.
TABLE_SETTINGS = ("dataframe", "columns")
NEVER_SHOWN = {"id", "form_id", "form.form_id", "page_script_hash", "deferred_file_id"}
CHART_FIELDS = {("plotly_chart", "spec"), ("plotly_chart", "config")}


def _strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) of every string anywhere in a protobuf message."""
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        for one in value if field.is_repeated else [value]:
            if isinstance(one, Message):
                yield from _strings(one, where)
            elif isinstance(one, str):
                yield where, one


def _json_strings(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every string of a JSON value; "data[].y[]": every point of every trace."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _json_strings(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_strings(inner, f"{path}[]")
    elif isinstance(value, str):
        yield path, value


def _removed_escapes(text: str) -> str:
    return re.sub(r"\\.", "", text, flags=re.DOTALL)


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _has_hostile(text: str) -> bool:
    bare = _unescaped(text).replace(WORD_JOINER, "")
    return any(marker in bare for marker in (*SYNTAX, *LINKS))


def markdown_problem(text: str) -> str | None:
    """Why this string, rendered as Markdown, would not show hostile text literally."""
    if any(marker in _removed_escapes(text) for marker in SYNTAX):
        return "Markdown syntax left unescaped"
    if any(marker in _unescaped(text) for marker in LINKS):
        return "a bare address Streamlit turns into a link"
    if "\\" in _unescaped(text):  # the hostile text has no backslash of its own
        return "escaped twice: backslashes show"
    return None


def verbatim_problem(text: str) -> str | None:
    """Why this string, shown as it is, would not show the text as written."""
    if "\\" in text:
        return "escaped for Markdown, but shown as it is: backslashes show"
    return None


@dataclass(frozen=True)
class Leak:
    place: str
    element: str
    field: str
    problem: str
    text: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) < 160 else self.text[:160] + "…"
        return f"{self.place}: {self.element}.{self.field}: {self.problem}: {shown!r}"


@dataclass(frozen=True)
class Walk:
    """What one look at a page found: every string with hostile text, and the leaks among them."""

    seen: int
    leaks: list[Leak]
    charts: list[dict]


def _shown(element: str, field: str, text: str) -> Iterator[tuple[str, str, bool]]:
    """(field path, text, rendered as Markdown) of what one string field puts on screen."""
    if field in NEVER_SHOWN or (element, field) in CHART_FIELDS:
        return
    if (element, field) != TABLE_SETTINGS:
        yield field, text, (element, field) not in VERBATIM
        return
    for setting, inner in _json_strings(json.loads(text)):
        yield f"{field}.{setting}", inner, setting.endswith("help")


def walk(at: AppTest, place: str) -> Walk:
    """Every string of every element on the page (main area and sidebar), sorted as above."""
    seen, charts = 0, []
    leaks = [Leak(place, "exception", "message", "the page failed", e.value) for e in at.exception]
    for node in (*at.main, *at.sidebar):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for field, text in _strings(proto):
            if (node.type, field) == ("plotly_chart", "spec"):
                charts.append(json.loads(text))
            for where, one, markdown in _shown(node.type, field, text):
                if not _has_hostile(one):
                    continue
                seen += 1
                if problem := (markdown_problem if markdown else verbatim_problem)(one):
                    leaks.append(Leak(place, node.type, where, problem, one))
    return Walk(seen, leaks, charts)


# ---------------------------------------------------------------------------------------------
# The hostile files


def hostile_questionnaire(folder: Path) -> Questionnaire:
    """The pulse check with every text a participant or facilitator reads made hostile."""
    spec = yaml.safe_load((config.SHIPPED_QUESTIONNAIRES / "pulse.yaml").read_text("utf-8"))
    spec |= {"id": "hostile", "title": tagged("title"), "description": tagged("description")}
    for scale in spec["scales"].values():
        scale["labels"] = {point: f"{point} {SHORT}" for point in scale["labels"]}
    for n, strategy in enumerate(spec["strategies"]):
        strategy["name"] = tagged(f"strategy {n}")
        strategy["description"] = tagged(f"strategy description {n}")
        strategy["actions"] = [tagged(f"action {n}")]
    for item in spec["items"]:
        item["text"] = tagged(f"item {item['id']}")
    for prompt in spec["reflections"]:
        prompt["text"] = tagged(f"prompt {prompt['id']}")
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    # A broken file next to it: the sidebar names it.
    (folder / "**b** $x$ :red[x] <b>B.yaml").write_text("id: broken\nversion: one\n")
    return load_questionnaire(path)


def answers_of(questionnaire: Questionnaire, seed: int) -> dict[str, int]:
    return {item.id: 1 + (n + seed) % 5 for n, item in enumerate(questionnaire.active_items)}


def save(rows: pd.DataFrame) -> str:
    append_rows(config.responses_path(), rows)
    return str(rows["response_id"].iloc[0])


@dataclass(frozen=True)
class Hostile:
    questionnaire: Questionnaire
    session: str  # the newer one, which Workshop shows first
    gone_response: str  # to a questionnaire whose file is gone


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hostile:
    """The hostile questionnaire; two released sessions of three (ALIAS among them) with
    hostile titles; two more check-ins of ALIAS, the last the newest response of all (so every
    page picks ALIAS first) with an answer to an unknown, hostile item id; and a response of
    OTHER_ALIAS to a questionnaire that is gone."""
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    monkeypatch.setenv("ALIGNMENT_QUESTIONNAIRE_DIR", str(folder))
    questionnaire = hostile_questionnaire(folder)
    written = {prompt.id: tagged(f"reflection {prompt.id}") for prompt in questionnaire.reflections}
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)

    def response(alias: str, day: int, seed: int, session: str = "") -> pd.DataFrame:
        answers = answers_of(questionnaire, seed)
        when = start + timedelta(days=day, minutes=seed)
        return build_response(
            questionnaire, alias, answers, written, session=session, submitted_at=when
        )

    sessions = sessions_path(config.data_dir())
    for n, day in enumerate((20, 30)):  # two sessions, so Workshop compares them
        code = create_session(sessions, tagged(f"session {n}"), questionnaire.id, 3).code
        for seed, alias in enumerate([ALIAS, OTHER_ALIAS, "Cy"]):
            save(response(alias, day, seed, session=code))
        frame = load_responses(config.responses_path()).frame
        strategies = score_responses(frame[frame["session"] == code], questionnaire).strategies
        release_results(sessions, code, strategies)
    save(response(ALIAS, 0, 3))
    last = response(ALIAS, 60, 4)
    stray = last.iloc[[0]].assign(item_id=tagged("item id"), value=3.0)
    save(pd.concat([last, stray], ignore_index=True))
    gone = response(OTHER_ALIAS, 0, 5).assign(questionnaire_id=tagged("questionnaire id"))
    return Hostile(questionnaire, code, save(gone))


# ---------------------------------------------------------------------------------------------
# Every page, as a facilitator (no passcode) and as a participant


def assessment(at: AppTest, questionnaire: Questionnaire, place: str) -> Iterator[Walk]:
    """From the start form through every kind of step to the result after Submit."""
    yield walk(at, f"{place}, start")
    at.text_input[0].set_value(ALIAS)
    press(at, "Start")
    yield walk(at, f"{place}, first step")
    press(at, "Next")  # nothing answered: the error names the questions
    yield walk(at, f"{place}, questions left unanswered")
    answers = answers_of(questionnaire, 4)
    for step in assessment_steps(questionnaire):
        if step.strategy is None:
            yield walk(at, f"{place}, reflections")
            break
        answer_step(at, {item.id: answers[item.id] for item in step.items})
        press(at, "Next")
    press(at, "Submit")
    yield walk(at, f"{place}, result after Submit")


def upload(at: AppTest, label: str, name: str, data: bytes) -> None:
    uploader = next(u for u in at.get("file_uploader") if u.label == label)
    uploader.set_value((name, data, "application/octet-stream"))


def data_page(at: AppTest, place: str) -> Iterator[Walk]:
    """Every tab, then a wrong delete confirmation, a questionnaire upload and an import."""
    yield walk(at, place)
    at.text_input(key="data_delete_confirm").set_value("not the name")
    next(b for b in at.button if b.label.startswith("Delete ")).click().run()
    yield walk(at, f"{place}, wrong confirmation")
    upload(at, "Questionnaire file (.yaml)", f"{SHORT}.yaml", f"title: {HOSTILE}\n".encode())
    press(at, "Check and save")
    yield walk(at, f"{place}, a hostile questionnaire uploaded")
    upload(at, "File to import", f"{SHORT}.csv", f"{HOSTILE},{SHORT}\n1,2\n".encode())
    yield walk(at.run(), f"{place}, a file of hostile columns to import")


def slides(at: AppTest, place: str) -> Iterator[Walk]:
    """Each screen of Present, moving on with Next to the last (where Next is disabled)."""
    count = int(re.search(r"of (\d+)", at.caption[0].value)[1])
    for number in range(count):
        yield walk(at, f"{place}, screen {number + 1}")
        if number + 1 < count:
            press(at, "Next ▶")


def facilitator_visits(page: str, data: Hostile, monkeypatch: pytest.MonkeyPatch) -> Iterator[Walk]:
    place = f"{page} (facilitator)"
    if page == "views/assess.py":
        yield from assessment(opened(page), data.questionnaire, place)
    elif page == "views/results.py":
        yield walk(opened(page), place)
        gone = opened(page, results_respondent=OTHER_ALIAS, results_response=data.gone_response)
        yield walk(gone, f"{place}, questionnaire gone")
    elif page == "views/workshop.py":
        yield walk(opened(page, workshop_code=data.session), place)
    elif page == "views/present.py":
        yield from slides(opened(page, present_code=data.session), place)
    elif page == "views/data.py":
        yield from data_page(opened(page), place)
    elif page == "views/trends.py":  # each tab: the table of changes, or its charts
        for tab in ("Per strategy", "The two as charts", "Over time"):
            yield walk(opened(page, trends_tab=tab), f"{place}, {tab}")
    elif page == "views/signin.py":  # registered only when a passcode protects the app
        monkeypatch.setenv("ALIGNMENT_FACILITATOR_PASSCODE", "open sesame")
        at = opened(page)
        yield walk(at, f"{page} (guest)")
        at.text_input[0].set_value("wrong")
        press(at, "Sign in")
        yield walk(at, f"{page} (guest), wrong passcode")
    else:
        yield walk(opened(page), place)


def failures(walks: list[Walk]) -> str:
    """Each leak once (a label repeated on twenty questions is one mistake), where first seen."""
    first: dict[tuple[str, str, str], Leak] = {}
    for leak in (leak for one in walks for leak in one.leaks):
        first.setdefault((leak.element, leak.field, leak.text), leak)
    return "\n".join(str(leak) for leak in first.values())


@pytest.mark.parametrize("page", registered_pages())
def test_every_page_shows_hostile_text_literally(
    page: str, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
):
    walks = list(facilitator_visits(page, hostile, monkeypatch))
    if page != "views/signin.py":  # the only page without any text from people or files
        assert sum(one.seen for one in walks) > 0, "the hostile text never reached the page"
    assert not failures(walks), "\n" + failures(walks)


def test_a_participant_sees_hostile_text_literally(hostile: Hostile):
    """Through the join link: the workshop's Assess, the steps, their own result, and the
    message a closed session gives."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["session"] = hostile.session
    at.run()
    walks = list(assessment(at, hostile.questionnaire, "participant"))
    update_session(sessions_path(config.data_dir()), hostile.session, is_open=False)
    closed = AppTest.from_file(APP, default_timeout=60)
    closed.query_params["session"] = hostile.session
    walks.append(walk(closed.run(), "participant, the session closed"))
    assert all(one.seen > 0 for one in walks)
    assert not failures(walks), "\n" + failures(walks)


# ---------------------------------------------------------------------------------------------
# Charts: plotly renders <b>, <i>, <br>, <span style> and <a href> in every text it draws
# (titles, tick labels, annotations, hover), so names must reach it HTML-escaped.

RAW_HTML = ("<b>B</b>", "<img src=x")


@pytest.mark.parametrize(
    "page", ["views/results.py", "views/trends.py", "views/workshop.py", "views/present.py"]
)
def test_charts_draw_hostile_names_as_text(
    page: str, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
):
    specs = [spec for one in facilitator_visits(page, hostile, monkeypatch) for spec in one.charts]
    assert specs, "no chart on the page"
    raw = {  # "Gap per strategy: data[].y": the field, once for all its points
        f"{spec['layout'].get('title', {}).get('text', '?')}: {path}"
        for spec in specs
        for path, text in _json_strings(spec)
        if any(tag in text for tag in RAW_HTML)
    }
    assert not raw, "\n" + "\n".join(sorted(raw))


# ---------------------------------------------------------------------------------------------
# ui.plain: what Streamlit does beyond CommonMark is switched off too

BEYOND_COMMONMARK = [
    ":red[x] :blue-background[y] :orange-badge[z]",  # colour directives (escaped brackets: no)
    ":smile: :material/skull:",  # emoji and icons (an escaped colon alone: the icon stays)
    "Title\n===",  # a setext heading
    "www.e.xample https://e.xample/y HTTP://E.XAMPLE a.b+c@e.xample",  # linked after parsing
    "$x$ $$y$$",  # maths
]


@pytest.mark.parametrize("text", BEYOND_COMMONMARK)
def test_plain_switches_off_directives_icons_headings_and_bare_links(text: str):
    shown = ui.plain(text)
    assert not set(_removed_escapes(shown)) & set(":/=$[]"), shown
    literal = _unescaped(shown)
    assert not re.search(r"(?i)www\.|https?://|\w@\w", literal), literal
    assert literal.replace(WORD_JOINER, "") == text  # nothing else changes


def test_plain_leaves_text_without_links_as_the_backslashes_give_it_back():
    text = 'a@SUM(A1) =HYPERLINK("http://x","y") 5 > 3 & 2 < 4'  # no address GFM would link
    assert _unescaped(ui.plain(text)) == text


# ---------------------------------------------------------------------------------------------
# In Chromium: what the walk calls Markdown is what the frontend renders (and escaped text
# shows exactly as written); charts are left to the test above.

PAGE_STATE = """() => {
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
        chart.style.display = 'none';
    }
    const lines = document.body.innerText.replaceAll('\\u2060', '').split('\\n');
    const shown = selector => [...document.querySelectorAll(selector)]
        .filter(e => e.checkVisibility());
    const links = shown('a').map(a => a.getAttribute('href') || '')
        .filter(href => href.includes('e.xample'));
    const styled = shown('strong, b, em, i, del').map(e => e.textContent)
        .filter(text => ['b', 'B', 'x'].includes(text));
    return {lines, links, styled, maths: shown('.katex').length};
}"""


def settled(page: Page) -> dict:
    """The page's text once it stops changing: at once when it shows hostile text, else after
    three quiet seconds (a run streams its elements in; Streamlit's status widget shows late)."""
    wait_for_app(page)
    before, quiet = None, 0
    for _ in range(40):
        now = page.evaluate(PAGE_STATE)
        quiet = quiet + 1 if now == before else 0
        if (quiet and any("e.xample" in line for line in now["lines"])) or quiet >= 4:
            return now
        before = now
        page.wait_for_timeout(750)
    raise AssertionError(f"the page never settled: {now['lines']}")


def rendered_leaks(page: Page, place: str) -> tuple[bool, list[str]]:
    """Whether the page as it is now shows hostile text, and where it is not as written."""
    state = settled(page)
    problems = [f"{place}: a link to {href}" for href in state["links"]]
    problems += [f"{place}: styled text {text!r}" for text in state["styled"]]
    problems += [f"{place}: {state['maths']} formula(s)"] if state["maths"] else []
    shown = False
    for line in state["lines"]:  # every hostile text ends in SHORT, HOSTILE in its icon
        shown = shown or "a@e.xample" in line
        cut_short = "a@e.xample" in line and SHORT not in line
        if cut_short or ("onerror" in line and HOSTILE.removeprefix(SHORT) not in line):
            problems.append(f"{place}: shown as {line!r}")
    return shown, problems
