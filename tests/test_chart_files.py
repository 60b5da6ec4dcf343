"""Chart downloads: the bytes are real PNG, SVG, PDF, HTML and ZIP files of the right charts."""

from __future__ import annotations

import dataclasses
import io
import struct
import threading
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
from pypdf import PdfReader

from alignment import chartsets, images
from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses
from alignment.store import load_responses
from alignment.workshop import Session, one_off_view

QUESTIONNAIRE = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
SAMPLE = load_responses(SAMPLE_RESPONSES).frame
SCORES = score_responses(SAMPLE, QUESTIONNAIRE)
ALEX = SCORES.overall[SCORES.overall["respondent"] == "Alex Rivera"]


@pytest.fixture
def chromium(chart_renderer: None) -> None:
    """The tests that draw images (HTML needs no browser)."""


CHARTS_OF_ALEX = chartsets.response_charts(SCORES, ALEX["response_id"].iloc[-1], QUESTIONNAIRE)


@pytest.fixture(scope="module")
def results() -> chartsets.ChartSet:
    return CHARTS_OF_ALEX


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def svg_text(data: bytes) -> str:
    root = ET.fromstring(data)  # noqa: S314 - our own kaleido output
    assert root.tag.endswith("svg")
    return " ".join(t for t in root.itertext())


def test_png_is_twice_the_export_size(chromium, results):
    radar = results.chart("radar")
    width, height = png_size(images.chart_bytes(radar.figure, "png"))
    assert (width, height) == (
        images.EXPORT_WIDTH * images.PNG_SCALE,
        radar.figure.layout.height * images.PNG_SCALE,
    )


def test_svg_parses_and_carries_the_title_and_strategy_names(chromium, results):
    text = svg_text(images.chart_bytes(results.chart("quadrants").figure, "svg"))
    assert "Where each strategy stands" in text
    assert "Define your why" in text  # the key under the chart


def test_pdf_is_one_page_of_the_chart(chromium, results):
    data = images.chart_bytes(results.chart("gaps").figure, "pdf")
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Gap per strategy" in text and "Define your why" in text


def test_html_works_offline(results):
    page = images.chart_bytes(results.chart("radar").figure, "html").decode()
    assert page.startswith("<!doctype html>")
    assert "Plotly.newPlot" in page
    assert len(page) > 1_000_000  # plotly.js itself is embedded
    assert 'src="http' not in page and "cdn.plot.ly" not in page.split("Plotly.newPlot")[1]


def test_chart_pack_holds_every_chart_and_its_data(chromium, results):
    pack = zipfile.ZipFile(io.BytesIO(images.chart_pack(results)))
    folder = results.file_name("results")
    assert folder.startswith("alex-rivera_")
    files = ("png", "svg", "csv", "slide.png")
    expected = {
        f"{folder}/{c.name}{'-' if ext == 'slide.png' else '.'}{ext}"
        for c in results.charts
        for ext in files
    }
    assert set(pack.namelist()) == expected
    png_size(pack.read(f"{folder}/radar.png"))
    assert png_size(pack.read(f"{folder}/radar-slide.png")) == (1920, 1080)
    table = pd.read_csv(io.BytesIO(pack.read(f"{folder}/gaps.csv")))
    assert list(table.columns) == list(results.chart("gaps").data.columns)
    assert {"strategy", "gap", "quadrant"} <= set(table.columns)
    assert len(table) == len(QUESTIONNAIRE.strategies)


