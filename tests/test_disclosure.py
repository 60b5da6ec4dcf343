"""Disclosure control: no group number from fewer than k people, no two releases one person apart.

The attacks of issue 12 are replayed here on the domain: a refresh after one new answer, a
deletion after a release, a strategy answered by fewer than k people, and minimum/maximum at
small n. A property test then runs random sequences of submissions, releases, deletions,
questionnaire-version changes (answers that leave strategies out) and session comparisons.
"""

from __future__ import annotations

import contextlib
import tempfile
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment import chartsets
from alignment.numbers import whole_points
from alignment.questionnaire import load_questionnaire
from alignment.response import build_response
from alignment.scoring import score_responses
from alignment.workshop import (
    Session,
    Visibility,
    WorkshopError,
    create_session,
    group_view,
    load_workshops,
    one_off_view,
    plan_release,
    release_results,
    update_session,
)
from alignment.workshop.disclosure import CELL_DIMENSIONS, SPREAD_MIN
from tests.conftest import PROJECT_ROOT

PULSE = load_questionnaire(PROJECT_ROOT / "questionnaires" / "pulse.yaml")
STRATEGIES = [s.id for s in PULSE.strategies]


def person_scores(response_id: str, values: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """One response's per-strategy scores, as `Scores.strategies` has them."""
    columns = ["response_id", "strategy", "purpose", "performance", "alignment"]
    rows = [
        {
            "response_id": response_id,
            "strategy": strategy,
            "purpose": purpose,
            "performance": performance,
            "alignment": 100 - abs(performance - purpose),
        }
        for strategy, (purpose, performance) in values.items()
    ]
    return pd.DataFrame(rows, columns=columns)


def room(people: dict[str, dict[str, tuple[float, float]]]) -> pd.DataFrame:
    frames = [person_scores(rid, values) for rid, values in people.items()]
    if not frames:
        return person_scores("x", {}).iloc[0:0]
    return pd.concat(frames, ignore_index=True)


def everyone_answers(value: float) -> dict[str, tuple[float, float]]:
    return {s: (value, value) for s in STRATEGIES}


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    return tmp_path / "sessions.json"


def open_session(sessions: Path, k: int = 3) -> str:
    return create_session(sessions, "Room", "pulse", k).code


def saved(sessions: Path, code: str):
    return load_workshops(sessions).find(code)


# ---------------------------------------------------------------------------------------------
# Finding 3: every live refresh revealed the newest person


def test_a_refresh_after_one_new_answer_shows_nothing_new(sessions: Path):
    code = open_session(sessions, k=3)
    people = {f"r{n}": everyone_answers(20.0 * n) for n in range(3)}
    release_results(sessions, code, room(people))
    before = group_view(room(people), saved(sessions, code))
    assert before.visible

    people["newcomer"] = everyone_answers(100.0)  # the attacker knows this one's answers
    after = group_view(room(people), saved(sessions, code))
    assert after.visible
    assert after.count == 4 and after.pending == 1
    pd.testing.assert_frame_equal(after.summary, before.summary)
    # n * after - (n - 1) * before recovers nothing: the two are the same release.
    with pytest.raises(WorkshopError, match="3 \\(k\\)"):
        release_results(sessions, code, room(people))


def test_the_release_changes_only_when_k_more_have_answered(sessions: Path):
    code = open_session(sessions, k=3)
    people = {f"r{n}": everyone_answers(50.0) for n in range(3)}
    release_results(sessions, code, room(people))
    for n in range(2):
        people[f"new{n}"] = everyone_answers(90.0)
        assert not plan_release(room(people), 3, saved(sessions, code).releases).possible
    people["new2"] = everyone_answers(90.0)
    second = release_results(sessions, code, room(people)).last_release
    assert second.number == 2 and len(second.members) == 6
    view = group_view(room(people), saved(sessions, code))
    assert set(view.summary["purpose"]) == {70.0}  # (3·50 + 3·90) / 6


def test_a_deletion_after_a_release_withdraws_it_rather_than_recompute_it(sessions: Path):
    code = open_session(sessions, k=3)
    people = {f"r{n}": everyone_answers(10.0 + 30 * n) for n in range(4)}
    release_results(sessions, code, room(people))
    del people["r3"]  # "Delete my answers"
    view = group_view(room(people), saved(sessions, code))
    assert view.visibility is Visibility.WITHDRAWN
    assert view.summary.empty
    # Releasing the three who are left would differ from the shown release by one person.
    with pytest.raises(WorkshopError, match="changed since release 1"):
        release_results(sessions, code, room(people))
    people.update({f"n{n}": everyone_answers(60.0) for n in range(2)})
    release_results(sessions, code, room(people))  # 1 gone + 2 new = 3 = k changes
    assert group_view(room(people), saved(sessions, code)).visible


# ---------------------------------------------------------------------------------------------
# Finding 4: k was counted per session, not per number shown


def test_a_strategy_answered_by_fewer_than_k_is_not_shown(sessions: Path):
    code = open_session(sessions, k=3)
    people = {f"r{n}": {"why": (50.0, 50.0)} for n in range(3)}
    people["r0"]["wins"] = (100.0, 0.0)  # a strategy new in version 2, one answer
    release_results(sessions, code, room(people))
    summary = group_view(room(people), saved(sessions, code)).summary.set_index("strategy")
    assert "wins" not in summary.index
    assert summary.loc["why", "purpose_n"] == 3


def test_no_minimum_or_maximum_and_quartiles_only_from_ten(sessions: Path):
    code = open_session(sessions, k=3)
    people = {f"r{n}": everyone_answers(10.0 * n) for n in range(3)}
    release_results(sessions, code, room(people))
    summary = group_view(room(people), saved(sessions, code)).summary
    assert not any("min" in c or "max" in c for c in summary.columns)
    assert summary["alignment_median"].isna().all()  # 3 people: no spread at all

    # Alignment 100, 90, ..., 10: the box spans the middle half, never the lowest or highest.
    many = {f"r{n}": {s: (10.0 * n, 0.0) for s in STRATEGIES} for n in range(SPREAD_MIN)}
    view = one_off_view(room(many), saved(sessions, code))
    assert view.summary["alignment_median"].notna().all()
    fences = set(view.summary["alignment_low"]) | set(view.summary["alignment_high"])
    assert fences == {33.0, 78.0}  # 32.5 and 77.5, half up
    assert fences.isdisjoint({10.0, 100.0})


def test_numbers_the_room_sees_are_whole_points_rounded_half_up():
    assert list(whole_points(pd.Series([72.5, 57.5, 0.49, np.nan]))[:3]) == [73, 58, 0]
    people = {"a": {"why": (75.0, 50.0)}, "b": {"why": (70.0, 25.0)}, "c": {"why": (72.5, 0.0)}}
    session = Session("K7PXW3", "Room", "pulse", min_group=3)
    summary = one_off_view(room(people), session).summary.set_index("strategy")
    assert summary.loc["why", "purpose"] == 73  # 72.5
    assert summary.loc["why", "performance"] == 25
    assert summary.loc["why", "gap"] == 25 - 73


def test_hide_and_show_again_keep_the_same_release(sessions: Path):
    code = open_session(sessions, k=3)
    people = {f"r{n}": everyone_answers(40.0) for n in range(3)}
    release_results(sessions, code, room(people))
    update_session(sessions, code, revealed=False)
    assert group_view(room(people), saved(sessions, code)).visibility is Visibility.HIDDEN
    update_session(sessions, code, revealed=True)
    assert group_view(room(people), saved(sessions, code)).visible
    assert saved(sessions, code).last_release.number == 1


def test_k_cannot_go_down_once_released(sessions: Path):
    code = open_session(sessions, k=4)
    release_results(sessions, code, room({f"r{n}": everyone_answers(40.0) for n in range(4)}))
    with pytest.raises(WorkshopError, match="stays at 4"):
        update_session(sessions, code, min_group=3)
    assert update_session(sessions, code, min_group=6).min_group == 6


def test_a_session_comparison_shows_only_releases(sessions: Path):
    first, second = open_session(sessions), open_session(sessions)
    people = {f"r{n}": everyone_answers(40.0) for n in range(3)}
    others = {f"s{n}": everyone_answers(80.0) for n in range(3)}
    release_results(sessions, first, room(people))
    shown = (saved(sessions, first), group_view(room(people), saved(sessions, first)))
    unreleased = (saved(sessions, second), group_view(room(others), saved(sessions, second)))
    with pytest.raises(chartsets.ChartSetError, match="no group results on show"):
        chartsets.sessions_compared(shown, unreleased, PULSE)
    release_results(sessions, second, room(others))
    released = (saved(sessions, second), group_view(room(others), saved(sessions, second)))
    compared = chartsets.sessions_compared(shown, released, PULSE)
    change = compared.chart("group-alignment-change").data
    assert set(change["alignment_before"]) == {100.0}


def test_scores_from_a_real_questionnaire_release_cleanly(sessions: Path):
    """The same rules on scores made by the scoring engine from pulse answers."""
    code = open_session(sessions, k=3)
    frames = [
        build_response(PULSE, f"P{n}", {i.id: 1 + n for i in PULSE.active_items}, session=code)
        for n in range(3)
    ]
    rows = pd.concat(frames, ignore_index=True)
    rows["value"] = rows["value"].astype(float)
    rows["submitted_at"] = pd.Timestamp("2026-03-01", tz="UTC")
    strategies = score_responses(rows, PULSE).strategies
    release_results(sessions, code, strategies)
    view = group_view(strategies, saved(sessions, code))
    assert len(view.summary) == len(PULSE.strategies)
    assert (view.summary["answered"] == 3).all()


# ---------------------------------------------------------------------------------------------
# The property: whatever happens, every released cell has k people, and releases differ by 0
# or at least k people, cell by cell.

person = st.dictionaries(
    st.sampled_from(STRATEGIES[:4]),
    st.tuples(st.sampled_from([0.0, 25.0, 50.0, 75.0, 100.0]), st.sampled_from([0.0, 50.0])),
    min_size=1,
)
# Submissions and releases come most often, as in a room; deletions and hiding now and then.
action = st.one_of(
    st.tuples(st.just("submit"), person),
    st.tuples(st.just("submit"), person),
    st.tuples(st.just("release"), st.none()),
    st.tuples(st.just("release"), st.none()),
    st.tuples(st.just("delete"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("hide"), st.booleans()),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(k=st.integers(min_value=3, max_value=5), actions=st.lists(action, max_size=40))
def test_every_release_obeys_k_whatever_happens(k: int, actions: list):
    with tempfile.TemporaryDirectory() as folder:
        sessions = Path(folder) / "sessions.json"
        code = open_session(sessions, k=k)
        people: dict[str, dict[str, tuple[float, float]]] = {}
        for number, (kind, payload) in enumerate(actions):
            if kind == "submit":
                people[f"p{number}"] = payload
            elif kind == "delete" and people:
                del people[sorted(people)[payload % len(people)]]
            elif kind == "hide":
                update_session(sessions, code, revealed=payload)
            else:
                with contextlib.suppress(WorkshopError):
                    release_results(sessions, code, room(people))
            view = group_view(room(people), saved(sessions, code))
            if view.visible:
                assert_view_is_its_release(view, people, k)
        releases = saved(sessions, code).releases
        for release in releases:
            assert len(release.members) >= k
            for cell in release.cells:
                assert len(release.contributors(cell)) >= k, cell
        for earlier, later in combinations(releases, 2):
            changed = len(set(earlier.members) ^ set(later.members))
            assert changed == 0 or changed >= k
            for cell in set(earlier.cells) & set(later.cells):
                moved = len(earlier.contributors(cell) ^ later.contributors(cell))
                assert moved == 0 or moved >= k, (cell, moved)


def assert_view_is_its_release(view, people: dict, k: int) -> None:
    """What is on show is computed from exactly the release's people, k or more per number."""
    release = view.release
    assert set(release.members) <= set(people)
    for _, row in view.summary.iterrows():
        for dimension in CELL_DIMENSIONS:
            contributors = release.contributors(f"{row['strategy']}/{dimension}")
            if pd.isna(row[dimension]):
                assert not contributors or row[f"{dimension}_n"] != row[f"{dimension}_n"]
                continue
            assert len(contributors) >= k
            assert row[f"{dimension}_n"] == len(contributors)
            values = [
                _dimension(people[rid][row["strategy"]], dimension) for rid in sorted(contributors)
            ]
            assert row[dimension] == whole_points(pd.Series([np.mean(values)])).iloc[0]


def _dimension(pair: tuple[float, float], dimension: str) -> float:
    purpose, performance = pair
    return {"purpose": purpose, "performance": performance}.get(
        dimension, 100 - abs(performance - purpose)
    )
