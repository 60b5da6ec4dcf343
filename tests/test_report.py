"""Printable PDF reports: real PDFs on A4 and Letter, escaped text, and k-anonymous sessions."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from alignment import images, report
from alignment.chartsets import ChartSetError
from alignment.config import SAMPLE_DIR, SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from alignment.results import focus_next, headline, reflections_of, with_names
from alignment.scoring import score_responses
from alignment.store import load_responses
from alignment.workshop import group_view, load_workshops, one_off_view, top_gaps

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
    assert 2 <= page_count(alex_a4) <= 4
    assert page_size(alex_a4) == pytest.approx(A4, abs=2)


def test_response_report_on_letter_paper(chromium):
    data = report.response_report(SCORES, SAMPLE, ALEX_LATEST, QUESTIONNAIRE, paper="letter")
    assert data.startswith(b"%PDF-")
    assert page_size(data) == pytest.approx(LETTER, abs=2)
    assert 2 <= page_count(data) <= 4


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
    assert f"{top.changes['alignment']:+.1f} since {top.previous_at:%d %B %Y}" in text
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
    # Three charts, each scaling to the page width and with ids no other chart uses.
    assert document.count("<svg") == 3
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
