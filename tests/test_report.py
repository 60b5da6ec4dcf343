"""Printable PDF reports: real PDFs on A4 and Letter, escaped text, and k-anonymous sessions."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from alignment import images, report, trends
from alignment.chartsets import ChartSetError
from alignment.config import SAMPLE_DIR, SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.numbers import points, signed_points
from alignment.practice import Branding, fitted_logo
from alignment.questionnaire import load_questionnaire
from alignment.results import focus_next, headline, reflections_of, responses_of, story, with_names
from alignment.scoring import score_responses
from alignment.store import load_responses
from alignment.workshop import group_view, load_workshops, one_off_view, top_gaps
from tests.test_practice import opened, picture

QUESTIONNAIRE = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
SAMPLE = load_responses(SAMPLE_RESPONSES).frame
SCORES = score_responses(SAMPLE, QUESTIONNAIRE)
ALEX_LATEST = SCORES.overall[SCORES.overall["respondent"] == "Alex Rivera"]["response_id"].iloc[-1]
GENERATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
A4 = (595.0, 842.0)
LETTER = (612.0, 792.0)
HOSTILE = "<script>alert(1)</script> & Co"


@pytest.fixture
def chromium(chart_renderer: None) -> None:
    """The tests that print (the document tests need no browser)."""


@pytest.fixture(scope="module")
def alex_a4(chart_renderer: None) -> bytes:
    return report.response_report(
        SCORES, SAMPLE, ALEX_LATEST, QUESTIONNAIRE, generated_at=GENERATED
    )


def pdf_text(data: bytes) -> str:
    """All pages' text with runs of white space made single spaces (lines wrap in print)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def page_size(data: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return float(box.width), float(box.height)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def session_of(code: str, k: int):
    """A sample session with k as given, its results released from every response in it."""
    session = load_workshops(SAMPLE_DIR / "sessions.json").find(code)
    assert session is not None, f"the sample has no session {code}"
    rows = SAMPLE[SAMPLE["session"] == code]
    unreleased = replace(session, min_group=k, releases=())
    release = one_off_view(score_responses(rows, QUESTIONNAIRE).strategies, unreleased).release
    releases = (release,) if release is not None else ()
    return replace(unreleased, releases=releases), rows


# ---------------------------------------------------------------------------------------------
# A response


def test_response_report_is_an_a4_pdf_of_a_few_pages(alex_a4):
    assert alex_a4.startswith(b"%PDF-")
    assert 3 <= page_count(alex_a4) <= 6  # six check-ins: a trend too
    assert page_size(alex_a4) == pytest.approx(A4, abs=2)


def test_response_report_on_letter_paper(chromium):
    data = report.response_report(SCORES, SAMPLE, ALEX_LATEST, QUESTIONNAIRE, paper="letter")
    assert data.startswith(b"%PDF-")
    assert page_size(data) == pytest.approx(LETTER, abs=2)
    assert 3 <= page_count(data) <= 6


def test_response_report_says_whose_when_and_which_questionnaire(alex_a4):
    text = pdf_text(alex_a4)
    assert "Alex Rivera" in text
    assert QUESTIONNAIRE.title in text
    assert f"version {QUESTIONNAIRE.version}" in text
    submitted = SCORES.overall.set_index("response_id").loc[ALEX_LATEST, "submitted_at"]
    assert f"{submitted:%d %B %Y}" in text
    assert "01 December 2026" in text  # generated at


def test_response_report_holds_headline_focus_and_reflections(alex_a4):
    text = pdf_text(alex_a4)
    for name in ("Purpose index", "Performance index", "Alignment index"):
        assert name in text
    top = headline(SCORES.overall, ALEX_LATEST, len(QUESTIONNAIRE.strategies))
    assert top.previous_at is not None, "the sample's latest response has an earlier one"
    assert f"{signed_points(top.changes['alignment'])} since {top.previous_at:%d %B %Y}" in text
    strategies = with_names(SCORES.for_response(ALEX_LATEST).strategies, QUESTIONNAIRE)
    focus = focus_next(strategies, QUESTIONNAIRE)
    assert focus, "the sample response has something to focus on"
    assert "Focus next" in text
    for item in focus:
        assert item.strategy.name in text
    assert " ".join(focus[0].strategy.actions[0].split()) in text
    written = reflections_of(SAMPLE, ALEX_LATEST, QUESTIONNAIRE)
    assert written, "the sample response has a reflection"
    for prompt, answer in written:
        assert " ".join(prompt.split()) in text
        assert " ".join(answer.split()) in text


