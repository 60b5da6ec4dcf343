"""What every browser test does: wait for Streamlit to settle, scroll charts into view."""

from __future__ import annotations

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

    The step's caption arrives before its questions, and on step 1 there is no stale element
    left for wait_for_app to wait out; the form's Next button comes after the last question.
    """
    page.get_by_text(f"Strategy {step} of 10").wait_for()
    page.get_by_role("button", name="Next").wait_for()
    wait_for_app(page)


def scroll_through(page) -> None:
    """Plotly draws charts when they come into view; scroll them all in once."""
    for _ in range(15):
        page.mouse.wheel(0, 700)
        page.wait_for_timeout(150)
