"""A history grown by appends equals a fresh load, and is read whole again when it must be."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from alignment import history, store
from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.questionnaire import load_questionnaire
from alignment.response import build_response
from alignment.scoring import score_responses
from alignment.store import append_rows, delete_responses, load_responses
from tests.conftest import assert_text_in_one_chunk

MAIN = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
PULSE = load_questionnaire(SHIPPED_QUESTIONNAIRES / "pulse.yaml")
START = datetime(2026, 6, 1, 9, tzinfo=UTC)


def response(alias: str, value: int, minutes: int, questionnaire=MAIN) -> pd.DataFrame:
    answers = {item.id: value for item in questionnaire.active_items}
    reflections = {r.id: f'{alias} says "hi",\nthen more' for r in questionnaire.reflections}
    return build_response(
        questionnaire,
        alias,
        answers,
        reflections,
        session="ROOM1",
        submitted_at=START + timedelta(minutes=minutes),
    )


class CountingLoads:
    """How often the history read a file whole."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0

        def counted(path):
            self.count += 1
            return load_responses(path)

        monkeypatch.setattr(history, "load_responses", counted)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "responses.csv"
    for n in range(5):
        append_rows(path, response(f"Leader {n}", 1 + n % 5, n))
    return path


def assert_same_as_a_fresh_load(histories: history.Histories, path: Path) -> None:
    fresh = load_responses(path).frame
    grown_frame = histories.responses(path).frame
    pd.testing.assert_frame_equal(grown_frame, fresh)
    assert_text_in_one_chunk(grown_frame)
    for questionnaire in (MAIN, PULSE):
        grown, whole = histories.scores(path, questionnaire), score_responses(fresh, questionnaire)
        pd.testing.assert_frame_equal(grown.strategies, whole.strategies)
        pd.testing.assert_frame_equal(grown.overall, whole.overall)
        assert grown.report == whole.report
        assert_text_in_one_chunk(grown.strategies)
        assert_text_in_one_chunk(grown.overall)


def test_appends_grow_the_history_without_reading_it_whole(saved: Path, monkeypatch):
    loads = CountingLoads(monkeypatch)
    histories = history.Histories()
    assert_same_as_a_fresh_load(histories, saved)
    for n in range(5, 9):
        # New people, new items and a questionnaire the first scores had not seen.
        append_rows(saved, response(f"Newcomer {n}", 5 - n % 5, 100 + n))
        append_rows(saved, response(f"Pulse {n}", 3, 100 + n, PULSE))
        assert_same_as_a_fresh_load(histories, saved)
    assert loads.count == 1


def test_saves_wait_beside_the_history_until_a_page_needs_it_whole(saved: Path, monkeypatch):
    joins = []
    real = history._appended
    monkeypatch.setattr(history, "_appended", lambda *parts: joins.append(parts) or real(*parts))
    histories = history.Histories()
    histories.responses(saved)
    added = [response(f"Burst {n}", 1 + n % 5, 200 + n) for n in range(4)]
    for rows in added:
        append_rows(saved, rows)
        own = histories.responses_with_ids(saved, [rows["response_id"].iloc[0]]).frame
        assert own["respondent"].unique().tolist() == [rows["respondent"].iloc[0]]
    assert joins == []
    assert_same_as_a_fresh_load(histories, saved)
    assert len(joins) == 1 and len(joins[0][1]) == 4  # the four saves, joined once


@pytest.mark.parametrize("joined_first", [False, True])
def test_a_participants_rows_are_those_of_a_fresh_load(saved: Path, joined_first: bool):
    histories = history.Histories()
    first = load_responses(saved).frame["response_id"].iloc[0]
    histories.responses(saved)
    later = response("Later", 4, 300)
    append_rows(saved, later)
    if joined_first:
        histories.responses(saved)
    wanted = [later["response_id"].iloc[0], first, "not-saved"]
    fresh = load_responses(saved).frame
    expected = store.with_text_columns(fresh[fresh["response_id"].isin(wanted)])
    found = histories.responses_with_ids(saved, wanted).frame
    pd.testing.assert_frame_equal(found, expected.reset_index(drop=True))
    assert histories.responses_with_ids(saved, ["not-saved"]).frame.empty


def test_an_older_response_appended_is_sorted_into_the_scores(saved: Path):
    histories = history.Histories()
    assert_same_as_a_fresh_load(histories, saved)
    append_rows(saved, response("Imported last year", 2, -525_600))
    assert_same_as_a_fresh_load(histories, saved)


def test_a_delete_reads_the_file_whole_again(saved: Path, monkeypatch):
    loads = CountingLoads(monkeypatch)
    histories = history.Histories()
    first = histories.responses(saved).frame
    delete_responses(saved, [first["response_id"].iloc[0]])
    append_rows(saved, response("After the delete", 4, 300))
    assert_same_as_a_fresh_load(histories, saved)
    assert loads.count == 2


def test_a_file_replaced_by_another_is_read_whole(saved: Path, tmp_path: Path, monkeypatch):
    loads = CountingLoads(monkeypatch)
    histories = history.Histories()
    histories.responses(saved)
    other = tmp_path / "other.csv"
    for n in range(8):
        append_rows(other, response(f"Other {n}", 3, n))
    os.replace(other, saved)
    os.replace(store._commit_path(other), store._commit_path(saved))
    assert_same_as_a_fresh_load(histories, saved)
    assert loads.count == 2


def test_bytes_changed_in_place_under_the_same_mark_are_not_taken_for_growth(saved: Path):
    """An inode number comes back after rewrites: the bytes before the mark must match too."""
    histories = history.Histories()
    histories.responses(saved)
    data = saved.read_bytes()
    changed = data.replace(b"then more", b"THEN MORE")
    with open(saved, "r+b") as handle:  # same file, same size, other bytes
        handle.write(changed)
    append_rows(saved, response("Later", 4, 500))
    assert_same_as_a_fresh_load(histories, saved)
    assert "THEN MORE" in histories.responses(saved).frame["text"].str.cat()


def test_a_file_without_a_commit_mark_is_read_whole_each_time_it_changes(tmp_path, monkeypatch):
    copy = tmp_path / "copied.csv"
    shutil.copy(SAMPLE_RESPONSES, copy)
    loads = CountingLoads(monkeypatch)
    histories = history.Histories()
    histories.responses(copy)
    histories.responses(copy)
    assert loads.count == 1  # unchanged: the load is kept
    with open(copy, "ab") as handle:
        handle.write(store.rows_to_csv_bytes(response("By hand", 2, 9_000)))
    assert_same_as_a_fresh_load(histories, copy)
    assert loads.count == 2
    append_rows(copy, response("Saved", 3, 9_001))  # the first save marks the file
    assert_same_as_a_fresh_load(histories, copy)
    assert loads.count == 2  # and what it appended is read on its own


def test_a_page_changing_its_frame_does_not_change_the_next_pages(saved: Path):
    histories = history.Histories()
    frame = histories.responses(saved).frame
    frame["respondent"] = "someone else"
    frame.loc[frame.index[0], "value"] = 99.0
    assert_same_as_a_fresh_load(histories, saved)
