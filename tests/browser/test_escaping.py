"""Hostile text in a real browser: every page of the real app shows it as written.

The hostile questionnaire, responses and sessions are those of `tests/test_escaping.py`, whose
element-tree walk covers the same pages in AppTest.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page

from alignment import config
from tests.browser.conftest import running_app
from tests.browser.helpers import DESKTOP
from tests.test_escaping import Hostile, hostile, rendered_leaks, settled  # noqa: F401

pytestmark = pytest.mark.browser


def test_chromium_shows_hostile_text_as_written(hostile: Hostile, browser, tmp_path: Path):  # noqa: F811 (the fixture)
    problems: list[str] = []

    def look(page: Page, place: str) -> None:
        """Every tab of the page (a hidden tab's text is not on screen), which has to show some
        hostile text."""
        settled(page)
        tabs = page.get_by_role("tab").all()
        shown = False
        for tab in tabs or [None]:
            if tab is not None:
                tab.click()
            seen, found = rendered_leaks(page, f"{place} {tab.inner_text() if tab else ''}")
            shown = shown or seen
            problems.extend(found)
        assert shown, f"{place} shows none of the hostile text"

    with running_app(tmp_path, ALIGNMENT_DATA_DIR=str(config.data_dir())) as url:
        page = browser.new_page(**DESKTOP)
        for path in ("/", "/results", "/trends", "/data", "/workshop", "/assess"):
            page.goto(f"{url}{path}")
            look(page, path)
            if path == "/workshop":  # Present opens on the session chosen there
                page.get_by_role("link", name="Present on the shared screen").click()
                look(page, "/present")
        page.get_by_role("textbox", name="Your name or alias").fill("Kim")
        page.get_by_role("button", name="Start").click()
        page.get_by_text("Strategy 1 of 10").wait_for()
        look(page, "/assess, first step")
    counted = Counter(problems)
    assert not counted, "\n" + "\n".join(f"{p} ({n} times)" for p, n in counted.items())
