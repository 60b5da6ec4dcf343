"""An open page holds no copy of the responses: at a million answer rows each copy is ~100 MB,
and a browser tab can stay open all day."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import alignment.ui
import alignment.ui.data
import alignment.ui.workshop
from alignment import ui
from alignment.config import SAMPLE_RESPONSES
from alignment.store import load_responses
from tests.conftest import PROJECT_ROOT

PAGES = ["views/results.py", "views/trends.py", "views/data.py"]
# What a visitor opens on the page so that it offers its files (Trends' charts wait in tabs).
OPENED = {"views/trends.py": {"trends_tab": "Over time"}}


def whole_histories(rows: int) -> list[pd.DataFrame]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, pd.DataFrame) and len(o) == rows]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_keeps_no_copy_of_the_responses_after_its_run(
    page: str, monkeypatch: pytest.MonkeyPatch
):
    # Streamlit keeps every download button's file maker until the page is left or closed;
    # here the test keeps them, as the server would.
    makers: list[Callable[[], bytes]] = []
    original = alignment.ui.download

    def kept(place, label, make, *args, **kwargs) -> None:
        makers.append(make)
        original(place, label, make, *args, **kwargs)

    for module in (alignment.ui, alignment.ui.data, alignment.ui.workshop):
        monkeypatch.setattr(module, "download", kept)
    rows = len(load_responses(SAMPLE_RESPONSES).frame)
    before = {id(frame) for frame in whole_histories(rows)}  # (other tests' module constants)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.SOURCE_KEY] = ui.SAMPLE
    for key, value in OPENED.get(page, {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(makers) >= 4  # the page offered its files
    # The cache keeps its copy pickled; a live frame of the whole history is one that a widget,
    # a download button or the script's globals still hold.
    assert [f for f in whole_histories(rows) if id(f) not in before] == []
    assert makers  # (kept alive until here)
