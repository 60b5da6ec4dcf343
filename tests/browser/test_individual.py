"""A person using the app in a real browser: phone assessment, trends, accessibility."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, scroll_through, wait_for_app, wait_for_step

pytestmark = pytest.mark.browser


def test_new_user_completes_the_pulse_on_a_phone(browser, app_server, screenshot_dir: Path):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{app_server}/assess")
    wait_for_app(page)
    page.get_by_text("Your name or alias").wait_for()
    pulse = page.get_by_role("radio", name=re.compile("Pulse check"))
    pulse.check(force=True)
    expect(pulse).to_be_checked()
    page.get_by_role("textbox", name="Your name or alias").fill("Sam on a phone")
    page.get_by_role("button", name="Start").click()

    for step in range(1, 11):
        wait_for_step(page, step)
        if step == 1:
            page.screenshot(path=screenshot_dir / "phone-assess-step1.png")
        questions = page.locator('[data-testid="stMain"] [data-testid="stRadio"]')
        assert questions.count() == 2
        questions.nth(0).get_by_text("Agree", exact=True).click()
        questions.nth(1).get_by_text("Sometimes", exact=True).click()
        page.get_by_role("button", name="Next").click()

    page.get_by_text("Last step: your reflections").wait_for()
    wait_for_app(page)
    page.get_by_role("textbox").last.fill("Say thank you more often.")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Purpose index").wait_for(timeout=30_000)
    assert "/results" in page.url
    # Agree = 75 on purpose (25 on the five reversed purpose items): purpose index 50.
    # Sometimes = 50 either way: performance 50. Every strategy is 25 apart: alignment 75.
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics == ["50", "50", "75"]
    scroll_through(page)
    assert page.locator(".js-plotly-plot").count() == 3
    page.screenshot(path=screenshot_dir / "phone-results.png", full_page=True)
    context.close()


def test_trends_opens_on_numbers_and_draws_each_tab_of_charts_when_opened(
    browser, app_server, screenshot_dir: Path
):
    page = browser.new_page(**DESKTOP)
    page.goto(f"{app_server}/trends")
    wait_for_app(page)
    page.get_by_text("Compare two check-ins").wait_for()
    page.get_by_role("table").wait_for()
    scroll_through(page)
    assert page.locator(".js-plotly-plot").count() == 0  # no chart until its tab is opened
    for tab, title in (
        ("The two as charts", "Alignment per strategy: what changed"),
        ("Over time", "Purpose, performance and alignment"),
    ):
        page.get_by_role("tab", name=tab).click()
        page.locator(".js-plotly-plot .gtitle", has_text=title).wait_for()
        expect(page.locator(".js-plotly-plot")).to_have_count(2)  # this tab's, none other
    page.screenshot(path=screenshot_dir / "trends-sample.png", full_page=True)
    page.close()


# Lighthouse counts these two against a page whatever axe's impact says (it rates both moderate).
ALWAYS_COUNTED = {"heading-order", "target-size"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/assess",
        "/results",
        "/trends",
        "/workshop",
        "/data",
        "/present?session=START7&slide=1",
        "/present?session=START7&slide=2",
        "/present?session=START7&slide=6",
    ],
)
def test_no_serious_accessibility_violations(browser, app_server, path: str):
    page = browser.new_page(**DESKTOP)
    page.goto(f"{app_server}{path}")
    wait_for_app(page)
    page.get_by_role("heading", level=1).first.wait_for()
    scroll_through(page)
    results = Axe().run(page, context={"include": [['[data-testid="stMain"]']]})
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"} or v["id"] in ALWAYS_COUNTED
    ]
    assert serious == [], serious
    page.close()


def test_a_chart_downloads_as_a_png_that_opens(browser, app_server, screenshot_dir: Path):
    context = browser.new_context(**DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{app_server}/results")
    wait_for_app(page)
    page.get_by_text("Purpose index").wait_for()
    # The charts are drawn once they come into view, each with one Download menu; the radar's
    # is the first.
    page.get_by_role("heading", name="Your charts").scroll_into_view_if_needed()
    menu = page.get_by_role("button", name="Download", exact=True).first
    menu.wait_for()
    menu.scroll_into_view_if_needed()
    menu.click()
    sizes = {}
    for label, name in (("Picture (PNG)", "radar"), ("Slide, 16:9 (PNG)", "radar-slide")):
        button = page.get_by_role("button", name=label, exact=True)
        with page.expect_download(timeout=60_000) as started:
            button.click()
        download = started.value
        pattern = rf"alex-rivera_\d{{4}}-\d{{2}}-\d{{2}}_{name}\.png"
        assert re.fullmatch(pattern, download.suggested_filename)
        saved = screenshot_dir / f"downloaded-{download.suggested_filename}"
        download.save_as(saved)
        assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # The browser decodes it: a real picture.
        viewer = context.new_page()
        viewer.goto(saved.as_uri())
        sizes[name] = viewer.evaluate(
            "() => [document.querySelector('img').naturalWidth, "
            "document.querySelector('img').naturalHeight]"
        )
        viewer.close()
    assert sizes["radar"][0] == 2200  # twice the export width
    assert sizes["radar-slide"] == [1920, 1080]
    context.close()
