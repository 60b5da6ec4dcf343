"""What every browser test does: wait for Streamlit to settle, scroll charts into view."""

from __future__ import annotations

from playwright.sync_api import expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PROJECTOR = {"viewport": {"width": 1280, "height": 720}}


def wait_for_app(page) -> None:
    """Until the script run is over and no element of the previous run is still on screen.

    Network idle as well: clicks on widgets in the first second after a page's first render,
    while Streamlit still loads its components, are sometimes dropped by the frontend (a
    script clicks that fast; people do not).
    """
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && !document.querySelector('[data-stale="true"]')""",
        timeout=30_000,
    )


def wait_for_step(page, step: int) -> None:
    """Until assessment step `step` is on screen with all its questions.

    The step's caption arrives before its questions, and wait_for_app can pass before the rest
    has: the status widget shows only after a delay, and a new form is not a stale element.
    The form's Next button comes after its last question; the one of the step before goes
    when the run ends, so exactly one Next and nothing stale means this step is all there.
    """
    page.get_by_text(f"Strategy {step} of 10").wait_for()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Next")).to_have_count(1)
    expect(page.locator('[data-stale="true"]')).to_have_count(0)


def scroll_through(page) -> None:
    """Results and Trends draw their charts when they come into view; scroll them all in once.

    The wheel turns over the middle of the page: Streamlit scrolls its main area, not the
    window, and a wheel over the top corner (the header) scrolls nothing.
    """
    viewport = page.viewport_size
    page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
    for _ in range(15):
        page.mouse.wheel(0, 700)
        page.wait_for_timeout(150)
