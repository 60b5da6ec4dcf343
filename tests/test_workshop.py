"""Workshop sessions, group views and the incremental reader behind the live count."""

from __future__ import annotations

import json
import multiprocessing
import uuid
from pathlib import Path

import pandas as pd
import pytest

from alignment import history
from alignment.assessment import submit
from alignment.questionnaire import load_questionnaire
from alignment.response import build_response
from alignment.results import with_names
from alignment.scoring import score_responses
from alignment.store import StoreError, append_rows, load_responses
from alignment.workshop import (
    CODE_ALPHABET,
    LiveRows,
    Session,
    WorkshopError,
    code_problem,
    create_session,
    group_view,
    join_url,
    live,
    load_workshops,
    normalise_code,
    one_off_view,
    qr_png,
    set_join_base_url,
    top_gaps,
    update_session,
)
from tests.conftest import PROJECT_ROOT

PULSE = load_questionnaire(PROJECT_ROOT / "questionnaires" / "pulse.yaml")


def pulse_answers(value: int) -> dict[str, int]:
    return {item.id: value for item in PULSE.active_items}


def test_codes_avoid_ambiguous_characters(tmp_path: Path):
    path = tmp_path / "sessions.json"
    codes = {create_session(path, f"Room {n}", "pulse").code for n in range(40)}
    assert len(codes) == 40
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OI") & set(CODE_ALPHABET)


def test_typed_codes_are_normalised_and_explained():
    assert normalise_code(" k7p-xw3 ") == "K7PXW3"
    assert code_problem("k7p xw3") is None
    assert "never contain 0, O" in code_problem("K0PXO3")
    assert "6 letters" in code_problem("K7PX")
    assert "type the session code" in code_problem("  ")


def test_sessions_persist_and_change(tmp_path: Path):
    path = tmp_path / "sessions.json"
    created = create_session(path, "  Team day  ", "pulse", min_group=6)
    assert created.title == "Team day" and created.is_open and not created.revealed
    update_session(path, created.code.lower(), is_open=False, revealed=True)
    again = load_workshops(path).find(created.code)
    assert again == Session(**{**created.__dict__, "is_open": False, "revealed": True})
    assert json.loads(path.read_text())["sessions"][0]["code"] == created.code


@pytest.mark.parametrize(
    ("title", "k", "message"),
    [
        ("", 5, "give the session a title"),
        ("x" * 121, 5, "120 characters"),
        ("Day", 2, "at least 3"),
    ],
)
def test_bad_session_requests_are_refused(tmp_path: Path, title: str, k: int, message: str):
    path = tmp_path / "sessions.json"
    with pytest.raises(WorkshopError, match=message):
        create_session(path, title, "pulse", k)
    assert not path.exists()


def test_k_never_goes_below_three_and_unknown_codes_are_named(tmp_path: Path):
    path = tmp_path / "sessions.json"
    code = create_session(path, "Day", "pulse").code
    with pytest.raises(WorkshopError, match="below 3"):
        update_session(path, code, min_group=2)
    with pytest.raises(WorkshopError, match="ZZZZZZ"):
        update_session(path, "ZZZZZZ", is_open=False)
    assert load_workshops(path).find(code).min_group == 5


def test_damaged_sessions_file_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "sessions.json"
    path.write_text("{not json")
    with pytest.raises(StoreError, match="cannot read the workshop sessions"):
        load_workshops(path)
    with pytest.raises(StoreError):
        create_session(path, "Day", "pulse")
    assert path.read_text() == "{not json"  # never overwritten


def test_join_link_and_qr(tmp_path: Path):
    path = tmp_path / "sessions.json"
    assert set_join_base_url(path, "http://192.168.1.20:8501/").join_base_url == (
        "http://192.168.1.20:8501"
    )
    with pytest.raises(WorkshopError, match="http"):
        set_join_base_url(path, "192.168.1.20")
    assert join_url("http://h:8501/", "K7PXW3") == "http://h:8501/?session=K7PXW3"
    png = qr_png("http://h:8501/?session=K7PXW3")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def _session_scores(responses: list[tuple[str, int]], code: str = "K7PXW3") -> pd.DataFrame:
    frames = []
    for n, (alias, value) in enumerate(responses):
        frames.append(
            build_response(PULSE, alias, pulse_answers(value), session=code, response_id=f"r{n}")
        )
    rows = pd.concat(frames, ignore_index=True)
    rows["value"] = rows["value"].astype(float)
    rows["submitted_at"] = pd.Timestamp("2026-03-01", tz="UTC")
    return with_names(score_responses(rows, PULSE).strategies, PULSE)


def test_nothing_of_the_group_below_k():
    session = Session("K7PXW3", "Day", "pulse", min_group=5)
    scores = _session_scores([(f"p{n}", 4) for n in range(4)])
    for view in (group_view(scores, session), one_off_view(scores, session)):
        assert (view.count, view.visible, view.missing) == (4, False, 1)
        assert view.summary.empty


def test_group_summary_at_k_is_anonymous_and_right():
    session = Session("K7PXW3", "Day", "pulse", min_group=3)
    # Everyone answers 5 everywhere: purpose items score 100 unless reversed (then 0), so each
    # strategy has one dimension at 100 and the other at 0 (one reverse item per strategy).
    view = one_off_view(_session_scores([("Ana", 5), ("Ben", 5), ("Cy", 5)]), session)
    assert view.visible and view.count == 3
    assert set(view.summary["alignment"]) == {0.0}
    assert set(view.summary["answered"]) == {3}
    assert "respondent" not in view.summary.columns and "response_id" not in view.summary.columns
    assert len(view.summary) == len(PULSE.strategies)
    # Three people: no spread (quartiles from ten), and never a minimum or maximum.
    assert view.summary["alignment_median"].isna().all()
    assert not [c for c in view.summary.columns if c.endswith(("_min", "_max"))]


