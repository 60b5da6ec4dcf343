"""Printable reports: one PDF for a response or a workshop session, printed by Chromium.

A report is a self-contained HTML document (charts inlined as SVG, so they stay sharp in print;
no scripts, fonts or images fetched from anywhere; a coach's logo is inlined as a data address)
that headless Chromium prints to PDF. Every piece of text from data, questionnaires or the
coach's branding (alignment.practice) is escaped before it goes into the document.

A session report obeys the k threshold like the screen does: below k there is no report, and at
or above k it holds only counts, group means, the quartiles (from ten answers) and the top gaps.
"""

from __future__ import annotations

import base64
import html
import math
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from alignment import charts, chartsets, images, trends
from alignment.chartsets import Chart, ChartSet, index_table
from alignment.numbers import points, signed_points, whole_points
from alignment.practice import Branding
from alignment.questionnaire import Questionnaire
from alignment.results import (
    INDICES,
    UNEVEN_FROM,
    UNEVEN_LABEL,
    Headline,
    Story,
    focus_next,
    headline,
    quadrant_wording,
    reflections_of,
    responses_of,
    story,
    with_names,
)
from alignment.scoring import Scores
from alignment.workshop import GroupView, Session, top_gaps

PRINT_TIMEOUT_SECONDS = 60
PRODUCT = "Purpose–Performance Alignment"
# Charts are drawn 1100 px wide and printed about 690 px wide: 19 px in the chart is ~9 pt.
CHART_TEXT_PX = 19
CHART_TEXT_SCALE = CHART_TEXT_PX / 13  # the charts' own annotation and label size is 13 px
RADAR_PRINT_HEIGHT = 680
BOX_ROW_PX = 36
KEY_DROP_PX = 26


@dataclass(frozen=True)
class Paper:
    label: str  # for people: "A4"
    css_size: str  # the CSS @page size keyword


PAPER_SIZES = {"a4": Paper("A4", "A4"), "letter": Paper("US Letter", "letter")}


def report_problem() -> str | None:
    """Why PDF reports cannot be made here (no Chromium), or None when they can."""
    return images.static_export_problem()


# ---------------------------------------------------------------------------------------------
# The two reports


def response_report(
    scores: Scores,
    frame: pd.DataFrame,
    response_id: str,
    questionnaire: Questionnaire,
    *,
    paper: str = "a4",
    generated_at: datetime | None = None,
    branding: Branding | None = None,
) -> bytes:
    """One response as a PDF: the story and scores, the trend, focus, reflections, then charts.

    `frame` is the long responses table (for the reflections); `scores` its scores for
    `questionnaire` (for the headline, trend and charts). Raises ChartSetError for an unknown
    response and images.ExportUnavailable when Chromium cannot print.
    """
    page = _paper(paper)
    document = response_document(
        scores,
        frame,
        response_id,
        questionnaire,
        paper=page,
        generated_at=generated_at,
        branding=branding,
    )
    return print_pdf(document)


def session_report(
    view: GroupView,
    session: Session,
    questionnaire: Questionnaire,
    *,
    paper: str = "a4",
    generated_at: datetime | None = None,
    branding: Branding | None = None,
) -> bytes:
    """The group results on show for a workshop session as a PDF; ChartSetError without any.

    `view` is `workshop.group_view` of the session: the report holds exactly the release the room
    sees, never names anyone and never shows one person's score or reflection.
    """
    page = _paper(paper)
    document = session_document(
        view, session, questionnaire, paper=page, generated_at=generated_at, branding=branding
    )
    return print_pdf(document)