def test_markup_in_an_alias_or_reflection_is_printed_as_text(chromium):
    frame = SAMPLE.copy()
    mine = frame["respondent"] == "Alex Rivera"
    frame.loc[mine, "respondent"] = HOSTILE
    reflection = (frame["response_id"] == ALEX_LATEST) & (frame["text"] != "")
    frame.loc[reflection, "text"] = "Tom & Jerry <b>bold</b> <script>alert(1)</script>"
    scores = score_responses(frame, QUESTIONNAIRE)

    document = report.response_document(scores, frame, ALEX_LATEST, QUESTIONNAIRE)
    assert "<script" not in document.lower()
    assert "<b>bold" not in document
    text = pdf_text(report.response_report(scores, frame, ALEX_LATEST, QUESTIONNAIRE))
    # Print may wrap the long title anywhere, so compare without the white space.
    assert squeezed(HOSTILE) in squeezed(text)
    assert "Tom & Jerry <b>bold</b> <script>alert(1)</script>" in text


def test_report_document_is_self_contained(chromium):
    document = report.response_document(SCORES, SAMPLE, ALEX_LATEST, QUESTIONNAIRE)
    lowered = document.lower()
    for fetches in ("<script", "<link", "<img", "<iframe", "@import", "url(http", "src="):
        assert fetches not in lowered
    # The only addresses are XML namespace names, which nothing fetches.
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", document))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "default-src 'none'" in document
    # Four charts (three and the trend), each scaling to the page width, with ids of their own.
    assert document.count("<svg") == 4
    assert not re.search(r"<svg[^>]*\swidth=", document)
    ids = re.findall(r'\sid="([^"]+)"', document)
    assert len(ids) == len(set(ids))


def test_unknown_paper_size_is_refused():
    with pytest.raises(ValueError, match="a4, letter"):
        report.response_report(SCORES, SAMPLE, ALEX_LATEST, QUESTIONNAIRE, paper="a5")


# ---------------------------------------------------------------------------------------------
# A workshop session


def test_session_report_shows_the_group_and_no_one_in_it(chromium):
    session, rows = session_of("START7", k=3)
    strategies = score_responses(rows, QUESTIONNAIRE).strategies
    count = rows["response_id"].nunique()
    assert count >= 3

    view = group_view(strategies, session)
    data = report.session_report(view, session, QUESTIONNAIRE, generated_at=GENERATED)
    assert data.startswith(b"%PDF-")
    assert 2 <= page_count(data) <= 4
    assert page_size(data) == pytest.approx(A4, abs=2)
    text = pdf_text(data)
    assert session.title in text
    assert f"{count} (k = 3)" in text
    assert QUESTIONNAIRE.title in text and f"version {QUESTIONNAIRE.version}" in text
    assert "Top gaps" in text
    gaps = top_gaps(view.summary, QUESTIONNAIRE)
    assert gaps["gap"].iloc[0] < 0, "the sample session has an intent gap"
    largest = QUESTIONNAIRE.strategy_by_id[gaps["strategy"].iloc[0]]
    assert largest.name in text and " ".join(largest.actions[0].split()) in text

    document = report.session_document(view, session, QUESTIONNAIRE)
    for alias in rows["respondent"].unique():
        assert alias not in text and alias not in document, f"{alias} is named"
    for response_id in rows["response_id"].unique():
        assert response_id not in text and response_id not in document
    for written in rows.loc[rows["text"] != "", "text"].unique():
        assert " ".join(written.split()) not in text and written not in document


def test_session_report_on_letter_paper(chromium):
    session, rows = session_of("RECAP8", k=3)
    strategies = score_responses(rows, QUESTIONNAIRE).strategies
    data = report.session_report(
        group_view(strategies, session), session, QUESTIONNAIRE, paper="letter"
    )
    assert page_size(data) == pytest.approx(LETTER, abs=2)
    assert 2 <= page_count(data) <= 4
    assert session.title in pdf_text(data)


