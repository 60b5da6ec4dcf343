"""Results on a 390 x 844 phone: nothing wider than the screen, no chart text outside its chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.helpers import PHONE, scroll_through, wait_for_app

pytestmark = pytest.mark.browser

# Every text of every chart (axis and radar labels, keys, titles) against its chart's box.
TEXT_OUTSIDE_ITS_CHART = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(
  plot => {
    const box = plot.getBoundingClientRect();
    return [...plot.querySelectorAll('svg text')]
        .filter(text => text.textContent.trim())
        .map(text => [text.textContent, text.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1))
        .map(([words, r]) => `${words}: ${Math.round(r.left - box.left)}..`
                             + `${Math.round(r.right - box.left)} of ${Math.round(box.width)}`);
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_fit_a_phone(browser, app_server, screenshot_dir: Path, scheme: str):
    page = browser.new_context(**PHONE, color_scheme=scheme).new_page()
    page.goto(f"{app_server}/results")  # an open app on its sample data
    wait_for_app(page)
    page.get_by_text("Your widest gap").wait_for()
    scroll_through(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot svg text').length > 40"
    )
    assert page.locator(".js-plotly-plot").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(TEXT_OUTSIDE_ITS_CHART) == []
    # The toolbar stays hidden; each chart has one Download menu.
    assert page.locator(".modebar").count() == 0
    assert page.get_by_role("button", name="Download", exact=True).count() == 3
    page.screenshot(path=screenshot_dir / f"phone-results-{scheme}.png")
