"""The download buttons the pages offer, with and without Chromium (AppTest)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from alignment import ui, workbook
from tests.conftest import PROJECT_ROOT, charts_come_into_view

APP = str(PROJECT_ROOT / "app.py")


def page_on_sample(page: str, *, charts_in_view: bool = True) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    if charts_in_view:
        charts_come_into_view(at)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception
    return at


def labels(at: AppTest) -> list[str]:
    return [button.proto.label for button in at.get("download_button")]


CHART_FILES = (
    "Picture (PNG)",
    "Vector picture (SVG)",
    "One-page PDF",
    "Slide, 16:9 (PNG)",
    "Interactive page (HTML)",
    "The data (CSV)",
)


def menus(at: AppTest) -> list[str]:
    return [menu.proto.popover.label for menu in at.get("popover")]


def test_results_offers_every_format_report_workbook_and_reminder(chart_renderer: None):
    at = page_on_sample("views/results.py")
    offered = labels(at)
    # Three charts, each with one Download menu holding every file.
    assert menus(at) == ["Download"] * 3
    for file_format in CHART_FILES:
        assert offered.count(file_format) == 3
    for extra in (
        "Download all charts (ZIP)",
        "Report (PDF)",
        "My answers and scores (Excel)",
        "Add to my calendar (.ics)",
    ):
        assert extra in offered


def test_charts_and_their_menus_wait_until_they_come_into_view():
    at = page_on_sample("views/results.py", charts_in_view=False)
    assert not at.get("plotly_chart") and not menus(at)
    assert "Picture (PNG)" not in labels(at)
    marks = [e for e in at.get("bidi_component") if "alignment_in_view" in e.proto.component_name]
    assert len(marks) == 1
    assert any("drawn here as you scroll to them" in c.value for c in at.caption)

    charts_come_into_view(at)
    at.run()
    assert len(at.get("plotly_chart")) == 3 and menus(at) == ["Download"] * 3
    assert not at.get("bidi_component")  # seen once, drawn on every run after


def test_trends_opens_on_the_changes_in_numbers_and_draws_a_tab_of_charts_when_opened():
    at = page_on_sample("views/trends.py")
    assert [tab.label for tab in at.tabs] == ["Per strategy", "The two as charts", "Over time"]
    assert not at.get("plotly_chart") and not menus(at)
    (table,) = [m.value for m in at.markdown if m.value.startswith("| Strategy |")]
    rows = table.splitlines()[2:]
    assert len(rows) == 10  # the sample's questionnaire, every strategy scored in both
    # Alex Rivera, 15 Aug 2025 to 13 Nov 2026 (the largest decline first, as the story says).
    assert rows[0] == "| Celebrate milestones | 88 | 75 | -13 |"
    assert rows[-1] == "| Continuous learning | 38 | 88 | +50 |"

    for tab, opening in (
        ("The two as charts", ["Two check-ins compared", "Alignment per strategy: what"]),
        ("Over time", ["Purpose, performance and alignment", "Alignment per strategy at each"]),
    ):
        at.session_state["trends_tab"] = tab
        at.run()
        assert not at.exception
        assert not [m for m in at.markdown if m.value.startswith("| Strategy |")], tab
        titles = [
            json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")
        ]
        assert len(titles) == 2 and menus(at) == ["Download"] * 2, tab
        assert all(map(str.startswith, titles, opening)), titles


def test_without_chromium_the_page_says_so_and_html_and_data_still_download(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("BROWSER_PATH", "/nowhere/chromium")
    at = page_on_sample("views/results.py")
    offered = labels(at)
    pictures = {"Picture (PNG)", "Vector picture (SVG)", "One-page PDF", "Slide, 16:9 (PNG)"}
    assert not {*pictures, "Report (PDF)", "Download all charts (ZIP)"} & set(offered)
    assert offered.count("Interactive page (HTML)") == offered.count("The data (CSV)") == 3
    assert "My answers and scores (Excel)" in offered
    assert "Add to my calendar (.ics)" in offered
    explained = [c.value for c in at.caption if "need Chromium" in c.value]
    assert explained and "/nowhere/chromium" in explained[0]


def test_a_workbook_excel_cannot_hold_is_explained_instead_of_offered(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(workbook, "EXCEL_MAX_ROWS", 100)  # the sample has more answers than that
    at = page_on_sample("views/data.py")
    assert "Excel workbook" not in labels(at)
    assert "Wide CSV" in labels(at)
    assert any("more rows than one Excel sheet" in c.value for c in at.caption)


def test_a_slow_workbook_is_offered_with_the_wait_said(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(workbook, "SLOW_WORKBOOK_ANSWERS", 100)
    at = page_on_sample("views/data.py")
    assert "Excel workbook" in labels(at)
    assert any("the workbook takes about 5 seconds to build" in c.value for c in at.caption)


def test_trends_and_data_pages_offer_their_downloads(chart_renderer: None):
    at = page_on_sample("views/trends.py")
    assert labels(at) == ["Download all charts (ZIP)"]  # the charts' own wait for their tab
    at.session_state["trends_tab"] = "Over time"
    trends = labels(at.run())
    assert trends.count("Picture (PNG)") == 2 and "Download all charts (ZIP)" in trends
    data = labels(page_on_sample("views/data.py"))
    assert data == [
        "All answers (long CSV, every questionnaire)",
        "Wide CSV",
        "Scores CSV",
        "Excel workbook",
    ]