def response_document(
    scores: Scores,
    frame: pd.DataFrame,
    response_id: str,
    questionnaire: Questionnaire,
    *,
    paper: Paper = PAPER_SIZES["a4"],
    generated_at: datetime | None = None,
    branding: Branding | None = None,
) -> str:
    """The HTML the response report is printed from.

    Page 1 is what a coach's client reads first: the story, the indices with their change, the
    scores per strategy and how to read them. The trend follows when there are earlier
    check-ins (those up to this one: a report is of its day), then focus, reflections, charts.
    Sections flow from page to page; only a chart, a card or a table row is kept whole.
    """
    view = chartsets.response_charts(scores, response_id, questionnaire)
    response = scores.for_response(response_id)
    row = response.overall.iloc[0]
    top = headline(scores.overall, response_id, len(questionnaire.strategies))
    strategies = with_names(response.strategies, questionnaire)
    generated_at = generated_at or datetime.now(UTC)
    numbers = [
        (f"{name.capitalize()} index", top.values[name], _change(top, name)) for name in INDICES
    ]
    counted = top.counts["alignment"]
    basis = (
        f"Based on all {top.strategy_total} strategies."
        if min(top.counts.values()) >= top.strategy_total
        else f"Based on {counted} of {top.strategy_total} strategies: the others have no answers "
        "on one or both dimensions, so their scores are missing (not zero)."
    )
    answered_version = _version(row.get("questionnaire_version"))
    version = f"version {answered_version or questionnaire.version}"
    if answered_version and answered_version != questionnaire.version:
        version += f" (scored with version {questionnaire.version})"
    check_ins = _check_ins_until(scores.overall, response_id)
    trend = (
        Chart(
            "indices-over-time",
            charts.index_trend_chart(trends.index_series(check_ins)),
            index_table(check_ins),
        )
        if len(check_ins) > 1
        else None
    )
    # The shortest chart first: it fits the space the focus cards leave, the two tall ones a page.
    shown = [view.chart("gaps"), view.chart("radar"), view.chart("quadrants")]
    drawn = _chart_blocks([*shown, *([trend] if trend else [])])
    chart_blocks, trend_chart = (drawn[:-1], drawn[-1]) if trend else (drawn, "")
    body = [
        _header(
            f"Purpose–Performance results — {row['respondent']}",
            [
                ("Response", _day(row["submitted_at"])),
                ("Questionnaire", f"{questionnaire.title}, {version}"),
                ("Generated", _stamp(generated_at)),
            ],
            branding,
        ),
        _note_block(branding),
        _story_block(story(strategies)),
        _headline_block(numbers, basis),
        _strategy_table(strategies),
        _how_to_read(questionnaire),
        _trend_block(trend_chart, check_ins, scores.strategies, questionnaire) if trend else "",
        _focus_block(strategies, questionnaire),
        _reflections_block(reflections_of(frame, response_id, questionnaire)),
        *chart_blocks,
    ]
    return _document(f"Results — {row['respondent']}", body, paper, generated_at)


def _check_ins_until(overall: pd.DataFrame, response_id: str) -> pd.DataFrame:
    """The respondent's responses up to and including `response_id`, oldest first."""
    respondent = overall.loc[overall["response_id"] == response_id, "respondent"].iloc[0]
    history = responses_of(overall, respondent)
    position = list(history["response_id"]).index(response_id)
    return history.iloc[: position + 1]


def session_document(
    view: GroupView,
    session: Session,
    questionnaire: Questionnaire,
    *,
    paper: Paper = PAPER_SIZES["a4"],
    generated_at: datetime | None = None,
    branding: Branding | None = None,
) -> str:
    """The HTML the session report is printed from; ChartSetError unless results are on show."""
    group = chartsets.session_charts(view, session, questionnaire)
    generated_at = generated_at or datetime.now(UTC)
    release = view.release
    if release is None:  # session_charts raised already; this tells the type checker
        raise chartsets.ChartSetError(f"The session {session.code} has no results on show.")
    count = len(release.members)
    summary = chartsets.group_summary(view, questionnaire)
    version = f"version {questionnaire.version}"
    means = whole_points(summary[list(INDICES)].mean())
    numbers = [(f"Group {name}", float(means[name]), "mean over strategies") for name in INDICES]
    basis = (
        f"{count} responses (release {release.number}). A group number is shown only when at "
        f"least k = {session.min_group} people answered it; this report holds only counts, group "
        "means and the spread, never anyone's own answers."
    )
    body = [
        _header(
            f"Workshop results — {session.title}",
            [
                ("Session", f"{session.code} · {_session_day(session, group)}"),
                ("Questionnaire", f"{questionnaire.title}, {version}"),
                ("Responses", f"{count} (k = {session.min_group})"),
                ("Generated", _stamp(generated_at)),
            ],
            branding,
        ),
        _note_block(branding),
        _headline_block(numbers, basis),
        *_chart_blocks(group.charts),
        _gaps_block(top_gaps(summary, questionnaire)),
    ]
    return _document(f"Workshop results — {session.title}", body, paper, generated_at)