def test_top_gaps_are_the_most_negative_mean_gaps_with_actions():
    summary = pd.DataFrame(
        {
            "strategy": ["why", "goals", "wins", "selfcare"],
            "purpose": [80, 70, 50, 90],
            "performance": [40, 65, 70, 50],
        }
    )
    summary["gap"] = summary["performance"] - summary["purpose"]
    gaps = top_gaps(summary, PULSE)
    assert list(gaps["strategy"]) == ["why", "selfcare", "goals"]  # -40, -40, -5
    assert gaps["actions"].iloc[0] == PULSE.strategy_by_id["why"].actions


def test_live_rows_read_only_what_was_committed_since(tmp_path: Path, monkeypatch):
    path = tmp_path / "responses.csv"
    first = LiveRows().follow(path, "K7PXW3")
    assert first.rows.empty and first.restarted  # no file yet
    submit(path, PULSE, "Ana", pulse_answers(3), {}, response_id="a", session="K7PXW3")
    submit(path, PULSE, "Elsewhere", pulse_answers(1), {}, response_id="x", session="OTHER1")
    seen = first.follow(path, "K7PXW3")
    assert seen.restarted and set(seen.rows["response_id"]) == {"a"}
    whole_loads = []
    monkeypatch.setattr(live, "load_responses", lambda p: whole_loads.append(p))
    submit(path, PULSE, "Ben", pulse_answers(4), {}, response_id="b", session="K7PXW3")
    more = seen.follow(path, "K7PXW3")
    assert not more.restarted and whole_loads == []
    assert list(more.rows["response_id"].unique()) == ["a", "b"]
    assert (more.rows.loc[more.rows["response_id"] == "b", "value"] == 4).all()
    idle = more.follow(path, "K7PXW3")
    assert idle.rows.equals(more.rows) and idle.committed == more.committed


def test_live_scores_are_those_of_the_rows_and_only_new_responses_are_scored(
    tmp_path: Path, monkeypatch
):
    path = tmp_path / "responses.csv"
    submit(path, PULSE, "Ana", pulse_answers(3), {}, response_id="a", session="K7PXW3")
    seen = LiveRows().follow(path, "K7PXW3").scored_by(PULSE)
    scored = []
    real = history.score_responses
    monkeypatch.setattr(
        history, "score_responses", lambda f, q: scored.append(len(f)) or real(f, q)
    )
    idle = seen.follow(path, "K7PXW3").scored_by(PULSE)
    assert scored == [] and idle.strategies.equals(seen.strategies)
    submit(path, PULSE, "Ben", pulse_answers(5), {}, response_id="b", session="K7PXW3")
    grown = idle.follow(path, "K7PXW3").scored_by(PULSE)
    assert scored == [len(pulse_answers(5))]  # Ben's rows only
    whole = score_responses(grown.rows, PULSE).strategies
    pd.testing.assert_frame_equal(grown.strategies, whole)
    with pytest.raises(ValueError, match="scored_by"):
        _ = LiveRows(grown.rows).strategies


def test_live_rows_start_over_when_the_file_is_not_the_one_they_followed(tmp_path: Path):
    path = tmp_path / "responses.csv"
    submit(path, PULSE, "Ana", pulse_answers(3), {}, response_id="a", session="K7PXW3")
    seen = LiveRows().follow(path, "K7PXW3")
    replacement = tmp_path / "new.csv"
    submit(replacement, PULSE, "Cy", pulse_answers(2), {}, response_id="c", session="K7PXW3")
    replacement.replace(path)
    (tmp_path / "new.csv.commit").replace(tmp_path / "responses.csv.commit")
    again = seen.follow(path, "K7PXW3")
    assert again.restarted and set(again.rows["response_id"]) == {"c"}
    # Rewritten in place (the same inode, as a reused inode number would be) with other bytes
    # of the same length: the bytes where the last read ended tell them apart.
    data = path.read_bytes()
    cut = data.rindex(b",2,")
    path.write_bytes(data[:cut] + b",5," + data[cut + 3 :])
    rewritten = again.follow(path, "K7PXW3")
    assert rewritten.restarted and rewritten.rows["value"].iloc[-1] == 5


def _participant(args: tuple[str, int]) -> str:
    path, n = args
    response_id = str(uuid.uuid4())
    submit(
        Path(path),
        PULSE,
        f"Participant {n}",
        pulse_answers(1 + n % 5),
        {},
        response_id=response_id,
        session="K7PXW3",
    )
    return response_id


def test_thirty_participants_submitting_at_once_lose_nothing(tmp_path: Path):
    path = tmp_path / "responses.csv"
    append_rows(path, build_response(PULSE, "Earlier", pulse_answers(3), response_id="seed"))
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        ids = pool.map(_participant, [(str(path), n) for n in range(30)])
    loaded = load_responses(path)
    assert loaded.problems == []
    in_session = loaded.frame[loaded.frame["session"] == "K7PXW3"]
    assert set(in_session["response_id"]) == set(ids)
    assert (in_session.groupby("response_id").size() == len(PULSE.active_items)).all()
    # The live reader counts the same 30.
    assert LiveRows().follow(path, "K7PXW3").rows["response_id"].nunique() == 30
