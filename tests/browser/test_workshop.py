"""A workshop in real browsers: a facilitator at projector size and a room of phones."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import FACILITATOR_PASSCODE
from tests.browser.helpers import PHONE, PROJECTOR, wait_for_app, wait_for_step

pytestmark = pytest.mark.browser

PARTICIPANTS = 3
LIVE = '[data-testid="stMain"] [data-testid="stMetricValue"]'


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/signin")
    wait_for_app(page)
    page.get_by_label("Passcode").fill(FACILITATOR_PASSCODE)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("You are signed in as the facilitator").wait_for()


def open_session(page, title: str, k: int) -> str:
    """Create a session on the Workshop page; returns its code."""
    page.get_by_role("link", name="Workshop").click()
    wait_for_app(page)
    page.get_by_role("textbox", name="Title").fill(title)
    k_input = page.get_by_role("spinbutton", name="Show group results from this many responses (k)")
    k_input.fill(str(k))
    page.get_by_role("button", name="Open session").click()
    page.get_by_text(f"k = {k}").wait_for()
    wait_for_app(page)
    link = page.locator('[data-testid="stCode"]').first.inner_text().strip()
    return re.search(r"session=([A-Z2-9]{6})", link).group(1)


def answer_to_the_last_step(page, url: str, code: str, pick: Callable[[int, int], int]) -> None:
    """Join by link, stay anonymous; `pick(step, question)` is the scale point (1–5) chosen."""
    page.goto(f"{url}/?session={code}")
    wait_for_app(page)
    page.get_by_role("button", name="Start").click()
    for step in range(1, 11):
        wait_for_step(page, step)
        questions = page.locator('[data-testid="stMain"] [data-testid="stRadio"]')
        for index in range(questions.count()):
            choice = pick(step, index)
            option = questions.nth(index).get_by_role("radio").nth(choice - 1)
            questions.nth(index).locator("label").nth(choice).click()
            expect(option).to_be_checked()
        page.get_by_role("button", name="Next").click()
    page.get_by_text("Last step: your reflections").wait_for()
    wait_for_app(page)


def test_a_room_answers_and_the_facilitator_screen_follows(
    browser, room_server, screenshot_dir: Path
):
    facilitator = browser.new_context(**PROJECTOR).new_page()
    sign_in(facilitator, room_server)
    code = open_session(facilitator, "Leadership day", k=PARTICIPANTS)
    expect(facilitator.locator(LIVE)).to_have_text("0")
    expect(facilitator.get_by_text("3 more needed")).to_be_visible()
    expect(facilitator.get_by_role("button", name="Reveal results")).to_be_disabled()
    facilitator.screenshot(path=screenshot_dir / "workshop-facilitator-waiting.png")

    rooms = [browser.new_context(**PHONE) for _ in range(PARTICIPANTS)]
    phones = [room.new_page() for room in rooms]
    for number, phone in enumerate(phones):
        answer_to_the_last_step(phone, room_server, code, lambda *_, n=number: 2 + n)
    for phone in phones:  # all three press Submit together
        phone.get_by_role("button", name="Submit").click(no_wait_after=True)
    for phone in phones:
        phone.get_by_text("Your result", exact=True).wait_for(timeout=30_000)
        wait_for_app(phone)
        body = phone.locator('[data-testid="stMain"]').inner_text()
        assert "Participant" in body  # their generated alias, their result
        assert phone.get_by_role("link", name="Workshop").count() == 0
        assert phone.get_by_role("link", name="Trends").count() == 0
        # The address keeps the workshop, so a reload of the phone's browser does too.
        expect(phone).to_have_url(re.compile(f"[?&]session={code}"))
    phones[0].screenshot(path=screenshot_dir / "workshop-participant-result.png", full_page=True)
    # One card: the widest gap, eyes on the screen; a reload of the phone's browser keeps it.
    card = phones[0].locator('[data-testid="stMain"]').inner_text()
    assert "Your widest gap" in card or "No gap is wider" in card
    phones[0].reload()
    phones[0].get_by_text("Your result", exact=True).wait_for()
    expect(phones[0].get_by_text("Now look up at the screen")).to_be_visible()
    expect(phones[0].get_by_text("Delete my answers")).to_be_visible()
    assert "appears here as soon as you submit" not in phones[0].inner_text("body")

    # The live panel counts by itself; the results appear when the facilitator reveals them.
    expect(facilitator.locator(LIVE)).to_have_text(str(PARTICIPANTS), timeout=20_000)
    facilitator.get_by_role("button", name="Reveal results").click()
    facilitator.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stMain] .js-plotly-plot').length >= 2",
        timeout=20_000,
    )
    expect(facilitator.get_by_text("The group's largest gaps")).to_have_count(1)
    facilitator.screenshot(path=screenshot_dir / "workshop-facilitator-live.png", full_page=True)

    # A participant who types the facilitator's addresses gets neither page.
    for path in ("/workshop", f"/workshop?session={code}", "/trends"):
        phones[1].goto(f"{room_server}{path}")
        wait_for_app(phones[1])
        main = phones[1].locator('[data-testid="stMain"]').inner_text()
        assert "Responses so far" not in main
        assert "Reveal results" not in main
        assert "Purpose, performance and alignment over time" not in main
        assert phones[1].get_by_role("heading", name="Workshop", exact=True).count() == 0
        if "session=" in path:  # bounced to the default page, still in the workshop
            expect(phones[1]).to_have_url(re.compile(f"[?&]session={code}"))

    for room in rooms:
        room.close()


def test_presentation_mode_is_readable_from_the_back(browser, room_server, screenshot_dir: Path):
    facilitator = browser.new_context(**PROJECTOR).new_page()
    sign_in(facilitator, room_server)
    code = open_session(facilitator, "Projector check", k=3)
    phones = [browser.new_context(**PHONE).new_page() for _ in range(3)]
    for number, phone in enumerate(phones):
        # Purpose questions first on every step: valued highly, lived unevenly.
        varied = lambda step, question, n=number: 5 - n % 2 if question < 2 else 1 + (step + n) % 4  # noqa: E731
        answer_to_the_last_step(phone, room_server, code, varied)
        phone.get_by_role("button", name="Submit").click()
        phone.get_by_text("Your result", exact=True).wait_for(timeout=30_000)
    hidden_note = facilitator.get_by_text("Results are hidden so no one is anchored")
    expect(hidden_note).to_be_visible()
    facilitator.get_by_role("button", name="Reveal results").click()
    # Revealing removes that note above the link, so the link moves up as the run ends.
    # wait_for_app can return before that (the status widget shows only after a delay), and a
    # click 200 ms after Reveal then missed the link in 1 of 24 tries.
    expect(hidden_note).to_have_count(0)
    wait_for_app(facilitator)
    facilitator.get_by_role("link", name="Present on the shared screen").click()
    facilitator.get_by_text("screen 1 of 6").wait_for(timeout=30_000)
    wait_for_app(facilitator)
    expect(facilitator.locator('[data-testid="stSidebar"]')).to_have_attribute(
        "data-collapsed", "true"
    )
    expect(facilitator.get_by_text(code, exact=True)).to_be_visible()
    facilitator.screenshot(path=screenshot_dir / "present-1-join.png")

    slides = ["responses", "radar", "spread", "quadrants", "gaps"]
    for number, slide in enumerate(slides, start=2):
        facilitator.get_by_role("button", name="Next ▶").click()
        facilitator.get_by_text(f"screen {number} of 6").wait_for()
        wait_for_app(facilitator)
        main = facilitator.locator('[data-testid="stMain"]')
        assert "Participant" not in main.inner_text()  # no alias reaches the shared screen
        if slide == "spread":  # three people: quartiles would come too close to someone's score
            expect(main.get_by_text("once a strategy has 10 answers")).to_be_visible()
            expect(main.locator(".js-plotly-plot")).to_have_count(0)
        if slide in {"radar", "quadrants"}:
            chart = main.locator(".js-plotly-plot")
            expect(chart).to_have_count(1)
            sizes = chart.evaluate(
                """plot => [...plot.querySelectorAll('text')]
                    .filter(t => t.textContent.trim())
                    .map(t => parseFloat(getComputedStyle(t).fontSize))"""
            )
            assert sizes, "the chart has no text"
            assert min(sizes) >= 20, sorted(sizes)[:5]
            box = chart.bounding_box()
            assert box["y"] + box["height"] <= 720 + 1, "the chart runs off a 1280x720 screen"
        facilitator.screenshot(path=screenshot_dir / f"present-{number}-{slide}.png")
    # The slide is a live panel that redraws every few seconds: expect() retries through a redraw.
    expect(facilitator.locator(".js-plotly-plot")).to_have_count(0)
    expect(facilitator.get_by_role("heading", name="The group's largest gaps")).to_have_count(1)
    expect(facilitator.get_by_text(re.compile(r"a gap of \d+ points"))).to_have_count(3)
    expect(facilitator.get_by_text("No strategy has a group intent gap")).to_have_count(0)


def submit_and_wait(page) -> str:
    """Press Submit; the text of what came back: the result, or why the answer was not taken."""
    page.get_by_role("button", name="Submit").click()
    outcome = page.get_by_text("Your result", exact=True).or_(page.get_by_text("Please wait"))
    outcome.first.wait_for(timeout=30_000)
    wait_for_app(page)
    return page.locator('[data-testid="stMain"]').inner_text()


def test_one_browser_answers_once_and_a_burst_from_one_address_is_slowed_and_flagged(
    browser, room_server, screenshot_dir: Path
):
    """Finding 2: a new tab or private window could answer again and outvote k."""
    facilitator = browser.new_context(**PROJECTOR).new_page()
    sign_in(facilitator, room_server)
    code = open_session(facilitator, "One answer each", k=3)

    phone = browser.new_context(**PHONE)
    first_tab = phone.new_page()
    answer_to_the_last_step(first_tab, room_server, code, lambda *_: 4)
    assert "Your result" in submit_and_wait(first_tab)

    # A new tab of the same browser sends the browser's mark: it finds its own answer again
    # (and its result), never a second Start.
    second_tab = phone.new_page()
    second_tab.goto(f"{room_server}/?session={code}")
    second_tab.get_by_text("your answers for “One answer each” are saved").wait_for()
    expect(second_tab.get_by_role("link", name="See your result")).to_be_visible()
    assert second_tab.get_by_role("button", name="Start").count() == 0
    second_tab.screenshot(path=screenshot_dir / "workshop-second-tab-refused.png")

    # Private windows have no mark, but all come from one address: submitted within seconds of
    # each other, more than the pace allows (3 a minute) are slowed, whatever came before.
    private = [browser.new_context(**PHONE).new_page() for _ in range(4)]
    for window in private:
        answer_to_the_last_step(window, room_server, code, lambda *_: 1)
    outcomes = [submit_and_wait(window) for window in private]
    assert "Your result" in outcomes[0]
    assert "Please wait" in outcomes[3] and "your answers are kept" in outcomes[3]
    taken = sum("Your result" in text for text in outcomes)
    private[3].screenshot(path=screenshot_dir / "workshop-burst-slowed.png")

    # The facilitator sees all of it without doing anything.
    answers = 1 + taken
    expect(facilitator.locator(LIVE)).to_have_text(str(answers), timeout=20_000)
    shared = f"{answers} answers came from 1 shared network address"
    expect(facilitator.get_by_text(shared)).to_be_visible(timeout=20_000)
    expect(facilitator.get_by_text(f"{4 - taken} answer(s) were refused")).to_be_visible()
    facilitator.screenshot(path=screenshot_dir / "workshop-flags.png", full_page=True)
