"""Disclosure control: which group numbers anyone may see, and when they may change.

A *cell* is one published group number: a strategy's mean purpose, mean performance or mean
alignment (with its count of answers, and from `SPREAD_MIN` answers its quartiles). The rules:

- a cell is published only when at least k distinct participants contributed to it; no
  minimum or maximum is ever shown, and the spread only from `SPREAD_MIN` contributors;
- the room sees whole points (half up), never decimals;
- after Reveal the group view is a frozen *release*: it records who each published cell was
  computed from, and the view is computed again from exactly those people, so it does not move
  as answers arrive;
- a new release needs at least k participants, must differ from every earlier release by 0 or
  by at least k participants, and publishes a cell only when its contributors differ from that
  cell in every earlier release by 0 or by at least k people — so subtracting two releases never
  isolates fewer than k people;
- a release whose member deleted their answers is withdrawn, never recomputed without them
  (that difference would be the deleted person's scores).

Session comparisons compare two releases, so they inherit these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from alignment.numbers import whole_points
from alignment.questionnaire import Questionnaire
from alignment.workshop.sessions import (
    Release,
    Session,
    WorkshopError,
    change_session,
    utc_now,
)

CELL_DIMENSIONS = ("purpose", "performance", "alignment")
SPREAD_MIN = 10  # quartiles of fewer people come too close to naming someone's score


def cell_key(strategy: str, dimension: str) -> str:
    return f"{strategy}/{dimension}"


def contributions(strategy_scores: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Who contributed to each cell: the responses with a score on that strategy-dimension."""
    cells: dict[str, frozenset[str]] = {}
    for dimension in CELL_DIMENSIONS:
        scored = strategy_scores.loc[strategy_scores[dimension].notna()]
        for strategy, ids in scored.groupby("strategy", sort=False, observed=True)["response_id"]:
            cells[cell_key(str(strategy), dimension)] = frozenset(str(i) for i in ids)
    return cells


def _differs_safely(now: frozenset[str], before: frozenset[str], k: int) -> bool:
    changed = len(now ^ before)
    return changed == 0 or changed >= k


@dataclass(frozen=True)
class ReleasePlan:
    """What a release now would publish, or why there can be none (for the facilitator)."""

    cells: dict[str, frozenset[str]]
    members: frozenset[str]
    reason: str | None

    @property
    def possible(self) -> bool:
        return self.reason is None


def plan_release(
    strategy_scores: pd.DataFrame, min_group: int, earlier: Iterable[Release] = ()
) -> ReleasePlan:
    """The cells a release of these responses may publish against the releases before it."""
    earlier = tuple(earlier)
    members = frozenset(str(i) for i in strategy_scores["response_id"].unique())
    count = len(members)
    if count < min_group:
        return ReleasePlan(
            {},
            members,
            f"{count} of at least {min_group} responses so far: {min_group - count} more needed "
            "before anything of the group is shown.",
        )
    for release in earlier:
        changed = len(members ^ frozenset(release.members))
        if changed == 0 and release is earlier[-1]:
            return ReleasePlan({}, members, "Nothing has changed since the last release.")
        if 0 < changed < min_group:
            return ReleasePlan(
                {},
                members,
                f"{changed} response(s) changed since release {release.number}: results can "
                f"change once {min_group} (k) have, so no one's answers can be worked out by "
                "comparing the two.",
            )
    published = {
        cell: ids
        for cell, ids in contributions(strategy_scores).items()
        if len(ids) >= min_group
        and all(
            _differs_safely(ids, release.contributors(cell), min_group)
            for release in earlier
            if cell in release.cells
        )
    }
    if not published:
        return ReleasePlan(
            {}, members, f"No strategy has answers from {min_group} (k) people who can be shown."
        )
    return ReleasePlan(published, members, None)


def release_results(
    path: Path, code: str, strategy_scores: pd.DataFrame, *, released_at: str | None = None
) -> Session:
    """Publish the group's results now (and show them); WorkshopError says why not.

    `strategy_scores` are the per-strategy scores of this session's responses. The plan is
    checked against the releases saved at the moment of writing, under the sessions lock.
    """

    def publish(session: Session) -> Session:
        plan = plan_release(strategy_scores, session.min_group, session.releases)
        if plan.reason is not None:
            raise WorkshopError(plan.reason)
        number, when = len(session.releases) + 1, released_at or utc_now()
        release = Release.of(number, when, plan.members, plan.cells)
        return replace(session, releases=(*session.releases, release), revealed=True)

    return change_session(path, code, publish)


class Visibility(StrEnum):
    SHOWN = "shown"
    WAITING = "waiting"  # fewer than k responses, nothing released yet
    NOT_RELEASED = "not_released"  # k reached, the facilitator has not released yet
    HIDDEN = "hidden"  # released, then hidden by the facilitator
    WITHDRAWN = "withdrawn"  # a member of the last release deleted their answers