def test_concurrent_exports_each_get_their_own_file(chromium, results):
    """Streamlit serves every visitor on its own thread; the shared server must not mix answers."""
    outcomes: dict[str, bytes] = {}

    def export(name: str, file_format: str) -> None:
        outcomes[f"{name}.{file_format}"] = images.chart_bytes(
            results.chart(name).figure, file_format
        )

    threads = [
        threading.Thread(target=export, args=(name, file_format))
        for name in ("radar", "quadrants", "gaps")
        for file_format in ("png", "svg")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 6
    for name in ("radar", "quadrants", "gaps"):
        png_size(outcomes[f"{name}.png"])
        title = results.chart(name).figure.layout.title.text.replace("<br>", " ")  # wrapped
        assert title in svg_text(outcomes[f"{name}.svg"])


def test_without_chromium_images_explain_and_html_still_works(monkeypatch, results):
    monkeypatch.setenv("BROWSER_PATH", "/nowhere/chromium")
    problem = images.static_export_problem()
    assert problem and "/nowhere/chromium" in problem and "HTML" in problem
    with pytest.raises(images.ExportUnavailable, match="Chromium"):
        images.chart_bytes(results.chart("radar").figure, "png")
    assert b"Plotly.newPlot" in images.chart_bytes(results.chart("radar").figure, "html")


def test_unknown_format_is_refused(results):
    with pytest.raises(ValueError, match="unknown chart format"):
        images.chart_bytes(results.chart("radar").figure, "gif")


# ---------------------------------------------------------------------------------------------
# Session downloads obey k and carry no one's own scores


def _session_scores(code: str) -> pd.DataFrame:
    rows = SAMPLE[SAMPLE["session"] == code]
    return score_responses(rows, QUESTIONNAIRE).strategies


def test_session_charts_need_k_responses():
    strategies = _session_scores("START7")
    count = strategies["response_id"].nunique()
    enough = Session("START7", "Kick-off", "purpose-performance", min_group=count)
    view = one_off_view(strategies, enough)
    assert len(chartsets.session_charts(view, enough, QUESTIONNAIRE).charts) == 3
    too_few = Session("START7", "Kick-off", "purpose-performance", min_group=count + 1)
    with pytest.raises(chartsets.ChartSetError, match="no group results on show"):
        chartsets.session_charts(one_off_view(strategies, too_few), too_few, QUESTIONNAIRE)


def test_session_figures_and_data_name_no_one():
    strategies = _session_scores("START7")
    session = Session("START7", "Kick-off", "purpose-performance", min_group=3)
    group = chartsets.session_charts(one_off_view(strategies, session), session, QUESTIONNAIRE)
    aliases = set(SAMPLE.loc[SAMPLE["session"] == "START7", "respondent"])
    ids = set(strategies["response_id"])
    for chart in group.charts:
        text = chart.figure.to_json() + chart.data.to_csv()
        assert not any(alias in text for alias in aliases)
        assert not any(response_id in text for response_id in ids)
    # The spread is quartiles only: no fence is anyone's own score, and no one's is in the figure.
    spread = group.chart("group-spread").figure.data[0]
    assert spread.x is None and spread.q1 is not None
    assert spread.lowerfence == spread.q1 and spread.upperfence == spread.q3
    own = set(strategies["alignment"].round(1))
    assert not own & (set(spread.lowerfence) - set(spread.median))


def test_a_chart_file_says_what_whose_and_when_inside_the_picture(chromium, results):
    radar = results.chart("radar")
    before = radar.figure.to_json()
    svg = images.chart_file(radar, results, "svg").decode()
    assert "Purpose and performance per strategy" in svg
    assert f"Alex Rivera · {results.day:%d %b %Y}" in svg
    assert "Purpose–Performance Alignment" in svg
    assert radar.figure.to_json() == before  # the chart on screen is left as it was


def test_a_slide_is_16_to_9_at_1920_by_1080_and_a_picture_keeps_its_size(chromium, results):
    radar = results.chart("radar")
    assert png_size(images.chart_file(radar, results, "png", slide=True)) == (1920, 1080)
    # The tall quadrant map with its key is laid out on a taller page, drawn smaller.
    quadrants = results.chart("quadrants")
    assert png_size(images.chart_file(quadrants, results, "png", slide=True)) == (1920, 1080)
    width, height = png_size(images.chart_file(radar, results, "png"))
    assert (width, height) == (images.EXPORT_WIDTH * 2, radar.figure.layout.height * 2)


def test_hostile_names_in_a_chart_file_are_shown_as_text(chromium, results):
    hostile = dataclasses.replace(results, who='<b>x</b> <a href="https://evil.example">=cmd</a>')
    svg = images.chart_file(hostile.chart("radar"), hostile, "svg").decode()
    # Shown as the characters typed (the SVG writes them as entities), never as markup.
    assert "&#60;b&#62;x&#60;/b&#62; &#60;a href=" in svg
    assert "<b>" not in svg and "<a " not in svg


def test_a_slide_zooms_the_chart_as_laid_out_on_screen():
    """Text, markers, margins and the key grow together: what the layout keeps apart stays so."""
    assert images.slide_page(500) == (1200, 675)  # zoomed 1.6 to 1920 x 1080
    width, height = images.slide_page(824)  # the quadrant map with its key of ten
    assert height >= 824 and width * 9 == height * 16
    figure = images.labelled(CHARTS_OF_ALEX.chart("gaps"), CHARTS_OF_ALEX, slide=True)
    options = images.export_options(figure, "png", slide=True)
    assert options["width"] * options["scale"] == images.SLIDE_WIDTH
    assert options["height"] * options["scale"] == images.SLIDE_HEIGHT
    assert options["scale"] == images.SLIDE_ZOOM