def test_no_session_report_below_k(tmp_path, monkeypatch):
    session, rows = session_of("START7", k=3)
    strategies = score_responses(rows, QUESTIONNAIRE).strategies
    count = strategies["response_id"].nunique()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))

    def no_browser(*args, **kwargs):
        raise AssertionError("Chromium must not be started below k")

    monkeypatch.setattr(report.subprocess, "Popen", no_browser)
    too_few = replace(session, min_group=count + 1, releases=())
    with pytest.raises(ChartSetError, match="k"):
        report.session_report(one_off_view(strategies, too_few), too_few, QUESTIONNAIRE)
    assert list(scratch.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Without a working Chromium


def test_missing_chromium_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    problem = report.report_problem()
    assert problem is not None and "PDF reports" in problem
    with pytest.raises(images.ExportUnavailable, match="Chromium"):
        report.print_pdf("<!DOCTYPE html><p>hello</p>")


def test_failing_chromium_is_explained(tmp_path, monkeypatch):
    broken = tmp_path / "broken-chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(broken))
    with pytest.raises(images.ExportUnavailable, match=r"exit code 3.*cannot open display"):
        report.print_pdf("<!DOCTYPE html><p>hello</p>")


# ---------------------------------------------------------------------------------------------
# A coach's report: page 1, the trend, branding, and pages that are never half empty

COACH = Branding(
    coach_name="Dana Cole",
    practice_name="North Star Coaching",
    note="Thank you for a thoughtful session.\nLet us start with your widest gap next time.",
    logo_png=fitted_logo(picture(1200, 300)),
)
JORDAN = list(responses_of(SCORES.overall, "Jordan Lee")["response_id"])
ONE_CHECK_IN, THREE_CHECK_INS = JORDAN[0], JORDAN[2]
BLANK_AT_MOST = 0.40
MARGINS_MM = (16, 18)  # the report's top and bottom page margins (the footer sits in the latter)


@pytest.fixture(scope="module")
def printed(chart_renderer: None):
    """Jordan Lee's report at their first or third check-in, as asked, printed once each."""
    made: dict[tuple[str, str, bool], bytes] = {}

    def pdf(response_id: str, paper: str = "a4", *, branded: bool = False) -> bytes:
        key = (response_id, paper, branded)
        if key not in made:
            made[key] = report.response_report(
                SCORES,
                SAMPLE,
                response_id,
                QUESTIONNAIRE,
                paper=paper,
                generated_at=GENERATED,
                branding=COACH if branded else None,
            )
        return made[key]

    return pdf


def page_texts(data: bytes) -> list[str]:
    return [
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    ]


def test_page_one_tells_the_story_with_the_scores_per_strategy_in_whole_points(printed):
    first = page_texts(printed(THREE_CHECK_INS))[0]
    strategies = with_names(SCORES.for_response(THREE_CHECK_INS).strategies, QUESTIONNAIRE)
    told = story(strategies)
    assert told.sentence in first and told.fact in first
    for name in ("Purpose index", "Performance index", "Alignment index"):
        assert name in first
    previous = SCORES.overall.set_index("response_id").loc[JORDAN[1], "submitted_at"]
    assert f"since {previous:%d %B %Y}" in first
    for _, row in strategies.iterrows():
        valued, lived = points(row["purpose"]), points(row["performance"])
        gap = signed_points(float(lived) - float(valued))
        assert f"{row['strategy_name']} {valued} {lived} {gap}" in first, row["strategy_name"]
    assert not re.search(r"\b\d+\.\d\b", first.replace("12.5", "")), "a decimal score is shown"
    assert "How to read this" in first
    assert "how much a strategy matters to you" in first and "how much you live it" in first
    assert f"split at {points(QUESTIONNAIRE.threshold)}" in first and "Intent gap" in first


def test_three_check_ins_get_a_trend_with_every_date_and_each_strategy_first_to_latest(printed):
    data = printed(THREE_CHECK_INS)
    text = pdf_text(data)
    check_ins = responses_of(SCORES.overall, "Jordan Lee")
    assert "Over time: 3 check-ins" in text and "Check-ins" in text
    for _, row in check_ins.iterrows():
        day = f"{row['submitted_at']:%d %B %Y}"
        numbers = " ".join(points(row[name]) for name in ("purpose", "performance", "alignment"))
        assert f"{day} {numbers}" in text, day
    change = trends.compare(SCORES.strategies, JORDAN[0], JORDAN[2], QUESTIONNAIRE)
    for _, row in change.iterrows():
        before, after = points(row["purpose_before"]), points(row["purpose_after"])
        moved = signed_points(float(after) - float(before))
        assert f"{row['strategy_name']} {before} → {after} ({moved})" in text, row["strategy_name"]
    document = report.response_document(SCORES, SAMPLE, THREE_CHECK_INS, QUESTIONNAIRE)
    assert document.count("<svg") == 4  # the three charts and the indices over time
    assert 3 <= page_count(data) <= 5


def test_one_check_in_has_no_trend(printed):
    data = printed(ONE_CHECK_IN)
    text = pdf_text(data)
    assert "first check-in" in text
    assert "Over time" not in text and "Check-ins" not in text
    assert "Purpose, performance and alignment over time" not in text
    assert 2 <= page_count(data) < page_count(printed(THREE_CHECK_INS))
    document = report.response_document(SCORES, SAMPLE, ONE_CHECK_IN, QUESTIONNAIRE)
    assert document.count("<svg") == 3


def test_focus_and_reflections_come_before_the_charts(alex_a4):
    text = pdf_text(alex_a4)
    order = ["Your scores per strategy", "Over time", "Focus next", "Your reflections"]
    order += ["Gap per strategy", "Purpose and performance per strategy"]
    places = [text.index(heading) for heading in order]
    assert places == sorted(places)


def test_branding_is_on_page_one_with_the_logo_embedded(printed):
    data = printed(THREE_CHECK_INS, branded=True)
    reader = PdfReader(io.BytesIO(data))
    first = page_texts(data)[0]
    assert "Prepared by Dana Cole, North Star Coaching" in first
    assert "A note from Dana Cole" in first
    assert (
        "Thank you for a thoughtful session. Let us start with your widest gap next time." in first
    )
    logos = reader.pages[0].images
    assert len(logos) == 1
    assert opened(logos[0].data).size == opened(COACH.logo_png).size
    assert [len(page.images) for page in reader.pages[1:]] == [0] * (len(reader.pages) - 1)
    unbranded = PdfReader(io.BytesIO(printed(THREE_CHECK_INS)))
    assert "Prepared by" not in pdf_text(printed(THREE_CHECK_INS))
    assert not unbranded.pages[0].images


def test_the_logo_is_inlined_and_nothing_else_may_load(chromium):
    document = report.response_document(
        SCORES, SAMPLE, THREE_CHECK_INS, QUESTIONNAIRE, branding=COACH
    )
    sources = re.findall(r'src="([^"]*)"', document)
    assert len(sources) == 1 and sources[0].startswith("data:image/png;base64,")
    assert "img-src data:" in document and "default-src 'none'" in document


HOSTILE_BRANDING = Branding(
    coach_name="<script>alert(1)</script>",
    practice_name="=cmd|' /C calc'!A0",
    note="[click](javascript:alert(1)) **bold** <b>x</b> &amp;",
)


def test_hostile_branding_is_printed_literally(chromium):
    document = report.response_document(
        SCORES, SAMPLE, THREE_CHECK_INS, QUESTIONNAIRE, branding=HOSTILE_BRANDING
    )
    assert "<script" not in document.lower() and "<b>x" not in document
    data = report.response_report(
        SCORES, SAMPLE, THREE_CHECK_INS, QUESTIONNAIRE, branding=HOSTILE_BRANDING
    )
    first = squeezed(page_texts(data)[0])
    assert squeezed("Prepared by <script>alert(1)</script>, =cmd|' /C calc'!A0") in first
    assert squeezed(HOSTILE_BRANDING.note) in first


def test_the_group_report_carries_the_branding_too(chromium):
    session, rows = session_of("START7", k=3)
    view = group_view(score_responses(rows, QUESTIONNAIRE).strategies, session)
    data = report.session_report(view, session, QUESTIONNAIRE, branding=COACH)
    first = page_texts(data)[0]
    assert "Prepared by Dana Cole, North Star Coaching" in first and "A note from" in first
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 1


def blank_fraction(page: Image.Image, paper_height_mm: float) -> float:
    """The tallest band of empty rows between the page margins, as a share of that height.

    An empty tail (a section that moved to the next page) and a hole mid-page count alike;
    the gaps between lines of text are a few pixels at 40 dpi.
    """
    grey = page.convert("L")
    width, height = grey.size
    per_mm = height / paper_height_mm
    top, bottom = round(MARGINS_MM[0] * per_mm), height - round(MARGINS_MM[1] * per_mm)
    ink_rows = [grey.crop((0, y, width, y + 1)).getextrema()[0] < 245 for y in range(top, bottom)]
    longest = run = 0
    for inked in ink_rows:
        run = 0 if inked else run + 1
        longest = max(longest, run)
    return longest / (bottom - top)


def rendered_pages(data: bytes, folder: Path) -> list[Image.Image]:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (Debian's poppler-utils) is needed to look at the pages")
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed")
    (folder / "report.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(folder / "report.pdf"), str(folder / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [Image.open(path) for path in pages]


@pytest.mark.parametrize("branded", [False, True], ids=["plain", "branded"])
@pytest.mark.parametrize("response_id", [ONE_CHECK_IN, THREE_CHECK_INS], ids=["1-check-in", "3"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_no_page_but_the_last_is_more_than_40_percent_empty(
    printed, tmp_path, paper, response_id, branded
):
    data = printed(response_id, paper, branded=branded)
    height_mm = {"a4": 297.0, "letter": 279.4}[paper]
    pages = rendered_pages(data, tmp_path)
    assert len(pages) == page_count(data)
    empty = [round(blank_fraction(page, height_mm), 2) for page in pages]
    assert max(empty[:-1]) <= BLANK_AT_MOST, f"blank share per page: {empty}"
    assert empty[-1] < 0.9, "the last page holds something"
