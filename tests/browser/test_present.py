"""Present in a real browser: its own address, the keys a presenter and a clicker send, a
reload that keeps the slide, and a chart that fills a 1920x1080 projector."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import wait_for_app
from tests.test_workshop_pages import add_response, new_session, release

pytestmark = pytest.mark.browser

FULL_HD = {"viewport": {"width": 1920, "height": 1080}}


@pytest.fixture
def revealed_room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A session of three answers, released, in the data folder of the app under test."""
    monkeypatch.setenv("ALIGNMENT_DATA_DIR", str(tmp_path / "app-data"))
    code = new_session("Projector room", min_group=3)
    for seed in range(3):
        add_response(code, f"Room{seed}", seed=seed)
    release(code)
    return code


def on_screen(page, number: int) -> None:
    """Until Present shows slide `number` (its position line and the address agree)."""
    expect(page.get_by_text(f"screen {number} of 6")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"[?&]slide={number}(&|$)"))
    wait_for_app(page)


def test_keys_and_a_clicker_move_the_slides_and_a_reload_keeps_the_slide(
    browser, app_server: str, revealed_room: str, screenshot_dir: Path
):
    page = browser.new_context(**FULL_HD).new_page()
    page.goto(f"{app_server}/present?session={revealed_room}")
    on_screen(page, 1)
    expect(page.get_by_text(revealed_room, exact=True)).to_be_visible()  # the join code
    expect(page.get_by_text("3 of 3 needed — ready")).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true")
    controls = page.locator(".st-key-present_controls")
    expect(controls).to_have_css("opacity", "0")  # hidden from the room (once faded out)

    for key, number in [
        ("ArrowRight", 2),
        ("PageDown", 3),
        ("Space", 4),
        ("ArrowLeft", 3),
        ("PageUp", 2),
        ("PageUp", 1),
        ("PageUp", 1),  # the first slide stays first
    ]:
        page.keyboard.press(key)
        on_screen(page, number)

    for number in (2, 3):
        page.keyboard.press("PageDown")
        on_screen(page, number)
    page.reload()
    on_screen(page, 3)
    chart = page.locator('[data-testid="stMain"] .js-plotly-plot')
    expect(chart).to_have_count(1)
    box = chart.bounding_box()
    share = box["width"] * box["height"] / (1920 * 1080)
    assert share >= 0.6, f"the chart covers {share:.0%} of the screen"
    assert box["y"] + box["height"] <= 1080 + 1, "the chart runs off the screen"
    sizes = chart.evaluate(
        """plot => [...plot.querySelectorAll('text')]
            .filter(t => t.textContent.trim())
            .map(t => parseFloat(getComputedStyle(t).fontSize))"""
    )
    assert sizes and min(sizes) >= 20, sorted(sizes)[:5]
    page.screenshot(path=screenshot_dir / "present-radar-1920.png")
    # Still a facilitator after all of that: ?session= on this address never joins.
    page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Workshop").click()
    expect(page.get_by_role("heading", name="Workshop")).to_be_visible()


def test_the_workshop_page_opens_present_in_a_new_window(
    browser, app_server: str, revealed_room: str
):
    context = browser.new_context(**FULL_HD)
    laptop = context.new_page()
    laptop.goto(f"{app_server}/workshop")
    wait_for_app(laptop)
    with context.expect_page() as opened:
        laptop.get_by_role("link", name="Open Present in a new window").click()
    projector = opened.value
    expect(projector).to_have_url(re.compile(rf"/present\?session={revealed_room}"))
    on_screen(projector, 1)
    projector.keyboard.press("ArrowRight")
    on_screen(projector, 2)
    expect(laptop.get_by_role("heading", name="Workshop")).to_be_visible()  # laptop stays