@dataclass(frozen=True)
class GroupView:
    """What a room may see of one session: the last release, if it stands; nothing else."""

    count: int  # responses in the session now (a count of people, not a score)
    min_group: int
    summary: pd.DataFrame  # published cells of the release, whole points; empty unless shown
    visibility: Visibility
    release: Release | None = None
    pending: int = 0  # responses that arrived (or left) since the release

    @property
    def visible(self) -> bool:
        return self.visibility is Visibility.SHOWN

    @property
    def missing(self) -> int:
        return max(0, self.min_group - self.count)


def summarise(strategy_scores: pd.DataFrame, cells: Mapping[str, frozenset[str]]) -> pd.DataFrame:
    """Per strategy: each published cell's mean (whole points) and count; the rest missing.

    Quartiles of alignment only from `SPREAD_MIN` contributors; never a minimum or a maximum.
    Each number is made of exactly its cell's contributors, looked up by (strategy, response):
    a few small arrays, since live panels redraw this every few seconds.
    """
    strategies = [str(v) for v in strategy_scores["strategy"].to_numpy(dtype=object)]
    responses = [str(v) for v in strategy_scores["response_id"].to_numpy(dtype=object)]
    row_of = {key: n for n, key in enumerate(zip(strategies, responses, strict=True))}
    values = {d: strategy_scores[d].to_numpy(dtype="float64") for d in CELL_DIMENSIONS}
    rows = []
    for strategy in dict.fromkeys(strategies):
        row: dict[str, object] = {"strategy": strategy}
        for dimension in CELL_DIMENSIONS:
            ids = cells.get(cell_key(strategy, dimension), frozenset())
            found = values[dimension][
                [row_of[(strategy, i)] for i in ids if (strategy, i) in row_of]
            ]
            row[dimension] = found.mean() if len(found) else np.nan
            row[f"{dimension}_n"] = len(found) if len(found) else np.nan
        spread = found if len(found) >= SPREAD_MIN else None  # `found` is alignment's here
        quartiles = np.quantile(spread, [0.25, 0.5, 0.75]) if spread is not None else [np.nan] * 3
        row.update(zip(_SPREAD_COLUMNS, quartiles, strict=True))
        rows.append(row)
    summary = pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)
    numbers = ["purpose", "performance", "alignment", *_SPREAD_COLUMNS]
    summary[numbers] = whole_points(summary[numbers])
    summary["gap"] = summary["performance"] - summary["purpose"]
    summary["answered"] = summary["alignment_n"]
    counted = summary[["purpose_n", "performance_n", "alignment_n"]].notna().any(axis=1)
    return summary[counted].reset_index(drop=True)


_SPREAD_COLUMNS = ("alignment_low", "alignment_median", "alignment_high")
_SUMMARY_COLUMNS = [
    "strategy",
    "purpose",
    "purpose_n",
    "performance",
    "performance_n",
    "alignment",
    "alignment_n",
    "alignment_low",
    "alignment_median",
    "alignment_high",
]


def group_view(strategy_scores: pd.DataFrame, session: Session) -> GroupView:
    """The session's group results as the room may see them now.

    `strategy_scores` are per-strategy scores (as `Scores.strategies`) of this session only.
    """
    present = frozenset(str(i) for i in strategy_scores["response_id"].unique())
    count, k = len(present), session.min_group
    release = session.last_release
    empty = pd.DataFrame(columns=[*_SUMMARY_COLUMNS, "gap", "answered"])
    if release is None:
        waiting = Visibility.WAITING if count < k else Visibility.NOT_RELEASED
        return GroupView(count, k, empty, waiting)
    members = frozenset(release.members)
    pending = len(present ^ members)
    if not members <= present:
        return GroupView(count, k, empty, Visibility.WITHDRAWN, release, pending)
    if not session.revealed:
        return GroupView(count, k, empty, Visibility.HIDDEN, release, pending)
    cells = {cell: release.contributors(cell) for cell in release.cells}
    summary = summarise(strategy_scores, cells)
    return GroupView(count, k, summary, Visibility.SHOWN, release, pending)


def one_off_view(strategy_scores: pd.DataFrame, session: Session) -> GroupView:
    """A group view of responses that no session on record holds (a file given to the CLI)."""
    plan = plan_release(strategy_scores, session.min_group)
    if not plan.possible:
        empty = pd.DataFrame(columns=[*_SUMMARY_COLUMNS, "gap", "answered"])
        return GroupView(len(plan.members), session.min_group, empty, Visibility.WAITING)
    release = Release.of(1, utc_now(), plan.members, plan.cells)
    return group_view(strategy_scores, replace(session, releases=(release,), revealed=True))


def top_gaps(summary: pd.DataFrame, questionnaire: Questionnaire, limit: int = 3) -> pd.DataFrame:
    """The group's largest intent gaps (mean performance below mean purpose), with actions."""
    gaps = summary.dropna(subset=["gap"]).sort_values("gap").head(limit).copy()
    gaps["actions"] = gaps["strategy"].map(
        lambda sid: (
            questionnaire.strategy_by_id[sid].actions if sid in questionnaire.strategy_by_id else []
        )
    )
    return gaps
