"""Shared fixtures: every test gets its own data folder, never the user's data."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# What a browser on Present sends as its address; AppTest sends none unless told. The app reads
# it before a page is picked: on this address ?session= names the session shown, never a join.
PRESENT_URL = "http://localhost:8501/present"


def browser_address(at, page: str) -> None:
    """Give an AppTest the address a browser would have on `page` (only Present needs one)."""
    if page == "views/present.py":
        at.context["url"] = PRESENT_URL


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("ALIGNMENT_DATA_DIR", str(data))
    return data


@pytest.fixture(scope="session")
def chart_renderer() -> None:
    """Chart images and reports need Chromium: under CI=true its absence fails, else skips."""
    from alignment import images

    problem = images.static_export_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)


def assert_text_in_one_chunk(frame: pd.DataFrame) -> None:
    """Text columns in one Arrow chunk: taking rows of a chunked one copies the whole column."""
    for name in frame.columns:
        if isinstance(frame[name].array, pd.arrays.ArrowStringArray):
            chunks = pa.array(frame[name].array)
            assert not isinstance(chunks, pa.ChunkedArray) or chunks.num_chunks == 1, name


# The parts of Results whose charts wait until they come into view (Trends' wait behind tabs).
CHART_PARTS = (("results", "all"),)


def charts_come_into_view(at) -> None:
    """What a browser reports once the visitor scrolls to the charts; AppTest has no browser."""
    from alignment import ui

    for view, part in CHART_PARTS:
        at.session_state[ui.charts_seen_key(view, part)] = True
