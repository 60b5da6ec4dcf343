"""The assessment on a phone (390 x 844, touch) and on a wide screen: the layout of the scale.

What a person holding a phone needs: every step fits the width, every scale point is a box a
finger can hit, they see how far they are, and a skipped question is marked where it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from alignment.assessment import Step, assessment_steps
from alignment.config import SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from tests.browser.helpers import PHONE, PROJECTOR, wait_for_app, wait_for_step

pytestmark = pytest.mark.browser

PULSE_STEPS = assessment_steps(load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml"))
MAIN_STEPS = assessment_steps(
    load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
)
MINIMUM_TAP = 44  # px, the smallest target a finger hits reliably (WCAG 2.5.5, Apple, Android)
# Agree is the 4th point of the agreement scale, Sometimes the 3rd of the frequency scale.
AGREE, SOMETIMES = 3, 2


def start_pulse(page: Page, url: str, alias: str) -> None:
    page.goto(f"{url}/assess")
    wait_for_app(page)
    page.get_by_test_id("stRadioOption").filter(has_text="Pulse check").tap()
    expect(page.get_by_role("radio", name="Pulse check", exact=False)).to_be_checked()
    page.get_by_role("textbox", name="Your name or alias").fill(alias)
    page.get_by_role("button", name="Start").tap()
    wait_for_step(page, 1)


def question(page: Page, item_id: str):
    return page.locator(f".st-key-assess_question_{item_id}")


def choose(page: Page, item_id: str, point: int) -> None:
    """Tap the box of a scale point, as a finger does, and wait until it is chosen."""
    asked = question(page, item_id)
    asked.get_by_test_id("stRadioOption").nth(point).tap()
    expect(asked.get_by_role("radio").nth(point)).to_be_checked()


def answer(page: Page, step: Step) -> None:
    purpose, performance = step.items
    choose(page, purpose.id, AGREE)
    choose(page, performance.id, SOMETIMES)


def check_fits_a_phone(page: Page, step: Step) -> None:
    """No sideways scrolling, a box of at least 44 x 44 px per point, "Question N of M"."""
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
                  document.querySelector('[data-testid="stMain"]').scrollWidth]"""
    )
    assert max(widths[0], widths[2]) <= widths[1], f"step {step.number} overflows: {widths}"
    options = page.locator('[data-testid="stMain"] [data-testid="stRadioOption"]')
    expect(options).to_have_count(5 * len(step.items))
    for option in options.all():
        box = option.bounding_box()
        assert box["width"] >= MINIMUM_TAP and box["height"] >= MINIMUM_TAP, (step.number, box)
    for label, item in step.numbered():
        expect(question(page, item.id).get_by_text(label, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_be_visible()


def test_a_whole_assessment_on_a_phone(browser, app_server, screenshot_dir: Path):
    page = browser.new_context(**PHONE).new_page()
    start_pulse(page, app_server, "Sam on a phone")
    page.screenshot(path=screenshot_dir / "phone-assess-light.png")

    first = PULSE_STEPS[0]
    purpose, performance = first.items
    assert first.numbered()[0][0] == "Question 1 of 20"
    choose(page, purpose.id, AGREE)
    page.get_by_role("button", name="Next").tap()
    expect(question(page, performance.id).get_by_text("Needs an answer")).to_be_visible()
    expect(page.get_by_text("1 question on this step still needs an answer.").first).to_be_visible()
    expect(page.get_by_text("Strategy 1 of 10")).to_be_visible()
    expect(question(page, purpose.id).get_by_text("Needs an answer")).to_have_count(0)
    expect(question(page, purpose.id).get_by_role("radio").nth(AGREE)).to_be_checked()
    page.screenshot(path=screenshot_dir / "phone-assess-gap-light.png")
    page.get_by_test_id("stAlert").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "phone-assess-gap-top-light.png")

    for step in PULSE_STEPS[:-1]:
        wait_for_step(page, step.number)
        # Each new step opens at its top, not where the Next button of the last one was.
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop === 0"
        )
        check_fits_a_phone(page, step)
        answer(page, step)
        page.get_by_role("button", name="Next").tap()

    page.get_by_text("Last step: your reflections").wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="Submit").tap()
    page.get_by_text("Purpose index").wait_for(timeout=30_000)
    # Agree on purpose (reversed on five items: 50), Sometimes on performance (50), 25 apart.
    assert page.get_by_test_id("stMetricValue").all_inner_texts() == ["50", "50", "75"]
    page.close()


def test_the_marks_in_dark_mode_on_a_phone(browser, app_server, screenshot_dir: Path):
    page = browser.new_context(**PHONE, color_scheme="dark").new_page()
    start_pulse(page, app_server, "Sam at night")
    purpose, performance = PULSE_STEPS[0].items
    choose(page, performance.id, SOMETIMES)
    page.get_by_role("button", name="Next").tap()
    expect(question(page, purpose.id).get_by_text("Needs an answer")).to_be_visible()
    expect(question(page, performance.id).get_by_role("radio").nth(SOMETIMES)).to_be_checked()
    question(page, purpose.id).scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "phone-assess-gap-dark.png")
    page.close()


def test_the_scale_is_one_row_of_boxes_on_a_wide_screen(browser, app_server, screenshot_dir):
    page = browser.new_context(**PROJECTOR).new_page()
    page.goto(f"{app_server}/assess")
    wait_for_app(page)
    page.get_by_role("textbox", name="Your name or alias").fill("Sam at a desk")
    page.get_by_role("button", name="Start").click()
    wait_for_step(page, 1)
    first = MAIN_STEPS[0].items[0]  # the default questionnaire
    options = question(page, first.id).get_by_test_id("stRadioOption")
    boxes = [option.bounding_box() for option in options.all()]
    assert len(boxes) == 5
    assert len({round(box["y"]) for box in boxes}) == 1, boxes  # one row, all as tall
    assert len({round(box["height"]) for box in boxes}) == 1, boxes
    assert all(box["height"] >= MINIMUM_TAP for box in boxes), boxes
    lefts = [box["x"] for box in boxes]
    assert lefts == sorted(lefts)
    page.screenshot(path=screenshot_dir / "desktop-assess.png")

    page.get_by_role("button", name="Next").click()
    expect(question(page, first.id).get_by_text("Needs an answer")).to_be_visible()
    wait_for_app(page)
    results = Axe().run(page, context={"include": [['[data-testid="stMain"]']]})
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], serious  # the marks, the numbers and the boxes are legible
    page.close()