# ---------------------------------------------------------------------------------------------
# Printing


def print_pdf(document: str) -> bytes:
    """Print an HTML document to PDF with headless Chromium in a throw-away profile."""
    browser = images.browser_path()
    if browser is None:
        raise images.ExportUnavailable(report_problem() or "No Chromium was found.")
    with tempfile.TemporaryDirectory(
        prefix="alignment-report-", ignore_cleanup_errors=True
    ) as folder:
        page = Path(folder) / "report.html"
        out = Path(folder) / "report.pdf"
        page.write_text(document, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            # Nothing in a report comes from a network; any name lookup fails at once.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its helpers share the group, so a timeout ends them all
        )
        try:
            _, errors = process.communicate(timeout=PRINT_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise images.ExportUnavailable(
                f"Chromium did not finish printing the report within {PRINT_TIMEOUT_SECONDS} "
                "seconds; please try again."
            ) from None
        data = out.read_bytes() if out.exists() else b""
    if process.returncode != 0 or not data.startswith(b"%PDF-"):
        detail = _last_error_line(errors.decode("utf-8", "replace"))
        raise images.ExportUnavailable(
            f"Chromium ({browser}) could not print the report (exit code "
            f"{process.returncode}){': ' + detail if detail else ''}."
        )
    return data


def _last_error_line(errors: str) -> str:
    # Chromium logs harmless D-Bus complaints in containers; the useful line is another one.
    lines = [line for line in errors.splitlines() if line.strip() and "dbus" not in line.lower()]
    return lines[-1].strip()[:300] if lines else ""


# ---------------------------------------------------------------------------------------------
# Charts for print


def print_figure(figure: go.Figure) -> go.Figure:
    """The chart restyled for paper: no inner title (the report heads it), ~9 pt text."""
    styled = go.Figure(figure)
    text = {"size": CHART_TEXT_PX}
    styled.update_layout(title={"text": ""}, legend={"font": text})
    styled.update_xaxes(tickfont=text, title_font=text)
    styled.update_yaxes(tickfont=text, title_font=text)
    styled.update_polars(angularaxis_tickfont=text, radialaxis_tickfont={"size": 15})
    for annotation in styled.layout.annotations:
        size = annotation.font.size or 13
        annotation.font.size = round(size * CHART_TEXT_SCALE)
    styled.update_traces(textfont_size=CHART_TEXT_PX, selector={"type": "bar"})
    for trace in styled.select_traces({"type": "scatter"}):
        trace.textfont.size = CHART_TEXT_PX
        sizes = trace.marker.size
        if isinstance(sizes, (tuple, list)):  # numbered markers grow with their number
            trace.marker.size = [size * CHART_TEXT_SCALE for size in sizes]
    shown = [trace for trace in styled.data if trace.showlegend is not False]
    legend_on_top = len(shown) > 1 and (styled.layout.legend.y or 0) >= 1
    top = 48 if legend_on_top else 20
    bottom = (styled.layout.margin.b or 24) + 8
    height = styled.layout.height or 500
    if any(trace.type == "scatterpolar" for trace in styled.data):
        # Paper is taller than a slide: a larger radar fills the page's width better.
        # Its labels wrap on up to three lines: room above and below keeps the outer ones whole,
        # and the outer ring's "100" would sit on the label at the right.
        height, top, bottom = max(height, RADAR_PRINT_HEIGHT), 72, 124
        styled.update_layout(legend={"y": -0.16})
        styled.update_polars(radialaxis_tickvals=[20, 40, 60, 80])
    if any(trace.type == "box" for trace in styled.data):
        rows = max(len(trace.y or ()) for trace in styled.data)
        height = min(height, BOX_ROW_PX * rows + 110)
    key = [a for a in styled.layout.annotations if a.yref == "paper" and (a.y or 0) < 0]
    if key:  # the quadrant key: move it clear of the larger axis title
        height, bottom = height + KEY_DROP_PX, bottom + KEY_DROP_PX
        for annotation in key:
            annotation.y -= KEY_DROP_PX / (height - top - bottom)
    styled.update_layout(height=height, margin={"t": top, "b": bottom})
    return styled


def inline_svg(svg: str, key: str = "chart") -> str:
    """A drawn SVG made to scale to the page width inline, with ids of its own."""
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    # Width and height would pin the chart to 1100 px; the viewBox keeps its proportions.
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise images.ExportUnavailable("The chart could not be drawn as SVG.")
    tag = opening.group(0)
    width = re.search(r'\swidth="([\d.]+)"', tag)
    height = re.search(r'\sheight="([\d.]+)"', tag)
    if "viewBox" not in tag and width and height:
        tag = tag.replace("<svg", f'<svg viewBox="0 0 {width.group(1)} {height.group(1)}"', 1)
    tag = re.sub(r'\s(width|height)="[^"]*"', "", tag)
    tag = tag.replace("<svg", '<svg preserveAspectRatio="xMidYMid meet"', 1)
    svg = tag + svg[opening.end() :]
    return _unique_ids(svg, f"{key}-")


def _unique_ids(svg: str, prefix: str) -> str:
    """Plotly names clip paths with a random id per chart; a prefix per chart rules out clashes."""
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = re.compile(
        r'(\sid="|url\(#|url\(&quot;#|url\("#|href="#)(' + "|".join(map(re.escape, ids)) + r")"
    )
    return pattern.sub(lambda m: m.group(1) + prefix + m.group(2), svg)


# ---------------------------------------------------------------------------------------------
# HTML pieces (every text from data goes through `_e`)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _paper(name: str) -> Paper:
    try:
        return PAPER_SIZES[name]
    except KeyError:
        raise ValueError(
            f"unknown paper size '{name}'; choose one of: {', '.join(PAPER_SIZES)}"
        ) from None


def _day(value: object) -> str:
    return f"{pd.Timestamp(value):%d %B %Y}"  # type: ignore[arg-type]


def _change(top: Headline, name: str) -> str:
    if top.previous_at is None:
        return "first check-in"
    change = top.changes[name]
    return (
        "no earlier score"
        if change is None
        else f"{signed_points(change)} since {_day(top.previous_at)}"
    )


def _stamp(generated_at: datetime | None) -> str:
    moment = pd.Timestamp(generated_at or datetime.now(UTC))
    if moment.tzinfo is None:
        return f"{moment:%d %B %Y, %H:%M}"
    return f"{moment.tz_convert('UTC'):%d %B %Y, %H:%M} UTC"


def _version(value: object) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _session_day(session: Session, view: ChartSet) -> str:
    if session.created_at:
        try:
            return _day(session.created_at)
        except ValueError:
            pass
    return _day(view.day)


def _header(title: str, facts: list[tuple[str, str]], branding: Branding | None) -> str:
    rows = "".join(f"<div><dt>{_e(label)}</dt><dd>{_e(value)}</dd></div>" for label, value in facts)
    prepared_by = branding.prepared_by if branding else ""
    prepared = f'<p class="prepared">{_e(prepared_by)}</p>' if prepared_by else ""
    logo = (
        f'<img class="logo" alt="Logo" src="data:image/png;base64,'
        f'{base64.b64encode(branding.logo_png).decode("ascii")}">'
        if branding and branding.logo_png
        else ""
    )
    return (
        f'<header><div class="heading"><p class="product">{_e(PRODUCT)}</p><h1>{_e(title)}</h1>'
        f"{prepared}</div>{logo}"
        f'<dl class="facts">{rows}</dl></header>'
    )


def _note_block(branding: Branding | None) -> str:
    """The coach's own words, kept as typed (line breaks too), under their name."""
    if not branding or not branding.note:
        return ""
    signed = branding.coach_name or branding.practice_name
    heading = f"A note from {signed}" if signed else "A note from your coach"
    return f'<section class="note-from"><h2>{_e(heading)}</h2><p>{_e(branding.note)}</p></section>'


def _story_block(told: Story | None) -> str:
    if told is None:
        return ""
    return (
        f'<section class="story"><p class="sentence">{_e(told.sentence)}</p>'
        f'<p class="fact">{_e(told.fact)}</p></section>'
    )


def _headline_block(numbers: list[tuple[str, float, str]], basis: str) -> str:
    cards = "".join(
        f'<div class="number"><div class="label">{_e(label)}</div>'
        f'<div class="value">{"—" if _missing(value) else points(value)}</div>'
        f'<div class="change">{_e(change)}</div></div>'
        for label, value, change in numbers
    )
    return (
        f'<section class="headline"><div class="numbers">{cards}</div>'
        f'<p class="basis">{_e(basis)}</p></section>'
    )


def _table(css_class: str, heading: str, columns: list[str], rows: list[list[str]]) -> str:
    """A table of text cells (escaped here), numbers right-aligned after the first column.

    Its header repeats on each page it spans, and no row is split between two pages.
    """
    head = "".join(f"<th>{_e(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in cells) + "</tr>" for cells in rows
    )
    return (
        f'<section class="{css_class}"><h2>{_e(heading)}</h2><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _strategy_table(strategies: pd.DataFrame) -> str:
    rows = [
        [
            row["strategy_name"],
            points(row["purpose"]),
            points(row["performance"]),
            _difference(row["purpose"], row["performance"]),
            quadrant_wording(None if pd.isna(row["quadrant"]) else row["quadrant"], row["gap"])[0],
        ]
        for _, row in strategies.iterrows()
    ]
    return _table(
        "scores",
        "Your scores per strategy",
        ["Strategy", "Purpose", "Performance", "Gap", "Where it sits"],
        rows,
    )


def _how_to_read(questionnaire: Questionnaire) -> str:
    threshold = points(questionnaire.threshold)
    lines = [
        "<strong>Purpose</strong> is how much a strategy matters to you; "
        "<strong>performance</strong> is how much you live it, day to day. Both run from 0 to "
        "100.",
        "<strong>Gap</strong> is performance minus purpose: below zero, you value a strategy "
        "more than you live it. <strong>Alignment</strong> is 100 minus the size of the gap.",
        f"The quadrants split at {threshold} on both: <strong>Aligned</strong> (high on both), "
        "<strong>Intent gap</strong> (valued, not yet lived), <strong>Doing without "
        "conviction</strong> (lived, not valued), <strong>Drifting</strong> (neither). High on "
        f"both but {UNEVEN_FROM} points or more apart reads <strong>{_e(UNEVEN_LABEL)}</strong>.",
        "Scores are whole points: two five-point questions per side move a strategy in steps "
        "of 12.5, so a decimal would claim a precision the questionnaire does not have.",
    ]
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f'<section class="how"><h2>How to read this</h2><ul>{items}</ul></section>'


def _trend_block(
    chart: str, check_ins: pd.DataFrame, strategies: pd.DataFrame, questionnaire: Questionnaire
) -> str:
    """The indices over time, each check-in's numbers, and each strategy from first to latest."""
    dated = [
        [_day(row["submitted_at"]), *(points(row[name]) for name in INDICES)]
        for _, row in check_ins.iterrows()
    ]
    first, latest = check_ins["response_id"].iloc[0], check_ins["response_id"].iloc[-1]
    change = trends.compare(strategies, first, latest, questionnaire)
    moved = [
        [
            row["strategy_name"],
            *(_moved(row[f"{name}_before"], row[f"{name}_after"]) for name in INDICES),
        ]
        for _, row in change.iterrows()
    ]
    span = (
        f"{_day(check_ins['submitted_at'].iloc[0])} to {_day(check_ins['submitted_at'].iloc[-1])}"
    )
    return (
        f'<div class="trend"><div class="keep"><h2>Over time: {len(check_ins)} check-ins, '
        f"{_e(span)}</h2>{chart}</div>"
        + _table("check-ins", "Check-ins", ["Date", *(n.capitalize() for n in INDICES)], dated)
        + _table(
            "moved",
            "Per strategy, first check-in to this one",
            ["Strategy", *(n.capitalize() for n in INDICES)],
            moved,
        )
        + "</div>"
    )


def _moved(before: float, after: float) -> str:
    """ "63 → 75 (+12)": both whole points and the change between them."""
    moved = f"{points(before)} → {points(after)}"
    return (
        moved if _missing(before) or _missing(after) else f"{moved} ({_difference(before, after)})"
    )


def _difference(before: float, after: float) -> str:
    """`after - before` as the difference of the two whole points shown beside it, so a row adds
    up as read (37.5 and 75 show as 38 and 75: a gap of 37, not of 38)."""
    if _missing(before) or _missing(after):
        return "—"
    return signed_points(float(points(after)) - float(points(before)))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _chart_blocks(shown: Iterable[Chart]) -> list[str]:
    """Each chart under its heading; all drawn in one batch (faster than one by one)."""
    shown = list(shown)
    drawn = images.charts_bytes([(print_figure(chart.figure), "svg") for chart in shown])
    return [
        f'<section class="chart"><h2>{_e(_plain(chart.figure.layout.title.text or ""))}</h2>'
        f'<div class="figure">{inline_svg(svg.decode("utf-8"), chart.name)}</div></section>'
        for chart, svg in zip(shown, drawn, strict=True)
    ]


def _plain(text: str) -> str:
    """A plotly title as plain text (plotly marks up with a few tags such as <b>)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _actions(actions: Iterable[str]) -> str:
    items = "".join(f"<li>{_e(action)}</li>" for action in actions)
    return f'<ul class="actions">{items}</ul>' if items else ""


def _section(css_class: str, heading: str, entries: list[str], intro: str = "") -> str:
    """A titled list of cards; the title stays on the page of the first card."""
    first, rest = (entries[0], entries[1:]) if entries else ("", [])
    lead = f"<h2>{_e(heading)}</h2>{intro}{first}"
    return f'<section class="{css_class}"><div class="keep">{lead}</div>{"".join(rest)}</section>'


def _focus_block(strategies: pd.DataFrame, questionnaire: Questionnaire) -> str:
    focus = focus_next(strategies, questionnaire)
    cards = [
        f'<article class="card"><h3>{_e(item.strategy.name)}</h3>'
        f'<p class="quadrant">{_e(item.label)}: {_e(item.meaning)}</p>'
        f"<p>{_e(item.reason)}</p>{_actions(item.strategy.actions)}</article>"
        for item in focus
    ] or ['<p class="note">No strategy has both a purpose and a performance score yet.</p>']
    return _section("focus", "Focus next", cards)


def _reflections_block(written: list[tuple[str, str]]) -> str:
    if not written:
        return ""
    entries = [
        f'<div class="reflection"><h3>{_e(prompt)}</h3><p class="written">{_e(text)}</p></div>'
        for prompt, text in written
    ]
    return _section("reflections", "Your reflections", entries)


def _gaps_block(gaps: pd.DataFrame) -> str:
    shown = gaps[gaps["gap"] < 0]
    cards = [
        f'<article class="card"><h3>{_e(row["strategy_name"])}</h3>'
        f"<p>Valued at <strong>{row['purpose']:.0f}</strong>, lived at "
        f"<strong>{row['performance']:.0f}</strong> on average: a gap of "
        f"{abs(row['gap']):.0f} points ({int(row['answered'])} answered).</p>"
        f"{_actions(row['actions'])}</article>"
        for _, row in shown.iterrows()
    ] or [
        '<p class="note">No strategy has a group intent gap: on average, what people do keeps '
        "up with what they value.</p>"
    ]
    intro = (
        '<p class="note">Where the group, on average, values a strategy more than it acts on '
        "it, with next steps to discuss.</p>"
    )
    return _section("focus", "Top gaps", cards, intro)


def _document(title: str, body: list[str], paper: Paper, generated_at: datetime | None) -> str:
    footer = f"{PRODUCT} · generated {_stamp(generated_at)}"
    # The footer goes into a CSS string: it holds only our own words and a date, never data.
    css = _STYLE.replace("@@SIZE@@", paper.css_size).replace("@@FOOTER@@", footer)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        # Nothing may be fetched or run: the report is complete as it stands.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(title)}</title><style>{css}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


_STYLE = """
@page {
  size: @@SIZE@@;
  margin: 16mm 14mm 18mm;
  @bottom-left { content: "@@FOOTER@@"; font: 7.5pt Helvetica, Arial, sans-serif; color: #6b7280; }
  @bottom-right {
    content: "Page " counter(page) " of " counter(pages);
    font: 7.5pt Helvetica, Arial, sans-serif; color: #6b7280;
  }
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; color: #1b1f24; font-size: 10.5pt; line-height: 1.4;
  font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "Segoe UI", Roboto,
    system-ui, sans-serif;
}
h1, h2, h3 { line-height: 1.2; break-after: avoid; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 0 0 2.5mm; }
h3 { font-size: 11pt; margin: 0 0 1.5mm; }
p { margin: 0 0 2mm; }
header {
  display: flex; flex-wrap: wrap; align-items: flex-start; justify-content: space-between;
  gap: 2mm 6mm; border-bottom: 2px solid #0072B2; padding-bottom: 3mm; margin-bottom: 4mm;
}
header .heading { flex: 1 1 60%; min-width: 0; }
header .facts { flex: 1 1 100%; }
.logo { display: block; max-width: 55mm; max-height: 20mm; object-fit: contain; }
.prepared { margin: 0 0 1mm; font-size: 10pt; color: #374151; overflow-wrap: anywhere; }
.note-from { margin-bottom: 4mm; }
.note-from h2 { font-size: 10.5pt; color: #374151; margin-bottom: 1mm; }
.note-from p {
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: 9.5pt; margin: 0;
  border-left: 2px solid #0072B2; padding-left: 3mm;
}
.story { margin-bottom: 4mm; break-inside: avoid; }
.story .sentence { font-size: 14pt; font-weight: 700; line-height: 1.25; margin-bottom: 1mm; }
.story .fact { font-size: 11pt; margin: 0; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { text-align: left; font-weight: 600; color: #4b5563; border-bottom: 1.5px solid #9ca3af; }
th, td { padding: 0.6mm 2mm; vertical-align: top; }
td { border-bottom: 1px solid #e5e7eb; overflow-wrap: anywhere; }
th:not(:first-child), td:not(:first-child) {
  text-align: right; font-variant-numeric: tabular-nums;
}
.scores th:last-child, .scores td:last-child { text-align: left; }
.scores, .check-ins, .moved { margin-bottom: 4mm; }
.how {
  break-inside: avoid; background: #f3f6f9; border-radius: 2mm; padding: 3mm 4mm;
  margin-bottom: 5mm; font-size: 9pt;
}
.how h2 { font-size: 10.5pt; }
.how ul { margin: 0; padding-left: 4.5mm; }
.how li { margin-bottom: 0.8mm; }
.product {
  margin: 0 0 1mm; color: #0072B2; font-size: 8.5pt; font-weight: 600;
  letter-spacing: 0.06em; text-transform: uppercase;
}
.facts { display: flex; flex-wrap: wrap; gap: 1mm 8mm; margin: 0; font-size: 9.5pt; }
.facts div { display: flex; gap: 2mm; }
.facts dt { color: #6b7280; }
.facts dd { margin: 0; font-weight: 600; }
.headline { break-inside: avoid; margin-bottom: 4mm; }
.numbers { display: flex; gap: 4mm; margin-bottom: 2mm; }
.number {
  flex: 1; border: 1px solid #d0d5dd; border-radius: 2mm; padding: 2mm 4mm;
}
.number .label { font-size: 9pt; color: #4b5563; }
.number .value { font-size: 24pt; font-weight: 700; line-height: 1.1; }
.number .change { font-size: 9pt; color: #4b5563; }
.number:nth-child(1) { border-top: 3px solid #0072B2; }
.number:nth-child(2) { border-top: 3px solid #E69F00; }
.number:nth-child(3) { border-top: 3px solid #009E73; }
.basis, .note { font-size: 9pt; color: #4b5563; }
.chart { break-inside: avoid; margin: 0 0 6mm; }
/* Two charts fit a page (A4 or Letter), so no chart leaves most of one empty. */
.figure svg { display: block; width: 100%; height: auto; max-height: 104mm; }
.focus { margin-bottom: 6mm; }
.keep { break-inside: avoid; }
.card {
  break-inside: avoid; border: 1px solid #d0d5dd; border-left: 3px solid #D55E00;
  border-radius: 2mm; padding: 3mm 4mm; margin: 0 0 3mm;
}
.card .quadrant { font-size: 9pt; color: #4b5563; }
.actions { margin: 1mm 0 0; padding-left: 5mm; }
.actions li { margin-bottom: 1mm; }
.reflection { break-inside: avoid; margin: 0 0 3mm; }
.reflection h3 { font-size: 10pt; color: #4b5563; font-weight: 600; }
.written {
  white-space: pre-wrap; overflow-wrap: anywhere; border-left: 2px solid #d0d5dd;
  padding-left: 3mm;
}
h1, h3, .card p, .facts dd { overflow-wrap: anywhere; }
"""
