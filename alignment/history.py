"""The responses history held in memory and grown by what is appended, with its scores.

Each save changes the file, and every open page needs the history again: re-reading a million
answer rows after each of thirty participants' saves costs seconds of server time per save. The
file only grows between deletes, so the last load is extended by the bytes committed since, and
scores by scoring the new responses only. A delete, a replaced file, or anything the fast reader
is unsure of reads the file whole again, so a grown history always equals a fresh load.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from alignment.questionnaire import Questionnaire
from alignment.scoring import Scores, ScoringReport, score_responses
from alignment.store import (
    LoadedResponses,
    load_responses,
    read_committed_after,
    responses_identity,
    text_in_one_chunk,
)


@dataclass
class _Followed:
    """The latest load of one file, and scores of its first `rows` rows per questionnaire."""

    identity: tuple
    loaded: LoadedResponses
    scores: dict[str, tuple[int, Scores]] = field(default_factory=dict)


class Histories:
    """The latest history of each responses file, shared by every session of a server process.

    The frames handed out are shallow copies (pandas copies on write), so a page that changes
    its frame never changes what the next page gets.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._followed: dict[str, _Followed] = {}

    def responses(self, path: Path) -> LoadedResponses:
        """Every committed response of `path`, read whole only when it did not just grow."""
        with self._lock:
            followed = self._current(path)
        return replace(followed.loaded, frame=followed.loaded.frame.copy(deep=False))

    def scores(self, path: Path, questionnaire: Questionnaire) -> Scores:
        """Scores of every response in `path` to `questionnaire`; only new responses are scored."""
        key = questionnaire.model_dump_json()
        with self._lock:
            followed = self._current(path)
            frame = followed.loaded.frame
            scored = followed.scores.get(key)
            if scored is None or scored[0] != len(frame):
                scores = _grown_scores(scored, frame, questionnaire)
                followed.scores[key] = (len(frame), scores)
            scores = followed.scores[key][1]
        return replace(
            scores,
            strategies=scores.strategies.copy(deep=False),
            overall=scores.overall.copy(deep=False),
        )

    def forget(self) -> None:
        with self._lock:
            self._followed.clear()

    def _current(self, path: Path) -> _Followed:
        path_text, *identity = responses_identity(path)
        identity = tuple(identity)
        followed = self._followed.get(path_text)
        if followed is not None and followed.identity == identity:
            return followed
        grown = _grown(followed.loaded, path) if followed is not None else None
        if grown is None:
            followed = _Followed(identity, load_responses(path))
        else:
            followed = _Followed(identity, grown, followed.scores)
        self._followed[path_text] = followed
        return followed


def _grown(loaded: LoadedResponses, path: Path) -> LoadedResponses | None:
    """`loaded` extended by the responses committed since, or None when a whole load is due."""
    if loaded.committed is None:
        return None
    after = read_committed_after(path, loaded.committed)
    if after is None:
        return None
    fresh, committed = after
    if fresh.empty:
        return replace(loaded, committed=committed)
    old = loaded.frame
    if old["response_id"].cat.categories.isin(fresh["response_id"].unique()).any():
        return None  # a response id again (not how the store appends): read it as a whole
    frame = _appended(old, fresh)
    if [_kind(d) for d in frame.dtypes] != [_kind(d) for d in old.dtypes]:
        return None  # e.g. times of another precision: a whole load types them as one
    return replace(loaded, frame=frame, committed=committed)


def _kind(dtype: object) -> object:
    """A column's type, where categoricals with other categories are of one kind."""
    return "category" if isinstance(dtype, pd.CategoricalDtype) else dtype


def _appended(old: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """The rows of `old` then `fresh`; categories stay one sorted set, as a whole load has.

    Both sides are given the joint categories first, so the concatenation only joins codes (and
    Arrow text chunks) instead of comparing a million texts.
    """
    old, fresh = old.copy(deep=False), fresh.copy(deep=False)
    for name in old.columns:
        if isinstance(old[name].dtype, pd.CategoricalDtype):
            joint = old[name].cat.categories.union(fresh[name].cat.categories)
            if not joint.equals(old[name].cat.categories):
                old[name] = old[name].cat.set_categories(joint)
            fresh[name] = fresh[name].cat.set_categories(joint)
    return text_in_one_chunk(pd.concat([old, fresh], ignore_index=True))


def _grown_scores(
    scored: tuple[int, Scores] | None, frame: pd.DataFrame, questionnaire: Questionnaire
) -> Scores:
    """Scores of `frame`: those of its first rows (when known) plus the new responses'."""
    if scored is None or scored[0] > len(frame):
        return score_responses(frame, questionnaire)
    rows, earlier = scored
    new = score_responses(frame.iloc[rows:], questionnaire)
    report = _combined_report(earlier.report, new.report)
    if new.overall.empty or earlier.overall.empty:
        kept = earlier if new.overall.empty else new
        return Scores(kept.strategies, kept.overall, report)
    strategies = text_in_one_chunk(
        pd.concat([earlier.strategies, new.strategies], ignore_index=True)
    )
    overall = text_in_one_chunk(pd.concat([earlier.overall, new.overall], ignore_index=True))
    if _order_key(new.overall, 0) < _order_key(earlier.overall, -1):
        strategies, overall = _in_order(strategies, overall, len(questionnaire.strategies))
    return Scores(strategies, overall, report)


def _order_key(overall: pd.DataFrame, position: int) -> tuple[pd.Timestamp, str]:
    """Where a response sorts in scores: by time, then id (as `score_responses` orders them)."""
    row = overall.iloc[position]
    return row["submitted_at"], row["response_id"]


def _in_order(
    strategies: pd.DataFrame, overall: pd.DataFrame, per_response: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses sorted by time and id (an older one was appended, e.g. by an import); each
    response's strategy rows are one block of `per_response` rows, moved with it."""
    order = np.lexsort((overall["response_id"].to_numpy(), overall["submitted_at"].array.asi8))
    blocks = (order[:, None] * per_response + np.arange(per_response)).ravel()
    return (
        strategies.take(blocks).reset_index(drop=True),
        overall.take(order).reset_index(drop=True),
    )


def _combined_report(first: ScoringReport, second: ScoringReport) -> ScoringReport:
    """The report of two disjoint sets of responses scored together."""
    return ScoringReport(
        other_questionnaire_responses=first.other_questionnaire_responses
        + second.other_questionnaire_responses,
        unknown_item_answers=first.unknown_item_answers + second.unknown_item_answers,
        out_of_range_answers=first.out_of_range_answers + second.out_of_range_answers,
        unknown_item_ids=tuple(sorted({*first.unknown_item_ids, *second.unknown_item_ids})),
    )
