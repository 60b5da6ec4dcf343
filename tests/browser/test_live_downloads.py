"""Downloads on the Workshop page while its live panels redraw every few seconds.

A download button redrawn by a fragment gets a new file id at every redraw, and the old one is
dropped: a press that met a redraw used to fetch nothing ("Deferred file … not found"). Each
press here waits for the next frame the server sends (a live redraw in progress) or goes at once
(anywhere in the cycle), in several tabs and on several buttons; every one must bring its file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from alignment import config
from alignment.chartsets import session_charts
from alignment.scoring import score_responses
from alignment.store import load_responses
from alignment.ui.workshop import LIVE_REFRESH_SECONDS
from alignment.workshop import group_view, load_workshops
from tests.browser.conftest import running_app
from tests.browser.helpers import DESKTOP, wait_for_app
from tests.test_journey import PULSE
from tests.test_workshop_pages import add_response, new_session, release, sessions_file

pytestmark = pytest.mark.browser

PRESSES = 40
TABS = 4
PARTICIPANTS = 3


@dataclass(frozen=True)
class Press:
    """One download button: the chart menu it sits in (None: on the page) and its file."""

    menu: int | None
    label: str
    file_name: str


def revealed_session(monkeypatch: pytest.MonkeyPatch, data: Path) -> list[Press]:
    """Open a session in the server's data folder with its results on show; its download
    buttons with the names their files must have."""
    monkeypatch.setenv("ALIGNMENT_DATA_DIR", str(data))
    code = new_session("Download check", min_group=PARTICIPANTS)
    for seed in range(PARTICIPANTS):
        add_response(code, f"Participant {seed}", seed=seed)
    release(code)
    frame = load_responses(config.responses_path()).frame
    session = load_workshops(sessions_file()).find(code)
    strategies = score_responses(frame[frame["session"] == code], PULSE).strategies
    group = session_charts(group_view(strategies, session), session, PULSE)
    presses = [
        Press(menu, label, f"{group.file_name(chart.name)}.{extension}")
        for menu, chart in enumerate(group.charts)
        for label, extension in (("The data (CSV)", "csv"), ("Interactive page (HTML)", "html"))
    ]
    presses.append(
        Press(None, "Group report (PDF, A4)", f"{group.file_name('group-report')}_a4.pdf")
    )
    return presses


def press_once(page, stream, press: Press, *, at_a_redraw: bool, folder: Path) -> str:
    """Press a download button; "" when its file came whole with the right name, else why not.

    `at_a_redraw`: press as the next frame arrives from the server (a live panel redrawing).
    """
    if press.menu is not None:
        page.locator('[data-testid="stMain"] [data-testid="stPopover"] button').nth(
            press.menu
        ).click()
    button = page.get_by_role("button", name=press.label)
    button.wait_for()
    if at_a_redraw:
        stream.wait_for_event("framereceived", timeout=LIVE_REFRESH_SECONDS * 3_000)
    try:
        with page.expect_download(timeout=20_000) as pending:
            button.click()
        download = pending.value
        saved = folder / f"{len(list(folder.iterdir()))}-{download.suggested_filename}"
        download.save_as(saved)  # waits until the file is all there
    except PlaywrightError as exc:
        return f"{press.label}: no file ({exc.message.splitlines()[0]})"
    finally:
        page.keyboard.press("Escape")  # closes the chart's menu
    if download.suggested_filename != press.file_name:
        return f"{press.label}: named {download.suggested_filename}, not {press.file_name}"
    if saved.stat().st_size == 0:
        return f"{press.label}: an empty file"
    return ""


def test_every_download_press_brings_its_file_while_the_panels_redraw(
    browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screenshot_dir: Path
):
    with running_app(tmp_path) as url:
        presses = revealed_session(monkeypatch, tmp_path / "app-data")
        context = browser.new_context(**DESKTOP, accept_downloads=True)
        tabs = []
        for _ in range(TABS):
            page = context.new_page()
            with page.expect_websocket(lambda ws: "_stcore/stream" in ws.url) as opened:
                page.goto(f"{url}/workshop")
            stream = opened.value
            wait_for_app(page)
            page.locator('[data-testid="stMain"] [data-testid="stPopover"]').first.wait_for()
            tabs.append((page, stream))
        tabs[0][0].screenshot(path=screenshot_dir / "workshop-live-downloads.png")
        folder = tmp_path / "downloads"
        folder.mkdir()
        cycle = itertools.cycle(itertools.product(presses, range(TABS)))
        lost = []
        for number in range(PRESSES):
            press, tab = next(cycle)
            page, stream = tabs[tab]
            problem = press_once(page, stream, press, at_a_redraw=number % 2 == 0, folder=folder)
            if problem:
                lost.append(f"press {number + 1}, tab {tab + 1}: {problem}")
    log = (tmp_path / "streamlit.log").read_text(errors="replace")
    assert not lost, f"{len(lost)} of {PRESSES} presses lost: {lost}"
    assert "MediaFileStorageError" not in log
    assert len(list(folder.iterdir())) == PRESSES
